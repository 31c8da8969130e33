#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The ABI of the built libkmod.so.2: soname, version nodes and their chain,
# the node of every exported symbol (libkmod.sym, kmod's own list, Debian 12's
# and Debian 13's libkmod2), declarations in libkmod.h and kmod's enum values;
# every kmod_* symbol Debian 13's udev, systemd (dlopen) and dracut-install
# take from libkmod, and Debian 13's dracut-install run against ours.
# Symbols kmod has and we do not export yet are reported as TODO, not failures.

# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

lib=$top_builddir/libkmod/.libs/libkmod.so.2
symfile=$top_srcdir/libkmod/libkmod.sym
header_dir=$top_srcdir/libkmod
debian=${KMOD_TEST_DEBIAN_LIBKMOD:-/lib/x86_64-linux-gnu/libkmod.so.2}
cc=${CC:-cc}

need_or_skip_all "built libkmod.so.2" test -f "$lib"
need_or_skip_all "readelf (binutils)" readelf --version

# todo DESC: a known gap; a TODO failure does not fail the suite.
todo() {
	_tap_n=$((_tap_n + 1))
	echo "not ok $_tap_n - $* # TODO not implemented yet"
}

# exports SO [compat]: "symbol node" for each symbol SO defines, "-" for no
# node; with "compat", the non-default versions (symbol@node) instead.
exports() {
	readelf --dyn-syms -W "$1" | awk -v compat="${2:-}" '
		$1 ~ /^[0-9]+:$/ && NF >= 8 && $7 != "UND" && ($5 == "GLOBAL" || $5 == "WEAK") {
			name = $8
			at = index(name, "@")
			if (at == 0) {
				# The symbol naming a version node itself.
				if ($4 == "OBJECT" && $7 == "ABS")
					next
				print name, "-"
				next
			}
			sym = substr(name, 1, at - 1)
			node = substr(name, at + 1)
			if ((substr(node, 1, 1) != "@") != (compat != ""))
				next
			sub(/^@/, "", node)
			if (sym == node && $7 == "ABS")
				next
			print sym, node
		}' | sort
}

# version_chain SO: "node parent" for each version node SO defines.
version_chain() {
	readelf -V "$1" | awk '
		/Version definition section/ { on = 1; next }
		/Version (needs|symbols) section/ { on = 0 }
		!on { next }
		/Flags: BASE/ { base = 1; next }
		/Name: / {
			if (name != "") print name, parent
			name = $NF; parent = "-"; base = 0
			next
		}
		/Parent 1: / { parent = $NF }
		END { if (name != "") print name, parent }'
}

# symfile_nodes: "symbol node" for every symbol libkmod.sym exports.
symfile_nodes() {
	awk '
		/\/\*/ { comment = 1 }
		comment { if (/\*\//) comment = 0; next }
		/^[A-Za-z0-9_]+[ \t]*\{/ { node = $1; sub(/\{.*/, "", node); local = 0; next }
		/^[ \t]*local:/ { local = 1; next }
		/^[ \t]*global:/ { local = 0; next }
		/^[ \t]*\}/ { node = ""; next }
		node != "" && !local && /^[ \t]*[A-Za-z_][A-Za-z0-9_]*[ \t]*;/ {
			s = $1; sub(/;.*/, "", s); print s, node
		}' "$symfile" | sort
}

# kmod's exported symbols and their nodes (kmod 33 and later, 75 symbols).
kmod_nodes() {
	{
		for s in kmod_new kmod_ref kmod_unref kmod_set_log_fn kmod_get_log_priority \
			kmod_set_log_priority kmod_get_userdata kmod_set_userdata \
			kmod_load_resources kmod_unload_resources kmod_validate_resources \
			kmod_dump_index kmod_list_next kmod_list_prev kmod_list_last \
			kmod_config_get_blacklists kmod_config_get_install_commands \
			kmod_config_get_remove_commands kmod_config_get_aliases \
			kmod_config_get_options kmod_config_get_softdeps kmod_config_iter_get_key \
			kmod_config_iter_get_value kmod_config_iter_next kmod_config_iter_free_iter \
			kmod_module_new_from_name kmod_module_new_from_path \
			kmod_module_new_from_lookup kmod_module_new_from_loaded kmod_module_ref \
			kmod_module_unref kmod_module_unref_list kmod_module_get_module \
			kmod_module_insert_module kmod_module_remove_module \
			kmod_module_probe_insert_module kmod_module_get_dependencies \
			kmod_module_get_softdeps kmod_module_get_filtered_blacklist \
			kmod_module_get_options kmod_module_get_install_commands \
			kmod_module_get_remove_commands kmod_module_get_name kmod_module_get_path \
			kmod_module_initstate_str kmod_module_get_initstate kmod_module_get_refcnt \
			kmod_module_get_holders kmod_module_get_size kmod_module_get_sections \
			kmod_module_section_get_name kmod_module_section_get_address \
			kmod_module_section_free_list kmod_module_get_info kmod_module_info_get_key \
			kmod_module_info_get_value kmod_module_info_free_list \
			kmod_module_get_versions kmod_module_version_get_symbol \
			kmod_module_version_get_crc kmod_module_versions_free_list \
			kmod_module_get_symbols kmod_module_symbol_get_symbol \
			kmod_module_symbol_get_crc kmod_module_symbols_free_list \
			kmod_module_get_dependency_symbols kmod_module_dependency_symbol_get_symbol \
			kmod_module_dependency_symbol_get_crc kmod_module_dependency_symbol_get_bind \
			kmod_module_dependency_symbols_free_list; do
			echo "$s LIBKMOD_5"
		done
		echo "kmod_module_apply_filter LIBKMOD_6"
		echo "kmod_get_dirname LIBKMOD_22"
		echo "kmod_module_new_from_name_lookup LIBKMOD_30"
		echo "kmod_config_get_weakdeps LIBKMOD_33"
		echo "kmod_module_get_weakdeps LIBKMOD_33"
	} | sort
}

ours_ds="kmod_config_get_denies KMOD_DS_1
kmod_get_detached_sig_policy KMOD_DS_1
kmod_module_get_detached_sig_path KMOD_DS_1
kmod_set_detached_sig_policy KMOD_DS_1"

# node_of SYMBOL LIST: the node LIST ("symbol node" lines) gives SYMBOL, or "".
node_of() {
	printf '%s\n' "$2" | awk -v s="$1" '$1 == s { print $2 }'
}

ours=$(exports "$lib")
ours_compat=$(exports "$lib" compat)
sym=$(symfile_nodes)
kmod=$(kmod_nodes)

# ---- identity and version nodes -----------------------------------------------

is "$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')" "libkmod.so.2" "SONAME libkmod.so.2"
is "$(version_chain "$lib")" "LIBKMOD_5 -
LIBKMOD_6 LIBKMOD_5
LIBKMOD_22 LIBKMOD_6
LIBKMOD_30 LIBKMOD_22
LIBKMOD_33 LIBKMOD_30
KMOD_DS_1 LIBKMOD_33" "version nodes: kmod's chain, then KMOD_DS_1 on LIBKMOD_33"
is "$ours_compat" "kmod_module_new_from_name_lookup LIBKMOD_5" \
	"one compat version: kmod_module_new_from_name_lookup@LIBKMOD_5 (kmod 30-32)"
like "$(printf '%s\n' "$ours" | wc -l)" '^[1-9][0-9]*$' "exports found ($(printf '%s\n' "$ours" | wc -l))"

# ---- every export ---------------------------------------------------------------

is "$(printf '%s\n' "$ours" | awk '$2 !~ /^(LIBKMOD_(5|6|22|30|33)|KMOD_DS_1)$/')" "" \
	"every exported symbol is in LIBKMOD_5/6/22/30/33 or KMOD_DS_1"
is "$(printf '%s\n' "$ours" | awk '$1 !~ /^kmod_/')" "" "nothing but kmod_* is exported"
is "$(printf '%s\n' "$ours" | while read -r s n; do
	[ "$(node_of "$s" "$sym")" = "$n" ] || echo "$s@$n (libkmod.sym: $(node_of "$s" "$sym"))"
done)" "" "every exported symbol sits in the node libkmod.sym gives it"
is "$(printf '%s\n' "$sym" | grep -v ' KMOD_DS_1$')" "$kmod" \
	"libkmod.sym: kmod's 75 symbols in kmod's nodes"
is "$(printf '%s\n' "$sym" | grep ' KMOD_DS_1$')" "$ours_ds" "libkmod.sym: KMOD_DS_1 holds our 4 additions"
is "$(printf '%s\n' "$ours" | grep ' KMOD_DS_1$')" "$ours_ds" \
	"exported in KMOD_DS_1: exactly kmod_{get,set}_detached_sig_policy, kmod_module_get_detached_sig_path, kmod_config_get_denies"
is "$(printf '%s\n' "$ours" | while read -r s n; do
	k=$(node_of "$s" "$kmod")
	[ -z "$k" ] && [ "$n" = KMOD_DS_1 ] && continue
	[ "$k" = "$n" ] || echo "$s@$n (kmod: ${k:-none})"
done)" "" "every other export is kmod's symbol in kmod's node"

deb=
if [ -f "$debian" ]; then
	deb=$(exports "$debian")
fi
# Symbols of kmod releases newer than Debian's (those Debian has come last).
while read -r s n; do
	if [ -z "$(node_of "$s" "$ours")" ] && [ -z "$(node_of "$s" "$deb")" ]; then
		todo "$s@$n (kmod 33) is exported"
	fi
done << EOF
$kmod
EOF

# ---- libkmod.h --------------------------------------------------------------------

need_or_skip_all "a C compiler ($cc)" "$cc" --version

# Every export declared, as the function the library defines, and resolvable.
{
	echo "#include <libkmod.h>"
	echo "typedef void (*fn_t)(void);"
	echo "static const fn_t exported[] = {"
	printf '%s\n' "$ours" | awk '{ printf "\t(fn_t)%s,\n", $1 }'
	echo "};"
	echo "int main(void) { return exported[0] == 0; }"
} > "$testdir/declared.c"
if "$cc" -std=gnu11 -Werror -Wall -Wno-deprecated-declarations -I"$header_dir" -o "$testdir/declared" "$testdir/declared.c" \
	"$lib" > "$testdir/cc.log" 2>&1; then
	ok "libkmod.h declares every exported symbol (compiled and linked)"
	LD_LIBRARY_PATH=$(dirname "$lib") "$testdir/declared" > /dev/null 2>&1
	is "$?" 0 "a program using every export loads against libkmod.so.2 (versions resolved)"
else
	not_ok "libkmod.h declares every exported symbol (compiled and linked)"
	sed 's/^/# /' "$testdir/cc.log"
	skip "program using every export: did not build"
fi

# kmod's enum values (and ours), checked by the compiler.
cat > "$testdir/enums.c" << 'EOF'
#include <fcntl.h>
#include <libkmod.h>
#define EQ(a, b) _Static_assert((long long)(a) == (long long)(b), #a " == " #b)
EQ(KMOD_RESOURCES_OK, 0); EQ(KMOD_RESOURCES_MUST_RELOAD, 1); EQ(KMOD_RESOURCES_MUST_RECREATE, 2);
EQ(KMOD_INDEX_MODULES_DEP, 0); EQ(KMOD_INDEX_MODULES_ALIAS, 1); EQ(KMOD_INDEX_MODULES_SYMBOL, 2);
EQ(KMOD_INDEX_MODULES_BUILTIN_ALIAS, 3); EQ(KMOD_INDEX_MODULES_BUILTIN, 4);
EQ(_KMOD_INDEX_PAD, 1U << 31);
EQ(KMOD_INSERT_FORCE_VERMAGIC, 0x1); EQ(KMOD_INSERT_FORCE_MODVERSION, 0x2);
EQ(KMOD_PROBE_FORCE_VERMAGIC, 0x1); EQ(KMOD_PROBE_FORCE_MODVERSION, 0x2);
EQ(KMOD_PROBE_IGNORE_COMMAND, 0x4); EQ(KMOD_PROBE_IGNORE_LOADED, 0x8);
EQ(KMOD_PROBE_DRY_RUN, 0x10); EQ(KMOD_PROBE_FAIL_ON_LOADED, 0x20);
EQ(KMOD_PROBE_APPLY_BLACKLIST_ALL, 0x10000); EQ(KMOD_PROBE_APPLY_BLACKLIST, 0x20000);
EQ(KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY, 0x40000);
EQ(KMOD_REMOVE_FORCE, O_TRUNC); EQ(KMOD_REMOVE_NOWAIT, O_NONBLOCK); EQ(KMOD_REMOVE_NOLOG, 1);
EQ(KMOD_FILTER_BLACKLIST, 0x1); EQ(KMOD_FILTER_BUILTIN, 0x2);
EQ(KMOD_MODULE_BUILTIN, 0); EQ(KMOD_MODULE_LIVE, 1); EQ(KMOD_MODULE_COMING, 2);
EQ(KMOD_MODULE_GOING, 3); EQ(_KMOD_MODULE_PAD, 1U << 31);
EQ(KMOD_SYMBOL_NONE, '\0'); EQ(KMOD_SYMBOL_LOCAL, 'L'); EQ(KMOD_SYMBOL_GLOBAL, 'G');
EQ(KMOD_SYMBOL_WEAK, 'W'); EQ(KMOD_SYMBOL_UNDEF, 'U');
/* kmod-ds: clear of every kmod flag, and frozen. */
EQ(KMOD_INSERT_DETACHED_SIG_IGNORE, 0x10000000); EQ(KMOD_INSERT_DETACHED_SIG_REQUIRE, 0x20000000);
EQ(KMOD_PROBE_DETACHED_SIG_IGNORE, 0x10000000); EQ(KMOD_PROBE_DETACHED_SIG_REQUIRE, 0x20000000);
EQ(KMOD_DETACHED_SIG_AUTO, 0); EQ(KMOD_DETACHED_SIG_IGNORE, 1); EQ(KMOD_DETACHED_SIG_REQUIRE, 2);
EQ(sizeof(enum kmod_index), 4); EQ(sizeof(enum kmod_module_initstate), 4);
EOF
if "$cc" -std=gnu11 -I"$header_dir" -c -o "$testdir/enums.o" "$testdir/enums.c" \
	> "$testdir/cc.log" 2>&1; then
	ok "enum values of libkmod.h equal kmod's (KMOD_REMOVE_FORCE == O_TRUNC, ...)"
else
	not_ok "enum values of libkmod.h equal kmod's (KMOD_REMOVE_FORCE == O_TRUNC, ...)"
	sed 's/^/# /' "$testdir/cc.log"
fi
# The check above can fail: a wrong value does not compile.
printf '#include <libkmod.h>\n_Static_assert(KMOD_REMOVE_NOLOG == 2, "x");\n' > "$testdir/wrong.c"
if "$cc" -std=gnu11 -I"$header_dir" -c -o "$testdir/wrong.o" "$testdir/wrong.c" > /dev/null 2>&1; then
	not_ok "a wrong _Static_assert does not compile"
else
	ok "a wrong _Static_assert does not compile"
fi
if command -v c++ > /dev/null 2>&1; then
	printf '#include <libkmod.h>\nint main() { return kmod_new(nullptr, nullptr) != nullptr; }\n' \
		> "$testdir/cxx.cc"
	if c++ -fsyntax-only -Wall -Werror -I"$header_dir" "$testdir/cxx.cc" > "$testdir/cc.log" 2>&1; then
		ok "libkmod.h compiles as C++"
	else
		not_ok "libkmod.h compiles as C++"
		sed 's/^/# /' "$testdir/cc.log"
	fi
else
	skip "no C++ compiler"
fi

# ---- against Debian's libkmod2 ------------------------------------------------------

if need_or_skip "Debian's libkmod.so.2 (package libkmod2)" test -n "$deb"; then
	diag "Debian's $debian: $(printf '%s\n' "$deb" | wc -l) exports"
	is "$(version_chain "$debian" | while read -r n p; do
		[ "$(version_chain "$lib" | awk -v n="$n" '$1 == n { print $2 }')" = "$p" ] ||
			echo "$n on $p"
	done)" "" "Debian's version nodes exist here with the same parents"
	# kmod 33 moved kmod_module_new_from_name_lookup out of LIBKMOD_5, where
	# kmod 30 to 32 (Debian's) had put it by mistake; we follow kmod 33.
	is "$(printf '%s\n%s\n' "$deb" "$kmod" | sort | uniq -u |
		grep -v -e '^kmod_module_new_from_name_lookup LIBKMOD_\(5\|30\)$' -e ' LIBKMOD_33$')" "" \
		"kmod's list above agrees with Debian's exports (but LIBKMOD_33, new_from_name_lookup)"
	while read -r s n; do
		mine=$(node_of "$s" "$ours")
		if [ -z "$mine" ]; then
			todo "$s@$n (Debian) is exported"
		elif [ "$mine" = "$n" ]; then
			ok "$s@$n (Debian) is exported in the same node"
		elif [ "$s@$n:$mine" = kmod_module_new_from_name_lookup@LIBKMOD_5:LIBKMOD_30 ]; then
			is "$(node_of "$s" "$ours_compat")" "$n" \
				"$s@$n (Debian) is exported as a compat version, $s@@$mine the default (kmod 33)"
		else
			not_ok "$s@$n (Debian) is exported in the same node, not $mine"
		fi
	done << EOF
$deb
EOF
	# A program linked against Debian's library binds the versions it saw
	# there; it must start and work with ours in its place.
	cat > "$testdir/deb-linked.c" << 'EOF'
#include <errno.h>
#include <stdio.h>
#include <libkmod.h>
int main(void)
{
	struct kmod_ctx *ctx = kmod_new("/nonexistent", NULL);
	struct kmod_module *mod = NULL;
	int err = kmod_module_new_from_name_lookup(ctx, "no-such-module", &mod);

	printf("%d %d\n", ctx != NULL, err);
	kmod_unref(ctx);
	return 0;
}
EOF
	mkdir -p "$testdir/deb"
	ln -sf "$debian" "$testdir/deb/libkmod.so"
	if "$cc" -std=gnu11 -I"$header_dir" -o "$testdir/deb-linked" "$testdir/deb-linked.c" \
		-L"$testdir/deb" -lkmod > "$testdir/cc-deb.log" 2>&1; then
		is "$(readelf --dyn-syms -W "$testdir/deb-linked" |
			awk '$8 ~ /^kmod_module_new_from_name_lookup@/ { print $8 }')" \
			"kmod_module_new_from_name_lookup@LIBKMOD_5" \
			"a program linked against Debian's libkmod2 binds new_from_name_lookup@LIBKMOD_5"
		is "$(LD_LIBRARY_PATH=$(dirname "$lib") LD_BIND_NOW=1 "$testdir/deb-linked" 2>&1)" \
			"$(LD_BIND_NOW=1 "$testdir/deb-linked" 2>&1)" \
			"that program runs against our libkmod.so.2 and answers as with Debian's"
	else
		not_ok "a program linked against Debian's libkmod2 builds"
		sed 's/^/# /' "$testdir/cc-deb.log"
	fi

	# The symbol lists keep kmod's layout, which dracut-install relies on: it
	# reads dependency symbols with kmod_module_symbol_get_symbol().
	fixture=$top_builddir/testsuite/fixtures/mod-foo.ko
	cat > "$testdir/symbols.c" << 'EOF'
#include <inttypes.h>
#include <stdio.h>
#include <libkmod.h>
int main(int argc, char **argv)
{
	struct kmod_ctx *ctx = kmod_new("/nonexistent", NULL);
	struct kmod_module *mod = NULL;
	struct kmod_list *l, *e;

	if (ctx == NULL || kmod_module_new_from_path(ctx, argv[1], &mod) < 0)
		return 1;
	l = NULL;
	printf("deps %d\n", kmod_module_get_dependency_symbols(mod, &l));
	kmod_list_foreach(e, l)
		printf("[%s] [%s] %c %" PRIx64 "\n", kmod_module_symbol_get_symbol(e),
		       kmod_module_dependency_symbol_get_symbol(e),
		       kmod_module_dependency_symbol_get_bind(e) ?: '-',
		       kmod_module_dependency_symbol_get_crc(e));
	kmod_module_dependency_symbols_free_list(l);
	l = NULL;
	printf("versions %d\n", kmod_module_get_versions(mod, &l));
	kmod_list_foreach(e, l)
		printf("[%s] [%s] %" PRIx64 "\n", kmod_module_version_get_symbol(e),
		       kmod_module_symbol_get_symbol(e), kmod_module_version_get_crc(e));
	kmod_module_versions_free_list(l);
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return argc > 2;
}
EOF
	if [ -f "$fixture" ] && "$cc" -std=gnu11 -I"$header_dir" -o "$testdir/symbols" "$testdir/symbols.c" \
		-L"$testdir/deb" -lkmod > "$testdir/cc-sym.log" 2>&1; then
		want=$("$testdir/symbols" "$fixture" 2>&1)
		like "$want" "U" "Debian's libkmod2 lists the dependency symbols of $(basename "$fixture")"
		is "$(LD_LIBRARY_PATH=$(dirname "$lib") "$testdir/symbols" "$fixture" 2>&1)" "$want" \
			"symbol lists read through every accessor give what Debian's give (kmod's layout)"
	else
		not_ok "symbol-layout program builds (fixture $fixture)"
		sed 's/^/# /' "$testdir/cc-sym.log"
	fi
fi

# ---- against Debian 13 (kmod 34.2) and its consumers --------------------------------

# exported SYMBOL NODE: ours exports SYMBOL@NODE, as the default or a compat version.
exported() {
	[ "$(node_of "$1" "$ours")" = "$2" ] || [ "$(node_of "$1" "$ours_compat")" = "$2" ]
}

root13=$(bash "$top_srcdir/testsuite/debian-trixie.sh" root 2> "$testdir/trixie.err") || root13=
if need_or_skip "Debian 13's root (testsuite/debian-trixie.sh: $(tail -n 1 "$testdir/trixie.err"))" \
	test -n "$root13"; then
	lib13=$root13/usr/lib/x86_64-linux-gnu/libkmod.so.2
	deb13=$(exports "$lib13")
	diag "Debian 13's $(readlink -f "$lib13"): $(printf '%s\n' "$deb13" | wc -l) exports"
	is "$(version_chain "$lib13" | while read -r n p; do
		[ "$(version_chain "$lib" | awk -v n="$n" '$1 == n { print $2 }')" = "$p" ] ||
			echo "$n on $p"
	done)" "" "Debian 13's version nodes exist here with the same parents"
	is "$(printf '%s\n' "$deb13" | while read -r s n; do
		exported "$s" "$n" || echo "$s@$n"
	done)" "" "every symbol Debian 13's libkmod2 exports ($(printf '%s\n' "$deb13" | wc -l)) is ours, same node"
	printf '%s\n' "$deb13" | sort > "$testdir/deb13.list"
	printf '%s\n' "$kmod" | sort > "$testdir/kmod.list"
	is "$(comm -3 "$testdir/deb13.list" "$testdir/kmod.list")" "" \
		"Debian 13's exports are kmod's list above, node for node"

	debs=$(bash "$top_srcdir/testsuite/debian-trixie.sh" debs 2> "$testdir/debs.err") || debs=
	if need_or_skip "Debian 13's udev, systemd, libsystemd-shared, dracut-install" test -n "$debs"; then
		c13=$testdir/consumers13
		mkdir -p "$c13"
		printf '%s\n' "$debs" | while read -r _ d; do dpkg-deb -x "$d" "$c13"; done
		# versioned imports (linked) and names looked up with dlsym() by the
		# programs whose .note.dlopen asks for libkmod.so.2: the names Debian
		# 13's libkmod2 exports found among their strings, or ending one (the
		# linker merges "kmod_module_unref_list" into "sym_kmod_module_unref_list")
		find "$c13" -type f | sort | while read -r f; do
			readelf --dyn-syms -W "$f" 2> /dev/null |
				awk -v f="${f#"$c13"}" '$7 == "UND" && $8 ~ /^kmod_[a-z_]+@/ {
					split($8, a, "@"); print f, a[1], a[2] }'
		done > "$testdir/imports13"
		find "$c13" -type f | sort | while read -r f; do
			if grep -q -a '"soname":\["libkmod.so.2"\]' "$f"; then
				strings -a "$f" | awk -v f="${f#"$c13"}" '
					NR == FNR { want[$1] = 1; next }
					{ for (w in want) if (substr($0, length($0) - length(w) + 1) == w &&
						(length($0) == length(w) ||
						 substr($0, length($0) - length(w), 1) !~ /[a-z0-9]/))
						print f, w }' "$testdir/deb13.list" - | sort -u
			fi
		done > "$testdir/dlsym13"
		diag "$(cut -d' ' -f1 "$testdir/imports13" "$testdir/dlsym13" | sort | uniq -c)"
		like "$(wc -l < "$testdir/imports13")" '^[1-9][0-9]$' \
			"Debian 13's dracut-install links $(wc -l < "$testdir/imports13") versioned kmod_* symbols"
		is "$(while read -r f s n; do exported "$s" "$n" || echo "$f: $s@$n"; done \
			< "$testdir/imports13")" "" "every versioned import of Debian 13's consumers is ours, same node"
		like "$(wc -l < "$testdir/dlsym13")" '^[1-9][0-9]$' \
			"Debian 13's systemd dlopens libkmod.so.2 for $(wc -l < "$testdir/dlsym13") kmod_* names"
		is "$(while read -r f s; do [ -n "$(node_of "$s" "$ours")" ] || echo "$f: $s"; done \
			< "$testdir/dlsym13")" "" "every name Debian 13's systemd looks up is ours (default version)"
		# the way systemd finds them: dlopen by soname, dlsym without a version
		printf '%s\n' '#include <dlfcn.h>' '#include <stdio.h>' \
			'int main(int argc, char **argv) {' \
			'	void *h = dlopen("libkmod.so.2", RTLD_NOW | RTLD_LOCAL);' \
			'	if (h == NULL) { puts(dlerror()); return 1; }' \
			'	for (int i = 1; i < argc; i++) if (dlsym(h, argv[i]) == NULL) puts(argv[i]);' \
			'	return 0; }' > "$testdir/dlsym.c"
		if "$cc" -o "$testdir/dlsym" "$testdir/dlsym.c" -ldl > "$testdir/cc.log" 2>&1; then
			# shellcheck disable=SC2046 # one name a word
			is "$(LD_LIBRARY_PATH=$(dirname "$lib") "$testdir/dlsym" $(cut -d' ' -f2 "$testdir/dlsym13"))" \
				"" "dlopen(\"libkmod.so.2\") of ours and dlsym() find each of them"
		else
			not_ok "dlsym program builds"
			sed 's/^/# /' "$testdir/cc.log"
		fi

		# Debian 13's dracut-install, all symbols bound at start, installs
		# modules with their dependencies through our library as through its own
		di=$(find "$c13" -name dracut-install -type f -perm -u+x | head -n 1)
		fx=$top_builddir/testsuite/fixtures
		kv=$testdir/tree13/lib/modules/6.1.0-test
		if sanitizer_build; then
			skip "Debian 13's dracut-install cannot load our ASan-instrumented library"
		elif need_or_skip "dracut-install and the fixtures" test -x "$di" -a -f "$fx/mod-foo.ko"; then
			mkdir -p "$kv/kernel/lib" "$kv/kernel/fs" "$kv/kernel/drivers"
			cp "$fx/mod-foo-a.ko" "$kv/kernel/lib/"
			cp "$fx/mod-foo-b.ko" "$fx/mod-foo.ko" "$kv/kernel/fs/"
			cp "$fx/dummy.ko" "$kv/kernel/drivers/"
			"$top_builddir/tools/depmod" -b "$testdir/tree13" 6.1.0-test 2> /dev/null
			for side in deb13 ours; do
				path=$root13/usr/lib/x86_64-linux-gnu
				[ $side = ours ] && path=$(dirname "$lib"):$path
				mkdir -p "$testdir/dest-$side"
				LD_BIND_NOW=1 "$root13/lib64/ld-linux-x86-64.so.2" --library-path "$path" "$di" \
					-D "$testdir/dest-$side" --kerneldir "$kv" -m mod-foo rtnl-link-dummy \
					> "$testdir/di-$side.out" 2>&1
				echo "exit $?" >> "$testdir/di-$side.out"
				(cd "$testdir/dest-$side" 2> /dev/null && find . -type f | sort) >> "$testdir/di-$side.out"
			done
			like "$(cat "$testdir/di-deb13.out")" "mod-foo-a.ko" \
				"Debian 13's dracut-install with its libkmod installs mod-foo and what it needs"
			is_file "$testdir/di-ours.out" "$testdir/di-deb13.out" \
				"Debian 13's dracut-install does the same with our libkmod.so.2 (LD_BIND_NOW)"
		fi
	fi
fi

done_testing

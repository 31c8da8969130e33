#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The kmod multi-call binary: --version and its feature line against
# configure, help (testsuite/golden/kmod-help.txt), command errors, "kmod
# list" against lsmod, and the dispatch on the name it is called by (insmod,
# rmmod, lsmod symlinks; an unknown name); then against Debian's kmod.

# shellcheck disable=SC2034
# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

kmod=$top_builddir/tools/kmod
fx=$top_builddir/testsuite/fixtures
help_golden=$top_srcdir/testsuite/golden/kmod-help.txt
config=$top_builddir/config.h
# Without libcrypto (configure --without-openssl) kmod has no sign, verify
# and show-sig commands: the golden help less their lines.
if ! grep -q '^#define ENABLE_OPENSSL 1$' "$config"; then
	grep -v -E '^  (sign|verify|show-sig) ' "$help_golden" > "$testdir/kmod-help.txt"
	help_golden=$testdir/kmod-help.txt
fi

need_or_skip_all "trap library" test -f "$TRAP_LIB"
need_or_skip_all "kmod" test -x "$kmod"

unset TRAP_RESULTS TRAP_UNAME_R
TRAP_LOG=$testdir/trap.log
TRAP_ROOT=$testdir/root
features=$(sed -n 's/^#define KMOD_FEATURES "\(.*\)"$/\1/p' "$config")

log() { cat "$TRAP_LOG" 2> /dev/null; }

# A small kernel: foo (held by bar), bar, and a module without coresize.
tree() {
	rm -rf "$TRAP_ROOT" "$TRAP_LOG"
	mkdir -p "$TRAP_ROOT/proc" "$TRAP_ROOT/sys/module"
	for m in foo:1:12288 bar:0:987654321 nocore:0:; do
		name=${m%%:*} rest=${m#*:} refcnt=${rest%%:*} size=${rest#*:}
		mkdir -p "$TRAP_ROOT/sys/module/$name/holders"
		echo live > "$TRAP_ROOT/sys/module/$name/initstate"
		echo "$refcnt" > "$TRAP_ROOT/sys/module/$name/refcnt"
		[ -n "$size" ] && echo "$size" > "$TRAP_ROOT/sys/module/$name/coresize"
		echo "$name ${size:-4242} $refcnt - Live 0xffffffffc0000000" >> "$TRAP_ROOT/proc/modules"
	done
	ln -s ../../bar "$TRAP_ROOT/sys/module/foo/holders/bar"
}
tree_listing="Module                  Size  Used by
foo                    12288  1 bar
bar                 987654321  0
nocore                  4242  0"

# ---- 1. version -----------------------------------------------------------------

for o in --version -V; do
	trap_run "$kmod" $o
	is "$trap_rc|$trap_out|$trap_err" "0|kmod version 34
$features|" "kmod $o: version and the features of config.h"
done
like "$features" '^[+-]ZSTD [+-]XZ [+-]ZLIB [+-]LIBCRYPTO \+DETACHED_SIG$' \
	"feature line: ZSTD XZ ZLIB LIBCRYPTO each + or -, and +DETACHED_SIG"
for f in ZSTD:ENABLE_ZSTD XZ:ENABLE_XZ ZLIB:ENABLE_ZLIB LIBCRYPTO:ENABLE_OPENSSL; do
	sign=-
	grep -q "^#define ${f#*:} 1\$" "$config" && sign=+
	# shellcheck disable=SC2086
	got=$(printf '%s\n' $features | grep -x "[+-]${f%%:*}")
	is "$got" "$sign${f%%:*}" "feature line says $sign${f%%:*} as configured (${f#*:})"
done
for t in rmmod lsmod insmod; do
	trap_run "$top_builddir/tools/$t" -V
	is "$trap_rc|$trap_out" "0|kmod version 34
$features" "$t -V: the same version and features"
done

# ---- 2. help and command errors -------------------------------------------------

for o in help -h --help; do
	trap_run "$kmod" $o
	is "$trap_rc|$trap_err" "0|" "kmod $o: exit 0, silent on stderr"
	is_file "$testdir/stdout" "$help_golden" "kmod $o: help on stdout"
done

trap_run "$kmod"
is "$trap_rc|$trap_err" "1|missing command" "kmod alone: 'missing command', exit 1"
is_file "$testdir/stdout" "$help_golden" "kmod alone: help on stdout"

trap_run "$kmod" foo
is "$trap_rc|$trap_err" "1|invalid command 'foo'" "kmod foo: 'invalid command', exit 1"
is_file "$testdir/stdout" "$help_golden" "kmod foo: help on stdout"

trap_run "$kmod" -x list
is "$trap_rc|$trap_out|$trap_err" "1||$kmod: invalid option -- 'x'" "kmod -x: getopt's message, exit 1"
trap_run "$kmod" --bogus
is "$trap_rc|$trap_out|$trap_err" "1||$kmod: unrecognized option '--bogus'" "kmod --bogus: exit 1"

# Options after the command belong to the command.
trap_run "$kmod" list -x
is "$trap_rc|$trap_out|$trap_err" "1||list: invalid option -- 'x'" "kmod list -x: the command's option error"

# ---- 3. kmod list ---------------------------------------------------------------

tree
trap_run "$kmod" list
is "$trap_rc|$trap_out|$trap_err|$(log)" "0|$tree_listing||" "kmod list: the loaded modules, exit 0"
cp "$testdir/stdout" "$testdir/list.out"
trap_run "$top_builddir/tools/lsmod"
is_file "$testdir/list.out" "$testdir/stdout" "kmod list and lsmod: byte-identical output"

trap_run "$kmod" list extra
is "$trap_rc|$trap_out|$trap_err" "1||kmod: ERROR: too many arguments provided." \
	"kmod list with an argument: refused, exit 1"

rm "$TRAP_ROOT/proc/modules"
trap_run "$kmod" list
is "$trap_rc|$trap_out|$trap_err" "1||kmod: ERROR: could not open /proc/modules: No such file or directory
kmod: ERROR: could not get list of modules: No such file or directory" \
	"kmod list without /proc/modules: exit 1"

# ---- 4. dispatch on the program name --------------------------------------------

bin=$testdir/bin
mkdir -p "$bin"
for t in insmod rmmod lsmod foo kmod.real KMOD; do
	ln -s "$kmod" "$bin/$t"
done

tree
trap_run "$bin/lsmod"
is "$trap_rc|$trap_out|$trap_err" "0|$tree_listing|" "symlink lsmod: lsmod"
trap_run "$bin/lsmod" -h
like "$trap_rc|$trap_out" "^0\|Usage:
	lsmod \[options\]" "symlink lsmod -h: lsmod's usage under its own name"

tree
trap_run "$bin/rmmod" bar
is "$trap_rc|$trap_out|$trap_err|$(log)" "0|||delete_module name=bar flags=0x800" "symlink rmmod: rmmod"
trap_run "$bin/rmmod" nope
is "$trap_rc|$trap_err|$(log)" \
	"1|rmmod: ERROR: Module nope is not currently loaded|delete_module name=bar flags=0x800" \
	"symlink rmmod: messages carry the name it was called by"

if need_or_skip "fixture modules" test -f "$fx/dummy.ko"; then
	tree
	trap_run "$bin/insmod" "$fx/dummy.ko"
	is "$trap_rc|$trap_out|$trap_err|$(log)" "0|||finit_module file=$fx/dummy.ko flags=0 params=" \
		"symlink insmod: insmod"
fi
trap_run "$bin/insmod"
is "$trap_rc|$trap_err" "1|insmod: ERROR: missing filename." "symlink insmod, no file: insmod's message"

# An unknown name: main returns -ENOENT, exit status 254, nothing printed.
for t in foo kmod.real KMOD; do
	tree
	trap_run "$bin/$t" list
	is "$trap_rc|$trap_out|$trap_err|$(log)" "254|||" "symlink '$t': exit 254, silent"
done

# ---- 5. the same answers as Debian's kmod ---------------------------------------

deb_kmod=/usr/bin/kmod
if need_or_skip "Debian's kmod ($deb_kmod)" test -x "$deb_kmod"; then
	tree
	trap_run "$deb_kmod" list
	is "$trap_rc|$trap_out" "0|$tree_listing" "Debian's kmod list: the same listing"

	# Debian's help lists static-nodes and says "help [options]": only the stderr side.
	for a in "" foo; do
		# shellcheck disable=SC2086
		trap_run "$kmod" $a
		ours="$trap_rc|$trap_err"
		# shellcheck disable=SC2086
		trap_run "$deb_kmod" $a
		is "$ours" "$trap_rc|$trap_err" "Debian's kmod ${a:-alone}: same exit code and error"
	done
	for o in -x --bogus; do
		trap_run "$kmod" $o
		ours="$trap_rc|$trap_out|$(printf '%s\n' "$trap_err" | sed "s#^$kmod:#kmod:#")"
		trap_run "$deb_kmod" $o
		is "$ours" "$trap_rc|$trap_out|$(printf '%s\n' "$trap_err" | sed "s#^$deb_kmod:#kmod:#")" \
			"Debian's kmod $o: same exit code and message"
	done

	mkdir -p "$testdir/deb"
	ln -s "$deb_kmod" "$testdir/deb/foo"
	tree
	trap_run "$testdir/deb/foo" list
	is "$trap_rc|$trap_out|$trap_err|$(log)" "254|||" "Debian's kmod called 'foo': exit 254, silent too"
fi

# ---- libcrypto on first use -----------------------------------------------------
# Linking libcrypto costs every process ~2.5 ms before main(), so it is loaded only
# where a PKCS#7 signature is parsed (modinfo's signature fields) or for sign,
# verify and show-sig.  Where it cannot be loaded (a shim makes dlopen fail),
# modinfo shows what a build without libcrypto shows and the signature commands
# stop with the loader's reason.
if grep -q '^#define ENABLE_OPENSSL 1$' "$config" && command -v "${CC:-gcc}" > /dev/null; then
	ldso_loads() { # CMD...: how often the loader reports mapping libcrypto
		LD_DEBUG=files "$@" 2>&1 > /dev/null |
			grep -c 'file=libcrypto\.so[^ ]*  *\[0\]; *\(needed\|dynamically loaded\) by'
	}
	is "$(ldso_loads "$top_builddir/tools/modprobe" -d "$testdir/none" -S 1 --show-depends dummy)" 0 \
		"modprobe does not map libcrypto"
	is "$(ldso_loads "$top_builddir/tools/modinfo" "$fx/dummy.ko")" 0 \
		"modinfo of an unsigned module does not map libcrypto"
	is "$(ldso_loads "$top_builddir/tools/modinfo" "$fx/dummy-signed.ko")" 1 \
		"modinfo of a signed module loads libcrypto once"

	cat > "$testdir/nocrypto.c" << 'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
void *dlopen(const char *file, int mode)
{
	void *(*next)(const char *, int) = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");

	return file != NULL && strstr(file, "libcrypto") != NULL ? NULL : next(file, mode);
}
EOF
	"${CC:-gcc}" -shared -fPIC -o "$testdir/nocrypto.so" "$testdir/nocrypto.c"
	nocrypto() { LD_PRELOAD=$testdir/nocrypto.so${LD_PRELOAD:+:$LD_PRELOAD} "$@"; }
	out=$(nocrypto "$top_builddir/tools/modinfo" "$fx/dummy-signed.ko" 2>&1)
	is "$?|$(printf '%s\n' "$out" | grep -E '^(sig_id|signer|sig_key|sig_hashalgo|signature):')" \
		"0|sig_id:         PKCS#7
signer:         
sig_key:        
sig_hashalgo:   unknown
signature:      " "no libcrypto: modinfo shows the type only, as a build without it"
	for c in "sign -k key.pem -c cert.pem" "verify -c cert.pem" "show-sig"; do
		# shellcheck disable=SC2086
		out=$(nocrypto "$kmod" $c "$fx/dummy-signed.ko" 2>&1)
		is "$?|$out" "1|kmod: ERROR: cannot use libcrypto: cannot load libcrypto.so.3" \
			"no libcrypto: kmod ${c%% *} fails with the reason"
	done
else
	skip "built without libcrypto or no C compiler: libcrypto loading"
fi

done_testing

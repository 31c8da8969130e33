#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# make install DESTDIR=<scratch>, then:
#   1. the layout: exactly the expected files and symbolic links for the
#      configured directories (nothing else: no libtool archive), their modes,
#      the link targets (relative where they can be, so the tree works on its
#      own), the library's soname, the empty /etc/modprobe.d;
#   2. the installed tools run from DESTDIR: every name prints the build's
#      version; depmod, modprobe, modinfo and kmod verify on a small module tree
#      with detached signatures and a "search updates signed built-in" depmod.d;
#   3. pkg-config --variable on the installed libkmod.pc and kmod.pc;
#   4. a program compiled with the installed header and pkg-config file, linked
#      against the installed libkmod.so, run against that tree;
#   5. the installed bash completion against the commands, options and values
#      the installed kmod documents in its help texts;
#   6. Debian 12's packages kmod, libkmod2 and libkmod-dev (their .debs, cached in
#      ${XDG_CACHE_HOME:-$HOME/.cache}/kmod-ds/debs): every path they ship, read
#      through /usr-merge (/bin, /sbin and /lib are /usr/...) and Debian's
#      multiarch libdir, is installed by us too, of the same kind, links
#      resolving to the same file, apart from Debian's own additions listed
#      below (only for --prefix=/usr);
#   7. make uninstall DESTDIR=... leaves no file behind.
# The hooks contrib/initramfs-tools/hooks/kmod-detached-sig and
# contrib/dracut/90kmod-detached-sig/module-setup.sh are part of the layout.

set -uo pipefail
# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

export LC_ALL=C
fx=$top_builddir/testsuite/fixtures
root=$testdir/root

# A make of our build tree, outside the make that runs the tests.
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
		make --no-print-directory -C "$top_builddir" "$@"
}

need_or_skip_all "make" command -v make
need_or_skip_all "fixture modules" test -f "$fx/mod-foo-a.ko.trailer"

# ---- the configured directories ----------------------------------------------------

declare -A cfg
while IFS='=' read -r k v; do
	cfg[$k]=$v
done < <(mk -s testsuite-install-dirs)
for k in prefix bindir sbindir libdir includedir datadir mandir sysconfdir distconfdir \
	module_directory scdoc cc pkg_config; do
	if [ -z "${cfg[$k]+set}" ]; then
		echo "Bail out! make testsuite-install-dirs did not give $k"
		exit 1
	fi
done
bindir=${cfg[bindir]} sbindir=${cfg[sbindir]} libdir=${cfg[libdir]}
datadir=${cfg[datadir]} mandir=${cfg[mandir]} prefix=${cfg[prefix]}
diag "prefix=$prefix bindir=$bindir sbindir=$sbindir libdir=$libdir"

kmod_build=$top_builddir/tools/kmod
version_text=$("$kmod_build" --version)

# ---- 1. make install and the layout ----------------------------------------------------

mk install DESTDIR="$root" > "$testdir/install.log" 2>&1
rc=$?
is "$rc" 0 "make install DESTDIR=<scratch> succeeds"
if [ "$rc" -ne 0 ]; then
	tail -n 30 "$testdir/install.log" | sed 's/^/# /'
	done_testing
fi

# How the compat links must point at kmod: see tools/Makemodule.am.
if [ "$sbindir" = "$bindir" ]; then
	sbin_target=kmod
elif [ "$(dirname "$sbindir")" = "$(dirname "$bindir")" ]; then
	sbin_target=../$(basename "$bindir")/kmod
else
	sbin_target=$bindir/kmod
fi
if [ "$prefix" = /usr ] && [ "$bindir" = /usr/bin ] && [ "$sbindir" = /usr/sbin ]; then
	is "$sbin_target" ../bin/kmod "with --prefix=/usr the compat links are ../bin/kmod"
fi

man8="kmod insmod rmmod lsmod modinfo modprobe depmod kmod-sign kmod-attach kmod-detach
	kmod-verify kmod-show-sig"
man5="modprobe.d depmod.d modules.dep"

# One line per path: f<mode> PATH, l PATH TARGET, or d PATH (an empty directory).
{
	echo "f755 $bindir/kmod"
	echo "l $bindir/lsmod kmod"
	echo "f755 $bindir/kmod-sigpkg"
	for t in depmod insmod lsmod modinfo modprobe rmmod; do
		echo "l $sbindir/$t $sbin_target"
	done
	echo "f755 $libdir/libkmod.so.2.5.1"
	echo "l $libdir/libkmod.so.2 libkmod.so.2.5.1"
	echo "l $libdir/libkmod.so libkmod.so.2.5.1"
	echo "f644 $libdir/pkgconfig/libkmod.pc"
	echo "f644 ${cfg[includedir]}/libkmod.h"
	echo "f644 $datadir/pkgconfig/kmod.pc"
	echo "f644 $datadir/bash-completion/completions/kmod"
	echo "f755 $datadir/initramfs-tools/hooks/kmod-detached-sig"
	echo "f755 $prefix/lib/dracut/modules.d/90kmod-detached-sig/module-setup.sh"
	echo "d ${cfg[sysconfdir]}/modprobe.d"
	if [ "${cfg[scdoc]}" != no ]; then
		for p in $man8; do
			echo "f644 $mandir/man8/$p.8"
		done
		for p in $man5; do
			echo "f644 $mandir/man5/$p.5"
		done
		echo "l $mandir/man5/modules.dep.bin.5 modules.dep.5"
		echo "f644 $mandir/man7/kmod-detached-signatures.7"
		echo "f644 $mandir/man1/kmod-sigpkg.1"
	fi
} > "$testdir/expected"
if [ "${cfg[scdoc]}" = no ]; then
	need_or_skip "scdoc (the man pages are not built)" false
fi

want=$(awk '$1 != "d" { print $2 }' "$testdir/expected" | sort)
got=$(cd "$root" && find . -mindepth 1 \( -type f -o -type l \) -printf '/%P\n' | sort)
is "$got" "$want" "installed files and links: exactly the expected ones"
is "$(cd "$root" && find . -name '*.la' -printf '/%P\n')" "" "no libtool archive installed"

while read -r kind path target; do
	case $kind in
	f*)
		if [ -f "$root$path" ] && [ ! -L "$root$path" ]; then
			is "$(stat -c %a "$root$path")" "${kind#f}" "$path: a file, mode ${kind#f}"
		else
			not_ok "$path: a file, mode ${kind#f}"
		fi
		;;
	l)
		got=$(readlink "$root$path")
		if [ "$got" != "$target" ]; then
			not_ok "$path -> $target"
			diag "it points to '$got'"
		elif [[ $target == /* ]]; then
			ok "$path -> $target (absolute: resolved outside DESTDIR)"
		elif [ -f "$(dirname "$root$path")/$target" ]; then
			ok "$path -> $target, which is installed"
		else
			not_ok "$path -> $target, which is installed"
		fi
		;;
	d)
		if [ -d "$root$path" ] && [ -z "$(ls -A "$root$path")" ]; then
			ok "$path: an empty directory"
		else
			not_ok "$path: an empty directory"
		fi
		;;
	esac
done < "$testdir/expected"

need_or_skip "readelf" command -v readelf &&
	like "$(readelf -d "$root$libdir/libkmod.so.2.5.1")" 'Library soname: \[libkmod\.so\.2\]' \
		"libkmod.so.2.5.1 has the soname libkmod.so.2"

# ---- 2. the installed tools, run from DESTDIR ---------------------------------------------

for t in "$bindir/kmod" "$bindir/lsmod" "$sbindir"/{depmod,insmod,lsmod,modinfo,modprobe,rmmod}; do
	is "$("$root$t" --version 2>&1)" "$version_text" "$t --version from DESTDIR: the build's"
done
if [[ $sbin_target != /* ]]; then
	is "$(readlink -f "$root$sbindir/modprobe")" "$(readlink -f "$root$bindir/kmod")" \
		"DESTDIR's modprobe is DESTDIR's kmod"
fi

# A module tree: mod-foo needs mod-foo-b and mod-foo-a, mod-foo-b needs mod-foo-a.
# kernel/ holds unsigned modules, signed/ a copy of mod-foo-a with its .sig.
kv=9.9.9-install
tree=$testdir/tree
mdir=$tree${cfg[module_directory]}/$kv
mkdir -p "$mdir/kernel" "$mdir/signed" "$testdir/depmod-signed.d" "$testdir/depmod-kernel.d" \
	"$testdir/modprobe.d"
cp "$fx/mod-foo.ko" "$fx/mod-foo-a.ko" "$fx/mod-foo-b.ko" "$mdir/kernel/"
cp "$fx/mod-foo-a.ko" "$mdir/signed/"
cp "$fx/mod-foo-a.ko.trailer" "$mdir/signed/mod-foo-a.ko.sig"
printf 'kernel/mod-foo-a.ko\nkernel/mod-foo-b.ko\nkernel/mod-foo.ko\n' > "$mdir/modules.order"
: > "$mdir/modules.builtin"
: > "$mdir/modules.builtin.modinfo"
echo "search updates signed built-in" > "$testdir/depmod-signed.d/signed.conf"
echo "search updates built-in signed" > "$testdir/depmod-kernel.d/kernel.conf"

"$root$sbindir/depmod" -b "$tree" -C "$testdir/depmod-kernel.d" "$kv" > "$testdir/out" 2>&1
is "$?|$(cat "$testdir/out")" "0|" "depmod from DESTDIR, search updates built-in signed"
like "$(cat "$mdir/modules.dep")" '^kernel/mod-foo\.ko: kernel/mod-foo-b\.ko kernel/mod-foo-a\.ko$' \
	"built-in before signed: mod-foo-a is kernel/'s"

"$root$sbindir/depmod" -b "$tree" -C "$testdir/depmod-signed.d" "$kv" > "$testdir/out" 2>&1
is "$?|$(cat "$testdir/out")" "0|" "depmod from DESTDIR, search updates signed built-in"
is "$(cat "$mdir/modules.dep")" "kernel/mod-foo-b.ko: signed/mod-foo-a.ko
kernel/mod-foo.ko: kernel/mod-foo-b.ko signed/mod-foo-a.ko
signed/mod-foo-a.ko:" "signed before built-in: modules.dep takes signed/mod-foo-a.ko, no .sig"

"$root$sbindir/modprobe" -C "$testdir/modprobe.d" -d "$tree" -S "$kv" -D --show-sigs mod-foo \
	> "$testdir/out" 2>&1
is "$?|$(cat "$testdir/out")" "0|insmod $mdir/signed/mod-foo-a.ko 
sig $mdir/signed/mod-foo-a.ko.sig
insmod $mdir/kernel/mod-foo-b.ko 
insmod $mdir/kernel/mod-foo.ko " "modprobe -D --show-sigs from DESTDIR names the .sig"

"$root$sbindir/modinfo" -b "$tree" -k "$kv" -F sig_file mod-foo-a > "$testdir/out" 2>&1
is "$?|$(cat "$testdir/out")" "0|$mdir/signed/mod-foo-a.ko.sig" \
	"modinfo -F sig_file from DESTDIR"

if has_feature LIBCRYPTO; then
	"$root$bindir/kmod" verify -c "$fx/cert.pem" "$mdir/signed/mod-foo-a.ko" > "$testdir/out" 2>&1
	rc=$?
	like "$rc|$(cat "$testdir/out")" "^0\|$mdir/signed/mod-foo-a\.ko: OK \(detached" \
		"kmod verify from DESTDIR checks the detached signature"
else
	skip "kmod verify: built without libcrypto"
fi

# ---- 3. pkg-config ----------------------------------------------------------------------

export PKG_CONFIG_LIBDIR=$root$libdir/pkgconfig:$root$datadir/pkgconfig
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
pc=${cfg[pkg_config]}
pcvar() {
	"$pc" --variable="$2" "$1" 2>&1
}
kversion=$(sed -n 's/^kmod version //p' <<< "$version_text")
is "$("$pc" --modversion kmod 2>&1)|$("$pc" --modversion libkmod 2>&1)" "$kversion|$kversion" \
	"pkg-config --modversion kmod and libkmod: the version kmod prints"
is "$(pcvar kmod sysconfdir)" "${cfg[sysconfdir]}" "kmod.pc: sysconfdir"
is "$(pcvar kmod distconfdir)" "${cfg[distconfdir]}" "kmod.pc: distconfdir"
is "$(pcvar kmod module_directory)" "${cfg[module_directory]}" "kmod.pc: module_directory"
comp=
has_feature ZSTD && comp="$comp zstd"
has_feature XZ && comp="$comp xz"
has_feature ZLIB && comp="$comp zlib"
is "$(pcvar kmod module_compressions)" "${comp# }" \
	"kmod.pc: module_compressions, as the features of kmod --version"
sigs=legacy
has_feature LIBCRYPTO && sigs="PKCS7 legacy"
is "$(pcvar kmod module_signatures)" "$sigs" "kmod.pc: module_signatures"
is "$(pcvar kmod module_detached_signatures)" "trailer pkcs7" \
	"kmod.pc: module_detached_signatures, the .sig formats"
is "$(pcvar kmod depmodd)|$(pcvar libkmod depmodd)" \
	"${cfg[distconfdir]}/depmod.d|${cfg[distconfdir]}/depmod.d" "kmod.pc and libkmod.pc: depmodd"
is "$(pcvar libkmod libdir)|$(pcvar libkmod includedir)" "$libdir|${cfg[includedir]}" \
	"libkmod.pc: libdir and includedir"

# ---- 4. a program built against the installed library ----------------------------------

export PKG_CONFIG_SYSROOT_DIR=$root
like "$("$pc" --libs libkmod 2>&1)" "^(-L$root$libdir )?-lkmod *$" "libkmod.pc: Libs, -lkmod"
like "$("$pc" --cflags libkmod 2>&1)" "^(-I$root${cfg[includedir]} *)?$" \
	"libkmod.pc: Cflags, the include directory"

cat > "$testdir/prog.c" << 'EOF'
#include <stdio.h>
#include <libkmod.h>

int main(int argc, char *argv[])
{
	static const char *const no_config[] = { NULL };
	struct kmod_ctx *ctx = kmod_new(argv[1], no_config);
	struct kmod_list *list = NULL, *it;

	if (ctx == NULL || argc != 3)
		return 2;
	if (kmod_module_new_from_lookup(ctx, argv[2], &list) < 0)
		return 3;
	kmod_list_foreach(it, list) {
		struct kmod_module *mod = kmod_module_get_module(it);
		const char *sig = kmod_module_get_detached_sig_path(mod);

		printf("%s %s %s\n", kmod_module_get_name(mod), kmod_module_get_path(mod),
		       sig != NULL ? sig : "-");
		kmod_module_unref(mod);
	}
	kmod_module_unref_list(list);
	kmod_unref(ctx);
	return 0;
}
EOF
# shellcheck disable=SC2046 # the flags are words
${cfg[cc]} $("$pc" --cflags libkmod) -o "$testdir/prog" "$testdir/prog.c" \
	$("$pc" --libs libkmod) > "$testdir/out" 2>&1
rc=$?
# a sanitizer build's libkmod pulls in libasan, whose tmpnam and the like the linker warns about
if sanitizer_build; then
	sed -i "/libasan\.so[.0-9]*: warning: the use of \`/d" "$testdir/out"
fi
is "$rc|$(cat "$testdir/out")" "0|" "a program compiles with the installed libkmod.h and libkmod.pc"
need_or_skip "readelf" command -v readelf &&
	like "$(readelf -d "$testdir/prog")" 'Shared library: \[libkmod\.so\.2\]' \
		"it links libkmod.so.2 through the libkmod.so link"
LD_LIBRARY_PATH=$root$libdir "$testdir/prog" "$mdir" mod-foo-a > "$testdir/out" 2>&1
is "$?|$(cat "$testdir/out")" "0|mod_foo_a $mdir/signed/mod-foo-a.ko $mdir/signed/mod-foo-a.ko.sig" \
	"it runs with the installed libkmod.so.2 and finds the detached signature"

unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR

# ---- 5. bash completion ---------------------------------------------------------------

compfile=$root$datadir/bash-completion/completions/kmod
mkdir -p "$testdir/cwd/sub"
touch "$testdir/cwd/"{a.ko,b.ko.xz,c.ko.zst,d.ko.gz,a.ko.sig,a.p7s,notes.txt}

# complete WORD... : what _kmod offers for the last word, sorted, one line.
complete_words() {
	(
		cd "$testdir/cwd" || exit 1
		# shellcheck disable=SC1090
		. "$compfile"
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_kmod
		if [ "${#COMPREPLY[@]}" -gt 0 ]; then
			printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
		fi
	) 2>&1
}
# shellcheck disable=SC1090
is "$(. "$compfile" 2>&1 && complete -p kmod)" "complete -F _kmod kmod" \
	"the completion loads and registers _kmod for kmod"

commands=$("$root$bindir/kmod" help | sed -n '/^Commands:/,/^$/{s/^  \([a-z-]*\) .*/\1/p}' | sort)
offered=$(complete_words kmod "" | tr ' ' '\n' | sed '/^$/d')
without_crypto=$(printf '%s\n' "$offered" | grep -vxE 'sign|verify|show-sig')
if has_feature LIBCRYPTO; then
	is "$offered" "$commands" "kmod <TAB>: the commands of kmod help"
else
	is "$without_crypto" "$commands" "kmod <TAB>: the commands of kmod help (+3 of libcrypto)"
fi
is "$(complete_words kmod -)" "--help --version -V -h " "kmod -<TAB>: the global options"

# nonempty TEXT: the lines of TEXT that are not empty
nonempty() {
	printf '%s\n' "$1" | sed '/^$/d'
}
for c in $commands; do
	[ "$c" = help ] && continue
	helptext=$("$root$bindir/kmod" "$c" --help 2>&1)
	documented=$(grep -oE -- '--[a-z][a-z-]*' <<< "$helptext" | sort -u)
	longs=$(complete_words kmod "$c" - | tr ' ' '\n' | grep -- '^--' | sort -u)
	missing=$(comm -23 <(nonempty "$documented") <(nonempty "$longs") | tr '\n' ' ')
	extra=$(comm -13 <(nonempty "$documented") <(nonempty "$longs") | grep -vx -- --help |
		tr '\n' ' ')
	is "$missing|$extra" "|" "kmod $c -<TAB>: the long options of kmod $c --help"
done

formats=$("$root$bindir/kmod" static-nodes --help | sed -n '/^Formats:/,$s/^\t\([a-z]*\) .*/\1/p' |
	sort | tr '\n' ' ')
is "$(complete_words kmod static-nodes --format = "")" "$formats" \
	"kmod static-nodes --format=<TAB>: the formats of its help"
is "$(complete_words kmod static-nodes -f t)" "tmpfiles " "kmod static-nodes -f t<TAB>"
is "$(complete_words kmod sign -f "")" "pkcs7 trailer " "kmod sign -f <TAB>: trailer, pkcs7"
is "$(complete_words kmod detach --format = p)" "pkcs7 " "kmod detach --format=p<TAB>"
is "$(complete_words kmod attach -Z "")" "gzip none xz zstd " "kmod attach -Z <TAB>"
like "$(complete_words kmod sign -a sha)" "sha256 .*sha512 " "kmod sign -a sha<TAB>: digests"
is "$(complete_words kmod sign -k key.pem "")" "a.ko b.ko.xz c.ko.zst d.ko.gz sub " \
	"kmod sign ... <TAB>: module files and directories"
is "$(complete_words kmod attach a.ko "")" "a.ko.sig a.p7s sub " \
	"kmod attach MODULE <TAB>: signature files"
is "$(complete_words kmod verify --all "")" "sub " "kmod verify --all <TAB>: directories"
is "$(complete_words kmod sign -o n)" "notes.txt " "kmod sign -o <TAB>: any file"
is "$(complete_words kmod help "")" "" "kmod help <TAB>: nothing"

# ---- 6. Debian's packages -----------------------------------------------------------------

debs=${XDG_CACHE_HOME:-$HOME/.cache}/kmod-ds/debs

# cached_deb PACKAGE: the newest complete .deb of PACKAGE in the cache, downloaded
# with apt-get if there is none.
cached_deb() {
	local f best='' tmp
	mkdir -p "$debs"
	for f in $(find "$debs" -maxdepth 1 -name "${1}_*.deb" -print | sort -V); do
		dpkg-deb -I "$f" > /dev/null 2>&1 && best=$f
	done
	if [ -z "$best" ]; then
		tmp=$(mktemp -d "$debs/.download.XXXXXX") || return 1
		if (cd "$tmp" && apt-get download "$1") > "$testdir/apt.log" 2>&1; then
			for f in "$tmp/${1}"_*.deb; do
				dpkg-deb -I "$f" > /dev/null 2>&1 && mv "$f" "$debs/" && best=$debs/${f##*/}
			done
		fi
		rm -rf "$tmp"
	fi
	[ -n "$best" ] && echo "$best"
}

# Debian's path as it is on a merged-/usr system, in our directories.
debian_map() {
	local p=$1
	case $p in
	/bin/* | /sbin/* | /lib/*) p=/usr$p ;;
	esac
	if [[ $p =~ ^/usr/lib/[a-z0-9_]+-linux-[a-z0-9_]+/(.*)$ ]]; then
		p=$libdir/${BASH_REMATCH[1]}
	fi
	case $p in
	/usr/share/man/*.gz) p=${p%.gz} ;;
	esac
	case $p in
	"$libdir"/libkmod.so.2.*.*) p=$libdir/libkmod.so.2.5.1 ;;
	esac
	echo "$p"
}

# Debian's own additions, not part of kmod: the changelog and copyright, the
# API documentation (gtk-doc), the sysvinit script that loads /etc/modules, its
# aliases.conf, the initramfs-tools hook that copies kmod itself (ours is
# kmod-detached-sig) and the pages of /etc/modules.
debian_only='^(/usr/share/doc/|/usr/share/gtk-doc/|/etc/init\.d/kmod$|/usr/lib/modprobe\.d/aliases\.conf$|/usr/share/initramfs-tools/hooks/kmod$|/usr/share/man/(fr/)?man5/modules\.5$|/usr/share/man/fr/)'

if [ "$prefix" != /usr ] || [ "$mandir" != /usr/share/man ]; then
	skip "comparison with Debian's packages: only for --prefix=/usr"
elif need_or_skip "dpkg-deb and apt-get" command -v dpkg-deb apt-get; then
	listing=$testdir/debian.lst
	: > "$listing"
	for p in kmod libkmod2 libkmod-dev; do
		deb=$(cached_deb "$p")
		if [ -z "$deb" ]; then
			need_or_skip "Debian's $p package (apt-get download $p)" false
			continue
		fi
		diag "Debian: ${deb##*/}"
		# "<type> <path> [<target>]", without the leading "."
		dpkg-deb -c "$deb" |
			awk '{ t = substr($1, 1, 1); p = substr($6, 2); sub("/$", "", p);
			       if (p != "") print t, p, ($7 == "->" ? $8 : "") }' >> "$listing"
	done
	n=0
	# shellcheck disable=SC2094 # the listing is only read
	while read -r t p target; do
		case $t in
		d)
			# Only directories shipped empty are shipped for their own sake.
			grep -q " $p/" "$listing" && continue
			;;
		esac
		ours=$(debian_map "$p")
		[[ $ours =~ $debian_only ]] && continue
		n=$((n + 1))
		case $t in
		d)
			if [ -d "$root$ours" ]; then
				ok "Debian's directory $p: $ours"
			else
				not_ok "Debian's directory $p: $ours"
			fi
			;;
		-)
			if [ -f "$root$ours" ] && [ ! -L "$root$ours" ]; then
				ok "Debian's file $p: $ours"
			else
				not_ok "Debian's file $p: $ours"
			fi
			;;
		l)
			# Both links must lead to the same file, once mapped.
			[[ $target == /* ]] || target=$(dirname "$p")/$target
			want=$(debian_map "$(realpath -ms "$target")")
			if [ -L "$root$ours" ]; then
				got=$(readlink "$root$ours")
				[[ $got == /* ]] || got=$(dirname "$ours")/$got
				got=$(realpath -ms "$got")
			else
				got="(not a link)"
			fi
			is "$got" "$want" "Debian's link $p: $ours, to $want"
			;;
		esac
	done < "$listing"
	diag "$n paths of Debian's kmod, libkmod2 and libkmod-dev compared"
fi

# ---- 7. make uninstall ------------------------------------------------------------------

mk uninstall DESTDIR="$root" > "$testdir/uninstall.log" 2>&1
is "$?" 0 "make uninstall DESTDIR=<scratch> succeeds"
is "$(cd "$root" && find . \( -type f -o -type l \) -printf '/%P\n')" "" \
	"make uninstall leaves no file or link behind"

done_testing

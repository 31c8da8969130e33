#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# contrib/initramfs-tools/hooks/kmod-detached-sig and the libraries libkmod
# loads with dlopen, which copy_exec of kmod (ldd) does not see: the hook
# copies the decompressor of each format of the compressed modules left
# with a .sig in the image (liblzma, libzstd, zlib), libcrypto under
# "detached_sig require", and nothing else; a library the tools do not name
# fails the image with a message naming it.  The hook runs as mkinitramfs
# runs it (DESTDIR, version, verbose=y) with our modprobe first in PATH;
# hook-functions is a stand-in whose copy_exec records its argument (the
# copy of the hook sources it instead of /usr/share/initramfs-tools's).
# test-initramfs-tools.sh runs the hook in Debian's own mkinitramfs.

# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"
set -u

hook=$top_srcdir/contrib/initramfs-tools/hooks/kmod-detached-sig
fx=$top_builddir/testsuite/fixtures
kmod=$top_builddir/tools/kmod
need_or_skip_all "fixture modules" test -f "$fx/dummy.ko" -a -f "$fx/dummy.ko.trailer"
need_or_skip_all "gzip" gzip --version

w=$testdir/w
kver=6.1.0-hooktest
img=$w/dest/lib/modules/$kver/kernel
mkdir -p "$w/hooks" "$w/bin" "$img" "$w/dest/etc/modprobe.d"
sed "s|^\\. /usr/share/initramfs-tools/hook-functions\$|. $w/hook-functions|" "$hook" \
	> "$w/hooks/kmod-detached-sig"
grep -q "^\\. $w/hook-functions\$" "$w/hooks/kmod-detached-sig" ||
	echo "Bail out! the hook no longer sources /usr/share/initramfs-tools/hook-functions"
echo "copy_exec() { echo \"\$1\" >> '$w/copied'; }" > "$w/hook-functions"

# run MODPROBE: the hook with that modprobe; rc, its stdout+stderr, what it copied
run() {
	rm -f "$w/copied"
	ln -sf "$1" "$w/bin/modprobe"
	out=$(cd / && env -u KMOD_DETACHED_SIG -u MODPROBE_OPTIONS PATH="$w/bin:$PATH" \
		DESTDIR="$w/dest" version=$kver verbose=y sh "$w/hooks/kmod-detached-sig" 2>&1)
	rc=$?
	copied=$(sed 's|.*/||' "$w/copied" 2> /dev/null | tr '\n' ' ')
}
# put FILE [sig]: the dummy module in the image as FILE, compressed by its
# name, with FILE.sig when asked
put() {
	case $1 in
	*.gz) gzip -c "$fx/dummy.ko" > "$img/$1" ;;
	*.xz) xz -c "$fx/dummy.ko" > "$img/$1" ;;
	*.zst) zstd -q -c "$fx/dummy.ko" > "$img/$1" ;;
	*) cp "$fx/dummy.ko" "$img/$1" ;;
	esac
	[ "${2:-}" != sig ] || cp "$fx/dummy.ko.trailer" "$img/$1.sig"
}
soname() { grep -a -o -m1 "$1\\.so\\.[0-9]*" "$kmod" | head -n1; }

put plain.ko sig
put nosig.ko.gz
run "$kmod"
is "$rc:$copied" "0:" "plain .ko with a .sig, .ko.gz without: no library copied"

if has_feature ZLIB; then
	put a.ko.gz sig
	run "$kmod"
	is "$rc:$copied" "0:$(soname libz) " ".ko.gz with a .sig: zlib copied"
	like "$out" "kmod-detached-sig: \\.ko\\.gz modules with a \\.sig: added /.*/$(soname libz)" \
		".ko.gz with a .sig: the verbose log says so"
fi
if has_feature XZ && command -v xz > /dev/null; then
	put b.ko.xz sig
fi
if has_feature ZSTD && command -v zstd > /dev/null; then
	put c.ko.zst sig
fi
want=
for f in b.ko.xz:liblzma a.ko.gz:libz c.ko.zst:libzstd; do
	[ -e "$img/${f%%:*}.sig" ] && want="$want$(soname "${f#*:}") "
done
run "$kmod"
is "$rc:$(echo "$copied" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/^ //')" \
	"0:$(echo "$want" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/^ //')" \
	"every compressed format with a .sig: its library, each once"

if has_feature LIBCRYPTO; then
	echo 'detached_sig require' > "$w/dest/etc/modprobe.d/policy.conf"
	run "$kmod"
	case " $copied " in
	*" $(soname libcrypto) "*) ok "detached_sig require in the image: libcrypto copied" ;;
	*) not_ok "detached_sig require in the image: libcrypto copied (copied: $copied)" ;;
	esac
	rm -f "$w/dest/etc/modprobe.d/policy.conf"
fi

# A kmod that names no zlib (built without it, or another soname): the image
# would refuse its .ko.gz modules, so the hook fails, naming the library.
if has_feature ZLIB; then
	sed 's/libz\.so\./libQ.so./g' "$kmod" > "$w/kmod-noz"
	chmod +x "$w/kmod-noz"
	run "$w/kmod-noz"
	is "$rc:$(echo "$out" | grep '^E:')" \
		"1:E: kmod-detached-sig: the image has .ko.gz modules with a .sig, but the libz libkmod loads to read them was not found: they would be refused" \
		"no zlib to be found: exit 1, naming the format and the library"
fi

done_testing

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# mkinitramfs.sh TREE KVER KMOD OUT LIBKMOD PCI: the initramfs of one end-to-end
# boot.
#
#   TREE  an extracted Debian linux-image package (modules under lib/modules/KVER)
#   KMOD  our tools/kmod binary (insmod, rmmod, lsmod, modprobe and depmod are
#         links to it)
#   OUT   the uncompressed newc archive to write (atomically)
#   LIBKMOD  our libkmod.so.2 (the build's libkmod/.libs/libkmod.so.2)
#   PCI   Debian's pciutils and libpci3 unpacked: /e2e/bin/lspci runs with
#         LIBKMOD as the image's only libkmod.so.2 (case 10)
#
# Contents: busybox-static with an explicit list of applets (never its insmod,
# rmmod, lsmod or modprobe), dash as /bin/sh (busybox's ash runs its own applets
# before PATH), kmod and the shared libraries ldd resolves for it and dash
# (and the libraries kmod loads on first use, from its .note.dlopen), the
# guest scripts, and the signature cases made from the package's own signed
# dummy, crc-itu-t and omfs: one directory per case under /e2e/c so that every
# module keeps its real name next to its .sig.  For modprobe and depmod (case
# 9): /lib/modules/KVER holds those three modules at the package's paths,
# unsigned with a .sig each, without indexes (our depmod makes them in the
# guest); /e2e/c/9/tree is a second tree for that path, signed/ holding the
# package's signed crc-itu-t and omfs next to unsigned copies in kernel/, and
# /e2e/c/9/signed.conf its depmod.d line.  /e2e/c/10/tree holds the package's
# drivers of qemu's e1000 NIC and PIIX3 IDE controller, and e1000e (a driver
# of other Intel NICs), for lspci -k.  Case 11: dummy.ko with the marker
# alone, and with a type-3 .sig.  Case 12: /e2e/c/12/tree, crc-itu-t and omfs
# unsigned, with their .sig files in /e2e/c/12/sigs.
#
# Reproducible: fixed permissions, mtime 0, sorted names, cpio --reproducible.

set -euo pipefail
export LC_ALL=C

die() {
	echo "mkinitramfs.sh: $*" >&2
	exit 1
}

[[ $# == 6 ]] || die "usage: mkinitramfs.sh TREE KVER KMOD OUT LIBKMOD PCI"
tree=$1 kver=$2 kmod=$3 out=$4 libkmod=$5 pci=$6
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mods=$tree/lib/modules/$kver/kernel

for tool in busybox dash cpio ldd xz od readelf jq; do
	command -v "$tool" > /dev/null || die "$tool not found"
done
[[ -d $mods ]] || die "$mods: no such directory"
[[ $(od -An -tx1 -N4 "$kmod" 2> /dev/null | tr -d ' ') == 7f454c46 ]] ||
	die "$kmod: not an ELF executable (build the tools first)"
[[ -f $libkmod ]] || die "$libkmod: no such file (build the library first)"
[[ -x $pci/usr/bin/lspci ]] || die "$pci/usr/bin/lspci: no such program"

stage=$(mktemp -d "${TMPDIR:-/tmp}/kmod-e2e-initramfs.XXXXXX")
trap 'rm -rf "$stage" "$out.tmp.$$"' EXIT
w=$stage/.work # scratch, left out of the archive

mkdir -p "$w" "$stage"/{bin,dev,proc,sys,tmp,e2e/bin,e2e/c}

# ---- programs ----------------------------------------------------------------

busybox=$(command -v busybox)
ldd "$busybox" > /dev/null 2>&1 && die "$busybox is dynamically linked: install busybox-static"
install -m 755 "$busybox" "$stage/bin/busybox"
applets="awk cat cmp cp cut dd diff dmesg echo find grep head ls mkdir mount od poweroff printf rm
	sed sleep sort stat tail timeout tr uname wc xzcat"
for a in $applets; do
	ln -s busybox "$stage/bin/$a"
done
install -m 755 "$(command -v dash)" "$stage/bin/dash"
ln -s dash "$stage/bin/sh"

install -m 755 "$kmod" "$stage/e2e/bin/kmod"
for t in insmod rmmod lsmod modprobe depmod; do
	ln -s kmod "$stage/e2e/bin/$t"
done

# Each library under the name the dynamic linker asks for, as a regular file.
libs() {
	ldd "$1" 2> /dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
}
# And what kmod loads on first use (zlib, liblzma, libzstd, libcrypto), which
# ldd does not list: the sonames of its ELF dlopen metadata notes, as dracut-
# install reads them, found where ldconfig knows them.
dlopened=()
for soname in $(readelf -p .note.dlopen "$kmod" 2> /dev/null |
	sed -n 's/^ *\[ *[0-9a-f]*\]  \(\[{.*\)$/\1/p' | jq -r '.[].soname[]'); do
	# awk reads to the end: an early exit would kill ldconfig with SIGPIPE (pipefail)
	path=$(ldconfig -p | awk -v so="$soname" '$1 == so && /x86-64/ && !p { print $NF; p = 1 }')
	[[ -n $path ]] || die "$soname (in $kmod's .note.dlopen) not found by ldconfig"
	dlopened+=("$path")
done
needed_libs() {
	libs "$kmod"
	libs "$(command -v dash)"
	for lib in "${dlopened[@]}"; do
		echo "$lib"
		libs "$lib"
	done
}
for lib in $(needed_libs | sort -u); do
	[[ $lib == */libkmod.so* ]] && die "$kmod links the host's $lib: our tools must carry their own libkmod"
	mkdir -p "$stage$(dirname "$lib")"
	cp -L "$lib" "$stage$lib"
	chmod 755 "$stage$lib"
done

# Debian's lspci: libpci from the package, libkmod.so.2 ours, the rest the
# host's; the two from elsewhere go where Debian has them.
multiarch=/lib/x86_64-linux-gnu
pcilib=$(cd "$pci/usr$multiarch" && pwd)
ourlib=$(cd "$(dirname "$libkmod")" && pwd)
install -m 755 "$pci/usr/bin/lspci" "$stage/e2e/bin/lspci"
LD_LIBRARY_PATH=$ourlib:$pcilib ldd "$pci/usr/bin/lspci" > "$w/lspci.ldd" ||
	die "ldd $pci/usr/bin/lspci failed"
grep -q "^[[:space:]]*libkmod\.so\.2 => $ourlib/libkmod\.so\.2 " "$w/lspci.ldd" ||
	die "lspci does not resolve libkmod.so.2 to $ourlib: $(cat "$w/lspci.ldd")"
while read -r soname arrow lib _; do
	[[ $arrow == "=>" && $lib == /* ]] || continue
	case $lib in
	"$ourlib"/* | "$pcilib"/*) dest=$multiarch/$soname ;;
	*) dest=$lib ;;
	esac
	[[ -e $stage$dest ]] && continue
	mkdir -p "$stage$(dirname "$dest")"
	cp -L "$lib" "$stage$dest"
	chmod 755 "$stage$dest"
done < "$w/lspci.ldd"
# No other libkmod: the guest's lspci cannot use anything but ours.
if [[ $(find "$stage" -name 'libkmod.so*' | wc -l) != 1 ]] ||
	! cmp -s "$stage$multiarch/libkmod.so.2" "$libkmod"; then
	die "the image must hold exactly one libkmod, $libkmod"
fi

install -m 755 "$here/init" "$stage/init"
install -m 755 "$here/guest.sh" "$here/demo.sh" "$stage/e2e/"
install -m 644 "$here/guest-lib.sh" "$stage/e2e/"

# ---- modules -------------------------------------------------------------------

# The one file of module $1 in the package, signed, in its shipped format.
find_module() {
	local f
	f=$(find "$mods" -name "$1.ko" -o -name "$1.ko.xz" | sort | head -n1)
	[[ -n $f ]] || die "module $1 not found under $mods"
	echo "$f"
}

size() { stat -c %s "$1"; }

# split NAME ORIG: $w/NAME.{signed.ko,ko,trailer,p7s} from the shipped file.
# The trailer is read from the end: 28 bytes of magic, before them the
# 12-byte struct module_signature ending in the big-endian PKCS#7 length.
split() {
	local name=$1 orig=$2 signed=$w/$1.signed.ko n len b
	case $orig in
	*.xz) xz -dc "$orig" > "$signed" ;;
	*) cp "$orig" "$signed" ;;
	esac
	n=$(size "$signed")
	[[ $(tail -c 28 "$signed" | od -An -c | tr -d ' \n') == '~Modulesignatureappended~\n' ]] ||
		die "$orig: not signed"
	len=0
	for b in $(od -An -tu1 -j $((n - 32)) -N4 "$signed"); do
		len=$((len * 256 + b))
	done
	[[ $len -gt 0 && $((len + 40)) -lt $n ]] || die "$orig: bad signature length $len"
	head -c $((n - len - 40)) "$signed" > "$w/$name.ko"
	tail -c $((len + 40)) "$signed" > "$w/$name.trailer"
	head -c "$len" "$w/$name.trailer" > "$w/$name.p7s"
	cat "$w/$name.ko" "$w/$name.trailer" | cmp -s - "$signed" || die "$orig: split does not add up"
}

# The shipped file's format again, without signature: how the kernel's own
# build compresses (crc32 check: the kernel's xz decoder has no CRC64).
unsigned_native() {
	local name=$1 orig=$2
	case $orig in
	*.xz) xz -c --check=crc32 --lzma2=dict=1MiB "$w/$name.ko" > "$w/$name.ko.xz" ;;
	esac
}

# Flip every bit of byte $2 of file $1 (in place).
flip_byte() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	# shellcheck disable=SC2059 # the format is the octal escape being built
	printf "\\$(printf %03o $((b ^ 0xff)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# $1 (default 64) fixed pseudo-random bytes (an LCG), never a DER sequence.
garbage() {
	local i x=12345 s=
	for ((i = 0; i < ${1:-64}; i++)); do
		x=$(((x * 1103515245 + 12345) % 2147483648))
		s+=$(printf '\\%03o' $(((x >> 16) & 0xff)))
	done
	# shellcheck disable=SC2059
	printf "$s"
}

orig_dummy=$(find_module dummy)
orig_crc=$(find_module crc-itu-t)
orig_omfs=$(find_module omfs)
case $orig_dummy in
*.ko.xz) ext=ko.xz ;;
*) ext=ko ;;
esac
for m in dummy:$orig_dummy crc-itu-t:$orig_crc omfs:$orig_omfs; do
	split "${m%%:*}" "${m#*:}"
	unsigned_native "${m%%:*}" "${m#*:}"
done

c=$stage/e2e/c
# case DIR FILE=SOURCE...: a case directory holding copies of files from $w
case_dir() {
	local dir=$c/$1 spec
	shift
	mkdir -p "$dir"
	for spec in "$@"; do
		cp "${spec#*=}" "$dir/${spec%%=*}"
	done
}

case_dir 1 dummy.ko="$w/dummy.ko" dummy.ko.sig="$w/dummy.trailer"
case_dir 2 dummy.ko="$w/dummy.ko" dummy.ko.sig="$w/dummy.p7s"
if [[ $ext == ko.xz ]]; then
	case_dir 3a dummy.ko.xz="$w/dummy.ko.xz" dummy.ko.xz.sig="$w/dummy.trailer"
	case_dir 3b dummy.ko.xz="$orig_dummy"
	case_dir 3c dummy.ko.xz="$w/dummy.ko.xz" dummy.ko.xz.sig="$w/dummy.p7s"
fi
case_dir 4 "dummy.$ext=$w/dummy.$ext"
# The last byte of the PKCS#7 is inside the signature value: the DER stays valid.
case_dir 5a dummy.ko="$w/dummy.ko" dummy.ko.sig="$w/dummy.trailer"
flip_byte "$c/5a/dummy.ko.sig" $(($(size "$w/dummy.p7s") - 1))
case_dir 5b dummy.ko="$w/dummy.ko" dummy.ko.sig="$w/crc-itu-t.trailer"
case_dir 6 "dummy.$ext=$orig_dummy" "dummy.$ext.sig=$w/dummy.trailer"
case_dir 7a dummy.ko="$w/dummy.ko"
head -c $(($(size "$w/dummy.p7s") / 2)) "$w/dummy.p7s" > "$c/7a/dummy.ko.sig"
case_dir 7b dummy.ko="$w/dummy.ko"
garbage > "$c/7b/dummy.ko.sig"
case_dir 8 "dummy.$ext=$w/dummy.$ext" \
	"crc-itu-t.$ext=$w/crc-itu-t.$ext" "crc-itu-t.$ext.sig=$w/crc-itu-t.trailer" \
	"omfs.$ext=$w/omfs.$ext" "omfs.$ext.sig=$w/omfs.p7s"

# Case 9.  The package's modules.builtin* and the modules.order lines of our
# modules come along so that depmod sees a tree as the package ships it.
# tree_meta DIR NAME...: those files in module directory DIR for modules NAME.
tree_meta() {
	local dir=$1 kdir=$tree/lib/modules/$kver m
	shift
	mkdir -p "$dir"
	cp "$kdir/modules.builtin" "$kdir/modules.builtin.modinfo" "$dir/"
	for m in "$@"; do
		rel "$(find_module "$m")"
	done | sed 's/\.xz$//' > "$w/order.pattern"
	grep -Fx -f "$w/order.pattern" "$kdir/modules.order" > "$dir/modules.order" || :
}
# The path of a package file relative to its module directory.
rel() {
	echo "${1#"$tree/lib/modules/$kver/"}"
}
# in_tree DIR FILE SOURCE: SOURCE copied to DIR/FILE, directories made.
in_tree() {
	mkdir -p "$(dirname "$1/$2")"
	cp "$3" "$1/$2"
}
t=$stage/lib/modules/$kver
tree_meta "$t" crc-itu-t omfs dummy
in_tree "$t" "$(rel "$orig_crc")" "$w/crc-itu-t.$ext"
in_tree "$t" "$(rel "$orig_crc").sig" "$w/crc-itu-t.trailer"
in_tree "$t" "$(rel "$orig_omfs")" "$w/omfs.$ext"
in_tree "$t" "$(rel "$orig_omfs").sig" "$w/omfs.p7s"
in_tree "$t" "$(rel "$orig_dummy")" "$w/dummy.$ext"
in_tree "$t" "$(rel "$orig_dummy").sig" "$w/dummy.trailer"
t=$c/9/tree
tree_meta "$t" crc-itu-t omfs
for m in crc-itu-t:$orig_crc omfs:$orig_omfs; do
	r=$(rel "${m#*:}")
	in_tree "$t" "$r" "$w/${m%%:*}.$ext"
	in_tree "$t" "signed/${r#kernel/}" "${m#*:}"
done
echo "search signed built-in" > "$c/9/signed.conf"

# Case 10: the drivers as the package ships them (signed; only their aliases
# are used), at the package's paths; our depmod indexes them in the guest.
t=$c/10/tree
tree_meta "$t" e1000 e1000e ata_piix
for m in e1000 e1000e ata_piix; do
	f=$(find_module "$m")
	in_tree "$t" "$(rel "$f")" "$f"
done

# Case 11 (policy require): the plain module with the 28-byte marker alone
# appended, and with a .sig holding a type-3 trailer (the proposed hash
# proofs) of 100 pseudo-random bytes.
case_dir 11a dummy.ko="$w/dummy.ko"
printf '~Module signature appended~\n' >> "$c/11a/dummy.ko"
case_dir 11b dummy.ko="$w/dummy.ko"
garbage 100 > "$w/random100"
{
	cat "$w/random100"
	printf '\0\0\3\0\0\0\0\0\0\0\0\144~Module signature appended~\n'
} > "$c/11b/dummy.ko.sig"

# Case 12 (requests of the kernel): crc-itu-t and omfs unsigned at the
# package's paths, their .sig files apart.
t=$c/12/tree
tree_meta "$t" crc-itu-t omfs
in_tree "$t" "$(rel "$orig_crc")" "$w/crc-itu-t.$ext"
in_tree "$t" "$(rel "$orig_omfs")" "$w/omfs.$ext"
case_dir 12/sigs crc-itu-t.sig="$w/crc-itu-t.trailer" omfs.sig="$w/omfs.p7s"

# The demo's files: a module as a distribution would ship it with a .sig.
case_dir demo "dummy.$ext=$w/dummy.$ext" "dummy.$ext.sig=$w/dummy.trailer"
case_dir demo-unsigned "dummy.$ext=$w/dummy.$ext"
case_dir demo-tampered "dummy.$ext=$w/dummy.$ext" "dummy.$ext.sig=$c/5a/dummy.ko.sig"

# What the guest needs to know about the files (sizes are checked against the
# lengths the kernel's syscall trace reports).
{
	echo "kver=$kver"
	echo "ext=$ext"
	for m in dummy crc-itu-t omfs; do
		v=${m//-/_}
		echo "${v}_ko_size=$(size "$w/$m.ko")"
		echo "${v}_trailer_size=$(size "$w/$m.trailer")"
		echo "${v}_p7s_size=$(size "$w/$m.p7s")"
	done
} > "$stage/e2e/info"

# ---- archive ---------------------------------------------------------------------

rm -rf "$w"
find "$stage" -type d -exec chmod 755 {} +
find "$stage" -type f ! -perm -100 -exec chmod 644 {} +
find "$stage" -exec touch -h -d @0 {} +
(cd "$stage" && find . -mindepth 1 | sort |
	cpio --quiet --reproducible -o -H newc -R 0:0 > "$out.tmp.$$")
mv -f "$out.tmp.$$" "$out"

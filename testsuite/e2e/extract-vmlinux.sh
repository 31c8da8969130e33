#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# extract-vmlinux.sh VMLINUZ OUT: the uncompressed ELF kernel inside an x86
# bzImage, for qemu's PVH entry (-kernel vmlinux boots in about half the time
# of the bzImage under TCG: no firmware, no in-guest decompressor).
#
# The setup header says where the payload is (boot protocol 2.08+):
# setup_sects at 0x1f1, payload_offset at 0x248 and payload_length at 0x24c,
# both counted from the protected-mode code at (setup_sects + 1) * 512.  The
# payload ends in the little-endian 32-bit size of the uncompressed image, which
# checks that the output is complete.  OUT is written atomically.

set -euo pipefail
export LC_ALL=C

die() {
	echo "extract-vmlinux.sh: $*" >&2
	exit 1
}

[[ $# == 2 ]] || die "usage: extract-vmlinux.sh VMLINUZ OUT"
in=$1 out=$2
[[ -f $in ]] || die "$in: not a file"

# le32/u8 at an offset, as a decimal number
u32() { od -An -tu4 -j "$1" -N4 "$in" | tr -d ' '; }
u8() { od -An -tu1 -j "$1" -N1 "$in" | tr -d ' '; }

size=$(stat -c %s "$in")
[[ $size -gt 1024 ]] || die "$in: too small for a bzImage"
[[ $(od -An -c -j $((0x202)) -N4 "$in" | tr -d ' ') == HdrS ]] || die "$in: no bzImage setup header"

setup_sects=$(u8 $((0x1f1)))
[[ $setup_sects != 0 ]] || setup_sects=4
payload_offset=$(u32 $((0x248)))
payload_length=$(u32 $((0x24c)))
start=$(((setup_sects + 1) * 512 + payload_offset))
[[ $payload_length -gt 4 && $((start + payload_length)) -le $size ]] ||
	die "$in: payload $start+$payload_length outside the file ($size bytes)"

want=$(od -An -tu4 -j $((start + payload_length - 4)) -N4 "$in" | tr -d ' ')
magic=$(od -An -tx1 -j "$start" -N6 "$in" | tr -d ' ')
case $magic in
fd377a585a00) decomp=(xz -dc --single-stream) ;;
28b52ffd*) decomp=(zstd -dcq) ;;
1f8b*) decomp=(gzip -dc) ;;
*) die "$in: unknown payload compression (magic $magic)" ;;
esac
command -v "${decomp[0]}" > /dev/null || die "${decomp[0]} is needed for $in"

tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
# The payload without its size word, so that no decompressor sees trailing data.
dd if="$in" bs=64k iflag=skip_bytes,count_bytes skip="$start" count=$((payload_length - 4)) \
	status=none | "${decomp[@]}" > "$tmp" || die "$in: ${decomp[0]} failed on the payload"
got=$(stat -c %s "$tmp")
[[ $got == "$want" ]] || die "$in: decompressed $got bytes, the image says $want"
[[ $(od -An -tx1 -N4 "$tmp" | tr -d ' ') == 7f454c46 ]] || die "$in: the payload is not an ELF file"
chmod 644 "$tmp"
mv -f "$tmp" "$out"
trap - EXIT

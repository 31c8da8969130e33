#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# depmod's loader threads share one memory budget for the images they hold
# (issue 15 §4): four threads over modules whose images are 600 MiB each used
# to hold four at once (2.4 GB); now an image that does not fit beside the
# others waits for them, so the peak stays under the 1 GiB budget, and every
# module is still read (waited for, not refused).  Peak RSS comes from
# getrusage (/usr/bin/time -f %M), never from a wall clock.  The sizes come
# from the containers: zstd's frame header, xz's index; a zstd stream that
# does not say its size is read alone.

# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

depmod=$top_builddir/tools/depmod
fx=$top_builddir/testsuite/fixtures
kver=6.1.0-test
: >"$testdir/empty.conf"

need_or_skip_all "depmod" test -x "$depmod"
need_or_skip_all "fixture modules in $fx" test -f "$fx/mod-foo-a.ko"
need_or_skip_all "/usr/bin/time" /usr/bin/time -f %M true
need_or_skip_all "zstd" zstd -V
need_or_skip_all "xz" xz -V
feature_or_skip_all ZSTD
feature_or_skip_all XZ

mib=600
dir=$testdir/root/lib/modules/$kver
mkdir -p "$dir/kernel"
# a real module followed by 600 MiB of zeros: a valid module of that size
cp "$fx/mod-foo-a.ko" "$testdir/big.ko"
truncate -s "${mib}M" "$testdir/big.ko"
zstd -q -1 "$testdir/big.ko" -o "$dir/kernel/big1.ko.zst"
cp "$dir/kernel/big1.ko.zst" "$dir/kernel/big2.ko.zst"
xz -0 -T1 -c "$testdir/big.ko" >"$dir/kernel/big3.ko.xz"
cp "$dir/kernel/big3.ko.xz" "$dir/kernel/big4.ko.xz"
# through a pipe zstd cannot write the content size
zstd -q -1 -c <"$testdir/big.ko" >"$dir/kernel/big5.ko.zst"
rm "$testdir/big.ko"
cp "$fx/mod-foo-b.ko" "$fx/dummy.ko" "$dir/kernel/"
printf 'kernel/dummy.ko\n' >"$dir/modules.order"
: >"$dir/modules.builtin"
: >"$dir/modules.builtin.modinfo"

KMOD_DEPMOD_JOBS=4 KMOD_DEPMOD_CACHE=0 /usr/bin/time -f %M -o "$testdir/rss" \
	"$depmod" -b "$testdir/root" -C "$testdir/empty.conf" "$kver" 2>"$testdir/err"
is "$?|$(cat "$testdir/err")" "0|" "4 jobs, five 600 MiB images: exit 0, nothing to say"
rss=$(cat "$testdir/rss")
diag "peak RSS: $((rss / 1024)) MiB"
# ASan's realloc copies (glibc's moves the pages) and its quarantine keeps freed
# blocks a while: up to twice the budget there, still far from four images at once
max=1024
sanitizer_build && max=2048
if ((rss >= mib * 1024 && rss < max * 1024)); then
	ok "peak RSS $((rss / 1024)) MiB: one 600 MiB image at a time, under $max MiB"
else
	not_ok "peak RSS $((rss / 1024)) MiB: one 600 MiB image at a time, under $max MiB"
fi
for m in big1 big2 big3 big4 big5 mod-foo-b dummy; do
	like "$(grep "^kernel/$m.ko" "$dir/modules.dep")" "^kernel/$m.ko" "$m read (waited for, not refused)"
done
like "$(grep '^alias' "$dir/modules.alias" | grep -c ' big[0-9]$')" '^[1-9]' \
	"the big modules' aliases are there"

# one thread: the same outputs
mkdir "$testdir/four"
cp "$dir"/modules.* "$testdir/four/"
KMOD_DEPMOD_JOBS=1 KMOD_DEPMOD_CACHE=0 "$depmod" -b "$testdir/root" -C "$testdir/empty.conf" "$kver"
for f in "$testdir/four"/modules.*; do
	is_file "$dir/${f##*/}" "$f" "one thread writes the same ${f##*/}"
done

done_testing

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# depmod against two references, Debian 12's (kmod 30, /usr/sbin/depmod) and
# Debian 13's (kmod 34.2, run from the root of testsuite/debian-trixie.sh):
# the same tree is copied for each, each depmod runs on its copy with the
# same configuration (-C, never the host's), and the exit status, the
# messages and every output file must be identical.  Our .bin indexes are
# kmod 34's byte for byte; kmod 30 lays the same tries out in another order,
# so against kmod 30 each .bin is compared as kmod 30's own libkmod reads it
# (kmod_dump_index() of its file and of ours).  Trees: the fixture modules
# and small modules generated here (cycles, devname, softdep/weakdep,
# duplicates in several directories), and the two Debian kernels when
# unpacked (always with CI=true).  Then what only ours does: -o, -m,
# modules.weakdep against kmod 30, .sig warnings, crash safety under SIGKILL,
# racing depmods and injected write errors.
# A missing prerequisite is a skip, and a failure when CI=true.

# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

ours=$top_builddir/tools/depmod
deb=${DEPMOD:-/usr/sbin/depmod}
fixtures=$top_builddir/testsuite/fixtures
shim=$top_builddir/testsuite/.libs/depmod-failwrite.so
kver=6.1.0-test
cfg=$testdir/empty.conf
: >"$cfg"
# Debian's kmod 30 and 34.2 have no zlib: no .ko.gz in the trees the depmods see.

[ -x "$ours" ] || skip_all "$ours is not built"
need_or_skip_all "Debian's depmod at $deb" test -x "$deb"
need_or_skip_all "fixture modules in $fixtures" test -f "$fixtures/mod-foo.ko"
need_or_skip_all "a C compiler" command -v "${CC:-gcc}"

# The references: "name depmod" lines.  dump30 reads an index with kmod 30's
# libkmod (testsuite/index-dump-debian.c against the distribution's libkmod.so.2).
refs="kmod30 $deb"
debian13_bin && refs+=$'\n'"kmod34 $kmod34/depmod"
dump30=$testdir/index-dump-debian
need_or_skip_all "kmod 30's libkmod.so.2 to read indexes with" \
	"${CC:-gcc}" -O2 -o "$dump30" "$top_srcdir/testsuite/index-dump-debian.c" -l:libkmod.so.2

# gen DIR NAME "EXPORTS" "NEEDS" [MODINFO...]: a fixture-like module DIR/NAME.ko.
gen() {
	local dir=$1 name=$2 exports=$3 needs=$4 s
	shift 4
	mkdir -p "$dir"
	{
		echo '#include "module.h"'
		for s in $needs; do echo "extern int $s(int);"; done
		for s in $exports; do
			echo "int $s(int x) { return x; }"
			echo "EXPORT($s, 0x1111);"
		done
		echo 'int init_module(void) { return 0'
		for s in $needs; do echo " + $s(1)"; done
		echo '; }'
		echo "THIS_MODULE(\"${name//-/_}\");"
		echo 'VERSIONS({ LAYOUT_CRC, "module_layout" });'
		echo 'MODINFO("license=GPL");'
		for s in "$@"; do echo "MODINFO(\"$s\");"; done
	} >"$testdir/gen.c"
	"${CC:-gcc}" -c -O2 -fno-pic -fno-PIE -fno-stack-protector -fcf-protection=none \
		-fno-asynchronous-unwind-tables -fno-common \
		-I"$top_srcdir/testsuite/fixtures" -o "$dir/$name.ko" "$testdir/gen.c"
}

# new_tree NAME: an empty tree; sets root and dir.
new_tree() {
	root=$testdir/$1
	dir=$root/lib/modules/$kver
	rm -rf "$root"
	mkdir -p "$dir"
}

# The fixtures with builtin files (lib.sh), in a new tree.
fixture_tree() {
	new_tree "$1"
	fixture_modules_tree "$dir"
}

# same_outputs LABEL REF REFDIR OURDIR: every modules.* file REF's depmod wrote
# into REFDIR is in OURDIR, equal (a .bin against kmod 30: equal as kmod 30
# reads it); nothing but modules.depmod-cache (and modules.weakdep, which kmod
# 30 does not know) is ours alone.
same_outputs() {
	local label=$1 ref=$2 rdir=$3 odir=$4 f n t
	for f in "$rdir"/modules.*; do
		[ -e "$f" ] || continue
		n=${f##*/}
		case $n in
		# inputs, not outputs
		modules.order | modules.builtin | modules.builtin.modinfo) continue ;;
		esac
		if [[ $ref == kmod30 && $n == *.bin ]]; then
			case $n in
			modules.dep.bin) t=0 ;;
			modules.alias.bin) t=1 ;;
			modules.symbols.bin) t=2 ;;
			modules.builtin.alias.bin) t=3 ;;
			*) t=4 ;;
			esac
			"$dump30" dump "$rdir" "$t" >"$testdir/dump.ref" 2>&1
			echo "exit $?" >>"$testdir/dump.ref"
			"$dump30" dump "$odir" "$t" >"$testdir/dump.our" 2>&1
			echo "exit $?" >>"$testdir/dump.our"
			is_file "$testdir/dump.our" "$testdir/dump.ref" "$label: $n as kmod 30 reads it"
		else
			is_file "$odir/$n" "$f" "$label: $n"
		fi
	done
	for f in "$odir"/modules.*; do
		[ -e "$f" ] || continue
		n=${f##*/}
		[ -e "$rdir/$n" ] || [ "$n" = modules.depmod-cache ] ||
			[[ $ref == kmod30 && $n == modules.weakdep ]] ||
			not_ok "$label: $n written by ours only"
	done
}

# both LABEL [DEPMOD ARGS...]: run ours and each reference on copies of $root
# (the version last, unless the arguments end in "--" followed by what goes
# after -b ROOT).  Compares exit status, stdout, stderr (roots replaced by
# ROOT) and every file.  With only=REF in the environment, against REF alone.
both() {
	local label=$1 ref rdepmod rc_ref rc_our only=${only:-}
	shift
	rm -rf "$root.our"
	cp -a "$root" "$root.our"
	"$ours" -b "$root.our" "$@" >"$testdir/our.out" 2>"$testdir/our.err"
	rc_our=$?
	sed -i "s#$root.our#ROOT#g" "$testdir/our.err" "$testdir/our.out"
	while read -r ref rdepmod; do
		[[ -z $only || $only == "$ref" ]] || continue
		rm -rf "$root.ref"
		cp -a "$root" "$root.ref"
		"$rdepmod" -b "$root.ref" "$@" >"$testdir/ref.out" 2>"$testdir/ref.err"
		rc_ref=$?
		is "$rc_our" "$rc_ref" "$ref: $label: exit status"
		sed -i "s#$root.ref#ROOT#g" "$testdir/ref.err" "$testdir/ref.out"
		cp "$testdir/our.out" "$testdir/our.cmp"
		# kmod 30 knows no modules.weakdep
		[[ $ref != kmod30 ]] || sed -i '/^# Weak dependencies extracted/d; /^weakdep /d' "$testdir/our.cmp"
		is_file "$testdir/our.err" "$testdir/ref.err" "$ref: $label: messages"
		is_file "$testdir/our.cmp" "$testdir/ref.out" "$ref: $label: stdout"
		same_outputs "$ref: $label" "$ref" "$root.ref/lib/modules/$kver" "$root.our/lib/modules/$kver"
	done <<<"$refs"
}

# --- the fixtures --------------------------------------------------------------------

fixture_tree fx
both "fixtures" -C "$cfg" "$kver"
both "fixtures -n" -n -C "$cfg" "$kver"
both "fixtures -v" -v -C "$cfg" "$kver"
both "fixtures -a -w" -a -w -C "$cfg" "$kver"
both "fixtures, config dir" -C "$testdir/no-such-dir" "$kver"
printf 'search updates\n' >"$testdir/search.conf"
both "fixtures, two configs" -C "$cfg" -C "$testdir/search.conf" "$kver"
# A configuration file named without a slash: both Debian depmods crash on it
# (kmod 30 and 34.2: "malloc(): corrupted top size", the file's directory
# length underflows); ours reads it as it reads the same file by full path.
rm -rf "$root.our" "$root.abs"
cp -a "$root" "$root.our"
cp -a "$root" "$root.abs"
"$ours" -b "$root.abs" -C "$testdir/search.conf" "$kver" 2>/dev/null
(cd "$testdir" && "$ours" -b "$root.our" -C search.conf "$kver" 2>/dev/null)
is "$?" 0 "fixtures, -C FILE without a slash: exit status"
for f in "$root.abs/lib/modules/$kver"/modules.*; do
	# the cache records where it was written
	[[ $f == */modules.depmod-cache ]] ||
		is_file "$root.our/lib/modules/$kver/${f##*/}" "$f" "fixtures, -C FILE without a slash: ${f##*/}"
done

rm "$dir/modules.order" "$dir/modules.builtin" "$dir/modules.builtin.modinfo"
both "no modules.order or builtin files" -C "$cfg" "$kver"
printf 'kernel/fs/mod-foo.ko\nkernel/lib/mod-foo-a.ko' >"$dir/modules.order"
both "modules.order without final newline" -C "$cfg" "$kver"
printf 'kernel/lib/mod-foo-a.ko\nkernel/nothing.ko\n\nkernel/fs/mod-foo.ko\n' >"$dir/modules.order"
printf 'kernel/a.ko\n/bad/line.ko\n9bad.ko\nkernel/drivers/b-c.ko.xz\n' >"$dir/modules.builtin"
printf '%s\0' a.alias=x-y 'a.alias=[ab-c]-d' a.alias=bad] b_c.alias=char-major-1-2 \
	b_c.alias=z a.alias=late >"$dir/modules.builtin.modinfo"
both "odd order and builtin files" -C "$cfg" "$kver"
# Modules' records interleaved, one alias of three modules, aliases met
# again: kmod adds them in file order.  Then kmod's reading of odd records:
# one without '=' takes the next with it, one without '.' or with an empty
# value is skipped, fields of PATH_MAX bytes or more are cut (and warned
# about), the last record without its NUL is dropped.
printf '%s\0' c.license=GPL b_c.alias=same a.alias=one c.alias=same a.alias=same \
	b_c.alias=two c.alias=three a.alias=one b_c.alias=same x.y.alias=dotted \
	>"$dir/modules.builtin.modinfo"
both "builtin modinfo records interleaved" -C "$cfg" "$kver"
{
	printf '%s\0' d.alias=d1 d.noequal e.alias=swallowed nodot e.alias= f.alias=f1 \
		"$(printf 'g%.0s' {1..4100}).alias=long" "h.alias=$(printf 'v%.0s' {1..4100})" \
		"i.$(printf 'k%.0s' {1..4100})=x" j.alias=j1
	printf 'k.alias=unterminated'
} >"$dir/modules.builtin.modinfo"
both "builtin modinfo, odd records" -C "$cfg" "$kver"
# 200,000 modules of one record each: kmod's pass over the whole file for
# each new module would take hours; ours sorts the records once
awk 'BEGIN { for (i = 0; i < 200000; i++) printf "m%d.alias=a%d%c", i, i % 1000, 0 }' \
	>"$dir/modules.builtin.modinfo"
: >"$dir/modules.builtin"
timeout 120 "$ours" -b "$root" -C "$cfg" "$kver" 2>"$testdir/err"
is "$?|$(cat "$testdir/err")" "0|" "200,000 builtin modules: done, silent"
"$top_builddir/tools/modprobe" -d "$root" -S "$kver" -R a999 2>/dev/null | sort -V | sed -n '1p;$p' \
	>"$testdir/big.out"
is "$(cat "$testdir/big.out")" $'m999\nm199999' "200,000 builtin modules: a999 resolves to m999 ... m199999"
# A module listed twice keeps its first place since kmod 34 (kmod 30 took the
# last): against kmod 34 alone, and the other way round than kmod 30.
printf 'kernel/lib/mod-foo-a.ko\n' >>"$dir/modules.order"
[[ -z ${kmod34:-} ]] || only=kmod34 both "duplicate order lines" -C "$cfg" "$kver"
"$ours" -b "$root" -C "$cfg" "$kver" 2>/dev/null
is "$(sed -n 1p "$dir/modules.dep")" "kernel/lib/mod-foo-a.ko:" \
	"duplicate order lines: the first place counts"

# --- symbols: -e, -E, -F, -P ----------------------------------------------------------

fixture_tree syms
rm "$dir/kernel/lib/mod-foo-a.ko"
printf 'ffffffff81000000 T printk\nffffffff82000000 r __ksymtab_printk\nbad line\n' \
	>"$testdir/System.map"
printf '0x92997ed8\tprintk\tvmlinux\tEXPORT_SYMBOL\n0x7c24b32d\tmodule_layout\tvmlinux\tEXPORT_SYMBOL\n' \
	>"$testdir/Module.symvers"
printf '0x1\tprintk\tvmlinux\tEXPORT_SYMBOL\n0x7c24b32d\tmodule_layout\tvmlinux\tEXPORT_SYMBOL\n' \
	>"$testdir/Module.symvers.bad"
both "-e without -E/-F" -e -C "$cfg" "$kver"
both "-e -F System.map" -e -F "$testdir/System.map" -C "$cfg" "$kver"
both "-e -E Module.symvers" -e -E "$testdir/Module.symvers" -C "$cfg" "$kver"
both "-e -E, CRC mismatch" -e -E "$testdir/Module.symvers.bad" -C "$cfg" "$kver"
both "-E missing file" -E "$testdir/nonexistent" -C "$cfg" "$kver"
both "-P _" -P _ -C "$cfg" "$kver"

# --- versions and file arguments ------------------------------------------------------

fixture_tree args
both "bad version" -C "$cfg" foo
mkdir -p "$testdir/loose"
cp "$fixtures/mod-foo-a.ko" "$fixtures/mod-foo-b.ko" "$testdir/loose/"
both "file arguments" -C "$cfg" "$kver" "$testdir/loose/mod-foo-b.ko" "$testdir/loose/mod-foo-a.ko"
both "relative file argument" -C "$cfg" "$kver" kernel/lib/mod-foo-a.ko
both "missing file argument" -C "$cfg" "$kver" /nonexistent/x.ko
new_tree missing
rmdir "$dir"
both "missing version directory" -C "$cfg" "$kver"

# --- depmod.d: search, override, external, exclude -------------------------------------

new_tree prio
gen "$dir/kernel/drivers" dup "dup_fn" "" alias=dup:kernel
gen "$dir/updates" dup "dup_fn" "" alias=dup:updates
gen "$dir/extra" dup "dup_fn" "" alias=dup:extra
gen "$dir/signed/drivers" dup "dup_fn" "" alias=dup:signed
gen "$dir/kernel/drivers" user "" "dup_fn" alias=user
gen "$dir/kernel/drivers" other "other_fn" ""
gen "$dir/signed/drivers" other "other_fn" "" alias=other:signed
gen "$dir/kernel/net" other "other_fn" "" alias=other:net
gen "$testdir/ext1" dup "dup_fn" "" alias=dup:ext1
gen "$testdir/ext1" extonly "" "other_fn" alias=ext1
gen "$testdir/ext2/sub" dup "dup_fn" "" alias=dup:ext2
gen "$dir/skipme" skipped "" ""
gen "$dir/build" inbuild "" ""
gen "$dir/kernel/source" insource "" ""
printf 'search signed built-in\n' >"$testdir/c1.conf"
printf 'search extra updates built-in\n' >"$testdir/c2.conf"
printf 'search built-in updates\n' >"$testdir/c3.conf"
printf 'override dup * extra\noverride other %s kernel/net\n' "$kver" >"$testdir/c4.conf"
printf 'override dup 5\\.9.* extra\noverride dup\n' >"$testdir/c5.conf"
printf 'external * %s\nexternal %s %s\nexternal * /nonexistent\nsearch external updates built-in\n' \
	"$testdir/ext1" "$kver" "$testdir/ext2" >"$testdir/c6.conf"
printf 'external * %s\n' "$testdir/ext1" >"$testdir/c7.conf"
printf 'exclude skipme extra\nexclude signed\n' >"$testdir/c8.conf"
printf '# comment\n\nsearch \\\n  extra built-in\ninclude foo\nmake_map_files\nbogus line\nsearch updates\n' \
	>"$testdir/c9.conf"
printf 'external 6\\.1 %s\nsearch built-in external\n' "$testdir/ext1" >"$testdir/c10.conf"
printf 'external [0-9]+\\.[0-9]{1,3}(\\.[0-9]+)?-?.* %s\nexternal (5|6)\\.1\\..*-te?s+t %s\nexternal 6\\.1\\.0-(a|b) /nonexistent\nsearch external built-in\n' \
	"$testdir/ext1" "$testdir/ext2" >"$testdir/c11.conf"
for c in "$cfg" "$testdir"/c{1,2,3,4,5,6,7,8,9,10,11}.conf; do
	both "depmod.d ${c##*/}" -C "$c" "$kver"
done
# Patterns glibc's regcomp needs exponential time or memory for (kmod 30 hangs on
# the first): refused with a message naming the line, the rest of the file applies.
plus60=$(printf '+%.0s' {1..60})
printf 'external %s %s\n' "6.*$plus60" "$testdir/ext2" '(6)\\1.*' "$testdir/ext2" \
	'((6{1,200}){1,200}){1,200}' "$testdir/ext2" '((6{,200}){,200}){,200}' "$testdir/ext2" \
	"(6$plus60" "$testdir/ext2" '6\..*' "$testdir/ext1" >"$testdir/c12.conf"
echo 'search external built-in' >>"$testdir/c12.conf"
rm -rf "$root.our"
cp -a "$root" "$root.our"
timeout 60 "$ours" -b "$root.our" -C "$testdir/c12.conf" "$kver" 2>"$testdir/c12.err"
is "$?" 0 "depmod.d pathological kernel patterns: exit status"
is "$(grep ' ERROR: ' "$testdir/c12.err")" \
	"$(printf 'depmod: ERROR: %s:%u: kernel version pattern too complex, ignoring the line\n' \
		"$testdir/c12.conf" 1 "$testdir/c12.conf" 2 "$testdir/c12.conf" 3 \
		"$testdir/c12.conf" 4 "$testdir/c12.conf" 5)" \
	"depmod.d pathological kernel patterns: each line named"
like "$(cat "$root.our/lib/modules/$kver/modules.dep")" "^$testdir/ext1/dup.ko:" \
	"depmod.d pathological kernel patterns: the next line still applies"
mkdir -p "$testdir/confdir/sub.conf"
cp "$testdir/c1.conf" "$testdir/confdir/10-signed.conf"
cp "$testdir/c2.conf" "$testdir/confdir/05-extra.conf"
: >"$testdir/confdir/README"
both "depmod.d directory" -C "$testdir/confdir" "$kver"

# .sig files are never modules, and -w speaks about bad ones (ours only)
cp "$fixtures/dummy.ko.trailer" "$dir/kernel/drivers/dup.ko.sig"
cp "$fixtures/badsig/truncated.sig" "$dir/kernel/drivers/user.ko.sig"
cp "$fixtures/badsig/garbage.sig" "$dir/kernel/drivers/gone.ko.sig"
cp "$fixtures/dummy.ko.trailer" "$dir/kernel/drivers/x.sig.ko.sig"
both "tree with .sig files" -C "$testdir/c1.conf" "$kver"
"$ours" -w -b "$root.our" -C "$testdir/c1.conf" "$kver" 2>"$testdir/sig.err"
sed -i "s#$root.our/lib/modules/$kver/kernel/drivers/#D/#" "$testdir/sig.err"
is "$(grep 'without its module' "$testdir/sig.err" | sort)" \
	"$(printf '%s\n' \
		"depmod: WARNING: D/gone.ko.sig: signature without its module gone.ko" \
		"depmod: WARNING: D/x.sig.ko.sig: signature without its module x.sig.ko")" \
	"-w: .sig without a module"
like "$(grep 'malformed' "$testdir/sig.err")" '^depmod: WARNING: D/user.ko.sig: malformed signature: .+$' \
	"-w: malformed .sig"
is "$(grep -c 'dup.ko.sig' "$testdir/sig.err")" 0 "-w: a good .sig is not mentioned"

# --- cycles ----------------------------------------------------------------------------

new_tree loop
gen "$dir/kernel" la la_fn "lb_fn"
gen "$dir/kernel" lb lb_fn "la_fn lc_fn"
gen "$dir/kernel" lc lc_fn ""
gen "$dir/kernel" ld "" "la_fn"
both "two modules in a cycle" -C "$cfg" "$kver"
is "$(ls "$root.our/lib/modules/$kver")" "kernel" "cycle: no file written"
new_tree loop3
gen "$dir/kernel" l1 f1 "f2"
gen "$dir/kernel" l2 f2 "f3"
gen "$dir/kernel" l3 f3 "f1 f5"
gen "$dir/kernel" l5 f5 ""
gen "$dir/kernel" l6 f6 "f7"
gen "$dir/kernel" l7 f7 "f6"
both "a 3-cycle and a 2-cycle" -C "$cfg" "$kver"

# --- devname, softdep, weakdep, duplicate aliases ---------------------------------------

new_tree info
gen "$dir/kernel" fuse "" "" alias=devname:fuse alias=char-major-10-229 alias=fs-fuse
gen "$dir/kernel" loop "" "" alias=block-major-7-* alias=devname:loop-control \
	alias=char-major-10-237 softdep=pre:crc32c
gen "$dir/kernel" nodev "" "" alias=devname:nodev 'softdep=post: a b'
gen "$dir/kernel" blk "" "" alias=block-major-8-0 alias=devname:sda weakdep=helper
gen "$dir/kernel" dups "" "" alias=same alias=same alias=pat-a[x-z]-b alias=unmatched] \
	weakdep=one weakdep=two
both "devname, softdep, aliases" -C "$cfg" "$kver"
both "devname, softdep, aliases -w" -w -C "$cfg" "$kver"
is "$(cat "$root.our/lib/modules/$kver/modules.weakdep")" \
	"$(printf '%s\n' '# Weak dependencies extracted from modules themselves.' \
		'weakdep dups two' 'weakdep dups one' 'weakdep blk helper')" "modules.weakdep (gcc stores .modinfo backwards)"

# --- the cache of what was read (<root>/var/cache/kmod-ds/depmod/<kver>) ----------------------

# in_place LABEL: ours on $root itself (its cache applies), the references on copies.
in_place() {
	local ref rdepmod
	"$ours" -b "$root" -C "$cfg" "$kver" 2>/dev/null
	is "$?" 0 "$1: exit status"
	while read -r ref rdepmod; do
		rm -rf "$root.ref"
		cp -a "$root" "$root.ref"
		rm -f "$root.ref/lib/modules/$kver"/modules.*
		cp "$dir"/modules.{order,builtin,builtin.modinfo} "$root.ref/lib/modules/$kver/" 2>/dev/null
		"$rdepmod" -b "$root.ref" -C "$cfg" "$kver" 2>/dev/null
		same_outputs "$ref: $1" "$ref" "$root.ref/lib/modules/$kver" "$dir"
	done <<<"$refs"
}

fixture_tree cache
# the cache is made only where <root>/var/cache exists
mkdir -p "$root/var/cache"
cachef=$root/var/cache/kmod-ds/depmod/$kver
gen "$dir/kernel/extra" swap "swap_fn" "" alias=swap:one
in_place "cache: first run"
like "$(head -c 8 "$cachef")" '^KDSDEPC[0-9]$' "cache: written"
in_place "cache: second run"
gen "$testdir/swap2" swap "swap_fn other_fn" "foo_a_fn" alias=swap:two
cp "$testdir/swap2/swap.ko" "$dir/kernel/extra/swap.ko"
in_place "cache: a module changed"
is "$(grep -c 'swap:two' "$dir/modules.alias")" 1 "cache: the changed module was read again"
# rewritten in place, same size, mtime put back: only the ctime tells
touch -r "$dir/kernel/extra/swap.ko" "$testdir/stamp"
off=$(grep -abo 'swap:two' "$dir/kernel/extra/swap.ko" | head -n1 | cut -d: -f1)
printf 'T' | dd of="$dir/kernel/extra/swap.ko" bs=1 seek=$((off + 5)) conv=notrunc 2>/dev/null
touch -r "$testdir/stamp" "$dir/kernel/extra/swap.ko"
in_place "cache: a module rewritten with its mtime kept"
is "$(grep -c 'swap:Two' "$dir/modules.alias")" 1 "cache: the rewritten module was read again"
gen "$dir/kernel/extra" added "" "swap_fn" alias=added
in_place "cache: a module added"
# the cache written then (old records copied, one new) is whole: the next run
# takes every module from it and has no reason to write it again
ino=$(stat -c %i "$cachef")
in_place "cache: after a module added"
is "$(stat -c %i "$cachef")" "$ino" "cache: the rewritten cache is valid and complete"
rm "$dir/kernel/extra/added.ko"
in_place "cache: a module removed"
printf 'X' | dd of="$cachef" bs=1 seek=300 conv=notrunc 2>/dev/null
in_place "cache: one byte flipped"
head -c 1000 "$cachef" >"$testdir/trunc"
cp "$testdir/trunc" "$cachef"
in_place "cache: truncated"
: >"$cachef"
in_place "cache: empty"
rm "$cachef"
KMOD_DEPMOD_CACHE=0 "$ours" -b "$root" -C "$cfg" "$kver" 2>/dev/null
is "$(test -e "$cachef" && echo there)" "" "cache: KMOD_DEPMOD_CACHE=0 writes none"

# --- the load beside the scan ----------------------------------------------------------

# Modules are read while the walk goes on (load.h): under strace, a module is
# opened before the walk opens the last of 300 directories.  A module found
# again in a later directory (search order) replaces one already being read.
if need_or_skip "strace" strace -V; then
	new_tree walk
	for i in $(seq 300); do
		mkdir -p "$dir/kernel/d$i"
		cp "$fixtures/mod-foo-a.ko" "$dir/kernel/d$i/m$i.ko"
	done
	mkdir -p "$dir/updates"
	cp "$fixtures/dummy.ko" "$dir/updates/m1.ko"
	: >"$dir/modules.order"
	: >"$dir/modules.builtin"
	: >"$dir/modules.builtin.modinfo"
	printf 'search updates built-in\n' >"$testdir/walk.conf"
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 KMOD_DEPMOD_JOBS=2 \
		strace -f -qq -e trace=openat -o "$testdir/walk.trace" \
		"$ours" -b "$root" -C "$testdir/walk.conf" "$kver" 2>"$testdir/err"
	is "$?|$(cat "$testdir/err")" "0|" "load beside the scan: exit 0, silent"
	first=$(grep -n '/m[0-9]*\.ko"' "$testdir/walk.trace" | head -n 1 | cut -d: -f1)
	last=$(grep -n '"d[0-9]*", O_RDONLY|O_CLOEXEC|O_DIRECTORY' "$testdir/walk.trace" |
		tail -n 1 | cut -d: -f1)
	if [[ -n $first && -n $last ]] && ((first < last)); then
		ok "load beside the scan: a module read (line $first) before the last directory opened (line $last)"
	else
		not_ok "load beside the scan: a module read (line ${first:-none}) before the last directory opened (line ${last:-none})"
	fi
	is "$(wc -l <"$dir/modules.dep")|$(grep -c '^updates/m1.ko:' "$dir/modules.dep")" "300|1" \
		"load beside the scan: 300 modules, m1 from updates"
	like "$(cat "$dir/modules.alias")" "alias rtnl-link-dummy m1" \
		"load beside the scan: m1's aliases are those of the file kept"
	rm -rf "$root.ref"
	cp -a "$root" "$root.ref"
	"$deb" -b "$root.ref" -C "$testdir/walk.conf" "$kver" 2>/dev/null
	is_file "$dir/modules.dep" "$root.ref/lib/modules/$kver/modules.dep" \
		"load beside the scan: modules.dep as Debian's depmod writes it"
	is_file "$dir/modules.alias" "$root.ref/lib/modules/$kver/modules.alias" \
		"load beside the scan: modules.alias as Debian's depmod writes it"
fi

# --- -A --------------------------------------------------------------------------------

fixture_tree quick
"$ours" -b "$root" -C "$cfg" "$kver" 2>/dev/null
touch -d '2000-01-01' "$dir/modules.dep"
find "$dir/kernel" -name '*.ko' -exec touch -d '1999-01-01' {} +
cp "$dir/modules.alias" "$testdir/alias.before"
echo '# stale' >"$dir/modules.alias"
"$ours" -A -b "$root" -C "$cfg" "$kver"
is "$(cat "$dir/modules.alias")" "# stale" "-A: nothing newer, nothing done"
"$ours" -A -n -b "$root" -C "$cfg" "$kver" >"$testdir/quick.out"
is "$(cat "$testdir/quick.out")" "" "-A -n: does nothing"
touch "$dir/kernel/lib/mod-foo-a.ko"
"$ours" -A -b "$root" -C "$cfg" "$kver"
is_file "$dir/modules.alias" "$testdir/alias.before" "-A: a newer module, regenerated"

# --- -o and -m (kmod 31 and 34; compared with a plain run) ---------------------------------

fixture_tree outdir
# plain_refs: each reference's plain run on a copy of $root, in $testdir/ref-NAME
plain_refs() {
	local ref rdepmod
	while read -r ref rdepmod; do
		rm -rf "$testdir/ref-$ref"
		cp -a "$root" "$testdir/ref-$ref"
		"$rdepmod" -b "$testdir/ref-$ref" -C "$cfg" "$kver" 2>/dev/null
	done <<<"$refs"
}
plain_refs
before=$(ls "$dir")
"$ours" -b "$root" -o "$testdir/out" -C "$cfg" "$kver" 2>/dev/null
is "$(ls "$dir")" "$before" "-o: the tree is left alone"
while read -r ref _; do
	same_outputs "$ref: -o" "$ref" "$testdir/ref-$ref/lib/modules/$kver" "$testdir/out/lib/modules/$kver"
done <<<"$refs"
# the cache too, below the output root, when its var/cache exists
mkdir -p "$testdir/out/var/cache"
"$ours" -b "$root" -o "$testdir/out" -C "$cfg" "$kver" 2>/dev/null
ino=$(stat -c %i "$testdir/out/var/cache/kmod-ds/depmod/$kver" 2>/dev/null)
"$ours" -b "$root" -o "$testdir/out" -C "$cfg" "$kver" 2>/dev/null
is "$(stat -c %i "$testdir/out/var/cache/kmod-ds/depmod/$kver" 2>/dev/null)" "${ino:-none}" \
	"-o: the output root gets a valid cache"
is "$(find "$testdir/out" -name '.*depmod-tmp' | wc -l)" 0 "-o: no temporary file left"
mkdir -p "$root/usr/lib"
mv "$root/lib/modules" "$root/usr/lib/modules"
"$ours" -b "$root" -m /usr/lib/modules -C "$cfg" "$kver" 2>/dev/null
while read -r ref _; do
	same_outputs "$ref: -m" "$ref" "$testdir/ref-$ref/lib/modules/$kver" "$root/usr/lib/modules/$kver"
done <<<"$refs"

# --- the Debian kernels -------------------------------------------------------------------

cache=${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/kmod-ds/trees
trees=
if [[ ${CI:-} == true ]]; then
	trees=$("$top_srcdir/testsuite/debian-kernels.sh" extract 2>"$testdir/extract.err") ||
		not_ok "debian-kernels.sh extract"
else
	for stamp in "$cache"/*/.kmod-ds-extracted; do
		[[ -f $stamp ]] || continue
		tree=${stamp%/.kmod-ds-extracted}
		dirs=("$tree"/lib/modules/*/)
		[[ ${#dirs[@]} == 1 && -d ${dirs[0]} ]] || continue
		trees+="$(basename "${dirs[0]}") $tree"$'\n'
	done
	[[ -n $trees ]] || skip "Debian kernels not unpacked in $cache (testsuite/debian-kernels.sh extract)"
fi

# real_tree KVER TREE: a private root whose kernel/ links to the unpacked modules.
real_tree() {
	root=$testdir/real
	dir=$root/lib/modules/$1
	rm -rf "$root"
	mkdir -p "$dir"
	ln -s "$2/lib/modules/$1/kernel" "$dir/kernel"
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[[ ! -f $2/lib/modules/$1/$f ]] || cp "$2/lib/modules/$1/$f" "$dir/"
	done
}

crash_tree=
while read -r rkver tree; do
	[[ -n $rkver ]] || continue
	if [[ -n $(find "$tree/lib/modules/$rkver/kernel" -name '*.ko.xz' -print -quit) ]] &&
		! "$ours" -V | grep -q '+XZ'; then
		skip "$rkver: depmod built without xz cannot read its .ko.xz modules"
		continue
	fi
	real_tree "$rkver" "$tree"
	saved=$kver
	kver=$rkver
	both "$rkver" -C "$cfg" "$kver"
	kver=$saved
	[[ $rkver == 6.1.* ]] && crash_tree="$rkver $tree"
done <<<"$trees"

# --- crash safety, races, write errors --------------------------------------------------------

# same_as DIR REFDIR...: every output file of DIR equals the one of some REFDIR.
outputs=(modules.dep modules.dep.bin modules.alias modules.alias.bin modules.softdep
	modules.weakdep modules.symbols modules.symbols.bin modules.builtin.bin
	modules.builtin.alias.bin modules.devname)
check_set() {
	local d=$1 f r found bad=
	shift
	for f in "${outputs[@]}"; do
		found=0
		for r in "$@"; do
			cmp -s "$d/$f" "$r/$f" && found=1 && break
		done
		[[ $found == 1 ]] || bad+=" $f"
	done
	echo "$bad"
}

if [[ -n $crash_tree ]]; then
	read -r ckver ctree <<<"$crash_tree"
	real_tree "$ckver" "$ctree"
	# old set: without modules.order (another order everywhere); new set: with it
	mv "$dir/modules.order" "$testdir/order"
	"$ours" -b "$root" -C "$cfg" "$ckver" 2>/dev/null
	mkdir "$testdir/old" "$testdir/new"
	for f in "${outputs[@]}"; do cp "$dir/$f" "$testdir/old/"; done
	mv "$testdir/order" "$dir/modules.order"
	"$ours" -b "$root" -C "$cfg" "$ckver" 2>/dev/null
	for f in "${outputs[@]}"; do cp "$dir/$f" "$testdir/new/"; done
	is "$(cmp -s "$testdir/old/modules.dep" "$testdir/new/modules.dep" && echo same)" "" \
		"crash: old and new sets differ"

	# The shortest of three runs: a run slowed by the load of the moment would
	# make every delay long and few kills land mid-way.
	run_time=
	for i in 1 2 3; do
		start=$(date +%s.%N)
		"$ours" -b "$root" -C "$cfg" "$ckver" 2>/dev/null
		run_time=$(awk -v a="$start" -v b="$(date +%s.%N)" -v m="$run_time" \
			'BEGIN { t = b - a; print (m != "" && m < t) ? m : t }')
	done
	# At least 120 runs, more (up to 360) until 60 kills have landed while the
	# process ran: the load of a busy machine changes how long a run takes.
	kills=0 bad_runs=0 newer=0 runs=0
	while ((runs < 360 && (runs < 120 || kills < 60))); do
		runs=$((runs + 1))
		for f in "${outputs[@]}"; do cp "$testdir/old/$f" "$dir/"; done
		delay=$(awk -v s="$runs" -v t="$run_time" 'BEGIN { srand(s); printf "%.3f", rand() * t }')
		# A kill that lands while LeakSanitizer checks at exit leaves its tracer
		# a report ("Unable to get registers"): no leak check for killed runs.
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
			"$ours" -b "$root" -C "$cfg" "$ckver" 2>/dev/null &
		pid=$!
		sleep "$delay"
		# kill(2) succeeds on a zombie too: count only a process still running
		state=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null)
		if [[ -n $state && $state != Z* ]] && kill -9 "$pid" 2>/dev/null; then
			kills=$((kills + 1))
		fi
		wait "$pid" 2>/dev/null
		bad=$(check_set "$dir" "$testdir/old" "$testdir/new")
		if [[ -n $bad ]]; then
			bad_runs=$((bad_runs + 1))
			diag "run $runs (kill after ${delay}s): not old nor new:$bad"
		fi
		cmp -s "$dir/modules.dep" "$testdir/new/modules.dep" && newer=$((newer + 1))
	done
	diag "crash: $runs runs (a run takes ${run_time}s), $kills killed while running, $newer ended with the new modules.dep"
	is "$bad_runs" 0 "crash: after SIGKILL every file is the complete old or new one"
	like "$kills" '^([5-9][0-9]|[1-3][0-9][0-9])$' "crash: at least 50 of the runs were killed mid-way"

	for f in "${outputs[@]}"; do cp "$testdir/old/$f" "$dir/"; done
	"$ours" -b "$root" -C "$cfg" "$ckver" 2>/dev/null &
	p1=$!
	"$ours" -b "$root" -C "$cfg" "$ckver" 2>/dev/null &
	p2=$!
	wait "$p1"
	r1=$?
	wait "$p2"
	r2=$?
	is "$r1 $r2 $(check_set "$dir" "$testdir/new")" "0 0 " "race: two depmods end with the new set"
	is "$(find "$dir" -maxdepth 1 -name '.*depmod-tmp' | wc -l)" 0 "race, kills: no temporary file left"

	if need_or_skip "the write-failure shim $shim" test -f "$shim"; then
		# nothing, a tenth, nine tenths of what the set takes (a sampled tree is small)
		total=$(cat "$testdir/new"/* | wc -c)
		for after in 0 $((total / 10)) $((total * 9 / 10)); do
			for f in "${outputs[@]}"; do cp "$testdir/old/$f" "$dir/"; done
			LD_PRELOAD=$shim FAILWRITE_MATCH="$dir/" FAILWRITE_AFTER=$after \
				"$ours" -b "$root" -C "$cfg" "$ckver" 2>"$testdir/enospc.err"
			rc=$?
			is "$rc $(check_set "$dir" "$testdir/old")" "1 " \
				"disk full after $after bytes: exit 1, old files untouched"
			like "$(cat "$testdir/enospc.err")" \
				"ERROR: could not write .*: No space left on device; nothing was changed" \
				"disk full after $after bytes: message"
		done
		for f in "${outputs[@]}"; do cp "$testdir/old/$f" "$dir/"; done
		LD_PRELOAD=$shim FAILWRITE_MATCH="$dir/" FAILWRITE_AFTER=5000 FAILWRITE_ERRNO=5 \
			"$ours" -b "$root" -C "$cfg" "$ckver" 2>"$testdir/eio.err"
		rc=$?
		is "$rc $(check_set "$dir" "$testdir/old")" "1 " "I/O error: exit 1, old files untouched"
		like "$(cat "$testdir/eio.err")" "Input/output error" "I/O error: message"
		is "$(find "$dir" -maxdepth 1 -name '.*depmod-tmp' | wc -l)" 0 \
			"write errors: no temporary file left"
	fi
else
	skip "crash safety: the Debian 6.1 kernel is not unpacked"
fi

done_testing

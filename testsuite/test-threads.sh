#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The threaded paths of the tools, each against the same work done without
# threads: modinfo's read-ahead workers (several module files in one process,
# each worker in a context of its own) and depmod's threads.  In the normal
# build it shows that threads change nothing in the outputs; test-tsan.sh
# runs it again in a ThreadSanitizer build, where any data race is a report.
#
# depmod runs covered (KMOD_DEPMOD_JOBS=4, on the fixtures and on a sample of
# each Debian tree, KMOD_TEST_REAL_SAMPLE, 300 modules by default):
#   fresh    no cache: 4 loader threads, the thread writing the cache, the
#            symbol resolver's second thread (more than 64 modules), the
#            thread building the modinfo outputs beside modules.dep
#   cached   the cache present: the thread reading it
#   changed  one module replaced: cache read, the changed module loaded anew
# each compared with KMOD_DEPMOD_JOBS=1 KMOD_DEPMOD_CACHE=0 (no thread but
# the outputs' one).

# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

fx=$top_builddir/testsuite/fixtures
modinfo=$top_builddir/tools/modinfo
depmod=$top_builddir/tools/depmod
export LC_ALL=C
unset KMOD_DETACHED_SIG KMOD_DEPMOD_JOBS KMOD_DEPMOD_CACHE

need_or_skip_all "fixture modules" test -f "$fx/dummy.ko"
need_or_skip_all "modinfo and depmod" test -x "$modinfo" -a -x "$depmod"
ncpu=$(nproc 2> /dev/null || echo 1)
need_or_skip_all "two CPUs (modinfo reads ahead only with two or more)" test "$ncpu" -ge 2

trees=$(KMOD_TEST_REAL_SAMPLE=${KMOD_TEST_REAL_SAMPLE:-300} \
	bash "$top_srcdir/testsuite/debian-kernels.sh" extract 2> "$testdir/dk.err")
case $? in
0) ;;
2)
	skip "Debian kernels not available here: fixtures only"
	trees=
	;;
*)
	not_ok "debian-kernels.sh extract"
	sed 's/^/# /' "$testdir/dk.err"
	trees=
	;;
esac

# ---- modinfo ------------------------------------------------------------------

# one_by_one FILE...: modinfo of each FILE in a process of its own (no worker
# thread), stdout to $testdir/seq, stderr to $testdir/seq.err, worst status
one_by_one() {
	: > "$testdir/seq"
	: > "$testdir/seq.err"
	_rc=0
	for _f; do
		"$modinfo" "$_f" >> "$testdir/seq" 2>> "$testdir/seq.err" || _rc=1
	done
	return $_rc
}
# together DESC FILE...: one process for all FILEs (read ahead by workers) says
# what the processes of one_by_one say, in the same order, with the same status
together() {
	_desc=$1
	shift
	one_by_one "$@"
	_r1=$?
	"$modinfo" "$@" > "$testdir/par" 2> "$testdir/par.err"
	_r2=$?
	if [ $_r1 = $_r2 ] && cmp -s "$testdir/seq" "$testdir/par" &&
		cmp -s "$testdir/seq.err" "$testdir/par.err"; then
		ok "$_desc"
	else
		not_ok "$_desc (status $_r2, one by one $_r1)"
		diff "$testdir/seq" "$testdir/par" | head -n 10 | sed 's/^/#   /'
		diff "$testdir/seq.err" "$testdir/par.err" | head -n 10 | sed 's/^/#   /'
	fi
}

# Fixtures, a module given twice (read in its turn), detached signatures good
# and malformed: the library's messages of the workers come in argument order,
# also when the first module takes long to read (64 MiB to decompress) and a
# second worker meets the malformed .sig files after it meanwhile.
d=$testdir/det
mkdir -p "$d"
{ cat "$fx/dummy.ko"; head -c 64M /dev/zero; } | xz -0 > "$d/m0.ko.xz"
cp "$fx/badsig/garbage.sig" "$d/m0.ko.xz.sig"
n=0
for sig in "$fx/dummy.ko.p7s" "$fx/dummy.ko.trailer" "$fx"/badsig/*.sig; do
	n=$((n + 1))
	cp "$fx/dummy.ko" "$d/m$n.ko"
	cp "$sig" "$d/m$n.ko.sig"
done
dets=("$d/m0.ko.xz")
for i in $(seq 1 $n); do dets+=("$d/m$i.ko"); done
together "modinfo: ${#dets[@]} modules with good and malformed .sig files, messages in order" \
	"${dets[@]}"
together "modinfo: the fixtures, one of them twice, and a missing file" \
	"$fx"/*.ko "$fx"/*.ko.xz "$fx/dummy.ko" "$testdir/none.ko" "$fx/mod-foo.ko"

while read -r kver tree; do
	[ -n "$kver" ] || continue
	find -L "$tree/lib/modules/$kver/kernel" -name '*.ko*' | sort > "$testdir/all"
	mapfile -t mods < <(awk 'NR % 3 == 1' "$testdir/all")
	together "modinfo: $kver: ${#mods[@]} modules in one process" "${mods[@]}"
done <<< "$trees"

# ---- depmod -------------------------------------------------------------------

mkdir -p "$testdir/depmod.d"
outputs="modules.dep modules.dep.bin modules.alias modules.alias.bin modules.softdep
modules.weakdep modules.symbols modules.symbols.bin modules.builtin.bin
modules.builtin.alias.bin modules.devname"

# tree ROOT KVER KERNELDIR [SRC]: ROOT/lib/modules/KVER with kernel/ a copy of
# KERNELDIR (symlinks to its files) and SRC's modules.order and builtin lists
tree() {
	_dir=$1/lib/modules/$2
	rm -rf "$1"
	# var/cache: where depmod keeps its cache (<root>/var/cache/kmod-ds/depmod)
	mkdir -p "$_dir" "$1/var/cache"
	cp -rs "$3" "$_dir/kernel"
	for _f in modules.order modules.builtin modules.builtin.modinfo; do
		[ -z "${4:-}" ] || [ ! -f "$4/$_f" ] || cp "$4/$_f" "$_dir/"
	done
}
# dep ROOT KVER [ENV...]: depmod -a of ROOT's KVER with ENV, silent or diagnosed
dep() {
	_root=$1 _kver=$2
	shift 2
	env "$@" "$depmod" -b "$_root" -C "$testdir/depmod.d" -a "$_kver" > "$testdir/dep.out" 2>&1 ||
		sed 's/^/#   depmod: /' "$testdir/dep.out"
}
# same_outputs A B: the depmod outputs of directories A and B are the same files
same_outputs() {
	for _f in $outputs; do
		cmp -s "$1/$_f" "$2/$_f" || echo "$_f"
	done
}

# depmod_runs NAME KVER KERNELDIR [SRC]: the runs named at the top
depmod_runs() {
	_name=$1 _kv=$2
	tree "$testdir/ref" "$_kv" "$3" "${4:-}"
	tree "$testdir/thr" "$_kv" "$3" "${4:-}"
	_ref=$testdir/ref/lib/modules/$_kv _thr=$testdir/thr/lib/modules/$_kv
	dep "$testdir/ref" "$_kv" KMOD_DEPMOD_JOBS=1 KMOD_DEPMOD_CACHE=0
	_n=$(grep -c . "$_ref/modules.dep")
	dep "$testdir/thr" "$_kv" KMOD_DEPMOD_JOBS=4
	_resolver=
	[ "$_n" -le 64 ] || _resolver=", resolver"
	is "$(same_outputs "$_ref" "$_thr")$(test -f "$testdir/thr/var/cache/kmod-ds/depmod/$_kv" || echo "no cache")" \
		"" "depmod: $_name ($_n modules), fresh: 4 loaders, cache writer$_resolver, outputs thread"
	dep "$testdir/thr" "$_kv" KMOD_DEPMOD_JOBS=4
	is "$(same_outputs "$_ref" "$_thr")" "" "depmod: $_name, cached: the cache reader thread"
	# one module of the tree replaced by another module's file
	_one=$(cd "$_thr/kernel" && find . -name '*.ko*' -type l | sort | head -n 1)
	_other=$(cd "$_thr/kernel" && find . -name '*.ko*' -type l | sort | sed -n 2p)
	rm "$_thr/kernel/$_one" "$_ref/kernel/$_one"
	cp "$(readlink -f "$_thr/kernel/$_other")" "$_thr/kernel/$_one"
	cp "$_thr/kernel/$_one" "$_ref/kernel/$_one"
	dep "$testdir/ref" "$_kv" KMOD_DEPMOD_JOBS=1 KMOD_DEPMOD_CACHE=0
	dep "$testdir/thr" "$_kv" KMOD_DEPMOD_JOBS=4
	is "$(same_outputs "$_ref" "$_thr")" "" \
		"depmod: $_name, changed: one module loaded anew beside the cache"
}

mkdir -p "$testdir/fxk"
cp "$fx"/*.ko "$testdir/fxk/"
depmod_runs "fixtures" 6.1.0-test "$testdir/fxk"
while read -r kver tree; do
	[ -n "$kver" ] || continue
	depmod_runs "$kver sample" "$kver" "$tree/lib/modules/$kver/kernel" "$tree/lib/modules/$kver"
done <<< "$trees"

done_testing

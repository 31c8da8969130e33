#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Allocation failure injection (TRAP_FAIL_ALLOC in testsuite/trap-alloc.c):
# modprobe of a module with two dependencies, each with a .sig, insmod with a
# .sig, modinfo with a .sig and depmod, all under the trap, are run once for
# every N from 1 until a run makes fewer than N allocations.  Every run must
# exit 0 or 1: no signal, no hang (20 s).  depmod must leave its old output
# byte for byte as it was (a successful run writes the same bytes).  modinfo
# makes most of its allocations in OpenSSL's start-up: past N=200 every 10th N
# is run.  A sample of 8 N per command goes through valgrind, which must find
# no error and no leak.  KMOD_TEST_ENOMEM_ALL=1 runs every N, and every N
# under valgrind too (slow).

# shellcheck disable=SC2034
# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"
set -u

fx=$top_builddir/testsuite/fixtures
tools=$top_builddir/tools
need_or_skip_all "trap library" test -f "$TRAP_LIB"
need_or_skip_all "fixture modules" test -f "$fx/mod-foo.ko"

unset TRAP_RESULTS KMOD_DETACHED_SIG MODPROBE_OPTIONS KMOD_LOG TRAP_FAIL_ALLOC
kver=6.1.0-test
moddir=/lib/modules/$kver
root=$testdir/root
k=$root$moddir
report=$testdir/alloc-report
fixture_signed_root "$root" "$kver"
printf 'options mod-foo x=1\nsoftdep mod-foo-b pre: mod-foo-a\n' > "$root/etc/modprobe.d/foo.conf"
# The first index comes from the command under test itself, without a failure:
# any later successful run writes the same bytes.
env LD_PRELOAD="$TRAP_LIB" TRAP_ROOT="$root" TRAP_PASSTHROUGH="$top_builddir:$testdir" \
	"$tools/depmod" "$kver" 2> /dev/null || echo "Bail out! depmod failed on the fixture tree"
sums() { (cd "$k" && ls -A && sha256sum modules.*); }
sums > "$testdir/sums.orig"
mkdir "$testdir/index.orig"
cp -a "$k"/modules.* "$testdir/index.orig/"
all=${KMOD_TEST_ENOMEM_ALL:-0}

# In a sanitizer build LeakSanitizer checks every run instead (exit 86).
vg=false
if sanitizer_build; then
	skip "valgrind samples: $no_valgrind_reason"
elif command -v valgrind > /dev/null 2>&1; then
	vg=true
	vg_dirs=$(dirname "$(command -v valgrind)"):/usr/libexec/valgrind:/usr/lib/x86_64-linux-gnu/valgrind
else
	need_or_skip "valgrind" false || :
fi

# one N VALGRIND CMD...: one run failing allocation N; sets rc, injected (0/1).
one() {
	_n=$1 _vg=$2 _pass=$top_builddir:$testdir
	shift 2
	rm -rf "$report" "$testdir/trap.log" "$root/sys/module" "$testdir"/vg.*
	mkdir "$root/sys/module"
	if [ "$_vg" = 1 ]; then
		set -- valgrind -q --error-exitcode=99 --leak-check=full --soname-synonyms=somalloc=nouserintercepts \
			--suppressions="$top_srcdir/testsuite/enomem.supp" \
			--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
			--log-file="$testdir/vg.%p" "$@"
		_pass=$_pass:$vg_dirs
	fi
	timeout -k 5 20 env LD_PRELOAD="$TRAP_LIB" TRAP_ROOT="$root" TRAP_UNAME_R="$kver" \
		TRAP_LOG="$testdir/trap.log" TRAP_PASSTHROUGH="$_pass" \
		TRAP_FAIL_ALLOC="$_n" TRAP_FAIL_ALLOC_EXE="kmod insmod modprobe modinfo depmod" TRAP_ALLOC_REPORT="$report" "$@" \
		> "$testdir/out" 2> "$testdir/err" < /dev/null
	rc=$?
	injected=0
	[ -e "$report" ] && injected=1
}

# sweep NAME CHECK-FN DENSE CMD...: every N until a run without injection;
# past DENSE (0: never), every 10th N.
sweep() {
	_name=$1 _check=$2 _dense=$3
	shift 3
	[ "$all" = 1 ] && _dense=0
	_bad='' _n=0 _codes='' _vgruns=0 _vgbad='' _t0=$SECONDS _runs=0
	while :; do
		if [ "$_dense" -gt 0 ] && [ "$_n" -ge "$_dense" ]; then
			_n=$((_n + 10))
		else
			_n=$((_n + 1))
		fi
		_runs=$((_runs + 1))
		one "$_n" 0 "$@"
		case " $_codes " in *" $rc "*) ;; *) _codes="$_codes $rc" ;; esac
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
			_bad="$_bad $_n:$rc"
			diag "$_name N=$_n: exit $rc: $(head -c 300 "$testdir/err")"
		fi
		if ! $_check; then
			_bad="$_bad $_n:check"
		fi
		[ "$injected" = 1 ] || break
		[ "$_n" -lt 100000 ] || break
	done
	_total=$((_n - 1))
	# One more to be sure of the count when the last steps were sparse.
	while [ "$_total" -gt 0 ]; do
		one "$_total" 0 "$@"
		[ "$injected" = 1 ] && break
		_total=$((_total - 1))
	done
	is "$rc" 0 "$_name: the run with no injected failure succeeds"
	is "${_bad# }" "" "$_name: $((_runs - 1)) of its $_total allocations failed in turn, each run exits 0 or 1 (exit codes:$_codes)"
	diag "$_name: $_runs runs in $((SECONDS - _t0)) s"

	$vg || return 0
	# 8 N spread over the range (every N with KMOD_TEST_ENOMEM_ALL=1), then none.
	_step=$(((_total + 7) / 8))
	[ "$all" = 1 ] && _step=1
	_t0=$SECONDS
	for _n in $(seq 1 "$_step" "$_total") "$((_total + 1))"; do
		one "$_n" 1 "$@"
		_vgruns=$((_vgruns + 1))
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
			_vgbad="$_vgbad $_n:$rc"
			head -n 5 "$testdir/err" | sed "s/^/# N=$_n: /"
			for f in "$testdir"/vg.*; do
				[ -s "$f" ] && head -n 40 "$f" | sed "s/^/# N=$_n: /"
			done
		fi
	done
	is "${_vgbad# }" "" "$_name: valgrind on $_vgruns runs (every ${_step}th N): no error, no leak"
	diag "$_name: valgrind runs in $((SECONDS - _t0)) s"
}

# shellcheck disable=SC2317 # called through sweep
true_check() { return 0; }
# shellcheck disable=SC2317
depmod_check() {
	sums > "$testdir/sums.now"
	if ! cmp -s "$testdir/sums.orig" "$testdir/sums.now"; then
		diag "depmod N=$_n (exit $rc): the old output changed"
		diff "$testdir/sums.orig" "$testdir/sums.now" | sed 's/^/#   /' | head -n 10
		rm -f "$k"/modules.*
		cp -a "$testdir/index.orig"/modules.* "$k/"
		return 1
	fi
}

sweep "modprobe mod-foo (2 dependencies, 3 .sig)" true_check 0 "$tools/modprobe" mod-foo
sweep "insmod with a .sig" true_check 0 "$tools/insmod" "$moddir/kernel/mod-foo-a.ko"
sweep "modinfo with a .sig" true_check 200 "$tools/modinfo" "$moddir/kernel/mod-foo.ko"
sweep "depmod" depmod_check 0 "$tools/depmod" "$kver"
done_testing

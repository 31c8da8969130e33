#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The public API of libkmod.so.2, exercised by two programs that link it as
# its users do (testsuite/test-libkmod.c: contexts, logging, lists, modules,
# kernel state, threads; testsuite/test-libkmod-insert.c: insertion, removal,
# detached-signature policy; testsuite/test-libkmod-policy.c: the policy from
# the configuration, and in install commands).  This script builds the fake kernel they see,
# runs them under the trap and passes their TAP through, renumbered.
#
# KMOD_TEST_VALGRIND=1 runs both under memcheck; helgrind checks the threads
# run whenever valgrind is installed.

# shellcheck disable=SC2034
# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

fx=$top_builddir/testsuite/fixtures
api=$top_builddir/testsuite/test-libkmod
insert=$top_builddir/testsuite/test-libkmod-insert
policy=$top_builddir/testsuite/test-libkmod-policy

need_or_skip_all "trap library" test -f "$TRAP_LIB"
need_or_skip_all "fixture modules" test -f "$fx/dummy.ko"
need_or_skip_all "test-libkmod" test -x "$api"
need_or_skip_all "test-libkmod-insert" test -x "$insert"
need_or_skip_all "test-libkmod-policy" test -x "$policy"

unset KMOD_LOG KMOD_DETACHED_SIG TRAP_RESULTS
TRAP_UNAME_R=6.1.0-test
TRAP_LOG=$testdir/trap.log
LIBKMOD_TEST_DIR=$testdir
export LIBKMOD_TEST_DIR

# ---- the fake kernel of test-libkmod.c --------------------------------------
#
# /proc/modules, in an order that is not alphabetical; kappa's line is longer
# than the library's 4 KiB line buffer.  /sys/module:
#   zeta   live, refcnt 2, coresize 20480 (/proc/modules says 16384),
#          holders alpha and mu, four sections
#   alpha  live, refcnt 0, no coresize, empty holders/ and sections/
#   mu     the directory only (a module still loading)
#   beta   going, refcnt 1, coresize 12288
#   omega  an initstate the kernel never writes
#   eta, kappa: none

root=$testdir/root
mkdir -p "$root/proc" "$root/sys/module" "$testdir/empty" "$testdir/rel/mods"
long=$(awk 'BEGIN { for (i = 0; i < 700; i++) printf "dep%03d,", i }')
cat > "$root/proc/modules" << EOF
zeta 16384 2 alpha,mu, Live 0xffffffffc0a00000
alpha 8192 0 - Live 0xffffffffc0b00000
mu 4096 0 - Loading 0xffffffffc0c00000
beta 12288 1 - Unloading 0xffffffffc0d00000
eta 2048 0 - Live 0xffffffffc0e00000
omega 1024 0 - Live 0xffffffffc0f00000
kappa 512 700 $long Live 0xffffffffc1000000
snd_hda_intel 65536 0 - Live 0xffffffffc1100000
EOF

# sysmod NAME [FILE=VALUE...]: /sys/module/NAME with those files
sysmod() {
	_d=$root/sys/module/$1
	shift
	mkdir -p "$_d"
	for _kv in "$@"; do
		mkdir -p "$(dirname "$_d/${_kv%%=*}")"
		printf '%s\n' "${_kv#*=}" > "$_d/${_kv%%=*}"
	done
}
sysmod zeta initstate=live refcnt=2 coresize=20480 \
	sections/.text=0xffffffffc0a01000 sections/.data=0xffffffffc0a05000 \
	sections/.bss=0xffffffffc0a06000 sections/.gnu.linkonce.this_module=0xffffffffc0a07000
mkdir -p "$root/sys/module/zeta/holders"
ln -s ../../alpha "$root/sys/module/zeta/holders/alpha"
ln -s ../../mu "$root/sys/module/zeta/holders/mu"
sysmod alpha initstate=live refcnt=0
mkdir -p "$root/sys/module/alpha/holders" "$root/sys/module/alpha/sections"
sysmod mu
sysmod beta initstate=going refcnt=1 coresize=12288
sysmod omega initstate=bogus refcnt=0
sysmod snd_hda_intel initstate=live refcnt=0 coresize=65536
echo xz > "$root/sys/module/compression"

# ---- the modules of test-libkmod-insert.c and an empty kernel ----------------

iroot=$testdir/iroot
mkdir -p "$iroot/sys/module" "$testdir/m" "$testdir/n" "$testdir/x" "$testdir/s" "$testdir/a" \
	"$testdir/o"
echo xz > "$iroot/sys/module/compression"
cp "$fx/dummy.ko" "$testdir/m/dummy.ko"
cp "$fx/dummy.ko.trailer" "$testdir/m/dummy.ko.sig"
cp "$fx/dummy.ko" "$testdir/n/dummy.ko"
cp "$fx/dummy.ko.xz" "$testdir/x/dummy.ko.xz"
cp "$fx/dummy.ko.xz" "$testdir/s/dummy.ko.xz"
cp "$fx/dummy.ko.p7s" "$testdir/s/dummy.ko.xz.sig"
cp "$fx/dummy-signed.ko" "$testdir/a/dummy.ko"
cp "$fx/dummy.ko.trailer" "$testdir/o/orphan.ko.sig"

# test-libkmod-policy.c runs our modprobe from install commands.
LIBKMOD_TEST_MODPROBE=$top_builddir/tools/modprobe
export LIBKMOD_TEST_MODPROBE

# The trap's line for init_module(dummy.ko || trailer), up to "params=".
cat "$fx/dummy.ko" "$fx/dummy.ko.trailer" > "$testdir/assembled"
cmp -s "$testdir/assembled" "$fx/dummy-signed.ko" ||
	diag "warning: fixture dummy-signed.ko is not dummy.ko + dummy.ko.trailer"
LIBKMOD_TEST_SIGNED_INIT="init_module len=$(wc -c < "$testdir/assembled" | tr -d ' ')"
LIBKMOD_TEST_SIGNED_INIT="$LIBKMOD_TEST_SIGNED_INIT sha256=$(sha256sum "$testdir/assembled" | cut -d' ' -f1)"
LIBKMOD_TEST_SIGNED_INIT="$LIBKMOD_TEST_SIGNED_INIT tail=$(tail -c 40 "$testdir/assembled" | od -An -tx1 -v | tr -d ' \n') params="
export LIBKMOD_TEST_SIGNED_INIT

# ---- running the programs -----------------------------------------------------

vg_dirs=
if command -v valgrind > /dev/null 2>&1; then
	# valgrind's launcher runs under the trap too: let it reach its own files.
	vg_dirs=$(dirname "$(command -v valgrind)"):/usr/libexec/valgrind:/usr/lib/x86_64-linux-gnu/valgrind
fi

# under_valgrind NAME VALGRIND-OPTIONS... CMD...: one TAP run under valgrind.
under_valgrind() {
	_vname=$1
	shift
	TRAP_PASSTHROUGH=$top_builddir:$top_srcdir:$testdir:$vg_dirs \
		trap_run_tap "$_vname" valgrind -q --error-exitcode=99 \
		--log-file="$testdir/valgrind.log" "$@"
	if [ -s "$testdir/valgrind.log" ]; then
		sed 's/^/# /' "$testdir/valgrind.log"
		not_ok "$_vname: valgrind is silent"
	fi
	rm -f "$testdir/valgrind.log"
}
memcheck="--tool=memcheck --leak-check=full --errors-for-leak-kinds=definite,indirect,possible"

cd "$testdir" || exit 1

TRAP_ROOT=$root
if [ "${KMOD_TEST_VALGRIND:-0}" = 1 ] && need_or_skip "valgrind" test -n "$vg_dirs"; then
	# shellcheck disable=SC2086
	under_valgrind "memcheck api" $memcheck "$api"
else
	trap_run_tap api "$api"
fi
if sanitizer_build; then
	skip "helgrind on two contexts in two threads: $no_valgrind_reason"
elif need_or_skip "valgrind (helgrind on two contexts in two threads)" test -n "$vg_dirs"; then
	# The trap caches libc's functions with atomics, which helgrind does not see.
	cat > "$testdir/helgrind.supp" << EOF
{
	kmod-trap-function-cache
	Helgrind:Race
	fun:trap_real
}
EOF
	under_valgrind "helgrind threads" --tool=helgrind --suppressions="$testdir/helgrind.supp" \
		"$api" threads
fi

TRAP_ROOT=$iroot
rm -f "$TRAP_LOG"
if [ "${KMOD_TEST_VALGRIND:-0}" = 1 ] && need_or_skip "valgrind" test -n "$vg_dirs"; then
	# shellcheck disable=SC2086
	under_valgrind "memcheck insert" $memcheck "$insert"
else
	trap_run_tap insert "$insert"
fi
rm -f "$TRAP_LOG"
if [ "${KMOD_TEST_VALGRIND:-0}" = 1 ] && need_or_skip "valgrind" test -n "$vg_dirs"; then
	# shellcheck disable=SC2086
	under_valgrind "memcheck policy" $memcheck --trace-children=no "$policy"
else
	trap_run_tap policy "$policy"
fi

done_testing

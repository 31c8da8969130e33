#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The whole test suite again, built with AddressSanitizer and
# UndefinedBehaviorSanitizer: configure --enable-sanitizers (with this build's
# other options) in testsuite/sanitizers/ of the build tree, make -j2, and
# make -j2 check of every test but this one, test-fuzz.sh (its targets carry
# the sanitizers in every build) and those booting a kernel in qemu
# (test-e2e.sh and the like).  One result per test file of that
# suite (from its .trs), then one that no sanitizer report turned up: none in
# its logs, none in the report files every instrumented program writes to
# (ASAN_OPTIONS/UBSAN_OPTIONS log_path), so that a report is seen even where
# a test does not look at stderr.
#
# Time: the real-tree tests run thousands of short processes, each slower
# under ASan; the sub-suite therefore sees about KMOD_TEST_SANITIZERS_REAL
# (default 300) modules of each Debian tree (KMOD_TEST_REAL_SAMPLE, see
# debian-kernels.sh), KMOD_TEST_SANITIZERS_REAL=0 gives it the whole trees;
# test-modprobe-real.sh starts KMOD_TEST_SANITIZERS_PROCS (default 60) processes
# per case instead of up to 1000, each paying ASan's start and LeakSanitizer's exit.
# The sub build is kept between runs, so only what changed is rebuilt.
# SANITIZER_TESTS (a make variable or the environment) names the tests to run
# instead of all, e.g. SANITIZER_TESTS='testsuite/test-elf testsuite/test-lsmod.sh'.
#
# KMOD_SUB_SANITIZER=thread (test-tsan.sh) does the same with ThreadSanitizer
# for the threaded paths only, to stay cheap: configure --enable-tsan in
# testsuite/tsan/, build the library, the tools and test-libkmod, and run
# test-libkmod.sh (two contexts in two threads) and test-threads.sh (modinfo's
# workers, depmod's threads); a ThreadSanitizer report anywhere fails.

# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"
# shellcheck source=testsuite/subbuild.sh
. "$top_srcdir/testsuite/subbuild.sh"

if sanitizer_build; then
	skip_all "this is a sanitizer build: it does not run itself"
fi
cc=${CC:-gcc}
if [ "${KMOD_SUB_SANITIZER:-}" = thread ]; then
	name=tsan option=--enable-tsan runtime=ThreadSanitizer flags=-fsanitize=thread
	report_re='(WARNING|ERROR): ThreadSanitizer'
	only_programs=(check_PROGRAMS="testsuite/test-libkmod testsuite/test-libkmod-insert testsuite/test-libkmod-policy")
	runtime_env=(KMOD_TEST_TSAN=1 "TSAN_OPTIONS=log_path=REPORTS/tsan${TSAN_OPTIONS:+:$TSAN_OPTIONS}")
else
	name=sanitizers option=--enable-sanitizers runtime="AddressSanitizer and UBSan"
	flags=-fsanitize=address,undefined
	report_re='ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:'
	only_programs=()
	runtime_env=("ASAN_OPTIONS=log_path=REPORTS/asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
		"UBSAN_OPTIONS=log_path=REPORTS/ubsan${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}")
fi
need_or_skip_all "$cc with $runtime" sh -c \
	"echo 'int main(void) { return 0; }' | '$cc' $flags -x c -o '$testdir/a.out' - && '$testdir/a.out'"

sub=$top_builddir/testsuite/$name
real=${KMOD_TEST_SANITIZERS_REAL:-300}
reports=$sub/reports
runtime_env=("${runtime_env[@]/REPORTS/$reports}")
mkdir -p "$sub/build"
rm -rf "$reports"
mkdir -p "$reports"

subbuild_sources "$sub/src"

# The options this build was configured with, plus --enable-sanitizers (or -tsan).
mapfile -t opts < <(subbuild_opts)
t0=$(date +%s)
if ! subbuild_configure "$sub/build" "${opts[@]}" "$option"; then
	not_ok "configure $option"
	done_testing
fi
cd "$sub/build" || exit 1
if ! submake -j2 > make.log 2>&1 ||
	! submake -j2 check TESTS= "${only_programs[@]}" > make-check-build.log 2>&1; then
	tail -n 40 make.log make-check-build.log | sed 's/^/# /'
	not_ok "build with $option"
	done_testing
fi
t1=$(date +%s)
diag "$name build configured and built in $((t1 - t0)) s"

# Not this test, nor those that boot a real kernel in qemu (test-e2e.sh and
# the like): the guest runs its own copies of the tools, and has no sanitizer
# runtime; see subbuild_tests.  The TSan build runs the threaded paths only;
# SANITIZER_TESTS names the tests to run instead.
list=
[ "$name" = tsan ] && list="testsuite/test-libkmod.sh testsuite/test-threads.sh"
[ -n "${SANITIZER_TESTS:-}" ] && list=$SANITIZER_TESTS
subbuild_tests "$name: " $list
tests=$subbuild_tests
rm -f testsuite/*.trs testsuite/*.log test-suite.log
(
	export "${runtime_env[@]}"
	KMOD_TEST_REAL_SAMPLE=$real KMOD_TEST_REAL_PROCS=${KMOD_TEST_SANITIZERS_PROCS:-60} \
		submake -j2 check TESTS="$tests" "${only_programs[@]}" > make-check.log 2>&1
)
t2=$(date +%s)
diag "sub-suite ran in $((t2 - t1)) s with $([ "$real" = 0 ] && echo "the whole Debian trees" || echo "about $real modules per Debian tree")"

# One result per test file.
# shellcheck disable=SC2086 # a list of test names
subbuild_relay "$name: " $tests

# No sanitizer report anywhere.
found=$(grep -l -E "$report_re" testsuite/*.log 2> /dev/null)
files=$(find "$reports" -type f -size +0 2> /dev/null)
if [ -z "$found$files" ]; then
	ok "$name: no $runtime report in any sub log or report file"
else
	not_ok "$name: no $runtime report in any sub log or report file"
	for f in $found; do
		diag "in $sub/build/$f:"
		grep -E -A 12 "$report_re" "$f" | head -n 40 | sed 's/^/#   /'
	done
	for f in $files; do
		diag "report $f:"
		head -n 40 "$f" | sed 's/^/#   /'
	done
fi
diag "test-sanitizers.sh ($name): $(($(date +%s) - t0)) s in all"

done_testing

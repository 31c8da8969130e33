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

# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"
# shellcheck source=testsuite/subbuild.sh
. "$top_srcdir/testsuite/subbuild.sh"

if sanitizer_build; then
	skip_all "this is the sanitizer build: it does not run itself"
fi
cc=${CC:-gcc}
need_or_skip_all "$cc with AddressSanitizer and UBSan" sh -c \
	"echo 'int main(void) { return 0; }' | '$cc' -fsanitize=address,undefined -x c -o '$testdir/a.out' - && '$testdir/a.out'"

sub=$top_builddir/testsuite/sanitizers
real=${KMOD_TEST_SANITIZERS_REAL:-300}
reports=$sub/reports
mkdir -p "$sub/build"
rm -rf "$reports"
mkdir -p "$reports"

subbuild_sources "$sub/src"

# The options this build was configured with, plus --enable-sanitizers.
mapfile -t opts < <(subbuild_opts)
t0=$(date +%s)
if ! subbuild_configure "$sub/build" "${opts[@]}" --enable-sanitizers; then
	not_ok "configure --enable-sanitizers"
	done_testing
fi
cd "$sub/build" || exit 1
if ! submake -j2 > make.log 2>&1 || ! submake -j2 check TESTS= > make-check-build.log 2>&1; then
	tail -n 40 make.log make-check-build.log | sed 's/^/# /'
	not_ok "build with --enable-sanitizers"
	done_testing
fi
t1=$(date +%s)
diag "sanitizer build configured and built in $((t1 - t0)) s"

# Not this test, nor those that boot a real kernel in qemu (test-e2e.sh and
# the like): the guest runs its own copies of the tools, and has no sanitizer
# runtime; see subbuild_tests.
subbuild_tests "sanitizers: "
tests=$subbuild_tests
rm -f testsuite/*.trs testsuite/*.log test-suite.log
KMOD_TEST_REAL_SAMPLE=$real KMOD_TEST_REAL_PROCS=${KMOD_TEST_SANITIZERS_PROCS:-60} \
	ASAN_OPTIONS=log_path=$reports/asan${ASAN_OPTIONS:+:$ASAN_OPTIONS} \
	UBSAN_OPTIONS=log_path=$reports/ubsan${UBSAN_OPTIONS:+:$UBSAN_OPTIONS} \
	submake -j2 check TESTS="$tests" > make-check.log 2>&1
t2=$(date +%s)
diag "sub-suite ran in $((t2 - t1)) s with $([ "$real" = 0 ] && echo "the whole Debian trees" || echo "about $real modules per Debian tree")"

# One result per test file.
# shellcheck disable=SC2086 # a list of test names
subbuild_relay "sanitizers: " $tests

# No sanitizer report anywhere.
found=$(grep -l -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' testsuite/*.log 2> /dev/null)
files=$(find "$reports" -type f -size +0 2> /dev/null)
if [ -z "$found$files" ]; then
	ok "sanitizers: no AddressSanitizer, LeakSanitizer or UBSan report in any sub log or report file"
else
	not_ok "sanitizers: no AddressSanitizer, LeakSanitizer or UBSan report in any sub log or report file"
	for f in $found; do
		diag "in $sub/build/$f:"
		grep -E -A 12 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f" | head -n 40 | sed 's/^/#   /'
	done
	for f in $files; do
		diag "report $f:"
		head -n 40 "$f" | sed 's/^/#   /'
	done
fi
diag "test-sanitizers.sh: $(($(date +%s) - t0)) s in all"

done_testing

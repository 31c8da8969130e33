#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The libFuzzer targets (testsuite/fuzz/, built by `make fuzz-build` with clang):
# each runs for FUZZ_TIME seconds (60 with CI=true, else 10), two at a time, on
# seeds made by testsuite/fuzz/mkcorpus.sh from the fixtures and Debian's
# modules; a crash, leak, timeout or out-of-memory fails its target.  One
# result per target, with executions and coverage; then every regression input
# of testsuite/fuzz/regressions/<target>/ is replayed.  `make fuzz` runs this
# too (FUZZ_NO_BUILD=1: make has built the fuzzers).  What a failing target
# found is kept in testsuite/fuzz/artifacts/ of the build tree.
#   FUZZ_TARGETS  targets (from make)   FUZZ_JOBS     parallel runs (2)
#   FUZZ_TIME     seconds per target    FUZZ_TIMEOUT  seconds per input (10)

# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

fuzzdir=$top_builddir/testsuite/fuzz
regressions=$top_srcdir/testsuite/fuzz/regressions
fixtures=$top_builddir/testsuite/fixtures
targets=${FUZZ_TARGETS:-elf index modprobe-config depmod-config kcmdline signature}
if [ "${CI:-}" = true ]; then
	fuzz_time=${FUZZ_TIME:-60}
else
	fuzz_time=${FUZZ_TIME:-10}
fi
fuzz_jobs=${FUZZ_JOBS:-2}
fuzz_timeout=${FUZZ_TIMEOUT:-10}
fuzz_seed=${FUZZ_SEED:-1}

need_or_skip_all "clang with libFuzzer" bash -c \
	'echo "int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }" |
	 ${FUZZ_CC:-clang} -fsanitize=fuzzer,address,undefined -x c - -o "$1"' _ "$testdir/probe"
need_or_skip_all "the fixtures ($fixtures)" test -f "$fixtures/dummy.ko"

now() {
	date +%s.%N
}

elapsed() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }'
}

# ---- build --------------------------------------------------------------------
if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
	t0=$(now)
	# A make of its own: the jobserver of the make running the tests is not ours.
	if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "${MAKE:-make}" -C "$top_builddir" \
		-j"$fuzz_jobs" fuzz-build > "$testdir/build.log" 2>&1; then
		ok "fuzzers built ($(elapsed "$t0") s)"
	else
		not_ok "fuzzers built"
		diag "$(tail -n 30 "$testdir/build.log")"
		done_testing
	fi
fi

# ---- seeds -----------------------------------------------------------------------
trees=()
if out=$(bash "$top_srcdir/testsuite/debian-kernels.sh" extract 2> "$testdir/debian.err"); then
	while read -r _ root; do
		trees+=("$root")
	done <<< "$out"
else
	diag "$(cat "$testdir/debian.err")"
fi
need_or_skip "Debian kernel modules for the seeds" test "${#trees[@]}" -gt 0 || :

depmod=$top_builddir/tools/depmod
[ -x "$depmod" ] || depmod=/usr/sbin/depmod
corpus=$fuzzdir/corpus
if TMPDIR=$testdir bash "$top_srcdir/testsuite/fuzz/mkcorpus.sh" "$corpus" "$fixtures" \
	"$depmod" "${trees[@]}" > "$testdir/mkcorpus.log" 2>&1; then
	ok "seed corpora made ($(find "$corpus" -type f | wc -l) files)"
else
	not_ok "seed corpora made"
	diag "$(tail -n 30 "$testdir/mkcorpus.log")"
fi

# ---- fuzzing -------------------------------------------------------------------
# run_one TARGET: the fuzzer for fuzz_time seconds; its log and exit status in testdir.
run_one() {
	local t=$1
	mkdir -p "$testdir/runs/$t" "$testdir/art/$t" "$corpus/$t"
	# The sanitizers' own exit codes are libFuzzer's concern; keep its defaults.
	# A fixed seed makes a run repeatable, so a finding reproduces with the same
	# command; FUZZ_SEED=0 lets libFuzzer pick one (make fuzz explores that way).
	TMPDIR=$testdir "$fuzzdir/fuzz-$t" -seed="$fuzz_seed" -max_total_time="$fuzz_time" \
		-timeout="$fuzz_timeout" -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$testdir/art/$t/" "$testdir/runs/$t" "$corpus/$t" \
		> "$testdir/$t.log" 2>&1
	echo $? > "$testdir/$t.rc"
}

# final_stat NAME LOG: a value of -print_final_stats.
final_stat() {
	sed -n "s/^stat::$1: *//p" "$2" | tail -n 1
}

report() {
	local t=$1 log=$testdir/$1.log rc execs rate cov ft seeds art
	rc=$(cat "$testdir/$t.rc" 2> /dev/null || echo 255)
	execs=$(final_stat number_of_executed_units "$log")
	rate=$(final_stat average_exec_per_sec "$log")
	cov=$(sed -n 's/^#[0-9]*.*[[:space:]]cov: \([0-9]*\) ft: \([0-9]*\).*/\1 \2/p' "$log" | tail -n 1)
	ft=${cov#* }
	cov=${cov% *}
	seeds=$(find "$corpus/$t" -type f | wc -l)
	art=$(find "$testdir/art/$t" -type f | wc -l)
	desc="fuzz-$t: ${execs:-0} execs, ${rate:-0} exec/s, cov ${cov:-0} ft ${ft:-0}"
	desc="$desc, $fuzz_time s from $seeds seeds"
	if [ "$rc" = 0 ] && [ "$art" = 0 ] && [ "${execs:-0}" -gt 0 ] && [ "${cov:-0}" -gt 0 ]; then
		ok "$desc, no crash/leak/timeout"
		return
	fi
	not_ok "$desc: exit $rc, $art artifact(s)"
	diag "$(grep -E 'ERROR|SUMMARY|runtime error|Deadly|timeout|out-of-memory|leak' "$log" |
		head -n 20)"
	diag "$(tail -n 15 "$log")"
	if [ "$art" != 0 ]; then
		mkdir -p "$fuzzdir/artifacts"
		cp "$testdir/art/$t"/* "$fuzzdir/artifacts/"
		diag "artifacts kept in $fuzzdir/artifacts: $(cd "$testdir/art/$t" && echo *)"
	fi
}

t0=$(now)
running=0
for t in $targets; do
	if [ ! -x "$fuzzdir/fuzz-$t" ]; then
		not_ok "fuzz-$t: $fuzzdir/fuzz-$t is not built"
		continue
	fi
	if [ "$running" -ge "$fuzz_jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	run_one "$t" &
	running=$((running + 1))
done
wait
diag "fuzzing took $(elapsed "$t0") s"
for t in $targets; do
	[ -x "$fuzzdir/fuzz-$t" ] && report "$t"
done

# ---- regression inputs ----------------------------------------------------------
for t in $targets; do
	[ -x "$fuzzdir/fuzz-$t" ] && [ -d "$regressions/$t" ] || continue
	mapfile -t inputs < <(find "$regressions/$t" -type f | sort)
	[ "${#inputs[@]}" -gt 0 ] || continue
	TMPDIR=$testdir "$fuzzdir/fuzz-$t" -timeout="$fuzz_timeout" "${inputs[@]}" \
		> "$testdir/$t.replay.log" 2>&1
	rc=$?
	n=$(grep -c '^Executed ' "$testdir/$t.replay.log")
	if [ "$rc" = 0 ] && [ "$n" = "${#inputs[@]}" ]; then
		ok "fuzz-$t: $n regression input(s) replay without crash"
	else
		not_ok "fuzz-$t: regression inputs replay (exit $rc, $n of ${#inputs[@]} run)"
		diag "$(grep -E 'ERROR|SUMMARY|runtime error|Running' "$testdir/$t.replay.log" |
			head -n 20)"
	fi
done

done_testing

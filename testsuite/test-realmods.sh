#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Split every module of two real signed Debian kernels into an unsigned image
# and a detached .sig, put them back together through the library and compare
# with the original (testsuite/test-realmods.c does the work, once per tree).
# The TAP of each run is passed through, renumbered, with the wall time.
#
# Without the kernels (no apt, archive unreachable) the test is skipped, unless
# CI=true, where it fails.

set -uo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
prog=$top_builddir/testsuite/test-realmods

n=0
failed=0

tap() {
	n=$((n + 1))
	echo "$1 $n - $2"
	[[ $1 == ok ]] || failed=1
}

now() {
	date +%s.%N
}

elapsed() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'
}

[[ -x $prog ]] || {
	echo "1..0 # SKIP $prog not built"
	exit 0
}

t0=$(now)
errlog=$(mktemp)
trap 'rm -f "$errlog"' EXIT
trees=$("$top_srcdir/testsuite/debian-kernels.sh" extract 2>"$errlog")
rc=$?
msg=$(tail -n1 "$errlog")
if [[ $rc != 0 ]]; then
	if [[ $rc == 2 && ${CI:-} != true ]]; then
		echo "1..0 # SKIP Debian kernels not available: ${msg#debian-kernels.sh: }"
		exit 0
	fi
	sed 's/^/# /' "$errlog"
	tap "not ok" "fetch and unpack the Debian kernels (exit $rc)"
	echo "1..$n"
	exit 1
fi
sed 's/^/# /' "$errlog"
echo "# kernels ready in $(elapsed "$t0" "$(now)") s"

while read -r kver root; do
	[[ -n $kver ]] || continue
	scratch=$(mktemp -d)
	t1=$(now)
	out=$("$prog" "$root/lib/modules/$kver" "$scratch")
	status=$?
	t2=$(now)
	rm -rf "$scratch"

	results=0
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ ok|ok)\ [0-9]+(.*)$ ]]; then
			n=$((n + 1))
			echo "${BASH_REMATCH[1]} $n${BASH_REMATCH[2]}"
			[[ ${BASH_REMATCH[1]} == ok ]] || failed=1
			results=$((results + 1))
		elif [[ $line =~ ^1\.\.[0-9]+ ]]; then
			:
		else
			echo "$line"
		fi
	done <<<"$out"
	echo "# $kver: test-realmods took $(elapsed "$t1" "$t2") s (exit $status)"
	# A crash or a usage error leaves no failing line of its own.
	if [[ $status != 0 && $failed == 0 ]] || [[ $results == 0 ]]; then
		tap "not ok" "$kver: test-realmods exited with status $status"
	fi
done <<<"$trees"

[[ $n -gt 0 ]] || tap "not ok" "debian-kernels.sh listed no trees"
echo "# total $(elapsed "$t0" "$(now)") s"
echo "1..$n"
exit $failed

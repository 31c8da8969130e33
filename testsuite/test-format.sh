#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Every C source and header of the project (libkmod, util, tools, testsuite,
# bench) is formatted as the top-level .clang-format says: one TAP line per
# directory, failing with clang-format's first complaints.  The tree was
# formatted once; from then on a deviation fails `make check`.  Fix with
#   clang-format -i FILE...
# Needs clang-format (Debian package of that name).

set -uo pipefail
# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

need_or_skip_all "clang-format (Debian package clang-format)" command -v clang-format

cd "$top_srcdir" || exit 1
# A checkout's own top, not a copy of the sources (the sub-builds' make
# distdir) that happens to lie inside one.
is_checkout=0
[ "$(git rev-parse --show-toplevel 2> /dev/null)" = "$(pwd -P)" ] && is_checkout=1
for dir in libkmod util tools testsuite bench; do
	# The files of the checkout; elsewhere (a tarball, a distdir) every
	# source but the sub-builds' copies and the fuzzers' objects.
	if [ "$is_checkout" = 1 ]; then
		mapfile -t files < <(git ls-files -- "$dir/*.c" "$dir/*.h")
	else
		mapfile -t files < <(find "$dir" \( -path testsuite/sanitizers -o -path testsuite/without \
			-o -path testsuite/tsan -o -path testsuite/fuzz/obj -o -name '*.dir' \) -prune -o \
			-type f \( -name '*.c' -o -name '*.h' \) -print | LC_ALL=C sort)
	fi
	if [ "${#files[@]}" -eq 0 ]; then
		not_ok "$dir: no C sources found"
		continue
	fi
	report=$(clang-format --dry-run --Werror "${files[@]}" 2>&1)
	n=$(grep -c ': error: code should be clang-formatted' <<< "$report")
	if [ -z "$report" ]; then
		ok "$dir: ${#files[@]} files as .clang-format says"
	else
		not_ok "$dir: $n deviations from .clang-format"
		head -n 20 <<< "$report" | sed 's/^/#   /'
	fi
done
done_testing

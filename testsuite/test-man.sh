#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The man pages as built from man/*.scd (every source must be built: the list
# MAN_PAGES of man/Makemodule.am is compared with the sources), each:
#   - rendered by man-db (man --warnings -l, MANWIDTH=80) and by groff with all
#     warnings (groff -man -ww -z): nothing on standard error;
#   - headed "NAME(SECTION)", with the sections NAME, SYNOPSIS and DESCRIPTION,
#     a NAME line that lexgrog (what mandb uses for whatis) parses into
#     "NAME - description";
#   - no rendered line wider than 80 columns;
#   - every reference to a page of kmod's (kmod*, insmod, rmmod, lsmod, modinfo,
#     modprobe, depmod, modprobe.d, depmod.d, modules.dep*) names a page we build.
# Needs man-db and groff-base (Debian packages of those names).

set -uo pipefail
# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

need_or_skip_all "man (Debian package man-db)" command -v man lexgrog
need_or_skip_all "groff (Debian package groff-base)" command -v groff

export LC_ALL=C.UTF-8 MANWIDTH=80 MANPAGER=cat PAGER=cat
unset MANOPT MANPATH MANROFFOPT GROFF_TMAC_PATH

pages=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	make --no-print-directory -s -C "$top_builddir" testsuite-man-pages)
if [ -z "$pages" ]; then
	need_or_skip_all "scdoc (no man page is built)" false
fi

sources=$(find "$top_srcdir/man" -maxdepth 1 -name '*.scd' -printf '%f\n' | sed 's/\.scd$//' | sort)
# shellcheck disable=SC2086 # one page a word
built=$(printf '%s\n' $pages | sed 's|^man/||' | sort)
is "$built" "$sources" "every man/*.scd is built (MAN_PAGES)"

# re STRING: STRING as an extended regular expression matching itself (names
# and paths: only the dot needs escaping).
re() {
	printf '%s\n' "${1//./\\.}"
}

# Every page of ours by name(section), for the references.
declare -A known
for p in $built; do
	known["${p%.*}(${p##*.})"]=1
done
# modules.dep.bin(5) is installed as a link to modules.dep(5).
known['modules.dep.bin(5)']=1

for p in $built; do
	f=$top_builddir/man/$p
	name=${p%.*} sect=${p##*.}
	if [ ! -f "$f" ]; then
		not_ok "$p: built"
		continue
	fi

	man --warnings -l "$f" > "$testdir/man.txt" 2> "$testdir/man.err"
	rc=$?
	is "$rc|$(cat "$testdir/man.err")" "0|" "$p: man --warnings -l, no warning"
	groff -man -ww -z "$f" > "$testdir/groff.out" 2>&1
	rc=$?
	is "$rc|$(cat "$testdir/groff.out")" "0|" "$p: groff -man -ww, no warning"

	text=$(cat "$testdir/man.txt")
	like "$(head -n 1 <<< "$text")" "^$(re "$name")\\($sect\\) " \
		"$p: headed $name($sect)"
	heads=$(grep -E '^[A-Z][A-Z ]*$' <<< "$text" | tr '\n' ' ')
	like "$heads" '^NAME SYNOPSIS DESCRIPTION ' "$p: NAME, SYNOPSIS, DESCRIPTION first"

	whatis=$(lexgrog "$f" 2>&1)
	like "$whatis" "^$(re "$f"): \"$(re "$name") - [^\"]+\"" \
		"$p: lexgrog reads the NAME line"

	wide=
	while IFS= read -r line; do
		if [ "${#line}" -gt 80 ]; then
			wide="$wide${#line}: $line
"
		fi
	done <<< "$text"
	is "$wide" "" "$p: no line wider than 80 columns"

	bad=
	# shellcheck disable=SC2013 # references have no blanks
	for ref in $(grep -oE '\b(kmod[a-z-]*|insmod|rmmod|lsmod|modinfo|modprobe|depmod|modprobe\.d|depmod\.d|modules\.[a-z.]+)\([0-9]\)' <<< "$text" | sort -u); do
		[ -n "${known[$ref]+set}" ] || bad="$bad $ref"
	done
	is "$bad" "" "$p: references to kmod pages name pages that exist"
done

done_testing

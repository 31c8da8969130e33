#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# depmod's answer to a bad command line (issue 18 §4): getopt's own message
# and exit 1, as kmod; it used to add "ERROR: unexpected getopt_long() value
# '?'".  Against testsuite/golden/depmod/ (Debian's depmod's words) and
# against Debian's depmod itself when it is there.  argv[0] is "depmod", as
# installed.

# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

depmod=$top_builddir/tools/depmod
deb=${DEPMOD:-/usr/sbin/depmod}
golden=$top_srcdir/testsuite/golden/depmod

need_or_skip_all "depmod" test -x "$depmod"

# case GOLDEN ARGS...
check() {
	local g=$1
	shift
	(exec -a depmod "$depmod" "$@") >"$testdir/out" 2>"$testdir/err"
	is "$?|$(cat "$testdir/out")" "1|" "depmod $*: exit 1, nothing on stdout"
	is_file "$testdir/err" "$golden/$g.txt" "depmod $*: stderr is golden/depmod/$g.txt"
	if [[ -x $deb ]]; then
		(exec -a depmod "$deb" "$@") >/dev/null 2>"$testdir/deb.err"
		is_file "$testdir/err" "$testdir/deb.err" "depmod $*: as Debian's depmod"
	fi
}

[[ -x $deb ]] || skip "Debian's depmod at $deb: compared with the golden files only"
check invalid-option -x
check unrecognized-option --frobnicate
check missing-argument -b
check missing-argument-long --basedir
check missing-argument-P -P
# the option's error comes first, whatever follows it
check invalid-option -x -a 6.1.0-test

done_testing

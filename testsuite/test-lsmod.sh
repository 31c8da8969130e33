#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# lsmod under the path trap: a fixed /proc/modules and /sys/module tree
# against testsuite/golden/lsmod.txt (column widths, sizes from coresize or
# /proc/modules, holders, over-long lines), error paths, options, --json read
# back with jq against the table; then the same trees against Debian's lsmod.

# The case_* functions are called by name: SC2317.
# shellcheck disable=SC2034,SC2317
# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

lsmod=$top_builddir/tools/lsmod
golden=$top_srcdir/testsuite/golden/lsmod.txt

need_or_skip_all "trap library" test -f "$TRAP_LIB"
need_or_skip_all "lsmod" test -x "$lsmod"

unset TRAP_RESULTS TRAP_UNAME_R
TRAP_LOG=$testdir/trap.log
TRAP_ROOT=$testdir/root
features=$(sed -n 's/^#define KMOD_FEATURES "\(.*\)"$/\1/p' "$top_builddir/config.h")
header="Module                  Size  Used by"

log() { cat "$TRAP_LOG" 2> /dev/null; }

fresh() {
	rm -rf "$TRAP_ROOT" "$TRAP_LOG"
	mkdir -p "$TRAP_ROOT/proc" "$TRAP_ROOT/sys/module"
	: > "$TRAP_ROOT/proc/modules"
	args=
}

# loaded NAME REFCNT SIZE [PROC_SIZE]: sys/module/NAME with coresize SIZE, and
# a /proc/modules line saying PROC_SIZE (default SIZE).
loaded() {
	_d=$TRAP_ROOT/sys/module/$1
	mkdir -p "$_d/holders" "$_d/sections"
	echo live > "$_d/initstate"
	echo "$2" > "$_d/refcnt"
	echo "$3" > "$_d/coresize"
	echo 0xffffffffc0000000 > "$_d/sections/.text"
	echo "$1 ${4:-$3} $2 - Live 0xffffffffc0000000" >> "$TRAP_ROOT/proc/modules"
}
held_by() { ln -s "../../$2" "$TRAP_ROOT/sys/module/$1/holders/$2"; }
no_coresize() { rm "$TRAP_ROOT/sys/module/$1/coresize"; }
# shellcheck disable=SC2012 # ls -U: the order readdir gives
holders_of() { ls -U "$TRAP_ROOT/sys/module/$1/holders" | tr '\n' ',' | sed 's/,$//'; }

# A /proc/modules line of 4400 bytes for NAME (size SIZE, no coresize).  Cut
# into 4096-byte reads, its second piece would start with "after 666 0", a
# line of its own for a reader that does not eat the rest of an over-long line.
long_line() {
	_pad=$(printf '%04096d' 0 | tr 0 x | head -c $((4095 - ${#1} - ${#2} - 4)))
	printf '%s %s 0 %safter 666 0 - Live 0x0,%s Live 0xffffffffc0000000\n' "$1" "$2" \
		"$_pad" "$(printf '%0280d' 0 | tr 0 y)" >> "$TRAP_ROOT/proc/modules"
	mkdir -p "$TRAP_ROOT/sys/module/$1/holders"
	echo live > "$TRAP_ROOT/sys/module/$1/initstate"
	echo 0 > "$TRAP_ROOT/sys/module/$1/refcnt"
}

# The tree behind testsuite/golden/lsmod.txt: one holder per module, so that
# the output does not depend on the file system's readdir order.
case_golden() {
	fresh
	loaded foo 2 12345 99999
	loaded bar 1 987654321
	loaded baz 0 8192
	held_by foo bar
	held_by bar baz
	loaded a_module_name_longer_than_nineteen 0 1
	loaded exactly_nineteen_ch 3 20480
	loaded nocore 0 16384 4242
	no_coresize nocore
	long_line longline 77
	loaded after 0 16384 100
	no_coresize after
	loaded last 12 65536
}
case_holders() { fresh; loaded foo 2 4096; loaded a 0 1; loaded b 0 2; held_by foo a; held_by foo b; }
case_ghost() { fresh; loaded foo 0 4096; echo "ghost 4096 0 - Live 0x0" >> "$TRAP_ROOT/proc/modules"; }
case_no_refcnt() { fresh; loaded foo 0 4096; rm "$TRAP_ROOT/sys/module/foo/refcnt"; }
case_no_newline() {
	fresh
	loaded foo 0 4096
	printf 'bar 512 0 - Live 0x0' >> "$TRAP_ROOT/proc/modules"
	mkdir -p "$TRAP_ROOT/sys/module/bar/holders"
	echo 0 > "$TRAP_ROOT/sys/module/bar/refcnt"
}
case_empty() { fresh; }
case_missing() { fresh; rm "$TRAP_ROOT/proc/modules"; }
case_verbose() { case_golden; args=-v; }
case_syslog() { case_golden; args=-s; }

ls_case() { # CASE [TOOL]
	"case_$1"
	# shellcheck disable=SC2086
	trap_run "${2:-$lsmod}" $args
}

# ---- 1. the golden tree ---------------------------------------------------------

ls_case golden
is "$trap_rc|$trap_err|$(log)" "0||" "golden tree: exit 0, silent, no system call"
is_file "$testdir/stdout" "$golden" "golden tree: output is testsuite/golden/lsmod.txt"
like "$(sed -n 1p "$testdir/stdout")" "^$header\$" "golden tree: header"
like "$(grep '^a_module' "$testdir/stdout")" "^a_module_name_longer_than_nineteen        1  0\$" \
	"name longer than 19 characters: the size column is pushed right"
like "$(grep '^foo ' "$testdir/stdout")" "^foo +12345  2 bar\$" "size from coresize before /proc/modules"
like "$(grep '^nocore ' "$testdir/stdout")" "^nocore +4242  0\$" "no coresize: size from /proc/modules"
like "$(grep -c '^after ' "$testdir/stdout"):$(grep '^after ' "$testdir/stdout")" "^1:after +100  0\$" \
	"the line after a 4400-byte line: listed once, its own size"
is "$(wc -l < "$testdir/stdout" | tr -d ' ')" 10 "golden tree: header and nine modules"

for o in verbose syslog; do
	ls_case $o
	is "$trap_rc|$trap_err" "0|" "$args: exit 0, silent"
	is_file "$testdir/stdout" "$golden" "$args: the same output"
done

# ---- 2. holders, missing state --------------------------------------------------

ls_case holders
is "$trap_rc|$trap_out" "0|$header
foo                     4096  2 $(holders_of foo)
a                          1  0
b                          2  0" "two holders: comma separated, in directory order"
like "$trap_out" "foo +4096  2 (a,b|b,a)" "two holders: both named"

ls_case ghost
is "$trap_rc|$trap_out" "0|$header
foo                     4096  0
ghost                     -2  -2" \
	"listed in /proc/modules but gone from /sys/module: -ENOENT for size and use count"
is "$trap_err" "lsmod: ERROR: could not open '/sys/module/ghost/holders': No such file or directory" \
	"gone from /sys/module: the holders error"

ls_case no_refcnt
is "$trap_rc|$trap_out|$trap_err" "0|$header
foo                     4096  -2|" "no refcnt file: -ENOENT as the use count"

ls_case no_newline
is "$trap_rc|$trap_out|$trap_err" "0|$header
foo                     4096  0
bar                      512  0|" "last /proc/modules line without a newline"

ls_case empty
is "$trap_rc|$trap_out|$trap_err" "0|$header|" "no module loaded: the header alone"

ls_case missing
is "$trap_rc|$trap_out|$trap_err" "1||lsmod: ERROR: could not open /proc/modules: No such file or directory
lsmod: ERROR: could not get list of modules: No such file or directory" "no /proc/modules: error, exit 1"

# Garbage where a size should be: an error, never a number made up.
fresh
loaded foo 0 4096
echo 12ab > "$TRAP_ROOT/sys/module/foo/coresize"
trap_run "$lsmod"
is "$trap_rc|$trap_out|$trap_err" "0|$header
foo                      -22  0|lsmod: ERROR: could not read size from '/sys/module/foo/coresize': Invalid argument" \
	"coresize not a number: -EINVAL and the file named"
for bad in "abc" "-5" "" "99999999999999999999999"; do
	fresh
	loaded foo 0 4096
	no_coresize foo
	echo "bar 1 0 - Live 0x0" > "$TRAP_ROOT/proc/modules"
	echo "foo $bad" >> "$TRAP_ROOT/proc/modules"
	trap_run "$lsmod"
	is "$trap_rc|$trap_out|$trap_err" "0|$header
bar                       -2  -2
foo                      -22  0|lsmod: ERROR: could not open '/sys/module/bar/holders': No such file or directory
lsmod: ERROR: invalid line format at /proc/modules:2" "/proc/modules size '$bad': -EINVAL and the line named"
done

# ---- 3. options -----------------------------------------------------------------

case_golden
trap_run "$lsmod" extra
is "$trap_rc|$trap_out|$trap_err" "1||lsmod: ERROR: too many arguments provided." \
	"an argument: refused, exit 1"
for o in -h --help; do
	trap_run "$lsmod" $o
	is "$trap_rc|$trap_out|$trap_err" "0|Usage:
	lsmod [options]
Options:
	-s, --syslog      print to syslog, not stderr
	-v, --verbose     enables more messages
	-V, --version     show version
	-h, --help        show this help
	    --json        print a JSON array, an object per module|" "$o: usage, exit 0"
done
for o in -V --version; do
	trap_run "$lsmod" $o
	is "$trap_rc|$trap_out|$trap_err" "0|kmod version 34
$features|" "$o: version and features"
done
trap_run "$lsmod" -x
is "$trap_rc|$trap_out|$trap_err" "1||$lsmod: invalid option -- 'x'" "-x: getopt's message, exit 1"

# ---- 4. --json -----------------------------------------------------------------

# table_rows: the table on stdin as "name size refcnt holders" rows (a size or
# use count the library could not read, a negative errno, as "-")
table_rows() { awk 'NR > 1 { print $1, ($2 < 0 ? "-" : $2), ($3 < 0 ? "-" : $3), $4 }'; }
# json_rows: the same rows from lsmod --json, parsed by jq
json_rows() { jq -r '.[] | "\(.name) \(.size // "-") \(.refcnt // "-") \(.holders | join(","))"'; }

if need_or_skip "jq (Debian package jq)" command -v jq; then
	for c in golden holders ghost no_refcnt no_newline empty; do
		ls_case $c
		table_rows < "$testdir/stdout" > "$testdir/table"
		_err=$trap_err
		args=--json
		trap_run "$lsmod" --json
		if json_rows < "$testdir/stdout" > "$testdir/rows" 2> "$testdir/jq.err"; then
			is "$trap_rc|$(cat "$testdir/rows")|$trap_err" "0|$(cat "$testdir/table")|$_err" \
				"--json, $c: parses and says what the table says, same messages"
		else
			not_ok "--json, $c: parses"
			sed 's/^/#   /' "$testdir/jq.err"
		fi
	done
	ls_case empty
	trap_run "$lsmod" --json
	is "$trap_rc|$trap_out|$trap_err" "0|[]|" "--json, no module loaded: an empty array"
	ls_case missing
	trap_run "$lsmod" --json
	is "$trap_rc|$trap_out" "1|" "--json, no /proc/modules: nothing on stdout, exit 1"

	# state and taint: the kernel's flags for each module ("E": not verified)
	fresh
	loaded foo 1 4096
	loaded bar 0 8192
	held_by foo bar
	echo OE > "$TRAP_ROOT/sys/module/foo/taint"
	: > "$TRAP_ROOT/sys/module/bar/taint"
	echo going > "$TRAP_ROOT/sys/module/bar/initstate"
	printf 'quote"back\\slash 512 0 - Live 0x0\n' >> "$TRAP_ROOT/proc/modules"
	mkdir -p "$TRAP_ROOT/sys/module/quote\"back\\slash/holders"
	trap_run "$lsmod" --json
	is "$trap_rc|$trap_out|$trap_err" '0|[
{"name":"foo","size":4096,"refcnt":1,"holders":["bar"],"state":"live","taint":"OE"},
{"name":"bar","size":8192,"refcnt":0,"holders":[],"state":"going","taint":""},
{"name":"quote\"back\\slash","size":512,"refcnt":null,"holders":[],"state":"coming","taint":null}
]|' "--json: state, taint (null without the file), null for an unreadable use count, escapes"
fi

# ---- 5. the same output as Debian's lsmod ---------------------------------------

# kmod 30's lsmod logs through libkmod's default logger and says "Error:":
# stderr is not compared; options and arguments differ on purpose.
deb_lsmod=/usr/sbin/lsmod
if need_or_skip "Debian's kmod ($deb_lsmod)" test -x "$deb_lsmod"; then
	ls_case golden "$deb_lsmod"
	is_file "$testdir/stdout" "$golden" \
		"Debian's lsmod on the golden tree prints testsuite/golden/lsmod.txt"
	for c in golden holders ghost no_refcnt no_newline empty missing; do
		ls_case $c
		ours="$trap_rc|$trap_out"
		ls_case $c "$deb_lsmod"
		is "$ours" "$trap_rc|$trap_out" "Debian's lsmod, $c: same exit code and stdout"
	done
fi

done_testing

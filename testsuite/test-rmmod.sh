#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# rmmod under the syscall trap: the in-use checks against a fake
# /sys/module, the delete_module(2) call and its flags, kernel errors, names
# and paths as arguments, exit codes; then every case again against Debian's
# rmmod on the same freshly built root.

# The case_* functions are called by name: SC2317.
# shellcheck disable=SC2034,SC2317
# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

fx=$top_builddir/testsuite/fixtures
rmmod=$top_builddir/tools/rmmod

need_or_skip_all "trap library" test -f "$TRAP_LIB"
need_or_skip_all "fixture modules" test -f "$fx/dummy.ko"
need_or_skip_all "rmmod" test -x "$rmmod"

unset TRAP_RESULTS TRAP_UNAME_R
TRAP_LOG=$testdir/trap.log
TRAP_ROOT=$testdir/root
features=$(sed -n 's/^#define KMOD_FEATURES "\(.*\)"$/\1/p' "$top_builddir/config.h")

log() { cat "$TRAP_LOG" 2> /dev/null; }
# The modules still in sys/module, sorted: the trap removes a module's directory on success.
# shellcheck disable=SC2012
left() { (cd "$TRAP_ROOT/sys/module" && ls | tr '\n' ' ' | sed 's/ $//'); }

# An empty kernel: no module loaded, no system call logged, no failure configured.
fresh() {
	rm -rf "$TRAP_ROOT" "$TRAP_LOG"
	mkdir -p "$TRAP_ROOT/proc" "$TRAP_ROOT/sys/module"
	: > "$TRAP_ROOT/proc/modules"
	unset TRAP_RESULTS
	args=
}

# loaded NAME [REFCNT]: a live module as the kernel shows it.
loaded() {
	_d=$TRAP_ROOT/sys/module/$1
	mkdir -p "$_d/holders" "$_d/sections"
	echo live > "$_d/initstate"
	echo "${2:-0}" > "$_d/refcnt"
	echo 16384 > "$_d/coresize"
	echo 0xffffffffc0000000 > "$_d/sections/.text"
	echo "$1 16384 ${2:-0} - Live 0xffffffffc0000000" >> "$TRAP_ROOT/proc/modules"
}

# held_by MODULE HOLDER: sysfs links a holder in MODULE/holders.
held_by() { ln -s "../../$2" "$TRAP_ROOT/sys/module/$1/holders/$2"; }

# readdir order of a holders directory, the order rmmod reports it in.
# shellcheck disable=SC2012 # ls -U: the order readdir gives
holders_of() { ls -U "$TRAP_ROOT/sys/module/$1/holders" | tr '\n' ' ' | sed 's/ $//'; }

cp "$fx/dummy.ko" "$testdir/my-mod.ko"
printf 'not a module at all' > "$testdir/junk-x.ko.xz"

# ---- the cases: each builds a fresh root and sets $args (and TRAP_RESULTS) ----

case_plain() { fresh; loaded foo; loaded bar; args="foo"; }
case_force() { fresh; loaded foo 2; loaded bar; held_by foo bar; args="-f foo"; }
case_force_long() { fresh; loaded foo 1; args="--force foo"; }
case_force_absent() { fresh; args="-f foo"; }
case_absent() { fresh; loaded bar; args="foo"; }
case_holder() { fresh; loaded foo; loaded bar; held_by foo bar; args="foo"; }
case_holders() { fresh; loaded foo; loaded bar; loaded baz; held_by foo bar; held_by foo baz; args="foo"; }
case_refcnt() { fresh; loaded foo 1; args="foo"; }
case_no_refcnt() { fresh; loaded foo; rm "$TRAP_ROOT/sys/module/foo/refcnt"; args="foo"; }
case_bad_refcnt() { fresh; loaded foo; echo many > "$TRAP_ROOT/sys/module/foo/refcnt"; args="foo"; }
case_no_holders_dir() { fresh; loaded foo; rm -r "$TRAP_ROOT/sys/module/foo/holders"; args="foo"; }
case_coming() { fresh; loaded foo; rm "$TRAP_ROOT/sys/module/foo/initstate"; args="foo"; }
case_going() { fresh; loaded foo; echo going > "$TRAP_ROOT/sys/module/foo/initstate"; args="foo"; }
case_ebusy() { fresh; loaded foo; TRAP_RESULTS=delete_module=EBUSY; args="foo"; }
case_eperm() { fresh; loaded foo; TRAP_RESULTS=delete_module:foo=EPERM; args="foo"; }
case_path() { fresh; loaded dummy; args="$fx/dummy.ko"; }
case_path_force() { fresh; loaded dummy 3; args="-f $fx/dummy.ko"; }
case_path_dash() { fresh; loaded my_mod; args="$testdir/my-mod.ko"; }
case_path_junk() { fresh; loaded junk_x; args="$testdir/junk-x.ko.xz"; }
case_path_missing() { fresh; loaded foo; args="/nonexistent/foo.ko"; }
case_dash() { fresh; loaded foo_bar; args="foo-bar"; }
case_several() {
	fresh
	loaded a
	loaded b
	loaded c
	TRAP_RESULTS=delete_module:b=EPERM
	args="a b c"
}
case_several_absent() { fresh; loaded a; loaded c; args="a b c"; }
case_twice() { fresh; loaded foo; args="foo foo"; }
case_verbose() { fresh; loaded foo; args="-v foo"; }
case_verbose3() { fresh; loaded foo; args="-vvv foo"; }
case_syslog() { fresh; args="-s foo"; }
case_noargs() { fresh; args=""; }
case_noargs_force() { fresh; args="-f"; }
case_help() { fresh; args="-h"; }
case_help_long() { fresh; args="--help"; }
case_badopt() { fresh; loaded foo; args="-x foo"; }
case_badopt_long() { fresh; loaded foo; args="--bogus foo"; }

# rm CASE: run our rmmod on the case.
rm_case() {
	"case_$1"
	# shellcheck disable=SC2086
	trap_run "$rmmod" $args
}

# check CASE RC STDERR LOG LEFT: exit code and empty stdout, stderr, system calls, sys/module.
check() {
	rm_case "$1"
	is "$trap_rc|$trap_out" "$2|" "$1: exit $2, nothing on stdout"
	is "$trap_err" "$3" "$1: stderr"
	is "$(log)" "$4" "$1: system calls"
	is "$(left)" "$5" "$1: modules left loaded"
}

# ---- 1. removal and its flags ---------------------------------------------------

# O_NONBLOCK (0x800) always; O_TRUNC (0x200) with --force.
check plain 0 "" "delete_module name=foo flags=0x800" "bar"
check force 0 "" "delete_module name=foo flags=0xa00" "bar"
check force_long 0 "" "delete_module name=foo flags=0xa00" ""
check force_absent 1 "rmmod: ERROR: could not remove 'foo': No such file or directory
rmmod: ERROR: could not remove module foo: No such file or directory" \
	"delete_module name=foo flags=0xa00" ""
check going 0 "" "delete_module name=foo flags=0x800" ""
check coming 0 "" "delete_module name=foo flags=0x800" ""
check no_holders_dir 0 "rmmod: ERROR: could not open '/sys/module/foo/holders': No such file or directory" \
	"delete_module name=foo flags=0x800" ""

# ---- 2. refused before the system call ------------------------------------------

check absent 1 "rmmod: ERROR: Module foo is not currently loaded" "" "bar"
check holder 1 "rmmod: ERROR: Module foo is in use by: bar" "" "bar foo"
rm_case holders
is "$trap_rc|$trap_err|$(log)" "1|rmmod: ERROR: Module foo is in use by: $(holders_of foo)|" \
	"holders: every holder, in directory order, no system call"
like "$trap_err" "^rmmod: ERROR: Module foo is in use by: (bar baz|baz bar)$" "holders: both named"
check refcnt 1 "rmmod: ERROR: Module foo is in use" "" "foo"
check no_refcnt 1 "rmmod: ERROR: Module unloading is not supported" "" "foo"
check bad_refcnt 1 \
	"rmmod: ERROR: could not read integer from '/sys/module/foo/refcnt': 'Invalid argument'" "" "foo"

# ---- 3. the kernel refuses ------------------------------------------------------

check ebusy 1 "rmmod: ERROR: could not remove 'foo': Device or resource busy
rmmod: ERROR: could not remove module foo: Device or resource busy" \
	"delete_module name=foo flags=0x800" "foo"
check eperm 1 "rmmod: ERROR: could not remove 'foo': Operation not permitted
rmmod: ERROR: could not remove module foo: Operation not permitted" \
	"delete_module name=foo flags=0x800" "foo"

# ---- 4. names and paths ---------------------------------------------------------

check path 0 "" "delete_module name=dummy flags=0x800" ""
check path_force 0 "" "delete_module name=dummy flags=0xa00" ""
check path_dash 0 "" "delete_module name=my_mod flags=0x800" ""
check path_junk 0 "" "delete_module name=junk_x flags=0x800" ""
# Not a file: taken as a name, cut at the first '.'.
check path_missing 1 "rmmod: ERROR: Module /nonexistent/foo is not currently loaded" "" "foo"
check dash 0 "" "delete_module name=foo_bar flags=0x800" ""

case_path_dash
cd "$testdir" || exit 1
trap_run "$rmmod" my-mod.ko
cd "$OLDPWD" || exit 1
is "$trap_rc|$trap_err|$(log)" "0||delete_module name=my_mod flags=0x800" \
	"relative path: module name from the file name"

# ---- 5. several arguments -------------------------------------------------------

check several 1 "rmmod: ERROR: could not remove 'b': Operation not permitted
rmmod: ERROR: could not remove module b: Operation not permitted" \
	"delete_module name=a flags=0x800
delete_module name=b flags=0x800
delete_module name=c flags=0x800" "b"
check several_absent 1 "rmmod: ERROR: Module b is not currently loaded" \
	"delete_module name=a flags=0x800
delete_module name=c flags=0x800" ""
check twice 1 "rmmod: ERROR: Module foo is not currently loaded" "delete_module name=foo flags=0x800" ""

# ---- 6. options and usage -------------------------------------------------------

check noargs 1 "rmmod: ERROR: missing module name." "" ""
check noargs_force 1 "rmmod: ERROR: missing module name." "" ""
check syslog 1 "" "" ""

check verbose 0 "" "delete_module name=foo flags=0x800" ""
rm_case verbose3
is "$trap_rc|$(log)" "0|delete_module name=foo flags=0x800" "-vvv: removes the module"
like "$trap_err" "^rmmod: INFO: " "-vvv: library messages at INFO"

help_text="Usage:
	rmmod [options] modulename ...
Options:
	-f, --force       forces a module unload and may crash your
	                  machine. This requires Forced Module Removal
	                  option in your kernel. DANGEROUS
	-s, --syslog      print to syslog, not stderr
	-v, --verbose     enables more messages
	-V, --version     show version
	-h, --help        show this help"
for o in -h --help; do
	fresh
	trap_run "$rmmod" $o
	is "$trap_rc|$trap_out|$trap_err|$(log)" "0|$help_text||" "$o: usage on stdout, exit 0"
done
for o in -V --version; do
	fresh
	trap_run "$rmmod" $o foo
	is "$trap_rc|$trap_out|$trap_err|$(log)" "0|kmod version 34
$features||" "$o: version and features, nothing removed"
done

rm_case badopt
is "$trap_rc|$trap_out|$trap_err|$(log)" "1||$rmmod: invalid option -- 'x'|" "-x: getopt's message, exit 1"
rm_case badopt_long
is "$trap_rc|$trap_out|$trap_err|$(log)" "1||$rmmod: unrecognized option '--bogus'|" \
	"--bogus: getopt's message, exit 1"

# ---- 7. the same answers as Debian's rmmod --------------------------------------

# Debian builds with --enable-debug: library lines carry "file:line function() ".
# getopt names the program by its path.
normalise() { # TOOL
	sed -E -e 's#^(rmmod: [A-Z]+: )\.\./libkmod/[^ ]+:[0-9]+ [A-Za-z0-9_]+\(\) #\1#' \
		-e "s#^$1: #rmmod: #" "$testdir/stderr"
}

deb_rmmod=/usr/sbin/rmmod
if need_or_skip "Debian's kmod ($deb_rmmod)" test -x "$deb_rmmod"; then
	# Not compared: -V (version 30) and -vvv (library messages differ by design).
	for c in plain force force_long force_absent absent holder holders refcnt no_refcnt \
		bad_refcnt no_holders_dir coming going ebusy eperm path path_force path_dash \
		path_junk path_missing dash several several_absent twice verbose syslog noargs \
		noargs_force help help_long badopt badopt_long; do
		for impl in ours debian; do
			tool=$rmmod
			[ "$impl" = debian ] && tool=$deb_rmmod
			"case_$c"
			# shellcheck disable=SC2086
			trap_run "$tool" $args
			eval "${impl}_res=\"\$trap_rc|\$trap_out|\$(log)|\$(left)\""
			eval "${impl}_err=\"\$(normalise \"\$tool\")\""
		done
		# shellcheck disable=SC2154 # set by the eval above
		is "$ours_res" "$debian_res" \
			"Debian's rmmod, $c: same exit code, stdout, system calls, modules left"
		# shellcheck disable=SC2154
		is "$ours_err" "$debian_err" "Debian's rmmod, $c: same stderr"
	done
fi

done_testing

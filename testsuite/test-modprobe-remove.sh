#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# modprobe -r under the syscall trap: unused dependencies, holders
# (--remove-holders), softdeps, remove commands, builtin and absent modules,
# --first-time, --wait and its deadline, kernel errors; then against Debian's
# modprobe.  The trap does not count references: each case writes the
# refcnt files the kernel would show at that point.

# The case_* functions are called by name: SC2317.
# Remove commands and expected outputs hold literal $VARIABLES: SC2016.
# shellcheck disable=SC2034,SC2317,SC2016
# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"
# shellcheck source=testsuite/modprobe-lib.sh
. "$top_srcdir/testsuite/modprobe-lib.sh"

need_or_skip_all "trap library" test -f "$TRAP_LIB"
need_or_skip_all "fixture modules" test -f "$fx/mod-foo.ko"
need_or_skip_all "modprobe" test -x "$modprobe"
need_or_skip_all "a depmod to index the tree ($DEPMOD)" test -x "$DEPMOD"
make_base

del() { echo "delete_module name=$1 flags=${2:-0x800}"; }

# The mod-foo chain loaded, nobody using it any more.
chain() {
	fresh
	loaded mod_foo_a
	loaded mod_foo_b
	loaded mod_foo
}

case_plain() { fresh; loaded dummy; args="-r dummy"; }
case_deps() { chain; args="-r mod-foo"; }
case_deps_used() { chain; echo 1 > "$TRAP_ROOT/sys/module/mod_foo_a/refcnt"; args="-r mod-foo"; }
case_alias() { fresh; loaded mod_foo_a; args="--remove fixture:foo-a"; }
case_several() { fresh; loaded dummy; loaded mod_foo_a; args="-r dummy mod-foo-a"; }
case_inuse() { fresh; loaded dummy 1; args="-r dummy"; }
case_inuse_all() { fresh; loaded dummy 1; loaded mod_foo_a; args="-r -a dummy mod-foo-a"; }
case_absent() { fresh; args="-r dummy"; }
case_absent_first() { fresh; args="-r --first-time dummy"; }
case_builtin() { fresh; args="-r bfoo"; }
case_notfound() { fresh; args="-r nope"; }
case_notfound_all() { fresh; loaded dummy; args="-ra nope dummy"; }
case_notfound_quiet() { fresh; args="-rq nope"; }
case_holders() {
	chain
	echo 1 > "$TRAP_ROOT/sys/module/mod_foo_a/refcnt"
	held_by mod_foo_a mod_foo_b
	held_by mod_foo_b mod_foo
	args="-r --remove-holders mod-foo-b"
}
case_holders_dep() { case_holders; args="-r --remove-dependencies mod-foo-b"; }
case_holders_inuse() { case_holders; echo 2 > "$TRAP_ROOT/sys/module/mod_foo/refcnt"; }
case_holders_none() { fresh; loaded dummy; args="-r --remove-holders dummy"; }
case_no_holders() { case_holders; args="-r mod-foo-b"; }
case_cmd() {
	fresh
	loaded dummy
	echo 'remove dummy echo "removing $MODPROBE_MODULE [$CMDLINE_OPTS]"' | conf rm
	args="-r dummy"
}
case_cmd_verbose() { case_cmd; args="-r -v dummy"; }
case_cmd_absent() { case_cmd; rm -r "$TRAP_ROOT/sys/module/dummy"; }
case_cmd_ignore() { case_cmd; args="-r -i dummy"; }
case_cmd_fail() { fresh; loaded dummy; echo 'remove dummy exit 3' | conf rm; args="-r dummy"; }
case_cmd_dry_run() { case_cmd; args="-r -n -v dummy"; }
case_softdep() {
	chain
	loaded dummy
	echo 'softdep mod-foo pre: dummy post: fixture:bfoo' | conf soft
	args="-r mod-foo"
}
case_softdep_ignore() { case_softdep; args="-r -i mod-foo"; }
case_softdep_show() { case_softdep; args="-r -D mod-foo"; }
case_dry_run() { fresh; loaded dummy; args="-r -n dummy"; }
case_dry_run_verbose() { fresh; loaded dummy; args="-r --dry-run -v dummy"; }
case_verbose() { chain; args="-r -v mod-foo"; }
case_show() { chain; args="-r -D mod-foo"; }
case_force() { fresh; loaded dummy; args="-r -f dummy"; }
case_force_inuse() { fresh; loaded dummy 3; args="-r -f dummy"; }
case_eperm() { fresh; loaded dummy; TRAP_RESULTS=delete_module=EPERM; args="-r dummy"; }
case_dep_eperm() { chain; TRAP_RESULTS=delete_module:mod_foo_a=EPERM; args="-r mod-foo"; }
case_wait() { fresh; loaded dummy 1; args="-r -w 1000 dummy"; }
case_wait_eperm() { fresh; loaded dummy 1; TRAP_RESULTS=delete_module=EPERM; args="-r -w 100 dummy"; }
case_wait_zero() { fresh; loaded dummy 1; args="-r --wait=0 dummy"; }
case_wait_timeout() { fresh; loaded dummy 1; TRAP_RESULTS=delete_module=EAGAIN; args="-r -w 40 dummy"; }

# check_left CASE RC STDOUT STDERR CALLS LEFT: check, and the modules still loaded.
check_left() {
	check "$1" "$2" "$3" "$4" "$5"
	is "$(left)" "$6" "$1: modules left loaded"
}

# ---- 1. the module, then what it needed -------------------------------------------

check_left plain 0 "" "" "$(del dummy)" ""
# Dependencies go last to first along modules.dep, when unused.
check_left deps 0 "" "" "$(del mod_foo)
$(del mod_foo_a)
$(del mod_foo_b)" ""
check_left deps_used 0 "" "" "$(del mod_foo)
$(del mod_foo_b)" "mod_foo_a"
check_left alias 0 "" "" "$(del mod_foo_a)" ""
check_left several 0 "" "" "$(del dummy)
$(del mod_foo_a)" ""
check_left force 0 "" "" "$(del dummy 0xa00)" ""
# --force reaches the kernel: modprobe still checks the reference count.
check_left force_inuse 1 "" "modprobe: FATAL: Module dummy is in use." "" "dummy"

# ---- 2. refusals ---------------------------------------------------------------------

check_left inuse 1 "" "modprobe: FATAL: Module dummy is in use." "" "dummy"
check_left inuse_all 1 "" "modprobe: WARNING: Module dummy is in use." "$(del mod_foo_a)" "dummy"
check_left absent 0 "" "" "" ""
check_left absent_first 1 "" "modprobe: FATAL: Module dummy is not in kernel." "" ""
check_left builtin 1 "" "modprobe: FATAL: Module bfoo is builtin." "" ""
check_left notfound 1 "" "modprobe: FATAL: Module nope not found." "" ""
check_left notfound_all 1 "" "modprobe: WARNING: Module nope not found." "$(del dummy)" ""
check_left notfound_quiet 1 "" "" "" ""

# ---- 3. holders ------------------------------------------------------------------------

# The holder goes, then its unused dependencies, b among them: b is not
# removed a second time (newer kmod; kmod 30 tried and failed with ENOENT).
check_left holders 0 "" "" "$(del mod_foo)
$(del mod_foo_b)" "mod_foo_a"
check_left holders_dep 0 "" \
	"modprobe: WARNING: --remove-dependencies is deprecated: use --remove-holders" \
	"$(del mod_foo)
$(del mod_foo_b)" "mod_foo_a"
check_left holders_inuse 1 "" "modprobe: FATAL: Module mod_foo is in use." "" \
	"mod_foo mod_foo_a mod_foo_b"
check_left holders_none 0 "" "" "$(del dummy)" ""
# Without --remove-holders the sysfs holders are not looked at, only refcnt.
check_left no_holders 0 "" "" "$(del mod_foo_b)" "mod_foo mod_foo_a"

# ---- 4. remove commands and softdeps ----------------------------------------------------

check_left cmd 0 "removing dummy []" "" "" "dummy"
check_left cmd_verbose 0 'remove echo "removing $MODPROBE_MODULE []"
removing dummy []' "" "" "dummy"
check_left cmd_absent 0 "removing dummy []" "" "" ""
check_left cmd_ignore 0 "" "" "$(del dummy)" ""
check_left cmd_fail 1 "" "modprobe: FATAL: Error running remove command for dummy" "" "dummy"
check_left cmd_dry_run 0 'remove echo "removing $MODPROBE_MODULE []"' "" "" "dummy"
# Post-softdeps first (a builtin one is no error), the module, its dependencies, then pre-softdeps.
check_left softdep 0 "" "" "$(del mod_foo)
$(del mod_foo_a)
$(del mod_foo_b)
$(del dummy)" ""
check_left softdep_ignore 0 "" "" "$(del mod_foo)
$(del mod_foo_a)
$(del mod_foo_b)" "dummy"
check_left softdep_show 0 "rmmod bfoo
rmmod mod_foo
rmmod mod_foo_a
rmmod mod_foo_b
rmmod dummy" "" "" "dummy mod_foo mod_foo_a mod_foo_b"

# ---- 5. showing instead of doing ----------------------------------------------------------

check_left dry_run 0 "rmmod dummy" "" "" "dummy"
check_left dry_run_verbose 0 "rmmod dummy" "" "" "dummy"
check_left verbose 0 "rmmod mod_foo
rmmod mod_foo_a
rmmod mod_foo_b" "" "$(del mod_foo)
$(del mod_foo_a)
$(del mod_foo_b)" ""
check_left show 0 "rmmod mod_foo
rmmod mod_foo_a
rmmod mod_foo_b" "" "" "mod_foo mod_foo_a mod_foo_b"

# ---- 6. kernel errors and --wait ---------------------------------------------------------

check_left eperm 1 "" "modprobe: ERROR: could not remove 'dummy': Operation not permitted" \
	"$(del dummy)" "dummy"
# A dependency that cannot go is reported, and is no failure of the command.
check_left dep_eperm 0 "" "modprobe: ERROR: could not remove 'mod_foo_a': Operation not permitted" \
	"$(del mod_foo)
$(del mod_foo_a)
$(del mod_foo_b)" "mod_foo_a"
# --wait: no refcnt check, the kernel decides.
check_left wait 0 "" "" "$(del dummy)" ""
check_left wait_eperm 1 "" "modprobe: ERROR: could not remove 'dummy': Operation not permitted" \
	"$(del dummy)" "dummy"
check_left wait_zero 1 "" "modprobe: FATAL: Module dummy is in use." "" "dummy"
# Busy until the deadline: retried after 1, 2, 4... ms, then one error (newer kmod:
# kmod 30 gave up silently with exit 0).
case_wait_timeout
t0=$(date +%s%N)
# timeout: a retry loop that never ends must fail the test, not hang it.
eval "trap_run timeout 20 \"\$modprobe\" $args"
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
tries=$(log | grep -c "^$(del dummy)\$")
is "$trap_rc|$trap_out|$trap_err|$(left)" \
	"1||modprobe: ERROR: could not remove 'dummy': Resource temporarily unavailable|dummy" \
	"wait_timeout: one error at the deadline, exit 1"
if [ "$tries" -ge 4 ] && [ "$tries" -le 8 ] && [ "$ms" -ge 40 ]; then
	ok "wait_timeout: $tries attempts in $ms ms (1, 2, 4, 8, 16 ms apart, then the deadline)"
else
	not_ok "wait_timeout: $tries attempts in $ms ms"
fi

# ---- 7. the same answers as Debian's modprobe --------------------------------------------
#
# Not compared, because we follow newer kmod: dry_run (-n prints without -v),
# holders and holders_dep (a module removed with its holder is not removed
# again; the deprecated spelling warns), wait_timeout (an error at the
# deadline; kmod 30 returns 0, or spins for ever with -w 40).
if need_or_skip "Debian's modprobe ($deb_modprobe)" test -x "$deb_modprobe"; then
	differ plain deps deps_used alias several force force_inuse inuse inuse_all absent \
		absent_first builtin notfound notfound_all notfound_quiet holders_inuse holders_none \
		no_holders cmd cmd_verbose cmd_absent cmd_ignore cmd_fail cmd_dry_run softdep \
		softdep_ignore softdep_show dry_run_verbose verbose show eperm dep_eperm wait \
		wait_eperm wait_zero
fi

done_testing

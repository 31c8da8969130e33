#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# deny (kmod-ds): a module that modprobe.d denies is never inserted, by any
# route: by name, by alias, as a dependency, as a pre or post soft
# dependency, from an install command (its own never runs, a nested modprobe
# or insmod is refused), with -i/--ignore-install, -b, by path, by insmod,
# and through libkmod (test-libkmod-deny.c, as udev and systemd call it).
# Each case asserts the exit status, stdout, stderr (the file and line of the
# directive) and the system calls the trap saw: none for a denied module.
# Then install commands of modules with soft dependencies (kmod #446).

# The case_* functions are called by name: SC2317.
# Configuration lines and expected outputs hold literal $VARIABLES: SC2016.
# shellcheck disable=SC2034,SC2317,SC2016
# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"
# shellcheck source=testsuite/modprobe-lib.sh
. "$top_srcdir/testsuite/modprobe-lib.sh"

insmod=$top_builddir/tools/insmod
api=$top_builddir/testsuite/test-libkmod-deny
need_or_skip_all "trap library" test -f "$TRAP_LIB"
need_or_skip_all "fixture modules" test -f "$fx/mod-foo.ko"
need_or_skip_all "modprobe" test -x "$modprobe"
need_or_skip_all "a depmod to index the tree ($DEPMOD)" test -x "$DEPMOD"
make_base

a=kernel/lib/mod-foo-a.ko
b=kernel/fs/foo/mod-foo-b.ko
foo=kernel/fs/mod-foo.ko
dummy=kernel/drivers/dummy.ko
conf=/etc/modprobe.d/deny.conf
# The library's refusal as modprobe prints it, and modprobe's own line.
denied() { # MODULE [LINE]
	echo "modprobe: ERROR: module $1 is denied by $conf line ${2:-1}"
}
refused() { # MODULE
	echo "modprobe: ERROR: could not insert '$1': Operation not permitted"
}
# check_refused CASE MODULE [DENIED [WHERE]]: exit 1, no system call, and the
# two lines: MODULE denied, or MODULE needing DENIED, by WHERE ($conf line 1).
check_refused() {
	_why="module $2 is"
	[ -n "${3:-}" ] && _why="module $2 needs $3, which is"
	check "$1" 1 "" "modprobe: ERROR: $_why denied by ${4:-$conf line 1}
$(refused "$2")" ""
}

# deny_a: mod-foo-a denied, spelt with dashes (names are normalised).
deny_a() { fresh; echo 'deny mod-foo-a' | conf deny; }
deny_b() { fresh; echo 'deny mod_foo_b' | conf deny; }

# ---- the cases ---------------------------------------------------------------

case_name() { deny_a; args="mod_foo_a"; }
case_name_dash() { deny_b; args="mod-foo-b"; }
case_alias() { deny_a; args="fixture:foo-a"; }
case_conf_alias() { deny_a; echo 'alias my-a mod-foo-a' | conf alias; args="my-a"; }
case_dep() { deny_a; args="mod-foo"; }
case_dep_b() { deny_b; args="fixture:foo"; }
case_dep_show() { deny_b; args="--show-depends mod-foo"; }
case_dry_run() { deny_a; args="-n -v mod-foo-a"; }
case_quiet() { deny_a; args="-q mod-foo"; }
case_path() { deny_a; args="$moddir/$a"; }
case_use_blacklist() { deny_a; echo 'blacklist mod-foo-a' | conf bl; args="-b mod-foo-a"; }
case_all() { deny_a; args="-a dummy mod-foo-a mod-foo-b"; }
case_first_line() {
	fresh
	conf deny <<- 'EOF'
		# CVE-0000-0000: until the fix is in
		deny dummy
		deny mod-foo-b mod-foo-a
	EOF
	args="mod-foo-a"
}
case_soft_pre() {
	deny_a
	echo 'softdep dummy pre: mod-foo-a' | conf soft
	args="-v dummy"
}
case_soft_post() {
	deny_a
	echo 'softdep dummy post: mod-foo-b' | conf soft
	args="-v dummy"
}
case_deny_soft_show() {
	deny_b
	echo 'softdep dummy pre: mod-foo-a mod-foo-b post: mod-foo' | conf soft
	args="-D dummy"
}
case_own_install() {
	deny_a
	echo 'install mod-foo-a echo RAN' | conf inst
	args="mod-foo-a"
}
case_dep_install() {
	deny_a
	echo 'install mod-foo-a echo RAN' | conf inst
	args="mod-foo"
}
case_install_ignore() { case_own_install; args="-i mod-foo-a"; }
case_install_ignore_long() { case_own_install; args="--ignore-install mod-foo-a"; }
case_install_nested() {
	deny_a
	echo 'install dummy $MP mod-foo-a' | conf inst
	args="dummy"
}
case_install_nested_i() {
	deny_a
	echo 'install mod-foo-a $MP --ignore-install mod-foo-a' | conf inst
	args="mod-foo-a"
}
case_install_insmod() {
	deny_a
	echo "install dummy $insmod $moddir/$a" | conf inst
	args="dummy"
}
case_loaded_dep() { deny_a; loaded mod_foo_a; args="mod-foo"; }
case_loaded() { deny_a; loaded mod_foo_a; args="mod-foo-a"; }
case_loaded_show() { deny_a; loaded mod_foo_a; args="-D mod-foo-b"; }
case_builtin() { fresh; echo 'deny bfoo' | conf deny; args="bfoo"; }
case_builtin_show() { case_builtin; args="-D fixture:bfoo"; }
case_remove() { deny_a; loaded mod_foo_a; args="-r mod-foo-a"; }
case_kcmdline() {
	fresh
	echo 'BOOT_IMAGE=/vmlinuz modprobe.deny=nope,mod-foo-b,,dummy ro' > "$TRAP_ROOT/proc/cmdline"
	args="fixture:foo"
}
case_kcmdline_alias() { case_kcmdline; args="rtnl-link-dummy"; }
case_other_config() {
	fresh
	mkdir -p "$TRAP_ROOT/etc/other"
	echo 'deny dummy' > "$TRAP_ROOT/etc/other/x.conf"
	args="-C /etc/other/x.conf dummy"
}
case_showconfig() {
	fresh
	conf deny <<- 'EOF'
		blacklist dummy
		deny mod-foo-a	dummy
		deny
		deny mod_foo* ../x mod-foo-b mod.ko
		deny aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
		weakdep mod-foo dummy
	EOF
	echo 'BOOT_IMAGE=/vmlinuz modprobe.deny=Mod-X,bad.name ro' > "$TRAP_ROOT/proc/cmdline"
	args="-c"
}
case_nodeny() { fresh; echo 'deny dummy' | conf deny; args="mod-foo"; }

# ---- 1. the module itself: by name, alias, path, with any flag ----------------

check_refused name mod_foo_a
check_refused name_dash mod_foo_b
check_refused alias mod_foo_a
check_refused conf_alias mod_foo_a
check_refused path mod_foo_a
check_refused dry_run mod_foo_a
check quiet 1 "" "" ""
# Blacklisted too: refused (exit 1) where the blacklist alone is silent.
check_refused use_blacklist mod_foo_a
check_refused first_line mod_foo_a "" "$conf line 3"
check_refused other_config dummy "" "/etc/other/x.conf line 1"
# Not denied: the other modules load as ever.
check nodeny 0 "" "" "$(finit $a)
$(finit $b)
$(finit $foo)"

# ---- 2. as a dependency: the whole load is refused before anything -----------

check_refused dep mod_foo mod_foo_a
# mod-foo-a, needed too and allowed, is not loaded either.
check_refused dep_b mod_foo mod_foo_b
check_refused dep_show mod_foo mod_foo_b
check all 1 "" "$(denied mod_foo_a)
$(refused mod_foo_a)
modprobe: ERROR: module mod_foo_b needs mod_foo_a, which is denied by $conf line 1
$(refused mod_foo_b)" "$(finit $dummy)"

# ---- 3. as a soft dependency: left out, the module loads ----------------------

check soft_pre 0 "insmod $moddir/$dummy " \
	"modprobe: NOTICE: soft dependency mod_foo_a of dummy skipped: it is denied by $conf line 1" \
	"$(finit $dummy)"
check soft_post 0 "insmod $moddir/$dummy " \
	"modprobe: NOTICE: soft dependency mod_foo_b of dummy skipped: it needs mod_foo_a, which is denied by $conf line 1" \
	"$(finit $dummy)"
check_golden deny_soft_show 0 "" ""

# ---- 4. install commands and --ignore-install ----------------------------------

# The denied module's own command never runs (it would print RAN).
check_refused own_install mod_foo_a
check_refused dep_install mod_foo mod_foo_a
check_refused install_ignore mod_foo_a
check_refused install_ignore_long mod_foo_a
check_refused install_nested_i mod_foo_a
# A modprobe or insmod run by another module's install command refuses it too.
case_install_nested
run "$modprobe"
is "$trap_rc|$trap_out|$(log)" "1||" "install_nested: exit 1, nothing loaded"
like "$trap_err" "^$(denied mod_foo_a)
$(refused mod_foo_a)
modprobe: ERROR: Error running install command '.*' for module dummy: retcode 1
modprobe: ERROR: could not insert 'dummy': " "install_nested: the nested refusal, then the command's failure"
if need_or_skip "insmod" test -x "$insmod"; then
	case_install_insmod
	run "$modprobe"
	is "$trap_rc|$trap_out|$(log)" "1||" "install_insmod: exit 1, nothing loaded"
	like "$trap_err" "^insmod: ERROR: module mod_foo_a is denied by $conf line 1
insmod: ERROR: could not insert module $moddir/$a: Operation not permitted
modprobe: ERROR: Error running install command" "install_insmod: insmod refuses, the command fails"
fi

# ---- 5. in the kernel already: nothing to insert, nothing refused -------------

check loaded_dep 0 "" "" "$(finit $b)
$(finit $foo)"
check loaded 0 "" "" ""
# A dry run pretends nothing is loaded: the denied module counts.
check_refused loaded_show mod_foo_b mod_foo_a
check builtin 0 "" "" ""
check builtin_show 0 "builtin bfoo" "" ""
# deny is about loading: removal goes on.
case_remove
run "$modprobe"
is "$trap_rc|$trap_out|$trap_err|$(log)" "0|||delete_module name=mod_foo_a flags=0x800" \
	"remove: a denied module is still removed"

# ---- 6. the kernel command line, modprobe -c, bad lines ------------------------

check_refused kcmdline mod_foo mod_foo_b "modprobe.deny= on the kernel command line"
check_refused kcmdline_alias dummy "" "modprobe.deny= on the kernel command line"
case_showconfig
run "$modprobe"
is "$trap_rc|$(normalise "$modprobe")|$(log)" "0|libkmod: ERROR: $conf line 3: ignoring bad line starting with 'deny'
libkmod: ERROR: $conf line 4: deny: ignoring 'mod_foo*': not a module name
libkmod: ERROR: $conf line 4: deny: ignoring '../x': not a module name
libkmod: ERROR: $conf line 4: deny: ignoring 'mod.ko': not a module name
libkmod: ERROR: $conf line 5: deny: ignoring 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb': not a module name
libkmod: ERROR: Ignoring bad option on kernel command line while parsing module name: 'bad.name'|" \
	"showconfig: bad names named, the good ones kept"
is_file "$testdir/stdout" "$golden/deny_showconfig.out" "showconfig: stdout is golden/modprobe/deny_showconfig.out"

# ---- 7. insmod by path ------------------------------------------------------------

if need_or_skip "insmod" test -x "$insmod"; then
	deny_a
	trap_run "$insmod" "$moddir/$a"
	is "$(result)" "$(expect 1 "" "insmod: ERROR: module mod_foo_a is denied by $conf line 1
insmod: ERROR: could not insert module $moddir/$a: Operation not permitted" "")" \
		"insmod of a denied module: refused, no system call"
	trap_run "$insmod" "$moddir/$dummy"
	is "$(result)" "$(expect 0 "" "" "$(finit $dummy)")" "insmod of another module: loaded"
fi

# ---- 8. libkmod: the calls of udev, systemd and insmod ------------------------------

if need_or_skip "test-libkmod-deny" test -x "$api"; then
	deny_a
	conf more <<- 'EOF'
		softdep dummy pre: mod-foo-a
		install mod-foo-a echo RAN
		blacklist mod-foo-a
	EOF
	loaded mod_foo_b
	LIBKMOD_TEST_MODDIR=$moddir
	export LIBKMOD_TEST_MODDIR
	trap_run "$api"
	# Its results become ours; its plan must match them.
	_plan=x _ran=0
	while IFS= read -r _line; do
		case $_line in
		"ok "*) ok "libkmod: ${_line#ok * - }" ;;
		"not ok "*) not_ok "libkmod: ${_line#not ok * - }" ;;
		1..*) _plan=${_line#1..} ;;
		*) diag "$_line" ;;
		esac
		case $_line in *ok\ *) _ran=$((_ran + 1)) ;; esac
	done < "$testdir/stdout"
	is "$trap_rc|$_plan" "0|$_ran" "test-libkmod-deny: exit 0, its plan matches its $_ran results"
	is "$trap_err" "" "test-libkmod-deny: nothing on stderr"
fi

# ---- 9. install commands of modules with soft dependencies (kmod #446) -----------

case_softinst_false() {
	fresh
	conf false <<- 'EOF'
		install mod-foo-b /bin/false
		softdep mod-foo-b pre: dummy
	EOF
	args="-n -v mod-foo-b"
}
case_softinst_false_run() { case_softinst_false; args="mod-foo-b"; }
case_softinst_around() {
	fresh
	conf around <<- 'EOF'
		softdep dummy pre: mod-foo-a post: mod-foo-b
		install dummy echo "install $MODPROBE_MODULE"
	EOF
	args="dummy"
}
case_softinst_around_show() { case_softinst_around; args="--show-depends dummy"; }
case_softinst_around_ignore() { case_softinst_around; args="-i dummy"; }
case_softinst_wrapper() {
	fresh
	conf wrap <<- 'EOF'
		softdep dummy pre: mod-foo-a
		install dummy $MP --ignore-install dummy $CMDLINE_OPTS && echo wrapped
	EOF
	args="dummy x=1"
}
case_softinst_dep_cmd() {
	fresh
	conf depcmd <<- 'EOF'
		softdep mod-foo-a post: dummy
		install mod-foo-a echo "instead of a"
	EOF
	args="mod-foo-b"
}

# The command replaces the insertion; dependencies and softdeps go around it.
check_golden softinst_false 0 "" ""
case_softinst_false_run
run "$modprobe"
is "$trap_rc|$trap_out|$(log)" "1||$(finit $a)
$(finit $dummy)" "install /bin/false + softdep: the command runs, fails, the module is not loaded"
like "$trap_err" "^modprobe: ERROR: Error running install command '/bin/false' for module mod_foo_b: retcode 1
modprobe: ERROR: could not insert 'mod_foo_b': " "install /bin/false + softdep: the failure is reported"
check softinst_around 0 "install dummy" "" "$(finit $a)
$(finit $b)"
check_golden softinst_around_show 0 "" ""
# -i: the module alone, as kmod does (its softdeps go with its command).
check softinst_around_ignore 0 "" "" "$(finit $dummy)"
check softinst_wrapper 0 "wrapped" "" "$(finit $a)
$(finit $dummy x=1)"
# A dependency's command with softdeps runs too.
check softinst_dep_cmd 0 "instead of a" "" "$(finit $dummy)
$(finit $b)"

done_testing

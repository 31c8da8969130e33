# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=sh
# Variables set here are for the sourcing tests (SC2034); those read here and
# not set are lib.sh's, sourced first (SC2154).
# shellcheck disable=SC2034,SC2154
#
# Shared by the modprobe tests, sourced after lib.sh: a module tree under the
# trap, the cases' state helpers, and the comparison with Debian's modprobe.
#
# The tree (logical paths, TRAP_ROOT=$testdir/root, kernel 6.1.0-test):
#   /lib/modules/6.1.0-test/kernel/lib/mod-foo-a.ko       exports foo_a_fn
#   /lib/modules/6.1.0-test/kernel/fs/foo/mod-foo-b.ko    needs a, exports foo_b_fn
#   /lib/modules/6.1.0-test/kernel/fs/mod-foo.ko          needs a and b
#   /lib/modules/6.1.0-test/kernel/drivers/dummy.ko       alias rtnl-link-dummy
#   builtin "bfoo" with the alias fixture:bfoo (modules.builtin{,.modinfo})
# indexed once by $DEPMOD (Debian's depmod by default) into $base, copied for
# each case by fresh().

fx=$top_builddir/testsuite/fixtures
golden=$top_srcdir/testsuite/golden/modprobe
# KMOD_TEST_MODPROBE runs the cases on another modprobe (the differences from kmod 30
# listed below then fail, as they should).
modprobe=${KMOD_TEST_MODPROBE:-$top_builddir/tools/modprobe}
deb_modprobe=${KMOD_TEST_DEB_MODPROBE:-/usr/sbin/modprobe}
DEPMOD=${KMOD_TEST_DEPMOD:-/usr/sbin/depmod}

kver=6.1.0-test
moddir=/lib/modules/$kver
base=$testdir/base
unset TRAP_RESULTS KMOD_DETACHED_SIG MODPROBE_OPTIONS KMOD_MODPROBE_DEPTH KMOD_LOG
TRAP_LOG=$testdir/trap.log
TRAP_ROOT=$testdir/root
TRAP_UNAME_R=$kver
# Install commands of the cases call "$MP": the modprobe under test.
MP=$modprobe
export MP

log() { cat "$TRAP_LOG" 2> /dev/null; }
size() { wc -c < "$1" | tr -d ' '; }

make_base() {
	_k=$base$moddir
	mkdir -p "$_k/kernel/lib" "$_k/kernel/fs/foo" "$_k/kernel/drivers" \
		"$base/etc/modprobe.d" "$base/proc" "$base/sys/module"
	cp "$fx/mod-foo-a.ko" "$_k/kernel/lib/"
	cp "$fx/mod-foo-b.ko" "$_k/kernel/fs/foo/"
	cp "$fx/mod-foo.ko" "$_k/kernel/fs/"
	cp "$fx/dummy.ko" "$_k/kernel/drivers/"
	printf '%s\n' kernel/lib/mod-foo-a.ko kernel/fs/foo/mod-foo-b.ko kernel/fs/mod-foo.ko \
		kernel/drivers/dummy.ko > "$_k/modules.order"
	printf 'kernel/fs/bfoo.ko\n' > "$_k/modules.builtin"
	printf 'bfoo.alias=fixture:bfoo\0bfoo.description=a builtin fixture\0' \
		> "$_k/modules.builtin.modinfo"
	"$DEPMOD" -b "$base" "$kver" > "$testdir/depmod.out" 2>&1 || {
		cat "$testdir/depmod.out"
		echo "Bail out! $DEPMOD failed on the fixture tree"
		exit 1
	}
	echo "BOOT_IMAGE=/vmlinuz root=/dev/sda ro quiet" > "$base/proc/cmdline"
	: > "$base/proc/modules"
}

# fresh: the pristine tree, nothing loaded, no configuration, no rule.
fresh() {
	rm -rf "$TRAP_ROOT" "$TRAP_LOG"
	cp -a "$base" "$TRAP_ROOT"
	unset TRAP_RESULTS MODPROBE_OPTIONS
	args=
}

# conf NAME: stdin becomes /etc/modprobe.d/NAME.conf.
conf() { cat > "$TRAP_ROOT/etc/modprobe.d/$1.conf"; }

# loaded NAME [REFCNT]: a live module as the kernel shows it.
loaded() {
	_d=$TRAP_ROOT/sys/module/$1
	mkdir -p "$_d/holders"
	echo live > "$_d/initstate"
	echo "${2:-0}" > "$_d/refcnt"
	echo 16384 > "$_d/coresize"
	echo "$1 16384 ${2:-0} - Live 0xffffffffc0000000" >> "$TRAP_ROOT/proc/modules"
}

# held_by MODULE HOLDER
held_by() { ln -s "../../$2" "$TRAP_ROOT/sys/module/$1/holders/$2"; }

# The modules live in sys/module, sorted.
# shellcheck disable=SC2012
left() { (cd "$TRAP_ROOT/sys/module" && ls | tr '\n' ' ' | sed 's/ $//'); }

# finit PATH [PARAMS]: the trap's line for a module loaded from the tree.
finit() { echo "finit_module file=$moddir/$1 flags=0 params=${2:-}"; }

# run TOOL: the case's $args (shell words, quotes allowed) under the trap.
run() {
	_tool=$1
	eval "trap_run \"\$_tool\" $args"
}

# result: what a case did, in one string (a failing comparison shows all of it).
result() {
	printf 'exit %s\n--- stdout\n%s\n--- stderr\n%s\n--- calls\n%s' \
		"$trap_rc" "$trap_out" "$trap_err" "$(log)"
}

# expect RC STDOUT STDERR CALLS: the string result prints for those.
expect() {
	printf 'exit %s\n--- stdout\n%s\n--- stderr\n%s\n--- calls\n%s' "$1" "$2" "$3" "$4"
}

# check CASE RC STDOUT STDERR CALLS: our modprobe on case_CASE.
check() {
	"case_$1"
	run "$modprobe"
	is "$(result)" "$(expect "$2" "$3" "$4" "$5")" "$1: $args"
}

# check_golden CASE RC STDERR CALLS: the same, stdout byte for byte against
# testsuite/golden/modprobe/CASE.out (trailing spaces of insmod lines included).
check_golden() {
	"case_$1"
	run "$modprobe"
	is "$(printf 'exit %s\n--- stderr\n%s\n--- calls\n%s' "$trap_rc" "$trap_err" "$(log)")" \
		"$(printf 'exit %s\n--- stderr\n%s\n--- calls\n%s' "$2" "$3" "$4")" \
		"$1: $args (exit, stderr, calls)"
	is_file "$testdir/stdout" "$golden/$1.out" "$1: stdout is golden/modprobe/$1.out"
}

# Debian's kmod is built with debug messages: library lines carry the source
# position, and the default library logger (before modprobe installs its own)
# prints "libkmod: PRIO file:line fn: ".  The library's function names are
# internal: they go on both sides.  getopt names the program by its path.
normalise() { # TOOL
	sed -E -e 's#^(modprobe: [A-Z]+: )\.\./libkmod/[^ ]+:[0-9]+ [A-Za-z0-9_]+\(\) #\1#' \
		-e 's#^libkmod: ([A-Z]+) \.\./libkmod/[^ ]+:[0-9]+ #libkmod: \1: #' \
		-e 's#^libkmod: ([A-Z]+): [A-Za-z0-9_]+: #libkmod: \1: #' \
		-e "s#^$1: #modprobe: #" "$testdir/stderr"
}

# differ CASE...: each case run by ours and by Debian's modprobe, each with
# its own binary as $MP: the same exit code, stdout, stderr, system calls and
# modules left loaded.
differ() {
	for _c in "$@"; do
		for _impl in ours debian; do
			MP=$modprobe
			[ "$_impl" = debian ] && MP=$deb_modprobe
			"case_$_c"
			run "$MP"
			eval "${_impl}_res=\"\$(result | sed '/^--- stderr/,/^--- calls/d')|\$(left)\""
			eval "${_impl}_err=\"\$(normalise \"\$MP\")\""
		done
		MP=$modprobe
		# shellcheck disable=SC2154 # set by the eval above
		is "$ours_res" "$debian_res" "Debian's modprobe, $_c: same exit, stdout, calls, modules left"
		# shellcheck disable=SC2154
		is "$ours_err" "$debian_err" "Debian's modprobe, $_c: same stderr"
	done
}

# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=sh
# The variables set here are for the sourcing script.
# shellcheck disable=SC2034
# ext and the sizes come from /e2e/info, written by mkinitramfs.sh.
# shellcheck disable=SC2154
#
# Guest-side helpers shared by guest.sh (the cases) and demo.sh: our tools run
# under a time limit, and what the kernel made of each run, read from the
# kernel itself (syscall tracepoints, the kernel log, /sys/module).
#
# Variables: B (our tools), C (the case directories), T (tracefs), enforce (Y|N),
# compression (xz|none), nflags (finit flags for the shipped format) and the
# sizes of /e2e/info.  A sourcing script may define after_run (called with the
# tool's arguments after every run).
PATH=/bin
export PATH

# shellcheck source=/dev/null
. /e2e/info
B=/e2e/bin
C=/e2e/c
T=/sys/kernel/tracing
E_TAINT=8192 # TAINT_UNSIGNED_MODULE, the 'E' flag

enforce=$(cat /sys/module/module/parameters/sig_enforce)
compression=$(cat /sys/module/compression 2> /dev/null || echo none)
[ "$ext" = ko.xz ] && nflags=0x4 || nflags=0x0 # finit flags for the shipped format

for e in init_module finit_module delete_module; do
	echo 1 > "$T/events/syscalls/sys_enter_$e/enable"
	echo 1 > "$T/events/syscalls/sys_exit_$e/enable"
done

# The traced module syscalls, one line each: "init_module len=<dec> = <ret>",
# "finit_module flags=0x<hex> = <ret>", "delete_module flags=0x<hex> = <ret>".
# The tracepoints print arguments and results in hex without a prefix.
syscalls() {
	awk '
	function hex(s,   i, v) {
		sub(/^0x/, "", s)
		v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	function arg(name,   s) {
		s = $0
		sub(".*[(, ]" name ": ", "", s)
		sub(/[,)].*/, "", s)
		return s
	}
	/: sys_init_module\(/ { call = "init_module len=" hex(arg("len")); next }
	/: sys_finit_module\(/ { call = "finit_module flags=0x" arg("flags"); next }
	/: sys_delete_module\(/ { call = "delete_module flags=0x" arg("flags"); next }
	/: sys_(f?init|delete)_module -> / {
		r = $NF
		# errno values fit in the low 12 bits of the sign-extended result
		if (length(r) == 18 && r ~ /^0xfffffffffffff/)
			r = hex(substr(r, 16)) - 4096
		else
			r = hex(r)
		print call " = " r
	}' "$T/trace"
}

after_run() {
	:
}

# run TOOL ARGS...: our tool under a time limit.  Sets rc, out, err, sys (its
# module system calls) and klog (new kernel log lines about modules).
run() {
	_tool=$1
	shift
	echo > "$T/trace"
	dmesg -c > /dev/null
	timeout 30 "$B/$_tool" "$@" > /tmp/out 2> /tmp/err < /dev/null
	rc=$?
	out=$(cat /tmp/out)
	err=$(cat /tmp/err)
	sys=$(syscalls)
	klog=$(dmesg | sed 's/^\[[ 0-9.]*\] //' |
		grep -E 'dummy|crc_itu_t|omfs|[Mm]odule|[Ss]ignature|[Kk]ey' || true)
	after_run "$@"
}

# The kernel's view of module $1: "absent" or "taint=<flags>".
state() {
	if [ -d "/sys/module/$1" ]; then
		echo "taint=$(cat "/sys/module/$1/taint")"
	else
		echo absent
	fi
}

e_tainted() {
	echo $(($(cat /proc/sys/kernel/tainted) & E_TAINT))
}

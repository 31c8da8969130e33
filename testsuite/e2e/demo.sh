#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The *_size variables and ext come from /e2e/info, written by mkinitramfs.sh.
# shellcheck disable=SC2154
#
# The demo inside the guest: a readable transcript of our tools on a real
# signed kernel.  Every statement about the kernel is read from the kernel (the
# syscall trace, its log, /sys/module, /proc/sys/kernel/tainted).  The last
# line says whether every scene went as expected; the exit status follows it.
set -u

# shellcheck source=testsuite/e2e/guest-lib.sh
. /e2e/guest-lib.sh

unexpected=0
size() { stat -c %s "$1"; }
indent() { [ -n "$1" ] && printf '%s\n' "$1" | sed "s/^/$2/"; }

errname() {
	case $1 in
	0) echo "0 (success)" ;;
	-129) echo "-129 EKEYREJECTED (Key was rejected by service)" ;;
	-126) echo "-126 ENOKEY" ;;
	-74) echo "-74 EBADMSG" ;;
	*) echo "$1" ;;
	esac
}

# show TOOL ARGS...: run our tool and print what happened, from both sides.
# With $only set, only the stderr lines matching that ERE are printed.
show() {
	echo "\$ $*"
	run "$@"
	indent "$out" "  | "
	if [ -n "${only:-}" ]; then
		indent "$(printf '%s\n' "$err" | grep -E "$only")" "  | "
	else
		indent "$err" "  | "
	fi
	echo "  exit status $rc"
	if [ -z "$sys" ]; then
		echo "  system calls seen by the kernel: none"
	fi
	printf '%s\n' "$sys" | while read -r call arg _eq ret; do
		[ -n "$call" ] || continue
		case $call in
		finit_module) what="finit_module(fd, \"\", ${arg})" ;;
		*) what="$call(${arg})" ;;
		esac
		[ "$arg" = flags=0x4 ] && what="$what [MODULE_INIT_COMPRESSED_FILE]"
		echo "  system call seen by the kernel: $what -> $(errname "$ret")"
	done
	indent "$klog" "  kernel log: "
}

# verdict NAME: the kernel's view of module NAME and of itself.
verdict() {
	s=$(state "$1")
	case $s in
	absent) echo "  kernel verdict: $1 is not loaded (/sys/module/$1 does not exist)" ;;
	taint=) echo "  kernel verdict: $1 is loaded, /sys/module/$1/taint is empty: signature verified" ;;
	*) echo "  kernel verdict: $1 is loaded, /sys/module/$1/taint is '${s#taint=}'" ;;
	esac
	echo "  kernel taint: /proc/sys/kernel/tainted = $(cat /proc/sys/kernel/tainted)" \
		"(unsigned-module bit 8192 $([ "$(e_tainted)" = 0 ] && echo clear || echo SET))"
}

expect() { # WHAT COMMAND...: the scene went as expected when COMMAND succeeds
	_what=$1
	shift
	if "$@"; then
		echo "  => as expected: $_what"
	else
		echo "  => UNEXPECTED: $_what did not happen"
		unexpected=$((unexpected + 1))
	fi
	echo
}

mod=$C/demo/dummy.$ext
plain_len=$dummy_ko_size
echo "== kmod-ds end to end: Debian's signed kernel $(uname -r) in qemu =="
echo "kernel command line: $(cat /proc/cmdline)"
row() { printf '%-24s %s\n' "$1" "$2"; }
row "signature enforcement" "/sys/module/module/parameters/sig_enforce = $enforce"
row "in-kernel decompression" "/sys/module/compression = $compression"
row "kernel taint" "/proc/sys/kernel/tainted = $(cat /proc/sys/kernel/tainted)"
row "our tools" "$("$B/kmod" --version | tr '\n' ' ')"
echo

echo "-- 1. a module shipped unsigned, its signature in a separate .sig file --"
echo "$mod      $(size "$mod") bytes: Debian's dummy module, signature stripped"
[ "$ext" = ko.xz ] && echo "    (xz-compressed; $plain_len bytes once decompressed)"
echo "$mod.sig  $(size "$mod.sig") bytes: the stripped signature (PKCS#7 $dummy_p7s_size bytes +" \
	"module_signature + magic)"
echo "(insmod -vvv; of its messages only those about the signature are shown)"
only=signature
show insmod -vvv "$mod"
only=
verdict dummy
want=$((plain_len + dummy_trailer_size))
echo "  $want bytes = $plain_len bytes of module + $dummy_trailer_size bytes taken from the .sig"
expect "loaded from module + .sig by init_module, not tainted" \
	[ "$rc:$sys:$(state dummy)" = "0:init_module len=$want = 0:taint=" ]

show lsmod
lists_dummy() { printf '%s\n' "$out" | grep -q '^dummy '; }
expect "lsmod lists dummy" lists_dummy

show rmmod dummy
verdict dummy
expect "removed" [ "$rc:$(state dummy)" = "0:absent" ]

echo "-- 2. the same module without its .sig: the kernel refuses it --"
mod=$C/demo-unsigned/dummy.$ext
echo "$mod      $(size "$mod") bytes, no $mod.sig"
show insmod "$mod"
verdict dummy
rejected_unsigned() {
	[ "$rc:$sys:$(state dummy)" = "1:finit_module flags=$nflags = -129:absent" ] &&
		printf '%s\n' "$err" | grep -q "$mod: rejected by the kernel"
}
expect "refused by the kernel with EKEYREJECTED, and our message says why" rejected_unsigned

echo "-- 3. policy require: refused before the kernel is asked --"
show insmod --detached-sig=require "$mod"
expect "refused by insmod itself, no system call" [ "$rc:$sys:$(state dummy)" = "1::absent" ]

echo "-- 4. a tampered .sig (one byte of the signature flipped) --"
mod=$C/demo-tampered/dummy.$ext
want=$((plain_len + dummy_trailer_size))
echo "$mod.sig  $(size "$mod.sig") bytes, last byte of the PKCS#7 signature value flipped"
show insmod "$mod"
verdict dummy
rejected_sig() {
	[ "$rc:$sys:$(state dummy)" = "1:init_module len=$want = -129:absent" ] &&
		printf '%s\n' "$err" | grep -q "$mod.sig: signature rejected by the kernel"
}
expect "refused by the kernel, and our message names the .sig" rejected_sig

if [ "$unexpected" = 0 ]; then
	echo "demo: every scene went as expected"
else
	echo "demo: $unexpected scene(s) did NOT go as expected"
fi
[ "$unexpected" = 0 ]

#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The *_size variables and ext come from /e2e/info, written by mkinitramfs.sh.
# shellcheck disable=SC2154
#
# The cases of the end-to-end test, run inside the guest (dash, busybox) by
# /init; the output goes to the host through the second serial port:
#
#   E2E-BEGIN kver=<uname -r> enforce=<Y|N> compression=<xz|none>
#   ok <id> - <description>          one line per case
#   not ok <id> - <description>
#   # <evidence or failure detail>   lines after the case they belong to
#
# Evidence comes from the kernel itself: the syscall tracepoints show which
# module system call our tool made, with its length or flags and its result,
# so "refused before any syscall" and "finit_module with flag 4" are observed,
# not inferred.  /sys/module/<m>/taint gives the kernel's verdict on a load.
set -u
PATH=/bin
export PATH

# shellcheck source=testsuite/e2e/guest-lib.sh
. /e2e/guest-lib.sh

# Every tool run leaves its evidence in the case's notes.
after_run() {
	echo "\$ $_tool $*" >> /tmp/note
	[ -z "$sys" ] && echo "  kernel saw no module system call" >> /tmp/note
	[ -n "$sys" ] && printf '%s\n' "$sys" | sed 's/^/  kernel saw: /' >> /tmp/note
	[ -n "$klog" ] && printf '%s\n' "$klog" | sed 's/^/  kernel log: /' >> /tmp/note
	return 0
}

# case_begin ID DESCRIPTION [continued]: a case starts with no test module
# loaded, unless it continues the previous one.
case_begin() {
	id=$1
	desc=$2
	bad=
	: > /tmp/note
	: > /tmp/diag
	[ "${3:-}" = continued ] && return
	# a failed case must not leave its module behind for the next one
	for m in omfs crc_itu_t dummy; do
		if [ -d "/sys/module/$m" ]; then
			"$B/rmmod" "$m" 2> /dev/null
			echo "cleanup: $m was still loaded" >> /tmp/note
		fi
	done
}

fail() {
	bad=1
	printf '%s\n' "$@" >> /tmp/diag
}

is() { # GOT WANT WHAT
	[ "$1" = "$2" ] || fail "$3: expected" "$(printf '%s\n' "$2" | sed 's/^/    /')" "  got" \
		"$(printf '%s\n' "$1" | sed 's/^/    /')"
}

like() { # GOT ERE WHAT
	printf '%s\n' "$1" | grep -Eq -- "$2" ||
		fail "$3: no match for /$2/ in" "$(printf '%s\n' "$1" | sed 's/^/    /')"
}

case_end() {
	if [ -z "$bad" ]; then
		echo "ok $id - $desc"
		sed 's/^/# /' /tmp/note
	else
		echo "not ok $id - $desc"
		sed 's/^/# /' /tmp/note /tmp/diag
	fi
}

# rmmod NAME: our rmmod takes the module out again, cleanly.
remove() {
	run rmmod "$1"
	is "$rc:$err" "0:" "rmmod $1: exit status and stderr"
	is "$sys" "delete_module flags=0x800 = 0" "rmmod $1: one delete_module(O_NONBLOCK)"
	is "$(state "$1")" absent "after rmmod $1"
}

# loads_detached FILE LEN: our insmod loads FILE with its .sig through
# init_module(image || trailer) of LEN bytes; the kernel accepts the signature.
loads_detached() {
	run insmod "$1"
	is "$rc:$err" "0:" "insmod exit status and stderr"
	is "$sys" "init_module len=$2 = 0" "one init_module(unsigned image || trailer)"
	is "$(state dummy)" "taint=" "/sys/module/dummy/taint"
	is "$(e_tainted)" 0 "kernel not tainted by an unsigned module"
	is "$klog" "" "no kernel log line about modules or signatures"
	remove dummy
}

# refused_sig FILE LEN: the kernel rejects the signature of FILE's .sig.
refused_sig() {
	run insmod "$1"
	is "$rc" 1 "insmod exit status"
	is "$err" "insmod: ERROR: $1.sig: signature rejected by the kernel (stale .sig or wrong key?)
insmod: ERROR: could not insert module $1: Key was rejected by service" "insmod's messages"
	is "$sys" "init_module len=$2 = -129" "init_module(image || trailer) got EKEYREJECTED"
	is "$klog" "" "no kernel log line (a bad signature value is not logged)"
	is "$(state dummy)" absent "module not loaded"
}

# malformed FILE: the .sig is refused by us with a reason, the kernel sees nothing.
malformed() {
	run insmod "$1"
	is "$rc" 1 "insmod exit status"
	like "$(printf '%s\n' "$err" | head -n1)" "^insmod: ERROR: $1\.sig: malformed signature: .+" \
		"first message names the .sig"
	is "$(printf '%s\n' "$err" | tail -n +2)" \
		"insmod: ERROR: could not insert module $1: Bad message" "second message"
	is "$sys" "" "no module system call"
	is "$klog" "" "no kernel log line"
	is "$(state dummy)" absent "module not loaded"
}

# ---- cases --------------------------------------------------------------------

echo "E2E-BEGIN kver=$(uname -r) enforce=$enforce compression=$compression"

trailer_len=$((dummy_ko_size + dummy_trailer_size))
p7s_len=$((dummy_ko_size + dummy_p7s_size + 40))

case_begin 1 "insmod unsigned dummy.ko + full-trailer .sig: loads via init_module, taint empty"
loads_detached "$C/1/dummy.ko" "$trailer_len"
case_end

case_begin 2 "insmod unsigned dummy.ko + bare PKCS#7 .sig: loads via init_module, taint empty"
loads_detached "$C/2/dummy.ko" "$p7s_len"
case_end

if [ "$ext" = ko.xz ]; then
	case_begin 3a "insmod unsigned dummy.ko.xz + full-trailer .sig: decompressed in userspace, init_module, taint empty"
	is "$compression" xz "/sys/module/compression"
	loads_detached "$C/3a/dummy.ko.xz" "$trailer_len"
	case_end

	case_begin 3b "insmod Debian's signed dummy.ko.xz, no .sig: finit_module with MODULE_INIT_COMPRESSED_FILE, taint empty"
	run insmod "$C/3b/dummy.ko.xz"
	is "$rc:$err" "0:" "insmod exit status and stderr"
	is "$sys" "finit_module flags=0x4 = 0" "one finit_module(fd, \"\", MODULE_INIT_COMPRESSED_FILE)"
	is "$(state dummy)" "taint=" "/sys/module/dummy/taint"
	is "$klog" "" "no kernel log line"
	remove dummy
	case_end

	case_begin 3c "insmod unsigned dummy.ko.xz + bare PKCS#7 .sig: decompressed in userspace, init_module, taint empty"
	loads_detached "$C/3c/dummy.ko.xz" "$p7s_len"
	case_end
fi

f=$C/4/dummy.$ext
if [ "$enforce" = Y ]; then
	case_begin 4a "insmod unsigned dummy.$ext without .sig: kernel says EKEYREJECTED, our message says so"
	run insmod "$f"
	is "$rc" 1 "insmod exit status"
	is "$err" "insmod: ERROR: $f: rejected by the kernel: unsigned or signed with an untrusted key, and no detached signature $f.sig
insmod: ERROR: could not insert module $f: Key was rejected by service" "insmod's messages"
	is "$sys" "finit_module flags=$nflags = -129" "finit_module got EKEYREJECTED"
	is "$klog" "Loading of unsigned module is rejected" "kernel log"
	is "$(state dummy)" absent "module not loaded"
	case_end
fi

case_begin 4b "insmod --detached-sig=require unsigned dummy.$ext without .sig: refused before any syscall"
run insmod --detached-sig=require "$f"
is "$rc" 1 "insmod exit status"
is "$(printf '%s\n' "$err" | head -n1)" \
	"insmod: ERROR: $f: refused by policy require: no appended signature and no detached signature $f.sig" \
	"first message"
is "$(printf '%s\n' "$err" | tail -n +2)" \
	"insmod: ERROR: could not insert module $f: Required key not available" "second message"
is "$sys" "" "no module system call"
is "$klog" "" "no kernel log line"
is "$(state dummy)" absent "module not loaded"
case_end

case_begin 5a "insmod dummy.ko + .sig with one flipped byte in the signature: refused, message names the .sig"
refused_sig "$C/5a/dummy.ko" "$trailer_len"
case_end

case_begin 5b "insmod dummy.ko + crc-itu-t's .sig: refused, message names the .sig"
refused_sig "$C/5b/dummy.ko" $((dummy_ko_size + crc_itu_t_trailer_size))
case_end

case_begin 6 "insmod Debian's signed dummy.$ext with a .sig next to it: the file as is, no second trailer"
f=$C/6/dummy.$ext
run insmod -vv "$f"
is "$rc" 0 "insmod exit status"
is "$err" "insmod: NOTICE: $f already carries a signature: $f.sig not appended" "insmod -vv says why"
is "$sys" "finit_module flags=$nflags = 0" "one finit_module of the file"
is "$(state dummy)" "taint=" "/sys/module/dummy/taint"
is "$klog" "" "no kernel log line"
remove dummy
case_end

case_begin 7a "insmod dummy.ko + truncated .sig: malformed, refused before any syscall"
malformed "$C/7a/dummy.ko"
case_end

case_begin 7b "insmod dummy.ko + 64 bytes of garbage as .sig: malformed, refused before any syscall"
malformed "$C/7b/dummy.ko"
case_end

if [ "$enforce" = N ]; then
	d=$C/8
	case_begin 8a "no enforcement: insmod unsigned dummy.$ext without .sig loads with taint E"
	is "$(e_tainted)" 0 "kernel not tainted E before"
	run insmod "$d/dummy.$ext"
	is "$rc:$err" "0:" "insmod exit status and stderr"
	is "$sys" "finit_module flags=$nflags = 0" "one finit_module of the file"
	is "$(state dummy)" "taint=E" "/sys/module/dummy/taint"
	is "$(e_tainted)" "$E_TAINT" "kernel tainted E"
	is "$klog" "dummy: module verification failed: signature and/or required key missing - tainting kernel" \
		"kernel log"
	case_end

	case_begin 8b "no enforcement: crc-itu-t and omfs from unsigned + .sig load untainted; lsmod matches /proc/modules" continued
	run insmod "$d/crc-itu-t.$ext"
	is "$rc:$err" "0:" "insmod crc-itu-t"
	is "$sys" "init_module len=$((crc_itu_t_ko_size + crc_itu_t_trailer_size)) = 0" \
		"crc-itu-t: init_module(image || trailer)"
	run insmod "$d/omfs.$ext"
	is "$rc:$err" "0:" "insmod omfs"
	is "$sys" "init_module len=$((omfs_ko_size + omfs_p7s_size + 40)) = 0" \
		"omfs: init_module(image || trailer built from the PKCS#7)"
	is "$(state crc_itu_t):$(state omfs):$(state dummy)" "taint=:taint=:taint=E" "per-module taint"
	run lsmod
	is "$rc:$err" "0:" "lsmod exit status and stderr"
	is "$(printf '%s\n' "$out" | head -n1)" "Module                  Size  Used by" "lsmod header"
	lsmod_rows=$(printf '%s\n' "$out" | awk 'NR > 1 { print $1 " " $2 " " $3 " " $4 }')
	proc_rows=$(awk '{ h = $4; if (h == "-") h = ""; sub(/,$/, "", h); print $1 " " $2 " " $3 " " h }' \
		/proc/modules)
	is "$lsmod_rows" "$proc_rows" "lsmod rows (name size refcount holders) = /proc/modules"
	like "$lsmod_rows" "^crc_itu_t [0-9]+ 1 omfs$" "crc_itu_t used once, by omfs"
	like "$lsmod_rows" "^dummy [0-9]+ 0 $" "dummy unused"
	is "$(printf '%s\n' "$lsmod_rows" | wc -l)" 3 "three modules loaded"
	printf '%s\n' "$out" | sed 's/^/  | /' >> /tmp/note
	case_end

	case_begin 8c "no enforcement: rmmod refuses crc_itu_t while omfs uses it, then removes omfs, crc_itu_t, dummy" continued
	run rmmod crc_itu_t
	is "$rc" 1 "rmmod crc_itu_t in use: exit status"
	is "$err" "rmmod: ERROR: Module crc_itu_t is in use by: omfs" "rmmod crc_itu_t in use: message"
	is "$sys" "" "rmmod crc_itu_t in use: no system call"
	is "$(state crc_itu_t)" "taint=" "crc_itu_t still loaded"
	remove omfs
	remove crc_itu_t
	remove dummy
	run lsmod
	is "$rc:$out" "0:Module                  Size  Used by" "lsmod: header only"
	is "$(cat /proc/modules)" "" "/proc/modules empty"
	case_end
fi

# ---- case 9: modprobe and depmod on a module tree at /lib/modules/$(uname -r) --------
# Run in both modes: under enforcement a load proves the kernel accepted the
# signature; without it, an empty module taint proves a signature was used
# (an unsigned module would carry E).

# lines TEXT...: the arguments as lines (the expected output of several calls)
lines() {
	printf '%s\n' "$@"
}

# evidence TITLE TEXT: TEXT in the case's notes
evidence() {
	echo "  $1" >> /tmp/note
	printf '%s\n' "$2" | sed 's/^/  | /' >> /tmp/note
}

kdir=/lib/modules/$(uname -r)
crc_rel=kernel/lib/crc-itu-t.$ext
omfs_rel=kernel/fs/omfs/omfs.$ext
dummy_rel=kernel/drivers/net/dummy.$ext
crc_len=$((crc_itu_t_ko_size + crc_itu_t_trailer_size))
omfs_len=$((omfs_ko_size + omfs_p7s_size + 40))

case_begin 9a "depmod (ours, no arguments) indexes $kdir: omfs needs crc-itu-t; modprobe -D finds each .sig"
run depmod
is "$rc:$out:$err" "0::" "depmod exit status, stdout and stderr"
is "$sys" "" "no module system call"
is "$(cat "$kdir/modules.dep")" "$(lines "$omfs_rel: $crc_rel" "$crc_rel:" "$dummy_rel:")" \
	"modules.dep (in modules.order's order)"
evidence "$kdir/modules.dep:" "$(cat "$kdir/modules.dep")"
for f in modules.dep.bin modules.alias.bin modules.symbols.bin modules.builtin.bin; do
	[ -s "$kdir/$f" ] || fail "$kdir/$f: missing or empty"
done
run modprobe -D --show-sigs omfs
is "$rc:$err" "0:" "modprobe -D exit status and stderr"
is "$out" "$(lines "insmod $kdir/$crc_rel " "sig $kdir/$crc_rel.sig" \
	"insmod $kdir/$omfs_rel " "sig $kdir/$omfs_rel.sig")" "modprobe -D --show-sigs omfs"
evidence "stdout:" "$out"
is "$sys" "" "no module system call"
case_end

case_begin 9b "modprobe omfs: crc-itu-t then omfs, each unsigned + .sig through init_module, taint empty"
before=$(e_tainted)
run modprobe omfs
is "$rc:$out:$err" "0::" "modprobe exit status, stdout and stderr"
is "$sys" "$(lines "init_module len=$crc_len = 0" "init_module len=$omfs_len = 0")" \
	"init_module(crc-itu-t image || trailer), then init_module(omfs image || trailer)"
is "$(state crc_itu_t):$(state omfs)" "taint=:taint=" "per-module taint"
is "$(e_tainted)" "$before" "kernel taint E unchanged"
[ "$enforce" = Y ] && is "$before" 0 "kernel not tainted E"
is "$klog" "" "no kernel log line"
like "$(cat /proc/modules)" "^crc_itu_t [0-9]+ 1 omfs," "/proc/modules: crc_itu_t used by omfs"
case_end

case_begin 9c "modprobe -r omfs: removes omfs, then crc_itu_t (two delete_module calls)" continued
run modprobe -r omfs
is "$rc:$out:$err" "0::" "modprobe -r exit status, stdout and stderr"
is "$sys" "$(lines "delete_module flags=0x800 = 0" "delete_module flags=0x800 = 0")" \
	"two delete_module(O_NONBLOCK)"
is "$(state omfs):$(state crc_itu_t)" "absent:absent" "both removed"
case_end

case_begin 9d "search signed built-in in /etc/depmod.d: our depmod picks signed/ over unsigned kernel/; modprobe loads the signed copies"
rm -rf "$kdir" /etc/depmod.d
cp -R "$C/9/tree" "$kdir"
mkdir -p /etc/depmod.d
cp "$C/9/signed.conf" /etc/depmod.d/signed.conf
sgn_crc=signed/${crc_rel#kernel/}
sgn_omfs=signed/${omfs_rel#kernel/}
run depmod
is "$rc:$out:$err" "0::" "depmod exit status, stdout and stderr"
# modules.order names kernel/ paths only: the order of signed/ is not asserted
is "$(sort "$kdir/modules.dep")" "$(lines "$sgn_omfs: $sgn_crc" "$sgn_crc:" | sort)" \
	"modules.dep names the signed/ copies only"
evidence "/etc/depmod.d/signed.conf: $(cat /etc/depmod.d/signed.conf); $kdir/modules.dep:" \
	"$(cat "$kdir/modules.dep")"
run modprobe -v omfs
is "$rc:$err" "0:" "modprobe -v exit status and stderr"
is "$out" "$(lines "insmod $kdir/$sgn_crc " "insmod $kdir/$sgn_omfs ")" "modprobe -v: the files loaded"
evidence "stdout:" "$out"
is "$sys" "$(lines "finit_module flags=$nflags = 0" "finit_module flags=$nflags = 0")" \
	"two finit_module calls of the signed files, accepted"
is "$(state crc_itu_t):$(state omfs)" "taint=:taint=" "per-module taint"
[ "$enforce" = Y ] && is "$(e_tainted)" 0 "kernel not tainted E"
is "$klog" "" "no kernel log line"
run modprobe -r omfs
is "$rc:$err" "0:" "modprobe -r exit status and stderr"
is "$(state omfs):$(state crc_itu_t)" "absent:absent" "both removed"
rm -rf /etc/depmod.d
case_end

# ---- case 10: a real libkmod consumer, Debian's lspci, with our libkmod.so.2 ------
# lspci -k looks each device's modalias up with kmod_module_new_from_lookup()
# in /lib/modules/$(uname -r): the tree holds e1000, e1000e and ata_piix, indexed
# by our depmod.  qemu's e1000 (8086:100e) must list e1000 only (e1000e has
# other aliases), the PIIX3 IDE controller (8086:7010) ata_piix.

# kernel_modules VENDOR:DEVICE: the "Kernel modules:" value of that device in
# lspci -n -k output on stdin (nothing when the line is missing)
kernel_modules() {
	awk -v id="$1" '
	/^[0-9a-f]/ { dev = index($0, " " id) > 0 }
	dev && /^\tKernel modules: / { sub(/^\tKernel modules: /, ""); print }'
}

lib=/lib/x86_64-linux-gnu/libkmod.so.2
case_begin 10 "lspci -n -k (Debian's pciutils) through our libkmod.so.2: Kernel modules: e1000 for qemu's e1000 NIC, ata_piix for the PIIX3 IDE controller"
rm -rf "$kdir"
cp -R "$C/10/tree" "$kdir"
run depmod
is "$rc:$out:$err" "0::" "depmod exit status, stdout and stderr"
like "$(cat "$kdir/modules.alias")" "^alias pci:v00008086d0000100Esv.* e1000\$" \
	"modules.alias has e1000's alias for 8086:100e"
ldlist=$(/lib64/ld-linux-x86-64.so.2 --list /e2e/bin/lspci 2>&1)
like "$ldlist" "libkmod\.so\.2 => $lib " "the dynamic linker resolves libkmod.so.2 to $lib"
is "$(find / -xdev -name 'libkmod.so*' | sort)" "$lib" "the only libkmod in the guest"
grep -q kmod_set_detached_sig_policy "$lib" || fail "$lib is not ours (no kmod_set_detached_sig_policy)"
evidence "ld.so --list /e2e/bin/lspci:" "$ldlist"
timeout 30 /e2e/bin/lspci -n -k > /tmp/out 2> /tmp/err
rc=$?
out=$(cat /tmp/out)
is "$rc:$(cat /tmp/err)" "0:" "lspci -n -k exit status and stderr"
is "$(kernel_modules 8086:100e < /tmp/out)" e1000 "Kernel modules: of the e1000 NIC"
is "$(kernel_modules 8086:7010 < /tmp/out)" ata_piix "Kernel modules: of the PIIX3 IDE controller"
evidence "lspci -n -k:" "$out"
rm -rf "$kdir"
case_end

# ---- case 11: policy require means a complete PKCS#7 signature ----------------
# Without enforcement the kernel loads (tainted) a module with the marker alone
# or with a type-3 proof, so our insmod must refuse them before any system call.

unenforced="insmod: WARNING: policy require: the kernel does not enforce module signatures (sig_enforce N, no lockdown): a module whose signature it cannot verify (unknown key) still loads, tainted"

# kernel_untouched: the last run made no module system call and left dummy out.
kernel_untouched() {
	is "$sys" "" "no module system call"
	is "$klog" "" "no kernel log line"
	is "$(state dummy)" absent "module not loaded"
}

case_begin 11a "insmod --detached-sig=require dummy.ko with the marker alone appended: refused before any syscall"
f=$C/11a/dummy.ko
run insmod --detached-sig=require "$f"
is "$rc" 1 "insmod exit status"
like "$(printf '%s\n' "$err" | head -n1)" "^insmod: ERROR: $f: refused by policy require: appended signature: .+" \
	"first message names the module"
is "$(printf '%s\n' "$err" | tail -n +2)" "insmod: ERROR: could not insert module $f: Bad message" \
	"second message"
kernel_untouched
case_end

case_begin 11b "insmod --detached-sig=require dummy.ko + type-3 .sig of 100 random bytes: refused before any syscall"
f=$C/11b/dummy.ko
run insmod --detached-sig=require "$f"
is "$rc:$err" "1:insmod: ERROR: $f.sig: refused by policy require: a hash proof (id_type 3) is not a signature
insmod: ERROR: could not insert module $f: Required key not available" "insmod exit status and messages"
kernel_untouched
case_end

case_begin 11c "insmod --detached-sig=require dummy.ko + Debian's signature as .sig: loads; warns only without enforcement"
f=$C/1/dummy.ko
run insmod --detached-sig=require "$f"
want_err=
[ "$enforce" = N ] && want_err=$unenforced
is "$(cat /sys/kernel/security/lockdown)" "[none] integrity confidentiality" "lockdown (securityfs)"
is "$rc:$err" "0:$want_err" "insmod exit status and stderr"
is "$sys" "init_module len=$trailer_len = 0" "one init_module(unsigned image || trailer)"
is "$(state dummy)" "taint=" "/sys/module/dummy/taint"
remove dummy
case_end

if [ "$enforce" = N ]; then
	case_begin 11d "no enforcement, policy auto: the kernel itself loads the module with the marker alone, tainted (what require refuses)"
	run insmod "$C/11a/dummy.ko"
	is "$rc:$err" "0:" "insmod exit status and stderr"
	is "$sys" "finit_module flags=0x0 = 0" "one finit_module, accepted"
	is "$(state dummy)" "taint=E" "/sys/module/dummy/taint"
	remove dummy
	case_end
fi

# ---- case 12: the kernel's own requests go through our modprobe -----------------
# The kernel runs /proc/sys/kernel/modprobe with an almost empty environment
# ("-q -- fs-omfs" for mount -t omfs): only the modprobe.d directive can set
# the policy there.

# krun CMD...: CMD outside our tools, with the kernel's view of what followed.
krun() {
	echo > "$T/trace"
	dmesg -c > /dev/null
	"$@" > /tmp/out 2> /tmp/err < /dev/null
	rc=$?
	err=$(cat /tmp/err)
	sys=$(syscalls)
	klog=$(dmesg | sed 's/^\[[ 0-9.]*\] //' | grep -E 'omfs|crc_itu_t|[Mm]odule|[Ss]ignature|[Kk]ey' || true)
	echo "\$ $* (exit $rc)" >> /tmp/note
	[ -z "$sys" ] && echo "  kernel saw no module system call" >> /tmp/note
	[ -n "$sys" ] && printf '%s\n' "$sys" | sed 's/^/  kernel saw: /' >> /tmp/note
	[ -n "$klog" ] && printf '%s\n' "$klog" | sed 's/^/  kernel log: /' >> /tmp/note
	return 0
}

crc_len=$((crc_itu_t_ko_size + crc_itu_t_trailer_size))
omfs_len=$((omfs_ko_size + omfs_p7s_size + 40))
mkdir -p /tmp/mnt /etc/modprobe.d
old_modprobe=$(cat /proc/sys/kernel/modprobe)

case_begin 12a "detached_sig require, modules without .sig: mount -t omfs makes the kernel run our modprobe, which refuses before any syscall"
rm -rf "$kdir"
cp -R "$C/12/tree" "$kdir"
run depmod
is "$rc:$out:$err" "0::" "depmod exit status, stdout and stderr"
like "$(cat "$kdir/modules.alias")" "^alias fs-omfs omfs\$" "modules.alias: fs-omfs is omfs"
echo "detached_sig require" > /etc/modprobe.d/policy.conf
echo /e2e/bin/modprobe > /proc/sys/kernel/modprobe
is "$(cat /proc/sys/kernel/modprobe)" /e2e/bin/modprobe "/proc/sys/kernel/modprobe"
krun mount -t omfs none /tmp/mnt
is "$rc:$err" "255:mount: mounting none on /tmp/mnt failed: No such device" \
	"mount fails: the kernel found no omfs"
is "$sys" "" "no module system call: our modprobe refused"
is "$(state omfs):$(state crc_itu_t)" "absent:absent" "nothing loaded"
case_end

case_begin 12b "no directive, the same request: our modprobe sends crc-itu-t to the kernel (the control)" continued
rm -f /etc/modprobe.d/policy.conf
krun mount -t omfs none /tmp/mnt
[ "$rc" != 0 ] || fail "mount exit status 0 without a device"
if [ "$enforce" = Y ]; then
	is "$sys" "finit_module flags=$nflags = -129" "finit_module(crc-itu-t), the kernel says EKEYREJECTED"
	is "$(state omfs):$(state crc_itu_t)" "absent:absent" "nothing loaded"
else
	is "$sys" "$(lines "finit_module flags=$nflags = 0" "finit_module flags=$nflags = 0")" \
		"finit_module(crc-itu-t), finit_module(omfs): the kernel takes both"
	is "$(state omfs):$(state crc_itu_t)" "taint=E:taint=E" "both loaded, tainted"
	"$B/rmmod" omfs crc_itu_t 2> /dev/null
fi
case_end

case_begin 12c "detached_sig require, with the .sig files: the kernel's request loads crc-itu-t and omfs with their signatures" continued
echo "detached_sig require" > /etc/modprobe.d/policy.conf
cp "$C/12/sigs/crc-itu-t.sig" "$kdir/$crc_rel.sig"
cp "$C/12/sigs/omfs.sig" "$kdir/$omfs_rel.sig"
krun mount -t omfs none /tmp/mnt
[ "$rc" != 0 ] || fail "mount exit status 0 without a device"
is "$sys" "$(lines "init_module len=$crc_len = 0" "init_module len=$omfs_len = 0")" \
	"init_module(crc-itu-t image || trailer), then init_module(omfs image || trailer)"
is "$(state omfs):$(state crc_itu_t)" "taint=:taint=" "both loaded, untainted"
echo "$old_modprobe" > /proc/sys/kernel/modprobe
rm -f /etc/modprobe.d/policy.conf
"$B/rmmod" omfs crc_itu_t 2> /dev/null
rm -rf "$kdir"
case_end

# Reaching this line is what E2E-END status=0 tells the host.
exit 0

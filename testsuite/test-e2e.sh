#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# End to end on real signed kernels: Debian's linux-image-6.1.0-N-amd64 (plain
# .ko, RSA) and linux-image-6.12.x+deb12-amd64 (.ko.xz, ECDSA, in-kernel xz),
# each booted twice in qemu (TCG), with module.sig_enforce=1 and without.  Our
# insmod, rmmod and lsmod run in the guest against modules split into an
# unsigned image and a .sig, our depmod and modprobe against a module tree at
# /lib/modules/$(uname -r) (testsuite/e2e/guest.sh has the cases); every case
# of every boot is one test here.  A missing prerequisite skips the test,
# unless CI=true, where it fails.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"
# shellcheck source=testsuite/e2e/host.sh
. "$top_srcdir/testsuite/e2e/host.sh"

t_all=$(e2e_now)
missing=$(e2e_missing)
need_or_skip_all "$missing; install: apt-get install $E2E_PACKAGES" test -z "$missing"
need_or_skip_all "$top_builddir/tools/kmod (build the tools first)" test -x "$top_builddir/tools/kmod"

# Debian's lspci for case 10, unpacked from the archive's packages.
e2e_fetch e2e_pci "Debian's $E2E_PCI_DEBS" e2e_pciutils

e2e_fetch trees "the Debian kernels" e2e_kernels
echo "# kernels ready after $(e2e_elapsed "$t_all") s"

# The cases each boot must report, in order (guest.sh decides what runs where;
# this list is the independent expectation).
expected_ids() { # SERIES MODE
	local ids="1 2"
	[ "$1" = 6.12 ] && ids="$ids 3a 3b 3c"
	[ "$2" = enforce ] && ids="$ids 4a"
	ids="$ids 4b 5a 5b 6 7a 7b"
	[ "$2" = no-enforce ] && ids="$ids 8a 8b 8c"
	ids="$ids 9a 9b 9c 9d 10 11a 11b 11c"
	[ "$2" = no-enforce ] && ids="$ids 11d"
	ids="$ids 12a 12b 12c"
	echo "$ids"
}

console_tail() {
	diag "last lines of the kernel console ($1/console.log):"
	tr -d '\r' < "$1/console.log" 2> /dev/null | tail -n 40 | sed 's/^/  /' | sed 's/^/# /'
}

# report LABEL DIR SERIES MODE KVER: one test for the boot, one per case.
report() {
	local label=$1 dir=$2 series=$3 mode=$4 kver=$5 f=$2/results.txt
	local line cur id failed=0 want_enforce=Y head end
	declare -A st=() desc=() notes=()
	[ "$mode" = no-enforce ] && want_enforce=N

	head=$(grep -m1 '^E2E-BEGIN ' "$f")
	end=$(grep -m1 '^E2E-END ' "$f")
	if [ "$e2e_rc" = 0 ] && [ "$end" = "E2E-END status=0" ] &&
		[[ $head == "E2E-BEGIN kver=$kver enforce=$want_enforce "* ]]; then
		ok "$label: booted, ran the cases and powered off (${head#E2E-BEGIN }, $e2e_secs s)"
	else
		not_ok "$label: boot (qemu exit $e2e_rc after $e2e_secs s; guest said '$head' ... '$end')"
		[ "$e2e_rc" = 124 ] && diag "qemu was killed after ${E2E_TIMEOUT} s"
		sed 's/^/  qemu: /' "$dir/qemu.log" | sed 's/^/# /'
		failed=1
	fi

	cur=
	while IFS= read -r line; do
		if [[ $line =~ ^(ok|not\ ok)\ ([0-9]+[a-z]?)\ -\ (.*)$ ]]; then
			cur=${BASH_REMATCH[2]}
			if [ -n "${st[$cur]+set}" ]; then
				st[$cur]=duplicate
			else
				st[$cur]=${BASH_REMATCH[1]}
			fi
			desc[$cur]=${BASH_REMATCH[3]}
			notes[$cur]=
		elif [[ $line == '#'* && -n $cur ]]; then
			notes[$cur]+=$line$'\n'
		else
			cur=
		fi
	done < "$f"

	for id in $(expected_ids "$series" "$mode"); do
		case ${st[$id]:-missing} in
		ok)
			ok "$label: case $id ${desc[$id]}"
			printf '%s' "${notes[$id]}"
			;;
		missing)
			not_ok "$label: case $id: no result from the guest"
			failed=1
			;;
		duplicate)
			not_ok "$label: case $id ${desc[$id]} (reported more than once)"
			failed=1
			;;
		*)
			not_ok "$label: case $id ${desc[$id]}"
			printf '%s' "${notes[$id]}"
			failed=1
			;;
		esac
		unset "st[$id]"
	done
	for id in "${!st[@]}"; do
		not_ok "$label: case $id reported but not expected on this kernel and mode: ${desc[$id]}"
		failed=1
	done
	[ "$failed" = 0 ] || console_tail "$dir"
}

# fd 3: nothing run in the loop can eat the list
while read -r kver root <&3; do
	[ -n "$kver" ] || continue
	series=$(e2e_series "$kver")
	work=$testdir/$series
	mkdir -p "$work"

	t0=$(e2e_now)
	if vmlinux=$(e2e_vmlinux "$root" "$kver" 2> "$work/vmlinux.err"); then
		ok "$series: vmlinux of $kver for the PVH entry ($(e2e_elapsed "$t0") s)"
	else
		not_ok "$series: extract vmlinux from $root/boot/vmlinuz-$kver"
		sed 's/^/# /' "$work/vmlinux.err"
		continue
	fi

	t0=$(e2e_now)
	if e2e_initramfs "$root" "$kver" "$work/initramfs.cpio" 2> "$work/initramfs.err" &&
		e2e_initramfs "$root" "$kver" "$work/again.cpio" 2>> "$work/initramfs.err"; then
		if cmp -s "$work/initramfs.cpio" "$work/again.cpio"; then
			ok "$series: initramfs, $(stat -c %s "$work/initramfs.cpio") bytes, reproducible (built twice, identical; $(e2e_elapsed "$t0") s)"
		else
			not_ok "$series: initramfs built twice differs"
		fi
		rm -f "$work/again.cpio"
	else
		not_ok "$series: build the initramfs"
		sed 's/^/# /' "$work/initramfs.err"
		continue
	fi

	for mode in enforce no-enforce; do
		dir=$testdir/$series-$mode
		mkdir -p "$dir"
		append=
		[ "$mode" = enforce ] && append=module.sig_enforce=1
		e2e_boot "$vmlinux" "$work/initramfs.cpio" "$append" "$dir"
		report "$series $mode" "$dir" "$series" "$mode" "$kver"
	done
done 3<<< "$trees"

[ "$_tap_n" -gt 0 ] || not_ok "debian-kernels.sh listed no trees"
echo "# total $(e2e_elapsed "$t_all") s"
done_testing

# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# top_srcdir and top_builddir come from the caller; e2e_* results go back to it.
# shellcheck disable=SC2154,SC2034
#
# Host side of the end-to-end test, sourced by testsuite/test-e2e.sh and
# testsuite/e2e/run.sh (needs top_srcdir):
#
#   e2e_missing               the first missing host prerequisite, or nothing
#   e2e_kernels               "<kver> <tree root>" of both Debian kernels
#                             (testsuite/debian-kernels.sh extract; its exit status)
#   e2e_series KVER           6.1 or 6.12
#   e2e_vmlinux ROOT KVER     path of the kernel's vmlinux, extracted once and
#                             cached next to the trees
#   e2e_packages NAME PKG...  a directory holding Debian packages PKG... unpacked
#                             (downloaded once into the cache with apt-get
#                             download; exit 2 when they cannot be had)
#   e2e_pciutils              e2e_packages of Debian's lspci and libpci
#   e2e_initramfs ROOT KVER OUT   the guest's initramfs for that kernel (e2e_pci:
#                             the directory e2e_pciutils gave)
#   e2e_boot VMLINUX INITRD APPEND DIR   one boot under qemu (TCG) with a hard
#                             time limit, an e1000 NIC (no network: a PCI device
#                             with a modular driver for lspci -k); sets e2e_rc (qemu's, 124 on timeout)
#                             and e2e_secs; leaves DIR/console.log (kernel console)
#                             and DIR/results.txt (the guest's ttyS1, \r removed)

E2E_DIR=$top_srcdir/testsuite/e2e
E2E_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/kmod-ds
E2E_TIMEOUT=${KMOD_E2E_TIMEOUT:-120}
# Debian packages that provide what e2e_missing looks for.
E2E_PACKAGES="qemu-system-x86 busybox-static cpio dash xz-utils zstd"
E2E_CMDLINE="console=ttyS0 loglevel=4 panic=-1 oops=panic"
# Downloaded (not installed) for the guest: Debian's lspci, a libkmod consumer.
E2E_PCI_DEBS="pciutils libpci3"

e2e_now() {
	date +%s.%N
}

e2e_elapsed() { # START [END]
	awk -v a="$1" -v b="${2:-$(e2e_now)}" 'BEGIN { printf "%.1f", b - a }'
}

e2e_missing() {
	local cmd bb
	for cmd in qemu-system-x86_64:qemu-system-x86 busybox:busybox-static cpio:cpio \
		dash:dash xz:xz-utils zstd:zstd ldd:libc-bin od:coreutils dd:coreutils \
		timeout:coreutils; do
		if ! command -v "${cmd%%:*}" > /dev/null 2>&1; then
			echo "${cmd%%:*} (Debian package ${cmd#*:})"
			return
		fi
	done
	bb=$(command -v busybox)
	if ldd "$bb" > /dev/null 2>&1; then
		echo "a static busybox ($bb is dynamic: Debian package busybox-static)"
	fi
}

e2e_kernels() {
	bash "$top_srcdir/testsuite/debian-kernels.sh" extract
}

e2e_series() {
	local major minor rest
	IFS=. read -r major minor rest <<< "$1"
	echo "$major.$minor"
}

e2e_vmlinux() {
	local vmlinuz=$1/boot/vmlinuz-$2 out=$E2E_CACHE/vmlinux/$2.vmlinux sum
	[[ -f $vmlinuz ]] || {
		echo "e2e: $vmlinuz: no such file" >&2
		return 1
	}
	# The stamp names the vmlinuz it came from: a rebuilt package of the same
	# ABI name gets a fresh extraction.
	sum=$(sha256sum < "$vmlinuz" | cut -d' ' -f1)
	if [[ -f $out && -f $out.src && $(< "$out.src") == "$sum" ]]; then
		echo "$out"
		return
	fi
	mkdir -p "${out%/*}"
	bash "$E2E_DIR/extract-vmlinux.sh" "$vmlinuz" "$out" || return 1
	echo "$sum" > "$out.src.$$" && mv -f "$out.src.$$" "$out.src"
	echo "$out"
}

# The newest cached .deb of package $1, if any.
# e2e_fetch VAR WHAT CMD...: VAR=$(CMD) for a test; when CMD fails its
# messages become diagnostics and the test ends: skipped when CMD exits 2
# (unavailable here), failed otherwise.
e2e_fetch() {
	local _var=$1 _what=$2 _out _rc _why
	shift 2
	_out=$("$@" 2> "$testdir/fetch.err")
	_rc=$?
	if [[ $_rc != 0 ]]; then
		sed 's/^/# /' "$testdir/fetch.err"
		_why=$(tail -n1 "$testdir/fetch.err")
		need_or_skip_all "$_what: ${_why#debian-kernels.sh: }" test "$_rc" != 2
		not_ok "fetch and unpack $_what (exit $_rc)"
		done_testing
	fi
	printf -v "$_var" '%s' "$_out"
}

e2e_cached_deb() {
	find "$E2E_CACHE/debs" -maxdepth 1 -name "${1}_*.deb" 2> /dev/null | sort -V | tail -n1
}

e2e_packages() {
	local name=$1 pkg deb debs=() tmp root=$E2E_CACHE/roots/$1 stamp=
	shift
	mkdir -p "$E2E_CACHE/debs" "$E2E_CACHE/roots" || return 1
	for pkg in "$@"; do
		deb=$(e2e_cached_deb "$pkg")
		if [[ -z $deb ]] || ! dpkg-deb -I "$deb" > /dev/null 2>&1; then
			tmp=$(mktemp -d "$E2E_CACHE/debs/.download.XXXXXX") || return 1
			if ! (cd "$tmp" && apt-get download -q "$pkg" > "$tmp/.log" 2>&1); then
				echo "e2e: apt-get download $pkg failed:" >&2
				grep -E '^(E|Err):' "$tmp/.log" | head -n2 >&2
				rm -rf "$tmp"
				return 2
			fi
			deb=$(find "$tmp" -maxdepth 1 -name "${pkg}_*.deb" -print -quit)
			if [[ -z $deb ]] || ! dpkg-deb -I "$deb" > /dev/null 2>&1; then
				echo "e2e: apt-get download $pkg gave no valid .deb" >&2
				rm -rf "$tmp"
				return 2
			fi
			mv -f "$deb" "$E2E_CACHE/debs/" && rm -rf "$tmp"
			deb=$E2E_CACHE/debs/${deb##*/}
		fi
		debs+=("$deb")
		stamp+="${deb##*/} "
	done
	if [[ -f $root/.kmod-ds-extracted && $(< "$root/.kmod-ds-extracted") == "$stamp" ]]; then
		echo "$root"
		return
	fi
	tmp=$(mktemp -d "$E2E_CACHE/roots/.extract.XXXXXX") || return 1
	for deb in "${debs[@]}"; do
		dpkg-deb -x "$deb" "$tmp" || {
			rm -rf "$tmp"
			echo "e2e: dpkg-deb -x $deb failed" >&2
			return 1
		}
	done
	echo "$stamp" > "$tmp/.kmod-ds-extracted"
	rm -rf "$root"
	mv -T "$tmp" "$root" || {
		rm -rf "$tmp"
		return 1
	}
	echo "$root"
}

e2e_pciutils() {
	# shellcheck disable=SC2086 # a list of package names
	e2e_packages pciutils $E2E_PCI_DEBS
}

# Our libkmod.so.2 (Debian's lspci in the guest links it) and the unpacked
# pciutils come along when e2e_pci names their directory.
e2e_initramfs() {
	bash "$E2E_DIR/mkinitramfs.sh" "$1" "$2" "$top_builddir/tools/kmod" "$3" \
		"$top_builddir/libkmod/.libs/libkmod.so.2" "${e2e_pci:?}"
}

e2e_boot() {
	local vmlinux=$1 initrd=$2 append=$3 dir=$4 t0
	rm -f "$dir/console.log" "$dir/results.log" "$dir/results.txt"
	t0=$(e2e_now)
	timeout -k 5 "$E2E_TIMEOUT" qemu-system-x86_64 -nodefaults -no-user-config -display none \
		-no-reboot -accel tcg -m 512 -smp 1 -kernel "$vmlinux" -initrd "$initrd" \
		-device e1000 \
		-append "$E2E_CMDLINE $append" \
		-serial "file:$dir/console.log" -serial "file:$dir/results.log" \
		< /dev/null > "$dir/qemu.log" 2>&1
	e2e_rc=$?
	e2e_secs=$(e2e_elapsed "$t0")
	tr -d '\r' < "$dir/results.log" > "$dir/results.txt" 2> /dev/null || : > "$dir/results.txt"
	return 0
}

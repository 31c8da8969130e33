#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# kmod-ds as a Debian system's kmod, on Debian 12 (bookworm, signed 6.1
# kernel) and Debian 13 (trixie, signed 6.12 kernel), the two releases side
# by side (each in a subshell of its own; their results are printed in
# order at the end):
#
# 1. debian/ builds kmod, libkmod2 and libkmod-dev with dpkg-buildpackage
#    (Debian 12: here; Debian 13: in a trixie build root) and lintian finds no
#    error.  The release's signed kernel is split by contrib/kmod-sigpkg into
#    its image with unsigned modules and the -modsigs package meanwhile.
# 2. In a debootstrapped root of the release: `apt install ./*.deb` replaces
#    Debian's packages; then the kernel and its -modsigs package, whose
#    postinst makes the initramfs with the root's own update-initramfs and our
#    hooks (its log must be clean, the image must hold our libkmod and the
#    .sig of each of its modules and no other .sig); the
#    initramfs without the -modsigs package; back to Debian's kmod and
#    libkmod2 (their trigger makes the initramfs with Debian's kmod).  A disk
#    of the root with our packages, one with Debian's.
# 3. qemu (TCG) boots our disk and initramfs with module.sig_enforce=1;
#    kmodds-report.service (testsuite/debian-boot/report) checks the system
#    from inside and sends one TAP line per check over the second serial port
#    between markers.
# 4. Controls: without the .sig files in the initramfs, and Debian's kmod in
#    the initramfs and the root, the kernel refuses the unsigned modules and
#    the initramfs waits for a root device that never comes (qemu is stopped
#    there; these two boot while the system of 3 does); our initramfs with
#    Debian's kmod in the root comes up, and the checks of what our libkmod
#    does fail.
#
# Root filesystems are cached tarballs (testsuite/debian-rootfs.sh), split
# kernels cached too, shared with test-sigpkg.sh (testsuite/sigpkg-split.sh);
# needs root, debootstrap, dpkg-dev, debhelper, lintian,
# qemu-system-x86, zstd and e2fsprogs, else the test skips (fails when
# CI=true).  KMOD_DEBIAN_RELEASES (default "bookworm trixie") picks the
# releases, KMOD_DEBIAN_PARALLEL=0 runs them one after the other.  The cost
# of each phase (wall and CPU time) is printed at the end: about 430 s of
# CPU with a warm cache, 850 s when the roots and the kernels' splits are
# made (the 6.12 split alone 215 s under load, in the background; in make
# check, test-sigpkg.sh has usually made it by the time it is needed).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"
# shellcheck source=testsuite/e2e/host.sh
. "$top_srcdir/testsuite/e2e/host.sh"

BOOT_TIMEOUT=${KMOD_DEBIAN_BOOT_TIMEOUT:-600}
CONTROL_TIMEOUT=${KMOD_DEBIAN_CONTROL_TIMEOUT:-300}
DEB_VERSION=$(dpkg-parsechangelog -l "$top_srcdir/debian/changelog" -S Version 2> /dev/null)
# The emulated devices' drivers (all modules in Debian's kernels), and what
# /etc/modules-load.d lists.
EXPECT_MODULES="virtio_blk e1000 virtio_net virtio_rng ahci ehci_pci xhci_pci usbhid usb_storage snd_hda_intel"
LOAD_MODULES="dummy omfs crc_itu_t"
# The kernel refusing a module, and initramfs-tools waiting for a root device
# that udev did not bring (or giving up on it).
REFUSED='Loading of unsigned module is rejected|Key was rejected by service'
NO_ROOT='Waiting for root file system|Gave up waiting for root'

need_or_skip_all "root (chroot, debootstrap, mkfs)" test "$(id -u)" = 0
for c in debootstrap:debootstrap dpkg-buildpackage:dpkg-dev dh:debhelper lintian:lintian \
	mkfs.ext4:e2fsprogs zstd:zstd qemu-system-x86_64:qemu-system-x86 git:git; do
	need_or_skip_all "${c%%:*} (apt-get install ${c#*:})" command -v "${c%%:*}"
done
need_or_skip_all "dpkg-parsechangelog of debian/changelog" test -n "$DEB_VERSION"
t_all=$(e2e_now)

# ---- cost of each phase ---------------------------------------------------------

# "phase NAME" ends the phase before it (a line in $PHASES: name, wall
# seconds, CPU seconds) and starts NAME; "phase" alone ends it.  CPU is user +
# system time of this (sub)shell and of every process it has waited for
# (/proc/$BASHPID/stat), which a loaded machine inflates far less than wall.
# The kernel's split runs in the background and has a line of its own: once
# bash has reaped it (whenever it ends), its CPU time is taken out.
TICK=$(getconf CLK_TCK)
_ph='' _ph_t0='' _ph_c0=0 _ticks=0 split_pid='' split_cpu=''
cpu_ticks() {
	local -a f
	read -r -a f < "/proc/$BASHPID/stat"
	_ticks=$((f[13] + f[14] + f[15] + f[16]))
	if [ -n "$split_cpu" ] && [ -s "$split_cpu" ] && ! kill -0 "$split_pid" 2> /dev/null; then
		_ticks=$((_ticks - $(< "$split_cpu")))
	fi
}
secs() { # TICKS
	awk -v c="$1" -v h="$TICK" 'BEGIN { printf "%.1f", c / h }'
}
phase() {
	local t
	t=$(e2e_now)
	cpu_ticks
	[ -z "$_ph" ] ||
		printf '%s\t%s\t%s\n' "$_ph" "$(e2e_elapsed "$_ph_t0" "$t")" "$(secs $((_ticks - _ph_c0)))" \
			>> "$PHASES"
	_ph=${1:-} _ph_t0=$t _ph_c0=$_ticks
}

# ---- helpers ----------------------------------------------------------------------

MOUNTS=()
cleanup_mounts() {
	local m
	for m in "${MOUNTS[@]}"; do umount -l "$m" 2> /dev/null; done
	MOUNTS=()
}

# in_root ROOT CMD...: CMD in the chroot with /proc mounted for it alone.
in_root() {
	local root=$1
	shift
	mount -t proc proc "$root/proc" && MOUNTS+=("$root/proc")
	DEBIAN_FRONTEND=noninteractive chroot "$root" "$@"
	local rc=$?
	cleanup_mounts
	return $rc
}

# step DESC LOG CMD...: one test for CMD, its log's tail as diagnostics on failure.
step() {
	local desc=$1 log=$2 t0 rc
	shift 2
	t0=$(e2e_now)
	"$@" > "$log" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		ok "$desc ($(e2e_elapsed "$t0") s)"
	else
		not_ok "$desc (exit $rc)"
		tail -n 25 "$log" | sed 's/^/# /'
	fi
	return $rc
}

unpack_root() { # TARBALL DIR
	rm -rf "$2" && mkdir -p "$2" && zstd -dcq "$1" | tar -x --numeric-owner -C "$2"
}

# The sources, as git tracks them (no build outputs).
copy_source() {
	mkdir -p "$1" && git -C "$top_srcdir" ls-files -z | (cd "$top_srcdir" && xargs -0 cp -a --parents -t "$1")
}

build_here() { # OUTDIR
	copy_source "$1/kmod-ds" && (cd "$1/kmod-ds" && DEB_BUILD_OPTIONS=parallel=2 dpkg-buildpackage -b -us -uc)
}

build_in_root() { # ROOT
	copy_source "$1/build/kmod-ds" &&
		in_root "$1" sh -c 'cd /build/kmod-ds && DEB_BUILD_OPTIONS=parallel=2 dpkg-buildpackage -b -us -uc'
}

lintian_errors() { # CHANGES [ROOT]
	if [ -n "${2:-}" ]; then
		in_root "$2" sh -c "lintian --fail-on error /build/${1##*/}"
	else
		lintian --fail-on error "$1"
	fi
}

# is our libkmod the one at ROOT's multiarch path? (by content)
lib_is_ours() {
	grep -q -a KMOD_DS_1 "$1/usr/lib/x86_64-linux-gnu/libkmod.so.2"
}

versions() { # ROOT: "kmod=V libkmod-dev=V libkmod2=V" of those installed
	chroot "$1" dpkg-query -W -f '${db:Status-Abbrev}${Package}=${Version}\n' kmod libkmod2 libkmod-dev \
		2> /dev/null | sed -n 's/^ii *//p' | sort | tr '\n' ' ' | sed 's/ $//'
}

# qemu_boot DIR VMLINUX INITRD DISK TIMEOUT APPEND [ERE...]: one boot; sets
# boot_rc, boot_secs and boot_stopped, leaves DIR/console.log and
# DIR/report.txt (ttyS1, \r removed).  With EREs qemu is stopped as soon as
# the console has shown a line matching each of them.
qemu_boot() {
	local dir=$1 t0 pid re all
	mkdir -p "$dir"
	rm -f "$dir"/console.log "$dir"/report.log
	truncate -s 16M "$dir/sata.img"
	truncate -s 16M "$dir/usb.img"
	t0=$(e2e_now)
	timeout -k 5 "$5" qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot \
		-machine q35 -cpu max -smp 1 -m 1024 -accel tcg \
		-kernel "$2" -initrd "$3" -append "$6" \
		-drive "file=$4,if=none,id=root,format=raw,snapshot=on" -device virtio-blk-pci,drive=root \
		-device e1000 -device virtio-net-pci -device virtio-rng-pci \
		-drive "file=$dir/sata.img,if=none,id=sata,format=raw" -device ide-hd,drive=sata,bus=ide.0 \
		-device qemu-xhci -device usb-kbd -device usb-tablet \
		-device usb-ehci,id=ehci -drive "file=$dir/usb.img,if=none,id=usbd,format=raw" \
		-device usb-storage,bus=ehci.0,drive=usbd \
		-audiodev none,id=snd0 -device intel-hda -device hda-duplex,audiodev=snd0 \
		-serial "file:$dir/console.log" -serial "file:$dir/report.log" \
		< /dev/null > "$dir/qemu.log" 2>&1 &
	pid=$!
	boot_stopped=
	if [ $# -gt 6 ]; then
		while kill -0 "$pid" 2> /dev/null; do
			sleep 0.5
			all=yes
			for re in "${@:7}"; do
				tr -d '\r' < "$dir/console.log" 2> /dev/null | grep -a -q -E "$re" || all=
			done
			if [ -n "$all" ]; then
				boot_stopped=yes
				kill "$pid" 2> /dev/null
				break
			fi
		done
	fi
	wait "$pid"
	boot_rc=$?
	boot_secs=$(e2e_elapsed "$t0")
	tr -d '\r' < "$dir/report.log" > "$dir/report.txt" 2> /dev/null || : > "$dir/report.txt"
	rm -f "$dir/sata.img" "$dir/usb.img"
}

# boot DIR VMLINUX INITRD DISK TIMEOUT APPEND [ERE...]: qemu_boot, once more
# when the kernel died before /init (it happened under TCG with 6.12 and
# -smp 2).  One processor: a boot of Debian 12 (13) under a load of 8 took
# 53 s (66 s) of CPU time instead of 67 s (83 s) with -smp 2, and no longer.
boot() {
	qemu_boot "$@"
	if ! grep -q '^KMODDS-BEGIN' "$1/report.txt" && ! grep -a -q 'Loading, please wait' "$1/console.log"; then
		diag "$1: the kernel died before /init (TCG); booting once more"
		qemu_boot "$@"
	fi
}

console_tail() {
	tr -d '\r' < "$1/console.log" 2> /dev/null | grep -a -v '^\s*$' | tail -n "${2:-25}" | sed 's/^/#   /'
}

# The report's checks, "N ok|fail" a line.
report_results() {
	sed -n '/^KMODDS-BEGIN /,/^KMODDS-END /{ s/^ok \([0-9]*\) - .*/\1 ok/p; s/^not ok \([0-9]*\) - .*/\1 fail/p; }' "$1/report.txt"
}

# The boot's report: one test per check the guest made (10 expected).
report() { # LABEL DIR KVER
	local label=$1 dir=$2 kver=$3 head end line n=0
	head=$(grep -m1 '^KMODDS-BEGIN ' "$dir/report.txt")
	end=$(grep -m1 '^KMODDS-END ' "$dir/report.txt")
	if [ -n "$end" ] && [[ $head == *"kernel=$kver enforce=Y" ]]; then
		ok "$label: booted to the report and powered off (${head#KMODDS-BEGIN }, qemu $boot_secs s, exit $boot_rc)"
	else
		not_ok "$label: boot (qemu exit $boot_rc after $boot_secs s; guest said '${head:-nothing}' ... '${end:-no END marker}')"
		console_tail "$dir" 40
	fi
	while IFS= read -r line; do
		case $line in
		"ok "*)
			n=$((n + 1))
			ok "$label: ${line#ok * - }"
			;;
		"not ok "*)
			n=$((n + 1))
			not_ok "$label: ${line#not ok * - }"
			;;
		"#"*) echo "$line" | sed 's/^#/#  /' ;;
		esac
	done < <(sed -n '/^KMODDS-BEGIN /,/^KMODDS-END /p' "$dir/report.txt")
	is "$n ${end#KMODDS-END }" "10 checks=10" "$label: the guest made all 10 checks"
}

# A control that fails in the initramfs: the kernel refused the unsigned
# modules and the initramfs, udev's devices handled, found no root device
# (qemu stopped there), or gave up on it; the guest never reported.
control() { # LABEL DIR
	local label=$1 dir=$2 why root
	why=$(tr -d '\r' < "$dir/console.log" | grep -a -m1 -o -E "$REFUSED")
	root=$(tr -d '\r' < "$dir/console.log" | grep -a -m1 -o -E "$NO_ROOT")
	if ! grep -q '^KMODDS-' "$dir/report.txt" && [ -n "$why" ] && [ -n "$root" ]; then
		ok "$label: fails as it must: the kernel said '$why', the initramfs: '$root' (${boot_stopped:+stopped there, }qemu $boot_secs s)"
	else
		not_ok "$label: must fail (report: '$(head -c 200 "$dir/report.txt" | tr '\n' ' ')'; refusal seen: '${why:-none}'; '${root:-no wait for the root}')"
		console_tail "$dir" 20
	fi
}

# Our initramfs, Debian's kmod in the root: the system comes up (our
# initramfs loads what mounts the root), and the checks of what our libkmod
# does must fail: 3 systemd-modules-load, 4 udevd's libkmod, 5
# systemd-modules-load's libkmod, 6 kernel.modprobe, 7 and 8 request_module,
# 9 the kernel log.
MUST_FAIL="3 4 5 6 7 8 9"
control_root() { # LABEL DIR KVER
	local label=$1 dir=$2 kver=$3 head end failed n c want=
	head=$(grep -m1 '^KMODDS-BEGIN ' "$dir/report.txt")
	end=$(grep -m1 '^KMODDS-END ' "$dir/report.txt")
	failed=$(report_results "$dir" | awk '$2 == "fail" { print $1 }' | tr '\n' ' ')
	n=$(report_results "$dir" | wc -l)
	for c in $MUST_FAIL; do
		case " $failed" in *" $c "*) ;; *) want+=" $c" ;; esac
	done
	if [ -n "$end" ] && [[ $head == *"kernel=$kver enforce=Y" ]] && [ "$n" = 10 ] && [ -z "$want" ]; then
		ok "$label: comes up, and the checks of our libkmod fail as they must (failed: ${failed% }; qemu $boot_secs s)"
	else
		not_ok "$label: checks $MUST_FAIL must fail (failed: '${failed% }'${want:+, passed:$want}; $n checks; '${head:-no report}' ... '${end:-no END marker}')"
		console_tail "$dir" 20
	fi
	grep -a '^not ok' "$dir/report.txt" | sed 's/^/#   guest: /'
}

# initrd_info INITRD ROOT: "SIGS MODULES LIBKMOD NOSIG STRAY CRYPTO" of the
# initramfs INITRD, unpacked by the unmkinitramfs of ROOT (the archives of
# initramfs-tools 0.146 and later, early* and main, as one tree): its
# module .sig files (module.ko.sig next to the modules our hook decompresses
# for initramfs-tools 0.140 to 0.145, module.ko.xz.sig next to those 0.146
# and later keep compressed), its modules, whose libkmod it carries
# (ours|debian), its modules without their .sig, its .sig files without
# their module, whether it holds a libcrypto (yes|no).
initrd_info() {
	local d=$2/tmp/initrd-x lib
	rm -rf "$d" && mkdir -p "$d" && cp "$1" "$2/tmp/initrd.img" &&
		chroot "$2" unmkinitramfs /tmp/initrd.img /tmp/initrd-x > /dev/null 2>&1 || return 1
	lib=$(find "$d" -name 'libkmod.so.2*' -type f | head -n1)
	(cd "$d" && find . \( -type f -o -type l \) | sed -E 's#^\./(early[0-9]*|main)/#./#') |
		awk -v lib="$( [ -n "$lib" ] && grep -q -a KMOD_DS_1 "$lib" && echo ours || echo debian)" '
		{ f[$0] = 1 }
		END {
			crypto = "no"
			for (p in f) {
				if (p ~ /\.ko(\.xz|\.zst|\.gz)?\.sig$/) sigs++
				if (p ~ /\.ko(\.xz|\.zst|\.gz)?$/) { mods++; if (!((p ".sig") in f)) nosig++ }
				if (p ~ /\.sig$/ && !(substr(p, 1, length(p) - 4) in f)) stray++
				if (p ~ /\/libcrypto\.so/) crypto = "yes"
			}
			print sigs + 0, mods + 0, lib, nosig + 0, stray + 0, crypto
		}'
	rm -rf "$d" "$2/tmp/initrd.img"
}

# How many modules under DIR still end in a signature: every plain .ko, or
# 200 of the .ko.xz (decompressing all of them takes minutes).
signed_count() {
	{
		find "$1" -name '*.ko' -print0 | xargs -0 -r -n 256 tail -q -c 28
		find "$1" -name '*.ko.xz' | sort | awk 'NR % 20 == 1' | head -n 200 |
			while read -r m; do xz -dc "$m" | tail -c 28; echo; done
	} | grep -c -a 'Module signature appended'
}

# split_kernel DEB W: the image .deb with unsigned modules and the -modsigs
# .deb kmod-sigpkg makes of DEB, in the directory written to W/split.dir;
# W/split.msg says how it went, W/split.cpu its CPU time in ticks.  Splitting
# Debian 13's 6.12 recompresses 4,230 modules (minutes of xz): the split is
# made once for test-sigpkg.sh (which checks it) and this test, and kept in
# the cache (testsuite/sigpkg-split.sh).  Run in the background, while the
# root is made.
split_kernel() {
	local deb=$1 w=$2 t0 sdir rc=0
	t0=$(e2e_now)
	if sdir=$(bash "$top_srcdir/testsuite/sigpkg-split.sh" "$deb" 2> "$w/split.log"); then
		echo "($(tail -n 1 "$w/split.log"), $(e2e_elapsed "$t0") s here)" > "$w/split.msg"
	else
		rc=1
	fi
	echo "$sdir" > "$w/split.dir"
	split_cpu=
	cpu_ticks
	echo "$_ticks" > "$w/split.cpu.tmp" && mv "$w/split.cpu.tmp" "$w/split.cpu"
	printf '%s\t%s\t%s\n' "split (in the background)" "$(e2e_elapsed "$t0")" "$(secs "$_ticks")" \
		> "$w/split.phase"
	return $rc
}

# The test's configuration of the system, and its report service.
configure_root() { # ROOT UUID
	local root=$1
	echo "UUID=$2 / ext4 errors=remount-ro 0 1" > "$root/etc/fstab"
	echo kmodds > "$root/etc/hostname"
	printf 'EXPECT_MODULES="%s"\nLOAD_MODULES="%s"\n' "$EXPECT_MODULES" "$LOAD_MODULES" \
		> "$root/etc/kmodds-test.conf"
	echo "$LOAD_MODULES" | tr ' ' '\n' | grep -v crc_itu_t > "$root/etc/modules-load.d/kmodds-test.conf"
	install -m 755 "$top_srcdir/testsuite/debian-boot/report" "$root/usr/local/sbin/kmodds-report"
	cat > "$root/etc/systemd/system/kmodds-report.service" <<- 'EOF'
		[Unit]
		Description=kmod-ds whole-system checks, reported on ttyS1
		After=multi-user.target

		[Service]
		Type=oneshot
		ExecStart=/usr/local/sbin/kmodds-report
		StandardOutput=journal+console

		[Install]
		WantedBy=multi-user.target
	EOF
	mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
	ln -sf ../kmodds-report.service "$root/etc/systemd/system/multi-user.target.wants/"
}

# mkdisk ROOT UUID IMAGE LABEL: an ext4 image of ROOT (without /tmp/debs).
mkdisk() {
	local root=$1 size
	mv "$root/tmp/debs" "$root.debs" &&
		size=$(($(du -sm "$root" | cut -f1) * 5 / 4 + 256)) &&
		step "$4: mkfs.ext4 -d of the root (${size} MiB)" "$3.log" \
			mkfs.ext4 -q -F -U "$2" -L kmodds -d "$root" "$3" "${size}M"
	local rc=$?
	mv "$root.debs" "$root/tmp/debs"
	return $rc
}

# ---- one release --------------------------------------------------------------------

release() { # SUITE
	local suite=$1 w=$testdir/$1 tag root boot_tar build_tar kdeb kver kpkg sdir
	local uuid cmdline vmlinux debian_v info nmod nsig nsigned t
	root=$w/root
	mkdir -p "$w/pkgs"
	PHASES=$w/phases
	case $suite in bookworm) tag=12 ;; trixie) tag=13 ;; esac
	# On the way out (done, or TERM from stop_releases): no mount left, and
	# no split, control subshell or qemu (timeout passes TERM on) running.
	# shellcheck disable=SC2046
	trap 'cleanup_mounts; kill $(jobs -p) 2> /dev/null' EXIT

	# The kernel first: its split runs in the background.
	phase "kernel .deb"
	if [ "$suite" = bookworm ]; then
		kdeb=$(bash "$top_srcdir/testsuite/debian-kernels.sh" fetch 2> "$w/kernel.err" |
			awk '$1 ~ /^linux-image-6\.1\.0-/ { print $2 }')
	else
		kdeb=$(bash "$top_srcdir/testsuite/debian-rootfs.sh" "$suite" kernel 2> "$w/kernel.err")
	fi
	if [ ! -f "$kdeb" ]; then
		not_ok "Debian $tag: its signed kernel package"
		sed 's/^/# /' "$w/kernel.err"
		return
	fi
	kpkg=$(dpkg-deb -f "$kdeb" Package)
	kver=${kpkg#linux-image-}
	split_kernel "$kdeb" "$w" > /dev/null 2>&1 &
	split_pid=$! split_cpu=$w/split.cpu

	phase "root (debootstrap)"
	boot_tar=$(bash "$top_srcdir/testsuite/debian-rootfs.sh" "$suite" boot 2> "$w/rootfs.err") || {
		not_ok "Debian $tag: debootstrapped root (cached tarball)"
		sed 's/^/# /' "$w/rootfs.err"
		return
	}
	diag "Debian $tag: root $(basename "$boot_tar"), kernel $(basename "$kdeb") ready after $(e2e_elapsed "$t_all") s"

	# 1. Our packages for this release.
	if [ "$suite" = bookworm ]; then
		phase "build + lintian"
		step "Debian $tag: dpkg-buildpackage -b -us -uc builds kmod, libkmod2, libkmod-dev $DEB_VERSION" \
			"$w/build.log" build_here "$w/build" || return
		cp "$w/build"/*.deb "$w/build"/*.changes "$w/pkgs/"
		step "Debian $tag: lintian reports no error" "$w/lintian.log" \
			lintian_errors "$w/build/kmod-ds_${DEB_VERSION}_amd64.changes" || true
	else
		phase "build root"
		build_tar=$(bash "$top_srcdir/testsuite/debian-rootfs.sh" "$suite" build 2> "$w/rootfs.err") || {
			not_ok "Debian $tag: build root (cached tarball)"
			sed 's/^/# /' "$w/rootfs.err"
			return
		}
		phase "build + lintian"
		unpack_root "$build_tar" "$w/build-root"
		step "Debian $tag: dpkg-buildpackage -b -us -uc builds kmod, libkmod2, libkmod-dev $DEB_VERSION (in a trixie root)" \
			"$w/build.log" build_in_root "$w/build-root" || return
		cp "$w/build-root/build"/*.deb "$w/build-root/build"/*.changes "$w/pkgs/"
		step "Debian $tag: lintian reports no error" "$w/lintian.log" \
			lintian_errors "kmod-ds_${DEB_VERSION}_amd64.changes" "$w/build-root" || true
		rm -rf "$w/build-root"
	fi
	grep -E '^[EW]: ' "$w/lintian.log" | sort | uniq -c | sed 's/^/# lintian: /'
	rm -f "$w/pkgs"/*-dbgsym_*.deb

	# 2. Our packages instead of Debian's.
	phase "install ours"
	unpack_root "$boot_tar" "$root" || {
		not_ok "Debian $tag: unpack the root"
		return
	}
	mkdir -p "$root/tmp/debs"
	cp "$w/pkgs"/*.deb "$root/tmp/debs/"
	debian_v=$(versions "$root")
	step "Debian $tag: apt install ./kmod ./libkmod2 ./libkmod-dev replaces Debian's ($debian_v)" \
		"$w/install.log" in_root "$root" sh -c 'cd /tmp/debs && apt-get install -y ./kmod_*.deb ./libkmod2_*.deb ./libkmod-dev_*.deb'
	is "$(versions "$root") ours=$(lib_is_ours "$root" && echo yes)" \
		"kmod=$DEB_VERSION libkmod-dev=$DEB_VERSION libkmod2=$DEB_VERSION ours=yes" \
		"Debian $tag: dpkg has our three packages, and the multiarch libkmod.so.2 is ours"

	# The kernel, split by our tool: its postinst makes the initramfs.
	phase "split (wait)"
	wait "$split_pid"
	t=$?
	cat "$w/split.phase" >> "$PHASES" 2> /dev/null
	sdir=$(cat "$w/split.dir" 2> /dev/null)
	if [ "$t" = 0 ]; then
		ok "Debian $tag: kmod-sigpkg split $(basename "$kdeb") $(cat "$w/split.msg")"
	else
		not_ok "Debian $tag: kmod-sigpkg split $(basename "$kdeb")"
		sed 's/^/# /' "$w/split.log"
		return
	fi
	phase "kernel, initramfs"
	cp "$sdir"/*.deb "$root/tmp/debs/"
	step "Debian $tag: apt install $kpkg with unsigned modules and $kpkg-modsigs (postinst: update-initramfs)" \
		"$w/kernel.log" in_root "$root" sh -c "cd /tmp/debs && apt-get install -y --no-install-recommends \
			./${kpkg}_*.deb ./${kpkg}-modsigs_*.deb" || return
	nmod=$(find "$root/lib/modules/$kver/" -name '*.ko*' ! -name '*.sig' | wc -l)
	nsig=$(find "$root/lib/modules/$kver/" -name '*.ko*.sig' | wc -l)
	nsigned=$(signed_count "$root/lib/modules/$kver/")
	is "$nsigned $nsig" "0 $nmod" \
		"Debian $tag: $nmod modules on disk, each with its .sig, none signed (all .ko, or 200 .ko.xz, looked at)"
	# (apt's "E: Can not write log (Is /dev/pts mounted?)" is apt's, in the chroot)
	is "$(grep -c 'update-initramfs: Generating' "$w/kernel.log") $(grep -E 'dracut-install|libkmod|kmod-detached-sig|^[EW]: ' "$w/kernel.log" |
		grep -v -c 'Can not write log')" \
		"1 0" "Debian $tag: update-initramfs ran once, its log is clean (no dracut-install, libkmod or hook message, no error or warning)"
	grep -E 'dracut-install|libkmod|kmod-detached-sig|^[EW]: ' "$w/kernel.log" | grep -v 'Can not write log' |
		sort | uniq -c | sort -rn | head -n 5 | sed 's/^/#   /'
	cp "$root/boot/initrd.img-$kver" "$w/initrd.good"
	# (Debian 13's udev brings libcrypto: libsystemd-shared links it.)
	info=$(initrd_info "$w/initrd.good" "$root")
	like "$info" '^([1-9][0-9]*) \1 ours 0 0 (yes|no)$' \
		"Debian $tag: the initramfs holds our libkmod, each of its modules with its .sig, no .sig without its module (.sig files, modules, libkmod, modules without .sig, .sig without module, libcrypto: $info)"

	phase "disk, controls' initramfs"
	uuid=$(cat /proc/sys/kernel/random/uuid)
	configure_root "$root" "$uuid"
	mkdisk "$root" "$uuid" "$w/disk.img" "Debian $tag" || return
	# Without the signatures; then Debian's kmod and libkmod2 again (their
	# trigger runs update-initramfs), the signatures installed.
	step "Debian $tag control: dpkg -r $kpkg-modsigs, update-initramfs -u" "$w/nosig.log" \
		in_root "$root" sh -c "dpkg -r $kpkg-modsigs && update-initramfs -u -k $kver"
	cp "$root/boot/initrd.img-$kver" "$w/initrd.nosig"
	step "Debian $tag: back to Debian's kmod and libkmod2 (apt install --allow-downgrades, libkmod-dev purged), $kpkg-modsigs again" \
		"$w/back.log" in_root "$root" sh -c "apt-get purge -y libkmod-dev &&
			apt-get install -y --allow-downgrades /var/cache/apt/archives/kmod_*.deb /var/cache/apt/archives/libkmod2_*.deb \
				./tmp/debs/${kpkg}-modsigs_*.deb &&
			dpkg --audit && dpkg --verify kmod libkmod2"
	is "$(versions "$root") ours=$(lib_is_ours "$root" && echo yes) $(ls "$root"/usr/share/initramfs-tools/hooks/kmod-detached-sig "$root"/*bin/kmod-sigpkg "$root"/usr/*bin/kmod-sigpkg 2> /dev/null)" \
		"$debian_v ours= " \
		"Debian $tag: Debian's versions again, the library is Debian's, no file of ours left"
	cp "$root/boot/initrd.img-$kver" "$w/initrd.debian"
	# Debian's image is not what our hook makes: Debian's libkmod, modules
	# without their .sig.  (Debian 13's dracut-install copies the .sig files
	# of the directories it walks as if they were modules: 422 of 6.12's.)
	info=$(initrd_info "$w/initrd.debian" "$root")
	is "$(initrd_info "$w/initrd.nosig" "$root" | cut -d' ' -f1,3) | $(echo "$info" |
		awk '{ print $3, ($4 > 0 ? "modules without .sig" : "each module with its .sig") }')" \
		"0 ours | debian modules without .sig" \
		"Debian $tag controls' initramfs: ours without .sig files; Debian's libkmod, modules without .sig (.sig files, modules, libkmod, modules without .sig: $(echo "$info" | cut -d' ' -f1-4))"
	mkdisk "$root" "$uuid" "$w/disk-debian.img" "Debian $tag, Debian's kmod" || return
	vmlinux=$(e2e_vmlinux "$root" "$kver" 2> "$w/vmlinux.err") || {
		not_ok "Debian $tag: vmlinux of $kver"
		sed 's/^/# /' "$w/vmlinux.err"
		return
	}
	rm -rf "$root"

	# 3. The boot, and meanwhile (little CPU: they wait in the initramfs) the
	# two controls that fail there; their results come after the boot's.
	phase "boot, controls in the initramfs"
	cmdline="root=UUID=$uuid ro console=ttyS0 loglevel=6 module.sig_enforce=1 panic=5 rootdelay=20"
	(
		# shellcheck disable=SC2046
		trap 'kill $(jobs -p) 2> /dev/null; exit 143' TERM
		boot "$w/nosig" "$vmlinux" "$w/initrd.nosig" "$w/disk.img" "$CONTROL_TIMEOUT" "$cmdline" \
			"$REFUSED" "$NO_ROOT"
		control "Debian $tag control without .sig files" "$w/nosig"
		boot "$w/debian" "$vmlinux" "$w/initrd.debian" "$w/disk-debian.img" "$CONTROL_TIMEOUT" "$cmdline" \
			"$REFUSED" "$NO_ROOT"
		control "Debian $tag control with Debian's kmod and libkmod2" "$w/debian"
	) > "$w/controls.tap" 2>&1 &
	t=$!
	boot "$w/boot" "$vmlinux" "$w/initrd.good" "$w/disk.img" "$BOOT_TIMEOUT" "$cmdline"
	report "Debian $tag ($kver)" "$w/boot" "$kver"
	wait "$t"
	cat "$w/controls.tap"

	# 4. The control that comes up.
	phase "control boot, Debian's kmod in the root"
	boot "$w/root-debian" "$vmlinux" "$w/initrd.good" "$w/disk-debian.img" "$BOOT_TIMEOUT" "$cmdline"
	control_root "Debian $tag control: our initramfs, Debian's kmod and libkmod2 in the root" \
		"$w/root-debian" "$kver"
	[ "${KMOD_TEST_KEEP:-0}" = 1 ] || rm -f "$w/disk.img" "$w/disk-debian.img"
}

# ---- both releases ------------------------------------------------------------------

RELEASES=${KMOD_DEBIAN_RELEASES:-bookworm trixie}
pids=()
# shellcheck disable=SC2317 # the EXIT trap
stop_releases() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done
	wait
	lib_cleanup
}
trap stop_releases EXIT
for suite in $RELEASES; do
	mkdir -p "$testdir/$suite"
	(
		trap 'exit 143' TERM
		t0=$(e2e_now)
		release "$suite"
		phase
		diag "$suite: $(e2e_elapsed "$t0") s"
	) > "$testdir/$suite.tap" 2>&1 &
	pids+=($!)
	[ "${KMOD_DEBIAN_PARALLEL:-1}" != 0 ] || wait "${pids[-1]}"
done
wait
pids=()

# The results, release after release, numbered here.
for suite in $RELEASES; do
	while IFS= read -r line; do
		case $line in
		"ok "[0-9]*) ok "${line#ok * - }" ;;
		"not ok "[0-9]*) not_ok "${line#not ok * - }" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done < "$testdir/$suite.tap"
done

diag "$(printf '%-44s %7s %7s' phase "wall s" "CPU s")"
for suite in $RELEASES; do
	[ -f "$testdir/$suite/phases" ] || continue
	awk -F'\t' -v s="$suite" '{ printf "%-44s %7s %7s\n", s ": " $1, $2, $3; c += $3 }
		END { printf "%-44s %7s %7.1f\n", s ": CPU", "", c }' "$testdir/$suite/phases" |
		while IFS= read -r line; do diag "$line"; done
done
diag "total $(e2e_elapsed "$t_all") s, CPU $(cat "$testdir"/*/phases 2> /dev/null |
	awk -F'\t' '{ c += $3 } END { printf "%.1f", c }') s; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
done_testing

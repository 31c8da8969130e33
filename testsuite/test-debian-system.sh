#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# kmod-ds as a Debian system's kmod, on Debian 12 (bookworm, signed 6.1
# kernel) and Debian 13 (trixie, signed 6.12 kernel):
#
# 1. debian/ builds kmod, libkmod2 and libkmod-dev with dpkg-buildpackage
#    (Debian 12: here; Debian 13: in a trixie build root), lintian finds no
#    error, and in a debootstrapped root of the release `apt install ./*.deb`
#    replaces Debian's packages and going back to Debian's works.
# 2. The root gets our packages and the release's signed kernel split by
#    contrib/kmod-sigpkg into its image with unsigned modules and the
#    -modsigs package, installed with apt; the kernel's postinst makes the
#    initramfs with the root's own update-initramfs and our hooks.
# 3. qemu (TCG) boots it with module.sig_enforce=1; kmodds-report.service
#    (testsuite/debian-boot/report) checks the system from inside and sends
#    one TAP line per check over the second serial port between markers.
# 4. Controls, the same disk with the initramfs update-initramfs makes
#    without the -modsigs package, and with Debian's kmod and libkmod2 back:
#    the kernel refuses the unsigned modules and the system never comes up.
#
# Root filesystems are cached tarballs (testsuite/debian-rootfs.sh); needs
# root, debootstrap, dpkg-dev, debhelper, lintian, qemu-system-x86, zstd and
# e2fsprogs, else the test skips (fails when CI=true).
# KMOD_DEBIAN_RELEASES (default "bookworm trixie") picks the releases.
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

need_or_skip_all "root (chroot, debootstrap, mkfs)" test "$(id -u)" = 0
for c in debootstrap:debootstrap dpkg-buildpackage:dpkg-dev dh:debhelper lintian:lintian \
	mkfs.ext4:e2fsprogs zstd:zstd qemu-system-x86_64:qemu-system-x86 git:git; do
	need_or_skip_all "${c%%:*} (apt-get install ${c#*:})" command -v "${c%%:*}"
done
need_or_skip_all "dpkg-parsechangelog of debian/changelog" test -n "$DEB_VERSION"
t_all=$(e2e_now)

MOUNTS=()
cleanup_mounts() {
	local m
	for m in "${MOUNTS[@]}"; do umount -l "$m" 2> /dev/null; done
	MOUNTS=()
}
trap 'cleanup_mounts; lib_cleanup' EXIT

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
	copy_source "$1/kmod-ds" && (cd "$1/kmod-ds" && dpkg-buildpackage -b -us -uc)
}

build_in_root() { # ROOT
	copy_source "$1/build/kmod-ds" &&
		in_root "$1" sh -c 'cd /build/kmod-ds && dpkg-buildpackage -b -us -uc'
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

# qemu_boot DIR VMLINUX INITRD DISK TIMEOUT APPEND: one boot; sets boot_rc and
# boot_secs, leaves DIR/console.log and DIR/report.txt (ttyS1, \r removed).
qemu_boot() {
	local dir=$1 t0
	mkdir -p "$dir"
	rm -f "$dir"/console.log "$dir"/report.log
	truncate -s 16M "$dir/sata.img"
	truncate -s 16M "$dir/usb.img"
	t0=$(e2e_now)
	timeout -k 5 "$5" qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot \
		-machine q35 -cpu max -smp 2 -m 1024 -accel tcg \
		-kernel "$2" -initrd "$3" -append "$6" \
		-drive "file=$4,if=none,id=root,format=raw,snapshot=on" -device virtio-blk-pci,drive=root \
		-device e1000 -device virtio-net-pci -device virtio-rng-pci \
		-drive "file=$dir/sata.img,if=none,id=sata,format=raw" -device ide-hd,drive=sata,bus=ide.0 \
		-device qemu-xhci -device usb-kbd -device usb-tablet \
		-device usb-ehci,id=ehci -drive "file=$dir/usb.img,if=none,id=usbd,format=raw" \
		-device usb-storage,bus=ehci.0,drive=usbd \
		-audiodev none,id=snd0 -device intel-hda -device hda-duplex,audiodev=snd0 \
		-serial "file:$dir/console.log" -serial "file:$dir/report.log" \
		< /dev/null > "$dir/qemu.log" 2>&1
	boot_rc=$?
	boot_secs=$(e2e_elapsed "$t0")
	tr -d '\r' < "$dir/report.log" > "$dir/report.txt" 2> /dev/null || : > "$dir/report.txt"
	rm -f "$dir/sata.img" "$dir/usb.img"
}

console_tail() {
	tr -d '\r' < "$1/console.log" 2> /dev/null | grep -v '^\s*$' | tail -n "${2:-25}" | sed 's/^/#   /'
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

# A control must not come up: no report at all, and the kernel refused the
# unsigned modules in the initramfs.
control() { # LABEL DIR
	local label=$1 dir=$2 why
	why=$(tr -d '\r' < "$dir/console.log" | grep -m1 -o -E 'Loading of unsigned module is rejected|Key was rejected by service')
	if ! grep -q '^KMODDS-' "$dir/report.txt" && [ -n "$why" ]; then
		ok "$label: fails as it must: no report from the guest, the kernel said '$why' (qemu $boot_secs s, exit $boot_rc)"
	else
		not_ok "$label: must fail (report: '$(head -c 200 "$dir/report.txt" | tr '\n' ' ')'; refusal seen: '${why:-none}')"
		console_tail "$dir" 20
	fi
	grep -q -E 'Gave up waiting for root|ALERT!' "$dir/console.log" &&
		diag "$label: $(tr -d '\r' < "$dir/console.log" | grep -m1 -E 'Gave up waiting for root|ALERT!')"
}

# "SIGS MODULES ours|debian" of initramfs INITRD, unpacked by the unmkinitramfs
# of ROOT: its module.ko.sig files (what libkmod looks for next to the
# modules mkinitramfs decompresses), its modules, whose libkmod it carries.
# Debian 13's initramfs-tools also copies module.ko.xz.sig files: its
# dracut-install takes any name with ".ko" in a "=drivers/..." walk for a
# module ("could not get modinfo ... Exec format error") and copies it; those
# are not counted.
initrd_sigs() { # INITRD ROOT
	local d=$2/tmp/initrd-x lib
	rm -rf "$d" && mkdir -p "$d" && cp "$1" "$2/tmp/initrd.img" &&
		chroot "$2" unmkinitramfs /tmp/initrd.img /tmp/initrd-x > /dev/null 2>&1 || return 1
	lib=$(find "$d" -name 'libkmod.so.2*' -type f | head -n1)
	echo "$(find "$d" -name '*.ko.sig' | wc -l) $(find "$d" -name '*.ko*' ! -name '*.sig' | wc -l)" \
		"$( [ -n "$lib" ] && grep -q -a KMOD_DS_1 "$lib" && echo ours || echo debian)"
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

# split_kernel DEB W TAG: sdir, a directory with the image .deb with unsigned
# modules and the -modsigs .deb kmod-sigpkg makes of DEB.  Splitting Debian
# 13's 6.12 recompresses 4,230 modules (minutes of xz): the result is kept in
# the cache, keyed by the .deb and by kmod-sigpkg and the kmod binary that
# made it (test-sigpkg.sh shows the output is the same bytes run after run).
split_kernel() {
	local deb=$1 w=$2 tag=$3 key t0 tmp
	key=$(cat "$top_srcdir/contrib/kmod-sigpkg" "$top_builddir/tools/kmod" | sha256sum | cut -c1-16)
	sdir=$E2E_CACHE/split/$(basename "$deb" .deb)-$key
	if [ -f "$sdir/.done" ]; then
		ok "Debian $tag: kmod-sigpkg split $(basename "$deb") (cached: same .deb, tool and kmod)"
		return 0
	fi
	mkdir -p "$E2E_CACHE/split"
	tmp=$(mktemp -d "$E2E_CACHE/split/.split.XXXXXX")
	t0=$(e2e_now)
	if KMOD=$top_builddir/tools/kmod bash "$top_srcdir/contrib/kmod-sigpkg" split -o "$tmp" -Znone "$deb" \
		> "$w/split.log" 2>&1; then
		ok "Debian $tag: kmod-sigpkg split $(basename "$deb") ($(e2e_elapsed "$t0") s)"
	else
		not_ok "Debian $tag: kmod-sigpkg split $(basename "$deb")"
		sed 's/^/# /' "$w/split.log"
		rm -rf "$tmp"
		return 1
	fi
	# Only the packages are kept; a concurrent run may have put its own first.
	rm -rf "$tmp/tree" "$tmp/sigs"
	touch "$tmp/.done"
	mv -T "$tmp" "$sdir" 2> /dev/null || rm -rf "$tmp"
	[ -f "$sdir/.done" ]
}

release() { # SUITE
	local suite=$1 w=$testdir/$1 root boot_tar build_tar kdeb kver kpkg sdir pkgs t0 uuid
	local series tag cmdline vmlinux size sdir
	root=$w/root
	mkdir -p "$w/pkgs"
	case $suite in bookworm) tag=12 ;; trixie) tag=13 ;; esac

	# Root filesystems and the kernel (cached).
	boot_tar=$(bash "$top_srcdir/testsuite/debian-rootfs.sh" "$suite" boot 2> "$w/rootfs.err") || {
		not_ok "Debian $tag: debootstrapped root (cached tarball)"
		sed 's/^/# /' "$w/rootfs.err"
		return
	}
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
	diag "Debian $tag: root $(basename "$boot_tar"), kernel $(basename "$kdeb") ready after $(e2e_elapsed "$t_all") s"

	# 1. Our packages for this release.
	if [ "$suite" = bookworm ]; then
		step "Debian $tag: dpkg-buildpackage -b -us -uc builds kmod, libkmod2, libkmod-dev $DEB_VERSION" \
			"$w/build.log" build_here "$w/build" || return
		cp "$w/build"/*.deb "$w/build"/*.changes "$w/pkgs/"
		step "Debian $tag: lintian reports no error" "$w/lintian.log" \
			lintian_errors "$w/build/kmod-ds_${DEB_VERSION}_amd64.changes" || true
	else
		build_tar=$(bash "$top_srcdir/testsuite/debian-rootfs.sh" "$suite" build 2> "$w/rootfs.err") || {
			not_ok "Debian $tag: build root (cached tarball)"
			sed 's/^/# /' "$w/rootfs.err"
			return
		}
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

	# 2. Install, go back to Debian's, install again with the kernel.
	unpack_root "$boot_tar" "$root" || {
		not_ok "Debian $tag: unpack the root"
		return
	}
	mkdir -p "$root/tmp/debs"
	cp "$w/pkgs"/*.deb "$root/tmp/debs/"
	local debian_v
	debian_v=$(versions "$root")
	step "Debian $tag: apt install ./kmod ./libkmod2 ./libkmod-dev replaces Debian's ($debian_v)" \
		"$w/install.log" in_root "$root" sh -c 'cd /tmp/debs && apt-get install -y ./kmod_*.deb ./libkmod2_*.deb ./libkmod-dev_*.deb'
	is "$(versions "$root") ours=$(lib_is_ours "$root" && echo yes)" \
		"kmod=$DEB_VERSION libkmod-dev=$DEB_VERSION libkmod2=$DEB_VERSION ours=yes" \
		"Debian $tag: dpkg has our three packages, and the multiarch libkmod.so.2 is ours"
	step "Debian $tag: back to Debian's kmod and libkmod2 (apt install --allow-downgrades, libkmod-dev purged)" \
		"$w/back.log" in_root "$root" sh -c 'apt-get purge -y libkmod-dev &&
			apt-get install -y --allow-downgrades /var/cache/apt/archives/kmod_*.deb /var/cache/apt/archives/libkmod2_*.deb &&
			dpkg --audit && dpkg --verify kmod libkmod2'
	is "$(versions "$root") ours=$(lib_is_ours "$root" && echo yes) $(ls "$root"/usr/share/initramfs-tools/hooks/kmod-detached-sig "$root"/*bin/kmod-sigpkg "$root"/usr/*bin/kmod-sigpkg 2> /dev/null)" \
		"$debian_v ours= " \
		"Debian $tag: Debian's versions again, the library is Debian's, no file of ours left"

	# The kernel, split by our tool; installed with our packages.
	kpkg=$(dpkg-deb -f "$kdeb" Package)
	kver=${kpkg#linux-image-}
	split_kernel "$kdeb" "$w" "$tag" || return
	cp "$sdir"/*.deb "$root/tmp/debs/"
	step "Debian $tag: apt install our packages, $kpkg with unsigned modules and $kpkg-modsigs (postinst: update-initramfs)" \
		"$w/kernel.log" in_root "$root" sh -c "cd /tmp/debs && apt-get install -y --no-install-recommends \
			./kmod_*.deb ./libkmod2_*.deb ./${kpkg}_*.deb ./${kpkg}-modsigs_*.deb" || return
	local nsig nmod nsigned ninit
	nmod=$(find "$root/lib/modules/$kver/" -name '*.ko*' ! -name '*.sig' | wc -l)
	nsig=$(find "$root/lib/modules/$kver/" -name '*.ko*.sig' | wc -l)
	nsigned=$(signed_count "$root/lib/modules/$kver/")
	is "$nsigned $nsig" "0 $nmod" \
		"Debian $tag: $nmod modules on disk, each with its .sig, none signed (all .ko, or 200 .ko.xz, looked at)"
	cp "$root/boot/initrd.img-$kver" "$w/initrd.good"
	ninit=$(initrd_sigs "$w/initrd.good" "$root")
	like "$ninit" '^[1-9][0-9]* [1-9][0-9]* ours$' \
		"Debian $tag: the initramfs update-initramfs made holds .sig files and our libkmod (.sig, modules: $ninit)"

	# The system's configuration for the test, and its disk.
	uuid=$(cat /proc/sys/kernel/random/uuid)
	echo "UUID=$uuid / ext4 errors=remount-ro 0 1" > "$root/etc/fstab"
	echo kmodds > "$root/etc/hostname"
	printf 'EXPECT_MODULES="%s"\nLOAD_MODULES="%s"\n' "$EXPECT_MODULES" "$LOAD_MODULES" \
		> "$root/etc/kmodds-test.conf"
	echo "$LOAD_MODULES" | tr ' ' '\n' | grep -v crc_itu_t > "$root/etc/modules-load.d/kmodds-test.conf"
	install -m 755 "$top_srcdir/testsuite/debian-boot/report" "$root/usr/local/sbin/kmodds-report"
	cat > "$root/etc/systemd/system/kmodds-report.service" << 'EOF'
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
	rm -rf "$root/tmp/debs.keep" && mv "$root/tmp/debs" "$w/debs"
	size=$(($(du -sm "$root" | cut -f1) * 5 / 4 + 256))
	step "Debian $tag: mkfs.ext4 -d of the root (${size} MiB)" "$w/mkfs.log" \
		mkfs.ext4 -q -F -U "$uuid" -L kmodds -d "$root" "$w/disk.img" "${size}M" || return

	# Controls' initramfs: without the signatures; with Debian's kmod back.
	mv "$w/debs" "$root/tmp/debs"
	step "Debian $tag control: dpkg -r $kpkg-modsigs, update-initramfs -u" "$w/nosig.log" \
		in_root "$root" sh -c "dpkg -r $kpkg-modsigs && update-initramfs -u -k $kver"
	cp "$root/boot/initrd.img-$kver" "$w/initrd.nosig"
	step "Debian $tag control: $kpkg-modsigs again, Debian's kmod and libkmod2 back (its trigger runs update-initramfs)" \
		"$w/debian.log" in_root "$root" sh -c "apt-get install -y ./tmp/debs/${kpkg}-modsigs_*.deb &&
			apt-get install -y --allow-downgrades /var/cache/apt/archives/kmod_*.deb /var/cache/apt/archives/libkmod2_*.deb"
	cp "$root/boot/initrd.img-$kver" "$w/initrd.debian"
	is "$(initrd_sigs "$w/initrd.nosig" "$root" | cut -d' ' -f1,3) | $(initrd_sigs "$w/initrd.debian" "$root" | cut -d' ' -f1,3)" \
		"0 ours | 0 debian" "Debian $tag controls' initramfs: ours without .sig files; Debian's libkmod (no hook, no .sig)"
	vmlinux=$(e2e_vmlinux "$root" "$kver" 2> "$w/vmlinux.err") || {
		not_ok "Debian $tag: vmlinux of $kver"
		sed 's/^/# /' "$w/vmlinux.err"
		return
	}
	rm -rf "$root"

	# 3. The boot, retried once when the kernel dies before userspace (TCG).
	cmdline="root=UUID=$uuid ro console=ttyS0 loglevel=6 module.sig_enforce=1 panic=5 rootdelay=20"
	qemu_boot "$w/boot" "$vmlinux" "$w/initrd.good" "$w/disk.img" "$BOOT_TIMEOUT" "$cmdline"
	if ! grep -q '^KMODDS-BEGIN' "$w/boot/report.txt" && ! grep -q 'Loading, please wait' "$w/boot/console.log"; then
		diag "Debian $tag: the kernel died before /init (TCG); booting once more"
		qemu_boot "$w/boot" "$vmlinux" "$w/initrd.good" "$w/disk.img" "$BOOT_TIMEOUT" "$cmdline"
	fi
	report "Debian $tag ($kver)" "$w/boot" "$kver"

	# 4. The controls.
	qemu_boot "$w/nosig" "$vmlinux" "$w/initrd.nosig" "$w/disk.img" "$CONTROL_TIMEOUT" "$cmdline"
	control "Debian $tag control without .sig files" "$w/nosig"
	qemu_boot "$w/debian" "$vmlinux" "$w/initrd.debian" "$w/disk.img" "$CONTROL_TIMEOUT" "$cmdline"
	control "Debian $tag control with Debian's kmod and libkmod2" "$w/debian"
	[ "${KMOD_TEST_KEEP:-0}" = 1 ] || rm -f "$w/disk.img"
}

for suite in ${KMOD_DEBIAN_RELEASES:-bookworm trixie}; do
	t0=$(e2e_now)
	release "$suite"
	diag "$suite: $(e2e_elapsed "$t0") s"
done
diag "total $(e2e_elapsed "$t_all") s"
done_testing

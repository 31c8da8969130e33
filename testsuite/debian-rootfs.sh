#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Debian root filesystems as test data, made once with debootstrap and kept as
# tarballs in the download cache:
#
#   debian-rootfs.sh SUITE KIND     prints the path of the tarball (.tar.zst)
#
# SUITE: bookworm (Debian 12) or trixie (Debian 13).  KIND:
#   boot   debootstrap --variant=minbase with systemd, udev, initramfs-tools,
#          linux-base and the few tools the whole-system boot test uses; of
#          the packages debootstrap fetched only Debian's kmod and libkmod2
#          stay in var/cache/apt/archives (the control that goes back to
#          them): the others would add 47 MB to the tarball and the test's
#          disk images
#   build  the boot root plus what dpkg-buildpackage of debian/ and lintian
#          need (the Debian 13 packages are built in it)
#   kernel the newest signed linux-image-*-amd64 .deb of SUITE (the one its
#          linux-image-amd64 depends on), fetched with a private apt
#          configuration (the host's own sources are left alone) into
#          kmod-ds/debs; prints its path
#
# Cache: ${XDG_CACHE_HOME:-$HOME/.cache}/kmod-ds/rootfs/SUITE-KIND-HASH.tar.zst,
# HASH naming the package lists, so a changed list makes a new tarball.  The
# tarball appears by rename when complete.  Exit 2: it cannot be made here (not
# root, no debootstrap, the archive unreachable) and none is cached; exit 1:
# anything else.

set -euo pipefail
export LC_ALL=C

CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/kmod-ds
OUT=$CACHE/rootfs

BOOT_PKGS=systemd-sysv,udev,kmod,iproute2,initramfs-tools,linux-base,xz-utils,zstd,e2fsprogs
BOOT_PKGS+=,procps,pciutils,dosfstools,busybox
BUILD_PKGS="build-essential debhelper pkgconf libssl-dev liblzma-dev libzstd-dev zlib1g-dev"
BUILD_PKGS+=" scdoc lintian"

die() {
	echo "debian-rootfs.sh: $*" >&2
	exit 1
}

unavailable() {
	echo "debian-rootfs.sh: $*" >&2
	exit 2
}

[[ $# == 2 ]] || die "usage: debian-rootfs.sh bookworm|trixie boot|build"
suite=$1 kind=$2
case $suite in bookworm | trixie) ;; *) die "unknown suite $suite" ;; esac
case $kind in boot | build | kernel) ;; *) die "unknown kind $kind" ;; esac

key=$(printf '%s\n' "$BOOT_PKGS" "$BUILD_PKGS" | sha256sum | cut -c1-12)
tarball=$OUT/$suite-$kind-$key.tar.zst
if [[ -s $tarball ]]; then
	echo "$tarball"
	exit 0
fi

[[ $(id -u) == 0 ]] || unavailable "debootstrap and chroot need root"
for cmd in debootstrap zstd tar chroot; do
	command -v "$cmd" > /dev/null || unavailable "$cmd not found (apt-get install debootstrap zstd)"
done

# The host's own Debian mirror (deb822 or one-line sources), else the default.
mirror() {
	local m
	m=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2> /dev/null |
		grep -v security | head -n1)
	[[ -n $m ]] || m=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++)
		if ($i ~ /^https?:/) { print $i; exit } }' /etc/apt/sources.list 2> /dev/null)
	echo "${m:-http://deb.debian.org/debian}"
}

# The signed kernel of SUITE through apt with its own lists under the cache.
kernel() {
	local apt=$CACHE/apt-$suite opts pkg deb tmp
	mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$CACHE/debs"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(mirror) $suite main" \
		> "$apt/sources.list"
	opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt" -o "Dir::Cache::Archives=$apt/archives"
		-o Dir::State::status=/dev/null -o APT::Sandbox::User=root)
	# A day-old list is fresh enough; offline, the newest cached image does.
	if [[ -z $(find "$apt/lists" -name '*_Packages*' -mmin -1440 -print -quit) ]]; then
		apt-get "${opts[@]}" -q update > "$apt/update.log" 2>&1 ||
			echo "debian-rootfs.sh: apt-get update for $suite failed" >&2
	fi
	pkg=$(apt-cache "${opts[@]}" depends linux-image-amd64 2> /dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1)
	if [[ -z $pkg ]]; then
		deb=$(find "$CACHE/debs" -maxdepth 1 -name "linux-image-*+deb${SUITE_NO[$suite]}-amd64_*.deb" |
			sort -V | tail -n1)
		[[ -n $deb ]] || unavailable "no linux-image-amd64 in $suite's lists and none cached"
		echo "$deb"
		return
	fi
	deb=$(find "$CACHE/debs" -maxdepth 1 -name "${pkg}_*.deb" | sort -V | tail -n1)
	if [[ -z $deb ]] || ! dpkg-deb -I "$deb" > /dev/null 2>&1; then
		tmp=$(mktemp -d "$CACHE/debs/.download.XXXXXX")
		if ! (cd "$tmp" && apt-get "${opts[@]}" -q download "$pkg" > "$tmp/.log" 2>&1); then
			rm -rf "$tmp"
			unavailable "apt-get download $pkg ($suite) failed"
		fi
		deb=$(find "$tmp" -maxdepth 1 -name "${pkg}_*.deb" -print -quit)
		[[ -n $deb ]] || unavailable "apt-get download $pkg gave no .deb"
		mv -f "$deb" "$CACHE/debs/"
		rm -rf "$tmp"
		deb=$CACHE/debs/${deb##*/}
	fi
	echo "$deb"
}
declare -A SUITE_NO=([bookworm]=12 [trixie]=13)
if [[ $kind == kernel ]]; then
	kernel
	exit 0
fi

mkdir -p "$OUT"
find "$OUT" -maxdepth 1 -name '.make.*' -mmin +120 -exec rm -rf {} + 2> /dev/null || true
work=$(mktemp -d "$OUT/.make.XXXXXX")
trap 'umount "$work/root/proc" 2> /dev/null || true; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
root=$work/root

if [[ $kind == boot ]]; then
	if ! debootstrap --variant=minbase --include="$BOOT_PKGS" "$suite" "$root" "$(mirror)" \
		> "$work/log" 2>&1; then
		tail -n 20 "$work/log" >&2
		unavailable "debootstrap $suite failed (log above)"
	fi
	find "$root/var/cache/apt/archives" -maxdepth 1 -name '*.deb' ! -name 'kmod_*' \
		! -name 'libkmod2_*' -delete
else
	boot=$(bash "$0" "$suite" boot) || exit $?
	mkdir "$root"
	zstd -dcq "$boot" | tar -x --numeric-owner -C "$root" || die "cannot unpack $boot"
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2> /dev/null || true
	mount -t proc proc "$root/proc"
	# shellcheck disable=SC2086 # a list of package names
	if ! chroot "$root" sh -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends $BUILD_PKGS" > "$work/log" 2>&1; then
		umount "$root/proc"
		tail -n 20 "$work/log" >&2
		unavailable "installing the build dependencies in the $suite root failed"
	fi
	umount "$root/proc"
	chroot "$root" apt-get clean
fi
# Debian's kmod packages as debootstrap fetched them stay for the controls.
tar -c --numeric-owner -C "$root" . | zstd -q -T0 -3 > "$work/root.tar.zst" ||
	die "cannot pack the $suite root"
mv -f "$work/root.tar.zst" "$tarball"
echo "$tarball"

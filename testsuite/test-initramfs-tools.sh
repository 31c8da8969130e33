#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Debian's initramfs-tools with our tools and our hook
# (contrib/initramfs-tools/hooks/kmod-detached-sig), on Debian's signed 6.1
# kernel whose modules we split into unsigned module + .sig:
#
# * Debian's mkinitramfs (initramfs-tools-core, klibc-utils, libklibc, kmod
#   and busybox-static downloaded and unpacked, not installed) runs in a
#   private mount namespace: /usr is an overlay of those packages, our kmod
#   as /usr/bin/kmod (so modprobe, depmod and modinfo are ours, the names
#   being links to it) and the module tree at /usr/lib/modules/KVER over the
#   host's /usr; /boot is the kernel package's.  The host's files are never
#   changed.
# * Hermetic: the machine's packages add initramfs-tools hooks, scripts and
#   modprobe.d files of their own (lvm2, mdadm, dmraid, udev...), which add
#   modules to the image.  In the namespace /usr/share/initramfs-tools holds
#   only the downloaded packages' files (and our hook), and every modprobe.d
#   and depmod.d directory is the test's (testsuite/e2e/private-config.sh);
#   the tests check that exactly those hooks ran and that exactly those
#   modules and configuration files are in the image.
# * Three images from the same tree: two with our hook (in
#   /usr/share/initramfs-tools/hooks, and linked into the configuration's
#   hooks/ next to a hook there that adds omfs and dummy), one without it.
#   Debian's own thermal hook adds fan after ours by name.  Every module of
#   the image with a .sig in the tree must have that .sig in the image.  The
#   modprobe.d of the image "hook" says "detached_sig require": libkmod then
#   needs libcrypto, which it loads with dlopen, and the hook must add it;
#   the image "auto" (the default policy) must not have it.
# * The images "hook" and "nohook" boot in qemu with module.sig_enforce=1; an
#   init-top script runs modprobe omfs (crc-itu-t first): with the .sig files
#   and libcrypto both load, without them the kernel rejects crc-itu-t.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"
# shellcheck source=testsuite/e2e/host.sh
. "$top_srcdir/testsuite/e2e/host.sh"

# Downloaded and unpacked only: mkinitramfs and what its hooks and the
# initramfs's init need from them; kmod and busybox-static for their hooks
# (and busybox itself, the modprobe links and kmod's modprobe.d file).
ITOOLS_DEBS=(initramfs-tools-core klibc-utils libklibc kmod busybox-static)
# The hooks of those packages (and ours, last by its prereqs): no other may run.
ITOOLS_HOOKS="fsck keymap kmod resume thermal zz-busybox klibc-utils"
HOOK=$top_srcdir/contrib/initramfs-tools/hooks/kmod-detached-sig
kmod=$(cd "$top_builddir/tools" 2> /dev/null && pwd)/kmod

t_all=$(e2e_now)
missing=$(e2e_missing)
need_or_skip_all "$missing; install: apt-get install $E2E_PACKAGES" test -z "$missing"
need_or_skip_all "$kmod (build the tools first)" test -x "$kmod"
need_or_skip_all "root (mount namespaces and overlayfs)" test "$(id -u)" = 0
need_or_skip_all "unshare (Debian package util-linux)" command -v unshare
mkdir "$testdir/empty"
need_or_skip_all "overlayfs in a private mount namespace" \
	unshare -m mount -t overlay o -o "lowerdir=$testdir/empty:/usr/share" /usr/share

e2e_fetch pkgs "Debian's ${ITOOLS_DEBS[*]}" e2e_packages initramfs-tools "${ITOOLS_DEBS[@]}"
e2e_fetch trees "the Debian kernels" e2e_kernels
kver='' tree=''
while read -r k r; do
	[ "$(e2e_series "$k")" = 6.1 ] && kver=$k tree=$r
done <<< "$trees"
if [ -z "$kver" ]; then
	not_ok "no 6.1 kernel among: $trees"
	done_testing
fi
echo "# packages and kernel ready after $(e2e_elapsed "$t_all") s"

# ---- the /usr layer: packages, our kmod, the module tree --------------------------

t0=$(e2e_now)
usr=$testdir/usr
# The tree's files are links to the cache's: gone before lib_cleanup's chmod.
# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	[ "${KMOD_TEST_KEEP:-0}" = 1 ] || rm -rf "$usr"
	lib_cleanup
}
trap cleanup EXIT
src=$tree/lib/modules/$kver
mdir=$usr/lib/modules/$kver
mkdir -p "$usr/lib" "$usr/bin" "$mdir"
cp -a "$pkgs/usr/." "$usr/"
cp -a "$pkgs/lib/." "$usr/lib/" # libklibc is in /lib, which is /usr/lib here
cp -a "$pkgs/sbin/." "$usr/sbin/" # Debian's links to /bin/kmod
install -m 755 "$pkgs/bin/busybox" "$usr/bin/busybox"
install -m 755 "$kmod" "$usr/bin/kmod"
ln -s "$kmod" "$testdir/depmod"

# The package's tree, linked when possible (the cache is never written: files
# that change are removed first), the top-level files copied.
cp -al "$src/kernel" "$mdir/" 2> /dev/null || cp -a "$src/kernel" "$mdir/"
cp -p "$src"/modules.* "$mdir/"
# Unsigned + .sig: the modules the images load or list, and the rest of
# their directories (modules the image does not hold).
sigdirs=(kernel/fs/omfs kernel/lib kernel/drivers/acpi)
detached=0
for f in $( (cd "$mdir" && find "${sigdirs[@]}" -name '*.ko' && echo kernel/drivers/net/dummy.ko) | sort); do
	rm -f "$mdir/$f"
	if "$kmod" detach -o "$mdir/$f" "$src/$f" 2>> "$testdir/detach.err"; then
		detached=$((detached + 1))
	else
		cp -p "$src/$f" "$mdir/$f"
	fi
done
if [ -s "$testdir/detach.err" ] || [ "$detached" -lt 20 ]; then
	not_ok "kmod detach: $detached modules split"
	sed 's/^/# /' "$testdir/detach.err"
else
	ok "kmod detach: $detached modules of $kver split into unsigned module + .sig"
fi
mkdir -p "$testdir/depmod.d"
if (cd "$testdir" && ./depmod -C "$testdir/depmod.d" -b "$usr" "$kver") 2> "$testdir/depmod.err"; then
	ok "our depmod indexes the tree ($(e2e_elapsed "$t0") s for the layer)"
else
	not_ok "depmod -b $usr $kver"
	sed 's/^/# /' "$testdir/depmod.err"
fi
rm -f "$mdir/modules.depmod-cache"

# The only modprobe.d and depmod.d files the namespace has: kmod's, and one of
# the test's, per image (config-NAME): "detached_sig require" in hook's.
for name in hook auto nohook; do
	pconf=$testdir/config-$name
	mkdir -p "$pconf/modprobe.d" "$pconf/depmod.d"
	cp "$pkgs/lib/modprobe.d/aliases.conf" "$pconf/modprobe.d/"
	echo '# kmod-ds test: the only modprobe.d file of the image besides kmod'"'"'s' \
		> "$pconf/modprobe.d/zz-kmodds-test.conf"
	[ $name != hook ] || echo 'detached_sig require' >> "$pconf/modprobe.d/zz-kmodds-test.conf"
done

# ---- configurations --------------------------------------------------------------

# conf DIR WITH_HOOK: an initramfs-tools configuration directory
conf() {
	local d=$1
	mkdir -p "$d/hooks" "$d/scripts/init-top" "$d/conf.d"
	cat > "$d/initramfs.conf" <<- 'EOF'
		MODULES=list
		BUSYBOX=y
		KEYMAP=n
		COMPRESS=zstd
		COMPRESSLEVEL=3
		RESUME=none
		FSTYPE=auto
		RUNSIZE=10%
	EOF
	# Listed: in the image, loaded by nobody (init-top powers off first), and
	# signed in the tree: a module without .sig.
	echo e1000 > "$d/modules"
	# A hook of the configuration that adds modules, after ours by name.
	cat > "$d/hooks/zz-test-modules" <<- 'EOF'
		#!/bin/sh
		[ "$1" = prereqs ] && exit 0
		. /usr/share/initramfs-tools/hook-functions
		manual_add_modules omfs dummy
	EOF
	chmod 755 "$d/hooks/zz-test-modules"
	[ "$2" = yes ] && ln -s /usr/share/initramfs-tools/hooks/kmod-detached-sig \
		"$d/hooks/kmod-detached-sig"
	cat > "$d/scripts/init-top/zz-kmodds-test" <<- 'EOF'
		#!/bin/sh
		[ "$1" = prereqs ] && exit 0
		exec > /dev/ttyS1 2>&1
		# init exports MODPROBE_OPTIONS=-qb; the test wants modprobe's errors.
		echo "KMODDS-BEGIN kver=$(uname -r) enforce=$(cat /sys/module/module/parameters/sig_enforce)"
		dmesg -c > /dev/null
		out=$(MODPROBE_OPTIONS= /sbin/modprobe omfs 2>&1)
		echo "KMODDS-MODPROBE rc=$?"
		printf '%s\n' "$out" | sed 's/^/KMODDS-OUT /'
		dmesg | sed -n 's/^\[[ 0-9.]*\] \(.*\(odule\|omfs\|crc_itu_t\).*\)/KMODDS-KLOG \1/p'
		grep -E '^(omfs|crc_itu_t) ' /proc/modules | sed 's/^/KMODDS-PROC /'
		for m in crc_itu_t omfs; do
			[ -d "/sys/module/$m" ] && echo "KMODDS-TAINT $m=$(cat "/sys/module/$m/taint")"
		done
		echo KMODDS-END
		poweroff -f
	EOF
	chmod 755 "$d/scripts/init-top/zz-kmodds-test"
}

# mkimage NAME: Debian's mkinitramfs -v in a private mount namespace,
# $testdir/NAME.img and NAME.log; /usr/share/initramfs-tools is
# $testdir/itools-NAME, the modprobe.d and depmod.d directories config-NAME's.  The
# namespace first proves that modprobe and depmod are ours.
mkimage() {
	local name=$1
	mkdir -p "$testdir/tmp-$name"
	# shellcheck disable=SC2016 # the script's own arguments
	SOURCE_DATE_EPOCH=0 TMPDIR=$testdir/tmp-$name unshare -m sh -euc '
		mount -t overlay kmodds-usr -o "lowerdir=$1:/usr" /usr
		mount --bind "$7" /usr/share/initramfs-tools
		sh "$8" "$9"
		mount --bind "$2" /boot
		cmp /usr/bin/kmod "$3"
		[ "$(readlink -f /sbin/modprobe):$(readlink -f /sbin/depmod)" = /usr/bin/kmod:/usr/bin/kmod ]
		echo "namespace: /usr/bin/kmod is ours; /sbin/modprobe and /sbin/depmod link to it"
		exec /usr/sbin/mkinitramfs -v -d "$4" -o "$5" "$6"
	' sh "$usr" "$tree/boot" "$kmod" "$testdir/conf-$name" "$testdir/$name.img" "$kver" \
		"$testdir/itools-$name" "$top_srcdir/testsuite/e2e/private-config.sh" "$testdir/config-$name" \
		> "$testdir/$name.log" 2>&1
}

# unpack NAME: the image's main archive in $testdir/NAME.d
unpack() {
	mkdir -p "$testdir/$1.d"
	zstd -dc "$testdir/$1.img" | (cd "$testdir/$1.d" && cpio -id --quiet)
}

declare -A built=()
for name in hook auto nohook; do
	t0=$(e2e_now)
	cp -a "$usr/share/initramfs-tools" "$testdir/itools-$name"
	if [ "$name" != nohook ]; then
		conf "$testdir/conf-$name" yes
		install -m 755 "$HOOK" "$testdir/itools-$name/hooks/kmod-detached-sig"
	else
		conf "$testdir/conf-$name" no
	fi
	if mkimage "$name" && unpack "$name"; then
		ok "$name: Debian's mkinitramfs built $(stat -c %s "$testdir/$name.img") bytes ($(e2e_elapsed "$t0") s)"
		built[$name]=1
	else
		not_ok "$name: mkinitramfs or unpacking the image"
		tail -n 30 "$testdir/$name.log" | sed 's/^/# /'
	fi
done

# ---- the images ------------------------------------------------------------------

img=$testdir/hook.d
imod=$img/usr/lib/modules/$kver
if [ -n "${built[hook]:-}" ]; then
	grep -E '^namespace: ' "$testdir/hook.log" | sed 's/^/# /'
	is_file "$img/usr/bin/kmod" "$kmod" "hook: the image's /usr/bin/kmod is our tools/kmod"
	is "$(readlink "$img/usr/sbin/modprobe")" /bin/kmod "hook: the image's modprobe is a link to kmod"

	# Every module of the image, and its .sig if the tree has one.
	want=0 got=0 bad=
	while read -r rel; do
		if [ -f "$mdir/$rel.sig" ]; then
			want=$((want + 1))
			if cmp -s "$imod/$rel.sig" "$mdir/$rel.sig"; then
				got=$((got + 1))
			else
				bad+="$rel.sig missing or different"$'\n'
			fi
		elif [ -e "$imod/$rel.sig" ]; then
			bad+="$rel.sig in the image but not in the tree"$'\n'
		fi
	done < <(cd "$imod" && find . -name '*.ko' | sed 's|^\./||' | sort)
	nsig=$(find "$imod" -name '*.sig' | wc -l)
	is "$bad" "" "hook: each of the $want modules with a .sig in the tree has it in the image ($got identical, $nsig .sig files)"
	is "$nsig" "$want" "hook: no other .sig in the image"
	for m in kernel/fs/omfs/omfs.ko kernel/lib/crc-itu-t.ko kernel/drivers/net/dummy.ko \
		kernel/drivers/acpi/fan.ko; do
		if [ ! -f "$imod/$m.sig" ] || [ ! -f "$imod/$m" ]; then
			bad+="$m"$'\n'
		fi
	done
	is "$bad" "" "hook: omfs, crc-itu-t, dummy (a configuration hook added them) and fan (Debian's thermal hook) have their .sig"
	e1000=$(cd "$imod" && find . -name e1000.ko | sed 's|^\./||')
	is "$e1000:$(find "$imod" -name 'e1000.ko.sig' | wc -l)" \
		"kernel/drivers/net/ethernet/intel/e1000/e1000.ko:0" \
		"hook: e1000 (listed, no .sig in the tree) is in the image without .sig"
	# The order mkinitramfs ran the hooks in: the packages', ours, the
	# configuration's; no hook of this machine's packages.
	order=$(sed -n 's/^Calling hook //p' "$testdir/hook.log" | tr '\n' ' ')
	is "$order" "$ITOOLS_HOOKS kmod-detached-sig zz-test-modules kmod-detached-sig " \
		"hook: only the packages' hooks ran, ours last in both hook directories (mkinitramfs -v)"
	# In /usr/share/initramfs-tools/hooks it sees fan (Debian's thermal hook);
	# omfs, crc-itu-t and dummy come later, from the configuration's hook.
	is "$(sed -n 's/^kmod-detached-sig: \(.* detached signatures\)$/\1/p' "$testdir/hook.log" | tr '\n' ' ')" \
		"1 detached signatures $want detached signatures " \
		"hook: ran in both directories: fan's .sig, then all $want"

	# detached_sig require: the libcrypto libkmod loads (its soname is in
	# our kmod), the host's, at its place.
	soname=$(grep -a -o -m1 'libcrypto\.so\.[0-9]*' "$kmod" | head -n1)
	crypto=$(cd "$img" && find . -name "$soname" | sed 's|^\./||')
	host=$(readlink -f "/${crypto:-none}")
	if [ -n "$crypto" ] && cmp -s "$img/$crypto" "$host"; then
		ok "hook: detached_sig require: the image holds $crypto, the host's $host"
	else
		not_ok "hook: detached_sig require: no $soname in the image (found: '${crypto:-none}')"
		grep -E 'kmod-detached-sig|libcrypto' "$testdir/hook.log" | sed 's/^/#   /'
	fi
	like "$(grep 'detached_sig require: added' "$testdir/hook.log")" "added /.*/$soname" \
		"hook: its verbose log says so"
fi
if [ -n "${built[auto]:-}" ]; then
	is "$(find "$testdir/auto.d" -name '*.sig' | wc -l) $(find "$testdir/auto.d" -name 'libcrypto.so*' | wc -l)" \
		"$(find "$testdir/hook.d" -name '*.sig' | wc -l) 0" \
		"auto: the same .sig files as hook, and no libcrypto (the policy is auto)"
fi
# Hermetic: what the test asked for, nothing the machine's packages add.
# e1000 (listed), omfs, crc-itu-t and dummy (the configuration's hook), fan
# (Debian's thermal hook), psmouse (hook-functions adds it for the built-in
# i8042); the modprobe.d files are the namespace's.
for name in hook auto nohook; do
	[ -n "${built[$name]:-}" ] || continue
	is "$(find "$testdir/$name.d" -name '*.ko' | sed 's|.*/||' | sort | tr '\n' ' ')" \
		"crc-itu-t.ko dummy.ko e1000.ko fan.ko omfs.ko psmouse.ko " \
		"$name: the image holds the modules the test put there and no other"
	bad=
	for f in "$testdir/$name.d"/{etc,usr/lib}/modprobe.d/*; do
		cmp -s "$f" "$testdir/config-$name/modprobe.d/${f##*/}" || bad+=" ${f#"$testdir/$name.d/"}"
	done
	is "$(cd "$testdir/$name.d" && find etc/modprobe.d usr/lib/modprobe.d -mindepth 1 |
		sort | tr '\n' ' ')$bad" \
		"etc/modprobe.d/aliases.conf etc/modprobe.d/zz-kmodds-test.conf usr/lib/modprobe.d/aliases.conf usr/lib/modprobe.d/zz-kmodds-test.conf " \
		"$name: the image's modprobe.d files are the test's, no other"
done
if [ -n "${built[nohook]:-}" ]; then
	is "$(find "$testdir/nohook.d" -name '*.sig' | wc -l)" 0 "nohook: no .sig in the image"
	if [ -f "$testdir/nohook.d/usr/lib/modules/$kver/kernel/fs/omfs/omfs.ko" ]; then
		ok "nohook: omfs is in the image"
	else
		not_ok "nohook: omfs is not in the image"
	fi
fi

# ---- boots -----------------------------------------------------------------------

if vmlinux=$(e2e_vmlinux "$tree" "$kver" 2> "$testdir/vmlinux.err"); then
	:
else
	not_ok "extract vmlinux from $tree/boot/vmlinuz-$kver"
	sed 's/^/# /' "$testdir/vmlinux.err"
	done_testing
fi

# boot NAME: sets out (the KMODDS- lines of the guest, prefixes removed where
# asserted); one test for the boot itself.
boot() {
	local dir=$testdir/boot-$1
	mkdir -p "$dir"
	e2e_boot "$vmlinux" "$testdir/$1.img" module.sig_enforce=1 "$dir"
	out=$(grep '^KMODDS-' "$dir/results.txt")
	if [ "$e2e_rc" = 0 ] && [ "$(tail -n1 <<< "$out")" = KMODDS-END ] &&
		[ "$(head -n1 <<< "$out")" = "KMODDS-BEGIN kver=$kver enforce=Y" ]; then
		ok "$1: $kver booted the image with module.sig_enforce=1, ran init-top and powered off ($e2e_secs s)"
	else
		not_ok "$1: boot (qemu exit $e2e_rc after $e2e_secs s)"
		sed 's/^/#   qemu: /' "$dir/qemu.log"
		tr -d '\r' < "$dir/console.log" | tail -n 30 | sed 's/^/#   /'
	fi
	sed 's/^/#   /' <<< "$out"
}

if [ -n "${built[hook]:-}" ]; then
	boot hook
	like "$out" "KMODDS-MODPROBE rc=0" "hook: modprobe omfs succeeds"
	is "$(grep -c 'KMODDS-KLOG .*rejected' <<< "$out")" 0 "hook: no rejection in the kernel log"
	is "$(sed -n 's/^KMODDS-PROC \([a-z_]*\) .*/\1/p' <<< "$out" | sort | tr '\n' ' ')" \
		"crc_itu_t omfs " "hook: crc_itu_t and omfs in /proc/modules"
	is "$(sed -n 's/^KMODDS-TAINT //p' <<< "$out" | tr '\n' ' ')" "crc_itu_t= omfs= " \
		"hook: both untainted (signatures accepted from the .sig files)"
fi
if [ -n "${built[nohook]:-}" ]; then
	boot nohook
	like "$out" "KMODDS-MODPROBE rc=[1-9]" "nohook: modprobe omfs fails"
	like "$out" "KMODDS-OUT modprobe: ERROR: .*/crc-itu-t\.ko: rejected by the kernel.* no detached signature .*/crc-itu-t\.ko\.sig" \
		"nohook: modprobe says the kernel rejected crc-itu-t, which has no .sig"
	like "$out" "KMODDS-OUT modprobe: ERROR: could not insert 'omfs': Key was rejected by service" \
		"nohook: modprobe gives up on omfs with EKEYREJECTED"
	like "$out" "KMODDS-KLOG Loading of unsigned module is rejected" \
		"nohook: kernel log: Loading of unsigned module is rejected"
	is "$(grep -c '^KMODDS-PROC ' <<< "$out")" 0 "nohook: neither module loaded"
fi

echo "# total $(e2e_elapsed "$t_all") s"
done_testing

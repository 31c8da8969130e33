#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dracut with kmod-ds on Debian's real module trees (6.1: .ko, 6.12: .ko.xz).
#
# 1. Debian 12's dracut-install (package dracut-core, downloaded and unpacked,
#    not installed) resolves kernel modules the ways dracut's modules ask it
#    to: names, symbolic aliases and modaliases; =subdir walks with the path
#    and symbol filters of 90kernel-modules and 50drm, and the name filter;
#    absolute paths; hostonly lists; --modalias over a made-up /sys/devices
#    (private mount namespace); firmware from a made-up firmware directory.
#    On 6.12 only names and a symbol filter: the rest does not depend on
#    the compression.
#    Each case runs once with LD_LIBRARY_PATH naming our libkmod.so.2 and once
#    naming Debian's; the installed trees (type, path, size of every file),
#    exit status, stdout and stderr must be identical and hold modules, and
#    the dynamic linker must have loaded the intended libkmod.so.2.  The same
#    cases with Debian 13's dracut-install (package dracut-install, dracut
#    106), started through the loader of the testsuite/debian-trixie.sh root
#    with our libkmod.so.2 first in its path and with Debian 13's (kmod 34.2).
# 2. Debian's dracut itself, with our depmod first in DRACUT_PATH and its
#    dracut-install run with our libkmod, builds an image from a copy of the
#    tree in which a few modules' signatures are detached (kmod detach), with
#    contrib/dracut/90kmod-detached-sig and two test modules adding kernel
#    modules before (50) and after (95) it, --drivers and --add-drivers adding
#    more after the module loop.  Every module of the image with a .sig in
#    the tree has it in the image, byte for byte, and there is no other .sig;
#    the modules are not stripped (6.1: --aggressive-strip); dracut indexed
#    the image with our depmod.  6.12 runs --kernel-only with a --kmoddir
#    spelt so that the module takes its one-file-a-run path.
# Hermetic: every program that reads modprobe.d or depmod.d (dracut,
# dracut-install, depmod) runs in a private mount namespace where those
# directories are the test's (testsuite/e2e/private-config.sh): the machine's
# packages (mdadm, udev, systemd...) add files there that dracut copies into
# the image and that change what dracut-install resolves.  The image must hold
# exactly the test's modprobe.d file.
# Needs dpkg-deb, apt (or the cached .debs), unshare and root; a missing
# prerequisite is a skip, and a failure when CI=true.  About a minute of CPU
# time (two minutes on a busy two-core machine).

set -uo pipefail
# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"
# shellcheck source=testsuite/e2e/host.sh
. "$top_srcdir/testsuite/e2e/host.sh"

ours_lib=$top_builddir/libkmod/.libs/libkmod.so.2
deb_lib=/lib/x86_64-linux-gnu/libkmod.so.2
kmod=$top_builddir/tools/kmod
deb_depmod=/usr/sbin/depmod
deb_modinfo=/usr/sbin/modinfo
dracut_module=$top_srcdir/contrib/dracut/90kmod-detached-sig
# Modules whose signature is detached in the copied trees.  In the images:
# isofs (added by a dracut module before ours), dca (needed by igb, added by
# one after ours), e100 (--drivers), vfat and fat (--add-drivers, fat as
# vfat's dependency).  minix is never put in an image: its .sig stays out.
DETACH=(fs/isofs/isofs drivers/dca/dca drivers/net/ethernet/intel/e100
	fs/fat/vfat fs/fat/fat fs/minix/minix)
NOT_IN_IMAGE=fs/minix/minix
# 90kernel-modules' block driver symbols.
BLOCKFUNCS='ahci_platform_get_resources|ata_scsi_ioctl|scsi_add_host|blk_cleanup_queue|register_mtd_blktrans|scsi_esp_register|register_virtio_device|usb_stor_disconnect|mmc_add_host|sdhci_add_host|scsi_add_host_with_dma|blk_mq_alloc_disk|blk_mq_alloc_request|blk_mq_destroy_queue|blk_cleanup_disk'

need_or_skip_all "$ours_lib (build first)" test -f "$ours_lib"
need_or_skip_all "$kmod (build first)" test -x "$kmod"
need_or_skip_all "Debian's libkmod at $deb_lib" test -f "$deb_lib"
need_or_skip_all "Debian's depmod and modinfo" test -x "$deb_depmod" -a -x "$deb_modinfo"
need_or_skip_all "dpkg-deb" command -v dpkg-deb
need_or_skip_all "cpio" command -v cpio
need_or_skip_all "root (mount namespaces)" test "$(id -u)" = 0
need_or_skip_all "unshare -m (Debian package util-linux)" unshare -m true

t_all=$(e2e_now)
diag "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
e2e_fetch dracut_root "Debian's dracut-core" e2e_packages dracut dracut-core
DI=$dracut_root/usr/lib/dracut/dracut-install
need_or_skip_all "dracut-install in dracut-core" test -x "$DI"
e2e_fetch trees "the Debian kernels" e2e_kernels
# Debian 13's dracut-install and libkmod (kmod 34.2), through that root's loader
pairs="ours:deb"
if debs13=$(bash "$top_srcdir/testsuite/debian-trixie.sh" debs 2> "$testdir/trixie.err") &&
	root13=$(bash "$top_srcdir/testsuite/debian-trixie.sh" root 2>> "$testdir/trixie.err"); then
	dpkg-deb -x "$(awk '$1 == "dracut-install" { print $2 }' <<< "$debs13")" "$testdir/di13"
	DI13=$testdir/di13/usr/lib/dracut/dracut-install
	need_or_skip "Debian 13's dracut-install" test -x "$DI13" && pairs+=" ours13:deb13"
else
	need_or_skip "Debian 13's dracut-install and kmod: $(tail -n 1 "$testdir/trixie.err")" false
fi

# The copied trees are hard links to the cache's files: removed before
# lib_cleanup's chmod -R can reach the cache through them.
# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	[[ ${KMOD_TEST_KEEP:-0} == 1 ]] || rm -rf "$testdir"/t-*
	lib_cleanup
}
trap cleanup EXIT

unset KMOD_DETACHED_SIG KMOD_LOG MODPROBE_OPTIONS LD_PRELOAD DRACUT_KERNEL_MODALIASES

# The only modprobe.d and depmod.d files the programs under test see.
pconf=$testdir/config
private_config=$top_srcdir/testsuite/e2e/private-config.sh
mkdir -p "$pconf/modprobe.d" "$pconf/depmod.d"
echo '# kmod-ds test: the only modprobe.d file' > "$pconf/modprobe.d/zz-kmodds-test.conf"

# private CMD...: CMD in a private mount namespace with $pconf's configuration.
private() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m sh -c 'sh "$0" "$1" && shift && exec "$@"' "$private_config" "$pconf" "$@"
}

# libdir IMPL: the directory LD_LIBRARY_PATH names for ours or deb; for ours13
# and deb13 the library path of Debian 13's loader.
libdir() {
	case $1 in
	ours) dirname "$ours_lib" ;;
	deb) dirname "$deb_lib" ;;
	ours13) echo "$(dirname "$ours_lib"):$root13/usr/lib/x86_64-linux-gnu" ;;
	deb13) echo "$root13/usr/lib/x86_64-linux-gnu" ;;
	esac
}

# Debian's libkmod prefixes its messages with "file:line"; ours does not.
norm_err() {
	sed -E 's#^libkmod: ([A-Z]+) \.\./libkmod/[^ ]+:[0-9]+ #libkmod: \1: #' "$1"
}

# pick N < LIST: N lines spread over the whole list.
pick() {
	awk -v n="$1" '{ l[NR] = $0 } END {
		step = NR / n; if (step < 1) step = 1
		for (i = 1; i <= NR && c < n; i += step) { print l[int(i)]; c++ } }'
}

# A modalias pattern made concrete: '*' matches nothing, '?' a 0, a class its
# first member.
concrete() {
	sed -E -e 's/\[!?\^?([^]])[^]]*\]/\1/g' -e 's/\*//g' -e 's/\?/0/g'
}

# make_tree KVER ROOT: $testdir/t-KVER, a copy of the tree (hard links where
# possible) with DETACH split into unsigned module + .sig, indexed by
# Debian's depmod; sets sroot, mods (its lib/modules/KVER) and ext.
make_tree() {
	local kver=$1 src=$2/lib/modules/$1 m f
	sroot=$testdir/t-$kver
	mods=$sroot/lib/modules/$kver
	mkdir -p "$mods"
	if ! cp -al "$src/kernel" "$mods/" 2> /dev/null; then
		rm -rf "$mods/kernel"
		cp -a "$src/kernel" "$mods/" || return 1
	fi
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[[ -f $src/$f ]] && cp "$src/$f" "$mods/"
	done
	ext=.ko
	[[ -f $src/kernel/fs/ext4/ext4.ko.xz ]] && ext=.ko.xz
	for m in "${DETACH[@]}"; do
		rm -f "$mods/kernel/$m$ext"
		"$kmod" detach -o "$mods/kernel/$m$ext" "$src/kernel/$m$ext" || return 1
		[[ -s $mods/kernel/$m$ext.sig ]] || return 1
	done
	private "$deb_depmod" -b "$sroot" "$kver"
}

# listing DIR: one line per file below DIR: type, path, size.
listing() {
	(cd "$1" && find . -mindepth 1 -printf '%y %P %s\n' | LC_ALL=C sort)
}

# di_run IMPL DEST OUT [ENV=VALUE...] -- ARGS...: dracut-install ARGS with
# the IMPL libkmod, installing into DEST; OUT.{out,err,rc}.
di_run() {
	local impl=$1 dest=$2 out=$3
	local -a envs=()
	shift 3
	while [[ $1 != -- ]]; do
		envs+=("$1")
		shift
	done
	shift
	rm -rf "$dest"
	mkdir -p "$dest"
	if [[ $impl == *13 ]]; then
		private env "${envs[@]}" "$root13/lib64/ld-linux-x86-64.so.2" --library-path "$(libdir "$impl")" \
			"$DI13" -D "$dest" --kerneldir "$mods" --firmwaredirs "$work/firmware" "$@" \
			> "$out.out" 2> "$out.err" < /dev/null
	else
		private env LD_LIBRARY_PATH="$(libdir "$impl")" "${envs[@]}" \
			"$DI" -D "$dest" --kerneldir "$mods" --firmwaredirs "$work/firmware" "$@" \
			> "$out.out" 2> "$out.err" < /dev/null
	fi
	echo $? > "$out.rc"
}

# deb_sig_artifacts P: what only Debian's libkmod does, taken out of P.files
# and P.msgs (P is a case's reference side, e.g. NAME.deb).  A walk (=DIR) hands every file to kmod_module_new_from_path;
# for MODULE.sig ours gives MODULE's module (libkmod.h), Debian's a module
# whose file is the .sig: "could not get modinfo ... Exec format error", and
# the .sig is installed as a module.  Ours must show neither: the lines are
# left in D.ours.*, where the comparison finds them.  Sets nsigdeb.
deb_sig_artifacts() {
	local p=$1 names
	# Debian 13's dracut-install does not install the .sig but still tries
	# its modinfo: the names of every detached module too.
	names=$({
		sed -n 's#^f .*/\([^/]*\)\.ko[^ /]*\.sig [0-9]*$#\1#p' "$p.files"
		printf '%s\n' "${DETACH[@]##*/}"
	} | tr - _ | sort -u)
	nsigdeb=$(grep -c '^f .*\.ko[^ /]*\.sig [0-9]*$' "$p.files")
	grep -v '^f .*\.ko[^ /]*\.sig [0-9]*$' "$p.files" > "$p.files.tmp"
	mv "$p.files.tmp" "$p.files"
	awk -v names="$names" 'BEGIN { n = split(names, a, "\n"); for (i = 1; i <= n; i++) sig[a[i]] = 1 }
		match($0, /^dracut-install: could not get modinfo from '"'"'[^'"'"']+'"'"': Exec format error$/) {
			m = $0; sub(/^dracut-install: could not get modinfo from '"'"'/, "", m)
			sub(/'"'"'.*/, "", m); if (m in sig) next }
		{ print }' "$p.msgs" > "$p.msgs.tmp"
	mv "$p.msgs.tmp" "$p.msgs"
}

# di_case NAME [ENV=VALUE...] -- ARGS...: dracut-install ARGS with our
# libkmod and with Debian's (and so again with Debian 13's dracut-install);
# two results a pair: the same files installed (at least one module), exit
# status and output; the same messages.
di_case() {
	local name=$1 impl d nmod nfw pair o r more
	shift
	for pair in $pairs; do
		o=${pair%:*} r=${pair#*:}
		for impl in "$o" "$r"; do
			d=$work/$name.$impl
			di_run "$impl" "$d.dest" "$d" "$@"
			{
				echo "exit $(< "$d.rc")"
				LC_ALL=C sort "$d.out"
				listing "$d.dest"
			} > "$d.files"
			norm_err "$d.err" > "$d.msgs"
			rm -rf "$d.dest"
		done
		d=$work/$name
		deb_sig_artifacts "$d.$r"
		nmod=$(grep -c "^f .*\.ko\(\.xz\)\? " "$d.$o.files")
		nfw=$(grep -c '^f .*/firmware/' "$d.$o.files")
		if ! cmp -s "$d.$o.files" "$d.$r.files"; then
			not_ok "$t: $r: $name: $(diff "$d.$o.files" "$d.$r.files" | grep -c '^[<>]') lines of files or output differ between our libkmod and Debian's"
			diff "$d.$o.files" "$d.$r.files" | head -n 20 | sed 's/^/#   /'
		elif ((nmod == 0)); then
			not_ok "$t: $r: $name: no module installed"
			head -n 5 "$d.$o.err" | sed 's/^/#   /'
		else
			more=
			[[ $nsigdeb == 0 ]] || more="; no .sig, where Debian's libkmod installed $nsigdeb as modules"
			ok "$t: $r: $name: same $nmod modules and $nfw firmware files, exit $(< "$d.$o.rc")$more"
		fi
		if cmp -s "$d.$o.msgs" "$d.$r.msgs"; then
			ok "$t: $r: $name: same messages ($(wc -l < "$d.$o.msgs") lines)"
		else
			not_ok "$t: $r: $name: messages differ"
			diff "$d.$o.msgs" "$d.$r.msgs" | head -n 20 | sed 's/^/#   /'
		fi
	done
}

# ld_check IMPL WHAT LOG...: the dynamic linker's libs logs name IMPL's libkmod.
ld_check() {
	local impl=$1 what=$2 want got
	shift 2
	want=$(readlink -f "$(libdir "$impl")/libkmod.so.2")
	got=$(sed -n 's/.*calling init: \(.*libkmod\.so\.2\)$/\1/p' "$@" | sort -u |
		while read -r f; do readlink -f "$f"; done | sort -u)
	is "$got" "$want" "$t: $what ran with $impl libkmod.so.2 ($want)"
}

# ---- 1. dracut-install with our libkmod and with Debian's ------------------------------

# modalias_ns IMPL MODALIASES: dracut-install --modalias with IMPL's libkmod
# in a private mount namespace where /sys/devices holds one directory per line
# of MODALIASES with that modalias, and /lib/modules/$(uname -r) is the tree
# (dracut 059 looks there in this mode, whatever --kerneldir says): an overlay
# on the directory /lib resolves to; the modprobe.d and depmod.d directories
# are $pconf's.  $work/modalias.IMPL.all gets the sorted output, the messages
# and the exit status.
modalias_ns() {
	local impl=$1 fake=$work/sysfs libfake=$work/libfake i=0 a
	if [[ ! -d $fake ]]; then
		mkdir -p "$fake" "$libfake/modules"
		while IFS= read -r a; do
			i=$((i + 1))
			mkdir "$fake/dev$i"
			printf '%s\n' "$a" > "$fake/dev$i/modalias"
		done < "$2"
		ln -s "$mods" "$libfake/modules/$(uname -r)"
	fi
	# shellcheck disable=SC2016 # expanded by the inner shell
	LD_LIBRARY_PATH=$(libdir "$impl") unshare -m bash -c '
		mount --bind "$1" /sys/devices &&
			mount -t overlay kmod-ds -o "lowerdir=$2:$3" "$3" && sh "$6" "$7" || exit 99
		"$4" --modalias > "$5.out" 2> "$5.err" < /dev/null
		echo "exit $?" >> "$5.out"' \
		sh "$fake" "$libfake" "$(readlink -f /lib)" "$DI" "$work/modalias.$impl" \
		"$private_config" "$pconf"
	{
		LC_ALL=C sort "$work/modalias.$impl.out"
		norm_err "$work/modalias.$impl.err"
	} > "$work/modalias.$impl.all"
}

dracut_installs() {
	local impl n f
	work=$testdir/$kver
	mkdir -p "$work/firmware"

	# Module names (modules.order), the modalias patterns made concrete, the
	# symbolic aliases.
	sed -e 's#.*/##' -e 's#\.ko.*##' "$mods/modules.order" > "$work/names"
	grep -v '^#' "$mods/modules.alias" | awk '{ print $2 }' > "$work/aliases"
	grep '[][*?]' "$work/aliases" | sort -u | pick 80 | concrete > "$work/modaliases"
	grep -v '[][*?]' "$work/aliases" | sort -u | pick 30 > "$work/symbolic"
	grep '^kernel/drivers/net/ethernet/' "$mods/modules.order" |
		sed -e 's#.*/##' -e 's#\.ko.*##' > "$work/ethernet"

	# Firmware: every other file the ethernet drivers ask for exists.
	# shellcheck disable=SC2046 # one word per name
	"$deb_modinfo" -b "$sroot" -k "$kver" -F firmware $(< "$work/ethernet") 2> /dev/null |
		grep -v '[][*?]' | sort -u | awk 'NR % 2' > "$work/fw"
	while IFS= read -r f; do
		mkdir -p "$work/firmware/$(dirname "$f")"
		echo "$f" > "$work/firmware/$f"
	done < "$work/fw"
	diag "$t: $(wc -l < "$work/names") modules; $(wc -l < "$work/fw") firmware files made up"

	# Names: on 6.1 all of drivers/net/ethernet; others spread over the tree,
	# some written with the suffix or with - for _; symbolic aliases; one that
	# does not exist.
	{
		[[ $t == 6.1 ]] && cat "$work/ethernet"
		pick 50 < "$work/names"
		pick 10 < "$work/names" | sed "s/\$/$ext/"
		grep _ "$work/names" | pick 10 | tr _ -
		cat "$work/symbolic"
		echo no-such-module
	} > "$work/args.names"
	mapfile -t args < "$work/args.names"
	di_case names -- -o -m "${args[@]}"
	for impl in ours deb; do
		di_run "$impl" "$work/ld.dest" "$work/ld" LD_DEBUG=libs \
			LD_DEBUG_OUTPUT="$work/ld.$impl" -- -o -m ext4 e1000e
		ld_check "$impl" dracut-install "$work/ld.$impl".*
	done
	# 90kernel-modules' walk with a filter on the symbols the modules use
	# (read from their ELF, decompressed for .ko.xz).
	di_case block-symbols -- -o -s "$BLOCKFUNCS" -m =drivers/ata =drivers/usb/storage \
		=drivers/mmc/host
	[[ $t == 6.1 ]] || return 0

	# 6.1 only, the rest does not depend on the compression.  Walks with
	# path filters (90kernel-modules), symbol filters (50drm), a name filter;
	# the walks meet the .sig files too.
	di_case fs-nopath -- -o -P '.*/(kernel/fs/nfs|kernel/fs/nfsd|kernel/fs/lockd)/.*' -m =fs
	di_case drm-symbols -- -o -s 'drm_crtc_init|drm_dev_register|drm_encoder_init' \
		-S iw_handler_get_spy -m =drivers/gpu/drm/tiny =drivers/gpu/drm/ast \
		=drivers/gpu/drm/mgag200 =drivers/gpu/drm/qxl =drivers/gpu/drm/bochs
	di_case path-noname -- -o -N 'e1000|igb' -p '/kernel/drivers/net/' \
		-m =drivers/net/ethernet/intel =fs/ext4 e1000e ixgbe
	mapfile -t args < <(find "$mods/kernel/drivers/net/ethernet" -name "*$ext" |
		LC_ALL=C sort | pick 12)
	di_case paths -- -o -m "${args[@]}"
	mapfile -t args < "$work/modaliases"
	di_case modaliases -- -o -m "${args[@]}"
	# Hostonly: only the modules dracut found on this machine.
	pick 25 < "$work/ethernet" > "$work/hostonly"
	di_case hostonly DRACUT_KERNEL_MODALIASES="$work/hostonly" -- -o -H \
		-m =drivers/net/ethernet
	# Without -o a missing module fails.
	di_case missing -- -m e1000e no-such-module
	like "$(< "$work/missing.ours.rc") $(grep -c . "$work/missing.ours.err")" '^[1-9][0-9]* [1-9]' \
		"$t: missing: a module that does not exist fails dracut-install, with a message"

	# --modalias, what dracut runs for hostonly images.
	cp "$work/modaliases" "$work/sys"
	for impl in ours deb; do
		modalias_ns "$impl" "$work/sys"
	done
	n=$(grep -vc '^exit' "$work/modalias.ours.out")
	if ! cmp -s "$work/modalias.ours.all" "$work/modalias.deb.all"; then
		not_ok "$t: --modalias: output differs"
		diff "$work/modalias.ours.all" "$work/modalias.deb.all" | head -n 20 | sed 's/^/#   /'
	elif ((n == 0)); then
		not_ok "$t: --modalias: no module found for $(wc -l < "$work/sys") modaliases"
		sed 's/^/#   /' "$work/modalias.ours.out" "$work/modalias.ours.err" | head -n 5
	else
		ok "$t: --modalias over $(wc -l < "$work/sys") made-up devices: same $n modules"
	fi
}

# ---- 2. dracut with 90kmod-detached-sig --------------------------------------------------

# A dracut tree of our own: Debian's, our module, and two test modules that
# add kernel modules before and after ours.
make_dracut_base() {
	dbase=$testdir/dracut
	cp -a "$dracut_root/usr/lib/dracut" "$dbase"
	cp -a "$dracut_module" "$dbase/modules.d/"
	mkdir -p "$dbase/modules.d/50kdsearly" "$dbase/modules.d/95kdslate" "$testdir/dracut.conf.d"
	printf '%s\n' '#!/bin/bash' 'check() { return 255; }' 'depends() { return 0; }' \
		'installkernel() { instmods isofs; }' > "$dbase/modules.d/50kdsearly/module-setup.sh"
	printf '%s\n' '#!/bin/bash' 'check() { return 255; }' 'depends() { return 0; }' \
		'installkernel() { instmods igb; }' > "$dbase/modules.d/95kdslate/module-setup.sh"
	# dracut sets PATH from DRACUT_PATH and unsets LD_LIBRARY_PATH: our
	# depmod, noting how dracut calls it, and dracut-install with our
	# libkmod, the dynamic linker's log telling which one it loaded.
	mkdir -p "$testdir/bin" "$testdir/ld-dracut"
	printf '%s\n' '#!/bin/sh' "echo \"\$*\" >> '$testdir/depmod.calls'" \
		"exec '$top_builddir/tools/depmod' \"\$@\"" > "$testdir/bin/depmod"
	printf '%s\n' '#!/bin/sh' "LD_LIBRARY_PATH='$(libdir ours)' LD_DEBUG=libs \\" \
		"	LD_DEBUG_OUTPUT='$testdir/ld-dracut/ld' exec '$dbase/dracut-install' \"\$@\"" \
		> "$testdir/bin/dracut-install"
	chmod +x "$testdir/bin/depmod" "$testdir/bin/dracut-install"
}

# run_dracut NAME KMODDIR [ENV=VALUE...] -- DRACUT-OPTIONS...: Debian's dracut
# with our tools and libkmod, an uncompressed image $work/NAME.img unpacked in
# $work/NAME.root; dracut's messages in $work/NAME.log.  Fails when dracut does.
run_dracut() {
	local name=$1 kmoddir=$2 rc
	local -a envs=()
	shift 2
	while [[ $1 != -- ]]; do
		envs+=("$1")
		shift
	done
	shift
	mkdir -p "$work/$name.tmp" "$work/$name.root"
	: > "$testdir/depmod.calls"
	rm -f "$testdir/ld-dracut"/*
	private env "${envs[@]}" dracutbasedir="$dbase" DRACUT_INSTALL="$testdir/bin/dracut-install" \
		DRACUT_PATH="$testdir/bin $top_builddir/tools /sbin /bin /usr/sbin /usr/bin" \
		bash "$dracut_root/usr/bin/dracut" --conf /dev/null --confdir "$testdir/dracut.conf.d" \
		--kver "$kver" --kmoddir "$kmoddir" --no-hostonly --no-early-microcode --no-compress \
		--tmpdir "$work/$name.tmp" --force "$@" "$work/$name.img" > "$work/$name.log" 2>&1 < /dev/null
	rc=$?
	is "$rc" 0 "$t: $name: dracut builds the image"
	if [[ $rc != 0 ]]; then
		tail -n 20 "$work/$name.log" | sed 's/^/#   /'
		return 1
	fi
	(cd "$work/$name.root" && cpio -id --quiet) < "$work/$name.img"
	local re=${kver//./\\.}
	[[ " $* " == *" --no-kernel "* ]] ||
		like "$(< "$testdir/depmod.calls")" "^-a -b [^ ]+ ${re//+/\\+}\$" \
			"$t: $name: dracut indexed the image with our depmod"
	ld_check ours "$name: dracut's dracut-install" "$testdir/ld-dracut"/*
}

# check_image NAME: every module in the image with a .sig in the tree has it
# there, the same bytes, there is no other .sig, the modules are the tree's.
check_image() {
	local name=$1 root=$work/$1.root kdir rel want got bad=0 badmod=0
	kdir=$(readlink -f "$root/lib/modules/$kver")
	(cd "$kdir" && find . -name "*.ko" -o -name "*.ko.xz") | sed 's#^\./##' | LC_ALL=C sort \
		> "$work/$name.mods"
	want=$(while read -r rel; do [[ -f $mods/$rel.sig ]] && echo "$rel.sig"; done \
		< "$work/$name.mods")
	got=$(cd "$kdir" && find . -name '*.sig' | sed 's#^\./##' | LC_ALL=C sort)
	is "$got" "$want" "$t: $name: the .sig of each of its $(wc -l < "$work/$name.mods") modules is in the image, no other"
	for m in "${DETACH[@]}"; do
		[[ $m == "$NOT_IN_IMAGE" ]] && continue
		grep -qx "kernel/$m$ext.sig" <<< "$got" || bad=$((bad + 1))
	done
	is "$bad" 0 "$t: $name: the modules added before, by and after the module loop have their .sig"
	bad=0
	while read -r rel; do
		cmp -s "$kdir/$rel" "$mods/$rel" || badmod=$((badmod + 1))
		[[ -f $mods/$rel.sig ]] && ! cmp -s "$kdir/$rel.sig" "$mods/$rel.sig" && bad=$((bad + 1))
	done < "$work/$name.mods"
	is "$bad $badmod" "0 0" "$t: $name: signatures and modules are the tree's, byte for byte"
	is "$(grep -c '\.sig' "$kdir/modules.dep")" 0 "$t: $name: depmod on the image left the .sig files out"
	# 90kernel-modules copies the modprobe.d files it finds (its install(),
	# which --kernel-only leaves out): the test's, none of the machine's.
	want=usr/lib/modprobe.d/zz-kmodds-test.conf
	[[ $t == 6.1 ]] || want=
	got=$(cd "$root" && find . -path '*/modprobe.d/*' ! -type d | sed 's#^\./##' | LC_ALL=C sort)
	[[ -z $want ]] || cmp -s "$root/$want" "$pconf/modprobe.d/${want##*/}" || got+=" (different)"
	is "$got" "$want" "$t: $name: the image's modprobe.d files are the test's, no other"
}

t_part=$(e2e_now)
while read -r kver root; do
	[[ -n $kver ]] || continue
	t=$(e2e_series "$kver")
	t0=$(e2e_now)
	if ! make_tree "$kver" "$root" > "$testdir/tree.log" 2>&1; then
		sed 's/^/#   /' "$testdir/tree.log"
		not_ok "$t: copy the tree, detach signatures, index it"
		continue
	fi
	diag "$t: tree copied, ${#DETACH[@]} signatures detached, indexed in $(e2e_elapsed "$t0") s"
	t0=$(e2e_now)
	dracut_installs
	diag "$t: dracut-install cases: $(e2e_elapsed "$t0") s"
done <<< "$trees"
diag "part 1: $(e2e_elapsed "$t_part") s"

make_dracut_base
while read -r kver root; do
	[[ -n $kver ]] || continue
	t=$(e2e_series "$kver")
	mods=$testdir/t-$kver/lib/modules/$kver
	work=$testdir/$kver
	ext=.ko
	[[ -f $mods/kernel/fs/ext4/ext4.ko.xz ]] && ext=.ko.xz
	[[ -f $mods/modules.dep ]] || continue
	t0=$(e2e_now)
	if [[ $t == 6.1 ]]; then
		if run_dracut image "$mods" -- -m "kernel-modules kdsearly kdslate kmod-detached-sig" \
			--drivers e100 --add-drivers vfat --aggressive-strip; then
			check_image image
			n=$((${#DETACH[@]} - 1))
			like "$(< "$work/image.log")" "not stripping: .* of $n modules" \
				"$t: image: stripping turned off for the $n plain modules with a .sig"
			is "$(grep -c 'modules with a \.sig: installed' "$work/image.log")" 0 \
				"$t: image: plain .ko modules only: no decompressor installed"
		fi
	else
		# --kernel-only; "<kver>/." is not ".../lib/modules/<kver>", so the
		# module copies the .sig files one a run.
		if run_dracut image "$mods/." DRACUT_KMODDIR_OVERRIDE=1 -- --kernel-only \
			-m "kernel-modules kdsearly kdslate kmod-detached-sig" --drivers e100 \
			--add-drivers vfat; then
			check_image image
			# libkmod decompresses a .ko.xz with a .sig itself, with the liblzma
			# it loads with dlopen (dracut's ldd never sees it): the module
			# installs the host's.
			so=$(grep -a -o -m1 'liblzma\.so\.[0-9]*' "$kmod" | head -n1)
			lzma=$(cd "$work/image.root" && find . -name "$so" ! -type d | sed 's#^\./##' | head -n1)
			if [[ -n $so && -n $lzma ]] && cmp -s "$work/image.root/$lzma" "$(readlink -f "/$lzma")"; then
				ok "$t: image: .ko.xz modules with a .sig: the image holds $lzma, the host's"
			else
				not_ok "$t: image: .ko.xz modules with a .sig: no ${so:-liblzma} in the image"
				grep -E 'kmod-detached-sig|lzma' "$work/image.log" | sed 's/^/#   /'
			fi
			like "$(< "$work/image.log")" "kmod-detached-sig: \.ko\.xz modules with a \.sig: installed /[^ ]*/${so:-liblzma}" \
				"$t: image: dracut's log says so"
			if grep -q 'not stripping' "$work/image.log"; then
				not_ok "$t: image: stripping left alone (dracut never strips .ko.xz)"
			else
				ok "$t: image: stripping left alone (dracut never strips .ko.xz)"
			fi
		fi
	fi
	diag "$t: dracut: $(e2e_elapsed "$t0") s"
done <<< "$trees"

# "detached_sig require" in the image's modprobe.d: libkmod then needs
# libcrypto, which it loads with dlopen (dracut's ldd never sees it); the
# module's install() adds it, and only then.  dracut --no-kernel runs the
# modules' install() alone; the configuration is the namespace's, which
# 90kernel-modules copies into the image.
read -r kver root <<< "$trees"
t=$(e2e_series "$kver")
mods=$testdir/t-$kver/lib/modules/$kver
work=$testdir/$kver
soname=$(grep -a -o -m1 'libcrypto\.so\.[0-9]*' "$kmod" | head -n1)
for policy in auto require; do
	pconf=$testdir/config-$policy
	mkdir -p "$pconf/modprobe.d" "$pconf/depmod.d"
	cp "$testdir/config/modprobe.d/zz-kmodds-test.conf" "$pconf/modprobe.d/"
	[[ $policy == auto ]] || echo 'detached_sig require' >> "$pconf/modprobe.d/zz-kmodds-test.conf"
	run_dracut "tools-$policy" "$mods" -- --no-kernel -m "kernel-modules kmod-detached-sig" || continue
	crypto=$(cd "$work/tools-$policy.root" && find . -name 'libcrypto.so*' ! -type d | sed 's#^\./##' |
		LC_ALL=C sort | tr '\n' ' ')
	if [[ $policy == auto ]]; then
		is "$crypto" "" "$t: tools-auto: no libcrypto in the image (the policy is auto)"
		continue
	fi
	crypto=${crypto%% *}
	host=$(readlink -f "/${crypto:-none}")
	if [[ ${crypto##*/} == "$soname" ]] && cmp -s "$work/tools-require.root/$crypto" "$host"; then
		ok "$t: tools-require: the image holds $crypto, the host's $host"
	else
		not_ok "$t: tools-require: no $soname in the image (found: '${crypto:-none}')"
		grep -E 'kmod-detached-sig|libcrypto' "$work/tools-require.log" | sed 's/^/#   /'
	fi
	like "$(< "$work/tools-require.log")" "kmod-detached-sig: detached_sig require: installed /[^ ]*/$soname" \
		"$t: tools-require: dracut's log says so"
done
pconf=$testdir/config

# check(): in by default when the kernel has detached signatures, else on request.
read -r kver root <<< "$trees"
for case in "$testdir/t-$kver/lib/modules/$kver:0" "$root/lib/modules/$kver:255"; do
	rc=$(srcmods=${case%:*} bash -c '. "$0"; check; echo $?' "$dracut_module/module-setup.sh")
	is "$rc" "${case##*:}" "check() returns ${case##*:} for ${case%:*}"
done
diag "all: $(e2e_elapsed "$t_all") s"
done_testing

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Every file the tools and the library read is opened by open_regular(): an
# O_PATH look, regular files only, then O_RDONLY|O_NONBLOCK|O_NOCTTY|O_CLOEXEC
# (issue 15, item 5; depmod is tested on its own).
#   1. A FIFO and a character device (mknod c 1 5, /dev/zero's numbers) in
#      place of a module, a .sig, an index, modules.builtin.modinfo, a
#      modprobe.d file, /proc/cmdline, and the inputs of kmod sign, verify,
#      attach, detach and show-sig: no hang (timeout 20), a message naming the
#      file, kmod's exit status (the one it has when the file is missing;
#      an unusable .sig is refused, as a malformed one is).
#   2. Under strace -f: every open(at) for reading that the tools make carries
#      O_NONBLOCK or is O_PATH (shared libraries aside), and the FIFOs and
#      devices of part 1 are never opened but through O_PATH.

# shellcheck disable=SC2034
# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"
set -u

fx=$top_builddir/testsuite/fixtures
tools=$top_builddir/tools
need_or_skip_all "trap library" test -f "$TRAP_LIB"
need_or_skip_all "fixture modules" test -f "$fx/mod-foo.ko"

unset TRAP_RESULTS KMOD_DETACHED_SIG MODPROBE_OPTIONS KMOD_LOG
kver=6.1.0-test
moddir=/lib/modules/$kver
TRAP_LOG=$testdir/trap.log
TRAP_ROOT=$testdir/root
TRAP_UNAME_R=$kver
kinds="fifo chardev"
if [ "$(id -u)" != 0 ]; then
	kinds=fifo
	skip "character devices: mknod needs root"
fi

# The tree: mod-foo needs mod-foo-b needs mod-foo-a, each with a .sig; the
# builtin bfoo; one modprobe.d file; indexed by our depmod.
base=$testdir/base
k=$base$moddir
fixture_signed_root "$base" "$kver"
printf 'kernel/fs/bfoo.ko\n' > "$k/modules.builtin"
printf 'bfoo.description=a builtin fixture\0' > "$k/modules.builtin.modinfo"
echo 'options mod-foo x=1' > "$base/etc/modprobe.d/a.conf"
"$tools/depmod" -b "$base" "$kver" 2> /dev/null || echo "Bail out! depmod failed on the fixture tree"

fresh() {
	rm -rf "$TRAP_ROOT" "$TRAP_LOG"
	cp -a "$base" "$TRAP_ROOT"
}

# put KIND PATH: a FIFO or a character device at PATH.
put() {
	rm -rf "$2"
	case $1 in
	fifo) mkfifo "$2" ;;
	chardev) mknod "$2" c 1 5 ;;
	esac
}

# ---- 1. FIFOs and devices in place of what the tools read --------------------------

# refuse KIND TARGET RC CMD...: TARGET (a path in the root) replaced by KIND,
# CMD run under the trap: exit RC, no hang, "TARGET: not a regular file".
refuse() {
	_kind=$1 _target=$2 _rc=$3
	shift 3
	fresh
	put "$_kind" "$TRAP_ROOT$_target"
	trap_run timeout -k 5 20 "$@"
	is "$trap_rc" "$_rc" "$_kind as $_target: ${*##*/}: exit $_rc (no hang)"
	like "$trap_err" "$_target: not a regular file" "$_kind as $_target: ${*##*/}: says so, naming it"
}

for kind in $kinds; do
	# a module: refused as a missing one is
	mod=$moddir/kernel/mod-foo-a.ko
	refuse "$kind" "$mod" 1 "$tools/insmod" "$mod"
	is "$(cat "$TRAP_LOG" 2> /dev/null)" "" "$kind as $mod: insmod: no system call"
	# modinfo takes a path that is not a regular file for an alias, as kmod
	# does (stat only), and says kmod's words
	fresh
	put "$kind" "$TRAP_ROOT$mod"
	trap_run timeout -k 5 20 "$tools/modinfo" "$mod"
	is "$trap_rc:$trap_err" "1:modinfo: ERROR: Module $mod not found." \
		"$kind as $mod: modinfo: exit 1, kmod's message naming it"
	refuse "$kind" "$mod" 1 "$tools/modprobe" mod-foo
	is "$(cat "$TRAP_LOG" 2> /dev/null)" "" "$kind as $mod: modprobe: nothing loaded"
	# a .sig: refused before any system call, as a malformed .sig is
	refuse "$kind" "$mod.sig" 1 "$tools/insmod" "$mod"
	is "$(cat "$TRAP_LOG" 2> /dev/null)" "" "$kind as $mod.sig: insmod: no system call"
	refuse "$kind" "$mod.sig" 1 "$tools/modprobe" mod-foo
	# indexes: as without them (kmod 30 says the module is not found)
	refuse "$kind" "$moddir/modules.dep.bin" 1 "$tools/modprobe" --show-depends mod-foo
	like "$trap_err" "Module mod-foo not found" "$kind as modules.dep.bin: the module is not found"
	refuse "$kind" "$moddir/modules.dep.bin" 1 "$tools/modinfo" mod-foo
	refuse "$kind" "$moddir/modules.alias.bin" 0 "$tools/modprobe" --show-depends mod-foo
	refuse "$kind" "$moddir/modules.builtin.modinfo" 1 "$tools/modinfo" bfoo
	# configuration: skipped, the rest is read
	refuse "$kind" /etc/modprobe.d/a.conf 0 "$tools/modprobe" -c
	refuse "$kind" /etc/modprobe.d/a.conf 0 "$tools/modprobe" --show-depends mod-foo
	refuse "$kind" /proc/cmdline 0 "$tools/modprobe" -c
done

# kmod sign, verify, attach, detach, show-sig: their inputs, outside the root.
# A build without libcrypto has no sign, verify or show-sig.
s=$testdir/sign
crypto=yes
has_feature LIBCRYPTO || crypto=
for kind in $kinds; do
	rm -rf "$s"
	mkdir -p "$s"
	cp "$fx/dummy.ko" "$fx/key.pem" "$fx/cert.pem" "$s/"
	cp "$fx/dummy-signed.ko" "$s/signed.ko"
	for c in "key.pem:sign -k $s/key.pem -c $s/cert.pem $s/dummy.ko" \
		"cert.pem:sign -k $s/key.pem -c $s/cert.pem $s/dummy.ko" \
		"cert.pem:verify -c $s/cert.pem $s/signed.ko" \
		"dummy.ko.sig:attach -o $s/out.ko $s/dummy.ko" \
		"dummy.ko.sig:show-sig $s/dummy.ko" \
		"signed.ko:detach -o $s/out.ko $s/signed.ko"; do
		f=$s/${c%%:*} args=${c#*:}
		case ${args%% *} in
		sign | verify | show-sig)
			if [ -z "$crypto" ]; then
				skip "$kind as ${f##*/}: kmod ${args%% *}: built without libcrypto, no such command"
				continue
			fi
			;;
		esac
		[ -e "$f.orig" ] || cp "$f" "$f.orig" 2> /dev/null
		put "$kind" "$f"
		# shellcheck disable=SC2086 # the arguments are words
		timeout -k 5 20 "$tools/kmod" $args > "$testdir/out" 2> "$testdir/err" < /dev/null
		rc=$?
		is "$rc" 1 "$kind as ${f##*/}: kmod ${args%% *}: exit 1 (no hang)"
		# verify and show-sig report on stdout (show-sig: a line after the path)
		like "$(cat "$testdir/err" "$testdir/out" | tr '\n' ' ')" \
			"$f(: | .* malformed: +)not a regular file" \
			"$kind as ${f##*/}: kmod ${args%% *}: says so, naming it"
		rm -f "$f" "$s/out.ko"
		[ ! -e "$f.orig" ] || mv "$f.orig" "$f"
	done
done

# ---- 2. the flags of every open, from strace -------------------------------------

if ! need_or_skip "strace" strace -V; then
	done_testing
fi
# LeakSanitizer stops the world through ptrace, which strace holds already.
if sanitizer_build; then
	ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0
	export ASAN_OPTIONS
fi

# traced CMD...: CMD under strace -f and the trap; sets trap_rc and $testdir/opens
# (one line per call: flags, a tab, the path).
traced() {
	rm -f "$testdir/strace"
	strace -f -qq -e trace=open,openat,openat2,creat -o "$testdir/strace" \
		-E LD_PRELOAD="$TRAP_LIB" -E TRAP_ROOT="$TRAP_ROOT" -E TRAP_LOG="$TRAP_LOG" \
		-E TRAP_UNAME_R="$kver" -E TRAP_PASSTHROUGH="$top_builddir:$top_srcdir:$testdir" \
		-E LC_ALL=C \
		timeout -k 5 20 "$@" > /dev/null 2> "$testdir/err" < /dev/null
	trap_rc=$?
	# pid open("path", FLAGS...) / openat(DIRFD, "path", FLAGS...)
	sed -n -E 's/^[0-9]+ +(open|creat)\("([^"]*)", ([A-Z_|0-9]+).*/\3\t\2/p;
		s/^[0-9]+ +openat2?\([^,]+, "([^"]*)", ([A-Z_|0-9]+).*/\2\t\1/p' \
		"$testdir/strace" > "$testdir/opens"
}

# Opens that read without O_NONBLOCK and without O_PATH (or O_DIRECTORY, which
# fails on anything but a directory, the one a tool writes its files into),
# leaving out what is
# not the tools' reading: the dynamic loader (libraries, ld.so.cache), locale
# data, glibc's own /sys/devices/system/cpu reading behind
# sysconf(_SC_NPROCESSORS_ONLN), and in a sanitizer build the runtime's
# /proc/self/{maps,cmdline,environ}.  Not libcrypto's openssl.cnf: the tools
# start libcrypto without it (libkmod-crypto.c).
runtime='/sys/devices/system/cpu/.*|/usr/(lib|share)/locale/.*'
sanitizer_build && runtime="$runtime|/proc/self/(maps|cmdline|environ)"
blocking_reads() {
	awk -F '\t' '$1 !~ /O_WRONLY|O_RDWR|O_CREAT|O_NONBLOCK|O_PATH|O_DIRECTORY/' "$testdir/opens" |
		grep -v -E "	(.*\.so(\.[0-9.]+)?|/etc/ld\.so\.cache|$runtime)\$" || true
}

no_blocking() { # DESC CMD...
	_d=$1
	shift
	traced "$@"
	is "$(blocking_reads)" "" "strace: $_d: every open for reading is O_NONBLOCK or O_PATH"
}

fresh
no_blocking "modprobe --show-depends" "$tools/modprobe" --show-depends mod-foo
no_blocking "modprobe -c" "$tools/modprobe" -c
no_blocking "modprobe (module, .sig, sysfs, /proc)" "$tools/modprobe" mod-foo
like "$(cat "$TRAP_LOG" 2> /dev/null)" "^init_module" "strace: modprobe loaded through the trap"
no_blocking "lsmod" "$tools/lsmod"
no_blocking "modinfo by name" "$tools/modinfo" mod-foo mod-foo-a bfoo
no_blocking "rmmod" "$tools/rmmod" mod-foo
no_blocking "modprobe -r" "$tools/modprobe" -r mod-foo-b
fresh
no_blocking "insmod with a .sig" "$tools/insmod" "$moddir/kernel/mod-foo-a.ko"
no_blocking "modinfo of a file" "$tools/modinfo" "$moddir/kernel/mod-foo.ko"
mkdir -p "$TRAP_ROOT/lib/modules/$kver"
printf 'fuse fuse c10:229\n' > "$TRAP_ROOT$moddir/modules.devname"
no_blocking "kmod static-nodes" "$tools/kmod" static-nodes
rm -rf "$s"
mkdir -p "$s"
cp "$fx/dummy.ko" "$fx/key.pem" "$fx/cert.pem" "$s/"
cp "$fx/dummy-signed.ko" "$s/signed.ko"
if [ -n "$crypto" ]; then
	no_blocking "kmod sign" "$tools/kmod" sign -k "$s/key.pem" -c "$s/cert.pem" "$s/dummy.ko"
	no_blocking "kmod verify" "$tools/kmod" verify -c "$s/cert.pem" "$s/dummy.ko" "$s/signed.ko"
	no_blocking "kmod show-sig" "$tools/kmod" show-sig "$s/dummy.ko"
else
	skip "strace: kmod sign, verify, show-sig: built without libcrypto, no such commands"
fi
no_blocking "kmod detach" "$tools/kmod" detach -o "$s/un.ko" "$s/signed.ko"
no_blocking "kmod attach" "$tools/kmod" attach -o "$s/att.ko" "$s/un.ko"
is "$trap_rc" 0 "strace: the traced runs work (kmod attach exits 0)"

# A FIFO or a device is looked at through O_PATH and never opened.
# only_path KIND TARGET CMD...
only_path() {
	_kind=$1 _target=$2
	shift 2
	fresh
	put "$_kind" "$TRAP_ROOT$_target"
	traced "$@"
	_opens=$(awk -F '\t' -v p="$TRAP_ROOT$_target" '$2 == p' "$testdir/opens")
	like "$_opens" "O_PATH" "strace: $_kind as $_target: ${*##*/}: looked at"
	is "$(printf '%s\n' "$_opens" | grep -v O_PATH)" "" \
		"strace: $_kind as $_target: ${*##*/}: never opened but through O_PATH"
}
for kind in $kinds; do
	only_path "$kind" "$moddir/kernel/mod-foo-a.ko" "$tools/insmod" "$moddir/kernel/mod-foo-a.ko"
	only_path "$kind" "$moddir/kernel/mod-foo-a.ko.sig" "$tools/insmod" "$moddir/kernel/mod-foo-a.ko"
	only_path "$kind" "$moddir/modules.dep.bin" "$tools/modprobe" --show-depends mod-foo
	only_path "$kind" /etc/modprobe.d/a.conf "$tools/modprobe" -c
done

done_testing

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Hostile input: broken ELF modules (testsuite/hostile-gen), decompression
# bombs, truncated and garbage index files, configuration files with NUL
# bytes, 1 MiB lines and no final newline, and every kind of broken .sig.
# Each case runs through our tools under the trap (nothing reaches the
# kernel) and must end with exit status 0 or 1 (kmod's), never a signal or a
# hang (timeout 20), and an error message that names the file.  Where
# Debian's kmod refuses the same input, ours must refuse it too.

# shellcheck disable=SC2034
# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"
set -u

fx=$top_builddir/testsuite/fixtures
gen=$top_builddir/testsuite/hostile-gen
tools=$top_builddir/tools
need_or_skip_all "trap library" test -f "$TRAP_LIB"
need_or_skip_all "fixture modules" test -f "$fx/mod-foo.ko"
need_or_skip_all "hostile-gen" test -x "$gen"

unset TRAP_RESULTS KMOD_DETACHED_SIG MODPROBE_OPTIONS KMOD_LOG
kver=6.1.0-test
moddir=/lib/modules/$kver
TRAP_LOG=$testdir/trap.log
TRAP_ROOT=$testdir/root
TRAP_UNAME_R=$kver
deb_modinfo=/usr/sbin/modinfo
deb_modprobe=/usr/sbin/modprobe
deb_insmod=/usr/sbin/insmod
have_debian=false
[ -x "$deb_modinfo" ] && [ -x "$deb_modprobe" ] && [ -x /usr/sbin/depmod ] && have_debian=true

ncases=0
start=$SECONDS

# run CMD...: CMD under the trap with a 20 s limit; sets trap_rc/trap_err.
run() { trap_run timeout -k 5 20 "$@"; }

# sane DESC [ERE]: the last run ended with status 0 or 1 (no signal, no
# hang); a failure printed something matching ERE (the file's name).
sane() {
	if [ "$trap_rc" -eq 0 ] || [ "$trap_rc" -eq 1 ]; then
		if [ "$trap_rc" -eq 1 ] && [ -n "${2:-}" ] &&
			! printf '%s\n' "$trap_err" | grep -qE -- "$2"; then
			not_ok "$1: exit 1 without naming $2"
			diag "$trap_err"
			return
		fi
		ok "$1 (exit $trap_rc)"
	else
		not_ok "$1: exit status $trap_rc (signal or hang)"
		diag "$trap_err"
	fi
}

# A tree of three modules (mod-foo needs mod-foo-b needs mod-foo-a), indexed
# by our depmod, with .sig files for all three.
make_tree() { # DIR
	rm -rf "$1"
	fixture_signed_root "$1" "$kver"
	mkdir -p "$1/etc/depmod.d"
	"$tools/depmod" -b "$1" "$kver" 2> /dev/null || echo "Bail out! depmod failed on the fixture tree"
}
base=$testdir/base
make_tree "$base"
fresh() {
	rm -rf "$TRAP_ROOT" "$TRAP_LOG"
	cp -a "$base" "$TRAP_ROOT"
}

# ---- 1. broken ELF: modinfo, insmod -f (the init_module path strips), modprobe
# --dump-modversions, depmod on a tree holding it ------------------------------

elf=$testdir/elf
mkdir -p "$elf"
"$gen" "$fx/mod-foo.ko" "$elf" > "$testdir/elf.list" || echo "Bail out! hostile-gen failed"
nelf=$(wc -l < "$testdir/elf.list")
agree=0 stricter=0 debcrash=0
fresh
mkdir -p "$TRAP_ROOT$moddir/kernel/hostile"
while read -r c; do
	f=$elf/$c.ko
	named="$c|${c//-/_}"
	ncases=$((ncases + 1))
	run "$tools/modinfo" "$f"
	ours=$trap_rc
	sane "ELF $c: modinfo" "$named"
	if $have_debian; then
		run "$deb_modinfo" "$f"
		if [ "$trap_rc" -ge 128 ]; then
			debcrash=$((debcrash + 1))
		elif [ "$trap_rc" = "$ours" ]; then
			agree=$((agree + 1))
		elif [ "$trap_rc" = 0 ]; then
			stricter=$((stricter + 1))
		else
			not_ok "ELF $c: Debian's modinfo refuses it (exit $trap_rc), ours exits $ours"
		fi
	fi
	rm -rf "$TRAP_ROOT/sys/module"/* "$TRAP_LOG"
	TRAP_RESULTS="finit_module=ENOSYS"
	run "$tools/insmod" -f "$f"
	unset TRAP_RESULTS
	sane "ELF $c: insmod -f on the init_module path" "$named"
	run "$tools/modprobe" --dump-modversions "$f"
	sane "ELF $c: modprobe --dump-modversions" "$named"
	cp "$f" "$TRAP_ROOT$moddir/kernel/hostile/"
	cp "$fx/mod-foo-a.ko.trailer" "$TRAP_ROOT$moddir/kernel/hostile/$c.ko.sig"
done < "$testdir/elf.list"
diag "ELF cases: $nelf; modinfo agrees with Debian's on $agree, refuses $stricter that Debian's accepts, Debian's crashes on $debcrash"
# All of them in one tree: depmod indexes the good modules, modprobe gets through.
run "$tools/depmod" "$kver"
sane "ELF: depmod on a tree holding all $nelf broken modules"
run "$tools/modprobe" --show-depends mod-foo
is "$trap_rc:$trap_out" "0:$(printf "insmod $moddir/kernel/%s.ko \\n" mod-foo-a mod-foo-b mod-foo)" \
	"ELF: the good modules are still indexed next to the broken ones"
rm -rf "$TRAP_ROOT/sys/module"/* "$TRAP_LOG"
# shellcheck disable=SC2046
run "$tools/modprobe" -a $(tr - _ < "$testdir/elf.list")
sane "ELF: modprobe -a of all the broken modules (with .sig)"
diag "ELF section: $((SECONDS - start)) s"

# Precise answers for a few of them: kmod's line, naming the module and the
# error (libkmod's own "not a valid ELF module" is a debug message, as kmod's).
unset TRAP_ROOT
run "$tools/modinfo" "$elf/trunc-0.ko"
like "$trap_rc:$trap_err" "^1:modinfo: ERROR: $elf/trunc-0.ko: file too short" "ELF trunc-0: modinfo says 'file too short'"
for c in trunc-64 class32 shstrndx-big sec6-off-eof; do
	run "$tools/modinfo" "$elf/$c.ko"
	like "$trap_rc:$(printf '%s\n' "$trap_err" | tail -n 1)" \
		"^1:modinfo: ERROR: could not get modinfo from '${c//-/_}': Exec format error\$" \
		"ELF $c: modinfo says 'Exec format error', naming the module"
done
TRAP_ROOT=$testdir/root

# ---- 2. decompression bombs ------------------------------------------------------
# 64 MiB of zeros compressed once, 18 streams (1152 MiB) concatenated: past
# the 1 GiB limit on a decompressed image (KMOD_FILE_MAX_IMAGE).

bomb_limit_kib=$((1024 * 1024 + 128 * 1024)) # peak RSS bound: the limit + 128 MiB
# a hang is what this catches; under ASan every page of the 1 GiB is poisoned and copied
bomb_timeout=20
sanitizer_build && bomb_timeout=180
features=$("$tools/insmod" -V | tail -n 1)
for z in "xz:XZ:xz -0 -T1" "zst:ZSTD:zstd -q -1" "gz:ZLIB:gzip -1"; do
	ext=${z%%:*} rest=${z#*:} feat=${rest%%:*} cmd=${rest#*:}
	case " $features " in *" +$feat "*) ;; *)
		skip "bomb .ko.$ext: no $ext support in this build"
		continue
		;;
	esac
	if ! need_or_skip "${cmd%% *}" command -v "${cmd%% *}"; then
		continue
	fi
	ncases=$((ncases + 1))
	one=$testdir/bomb1.$ext
	head -c $((64 << 20)) /dev/zero | $cmd > "$one"
	bomb=$testdir/bomb.ko.$ext
	for _ in $(seq 18); do cat "$one"; done > "$bomb"
	fresh
	tools_run=insmod
	[ "$ext" = zst ] && tools_run="insmod modinfo"
	for t in $tools_run; do
		TRAP_ROOT=$testdir/root
		/usr/bin/time -f '%M' -o "$testdir/rss" \
			env LD_PRELOAD="$TRAP_LIB" TRAP_ROOT="$TRAP_ROOT" TRAP_LOG="$TRAP_LOG" \
			TRAP_PASSTHROUGH="$top_builddir:$testdir" \
			timeout -k 5 "$bomb_timeout" "$tools/$t" "$bomb" > /dev/null 2> "$testdir/bomb.err"
		rc=$? err=$(cat "$testdir/bomb.err") rss=$(tail -n 1 "$testdir/rss")
		is "$rc" 1 "bomb .ko.$ext ($(wc -c < "$bomb") bytes): $t refuses it"
		like "$err" "$bomb: decompressed size exceeds 1024 MiB" "bomb .ko.$ext: $t says why, naming the file"
		if sanitizer_build; then
			# realloc copies under ASan, and freed blocks wait in its quarantine
			skip "bomb .ko.$ext: $t peak RSS: not meaningful under AddressSanitizer"
		elif [ "$rss" -lt "$bomb_limit_kib" ]; then
			ok "bomb .ko.$ext: $t peak RSS $((rss / 1024)) MiB < $((bomb_limit_kib / 1024)) MiB"
		else
			not_ok "bomb .ko.$ext: $t peak RSS $((rss / 1024)) MiB >= $((bomb_limit_kib / 1024)) MiB"
		fi
	done
	is "$(cat "$TRAP_LOG" 2> /dev/null)" "" "bomb .ko.$ext: nothing reached the (fake) kernel"
	rm -f "$one" "$bomb"
done

diag "bombs done: $((SECONDS - start)) s"

# ---- 3. index files truncated and garbage ---------------------------------------

idx_case() { # INDEX DESC: modprobe, modinfo and modprobe -R on the damaged tree
	for cmd in "modprobe mod-foo" "modinfo -F filename mod-foo" "modprobe --show-depends mod-foo"; do
		# shellcheck disable=SC2086
		run "$tools/"$cmd
		sane "$2: $cmd"
		if [ "$trap_rc" -ne 0 ] && [ -z "$trap_err" ]; then
			not_ok "$2: $cmd fails silently"
		fi
	done
}
for idx in modules.dep.bin modules.alias.bin modules.symbols.bin modules.builtin.bin; do
	size=$(wc -c < "$base$moddir/$idx")
	offs="0 1 4 8 12 16 $((size / 2)) $((size - 1))"
	for off in $offs; do
		[ "$off" -lt "$size" ] || continue
		ncases=$((ncases + 1))
		fresh
		head -c "$off" "$base$moddir/$idx" > "$TRAP_ROOT$moddir/$idx"
		idx_case "$idx" "$idx truncated at $off of $size"
	done
	for g in zero ff random header; do
		ncases=$((ncases + 1))
		fresh
		case $g in
		zero) head -c "$size" /dev/zero ;;
		ff) head -c "$size" /dev/zero | tr '\0' '\377' ;;
		random) head -c "$size" "$fx/badsig/garbage.sig" ;;
		header) head -c 12 "$base$moddir/$idx" && head -c "$((size - 12))" /dev/zero | tr '\0' '\377' ;;
		esac > "$TRAP_ROOT$moddir/$idx"
		idx_case "$idx" "$idx garbage ($g)"
	done
done
# The text modules.dep as the only index, truncated in the middle of a line.
ncases=$((ncases + 1))
fresh
rm -f "$TRAP_ROOT$moddir"/*.bin
head -c 30 "$base$moddir/modules.dep" > "$TRAP_ROOT$moddir/modules.dep"
idx_case modules.dep "modules.dep only, truncated mid-line"

diag "indexes done: $((SECONDS - start)) s"

# ---- 4. configuration files: NUL bytes, 1 MiB lines, no final newline ------------

longline() { printf 'alias x '; head -c $((1 << 20)) /dev/zero | tr '\0' a; }
for kind in nul long nonl nul-in-name long-comment; do
	ncases=$((ncases + 1))
	fresh
	c=$TRAP_ROOT/etc/modprobe.d/hostile.conf
	case $kind in
	nul) printf 'options mod-foo a=1\0b=2\nalias fooalias mod-foo\n' ;;
	long) longline && printf '\nalias fooalias mod-foo\n' ;;
	nonl) printf 'alias fooalias mod-foo' ;;
	nul-in-name) printf 'alias foo\0alias mod-foo\nalias fooalias mod-foo\n' ;;
	long-comment) printf '# ' && head -c $((1 << 20)) /dev/zero | tr '\0' c && printf '\nalias fooalias mod-foo' ;;
	esac > "$c"
	run "$tools/modprobe" -c
	sane "modprobe.d $kind: modprobe -c"
	run "$tools/modprobe" fooalias
	sane "modprobe.d $kind: modprobe through an alias"
	case $kind in nul | nonl | long | long-comment)
		is "$trap_rc" 0 "modprobe.d $kind: the good line still counts"
		;;
	esac
	# The same bytes as depmod.d and as the kernel command line.
	cp "$c" "$TRAP_ROOT/etc/depmod.d/hostile.conf"
	run "$tools/depmod" "$kver"
	sane "depmod.d $kind: depmod"
	cp "$c" "$TRAP_ROOT/proc/cmdline"
	run "$tools/modprobe" -c
	sane "/proc/cmdline $kind: modprobe -c"
done

# ---- 5. broken .sig files: insmod --detached-sig=auto/require ---------------------

sigdir=$testdir/sigs
mkdir -p "$sigdir"
p7s=$fx/mod-foo-a.ko.p7s
plen=$(wc -c < "$p7s")
# shellcheck disable=SC2059 # the formats are built octal escapes
be32() { printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)))"; }
# shellcheck disable=SC2059
trailer() { # BODY-FILE ID_TYPE SIG_LEN
	cat "$1"
	printf "\\000\\000\\$(printf '%03o' "$2")\\000\\000\\000\\000\\000"
	be32 "$3"
	printf '~Module signature appended~\n'
}
: > "$sigdir/empty"
printf '~Module' > "$sigdir/short"
head -c 11 "$fx/mod-foo-a.ko.trailer" > "$sigdir/header-only"
tail -c 20 "$fx/mod-foo-a.ko.trailer" > "$sigdir/no-body"
cp "$fx/badsig/badmagic.sig" "$sigdir/badmagic"
trailer "$p7s" 0 "$plen" > "$sigdir/idtype0"
trailer "$p7s" 1 "$plen" > "$sigdir/idtype1"
trailer "$p7s" 7 "$plen" > "$sigdir/idtype7"
trailer "$p7s" 2 $((plen + 100000)) > "$sigdir/siglen-past-file"
trailer "$p7s" 2 4294967295 > "$sigdir/siglen-max"
trailer "$p7s" 2 0 > "$sigdir/siglen0"
head -c "$plen" "$fx/badsig/garbage.sig" > "$sigdir/notder.body"
trailer "$sigdir/notder.body" 2 "$plen" > "$sigdir/not-der"
rm "$sigdir/notder.body"
head -c "$plen" /dev/zero > "$sigdir/zero.body"
trailer "$sigdir/zero.body" 2 "$plen" > "$sigdir/der-zero"
rm "$sigdir/zero.body"
head -c $((70 << 10)) /dev/zero > "$sigdir/big.body"
trailer "$sigdir/big.body" 2 $((70 << 10)) > "$sigdir/over-64k"
rm "$sigdir/big.body"
cp "$fx/badsig/oversized.sig" "$sigdir/oversized"

sig_case() { # NAME SETUP-FN
	for policy in auto require; do
		ncases=$((ncases + 1))
		fresh
		k=$TRAP_ROOT$moddir/kernel
		rm -f "$k/mod-foo-a.ko.sig"
		$2 "$k/mod-foo-a.ko.sig"
		run "$tools/insmod" --detached-sig=$policy "$k/mod-foo-a.ko"
		is "$trap_rc:$(cat "$TRAP_LOG" 2> /dev/null)" "1:" ".sig $1, $policy: insmod refuses, no system call"
		like "$trap_err" "$k/mod-foo-a.ko.sig" ".sig $1, $policy: the message names the .sig"
		run "$tools/modprobe" --detached-sig=$policy mod-foo
		sane ".sig $1, $policy: modprobe of a module depending on it" mod-foo-a.ko.sig
		is "$trap_rc:$(cat "$TRAP_LOG" 2> /dev/null)" "1:" ".sig $1, $policy: modprobe loads nothing"
	done
}
for s in "$sigdir"/*; do
	name=$(basename "$s")
	eval "put_$name() { cp '$s' \"\$1\"; }"
	sig_case "$name" "put_$name"
done
# shellcheck disable=SC2317 # called through sig_case
put_fifo() { mkfifo "$1"; }
# shellcheck disable=SC2317
put_dir() { mkdir "$1"; }
# shellcheck disable=SC2317
put_loop() { ln -s "$(basename "$1")" "$1"; }
# shellcheck disable=SC2317
put_loop2() { ln -s x "$1" && ln -s "$(basename "$1")" "$(dirname "$1")/x"; }
# shellcheck disable=SC2317
put_devzero() { ln -s /dev/zero "$1"; }
# shellcheck disable=SC2317
put_unreadable() { cp "$fx/mod-foo-a.ko.trailer" "$1" && chmod 000 "$1"; }
for s in fifo dir loop loop2 devzero; do
	sig_case "$s" "put_$s"
done
[ "$(id -u)" != 0 ] && sig_case unreadable put_unreadable

# ---- summary -----------------------------------------------------------------------
diag "hostile cases: $ncases ($nelf broken ELF files), $((SECONDS - start)) s"
done_testing

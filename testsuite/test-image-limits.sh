#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# One memory cap for every module image (KMOD_FILE_MAX_IMAGE, 1 GiB): a file
# past it, or a compressed file whose headers say its image is past it, is
# refused before it is read or decoded; formats that do not say (gzip, zstd
# without a content size) stop decoding at the cap.  Measured on insmod and
# modinfo under the trap: exit status, the message naming the file, no system
# call, and the peak RSS and CPU time (user + system) that testsuite/rusage
# gets from wait4().  Also: a dictionary larger than liblzma's default limits
# (xz --lzma2=dict=256MiB, which kmod 30 loads) reaches init_module.

# shellcheck disable=SC2034
# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"
set -u

fx=$top_builddir/testsuite/fixtures
tools=$top_builddir/tools
gen=$top_builddir/testsuite/bomb-gen
need_or_skip_all "trap library" test -f "$TRAP_LIB"
need_or_skip_all "fixture modules" test -f "$fx/dummy.ko"
need_or_skip_all "bomb-gen" test -x "$gen"
need_or_skip_all "rusage" test -x "$top_builddir/testsuite/rusage"

unset TRAP_RESULTS TRAP_UNAME_R KMOD_DETACHED_SIG MODPROBE_OPTIONS
TRAP_LOG=$testdir/trap.log
TRAP_ROOT=$testdir/root
m=$testdir/m
mkdir -p "$m" "$TRAP_ROOT/sys/module" "$TRAP_ROOT/proc"
features=$("$tools/insmod" -V | tail -n 1)
has() { case " $features " in *" +$1 "*) return 0 ;; esac; return 1; }

cap_kib=$((1024 * 1024))
# refused before reading: the process stays near its start-up size
small_kib=$((64 * 1024))
small_cpu=1.0
# a decoder stopped at the cap: the image, a little more, no more
at_cap_kib=$((cap_kib + 128 * 1024))
at_cap_cpu=15.0
if sanitizer_build; then
	# ASan's shadow and quarantine; its start-up costs CPU too
	small_kib=$((256 * 1024))
	small_cpu=3.0
fi

# measure TOOL ARGS...: runs it under the trap with a time limit; sets rc,
# err (stderr), rss (KiB), cpu (s) and syscalls (the trap's log).
measure() {
	_tool=$tools/$1
	shift
	rm -f "$TRAP_LOG"
	"$top_builddir/testsuite/rusage" "$testdir/rusage" \
		env LD_PRELOAD="$TRAP_LIB" TRAP_ROOT="$TRAP_ROOT" TRAP_LOG="$TRAP_LOG" \
		TRAP_PASSTHROUGH="$top_builddir:$testdir" \
		timeout -k 5 120 "$_tool" "$@" > /dev/null 2> "$testdir/err" < /dev/null
	rc=$?
	err=$(cat "$testdir/err")
	read -r rss u s < "$testdir/rusage"
	cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
	syscalls=$(cat "$TRAP_LOG" 2> /dev/null)
}

# bounded DESC MAX_KIB|- MAX_CPU: the last run's peak RSS and CPU time
bounded() {
	if [ "$2" = - ]; then
		# realloc copies under ASan, and freed blocks wait in its quarantine
		skip "$1: peak RSS $((rss / 1024)) MiB: not meaningful under AddressSanitizer"
	elif [ "$rss" -lt "$2" ]; then
		ok "$1: peak RSS $((rss / 1024)) MiB < $(($2 / 1024)) MiB"
	else
		not_ok "$1: peak RSS $((rss / 1024)) MiB >= $(($2 / 1024)) MiB"
	fi
	if awk -v a="$cpu" -v b="$3" 'BEGIN { exit !(a < b) }'; then
		ok "$1: CPU time $cpu s < $3 s"
	else
		not_ok "$1: CPU time $cpu s >= $3 s"
	fi
}

# refused DESC FILE ERE MAX_KIB MAX_CPU [TOOLS]: each tool (default insmod)
# exits 1 naming FILE with ERE, makes no system call, within the bounds.
refused() {
	for t in ${6:-insmod}; do
		measure "$t" "$2"
		is "$rc:$syscalls" "1:" "$1: $t exits 1, no system call"
		like "$err" "^$t: ERROR: $2: $3" "$1: $t names the file and says why"
		bounded "$1: $t" "$4" "$5"
	done
}

# ---- a plain module over the cap, with its real .sig ----------------------------
# Sparse: 10 GiB that cost no disk.  Without the cap the image and trailer
# were read whole into memory before init_module (36 s, 10.5 GB).

cp "$fx/dummy.ko" "$m/huge.ko"
truncate -s 10G "$m/huge.ko"
cp "$fx/dummy.ko.trailer" "$m/huge.ko.sig"
refused "10 GiB sparse .ko + .sig" "$m/huge.ko" "file size exceeds 1024 MiB" \
	"$small_kib" "$small_cpu" "insmod modinfo"
rm -f "$m/huge.ko" "$m/huge.ko.sig"

# ---- xz: the indexes say the size before anything is decoded ----------------------

if has XZ; then
	"$gen" xz "$m/index4g.ko.xz" 4096
	refused ".ko.xz whose index claims 4 GiB" "$m/index4g.ko.xz" \
		"decompressed size exceeds 1024 MiB \\(xz index: 4294967296 bytes\\)" \
		"$small_kib" "$small_cpu" "insmod modinfo"
	# The same 4 GiB of data behind an index claiming 1 KiB: decoding stops
	# when the 1 KiB buffer is full.
	"$gen" xz "$m/index-lies.ko.xz" 4096 1024
	refused ".ko.xz whose index claims 1 KiB of its 4 GiB" "$m/index-lies.ko.xz" \
		"xz: compressed data is corrupt" "$small_kib" "$small_cpu"
	# Concatenated streams: the claims of all the indexes add up.
	"$gen" xz "$m/one.xz" 600
	cat "$m/one.xz" "$m/one.xz" > "$m/two.ko.xz"
	refused "two .xz streams of 600 MiB each" "$m/two.ko.xz" \
		"decompressed size exceeds 1024 MiB \\(xz index: 1258291200 bytes\\)" \
		"$small_kib" "$small_cpu"
	rm -f "$m"/*.xz
else
	skip "no xz support in this build"
fi

# ---- zstd: the frame content size, else decoding stops at the cap -----------------

if has ZSTD; then
	"$gen" zstd "$m/fcs4g.ko.zst" 4096 fcs
	refused ".ko.zst whose frame header says 4 GiB" "$m/fcs4g.ko.zst" \
		"decompressed size exceeds 1024 MiB" "$small_kib" "$small_cpu"
	"$gen" zstd "$m/nofcs4g.ko.zst" 4096 nofcs
	if sanitizer_build; then
		refused ".ko.zst of 4 GiB without a content size: stops at the cap" \
			"$m/nofcs4g.ko.zst" "decompressed size exceeds 1024 MiB" - 60
	else
		refused ".ko.zst of 4 GiB without a content size: stops at the cap" \
			"$m/nofcs4g.ko.zst" "decompressed size exceeds 1024 MiB" \
			"$at_cap_kib" "$at_cap_cpu"
	fi
	rm -f "$m"/*.zst
else
	skip "no zstd support in this build"
fi

# ---- gzip: only the data knows the size: decoding stops at the cap ----------------

if has ZLIB; then
	head -c $((64 << 20)) /dev/zero | gzip -1 > "$m/one.gz"
	for _ in $(seq 24); do cat "$m/one.gz"; done > "$m/members.ko.gz"
	if sanitizer_build; then
		refused ".ko.gz of 24 members of 64 MiB: stops at the cap" \
			"$m/members.ko.gz" "decompressed size exceeds 1024 MiB" - 120
	else
		refused ".ko.gz of 24 members of 64 MiB: stops at the cap" "$m/members.ko.gz" \
			"decompressed size exceeds 1024 MiB" "$at_cap_kib" "$at_cap_cpu"
	fi
	rm -f "$m"/*.gz
else
	skip "no gzip support in this build"
fi

# ---- a 256 MiB xz dictionary loads, as with kmod 30 -------------------------------
# No /sys/module/compression in the root: the kernel decompresses nothing,
# so insmod decodes in userspace and passes the image to init_module.

if has XZ; then
	xz --check=crc32 --lzma2=dict=256MiB -c "$fx/dummy.ko" > "$m/dict256.ko.xz"
	like "$(xz -lvv "$m/dict256.ko.xz")" "--lzma2=dict=256MiB" "fixture: a 256 MiB dictionary in the header"
	measure insmod "$m/dict256.ko.xz"
	is "$rc:$err" "0:" "256 MiB dictionary: insmod loads it"
	like "$syscalls" "^init_module len=$(wc -c < "$fx/dummy.ko" | tr -d ' ') sha256=$(sha256sum < "$fx/dummy.ko" | cut -d' ' -f1) " \
		"256 MiB dictionary: init_module gets the decompressed image"
	bounded "256 MiB dictionary: insmod" "$small_kib" "$small_cpu"
	# Past 64 MiB the compressed file is mapped, not read: 80 MiB of stream
	# padding (zeros xz(1) accepts after a stream) behind the module.
	cp "$fx/dummy.ko.xz" "$m/padded.ko.xz"
	head -c $((80 << 20)) /dev/zero >> "$m/padded.ko.xz"
	rm -rf "${TRAP_ROOT:?}/sys/module"/*
	measure insmod "$m/padded.ko.xz"
	is "$rc:$err" "0:" "80 MiB .ko.xz (stream padding), mapped: insmod loads it"
	like "$syscalls" "^init_module len=$(wc -c < "$fx/dummy.ko" | tr -d ' ') sha256=$(sha256sum < "$fx/dummy.ko" | cut -d' ' -f1) " \
		"80 MiB .ko.xz (stream padding), mapped: init_module gets the image"
	rm -f "$m"/*.xz
else
	skip "no xz support in this build"
fi

done_testing

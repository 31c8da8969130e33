#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# depmod, ours against Debian's kmod 30 side by side on the two Debian trees of
# testsuite/debian-kernels.sh (6.1: plain .ko; 6.12: .ko.xz), ratios printed:
# wall time of a full run without cache (best of BENCH_RUNS, default 3), peak
# RSS, an incremental run (cache warm, one module added), and, on the plain
# .ko tree when valgrind is there and BENCH_CALLGRIND=1, instructions.  Each run writes into a private
# root whose kernel/ links to the unpacked modules; an empty config file keeps
# the host's depmod.d out.  Also checks the two outputs are identical.
set -euo pipefail

: "${top_builddir:?}" "${top_srcdir:?}"
runs=${BENCH_RUNS:-3}
ours=$top_builddir/tools/depmod
deb=${DEPMOD:-/usr/sbin/depmod}
work=$(mktemp -d "${TMPDIR:-/tmp}/kmod-ds-bench-depmod.XXXXXX")
trap 'rm -rf "$work"' EXIT
: >"$work/empty.conf"

trees=$(bash "$top_srcdir/testsuite/debian-kernels.sh" extract)

# measure NAME CMD...: best wall time (s) and peak RSS (KB) of $runs runs -> "$time $rss"
measure() {
	local best='' rss='' i t m
	for ((i = 0; i < runs; i++)); do
		/usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>&1 || true
		read -r t m <"$work/time"
		if [[ -z $best ]] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$t
		fi
		if [[ -z $rss ]] || ((m > rss)); then
			rss=$m
		fi
	done
	echo "$best $rss"
}

instructions() {
	valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$@" >/dev/null 2>&1 || true
	awk '/^summary:/ { print $2 }' "$work/cg.out"
}

while read -r kver tree; do
	[[ -n $kver ]] || continue
	root=$work/root
	rm -rf "$root"
	# var/cache: where the cache of the incremental run lives
	mkdir -p "$root/lib/modules/$kver" "$root/var/cache"
	ln -s "$tree/lib/modules/$kver/kernel" "$root/lib/modules/$kver/kernel"
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[[ ! -f $tree/lib/modules/$kver/$f ]] || cp "$tree/lib/modules/$kver/$f" "$root/lib/modules/$kver/"
	done
	nmods=$(find -L "$root/lib/modules/$kver/kernel" -name '*.ko*' | wc -l)

	echo "== depmod on $kver ($nmods modules, $(nproc) CPUs, best of $runs) =="
	read -r dt dm < <(measure "$deb" -C "$work/empty.conf" -b "$root" "$kver")
	mkdir "$work/deb-out"
	cp "$root/lib/modules/$kver"/modules.* "$work/deb-out/"
	read -r ot om < <(measure env KMOD_DEPMOD_CACHE=0 "$ours" -C "$work/empty.conf" -b "$root" "$kver")
	diffs=0
	for f in "$work/deb-out"/modules.*; do
		cmp -s "$f" "$root/lib/modules/$kver/${f##*/}" || diffs=$((diffs + 1))
	done
	rm -rf "$work/deb-out"
	printf 'kmod    %6.2f s  %7d KB peak RSS\n' "$dt" "$dm"
	printf 'kmod-ds %6.2f s  %7d KB peak RSS\n' "$ot" "$om"
	awk -v a="$ot" -v b="$dt" -v c="$om" -v d="$dm" \
		'BEGIN { printf "ratio   %.2fx time  %.2fx RSS  (targets: 6.1 <= 0.5x, 6.12 <= 0.4x)\n", a / b, c / d }'
	echo "output files differing from kmod's: $diffs"

	# incremental: the cache is warm, then one module is added (a fresh copy each run)
	"$ours" -C "$work/empty.conf" -b "$root" "$kver" 2>/dev/null
	one=$(find -L "$root/lib/modules/$kver/kernel" -name '*.ko*' | sort | sed -n 1p)
	mkdir -p "$root/lib/modules/$kver/updates"
	best=
	for ((i = 0; i < runs; i++)); do
		rm -f "$root/lib/modules/$kver/updates/${one##*/}"
		cp "$one" "$root/lib/modules/$kver/updates/"
		/usr/bin/time -f '%e' -o "$work/time" "$ours" -C "$work/empty.conf" -b "$root" "$kver" \
			>/dev/null 2>&1 || true
		t=$(cat "$work/time")
		if [[ -z $best ]] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$t
		fi
	done
	awk -v a="$best" -v b="$dt" 'BEGIN { printf "incremental (one module added, cache warm): %.2f s, %.2fx of kmod full (target <= 0.1x)\n", a, a / b }'
	rm -rf "$root/lib/modules/$kver/updates"

	# instructions only on plain .ko trees: under valgrind xz takes too long
	if [[ ${BENCH_CALLGRIND:-0} == 1 && $kver == 6.1.* ]] && command -v valgrind >/dev/null; then
		di=$(instructions "$deb" -C "$work/empty.conf" -b "$root" "$kver")
		oi=$(KMOD_DEPMOD_CACHE=0 KMOD_DEPMOD_JOBS=1 instructions "$ours" -C "$work/empty.conf" \
			-b "$root" "$kver")
		awk -v a="$oi" -v b="$di" 'BEGIN { printf "instructions: kmod %.0f, kmod-ds %.0f, ratio %.2fx\n", b, a, a / b }'
	fi
done <<<"$trees"

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# depmod, ours against two references side by side, Debian 12's kmod 30 and
# Debian 13's kmod 34.2 (testsuite/debian-trixie.sh, started through its
# root's loader), on the two Debian trees of testsuite/debian-kernels.sh (6.1:
# plain .ko; 6.12: .ko.xz), ratios printed against both: wall time of a full
# run with our cache disabled (a first run) and peak RSS, the median of
# BENCH_RUNS (default 5) interleaved runs; an incremental run of ours (cache
# warm, one module added); and, on the plain .ko tree when valgrind is there
# and BENCH_CALLGRIND=1, instructions.  Each depmod writes into its own root
# whose kernel/ links to the unpacked modules; an empty config file keeps the
# host's depmod.d out.  Also checks the outputs: byte for byte kmod 34's, and
# kmod 30's text files.
#
# A fourth column, ours13, is our depmod started through Debian 13's loader
# and libraries, as kmod 34.2 is: both then decompress with Debian 13's
# liblzma 5.8.1, which decodes the 6.12 tree in about 3.8 s of CPU where
# Debian 12's 5.4.1 needs 5.8 s.  On 2 cores that alone puts Debian 12's
# liblzma above the 0.5x target, whatever depmod does.
set -euo pipefail

: "${top_builddir:?}" "${top_srcdir:?}"
runs=${BENCH_RUNS:-5}
ours=$top_builddir/tools/depmod
deb=${DEPMOD:-/usr/sbin/depmod}
work=$(mktemp -d "${TMPDIR:-/tmp}/kmod-ds-bench-depmod.XXXXXX")
trap 'rm -rf "$work"' EXIT
: >"$work/empty.conf"

trees=$(bash "$top_srcdir/testsuite/debian-kernels.sh" extract)
root13=$(bash "$top_srcdir/testsuite/debian-trixie.sh" root)
kmod34=("$root13/lib64/ld-linux-x86-64.so.2" --library-path "$root13/usr/lib/x86_64-linux-gnu"
	--argv0 depmod "$root13/usr/bin/kmod")
ours13=("$root13/lib64/ld-linux-x86-64.so.2" --library-path "$root13/usr/lib/x86_64-linux-gnu"
	--argv0 depmod "$top_builddir/tools/kmod")
"${CC:-gcc}" -O2 -o "$work/interleave" "$top_srcdir/bench/interleave.c"
uptime | sed 's/^/# /'

instructions() {
	valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$@" >/dev/null 2>&1 || true
	awk '/^summary:/ { print $2 }' "$work/cg.out"
}

# make_root NAME: a root for one depmod, kernel/ linked to the tree
make_root() {
	local r=$work/$1
	rm -rf "$r"
	# var/cache: where the cache of the incremental run lives
	mkdir -p "$r/lib/modules/$kver" "$r/var/cache"
	ln -s "$tree/lib/modules/$kver/kernel" "$r/lib/modules/$kver/kernel"
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[[ ! -f $tree/lib/modules/$kver/$f ]] || cp "$tree/lib/modules/$kver/$f" "$r/lib/modules/$kver/"
	done
}

while read -r kver tree; do
	[[ -n $kver ]] || continue
	for r in ours kmod30 kmod34 ours13; do make_root "$r"; done
	nmods=$(find -L "$work/ours/lib/modules/$kver/kernel" -name '*.ko*' | wc -l)
	args=(-C "$work/empty.conf" "$kver")

	echo "== depmod on $kver ($nmods modules, $(nproc) CPUs, median of $runs interleaved runs) =="
	"$work/interleave" "$runs" ours env KMOD_DEPMOD_CACHE=0 "$ours" -b "$work/ours" "${args[@]}" \
		-- kmod30 "$deb" -b "$work/kmod30" "${args[@]}" \
		-- kmod34 "${kmod34[@]}" -b "$work/kmod34" "${args[@]}" \
		-- ours13 env KMOD_DEPMOD_CACHE=0 "${ours13[@]}" -b "$work/ours13" "${args[@]}" \
		>"$work/times"
	awk '{ printf "%-8s %7.3f s (min %.3f, CPU %.3f)  %7d KB peak RSS  %7d page faults%s\n",
		$1, $2 / 1000, $3 / 1000, $8 / 1000, $5, $4, $7 ? "  " $7 " runs failed" : "" }' "$work/times"
	awk -v t="$kver" '{ ms[$1] = $2; rss[$1] = $5 } END {
		tt = t ~ /^6\.1\./ ? "<= 0.2x time, <= 0.3x RSS" : "<= 0.5x time"
		printf "ratio    time %.2fx kmod 30, %.2fx kmod 34.2; RSS %.2fx, %.2fx  (target vs kmod 34.2: %s)\n",
			ms["ours"] / ms["kmod30"], ms["ours"] / ms["kmod34"],
			rss["ours"] / rss["kmod30"], rss["ours"] / rss["kmod34"], tt
		printf "ratio    ours13 (Debian 13 libraries, as kmod 34.2): time %.2fx kmod 34.2\n",
			ms["ours13"] / ms["kmod34"] }' "$work/times"
	diffs34=0 diffs30=0
	for f in "$work/kmod34/lib/modules/$kver"/modules.*; do
		cmp -s "$f" "$work/ours/lib/modules/$kver/${f##*/}" || diffs34=$((diffs34 + 1))
		cmp -s "$f" "$work/ours13/lib/modules/$kver/${f##*/}" || diffs34=$((diffs34 + 1))
	done
	for f in "$work/kmod30/lib/modules/$kver"/modules.*; do
		[[ $f == *.bin ]] && continue
		cmp -s "$f" "$work/ours/lib/modules/$kver/${f##*/}" || diffs30=$((diffs30 + 1))
	done
	echo "output files differing: $diffs34 from kmod 34.2's (ours and ours13), $diffs30 text files from kmod 30's"

	# incremental: the cache is warm, then one module is added (a fresh copy each run)
	root=$work/ours
	"$ours" -b "$root" "${args[@]}" 2>/dev/null
	one=$(find -L "$root/lib/modules/$kver/kernel" -name '*.ko*' | sort | sed -n 1p)
	mkdir -p "$root/lib/modules/$kver/updates"
	: >"$work/incr"
	for ((i = 0; i < runs; i++)); do
		rm -f "$root/lib/modules/$kver/updates/${one##*/}"
		cp "$one" "$root/lib/modules/$kver/updates/"
		"$work/interleave" 1 incr "$ours" -b "$root" "${args[@]}" >>"$work/incr"
	done
	awk '{ print $2 }' "$work/incr" | sort -g | sed -n "$(((runs + 1) / 2))p" |
		awk -v f="$(awk '$1 == "kmod34" { print $2 }' "$work/times")" \
			'{ printf "incremental (one module added, cache warm): %.3f s, %.2fx of kmod 34.2 full\n", $1 / 1000, $1 / f }'
	rm -rf "$root/lib/modules/$kver/updates"

	# instructions only on plain .ko trees: under valgrind xz takes too long
	if [[ ${BENCH_CALLGRIND:-0} == 1 && $kver == 6.1.* ]] && command -v valgrind >/dev/null; then
		di=$(instructions "${kmod34[@]}" -b "$work/kmod34" "${args[@]}")
		oi=$(KMOD_DEPMOD_CACHE=0 KMOD_DEPMOD_JOBS=1 instructions "$ours" -b "$root" "${args[@]}")
		awk -v a="$oi" -v b="$di" 'BEGIN { printf "instructions: kmod 34.2 %.0f, kmod-ds %.0f, ratio %.2fx\n", b, a, a / b }'
	fi
done <<<"$trees"

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Benchmarks, ours against Debian's kmod side by side on Debian's real 6.1
# module tree (indexes made by Debian's depmod), ratios printed.
#   - alias lookups per second through the library in one process
#   - one `modprobe -R <modalias>` process, one `modprobe --show-depends <name>`
set -euo pipefail

: "${top_builddir:?}" "${top_srcdir:?}"
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kmod-ds
seconds=${BENCH_SECONDS:-3}
runs=${BENCH_RUNS:-200}
work=$(mktemp -d "${TMPDIR:-/tmp}/kmod-ds-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

tree=$(bash "$top_srcdir/testsuite/debian-kernels.sh" extract | awk '$1 ~ /^6\.1\./ { print; exit }')
kver=${tree%% *} troot=${tree#* }
[ -n "$kver" ] || { echo "bench: no Debian 6.1 tree" >&2; exit 1; }

# A module root whose indexes come from Debian's depmod; the modules are symlinked.
root=$cache/bench-root-$kver
if [ ! -f "$root/lib/modules/$kver/modules.dep.bin" ]; then
	rm -rf "$root.tmp"
	mkdir -p "$root.tmp/lib/modules/$kver"
	ln -s "$troot/lib/modules/$kver/kernel" "$root.tmp/lib/modules/$kver/kernel"
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		cp "$troot/lib/modules/$kver/$f" "$root.tmp/lib/modules/$kver/"
	done
	/usr/sbin/depmod -b "$root.tmp" "$kver"
	rm -rf "$root"
	mv "$root.tmp" "$root"
fi
moddir=$root/lib/modules/$kver

# Concrete aliases from the patterns: '*' and '?' become a character, classes their first one.
sed -n 's/^alias \([^ ]*\) .*/\1/p' "$moddir/modules.alias" |
	sed -e 's/\[\(.\)[^]]*\]/\1/g' -e 's/\*/1/g' -e 's/?/a/g' | awk 'NR <= 2000' > "$work/aliases"

cc=${CC:-gcc}
$cc -O2 -I"$top_srcdir" -o "$work/lookup-ours" "$top_srcdir/bench/alias-lookup.c" \
	"$top_builddir/libkmod/.libs/libkmod.so" -Wl,-rpath,"$top_builddir/libkmod/.libs"
$cc -O2 -I"$top_srcdir" -o "$work/lookup-kmod" "$top_srcdir/bench/alias-lookup.c" \
	/lib/x86_64-linux-gnu/libkmod.so.2

echo "== alias lookups, one process, $(wc -l < "$work/aliases") aliases, ${seconds}s each ($kver) =="
read -r _ _ ours_rate ours_hits < <("$work/lookup-ours" "$moddir" "$work/aliases" "$seconds")
read -r _ _ kmod_rate kmod_hits < <("$work/lookup-kmod" "$moddir" "$work/aliases" "$seconds")
printf 'kmod-ds %10.0f lookups/s (hits %s)\n' "$ours_rate" "$ours_hits"
printf 'kmod    %10.0f lookups/s (hits %s)\n' "$kmod_rate" "$kmod_hits"
awk -v a="$ours_rate" -v b="$kmod_rate" 'BEGIN { printf "ratio   %.2fx (target >= 1.5x)\n", a / b }'

per_run_ms() { # CMD...: mean wall time of one run over $runs runs, in ms
	local start end i
	start=$(date +%s%N)
	for ((i = 0; i < runs; i++)); do
		"$@" > /dev/null 2>&1 || true
	done
	end=$(date +%s%N)
	awk -v t=$((end - start)) -v n="$runs" 'BEGIN { printf "%.3f", t / n / 1e6 }'
}

modalias=$(sed -n 5p "$work/aliases")
for what in "-R $modalias" "--show-depends omfs"; do
	# shellcheck disable=SC2086
	ours=$(per_run_ms "$top_builddir/tools/modprobe" -d "$root" -S "$kver" $what)
	# shellcheck disable=SC2086
	kmod=$(per_run_ms /usr/sbin/modprobe -d "$root" -S "$kver" $what)
	echo "== modprobe $what: $runs runs =="
	echo "kmod-ds ${ours} ms"
	echo "kmod    ${kmod} ms"
	awk -v a="$ours" -v b="$kmod" 'BEGIN { printf "ratio   %.2fx (target <= 1.0x)\n", a / b }'
done

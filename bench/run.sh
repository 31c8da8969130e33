#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Benchmarks, ours against two references side by side in one run: Debian 12's
# kmod 30 and Debian 13's kmod 34.2 (testsuite/debian-trixie.sh), on Debian's
# real 6.1 module tree indexed by our depmod (kmod 34's layout, which all three
# read), ratios printed against both.
#   - alias lookups per second through the library in one process: the same
#     program linked against each library (Debian 13's run with its root's
#     loader); the median of BENCH_ROUNDS interleaved runs of BENCH_SECONDS each
#   - one `modprobe -R <modalias>` process and one `modprobe --show-depends
#     <name>` process, each started through its own dynamic loader explicitly
#     (ld.so --library-path LIBDIR --argv0 modprobe kmod ARGS); the median of
#     BENCH_RUNS interleaved runs, with page faults and peak RSS
set -euo pipefail

: "${top_builddir:?}" "${top_srcdir:?}"
seconds=${BENCH_SECONDS:-1}
rounds=${BENCH_ROUNDS:-7}
runs=${BENCH_RUNS:-301}
work=$(mktemp -d "${TMPDIR:-/tmp}/kmod-ds-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cc=${CC:-gcc}

tree=$(bash "$top_srcdir/testsuite/debian-kernels.sh" extract | awk '$1 ~ /^6\.1\./ { print; exit }')
kver=${tree%% *} troot=${tree#* }
[ -n "$kver" ] || { echo "bench: no Debian 6.1 tree" >&2; exit 1; }
root13=$(bash "$top_srcdir/testsuite/debian-trixie.sh" root)
lib13=$root13/usr/lib/x86_64-linux-gnu

# A module root indexed by our depmod; the modules are symlinked.
root=$work/root
mkdir -p "$root/lib/modules/$kver"
ln -s "$troot/lib/modules/$kver/kernel" "$root/lib/modules/$kver/kernel"
for f in modules.order modules.builtin modules.builtin.modinfo; do
	cp "$troot/lib/modules/$kver/$f" "$root/lib/modules/$kver/"
done
KMOD_DEPMOD_CACHE=0 "$top_builddir/tools/depmod" -b "$root" "$kver"
moddir=$root/lib/modules/$kver

"$cc" -O2 -o "$work/interleave" "$top_srcdir/bench/interleave.c"
uptime | sed 's/^/# /'

# Concrete aliases from the patterns: '*' and '?' become a character, classes their first one.
sed -n 's/^alias \([^ ]*\) .*/\1/p' "$moddir/modules.alias" |
	sed -e 's/\[\(.\)[^]]*\]/\1/g' -e 's/\*/1/g' -e 's/?/a/g' | awk 'NR <= 2000' >"$work/aliases"

# The same program against each library.  Debian 13's libkmod needs Debian 13's
# glibc, whose newer symbols this system's linker does not know: they are left
# to the loader that runs it.
"$cc" -O2 -I"$top_srcdir" -o "$work/lookup-ours" "$top_srcdir/bench/alias-lookup.c" \
	"$top_builddir/libkmod/.libs/libkmod.so" -Wl,-rpath,"$top_builddir/libkmod/.libs"
"$cc" -O2 -I"$top_srcdir" -o "$work/lookup-kmod30" "$top_srcdir/bench/alias-lookup.c" \
	/lib/x86_64-linux-gnu/libkmod.so.2
"$cc" -O2 -I"$top_srcdir" -o "$work/lookup-kmod34" "$top_srcdir/bench/alias-lookup.c" \
	"$lib13/libkmod.so.2" -Wl,--allow-shlib-undefined
lookup() { # IMPL: one run, prints "lookups/s hits"
	local cmd=("$work/lookup-$1")
	[[ $1 != kmod34 ]] || cmd=("$root13/lib64/ld-linux-x86-64.so.2" --library-path "$lib13" "${cmd[@]}")
	"${cmd[@]}" "$moddir" "$work/aliases" "$seconds" | awk '{ print $3, $4 }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

impls=(ours kmod30 kmod34)
for ((r = 0; r < rounds; r++)); do
	for ((k = 0; k < 3; k++)); do
		i=${impls[(r + k) % 3]}
		lookup "$i" >>"$work/rate.$i"
	done
done
echo "== alias lookups, one process, $(wc -l <"$work/aliases") aliases ($kver, median of $rounds interleaved ${seconds}s runs) =="
for i in "${impls[@]}"; do
	read -r rate hits < <(sort -g "$work/rate.$i" | sed -n "$(((rounds + 1) / 2))p")
	printf '%-8s %10.0f lookups/s (hits %s)\n' "$i" "$rate" "$hits"
	eval "rate_$i=$rate"
done
# shellcheck disable=SC2154 # set by eval above
awk -v a="$rate_ours" -v b="$rate_kmod30" -v c="$rate_kmod34" \
	'BEGIN { printf "ratio    %.2fx kmod 30, %.2fx kmod 34.2 (target >= 2x kmod 34.2)\n", a / b, a / c }'

# One process each, through its loader.
ld_ours=(/lib64/ld-linux-x86-64.so.2 --library-path /lib/x86_64-linux-gnu --argv0 modprobe
	"$top_builddir/tools/kmod")
ld_kmod30=(/lib64/ld-linux-x86-64.so.2 --library-path /lib/x86_64-linux-gnu --argv0 modprobe
	/usr/bin/kmod)
ld_kmod34=("$root13/lib64/ld-linux-x86-64.so.2" --library-path "$lib13" --argv0 modprobe
	"$root13/usr/bin/kmod")
modalias=$(sed -n 5p "$work/aliases")
for what in "-R $modalias" "--show-depends omfs"; do
	# shellcheck disable=SC2206 # the options are words
	args=(-d "$root" -S "$kver" $what)
	"$work/interleave" "$runs" ours "${ld_ours[@]}" "${args[@]}" \
		-- kmod30 "${ld_kmod30[@]}" "${args[@]}" \
		-- kmod34 "${ld_kmod34[@]}" "${args[@]}" >"$work/proc"
	echo "== modprobe $what: one process, median of $runs interleaved runs =="
	awk '{ printf "%-8s %7.3f ms (min %.3f, CPU %.3f)  %5d page faults  %6d KB peak RSS%s\n",
		$1, $2, $3, $8, $4, $5, $7 ? "  " $7 " runs failed" : "" }' "$work/proc"
	awk '{ t[$1] = $2; f[$1] = $4; c[$1] = $8 } END {
		printf "ratio    %.2fx kmod 30, %.2fx kmod 34.2 (target <= 0.7x kmod 34.2); CPU %.2fx, %.2fx; page faults %.2fx, %.2fx\n",
			t["ours"] / t["kmod30"], t["ours"] / t["kmod34"], c["ours"] / c["kmod30"],
			c["ours"] / c["kmod34"], f["ours"] / f["kmod30"], f["ours"] / f["kmod34"] }' \
		"$work/proc"
done

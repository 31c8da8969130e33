#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# modinfo of every module of Debian's 6.1 (plain .ko) and 6.12 (.ko.xz) trees
# in one process, ours against Debian 12's kmod 30 and Debian 13's kmod 34.2
# (testsuite/debian-trixie.sh, started through its root's loader) side by
# side, the median of RUNS (default 5) interleaved runs, ratios against both;
# and kmod verify of the whole 6.1 tree re-signed with a throwaway key
# (modules per second).  Not a test: prints the numbers.
set -euo pipefail
export LC_ALL=C

: "${top_builddir:?}" "${top_srcdir:?}"
RUNS=${RUNS:-5}
ours=$top_builddir/tools/modinfo
kmod=$top_builddir/tools/kmod
ref=/usr/sbin/modinfo
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kmod-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root13=$(bash "$top_srcdir/testsuite/debian-trixie.sh" root)
kmod34=("$root13/lib64/ld-linux-x86-64.so.2" --library-path "$root13/usr/lib/x86_64-linux-gnu"
	--argv0 modinfo "$root13/usr/bin/kmod")
"${CC:-gcc}" -O2 -o "$tmp/interleave" "$top_srcdir/bench/interleave.c"
uptime | sed 's/^/# /'

trees=$(bash "$top_srcdir/testsuite/debian-kernels.sh" extract)
while read -r kver tree; do
	find "$tree/lib/modules/$kver/kernel" -name '*.ko*' | sort > "$tmp/list"
	mapfile -t mods < "$tmp/list"
	"$tmp/interleave" "$RUNS" ours "$ours" "${mods[@]}" -- kmod30 "$ref" "${mods[@]}" \
		-- kmod34 "${kmod34[@]}" "${mods[@]}" > "$tmp/times"
	echo "== modinfo $kver: ${#mods[@]} modules in one process, median of $RUNS interleaved runs =="
	awk '{ printf "%-8s %7.3f s (min %.3f, CPU %.3f)  %7d KB peak RSS%s\n", $1, $2 / 1000,
		$3 / 1000, $8 / 1000, $5, $7 ? "  " $7 " runs failed" : "" }' "$tmp/times"
	awk '{ t[$1] = $2 } END { printf "ratio    %.2fx kmod 30, %.2fx kmod 34.2\n",
		t["ours"] / t["kmod30"], t["ours"] / t["kmod34"] }' "$tmp/times"
done <<< "$trees"

# verify: the 6.1 tree, unsigned copies with .sig files made by kmod sign
tree=$(awk '$1 ~ /^6\.1\./ { print $2 }' <<< "$trees")
kver=$(awk '$1 ~ /^6\.1\./ { print $1 }' <<< "$trees")
openssl req -x509 -newkey rsa:4096 -nodes -days 30 -subj /CN=bench -keyout "$tmp/key.pem" \
	-out "$tmp/cert.pem" 2> /dev/null
mkdir -p "$tmp/tree"
while read -r f; do
	d=$tmp/tree/${f#"$tree/lib/modules/$kver/kernel/"}
	mkdir -p "${d%/*}"
	"$kmod" detach -o "$d" -s "$d.sig" "$f"
done < <(find "$tree/lib/modules/$kver/kernel" -name '*.ko')
find "$tmp/tree" -name '*.ko' -print0 | xargs -0 "$kmod" sign -k "$tmp/key.pem" -c "$tmp/cert.pem"
"$kmod" verify -q -c "$tmp/cert.pem" --all "$tmp/tree" | tail -n 1 | sed 's/^/verify 6.1 (RSA-4096, detached .sig): /'

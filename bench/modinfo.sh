#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# modinfo of every module of Debian's 6.1 (plain .ko) and 6.12 (.ko.xz) trees
# in one process, ours against Debian's kmod (best of $RUNS), and kmod verify
# of the whole 6.1 tree re-signed with a throwaway key (modules per second).
# Not a test: prints the numbers.
set -euo pipefail
export LC_ALL=C

: "${top_builddir:?}" "${top_srcdir:?}"
RUNS=${RUNS:-3}
ours=$top_builddir/tools/modinfo
kmod=$top_builddir/tools/kmod
ref=/usr/sbin/modinfo
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kmod-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

best() { # best wall time in seconds of RUNS runs of "$@" (output discarded)
	local b='' t TIMEFORMAT=%R
	for _ in $(seq "$RUNS"); do
		t=$( { time "$@" > /dev/null 2>&1; } 2>&1 )
		b=$(awk -v a="${b:-$t}" -v c="$t" 'BEGIN { print (c < a ? c : a) }')
	done
	echo "$b"
}

trees=$(bash "$top_srcdir/testsuite/debian-kernels.sh" extract)
while read -r kver tree; do
	find "$tree/lib/modules/$kver/kernel" -name '*.ko*' | sort > "$tmp/list"
	mapfile -t mods < "$tmp/list"
	a=$(best "$ours" "${mods[@]}")
	b=$(best "$ref" "${mods[@]}")
	printf 'modinfo %s: %d modules in one process: ours %.2f s, kmod %.2f s, ratio %.2f\n' \
		"$kver" "${#mods[@]}" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { print a / b }')"
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

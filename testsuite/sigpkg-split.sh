#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The split of a signed kernel package by contrib/kmod-sigpkg, made once for
# each (.deb, kmod-sigpkg, kmod binary) and kept in the download cache:
#
#   sigpkg-split.sh DEB    prints the directory holding what
#                          "kmod-sigpkg split -o DIR -Znone DEB" wrote there
#                          (tree/, sigs/ and the two .debs); on stderr one line,
#                          "made in N s" or "cached"
#
# Splitting a 6.12 package recompresses some 4,200 modules with xz: minutes of
# CPU.  test-sigpkg.sh checks this split and compares it with a fresh one,
# test-debian-system.sh boots it: one split serves both.  Runs asking for the
# same split at once take turns on its lock, so the second finds it made.  The
# tool and the kmod binary are top_srcdir's and top_builddir's.
#
# Cache: ${XDG_CACHE_HOME:-$HOME/.cache}/kmod-ds/sigpkg-split/<deb>-<key>/
# {out/,split.log,.used}; the directory appears by rename when complete, and
# .used is touched at each use: entries unused for two days are removed.
# Exit 1, with kmod-sigpkg's output on stderr, when the split fails.

set -euo pipefail
export LC_ALL=C

die() {
	echo "sigpkg-split.sh: $*" >&2
	exit 1
}

[[ $# == 1 ]] || die "usage: sigpkg-split.sh DEB"
deb=$1
[[ -f $deb ]] || die "$deb: no such file"
sigpkg=${top_srcdir:?}/contrib/kmod-sigpkg
kmod=${top_builddir:?}/tools/kmod
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/kmod-ds/sigpkg-split

key=$(cat "$sigpkg" "$kmod" | sha256sum | cut -c1-16) || die "cannot read $sigpkg or $kmod"
entry=$CACHE/$(basename "$deb" .deb)-$key
mkdir -p "$CACHE"

exec {lock}>>"$entry.lock"
flock "$lock"

if [[ -f $entry/.used && -d $entry/out/tree ]]; then
	touch "$entry/.used"
	echo "cached" >&2
	echo "$entry/out"
	exit 0
fi

# Entries of other builds or packages unused for two days (with their locks),
# and what killed runs left.
find "$CACHE" -mindepth 2 -maxdepth 2 -name .used -mtime +2 -printf '%h\n' |
	while read -r old; do rm -rf "$old" "$old.lock"; done
find "$CACHE" -mindepth 1 -maxdepth 1 -name '.split.*' -mmin +120 -exec rm -rf {} + 2> /dev/null || true

t0=$(date +%s)
rm -rf "$entry"
tmp=$(mktemp -d "$CACHE/.split.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if ! KMOD=$kmod bash "$sigpkg" split -o "$tmp/out" -Znone "$deb" > "$tmp/split.log" 2>&1; then
	cat "$tmp/split.log" >&2
	die "kmod-sigpkg split $deb failed"
fi
touch "$tmp/.used"
mv -T "$tmp" "$entry"
trap - EXIT
echo "made in $(($(date +%s) - t0)) s" >&2
echo "$entry/out"

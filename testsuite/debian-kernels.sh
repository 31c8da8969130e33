#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Two real signed Debian kernels as test data, cached across runs:
#   linux-image-6.1.0-<N>-amd64       newest N; plain .ko, RSA-4096 trailers
#   linux-image-6.12.<x>+deb12-amd64  newest x; .ko.xz, ECDSA trailers inside the xz
#
#   debian-kernels.sh fetch     download the .debs (reusing complete cached ones);
#                               prints one line per .deb: <package> <deb path>
#   debian-kernels.sh extract   fetch, then unpack each .deb once; prints one line
#                               per tree: <kver> <tree root>
#                               (modules under <tree root>/lib/modules/<kver>/)
#   debian-kernels.sh unpack DEB  unpack another kernel .deb (Debian 13's, from
#                               debian-rootfs.sh) the same way; prints
#                               <kver> <tree root> (its modules may be under
#                               <tree root>/usr/lib/modules/<kver>/)
#
# Cache: ${XDG_CACHE_HOME:-$HOME/.cache}/kmod-ds/{debs,trees}.  Errors go to stderr.
# Exit 2: the data cannot be had here (no apt/dpkg, archive unreachable, download
# failed) and nothing usable is cached; callers may turn that into a skip.
# Exit 1: anything else (a .deb that does not unpack, an unexpected layout).

set -euo pipefail
export LC_ALL=C

CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/kmod-ds
DEBS=$CACHE/debs
TREES=$CACHE/trees

# name regex (for apt-cache) and glob (for the cache) of each series
SERIES_RE=('^linux-image-6\.1\.0-[0-9]+-amd64$' '^linux-image-6\.12\.[0-9]+\+deb12-amd64$')
SERIES_GLOB=('linux-image-6.1.0-*-amd64_*.deb' 'linux-image-6.12.*+deb12-amd64_*.deb')

# The temporary directory being filled, removed if we are interrupted.
CLEANUP=
cleanup() {
	[[ -z $CLEANUP ]] || rm -rf "$CLEANUP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Leftovers of runs killed hard; old enough not to belong to a concurrent run.
sweep() {
	[[ -d $1 ]] && find "$1" -maxdepth 1 -name "$2" -mmin +60 -exec rm -rf {} + 2>/dev/null
	return 0
}

die() {
	echo "debian-kernels.sh: $*" >&2
	exit 1
}

unreachable() {
	echo "debian-kernels.sh: $*" >&2
	exit 2
}

# Every apt-cache call loads the whole cache (~0.7 s), so each step asks about
# both series at once.  apt-cache reads only the local lists; the anchored
# regexes leave out -dbg, -unsigned, -rt-, -cloud- and friends.
KNOWN_NAMES=

load_known_names() {
	KNOWN_NAMES=$(apt-cache pkgnames linux-image-6. 2>/dev/null || true)
}

newest_known() {
	grep -E "$1" <<<"$KNOWN_NAMES" | sort -V | tail -n1 || true
}

# "<package> <candidate version> <size>" for each argument that has a candidate.
candidates() {
	local args
	args=$(apt-cache policy "$@" 2>/dev/null |
		awk '/^[^ ].*:$/ { sub(/:$/, ""); p = $0 }
		     /^ *Candidate:/ { if ($2 != "(none)") print p "=" $2 }')
	[[ -n $args ]] || return 0
	# shellcheck disable=SC2086 # one word per line, no spaces in package=version
	apt-cache show --no-all-versions $args 2>/dev/null |
		awk '/^Package:/ { p = $2 } /^Version:/ { v = $2 } /^Size:/ { print p, v, $2 }'
}

deb_ok() {
	[[ -f $1 ]] && dpkg-deb -I "$1" >/dev/null 2>&1
}

# Package name of a cached .deb: everything before the first '_'.
deb_package() {
	local base=${1##*/}
	echo "${base%%_*}"
}

# The newest complete .deb of a series already in the cache, if any.
newest_cached() {
	local glob=$1 f best=
	[[ -d $DEBS ]] || return 0
	while read -r f; do
		deb_ok "$f" && best=$f
	done < <(find "$DEBS" -maxdepth 1 -name "$glob" -print | sort -V)
	echo "$best"
}

# Without a usable candidate (offline, lists gone) fall back to the newest .deb
# of the series in the cache.
use_cached() {
	local glob=$1 why=$2 deb
	deb=$(newest_cached "$glob")
	[[ -n $deb ]] || unreachable "$why"
	echo "debian-kernels.sh: warning: $why; using cached ${deb##*/}" >&2
	echo "$(deb_package "$deb") $deb"
}

# Make sure the .deb of package $2 version $3 (expected size $4, may be empty)
# is in the cache; prints "<package> <deb>".
fetch_one() {
	local glob=$1 pkg=$2 ver=$3 size=$4 deb tmp got log

	# apt names the file <pkg>_<version without epoch>_<arch>.deb
	deb=$DEBS/${pkg}_${ver#*:}_amd64.deb
	if deb_ok "$deb" && [[ -z $size || $(stat -c %s "$deb") == "$size" ]]; then
		echo "$pkg $deb"
		return
	fi

	# Download into a private directory and move the file in only when it is
	# complete, so an interrupted run never leaves a truncated .deb behind.
	mkdir -p "$DEBS"
	sweep "$DEBS" '.download.*'
	tmp=$(mktemp -d "$DEBS/.download.XXXXXX")
	CLEANUP=$tmp
	if ! (cd "$tmp" && apt-get download -q "$pkg=$ver" >"$tmp/.log" 2>&1); then
		log=$(grep -E '^(E|Err):' "$tmp/.log" | head -n2 | tr '\n' ' ' || true)
		rm -rf "$tmp"
		use_cached "$glob" "apt-get download $pkg=$ver failed: ${log:-see apt}"
		return
	fi
	got=$(find "$tmp" -maxdepth 1 -name "${pkg}_*.deb" -print -quit)
	if [[ -z $got ]] || ! deb_ok "$got"; then
		rm -rf "$tmp"
		unreachable "apt-get download $pkg=$ver produced no valid .deb"
	fi
	if [[ -n $size && $(stat -c %s "$got") != "$size" ]]; then
		rm -rf "$tmp"
		unreachable "apt-get download $pkg=$ver: size differs from the archive's $size"
	fi
	mv -f "$got" "$deb"
	rm -rf "$tmp"
	CLEANUP=
	echo "$pkg $deb"
}

cmd_fetch() {
	local i pkg ver size info missing
	local -a pkgs=()

	# extract runs this in a command substitution, which does not inherit traps
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	command -v dpkg-deb >/dev/null || unreachable "dpkg-deb not found"
	command -v apt-cache >/dev/null || unreachable "apt-cache not found"

	load_known_names
	missing=0
	for i in "${!SERIES_RE[@]}"; do
		pkgs[i]=$(newest_known "${SERIES_RE[i]}")
		[[ -n ${pkgs[i]} ]] || missing=1
	done
	if [[ $missing == 1 ]]; then
		echo "debian-kernels.sh: apt's lists lack a kernel series; running apt-get update" >&2
		apt-get update -qq >&2 || echo "debian-kernels.sh: apt-get update failed" >&2
		load_known_names
		for i in "${!SERIES_RE[@]}"; do
			pkgs[i]=$(newest_known "${SERIES_RE[i]}")
		done
	fi

	info=$(candidates "${pkgs[@]}")
	for i in "${!SERIES_RE[@]}"; do
		pkg=${pkgs[i]}
		read -r _ ver size < <(awk -v p="$pkg" '$1 == p' <<<"$info") || true
		if [[ -z $pkg || -z ${ver:-} ]]; then
			use_cached "${SERIES_GLOB[i]}" "apt knows no package matching ${SERIES_RE[i]}"
			continue
		fi
		fetch_one "${SERIES_GLOB[i]}" "$pkg" "$ver" "${size:-}"
	done
}

# publish TMP DIR STAMP WANT WHAT: mark the finished TMP with WANT in its file
# STAMP and put it at DIR; a concurrent run may have put the same there first.
publish() {
	local tmp=$1 dir=$2 stamp=$3 want=$4
	echo "$want" >"$tmp/$stamp"
	rm -rf "$dir"
	# -T: never move into a tree a concurrent run has just put there
	if ! mv -T "$tmp" "$dir" 2>/dev/null; then
		rm -rf "$tmp"
		[[ -f $dir/$stamp && $(<"$dir/$stamp") == "$want" ]] ||
			die "cannot move $5 to $dir"
	fi
	CLEANUP=
}

# The only directory under lib/modules (or usr/lib/modules) of an extracted tree.
tree_kver() {
	local d n=0 kver=
	for d in "$1"/lib/modules/*/ "$1"/usr/lib/modules/*/; do
		[[ -d $d ]] || continue
		kver=$(basename "$d")
		n=$((n + 1))
	done
	[[ $n == 1 ]] || return 1
	echo "$kver"
}

# Unpack $2 into trees/$1 unless a stamp naming the same .deb is already there.
# The stamp is written last and the directory appears by rename, so a tree
# without a matching stamp is never trusted.
extract_one() {
	local pkg=$1 deb=$2 dir=$TREES/$1 tmp kver
	local want=${deb##*/}

	if [[ -f $dir/.kmod-ds-extracted && $(<"$dir/.kmod-ds-extracted") == "$want" ]]; then
		kver=$(tree_kver "$dir") || die "$dir: expected exactly one lib/modules/<kver>"
		echo "$kver $dir"
		return
	fi
	mkdir -p "$TREES"
	sweep "$TREES" '.extract.*'
	tmp=$(mktemp -d "$TREES/.extract.XXXXXX")
	CLEANUP=$tmp
	if ! dpkg-deb -x "$deb" "$tmp"; then
		rm -rf "$tmp"
		die "dpkg-deb -x $deb failed"
	fi
	if ! kver=$(tree_kver "$tmp"); then
		rm -rf "$tmp"
		die "$deb: expected exactly one lib/modules/<kver>"
	fi
	publish "$tmp" "$dir" .kmod-ds-extracted "$want" "the unpacked $pkg"
	echo "$kver $dir"
}

# KMOD_TEST_REAL_SAMPLE=N (a number > 0): extract prints, instead of each
# whole tree, a copy of it hard-linked into samples/<package>-N that keeps
# about N of its modules (every k-th in path order, plus the few the tests name:
# dummy, ext4 and what it needs, omfs and crc-itu-t), modules.order cut to
# match, everything else as it is.  Every real-tree test then iterates fewer
# modules; test-sanitizers.sh uses it for its slow instrumented pass.
SAMPLE_KEEP='/(dummy|ext4|jbd2|mbcache|crc16|omfs|crc-itu-t|crc32c_generic|libcrc32c)\.ko'
sample_one() {
	local kver=$1 dir=$2 n=$3 pkg=$4
	local out=$CACHE/samples/$pkg-$n want tmp mods total k
	want="$(<"$dir/.kmod-ds-extracted") $n"
	if [[ -f $out/.kmod-ds-sample && $(<"$out/.kmod-ds-sample") == "$want" ]]; then
		echo "$kver $out"
		return
	fi
	mkdir -p "$CACHE/samples"
	sweep "$CACHE/samples" '.sample.*'
	tmp=$(mktemp -d "$CACHE/samples/.sample.XXXXXX")
	CLEANUP=$tmp
	cp -al "$dir/." "$tmp/" 2>/dev/null || cp -a "$dir/." "$tmp/" || die "cannot copy $dir"
	rm -f "$tmp/.kmod-ds-extracted"
	mods=$tmp/lib/modules/$kver
	(cd "$mods" && find kernel -name '*.ko*' | sort) >"$tmp/.all"
	total=$(wc -l <"$tmp/.all")
	k=$(((total + n - 1) / n))
	[[ $k -ge 1 ]] || k=1
	awk -v k="$k" -v keep="$SAMPLE_KEEP" '(NR - 1) % k != 0 && $0 !~ keep' "$tmp/.all" >"$tmp/.drop"
	(cd "$mods" && xargs -r rm -f <"$tmp/.drop")
	if [[ -f $mods/modules.order ]]; then
		# modules.order names foo.ko for a foo.ko.xz
		awk '{ p = $0; sub(/\.(xz|gz|zst)$/, "", p) }
			NR == FNR { drop[p] = 1; next } !(p in drop)' "$tmp/.drop" \
			"$mods/modules.order" >"$tmp/.order"
		rm -f "$mods/modules.order" # a hard link: never write through it
		mv "$tmp/.order" "$mods/modules.order"
	fi
	rm -f "$tmp/.all" "$tmp/.drop"
	publish "$tmp" "$out" .kmod-ds-sample "$want" "the sample of $pkg"
	echo "$kver $out"
}

cmd_extract() {
	local list pkg deb kver dir n=${KMOD_TEST_REAL_SAMPLE:-0}
	list=$(cmd_fetch) || exit $?
	[[ $n =~ ^[0-9]+$ ]] || die "KMOD_TEST_REAL_SAMPLE=$n: not a number"
	while read -r pkg deb; do
		if [[ $n -gt 0 ]]; then
			read -r kver dir < <(extract_one "$pkg" "$deb")
			[[ -n $kver ]] || exit 1
			sample_one "$kver" "$dir" "$n" "$pkg"
		else
			extract_one "$pkg" "$deb"
		fi
	done <<<"$list"
}

case ${1:-} in
fetch) cmd_fetch ;;
extract) cmd_extract ;;
unpack)
	[[ $# == 2 && -f $2 ]] || die "usage: debian-kernels.sh unpack DEB"
	extract_one "$(dpkg-deb -f "$2" Package)" "$2"
	;;
*)
	echo "usage: debian-kernels.sh fetch|extract|unpack DEB" >&2
	exit 1
	;;
esac

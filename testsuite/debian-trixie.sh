#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Debian 13 (trixie) as the second reference, run here without VM or chroot:
# a minbase root made once by debootstrap (with kmod and libkmod2: kmod 34.2),
# whose programs start through the root's own dynamic loader:
#
#   ROOT/lib64/ld-linux-x86-64.so.2 --library-path ROOT/usr/lib/x86_64-linux-gnu \
#	--argv0 modprobe ROOT/usr/bin/kmod ARGS
#
#   debian-trixie.sh root       make the root unless cached; prints its path
#   debian-trixie.sh bin DIR    root, then DIR/{kmod,depmod,modprobe,modinfo,insmod,
#                               rmmod,lsmod}: scripts starting the root's kmod as
#                               above, and DIR/run: "DIR/run EXE ARGS" starts EXE
#                               (built here) under the root's loader and
#                               libraries, so with Debian 13's libkmod.so.2;
#                               prints DIR
#   debian-trixie.sh debs       root, then Debian 13's udev, systemd,
#                               libsystemd-shared and dracut-install .debs
#                               (apt-get download with the root's own apt lists);
#                               prints one line per .deb: <package> <path>
#
# Cache: ${XDG_CACHE_HOME:-$HOME/.cache}/kmod-ds/roots/trixie-minbase and
# .../debs/trixie; both appear by rename once complete.  The mirror is the one
# apt uses here.  Exit 2: the data cannot be had (no debootstrap, archive
# unreachable) and nothing usable is cached; callers may turn that into a skip.
# Exit 1: anything else.

set -euo pipefail
export LC_ALL=C

CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/kmod-ds
ROOTS=$CACHE/roots
ROOT=$ROOTS/trixie-minbase
DEBS=$CACHE/debs/trixie
SUITE=trixie
INCLUDE=kmod,libkmod2
STAMP=.kmod-ds-root
WANT="debootstrap --variant=minbase --include=$INCLUDE $SUITE"
CONSUMERS=(udev systemd libsystemd-shared dracut-install)

CLEANUP=
cleanup() {
	[[ -z $CLEANUP ]] || rm -rf "$CLEANUP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
	echo "debian-trixie.sh: $*" >&2
	exit 1
}

unreachable() {
	echo "debian-trixie.sh: $*" >&2
	exit 2
}

# Leftovers of runs killed hard; old enough not to belong to a concurrent run.
sweep() {
	[[ -d $1 ]] && find "$1" -maxdepth 1 -name "$2" -mmin +60 -exec rm -rf {} + 2>/dev/null
	return 0
}

# The archive apt uses here (deb822 or one-line sources), Debian's by default.
mirror() {
	local m
	m=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
		awk '/^URIs:/ && $2 ~ /\/debian\/?$/ { print $2; exit }
		     /^deb / && $2 ~ /\/debian\/?$/ { print $2; exit }') || true
	echo "${m:-http://deb.debian.org/debian}"
}

root_ok() {
	[[ -f $ROOT/$STAMP && $(<"$ROOT/$STAMP") == "$WANT" && -x $ROOT/usr/bin/kmod ]]
}

cmd_root() {
	local tmp
	if root_ok; then
		echo "$ROOT"
		return
	fi
	command -v debootstrap >/dev/null || unreachable "debootstrap not found (apt-get install debootstrap)"
	mkdir -p "$ROOTS"
	# tests running in parallel wait for one debootstrap instead of each running it
	exec 9>"$ROOTS/.trixie.lock"
	flock 9
	if root_ok; then
		echo "$ROOT"
		return
	fi
	sweep "$ROOTS" '.trixie.*'
	tmp=$(mktemp -d "$ROOTS/.trixie.XXXXXX")
	CLEANUP=$tmp
	echo "debian-trixie.sh: $WANT (a few minutes, once)" >&2
	if ! debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$tmp/root" "$(mirror)" \
		>"$tmp/log" 2>&1; then
		tail -n 5 "$tmp/log" >&2
		rm -rf "$tmp"
		CLEANUP=
		unreachable "debootstrap $SUITE failed"
	fi
	echo "$WANT" >"$tmp/root/$STAMP"
	# -T: never move into a root a concurrent run has just put there
	if ! mv -T "$tmp/root" "$ROOT" 2>/dev/null; then
		root_ok || die "cannot move the new root to $ROOT"
	fi
	rm -rf "$tmp"
	CLEANUP=
	echo "$ROOT"
}

cmd_bin() {
	local dir=${1:?usage: debian-trixie.sh bin DIR} t
	cmd_root >/dev/null
	mkdir -p "$dir"
	for t in kmod depmod modprobe modinfo insmod rmmod lsmod; do
		printf '#!/bin/sh\nexec %q --library-path %q --argv0 %s %q "$@"\n' \
			"$ROOT/lib64/ld-linux-x86-64.so.2" "$ROOT/usr/lib/x86_64-linux-gnu" "$t" \
			"$ROOT/usr/bin/kmod" >"$dir/$t"
		chmod +x "$dir/$t"
	done
	printf '#!/bin/sh\nexec %q --library-path %q "$@"\n' \
		"$ROOT/lib64/ld-linux-x86-64.so.2" "$ROOT/usr/lib/x86_64-linux-gnu" >"$dir/run"
	chmod +x "$dir/run"
	echo "$dir"
}

deb_ok() {
	[[ -f $1 ]] && dpkg-deb -I "$1" >/dev/null 2>&1
}

# The cached .debs of every consumer, or nothing when one is missing.
cached_debs() {
	local p f
	for p in "${CONSUMERS[@]}"; do
		f=$(find "$DEBS" -maxdepth 1 -name "${p}_*.deb" 2>/dev/null | sort -V | tail -n1)
		deb_ok "$f" || return 1
		echo "$p $f"
	done
}

cmd_debs() {
	local tmp out
	if out=$(cached_debs); then
		echo "$out"
		return
	fi
	cmd_root >/dev/null
	command -v apt-get >/dev/null || unreachable "apt-get not found"
	mkdir -p "$CACHE/debs"
	sweep "$CACHE/debs" '.trixie.*'
	tmp=$(mktemp -d "$CACHE/debs/.trixie.XXXXXX")
	CLEANUP=$tmp
	# apt with the root's sources, lists, keyring and status: no chroot, and
	# nothing of this system's apt configuration changes
	if ! (cd "$tmp" && apt-get -q -o Dir="$ROOT" -o Dir::State::status="$ROOT/var/lib/dpkg/status" \
		-o Debug::NoLocking=1 -o APT::Sandbox::User=root download "${CONSUMERS[@]}" \
		>"$tmp/.log" 2>&1); then
		grep -E '^(E|Err):' "$tmp/.log" | head -n2 >&2 || true
		rm -rf "$tmp"
		CLEANUP=
		unreachable "apt-get download of Debian 13's ${CONSUMERS[*]} failed"
	fi
	rm -f "$tmp/.log"
	if [[ -d $DEBS ]]; then
		# another run was first: add what it lacks, file by file
		mv -n "$tmp"/*.deb "$DEBS/"
	elif ! mv -T "$tmp" "$DEBS" 2>/dev/null; then
		mv -n "$tmp"/*.deb "$DEBS/"
	fi
	rm -rf "$tmp"
	CLEANUP=
	cached_debs || die "the .debs of ${CONSUMERS[*]} are not all in $DEBS"
}

case ${1:-} in
root) cmd_root ;;
bin) cmd_bin "${2:-}" ;;
debs) cmd_debs ;;
*)
	echo "usage: debian-trixie.sh root|bin DIR|debs" >&2
	exit 1
	;;
esac

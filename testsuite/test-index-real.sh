#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# libkmod-index against the indexes Debian's depmods write, kmod 30's (Debian
# 12; the root last) and kmod 34.2's (Debian 13, testsuite/debian-trixie.sh;
# the root first, as ours), for the fixture modules and for the two Debian
# kernels of debian-kernels.sh when they are already unpacked here (always
# with CI=true, which may fetch them).  testsuite/test-index-real does the
# work on each module directory; its TAP is passed through, renumbered.
# index-dump-debian, compiled here against the distribution's libkmod.so.2,
# is the reference for dumps and lookups, run with kmod 30's library and with
# kmod 34.2's (through the Debian 13 root's loader), on both layouts.  And
# kmod 30's libkmod dumps kmod 34's indexes exactly as its own.
# A missing prerequisite is a skip, and a failure when CI=true.

# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

prog=$top_builddir/testsuite/test-index-real
depmod=${DEPMOD:-/usr/sbin/depmod}
fixtures=$top_builddir/testsuite/fixtures
ref=

[ -x "$prog" ] || skip_all "$prog is not built"
need_or_skip_all "Debian's depmod at $depmod" test -x "$depmod"

now() {
	date +%s.%N
}

elapsed() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}

# run_real LABEL MODDIR [REF [--ref-only]]: test-index-real on MODDIR, its
# results numbered as ours.
run_real() {
	local label=$1 moddir=$2 ref=${3:-} out status results=0 failed=0 line t0
	t0=$(now)
	out=$("$prog" ${4:+"$4"} "$moddir" ${ref:+"$ref"} 2>&1)
	status=$?
	while IFS= read -r line; do
		if [[ $line =~ ^ok\ [0-9]+\ -\ (.*)$ ]]; then
			ok "$label: ${BASH_REMATCH[1]}"
			results=$((results + 1))
		elif [[ $line =~ ^not\ ok\ [0-9]+\ -\ (.*)$ ]]; then
			not_ok "$label: ${BASH_REMATCH[1]}"
			results=$((results + 1))
			failed=$((failed + 1))
		elif [[ $line =~ ^1\.\.[0-9]+$ ]]; then
			:
		elif [[ $line == \#* ]]; then
			echo "$line"
		else
			diag "$line"
		fi
	done <<<"$out"
	diag "$label: test-index-real took $(elapsed "$t0") s (exit $status)"
	# a crash leaves no failing line of its own
	if [[ $status != 0 && $failed == 0 ]] || [[ $results == 0 ]]; then
		not_ok "$label: test-index-real exited with status $status"
	fi
}

# run_depmod LABEL ROOT KVER [DEPMOD]
run_depmod() {
	local t0
	t0=$(now)
	if "${4:-$depmod}" -b "$2" "$3" 2>"$testdir/depmod.err"; then
		diag "$1: depmod took $(elapsed "$t0") s"
		return 0
	fi
	not_ok "$1: ${4:-$depmod} -b $2 $3"
	sed 's/^/# /' "$testdir/depmod.err"
	return 1
}

# same_dumps LABEL DIR30 DIR34: kmod 30's library dumps the five indexes of
# DIR34 (kmod 34's layout) exactly as those of DIR30 (its own).
same_dumps() {
	local t
	for t in 0 1 2 3 4; do
		"$ref" dump "$2" "$t" >"$testdir/d30" 2>&1
		echo "exit $?" >>"$testdir/d30"
		"$ref" dump "$3" "$t" >"$testdir/d34" 2>&1
		echo "exit $?" >>"$testdir/d34"
		is "$(($(wc -l <"$testdir/d30") > 1))" 1 "$1: kmod 30 dumps index $t of its own"
		is_file "$testdir/d34" "$testdir/d30" "$1: kmod 30 reads index $t of kmod 34 as its own"
	done
}

# index_both LABEL ROOT KVER: ROOT indexed by kmod 30's depmod and, in a copy,
# by kmod 34's; each set checked in full against the library of the depmod
# that wrote it, and its dumps and lookups against the other library.
index_both() {
	local label=$1 root=$2 kver=$3 copy=$2-34
	run_depmod "$label, kmod 30's depmod" "$root" "$kver" || return
	run_real "$label, kmod 30's depmod" "$root/lib/modules/$kver" "$ref"
	[[ -n $ref34 ]] || return 0
	run_real "$label, kmod 30's depmod, kmod 34's library" "$root/lib/modules/$kver" "$ref34" \
		--ref-only
	rm -rf "$copy"
	cp -a "$root" "$copy"
	rm -f "$copy/lib/modules/$kver"/modules.*.bin
	run_depmod "$label, kmod 34's depmod" "$copy" "$kver" "$kmod34/depmod" || return
	run_real "$label, kmod 34's depmod" "$copy/lib/modules/$kver" "$ref34"
	[[ -z $ref ]] || run_real "$label, kmod 34's depmod, kmod 30's library" \
		"$copy/lib/modules/$kver" "$ref" --ref-only
	[[ -z $ref ]] || same_dumps "$label" "$root/lib/modules/$kver" "$copy/lib/modules/$kver"
	rm -rf "$copy"
}

# shellcheck disable=SC2317 # called through need_or_skip
build_ref() {
	"${CC:-gcc}" -O2 -o "$testdir/index-dump-debian" \
		"$top_srcdir/testsuite/index-dump-debian.c" -l:libkmod.so.2
}
ref34=
if need_or_skip "a C compiler and the distribution's libkmod.so.2 (the reference)" build_ref; then
	ref=$testdir/index-dump-debian
	diag "reference: $(ldd "$ref" | awk '/libkmod/ { print $3 }')"
	if debian13_bin; then
		ref34=$testdir/index-dump-34
		printf '#!/bin/sh\nexec %s %s "$@"\n' "$kmod34/run" "$ref" >"$ref34"
		chmod +x "$ref34"
		diag "reference 2: $("$kmod34/run" --list "$ref" | awk '/libkmod/ { print $3 }')"
	fi
fi

# The fixture modules with builtin files (lib.sh's fixture_modules_tree).
kver=6.1.0-test
if need_or_skip "fixture modules in $fixtures" test -f "$fixtures/mod-foo.ko"; then
	root=$testdir/fixtures
	dir=$root/lib/modules/$kver
	fixture_modules_tree "$dir"
	index_both fixtures "$root" "$kver"
fi

# The Debian kernels: CI fetches them; elsewhere only a finished unpack is used.
cache=${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/kmod-ds/trees
trees=
if [[ ${CI:-} == true ]]; then
	if ! trees=$("$top_srcdir/testsuite/debian-kernels.sh" extract 2>"$testdir/extract.err"); then
		not_ok "debian-kernels.sh extract"
		sed 's/^/# /' "$testdir/extract.err"
	fi
else
	for stamp in "$cache"/*/.kmod-ds-extracted; do
		[[ -f $stamp ]] || continue
		tree=${stamp%/.kmod-ds-extracted}
		dirs=("$tree"/lib/modules/*/)
		[[ ${#dirs[@]} == 1 && -d ${dirs[0]} ]] || continue
		trees+="$(basename "${dirs[0]}") $tree"$'\n'
	done
	[[ -n $trees ]] || skip "Debian kernels not unpacked in $cache (testsuite/debian-kernels.sh extract)"
fi

while read -r kver tree; do
	[[ -n $kver ]] || continue
	# depmod writes next to the modules: a private root links to them
	root=$testdir/root-$kver
	dir=$root/lib/modules/$kver
	mkdir -p "$dir"
	ln -s "$tree/lib/modules/$kver/kernel" "$dir/kernel"
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[[ ! -f $tree/lib/modules/$kver/$f ]] || cp "$tree/lib/modules/$kver/$f" "$dir/"
	done
	index_both "$kver" "$root" "$kver"
	rm -rf "$root"
done <<<"$trees"

done_testing

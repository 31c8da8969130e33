#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# contrib/kmod-sigpkg on Debian's real signed kernel packages
# (testsuite/debian-kernels.sh: linux-image-6.1.0-N-amd64, plain .ko, and
# linux-image-6.12.x+deb12-amd64, .ko.xz): split each .deb into the image with
# unsigned modules and the -modsigs package, twice (identical bytes), check
# every module against Debian's signed one independently of our tools (the
# uncompressed image plus its .sig is Debian's uncompressed module; a .ko.xz is
# what xz --check=crc32 --lzma2=dict=1MiB makes of its content), check both
# packages' contents and fields, then join them and compare the result with
# Debian's files byte for byte.  With KMOD_TEST_REAL_SAMPLE (the sanitizer
# build) the sampled trees are split instead of the .debs.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

sigpkg=$top_srcdir/contrib/kmod-sigpkg
export KMOD=$top_builddir/tools/kmod
need_or_skip_all "$KMOD (build the tools first)" test -x "$KMOD"
for cmd in dpkg-deb xz md5sum cmp; do
	need_or_skip_all "$cmd" command -v "$cmd"
done

sample=${KMOD_TEST_REAL_SAMPLE:-0}
if ! debs=$(bash "$top_srcdir/testsuite/debian-kernels.sh" fetch 2> "$testdir/fetch.err") ||
	! trees=$(bash "$top_srcdir/testsuite/debian-kernels.sh" extract 2>> "$testdir/fetch.err"); then
	sed 's/^/# /' "$testdir/fetch.err"
	need_or_skip_all "Debian's kernel packages: $(tail -n1 "$testdir/fetch.err")" false
fi

# check_modules ORIG TREE SIGS MD: every module of ORIG/MD against TREE and SIGS,
# with xz, cat and cmp only; prints the number checked or a diagnostic.
check_modules() {
	local orig=$1 tree=$2 sigs=$3 md=$4
	(cd "$orig" && find "$md" -type f -name '*.ko*' -print0 | sort -z) |
		xargs -0 -r -P 2 -n 64 bash -c '
		orig=$1 tree=$2 sigs=$3 tmp=$4
		shift 4
		for m; do
			[ -f "$sigs/$m.sig" ] || { echo "# $m: no .sig"; exit 255; }
			echo x
			case $m in
			*.ko.xz)
				xz -dc "$tree/$m" > "$tmp.$$" || exit 255
				cat "$tmp.$$" "$sigs/$m.sig" | cmp -s - <(xz -dc "$orig/$m") ||
					{ echo "# $m: uncompressed image + .sig differs from Debian'"'"'s"; exit 255; }
				# every 8th: the exact bytes kbuild would write (the
				# headers of all are checked below)
				[ $(( $(printf %s "$m" | cksum | cut -d" " -f1) % 8 )) = 0 ] || continue
				xz --check=crc32 --lzma2=dict=1MiB -c "$tmp.$$" | cmp -s - "$tree/$m" ||
					{ echo "# $m: not compressed as kbuild does"; exit 255; }
				echo k
				;;
			*)
				cat "$tree/$m" "$sigs/$m.sig" | cmp -s - "$orig/$m" ||
					{ echo "# $m: image + .sig differs from Debian'"'"'s"; exit 255; }
				;;
			esac
			tail -c 28 "$tree/$m" | grep -q "Module signature appended" &&
				{ echo "# $m: still signed"; exit 255; }
		done
		rm -f "$tmp.$$"' sh "$orig" "$tree" "$sigs" "$testdir/check" > "$testdir/check.out"
	grep -v '^[xk]$' "$testdir/check.out"
	echo "$(grep -c '^x$' "$testdir/check.out") $(grep -c '^k$' "$testdir/check.out")"
}

# The .xz headers of every .ko.xz under TREE/MD as kbuild writes them: one
# stream, one block, CRC32, LZMA2 with a 1 MiB dictionary; prints the others.
check_xz_headers() {
	(cd "$1" && find "$2" -name '*.ko.xz' -print0 | sort -z | xargs -0 -r xz --robot -lvv) |
		awk -F'\t' '$1 == "name" { if (n && !good) print name; name = $2; n++; good = 0; blocks = 0 }
			$1 == "file" { good = ($2 == 1 && $3 == 1 && $7 == "CRC32") }
			$1 == "block" { if ($NF != "--lzma2=dict=1MiB") good = 0 }
			END { if (n && !good) print name }'
}

field() { # DEB FIELD
	dpkg-deb -f "$1" "$2"
}

# The md5sums list and the files of a .deb's data, for comparing two packages
# whose compression may differ.
deb_digest() {
	{
		dpkg-deb -I "$1" md5sums
		dpkg-deb --fsys-tarfile "$1" | tar -t -v --numeric-owner --full-time |
			cat
	} | md5sum | cut -d' ' -f1
}

n_kernels=0
while read -r kver root <&3; do
	[ -n "$kver" ] || continue
	n_kernels=$((n_kernels + 1))
	series=$(echo "$kver" | cut -d. -f1,2)
	pkg=$(basename "$root")
	pkg=${pkg%-"$sample"}
	deb=$(awk -v p="$pkg" '$1 == p { print $2 }' <<< "$debs")
	md=lib/modules/$kver
	# A kernel version such as 6.12.118+deb12 holds ERE operators (its
	# characters are [0-9a-z.+~-]).
	md_re=$(sed 's/[.+]/\\&/g' <<< "$md")
	input=$root
	[ "$sample" = 0 ] && input=$deb
	nmods=$(find "$root/$md" -type f -name '*.ko*' | wc -l)
	w=$testdir/$series
	mkdir -p "$w"

	# Built without xz, kmod cannot detach a .ko.xz: the split must refuse
	# such a kernel, saying why; the checks of its output cannot apply.
	if ! has_feature XZ && [ -n "$(find "$root/$md" -type f -name '*.ko.xz' -print -quit)" ]; then
		bash "$sigpkg" split -o "$w/run1" -Znone "$input" > "$w/split1.out" 2>&1
		rc=$?
		like "$rc $(tail -n 1 "$w/split1.out")" '^[1-9][0-9]* kmod-sigpkg: kmod detach failed' \
			"$series: built without xz, split of $(basename "$input") fails"
		like "$(cat "$w/split1.out")" "^kmod: ERROR: $md_re/.+\\.ko\\.xz: xz compression not supported by this build\$" \
			"$series: built without xz, kmod names a .ko.xz and says why"
		skip "$series: the split's output and the join: .ko.xz modules, built without xz"
		continue
	fi

	t0=$(date +%s.%N)
	for run in 1 2; do
		bash "$sigpkg" split -o "$w/run$run" -Znone "$input" > "$w/split$run.out" 2>&1
		echo $? > "$w/split$run.rc"
	done
	secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", (b - a) / 2 }')
	if [ "$(cat "$w/split1.rc")" = 0 ] && [ "$(cat "$w/split2.rc")" = 0 ]; then
		ok "$series: split $(basename "$input") ($nmods modules, $secs s a run)"
	else
		not_ok "$series: split $(basename "$input")"
		sed 's/^/# /' "$w/split1.out" "$w/split2.out"
		continue
	fi
	r=$w/run1

	got=$(check_modules "$root" "$r/tree" "$r/sigs" "$md")
	like "$got" "^$nmods [0-9]+\$" "$series: every module is unsigned, and with its .sig gives Debian's (uncompressed) bytes ($got: modules, .ko.xz recompressed)"
	if [ "$series" != 6.1 ]; then
		nxz=$(find "$r/tree/$md" -name '*.ko.xz' | wc -l)
		like "${got#* } $nxz" '^[1-9][0-9]* [1-9]' "$series: some .ko.xz recompressed by xz --check=crc32 --lzma2=dict=1MiB give the very bytes (${got#* } of $nxz)"
		is "$(check_xz_headers "$r/tree" "$md" | head -n 5)" "" \
			"$series: every .ko.xz is one xz stream and block, CRC32, LZMA2 dict=1MiB (xz -lvv)"
	fi

	nsigs=$(find "$r/sigs" -type f | wc -l)
	others=$(find "$r/sigs" -type f ! -name '*.sig' | wc -l)
	is "$nsigs $others $(find "$r/tree" -name '*.sig' | wc -l)" "$nmods 0 0" \
		"$series: one .sig per module in sigs/, nothing else there, none left in tree/"

	if diff -r "$r" "$w/run2" > "$w/diff" 2>&1; then
		ok "$series: a second run gives identical bytes ($(find "$r" -type f | wc -l) files)"
	else
		not_ok "$series: a second run gives identical bytes"
		head -n 10 "$w/diff" | sed 's/^/# /'
	fi

	if [ "$sample" = 0 ]; then
		ver=$(field "$deb" Version)
		arch=$(field "$deb" Architecture)
		img=$r/${pkg}_${ver#*:}_$arch.deb
		sdeb=$r/$pkg-modsigs_${ver#*:}_$arch.deb
		is "$(field "$sdeb" Package) | $(field "$sdeb" Version) | $(field "$sdeb" Depends)" \
			"$pkg-modsigs | $ver | $pkg (= $ver)" \
			"$series: the signatures package depends on exactly the image version"
		dpkg-deb -c "$sdeb" | awk '{ print $1 " " $6 }' > "$w/sdeb.list"
		is "$(grep -c '^-.*\.sig$' "$w/sdeb.list") $(grep -v -c -E "^(-.*\.sig|d.*/)\$" "$w/sdeb.list") $(grep -v -c -E " \./($md_re/.*)?\$| \./lib/(modules/)?\$" "$w/sdeb.list")" \
			"$nmods 0 0" "$series: the signatures package holds the $nmods .sig files under $md and nothing else"
		dpkg-deb -x "$sdeb" "$w/sdeb-x"
		if diff -r "$r/sigs" "$w/sdeb-x" > "$w/diff" 2>&1; then
			ok "$series: its files are those of sigs/"
		else
			not_ok "$series: its files are those of sigs/"
			head -n 5 "$w/diff" | sed 's/^/# /'
		fi
		is "$(field "$img" Package) $(field "$img" Version) $(dpkg-deb -c "$img" | grep -c '\.sig$')" \
			"$pkg $ver 0" "$(basename "$img"): the image package again, with no .sig"
		dpkg-deb -x "$img" "$w/img-x"
		if diff -r "$r/tree" "$w/img-x" > "$w/diff" 2>&1 &&
			(cd "$w/img-x" && dpkg-deb -I "$img" md5sums | md5sum -c --quiet) > "$w/md5.out" 2>&1; then
			ok "$series: its files are those of tree/, its md5sums match them"
		else
			not_ok "$series: its files are those of tree/, its md5sums match them"
			head -n 5 "$w/diff" "$w/md5.out" | sed 's/^/# /'
		fi
		rm -rf "$w/sdeb-x" "$w/img-x"
		join_in=("$img" "$sdeb")
	else
		join_in=("$r/tree" "$r/sigs")
	fi

	t0=$(date +%s.%N)
	if bash "$sigpkg" join -o "$w/join" -Znone "${join_in[@]}" > "$w/join.out" 2>&1; then
		secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
		if diff -r --no-dereference "$root" "$w/join/tree" -x .kmod-ds-extracted \
			-x .kmod-ds-sample > "$w/diff" 2>&1; then
			ok "$series: join gives back Debian's files byte for byte ($secs s)"
		else
			not_ok "$series: join gives back Debian's files byte for byte"
			head -n 10 "$w/diff" | sed 's/^/# /'
		fi
		if [ "$sample" = 0 ]; then
			is "$(deb_digest "$w/join/$(basename "$img")")" "$(deb_digest "$deb")" \
				"$series: the joined .deb has Debian's md5sums and file list (names, modes, sizes, times)"
		fi
	else
		not_ok "$series: join"
		sed 's/^/# /' "$w/join.out"
	fi
	rm -rf "$w/run2" "$w/join"
	prev=$r
done 3<<< "$trees"

is "$n_kernels" 2 "debian-kernels.sh gave both kernels"

# Refusals, on the last kernel's output: an unsigned tree cannot be split, and
# signatures do not join a tree they are not for.
if [ -n "${prev:-}" ]; then
	bash "$sigpkg" split -o "$testdir/again" "$prev/tree" > "$testdir/again.out" 2>&1
	rc=$?
	like "$rc $(tail -n1 "$testdir/again.out")" '^1 kmod-sigpkg: kmod detach failed' \
		"split of a tree whose modules are unsigned fails (exit 1)"
	mkdir -p "$testdir/other/lib/modules/0.0-other"
	bash "$sigpkg" join -o "$testdir/x" "$prev/tree" "$testdir/other" > "$testdir/x.out" 2>&1
	rc=$?
	like "$rc $(cat "$testdir/x.out")" '^1 kmod-sigpkg: .*holds lib/modules/0.0-other' \
		"join with the signatures of another kernel fails (exit 1)"
fi
done_testing

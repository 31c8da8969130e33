#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# contrib/kmod-sigpkg on Debian's real signed kernel packages: Debian 13's
# linux-image-6.12.x+deb13-amd64 (merged /usr, .ko.xz, the one
# test-debian-system.sh boots) and Debian 12's linux-image-6.1.0-N-amd64 (plain
# .ko).  Split each .deb into the image with unsigned modules and the -modsigs
# package twice: the first split is the one the download cache keeps for both
# tests (testsuite/sigpkg-split.sh; made by this build's tool and kmod), the
# second a fresh one, and the two must be identical bytes.  Check every module
# against Debian's signed one independently of our tools (the uncompressed
# image plus its .sig is Debian's uncompressed module; a .ko.xz is what
# xz --check=crc32 --lzma2=dict=1MiB makes of its content), check both
# packages' contents and fields, then join them and compare the result with
# Debian's files byte for byte.  With KMOD_TEST_REAL_SAMPLE (the sanitizer
# build) the sampled trees of testsuite/debian-kernels.sh (6.1 and Debian 12's
# 6.12) are split instead, twice afresh.
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
kernels=$top_srcdir/testsuite/debian-kernels.sh
# "<kver> <unpacked tree> <.deb>" for each kernel, the 6.12 first: its split is
# the long one, and test-debian-system.sh, running beside, waits for it.
if [ "$sample" = 0 ]; then
	if debs=$(bash "$kernels" fetch 2> "$testdir/fetch.err") &&
		deb13=$(bash "$top_srcdir/testsuite/debian-rootfs.sh" trixie kernel 2>> "$testdir/fetch.err"); then
		deb61=$(awk '$1 ~ /^linux-image-6\.1\.0-/ { print $2 }' <<< "$debs")
		for d in "$deb13" "$deb61"; do
			t=$(bash "$kernels" unpack "$d" 2>> "$testdir/fetch.err") || break
			kernels_list+="$t $d"$'\n'
		done
		got=$(grep -c . <<< "$kernels_list")
	fi
else
	if debs=$(bash "$kernels" fetch 2> "$testdir/fetch.err") &&
		trees=$(bash "$kernels" extract 2>> "$testdir/fetch.err"); then
		kernels_list=$(while read -r kver root; do
			pkg=$(basename "$root")
			echo "$kver $root $(awk -v p="${pkg%-"$sample"}" '$1 == p { print $2 }' <<< "$debs")"
		done <<< "$trees" | sort -k1,1V -r)
		got=2
	fi
fi
if [ "${got:-0}" != 2 ]; then
	sed 's/^/# /' "$testdir/fetch.err"
	need_or_skip_all "Debian's kernel packages: $(tail -n1 "$testdir/fetch.err")" false
fi

# xz_layout FILE: the flags of the first block header of an .xz file, "cu" when
# it holds both sizes (the layout of xz -T+1, the default of xz 5.6 and later)
# or "--" (xz -T1)
xz_layout() {
	xz --robot -lvv "$1" | awk -F'\t' '$1 == "block" { print $13; exit }'
}
export -f xz_layout # for check_modules' workers

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
				# every 8th: the exact bytes kbuild would write, in the
				# layout of the xz that made the package (the headers of
				# all are checked below)
				[ $(( $(printf %s "$m" | cksum | cut -d" " -f1) % 8 )) = 0 ] || continue
				threads=-T1
				[ "$(xz_layout "$orig/$m")" = cu ] && threads=-T+1
				xz --check=crc32 --lzma2=dict=1MiB "$threads" -c "$tmp.$$" | cmp -s - "$tree/$m" ||
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
# stream, CRC32, LZMA2 with a 1 MiB dictionary, and blocks in LAYOUT ("--": one
# block; "cu": blocks of 3 MiB, each header with its sizes); prints the others.
check_xz_headers() {
	(cd "$1" && find "$2" -name '*.ko.xz' -print0 | sort -z | xargs -0 -r xz --robot -lvv) |
		awk -F'\t' -v layout="$3" '
			function verdict() {
				if (n && !(good && blocks == want)) print name
			}
			$1 == "name" { verdict(); name = $2; n++; good = 1; blocks = 0 }
			$1 == "file" {
				good = ($2 == 1 && $7 == "CRC32")
				want = layout == "cu" ? int(($5 + 3145727) / 3145728) : 1
			}
			$1 == "block" { blocks++; if ($13 != layout || $NF != "--lzma2=dict=1MiB") good = 0 }
			END { verdict() }'
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
while read -r kver root deb <&3; do
	[ -n "$kver" ] || continue
	n_kernels=$((n_kernels + 1))
	series=$(echo "$kver" | cut -d. -f1,2)
	pkg=$(dpkg-deb -f "$deb" Package)
	md=lib/modules/$kver
	[ -d "$root/$md" ] || md=usr/$md
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

	# run 1: the split kept in the cache (made now if it is not there yet)
	r=$w/run1 how1=
	if [ "$sample" = 0 ]; then
		r=$(bash "$top_srcdir/testsuite/sigpkg-split.sh" "$deb" 2> "$w/split1.out")
		echo $? > "$w/split1.rc"
		how1=$(tail -n 1 "$w/split1.out")
	else
		t0=$(date +%s)
		bash "$sigpkg" split -o "$r" -Znone "$input" > "$w/split1.out" 2>&1
		echo $? > "$w/split1.rc"
		how1="$(($(date +%s) - t0)) s"
	fi
	t0=$(date +%s)
	bash "$sigpkg" split -o "$w/run2" -Znone "$input" > "$w/split2.out" 2>&1
	echo $? > "$w/split2.rc"
	if [ "$(cat "$w/split1.rc")" = 0 ] && [ "$(cat "$w/split2.rc")" = 0 ]; then
		ok "$series: split $(basename "$input") ($nmods modules; run 1 $how1, run 2 $(($(date +%s) - t0)) s)"
	else
		not_ok "$series: split $(basename "$input")"
		sed 's/^/# /' "$w/split1.out" "$w/split2.out"
		continue
	fi

	got=$(check_modules "$root" "$r/tree" "$r/sigs" "$md")
	like "$got" "^$nmods [0-9]+\$" "$series: every module is unsigned, and with its .sig gives Debian's (uncompressed) bytes ($got: modules, .ko.xz recompressed)"
	if [ "$series" != 6.1 ]; then
		nxz=$(find "$r/tree/$md" -name '*.ko.xz' | wc -l)
		# Debian 12's kernels have xz 5.4's one block, Debian 13's the sized
		# blocks of xz 5.8
		layout=$(xz_layout "$(find "$root/$md" -name '*.ko.xz' -print -quit)")
		case $layout in cu) threads=-T+1 what="blocks of 3 MiB with their sizes" ;; *) threads=-T1 what="one block" ;; esac
		like "${got#* } $nxz" '^[1-9][0-9]* [1-9]' "$series: some .ko.xz recompressed by xz --check=crc32 --lzma2=dict=1MiB $threads give the very bytes (${got#* } of $nxz)"
		is "$(check_xz_headers "$r/tree" "$md" "$layout" | head -n 5)" "" \
			"$series: every .ko.xz is one xz stream of $what as Debian's, CRC32, LZMA2 dict=1MiB (xz -lvv)"
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
		# its directories: those above the module directory ("lib/",
		# "lib/modules/" or "usr/", "usr/lib/", "usr/lib/modules/") and below
		parents_re=$(awk -F/ '{ for (i = 1; i < NF; i++) { p = p $i "/"; printf "|%s", p } }' <<< "$md")
		is "$(grep -c '^-.*\.sig$' "$w/sdeb.list") $(grep -v -c -E "^(-.*\.sig|d.*/)\$" "$w/sdeb.list") $(grep -v -c -E " \./($md_re/.*$parents_re)?\$" "$w/sdeb.list")" \
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
done 3<<< "$kernels_list"

is "$n_kernels" 2 "both kernels were there to split"

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

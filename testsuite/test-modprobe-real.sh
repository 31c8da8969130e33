#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# modprobe against Debian's modprobe on Debian's real module trees (6.1: 4023
# plain .ko; 6.12: 4230 .ko.xz), in scratch roots whose kernel/ is a symbolic
# link into the cached tree.  Two references: Debian 12's modprobe (kmod 30) on
# the tree indexed by its depmod, and Debian 13's (kmod 34.2, from the root of
# testsuite/debian-trixie.sh) on the tree indexed by its depmod, whose .bin
# layout is ours; ours runs on the latter.  Every tool runs under the path
# trap with its root, so no configuration, kernel command line or loaded module
# of this machine gets in.  Compared, output, errors and exit code:
#   --show-depends  for every module name in chunks of 250 names through -a
#                   (byte for byte), and for 1000 of them one process each
#                   (all of them with KMOD_TEST_REAL_ALL=1: about 30 s a tree);
#   --show-depends and -R  for ~500 real modaliases from modules.alias, made
#                   concrete, and for every symbolic alias;
#   -c;  --show-exports and --show-modversions on ~200 modules;  error cases;
#   and kmod 30's modprobe on kmod 34's indexes (-a --show-depends and -a -R
#   on every name and alias) against kmod 30 on its own: the new layout reads
#   the same;  the 6.1 tree without modules.builtin.modinfo (as kernels before
#   5.2), whose empty modules.builtin.alias.bin every modprobe reads silently.
# Counts and times go to the TAP diagnostics.  Without the kernels (no apt,
# archive unreachable) the test skips, and fails when CI=true.

# timed sets its variable by name (tdepmod, tda, ...): SC2154.
# shellcheck disable=SC2154
set -uo pipefail
# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

modprobe=${KMOD_TEST_MODPROBE:-$top_builddir/tools/modprobe}
deb_modprobe=/usr/sbin/modprobe
deb_depmod=/usr/sbin/depmod

need_or_skip_all "trap library" test -f "$TRAP_LIB"
need_or_skip_all "modprobe" test -x "$modprobe"
need_or_skip_all "Debian's modprobe and depmod" test -x "$deb_modprobe" -a -x "$deb_depmod"
debian13_bin

trees=$("$top_srcdir/testsuite/debian-kernels.sh" extract 2> "$testdir/fetch.err")
rc=$?
if [[ $rc != 0 ]]; then
	msg=$(tail -n 1 "$testdir/fetch.err")
	if [[ $rc == 2 && ${CI:-} != true ]]; then
		skip_all "Debian kernels not available: ${msg#debian-kernels.sh: }"
	fi
	sed 's/^/# /' "$testdir/fetch.err"
	echo "1..1"
	echo "not ok 1 - fetch and unpack the Debian kernels (exit $rc)"
	exit 1
fi

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# Debian's build adds "file:line fn() " to library messages; the library's own
# logger prints internal function names, which go on both sides.  A module
# without the ELF section asked for is ENODATA since kmod 31, ENOENT in kmod 30.
norm_err() {
	sed -E -e 's#^(modprobe: [A-Z]+: )\.\./libkmod/[^ ]+:[0-9]+ [A-Za-z0-9_]+\(\) #\1#' \
		-e 's#^libkmod: ([A-Z]+) \.\./libkmod/[^ ]+:[0-9]+ #libkmod: \1: #' \
		-e 's#^libkmod: ([A-Z]+): [A-Za-z0-9_]+: #libkmod: \1: #' \
		-e "$enodata" "$1"
}
enodata_deb='s#^(modprobe: FATAL: could not get (symbols|modversions) of .*): No such file or directory$#\1: No data available#'
enodata=''
# each TOOL OUT OPTS... < LIST: TOOL OPTS ARG for each line of LIST, one
# process each; OUT gets one record per argument: "ARG<TAB>exit<TAB>stdout<TAB>
# stderr", newlines written as \n.
each() {
	local tool=$1 out=$2 arg o e rc
	shift 2
	: > "$out"
	while IFS= read -r arg; do
		o=$(LD_PRELOAD=$TRAP_LIB "$tool" "$@" "$arg" 2> "$testdir/err" < /dev/null)
		rc=$?
		e=
		[[ -s $testdir/err ]] && e=$(norm_err "$testdir/err")
		printf '%s\t%s\t%s\t%s\n' "$arg" "$rc" "${o//$'\n'/\\n}" "${e//$'\n'/\\n}" >> "$out"
	done
}

# chunks TOOL OUT OPTS... < LIST: TOOL -a OPTS with 250 arguments at a time;
# OUT gets each run's stdout, normalised stderr and exit code, in order.
chunks() {
	local tool=$1 out=$2
	shift 2
	: > "$out"
	split -l 250 - "$testdir/chunk."
	for c in "$testdir"/chunk.*; do
		mapfile -t list < "$c"
		{
			LD_PRELOAD=$TRAP_LIB "$tool" -a "$@" "${list[@]}" 2> "$testdir/err" < /dev/null
			echo "exit $?"
			norm_err "$testdir/err"
		} >> "$out"
		rm -f "$c"
	done
}

# compare WHAT N OURS DEB: one result; the differing records as diagnostics.
compare() {
	local what=$1 count=$2 ours=$3 deb=$4 nd
	if cmp -s "$ours" "$deb"; then
		ok "$what: $count, no difference"
		return
	fi
	nd=$(diff "$ours" "$deb" | grep -c '^<')
	not_ok "$what: $count, $nd records differ"
	diff "$ours" "$deb" | head -n 20 | sed 's/^/#   /'
}

# timed VAR CMD...: runs CMD, VAR gets the seconds it took.
timed() {
	local var=$1 t0
	shift
	t0=$(now)
	"$@"
	printf -v "$var" '%s' "$(secs "$t0" "$(now)")"
}

# A modalias pattern made concrete: '*' matches nothing, '?' a 0, a class its
# first member.
concrete() {
	sed -E -e 's/\[!?\^?([^]])[^]]*\]/\1/g' -e 's/\*//g' -e 's/\?/0/g'
}

# pick N < LIST: N lines spread over the whole list.
pick() {
	awk -v n="$1" '{ l[NR] = $0 } END {
		step = NR / n; if (step < 1) step = 1
		for (i = 1; i <= NR && c < n; i += step) { print l[int(i)]; c++ } }'
}

# Single-name processes per case: 1000 names, 500 modaliases, 200 files, or
# KMOD_TEST_REAL_PROCS of each when fewer (the sanitizer build, where every
# process pays for ASan's start and LeakSanitizer's exit).
procs=${KMOD_TEST_REAL_PROCS:-1000}

unset TRAP_RESULTS TRAP_LOG KMOD_DETACHED_SIG MODPROBE_OPTIONS KMOD_LOG
export TRAP_ROOT TRAP_UNAME_R

# side TOOL TAG: every case on TOOL (TRAP_ROOT set), results in $work/*.TAG,
# run times in times_TAG.  TAG kmod30 gets kmod 30's ENOENT as ENODATA.
side() {
	local tool=$1 tag=$2 tda td tr ts o opts
	[[ $tag == kmod30* ]] && enodata=$enodata_deb
	timed tda chunks "$tool" "$work/Da.$tag" -D < "$work/names"
	timed td each "$tool" "$work/D.$tag" -D < "$work/names1"
	timed tr each "$tool" "$work/R.$tag" -R < "$work/modaliases"
	each "$tool" "$work/DR.$tag" -D < "$work/modaliases"
	chunks "$tool" "$work/S.$tag" -D < "$work/symbolic"
	chunks "$tool" "$work/SR.$tag" -R < "$work/symbolic"
	chunks "$tool" "$work/RA.$tag" -R < "$work/modaliases"
	each "$tool" "$work/B.$tag" -D < "$work/builtin"
	: > "$work/E.$tag"
	while read -r -a opts; do
		o=$(LD_PRELOAD=$TRAP_LIB "$tool" "${opts[@]}" 2> "$testdir/err" < /dev/null)
		echo "${opts[*]}|$?|$o|$(norm_err "$testdir/err" | sed "s#^$tool: #modprobe: #")" \
			>> "$work/E.$tag"
	done < "$work/errors"
	LD_PRELOAD=$TRAP_LIB "$tool" -c > "$work/c.$tag" 2> "$testdir/err"
	echo "exit $?" >> "$work/c.$tag"
	norm_err "$testdir/err" >> "$work/c.$tag"
	timed ts each "$tool" "$work/--show-exports.$tag" --show-exports < "$work/files"
	each "$tool" "$work/--show-modversions.$tag" --show-modversions < "$work/files"
	enodata=''
	printf -v "times_$tag" '%s' "-a -D all names $tda s, -D one process each $td s, -R $tr s, --show-exports $ts s"
}

# index TAG DEPMOD: a root for the tree indexed by DEPMOD; sets TRAP_ROOT.
index() {
	local tag=$1 depmod=$2 moddir tdepmod
	TRAP_ROOT=$testdir/root-$kver-$tag
	moddir=$TRAP_ROOT/lib/modules/$kver
	mkdir -p "$moddir" "$TRAP_ROOT/etc/modprobe.d"
	ln -s "$mods/kernel" "$moddir/kernel"
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[[ -f $mods/$f ]] && cp "$mods/$f" "$moddir/"
	done
	timed tdepmod "$depmod" -b "$TRAP_ROOT" "$kver"
	if [[ ! -s $moddir/modules.dep.bin ]]; then
		not_ok "$t: $tag's depmod indexes the tree"
		return 1
	fi
	diag "$kver: $(wc -l < "$moddir/modules.dep") modules, indexed by $tag's depmod in $tdepmod s"
}

while read -r kver root; do
	[[ -n $kver ]] || continue
	t=${kver%%-*}
	mods=$root/lib/modules/$kver
	TRAP_UNAME_R=$kver
	work=$testdir/$kver
	mkdir -p "$work"
	index kmod30 "$deb_depmod" || continue
	root30=$TRAP_ROOT
	root34=
	if [[ -n $kmod34 ]]; then
		index kmod34 "$kmod34/depmod" || continue
		root34=$TRAP_ROOT
	fi
	moddir=$root30/lib/modules/$kver

	# Module names in modules.order order; aliases of modules.alias.
	sed -e 's#.*/##' -e 's#\.ko.*##' "$moddir/modules.order" > "$work/names"
	if [[ ${KMOD_TEST_REAL_ALL:-0} == 1 ]]; then
		cp "$work/names" "$work/names1"
	else
		pick "$procs" < "$work/names" > "$work/names1"
	fi
	grep -v '^#' "$moddir/modules.alias" | awk '{ print $2 }' > "$work/aliases"
	grep '[][*?]' "$work/aliases" | sort -u | pick "$((procs < 500 ? procs : 500))" | concrete > "$work/modaliases"
	grep -v '[][*?]' "$work/aliases" | sort -u > "$work/symbolic"
	sed -e 's#.*/##' -e 's#\.ko$##' "$moddir/modules.builtin" | pick 50 > "$work/builtin"
	find -L "$moddir/kernel" -name '*.ko*' | sort | pick "$((procs < 200 ? procs : 200))" > "$work/files"
	printf '%s\n' "-D nope" "-R nope" "-q nope" "-D -S 0.0.0 ext4" "-r nope" "-D pci:nothing" \
		"-D symbol:no_such_symbol" "-R -a nope also-nope" "-D --first-time ext4" \
		"--show-modversions nope" "-D fs-nope" > "$work/errors"

	# ours on the indexes in its own layout, kmod 34's when there
	TRAP_ROOT=${root34:-$root30}
	side "$modprobe" ours
	TRAP_ROOT=$root30
	side "$deb_modprobe" kmod30
	refs=kmod30
	if [[ -n $root34 ]]; then
		TRAP_ROOT=$root34
		side "$kmod34/modprobe" kmod34
		refs="kmod30 kmod34"
	fi
	diag "$t: ours: $times_ours"
	for r in $refs; do
		eval "diag \"\$t: \$r: \$times_$r\""
		compare "$r: $t: -a --show-depends, 250 names a run" "$(wc -l < "$work/names") names" \
			"$work/Da.ours" "$work/Da.$r"
		compare "$r: $t: --show-depends NAME" "$(wc -l < "$work/names1") names" \
			"$work/D.ours" "$work/D.$r"
		n=$(wc -l < "$work/modaliases")
		compare "$r: $t: -R MODALIAS" "$n modaliases" "$work/R.ours" "$work/R.$r"
		compare "$r: $t: -a -R MODALIAS" "$n modaliases" "$work/RA.ours" "$work/RA.$r"
		compare "$r: $t: --show-depends MODALIAS" "$n modaliases" "$work/DR.ours" "$work/DR.$r"
		n=$(wc -l < "$work/symbolic")
		compare "$r: $t: -a --show-depends on symbolic aliases" "$n aliases" \
			"$work/S.ours" "$work/S.$r"
		compare "$r: $t: -a -R on symbolic aliases" "$n aliases" "$work/SR.ours" "$work/SR.$r"
		compare "$r: $t: --show-depends BUILTIN" "$(wc -l < "$work/builtin") builtin modules" \
			"$work/B.ours" "$work/B.$r"
		compare "$r: $t: error cases" "$(wc -l < "$work/errors") cases" "$work/E.ours" "$work/E.$r"
		compare "$r: $t: -c" "$(wc -l < "$work/c.ours") lines" "$work/c.ours" "$work/c.$r"
		for o in --show-exports --show-modversions; do
			if grep -q '\.ko\.xz$' "$work/files" && ! "$modprobe" -V | grep -q '+XZ'; then
				skip "$r: $t: $o FILE: modprobe built without xz cannot read .ko.xz"
				continue
			fi
			compare "$r: $t: $o FILE" "$(wc -l < "$work/files") modules" \
				"$work/$o.ours" "$work/$o.$r"
		done
	done

	# kmod 30's modprobe reads kmod 34's layout (ours) as its own
	if [[ -n $root34 ]]; then
		TRAP_ROOT=$root34
		enodata=$enodata_deb
		chunks "$deb_modprobe" "$work/Da.kmod30-new" -D < "$work/names"
		chunks "$deb_modprobe" "$work/RA.kmod30-new" -R < "$work/modaliases"
		chunks "$deb_modprobe" "$work/S.kmod30-new" -D < "$work/symbolic"
		chunks "$deb_modprobe" "$work/SR.kmod30-new" -R < "$work/symbolic"
		enodata=''
		for c in Da RA S SR; do
			compare "kmod 30 on kmod 34's indexes: $t: $c" "$(wc -l < "$work/$c.kmod30") lines" \
				"$work/$c.kmod30-new" "$work/$c.kmod30"
		done
	fi

	# A tree without modules.builtin.modinfo (kernels before 5.2): depmod
	# leaves modules.builtin.alias.bin empty, which kmod reads without a word.
	if [[ $t == 6.1.0 ]]; then
		TRAP_ROOT=$testdir/root-$kver-old
		old=$TRAP_ROOT/lib/modules/$kver
		mkdir -p "$old" "$TRAP_ROOT/etc/modprobe.d"
		ln -s "$mods/kernel" "$old/kernel"
		cp "$mods/modules.order" "$mods/modules.builtin" "$old/"
		"$top_builddir/tools/depmod" -b "$TRAP_ROOT" "$kver" 2> /dev/null
		is "$?:$(stat -c %s "$old/modules.builtin.alias.bin")" "0:0" \
			"$t without modules.builtin.modinfo: depmod leaves modules.builtin.alias.bin empty"
		o=$(LD_PRELOAD=$TRAP_LIB "$modprobe" -D ext4 2>&1 > /dev/null)
		is "$o" "" "$t without modules.builtin.modinfo: modprobe -D ext4 says nothing on stderr"
		sides="ours:$modprobe kmod30:$deb_modprobe"
		[[ -z $kmod34 ]] || sides+=" kmod34:$kmod34/modprobe"
		for side in $sides; do
			tag=${side%%:*} tool=${side#*:}
			[[ $tag == kmod30 ]] && enodata=$enodata_deb
			chunks "$tool" "$work/oldD.$tag" -D < "$work/names"
			chunks "$tool" "$work/oldR.$tag" -R < "$work/symbolic"
			each "$tool" "$work/oldB.$tag" -D < "$work/builtin"
			enodata=''
		done
		for r in ${sides#* }; do
			r=${r%%:*}
			for c in oldD oldR oldB; do
				compare "$r: $t without modules.builtin.modinfo: $c" \
					"$(wc -l < "$work/$c.$r") lines" "$work/$c.ours" "$work/$c.$r"
			done
		done
	fi
done <<< "$trees"

done_testing

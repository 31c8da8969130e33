#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# modprobe against Debian's modprobe on Debian's real module trees (6.1: 4023
# plain .ko; 6.12: 4230 .ko.xz), each indexed by Debian's depmod in a scratch
# root whose kernel/ is a symbolic link into the cached tree.  Both tools run
# under the path trap with that root, so no configuration, kernel command
# line or loaded module of this machine gets in.  Compared, output, errors and
# exit code:
#   --show-depends  for every module name in chunks of 250 names through -a
#                   (byte for byte), and for 1000 of them one process each
#                   (all of them with KMOD_TEST_REAL_ALL=1: about 30 s a tree);
#   --show-depends and -R  for ~500 real modaliases from modules.alias, made
#                   concrete, and for every symbolic alias;
#   -c;  --show-exports and --show-modversions on ~200 modules;  error cases.
# Counts and times go to the TAP diagnostics.  Without the kernels (no apt,
# archive unreachable) the test skips, and fails when CI=true.

# timed sets its variable by name (tdepmod, tours, tdeb): SC2154.
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
# deb CMD...: CMD with the normalisations of Debian's messages.
deb() {
	local r
	enodata=$enodata_deb
	"$@"
	r=$?
	enodata=''
	return $r
}

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

while read -r kver root; do
	[[ -n $kver ]] || continue
	t=${kver%%-*}
	mods=$root/lib/modules/$kver
	TRAP_ROOT=$testdir/root-$kver
	TRAP_UNAME_R=$kver
	moddir=$TRAP_ROOT/lib/modules/$kver
	work=$testdir/$kver
	mkdir -p "$moddir" "$work" "$TRAP_ROOT/etc/modprobe.d"
	ln -s "$mods/kernel" "$moddir/kernel"
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[[ -f $mods/$f ]] && cp "$mods/$f" "$moddir/"
	done
	timed tdepmod "$deb_depmod" -b "$TRAP_ROOT" "$kver"
	if [[ ! -s $moddir/modules.dep.bin ]]; then
		not_ok "$t: Debian's depmod indexes the tree"
		continue
	fi
	diag "$kver: $(wc -l < "$moddir/modules.dep") modules, indexed by Debian's depmod in $tdepmod s"

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

	# ---- --show-depends on module names ----------------------------------------------
	n=$(wc -l < "$work/names")
	timed tours chunks "$modprobe" "$work/Da.ours" -D < "$work/names"
	timed tdeb deb chunks "$deb_modprobe" "$work/Da.deb" -D < "$work/names"
	compare "$t: -a --show-depends, 250 names a run" "$n names" "$work/Da.ours" "$work/Da.deb"
	diag "$t: -a --show-depends on all names: ours $tours s, Debian's $tdeb s"
	n=$(wc -l < "$work/names1")
	timed tours each "$modprobe" "$work/D.ours" -D < "$work/names1"
	timed tdeb deb each "$deb_modprobe" "$work/D.deb" -D < "$work/names1"
	compare "$t: --show-depends NAME" "$n names" "$work/D.ours" "$work/D.deb"
	diag "$t: --show-depends, $n processes each: ours $tours s, Debian's $tdeb s"

	# ---- aliases ------------------------------------------------------------------
	n=$(wc -l < "$work/modaliases")
	timed tours each "$modprobe" "$work/R.ours" -R < "$work/modaliases"
	timed tdeb deb each "$deb_modprobe" "$work/R.deb" -R < "$work/modaliases"
	compare "$t: -R MODALIAS" "$n modaliases" "$work/R.ours" "$work/R.deb"
	diag "$t: -R on $n modaliases: ours $tours s, Debian's $tdeb s"
	each "$modprobe" "$work/DR.ours" -D < "$work/modaliases"
	deb each "$deb_modprobe" "$work/DR.deb" -D < "$work/modaliases"
	compare "$t: --show-depends MODALIAS" "$n modaliases" "$work/DR.ours" "$work/DR.deb"
	n=$(wc -l < "$work/symbolic")
	chunks "$modprobe" "$work/S.ours" -D < "$work/symbolic"
	deb chunks "$deb_modprobe" "$work/S.deb" -D < "$work/symbolic"
	compare "$t: -a --show-depends on symbolic aliases" "$n aliases" "$work/S.ours" "$work/S.deb"
	chunks "$modprobe" "$work/SR.ours" -R < "$work/symbolic"
	deb chunks "$deb_modprobe" "$work/SR.deb" -R < "$work/symbolic"
	compare "$t: -a -R on symbolic aliases" "$n aliases" "$work/SR.ours" "$work/SR.deb"

	# ---- builtin modules and errors -------------------------------------------------
	n=$(wc -l < "$work/builtin")
	each "$modprobe" "$work/B.ours" -D < "$work/builtin"
	deb each "$deb_modprobe" "$work/B.deb" -D < "$work/builtin"
	compare "$t: --show-depends BUILTIN" "$n builtin modules" "$work/B.ours" "$work/B.deb"
	printf '%s\n' "-D nope" "-R nope" "-q nope" "-D -S 0.0.0 ext4" "-r nope" "-D pci:nothing" \
		"-D symbol:no_such_symbol" "-R -a nope also-nope" "-D --first-time ext4" \
		"--show-modversions nope" "-D fs-nope" > "$work/errors"
	for impl in ours deb; do
		tool=$modprobe
		enodata=''
		[[ $impl == deb ]] && tool=$deb_modprobe && enodata=$enodata_deb
		: > "$work/E.$impl"
		while read -r -a opts; do
			o=$(LD_PRELOAD=$TRAP_LIB "$tool" "${opts[@]}" 2> "$testdir/err" < /dev/null)
			echo "${opts[*]}|$?|$o|$(norm_err "$testdir/err" | sed "s#^$tool: #modprobe: #")" \
				>> "$work/E.$impl"
		done < "$work/errors"
	done
	compare "$t: error cases" "$(wc -l < "$work/errors") cases" "$work/E.ours" "$work/E.deb"

	# ---- -c ---------------------------------------------------------------------------
	for impl in ours deb; do
		tool=$modprobe
		enodata=''
		[[ $impl == deb ]] && tool=$deb_modprobe && enodata=$enodata_deb
		LD_PRELOAD=$TRAP_LIB "$tool" -c > "$work/c.$impl" 2> "$testdir/err"
		echo "exit $?" >> "$work/c.$impl"
		norm_err "$testdir/err" >> "$work/c.$impl"
	done
	enodata=''
	compare "$t: -c" "$(wc -l < "$work/c.ours") lines" "$work/c.ours" "$work/c.deb"

	# ---- symbol tables ------------------------------------------------------------------
	n=$(wc -l < "$work/files")
	for o in --show-exports --show-modversions; do
		if grep -q '\.ko\.xz$' "$work/files" && ! "$modprobe" -V | grep -q '+XZ'; then
			skip "$t: $o FILE: modprobe built without xz cannot read .ko.xz"
			continue
		fi
		timed tours each "$modprobe" "$work/$o.ours" "$o" < "$work/files"
		timed tdeb deb each "$deb_modprobe" "$work/$o.deb" "$o" < "$work/files"
		compare "$t: $o FILE" "$n modules" "$work/$o.ours" "$work/$o.deb"
		diag "$t: $o on $n modules: ours $tours s, Debian's $tdeb s"
	done
done <<< "$trees"

done_testing

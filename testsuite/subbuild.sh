# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# top_srcdir and top_builddir come from the caller.
# shellcheck disable=SC2154
#
# Helpers for the tests that configure and build this tree once more, out of
# tree, and run tests there (test-sanitizers.sh, test-without.sh).  Source
# after testsuite/lib.sh:
#
#   submake ARGS...           make, without this make's jobserver, flags or
#                             targets
#   subbuild_sources DIR      sets subbuild_src to the tree to configure: the
#                             source tree, or "make distdir" of it in DIR when
#                             this build is in-tree (its objects next to the
#                             sources would be picked up by a VPATH build, and
#                             configure refuses such a directory, as distcheck
#                             knows); a failure ends the test
#   subbuild_opts             this build's configure options, one per line
#   subbuild_configure DIR ARG...  configure subbuild_src in DIR with ARG...,
#                             unless DIR was configured so already (then only
#                             what changed is rebuilt); 1 on failure, with
#                             configure's last lines as diagnostics
#   subbuild_tests PREFIX [TEST...]  in a configured sub build (the current
#                             directory): the tests of its suite (or the TESTs
#                             given) to run, in subbuild_tests;
#                             one SKIP with the reason for each left out: those
#                             that configure builds of their own, test-fuzz.sh
#                             (its libFuzzer targets carry ASan and UBSan in
#                             every build) and those that boot a kernel in qemu
#                             or run Debian's initramfs builders (recognised by
#                             testsuite/e2e/host.sh or qemu-system)
#   subbuild_relay PREFIX TEST...  after "make check TESTS='TEST...'" in the
#                             current directory: one TAP result per TEST from
#                             its .trs (PASS, SKIP with its reason, or a failure
#                             with its failed lines), PREFIX before each
#                             description; then the .trs files are removed

submake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES make "$@"
}

subbuild_sources() {
	subbuild_src=$top_srcdir
	[ "$(cd "$top_srcdir" && pwd -P)" = "$(cd "$top_builddir" && pwd -P)" ] || return 0
	subbuild_src=$1
	rm -rf "$subbuild_src"
	mkdir -p "${subbuild_src%/*}"
	if ! submake -C "$top_builddir" distdir distdir="$subbuild_src" \
		> "$subbuild_src.log" 2>&1; then
		tail -n 30 "$subbuild_src.log" | sed 's/^/# /'
		not_ok "make distdir $subbuild_src"
		done_testing
	fi
}

subbuild_opts() {
	local -a o
	eval "o=($("$top_builddir/config.status" --config))"
	[ ${#o[@]} = 0 ] || printf '%s\n' "${o[@]}"
}

subbuild_configure() {
	local dir=$1 want
	shift
	want="$subbuild_src $*"
	mkdir -p "$dir"
	[ -f "$dir/config.status" ] && [ "$(cat "$dir/.kmod-ds-configured" 2> /dev/null)" = "$want" ] &&
		return 0
	rm -f "$dir/.kmod-ds-configured"
	if (cd "$dir" && "$subbuild_src/configure" "$@") > "$dir/configure.log" 2>&1; then
		echo "$want" > "$dir/.kmod-ds-configured"
	else
		tail -n 30 "$dir/configure.log" | sed 's/^/# /'
		return 1
	fi
}

subbuild_tests() {
	local prefix=$1 t all
	shift
	all=${*:-$(submake -s sanitizers-list-tests)}
	subbuild_tests=
	for t in $(echo "$all" | tr ' ' '\n' | grep '^testsuite/'); do
		case $t in
		testsuite/test-sanitizers.sh | testsuite/test-tsan.sh | testsuite/test-without.sh)
			skip "$prefix$t: configures builds of its own, run from the default build"
			;;
		testsuite/test-fuzz.sh)
			skip "$prefix$t: its libFuzzer targets are built with ASan and UBSan (clang) in every build"
			;;
		*)
			if [ -f "$subbuild_src/$t" ] && grep -q -E 'e2e/host\.sh|qemu-system' "$subbuild_src/$t"; then
				skip "$prefix$t: boots a real kernel in qemu or runs Debian's initramfs builders, run in the default build"
			else
				subbuild_tests="$subbuild_tests $t"
			fi
			;;
		esac
	done
}

subbuild_relay() {
	local prefix=$1 t trs log res counts why first
	shift
	for t in "$@"; do
		trs=${t%.sh}.trs log=${t%.sh}.log
		if [ ! -f "$trs" ]; then
			not_ok "$prefix$t ran (no $trs)"
			continue
		fi
		res=$(sed -n 's/^:global-test-result: //p' "$trs")
		counts=$(sed -n 's/^:test-result: //p' "$trs" | cut -d' ' -f1 | sort | uniq -c |
			awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')
		case $res in
		PASS) ok "$prefix$t ($counts)" ;;
		SKIP)
			why=$(sed -n 's/^1\.\.0 *# *SKIP *//p' "$log" | head -n 1)
			skip "$prefix$t: ${why:-skipped}"
			;;
		*)
			# the first failure in the description: a summary that lists only
			# failed descriptions still says which one
			first=$(grep -m 1 -E '^not ok' "$log" | sed 's/^not ok [0-9]* *-* *//')
			not_ok "$prefix$t: $res ($counts)${first:+; first: $first}"
			grep -E '^(not ok|FAIL|ERROR)' "$log" | head -n 10 | sed 's/^/#   /'
			;;
		esac
	done
	# Results of the sub-suite, not of this one: nobody counting .trs files
	# under the build tree counts them twice.
	for t in "$@"; do
		rm -f "${t%.sh}.trs"
	done
}

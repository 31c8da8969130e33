#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The builds without optional libraries (issue 17): configure, out of tree in
# testsuite/without/ of this build tree, with this build's options plus
#
#   all      --without-openssl --without-xz --without-zlib --without-zstd
#   openssl  --without-openssl    xz  --without-xz
#   zlib     --without-zlib       zstd  --without-zstd
#
# and build with -Werror added to the project's warnings: not one warning (a
# feature macro tested with #if instead of #ifdef is a -Wundef warning when
# it is not defined).  "all" builds everything, the test programs too, and
# runs the suite: every test but those that configure builds of their own
# (this one, test-sanitizers.sh), boot a kernel in qemu, run libFuzzer
# (test-fuzz.sh) or valgrind; each of those is one SKIP with its reason.  A
# test whose subject a build lacks (a compression, PKCS#7) must skip it
# itself, not fail.  The real-tree tests see about KMOD_TEST_WITHOUT_REAL
# (default 300, as test-sanitizers.sh: the same sample) modules of each
# Debian tree.  Each single --without-X builds libkmod and the tools only:
# the CI budget of this test is about 5 minutes on two cores.
# The sub builds are kept between runs, so only what changed is rebuilt.

# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"
# shellcheck source=testsuite/subbuild.sh
. "$top_srcdir/testsuite/subbuild.sh"

if sanitizer_build; then
	skip_all "this is the sanitizer build: the builds without optional libraries run from the default build"
fi

FEATURES="openssl xz zlib zstd"
sub=$top_builddir/testsuite/without
real=${KMOD_TEST_WITHOUT_REAL:-300}
t_all=$(date +%s)

subbuild_sources "$sub/src"

# This build's options without any of --with(out)-FEATURE.
mapfile -t opts < <(subbuild_opts | grep -v -E -- "^--with(out)?-(${FEATURES// /|})(=|\$)")

# werror DIR LOG TARGET...: make -j2 TARGET... in DIR with -Werror added to the
# project's warnings; the errors, if any, as diagnostics.
werror() {
	local dir=$1 log=$2 warn
	shift 2
	warn=$(sed -n 's/^WARN_CFLAGS = //p' "$dir/Makefile")
	if submake -C "$dir" -j2 WARN_CFLAGS="$warn -Werror" "$@" > "$dir/$log" 2>&1; then
		return 0
	fi
	grep -E 'error:|Error [0-9]' "$dir/$log" | head -n 20 | sed 's/^/#   /'
	return 1
}

# variant NAME TARGETS FLAG...: configure with FLAG..., then build TARGETS.
variant() {
	local name=$1 targets=$2 t0
	shift 2
	t0=$(date +%s)
	if ! subbuild_configure "$sub/$name" "${opts[@]}" "$@"; then
		not_ok "$name: configure $*"
		return 1
	fi
	# shellcheck disable=SC2086 # a list of targets
	if werror "$sub/$name" make.log $targets; then
		ok "$name: $* builds $targets with -Werror, no warning ($(($(date +%s) - t0)) s)"
	else
		not_ok "$name: $* builds $targets with -Werror"
		return 1
	fi
}

# ---- everything without the four, and its tests ---------------------------------

all_flags=()
for f in $FEATURES; do
	all_flags+=("--without-$f")
done
if ! variant all "all" "${all_flags[@]}"; then
	:
elif ! werror "$sub/all" make-check-build.log check TESTS=; then
	not_ok "all: the test programs build with -Werror"
else
	ok "all: the test programs build with -Werror, no warning"
	feats=$("$sub/all/tools/kmod" --version | sed -n '2p')
	is "$feats" "-ZSTD -XZ -ZLIB -LIBCRYPTO +DETACHED_SIG" "all: kmod --version lists no optional library"

	cd "$sub/all" || exit 1
	subbuild_tests "all: "
	tests=
	for t in $subbuild_tests; do
		case $t in
		testsuite/*-valgrind.sh) skip "all: $t: valgrind (minutes of CPU), run in the default build" ;;
		*) tests="$tests $t" ;;
		esac
	done
	rm -f testsuite/*.trs testsuite/*.log test-suite.log
	t0=$(date +%s)
	KMOD_TEST_REAL_SAMPLE=$real KMOD_TEST_REAL_PROCS=${KMOD_TEST_WITHOUT_PROCS:-60} \
		submake -j2 check TESTS="$tests" > make-check.log 2>&1
	diag "all: suite ran in $(($(date +%s) - t0)) s with $([ "$real" = 0 ] && echo "the whole Debian trees" || echo "about $real modules per Debian tree")"
	# shellcheck disable=SC2086 # a list of test names
	subbuild_relay "all: " $tests
	cd "$top_builddir" || exit 1
fi

# ---- each one alone: the library and the tools -----------------------------------

for f in $FEATURES; do
	variant "$f" "libkmod/libkmod.la tools/kmod" "--without-$f"
done

times > "$testdir/times" # in this shell: its children's CPU time
diag "test-without.sh: $(($(date +%s) - t_all)) s in all; CPU of its processes (user, system): $(tail -n 1 "$testdir/times")"
done_testing

# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=sh
# trap_rc, trap_out and trap_err are for the sourcing test.
# shellcheck disable=SC2034
#
# Helpers for the TAP shell tests.  Source it first thing:
#
#	. "${top_srcdir:?}/testsuite/lib.sh"
#
# TAP:
#   plan N                    optional; print the plan up front
#   ok DESC / not_ok DESC     one result
#   is GOT WANT DESC          string equality, a diff as diagnostic on failure
#   like GOT ERE DESC         GOT matches the extended regex ERE (grep -E)
#   is_file FILE GOLDEN DESC  byte equality of two files
#   skip REASON               one skipped test
#   skip_all REASON           skip the whole file (before any result)
#   need_or_skip WHAT CMD...  0 if CMD succeeds; else one skip (one failure
#                             when CI=true) and 1:  if need_or_skip ...; then
#   need_or_skip_all WHAT CMD...  the same for the whole file
#   diag TEXT                 "# TEXT" lines
#   has_feature NAME          0 if this build's kmod lists +NAME (ZSTD, XZ,
#                             ZLIB, LIBCRYPTO) on the second line of --version
#   feature_or_skip_all NAME  skip the whole file unless has_feature NAME: a
#                             build configured without it, never a failure
#   done_testing              print the plan if not given, exit 1 on failure
#
# Running programs under the trap (testsuite/trap.la):
#   trap_run CMD [ARGS...]    runs CMD with LD_PRELOAD=$TRAP_LIB and the
#       TRAP_ROOT, TRAP_LOG, TRAP_RESULTS, TRAP_UNAME_R and TRAP_PASSTHROUGH
#       shell variables exported when they are set.  TRAP_PASSTHROUGH defaults
#       to "$top_builddir:$top_srcdir:$testdir" (set it, even empty, to
#       override).  stdin is /dev/null.  Afterwards: trap_rc (exit status),
#       trap_out and trap_err (output, trailing newlines stripped), and the
#       files $testdir/stdout and $testdir/stderr (exact bytes).
#   trap_run_tap NAME CMD...  trap_run of a TAP program: its results become
#       ours, "NAME: " before each (nothing for an empty NAME); then its plan
#       must match them, its exit status be 0 (1 after failures) and its
#       stderr stay empty.
#
# Variables: testdir, a fresh scratch directory removed on exit (kept when
# KMOD_TEST_KEEP=1); TRAP_LIB (default $top_builddir/testsuite/.libs/trap.so).
# The EXIT trap is used for the clean-up: a test that sets its own must call
# lib_cleanup from it.

: "${top_srcdir:?top_srcdir is not set (run through make check)}"
: "${top_builddir:?top_builddir is not set (run through make check)}"

TRAP_LIB=${TRAP_LIB:-$top_builddir/testsuite/.libs/trap.so}

# A sanitizer build (configure --enable-sanitizers; make check exports
# KMOD_TEST_ASAN_LIB): our programs carry ASan and UBSan, the trap and the
# other preloaded shims do not (Debian's binaries run under them too).  A
# preloaded library comes before the ASan runtime our programs link, so ASan
# is told not to insist on being first (verify_asan_link_order=0); the trap's
# malloc forwards to the next one, ASan's.  Nothing preloads the runtime
# itself: the shells and wrappers our programs start stay uninstrumented.  A
# sanitizer report exits 86, which no tool uses.  Valgrind cannot run these
# programs: sanitizer_build says why.
sanitizer_build() {
	[ -n "${KMOD_TEST_ASAN_LIB:-}" ] || [ -n "${KMOD_TEST_TSAN:-}" ]
}
if sanitizer_build; then
	ASAN_OPTIONS=verify_asan_link_order=0:exitcode=86:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}
	UBSAN_OPTIONS=print_stacktrace=1:exitcode=86${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}
	export ASAN_OPTIONS UBSAN_OPTIONS
	no_valgrind_reason="valgrind cannot run programs built with AddressSanitizer (--enable-sanitizers)"
fi
# ThreadSanitizer build (test-tsan.sh sets KMOD_TEST_TSAN): no valgrind either.
[ -z "${KMOD_TEST_TSAN:-}" ] ||
	no_valgrind_reason="valgrind cannot run programs built with ThreadSanitizer (--enable-tsan)"

_lib_t0=$(date +%s)
_tap_n=0
_tap_failed=0
_tap_plan=

testdir=$(mktemp -d "${TMPDIR:-/tmp}/kmod-test.XXXXXX") || {
	echo "Bail out! cannot create a scratch directory"
	exit 1
}

lib_cleanup() {
	if [ "${KMOD_TEST_KEEP:-0}" = 1 ]; then
		echo "# scratch directory kept: $testdir"
	else
		chmod -R u+rwx "$testdir" 2> /dev/null
		rm -rf "$testdir"
	fi
}
trap lib_cleanup EXIT

diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

plan() {
	_tap_plan=$1
	echo "1..$1"
}

ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $*"
}

not_ok() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $*"
}

skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n # SKIP $*"
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

# _lib_diff WANT GOT: unified diff of two strings as diagnostics.
_lib_diff() {
	printf '%s\n' "$1" > "$testdir/.want"
	printf '%s\n' "$2" > "$testdir/.got"
	diag "--- want"
	diag "+++ got"
	diff "$testdir/.want" "$testdir/.got" | sed -n 's/^</-/p; s/^>/+/p' | sed 's/^/#   /'
	rm -f "$testdir/.want" "$testdir/.got"
}

is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3"
		_lib_diff "$2" "$1"
	fi
}

# like_lines TEXT PATTERN: some run of consecutive lines of TEXT matches the
# lines of PATTERN one by one (grep -E would take each line of a multi-line
# pattern as an alternative, so that one matching line would do).
like_lines() {
	_ll_first=$(printf '%s\n' "$2" | sed -n 1p)
	for _ll_n in $(printf '%s\n' "$1" | grep -En -- "$_ll_first" | cut -d: -f1); do
		_ll_j=0 _ll_ok=1
		while IFS= read -r _ll_p; do
			printf '%s\n' "$1" | sed -n "$((_ll_n + _ll_j))p" | grep -Eq -- "$_ll_p" ||
				{ _ll_ok=0; break; }
			_ll_j=$((_ll_j + 1))
		done << EOF
$2
EOF
		[ "$_ll_ok" = 1 ] && return 0
	done
	return 1
}

like() {
	_like_matched=
	case $2 in
	*"
"*) like_lines "$1" "$2" && _like_matched=1 ;;
	*) printf '%s\n' "$1" | grep -Eq -- "$2" && _like_matched=1 ;;
	esac
	if [ -n "$_like_matched" ]; then
		ok "$3"
	else
		not_ok "$3"
		diag "got:"
		diag "$1"
		diag "does not match: $2"
	fi
}

is_file() {
	if [ ! -e "$1" ]; then
		not_ok "$3"
		diag "missing: $1"
	elif cmp -s "$1" "$2"; then
		ok "$3"
	else
		not_ok "$3"
		diff -u "$2" "$1" 2>&1 | head -n 50 | sed 's/^/#   /'
	fi
}

# A missing prerequisite is a skip on a developer's machine, a failure in CI.
need_or_skip() {
	_what=$1
	shift
	if "$@" > /dev/null 2>&1; then
		return 0
	fi
	if [ "${CI:-}" = true ]; then
		not_ok "missing prerequisite: $_what"
	else
		skip "missing prerequisite: $_what"
	fi
	return 1
}

need_or_skip_all() {
	_what=$1
	shift
	if "$@" > /dev/null 2>&1; then
		return 0
	fi
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - missing prerequisite: $_what"
		exit 1
	fi
	skip_all "missing prerequisite: $_what"
}

# The feature line is read once, from the kmod of this build.
has_feature() {
	[ -n "${_lib_features+set}" ] ||
		_lib_features=$("$top_builddir/tools/kmod" --version 2> /dev/null | sed -n 2p)
	case " $_lib_features " in
	*" +$1 "*) return 0 ;;
	esac
	return 1
}

# A feature left out at configure time is this build's choice, not a missing
# prerequisite of the machine: a skip even when CI=true.
feature_or_skip_all() {
	has_feature "$1" || skip_all "this build has no $1 (configure --without-*)"
}

done_testing() {
	_rc=0
	if [ -z "$_tap_plan" ]; then
		echo "1..$_tap_n"
	elif [ "$_tap_plan" -ne "$_tap_n" ]; then
		diag "planned $_tap_plan tests but ran $_tap_n"
		_rc=1
	fi
	if [ "$_tap_failed" -gt 0 ]; then
		diag "failed $_tap_failed of $_tap_n"
		_rc=1
	fi
	# for whoever fits the suite into CI's time
	diag "ran in $(($(date +%s) - _lib_t0)) s"
	exit $_rc
}

trap_run() {
	if [ ! -f "$TRAP_LIB" ]; then
		echo "trap_run: $TRAP_LIB is not built" > "$testdir/stderr"
		: > "$testdir/stdout"
		trap_rc=127
		trap_out=
		trap_err=$(cat "$testdir/stderr")
		return 0
	fi
	(
		for _v in TRAP_ROOT TRAP_LOG TRAP_RESULTS TRAP_UNAME_R; do
			if eval "[ -n \"\${$_v+set}\" ]"; then
				# shellcheck disable=SC2163
				export "$_v"
			fi
		done
		TRAP_PASSTHROUGH=${TRAP_PASSTHROUGH-$top_builddir:$top_srcdir:$testdir}
		LD_PRELOAD="$TRAP_LIB${LD_PRELOAD:+:$LD_PRELOAD}"
		export TRAP_PASSTHROUGH LD_PRELOAD
		exec "$@"
	) > "$testdir/stdout" 2> "$testdir/stderr" < /dev/null
	trap_rc=$?
	trap_out=$(cat "$testdir/stdout")
	trap_err=$(cat "$testdir/stderr")
}

trap_run_tap() {
	_name=${1:+$1: }
	shift
	trap_run "$@"
	_plan='' _ran=0 _failed=0
	while IFS= read -r _line; do
		case $_line in
		"ok "* | "not ok "*)
			_ran=$((_ran + 1))
			_desc=${_line#not }
			_desc=${_desc#ok }
			_desc=${_desc#* }
			_desc=${_desc#- }
			case $_line in
			ok*) ok "$_name$_desc" ;;
			*)
				not_ok "$_name$_desc"
				_failed=$((_failed + 1))
				;;
			esac
			;;
		1..*) _plan=${_line#1..} ;;
		"#"*) printf '%s\n' "$_line" ;;
		"Bail out!"*)
			not_ok "$_name$_line"
			_failed=$((_failed + 1))
			;;
		# The rest of a multi-line diagnostic.
		*) printf '#   | %s\n' "$_line" ;;
		esac
	done < "$testdir/stdout"
	is "$_plan" "$_ran" "${_name}the program's plan matches its $_ran results"
	if [ "$_failed" -eq 0 ]; then
		is "$trap_rc" 0 "${_name}exit status 0"
	else
		is "$trap_rc" 1 "${_name}exit status 1 after failures"
	fi
	is "$trap_err" "" "${_name}nothing on stderr"
}

# Debian 13's kmod 34.2, the second reference beside Debian 12's kmod 30
# (testsuite/debian-trixie.sh makes its root once, in the download cache):
#   debian13_bin        sets kmod34 to a directory of scripts (depmod, modprobe,
#                       modinfo, ...) starting Debian 13's kmod through that
#                       root's loader; empty, after one skip (a failure when
#                       CI=true), when the root cannot be had.  "$kmod34/run
#                       EXE ARGS" runs EXE (built here) against Debian 13's
#                       libkmod.so.2.
debian13_bin() {
	kmod34=
	if kmod34=$(bash "$top_srcdir/testsuite/debian-trixie.sh" bin "$testdir/kmod34" \
		2> "$testdir/trixie.err"); then
		return 0
	fi
	kmod34=
	if [ "${CI:-}" = true ]; then
		not_ok "Debian 13's kmod 34.2 (testsuite/debian-trixie.sh)"
	else
		skip "Debian 13's kmod 34.2: $(tail -n 1 "$testdir/trixie.err")"
	fi
	sed 's/^/# /' "$testdir/trixie.err"
	return 1
}

# fixture_flat_tree DIR ORDER...: the four fixture modules in DIR/kernel (DIR a
# lib/modules/KVER), ORDER... (kernel/NAME.ko) as modules.order, and one
# builtin module with one alias.
fixture_flat_tree() {
	_ft_dir=$1
	shift
	mkdir -p "$_ft_dir/kernel"
	for _ft_m in mod-foo mod-foo-a mod-foo-b dummy; do
		cp "$top_builddir/testsuite/fixtures/$_ft_m.ko" "$_ft_dir/kernel/"
	done
	printf '%s\n' "$@" >"$_ft_dir/modules.order"
	printf 'kernel/fs/ext4/ext4.ko\n' >"$_ft_dir/modules.builtin"
	printf '%s\0' ext4.alias=fs-ext4 >"$_ft_dir/modules.builtin.modinfo"
}

# fixture_signed_root ROOT KVER: a system root for the tools under the trap:
# lib/modules/KVER/kernel with mod-foo needing mod-foo-b needing mod-foo-a,
# each with a .sig, in modules.order; no builtin module; an empty
# /proc/modules, a /proc/cmdline, /etc/modprobe.d and /sys/module.  The caller
# adds what it needs and runs depmod.
fixture_signed_root() {
	_sr_k=$1/lib/modules/$2
	mkdir -p "$_sr_k/kernel" "$1/etc/modprobe.d" "$1/proc" "$1/sys/module"
	for _sr_m in mod-foo-a mod-foo-b mod-foo; do
		cp "$top_builddir/testsuite/fixtures/$_sr_m.ko" "$_sr_k/kernel/"
		cp "$top_builddir/testsuite/fixtures/mod-foo-a.ko.trailer" \
			"$_sr_k/kernel/$_sr_m.ko.sig"
	done
	printf 'kernel/%s.ko\n' mod-foo-a mod-foo-b mod-foo >"$_sr_k/modules.order"
	: >"$_sr_k/modules.builtin"
	: >"$1/proc/modules"
	echo "BOOT_IMAGE=/vmlinuz ro" >"$1/proc/cmdline"
}

# fixture_modules_tree DIR: the fixture modules laid out under DIR (a
# lib/modules/KVER) with modules.order and builtin files, so that every index
# depmod writes has keys: two builtins share an alias, one alias is a pattern.
fixture_modules_tree() {
	mkdir -p "$1/kernel/lib" "$1/kernel/fs/foo" "$1/kernel/drivers/net"
	cp "$top_builddir/testsuite/fixtures/mod-foo-a.ko" "$1/kernel/lib/"
	cp "$top_builddir/testsuite/fixtures/mod-foo-b.ko" "$1/kernel/fs/foo/"
	cp "$top_builddir/testsuite/fixtures/mod-foo.ko" "$1/kernel/fs/"
	cp "$top_builddir/testsuite/fixtures/dummy.ko" "$1/kernel/drivers/net/"
	printf '%s\n' kernel/fs/mod-foo.ko kernel/fs/foo/mod-foo-b.ko \
		kernel/lib/mod-foo-a.ko kernel/drivers/net/dummy.ko >"$1/modules.order"
	printf '%s\n' kernel/fs/ext4/ext4.ko kernel/crypto/crc32c_generic.ko \
		kernel/arch/x86/crypto/crc32c-intel.ko kernel/drivers/tty/serial/8250/8250.ko \
		>"$1/modules.builtin"
	printf '%s\0' ext4.alias=fs-ext4 ext4.alias=ext3 ext4.alias=fs-ext3 \
		crc32c_generic.alias=crypto-crc32c crc32c_generic.alias=crc32c \
		crc32c_intel.alias=crypto-crc32c 'crc32c_intel.alias=crypto-crc32c*' \
		'8250.alias=char-major-4-*' 8250.alias=char-major-4-64 \
		>"$1/modules.builtin.modinfo"
}

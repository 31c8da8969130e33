#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# What depmod reads (issue 15 §5): a FIFO in place of any file it reads (its
# cache, modules.order, modules.builtin*, a depmod.d file, Module.symvers)
# cannot hang it; a .sig is read by depmod -w as insmod reads it (a symlink is
# followed to a regular file, anything else is refused unread); depmod.d
# kernel version patterns kmod takes are taken (6.*+ and other stacked
# repetitions, compared with Debian's depmod) while those that would make
# regcomp run for minutes are refused.

# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

depmod=$top_builddir/tools/depmod
insmod=$top_builddir/tools/insmod
deb=${DEPMOD:-/usr/sbin/depmod}
fx=$top_builddir/testsuite/fixtures
kver=6.1.0-test
cfg=$testdir/empty.conf
: >"$cfg"

need_or_skip_all "depmod" test -x "$depmod"
need_or_skip_all "fixture modules in $fx" test -f "$fx/mod-foo.ko"

root=$testdir/root
dir=$root/lib/modules/$kver
fresh_tree() {
	rm -rf "$root"
	fixture_flat_tree "$dir" kernel/mod-foo.ko kernel/dummy.ko
}
fresh_tree
"$depmod" -b "$root" -C "$cfg" "$kver" 2>/dev/null
mkdir "$testdir/ref"
cp "$dir"/modules.dep "$dir"/modules.alias "$testdir/ref/"

# --- FIFOs -------------------------------------------------------------------------------

# fifo_at LABEL FILE [DEPMOD ARGS...]: FILE replaced by a FIFO nobody writes to;
# depmod must end within 30 s (timeout's 124 otherwise).
fifo_at() {
	local label=$1 f=$2
	shift 2
	rm -f "$f"
	mkfifo "$f"
	timeout 30 "$depmod" -b "$root" "$@" "$kver" >/dev/null 2>"$testdir/err"
	rc=$?
	[[ $rc != 124 ]] && ok "$label: depmod did not hang (exit $rc)" ||
		not_ok "$label: depmod did not hang (exit $rc)"
}

cachef=$root/var/cache/kmod-ds/depmod/$kver
mkdir -p "${cachef%/*}"
fifo_at "FIFO as the depmod cache" "$cachef" -C "$cfg"
is "$rc|$(cat "$testdir/err")" "0|" "FIFO as the cache: no cache, exit 0, silent"
is_file "$dir/modules.dep" "$testdir/ref/modules.dep" "FIFO as the cache: modules.dep as before"
# a FIFO still there would hang head itself
like "$([[ -f $cachef ]] && head -c 8 "$cachef")" \
	'^KDSDEPC[0-9]$' "FIFO as the cache: replaced by a cache"

fresh_tree
fifo_at "FIFO as modules.order" "$dir/modules.order" -C "$cfg"
is "$rc|$(cat "$testdir/err")" \
	"0|depmod: WARNING: could not open modules.order at $dir: Invalid argument" \
	"FIFO as modules.order: warned about as a missing one"

fresh_tree
fifo_at "FIFO as modules.builtin" "$dir/modules.builtin" -C "$cfg"
like "$rc|$(cat "$testdir/err")" "^0\|depmod: WARNING: could not open modules.builtin at $dir: " \
	"FIFO as modules.builtin: warned about, exit 0"
fresh_tree
fifo_at "FIFO as modules.builtin.modinfo" "$dir/modules.builtin.modinfo" -C "$cfg"
like "$rc|$(cat "$testdir/err")" \
	"^0\|depmod: WARNING: could not open modules.builtin.modinfo at $dir: " \
	"FIFO as modules.builtin.modinfo: warned about, exit 0"

fresh_tree
mkdir -p "$testdir/conf.d"
fifo_at "FIFO in a depmod.d directory" "$testdir/conf.d/10-fifo.conf" -C "$testdir/conf.d"
like "$rc|$(cat "$testdir/err")" "^0\|depmod: ERROR: file parse $testdir/conf.d/10-fifo.conf: " \
	"FIFO in depmod.d: named, the rest goes on"

fresh_tree
fifo_at "FIFO as -E Module.symvers" "$testdir/Module.symvers" -C "$cfg" -E "$testdir/Module.symvers"
like "$rc|$(cat "$testdir/err")" "^1\|depmod: FATAL: could not load $testdir/Module.symvers: " \
	"FIFO as Module.symvers: refused, exit 1"

# --- .sig through a symlink: depmod -w and insmod, one rule --------------------------------

fresh_tree
mkdir -p "$testdir/sigs"
cp "$fx/dummy.ko.trailer" "$testdir/sigs/good.sig"
mkfifo "$testdir/sigs/fifo.sig"
ln -s "$testdir/sigs/good.sig" "$dir/kernel/dummy.ko.sig"
ln -s "$testdir/sigs/fifo.sig" "$dir/kernel/mod-foo.ko.sig"
timeout 30 "$depmod" -w -b "$root" -C "$cfg" "$kver" 2>"$testdir/err"
is "$?" 0 "depmod -w, a .sig linked to a file and one to a FIFO: exit 0"
is "$(grep -c 'dummy.ko.sig' "$testdir/err")" 0 "depmod -w: a .sig linked to a regular file is read"
is "$(grep 'mod-foo.ko.sig' "$testdir/err")" \
	"depmod: WARNING: $dir/kernel/mod-foo.ko.sig: cannot read signature: not a regular file" \
	"depmod -w: a .sig linked to a FIFO is refused unread"

if need_or_skip "trap library" test -f "$TRAP_LIB"; then
	TRAP_LOG=$testdir/trap.log
	TRAP_ROOT=$testdir/troot
	mkdir -p "$TRAP_ROOT/sys/module" "$TRAP_ROOT/proc"
	unset TRAP_RESULTS TRAP_UNAME_R KMOD_DETACHED_SIG
	trap_run "$insmod" "$dir/kernel/dummy.ko"
	is "$trap_rc|$trap_err|$(cut -d' ' -f1 "$TRAP_LOG")" "0||init_module" \
		"insmod: the same .sig linked to a file is appended (init_module)"
	rm -f "$TRAP_LOG"
	trap_run "$insmod" "$dir/kernel/mod-foo.ko"
	like "$trap_rc|$trap_err" "^1\|.*mod-foo.ko.sig: not a regular file" \
		"insmod: the same .sig linked to a FIFO is refused"
	is "$(cat "$TRAP_LOG" 2>/dev/null)" "" "insmod: nothing reached the kernel"
	unset TRAP_LOG TRAP_ROOT
fi

# --- depmod.d kernel version patterns -------------------------------------------------------

fresh_tree
mkdir -p "$testdir/ext"
cp "$fx/mod-foo-a.ko" "$testdir/ext/extmod.ko"
# stacked repetitions kmod 30 takes (glibc compiles them at once); the
# depmod.d parser drops a backslash, so \\. is a regex's \.
mkdir -p "$testdir/empty-ext"
printf 'external %s %s\n' '6.*+' "$testdir/ext" >"$testdir/stack.conf"
# a run of '?' under '+': glibc's closures grow with the run far faster than
# its node count (48 '?': 1.6 s, 64: 5.5 s); folded to one operator, instant
qrun="6.$(printf '?%.0s' {1..24})+++"
for p in '6.**' '6.+*?' '6.?+' '(6.*)+' '6.{1}+' '6.*{2}' '6.*++++' '6\\.1+\\.0-te+s+t*' "$qrun"; do
	printf 'external %s %s\n' "$p" "$testdir/empty-ext" >>"$testdir/stack.conf"
done
echo 'search external built-in' >>"$testdir/stack.conf"
timeout 30 "$depmod" -b "$root" -C "$testdir/stack.conf" "$kver" 2>"$testdir/err"
is "$?|$(cat "$testdir/err")" "0|" "stacked repetitions (6.*+, 6.**, ...): exit 0, none refused"
like "$(cat "$dir/modules.dep")" "$testdir/ext/extmod.ko:" "6.*+ matches the kernel: external applies"
if need_or_skip "Debian's depmod at $deb" test -x "$deb"; then
	rm -rf "$root.deb"
	cp -a "$root" "$root.deb"
	rm -rf "$root.deb/var"
	timeout 60 "$deb" -b "$root.deb" -C "$testdir/stack.conf" "$kver" 2>"$testdir/deb.err"
	is "$?|$(cat "$testdir/deb.err")" "0|" "Debian's depmod takes the same patterns"
	is_file "$dir/modules.dep" "$root.deb/lib/modules/$kver/modules.dep" \
		"stacked repetitions: modules.dep as Debian's depmod writes it"
fi
# still refused: stacks and nesting whose parse tree would be huge
plus40=$(printf '+%.0s' {1..40})
printf 'external %s /nonexistent\n' "6.*$plus40" '6.*++++++++++' '((6+)+)+++++++++' \
	'(.{1,30}){1,30}' '(6)\\1' >"$testdir/bad.conf"
timeout 60 "$depmod" -b "$root" -C "$testdir/bad.conf" "$kver" 2>"$testdir/err"
is "$?" 0 "exponential patterns: exit 0"
is "$(grep -c 'kernel version pattern too complex, ignoring the line' "$testdir/err")" 5 \
	"exponential patterns: each of the 5 lines refused and named"

# --- module files: one open each --------------------------------------------------------

# A module its directory listing shows as a regular file is opened once,
# O_NOFOLLOW|O_NONBLOCK (util/fileio.h: open_listed_regular_at); a symlinked
# one is looked at through O_PATH first and followed, as before.
if need_or_skip "strace" strace -V; then
	fresh_tree
	mv "$dir/kernel/dummy.ko" "$testdir/dummy-elsewhere.ko"
	ln -s "$testdir/dummy-elsewhere.ko" "$dir/kernel/dummy.ko"
	# LeakSanitizer cannot work under ptrace
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -qq -e trace=open,openat,openat2 -o "$testdir/strace" \
		"$depmod" -b "$root" -C "$cfg" "$kver" 2>"$testdir/err"
	is "$?|$(cat "$testdir/err")" "0|" "one open per module: depmod exit 0, silent"
	is "$(grep -c '/kernel/mod-foo-a\.ko"' "$testdir/strace")" 1 \
		"one open per module: mod-foo-a.ko, listed regular, opened once"
	like "$(grep '/kernel/mod-foo-a\.ko"' "$testdir/strace")" \
		'O_RDONLY\|O_NOCTTY\|O_NONBLOCK\|O_NOFOLLOW\|O_CLOEXEC' \
		"one open per module: read-only, non-blocking, not following a link"
	like "$(grep '/kernel/dummy\.ko"' "$testdir/strace")" 'O_PATH' \
		"one open per module: the symlinked dummy.ko looked at through O_PATH"
	like "$(cat "$dir/modules.alias")" 'alias rtnl-link-dummy dummy' \
		"one open per module: the symlinked dummy.ko still read"
fi

# --- depmod.d lines and sizes (util/conffile.c, as modprobe.d) ---------------------

# A backslash-newline joins lines; a backslash at the end of the file is dropped.
fresh_tree
printf 'external * \\\n%s\nsearch external \\\n built-in\nexclude zz\\' "$testdir/ext" \
	>"$testdir/cont.conf"
"$depmod" -b "$root" -C "$testdir/cont.conf" "$kver" 2>"$testdir/err"
is "$?|$(cat "$testdir/err")" "0|" "continued depmod.d lines: exit 0, nothing to say"
like "$(cat "$dir/modules.dep")" "^$testdir/ext/extmod.ko:" "continued depmod.d lines: external applies"
if need_or_skip "Debian's depmod at $deb" test -x "$deb"; then
	rm -rf "$root.deb"
	cp -a "$root" "$root.deb"
	rm -rf "$root.deb/var"
	"$deb" -b "$root.deb" -C "$testdir/cont.conf" "$kver" 2>/dev/null
	is_file "$dir/modules.dep" "$root.deb/lib/modules/$kver/modules.dep" \
		"continued depmod.d lines: modules.dep as Debian's depmod writes it"
fi
# 16 MiB and one byte: not read (kmod reads any size), the others are
fresh_tree
{ echo 'exclude kernel'; head -c $((16 * 1024 * 1024 - 14)) /dev/zero | tr '\0' '#'; } \
	>"$testdir/big.conf"
"$depmod" -b "$root" -C "$testdir/big.conf" "$kver" 2>"$testdir/err"
is "$?|$(cat "$testdir/err")" "0|depmod: ERROR: file parse $testdir/big.conf: File too large" \
	"a depmod.d file over 16 MiB: refused and named"
like "$(cat "$dir/modules.dep")" "^kernel/dummy.ko:" "a depmod.d file over 16 MiB: none of its lines applies"

done_testing

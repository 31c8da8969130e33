#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A fatal error of depmod found on one of its threads (issue 15 §7): a module
# alias that is not 7-bit ASCII makes the alias index fail while the outputs
# are made, on the thread making the modinfo outputs.  CRIT() used to call
# exit() there, from that thread, in the middle of the other's work; now the
# error goes back to the main thread, which joins everything and exits with
# kmod's status and kmod's message.  Checked: the message and exit status,
# nothing written (the old outputs stay), no temporary file left, and strace
# shows exit_group called by the main thread only.  (Debian's kmod 30 is no
# reference here: it reads the key as signed chars, indexes its trie with
# a negative number and exits 0.)

# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

depmod=$top_builddir/tools/depmod
fx=$top_builddir/testsuite/fixtures
kver=6.1.0-test
cfg=$testdir/empty.conf
# the message quotes a lone byte 0xc3: bytes, not UTF-8
export LC_ALL=C
: >"$cfg"

need_or_skip_all "depmod" test -x "$depmod"
need_or_skip_all "fixture modules in $fx" test -f "$fx/mod-foo.ko"
need_or_skip_all "a C compiler" command -v "${CC:-gcc}"

root=$testdir/root
dir=$root/lib/modules/$kver
fixture_flat_tree "$dir" kernel/dummy.ko
"$depmod" -b "$root" -C "$cfg" "$kver"
mkdir "$testdir/old"
cp "$dir"/modules.* "$testdir/old/"

# a module whose alias is "café" in UTF-8
printf '%s\n' '#include "module.h"' 'int init_module(void) { return 0; }' \
	'THIS_MODULE("cafe");' 'MODINFO("license=GPL");' 'MODINFO("alias=caf\xc3\xa9");' \
	>"$testdir/cafe.c"
"${CC:-gcc}" -c -O2 -fno-pic -fno-PIE -fno-stack-protector -fcf-protection=none \
	-fno-asynchronous-unwind-tables -I"$fx" -I"$top_srcdir/testsuite/fixtures" \
	-o "$dir/kernel/cafe.ko" "$testdir/cafe.c"
is "$?" 0 "a module with a non-ASCII alias built"

# same_as_old: every output is still the one written before.
same_as_old() {
	local f bad=
	for f in "$testdir/old"/modules.*; do
		cmp -s "$f" "$dir/${f##*/}" || bad+=" ${f##*/}"
	done
	echo "${bad# }"
}

for jobs in 1 4; do
	KMOD_DEPMOD_JOBS=$jobs "$depmod" -b "$root" -C "$cfg" "$kver" 2>"$testdir/err"
	rc=$?
	is "$rc" 1 "jobs=$jobs: exit 1"
	like "$(cat "$testdir/err")" \
		"^depmod: FATAL: Module index: bad character '.'=0xc3 - only 7-bit ASCII is supported:" \
		"jobs=$jobs: kmod's FATAL message"
	is "$(grep -c 'FATAL\|ERROR' "$testdir/err")" 1 "jobs=$jobs: one message, nothing after it"
	is "$(same_as_old)" "" "jobs=$jobs: the old outputs untouched"
	is "$(find "$dir" -maxdepth 1 -name '.*depmod-tmp' | wc -l)" 0 "jobs=$jobs: no temporary file"
done

if need_or_skip "strace" strace -V; then
	# which thread ends the process: the one that ran execve is the main thread
	# (LeakSanitizer cannot run under ptrace: no leak check)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 KMOD_DEPMOD_JOBS=4 \
		strace -f -qq -e trace=execve,exit_group -o "$testdir/trace" \
		"$depmod" -b "$root" -C "$cfg" "$kver" 2>/dev/null
	is "$?" 1 "under strace: exit 1"
	main=$(awk '/ execve\(/ { print $1; exit }' "$testdir/trace")
	is "$(awk '/ exit_group\(/ { print $1, $2 }' "$testdir/trace")" "${main:-?} exit_group(1)" \
		"exit_group(1), once, by the main thread"
fi

done_testing

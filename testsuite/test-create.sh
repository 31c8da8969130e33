#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Every file a tool creates is created exclusively, never through a symlink
# someone planted (issue 15 §1): depmod (its outputs, its cache and their
# temporary files), kmod static-nodes --output, kmod sign, attach and detach.
# For each tool, a symlink to a victim file at every name it may create must
# leave the victim untouched (same checksum) while the tool either succeeds
# without following it or fails saying so; then strace shows that no open
# with O_CREAT lacks O_EXCL (which never follows a final symlink) or is not
# O_TMPFILE, and that the files were made in the output directory itself.
# depmod runs in a pid namespace of its own too, where its pid (1) and so
# any name built from it is known in advance.

# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

kmod=$top_builddir/tools/kmod
depmod=$top_builddir/tools/depmod
fx=$top_builddir/testsuite/fixtures
kver=6.1.0-test
cfg=$testdir/empty.conf
: >"$cfg"

need_or_skip_all "kmod" test -x "$kmod"
need_or_skip_all "fixture modules in $fx" test -f "$fx/mod-foo.ko"

victim=$testdir/victim
printf 'precious\n' >"$victim"
sum=$(cksum <"$victim")
# untouched LABEL: checks the victim, then puts it back for the next case
untouched() {
	is "$(cksum <"$victim")" "$sum" "$1: the symlink's target is untouched"
	printf 'precious\n' >"$victim"
}

# plant DIR NAME...: a symlink to the victim at each name in DIR.
plant() {
	local d=$1 n
	shift
	mkdir -p "$d"
	for n in "$@"; do
		rm -f "$d/$n"
		ln -s "$victim" "$d/$n"
	done
}

# no_links DIR NAME...: each name is now a regular file, not a symlink.
regular_files() {
	local d=$1 n bad=
	shift
	for n in "$@"; do
		[[ -f $d/$n && ! -L $d/$n ]] || bad+=" $n"
	done
	echo "${bad# }"
}

# --- depmod ----------------------------------------------------------------------------

root=$testdir/root
dir=$root/lib/modules/$kver
fixture_flat_tree "$dir" kernel/mod-foo.ko
outputs=(modules.dep modules.dep.bin modules.alias modules.alias.bin modules.softdep
	modules.weakdep modules.symbols modules.symbols.bin modules.builtin.bin
	modules.builtin.alias.bin modules.devname)
# the cache: <root>/var/cache/kmod-ds/depmod/<kver>
cachedir=$root/var/cache/kmod-ds/depmod
# the temporary names depmod used to build from its pid: 1 in a new pid namespace
temps=()
for n in "${outputs[@]}" modules.depmod-cache; do
	temps+=(".$n.1.depmod-tmp" ".$n.2.depmod-tmp")
done

plant "$dir" "${outputs[@]}" modules.depmod-cache "${temps[@]}"
plant "$cachedir" "$kver"
"$depmod" -b "$root" -C "$cfg" "$kver" 2>"$testdir/err"
is "$?" 0 "depmod, links at every output and at the cache: exit 0"
untouched "depmod"
is "$(regular_files "$dir" "${outputs[@]}")" "" "depmod: outputs replace the links"
is "$(regular_files "$cachedir" "$kver")" "" "depmod: the cache replaces the link"
like "$(head -c 8 "$cachedir/$kver")" '^KDSDEPC[0-9]$' "depmod: the cache is a cache"
is "$(cat "$testdir/err")" "" "depmod: nothing to say"

if need_or_skip "unshare --pid (a pid namespace)" unshare --pid --fork true; then
	# the cache is written only when something changed: a new module
	cp "$fx/mod-foo-a.ko" "$dir/kernel/mod-new.ko"
	plant "$dir" "${outputs[@]}" modules.depmod-cache "${temps[@]}"
	plant "$cachedir" "$kver"
	unshare --pid --fork "$depmod" -b "$root" -C "$cfg" "$kver" 2>"$testdir/err"
	is "$?" 0 "depmod as pid 1, links at every name built from its pid: exit 0"
	untouched "depmod as pid 1"
	is "$(regular_files "$dir" "${outputs[@]}")|$(regular_files "$cachedir" "$kver")" "|" \
		"depmod as pid 1: links replaced"
	is "$(find "$dir" -maxdepth 1 -name '.*depmod-tmp' | wc -l)" 0 \
		"depmod as pid 1: no temporary file (nor planted link) left"
	grep -q mod_new "$dir/modules.dep" 2>/dev/null || grep -q mod-new "$dir/modules.dep"
	is "$?" 0 "depmod as pid 1: the new module is in modules.dep"
fi

# -o: a planted link in an output directory that exists already
out=$testdir/out
plant "$out/lib/modules/$kver" "${outputs[@]}"
plant "$out/var/cache/kmod-ds/depmod" "$kver"
"$depmod" -b "$root" -o "$out" -C "$cfg" "$kver" 2>/dev/null
is "$?" 0 "depmod -o, links in the output directory: exit 0"
untouched "depmod -o"
is "$(regular_files "$out/lib/modules/$kver" "${outputs[@]}")|$(regular_files \
	"$out/var/cache/kmod-ds/depmod" "$kver")" "|" "depmod -o: links replaced"

# --- static-nodes --output ------------------------------------------------------------------

snroot=$testdir/sn
mkdir -p "$snroot/lib/modules/$kver"
printf 'fuse fuse c10:229\n' >"$snroot/lib/modules/$kver/modules.devname"
plant "$testdir/snout" nodes.conf
TRAP_ROOT=$snroot TRAP_UNAME_R=$kver trap_run "$kmod" static-nodes -f tmpfiles \
	-o "$testdir/snout/nodes.conf"
is "$trap_rc|$trap_err" "0|" "static-nodes --output at a link: exit 0, silent"
untouched "static-nodes --output"
is "$(regular_files "$testdir/snout" nodes.conf)" "" "static-nodes: the link replaced by the file"
like "$(cat "$testdir/snout/nodes.conf")" '^c! /dev/fuse 0600 - - - 10:229$' \
	"static-nodes: what was asked for is in it"

# --- sign, attach, detach ------------------------------------------------------------------

w=$testdir/sig
mkdir -p "$w"
cp "$fx/dummy.ko" "$w/dummy.ko"
if "$kmod" -V | grep -q +LIBCRYPTO; then
	plant "$w" dummy.ko.sig
	"$kmod" sign -k "$fx/key.pem" -c "$fx/cert.pem" "$w/dummy.ko" 2>"$testdir/err"
	is "$?|$(cat "$testdir/err")" "0|" "sign, a link at MODULE.sig: exit 0, silent"
	untouched "sign"
	is_file "$w/dummy.ko.sig" "$fx/dummy.ko.trailer" "sign: the .sig replaces the link"
else
	skip "kmod built without libcrypto: no sign"
	cp "$fx/dummy.ko.trailer" "$w/dummy.ko.sig"
fi
plant "$w" signed.ko
"$kmod" attach -o "$w/signed.ko" "$w/dummy.ko" 2>"$testdir/err"
is "$?|$(cat "$testdir/err")" "0|" "attach -o at a link: exit 0, silent"
untouched "attach -o"
is "$(regular_files "$w" signed.ko)" "" "attach -o: the link replaced"
plant "$w" plain.ko plain.ko.sig
"$kmod" detach -o "$w/plain.ko" "$w/signed.ko" 2>"$testdir/err"
is "$?|$(cat "$testdir/err")" "0|" "detach -o, links at the module and its .sig: exit 0, silent"
untouched "detach -o"
is_file "$w/plain.ko" "$fx/dummy.ko" "detach: the unsigned module replaces its link"
is_file "$w/plain.ko.sig" "$w/dummy.ko.sig" "detach: the .sig replaces its link"
# in place: the module itself is a link (to a real module): replaced, not written through
cp "$w/signed.ko" "$testdir/signed-target.ko"
tsum=$(cksum <"$testdir/signed-target.ko")
rm -f "$w/inplace.ko" "$w/inplace.ko.sig"
ln -s "$testdir/signed-target.ko" "$w/inplace.ko"
"$kmod" detach "$w/inplace.ko" 2>"$testdir/err"
is "$?|$(cat "$testdir/err")" "0|" "detach in place of a link: exit 0, silent"
is "$(cksum <"$testdir/signed-target.ko")" "$tsum" "detach in place: the link's target is untouched"
is_file "$w/inplace.ko" "$fx/dummy.ko" "detach in place: the link is replaced by the unsigned module"

# --- what the system calls say -----------------------------------------------------------------

# The sanitizer runtime of a sanitizer build writes its reports where
# log_path says: not a file the tool makes.
sanitizer_logs=$(printf '%s\n' "${ASAN_OPTIONS:-}" "${UBSAN_OPTIONS:-}" | tr ':' '\n' |
	sed -n 's/^log_path=//p' | sort -u)
# creating_opens LOG: every open of the trace that may create a file.
creating_opens() {
	local l
	grep -E '(open|openat|openat2)\(.*O_CREAT|O_TMPFILE|[^a-z_]creat\(' "$1" |
		while IFS= read -r l; do
			for p in $sanitizer_logs; do
				[[ $l == *"(\"$p."* ]] && continue 2
			done
			printf '%s\n' "$l"
		done
}
# check_trace LABEL LOG DIR MIN: no creating open lacks O_EXCL or O_TMPFILE (a
# plain creat() never has them), and at least MIN of them were made in DIR
# through a directory fd (strace -y prints its path).
check_trace() {
	local label=$1 log=$2 d=$3 min=$4 n
	is "$(creating_opens "$log" | grep -vE 'O_EXCL|O_TMPFILE')" "" \
		"$label: every open that may create a file has O_EXCL or O_TMPFILE"
	n=$(creating_opens "$log" | grep -cF "<$d>")
	if ((n >= min)); then
		ok "$label: $n files made relative to the output directory's fd (at least $min)"
	else
		not_ok "$label: $n files made relative to the output directory's fd (at least $min)"
		creating_opens "$log" | head -n 20 | sed 's/^/# /'
	fi
}

if need_or_skip "strace" strace -V; then
	# st LOG CMD...: strace -f, file descriptors with their paths.  LeakSanitizer
	# cannot work under ptrace (it says so in a report file): no leak check there.
	st() {
		local log=$1
		shift
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
			strace -f -y -qq -s 256 -e trace=open,openat,openat2,creat -o "$log" "$@" \
			>/dev/null 2>&1
	}
	cp "$fx/mod-foo-b.ko" "$dir/kernel/mod-other.ko" # so that the cache is written too
	st "$testdir/depmod.trace" "$depmod" -b "$root" -C "$cfg" "$kver"
	check_trace "strace depmod" "$testdir/depmod.trace" "$dir" 11
	check_trace "strace depmod, its cache" "$testdir/depmod.trace" "$cachedir" 1
	mkdir -p "$testdir/out2/var/cache"
	st "$testdir/depmod-o.trace" "$depmod" -b "$root" -o "$testdir/out2" -C "$cfg" "$kver"
	check_trace "strace depmod -o" "$testdir/depmod-o.trace" "$testdir/out2/lib/modules/$kver" 11
	check_trace "strace depmod -o, its cache" "$testdir/depmod-o.trace" \
		"$testdir/out2/var/cache/kmod-ds/depmod" 1
	# the outputs' writeback starts where they are made, not in the renames
	# (ext4 would write each out inside rename(), one after the other)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -y -qq -e trace=sync_file_range,rename,renameat,renameat2 \
		-o "$testdir/wb.trace" "$depmod" -b "$root" -C "$cfg" "$kver" >/dev/null 2>&1
	is "$(grep -c "sync_file_range([0-9]*<$dir/[^/]*>.*, 0, 0, SYNC_FILE_RANGE_WRITE" \
		"$testdir/wb.trace")|$(grep -c ' = -1 ' "$testdir/wb.trace")" "11|0" \
		"strace depmod: writeback of each of the 11 outputs started, no call failed"
	is "$(awk '/rename/ { r = 1 } /sync_file_range/ && r { print }' "$testdir/wb.trace")" "" \
		"strace depmod: every writeback started before the first rename"
	is "$(grep -c 'rename.*modules\.' "$testdir/wb.trace")" 11 "strace depmod: 11 outputs renamed"
	st "$testdir/sn.trace" env TRAP_ROOT="$snroot" TRAP_UNAME_R=$kver TRAP_PASSTHROUGH="$testdir" \
		LD_PRELOAD="$TRAP_LIB" "$kmod" static-nodes -o "$testdir/snout/nodes.conf"
	check_trace "strace static-nodes --output" "$testdir/sn.trace" "$testdir/snout" 1
	st "$testdir/detach.trace" "$kmod" detach -o "$w/plain2.ko" "$w/signed.ko"
	check_trace "strace detach -o" "$testdir/detach.trace" "$w" 2
	st "$testdir/attach.trace" "$kmod" attach "$w/plain2.ko"
	check_trace "strace attach" "$testdir/attach.trace" "$w" 1
fi

done_testing

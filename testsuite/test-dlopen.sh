#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# zlib, liblzma, libzstd and libcrypto are loaded on first use (util/dlopen.h):
#   1. libkmod.so.2 and kmod need none of them (DT_NEEDED) and carry one ELF
#      dlopen metadata note for each this build reads (testsuite/elf-dlopen-
#      notes checks the layout): feature, description, priority and soname as
#      packaging tools read them, the soname being the one of the library
#      pkg-config finds on this machine; readelf sees the same notes.
#   2. Under the trap, what each process mapped (TRAP_MAPS, from
#      /proc/self/maps at exit): modprobe of plain modules, --show-depends and
#      -R (on the fixture tree, and on Debian's .ko.xz 6.12 tree when cached)
#      map none of the four; insmod of a .ko.xz, .ko.zst, .ko.gz and .ko, with
#      and without a .sig, under policy auto and require, with and without the
#      kernel decompressing the file, map exactly the library that load needs.
#   3. A library that cannot be loaded (TRAP_DLOPEN_FAIL, or a liblzma.so.5
#      without the functions) is a message naming the file and the library,
#      kmod 34's errno (EINVAL: "Invalid parameters"), exit 1, no system call.

# shellcheck disable=SC2034
# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"
set -u

fx=$top_builddir/testsuite/fixtures
tools=$top_builddir/tools
notes=$top_builddir/testsuite/elf-dlopen-notes
lib=$top_builddir/libkmod/.libs/libkmod.so.2
need_or_skip_all "the note parser" test -x "$notes"
need_or_skip_all "jq" jq --version
need_or_skip_all "readelf" readelf --version

has() { has_feature "$1"; }

# ---- 1. the notes -----------------------------------------------------------------

# The notes this build must carry: feature soname priority, and the file the
# linker would link for that library.
expected=$testdir/expected
: > "$expected"
has ZSTD && echo "zstd libzstd.so.1 recommended libzstd.so" >> "$expected"
has XZ && echo "xz liblzma.so.5 recommended liblzma.so" >> "$expected"
has ZLIB && echo "zlib libz.so.1 recommended libz.so" >> "$expected"
has LIBCRYPTO && echo "openssl libcrypto.so.3 suggested libcrypto.so" >> "$expected"

for obj in "$lib" "$tools/kmod"; do
	name=${obj##*/}
	# A sanitizer build also needs the sanitizers' runtimes.
	needed=$(readelf -d "$obj" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' |
		{ if sanitizer_build; then grep -v -E '^lib(a|ub|t)san\.so'; else cat; fi; } | tr '\n' ' ')
	is "$needed" "libc.so.6 " "$name: DT_NEEDED is libc.so.6 alone"

	"$notes" "$obj" > "$testdir/notes" 2> "$testdir/err"
	rc=$?
	if [ ! -s "$expected" ]; then
		is "$rc:$(cat "$testdir/err")" "2:elf-dlopen-notes: $obj: no section .note.dlopen" \
			"$name: no optional library, no note"
		continue
	fi
	is "$rc:$(cat "$testdir/err")" "0:" "$name: .note.dlopen is well formed (layout, owner FDO, type 0x407c0c0a, padding)"
	# Each note is one JSON array of one object with exactly the four keys.
	shape=$(jq -c 'if type == "array" and length == 1 then .[0] | keys else "bad" end' \
		< "$testdir/notes" | sort -u)
	is "$shape" '["description","feature","priority","soname"]' \
		"$name: each note is [{feature, description, priority, soname}]"
	jq -r '.[0] | "\(.feature) \(.soname | join(",")) \(.priority)"' < "$testdir/notes" |
		sort > "$testdir/got"
	is "$(cat "$testdir/got")" "$(cut -d' ' -f1-3 "$expected" | sort)" \
		"$name: one note per library this build reads: $(cut -d' ' -f1 "$expected" | tr '\n' ' ')"
	is "$(jq -r '.[0].description | select(type == "string" and length > 0)' \
		< "$testdir/notes" | wc -l)" "$(wc -l < "$expected")" \
		"$name: every note describes its feature"
	# readelf finds the same number of notes of that owner and type.
	is "$(readelf -n "$obj" | grep -c -E '^ +FDO +0x[0-9a-f]+.*(0x407c0c0a|FDO_DLOPEN)')" \
		"$(wc -l < "$expected")" "$name: readelf -n lists them"
done

# The sonames are those of the libraries installed here, as the linker finds them.
while read -r feature soname priority link; do
	so=$(${CC:-cc} -print-file-name="$link")
	if [ "$so" = "$link" ]; then
		skip "$feature: the linker finds no $link"
		continue
	fi
	is "$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')" "$soname" \
		"$feature: the note names the soname of $so"
done < "$expected"

# ---- 2. what each process maps ------------------------------------------------------

need_or_skip_all "trap library" test -f "$TRAP_LIB"
need_or_skip_all "fixture modules" test -f "$fx/dummy.ko" -a -f "$fx/mod-foo.ko"

unset TRAP_RESULTS KMOD_DETACHED_SIG MODPROBE_OPTIONS KMOD_LOG TRAP_DLOPEN_FAIL
kver=6.1.0-test
moddir=/lib/modules/$kver
TRAP_LOG=$testdir/trap.log
TRAP_ROOT=$testdir/root
TRAP_UNAME_R=$kver
maps=$testdir/maps

# mapped: the optional libraries the last run mapped, sorted, space-separated
# ("-" for none).
mapped() {
	_m=$(sed -n -E 's@^[0-9]+ .*/lib(z|lzma|zstd|crypto)\.so[.0-9]*$@\1@p' "$maps" 2> /dev/null |
		sort -u | tr '\n' ' ' | sed 's/ $//')
	echo "${_m:--}"
}
# traced CMD...: CMD under the trap with TRAP_MAPS; the run must have mapped
# the tool (so that an empty list means something).
traced() {
	rm -f "$maps" "$TRAP_LOG"
	TRAP_MAPS=$maps trap_run "$@"
	grep -q " $tools/kmod\$" "$maps" 2> /dev/null || echo "# TRAP_MAPS shows no $tools/kmod"
}

# The tree: mod-foo needs mod-foo-b needs mod-foo-a; dummy; indexed by our depmod.
base=$testdir/base
k=$base$moddir
mkdir -p "$k/kernel" "$base/etc/modprobe.d" "$base/proc" "$base/sys/module"
for m in mod-foo-a mod-foo-b mod-foo dummy; do
	cp "$fx/$m.ko" "$k/kernel/"
done
printf 'kernel/mod-foo-a.ko\nkernel/mod-foo-b.ko\nkernel/mod-foo.ko\nkernel/dummy.ko\n' > "$k/modules.order"
: > "$k/modules.builtin"
echo 'options mod-foo x=1' > "$base/etc/modprobe.d/a.conf"
echo 'BOOT_IMAGE=/vmlinuz ro' > "$base/proc/cmdline"
: > "$base/proc/modules"
"$tools/depmod" -b "$base" "$kver" 2> /dev/null || echo "Bail out! depmod failed on the fixture tree"

fresh() {
	rm -rf "$TRAP_ROOT"
	cp -a "$base" "$TRAP_ROOT"
}

fresh
traced "$tools/modprobe" mod-foo
is "$trap_rc:$(grep -c '^finit_module' "$TRAP_LOG" 2> /dev/null):$(mapped)" "0:3:-" \
	"modprobe mod-foo (3 plain modules loaded): maps none of the four"
fresh
traced "$tools/modprobe" --show-depends mod-foo
is "$trap_rc:$(mapped)" "0:-" "modprobe --show-depends mod-foo: maps none of the four"
fresh
traced "$tools/modprobe" -R rtnl-link-dummy
is "$trap_rc:$trap_out:$(mapped)" "0:dummy:-" "modprobe -R rtnl-link-dummy: maps none of the four"
fresh
traced "$tools/modprobe" -c
is "$trap_rc:$(mapped)" "0:-" "modprobe -c: maps none of the four"

# Debian's 6.12 tree, every module a .ko.xz, indexed by our depmod (the
# modules are symlinked).
tree=$(bash "$top_srcdir/testsuite/debian-kernels.sh" extract 2> /dev/null | awk '$1 ~ /^6\.12\./ { print; exit }')
if [ -n "$tree" ] && has XZ; then
	tk=${tree%% *} troot=$testdir/tree
	mkdir -p "$troot/lib/modules/$tk"
	ln -s "${tree#* }/lib/modules/$tk/kernel" "$troot/lib/modules/$tk/kernel"
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		cp "${tree#* }/lib/modules/$tk/$f" "$troot/lib/modules/$tk/"
	done
	KMOD_DEPMOD_CACHE=0 "$tools/depmod" -b "$troot" "$tk" || echo "# depmod failed on $tk"
	# Outside the trap's root: nothing redirected.
	unset TRAP_ROOT TRAP_UNAME_R
	traced "$tools/modprobe" -d "$troot" -S "$tk" --show-depends omfs
	is "$trap_rc:$(mapped)" "0:-" "$tk (.ko.xz): modprobe --show-depends omfs: maps none of the four"
	# qemu's e1000 NIC; a sampled tree (the sanitizer build's) may lack it.
	if [ -n "$(find "${tree#* }/lib/modules/$tk/kernel/" -name e1000.ko.xz -print -quit)" ]; then
		set -- pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00 e1000 "a modalias"
	else
		set -- fs-omfs omfs "an alias"
	fi
	traced "$tools/modprobe" -d "$troot" -S "$tk" -R "$1"
	is "$trap_rc:$trap_out:$trap_err:$(mapped)" "0:$2::-" "$tk (.ko.xz): modprobe -R ($3): maps none of the four"
	traced "$tools/modinfo" -b "$troot" -k "$tk" -F filename omfs
	is "$trap_rc:$(mapped)" "0:-" "$tk (.ko.xz): modinfo -F filename omfs: maps none of the four"
	TRAP_ROOT=$testdir/root
	TRAP_UNAME_R=$kver
elif [ -n "$tree" ]; then
	skip "built without xz: Debian's 6.12 tree of .ko.xz"
else
	skip "Debian's 6.12 tree not cached (testsuite/debian-kernels.sh)"
fi

# insmod of one file: the library each case needs, and no other.
m=$testdir/m
lib_of() { case $1 in xz) echo lzma ;; zst) echo zstd ;; gz) echo z ;; esac; }
feat_of() { case $1 in xz) echo XZ ;; zst) echo ZSTD ;; gz) echo ZLIB ;; esac; }
kname_of() { case $1 in xz) echo xz ;; zst) echo zstd ;; gz) echo gzip ;; esac; }
# join WORD...: the words sorted, space-separated, "-" for none
join() {
	_j=$(printf '%s\n' "$@" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//')
	echo "${_j:--}"
}
# setup FILE SIG KERNEL: $m/FILE (with $m/FILE.sig from SIG when not empty),
# /sys/module/compression = KERNEL ("" for none).
setup() {
	rm -rf "$m" "$TRAP_ROOT"
	mkdir -p "$m" "$TRAP_ROOT/sys/module" "$TRAP_ROOT/proc"
	cp "$fx/$1" "$m/"
	[ -z "$2" ] || cp "$fx/$2" "$m/$1.sig"
	[ -z "$3" ] || echo "$3" > "$TRAP_ROOT/sys/module/compression"
}
# load FILE SIG POLICY KERNEL: insmod --detached-sig=POLICY of that
load() {
	setup "$1" "$2" "$4"
	traced "$tools/insmod" --detached-sig="$3" "$m/$1"
}

for ext in ko xz zst gz; do
	file=dummy.ko.$ext
	[ "$ext" = ko ] && file=dummy.ko
	if [ "$ext" != ko ] && ! has "$(feat_of "$ext")"; then
		skip "$file: this build does not read .ko.$ext"
		continue
	fi
	dec=
	[ "$ext" = ko ] || dec=$(lib_of "$ext")
	crypto=
	has LIBCRYPTO && crypto=crypto
	if [ "$ext" != ko ]; then
		load "$file" "" auto "$(kname_of "$ext")"
		is "$trap_rc:$(cut -d' ' -f1 "$TRAP_LOG"):$(mapped)" "0:finit_module:-" \
			"$file, the kernel decompresses it: maps none of the four"
	fi
	load "$file" "" auto ""
	is "$trap_rc:$(mapped)" "0:$(join $dec)" "$file, no .sig: maps $(join $dec)"
	load "$file" dummy.ko.trailer auto "$(kname_of "$ext")"
	is "$trap_rc:$(cut -d' ' -f1 "$TRAP_LOG"):$(mapped)" "0:init_module:$(join $dec)" \
		"$file with a .sig, policy auto: maps $(join $dec)"
	if [ -n "$crypto" ]; then
		load "$file" dummy.ko.trailer require "$(kname_of "$ext")"
		is "$trap_rc:$(cut -d' ' -f1 "$TRAP_LOG"):$(mapped)" "0:init_module:$(join $dec crypto)" \
			"$file with a .sig, policy require: maps $(join $dec crypto)"
	fi
done

# ---- 3. a library that cannot be loaded ------------------------------------------------

for ext in xz zst gz; do
	has "$(feat_of "$ext")" || continue
	soname=lib$(lib_of "$ext").so
	setup dummy.ko.$ext "" ""
	TRAP_DLOPEN_FAIL="$soname*" traced "$tools/insmod" "$m/dummy.ko.$ext"
	like "$trap_rc:$trap_err" "^1:insmod: ERROR: $m/dummy\\.ko\\.$ext: $(kname_of "$ext") decompression unavailable: $soname\\.[0-9]+: cannot open shared object file: No such file or directory
insmod: ERROR: could not insert module $m/dummy\\.ko\\.$ext: Invalid parameters\$" \
		"dummy.ko.$ext, $soname missing: names the file and the library, EINVAL, exit 1"
	is "$(cat "$TRAP_LOG" 2> /dev/null)" "" "dummy.ko.$ext, $soname missing: no system call"
	TRAP_DLOPEN_FAIL="$soname*" traced "$tools/modinfo" -F vermagic "$m/dummy.ko.$ext"
	like "$trap_rc:$trap_err" "^1:modinfo: ERROR: $m/dummy\\.ko\\.$ext: $(kname_of "$ext") decompression unavailable: $soname" \
		"modinfo dummy.ko.$ext, $soname missing: names the file and the library, exit 1"
done

# A liblzma.so.5 that has none of the functions: the loader says which is missing.
if has XZ; then
	fake=$testdir/fake
	mkdir -p "$fake"
	echo 'int kmod_test_fake_liblzma;' > "$fake/empty.c"
	if ${CC:-cc} -shared -fPIC -o "$fake/liblzma.so.5" -Wl,-soname,liblzma.so.5 "$fake/empty.c"; then
		setup dummy.ko.xz "" ""
		LD_LIBRARY_PATH=$fake traced "$tools/insmod" "$m/dummy.ko.xz"
		like "$trap_rc:$trap_err" "^1:insmod: ERROR: $m/dummy\\.ko\\.xz: xz decompression unavailable: liblzma\\.so\\.5: no symbol lzma_[a-z_]+
insmod: ERROR: could not insert module $m/dummy\\.ko\\.xz: Invalid parameters\$" \
			"a liblzma.so.5 without the functions: says which, EINVAL, exit 1"
		is "$(cat "$TRAP_LOG" 2> /dev/null)" "" "a liblzma.so.5 without the functions: no system call"
	else
		not_ok "cannot build a fake liblzma.so.5 with ${CC:-cc}"
	fi
fi

done_testing

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Where depmod keeps its cache (issue 16 §1): <root>/var/cache/kmod-ds/depmod/
# <kver> (root: -o, else -b, else /), never in the module directory, where a
# kernel package's purge left it behind and every copy of the tree (an
# initramfs, a staging root) took it along.  Checked: the module directory
# holds kmod's files only (an old modules.depmod-cache there is removed); a
# root without var/cache (an initramfs being built) gets no cache at all; the
# cache is used (a second run rewrites nothing); a cache whose module
# directory is gone is pruned by the next depmod, the others kept, and so are
# the temporary files killed depmods left, once an hour old; -m gives
# its own file; a symlink planted at var/cache/kmod-ds is not followed.

# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

depmod=$top_builddir/tools/depmod
fx=$top_builddir/testsuite/fixtures
cfg=$testdir/empty.conf
: >"$cfg"
unset KMOD_DEPMOD_CACHE

export LC_ALL=C
need_or_skip_all "depmod" test -x "$depmod"
need_or_skip_all "fixture modules in $fx" test -f "$fx/mod-foo.ko"

root=$testdir/root
cdir=$root/var/cache/kmod-ds/depmod
# tree KVER: a module directory with the fixtures
tree() {
	fixture_flat_tree "$root/lib/modules/$1" kernel/dummy.ko
}
run() { "$depmod" -b "$root" -C "$cfg" "$@" 2>"$testdir/err"; }
kmod_files="modules.alias
modules.alias.bin
modules.builtin
modules.builtin.alias.bin
modules.builtin.bin
modules.builtin.modinfo
modules.dep
modules.dep.bin
modules.devname
modules.order
modules.softdep
modules.symbols
modules.symbols.bin
modules.weakdep"

# --- no var/cache: no cache anywhere (an initramfs being built) -------------------------
tree 6.1.0-a
run 6.1.0-a
is "$?|$(cat "$testdir/err")" "0|" "no var/cache: exit 0, silent"
is "$(ls -A "$root/lib/modules/6.1.0-a" | grep -v '^kernel$')" "$kmod_files" \
	"no var/cache: the module directory holds kmod's files only"
is "$(find "$root" -path "$root/lib" -prune -o -print | sed "s#^$root##")" "" \
	"no var/cache: nothing made outside the module directory"

# --- var/cache there -----------------------------------------------------------------------
mkdir -p "$root/var/cache"
# an old version's cache in the module directory goes
printf 'KDSDEPC3 old\n' >"$root/lib/modules/6.1.0-a/modules.depmod-cache"
run 6.1.0-a
is "$?|$(cat "$testdir/err")" "0|" "var/cache: exit 0, silent"
like "$(head -c 8 "$cdir/6.1.0-a" 2>/dev/null)" '^KDSDEPC[0-9]$' \
	"the cache is var/cache/kmod-ds/depmod/6.1.0-a"
is "$(stat -c '%a %F' "$root/var/cache/kmod-ds" "$cdir" "$cdir/6.1.0-a" | tr '\n' ' ')" \
	"755 directory 755 directory 644 regular file " "its directories and mode"
is "$(ls -A "$root/lib/modules/6.1.0-a" | grep -v '^kernel$')" "$kmod_files" \
	"the module directory holds kmod's files only (the old cache removed)"
ino=$(stat -c %i "$cdir/6.1.0-a")
run 6.1.0-a
is "$(stat -c %i "$cdir/6.1.0-a")" "$ino" "the cache is used: a second run rewrites nothing"

# --- pruning -------------------------------------------------------------------------------
tree 6.1.0-b
tree 6.1.0-c
run 6.1.0-b
run 6.1.0-c
is "$(ls "$cdir" | tr '\n' ' ')" "6.1.0-a 6.1.0-b 6.1.0-c " "one cache per kernel"
# a kernel purged (its directory gone), and one whose directory is only emptied
rm -rf "$root/lib/modules/6.1.0-b"
rm -rf "$root/lib/modules/6.1.0-c/kernel"
: >"$cdir/not-a-cache"
# what depmods killed while writing the cache left: swept once an hour old
touch -d '2 hours ago' "$cdir/.6.1.0-b.4242.Ab3dE6gH.depmod-tmp" "$cdir/.not-ours"
: >"$cdir/.6.1.0-c.4343.Xy1zW2vU.depmod-tmp"
mkdir "$cdir/.dir.depmod-tmp" && touch -d '2 hours ago' "$cdir/.dir.depmod-tmp"
run 6.1.0-a
is "$?|$(cat "$testdir/err")" "0|" "depmod of another kernel: exit 0, silent"
is "$(ls "$cdir" | tr '\n' ' ')" "6.1.0-a 6.1.0-c not-a-cache " \
	"the cache of the kernel whose directory is gone is pruned, the others kept"
is "$(ls -A "$cdir" | grep '^\.' | tr '\n' ' ')" ".6.1.0-c.4343.Xy1zW2vU.depmod-tmp .dir.depmod-tmp .not-ours " \
	"a temporary file over an hour old is removed; a fresh one, a directory and others' files stay"
is "$(stat -c %i "$cdir/6.1.0-a")" "$ino" "pruning leaves our own cache alone"

# --- -m: another module directory, its own file ---------------------------------------------
mkdir -p "$root/usr/lib/modules"
cp -a "$root/lib/modules/6.1.0-a" "$root/usr/lib/modules/"
run -m /usr/lib/modules 6.1.0-a
is "$?" 0 "-m: exit 0"
like "$(ls "$cdir" | grep '^6\.1\.0-a@')" '^6\.1\.0-a@[0-9a-f]{16}$' "-m: a file of its own"
is "$(stat -c %i "$cdir/6.1.0-a")" "$ino" "-m: the other module directory's cache untouched"

# --- -o: below the output root -----------------------------------------------------------------
mkdir -p "$testdir/out/var/cache"
"$depmod" -b "$root" -o "$testdir/out" -C "$cfg" 6.1.0-a 2>/dev/null
like "$(head -c 8 "$testdir/out/var/cache/kmod-ds/depmod/6.1.0-a" 2>/dev/null)" \
	'^KDSDEPC[0-9]$' "-o: the cache below the output root"

# --- a planted link -------------------------------------------------------------------------------
mkdir -p "$testdir/elsewhere"
rm -rf "$root/var/cache/kmod-ds"
ln -s "$testdir/elsewhere" "$root/var/cache/kmod-ds"
run 6.1.0-a
is "$?|$(cat "$testdir/err")" "0|" "var/cache/kmod-ds a symlink: exit 0, silent"
is "$(ls -A "$testdir/elsewhere")" "" "var/cache/kmod-ds a symlink: not followed"

done_testing

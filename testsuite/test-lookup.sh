#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Lookups, dependencies, per-module configuration, resources and probing
# through libkmod.so.2 (testsuite/test-lookup.c).  This script builds the
# module tree the program sees as /lib/modules/6.1.0-test under the trap:
#
#   kernel/lib/mod-foo-a.ko      + .sig: a full signature trailer (fixture)
#   kernel/fs/foo/mod-foo-b.ko   + .sig: bare PKCS#7, signed here with the fixture key
#   kernel/fs/mod-foo.ko         no signature; needs mod-foo-a and mod-foo-b
#   kernel/drivers/dummy.ko
#   modules.builtin (ext4, crc32c_generic), modules.builtin.modinfo (ext4's alias)
#   every index written by Debian's depmod
#
# and two more module directories: $testdir/bare (only a text
# modules.builtin) and $testdir/nobalias (the tree without
# modules.builtin.alias.bin),
# plus modprobe.d files in $testdir/conf and $ROOT/run/modprobe.d.  It hands
# the program the trap's expected init_module lines for the two signed
# modules, passes its TAP through, then compares the program's dry-run
# transcripts and index dumps with what Debian's modprobe prints for the same
# tree (a skip without it; a failure when CI=true).

# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

fx=$top_builddir/testsuite/fixtures
prog=$top_builddir/testsuite/test-lookup
DEPMOD=${DEBIAN_DEPMOD:-/usr/sbin/depmod}
MODPROBE=${DEBIAN_MODPROBE:-/usr/sbin/modprobe}
MAGIC='~Module signature appended~'

need_or_skip_all "trap library" test -f "$TRAP_LIB"
need_or_skip_all "fixture modules" test -f "$fx/mod-foo.ko"
need_or_skip_all "test-lookup" test -x "$prog"
need_or_skip_all "Debian's depmod ($DEPMOD, package kmod)" test -x "$DEPMOD"
need_or_skip_all "openssl" command -v openssl

unset KMOD_LOG KMOD_DETACHED_SIG TRAP_RESULTS MODPROBE_OPTIONS
kver=6.1.0-test
root=$testdir/root
moddir=$root/lib/modules/$kver

# ---- helpers ----

# bytes N...: raw bytes of the given decimal values.
bytes() {
	for _b in "$@"; do
		# shellcheck disable=SC2059
		printf "\\$(printf '%03o' "$_b")"
	done
}

be32() {
	bytes $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255))
}

size() {
	wc -c < "$1" | tr -d ' '
}

# init_line FILE: the trap's log line for init_module(FILE), up to "params=".
init_line() {
	printf 'init_module len=%s sha256=%s tail=%s params=' "$(size "$1")" \
		"$(sha256sum "$1" | cut -d' ' -f1)" \
		"$(tail -c 40 "$1" | od -An -tx1 -v | tr -d ' \n')"
}

# ---- the module tree ----

mkdir -p "$moddir/kernel/lib" "$moddir/kernel/fs/foo" "$moddir/kernel/drivers" \
	"$root/sys/module" "$root/run/modprobe.d" "$testdir/conf" "$testdir/out" \
	"$testdir/bare/lib/modules/$kver"
cp "$fx/mod-foo-a.ko" "$moddir/kernel/lib/"
cp "$fx/mod-foo-b.ko" "$moddir/kernel/fs/foo/"
cp "$fx/mod-foo.ko" "$moddir/kernel/fs/"
cp "$fx/dummy.ko" "$moddir/kernel/drivers/"
cp "$fx/mod-foo-a.ko.trailer" "$moddir/kernel/lib/mod-foo-a.ko.sig"
b=$moddir/kernel/fs/foo/mod-foo-b.ko
if ! openssl cms -sign -in "$b" -signer "$fx/cert.pem" -inkey "$fx/key.pem" -binary \
	-noattr -nocerts -outform DER -md sha256 -out "$b.sig" > "$testdir/openssl.log" 2>&1; then
	sed 's/^/# /' "$testdir/openssl.log"
	echo "Bail out! cannot sign mod-foo-b.ko"
	exit 1
fi

printf 'kernel/fs/ext4/ext4.ko\nkernel/crypto/crc32c_generic.ko\n' > "$moddir/modules.builtin"
printf 'ext4.license=GPL\000ext4.alias=fs-ext4\000crc32c_generic.license=GPL\000' \
	> "$moddir/modules.builtin.modinfo"
printf 'kernel/fs/ext4/ext4.ko\n' > "$testdir/bare/lib/modules/$kver/modules.builtin"

if ! "$DEPMOD" -b "$root" "$kver" > "$testdir/depmod.log" 2>&1; then
	sed 's/^/# /' "$testdir/depmod.log"
	echo "Bail out! depmod failed"
	exit 1
fi

# The same tree without the optional modules.builtin.alias.bin.
cp -R "$moddir" "$testdir/nobalias"
rm -f "$testdir/nobalias/modules.builtin.alias.bin"

# What the kernel must receive for the signed dependencies: image || trailer.
cat "$fx/mod-foo-a.ko" "$fx/mod-foo-a.ko.trailer" > "$testdir/a.img"
{
	cat "$b" "$b.sig"
	bytes 0 0 2 0 0 0 0 0
	be32 "$(size "$b.sig")"
	printf '%s\n' "$MAGIC"
} > "$testdir/b.img"
LOOKUP_INIT_A=$(init_line "$testdir/a.img")
LOOKUP_INIT_B=$(init_line "$testdir/b.img")
LOOKUP_TEST_DIR=$testdir
export LOOKUP_INIT_A LOOKUP_INIT_B LOOKUP_TEST_DIR

# ---- configuration ----

cat > "$testdir/conf/chain.conf" << 'EOF'
alias myfoo mod-foo
alias fix*bar dummy
alias ghost nosuchmodule
install fakemod /bin/true
remove fakeremove /bin/false
options myfoo via_alias=1
options mod_foo_a a=1
options mod-foo-a b=2
options fixture:foo c=3
softdep mod_foo pre: dummy post: fixture:foo-b
EOF
# kmod 30 has no weakdep: kept apart from what Debian's modprobe reads.
cat > "$testdir/conf/weak.conf" << 'EOF'
weakdep mod_foo dummy mod_foo_b
EOF
cat > "$testdir/conf/softinstall.conf" << 'EOF'
install mod_foo_a exit 7
softdep mod_foo_a pre: dummy
EOF
cat > "$testdir/conf/override.conf" << 'EOF'
alias mod_foo_b dummy
EOF
cat > "$testdir/conf/loop.conf" << 'EOF'
softdep mod_foo_a pre: dummy
softdep dummy pre: mod_foo_a post: mod_foo
options dummy numdummies=2
EOF
cat > "$testdir/conf/install.conf" << EOF
install dummy echo "\$MODPROBE_MODULE <\$CMDLINE_OPTS>" > $testdir/out/install.out
options dummy numdummies=2
EOF
cat > "$testdir/conf/installfail.conf" << 'EOF'
install dummy exit 3
EOF
cat > "$testdir/conf/blacklist.conf" << 'EOF'
blacklist dummy
blacklist mod_foo_a
alias grp ext4
alias grp dummy
alias grp mod-foo-a
alias grp mod_foo
EOF
: > "$testdir/conf/empty.conf"
# What kmod_new(NULL, NULL) reads, as systemd creates its context: /run is in
# the default list whatever --sysconfdir says.
cat > "$root/run/modprobe.d/systemd.conf" << 'EOF'
blacklist dummy
options mod_foo_b b_opt=1
EOF

# ---- the program ----

# trap_run exports these
# shellcheck disable=SC2034
{
	TRAP_ROOT=$root
	TRAP_UNAME_R=$kver
	TRAP_LOG=$testdir/trap.log
}
cd "$testdir" || exit 1
trap_run_tap test-lookup "$prog"

# ---- the same questions to Debian's modprobe ----

# debian_D LABEL CONF ARGS...: modprobe --show-depends on our tree, paths made
# logical like the program's, against the program's transcript LABEL.
debian_D() {
	_label=$1 _conf=$2
	shift 2
	"$MODPROBE" -d "$root" -S "$kver" -C "$testdir/conf/$_conf" -D "$@" \
		> "$testdir/debian.out" 2> "$testdir/debian.err"
	sed "s|$root/|/|" "$testdir/debian.out" > "$testdir/debian.want"
	is_file "$testdir/out/$_label" "$testdir/debian.want" \
		"same --show-depends as Debian's modprobe: $_label ($*)"
}

if need_or_skip "Debian's modprobe ($MODPROBE)" test -x "$MODPROBE"; then
	debian_D D-mod_foo chain.conf mod_foo
	debian_D D-fixture_foo chain.conf fixture:foo x=9
	debian_D D-myfoo chain.conf myfoo
	debian_D D-loop-mod_foo loop.conf mod_foo
	debian_D D-loop-dummy loop.conf dummy
	debian_D D-ext4 empty.conf ext4
	debian_D D-install install.conf dummy
	# Not D-softinstall: kmod ignores the install command of a module with
	# softdeps (kmod #446), we run it.
	debian_D D-blacklist blacklist.conf mod_foo

	# The tail of --show-config is the dump of the alias and symbol indexes.
	"$MODPROBE" -d "$root" -S "$kver" -C "$testdir/conf/empty.conf" -c \
		> "$testdir/debian-c.out" 2> /dev/null
	sed '1,/^# End of configuration files/d' "$testdir/debian-c.out" | sed '1d' \
		> "$testdir/debian-c.want"
	cat "$testdir/out/dump-alias" "$testdir/out/dump-symbol" > "$testdir/dump.got"
	is_file "$testdir/dump.got" "$testdir/debian-c.want" \
		"kmod_dump_index: alias and symbol dumps as in Debian's modprobe -c"
fi

done_testing

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Every tool under valgrind memcheck, on the fixture trees and under the trap:
# lsmod, rmmod, insmod, modprobe (load, remove, queries, configuration,
# detached signatures), modinfo, depmod, kmod static-nodes, sign, attach,
# detach, verify and show-sig, in their success and error paths.  Each run is
# asserted on its exit status and on something of its output, and memcheck
# must stay silent: no error, no leak of any kind (an error or a leak turns the
# exit status into 99).  test-insmod-valgrind.sh covers insmod in depth.

# The case_* helpers of modprobe-lib.sh are used by name: SC2034.
# shellcheck disable=SC2034
# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"
# shellcheck source=testsuite/modprobe-lib.sh
. "$top_srcdir/testsuite/modprobe-lib.sh"

kmod=$top_builddir/tools/kmod
bin=$top_builddir/tools
export LC_ALL=C

if sanitizer_build; then
	skip_all "$no_valgrind_reason"
fi
need_or_skip_all "valgrind" valgrind --version
need_or_skip_all "trap library" test -f "$TRAP_LIB"
need_or_skip_all "fixture modules" test -f "$fx/mod-foo.ko"
need_or_skip_all "kmod" test -x "$kmod"
need_or_skip_all "a depmod to index the tree ($DEPMOD)" test -x "$DEPMOD"

# valgrind's launcher runs under the trap too: let it reach its own files.
vg_dirs=$(dirname "$(command -v valgrind)"):/usr/libexec/valgrind:/usr/lib/x86_64-linux-gnu/valgrind
vg_opts=(-q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible
	--track-fds=no --log-file="$testdir/valgrind.%p")

# vg_report DESC: memcheck's findings of the last run (valgrind.PID files),
# as diagnostics, and one result: silent or not.
vg_report() {
	_rep=
	for _f in "$testdir"/valgrind.*; do
		[ -s "$_f" ] && _rep="$_rep$(cat "$_f")"
		rm -f "$_f"
	done
	if [ -z "$_rep" ]; then
		ok "$1: memcheck silent"
	else
		not_ok "$1: memcheck silent"
		diag "$_rep"
	fi
}

# check_output ERE DESC OUT: OUT matches ERE; ERE "-": OUT is empty.
check_output() {
	if [ "$1" = - ]; then
		is "$3" "" "$2: silent"
	else
		like "$3" "$1" "$2: output"
	fi
}

# vg RC ERE DESC CMD...: CMD under memcheck and the trap; its exit status is
# RC and its stdout and stderr together match ERE (check_output).
vg() {
	_want=$1 _ere=$2 _desc=$3
	shift 3
	TRAP_PASSTHROUGH=$top_builddir:$top_srcdir:$testdir:$vg_dirs \
		trap_run valgrind "${vg_opts[@]}" "$@"
	is "$trap_rc" "$_want" "$_desc: exit $_want"
	check_output "$_ere" "$_desc" "$trap_out$trap_err"
	vg_report "$_desc"
}

# vg_plain RC ERE DESC CMD...: the same without the trap (files of the test).
vg_plain() {
	_want=$1 _ere=$2 _desc=$3
	shift 3
	valgrind "${vg_opts[@]}" "$@" > "$testdir/stdout" 2> "$testdir/stderr" < /dev/null
	_rc=$?
	is "$_rc" "$_want" "$_desc: exit $_want"
	check_output "$_ere" "$_desc" "$(cat "$testdir/stdout" "$testdir/stderr")"
	vg_report "$_desc"
}

make_base
# A detached signature for mod-foo-a in the tree.
cp "$fx/mod-foo-a.ko.trailer" "$base$moddir/kernel/lib/mod-foo-a.ko.sig"

# ---- general -------------------------------------------------------------------

vg 0 '^kmod version' "kmod -V" "$kmod" -V
vg 0 'Usage:' "kmod --help" "$kmod" --help
vg 1 'unknown command|Usage' "kmod nosuch" "$kmod" nosuch

# ---- lsmod, rmmod, insmod ------------------------------------------------------

fresh
loaded mod_foo_a 1
loaded mod_foo_b 1
loaded mod_foo 0
held_by mod_foo_a mod_foo_b
held_by mod_foo_b mod_foo
vg 0 'mod_foo_a +16384 +1 mod_foo_b' "lsmod" "$bin/lsmod"
vg 0 'mod_foo_b' "kmod list" "$kmod" list
vg 1 'mod_foo_a.*(in use|is used by)' "rmmod of a module in use" "$bin/rmmod" mod_foo_a
vg 0 - "rmmod mod_foo" "$bin/rmmod" mod_foo
is "$(log)" "delete_module name=mod_foo flags=0x800" "rmmod mod_foo: one delete_module"
vg 1 'nope' "rmmod of a module not loaded" "$bin/rmmod" nope

fresh
mkdir -p "$testdir/m"
cp "$fx/mod-foo-a.ko" "$testdir/m/"
cp "$fx/mod-foo-a.ko.trailer" "$testdir/m/mod-foo-a.ko.sig"
vg 0 - "insmod with a detached .sig" "$bin/insmod" "$testdir/m/mod-foo-a.ko" aa=1
like "$(log)" '^init_module len=[0-9]+ .* params=aa=1$' "insmod with a .sig: init_module"
vg 1 'No such file|could not' "insmod of a missing file" "$bin/insmod" "$testdir/none.ko"

# ---- modprobe --------------------------------------------------------------------

fresh
conf opts <<- 'EOF'
	options mod-foo bar=1 baz="x y"
	alias myfoo mod-foo
	softdep dummy pre: mod-foo-a
	blacklist dummy
EOF
vg 0 '^insmod /lib/modules/.*/mod-foo.ko bar=1 baz="x y" $' "modprobe -n -v" \
	"$modprobe" -n -v myfoo
vg 0 - "modprobe with dependencies" "$modprobe" myfoo
is "$(log | cut -d' ' -f1 | tr '\n' ' ')" "init_module finit_module finit_module " \
	"modprobe myfoo: mod-foo-a from image + .sig, then b and mod-foo"
vg 0 'dummy' "modprobe --show-depends with softdep" "$modprobe" -D dummy
vg 0 'sig /lib/modules/.*/mod-foo-a.ko.sig' "modprobe -D --show-sigs" "$modprobe" -D --show-sigs mod-foo
vg 0 'options mod_foo bar=1 baz="x y"' "modprobe -c" "$modprobe" -c
vg 0 'mod_foo' "modprobe -R" "$modprobe" -R myfoo
vg 0 'foo_a_fn' "modprobe --show-exports" "$modprobe" --show-exports "$fx/mod-foo-a.ko"
vg 1 'could not get symbols of .*dummy.ko: No data available' "modprobe --show-exports, nothing exported" \
	"$modprobe" --show-exports "$fx/dummy.ko"
vg 0 'module_layout' "modprobe --show-modversions" "$modprobe" --show-modversions "$fx/mod-foo.ko"
vg 1 'not found' "modprobe of an unknown module" "$modprobe" nope
vg 1 'not found' "modprobe -a with one unknown" "$modprobe" -a mod-foo-a nope

fresh
loaded mod_foo_a
loaded mod_foo_b
loaded mod_foo
vg 0 - "modprobe -r with dependencies" "$modprobe" -r mod-foo
is "$(log | cut -d' ' -f2 | tr '\n' ' ')" "name=mod_foo name=mod_foo_a name=mod_foo_b " \
	"modprobe -r mod-foo: three delete_module calls"
vg 1 'Module dummy is not in kernel' "modprobe -r --first-time of a module not loaded" \
	"$modprobe" -r --first-time dummy

fresh
rm -f "$TRAP_ROOT$moddir"/modules.dep*
vg 1 'modules.dep|not found' "modprobe without modules.dep" "$modprobe" mod-foo

# ---- modinfo ----------------------------------------------------------------------

fresh
vg 0 'alias: +fixture:foo' "modinfo by name" "$bin/modinfo" mod-foo
vg 0 'sig_detached|signer|sig_key' "modinfo of a module with a .sig" "$bin/modinfo" mod-foo-a
vg 0 'signer|sig_key' "modinfo of an appended signature" "$bin/modinfo" "$fx/dummy-signed.ko"
vg 0 '^GPL$' "modinfo -F license" "$bin/modinfo" -F license "$fx/dummy.ko"
vg 0 'filename' "modinfo -0 of a .ko.xz" "$bin/modinfo" -0 "$fx/dummy-signed.ko.xz"
vg 0 'bfoo|builtin' "modinfo of a builtin" "$bin/modinfo" bfoo
vg 1 'not found' "modinfo of an unknown module" "$bin/modinfo" nope

# ---- depmod -----------------------------------------------------------------------

d=$testdir/dep
rm -rf "$d"
cp -a "$base" "$d"
rm -f "$d$moddir"/modules.*.bin "$d$moddir/modules.dep" "$d$moddir/modules.alias"
: > "$testdir/empty.conf"
vg_plain 0 - "depmod -b" "$bin/depmod" -C "$testdir/empty.conf" -b "$d" "$kver"
like "$(cat "$d$moddir/modules.dep")" 'kernel/fs/mod-foo.ko: kernel/fs/foo/mod-foo-b.ko kernel/lib/mod-foo-a.ko' \
	"depmod -b: modules.dep written"
vg_plain 0 'mod-foo-a.ko' "depmod -n" "$bin/depmod" -C "$testdir/empty.conf" -n -b "$d" "$kver"
vg_plain 0 - "depmod -A (up to date)" "$bin/depmod" -C "$testdir/empty.conf" -A -b "$d" "$kver"
vg_plain 0 - "depmod -a -o" "$bin/depmod" -C "$testdir/empty.conf" -a -b "$d" -o "$testdir/out" "$kver"
vg_plain 1 'nonexistent|No such|could not' "depmod on a missing tree" \
	"$bin/depmod" -C "$testdir/empty.conf" -b "$testdir/nonexistent" "$kver"

# ---- kmod static-nodes --------------------------------------------------------

fresh
printf '# Device nodes to trigger on-demand module loading.\nfuse fuse c10:229\nblkfoo blk/foo b8:0\n' \
	> "$TRAP_ROOT$moddir/modules.devname"
vg 0 'Module: fuse' "static-nodes" "$kmod" static-nodes
vg 0 - "static-nodes -f tmpfiles -o" \
	"$kmod" static-nodes -f tmpfiles -o /run/tmpfiles.d/kmod.conf
like "$(cat "$TRAP_ROOT/run/tmpfiles.d/kmod.conf" 2> /dev/null)" 'c! /dev/fuse 0600 - - - 10:229' \
	"static-nodes -o: written"
rm "$TRAP_ROOT$moddir/modules.devname"
vg 0 'modules.devname not found - ignoring' "static-nodes without modules.devname" \
	"$kmod" static-nodes

# ---- kmod sign / attach / detach / verify / show-sig ------------------------------

if "$kmod" -V | grep -q +LIBCRYPTO; then
	w=$testdir/w
	mkdir -p "$w"
	cp "$fx/dummy.ko" "$fx/dummy.ko.xz" "$fx/dummy-signed.ko" "$w/"
	vg_plain 0 - "sign" "$kmod" sign -k "$fx/key.pem" -c "$fx/cert.pem" "$w/dummy.ko"
	is_file "$w/dummy.ko.sig" "$fx/dummy.ko.trailer" "sign: the trailer, byte for byte"
	vg_plain 0 - "sign -a sha512 -f pkcs7 --keyid -o" "$kmod" sign -k "$fx/key.pem" \
		-c "$fx/cert.der" -a sha512 -f pkcs7 --keyid -o "$w/x.p7s" "$w/dummy.ko.xz"
	vg_plain 1 '.' "sign with an unknown digest" "$kmod" sign -k "$fx/key.pem" -c "$fx/cert.pem" \
		-a nosuch -o "$w/n.sig" "$w/dummy.ko"
	vg_plain 0 - "sign --append -o" "$kmod" sign --append -k "$fx/key.pem" -c "$fx/cert.pem" \
		-o "$w/appended.ko" "$w/dummy.ko"
	is_file "$w/appended.ko" "$fx/dummy-signed.ko" "sign --append: the signed module"
	vg_plain 0 'OK|good|valid' "verify" "$kmod" verify -c "$fx/cert.pem" "$w/dummy.ko"
	vg_plain 1 'dummy.ko.xz: FAILED: not signed' "verify -q --all, one unsigned" \
		"$kmod" verify -q -c "$fx/cert.pem" --all "$w"
	cp "$fx/badsig/flipped.sig" "$w/dummy.ko.sig"
	vg_plain 1 '.' "verify of a broken signature" "$kmod" verify -c "$fx/cert.pem" "$w/dummy.ko"
	vg_plain 0 'signer|Signer|sha256' "show-sig" "$kmod" show-sig "$w/dummy-signed.ko"
	rm -f "$w/dummy.ko.sig"
	vg_plain 0 - "detach" "$kmod" detach -o "$w/u.ko" -s "$w/u.sig" "$w/dummy-signed.ko"
	is_file "$w/u.ko" "$fx/dummy.ko" "detach: the unsigned image"
	vg_plain 0 - "attach" "$kmod" attach -o "$w/a.ko" "$w/u.ko" "$w/u.sig"
	is_file "$w/a.ko" "$fx/dummy-signed.ko" "attach: the signed module again"
	vg_plain 1 '.' "attach without a signature" "$kmod" attach "$w/dummy.ko"
else
	skip "kmod built without libcrypto: sign and verify"
fi

done_testing

#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The detached-signature policy on every load path of modprobe, under the
# syscall trap on the small tree of modprobe-lib.sh: the modprobe.d directive
# "detached_sig" against KMOD_DETACHED_SIG and --detached-sig in every
# combination (the configuration is a floor: ignore < auto < require), what
# modprobe -c prints, the policy handed to install commands and the nested
# modprobe they run, and the one warning about a kernel that does not
# enforce signatures.  The library's side (contexts, flags, run_install
# callbacks) is in test-libkmod-policy.c.

# The case_* functions are called by name: SC2317.
# Configuration lines hold literal $VARIABLES: SC2016.
# shellcheck disable=SC2034,SC2317,SC2016
# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"
# shellcheck source=testsuite/modprobe-lib.sh
. "$top_srcdir/testsuite/modprobe-lib.sh"

need_or_skip_all "trap library" test -f "$TRAP_LIB"
need_or_skip_all "fixture modules and key" test -f "$fx/mod-foo.ko" -a -f "$fx/key.pem"
need_or_skip_all "modprobe" test -x "$modprobe"
need_or_skip_all "a depmod to index the tree ($DEPMOD)" test -x "$DEPMOD"
make_base

a=kernel/lib/mod-foo-a.ko
b=kernel/fs/foo/mod-foo-b.ko
foo=kernel/fs/mod-foo.ko
dummy=kernel/drivers/dummy.ko

MAGIC='~Module signature appended~'
# shellcheck disable=SC2059 # the format is the byte
bytes() { for _b in "$@"; do printf "\\$(printf '%03o' "$_b")"; done; }
be32() { bytes $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }
tailhex() { tail -c 40 "$1" | od -An -tx1 -v | tr -d ' \n'; }
init_line() { # FILE PARAMS
	echo "init_module len=$(size "$1") sha256=$(sha256sum "$1" | cut -d' ' -f1) tail=$(tailhex "$1") params=$2"
}

# A full-trailer .sig for each mod-foo module; X.img is X.ko || its .sig.
sigs=$testdir/sigs
mkdir -p "$sigs"
for m in mod-foo-a mod-foo-b mod-foo; do
	openssl cms -sign -in "$fx/$m.ko" -signer "$fx/cert.pem" -inkey "$fx/key.pem" -binary \
		-noattr -nocerts -outform DER -md sha256 -out "$sigs/$m.p7s" ||
		echo "Bail out! cannot sign $m.ko"
	{
		cat "$sigs/$m.p7s"
		bytes 0 0 2 0 0 0 0 0
		be32 "$(size "$sigs/$m.p7s")"
		printf '%s\n' "$MAGIC"
	} > "$sigs/$m.sig"
	cat "$fx/$m.ko" "$sigs/$m.sig" > "$sigs/$m.img"
done

# signed PATH...: the tree's modules at those paths get their .sig
signed() {
	for _p in "$@"; do
		_m=${_p##*/}
		cp "$sigs/${_m%.ko}.sig" "$TRAP_ROOT$moddir/$_p.sig"
	done
}
# enforcing: the fake kernel is locked down (no warning about enforcement)
enforcing() {
	mkdir -p "$TRAP_ROOT/sys/kernel/security"
	echo "none [integrity] confidentiality" > "$TRAP_ROOT/sys/kernel/security/lockdown"
}

# Built without libcrypto, require cannot check a signature: it refuses the
# signed modules too, each with this (no system call).
crypto=yes
has_feature LIBCRYPTO || crypto=
nocrypto() { # PATH NAME: modprobe's lines for the module at PATH, named NAME
	printf '%s\n%s' "modprobe: ERROR: $moddir/$1.sig: refused by policy require: cannot check the signature: built without libcrypto" \
		"modprobe: ERROR: could not insert '$2': Can not access a needed shared library"
}

# ---- 1. configuration, environment and command line: every combination -------
#
# modprobe -a mod-foo-a dummy, a signed, dummy not: ignore loads both from
# their files, auto loads a with its .sig, require loads a and refuses dummy.

rank() { # POLICY: ignore 1 < auto 2 < require 3; nothing 0
	case $1 in
	ignore) echo 1 ;;
	auto) echo 2 ;;
	require) echo 3 ;;
	*) echo 0 ;;
	esac
}
stricter() { # A B
	if [ "$(rank "$2")" -gt "$(rank "$1")" ]; then echo "$2"; else echo "$1"; fi
}

n_combos=0
n_bad=0
for c in none ignore auto require requier; do
	for e in unset ignore auto require; do
		for o in none ignore auto require; do
			fresh
			enforcing
			signed "$a"
			[ "$c" != none ] && echo "detached_sig $c" | conf policy
			unset KMOD_DETACHED_SIG
			[ "$e" != unset ] && KMOD_DETACHED_SIG=$e && export KMOD_DETACHED_SIG
			args="-a mod-foo-a dummy"
			[ "$o" != none ] && args="--detached-sig=$o $args"
			run "$modprobe"
			unset KMOD_DETACHED_SIG

			# The expectation, worked out here independently of the library.
			asked=auto
			[ "$e" != unset ] && asked=$e
			[ "$o" != none ] && asked=$o
			floor=$c
			[ "$c" = requier ] && floor=require
			want=$(stricter "$asked" "$floor")
			case $want in
			ignore) calls="$(finit $a)
$(finit $dummy)" rc=0 ;;
			auto) calls="$(init_line "$sigs/mod-foo-a.img" "")
$(finit $dummy)" rc=0 ;;
			require) calls="$(init_line "$sigs/mod-foo-a.img" "")" rc=1 ;;
			esac
			[ "$want" = require ] && [ -z "$crypto" ] && calls=
			errs=
			[ "$c" = requier ] &&
				errs="/etc/modprobe.d/policy.conf line 1: detached_sig 'requier' is not one of auto, ignore, require: using require"
			if [ "$o" != none ] && [ "$want" != "$o" ]; then
				errs="$errs${errs:+
}modprobe: WARNING: --detached-sig=$o is weaker than detached_sig $want in the configuration: using $want"
			fi
			[ "$want" = require ] && [ -z "$crypto" ] && errs="$errs${errs:+
}$(nocrypto "$a" mod_foo_a)"
			[ "$want" = require ] && errs="$errs${errs:+
}modprobe: ERROR: $moddir/$dummy: refused by policy require: no appended signature and no detached signature $moddir/$dummy.sig"
			got_errs=$(printf '%s\n' "$trap_err" | grep -v "could not insert 'dummy'" |
				sed 's/^libkmod: ERROR: [a-z_]*: //')
			n_combos=$((n_combos + 1))
			if [ "$trap_rc|$(log)|$got_errs" != "$rc|$calls|$errs" ]; then
				n_bad=$((n_bad + 1))
				not_ok "config '$c', KMOD_DETACHED_SIG '$e', --detached-sig '$o': policy $want"
				_lib_diff "$rc|$calls|$errs" "$trap_rc|$(log)|$got_errs"
			fi
		done
	done
done
is "$n_bad" 0 "$n_combos combinations of detached_sig, KMOD_DETACHED_SIG and --detached-sig: the stricter of the configuration and the rest"

# The strictest of several lines, in any file, whatever their order.
fresh
enforcing
signed "$a"
echo "detached_sig require" | conf 10-strict
printf 'detached_sig ignore\ndetached_sig auto\n' | conf 20-lax
args="--detached-sig=ignore mod-foo-a"
run "$modprobe"
if [ -n "$crypto" ]; then
	is "$trap_rc|$(log)" "0|$(init_line "$sigs/mod-foo-a.img" "")" \
		"require in one file, ignore and auto in a later one: require"
else
	is "$trap_rc|$(log)|$trap_err" "1||modprobe: WARNING: --detached-sig=ignore is weaker than detached_sig require in the configuration: using require
$(nocrypto "$a" mod_foo_a)" \
		"require in one file, ignore and auto in a later one: require (built without libcrypto: refused)"
fi

# ---- 2. modprobe -c ------------------------------------------------------------

for c in "require:detached_sig auto|detached_sig require" "ignore:detached_sig ignore" \
	"auto:detached_sig auto|detached_sig ignore" "require:detached_sig   require  x"; do
	want=${c%%:*} lines=${c#*:}
	fresh
	printf '%s\n' "$lines" | tr '|' '\n' | conf policy
	echo 'alias myfoo mod-foo' | conf alias
	args="-c"
	run "$modprobe"
	is "$(printf '%s\n' "$trap_out" | sed -n '1,/^# End of configuration files/p')" \
		"alias myfoo mod_foo
detached_sig $want

# End of configuration files. Dumping indexes now:" \
		"modprobe -c with '$(printf '%s' "$lines" | tr '|' ';')': one line, detached_sig $want"
done
fresh
echo 'alias myfoo mod-foo' | conf alias
args="-c"
run "$modprobe"
is "$(printf '%s\n' "$trap_out" | grep -c detached_sig)" 0 "modprobe -c without the directive: no line (kmod's output)"

# ---- 3. install commands: the policy reaches the modprobe they run -------------
#
# mod-foo-a's install command notes KMOD_DETACHED_SIG and runs a nested
# modprobe of dummy, which has no .sig: under require the nested modprobe
# must refuse it, and the outer one fail.

SIGENV=$testdir/sigenv
export SIGENV
for how in "option:--detached-sig=require" "environment:KMOD_DETACHED_SIG=require" \
	"MODPROBE_OPTIONS:--detached-sig=require" "configuration:detached_sig require"; do
	via=${how%%:*} what=${how#*:}
	fresh
	enforcing
	echo 'install mod-foo-a echo "KMOD_DETACHED_SIG=$KMOD_DETACHED_SIG" >> "$SIGENV"; $MP --ignore-install dummy' |
		conf inst
	rm -f "$SIGENV"
	args="mod-foo-a"
	case $via in
	option) args="$what mod-foo-a" ;;
	environment) export KMOD_DETACHED_SIG=require ;;
	MODPROBE_OPTIONS) export MODPROBE_OPTIONS="$what" ;;
	configuration) echo "$what" | conf policy ;;
	esac
	run "$modprobe"
	unset KMOD_DETACHED_SIG MODPROBE_OPTIONS
	is "$trap_rc|$(log)|$(left)" "1||" "require by $via: the install command's modprobe loads nothing, the probe fails"
	is "$(cat "$SIGENV" 2> /dev/null)" "KMOD_DETACHED_SIG=require" \
		"require by $via: the install command runs with KMOD_DETACHED_SIG=require"
	like "$trap_err" "refused by policy require: no appended signature and no detached signature $moddir/$dummy.sig" \
		"require by $via: the nested modprobe says why"
done

# The environment of modprobe itself is left as it was for what follows.
fresh
enforcing
signed "$a"
echo 'install mod-foo-a echo "KMOD_DETACHED_SIG=${KMOD_DETACHED_SIG-unset}" >> "$SIGENV"; $MP --ignore-install mod-foo-a' |
	conf inst
rm -f "$SIGENV"
export KMOD_DETACHED_SIG=ignore
args="--detached-sig=auto mod-foo-a"
run "$modprobe"
unset KMOD_DETACHED_SIG
is "$trap_rc|$(log)|$(cat "$SIGENV")" "0|$(init_line "$sigs/mod-foo-a.img" "")|KMOD_DETACHED_SIG=auto" \
	"--detached-sig=auto over KMOD_DETACHED_SIG=ignore: the command gets auto, its modprobe uses the .sig"

# ---- 4. one warning about a kernel that does not enforce signatures -----------

fresh
signed "$a" "$b" "$foo"
args="--detached-sig=require mod-foo"
run "$modprobe"
if [ -z "$crypto" ]; then
	is "$trap_rc|$(log)|$trap_err" "1||$(nocrypto "$a" mod_foo)" \
		"require, three signed modules, built without libcrypto: the first dependency refused, nothing loaded, no warning"
	skip "require, the warning about a kernel that does not enforce signatures: built without libcrypto, no signed module loads"
	done_testing
fi
is "$trap_rc|$(log)" "0|$(init_line "$sigs/mod-foo-a.img" "")
$(init_line "$sigs/mod-foo-b.img" "")
$(init_line "$sigs/mod-foo.img" "")" "require, three signed modules: three init_module calls"
is "$trap_err" "modprobe: WARNING: policy require: the kernel does not enforce module signatures (sig_enforce N, no lockdown): a module whose signature it cannot verify (unknown key) still loads, tainted" \
	"require on a kernel without enforcement: one warning for three loads"
fresh
signed "$a" "$b" "$foo"
enforcing
args="--detached-sig=require mod-foo"
run "$modprobe"
is "$trap_rc|$trap_err" "0|" "require on a locked-down kernel: no warning"

done_testing

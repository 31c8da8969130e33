#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The demo: our insmod loads a module that ships unsigned, with its signature
# in a separate .sig file.  Dry form: the kernel's module system calls are
# answered by the test trap, which records exactly what the kernel would get.
set -euo pipefail

: "${top_builddir:?}"
fx=$top_builddir/testsuite/fixtures
trap_lib=$top_builddir/testsuite/.libs/trap.so
insmod=$top_builddir/tools/insmod
work=$(mktemp -d "${TMPDIR:-/tmp}/kmod-ds-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/sys/module"

size() { wc -c < "$1" | tr -d ' '; }
sha() { sha256sum "$1" | cut -c1-16; }

run() { # insmod ARGS...: show the command, its messages and the recorded syscall
	rm -f "$work/log" "$work/root/sys/module/dummy" -r
	echo "\$ insmod $*"
	set +e
	TRAP_LOG=$work/log TRAP_ROOT=$work/root TRAP_PASSTHROUGH="$top_builddir:$work" \
		LD_PRELOAD=$trap_lib "$insmod" "$@" 2>&1 | sed 's/^/  | /'
	local rc=${PIPESTATUS[0]}
	set -e
	echo "  exit status $rc"
	if [ -s "$work/log" ]; then
		sed -E 's/sha256=(.{16})[0-9a-f]*/sha256=\1…/; s/tail=[0-9a-f]*/tail=…/; s/^/  kernel got: /' "$work/log"
	else
		echo "  kernel got: nothing (refused before any system call)"
	fi
	echo
}

cp "$fx/dummy.ko" "$work/dummy.ko"
cp "$fx/dummy.ko.trailer" "$work/dummy.ko.sig"
signed_sha=$(sha "$fx/dummy-signed.ko")

echo "== kmod-ds demo: loading a module with a detached signature =="
echo
echo "$("$insmod" --version | tr '\n' ' ')"
echo "dummy.ko      $(size "$work/dummy.ko") bytes, unsigned ELF module (built by the testsuite)"
echo "dummy.ko.sig  $(size "$work/dummy.ko.sig") bytes, full trailer: PKCS#7 + info block + marker"
echo "              signer: $(openssl x509 -in "$fx/cert.pem" -noout -subject 2> /dev/null | sed 's/^subject=//')"
echo "signed image (dummy.ko + signature) sha256 $signed_sha…"
echo
run "$work/dummy.ko"
echo "  => the kernel received one buffer, sha256 $signed_sha…: the module followed by its signature."
echo

echo "-- the same module compressed with xz, signature as bare PKCS#7 (sign-file -d) --"
rm "$work/dummy.ko" "$work/dummy.ko.sig"
cp "$fx/dummy.ko.xz" "$work/dummy.ko.xz"
cp "$fx/dummy.ko.p7s" "$work/dummy.ko.xz.sig"
run "$work/dummy.ko.xz"
echo "  => decompressed in userspace, info block and marker built by libkmod: the same sha256."
echo

echo "-- without a .sig: exactly kmod (finit_module on the file) --"
rm "$work/dummy.ko.xz.sig"
cp "$fx/dummy.ko" "$work/plain.ko"
run "$work/plain.ko"

echo "-- a stale or tampered .sig that is not even well formed is refused --"
cp "$fx/badsig/truncated.sig" "$work/plain.ko.sig"
run "$work/plain.ko"

echo "-- policy require: no signature at all, refused before the kernel sees it --"
rm "$work/plain.ko.sig"
run --detached-sig=require "$work/plain.ko"

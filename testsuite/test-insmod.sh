#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# insmod and the loading path of libkmod under the syscall trap: every way a
# module and its detached signature reach the kernel, asserted on the exact
# system call (buffer length, SHA-256, last 40 bytes, flags, parameters),
# every malformed .sig and policy, kernel errors and messages.

# shellcheck disable=SC2034
# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

fx=$top_builddir/testsuite/fixtures
insmod=$top_builddir/tools/insmod

need_or_skip_all "trap library" test -f "$TRAP_LIB"
need_or_skip_all "fixture modules" test -f "$fx/dummy.ko"
need_or_skip_all "insmod" test -x "$insmod"

unset TRAP_RESULTS TRAP_UNAME_R KMOD_DETACHED_SIG
TRAP_LOG=$testdir/trap.log
TRAP_ROOT=$testdir/root
m=$testdir/m

size() { wc -c < "$1" | tr -d ' '; }
tailhex() { tail -c 40 "$1" | od -An -tx1 -v | tr -d ' \n'; }
init_line() { # FILE PARAMS: the log line of init_module given FILE's bytes
	echo "init_module len=$(size "$1") sha256=$(sha256sum "$1" | cut -d' ' -f1) tail=$(tailhex "$1") params=$2"
}
log() { cat "$TRAP_LOG" 2> /dev/null; }

# fresh MODULE [SIG]: an empty root and a module (and .sig) in $m
fresh() {
	rm -rf "$m" "$TRAP_ROOT" "$TRAP_LOG"
	mkdir -p "$m" "$TRAP_ROOT/sys/module" "$TRAP_ROOT/proc"
	unset TRAP_RESULTS
	cp "$fx/$1" "$m/$2"
	if [ -n "${3:-}" ]; then
		cp "$fx/$3" "$m/$2.sig"
	fi
}
kernel_decompresses() { echo "$1" > "$TRAP_ROOT/sys/module/compression"; }
# KMOD_TEST_VALGRIND=1 runs every insmod under memcheck: any error or leak
# turns the exit status into 99, which the assertions then catch.
if [ "${KMOD_TEST_VALGRIND:-0}" = 1 ]; then
	need_or_skip_all "valgrind" valgrind --version
	# valgrind's launcher runs under the trap too: let it reach its own files.
	vg_dirs=$(dirname "$(command -v valgrind)"):/usr/libexec/valgrind:/usr/lib/x86_64-linux-gnu/valgrind
	insmod() {
		TRAP_PASSTHROUGH=$top_builddir:$top_srcdir:$testdir:$vg_dirs trap_run valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite,indirect,possible \
			--log-file="$testdir/valgrind.%p" "$insmod" "$@"
		for f in "$testdir"/valgrind.*; do
			[ -s "$f" ] && sed 's/^/# /' "$f"
			rm -f "$f"
		done
	}
else
	insmod() { trap_run "$insmod" "$@"; }
fi

features=$("$insmod" -V | tail -n 1)
# supported EXT: this build decompresses .ko.EXT in userspace
supported() {
	case "$1" in
	ko) return 0 ;;
	xz) feat=XZ ;;
	gz) feat=ZLIB ;;
	zst) feat=ZSTD ;;
	esac
	case " $features " in *" +$feat "*) return 0 ;; esac
	return 1
}
# check_load EXT DESC WANT_LOG: the load as expected, or, when this build
# cannot decompress EXT, a clear refusal before any system call.
check_load() {
	if supported "$1"; then
		is "$trap_rc:$(log)" "0:$3" "$2"
	else
		is "$trap_rc:$(log)" "1:" "$2 (no $1 support: refused, no syscall)"
		like "$trap_err" "compression not supported by this build" "$2 (no $1 support: says why)"
	fi
}

cat "$fx/dummy.ko" "$fx/dummy.ko.trailer" > "$testdir/assembled"
cmp -s "$testdir/assembled" "$fx/dummy-signed.ko" ||
	echo "Bail out! fixture dummy-signed.ko is not dummy.ko + trailer"

# ---- 1. a .sig makes one buffer: image + trailer, through init_module --------

for variant in "dummy.ko:dummy.ko" "dummy.ko.xz:dummy.ko.xz" "dummy.ko.gz:dummy.ko.gz" \
	"dummy.ko.zst:dummy.ko.zst" "dummy.ko.xz:renamed.ko"; do
	src=${variant%%:*} dst=${variant#*:}
	for format in trailer p7s; do
		fresh "$src" "$dst" "dummy.ko.$format"
		insmod "$m/$dst"
		ext=${src##*.}
		supported "$ext" && is "$trap_err" "" "$dst + $format .sig: silent"
		check_load "$ext" "$dst + $format .sig: init_module(uncompressed image || trailer), byte for byte" \
			"$(init_line "$testdir/assembled" "")"
	done
done

# Compressed, and the kernel could decompress it itself: the .sig still forces init_module.
fresh dummy.ko.xz dummy.ko.xz dummy.ko.trailer
kernel_decompresses xz
insmod "$m/dummy.ko.xz"
check_load xz "xz + .sig on an xz-decompressing kernel: still init_module with the trailer" \
	"$(init_line "$testdir/assembled" "")"

# A proposed hash-proof trailer (id_type 3) is passed through as is.
fresh dummy.ko dummy.ko badsig/idtype3.sig
insmod "$m/dummy.ko"
cat "$fx/dummy.ko" "$fx/badsig/idtype3.sig" > "$testdir/expect"
is "$trap_rc:$(log)" "0:$(init_line "$testdir/expect" "")" "id_type 3 trailer appended unchanged"

# ---- 2. without a .sig: kmod's behaviour --------------------------------------

fresh dummy.ko dummy.ko
insmod "$m/dummy.ko"
is "$trap_rc:$(log)" "0:finit_module file=$m/dummy.ko flags=0 params=" "plain, no .sig: finit_module(fd, \"\", 0)"

fresh dummy.ko.xz dummy.ko.xz
kernel_decompresses xz
insmod "$m/dummy.ko.xz"
is "$(log)" "finit_module file=$m/dummy.ko.xz flags=4 params=" \
	"xz, kernel decompresses xz: finit_module with MODULE_INIT_COMPRESSED_FILE"

for c in "gz:xz" "xz:gzip" "zst:" "gz:"; do
	ext=${c%%:*} kc=${c#*:}
	fresh "dummy.ko.$ext" "dummy.ko.$ext"
	[ -n "$kc" ] && kernel_decompresses "$kc"
	insmod "$m/dummy.ko.$ext"
	check_load "$ext" ".ko.$ext, kernel decompresses '${kc:-nothing}': userspace decompression, init_module" \
		"$(init_line "$fx/dummy.ko" "")"
done

fresh dummy.ko dummy.ko
TRAP_RESULTS="finit_module=ENOSYS"
insmod "$m/dummy.ko"
is "$trap_rc:$(log)" "0:finit_module file=$m/dummy.ko flags=0 params=
$(init_line "$fx/dummy.ko" "")" "finit_module ENOSYS: falls back to init_module"

# ---- 3. a module that is signed already keeps its own signature ---------------

fresh dummy-signed.ko dummy.ko dummy.ko.trailer
insmod -vv "$m/dummy.ko"
is "$trap_rc:$(log)" "0:finit_module file=$m/dummy.ko flags=0 params=" \
	"signed module + .sig: no second trailer, finit_module of the file"
like "$trap_err" "NOTICE: $m/dummy.ko already carries a signature: $m/dummy.ko.sig not appended" \
	"signed module + .sig: a notice names both files"

fresh dummy-signed.ko.xz dummy.ko.xz dummy.ko.p7s
insmod "$m/dummy.ko.xz"
check_load xz "signed .ko.xz + .sig: the decompressed signed image alone" \
	"$(init_line "$fx/dummy-signed.ko" "")"

# ---- 4. forced loads never send the .sig --------------------------------------

fresh dummy.ko dummy.ko dummy.ko.trailer
insmod -v -f "$m/dummy.ko"
is "$trap_rc:$(log)" "0:finit_module file=$m/dummy.ko flags=3 params=" \
	"-f with .sig: finit_module with both IGNORE flags, no trailer"
like "$trap_err" "WARNING: $m/dummy.ko: forced load: detached signature $m/dummy.ko.sig dropped" \
	"-f with .sig: warns that the signature was dropped"

fresh dummy.ko dummy.ko
insmod --force-modversion "$m/dummy.ko"
is "$(log)" "finit_module file=$m/dummy.ko flags=1 params=" "--force-modversion: flags=1"
fresh dummy.ko dummy.ko
insmod --force-vermagic "$m/dummy.ko"
is "$(log)" "finit_module file=$m/dummy.ko flags=2 params=" "--force-vermagic: flags=2"

# On the init_module path the force edits a private copy: the file stays intact.
fresh dummy.ko dummy.ko dummy.ko.trailer
TRAP_RESULTS="finit_module=ENOSYS"
insmod -f "$m/dummy.ko"
got=$(log | sed -n 2p)
want_len="init_module len=$(size "$fx/dummy.ko") "
case "$got" in
"$want_len"*) ok "-f on init_module path: image without trailer, same length" ;;
*) not_ok "-f on init_module path: image without trailer, same length" && diag "$got" ;;
esac
if [ "$got" != "$(init_line "$fx/dummy.ko" "")" ] && cmp -s "$m/dummy.ko" "$fx/dummy.ko"; then
	ok "-f on init_module path: buffer stripped, file untouched"
else
	not_ok "-f on init_module path: buffer stripped, file untouched"
fi

# ---- 5. malformed .sig: refused before any syscall ----------------------------

for bad in "empty:empty" "truncated:" "garbage:" "badmagic:" "nonzero-algo:non-zero reserved fields" \
	"idtype1:unsupported signature type 1" "siglen-big:" "siglen-small:" "derlen-mismatch:" \
	"oversized:larger than 65536 bytes"; do
	name=${bad%%:*} why=${bad#*:}
	fresh dummy.ko dummy.ko "badsig/$name.sig"
	insmod "$m/dummy.ko"
	is "$trap_rc:$(log)" "1:" "$name.sig: exit 1, no system call"
	like "$trap_err" "^insmod: ERROR: $m/dummy.ko.sig: .*${why}" "$name.sig: message names the .sig${why:+ and says '$why'}"
	like "$trap_err" "insmod: ERROR: could not insert module $m/dummy.ko: " "$name.sig: insmod reports the failure"
	is "$(wc -l < "$testdir/stderr")" 2 "$name.sig: two whole lines on stderr"
done

fresh dummy.ko dummy.ko
mkfifo "$m/dummy.ko.sig"
timeout 20 "$SHELL" -c ". '$top_srcdir/testsuite/lib.sh' >/dev/null; true" # lib loads without hanging
TRAP_LOG=$TRAP_LOG TRAP_ROOT=$TRAP_ROOT TRAP_PASSTHROUGH=$top_builddir:$testdir LD_PRELOAD=$TRAP_LIB \
	timeout 20 "$insmod" "$m/dummy.ko" > /dev/null 2> "$testdir/fifo.err"
is "$?:$(log)" "1:" "FIFO as .sig: no hang, exit 1, no system call"
like "$(cat "$testdir/fifo.err")" "$m/dummy.ko.sig: not a regular file" "FIFO as .sig: named and explained"

fresh dummy.ko dummy.ko
mkdir "$m/dummy.ko.sig"
insmod "$m/dummy.ko"
is "$trap_rc:$(log)" "1:" "directory as .sig: refused before any syscall"

fresh dummy.ko dummy.ko
ln -s /dev/null "$m/dummy.ko.sig"
insmod "$m/dummy.ko"
is "$trap_rc:$(log)" "1:" "/dev/null symlinked as .sig: refused before any syscall"

# ---- 6. policies ----------------------------------------------------------------

fresh dummy.ko dummy.ko dummy.ko.trailer
insmod --detached-sig=ignore "$m/dummy.ko"
is "$trap_rc:$(log)" "0:finit_module file=$m/dummy.ko flags=0 params=" "--detached-sig=ignore: plain kmod, .sig unused"

fresh dummy.ko dummy.ko badsig/garbage.sig
KMOD_DETACHED_SIG=ignore insmod "$m/dummy.ko"
is "$trap_rc:$(log)" "0:finit_module file=$m/dummy.ko flags=0 params=" "KMOD_DETACHED_SIG=ignore: a garbage .sig is not even read"

fresh dummy.ko dummy.ko
insmod --detached-sig=require "$m/dummy.ko"
is "$trap_rc:$(log)" "1:" "require, unsigned, no .sig: refused before any syscall"
like "$trap_err" "$m/dummy.ko: refused by policy require: no appended signature and no detached signature $m/dummy.ko.sig" \
	"require: the message says why"

fresh dummy.ko dummy.ko
KMOD_DETACHED_SIG=require insmod "$m/dummy.ko"
is "$trap_rc:$(log)" "1:" "KMOD_DETACHED_SIG=require: refused before any syscall"

fresh dummy.ko dummy.ko
KMOD_DETACHED_SIG=requier insmod "$m/dummy.ko"
is "$trap_rc:$(log)" "1:" "KMOD_DETACHED_SIG with a typo: read as require, not as auto"
like "$trap_err" "KMOD_DETACHED_SIG='requier' is not one of auto, ignore, require: using require" \
	"KMOD_DETACHED_SIG with a typo: reported"

fresh dummy.ko.xz dummy.ko.xz dummy.ko.p7s
insmod --detached-sig=require "$m/dummy.ko.xz"
check_load xz "require with a .sig: loads image + trailer" "$(init_line "$testdir/assembled" "")"

fresh dummy-signed.ko.xz dummy.ko.xz
kernel_decompresses xz
insmod --detached-sig=require "$m/dummy.ko.xz"
check_load xz "require, signed .ko.xz without .sig: checked in userspace, loaded by the kernel from the file" \
	"finit_module file=$m/dummy.ko.xz flags=4 params="

fresh dummy.ko dummy.ko dummy.ko.trailer
insmod --detached-sig=require -f "$m/dummy.ko"
is "$trap_rc:$(log)" "1:" "require + force: refused (the kernel would ignore the signature)"

fresh dummy.ko dummy.ko
insmod --detached-sig=sometimes "$m/dummy.ko"
is "$trap_rc:$(log):$trap_err" "1::insmod: ERROR: invalid --detached-sig value 'sometimes': expected auto, ignore or require" \
	"--detached-sig with an unknown value"

# ---- 6b. require: a complete PKCS#7 module signature, or nothing ----------------
#
# What reaches the kernel under require must be a trailer by the kernel's rules
# with id_type 2 whose data libcrypto parses as CMS SignedData with a
# SignerInfo, a digest the kernel verifies module signatures with and no byte
# after the DER.  Each refusal: exit 1, no system call, the module or the .sig
# named with the problem, and insmod's line with the errno.

MAGIC='~Module signature appended~'
# shellcheck disable=SC2059 # the format is the byte
bytes() { for _b in "$@"; do printf "\\$(printf '%03o' "$_b")"; done; }
be32() { bytes $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }
# sig_trailer DATA IDTYPE SIGLEN: DATA, the info block and the marker
sig_trailer() { cat "$1" && bytes 0 0 "$2" 0 0 0 0 0 && be32 "$3" && printf '%s\n' "$MAGIC"; }
# sign_md DIGEST OUT [openssl cms options]: a bare PKCS#7 of dummy.ko with that digest
sign_md() {
	_md=$1 _out=$2
	shift 2
	openssl cms -sign -in "$fx/dummy.ko" -signer "$fx/cert.pem" -inkey "$fx/key.pem" -binary \
		-nocerts -outform DER -md "$_md" -out "$_out" "$@" 2> "$testdir/openssl.err" || {
		diag "openssl cms -sign -md $_md failed: $(cat "$testdir/openssl.err")"
		rm -f "$_out"
	}
}
rq=$testdir/require
mkdir -p "$rq"
p7s_len=$(size "$fx/dummy.ko.p7s")
{ cat "$fx/dummy.ko" && printf '%s\n' "$MAGIC"; } > "$rq/marker-only.ko"
# 100 fixed pseudo-random bytes as the proof of the proposed hash-based scheme
head -c 100 "$fx/badsig/garbage.sig" > "$rq/random100"
sig_trailer "$rq/random100" 3 100 > "$rq/proof.sig"
# SEQUENCE { OID signedData }: the right first 13 bytes, nothing signed
bytes 0x30 0x0b 0x06 0x09 0x2a 0x86 0x48 0x86 0xf7 0x0d 0x01 0x07 0x02 > "$rq/stub13.sig"
# a certificates-only (degenerate) SignedData: no SignerInfo
openssl crl2pkcs7 -nocrl -certfile "$fx/cert.pem" -outform DER -out "$rq/nosigner.sig"
sign_md md5 "$rq/md5.sig" -noattr
sign_md sha256 "$rq/attrs.sig"
for md in sha1 sha224 sha384 sha512 sha3-256; do
	sign_md "$md" "$rq/$md.p7s" -noattr
done
# the DER followed by 5 bytes, all inside sig_len: in the module, and as a .sig
{ cat "$fx/dummy.ko.p7s" && printf 'extra'; } > "$rq/p7s+5"
sig_trailer "$rq/p7s+5" 2 $((p7s_len + 5)) > "$rq/trailing.sig"
cat "$fx/dummy.ko" "$rq/trailing.sig" > "$rq/trailing.ko"

# refused DESC WANT-STDERR-ERE: the last insmod was refused before any system call
refused() {
	is "$trap_rc:$(log)" "1:" "$1: exit 1, no system call"
	like "$trap_err" "$2" "$1: the message"
}
# loads_with DESC FILE: the last insmod sent FILE's bytes to init_module
loads_with() {
	is "$trap_rc:$(log)" "0:$(init_line "$2" "")" "$1: init_module(image || trailer)"
}
# Built without libcrypto, require cannot check a signature, so it refuses
# every one that gets as far as the check, the valid ones too.
crypto=yes
has_feature LIBCRYPTO || crypto=
# refused_nocrypto DESC WHO: the last insmod refused so; WHO names the file
# and the policy, as the message does
refused_nocrypto() {
	is "$trap_rc:$(log)" "1:" "$1, built without libcrypto: exit 1, no system call"
	is "$trap_err" "insmod: ERROR: $2: cannot check the signature: built without libcrypto
insmod: ERROR: could not insert module $m/dummy.ko: Can not access a needed shared library" \
		"$1, built without libcrypto: the message, and nothing else"
}

fresh dummy.ko dummy.ko
cp "$rq/marker-only.ko" "$m/dummy.ko"
insmod --detached-sig=require "$m/dummy.ko"
refused "require, the marker alone appended" \
	"^insmod: ERROR: $m/dummy.ko: refused by policy require: appended signature: .+
insmod: ERROR: could not insert module $m/dummy.ko: Bad message\$"
insmod "$m/dummy.ko"
is "$trap_rc:$(log)" "0:finit_module file=$m/dummy.ko flags=0 params=" \
	"auto, the marker alone: the kernel decides, as before"

fresh dummy.ko dummy.ko
cp "$rq/proof.sig" "$m/dummy.ko.sig"
insmod --detached-sig=require "$m/dummy.ko"
refused "require, .sig of type 3 (100 random bytes)" \
	"^insmod: ERROR: $m/dummy.ko.sig: refused by policy require: a hash proof \\(id_type 3\\) is not a signature
insmod: ERROR: could not insert module $m/dummy.ko: Required key not available\$"
insmod "$m/dummy.ko"
cat "$fx/dummy.ko" "$rq/proof.sig" > "$rq/expect"
loads_with "auto, .sig of type 3: passed through as before" "$rq/expect"

for c in "stub13:not a DER CMS/PKCS#7 structure \\(libcrypto: .+\\):Bad message" \
	"nosigner:CMS SignedData without a SignerInfo:Bad message" \
	"md5:digest algorithm MD5 is not one the kernel verifies module signatures with:Package not installed" \
	"attrs:signed attributes, which the kernel refuses in a module signature:Bad message"; do
	name=${c%%:*} rest=${c#*:} why=${rest%:*} strerr=${rest##*:}
	if [ ! -s "$rq/$name.sig" ]; then
		not_ok "require, $name .sig: could not be made"
		continue
	fi
	fresh dummy.ko dummy.ko
	cp "$rq/$name.sig" "$m/dummy.ko.sig"
	insmod --detached-sig=require "$m/dummy.ko"
	if [ -z "$crypto" ]; then
		refused_nocrypto "require, $name .sig" "$m/dummy.ko.sig: refused by policy require"
		continue
	fi
	refused "require, $name .sig" "^insmod: ERROR: $m/dummy.ko.sig: refused by policy require: $why
insmod: ERROR: could not insert module $m/dummy.ko: $strerr\$"
done

fresh dummy.ko dummy.ko
cp "$rq/stub13.sig" "$m/dummy.ko.sig"
insmod "$m/dummy.ko"
cat "$fx/dummy.ko" "$rq/stub13.sig" > "$rq/expect"
bytes 0 0 2 0 0 0 0 0 >> "$rq/expect"
be32 13 >> "$rq/expect"
printf '%s\n' "$MAGIC" >> "$rq/expect"
loads_with "auto, the 13-byte stub: sent as before (the kernel refuses it)" "$rq/expect"

fresh dummy.ko dummy.ko
cp "$rq/trailing.ko" "$m/dummy.ko"
insmod --detached-sig=require "$m/dummy.ko"
if [ -n "$crypto" ]; then
	refused "require, 5 bytes after the DER in the module's own signature" \
		"^insmod: ERROR: $m/dummy.ko: refused by policy require: appended signature: 5 bytes after the end of the DER signature \\($p7s_len bytes\\)
insmod: ERROR: could not insert module $m/dummy.ko: Bad message\$"
else
	refused_nocrypto "require, 5 bytes after the DER in the module's own signature" \
		"$m/dummy.ko: refused by policy require: appended signature"
fi
fresh dummy.ko dummy.ko
cp "$rq/trailing.sig" "$m/dummy.ko.sig"
insmod --detached-sig=require "$m/dummy.ko"
refused "require, 5 bytes after the DER in the .sig" \
	"^insmod: ERROR: $m/dummy.ko.sig: malformed signature: DER length $p7s_len does not match signature length $((p7s_len + 5))
insmod: ERROR: could not insert module $m/dummy.ko: Bad message\$"

# libcrypto cannot be loaded: require cannot check, so it refuses; auto does not need it.
for c in "dummy.ko:dummy.ko.trailer:.sig" "dummy-signed.ko::appended signature"; do
	mod=${c%%:*} rest=${c#*:} sig=${rest%%:*} what=${rest#*:}
	fresh "$mod" dummy.ko $sig
	TRAP_DLOPEN_FAIL='libcrypto.so*' insmod --detached-sig=require "$m/dummy.ko"
	named=$m/dummy.ko.sig
	[ -z "$sig" ] && named="$m/dummy.ko: refused by policy require: appended signature"
	[ -n "$sig" ] && named="$named: refused by policy require"
	if [ -z "$crypto" ]; then
		refused_nocrypto "require, libcrypto unavailable, $what" "$named"
		continue
	fi
	refused "require, libcrypto unavailable, $what" \
		"^insmod: ERROR: $named: cannot check the signature: libcrypto unavailable \\(libcrypto\\.so[^ ]*: cannot open shared object file: No such file or directory\\)
insmod: ERROR: could not insert module $m/dummy.ko: Can not access a needed shared library\$"
done
fresh dummy.ko dummy.ko dummy.ko.trailer
TRAP_DLOPEN_FAIL='libcrypto.so*' insmod "$m/dummy.ko"
loads_with "auto, libcrypto unavailable: loads as before" "$testdir/assembled"

# What the kernel verifies passes: every digest of its list, both formats, appended.
for md in sha1 sha224 sha384 sha512 sha3-256; do
	if [ ! -s "$rq/$md.p7s" ]; then
		not_ok "require, $md signature: could not be made"
		continue
	fi
	for format in trailer p7s; do
		fresh dummy.ko dummy.ko
		if [ "$format" = p7s ]; then
			cp "$rq/$md.p7s" "$m/dummy.ko.sig"
		else
			sig_trailer "$rq/$md.p7s" 2 "$(size "$rq/$md.p7s")" > "$m/dummy.ko.sig"
		fi
		insmod --detached-sig=require "$m/dummy.ko"
		if [ -z "$crypto" ]; then
			refused_nocrypto "require, $md signature, $format .sig" "$m/dummy.ko.sig: refused by policy require"
			continue
		fi
		sig_trailer "$rq/$md.p7s" 2 "$(size "$rq/$md.p7s")" > "$rq/t"
		cat "$fx/dummy.ko" "$rq/t" > "$rq/expect"
		loads_with "require, $md signature, $format .sig" "$rq/expect"
	done
done
fresh dummy-signed.ko dummy.ko
insmod --detached-sig=require "$m/dummy.ko"
if [ -n "$crypto" ]; then
	is "$trap_rc:$(log)" "0:finit_module file=$m/dummy.ko flags=0 params=" \
		"require, a module signed in place: checked, then loaded from the file"
else
	refused_nocrypto "require, a module signed in place" "$m/dummy.ko: refused by policy require: appended signature"
fi
fresh dummy-signed.ko dummy.ko dummy.ko.p7s
insmod --detached-sig=require "$m/dummy.ko"
if [ -n "$crypto" ]; then
	is "$trap_rc:$(log)" "0:finit_module file=$m/dummy.ko flags=0 params=" \
		"require, a signed module with a .sig: its own signature checked and used"
else
	refused_nocrypto "require, a signed module with a .sig" "$m/dummy.ko: refused by policy require: appended signature"
fi

# A kernel that does not enforce signatures: one warning, only when a load goes ahead.
warning="insmod: WARNING: policy require: the kernel does not enforce module signatures (sig_enforce N, no lockdown): a module whose signature it cannot verify (unknown key) still loads, tainted"
for c in "N:[none] integrity confidentiality:warn" "N::warn" ":[none] integrity confidentiality:warn" \
	"Y:[none] integrity confidentiality:" "N:none [integrity] confidentiality:" \
	"Y:none integrity [confidentiality]:"; do
	enf=${c%%:*} rest=${c#*:} lock=${rest%:*} want=${rest##*:}
	fresh dummy.ko dummy.ko dummy.ko.trailer
	mkdir -p "$TRAP_ROOT/sys/module/module/parameters" "$TRAP_ROOT/sys/kernel/security"
	[ -n "$enf" ] && echo "$enf" > "$TRAP_ROOT/sys/module/module/parameters/sig_enforce"
	[ -n "$lock" ] && echo "$lock" > "$TRAP_ROOT/sys/kernel/security/lockdown"
	insmod --detached-sig=require "$m/dummy.ko"
	desc="sig_enforce '${enf:-(none)}', lockdown '${lock:-(none)}'"
	if [ -z "$crypto" ]; then
		# refused before the kernel's enforcement matters: no warning
		refused_nocrypto "require, $desc" "$m/dummy.ko.sig: refused by policy require"
	elif [ -n "$want" ]; then
		is "$trap_rc:$trap_err" "0:$warning" "require, $desc: loads, and warns once"
	else
		is "$trap_rc:$trap_err" "0:" "require, $desc: loads, no warning"
	fi
	if [ -n "$want" ]; then
		fresh dummy.ko dummy.ko dummy.ko.trailer
		mkdir -p "$TRAP_ROOT/sys/module/module/parameters"
		echo N > "$TRAP_ROOT/sys/module/module/parameters/sig_enforce"
		insmod "$m/dummy.ko"
		is "$trap_rc:$trap_err" "0:" "auto, $desc: no warning"
		fresh dummy.ko dummy.ko
		mkdir -p "$TRAP_ROOT/sys/module/module/parameters"
		echo N > "$TRAP_ROOT/sys/module/module/parameters/sig_enforce"
		insmod --detached-sig=require "$m/dummy.ko"
		is "$(printf '%s\n' "$trap_err" | grep -c WARNING)" 0 "require, $desc, refused load: no warning"
	fi
done

# ---- 7. kernel errors with a .sig in play ---------------------------------------

for e in "EKEYREJECTED:signature rejected by the kernel \\(stale .sig or wrong key\\?\\):Key was rejected by service" \
	"EBADMSG:malformed signature:Bad message" \
	"ENOKEY:signer's key not trusted by the kernel:Required key not available" \
	"EPERM:kernel policy \\(lockdown, LoadPin, IMA\\) refuses buffer loads; a detached signature needs init_module:Operation not permitted" \
	"EACCES:kernel policy \\(lockdown, LoadPin, IMA\\) refuses buffer loads:Permission denied"; do
	errno=${e%%:*} rest=${e#*:} text=${rest%:*} strerr=${rest##*:}
	fresh dummy.ko dummy.ko dummy.ko.trailer
	TRAP_RESULTS="init_module=$errno"
	insmod "$m/dummy.ko"
	is "$trap_rc" 1 "kernel says $errno: exit 1"
	like "$trap_err" "^insmod: ERROR: $m/dummy.ko.sig: $text" "kernel says $errno: message names the .sig"
	like "$trap_err" "insmod: ERROR: could not insert module $m/dummy.ko: $strerr\$" "kernel says $errno: insmod's line"
done

fresh dummy.ko dummy.ko
TRAP_RESULTS="finit_module=EKEYREJECTED"
insmod "$m/dummy.ko"
like "$trap_err" "^insmod: ERROR: $m/dummy.ko: rejected by the kernel: unsigned or signed with an untrusted key, and no detached signature $m/dummy.ko.sig" \
	"unsigned without .sig, kernel enforces: the message says so"

# ---- 8. arguments, messages, exit codes ---------------------------------------

fresh dummy.ko dummy.ko dummy.ko.p7s
insmod "$m/dummy.ko" foo=1 'bar=a b' 'baz="c d"' "qux='e f'"
is "$(log)" "$(init_line "$testdir/assembled" "foo=1 bar=\"a b\" baz=\"c d\" qux='e f'")" \
	"module parameters joined and quoted, a quoted value kept as it is"

fresh dummy.ko dummy.ko
TRAP_RESULTS="finit_module=EEXIST"
insmod "$m/dummy.ko"
is "$trap_rc:$trap_err" "1:insmod: ERROR: could not insert module $m/dummy.ko: File exists" "already loaded"

for e in "ENOEXEC:Invalid module format" "ENOENT:Unknown symbol in module" \
	"ESRCH:Module has wrong symbol version" "EINVAL:Invalid parameters"; do
	fresh dummy.ko dummy.ko
	TRAP_RESULTS="finit_module=${e%%:*}"
	insmod "$m/dummy.ko"
	is "$trap_rc:$trap_err" "1:insmod: ERROR: could not insert module $m/dummy.ko: ${e#*:}" "${e%%:*} message"
done

fresh dummy.ko dummy.ko
insmod "$m/missing.ko"
is "$trap_rc:$trap_err:$(log)" "1:insmod: ERROR: could not load module $m/missing.ko: No such file or directory:" "missing file"
insmod
is "$trap_rc:$trap_err" "1:insmod: ERROR: missing filename." "no argument"
insmod -
is "$trap_rc:$trap_err" "1:insmod: ERROR: this tool does not support loading from stdin!" "stdin"

fresh dummy.ko dummy.ko
printf 'not a module' > "$m/junk.ko"
printf 'not a module at all' > "$m/junk.ko.sig"
insmod "$m/junk.ko"
like "$trap_rc:$trap_err" "^1:insmod: ERROR: $m/junk.ko.sig: malformed signature" "garbage module + garbage .sig: the .sig is refused"

# ---- 9. the same answers as Debian's kmod where no .sig is involved -----------

deb_insmod=/usr/sbin/insmod
if need_or_skip "Debian's kmod (/usr/sbin/insmod)" test -x "$deb_insmod"; then
	for c in "dummy.ko::" "dummy.ko:finit_module=EEXIST:" "dummy.ko:finit_module=ENOEXEC:" \
		"dummy.ko:finit_module=EKEYREJECTED:" "dummy.ko::a=1 b=2"; do
		file=${c%%:*} rest=${c#*:} results=${rest%%:*} args=${rest#*:}
		for impl in ours debian; do
			fresh "$file" dummy.ko
			[ -n "$results" ] && TRAP_RESULTS=$results
			tool=$insmod
			[ "$impl" = debian ] && tool=$deb_insmod
			# shellcheck disable=SC2086
			trap_run "$tool" "$m/dummy.ko" $args
			eval "${impl}_res=\"\$trap_rc|\$(log)|\$trap_out\""
			eval "${impl}_err=\"\$trap_err\""
		done
		is "$ours_res" "$debian_res" "same syscall, stdout and exit code as Debian's insmod (${results:-ok} $args)"
		# Our extra explanation line for EKEYREJECTED comes first; kmod's own line must match.
		is "$(printf '%s\n' "$ours_err" | tail -n 1)" "$(printf '%s\n' "$debian_err" | tail -n 1)" \
			"same last stderr line as Debian's insmod (${results:-ok})"
	done
fi

# kmod 34 quotes module parameters as modprobe does (kmod 30 joins them as
# given): ours must do the same, byte for byte.
if debian13_bin; then
	for impl in ours kmod34; do
		fresh dummy.ko dummy.ko
		tool=$insmod
		[ "$impl" = kmod34 ] && tool=$kmod34/insmod
		trap_run "$tool" "$m/dummy.ko" a=1 'b=x y' 'c="x y"' "d='x y'" 'e=' f 'g=x  y ' "h=it's"
		eval "${impl}_res=\"\$trap_rc|\$(log)|\$trap_out|\$trap_err\""
	done
	is "$ours_res" "$kmod34_res" "module parameters quoted as Debian 13's insmod quotes them"
fi

done_testing

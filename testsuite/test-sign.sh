#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# kmod sign / attach / detach / verify / show-sig: signatures byte for byte
# equal to openssl's and to the kernel's sign-file (Debian linux-kbuild-6.1,
# fetched once with apt-get download when possible), accepted by
# `openssl cms -verify` and loaded by our insmod under the trap as
# image || trailer; detach then attach gives back every real Debian module;
# verify's verdicts and exit codes on good and broken signatures.

# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

fx=$top_builddir/testsuite/fixtures
kmod=$top_builddir/tools/kmod
export LC_ALL=C
unset KMOD_DETACHED_SIG

need_or_skip_all "fixture modules" test -f "$fx/dummy.ko"
need_or_skip_all "kmod" test -x "$kmod"
# A private copy: the long loops below must not see a rebuild in progress.
mkdir -p "$testdir/bin" && cp "$kmod" "$testdir/bin/kmod" && kmod=$testdir/bin/kmod
feature_or_skip_all LIBCRYPTO
need_or_skip_all "openssl" openssl version

w=$testdir/w
mkdir -p "$w"
key=$fx/key.pem cert=$fx/cert.pem
size() { wc -c < "$1" | tr -d ' '; }
run() { "$@" > "$testdir/out" 2> "$testdir/err"; rc=$?; out=$(cat "$testdir/out"); err=$(cat "$testdir/err"); }
fresh() { rm -rf "$w" && mkdir -p "$w" && cp "$fx/$1" "$w/${2:-$1}"; }
# osign FILE MD [cms options]: openssl's bare PKCS#7 of FILE
osign() {
	_f=$1 _md=$2
	shift 2
	openssl cms -sign -in "$_f" -signer "$cert" -inkey "$key" -binary -noattr -nocerts \
		-outform DER -md "$_md" -out "$_f.osign" "$@"
}

# ---- sign ----------------------------------------------------------------------

fresh dummy.ko
run "$kmod" sign -k "$key" -c "$cert" "$w/dummy.ko"
is "$rc:$out$err" "0:" "sign: silent, exit 0"
is_file "$w/dummy.ko.sig" "$fx/dummy.ko.trailer" "sign: dummy.ko.sig is the full trailer, byte for byte"
is_file "$w/dummy.ko" "$fx/dummy.ko" "sign: the module is untouched"
for md in sha256 sha384 sha512 sha224 sha1; do
	"$kmod" sign -k "$key" -c "$fx/cert.der" -a "$md" -f pkcs7 -o "$w/$md.p7s" "$w/dummy.ko"
	osign "$w/dummy.ko" "$md"
	is_file "$w/$md.p7s" "$w/dummy.ko.osign" "sign -a $md -f pkcs7 (DER cert): openssl cms's bytes"
done
"$kmod" sign -k "$key" -c "$cert" --keyid -f pkcs7 -o "$w/keyid.p7s" "$w/dummy.ko"
osign "$w/dummy.ko" sha256 -keyid
is_file "$w/keyid.p7s" "$w/dummy.ko.osign" "sign --keyid: signer by subject key id, openssl's bytes"
openssl pkey -in "$key" -outform DER -out "$w/key.der"
"$kmod" sign -k "$w/key.der" -c "$cert" -o "$w/der.sig" "$w/dummy.ko"
is_file "$w/der.sig" "$fx/dummy.ko.trailer" "sign with a DER private key"
run openssl cms -verify -binary -inform DER -in "$w/sha256.p7s" -content "$w/dummy.ko" \
	-certfile "$cert" -nointern -noverify -out /dev/null
is "$rc" 0 "openssl cms -verify accepts the signature"

for ext in xz zst gz; do
	[ -f "$fx/dummy.ko.$ext" ] || continue
	fresh "dummy.ko.$ext"
	run "$kmod" sign -k "$key" -c "$cert" "$w/dummy.ko.$ext"
	if "$kmod" -V | grep -q "+$(echo "$ext" | sed 's/zst/ZSTD/; s/xz/XZ/; s/gz/ZLIB/')"; then
		is_file "$w/dummy.ko.$ext.sig" "$fx/dummy.ko.trailer" "sign dummy.ko.$ext: signs the uncompressed image"
	else
		is "$rc" 1 "sign dummy.ko.$ext without $ext support: refused"
	fi
done

fresh dummy.ko
run "$kmod" sign --append -k "$key" -c "$cert" "$w/dummy.ko"
is_file "$w/dummy.ko" "$fx/dummy-signed.ko" "sign --append: the signed module, in place"
run "$kmod" sign -k "$key" -c "$cert" "$w/dummy.ko"
is "$rc:$err" "1:kmod: ERROR: $w/dummy.ko: already carries a signature (use --replace to sign it anew)" \
	"sign refuses a signed module"
run "$kmod" sign --replace -k "$key" -c "$cert" "$w/dummy.ko"
is_file "$w/dummy.ko.sig" "$fx/dummy.ko.trailer" "sign --replace: the old signature left out"
run "$kmod" sign -k "$key" -c "$fx/cert.pem" -a nosuch "$w/dummy.ko"
is "$rc:$err" "1:kmod: ERROR: unknown digest 'nosuch'" "unknown digest"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=other -keyout "$testdir/other.key" \
	-out "$testdir/other.pem" 2> /dev/null
run "$kmod" sign -k "$testdir/other.key" -c "$cert" "$w/dummy.ko"
is "$rc:$err" "1:kmod: ERROR: $cert does not belong to the key in $testdir/other.key" "key and certificate must match"
run "$kmod" sign "$w/dummy.ko"
is "$rc" 1 "sign without key and certificate"
like "$("$kmod" sign --help)" "^Usage:" "sign --help"

# The kernel's own sign-file (Debian's linux-kbuild-6.1), when it can be had.
kbuild=${XDG_CACHE_HOME:-$HOME/.cache}/kmod-ds/kbuild
signfile=$kbuild/tree/usr/lib/linux-kbuild-6.1/scripts/sign-file
if [ ! -x "$signfile" ] && command -v apt-get > /dev/null; then
	mkdir -p "$kbuild" && (cd "$kbuild" && apt-get download linux-kbuild-6.1 > /dev/null 2>&1) &&
		dpkg-deb -x "$(find "$kbuild" -maxdepth 1 -name 'linux-kbuild-6.1_*.deb' | sort | tail -n 1)" "$kbuild/tree"
fi
if need_or_skip "sign-file from linux-kbuild-6.1" test -x "$signfile"; then
	for m in dummy mod-foo-a mod-foo-b mod-foo; do
		fresh "$m.ko"
		cp "$w/$m.ko" "$w/sf.ko"
		"$signfile" sha256 "$key" "$cert" "$w/sf.ko" "$w/sf-signed.ko"
		"$kmod" sign --append -o "$w/ours.ko" -k "$key" -c "$cert" "$w/$m.ko"
		is_file "$w/ours.ko" "$w/sf-signed.ko" "$m: sign --append equals sign-file"
		"$signfile" -d sha512 "$key" "$cert" "$w/sf.ko"
		"$kmod" sign -a sha512 -f pkcs7 -o "$w/ours.p7s" -k "$key" -c "$cert" "$w/$m.ko"
		is_file "$w/ours.p7s" "$w/sf.ko.p7s" "$m: sign -f pkcs7 -a sha512 equals sign-file -d"
		"$signfile" -k -d sha384 "$key" "$cert" "$w/sf.ko"
		"$kmod" sign --keyid -a sha384 -f pkcs7 -o "$w/ours.p7s" -k "$key" -c "$cert" "$w/$m.ko"
		is_file "$w/ours.p7s" "$w/sf.ko.p7s" "$m: sign --keyid equals sign-file -k"
		"$signfile" -s "$w/ours.p7s" sha256 dummy "$w/sf.ko" "$w/sf-s.ko"
		"$kmod" attach -o "$w/att.ko" "$w/$m.ko" "$w/ours.p7s"
		is_file "$w/att.ko" "$w/sf-s.ko" "$m: attach of a bare PKCS#7 equals sign-file -s"
	done
fi

# The signature loads: our insmod under the trap sends image || trailer.
if need_or_skip "trap library" test -f "$TRAP_LIB"; then
	fresh dummy.ko.xz m.ko.xz
	"$kmod" sign -k "$key" -c "$cert" "$w/m.ko.xz"
	TRAP_ROOT=$testdir/root TRAP_LOG=$testdir/trap.log
	mkdir -p "$TRAP_ROOT/sys/module" "$TRAP_ROOT/proc"
	trap_run "$top_builddir/tools/insmod" "$w/m.ko.xz"
	s=$fx/dummy-signed.ko
	is "$trap_rc:$(cat "$TRAP_LOG")" \
		"0:init_module len=$(size "$s") sha256=$(sha256sum "$s" | cut -d' ' -f1) tail=$(tail -c 40 "$s" | od -An -tx1 -v | tr -d ' \n') params=" \
		"insmod of a signed-by-kmod-sign .ko.xz: init_module(image || trailer)"
	unset TRAP_ROOT TRAP_LOG
fi

# ---- attach / detach ------------------------------------------------------------

for sig in dummy.ko.trailer dummy.ko.p7s; do
	fresh dummy.ko
	cp "$fx/$sig" "$w/dummy.ko.sig"
	run "$kmod" attach "$w/dummy.ko"
	is "$rc:$out$err" "0:" "attach ($sig): silent"
	is_file "$w/dummy.ko" "$fx/dummy-signed.ko" "attach ($sig): the signed module in place"
done
run "$kmod" attach "$w/dummy.ko"
is "$rc:$err" "1:kmod: ERROR: $w/dummy.ko: already carries a signature (use --replace to replace it)" \
	"attach refuses a signed module"
cp "$fx/mod-foo-a.ko.trailer" "$w/other.sig"
run "$kmod" attach --replace "$w/dummy.ko" "$w/other.sig"
is "$rc:$(size "$w/dummy.ko")" "0:$(($(size "$fx/dummy.ko") + $(size "$w/other.sig")))" \
	"attach --replace: old trailer out, new one in"
cp "$fx/badsig/siglen-big.sig" "$w/bad.sig"
fresh dummy.ko
cp "$fx/badsig/siglen-big.sig" "$w/dummy.ko.sig"
run "$kmod" attach "$w/dummy.ko"
like "$rc:$err" "^1:kmod: ERROR: .*dummy.ko.sig: malformed signature: signature length" "attach checks the .sig"
is_file "$w/dummy.ko" "$fx/dummy.ko" "a refused attach leaves the module alone"
if [ -f "$fx/dummy.ko.xz" ]; then
	fresh dummy.ko.xz
	cp "$fx/dummy.ko.p7s" "$w/dummy.ko.xz.sig"
	"$kmod" attach "$w/dummy.ko.xz"
	is "$(xz -dc "$w/dummy.ko.xz" | sha256sum)" "$(sha256sum < "$fx/dummy-signed.ko")" "attach .ko.xz: recompressed, signed image inside"
	is_file "$w/dummy.ko.xz" "$fx/dummy-signed.ko.xz" "attach .ko.xz: compressed like kbuild (same bytes)"
	fresh dummy.ko.xz
	"$kmod" attach -Z none -o "$w/plain.ko" "$w/dummy.ko.xz" "$fx/dummy.ko.trailer"
	is_file "$w/plain.ko" "$fx/dummy-signed.ko" "attach -Z none: written uncompressed"

	fresh dummy-signed.ko.xz
	run "$kmod" detach "$w/dummy-signed.ko.xz"
	is_file "$w/dummy-signed.ko.xz" "$fx/dummy.ko.xz" "detach .ko.xz: the unsigned module recompressed like kbuild"
	is_file "$w/dummy-signed.ko.xz.sig" "$fx/dummy.ko.trailer" "detach .ko.xz: the trailer"

	# The layout of xz 5.6 and later, Debian 13's kernels: blocks of 3 MiB with
	# their sizes in their headers.  detach and attach keep it, so a round trip
	# gives back the very bytes; here a module of three blocks.
	rm -rf "$w" && mkdir -p "$w"
	{
		cat "$fx/dummy.ko"
		head -c 7000000 /dev/zero | tr '\0' k
		seq 1 200000
	} > "$w/big.ko"
	cat "$w/big.ko" "$fx/dummy.ko.trailer" |
		xz --check=crc32 --lzma2=dict=1MiB -T+1 -c > "$w/big.ko.xz"
	xz --check=crc32 --lzma2=dict=1MiB -T+1 -c "$w/big.ko" > "$w/unsigned.ko.xz"
	cp "$w/big.ko.xz" "$w/signed.ko.xz"
	is "$(xz --robot -lvv "$w/big.ko.xz" | awk -F'\t' '$1 == "block" { n++; if ($13 == "cu") c++ }
		END { print n + 0, c + 0 }')" "3 3" "fixture: xz -T+1 wrote 3 blocks, each header with its sizes"
	run "$kmod" detach "$w/big.ko.xz"
	is "$rc:$out$err" "0:" "detach .ko.xz of sized blocks"
	is_file "$w/big.ko.xz" "$w/unsigned.ko.xz" "detach .ko.xz of sized blocks: recompressed in that layout (xz -T+1's bytes)"
	is_file "$w/big.ko.xz.sig" "$fx/dummy.ko.trailer" "detach .ko.xz of sized blocks: the trailer"
	run "$kmod" attach "$w/big.ko.xz"
	is_file "$w/big.ko.xz" "$w/signed.ko.xz" "attach .ko.xz of sized blocks: the very bytes of the signed module"
fi
fresh dummy-signed.ko
run "$kmod" detach "$w/dummy-signed.ko"
is "$rc:$out$err" "0:" "detach: silent"
is_file "$w/dummy-signed.ko" "$fx/dummy.ko" "detach: the unsigned module in place"
is_file "$w/dummy-signed.ko.sig" "$fx/dummy.ko.trailer" "detach: MODULE.sig, full trailer"
fresh dummy-signed.ko
"$kmod" detach -f pkcs7 -o "$w/u.ko" -s "$w/u.p7s" "$w/dummy-signed.ko"
is_file "$w/u.p7s" "$fx/dummy.ko.p7s" "detach -f pkcs7: the bare PKCS#7"
is_file "$w/u.ko" "$fx/dummy.ko" "detach -o: the unsigned module elsewhere"
is_file "$w/dummy-signed.ko" "$fx/dummy-signed.ko" "detach -o: the signed module untouched"
run "$kmod" detach "$w/u.ko"
is "$rc:$err" "1:kmod: ERROR: $w/u.ko: not signed" "detach of an unsigned module"
like "$("$kmod" attach --help)$("$kmod" detach --help)" "^Usage:" "attach/detach --help"

# ---- verify ----------------------------------------------------------------------

mkdir -p "$w/v"
cp "$fx/dummy.ko" "$w/v/good.ko" && cp "$fx/dummy.ko.p7s" "$w/v/good.ko.sig"
cp "$fx/dummy-signed.ko" "$w/v/appended.ko"
cp "$fx/dummy.ko" "$w/v/flipmod.ko" && cp "$fx/dummy.ko.trailer" "$w/v/flipmod.ko.sig"
printf 'X' | dd of="$w/v/flipmod.ko" bs=1 seek=100 conv=notrunc 2> /dev/null
cp "$fx/dummy.ko" "$w/v/flipsig.ko" && cp "$fx/badsig/flipped.sig" "$w/v/flipsig.ko.sig"
cp "$fx/dummy.ko" "$w/v/other.ko" && cp "$fx/mod-foo-a.ko.trailer" "$w/v/other.ko.sig"
cp "$fx/dummy.ko" "$w/v/garbage.ko" && cp "$fx/badsig/garbage.sig" "$w/v/garbage.ko.sig"
cp "$fx/dummy.ko" "$w/v/unsigned.ko"
openssl cms -sign -in "$fx/dummy.ko" -signer "$cert" -inkey "$key" -binary -nocerts -outform DER \
	-out "$w/v/attrs.ko.sig"
cp "$fx/dummy.ko" "$w/v/attrs.ko"
verdict() { run "$kmod" verify -c "$cert" "$w/v/$1.ko"; is "$rc:${out#"$w/v/"}" "$2" "verify $1"; }
verdict good "0:good.ko: OK (detached $w/v/good.ko.sig)"
verdict appended "0:appended.ko: OK (appended)"
verdict flipmod "1:flipmod.ko: FAILED: $w/v/flipmod.ko.sig: signature does not match the module (module changed or stale signature)"
verdict flipsig "1:flipsig.ko: FAILED: $w/v/flipsig.ko.sig: signature does not match the module (module changed or stale signature)"
verdict other "1:other.ko: FAILED: $w/v/other.ko.sig: signature does not match the module (module changed or stale signature)"
verdict garbage "1:garbage.ko: FAILED: $w/v/garbage.ko.sig: not a PKCS#7 DER blob"
verdict unsigned "1:unsigned.ko: FAILED: not signed (no appended signature, no $w/v/unsigned.ko.sig)"
verdict attrs "1:attrs.ko: FAILED: $w/v/attrs.ko.sig: has signed attributes (the kernel refuses them)"
run "$kmod" verify -c "$testdir/other.pem" "$w/v/good.ko"
is "$rc:${out#"$w/v/"}" "1:good.ko: FAILED: $w/v/good.ko.sig: signed by a key none of the given certificates belongs to" \
	"verify against the wrong certificate"
run "$kmod" verify -c "$testdir/other.pem" -c "$fx/cert.der" "$w/v/good.ko"
is "$rc" 0 "verify with several certificates, one DER"
for b in truncated badmagic nonzero-algo idtype1 siglen-big siglen-small derlen-mismatch oversized empty; do
	cp "$fx/badsig/$b.sig" "$w/v/good.ko.sig"
	run "$kmod" verify -c "$cert" "$w/v/good.ko"
	like "$rc:$out" "^1:.*good.ko: FAILED: " "verify: malformed .sig ($b) fails"
done
cp "$fx/dummy.ko.p7s" "$w/v/good.ko.sig"
run "$kmod" verify -q -c "$cert" --all "$w/v"
is "$rc:$(printf '%s\n' "$out" | grep -c FAILED):$(printf '%s\n' "$out" | tail -n 1 | sed 's/ (.*//')" \
	"1:7:8 modules: 2 OK, 6 FAILED" "verify --all: every module, failures and summary"
rm -f "$w"/v/*
cp "$fx/dummy-signed.ko" "$w/v/a.ko"
mkdir -p "$w/v/sub" && cp "$fx/dummy.ko" "$w/v/sub/b.ko" && cp "$fx/dummy.ko.trailer" "$w/v/sub/b.ko.sig"
run "$kmod" verify -c "$cert" --all "$w/v"
is "$rc:$(printf '%s\n' "$out" | tail -n 1 | sed 's/ (.*//')" "0:2 modules: 2 OK, 0 FAILED" "verify --all: a good tree exits 0"
like "$("$kmod" verify --help)" "^Usage:" "verify --help"

# ---- show-sig ------------------------------------------------------------------------

serial=$(openssl x509 -in "$cert" -noout -serial | sed 's/^serial=//; s/../&:/g; s/:$//')
fresh dummy.ko.xz
cp "$fx/dummy.ko.p7s" "$w/dummy.ko.xz.sig"
run "$kmod" show-sig "$w/dummy.ko.xz"
is "$rc:$out" "0:file:           $w/dummy.ko.xz
compression:    xz
image size:     $(size "$fx/dummy.ko")
signature:      detached $w/dummy.ko.xz.sig (bare PKCS#7)
trailer size:   $(($(size "$fx/dummy.ko.p7s") + 40))
sig_len:        $(size "$fx/dummy.ko.p7s")
type:           PKCS#7
signers:        1
issuer:         /CN=kmod-ds test key
serial:         $serial
hash:           sha256
algorithm:      rsaEncryption
signed attrs:   0
signature size: 256" "show-sig: a .ko.xz with a bare PKCS#7 .sig"

# ---- the real Debian trees: detach then attach gives the original back -------------

trees=$(bash "$top_srcdir/testsuite/debian-kernels.sh" extract 2> "$testdir/dk.err")
case $? in
0) ;;
2) skip "Debian kernels not available here"; trees= ;;
*) not_ok "debian-kernels.sh extract"; sed 's/^/# /' "$testdir/dk.err"; trees= ;;
esac
while read -r kver tree; do
	[ -n "$kver" ] || continue
	find "$tree/lib/modules/$kver/kernel" -name '*.ko*' | sort > "$testdir/all"
	# every module split and joined uncompressed; every 25th also through xz.
	# Few processes per module: the outputs are replaced in place (the tools
	# write a temporary file and rename it), never removed in between.
	bad=0 count=0 b=$w/rt.ko
	while read -r n f; do
		z=none
		case $f in *.xz) [ $((n % 25)) = 0 ] && z=xz ;; esac
		if ! "$kmod" detach -Z $z -o "$b" "$f" 2> "$testdir/e" ||
			! "$kmod" attach -o "$b.back" "$b" 2>> "$testdir/e"; then
			bad=$((bad + 1))
			[ $bad -gt 3 ] || { diag "failed: $f"; sed 's/^/# /' "$testdir/e"; }
		else
			case $z:$f in
			xz:*) xz -dc "$b.back" | cmp -s - <(xz -dc "$f") ;;
			*.xz) xz -dc "$f" | cmp -s - "$b.back" ;;
			*) cmp -s "$b.back" "$f" ;;
			esac || {
				bad=$((bad + 1))
				[ $bad -gt 3 ] || diag "differs: $f"
			}
		fi
		count=$((count + 1))
	done < <(awk '{ print NR, $0 }' "$testdir/all")
	is "$bad" 0 "$kver: detach then attach gives back the image of all $count modules"
done <<< "$trees"

done_testing

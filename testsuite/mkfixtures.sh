#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# mkfixtures.sh OUTDIR
#
# Builds the fixture modules (testsuite/fixtures/*.c, plain `gcc -c`, no kernel
# headers) into OUTDIR/<name>.ko, a throwaway signing key, signatures, the
# compressed variants and a set of malformed detached signatures in
# OUTDIR/badsig/.  Silent on success; any failure exits non-zero with the
# failing tool's output.  Honours CC (default gcc).
#
# OUTDIR/
#   <module>.ko                         dummy mod-foo-a mod-foo-b mod-foo
#   key.pem cert.pem cert.der           RSA-2048 key, self-signed "CN=kmod-ds test key"
#   dummy.ko.p7s mod-foo-a.ko.p7s       bare PKCS#7 DER (detached, no certs, no attrs, sha256)
#   dummy.ko.trailer mod-foo-a.ko.trailer
#                                       p7s + 00 00 02 00 00 00 00 00 + be32(len) + magic
#   dummy-signed.ko                     dummy.ko + trailer
#   dummy.ko.{xz,gz,zst} dummy-signed.ko.xz
#                                       (xz and zst only when the tool exists)
#   badsig/*.sig                        see make_badsigs below
set -eu

srcdir=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: mkfixtures.sh OUTDIR}
CC=${CC:-gcc}
MAGIC='~Module signature appended~'

mkdir -p "$out/badsig"
out=$(cd "$out" && pwd)
log="$out/.mkfixtures.log"
: > "$log"

fail() {
	echo "mkfixtures.sh: $*" >&2
	cat "$log" >&2
	rm -f "$log"
	exit 1
}

# run CMD...: quiet unless it fails.
run() {
	"$@" >> "$log" 2>&1 || fail "failed: $*"
}

# into FILE CMD...: CMD's output into FILE, quiet unless it fails.
into() {
	_file=$1
	shift
	"$@" > "$_file" 2>> "$log" || fail "failed: $* > $_file"
}

# bytes N...: the given byte values, raw.
bytes() {
	for b in "$@"; do
		# shellcheck disable=SC2059
		printf "\\$(printf '%03o' "$b")"
	done
}

be32() {
	bytes $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255))
}

size() {
	wc -c < "$1" | tr -d ' '
}

# byte_at FILE OFFSET: decimal value of one byte.
byte_at() {
	od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' \n'
}

# patch FILE OFFSET VALUE: overwrite one byte in place.
patch() {
	bytes "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2> /dev/null ||
		fail "cannot patch $1"
}

# trailer P7S ALGO HASH IDTYPE SIGLEN: P7S, the 12-byte struct and the magic.
trailer() {
	cat "$1"
	bytes "$2" "$3" "$4" 0 0 0 0 0
	be32 "$5"
	printf '%s\n' "$MAGIC"
}

build_modules() {
	for src in "$srcdir"/fixtures/*.c; do
		name=$(basename "$src" .c)
		# No stack protector, sanitizer, CET notes or PIC: the objects must
		# not need anything a module would not.  CC may carry flags.
		# shellcheck disable=SC2086
		run $CC -c -O2 -fno-pic -fno-PIE -fno-stack-protector -fcf-protection=none \
			-fno-sanitize=all -fno-asynchronous-unwind-tables -fno-common \
			-I"$srcdir/fixtures" -o "$out/$name.ko" "$src"
	done
}

make_key() {
	run openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
		-subj '/CN=kmod-ds test key' -keyout "$out/key.pem" -out "$out/cert.pem"
	run openssl x509 -in "$out/cert.pem" -outform DER -out "$out/cert.der"
}

# sign MODULE: MODULE.p7s and MODULE.trailer, checked with openssl.
sign() {
	run openssl cms -sign -in "$1" -signer "$out/cert.pem" -inkey "$out/key.pem" \
		-binary -noattr -nocerts -outform DER -md sha256 -out "$1.p7s"
	run openssl cms -verify -binary -inform DER -in "$1.p7s" -content "$1" \
		-certfile "$out/cert.pem" -nointern -noverify -out /dev/null
	trailer "$1.p7s" 0 0 2 "$(size "$1.p7s")" > "$1.trailer"
}

compress() {
	into "$out/dummy.ko.gz" gzip -n -9 -c "$out/dummy.ko"
	if command -v xz > /dev/null; then
		# one block, as xz before 5.6 writes by default (kmod-attach(8))
		into "$out/dummy.ko.xz" xz --check=crc32 --lzma2=dict=1MiB -T1 -c "$out/dummy.ko"
		into "$out/dummy-signed.ko.xz" xz --check=crc32 --lzma2=dict=1MiB -T1 -c \
			"$out/dummy-signed.ko"
	fi
	if command -v zstd > /dev/null; then
		into "$out/dummy.ko.zst" zstd -q -c "$out/dummy.ko"
	fi
}

# Detached signatures for dummy.ko that a loader must refuse (or, for
# idtype3 and flipped, pass on for the kernel to judge).
make_badsigs() {
	p7s="$out/dummy.ko.p7s"
	len=$(size "$p7s")
	bad="$out/badsig"

	: > "$bad/empty.sig"
	head -c $(($(size "$out/dummy.ko.trailer") / 2)) "$out/dummy.ko.trailer" \
		> "$bad/truncated.sig"
	# Fixed "random" bytes: AES-CTR keystream of an all-zero key.
	head -c 700 /dev/zero > "$bad/garbage.sig"
	into "$bad/garbage.sig.tmp" openssl enc -aes-128-ctr -nosalt -in "$bad/garbage.sig" \
		-K 00000000000000000000000000000000 -iv 00000000000000000000000000000000
	mv "$bad/garbage.sig.tmp" "$bad/garbage.sig"
	{
		cat "$p7s"
		bytes 0 0 2 0 0 0 0 0
		be32 "$len"
		printf '%s\n' '~Module signature appendex~'
	} > "$bad/badmagic.sig"
	trailer "$p7s" 1 0 2 "$len" > "$bad/nonzero-algo.sig"
	trailer "$p7s" 0 0 1 "$len" > "$bad/idtype1.sig"
	trailer "$p7s" 0 0 3 "$len" > "$bad/idtype3.sig"
	trailer "$p7s" 0 0 2 $((len + 1)) > "$bad/siglen-big.sig"
	trailer "$p7s" 0 0 2 $((len - 1)) > "$bad/siglen-small.sig"

	# Bare DER whose outer SEQUENCE length (30 82 HH LL) claims one byte more.
	if [ "$(byte_at "$p7s" 0)" != 48 ] || [ "$(byte_at "$p7s" 1)" != 130 ]; then
		fail "unexpected DER header in $p7s"
	fi
	derlen=$(($(byte_at "$p7s" 2) * 256 + $(byte_at "$p7s" 3) + 1))
	cp "$p7s" "$bad/derlen-mismatch.sig"
	patch "$bad/derlen-mismatch.sig" 2 $((derlen >> 8 & 255))
	patch "$bad/derlen-mismatch.sig" 3 $((derlen & 255))

	# Right shape, 65537 bytes: more than any loader should accept.
	{
		head -c $((65537 - 40)) /dev/zero
		bytes 0 0 2 0 0 0 0 0
		be32 $((65537 - 40))
		printf '%s\n' "$MAGIC"
	} > "$bad/oversized.sig"

	# One bit of the RSA signature (the last bytes of the DER) flipped: the
	# structure is fine, the kernel would say EKEYREJECTED (or ENOKEY).
	cp "$out/dummy.ko.trailer" "$bad/flipped.sig"
	off=$((len - 10))
	patch "$bad/flipped.sig" "$off" $(($(byte_at "$p7s" "$off") ^ 1))

	cp "$out/mod-foo-a.ko.trailer" "$bad/other.sig"

	if [ "$(size "$bad/garbage.sig")" != 700 ] || [ "$(size "$bad/oversized.sig")" != 65537 ]
	then
		fail "bad signature sizes"
	fi
}

command -v openssl > /dev/null || fail "openssl not found"
build_modules
make_key
sign "$out/dummy.ko"
sign "$out/mod-foo-a.ko"
cat "$out/dummy.ko" "$out/dummy.ko.trailer" > "$out/dummy-signed.ko"
compress
make_badsigs
rm -f "$log"

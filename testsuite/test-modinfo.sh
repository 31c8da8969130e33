#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# modinfo: golden outputs on hand-made modules and signature blocks (every
# byte known, so the expected text is exact), the PKCS#7 fields checked
# against openssl's own view of the fixture signature, the detached-signature
# fields, and differential runs against Debian's modinfo (kmod 30) on the
# fixtures, on hostile signature blocks and on every module of the real 6.1
# and 6.12 trees (by path, by name, aliases, builtins, -F, -0), and the same
# against Debian 13's modinfo (kmod 34.2, testsuite/debian-trixie.sh).  build-id
# (kmod's newest shows it, kmod 30 and 34.2 do not): fixtures linked with and
# without --build-id, hostile notes, and every real module against readelf -n;
# the comparisons with both references leave our build-id line out.

# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

fx=$top_builddir/testsuite/fixtures
modinfo=$top_builddir/tools/modinfo
ref=${DEBIAN_MODINFO:-/usr/sbin/modinfo}
golden=$top_srcdir/testsuite/golden
MAGIC='~Module signature appended~'
export LC_ALL=C
unset KMOD_DETACHED_SIG

need_or_skip_all "fixture modules" test -f "$fx/dummy.ko"
need_or_skip_all "modinfo" test -x "$modinfo"

# shellcheck disable=SC2059 # the octal escape is the format
bytes() { for b in "$@"; do printf "\\$(printf '%03o' "$b")"; done; }
be32() { bytes $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }
size() { wc -c < "$1" | tr -d ' '; }
# block DATA ALGO HASH IDTYPE SIGNER_LEN KEYID_LEN SIG_LEN: DATA, info block, marker
block() {
	cat "$1"
	bytes "$2" "$3" "$4" "$5" "$6" 0 0 0
	be32 "$7"
	printf '%s\n' "$MAGIC"
}
# out CMD...: stdout and stderr of CMD with the scratch path hidden, then "rc=N"
out() {
	"$@" > "$testdir/o" 2>&1
	echo "rc=$?" >> "$testdir/o"
	sed "s|$testdir|@T@|g; s|^$(basename "$modinfo"):|modinfo:|" "$testdir/o"
}
# colons HEXSTRING: kmod's layout of a hex field
colons() {
	printf '%s' "$1" | tr 'a-f' 'A-F' | sed 's/../&:/g; s/:$//' |
		awk 'BEGIN { RS = ":" } { printf "%s%s", (NR > 1 ? ((NR - 1) % 20 ? ":" : ":\n\t\t") : ""), $0 }'
}

w=$testdir/w
mkdir -p "$w"
cp "$fx/dummy.ko" "$w/dummy.ko"

# ---- hand-made modules: every byte known ------------------------------------

# .modinfo with duplicates, bare keys, long keys, parameters of every shape
printf '%s\0' license=GPL 'parm=b:desc b' parmtype=a:int 'parm=a:first a' \
	'parm=a:second a' parmtype=c:charp parmtype=a:uint bare parm=nocolon parmtype=d: \
	parm=e: parmtype=e:bool author=x=y '' 'description=two
lines' verylongkeyname16=v k15char_abcdefg=w > "$testdir/mi"
if need_or_skip "objcopy" objcopy --version; then
	objcopy --remove-section .modinfo --add-section .modinfo="$testdir/mi" \
		"$fx/dummy.ko" "$w/pm.ko"
	is "$(out "$modinfo" "$w/pm.ko")" "$(cat "$golden/modinfo-pm.txt")" "golden: parameters, bare and long keys"
	is "$(out "$modinfo" -F parm "$w/pm.ko")" "$(cat "$golden/modinfo-pm-parm.txt")" "golden: -F parm"
	is "$(out "$modinfo" -0 "$w/pm.ko" | tr '\0' '@')" "$(cat "$golden/modinfo-pm-null.txt")" "golden: -0"
	is "$(out "$modinfo" -p -F bare -a "$w/pm.ko")" "x=y
rc=0" "golden: the last field option wins"
fi

# legacy X509/PGP blocks: [signer][key id][signature]
printf 'Legacy Signer' > "$testdir/signer"
bytes 1 2 3 255 > "$testdir/kid"
bytes 170 187 204 221 238 255 0 17 > "$testdir/sig"
cat "$testdir/signer" "$testdir/kid" "$testdir/sig" > "$testdir/legacy"
head -c 45 /dev/zero | tr '\0' 'x' > "$testdir/x45"
{ cat "$w/dummy.ko"; block "$testdir/legacy" 1 4 1 13 4 8; } > "$w/x509.ko"
{ cat "$w/dummy.ko"; block "$testdir/legacy" 0 2 0 13 4 8; } > "$w/pgp.ko"
{ cat "$w/dummy.ko"; block "$testdir/legacy" 0 8 1 13 4 8; } > "$w/sm3.ko"
{ cat "$w/dummy.ko"; block "$testdir/legacy" 0 2 1 0 0 25; } > "$w/nosigner.ko"
{ cat "$w/dummy.ko"; block "$testdir/x45" 0 7 1 0 0 45; } > "$w/long.ko"
# not shown at all by kmod: bad algo, hash, type, zero or oversized length
{ cat "$w/dummy.ko"; block "$testdir/legacy" 2 2 0 13 4 8; } > "$w/badalgo.ko"
{ cat "$w/dummy.ko"; block "$testdir/legacy" 0 9 0 13 4 8; } > "$w/badhash.ko"
{ cat "$w/dummy.ko"; block "$testdir/legacy" 0 2 3 13 4 8; } > "$w/id3.ko"
{ cat "$w/dummy.ko"; block "$testdir/legacy" 0 2 1 13 4 0; } > "$w/zerolen.ko"
{ cat "$w/dummy.ko"; block "$testdir/legacy" 0 2 1 13 4 100000; } > "$w/biglen.ko"
{ cat "$w/dummy.ko"; block "$testdir/legacy" 0 0 2 0 0 25; } > "$w/notpkcs7.ko"
hand="x509 pgp sm3 nosigner long badalgo badhash id3 zerolen biglen notpkcs7"
for m in $hand; do
	out "$modinfo" "$w/$m.ko" | sed -n '/^sig_id/,$p' > "$testdir/$m.got"
done
want=$(cat "$golden/modinfo-legacy.txt")
if ! "$modinfo" -V | grep -q '+LIBCRYPTO'; then
	# Without libcrypto a PKCS#7 block is not parsed, so not refused: shown as
	# kmod built without openssl shows any (hash unknown, empty fields).
	want+=$'\n'$(printf '%-16s%s\n' sig_id: 'PKCS#7' signer: '' sig_key: '' \
		sig_hashalgo: unknown signature: '' \
		parm: 'numdummies:Number of dummy pseudo devices (int)')$'\nrc=0'
fi
is "$(for m in $hand; do echo "== $m"; cat "$testdir/$m.got"; done)" "$want" \
	"golden: legacy signature blocks and rejected blocks"
is "$(out "$modinfo" -F signature "$w/long.ko" | od -An -c | tr -s ' ')" \
	"$(printf '%s' "$(colons "$(od -An -tx1 -v "$testdir/x45" | tr -d ' \n')")" |
		{ cat; printf '\nrc=0\n'; } | od -An -c | tr -s ' ')" \
	"hex of 45 bytes: a newline and two tabs after every 20th"

# ---- build-id -------------------------------------------------------------------

# kmod_ids: "<filename> <build-id>" of each module in modinfo -0 output on stdin
kmod_ids() { tr '\0' '\n' | awk '/^filename: / { f = $2 } /^build-id=/ { print f, substr($0, 10) }'; }
# readelf_ids FILE...: "<FILE> <build-id>" for each FILE with a GNU build-id note
# as readelf -n reads it (a .ko.xz from a scratch copy, 400 files at a time)
readelf_ids() {
	_d=$testdir/relf
	while [ $# -gt 0 ]; do
		rm -rf "$_d"
		mkdir -p "$_d"
		_files=()
		while [ $# -gt 0 ] && [ ${#_files[@]} -lt 400 ]; do
			_files+=("$_d/$((${#_files[@]} + 1)).ko")
			case $1 in
			*.xz) cp "$1" "${_files[-1]}.xz" ;;
			*) ln -s "$1" "${_files[-1]}" ;;
			esac
			printf '%s\n' "$1" >> "$_d/names"
			shift
		done
		! ls "$_d"/*.xz > /dev/null 2>&1 || xz -d "$_d"/*.xz
		# readelf names each file ("File: ...") only when given several
		readelf -n "${_files[@]}" 2> /dev/null |
			awk -v d="$_d/" 'BEGIN { f = 1 }
				/^File: / { f = substr($2, length(d) + 1); sub(/\.ko$/, "", f) }
				/Build ID:/ { print f, $3 }' > "$_d/ids"
		awk 'NR == FNR { name[NR] = $0; next }
			{ h = toupper($2); s = ""
			  for (i = 1; i <= length(h); i += 2)
				s = s (i > 1 ? ((i - 1) % 40 ? ":" : ":\n\t\t") : "") substr(h, i, 2)
			  print name[$1], s }' "$_d/names" "$_d/ids"
	done
	rm -rf "$_d"
}
# nobuildid FILE: FILE without its build-id record (-0) or lines (text, those
# of a build-id over 20 bytes too), as kmod 30 shows it
nobuildid() {
	if tr -d '\0' < "$1" | cmp -s - "$1"; then
		awk '/^build-id:/ { in_id = 1; next } in_id && /^\t\t/ { next }
			{ in_id = 0; print }' "$1"
	else
		sed -z '/^build-id=/d' "$1"
	fi > "$1.nobid" && mv "$1.nobid" "$1"
}

if need_or_skip "ld and readelf (binutils)" sh -c 'ld --version && readelf --version' > /dev/null; then
	ld -r --build-id -o "$w/bid.ko" "$w/dummy.ko"
	ld -r --build-id=0x"$(printf '%02x' $(seq 0 25))" -o "$w/bid26.ko" "$w/dummy.ko"
	{ cat "$w/bid.ko" "$fx/dummy.ko.trailer"; } > "$w/bid-signed.ko"
	id=$(readelf_ids "$w/bid.ko" | cut -d' ' -f2)
	like "$id" '^[0-9A-F][0-9A-F](:[0-9A-F][0-9A-F]){19}$' "readelf sees a 20-byte build-id"
	is "$(out "$modinfo" -F build-id "$w/bid.ko")" "$id
rc=0" "-F build-id: readelf's build-id, upper-case hex with colons"
	is "$("$modinfo" -0 "$w/bid.ko" | kmod_ids)" "$w/bid.ko $id" "-0: build-id=..."
	is "$("$modinfo" "$w/bid-signed.ko" | sed 1d)" \
		"$("$modinfo" "$fx/dummy-signed.ko" | sed 1d | awk -v l="build-id:       $id" \
			'/^sig_id:/ { print l } { print }')" \
		"build-id after the last .modinfo field, before the signature fields"
	is "$(out "$modinfo" -F build-id "$w/bid26.ko")" "$(colons "$(printf '%02x' $(seq 0 25))")
rc=0" "a build-id of 26 bytes: wrapped after 20 as the signature is"
	is "$(out "$modinfo" -F build-id "$w/dummy.ko")" "rc=0" \
		"a module linked without --build-id: no build-id"
	if has_feature XZ; then
		is "$(out "$modinfo" -F build-id "$fx/dummy.ko.xz")" "rc=0" \
			"a .ko.xz linked without --build-id: no build-id"
	else
		skip "a .ko.xz linked without --build-id: built without xz"
	fi
	# the note's header: namesz 4, descsz 20, type 3 (NT_GNU_BUILD_ID), "GNU\0"
	at=$(grep -obUaP '\x04\x00\x00\x00\x14\x00\x00\x00\x03\x00\x00\x00GNU\x00' "$w/bid.ko" | cut -d: -f1)
	# badnote NOTE-OFFSET BYTE...: bid.ko with BYTE... written at the note's OFFSET
	badnote() {
		cp "$w/bid.ko" "$w/bid-bad.ko"
		bytes "${@:2}" | dd of="$w/bid-bad.ko" bs=1 seek=$((at + $1)) conv=notrunc 2> /dev/null
	}
	for c in "type 8 1" "owner 12 71 78 86" "descsz 4 21" "namesz 0 255 255 255 255" \
		"descsz-huge 4 255 255 255 255" "empty 4 0"; do
		# shellcheck disable=SC2086 # the offset and the bytes
		badnote ${c#* }
		is "$(out "$modinfo" "$w/bid-bad.ko" | grep -c -e '^build-id' -e ERROR -e '^rc=0$')" 1 \
			"malformed build-id note (${c%% *}): no build-id, no error, exit 0"
	done
	is "$("$modinfo" "$w/bid-bad.ko" | grep -c '^license:')" 1 "... and the other fields shown"
fi

# ---- --json -------------------------------------------------------------------

# canon_text: modinfo -0 output on stdin as "<file>\1<key>\2<value>\0" records
# (a builtin's file is "(builtin):<name>", hex values on one line, parm lines
# as key parm), sorted by file and key, each key's values in their order; in
# sed -z, G joins with a NUL
canon_text() {
	sed -z -n -e '/^filename:       (builtin)$/b' \
		-e '/^name:           /{ s/^name: */(builtin):/; h; b; }' \
		-e '/^filename:       /{ s/^filename: *//; h; b; }' \
		-e 's/^parm: *\(.*\)$/parm=\1/' \
		-e '/^\(sig_key\|signature\|build-id\)=/s/\n\t\t//g' \
		-e 'G; s/^\([^=]*\)=\(.*\)\x00\(.*\)$/\3\x01\1\x02\2/p' |
		sort -z -s -t $'\x02' -k1,1
}
# canon_json: modinfo --json output on stdin, parsed by jq, as canon_text's records
canon_json() {
	jq -j '.[] | (.filename // ("(builtin):" + .name)) as $f |
		(.fields | to_entries[] | .key as $k | .value[] | "\($f)\u0001\($k)\u0002\(.)\u0000"),
		(.parameters // [] | .[] | "\($f)\u0001parm\u0002\(.name):" +
			(if .description != null and .type != null then "\(.description) (\(.type))"
			elif .description != null then .description else .type end) + "\u0000")' |
		sort -z -s -t $'\x02' -k1,1
}
# json_is_text DESC ARGS...: modinfo --json ARGS parses, has one object per
# module, and says what modinfo -0 ARGS says (same records, same status)
json_is_text() {
	_d=$1
	shift
	"$modinfo" --json "$@" > "$testdir/j" 2> "$testdir/j.err"
	_r1=$?
	"$modinfo" -0 "$@" > "$testdir/t0" 2> "$testdir/t0.err"
	_r2=$?
	_nt=$(sed -z -n '/^filename:       /p' "$testdir/t0" | tr -cd '\0' | wc -c)
	if ! _nj=$(jq length "$testdir/j" 2> "$testdir/jq.err"); then
		not_ok "$_d: --json output parses"
		sed 's/^/#   /' "$testdir/jq.err"
		return
	fi
	canon_json < "$testdir/j" > "$testdir/cj"
	canon_text < "$testdir/t0" > "$testdir/ct"
	if [ "$_r1" = "$_r2" ] && [ "$_nj" = "$_nt" ] && cmp -s "$testdir/cj" "$testdir/ct" &&
		cmp -s "$testdir/j.err" "$testdir/t0.err"; then
		ok "$_d"
	else
		not_ok "$_d (status $_r1 vs $_r2, $_nj objects, $_nt modules)"
		diff <(tr '\0\1\2' '\n|=' < "$testdir/ct") <(tr '\0\1\2' '\n|=' < "$testdir/cj") |
			head -n 10 | sed 's/^/#   /'
	fi
}

if need_or_skip "jq (Debian package jq)" command -v jq; then
	json_is_text "--json: fixtures and hand-made modules (parameters, bare keys, build-id, signatures)" \
		"$fx"/*.ko "$fx"/*.ko.xz "$w"/*.ko
	json_is_text "--json: detached .sig fields" "$w/det/bare.ko" "$w/det/both.ko" "$w/det/bad.ko"
	is "$("$modinfo" --json "$w/pm.ko" 2> /dev/null | jq -c '.[0].parameters' 2>&1)" \
		'[{"name":"e","description":"","type":"bool"},{"name":"d","description":null,"type":""},{"name":"c","description":null,"type":"charp"},{"name":"a","description":"second a","type":"uint"},{"name":"b","description":"desc b","type":null}]' \
		"--json: parameters as objects, in the text's order, null for what is missing"
	is "$(out "$modinfo" --json "$w/pm.ko")" "$(cat "$golden/modinfo-pm.json")" "golden: --json"
	printf '%s\0' 'q=a"b\c/d' "$(printf 'ctl=\001\037\177\b\f\r\t\n.')" 'utf8=é € 𝄞' \
		"$(printf 'bad=\377')" "$(printf 'overlong=\300\257')" "$(printf 'surrogate=\355\240\200')" \
		"$(printf 'big=\364\220\200\200')" "$(printf 'cut=\342\202')" "$(printf 'k\377ey=v')" \
		> "$testdir/esc"
	objcopy --remove-section .modinfo --add-section .modinfo="$testdir/esc" \
		"$w/dummy.ko" "$testdir/esc.ko"
	is "$("$modinfo" --json "$testdir/esc.ko" | sed -n 's/.*"fields":\({.*}\),"parameters":\[\]}$/\1/p')" \
		'{"q":["a\"b\\c/d"],"ctl":["\u0001\u001f\u007f\b\f\r\t\n."],"utf8":["é € 𝄞"],"bad":[[255]],"overlong":[[192,175]],"surrogate":[[237,160,128]],"big":[[244,144,128,128]],"cut":[[226,130]],"k\ufffdey":["v"]}' \
		"--json: escapes; UTF-8 as is; other bytes as arrays of numbers, in keys U+FFFD"
	is "$("$modinfo" --json "$testdir/esc.ko" | jq -r '.[0].fields.ctl[0], .[0].fields.bad[0][0]' | od -An -c | tr -s ' ')" \
		" 001 037 177 \b \f \r \t \n . \n 2 5 5 \n" "--json: jq reads back the control characters and bytes"
	is "$(out "$modinfo" --json -F license -b "$testdir/none" -k 1 "$w/dummy.ko" nosuch)" \
		"modinfo: ERROR: Module nosuch not found.
[
{\"name\":\"dummy\",\"filename\":\"@T@/w/dummy.ko\",\"builtin\":false,\"fields\":{\"license\":[\"GPL\"]}}
]
rc=1" "--json -F: that field only, no parameters; a module not found: reported, exit 1"
	is "$(out "$modinfo" --json -p "$w/dummy.ko" | sed -n 2p)" \
		'{"name":"dummy","filename":"@T@/w/dummy.ko","builtin":false,"fields":{},"parameters":[{"name":"numdummies","description":"Number of dummy pseudo devices","type":"int"}]}' \
		"--json -p: the parameters, no field"
	is "$(out "$modinfo" --json -b "$testdir/none" -k 1 nosuch)" "modinfo: ERROR: Module nosuch not found.
[]
rc=1" "--json: nothing found: an empty array"
	is "$(out "$modinfo" --json -0 "$w/dummy.ko")" "modinfo: ERROR: --json and -0 cannot be used together.
rc=1" "--json with -0: refused"
fi

# ---- PKCS#7 against openssl's view of the fixture signature ------------------

# Without libcrypto PKCS#7 shows only "sig_id PKCS#7" and "sig_hashalgo unknown".
if ! "$modinfo" -V | grep -q '+LIBCRYPTO'; then
	is "$("$modinfo" -F sig_hashalgo "$fx/dummy-signed.ko")" "unknown" "no libcrypto: hash unknown"
	skip "built without libcrypto: PKCS#7 fields and Debian comparisons"
	done_testing
fi

serial=$(openssl x509 -in "$fx/cert.pem" -noout -serial | sed 's/^serial=//')
# sign-file's RSA PKCS#7 ends with the encrypted digest (no unsigned attributes)
sighex=$(tail -c 256 "$fx/dummy.ko.p7s" | od -An -tx1 -v | tr -d ' \n')
want_sig="sig_id:         PKCS#7
signer:         kmod-ds test key
sig_key:        $(colons "$(printf '%s' "$serial" | sed 's/^\(00\)*//')")
sig_hashalgo:   sha256
signature:      $(colons "$sighex")"
is "$("$modinfo" "$fx/dummy-signed.ko" | sed -n '/^sig_id/,/^parm/p' | sed '$d')" \
	"$want_sig" "PKCS#7 fields of dummy-signed.ko match openssl's serial and signature"

# ---- detached signatures ------------------------------------------------------

mkdir -p "$w/det"
cp "$fx/dummy.ko" "$w/det/bare.ko"
cp "$fx/dummy.ko.p7s" "$w/det/bare.ko.sig"
cp "$fx/dummy.ko" "$w/det/full.ko"
cp "$fx/dummy.ko.trailer" "$w/det/full.ko.sig"
cp "$fx/dummy-signed.ko" "$w/det/both.ko"
cp "$fx/mod-foo-a.ko.trailer" "$w/det/both.ko.sig"
cp "$fx/dummy.ko" "$w/det/bad.ko"
cp "$fx/badsig/garbage.sig" "$w/det/bad.ko.sig"
if [ -f "$fx/dummy.ko.xz" ]; then
	cp "$fx/dummy.ko.xz" "$w/det/xz.ko.xz"
	cp "$fx/dummy.ko.trailer" "$w/det/xz.ko.xz.sig"
fi
signed_fields=$("$modinfo" "$fx/dummy-signed.ko" | sed 1d)
# the signed module's fields, with LINE inserted before the first parm line
with_line() { printf '%s\n' "$signed_fields" | awk -v l="$1" '/^parm:/ && !d { print l; d = 1 } { print }'; }
for m in bare full; do
	is "$("$modinfo" "$w/det/$m.ko" 2>&1 | sed 1d)" \
		"$(with_line "sig_file:       $w/det/$m.ko.sig")" \
		"$m .sig: the signed module's fields and sig_file"
done
is "$("$modinfo" "$w/det/both.ko" 2>&1 | sed 1d)" \
	"$(with_line "sig_file_ignored:$w/det/both.ko.sig")" \
	"appended signature wins over a .sig, which is named as ignored"
if [ -f "$w/det/xz.ko.xz" ]; then
	is "$("$modinfo" "$w/det/xz.ko.xz" 2>&1 | sed 1d)" \
		"$(with_line "sig_file:       $w/det/xz.ko.xz.sig")" "x.ko.xz with x.ko.xz.sig"
fi
is "$(out "$modinfo" -F sig_file -F sig_file "$w/det/bad.ko")" \
	"modinfo: ERROR: @T@/w/det/bad.ko.sig: malformed signature: not a PKCS#7 DER blob
@T@/w/det/bad.ko.sig
rc=0" "malformed .sig: reason on stderr, its path still given"
is "$(out "$modinfo" -F sig_file "$w/det/bare.ko" "$w/det/both.ko" "$w/det/full.ko")" \
	"@T@/w/det/bare.ko.sig
@T@/w/det/full.ko.sig
rc=0" "-F sig_file lists the .sig files to ship"
is "$(KMOD_DETACHED_SIG=ignore out "$modinfo" "$w/det/bare.ko" | grep -c '^sig')" "0" \
	"policy ignore: .sig not looked at"

# ---- errors and options -------------------------------------------------------

is "$(out "$modinfo")" "modinfo: ERROR: missing module or filename.
rc=1" "no argument"
is "$(out "$modinfo" -b "$testdir/none" -k 1 nosuch)" "modinfo: ERROR: Module nosuch not found.
rc=1" "unknown name"
is "$(out "$modinfo" -m -b "$testdir/none" -k 1 dummy)" "modinfo: ERROR: Module name dummy not found.
rc=1" "-m unknown name"
is "$(out "$modinfo" -b "$testdir/none" -k 1 -F filename "$w/dummy.ko" "$w/none.ko")" \
	"modinfo: ERROR: Module @T@/w/none.ko not found.
@T@/w/dummy.ko
rc=1" "a missing file is a name that is not found; the others are shown"
like "$("$modinfo" -h)" "^Usage:" "-h"
like "$("$modinfo" -V)" "^kmod version " "-V"

# ---- differential against Debian's modinfo -------------------------------------

if ! need_or_skip "Debian's modinfo at $ref" test -x "$ref"; then
	done_testing
fi

# The references: "name modinfo" lines, Debian 12's kmod 30 and Debian 13's 34.2.
refs="kmod30 $ref"
debian13_bin && refs="$refs
kmod34 $kmod34/modinfo"

# same DESC ARGS...: ours and each reference, same stdout, stderr and status;
# with only=NAME in the environment, against that reference alone.
same() {
	_d=$1
	shift
	"$modinfo" "$@" > "$testdir/ours" 2> "$testdir/ours.err"
	_r1=$?
	nobuildid "$testdir/ours"
	while read -r _name _tool; do
		[ -z "${only:-}" ] || [ "$only" = "$_name" ] || continue
		"$_tool" "$@" > "$testdir/theirs" 2> "$testdir/theirs.err"
		_r2=$?
		if [ $_r1 = $_r2 ] && cmp -s "$testdir/ours" "$testdir/theirs" &&
			cmp -s "$testdir/ours.err" "$testdir/theirs.err"; then
			ok "$_name: $_d"
		else
			not_ok "$_name: $_d (status $_r1 vs $_r2)"
			diff "$testdir/theirs" "$testdir/ours" | head -n 20 | sed 's/^/#   /'
			diff "$testdir/theirs.err" "$testdir/ours.err" | head -n 5 | sed 's/^/#   /'
		fi
	done << EOF
$refs
EOF
}

# PKCS#7 variants kmod parses, or does not: digests, key id signer, no CN, ...
p7() { # NAME CERT KEY [openssl cms options]
	_n=$1 _c=$2 _k=$3
	shift 3
	openssl cms -sign -in "$w/dummy.ko" -signer "$_c" -inkey "$_k" -binary -outform DER \
		-out "$testdir/$_n.p7s" "$@" 2> /dev/null &&
		{ cat "$w/dummy.ko"; block "$testdir/$_n.p7s" 0 0 2 0 0 "$(size "$testdir/$_n.p7s")"; } \
			> "$w/p7-$_n.ko"
}
key=$fx/key.pem cert=$fx/cert.pem
for md in sha1 sha224 sha256 sha384 sha512 md5 sha3-256; do
	p7 "$md" "$cert" "$key" -noattr -nocerts -md "$md"
done
p7 skid "$cert" "$key" -noattr -nocerts -keyid
p7 attrs "$cert" "$key" -nocerts
p7 certs "$cert" "$key" -noattr
for subj in '/O=a/OU=b' '/CN=first/O=second' '/O=a/CN=mid/OU=b/CN=last'; do
	n=subj$((${n:-0} + 1))
	openssl req -x509 -newkey rsa:1024 -nodes -days 30 -subj "$subj" -keyout "$testdir/$n.key" \
		-out "$testdir/$n.crt" 2> /dev/null && p7 "$n" "$testdir/$n.crt" "$testdir/$n.key" -noattr -nocerts
done
openssl ecparam -name secp384r1 -genkey -noout -out "$testdir/ec.key" 2> /dev/null &&
	openssl req -x509 -new -key "$testdir/ec.key" -days 30 -subj /CN=ec -out "$testdir/ec.crt" &&
	p7 ec "$testdir/ec.crt" "$testdir/ec.key" -noattr -nocerts -md sha384
head -c 700 /dev/zero | tr '\0' 'z' > "$testdir/junk"
{ cat "$w/dummy.ko"; block "$testdir/junk" 0 0 2 0 0 700; } > "$w/p7-junk.ko"
printf 'a\0b' > "$testdir/nul"
cat "$testdir/nul" "$testdir/kid" "$testdir/sig" > "$testdir/nulblock"
{ cat "$w/dummy.ko"; block "$testdir/nulblock" 0 0 1 3 4 8; } > "$w/nul.ko"

# .ko.gz is left out: Debian's kmod 30 and 34.2 are built without zlib and
# call it not found.  Two modules show what changed after kmod 30, which we
# follow: a key of 16 bytes or more gets no padding, and a PKCS#7 digest
# kmod 30 has no name for (SHA3) is named as OpenSSL names it.
kmod34_only="$w/pm.ko $w/p7-sha3-256.ko"
set --
for f in "$fx"/*.ko "$fx"/*.ko.xz "$fx"/*.ko.zst "$w"/*.ko; do
	case " $kmod34_only " in *" $f "*) ;; *) set -- "$@" "$f" ;; esac
done
for opts in "" "-0" "-F signature" "-F signer" "-F sig_key" "-F sig_hashalgo" "-F parm" \
	"-p -0" "-F parm -0" "-n" "-a" "-d" "-l" "-F name" "-F bare" "-m"; do
	# shellcheck disable=SC2086
	same "fixtures and hand-made modules, options '$opts'" $opts "$@"
	# shellcheck disable=SC2086
	[ -z "$kmod34" ] || only=kmod34 same "long key, SHA3 digest, options '$opts'" $opts $kmod34_only
done
is "$("$modinfo" -F sig_hashalgo "$w/p7-sha3-256.ko")" "sha3-256" "a SHA3-256 signature is shown"
same "no argument" 
same "unknown names" -b "$testdir/none" -k 1 nosuch other
same "-m unknown" -m -b "$testdir/none" -k 1 dummy

# The real trees, with Debian's depmod indexes in a private root.
depmod=${DEPMOD:-/usr/sbin/depmod}
trees=$(bash "$top_srcdir/testsuite/debian-kernels.sh" extract 2> "$testdir/dk.err")
case $? in
0) ;;
2)
	skip "Debian kernels not available here"
	trees=
	;;
*)
	not_ok "debian-kernels.sh extract"
	sed 's/^/# /' "$testdir/dk.err"
	trees=
	;;
esac
[ -n "$trees" ] && ! need_or_skip "Debian's depmod" test -x "$depmod" && trees=

while read -r kver tree; do
	[ -n "$kver" ] || continue
	root=$testdir/root-$kver
	dir=$root/lib/modules/$kver
	mkdir -p "$dir"
	ln -s "$tree/lib/modules/$kver/kernel" "$dir/kernel"
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[ ! -f "$tree/lib/modules/$kver/$f" ] || cp "$tree/lib/modules/$kver/$f" "$dir/"
	done
	if ! "$depmod" -b "$root" "$kver" 2> "$testdir/depmod.err"; then
		not_ok "$kver: depmod"
		continue
	fi
	find -L "$dir/kernel" -name '*.ko*' | sort > "$testdir/all"
	n=$(wc -l < "$testdir/all")
	mapfile -t all < "$testdir/all"
	same "$kver: all $n modules by path in one process" "${all[@]}"
	# build-id: every module has one, readelf's, right after vermagic
	"$modinfo" -0 "${all[@]}" > "$testdir/all0"
	kmod_ids < "$testdir/all0" > "$testdir/ids.ours"
	readelf_ids "${all[@]}" > "$testdir/ids.readelf"
	if is "$(wc -l < "$testdir/ids.ours")" "$n" "$kver: all $n modules show a build-id"; then
		is "$(cmp "$testdir/ids.ours" "$testdir/ids.readelf" 2>&1)" "" \
			"$kver: every build-id is readelf -n's"
	fi
	is "$(tr '\0' '\n' < "$testdir/all0" | awk '/^build-id=/ && p ~ /^vermagic=/ { n++ }
		{ p = $0 } END { print n + 0 }')" "$n" "$kver: build-id right after vermagic"
	command -v jq > /dev/null &&
		json_is_text "$kver: --json of all $n modules parses and says what -0 says" "${all[@]}"
	mapfile -t sample < <(awk 'NR % 7 == 1' "$testdir/all")
	for opts in "-0" "-F signature" "-F parm" "-F sig_key -F signer"; do
		# shellcheck disable=SC2086
		same "$kver: every 7th module, '$opts'" $opts "${sample[@]}"
	done
	# names: modules, builtins, aliases, symbols, unknown ones
	{
		sed 's|.*/||; s|\.ko.*||' "$dir/modules.order"
		sed 's|.*/||; s|\.ko.*||' "$dir/modules.builtin"
		awk '$1 == "alias" { print $2 }' "$dir/modules.alias" | awk 'NR % 50 == 1'
		echo fs-ext4 crc32c symbol:jbd2_journal_start nosuch-module 'pci:v00008086d00001572sv*sd*bc*sc*i*'
	} | tr ' ' '\n' > "$testdir/names"
	mapfile -t names < "$testdir/names"
	same "$kver: ${#names[@]} names, aliases and builtins" -b "$root" -k "$kver" "${names[@]}"
	mapfile -t dummy < <(grep '/dummy\.ko' "$testdir/all")
	same "$kver: names and files of one module mixed" -b "$root" -k "$kver" \
		dummy "${dummy[@]}" dummy "${dummy[@]}" "${dummy[@]}" "$fx/dummy.ko" dummy
	mapfile -t bnames < <(sed 's|.*/||; s|\.ko.*||' "$dir/modules.builtin")
	command -v jq > /dev/null &&
		json_is_text "Debian $kver: --json of ${#names[@]} names, aliases and builtins" \
			-b "$root" -k "$kver" "${names[@]}"
	for opts in "-m" "-0 -m" "-F name" "-F filename" "-F license" "-F parm"; do
		# shellcheck disable=SC2086
		same "$kver: builtins, '$opts'" $opts -b "$root" -k "$kver" "${bnames[@]}"
	done

	# Detached: a sample of signed modules split into module + .sig (both
	# formats): our output is Debian's for the signed file plus sig_file.
	mkdir -p "$testdir/split"
	bad=0 count=0
	while read -r f; do
		b=$testdir/split/$(basename "$f" .xz)
		case $f in
		*.ko) cp "$f" "$b.full" ;;
		*.ko.xz) xz -dc "$f" > "$b.full" || continue ;;
		*) continue ;;
		esac
		total=$(size "$b.full")
		siglen=$(tail -c 32 "$b.full" | head -c 4 | od -An -tu1 |
			awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
		head -c $((total - 40 - siglen)) "$b.full" > "$b"
		if [ $((count % 2)) = 0 ]; then
			tail -c $((40 + siglen)) "$b.full" > "$b.sig"
		else
			tail -c $((40 + siglen)) "$b.full" | head -c "$siglen" > "$b.sig"
		fi
		rm -f "$b.full"
		want=$("$ref" "$f" | sed 1d | awk -v l="sig_file:       $b.sig" '/^parm:/ && !d { print l; d = 1 } { print } END { if (!d) print l }')
		got=$("$modinfo" "$b" | sed 1d | sed '/^build-id:/d')
		[ "$got" = "$want" ] || { bad=$((bad + 1)); [ $bad -gt 3 ] || diag "differs: $f"; }
		count=$((count + 1))
		rm -f "$b" "$b.sig"
	done < <(awk 'NR % 40 == 3' "$testdir/all")
	if [ "$count" -gt 0 ]; then
		is "$bad" 0 "Debian $kver: $count modules split into module + .sig show the signed module's fields"
	fi
	rm -rf "$root"
done <<< "$trees"

done_testing

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Byte-level tests of the detached signature checks: every accept and
 * reject rule, boundary sizes, DER length forms, and the trailer bytes.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/macro.h"
#include "libkmod/libkmod-signature.h"
#include "testsuite/tap.h"

static const uint8_t marker[28] = {
	0x7e, 0x4d, 0x6f, 0x64, 0x75, 0x6c, 0x65, 0x20, 0x73, 0x69,
	0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65, 0x20, 0x61, 0x70,
	0x70, 0x65, 0x6e, 0x64, 0x65, 0x64, 0x7e, 0x0a,
};

static const uint8_t oid_signed_data[11] = {
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02,
};

/*
 * A PKCS#7-looking DER SEQUENCE of @content_len content bytes, its length
 * written with @nlen long-form octets (0 = short form).  Returns its size.
 */
static size_t make_der(uint8_t *out, size_t content_len, int nlen)
{
	size_t hdr = 2 + nlen;

	out[0] = 0x30;
	if (nlen == 0) {
		out[1] = (uint8_t)content_len;
	} else {
		out[1] = 0x80 | nlen;
		for (int i = 0; i < nlen; i++)
			out[2 + i] = (uint8_t)(content_len >> (8 * (nlen - 1 - i)));
	}
	memcpy(out + hdr, oid_signed_data, sizeof(oid_signed_data));
	for (size_t i = sizeof(oid_signed_data); i < content_len; i++)
		out[hdr + i] = (uint8_t)(0xa0 + i);
	return hdr + content_len;
}

/* @data, then an info block with @id_type and @sig_len, then the marker. */
static size_t make_trailer(uint8_t *out, const uint8_t *data, size_t len, uint8_t id_type,
			   uint32_t sig_len)
{
	uint8_t *info = out + len;

	memmove(out, data, len);
	memset(info, 0, 12);
	info[2] = id_type;
	info[8] = sig_len >> 24;
	info[9] = sig_len >> 16;
	info[10] = sig_len >> 8;
	info[11] = sig_len;
	memcpy(info + 12, marker, sizeof(marker));
	return len + 40;
}

static void expect_accept(const void *buf, size_t size, enum kmod_sig_format want,
			  const char *what)
{
	enum kmod_sig_format fmt = 99;
	const char *reason = NULL;
	int err = kmod_sig_check_detached(buf, size, &fmt, &reason);

	is_int(err, 0, "%s: accepted", what);
	is_int(fmt, want, "%s: format", what);
}

static void expect_reject(const void *buf, size_t size, const char *want,
			  const char *what)
{
	enum kmod_sig_format fmt = 99;
	const char *reason = NULL;
	int err = kmod_sig_check_detached(buf, size, &fmt, &reason);

	is_int(err, -EBADMSG, "%s: rejected", what);
	is_str(reason, want, "%s: reason", what);
}

static void expect_reject_msg(const void *buf, size_t size, const char *want,
			      const char *what)
{
	enum kmod_sig_format fmt = 99;
	char msg[128] = "";
	int err = kmod_sig_check_detached_msg(buf, size, &fmt, msg, sizeof(msg));

	is_int(err, -EBADMSG, "%s: rejected (msg)", what);
	is_str(msg, want, "%s: message", what);
}

static void test_is_appended(void)
{
	uint8_t buf[64] = { 0 };

	ok(!kmod_sig_is_appended(buf, 0), "is_appended: empty");
	memcpy(buf, marker, 28);
	ok(!kmod_sig_is_appended(buf, 28),
	   "is_appended: marker alone (28 bytes) is not enough");
	buf[0] = 'x';
	memcpy(buf + 1, marker, 28);
	ok(kmod_sig_is_appended(buf, 29), "is_appended: 29 bytes ending in marker");
	buf[28] = '\0';
	ok(!kmod_sig_is_appended(buf, 29), "is_appended: last byte differs");
	buf[28] = '\n';
	buf[1] = '#';
	ok(!kmod_sig_is_appended(buf, 29), "is_appended: first marker byte differs");
}

static void test_small_sizes(void)
{
	uint8_t buf[128];
	size_t n;

	expect_reject(buf, 0, "empty", "size 0");
	buf[0] = 0x30;
	expect_reject(buf, 1, "truncated", "size 1 SEQUENCE tag only");
	buf[0] = 0x00;
	expect_reject(buf, 1, "not a PKCS#7 DER blob", "size 1 not a SEQUENCE");
	buf[0] = 0x31;
	buf[1] = 0x00;
	expect_reject(buf, 2, "not a PKCS#7 DER blob", "SET instead of SEQUENCE");

	n = make_der(buf, 25, 0);
	is_int(n, 27, "27-byte DER built");
	expect_accept(buf, 27, KMOD_SIG_FORMAT_PKCS7, "size 27 bare DER");

	memcpy(buf, marker, 28);
	expect_reject(buf, 28, "truncated", "size 28 marker only");

	make_trailer(buf, buf, 0, 2, 0);
	expect_reject(buf, 40, "truncated", "size 40 info + marker");
	memset(buf, 0x30, 12);
	memcpy(buf + 12, marker, 28);
	expect_reject(buf, 40, "truncated", "size 40 junk + marker");
	expect_reject(buf + 10, 30, "truncated", "size 30 ending in marker");

	buf[0] = 0xaa;
	make_trailer(buf, buf, 1, 3, 1);
	expect_accept(buf, 41, KMOD_SIG_FORMAT_TRAILER,
		      "size 41 type 3, 1 byte passed through");
	buf[0] = 0x30;
	make_trailer(buf, buf, 1, 2, 1);
	expect_reject(buf, 41, "truncated", "size 41 type 2, 1-byte DER");
	buf[0] = 0x00;
	make_trailer(buf, buf, 1, 2, 1);
	expect_reject(buf, 41, "not a PKCS#7 DER blob", "size 41 type 2, not DER");
}

static void test_trailer_fields(void)
{
	static const int reserved[] = { 0, 1, 3, 4, 5, 6, 7 };
	static const int bad_ids[] = { 0, 1, 4, 255 };
	uint8_t der[64], buf[128];
	char what[64];
	size_t dlen, n;

	dlen = make_der(der, 20, 0);
	n = make_trailer(buf, der, dlen, 2, dlen);
	expect_accept(buf, n, KMOD_SIG_FORMAT_TRAILER, "type 2 trailer");
	n = make_trailer(buf, der, dlen, 3, dlen);
	expect_accept(buf, n, KMOD_SIG_FORMAT_TRAILER, "type 3 trailer");

	for (size_t i = 0; i < ARRAY_SIZE(bad_ids); i++) {
		n = make_trailer(buf, der, dlen, bad_ids[i], dlen);
		snprintf(what, sizeof(what), "type %d", bad_ids[i]);
		expect_reject(buf, n, "unsupported signature type", what);
	}
	n = make_trailer(buf, der, dlen, 4, dlen);
	expect_reject_msg(buf, n, "unsupported signature type 4", "type 4");

	for (size_t i = 0; i < ARRAY_SIZE(reserved); i++) {
		n = make_trailer(buf, der, dlen, 2, dlen);
		buf[dlen + reserved[i]] = 0x01;
		snprintf(what, sizeof(what), "reserved info byte %d", reserved[i]);
		expect_reject(buf, n, "non-zero reserved fields", what);
	}

	n = make_trailer(buf, der, dlen, 2, dlen + 1);
	expect_reject(buf, n, "signature length does not match file size", "sig_len + 1");
	expect_reject_msg(buf, n, "signature length 23 does not match file size 62",
			  "sig_len + 1");
	n = make_trailer(buf, der, dlen, 2, dlen - 1);
	expect_reject(buf, n, "signature length does not match file size", "sig_len - 1");
	n = make_trailer(buf, der, dlen, 2, 0xffffffff);
	expect_reject(buf, n, "signature length does not match file size",
		      "sig_len 0xffffffff");
	n = make_trailer(buf, der, dlen, 2, 0);
	expect_reject(buf, n, "empty signature", "sig_len 0");

	/* DER inside the trailer is held to the signature length. */
	der[1] = 21;
	n = make_trailer(buf, der, dlen, 2, dlen);
	expect_reject(buf, n, "DER length does not match signature length",
		      "DER + 1 in trailer");
	expect_reject_msg(buf, n, "DER length 23 does not match signature length 22",
			  "DER + 1 in trailer");
	der[1] = 20;
	der[5] = 0x55;
	n = make_trailer(buf, der, dlen, 2, dlen);
	expect_reject(buf, n, "not PKCS#7 signedData", "wrong OID in trailer");
	n = make_trailer(buf, der, dlen, 3, dlen);
	expect_accept(buf, n, KMOD_SIG_FORMAT_TRAILER, "type 3 does not look inside");
}

static void test_der_lengths(void)
{
	size_t cap = 70000 + 64;
	uint8_t *buf = malloc(cap);
	uint8_t *t = malloc(cap + 40);
	size_t n;

	if (buf == NULL || t == NULL)
		abort();

	n = make_der(buf, 127, 0);
	expect_accept(buf, n, KMOD_SIG_FORMAT_PKCS7, "short form 127");
	n = make_der(buf, 128, 1);
	expect_accept(buf, n, KMOD_SIG_FORMAT_PKCS7, "0x81 form 128");
	n = make_der(buf, 255, 1);
	expect_accept(buf, n, KMOD_SIG_FORMAT_PKCS7, "0x81 form 255");
	n = make_der(buf, 20, 1);
	expect_accept(buf, n, KMOD_SIG_FORMAT_PKCS7, "0x81 form for a short length");
	n = make_der(buf, 300, 2);
	expect_accept(buf, n, KMOD_SIG_FORMAT_PKCS7, "0x82 form 300");
	n = make_der(buf, 70000, 3);
	is_int(n, 70005, "0x83 blob built");
	expect_accept(buf, n, KMOD_SIG_FORMAT_PKCS7, "0x83 form 70000");

	n = make_der(buf, 300, 2);
	make_trailer(t, buf, n, 2, n);
	expect_accept(t, n + 40, KMOD_SIG_FORMAT_TRAILER, "0x82 form in trailer");

	expect_reject(buf, n - 1, "DER length does not match file size",
		      "0x82 one byte short");
	expect_reject_msg(buf, n - 1, "DER length 304 does not match file size 303",
			  "0x82 one byte short");
	buf[n] = 0;
	expect_reject(buf, n + 1, "DER length does not match file size",
		      "0x82 one byte extra");

	n = make_der(buf, 20, 0);
	buf[1] = 0x80;
	expect_reject(buf, n, "indefinite DER length", "0x80 indefinite");
	buf[1] = 0x85;
	expect_reject(buf, n, "bad DER length", "0x85 five length octets");
	expect_reject_msg(buf, n, "bad DER length (5 length octets)", "0x85");
	buf[1] = 0xff;
	expect_reject(buf, n, "bad DER length", "0xff");

	buf[0] = 0x30;
	buf[1] = 0x81;
	expect_reject(buf, 2, "truncated", "0x81 without its length octet");
	buf[1] = 0x82;
	buf[2] = 0x01;
	expect_reject(buf, 3, "truncated", "0x82 with one length octet");
	buf[1] = 0x84;
	memset(buf + 2, 0, 3);
	expect_reject(buf, 5, "truncated", "0x84 with three length octets");
	memset(buf + 2, 0xff, 4);
	expect_reject(buf, 20, "DER length does not match file size", "0x84 0xffffffff");

	/* Content must open with the signedData OID. */
	memcpy(buf, (const uint8_t[]){ 0x30, 0x05, 0x06, 0x03, 0x2a, 0x86, 0x48 }, 7);
	expect_reject(buf, 7, "not PKCS#7 signedData", "short content");
	n = make_der(buf, 20, 0);
	buf[12] = 0x01; /* pkcs7-data instead of signedData */
	expect_reject(buf, n, "not PKCS#7 signedData", "pkcs7-data OID");
	n = make_der(buf, 11, 0);
	expect_accept(buf, n, KMOD_SIG_FORMAT_PKCS7, "OID alone");

	free(buf);
	free(t);
}

static void test_write_trailer(void)
{
	static const uint8_t expected_info[12] = {
		0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xa2,
	};
	uint8_t blob[0x1a2], out[0x1a2 + 40], expected[0x1a2 + 40];
	enum kmod_sig_format fmt;
	size_t n;

	n = make_der(blob, 0x1a2 - 4, 2);
	is_int(n, 0x1a2, "418-byte blob built");
	is_int(kmod_sig_trailer_size(KMOD_SIG_FORMAT_PKCS7, n), n + 40,
	       "PKCS7 trailer size");
	is_int(kmod_sig_trailer_size(KMOD_SIG_FORMAT_TRAILER, n), n,
	       "TRAILER trailer size");

	memcpy(expected, blob, n);
	memcpy(expected + n, expected_info, 12);
	memcpy(expected + n + 12, marker, 28);
	memset(out, 0xee, sizeof(out));
	kmod_sig_write_trailer(out, blob, n, KMOD_SIG_FORMAT_PKCS7);
	ok(memcmp(out, expected, sizeof(expected)) == 0, "PKCS7 trailer bytes");

	ok(kmod_sig_check_detached(out, sizeof(out), &fmt, NULL) == 0 &&
		   fmt == KMOD_SIG_FORMAT_TRAILER,
	   "written trailer checks as TRAILER");
	ok(kmod_sig_is_appended(out, sizeof(out)), "written trailer is_appended");

	memset(blob, 0xee, sizeof(blob));
	kmod_sig_write_trailer(blob, out, sizeof(out) - 40 - 2, KMOD_SIG_FORMAT_TRAILER);
	ok(memcmp(blob, out, sizeof(out) - 42) == 0 && blob[sizeof(out) - 42] == 0xee,
	   "TRAILER format copied as is, nothing more");
}

int main(void)
{
	test_is_appended();
	test_small_sizes();
	test_trailer_fields();
	test_der_lengths();
	test_write_trailer();
	return tap_done();
}

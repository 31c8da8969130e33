// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Checks on signature trailers, done on bytes only.  The rules mirror what
 * the kernel's module_sig_check() will do with the trailer once it sits at
 * the end of the image, so a bad .sig is reported here with a reason instead
 * of as a bare EBADMSG from init_module().
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/macro.h"
#include "libkmod/libkmod-signature.h"

/* Offsets inside the 12-byte info block (struct module_signature). */
enum {
	INFO_ALGO = 0,
	INFO_HASH = 1,
	INFO_ID_TYPE = 2,
	INFO_SIGNER_LEN = 3,
	INFO_KEY_ID_LEN = 4,
	INFO_PAD = 5,	  /* 3 bytes */
	INFO_SIG_LEN = 8, /* big-endian u32 */
};

/* DER of OBJECT IDENTIFIER 1.2.840.113549.1.7.2 (pkcs7-signedData). */
static const uint8_t oid_signed_data[] = {
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02,
};

#define DER_SEQUENCE 0x30

/* Where a rejection is reported: a static reason, and optionally the details. */
struct verdict {
	const char *reason;
	char *msg;
	size_t msglen;
};

static int vreject(struct verdict *v, int err, const char *reason, const char *fmt,
		   va_list ap)
{
	v->reason = reason;
	if (v->msg == NULL || v->msglen == 0)
		return err;
	if (fmt == NULL)
		snprintf(v->msg, v->msglen, "%s", reason);
	else
		vsnprintf(v->msg, v->msglen, fmt, ap);
	return err;
}

/* -EBADMSG, the reason and (fmt != NULL) the details in the verdict. */
_printf_format_(3, 4) static int reject(struct verdict *v, const char *reason,
					const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vreject(v, -EBADMSG, reason, fmt, ap);
	va_end(ap);
	return err;
}

/* The same with another error. */
_printf_format_(4, 5) static int reject_err(struct verdict *v, int err,
					    const char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err = vreject(v, err, reason, fmt, ap);
	va_end(ap);
	return err;
}

static uint32_t read_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void write_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

bool kmod_sig_is_appended(const void *mem, size_t size)
{
	const uint8_t *p = mem;

	if (size <= MODULE_SIG_STRING_LEN)
		return false;

	return memcmp(p + size - MODULE_SIG_STRING_LEN, MODULE_SIG_STRING,
		      MODULE_SIG_STRING_LEN) == 0;
}

/*
 * Decode the identifier and length octets of a DER SEQUENCE.  Long-form
 * lengths of up to 4 octets are accepted: nothing we take comes near 4 GiB,
 * and the kernel's ASN.1 decoder refuses longer ones as well.  Indefinite
 * lengths are BER, not DER, and the kernel refuses them for signatures.
 */
static int der_sequence_header(const uint8_t *p, size_t avail, size_t *hdr_len,
			       size_t *content_len, struct verdict *v)
{
	size_t nbytes, len = 0;

	if (avail < 1 || p[0] != DER_SEQUENCE)
		return reject(v, "not a PKCS#7 DER blob", NULL);
	if (avail < 2)
		return reject(v, "truncated", NULL);

	if (p[1] < 0x80) {
		*hdr_len = 2;
		*content_len = p[1];
		return 0;
	}
	if (p[1] == 0x80)
		return reject(v, "indefinite DER length", NULL);

	nbytes = p[1] & 0x7f;
	if (nbytes > 4)
		return reject(v, "bad DER length", "bad DER length (%zu length octets)",
			      nbytes);
	if (avail - 2 < nbytes)
		return reject(v, "truncated", NULL);

	for (size_t i = 0; i < nbytes; i++)
		len = len << 8 | p[2 + i];

	*hdr_len = 2 + nbytes;
	*content_len = len;
	return 0;
}

/*
 * A PKCS#7 blob must be exactly one DER SEQUENCE filling @size bytes and
 * holding a ContentInfo of type signedData.  @in_trailer says whether @size
 * came from the info block or from the file, for the message.
 */
static int check_pkcs7(const uint8_t *p, size_t size, bool in_trailer, struct verdict *v)
{
	const char *what = in_trailer ? "signature length" : "file size";
	size_t hdr_len = 0, content_len = 0, total;
	int err;

	err = der_sequence_header(p, size, &hdr_len, &content_len, v);
	if (err < 0)
		return err;

	if (uadd_overflow(hdr_len, content_len, &total) || total != size)
		return reject(v,
			      in_trailer ? "DER length does not match signature length"
					 : "DER length does not match file size",
			      "DER length %llu does not match %s %zu",
			      (unsigned long long)hdr_len + content_len, what, size);

	if (content_len < sizeof(oid_signed_data) ||
	    memcmp(p + hdr_len, oid_signed_data, sizeof(oid_signed_data)) != 0)
		return reject(v, "not PKCS#7 signedData", NULL);

	return 0;
}

/* Signature data + info block + marker, as the kernel parses it. */
static int check_trailer(const uint8_t *p, size_t size, struct verdict *v)
{
	const uint8_t *info;
	size_t data_len = size - MODULE_SIG_OVERHEAD;
	uint32_t sig_len;

	info = p + data_len;
	if (info[INFO_ALGO] != 0 || info[INFO_HASH] != 0 || info[INFO_SIGNER_LEN] != 0 ||
	    info[INFO_KEY_ID_LEN] != 0 || info[INFO_PAD] != 0 ||
	    info[INFO_PAD + 1] != 0 || info[INFO_PAD + 2] != 0)
		return reject(v, "non-zero reserved fields", NULL);

	if (info[INFO_ID_TYPE] != MODULE_SIG_ID_PKCS7 &&
	    info[INFO_ID_TYPE] != MODULE_SIG_ID_MERKLE)
		return reject(v, "unsupported signature type",
			      "unsupported signature type %u", info[INFO_ID_TYPE]);

	sig_len = read_be32(info + INFO_SIG_LEN);
	if (sig_len == 0)
		return reject(v, "empty signature", NULL);
	/*
	 * The kernel only needs sig_len to fit; we want the file to be exactly
	 * one signature, or appending it would smuggle extra bytes in front.
	 */
	if (sig_len != data_len)
		return reject(v, "signature length does not match file size",
			      "signature length %u does not match file size %zu", sig_len,
			      size);

	/* Proofs of the proposed hash-based scheme are opaque to us. */
	if (info[INFO_ID_TYPE] == MODULE_SIG_ID_MERKLE)
		return 0;

	return check_pkcs7(p, data_len, true, v);
}

static int check_detached(const void *buf, size_t size, enum kmod_sig_format *format,
			  struct verdict *v)
{
	const uint8_t *p = buf;
	int err;

	if (size == 0)
		return reject(v, "empty", NULL);

	if (size >= MODULE_SIG_STRING_LEN &&
	    memcmp(p + size - MODULE_SIG_STRING_LEN, MODULE_SIG_STRING,
		   MODULE_SIG_STRING_LEN) == 0) {
		if (size <= MODULE_SIG_OVERHEAD)
			return reject(v, "truncated", NULL);
		err = check_trailer(p, size, v);
		if (err < 0)
			return err;
		*format = KMOD_SIG_FORMAT_TRAILER;
		return 0;
	}

	/* sig_len in the info block we would synthesize is 32 bits wide. */
	if (size > UINT32_MAX)
		return reject(v, "too large", NULL);

	err = check_pkcs7(p, size, false, v);
	if (err < 0)
		return err;

	*format = KMOD_SIG_FORMAT_PKCS7;
	return 0;
}

int kmod_sig_check_detached(const void *buf, size_t size, enum kmod_sig_format *format,
			    const char **reason)
{
	struct verdict v = { 0 };
	int err;

	err = check_detached(buf, size, format, &v);
	if (err < 0 && reason != NULL)
		*reason = v.reason;
	return err;
}

int kmod_sig_check_detached_msg(const void *buf, size_t size,
				enum kmod_sig_format *format, char *msg, size_t msglen)
{
	struct verdict v = { .msg = msg, .msglen = msglen };

	return check_detached(buf, size, format, &v);
}

size_t kmod_sig_trailer_size(enum kmod_sig_format format, size_t size)
{
	if (format == KMOD_SIG_FORMAT_PKCS7)
		return size + MODULE_SIG_OVERHEAD;
	return size;
}

void kmod_sig_write_trailer(void *dst, const void *buf, size_t size,
			    enum kmod_sig_format format)
{
	uint8_t *out = dst;
	uint8_t *info;

	memcpy(out, buf, size);
	if (format != KMOD_SIG_FORMAT_PKCS7)
		return;

	info = out + size;
	memset(info, 0, MODULE_SIG_INFO_LEN);
	info[INFO_ID_TYPE] = MODULE_SIG_ID_PKCS7;
	write_be32(info + INFO_SIG_LEN, (uint32_t)size);
	memcpy(info + MODULE_SIG_INFO_LEN, MODULE_SIG_STRING, MODULE_SIG_STRING_LEN);
}

/* Names of the legacy info block's hash and id_type indices, as kmod prints them. */
static const char *const hash_names[] = {
	"md4", "md5", "sha1", "rmd160", "sha256", "sha384", "sha512", "sha224", "sm3",
};
static const char *const id_type_names[] = { "PGP", "X509", "PKCS#7" };

/* Public-key algorithms the info block may name: DSA and RSA (never shown). */
#define SIG_ALGO_COUNT 2

static void sig_info_init(struct kmod_sig_info *info, const char *id_type)
{
	*info = (struct kmod_sig_info){ .id_type = id_type, .hash_algo = "unknown" };
}

size_t kmod_sig_appended_size(const void *mem, size_t size)
{
	const uint8_t *block;
	size_t body, need;

	if (!kmod_sig_is_appended(mem, size) || size < MODULE_SIG_OVERHEAD)
		return 0;
	body = size - MODULE_SIG_OVERHEAD;
	block = (const uint8_t *)mem + body;
	need = (size_t)read_be32(block + INFO_SIG_LEN) + block[INFO_SIGNER_LEN] +
	       block[INFO_KEY_ID_LEN];
	return need > body ? 0 : need + MODULE_SIG_OVERHEAD;
}

int kmod_sig_parse_trailer(const void *mem, size_t size, struct kmod_sig_info *info)
{
	const uint8_t *p = mem;
	const uint8_t *block;
	uint32_t sig_len;
	size_t body;

	if (kmod_sig_appended_size(mem, size) == 0)
		return -ENODATA;
	body = size - MODULE_SIG_OVERHEAD;
	block = p + body;
	if (block[INFO_ALGO] >= SIG_ALGO_COUNT ||
	    block[INFO_HASH] >= ARRAY_SIZE(hash_names) ||
	    block[INFO_ID_TYPE] >= ARRAY_SIZE(id_type_names))
		return -ENODATA;
	sig_len = read_be32(block + INFO_SIG_LEN);
	if (sig_len == 0)
		return -ENODATA;

	if (block[INFO_ID_TYPE] == MODULE_SIG_ID_PKCS7)
		return kmod_sig_parse_pkcs7(p + body - sig_len, sig_len, info);

	/* Legacy blocks: [signer][key id][signature] right before the info block. */
	sig_info_init(info, id_type_names[block[INFO_ID_TYPE]]);
	info->hash_algo = hash_names[block[INFO_HASH]];
	info->sig = p + body - sig_len;
	info->sig_len = sig_len;
	info->key_id_len = block[INFO_KEY_ID_LEN];
	info->key_id = info->sig - info->key_id_len;
	info->signer_len = block[INFO_SIGNER_LEN];
	info->signer = info->key_id - info->signer_len;
	return 0;
}

void kmod_sig_info_release(struct kmod_sig_info *info)
{
	free(info->owned);
	info->owned = NULL;
}

char *kmod_sig_hex(const uint8_t *buf, size_t len)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i, total;
	char *hex, *q;

	/* at most 2 digits + ':' + "\n\t\t" per byte, and the NUL */
	if (umul_overflow(len, 6, &total) || uadd_overflow(total, 1, &total))
		return NULL;
	hex = malloc(total);
	if (hex == NULL)
		return NULL;
	q = hex;
	for (i = 0; i < len; i++) {
		*q++ = digits[buf[i] >> 4];
		*q++ = digits[buf[i] & 0xf];
		if (i + 1 == len)
			break;
		*q++ = ':';
		if ((i + 1) % 20 == 0) {
			*q++ = '\n';
			*q++ = '\t';
			*q++ = '\t';
		}
	}
	*q = '\0';
	return hex;
}

/*
 * The kernel's reading of the trailer at the end of an image (mod_verify_sig()
 * and mod_check_sig()), with a hash proof told apart from a malformed block.
 * On success *der and *der_len give the signature data.
 */
static int require_trailer(const uint8_t *p, size_t size, const uint8_t **der,
			   size_t *der_len, struct verdict *v)
{
	const uint8_t *info;
	uint32_t sig_len;
	size_t len;

	if (!kmod_sig_is_appended(p, size))
		return reject_err(v, -ENOKEY, "no signature", NULL);
	len = size - MODULE_SIG_STRING_LEN;
	if (len <= MODULE_SIG_INFO_LEN)
		return reject(v, "truncated", "marker without an info block before it");
	len -= MODULE_SIG_INFO_LEN;
	info = p + len;
	sig_len = read_be32(info + INFO_SIG_LEN);
	if (sig_len == 0)
		return reject(
			v, "empty signature",
			"marker without a signature (signature length 0 before it)");
	if (sig_len >= len)
		return reject(v, "bad signature length",
			      "signature length %u does not fit the %zu bytes before the "
			      "info block",
			      sig_len, len);
	if (info[INFO_ID_TYPE] == MODULE_SIG_ID_MERKLE)
		return reject_err(v, -ENOKEY, "hash proof",
				  "a hash proof (id_type 3) is not a signature");
	if (info[INFO_ID_TYPE] != MODULE_SIG_ID_PKCS7)
		return reject(v, "unsupported signature type",
			      "signature type (id_type) %u is not PKCS#7 (2)",
			      info[INFO_ID_TYPE]);
	if (info[INFO_ALGO] != 0 || info[INFO_HASH] != 0 || info[INFO_SIGNER_LEN] != 0 ||
	    info[INFO_KEY_ID_LEN] != 0 || info[INFO_PAD] != 0 ||
	    info[INFO_PAD + 1] != 0 || info[INFO_PAD + 2] != 0)
		return reject(v, "non-zero reserved fields",
			      "non-zero reserved fields in the signature info block");
	*der = info - sig_len;
	*der_len = sig_len;
	return 0;
}

static int require_cms(const uint8_t *der, size_t len, struct verdict *v);

int kmod_sig_check_required(const void *mem, size_t size, char *msg, size_t msglen)
{
	struct verdict v = { .msg = msg, .msglen = msglen };
	const uint8_t *der = NULL;
	size_t der_len = 0;
	int err;

	err = require_trailer(mem, size, &der, &der_len, &v);
	if (err < 0)
		return err;
	return require_cms(der, der_len, &v);
}

/* Without libcrypto all there is to say is the type. */
static int parse_type_only(struct kmod_sig_info *info)
{
	sig_info_init(info, "PKCS#7");
	return 0;
}

#ifdef ENABLE_OPENSSL
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "libkmod/libkmod-crypto.h"

/*
 * The digest's name as kmod (since 31) shows it: OpenSSL's long name of the
 * object ("sha256", "sha3-256", "ripemd160"), or its OID in dotted form.
 * Writes it into @buf when @size allows; returns its length or -ENODATA.
 */
static int digest_name(const X509_ALGOR *alg, char *buf, size_t size)
{
	const ASN1_OBJECT *obj;
	int n;

	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	n = OBJ_obj2txt(buf, (int)size, obj, 0);
	return n < 0 ? -ENODATA : n;
}

/* The issuer's commonName, or its last attribute when it has no CN. */
static const ASN1_STRING *issuer_name(const X509_NAME *issuer)
{
	const ASN1_STRING *found = NULL;
	int n = X509_NAME_entry_count(issuer);

	for (int i = 0; i < n; i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(issuer, i);

		found = X509_NAME_ENTRY_get_data(e);
		if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) == NID_commonName)
			break;
	}
	return found;
}

static int fill_from_signer(PKCS7_SIGNER_INFO *si, struct kmod_sig_info *info)
{
	const ASN1_STRING *cn;
	BIGNUM *serial;
	uint8_t *block;
	size_t cn_len, serial_len, sig_len;
	int hash_len;

	if (si->issuer_and_serial == NULL || si->enc_digest == NULL)
		return -ENODATA;
	hash_len = digest_name(si->digest_alg, NULL, 0);
	if (hash_len < 0)
		return hash_len;
	serial = ASN1_INTEGER_to_BN(si->issuer_and_serial->serial, NULL);
	if (serial == NULL)
		return -ENOMEM;
	cn = issuer_name(si->issuer_and_serial->issuer);
	cn_len = cn ? (size_t)ASN1_STRING_length(cn) : 0;
	serial_len = BN_num_bytes(serial);
	sig_len = ASN1_STRING_length(si->enc_digest);

	/* signer, key id and signature, then the digest's name and its NUL */
	block = malloc(cn_len + serial_len + sig_len + (size_t)hash_len + 1);
	if (block == NULL) {
		BN_free(serial);
		return -ENOMEM;
	}
	sig_info_init(info, "PKCS#7");
	info->hash_algo = (char *)block + cn_len + serial_len + sig_len;
	digest_name(si->digest_alg, (char *)info->hash_algo, (size_t)hash_len + 1);
	info->owned = block;
	info->signer = block;
	info->signer_len = cn_len;
	if (cn_len > 0)
		memcpy(block, ASN1_STRING_get0_data(cn), cn_len);
	info->key_id = block + cn_len;
	info->key_id_len = serial_len;
	BN_bn2bin(serial, block + cn_len);
	info->sig = block + cn_len + serial_len;
	info->sig_len = sig_len;
	memcpy(block + cn_len + serial_len, ASN1_STRING_get0_data(si->enc_digest),
	       sig_len);
	BN_free(serial);
	return 0;
}

int kmod_sig_parse_pkcs7(const void *der, size_t size, struct kmod_sig_info *info)
{
	const unsigned char *p = der;
	STACK_OF(PKCS7_SIGNER_INFO) * signers;
	PKCS7 *p7;
	int err = -ENODATA;

	if (size > INT32_MAX)
		return -ENODATA;
	if (kmod_crypto_load(NULL, 0) < 0)
		return parse_type_only(info);
	p7 = d2i_PKCS7(NULL, &p, (long)size);
	if (p7 == NULL)
		return -ENODATA;
	if (PKCS7_type_is_signed(p7)) {
		signers = PKCS7_get_signer_info(p7);
		if (signers != NULL && sk_PKCS7_SIGNER_INFO_num(signers) > 0)
			err = fill_from_signer(sk_PKCS7_SIGNER_INFO_value(signers, 0),
					       info);
	}
	PKCS7_free(p7);
	return err;
}

/*
 * Digests the kernel verifies module signatures with: pkcs7_parser.c's list
 * less md4/md5 (gone or unsafe), sm3 and streebog (not built by
 * distributions).  sha1: Debian's 6.1 and 6.12 both verify it (measured);
 * sha3-*: Linux 6.7 and later only.
 */
static bool kernel_digest(int nid)
{
	static const int nids[] = {
		NID_sha1,   NID_sha224,	  NID_sha256,	NID_sha384,
		NID_sha512, NID_sha3_256, NID_sha3_384, NID_sha3_512,
	};

	for (size_t i = 0; i < ARRAY_SIZE(nids); i++) {
		if (nids[i] == nid)
			return true;
	}
	return false;
}

static const char *libcrypto_error(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		return "no details";
	ERR_error_string_n(e, buf, len);
	return buf;
}

/* Each SignerInfo: a digest the kernel has, no signed attributes. */
static int require_signers(STACK_OF(CMS_SignerInfo) * signers, struct verdict *v)
{
	int n = signers != NULL ? sk_CMS_SignerInfo_num(signers) : 0;

	if (n <= 0)
		return reject(v, "no SignerInfo", "CMS SignedData without a SignerInfo");
	for (int i = 0; i < n; i++) {
		CMS_SignerInfo *si = sk_CMS_SignerInfo_value(signers, i);
		X509_ALGOR *digest = NULL;
		const ASN1_OBJECT *obj = NULL;
		int nid;

		CMS_SignerInfo_get0_algs(si, NULL, NULL, &digest, NULL);
		if (digest != NULL)
			X509_ALGOR_get0(&obj, NULL, NULL, digest);
		nid = obj != NULL ? OBJ_obj2nid(obj) : NID_undef;
		if (!kernel_digest(nid))
			return reject_err(v, -ENOPKG, "unsupported digest",
					  "digest algorithm %s is not one the kernel "
					  "verifies module signatures with",
					  nid != NID_undef ? OBJ_nid2sn(nid)
							   : "(unknown)");
		if (CMS_signed_get_attr_count(si) > 0)
			return reject(v, "signed attributes",
				      "signed attributes, which the kernel refuses in a "
				      "module signature");
	}
	return 0;
}

static int require_cms(const uint8_t *der, size_t len, struct verdict *v)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms;
	char why[160];
	int err;

	if (kmod_crypto_load(why, sizeof(why)) < 0)
		return reject_err(
			v, -ELIBACC, "libcrypto unavailable",
			"cannot check the signature: libcrypto unavailable (%s)", why);
	if (len > INT32_MAX)
		return reject(v, "too large", NULL);
	ERR_clear_error();
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	if (cms == NULL) {
		err = reject(v, "not CMS",
			     "not a DER CMS/PKCS#7 structure (libcrypto: %s)",
			     libcrypto_error(why, sizeof(why)));
		ERR_clear_error();
		return err;
	}
	if ((size_t)(p - der) != len)
		err = reject(v, "bytes after the signature",
			     "%zu bytes after the end of the DER signature (%zu bytes)",
			     len - (size_t)(p - der), (size_t)(p - der));
	else if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
		err = reject(v, "not SignedData", "CMS content is not SignedData");
	else if (OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_pkcs7_data)
		err = reject(v, "content type not data",
			     "signed content type is not data (the kernel refuses it)");
	else
		err = require_signers(CMS_get0_SignerInfos(cms), v);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return err;
}
#else
int kmod_sig_parse_pkcs7(const void *der, size_t size, struct kmod_sig_info *info)
{
	return parse_type_only(info);
}

static int require_cms(const uint8_t *der, size_t len, struct verdict *v)
{
	return reject_err(v, -ELIBACC, "libcrypto unavailable",
			  "cannot check the signature: built without libcrypto");
}
#endif

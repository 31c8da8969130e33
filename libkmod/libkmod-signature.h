/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Module signature trailers: the layout the kernel checks at the end of a
 * module image, and detached signature files in both formats found in the
 * field.  Pure functions over bytes; no files, no context.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MODULE_SIG_STRING "~Module signature appended~\n"
#define MODULE_SIG_STRING_LEN (sizeof(MODULE_SIG_STRING) - 1)
#define MODULE_SIG_INFO_LEN 12
#define MODULE_SIG_OVERHEAD (MODULE_SIG_INFO_LEN + MODULE_SIG_STRING_LEN)

#define MODULE_SIG_ID_PKCS7 2
/* Proposed hash-based proofs (CONFIG_MODULE_HASHES); passed through untouched. */
#define MODULE_SIG_ID_MERKLE 3

/* Largest detached signature we accept; real ones are well under 2 KiB. */
#define DETACHED_SIG_MAX_SIZE (64 * 1024)

enum kmod_sig_format {
	/* signature data + 12-byte info block + marker (kmodsign -D) */
	KMOD_SIG_FORMAT_TRAILER = 0,
	/* bare DER PKCS#7 (sign-file -d); we build info block and marker */
	KMOD_SIG_FORMAT_PKCS7 = 1,
};

/* True when the image ends with the signature marker. */
bool kmod_sig_is_appended(const void *mem, size_t size);

/*
 * Bytes the appended signature takes at the end of an image of @size bytes
 * (signature, signer, key id, info block, marker), 0 if there is none that
 * fits.  Reads only the last MODULE_SIG_OVERHEAD bytes, so that a caller can
 * fetch the trailer of a file alone.
 */
size_t kmod_sig_appended_size(const void *mem, size_t size);

/*
 * Check the bytes of a detached signature by the kernel's own rules.  On
 * success returns 0 and sets *format.  On failure returns -EBADMSG and sets
 * *reason to a short static description ("truncated", "bad magic", ...).
 */
int kmod_sig_check_detached(const void *buf, size_t size, enum kmod_sig_format *format,
			    const char **reason);

/*
 * The same check; on failure @msg receives the reason with the numbers that
 * made it fail, e.g. "signature length 12 does not match file size 60".
 */
int kmod_sig_check_detached_msg(const void *buf, size_t size,
				enum kmod_sig_format *format, char *msg, size_t msglen);

/*
 * What the policy require asks of the image that reaches the kernel (@mem:
 * the whole image, trailer included): a trailer by the kernel's rules with
 * id_type 2, and signature data that libcrypto parses as CMS SignedData with
 * at least one SignerInfo, each with a digest the kernel verifies module
 * signatures with and no signed attributes, content type data, and no byte
 * after the DER.  The key is not looked at: only the kernel knows it.
 * 0 when all holds; otherwise @msg gets the reason and the result is
 *   -ENOKEY   no signature: no marker, or a hash proof (id_type 3);
 *   -EBADMSG  a malformed trailer or signature;
 *   -ENOPKG   a digest algorithm outside the kernel's list;
 *   -ELIBACC  libcrypto cannot be loaded (or the build has none): nothing
 *             could be checked.
 */
int kmod_sig_check_required(const void *mem, size_t size, char *msg, size_t msglen);

/* Bytes to append to an image for a detached signature of this format and size. */
size_t kmod_sig_trailer_size(enum kmod_sig_format format, size_t size);

/*
 * Write the trailer for a checked detached signature into @dst, which has
 * kmod_sig_trailer_size() bytes.
 */
void kmod_sig_write_trailer(void *dst, const void *buf, size_t size,
			    enum kmod_sig_format format);

/*
 * What a signature trailer says of its signer, as modinfo shows it.  The
 * byte fields point into the parsed buffer or into @owned; they may be empty
 * (NULL, 0) but the strings are never NULL.
 */
struct kmod_sig_info {
	const char *id_type;   /* "PKCS#7", "X509" or "PGP" */
	const char *hash_algo; /* "sha256", ...; "unknown" without libcrypto */
	const uint8_t *signer; /* not NUL-terminated */
	size_t signer_len;
	const uint8_t *key_id;
	size_t key_id_len;
	const uint8_t *sig;
	size_t sig_len;
	void *owned; /* released by kmod_sig_info_release() */
};

/*
 * Parse the signature trailer at the end of @mem (a signed image, or a
 * full-trailer .sig on its own) the way kmod's modinfo does: legacy X509/PGP
 * blocks are sliced, PKCS#7 is decoded with libcrypto (first SignerInfo,
 * issuer and serial; a digest outside kmod's table or a signer identified by
 * key id makes it unparsable).  0 on success, -ENODATA when there is no
 * signature modinfo would show, -ENOMEM.
 */
int kmod_sig_parse_trailer(const void *mem, size_t size, struct kmod_sig_info *info);

/* The same for a bare DER PKCS#7 blob (sign-file -d). */
int kmod_sig_parse_pkcs7(const void *der, size_t size, struct kmod_sig_info *info);

void kmod_sig_info_release(struct kmod_sig_info *info);

/*
 * kmod's hex rendering: "AB:CD:..." upper case, and after every 20th byte
 * (if more follow) a newline and two tabs.  A new string, "" for len 0, NULL
 * on allocation failure.
 */
char *kmod_sig_hex(const uint8_t *buf, size_t len);

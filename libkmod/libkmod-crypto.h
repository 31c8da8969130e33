/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * libcrypto, loaded on first use (util/dlopen.h), for what the library does
 * with it: the signer fields of a PKCS#7 signature (modinfo) and the CMS
 * checks of policy require.  kmod sign, verify and show-sig need more: their
 * functions are the tools' list (tools/kmod-crypto.h), loaded on top of this.
 *
 * Include this after the OpenSSL headers.  It turns each libcrypto function
 * of the list into a call through a pointer that kmod_crypto_load() fills, so
 * code is written as against libcrypto itself.  A function missing from the
 * list shows up as an undefined symbol at link time (libcrypto is not linked).
 */

#include <stddef.h>

#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "util/dlopen.h"

#define LIBCRYPTO_SONAME DL_SONAME("crypto", OPENSSL_SHLIB_VERSION)

#define KMOD_CRYPTO_FUNCS(X, t)                                                          \
	X(t, OPENSSL_init_crypto)                                                        \
	X(t, ASN1_INTEGER_to_BN)                                                         \
	X(t, ASN1_STRING_get0_data)                                                      \
	X(t, ASN1_STRING_length)                                                         \
	X(t, BN_bn2bin)                                                                  \
	X(t, BN_free)                                                                    \
	X(t, BN_num_bits)                                                                \
	X(t, CMS_ContentInfo_free)                                                       \
	X(t, CMS_SignerInfo_get0_algs)                                                   \
	X(t, CMS_get0_SignerInfos)                                                       \
	X(t, CMS_get0_eContentType)                                                      \
	X(t, CMS_get0_type)                                                              \
	X(t, CMS_signed_get_attr_count)                                                  \
	X(t, ERR_clear_error)                                                            \
	X(t, ERR_error_string_n)                                                         \
	X(t, ERR_peek_last_error)                                                        \
	X(t, OBJ_nid2sn)                                                                 \
	X(t, OBJ_obj2nid)                                                                \
	X(t, OBJ_obj2txt)                                                                \
	X(t, OPENSSL_sk_num)                                                             \
	X(t, OPENSSL_sk_value)                                                           \
	X(t, PKCS7_free)                                                                 \
	X(t, PKCS7_get_signer_info)                                                      \
	X(t, X509_ALGOR_get0)                                                            \
	X(t, X509_NAME_ENTRY_get_data)                                                   \
	X(t, X509_NAME_ENTRY_get_object)                                                 \
	X(t, X509_NAME_entry_count)                                                      \
	X(t, X509_NAME_get_entry)                                                        \
	X(t, d2i_CMS_ContentInfo)                                                        \
	X(t, d2i_PKCS7)

struct kmod_crypto_fns {
	KMOD_CRYPTO_FUNCS(DL_MEMBER, _)
};

/* Filled once by the first successful kmod_crypto_load(), read-only after. */
extern struct kmod_crypto_fns kmod_crypto_fns __attribute__((visibility("hidden")));

/*
 * Load libcrypto and resolve the list above; safe from any thread and cheap
 * once done.  0, or -ENOENT with the loader's reason in msg (when not NULL),
 * in which case no function of the list may be called.  When this maps
 * libcrypto into the process, it starts it without reading openssl.cnf
 * (nothing here needs a provider or engine of the configuration); a
 * libcrypto the program loaded itself is left as the program set it up.
 */
int kmod_crypto_load(char *msg, size_t msglen) __attribute__((visibility("hidden")));

#ifndef KMOD_CRYPTO_NO_REDIRECT
#define OPENSSL_init_crypto (*kmod_crypto_fns.OPENSSL_init_crypto)
#define ASN1_INTEGER_to_BN (*kmod_crypto_fns.ASN1_INTEGER_to_BN)
#define ASN1_STRING_get0_data (*kmod_crypto_fns.ASN1_STRING_get0_data)
#define ASN1_STRING_length (*kmod_crypto_fns.ASN1_STRING_length)
#define BN_bn2bin (*kmod_crypto_fns.BN_bn2bin)
#define BN_free (*kmod_crypto_fns.BN_free)
#define BN_num_bits (*kmod_crypto_fns.BN_num_bits)
#define CMS_ContentInfo_free (*kmod_crypto_fns.CMS_ContentInfo_free)
#define CMS_SignerInfo_get0_algs (*kmod_crypto_fns.CMS_SignerInfo_get0_algs)
#define CMS_get0_SignerInfos (*kmod_crypto_fns.CMS_get0_SignerInfos)
#define CMS_get0_eContentType (*kmod_crypto_fns.CMS_get0_eContentType)
#define CMS_get0_type (*kmod_crypto_fns.CMS_get0_type)
#define CMS_signed_get_attr_count (*kmod_crypto_fns.CMS_signed_get_attr_count)
#define ERR_clear_error (*kmod_crypto_fns.ERR_clear_error)
#define ERR_error_string_n (*kmod_crypto_fns.ERR_error_string_n)
#define ERR_peek_last_error (*kmod_crypto_fns.ERR_peek_last_error)
#define OBJ_nid2sn (*kmod_crypto_fns.OBJ_nid2sn)
#define OBJ_obj2nid (*kmod_crypto_fns.OBJ_obj2nid)
#define OBJ_obj2txt (*kmod_crypto_fns.OBJ_obj2txt)
#define OPENSSL_sk_num (*kmod_crypto_fns.OPENSSL_sk_num)
#define OPENSSL_sk_value (*kmod_crypto_fns.OPENSSL_sk_value)
#define PKCS7_free (*kmod_crypto_fns.PKCS7_free)
#define PKCS7_get_signer_info (*kmod_crypto_fns.PKCS7_get_signer_info)
#define X509_ALGOR_get0 (*kmod_crypto_fns.X509_ALGOR_get0)
#define X509_NAME_ENTRY_get_data (*kmod_crypto_fns.X509_NAME_ENTRY_get_data)
#define X509_NAME_ENTRY_get_object (*kmod_crypto_fns.X509_NAME_ENTRY_get_object)
#define X509_NAME_entry_count (*kmod_crypto_fns.X509_NAME_entry_count)
#define X509_NAME_get_entry (*kmod_crypto_fns.X509_NAME_get_entry)
#define d2i_CMS_ContentInfo (*kmod_crypto_fns.d2i_CMS_ContentInfo)
#define d2i_PKCS7 (*kmod_crypto_fns.d2i_PKCS7)
#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The libcrypto functions only kmod sign, verify and show-sig call, on top
 * of the library's list (libkmod/libkmod-crypto.h), loaded by
 * sig_crypto_ready() (kmod-sig.h) the same way.  Include this after the
 * OpenSSL headers; a function missing from both lists is an undefined symbol
 * at link time.
 */

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "libkmod/libkmod-crypto.h"

#define TOOLS_CRYPTO_FUNCS(X, t)                                                         \
	X(t, BIO_ctrl)                                                                   \
	X(t, BIO_free)                                                                   \
	X(t, BIO_new_mem_buf)                                                            \
	X(t, CMS_SignerInfo_get0_signature)                                              \
	X(t, CMS_SignerInfo_get0_signer_id)                                              \
	X(t, CMS_add1_signer)                                                            \
	X(t, CMS_final)                                                                  \
	X(t, CMS_sign)                                                                   \
	X(t, CMS_verify)                                                                 \
	X(t, CRYPTO_free)                                                                \
	X(t, ERR_get_error)                                                              \
	X(t, EVP_PKEY_free)                                                              \
	X(t, EVP_get_digestbyname)                                                       \
	X(t, OBJ_nid2ln)                                                                 \
	X(t, OPENSSL_sk_new_null)                                                        \
	X(t, OPENSSL_sk_pop_free)                                                        \
	X(t, OPENSSL_sk_push)                                                            \
	X(t, PEM_read_bio_PrivateKey)                                                    \
	X(t, PEM_read_bio_X509)                                                          \
	X(t, X509_NAME_oneline)                                                          \
	X(t, X509_check_private_key)                                                     \
	X(t, X509_free)                                                                  \
	X(t, d2i_PrivateKey_bio)                                                         \
	X(t, d2i_X509_bio)                                                               \
	X(t, i2d_CMS_ContentInfo)

struct tools_crypto_fns {
	TOOLS_CRYPTO_FUNCS(DL_MEMBER, _)
};

/* Filled by sig_crypto_ready(), read-only after. */
extern struct tools_crypto_fns tools_crypto_fns;

#ifndef TOOLS_CRYPTO_NO_REDIRECT
#define BIO_ctrl (*tools_crypto_fns.BIO_ctrl)
#define BIO_free (*tools_crypto_fns.BIO_free)
#define BIO_new_mem_buf (*tools_crypto_fns.BIO_new_mem_buf)
#define CMS_SignerInfo_get0_signature (*tools_crypto_fns.CMS_SignerInfo_get0_signature)
#define CMS_SignerInfo_get0_signer_id (*tools_crypto_fns.CMS_SignerInfo_get0_signer_id)
#define CMS_add1_signer (*tools_crypto_fns.CMS_add1_signer)
#define CMS_final (*tools_crypto_fns.CMS_final)
#define CMS_sign (*tools_crypto_fns.CMS_sign)
#define CMS_verify (*tools_crypto_fns.CMS_verify)
#define CRYPTO_free (*tools_crypto_fns.CRYPTO_free)
#define ERR_get_error (*tools_crypto_fns.ERR_get_error)
#define EVP_PKEY_free (*tools_crypto_fns.EVP_PKEY_free)
#define EVP_get_digestbyname (*tools_crypto_fns.EVP_get_digestbyname)
#define OBJ_nid2ln (*tools_crypto_fns.OBJ_nid2ln)
#define OPENSSL_sk_new_null (*tools_crypto_fns.OPENSSL_sk_new_null)
#define OPENSSL_sk_pop_free (*tools_crypto_fns.OPENSSL_sk_pop_free)
#define OPENSSL_sk_push (*tools_crypto_fns.OPENSSL_sk_push)
#define PEM_read_bio_PrivateKey (*tools_crypto_fns.PEM_read_bio_PrivateKey)
#define PEM_read_bio_X509 (*tools_crypto_fns.PEM_read_bio_X509)
#define X509_NAME_oneline (*tools_crypto_fns.X509_NAME_oneline)
#define X509_check_private_key (*tools_crypto_fns.X509_check_private_key)
#define X509_free (*tools_crypto_fns.X509_free)
#define d2i_PrivateKey_bio (*tools_crypto_fns.d2i_PrivateKey_bio)
#define d2i_X509_bio (*tools_crypto_fns.d2i_X509_bio)
#define i2d_CMS_ContentInfo (*tools_crypto_fns.i2d_CMS_ContentInfo)
#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * libcrypto, loaded when first needed instead of linked.  Mapping and
 * relocating libcrypto costs every process about 130 page faults and 2.5 ms
 * before main(), which is more than modprobe's own work on a real tree, and
 * only modinfo's signature fields and kmod sign/verify use it.
 *
 * Include this after the OpenSSL headers.  It turns each libcrypto function
 * we call into a call through a pointer that kmod_crypto_load() fills, so
 * code is written as against libcrypto itself.  A function missing from the
 * list below shows up as an undefined symbol at link time.
 */

#include <stddef.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#define KMOD_CRYPTO_FUNCS(X)                                                             \
	X(ASN1_INTEGER_to_BN)                                                            \
	X(ASN1_STRING_get0_data)                                                         \
	X(ASN1_STRING_length)                                                            \
	X(BIO_ctrl)                                                                      \
	X(BIO_free)                                                                      \
	X(BIO_new_file)                                                                  \
	X(BIO_new_mem_buf)                                                               \
	X(BN_bn2bin)                                                                     \
	X(BN_free)                                                                       \
	X(BN_num_bits)                                                                   \
	X(CMS_ContentInfo_free)                                                          \
	X(CMS_SignerInfo_get0_algs)                                                      \
	X(CMS_SignerInfo_get0_signature)                                                 \
	X(CMS_SignerInfo_get0_signer_id)                                                 \
	X(CMS_add1_signer)                                                               \
	X(CMS_final)                                                                     \
	X(CMS_get0_SignerInfos)                                                          \
	X(CMS_get0_eContentType)                                                         \
	X(CMS_get0_type)                                                                 \
	X(CMS_sign)                                                                      \
	X(CMS_signed_get_attr_count)                                                     \
	X(CMS_verify)                                                                    \
	X(CRYPTO_free)                                                                   \
	X(ERR_clear_error)                                                               \
	X(ERR_error_string_n)                                                            \
	X(ERR_get_error)                                                                 \
	X(ERR_peek_last_error)                                                           \
	X(EVP_PKEY_free)                                                                 \
	X(EVP_get_digestbyname)                                                          \
	X(OBJ_nid2ln)                                                                    \
	X(OBJ_nid2sn)                                                                    \
	X(OBJ_obj2nid)                                                                   \
	X(OBJ_obj2txt)                                                                   \
	X(OPENSSL_sk_new_null)                                                           \
	X(OPENSSL_sk_num)                                                                \
	X(OPENSSL_sk_pop_free)                                                           \
	X(OPENSSL_sk_push)                                                               \
	X(OPENSSL_sk_value)                                                              \
	X(PEM_read_bio_PrivateKey)                                                       \
	X(PEM_read_bio_X509)                                                             \
	X(PKCS7_free)                                                                    \
	X(PKCS7_get_signer_info)                                                         \
	X(X509_ALGOR_get0)                                                               \
	X(X509_NAME_ENTRY_get_data)                                                      \
	X(X509_NAME_ENTRY_get_object)                                                    \
	X(X509_NAME_entry_count)                                                         \
	X(X509_NAME_get_entry)                                                           \
	X(X509_NAME_oneline)                                                             \
	X(X509_check_private_key)                                                        \
	X(X509_free)                                                                     \
	X(d2i_CMS_ContentInfo)                                                           \
	X(d2i_PKCS7)                                                                     \
	X(d2i_PrivateKey_bio)                                                            \
	X(d2i_X509_bio)                                                                  \
	X(i2d_CMS_ContentInfo)

struct kmod_crypto_fns {
#define KMOD_CRYPTO_MEMBER(name) __typeof__(name) *name;
	KMOD_CRYPTO_FUNCS(KMOD_CRYPTO_MEMBER)
#undef KMOD_CRYPTO_MEMBER
};

/*
 * Filled once by the first successful kmod_crypto_load(), read-only after.
 * Process-wide, like the library it points into.
 */
extern struct kmod_crypto_fns kmod_crypto_fns __attribute__((visibility("hidden")));

/*
 * Load libcrypto and resolve every function above; safe from any thread and
 * cheap once done.  Returns 0, or -ENOENT with the loader's reason in msg
 * (when msg is not NULL), in which case no libcrypto function may be called.
 * A failure is not remembered: a later call tries again.
 */
int kmod_crypto_load(char *msg, size_t msglen) __attribute__((visibility("hidden")));

#ifndef KMOD_CRYPTO_NO_REDIRECT
#define ASN1_INTEGER_to_BN (*kmod_crypto_fns.ASN1_INTEGER_to_BN)
#define ASN1_STRING_get0_data (*kmod_crypto_fns.ASN1_STRING_get0_data)
#define ASN1_STRING_length (*kmod_crypto_fns.ASN1_STRING_length)
#define BIO_ctrl (*kmod_crypto_fns.BIO_ctrl)
#define BIO_free (*kmod_crypto_fns.BIO_free)
#define BIO_new_file (*kmod_crypto_fns.BIO_new_file)
#define BIO_new_mem_buf (*kmod_crypto_fns.BIO_new_mem_buf)
#define BN_bn2bin (*kmod_crypto_fns.BN_bn2bin)
#define BN_free (*kmod_crypto_fns.BN_free)
#define BN_num_bits (*kmod_crypto_fns.BN_num_bits)
#define CMS_ContentInfo_free (*kmod_crypto_fns.CMS_ContentInfo_free)
#define CMS_SignerInfo_get0_algs (*kmod_crypto_fns.CMS_SignerInfo_get0_algs)
#define CMS_SignerInfo_get0_signature (*kmod_crypto_fns.CMS_SignerInfo_get0_signature)
#define CMS_SignerInfo_get0_signer_id (*kmod_crypto_fns.CMS_SignerInfo_get0_signer_id)
#define CMS_add1_signer (*kmod_crypto_fns.CMS_add1_signer)
#define CMS_final (*kmod_crypto_fns.CMS_final)
#define CMS_get0_SignerInfos (*kmod_crypto_fns.CMS_get0_SignerInfos)
#define CMS_get0_eContentType (*kmod_crypto_fns.CMS_get0_eContentType)
#define CMS_get0_type (*kmod_crypto_fns.CMS_get0_type)
#define CMS_sign (*kmod_crypto_fns.CMS_sign)
#define CMS_signed_get_attr_count (*kmod_crypto_fns.CMS_signed_get_attr_count)
#define CMS_verify (*kmod_crypto_fns.CMS_verify)
#define CRYPTO_free (*kmod_crypto_fns.CRYPTO_free)
#define ERR_clear_error (*kmod_crypto_fns.ERR_clear_error)
#define ERR_error_string_n (*kmod_crypto_fns.ERR_error_string_n)
#define ERR_get_error (*kmod_crypto_fns.ERR_get_error)
#define ERR_peek_last_error (*kmod_crypto_fns.ERR_peek_last_error)
#define EVP_PKEY_free (*kmod_crypto_fns.EVP_PKEY_free)
#define EVP_get_digestbyname (*kmod_crypto_fns.EVP_get_digestbyname)
#define OBJ_nid2ln (*kmod_crypto_fns.OBJ_nid2ln)
#define OBJ_nid2sn (*kmod_crypto_fns.OBJ_nid2sn)
#define OBJ_obj2nid (*kmod_crypto_fns.OBJ_obj2nid)
#define OBJ_obj2txt (*kmod_crypto_fns.OBJ_obj2txt)
#define OPENSSL_sk_new_null (*kmod_crypto_fns.OPENSSL_sk_new_null)
#define OPENSSL_sk_num (*kmod_crypto_fns.OPENSSL_sk_num)
#define OPENSSL_sk_pop_free (*kmod_crypto_fns.OPENSSL_sk_pop_free)
#define OPENSSL_sk_push (*kmod_crypto_fns.OPENSSL_sk_push)
#define OPENSSL_sk_value (*kmod_crypto_fns.OPENSSL_sk_value)
#define PEM_read_bio_PrivateKey (*kmod_crypto_fns.PEM_read_bio_PrivateKey)
#define PEM_read_bio_X509 (*kmod_crypto_fns.PEM_read_bio_X509)
#define PKCS7_free (*kmod_crypto_fns.PKCS7_free)
#define PKCS7_get_signer_info (*kmod_crypto_fns.PKCS7_get_signer_info)
#define X509_ALGOR_get0 (*kmod_crypto_fns.X509_ALGOR_get0)
#define X509_NAME_ENTRY_get_data (*kmod_crypto_fns.X509_NAME_ENTRY_get_data)
#define X509_NAME_ENTRY_get_object (*kmod_crypto_fns.X509_NAME_ENTRY_get_object)
#define X509_NAME_entry_count (*kmod_crypto_fns.X509_NAME_entry_count)
#define X509_NAME_get_entry (*kmod_crypto_fns.X509_NAME_get_entry)
#define X509_NAME_oneline (*kmod_crypto_fns.X509_NAME_oneline)
#define X509_check_private_key (*kmod_crypto_fns.X509_check_private_key)
#define X509_free (*kmod_crypto_fns.X509_free)
#define d2i_CMS_ContentInfo (*kmod_crypto_fns.d2i_CMS_ContentInfo)
#define d2i_PKCS7 (*kmod_crypto_fns.d2i_PKCS7)
#define d2i_PrivateKey_bio (*kmod_crypto_fns.d2i_PrivateKey_bio)
#define d2i_X509_bio (*kmod_crypto_fns.d2i_X509_bio)
#define i2d_CMS_ContentInfo (*kmod_crypto_fns.i2d_CMS_ContentInfo)
#endif

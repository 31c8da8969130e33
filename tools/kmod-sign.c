// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kmod sign: a module signature made the way the kernel's sign-file makes
 * it (CMS SignedData over the uncompressed image, detached content, no
 * certificates, no signed attributes), written as a .sig file or appended.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "tools/kmod-crypto.h"

#include "util/fileio.h"
#include "tools/kmod-sig.h"
#include "tools/kmod.h"
#include "tools/tool-log.h"

static const char cmdopts_s[] = "k:c:a:f:o:h";
enum { OPT_KEYID = 0x100, OPT_APPEND, OPT_REPLACE };
static const struct option cmdopts[] = {
	{ "key", required_argument, NULL, 'k' },
	{ "cert", required_argument, NULL, 'c' },
	{ "hash", required_argument, NULL, 'a' },
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "keyid", no_argument, NULL, OPT_KEYID },
	{ "append", no_argument, NULL, OPT_APPEND },
	{ "replace", no_argument, NULL, OPT_REPLACE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void help(void)
{
	printf("Usage:\n"
	       "\t%s sign [options] -k KEY -c CERT MODULE...\n"
	       "Sign the uncompressed image of each MODULE; write MODULE.sig.\n"
	       "Options:\n"
	       "\t-k, --key=FILE      private key, PEM or DER (passphrase from KBUILD_SIGN_PIN)\n"
	       "\t-c, --cert=FILE     X.509 certificate of the key, PEM or DER\n"
	       "\t-a, --hash=ALGO     digest: sha256 (default), sha384, sha512, sha224, sha1, ...\n"
	       "\t    --keyid         name the signer by subject key identifier, not issuer+serial\n"
	       "\t-f, --format=FMT    trailer: signature, info block and marker (default);\n"
	       "\t                    pkcs7: bare DER PKCS#7 (like sign-file -d)\n"
	       "\t-o, --output=FILE   write the signature (or with --append the module) to FILE;\n"
	       "\t                    one MODULE only\n"
	       "\t    --append        append the signature to the module, like sign-file\n"
	       "\t    --replace       sign a module that carries an appended signature already,\n"
	       "\t                    leaving the old one out\n"
	       "\t-h, --help          show this help\n",
	       program_invocation_short_name);
}

static void log_openssl(const char *what)
{
	unsigned long e;
	char buf[256];

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		ERR("%s: %s\n", what, buf);
	}
}

static int pin_cb(char *buf, int size, int rwflag, void *u)
{
	const char *pin = getenv("KBUILD_SIGN_PIN");
	size_t len;

	if (pin == NULL)
		return -1;
	len = strlen(pin);
	if (len >= (size_t)size)
		return -1;
	memcpy(buf, pin, len + 1);
	return (int)len;
}

/*
 * The whole file as a memory BIO over *buf (freed by the caller); NULL
 * logged.  BIO_reset() of a memory BIO returns 1 on success (a file BIO's 0).
 */
static BIO *read_bio(const char *path, uint8_t **buf)
{
	size_t len;
	BIO *b;
	int err;

	err = sig_read_file(path, SIG_PEM_FILE_MAX, buf, &len);
	if (err < 0) {
		ERR("%s: %s\n", path, open_regular_strerror(err));
		return NULL;
	}
	b = BIO_new_mem_buf(*buf, (int)len);
	if (b == NULL)
		ERR("%s: out of memory\n", path);
	return b;
}

static EVP_PKEY *load_key(const char *path)
{
	_cleanup_free_ uint8_t *buf = NULL;
	EVP_PKEY *key = NULL;
	BIO *b = read_bio(path, &buf);

	if (b == NULL)
		return NULL;
	key = PEM_read_bio_PrivateKey(b, NULL, pin_cb, NULL);
	if (key == NULL && BIO_reset(b) == 1)
		key = d2i_PrivateKey_bio(b, NULL);
	BIO_free(b);
	if (key == NULL) {
		log_openssl(path);
		ERR("%s: cannot read a private key (PEM or DER)\n", path);
	}
	ERR_clear_error();
	return key;
}

static X509 *load_cert(const char *path)
{
	_cleanup_free_ uint8_t *buf = NULL;
	X509 *x = NULL;
	BIO *b = read_bio(path, &buf);

	if (b == NULL)
		return NULL;
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	if (x == NULL && BIO_reset(b) == 1)
		x = d2i_X509_bio(b, NULL);
	BIO_free(b);
	if (x == NULL)
		ERR("%s: cannot read an X.509 certificate (PEM or DER)\n", path);
	ERR_clear_error();
	return x;
}

struct signer {
	EVP_PKEY *key;
	X509 *cert;
	const EVP_MD *md;
	bool keyid;
};

/* DER CMS over @len bytes, exactly as sign-file builds it; a new buffer. */
static int sign_image(const struct signer *s, const uint8_t *image, size_t len,
		      uint8_t **der, size_t *der_len)
{
	unsigned int flags = CMS_NOCERTS | CMS_BINARY | CMS_NOSMIMECAP | CMS_NOATTR;
	CMS_ContentInfo *cms;
	unsigned char *out = NULL;
	BIO *bm;
	int n, err = -EINVAL;

	if (s->keyid)
		flags |= CMS_USE_KEYID;
	bm = BIO_new_mem_buf(image, (int)len);
	cms = CMS_sign(NULL, NULL, NULL, NULL,
		       CMS_NOCERTS | CMS_PARTIAL | CMS_BINARY | CMS_DETACHED |
			       CMS_STREAM);
	if (bm == NULL || cms == NULL)
		goto out;
	if (CMS_add1_signer(cms, s->cert, s->key, s->md, flags) == NULL)
		goto out;
	if (CMS_final(cms, bm, NULL, CMS_NOCERTS | CMS_BINARY) != 1)
		goto out;
	n = i2d_CMS_ContentInfo(cms, &out);
	if (n <= 0)
		goto out;
	*der = out;
	*der_len = n;
	err = 0;
out:
	if (err < 0)
		log_openssl("signing failed");
	CMS_ContentInfo_free(cms);
	BIO_free(bm);
	return err;
}

struct sign_opts {
	const char *output;
	enum kmod_sig_format format;
	bool append;
	bool replace;
};

static int sign_one(const struct signer *s, const struct sign_opts *o, const char *path)
{
	_cleanup_free_ uint8_t *trailer = NULL;
	_cleanup_free_ char *sig_path = NULL;
	struct sig_module m;
	unsigned char *der = NULL;
	size_t der_len, tlen;
	int err;

	err = sig_module_load(path, &m);
	if (err < 0)
		return err;
	if (m.appended && !o->replace) {
		ERR("%s: already carries a signature (use --replace to sign it anew)\n",
		    path);
		err = -EEXIST;
		goto out;
	}
	if (m.image_len > INT32_MAX) {
		ERR("%s: too large\n", path);
		err = -EFBIG;
		goto out;
	}
	err = sign_image(s, m.mem, m.image_len, &der, &der_len);
	if (err < 0)
		goto out;

	tlen = kmod_sig_trailer_size(KMOD_SIG_FORMAT_PKCS7, der_len);
	trailer = malloc(tlen);
	if (trailer == NULL) {
		err = -ENOMEM;
		goto out;
	}
	kmod_sig_write_trailer(trailer, der, der_len, KMOD_SIG_FORMAT_PKCS7);

	if (o->append) {
		err = sig_write_file(o->output ? o->output : path, m.mem, m.image_len,
				     trailer, tlen, m.compression, m.xz_layout, m.mode);
		goto out;
	}
	sig_path = o->output ? strdup(o->output) : sig_path_of(path);
	if (sig_path == NULL) {
		if (o->output != NULL)
			CRIT("out of memory\n");
		err = -ENOMEM;
		goto out;
	}
	if (o->format == KMOD_SIG_FORMAT_PKCS7)
		err = sig_write_file(sig_path, der, der_len, NULL, 0,
				     KMOD_FILE_COMPRESSION_NONE, SIG_XZ_ONE_BLOCK, 0644);
	else
		err = sig_write_file(sig_path, trailer, tlen, NULL, 0,
				     KMOD_FILE_COMPRESSION_NONE, SIG_XZ_ONE_BLOCK, 0644);
out:
	OPENSSL_free(der);
	sig_module_release(&m);
	return err;
}

static int do_sign(int argc, char *argv[])
{
	struct sign_opts o = { .format = KMOD_SIG_FORMAT_TRAILER };
	struct signer s = { 0 };
	const char *key = NULL, *cert = NULL, *hash = "sha256";
	int i, r = EXIT_FAILURE;

	for (;;) {
		int c = getopt_long(argc, argv, cmdopts_s, cmdopts, NULL);

		if (c == -1)
			break;
		switch (c) {
		case 'k':
			key = optarg;
			break;
		case 'c':
			cert = optarg;
			break;
		case 'a':
			hash = optarg;
			break;
		case 'f':
			if (streq(optarg, "trailer")) {
				o.format = KMOD_SIG_FORMAT_TRAILER;
			} else if (streq(optarg, "pkcs7")) {
				o.format = KMOD_SIG_FORMAT_PKCS7;
			} else {
				ERR("unknown format '%s': expected trailer or pkcs7\n",
				    optarg);
				return EXIT_FAILURE;
			}
			break;
		case 'o':
			o.output = optarg;
			break;
		case OPT_KEYID:
			s.keyid = true;
			break;
		case OPT_APPEND:
			o.append = true;
			break;
		case OPT_REPLACE:
			o.replace = true;
			break;
		case 'h':
			help();
			return EXIT_SUCCESS;
		default:
			return EXIT_FAILURE;
		}
	}
	if (key == NULL || cert == NULL) {
		ERR("a private key (-k) and a certificate (-c) are needed\n");
		return EXIT_FAILURE;
	}
	if (optind >= argc) {
		ERR("missing module\n");
		return EXIT_FAILURE;
	}
	if (o.output != NULL && argc - optind > 1) {
		ERR("--output takes one module only\n");
		return EXIT_FAILURE;
	}
	if (o.append && o.format == KMOD_SIG_FORMAT_PKCS7) {
		ERR("--append always writes the full trailer; --format=pkcs7 does not apply\n");
		return EXIT_FAILURE;
	}
	if (!sig_crypto_ready())
		return EXIT_FAILURE;
	s.md = EVP_get_digestbyname(hash);
	if (s.md == NULL) {
		ERR("unknown digest '%s'\n", hash);
		return EXIT_FAILURE;
	}
	s.key = load_key(key);
	s.cert = load_cert(cert);
	if (s.key == NULL || s.cert == NULL)
		goto out;
	if (X509_check_private_key(s.cert, s.key) != 1) {
		ERR("%s does not belong to the key in %s\n", cert, key);
		ERR_clear_error();
		goto out;
	}
	r = EXIT_SUCCESS;
	for (i = optind; i < argc; i++) {
		if (sign_one(&s, &o, argv[i]) < 0)
			r = EXIT_FAILURE;
	}
out:
	EVP_PKEY_free(s.key);
	X509_free(s.cert);
	return r;
}

const struct kmod_cmd kmod_cmd_sign = {
	.name = "sign",
	.cmd = do_sign,
	.help = "Sign modules: write MODULE.sig or append",
};

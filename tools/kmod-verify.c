// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kmod verify: check in userspace what the kernel will check at load time,
 * the module's signature (appended, else MODULE.sig) over the uncompressed
 * image, against certificates given on the command line.  kmod show-sig:
 * what the signature trailer says.
 */
#include <errno.h>
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "tools/kmod-crypto.h"

#include "util/fileio.h"
#include "tools/kmod-sig.h"
#include "tools/kmod.h"
#include "tools/tool-log.h"

/* The signature a module would be loaded with. */
struct loaded_sig {
	struct sig_module m;
	uint8_t *sig_buf;	/* the .sig file's bytes, when detached */
	const uint8_t *trailer; /* signature data + info block + marker */
	size_t trailer_len;
	uint8_t *built; /* trailer built for a bare PKCS#7 .sig */
	char *sig_path; /* the .sig used, or NULL when appended */
	char *ignored;	/* a .sig next to a signed image */
	enum kmod_sig_format format;
};

static void loaded_sig_release(struct loaded_sig *ls)
{
	sig_module_release(&ls->m);
	free(ls->sig_buf);
	free(ls->built);
	free(ls->sig_path);
	free(ls->ignored);
}

static bool file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/*
 * Find and check the signature by the loader's rules.  0 with @ls filled,
 * -ENODATA when there is none, -EBADMSG (reason in @why) when malformed.
 */
static int find_sig(const char *path, struct loaded_sig *ls, char *why, size_t whylen)
{
	_cleanup_free_ char *sig_path = sig_path_of(path);
	enum kmod_sig_format format;
	size_t size;
	int err;

	*ls = (struct loaded_sig){ 0 };
	if (sig_path == NULL) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	err = sig_module_load(path, &ls->m);
	if (err < 0) {
		snprintf(why, whylen, "cannot read the module: %s", strerror(-err));
		return err;
	}
	if (ls->m.appended) {
		ls->trailer = ls->m.mem + ls->m.image_len;
		ls->trailer_len = ls->m.size - ls->m.image_len;
		if (file_exists(sig_path))
			ls->ignored = TAKE_PTR(sig_path);
		if (kmod_sig_check_detached_msg(ls->trailer, ls->trailer_len, &ls->format,
						why, whylen) < 0)
			return -EBADMSG;
		return 0;
	}
	err = sig_read_file(sig_path, DETACHED_SIG_MAX_SIZE, &ls->sig_buf, &size);
	if (err == -ENOENT) {
		snprintf(why, whylen, "not signed (no appended signature, no %s)",
			 sig_path);
		return -ENODATA;
	}
	ls->sig_path = TAKE_PTR(sig_path);
	if (err < 0) {
		/* verify prints the .sig's path before @why; show-sig printed it already.
		 */
		snprintf(why, whylen, "%s", open_regular_strerror(err));
		return err;
	}
	if (kmod_sig_check_detached_msg(ls->sig_buf, size, &format, why, whylen) < 0)
		return -EBADMSG;
	ls->format = format;
	ls->trailer_len = kmod_sig_trailer_size(format, size);
	ls->built = malloc(ls->trailer_len);
	if (ls->built == NULL)
		return -ENOMEM;
	kmod_sig_write_trailer(ls->built, ls->sig_buf, size, format);
	ls->trailer = ls->built;
	return 0;
}

static uint8_t trailer_id_type(const struct loaded_sig *ls)
{
	return ls->trailer[ls->trailer_len - MODULE_SIG_OVERHEAD + 2];
}

static size_t trailer_sig_len(const struct loaded_sig *ls)
{
	return ls->trailer_len - MODULE_SIG_OVERHEAD;
}

static CMS_ContentInfo *trailer_cms(const struct loaded_sig *ls)
{
	const unsigned char *p = ls->trailer;

	return d2i_CMS_ContentInfo(NULL, &p, (long)trailer_sig_len(ls));
}

/* ---- verify ------------------------------------------------------------- */

static const char verify_opts_s[] = "c:qh";
enum { OPT_ALL = 0x100 };
static const struct option verify_opts[] = {
	{ "cert", required_argument, NULL, 'c' },
	{ "all", required_argument, NULL, OPT_ALL },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void verify_help(void)
{
	printf("Usage:\n"
	       "\t%s verify [options] -c CERT MODULE...\n"
	       "\t%s verify [options] -c CERT --all DIR\n"
	       "Check each module's signature (appended, else MODULE.sig) over its\n"
	       "uncompressed image against the given certificates, as the kernel will.\n"
	       "Options:\n"
	       "\t-c, --cert=FILE   trusted certificate(s): PEM (one or more) or DER;\n"
	       "\t                  may be repeated\n"
	       "\t    --all=DIR     every module file (.ko, .ko.xz, .ko.gz, .ko.zst) under DIR\n"
	       "\t-q, --quiet       print only failures and the summary\n"
	       "\t-h, --help        show this help\n"
	       "Exit status: 0 when every module verifies, 1 otherwise.\n",
	       program_invocation_short_name, program_invocation_short_name);
}

static int add_certs(STACK_OF(X509) * certs, const char *path)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;
	int n = 0, err;
	BIO *b;
	X509 *x;

	err = sig_read_file(path, SIG_PEM_FILE_MAX, &buf, &len);
	if (err < 0) {
		ERR("%s: %s\n", path, open_regular_strerror(err));
		return err;
	}
	b = BIO_new_mem_buf(buf, (int)len);
	if (b == NULL) {
		ERR("%s: out of memory\n", path);
		return -ENOMEM;
	}
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		sk_X509_push(certs, x);
		n++;
	}
	/* BIO_reset() of a memory BIO returns 1 on success. */
	if (n == 0 && BIO_reset(b) == 1 && (x = d2i_X509_bio(b, NULL)) != NULL) {
		sk_X509_push(certs, x);
		n++;
	}
	BIO_free(b);
	ERR_clear_error();
	if (n == 0) {
		ERR("%s: no X.509 certificate (PEM or DER)\n", path);
		return -EINVAL;
	}
	return n;
}

/* Why CMS_verify() said no, in the words of a packager. */
static const char *cms_failure(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *why =
		"signature does not match the module (module changed or stale signature)";

	if (ERR_GET_LIB(e) == ERR_LIB_CMS &&
	    ERR_GET_REASON(e) == CMS_R_SIGNER_CERTIFICATE_NOT_FOUND)
		why = "signed by a key none of the given certificates belongs to";
	ERR_clear_error();
	return why;
}

/* The kernel's own rules first (pkcs7_verify()), then the signature. */
static int check_cms(const struct loaded_sig *ls, STACK_OF(X509) * certs, char *why,
		     size_t whylen)
{
	const unsigned int flags = CMS_BINARY | CMS_NOINTERN | CMS_NO_SIGNER_CERT_VERIFY;
	STACK_OF(CMS_SignerInfo) * signers;
	CMS_ContentInfo *cms;
	BIO *content = NULL;
	int err = -EKEYREJECTED;

	if (trailer_id_type(ls) != MODULE_SIG_ID_PKCS7) {
		snprintf(why, whylen, "not a PKCS#7 signature (type %u)",
			 trailer_id_type(ls));
		return -ENOPKG;
	}
	cms = trailer_cms(ls);
	if (cms == NULL) {
		snprintf(why, whylen, "PKCS#7 data cannot be parsed");
		ERR_clear_error();
		return -EBADMSG;
	}
	if (OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_pkcs7_data) {
		snprintf(why, whylen, "content type is not data (the kernel refuses it)");
		goto out;
	}
	signers = CMS_get0_SignerInfos(cms);
	for (int i = 0; i < sk_CMS_SignerInfo_num(signers); i++) {
		if (CMS_signed_get_attr_count(sk_CMS_SignerInfo_value(signers, i)) > 0) {
			snprintf(why, whylen,
				 "has signed attributes (the kernel refuses them)");
			goto out;
		}
	}
	content = BIO_new_mem_buf(ls->m.mem, (int)ls->m.image_len);
	if (content != NULL && CMS_verify(cms, certs, NULL, content, NULL, flags) == 1)
		err = 0;
	else
		snprintf(why, whylen, "%s", cms_failure());
out:
	BIO_free(content);
	CMS_ContentInfo_free(cms);
	return err;
}

struct verify_stats {
	unsigned int ok, failed;
};

static int verify_one(const char *path, STACK_OF(X509) * certs, bool quiet,
		      struct verify_stats *st)
{
	struct loaded_sig ls;
	char why[256] = "";
	int err;

	err = find_sig(path, &ls, why, sizeof(why));
	if (err == 0 && ls.m.image_len > INT32_MAX) {
		snprintf(why, sizeof(why), "module too large");
		err = -EFBIG;
	}
	if (err == 0)
		err = check_cms(&ls, certs, why, sizeof(why));
	if (err < 0) {
		st->failed++;
		printf("%s: FAILED: %s%s%s\n", path, ls.sig_path ? ls.sig_path : "",
		       ls.sig_path ? ": " : "", why);
	} else {
		st->ok++;
		if (!quiet)
			printf("%s: OK (%s%s)\n", path,
			       ls.sig_path ? "detached " : "appended",
			       ls.sig_path ? ls.sig_path : "");
		if (ls.ignored != NULL && !quiet)
			printf("%s: note: %s is ignored: the module carries an appended signature\n",
			       path, ls.ignored);
	}
	loaded_sig_release(&ls);
	return err;
}

static bool is_module_name(const char *name)
{
	static const char *const exts[] = { ".ko", ".ko.xz", ".ko.gz", ".ko.zst" };
	size_t len = strlen(name);

	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		size_t n = strlen(exts[i]);

		if (len > n && streq(name + len - n, exts[i]))
			return true;
	}
	return false;
}

/* Every module file under @dir, in name order, symbolic links not followed. */
static int verify_tree(const char *dir, STACK_OF(X509) * certs, bool quiet,
		       struct verify_stats *st)
{
	struct dirent **names;
	int n, err = 0;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		err = -errno;
		ERR("%s: %s\n", dir, strerror(-err));
		return err;
	}
	for (int i = 0; i < n; i++) {
		const struct dirent *d = names[i];
		unsigned char type = d->d_type;
		_cleanup_free_ char *path = NULL;
		struct stat sb;

		if (streq(d->d_name, ".") || streq(d->d_name, "..") ||
		    asprintf(&path, "%s/%s", dir, d->d_name) < 0)
			continue;
		if (type == DT_UNKNOWN && lstat(path, &sb) == 0)
			type = S_ISDIR(sb.st_mode)   ? DT_DIR
			       : S_ISREG(sb.st_mode) ? DT_REG
						     : DT_UNKNOWN;
		if (type == DT_DIR) {
			if (verify_tree(path, certs, quiet, st) < 0)
				err = -EKEYREJECTED;
		} else if (type == DT_REG && is_module_name(d->d_name)) {
			if (verify_one(path, certs, quiet, st) < 0)
				err = -EKEYREJECTED;
		}
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return err;
}

static int do_verify(int argc, char *argv[])
{
	STACK_OF(X509) * certs;
	struct verify_stats st = { 0 };
	const char *all = NULL;
	struct timespec t0, t1;
	bool quiet = false;
	int i, r = EXIT_FAILURE, err = 0;

	if (!sig_crypto_ready())
		return EXIT_FAILURE;
	certs = sk_X509_new_null();
	if (certs == NULL)
		return EXIT_FAILURE;
	for (;;) {
		int c = getopt_long(argc, argv, verify_opts_s, verify_opts, NULL);

		if (c == -1)
			break;
		switch (c) {
		case 'c':
			if (add_certs(certs, optarg) < 0)
				goto out;
			break;
		case OPT_ALL:
			all = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			verify_help();
			r = EXIT_SUCCESS;
			goto out;
		default:
			goto out;
		}
	}
	if (sk_X509_num(certs) == 0) {
		ERR("no certificate given (-c CERT)\n");
		goto out;
	}
	if ((all == NULL) == (optind >= argc)) {
		ERR("expected MODULE... or --all DIR\n");
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (all != NULL)
		err = verify_tree(all, certs, quiet, &st);
	for (i = optind; i < argc; i++) {
		if (verify_one(argv[i], certs, quiet, &st) < 0)
			err = -EKEYREJECTED;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (all != NULL) {
		double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

		printf("%u modules: %u OK, %u FAILED (%.0f modules/s)\n",
		       st.ok + st.failed, st.ok, st.failed,
		       s > 0 ? (st.ok + st.failed) / s : 0.0);
	}
	if (err == 0 && st.ok > 0)
		r = EXIT_SUCCESS;
out:
	sk_X509_pop_free(certs, X509_free);
	return r;
}

/* ---- show-sig ------------------------------------------------------------- */

static void show_cms(const struct loaded_sig *ls)
{
	CMS_ContentInfo *cms = trailer_cms(ls);
	STACK_OF(CMS_SignerInfo) * signers;
	CMS_SignerInfo *si;
	ASN1_OCTET_STRING *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *serial = NULL;
	X509_ALGOR *dig = NULL, *alg = NULL;
	const ASN1_OBJECT *obj;
	char *hex;

	if (cms == NULL) {
		puts("pkcs7:          unparsable");
		ERR_clear_error();
		return;
	}
	signers = CMS_get0_SignerInfos(cms);
	printf("signers:        %d\n", sk_CMS_SignerInfo_num(signers));
	if (sk_CMS_SignerInfo_num(signers) < 1)
		goto out;
	si = sk_CMS_SignerInfo_value(signers, 0);
	CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &serial);
	if (issuer != NULL) {
		char *name = X509_NAME_oneline(issuer, NULL, 0);
		ASN1_INTEGER *sn = serial;
		BIGNUM *bn = sn ? ASN1_INTEGER_to_BN(sn, NULL) : NULL;
		uint8_t buf[64];
		int n = bn ? BN_bn2bin(bn, buf) : 0;

		printf("issuer:         %s\n", name ? name : "?");
		hex = sig_hex_line(buf, n > 0 && n <= (int)sizeof(buf) ? n : 0);
		printf("serial:         %s\n", hex ? hex : "?");
		free(hex);
		OPENSSL_free(name);
		BN_free(bn);
	}
	if (keyid != NULL) {
		hex = sig_hex_line(ASN1_STRING_get0_data(keyid),
				   ASN1_STRING_length(keyid));
		printf("subject key id: %s\n", hex ? hex : "?");
		free(hex);
	}
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &alg);
	X509_ALGOR_get0(&obj, NULL, NULL, dig);
	printf("hash:           %s\n", OBJ_nid2ln(OBJ_obj2nid(obj)));
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	printf("algorithm:      %s\n", OBJ_nid2sn(OBJ_obj2nid(obj)));
	printf("signed attrs:   %d\n",
	       CMS_signed_get_attr_count(si) > 0 ? CMS_signed_get_attr_count(si) : 0);
	printf("signature size: %d\n",
	       ASN1_STRING_length(CMS_SignerInfo_get0_signature(si)));
out:
	CMS_ContentInfo_free(cms);
}

static int show_one(const char *path)
{
	const char *comp;
	struct loaded_sig ls;
	char why[256] = "";
	int err;

	err = find_sig(path, &ls, why, sizeof(why));
	printf("file:           %s\n", path);
	if (err == -ENODATA || (err < 0 && ls.m.mem == NULL)) {
		printf("signature:      none: %s\n", why);
		loaded_sig_release(&ls);
		return err;
	}
	comp = kmod_file_compression_name(ls.m.compression);
	printf("compression:    %s\n", comp ? comp : "none");
	printf("image size:     %zu\n", ls.m.image_len);
	if (ls.sig_path != NULL)
		printf("signature:      detached %s (%s)\n", ls.sig_path,
		       ls.format == KMOD_SIG_FORMAT_PKCS7 ? "bare PKCS#7"
							  : "full trailer");
	else
		printf("signature:      appended\n");
	if (ls.ignored != NULL)
		printf("ignored:        %s (the module carries an appended signature)\n",
		       ls.ignored);
	if (err < 0) {
		printf("malformed:      %s\n", why);
		loaded_sig_release(&ls);
		return err;
	}
	printf("trailer size:   %zu\n", ls.trailer_len);
	printf("sig_len:        %zu\n", trailer_sig_len(&ls));
	printf("type:           %s\n", trailer_id_type(&ls) == MODULE_SIG_ID_PKCS7
					       ? "PKCS#7"
					       : "hash-based proof");
	if (trailer_id_type(&ls) == MODULE_SIG_ID_PKCS7)
		show_cms(&ls);
	loaded_sig_release(&ls);
	return 0;
}

static int do_show(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int i, r = EXIT_SUCCESS;

	for (;;) {
		int c = getopt_long(argc, argv, "h", opts, NULL);

		if (c == -1)
			break;
		if (c != 'h')
			return EXIT_FAILURE;
		printf("Usage:\n\t%s show-sig MODULE...\n"
		       "Show the signature each MODULE would be loaded with: appended or\n"
		       "MODULE.sig, its format, sizes, signer, key and hash.\n",
		       program_invocation_short_name);
		return EXIT_SUCCESS;
	}
	if (optind >= argc) {
		ERR("missing module\n");
		return EXIT_FAILURE;
	}
	if (!sig_crypto_ready())
		return EXIT_FAILURE;
	for (i = optind; i < argc; i++) {
		if (i > optind)
			putchar('\n');
		if (show_one(argv[i]) < 0)
			r = EXIT_FAILURE;
	}
	return r;
}

const struct kmod_cmd kmod_cmd_verify = {
	.name = "verify",
	.cmd = do_verify,
	.help = "Verify module signatures against certificates",
};

const struct kmod_cmd kmod_cmd_show_sig = {
	.name = "show-sig",
	.cmd = do_show,
	.help = "Show the signature a module would be loaded with",
};

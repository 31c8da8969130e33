// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kmod attach / kmod detach: move a signature between a module's image and
 * its .sig file.  The signature always covers the uncompressed image, so a
 * compressed module is decompressed, changed and compressed again.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fileio.h"
#include "tools/kmod-sig.h"
#include "tools/kmod.h"
#include "tools/tool-log.h"

enum { OPT_REPLACE = 0x100 };

static const char attach_opts_s[] = "o:Z:h";
static const struct option attach_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "compress", required_argument, NULL, 'Z' },
	{ "replace", no_argument, NULL, OPT_REPLACE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char detach_opts_s[] = "o:s:f:Z:h";
static const struct option detach_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "sig", required_argument, NULL, 's' },
	{ "format", required_argument, NULL, 'f' },
	{ "compress", required_argument, NULL, 'Z' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void attach_help(void)
{
	printf("Usage:\n"
	       "\t%s attach [options] MODULE [SIGFILE]\n"
	       "Append the signature SIGFILE (default MODULE.sig, full trailer or bare\n"
	       "PKCS#7) to MODULE's uncompressed image: the module sign-file -s makes.\n"
	       "Options:\n"
	       "\t-o, --output=FILE     write the signed module to FILE, not over MODULE\n"
	       "\t-Z, --compress=KIND   none, xz, gzip or zstd (default: as MODULE)\n"
	       "\t    --replace         replace the signature MODULE carries already\n"
	       "\t-h, --help            show this help\n",
	       program_invocation_short_name);
}

static void detach_help(void)
{
	printf("Usage:\n"
	       "\t%s detach [options] MODULE\n"
	       "Split a signed MODULE into the unsigned module and its signature file.\n"
	       "Options:\n"
	       "\t-o, --output=FILE     write the unsigned module to FILE, not over MODULE\n"
	       "\t-s, --sig=FILE        write the signature to FILE (default: OUTPUT.sig)\n"
	       "\t-f, --format=FMT      trailer: signature, info block and marker (default);\n"
	       "\t                      pkcs7: the bare DER PKCS#7\n"
	       "\t-Z, --compress=KIND   none, xz, gzip or zstd (default: as MODULE)\n"
	       "\t-h, --help            show this help\n",
	       program_invocation_short_name);
}

static int parse_compress(const char *arg, int *ret)
{
	int c = sig_parse_compression(arg);

	if (c < 0) {
		ERR("unknown compression '%s': expected none, xz, gzip or zstd\n", arg);
		return c;
	}
	*ret = c;
	return 0;
}

/* The .sig file checked by the loader's rules and turned into a trailer. */
static int read_trailer(const char *path, uint8_t **trailer, size_t *len)
{
	_cleanup_free_ uint8_t *buf = NULL;
	enum kmod_sig_format format;
	char reason[128];
	size_t size;
	int err;

	err = sig_read_file(path, DETACHED_SIG_MAX_SIZE, &buf, &size);
	if (err < 0) {
		ERR("%s: %s\n", path, open_regular_strerror(err));
		return err;
	}
	if (kmod_sig_check_detached_msg(buf, size, &format, reason, sizeof(reason)) < 0) {
		ERR("%s: malformed signature: %s\n", path, reason);
		return -EBADMSG;
	}
	*len = kmod_sig_trailer_size(format, size);
	*trailer = malloc(*len);
	if (*trailer == NULL)
		return -ENOMEM;
	kmod_sig_write_trailer(*trailer, buf, size, format);
	return 0;
}

static int do_attach(int argc, char *argv[])
{
	_cleanup_free_ char *default_sig = NULL;
	_cleanup_free_ uint8_t *trailer = NULL;
	const char *output = NULL, *module, *sig;
	struct sig_module m;
	bool replace = false;
	int compression = -1;
	size_t tlen;
	int err;

	for (;;) {
		int c = getopt_long(argc, argv, attach_opts_s, attach_opts, NULL);

		if (c == -1)
			break;
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'Z':
			if (parse_compress(optarg, &compression) < 0)
				return EXIT_FAILURE;
			break;
		case OPT_REPLACE:
			replace = true;
			break;
		case 'h':
			attach_help();
			return EXIT_SUCCESS;
		default:
			return EXIT_FAILURE;
		}
	}
	if (optind >= argc || argc - optind > 2) {
		ERR("expected MODULE [SIGFILE]\n");
		return EXIT_FAILURE;
	}
	module = argv[optind];
	sig = argv[optind + 1];
	if (sig == NULL)
		sig = default_sig = sig_path_of(module);
	if (sig == NULL)
		return EXIT_FAILURE;

	if (read_trailer(sig, &trailer, &tlen) < 0)
		return EXIT_FAILURE;
	if (sig_module_load(module, &m) < 0)
		return EXIT_FAILURE;
	if (m.appended && !replace) {
		ERR("%s: already carries a signature (use --replace to replace it)\n",
		    module);
		sig_module_release(&m);
		return EXIT_FAILURE;
	}
	if (compression < 0)
		compression = m.compression;
	err = sig_write_file(output ? output : module, m.mem, m.image_len, trailer, tlen,
			     compression, m.xz_layout, m.mode);
	sig_module_release(&m);
	return err < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

struct detach_args {
	const char *module, *output, *sig;
	enum kmod_sig_format format;
	int compression; /* -1: as the module */
};

/* The command line into @a: 0, or 1 when done (--help), or -1 (said). */
static int detach_parse(int argc, char *argv[], struct detach_args *a)
{
	*a = (struct detach_args){ .format = KMOD_SIG_FORMAT_TRAILER, .compression = -1 };
	for (;;) {
		int c = getopt_long(argc, argv, detach_opts_s, detach_opts, NULL);

		if (c == -1)
			break;
		switch (c) {
		case 'o':
			a->output = optarg;
			break;
		case 's':
			a->sig = optarg;
			break;
		case 'f':
			if (streq(optarg, "trailer")) {
				a->format = KMOD_SIG_FORMAT_TRAILER;
			} else if (streq(optarg, "pkcs7")) {
				a->format = KMOD_SIG_FORMAT_PKCS7;
			} else {
				ERR("unknown format '%s': expected trailer or pkcs7\n",
				    optarg);
				return -1;
			}
			break;
		case 'Z':
			if (parse_compress(optarg, &a->compression) < 0)
				return -1;
			break;
		case 'h':
			detach_help();
			return 1;
		default:
			return -1;
		}
	}
	if (argc - optind != 1) {
		ERR("expected one MODULE\n");
		return -1;
	}
	a->module = argv[optind];
	if (a->output == NULL)
		a->output = a->module;
	return 0;
}

/*
 * The bytes of @m's appended signature that go into the .sig in @format:
 * the whole trailer, or only its PKCS#7.  -EINVAL (said) when @m is not
 * signed, its signature would not load, or @format cannot hold it.
 */
static int detach_sig_bytes(const char *module, const struct sig_module *m,
			    enum kmod_sig_format format, const uint8_t **sig, size_t *len)
{
	const uint8_t *trailer = m->mem + m->image_len;
	size_t tlen = m->size - m->image_len;
	enum kmod_sig_format found;
	char reason[128];

	if (!m->appended) {
		ERR("%s: not signed\n", module);
		return -EINVAL;
	}
	if (kmod_sig_check_detached_msg(trailer, tlen, &found, reason, sizeof(reason)) <
	    0) {
		ERR("%s: the appended signature would not load: %s\n", module, reason);
		return -EINVAL;
	}
	*sig = trailer;
	*len = tlen;
	if (format == KMOD_SIG_FORMAT_PKCS7) {
		/* byte 2 of the info block is the signature type */
		if (trailer[tlen - MODULE_SIG_OVERHEAD + 2] != MODULE_SIG_ID_PKCS7) {
			ERR("%s: not a PKCS#7 signature: only --format=trailer can hold it\n",
			    module);
			return -EINVAL;
		}
		*len = tlen - MODULE_SIG_OVERHEAD;
	}
	return 0;
}

static int do_detach(int argc, char *argv[])
{
	_cleanup_free_ char *default_sig = NULL;
	struct detach_args a;
	struct sig_module m;
	const uint8_t *sig;
	size_t slen;
	int err;

	err = detach_parse(argc, argv, &a);
	if (err != 0)
		return err > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	if (a.sig == NULL)
		a.sig = default_sig = sig_path_of(a.output);
	if (a.sig == NULL)
		return EXIT_FAILURE;

	if (sig_module_load(a.module, &m) < 0)
		return EXIT_FAILURE;
	err = detach_sig_bytes(a.module, &m, a.format, &sig, &slen);
	if (err == 0) {
		if (a.compression < 0)
			a.compression = m.compression;
		/* The signature first: a failure must not leave an unsigned module only.
		 */
		err = sig_write_file(a.sig, sig, slen, NULL, 0,
				     KMOD_FILE_COMPRESSION_NONE, SIG_XZ_ONE_BLOCK, 0644);
	}
	if (err == 0)
		err = sig_write_file(a.output, m.mem, m.image_len, NULL, 0, a.compression,
				     m.xz_layout, m.mode);
	sig_module_release(&m);
	return err < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

const struct kmod_cmd kmod_cmd_attach = {
	.name = "attach",
	.cmd = do_attach,
	.help = "Append a detached signature to its module",
};

const struct kmod_cmd kmod_cmd_detach = {
	.name = "detach",
	.cmd = do_detach,
	.help = "Split a signed module into module and signature",
};

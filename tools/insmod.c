// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * insmod: load one module file, with its detached signature when there is one.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/kmod.h"
#include "tools/tool-log.h"

enum {
	OPT_FORCE_MODVERSION = 0x100,
	OPT_FORCE_VERMAGIC,
	OPT_DETACHED_SIG,
};

static const char cmdopts_s[] = "fsvVh";
static const struct option cmdopts[] = {
	{ "force", no_argument, NULL, 'f' },
	{ "force-modversion", no_argument, NULL, OPT_FORCE_MODVERSION },
	{ "force-vermagic", no_argument, NULL, OPT_FORCE_VERMAGIC },
	{ "detached-sig", required_argument, NULL, OPT_DETACHED_SIG },
	{ "syslog", no_argument, NULL, 's' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void help(void)
{
	printf("Usage:\n"
	       "\t%s [options] filename [args]\n"
	       "Options:\n"
	       "\t-f, --force       DANGEROUS: forces a module load, may cause\n"
	       "\t                  data corruption and crash your machine.\n"
	       "\t                  implies --force-modversion and\n"
	       "\t                  --force-vermagic\n"
	       "\t    --force-modversion  Ignore module's version\n"
	       "\t    --force-vermagic    Ignore module's version magic\n"
	       "\t    --detached-sig=MODE use FILENAME.sig if present (auto, default),\n"
	       "\t                  never (ignore) or refuse unsigned modules (require)\n"
	       "\t-s, --syslog      print to syslog, not stderr\n"
	       "\t-v, --verbose     enables more messages\n"
	       "\t-V, --version     show version\n"
	       "\t-h, --help        show this help\n",
	       program_invocation_short_name);
}

static const char *mod_strerror(int err)
{
	switch (err) {
	case ENOEXEC:
		return "Invalid module format";
	case ENOENT:
		return "Unknown symbol in module";
	case ESRCH:
		return "Module has wrong symbol version";
	case EINVAL:
		return "Invalid parameters";
	default:
		return strerror(err);
	}
}

static int do_insmod(int argc, char *argv[])
{
	struct kmod_ctx *ctx;
	struct kmod_module *mod;
	const char *filename;
	char *opts;
	int verbose = LOG_ERR, sig_policy = -1, use_syslog = 0;
	unsigned int flags = 0;
	int err, r = EXIT_FAILURE;

	for (;;) {
		int c = getopt_long(argc, argv, cmdopts_s, cmdopts, NULL);

		if (c == -1)
			break;
		switch (c) {
		case 'f':
			flags |=
				KMOD_INSERT_FORCE_MODVERSION | KMOD_INSERT_FORCE_VERMAGIC;
			break;
		case OPT_FORCE_MODVERSION:
			flags |= KMOD_INSERT_FORCE_MODVERSION;
			break;
		case OPT_FORCE_VERMAGIC:
			flags |= KMOD_INSERT_FORCE_VERMAGIC;
			break;
		case OPT_DETACHED_SIG:
			sig_policy = kmod_parse_detached_sig(optarg);
			if (sig_policy < 0) {
				ERR("invalid --detached-sig value '%s': expected auto, ignore or require\n",
				    optarg);
				return EXIT_FAILURE;
			}
			break;
		case 's':
			use_syslog = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			help();
			return EXIT_SUCCESS;
		case 'V':
			kmod_print_version();
			return EXIT_SUCCESS;
		default:
			return EXIT_FAILURE;
		}
	}

	log_open(use_syslog);
	log_set_priority(verbose);
	if (optind >= argc) {
		ERR("missing filename.\n");
		goto end;
	}
	filename = argv[optind];
	if (streq(filename, "-")) {
		ERR("this tool does not support loading from stdin!\n");
		goto end;
	}

	opts = kmod_join_module_options(argv + optind + 1, argc - optind - 1);
	if (opts == NULL) {
		ERR("could not gather module options: out-of-memory\n");
		goto end;
	}

	/*
	 * The configuration, for its deny lines (a denied module is refused here
	 * too) and its detached_sig floor (see kmod_apply_detached_sig()).
	 */
	ctx = kmod_new(NULL, NULL);
	if (ctx == NULL) {
		ERR("kmod_new() failed!\n");
		goto end_opts;
	}
	log_setup_kmod_log(ctx, verbose);
	kmod_apply_detached_sig(ctx, sig_policy, &verbose);

	err = kmod_module_new_from_path(ctx, filename, &mod);
	if (err < 0) {
		ERR("could not load module %s: %s\n", filename, strerror(-err));
		goto end_ctx;
	}
	err = kmod_module_insert_module(mod, flags, opts);
	if (err < 0)
		ERR("could not insert module %s: %s\n", filename, mod_strerror(-err));
	else
		r = EXIT_SUCCESS;
	kmod_module_unref(mod);
end_ctx:
	kmod_unref(ctx);
end_opts:
	free(opts);
end:
	log_close();
	return r;
}

const struct kmod_cmd kmod_cmd_compat_insmod = {
	.name = "insmod",
	.cmd = do_insmod,
	.help = "compat insmod command",
};

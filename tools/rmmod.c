// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rmmod: remove modules from the kernel, by name or by file.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/kmod.h"
#include "tools/tool-log.h"

static const char cmdopts_s[] = "fsvVh";
static const struct option cmdopts[] = {
	{ "force", no_argument, NULL, 'f' },   { "syslog", no_argument, NULL, 's' },
	{ "verbose", no_argument, NULL, 'v' }, { "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },    { NULL, 0, NULL, 0 },
};

static void help(void)
{
	printf("Usage:\n"
	       "\t%s [options] modulename ...\n"
	       "Options:\n"
	       "\t-f, --force       forces a module unload and may crash your\n"
	       "\t                  machine. This requires Forced Module Removal\n"
	       "\t                  option in your kernel. DANGEROUS\n"
	       "\t-s, --syslog      print to syslog, not stderr\n"
	       "\t-v, --verbose     enables more messages\n"
	       "\t-V, --version     show version\n"
	       "\t-h, --help        show this help\n",
	       program_invocation_short_name);
}

static void print_holders(struct kmod_list *holders)
{
	struct kmod_list *itr;

	kmod_list_foreach (itr, holders) {
		struct kmod_module *hm = kmod_module_get_module(itr);

		fprintf(stderr, " %s", kmod_module_get_name(hm));
		kmod_module_unref(hm);
	}
	fputc('\n', stderr);
}

static int check_module_inuse(struct kmod_module *mod)
{
	const char *name = kmod_module_get_name(mod);
	struct kmod_list *holders;
	int state, ret;

	state = kmod_module_get_initstate(mod);
	if (state == KMOD_MODULE_BUILTIN) {
		ERR("Module %s is builtin.\n", name);
		return -ENOENT;
	} else if (state < 0) {
		ERR("Module %s is not currently loaded\n", name);
		return -ENOENT;
	}

	holders = kmod_module_get_holders(mod);
	if (holders != NULL) {
		ERR("Module %s is in use by:", name);
		print_holders(holders);
		kmod_module_unref_list(holders);
		return -EBUSY;
	}

	ret = kmod_module_get_refcnt(mod);
	if (ret > 0) {
		ERR("Module %s is in use\n", name);
		return -EBUSY;
	} else if (ret == -ENOENT) {
		ERR("Module unloading is not supported\n");
	}
	return ret;
}

static int remove_one(struct kmod_ctx *ctx, const char *arg, unsigned int flags)
{
	struct kmod_module *mod;
	struct stat st;
	int err;

	if (stat(arg, &st) == 0)
		err = kmod_module_new_from_path(ctx, arg, &mod);
	else
		err = kmod_module_new_from_name(ctx, arg, &mod);
	if (err < 0) {
		ERR("could not use module %s: %s\n", arg, strerror(-err));
		return err;
	}

	if (!(flags & KMOD_REMOVE_FORCE)) {
		err = check_module_inuse(mod);
		if (err < 0)
			goto out;
	}
	err = kmod_module_remove_module(mod, flags);
	if (err < 0)
		ERR("could not remove module %s: %s\n", arg, strerror(-err));
out:
	kmod_module_unref(mod);
	return err;
}

static int do_rmmod(int argc, char *argv[])
{
	struct kmod_ctx *ctx;
	const char *null_config = NULL;
	int verbose = LOG_ERR, use_syslog = 0, i, r = 0;
	unsigned int flags = 0;

	for (;;) {
		int c = getopt_long(argc, argv, cmdopts_s, cmdopts, NULL);

		if (c == -1)
			break;
		switch (c) {
		case 'f':
			flags |= KMOD_REMOVE_FORCE;
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
		ERR("missing module name.\n");
		r = EXIT_FAILURE;
		goto done;
	}

	ctx = kmod_new(NULL, &null_config);
	if (ctx == NULL) {
		ERR("kmod_new() failed!\n");
		r = EXIT_FAILURE;
		goto done;
	}
	log_setup_kmod_log(ctx, verbose);

	for (i = optind; i < argc; i++) {
		if (remove_one(ctx, argv[i], flags) < 0)
			r++;
	}
	kmod_unref(ctx);
done:
	log_close();
	return r == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

const struct kmod_cmd kmod_cmd_compat_rmmod = {
	.name = "rmmod",
	.cmd = do_rmmod,
	.help = "compat rmmod command",
};

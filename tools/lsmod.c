// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lsmod / kmod list: the modules in /proc/modules, with size, use count and
 * holders, in kmod's exact format.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmod.h"
#include "log.h"

static const char cmdopts_s[] = "svVh";
static const struct option cmdopts[] = {
	{ "syslog", no_argument, NULL, 's' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void help(void)
{
	printf("Usage:\n"
	       "\t%s [options]\n"
	       "Options:\n"
	       "\t-s, --syslog      print to syslog, not stderr\n"
	       "\t-v, --verbose     enables more messages\n"
	       "\t-V, --version     show version\n"
	       "\t-h, --help        show this help\n",
	       program_invocation_short_name);
}

static void print_module(struct kmod_module *mod)
{
	struct kmod_list *holders, *hitr;
	bool first = true;

	printf("%-19s %8ld  %d", kmod_module_get_name(mod), kmod_module_get_size(mod),
	       kmod_module_get_refcnt(mod));
	holders = kmod_module_get_holders(mod);
	kmod_list_foreach(hitr, holders) {
		struct kmod_module *hm = kmod_module_get_module(hitr);

		putchar(first ? ' ' : ',');
		fputs(kmod_module_get_name(hm), stdout);
		first = false;
		kmod_module_unref(hm);
	}
	putchar('\n');
	kmod_module_unref_list(holders);
}

static int do_lsmod(int argc, char *argv[])
{
	struct kmod_ctx *ctx;
	const char *null_config = NULL;
	struct kmod_list *list, *itr;
	int verbose = LOG_ERR, use_syslog = 0, err, r = EXIT_FAILURE;

	for (;;) {
		int c = getopt_long(argc, argv, cmdopts_s, cmdopts, NULL);

		if (c == -1)
			break;
		switch (c) {
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
			puts("kmod version " KMOD_VERSION);
			puts(KMOD_FEATURES);
			return EXIT_SUCCESS;
		default:
			return EXIT_FAILURE;
		}
	}

	log_open(use_syslog);
	log_set_priority(verbose);
	if (optind < argc) {
		ERR("too many arguments provided.\n");
		goto done;
	}

	ctx = kmod_new(NULL, &null_config);
	if (ctx == NULL) {
		ERR("kmod_new() failed!\n");
		goto done;
	}
	log_setup_kmod_log(ctx, verbose);

	err = kmod_module_new_from_loaded(ctx, &list);
	if (err < 0) {
		ERR("could not get list of modules: %s\n", strerror(-err));
		goto done_ctx;
	}
	puts("Module                  Size  Used by");
	kmod_list_foreach(itr, list) {
		struct kmod_module *mod = kmod_module_get_module(itr);

		print_module(mod);
		kmod_module_unref(mod);
	}
	kmod_module_unref_list(list);
	r = EXIT_SUCCESS;
done_ctx:
	kmod_unref(ctx);
done:
	log_close();
	return r;
}

const struct kmod_cmd kmod_cmd_compat_lsmod = {
	.name = "lsmod",
	.cmd = do_lsmod,
	.help = "compat lsmod command",
};

const struct kmod_cmd kmod_cmd_list = {
	.name = "list",
	.cmd = do_lsmod,
	.help = "list currently loaded modules",
};

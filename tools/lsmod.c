// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lsmod / kmod list: the modules in /proc/modules, with size, use count and
 * holders, in kmod's exact format.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/json.h"
#include "tools/kmod.h"
#include "tools/tool-log.h"
#include "util/util.h"

/* --json has no short form */
#define OPT_JSON 0x100

static const char cmdopts_s[] = "svVh";
static const struct option cmdopts[] = {
	{ "syslog", no_argument, NULL, 's' },	 { "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },	 { "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, OPT_JSON }, { NULL, 0, NULL, 0 },
};

static void help(void)
{
	printf("Usage:\n"
	       "\t%s [options]\n"
	       "Options:\n"
	       "\t-s, --syslog      print to syslog, not stderr\n"
	       "\t-v, --verbose     enables more messages\n"
	       "\t-V, --version     show version\n"
	       "\t-h, --help        show this help\n"
	       "\t    --json        print a JSON array, an object per module\n",
	       program_invocation_short_name);
}

static void print_module(struct kmod_module *mod)
{
	struct kmod_list *holders, *hitr;
	bool first = true;

	printf("%-19s %8ld  %d", kmod_module_get_name(mod), kmod_module_get_size(mod),
	       kmod_module_get_refcnt(mod));
	holders = kmod_module_get_holders(mod);
	kmod_list_foreach (hitr, holders) {
		struct kmod_module *hm = kmod_module_get_module(hitr);

		putchar(first ? ' ' : ',');
		fputs(kmod_module_get_name(hm), stdout);
		first = false;
		kmod_module_unref(hm);
	}
	putchar('\n');
	kmod_module_unref_list(holders);
}

/* A number, or null for the error the library returned instead. */
static void json_number(const char *key, long value)
{
	if (value >= 0)
		printf(",\"%s\":%ld", key, value);
	else
		printf(",\"%s\":null", key);
}

/*
 * One module as a JSON object (the schema is in lsmod(8)): what the line
 * shows, plus its state and the kernel's taint flags for it ("E": loaded
 * without a signature the kernel could verify).
 */
static void json_module(struct kmod_module *mod, bool first)
{
	const char *name = kmod_module_get_name(mod);
	struct kmod_list *holders, *hitr;
	char path[PATH_MAX], taint[64];
	int state, n;

	fputs(first ? "[\n{" : ",\n{", stdout);
	json_key(stdout, "name");
	json_value(stdout, name);
	json_number("size", kmod_module_get_size(mod));
	json_number("refcnt", kmod_module_get_refcnt(mod));
	fputs(",\"holders\":[", stdout);
	holders = kmod_module_get_holders(mod);
	kmod_list_foreach (hitr, holders) {
		struct kmod_module *hm = kmod_module_get_module(hitr);

		if (hitr != holders)
			putchar(',');
		json_value(stdout, kmod_module_get_name(hm));
		kmod_module_unref(hm);
	}
	kmod_module_unref_list(holders);
	fputs("],\"state\":", stdout);
	state = kmod_module_get_initstate(mod);
	if (state >= 0 && kmod_module_initstate_str(state) != NULL)
		json_value(stdout, kmod_module_initstate_str(state));
	else
		fputs("null", stdout);
	fputs(",\"taint\":", stdout);
	n = snprintf(path, sizeof(path), "/sys/module/%s/taint", name);
	if (n > 0 && (size_t)n < sizeof(path) &&
	    read_str_from_file(path, taint, sizeof(taint)) == 0)
		json_value(stdout, taint);
	else
		fputs("null", stdout);
	putchar('}');
}

static int do_lsmod(int argc, char *argv[])
{
	struct kmod_ctx *ctx;
	const char *null_config = NULL;
	struct kmod_list *list, *itr;
	int verbose = LOG_ERR, use_syslog = 0, err, r = EXIT_FAILURE;
	bool json = false;

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
		case OPT_JSON:
			json = true;
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
	if (!json)
		puts("Module                  Size  Used by");
	kmod_list_foreach (itr, list) {
		struct kmod_module *mod = kmod_module_get_module(itr);

		if (json)
			json_module(mod, itr == list);
		else
			print_module(mod);
		kmod_module_unref(mod);
	}
	if (json)
		puts(list != NULL ? "\n]" : "[]");
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

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The multi-call binary: "kmod <command>", or a compat tool by the name it
 * was called with (insmod, rmmod, lsmod, ...).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/kmod.h"
#include "tools/tool-log.h"
#include "libkmod/libkmod.h"
#include "libkmod/libkmod-sig-policy.h"
#include "util/macro.h"
#include "util/strbuf.h"

static const struct kmod_cmd kmod_cmd_help;

static const struct kmod_cmd *const kmod_cmds[] = {
	&kmod_cmd_help,	  &kmod_cmd_list,     &kmod_cmd_static_nodes,
#ifdef ENABLE_OPENSSL
	&kmod_cmd_sign,
#endif
	&kmod_cmd_attach, &kmod_cmd_detach,
#ifdef ENABLE_OPENSSL
	&kmod_cmd_verify, &kmod_cmd_show_sig,
#endif
};

static const struct kmod_cmd *const kmod_compat_cmds[] = {
	&kmod_cmd_compat_lsmod,	   &kmod_cmd_compat_rmmod,   &kmod_cmd_compat_insmod,
	&kmod_cmd_compat_modprobe, &kmod_cmd_compat_modinfo, &kmod_cmd_compat_depmod,
};

/* Compat names listed in the help, whether or not this build has them yet. */
static const char *const compat_names[] = {
	"lsmod", "rmmod", "insmod", "modinfo", "modprobe", "depmod",
};

static const struct option options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

int kmod_parse_detached_sig(const char *value)
{
	return kmod_detached_sig_policy_from_name(value);
}

int kmod_apply_detached_sig(struct kmod_ctx *ctx, int policy, int *verbose)
{
	int effective;

	if (policy >= 0)
		kmod_set_detached_sig_policy(ctx, policy);
	effective = kmod_get_detached_sig_policy(ctx);
	if (verbose != NULL && effective == KMOD_DETACHED_SIG_REQUIRE &&
	    *verbose < LOG_WARNING) {
		*verbose = LOG_WARNING;
		log_set_priority(LOG_WARNING);
		kmod_set_log_priority(ctx, LOG_WARNING);
	}
	if (policy >= 0 && effective != policy)
		WRN("--detached-sig=%s is weaker than detached_sig %s in the "
		    "configuration: using %s\n",
		    kmod_detached_sig_policy_name(policy),
		    kmod_detached_sig_policy_name(effective),
		    kmod_detached_sig_policy_name(effective));
	return effective;
}

static int kmod_help(int argc, char *argv[])
{
	size_t i;

	printf("kmod - Manage kernel modules: list, load, unload, etc\n"
	       "Usage:\n"
	       "\t%s [options] command [command_options]\n\n"
	       "Options:\n"
	       "\t-V, --version     show version\n"
	       "\t-h, --help        show this help\n\n"
	       "Commands:\n",
	       program_invocation_short_name);
	for (i = 0; i < ARRAY_SIZE(kmod_cmds); i++) {
		if (kmod_cmds[i]->help != NULL)
			printf("  %-12s %s\n", kmod_cmds[i]->name, kmod_cmds[i]->help);
	}
	puts("\nkmod also handles gracefully if called from following symlinks:");
	for (i = 0; i < ARRAY_SIZE(compat_names); i++)
		printf("  %-12s compat %s command\n", compat_names[i], compat_names[i]);
	return EXIT_SUCCESS;
}

static const struct kmod_cmd kmod_cmd_help = {
	.name = "help",
	.cmd = kmod_help,
	.help = "Show help message",
};

void kmod_print_version(void)
{
	puts("kmod version " KMOD_VERSION);
	puts(KMOD_FEATURES);
}

static bool push_module_option(struct strbuf *buf, const char *arg)
{
	const char *value = strchr(arg, '=');

	if (strbuf_used(buf) > 0 && !strbuf_pushchar(buf, ' '))
		return false;
	if (value == NULL || value[1] == '"' || value[1] == '\'' ||
	    strchr(value, ' ') == NULL)
		return strbuf_pushchars(buf, arg);
	value++;
	return strbuf_pushmem(buf, arg, value - arg) && strbuf_pushchar(buf, '"') &&
	       strbuf_pushchars(buf, value) && strbuf_pushchar(buf, '"');
}

char *kmod_join_module_options(char *const *args, int nargs)
{
	_cleanup_strbuf_ struct strbuf buf;

	strbuf_init(&buf);
	for (int i = 0; i < nargs; i++) {
		if (!push_module_option(&buf, args[i]))
			return NULL;
	}
	return strbuf_steal(&buf);
}

static int handle_kmod_commands(int argc, char *argv[])
{
	const char *cmd;
	size_t i;

	for (;;) {
		int c = getopt_long(argc, argv, "+hV", options, NULL);

		if (c == -1)
			break;
		switch (c) {
		case 'h':
			kmod_help(argc, argv);
			return EXIT_SUCCESS;
		case 'V':
			kmod_print_version();
			return EXIT_SUCCESS;
		default:
			return EXIT_FAILURE;
		}
	}
	if (optind >= argc) {
		fputs("missing command\n", stderr);
		goto fail;
	}
	cmd = argv[optind];
	for (i = 0; i < ARRAY_SIZE(kmod_cmds); i++) {
		if (streq(kmod_cmds[i]->name, cmd)) {
			int n = optind;

			/* The command parses its own options from the start. */
			optind = 1;
			return kmod_cmds[i]->cmd(argc - n, argv + n);
		}
	}
	fprintf(stderr, "invalid command '%s'\n", cmd);
fail:
	kmod_help(argc, argv);
	return EXIT_FAILURE;
}

static int handle_kmod_compat_commands(int argc, char *argv[])
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kmod_compat_cmds); i++) {
		if (streq(kmod_compat_cmds[i]->name, program_invocation_short_name))
			return kmod_compat_cmds[i]->cmd(argc, argv);
	}
	return -ENOENT;
}

int main(int argc, char *argv[])
{
	if (streq(program_invocation_short_name, "kmod"))
		return handle_kmod_commands(argc, argv);
	return handle_kmod_compat_commands(argc, argv);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * modprobe, the printing half: -h, -c, --show-modversions, --show-exports, the
 * action lines of --show-depends/--dry-run/-v, and the handling of
 * MODPROBE_OPTIONS and of module parameters on the command line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libkmod/libkmod-sig-policy.h"
#include "tools/tool-log.h"
#include "tools/modprobe.h"
#include "util/strbuf.h"

/* ---- -h ------------------------------------------------------------------------ */

void modprobe_help(void)
{
	const char *p = program_invocation_short_name;

	printf("Usage:\n"
	       "\t%s [options] [-i] [-b] modulename\n"
	       "\t%s [options] -a [-i] [-b] modulename [modulename...]\n"
	       "\t%s [options] -r [-i] modulename\n"
	       "\t%s [options] -r -a [-i] modulename [modulename...]\n"
	       "\t%s [options] -c\n"
	       "\t%s [options] --show-modversions filename\n",
	       p, p, p, p, p, p);
	printf("Management Options:\n"
	       "\t-a, --all                   Consider every non-argument to\n"
	       "\t                            be a module name to be inserted\n"
	       "\t                            or removed (-r)\n"
	       "\t-r, --remove                Remove modules instead of inserting\n"
	       "\t    --remove-dependencies   Deprecated: use --remove-holders\n"
	       "\t    --remove-holders        Also remove module holders (use together with -r)\n"
	       "\t-w, --wait <MSEC>           When removing a module, wait up to MSEC for\n"
	       "\t                            module's refcount to become 0 so it can be\n"
	       "\t                            removed (use together with -r)\n"
	       "\t    --first-time            Fail if module already inserted or removed\n"
	       "\t-i, --ignore-install        Ignore install commands\n"
	       "\t-i, --ignore-remove         Ignore remove commands\n"
	       "\t-b, --use-blacklist         Apply blacklist to resolved alias.\n"
	       "\t-f, --force                 Force module insertion or removal.\n"
	       "\t                            implies --force-modversions and\n"
	       "\t                            --force-vermagic\n"
	       "\t    --force-modversion      Ignore module's version\n"
	       "\t    --force-vermagic        Ignore module's version magic\n"
	       "\t    --detached-sig=MODE     Use MODULE.sig if present (auto, default),\n"
	       "\t                            never (ignore) or refuse unsigned modules (require)\n"
	       "\n");
	printf("Query Options:\n"
	       "\t-R, --show-alias            Only lookup and print alias and exit\n"
	       "\t    --resolve-alias         Same as --show-alias\n"
	       "\t-D, --show-depends          Only print module dependencies and exit\n"
	       "\t    --show-sigs             With --show-depends, also print \"sig FILE\"\n"
	       "\t                            after each module that has a detached signature\n"
	       "\t-c, --show-config           Print out known configuration and exit\n"
	       "\t-c, --showconfig            Same as --show-config\n"
	       "\t    --show-modversions      Dump module symbol version and exit\n"
	       "\t    --dump-modversions      Same as --show-modversions\n"
	       "\t    --show-exports          Only print module exported symbol versions and exit\n"
	       "\n");
	printf("General Options:\n"
	       "\t-n, --dry-run               Do not execute operations, just print out\n"
	       "\t-n, --show                  Same as --dry-run\n"
	       "\t-C, --config=FILE           Use FILE instead of default search paths\n"
	       "\t-d, --dirname=DIR           Use DIR as filesystem root for " MODULE_DIRECTORY
	       "\n"
	       "\t-S, --set-version=VERSION   Use VERSION instead of `uname -r`\n"
	       "\t-s, --syslog                print to syslog, not stderr\n"
	       "\t-q, --quiet                 disable messages\n"
	       "\t-v, --verbose               enables more messages\n"
	       "\t-V, --version               show version\n"
	       "\t-h, --help                  show this help\n");
}

/* ---- -c ---------------------------------------------------------------------- */

struct config_dump {
	const char *directive;
	struct kmod_config_iter *(*get)(const struct kmod_ctx *ctx);
};

/* kmod's order: it is what people diff against; deny (kmod-ds) comes last. */
static const struct config_dump config_dumps[] = {
	{ "blacklist", kmod_config_get_blacklists },
	{ "install", kmod_config_get_install_commands },
	{ "remove", kmod_config_get_remove_commands },
	{ "alias", kmod_config_get_aliases },
	{ "options", kmod_config_get_options },
	{ "softdep", kmod_config_get_softdeps },
	{ "weakdep", kmod_config_get_weakdeps },
	{ "deny", kmod_config_get_denies },
};

int modprobe_show_config(struct kmod_ctx *ctx)
{
	int policy;

	for (size_t i = 0; i < ARRAY_SIZE(config_dumps); i++) {
		struct kmod_config_iter *iter = config_dumps[i].get(ctx);

		if (iter == NULL)
			continue;
		while (kmod_config_iter_next(iter)) {
			const char *value = kmod_config_iter_get_value(iter);

			printf("%s %s", config_dumps[i].directive,
			       kmod_config_iter_get_key(iter));
			if (value != NULL)
				printf(" %s\n", value);
			else
				putchar('\n');
		}
		kmod_config_iter_free_iter(iter);
	}
	/* kmod-ds: only when configured, so that the output stays kmod's otherwise. */
	policy = kmod_get_configured_detached_sig(ctx);
	if (policy >= 0)
		printf("detached_sig %s\n", kmod_detached_sig_policy_name(policy));
	puts("\n# End of configuration files. Dumping indexes now:\n");
	/* The dumps write(2) to the descriptor: stdio must be empty first. */
	fflush(stdout);
	kmod_dump_index(ctx, KMOD_INDEX_MODULES_ALIAS, STDOUT_FILENO);
	kmod_dump_index(ctx, KMOD_INDEX_MODULES_SYMBOL, STDOUT_FILENO);
	return 0;
}

/* ---- --show-modversions, --show-exports -------------------------------------- */

/* A file when one exists by that name, else a module of the module directory. */
static int module_from_arg(struct kmod_ctx *ctx, const char *arg,
			   struct kmod_module **mod)
{
	struct stat st;
	int err;

	if (stat(arg, &st) == 0)
		return kmod_module_new_from_path(ctx, arg, mod);
	*mod = NULL;
	err = kmod_module_new_from_name_lookup(ctx, arg, mod);
	if (err < 0)
		return err;
	return *mod == NULL ? -ENOENT : 0;
}

static void print_crc(uint64_t crc, const char *symbol)
{
	printf("0x%08" PRIx64 "\t%s\n", crc, symbol);
}

int modprobe_show_symbols(struct kmod_ctx *ctx, const char *arg, bool exports,
			  int log_prio)
{
	struct kmod_list *list = NULL, *l;
	struct kmod_module *mod;
	int err;

	err = module_from_arg(ctx, arg, &mod);
	if (err < 0) {
		log_printf(log_prio, "Module %s not found.\n", arg);
		return err;
	}

	if (exports)
		err = kmod_module_get_symbols(mod, &list);
	else
		err = kmod_module_get_versions(mod, &list);
	if (err < 0) {
		log_printf(log_prio, "could not get %s of %s: %s\n",
			   exports ? "symbols" : "modversions", arg, strerror(-err));
		kmod_module_unref(mod);
		return err;
	}

	kmod_list_foreach (l, list) {
		if (exports)
			print_crc(kmod_module_symbol_get_crc(l),
				  kmod_module_symbol_get_symbol(l));
		else
			print_crc(kmod_module_version_get_crc(l),
				  kmod_module_version_get_symbol(l));
	}
	if (exports)
		kmod_module_symbols_free_list(list);
	else
		kmod_module_versions_free_list(list);
	kmod_module_unref(mod);
	return 0;
}

/* ---- the action lines ---------------------------------------------------------- */

static bool show_sigs;

void modprobe_set_show_sigs(bool show)
{
	show_sigs = show;
}

/*
 * Builders parse these lines: the format, the trailing space of an insmod
 * line without options included, is kmod's.  No fflush: an install command
 * then writes before the buffered lines, as with kmod.
 */
void modprobe_print_action(struct kmod_module *m, bool install, const char *options)
{
	const char *path, *sig;

	if (options == NULL)
		options = "";
	if (install) {
		const char *cmd = kmod_module_get_install_commands(m);

		printf("install %s %s\n", cmd != NULL ? cmd : "", options);
		return;
	}

	path = kmod_module_get_path(m);
	if (path == NULL) {
		/* No file: a builtin module, or an alias with nothing to load. */
		if (kmod_module_get_initstate(m) == KMOD_MODULE_BUILTIN)
			printf("builtin %s\n", kmod_module_get_name(m));
		return;
	}
	printf("insmod %s %s\n", path, options);
	if (!show_sigs)
		return;
	sig = kmod_module_get_detached_sig_path(m);
	if (sig != NULL)
		printf("sig %s\n", sig);
}

/* ---- MODPROBE_OPTIONS ---------------------------------------------------------- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/*
 * The next word of *s copied into *out as a shell would read it: quotes
 * removed, blanks inside them kept.  An unterminated quote stays as a
 * literal character, as kmod leaves it.
 */
static void env_word(const char **s, char **out)
{
	const char *p = *s;
	char *o = *out, *quote_at = NULL;
	char quote = '\0';

	for (; *p != '\0'; p++) {
		if (quote != '\0') {
			if (*p == quote)
				quote = '\0';
			else
				*o++ = *p;
		} else if (is_blank(*p)) {
			break;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
			quote_at = o;
		} else {
			*o++ = *p;
		}
	}
	if (quote != '\0') {
		memmove(quote_at + 1, quote_at, o - quote_at);
		*quote_at = quote;
		o++;
	}
	*o++ = '\0';
	*s = p;
	*out = o;
}

char **modprobe_env_argv(int *argc, char **argv)
{
	const char *env = getenv("MODPROBE_OPTIONS"), *s;
	size_t len, nptr, size;
	char **v, *o;
	int n = 1;

	if (env == NULL)
		return argv;
	len = strlen(env);
	/* Never more words than bytes; the words need at most len + 1 bytes. */
	if (uadd_overflow(len, (size_t)*argc + 1, &nptr) ||
	    umul_overflow(nptr, sizeof(char *), &size) ||
	    uadd_overflow(size, len + 1, &size))
		return NULL;
	v = malloc(size);
	if (v == NULL)
		return NULL;
	o = (char *)(v + nptr);

	v[0] = argv[0];
	for (s = env;;) {
		while (is_blank(*s))
			s++;
		if (*s == '\0')
			break;
		v[n++] = o;
		env_word(&s, &o);
	}
	if (n == 1) {
		free(v);
		return argv;
	}
	memcpy(v + n, argv + 1, sizeof(char *) * (*argc - 1));
	*argc += n - 1;
	v[*argc] = NULL;
	return v;
}

void modprobe_env_append(const char *word)
{
	const char *old = getenv("MODPROBE_OPTIONS");
	const char *q = "";
	char *value;
	int r;

	/* Quoted only when needed, so plain words read exactly as with kmod. */
	if (strpbrk(word, " \t\n'\"") != NULL)
		q = strchr(word, '\'') != NULL ? "\"" : "'";
	if (old == NULL)
		r = asprintf(&value, "%s%s%s", q, word, q);
	else
		r = asprintf(&value, "%s %s%s%s", old, q, word, q);
	if (r < 0) {
		ERR("could not append value to $MODPROBE_OPTIONS\n");
		return;
	}
	if (setenv("MODPROBE_OPTIONS", value, 1) < 0)
		ERR("could not setenv(MODPROBE_OPTIONS, \"%s\")\n", value);
	free(value);
}

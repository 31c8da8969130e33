// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * modprobe: insert or remove modules with their dependencies, soft
 * dependencies and configured commands, as kmod's modprobe does, each module
 * with its detached signature when it has one.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#include "tools/kmod.h"
#include "tools/tool-log.h"
#include "tools/modprobe.h"
#include "util/util.h"

/* Below this verbosity modprobe prints no action lines. */
#define DEFAULT_VERBOSE LOG_WARNING

/*
 * Each modprobe started by an install or remove command is one level deeper;
 * a command loop (install a: modprobe b; install b: modprobe a) stops here
 * instead of forking for ever.  Real configurations nest two or three deep.
 */
#define DEPTH_ENV "KMOD_MODPROBE_DEPTH"
#define DEPTH_MAX 8

/* One run's options: modprobe is one process, and the probe callback has no data. */
static struct {
	int log_prio; /* of "not found" and friends: fatal, or a warning with -a */
	int verbose;
	bool do_show;
	bool dry_run;
	bool ignore_loaded;
	bool lookup_only;
	bool first_time;
	bool ignore_commands;
	bool use_blacklist;
	bool force;
	bool force_modversion;
	bool force_vermagic;
	bool remove_holders;
	bool show_sigs;
	unsigned long long wait_msec;
} opt = {
	.log_prio = LOG_CRIT,
	.verbose = DEFAULT_VERBOSE,
};

#define LOG(...) log_printf(opt.log_prio, __VA_ARGS__)

enum {
	OPT_FORCE_VERMAGIC = 0x100,
	OPT_FORCE_MODVERSION,
	OPT_FIRST_TIME,
	OPT_SHOW_MODVERSIONS,
	OPT_REMOVE_HOLDERS,
	OPT_REMOVE_DEPENDENCIES,
	OPT_SHOW_EXPORTS,
	OPT_DETACHED_SIG,
	OPT_SHOW_SIGS,
};

static const char cmdopts_s[] = "arw:RibfDcnC:d:S:sqvVh";
static const struct option cmdopts[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "remove", no_argument, NULL, 'r' },
	{ "remove-holders", no_argument, NULL, OPT_REMOVE_HOLDERS },
	{ "remove-dependencies", no_argument, NULL, OPT_REMOVE_DEPENDENCIES },
	{ "wait", required_argument, NULL, 'w' },
	{ "first-time", no_argument, NULL, OPT_FIRST_TIME },
	{ "ignore-install", no_argument, NULL, 'i' },
	{ "ignore-remove", no_argument, NULL, 'i' },
	{ "use-blacklist", no_argument, NULL, 'b' },
	{ "force", no_argument, NULL, 'f' },
	{ "force-modversion", no_argument, NULL, OPT_FORCE_MODVERSION },
	{ "force-vermagic", no_argument, NULL, OPT_FORCE_VERMAGIC },
	{ "detached-sig", required_argument, NULL, OPT_DETACHED_SIG },

	{ "show-alias", no_argument, NULL, 'R' },
	{ "resolve-alias", no_argument, NULL, 'R' },
	{ "show-depends", no_argument, NULL, 'D' },
	{ "show-sigs", no_argument, NULL, OPT_SHOW_SIGS },
	{ "show-config", no_argument, NULL, 'c' },
	{ "showconfig", no_argument, NULL, 'c' },
	{ "show-modversions", no_argument, NULL, OPT_SHOW_MODVERSIONS },
	{ "dump-modversions", no_argument, NULL, OPT_SHOW_MODVERSIONS },
	{ "show-exports", no_argument, NULL, OPT_SHOW_EXPORTS },

	{ "dry-run", no_argument, NULL, 'n' },
	{ "show", no_argument, NULL, 'n' },
	{ "config", required_argument, NULL, 'C' },
	{ "dirname", required_argument, NULL, 'd' },
	{ "set-version", required_argument, NULL, 'S' },
	{ "syslog", no_argument, NULL, 's' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* printf for the action lines of dry runs and -v; flushed to keep order with commands. */
_printf_format_(1, 2) static void show(const char *fmt, ...)
{
	va_list args;

	if (!opt.do_show && opt.verbose <= DEFAULT_VERBOSE)
		return;
	va_start(args, fmt);
	vprintf(fmt, args);
	va_end(args);
	fflush(stdout);
}

/* ---- removal --------------------------------------------------------------- */

/* A configured remove command; $CMDLINE_OPTS is empty on removal. */
static int run_command(struct kmod_module *mod, const char *type, const char *command)
{
	const char *name = kmod_module_get_name(mod);
	static const char var[] = "$CMDLINE_OPTS";
	_cleanup_free_ char *cmd = strdup(command);
	char *p;
	int ret;

	if (cmd == NULL)
		return -ENOMEM;
	while ((p = strstr(cmd, var)) != NULL)
		memmove(p, p + strlen(var), strlen(p + strlen(var)) + 1);

	show("%s %s\n", type, cmd);
	if (opt.dry_run)
		return 0;

	setenv("MODPROBE_MODULE", name, 1);
	ret = system(cmd);
	unsetenv("MODPROBE_MODULE");
	if (ret == -1 || WEXITSTATUS(ret) != 0) {
		LOG("Error running %s command for %s\n", type, name);
		if (ret != -1)
			ret = -WEXITSTATUS(ret);
	}
	return ret;
}

static unsigned long long now_msec(void)
{
	return now_usec() / 1000;
}

static void sleep_msec(unsigned long long msec)
{
	struct timespec ts = {
		.tv_sec = msec / 1000,
		.tv_nsec = (msec % 1000) * 1000000,
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * delete_module(2) one module.  With --wait, a busy module is retried after
 * 1, 2, 4... ms until the deadline, and only the final failure is reported.
 */
static int remove_module(struct kmod_module *mod)
{
	const char *name = kmod_module_get_name(mod);
	unsigned long long deadline = 0, interval = 1;
	unsigned int flags = 0;
	int err;

	show("rmmod %s\n", name);
	if (opt.dry_run)
		return 0;
	if (opt.force)
		flags |= KMOD_REMOVE_FORCE;
	if (opt.wait_msec > 0) {
		flags |= KMOD_REMOVE_NOLOG;
		deadline = now_msec() + opt.wait_msec;
	}

	for (;;) {
		unsigned long long now;

		err = kmod_module_remove_module(mod, flags);
		if (err != -EAGAIN || opt.wait_msec == 0)
			break;
		now = now_msec();
		if (now >= deadline)
			break;
		sleep_msec(interval < deadline - now ? interval : deadline - now);
		interval *= 2;
	}

	if (err == -EEXIST) {
		if (!opt.first_time)
			return 0;
		LOG("Module %s is not in kernel.\n", name);
	}
	if (err < 0 && opt.wait_msec > 0)
		ERR("could not remove '%s': %s\n", name, strerror(-err));
	return err;
}

#define RM_REMOVE_HOLDERS 0x1
#define RM_IGNORE_BUILTIN 0x2

static int remove_one(struct kmod_module *mod, unsigned int flags);

/* Remove each module of list, last first. */
static int remove_list(struct kmod_list *list, bool stop_on_errors)
{
	struct kmod_list *l;

	kmod_list_foreach_reverse (l, list) {
		struct kmod_module *m = kmod_module_get_module(l);
		int err = remove_one(m, RM_IGNORE_BUILTIN);

		kmod_module_unref(m);
		if (err < 0 && stop_on_errors)
			return err;
	}
	return 0;
}

/* Nothing to do (0), a refusal (<0), or 1 when the module is there to remove. */
static int check_loaded(struct kmod_module *mod, unsigned int flags)
{
	const char *name = kmod_module_get_name(mod);
	int state = kmod_module_get_initstate(mod);

	if (state < 0) {
		if (!opt.first_time)
			return 0;
		LOG("Module %s is not in kernel.\n", name);
		return -ENOENT;
	}
	if (state == KMOD_MODULE_BUILTIN) {
		/* A builtin dependency is no reason to fail. */
		if (flags & RM_IGNORE_BUILTIN)
			return 0;
		LOG("Module %s is builtin.\n", name);
		return -ENOENT;
	}
	return 1;
}

/* Dependencies nobody uses any more go too; their failures do not count. */
static void remove_unused_deps(struct kmod_module *mod)
{
	struct kmod_list *deps = kmod_module_get_dependencies(mod), *l;

	kmod_list_foreach (l, deps) {
		struct kmod_module *dep = kmod_module_get_module(l);

		if (kmod_module_get_refcnt(dep) == 0)
			remove_module(dep);
		kmod_module_unref(dep);
	}
	kmod_module_unref_list(deps);
}

/*
 * kmod's order: post-softdeps (last first), holders with --remove-holders,
 * the module or its remove command, unused dependencies, pre-softdeps.
 */
static int remove_one(struct kmod_module *mod, unsigned int flags)
{
	const char *name = kmod_module_get_name(mod);
	struct kmod_list *pre = NULL, *post = NULL;
	const char *cmd = NULL;
	int err;

	if (!opt.ignore_commands) {
		err = kmod_module_get_softdeps(mod, &pre, &post);
		if (err < 0) {
			WRN("could not get softdeps of '%s': %s\n", name, strerror(-err));
			return err;
		}
		cmd = kmod_module_get_remove_commands(mod);
	}

	if (cmd == NULL && !opt.ignore_loaded) {
		err = check_loaded(mod, flags);
		if (err <= 0)
			goto out;
	}

	remove_list(post, false);

	if (flags & RM_REMOVE_HOLDERS) {
		struct kmod_list *holders = kmod_module_get_holders(mod);

		err = remove_list(holders, true);
		kmod_module_unref_list(holders);
		if (err < 0)
			goto out;
		/* Gone already as an unused dependency of a holder: no second delete. */
		if (cmd == NULL && !opt.ignore_loaded &&
		    kmod_module_get_initstate(mod) < 0)
			goto unused;
	}

	if (cmd == NULL && !opt.ignore_loaded && opt.wait_msec == 0 &&
	    kmod_module_get_refcnt(mod) > 0) {
		LOG("Module %s is in use.\n", name);
		err = -EBUSY;
		goto out;
	}

	if (cmd == NULL)
		err = remove_module(mod);
	else
		err = run_command(mod, "remove", cmd);
	if (err < 0)
		goto out;
unused:
	if (cmd == NULL)
		remove_unused_deps(mod);
	remove_list(pre, false);
out:
	kmod_module_unref_list(pre);
	kmod_module_unref_list(post);
	return err;
}

static int remove_alias(struct kmod_ctx *ctx, const char *alias)
{
	struct kmod_list *list = NULL, *l;
	int err;

	err = kmod_module_new_from_lookup(ctx, alias, &list);
	if (err < 0)
		return err;
	if (list == NULL) {
		LOG("Module %s not found.\n", alias);
		err = -ENOENT;
	}
	kmod_list_foreach (l, list) {
		struct kmod_module *mod = kmod_module_get_module(l);

		err = remove_one(mod, opt.remove_holders ? RM_REMOVE_HOLDERS : 0);
		kmod_module_unref(mod);
		if (err < 0)
			break;
	}
	kmod_module_unref_list(list);
	return err;
}

static int remove_all(struct kmod_ctx *ctx, char **args, int nargs)
{
	int err = 0;

	for (int i = 0; i < nargs; i++) {
		int r = remove_alias(ctx, args[i]);

		if (r < 0)
			err = r;
	}
	return err;
}

/* ---- insertion ----------------------------------------------------------------- */

static unsigned int probe_flags(void)
{
	/* A blacklisted module is still loaded when named, never through an alias. */
	unsigned int flags = KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY;

	if (opt.force_modversion || opt.force)
		flags |= KMOD_PROBE_FORCE_MODVERSION;
	if (opt.force_vermagic || opt.force)
		flags |= KMOD_PROBE_FORCE_VERMAGIC;
	if (opt.ignore_commands)
		flags |= KMOD_PROBE_IGNORE_COMMAND;
	if (opt.ignore_loaded)
		flags |= KMOD_PROBE_IGNORE_LOADED;
	if (opt.dry_run)
		flags |= KMOD_PROBE_DRY_RUN;
	if (opt.use_blacklist)
		flags |= KMOD_PROBE_APPLY_BLACKLIST;
	if (opt.first_time)
		flags |= KMOD_PROBE_FAIL_ON_LOADED;
	return flags;
}

static int insert_one(struct kmod_module *mod, const char *extra_options)
{
	const char *name = kmod_module_get_name(mod);
	void (*show_action)(struct kmod_module *, bool, const char *) = NULL;
	int err;

	if (opt.lookup_only) {
		printf("%s\n", name);
		return 0;
	}
	if (opt.do_show || opt.verbose > DEFAULT_VERBOSE)
		show_action = modprobe_print_action;
	err = kmod_module_probe_insert_module(mod, probe_flags(), extra_options, NULL,
					      NULL, show_action);
	/* Positive values say a module was blacklisted: not an error here. */
	if (err >= 0)
		return 0;

	switch (err) {
	case -EEXIST:
		ERR("could not insert '%s': Module already in kernel\n", name);
		break;
	case -ENOENT:
		ERR("could not insert '%s': Unknown symbol in module, or unknown parameter (see dmesg)\n",
		    name);
		break;
	default:
		ERR("could not insert '%s': %s\n", name, strerror(-err));
		break;
	}
	return err;
}

/* A path when it starts with "/" or "./" (dependencies still from the indexes). */
static int insert_alias(struct kmod_ctx *ctx, const char *alias,
			const char *extra_options)
{
	struct kmod_list *list = NULL, *l;
	struct kmod_module *mod;
	int err;

	if (alias[0] == '/' || strstartswith(alias, "./")) {
		err = kmod_module_new_from_path(ctx, alias, &mod);
		if (err < 0) {
			LOG("Failed to get module from path %s: %s\n", alias,
			    strerror(-err));
			return -ENOENT;
		}
		err = insert_one(mod, extra_options);
		kmod_module_unref(mod);
		return err;
	}

	err = kmod_module_new_from_lookup(ctx, alias, &list);
	if (err < 0 || list == NULL) {
		kmod_module_unref_list(list);
		LOG("Module %s not found in directory %s\n", alias,
		    kmod_get_dirname(ctx));
		return -ENOENT;
	}
	kmod_list_foreach (l, list) {
		mod = kmod_module_get_module(l);
		err = insert_one(mod, extra_options);
		kmod_module_unref(mod);
	}
	kmod_module_unref_list(list);
	return err;
}

static int insert_all(struct kmod_ctx *ctx, char **args, int nargs)
{
	int err = 0;

	for (int i = 0; i < nargs; i++) {
		int r = insert_alias(ctx, args[i], NULL);

		if (r < 0)
			err = r;
	}
	return err;
}

static int insert_with_options(struct kmod_ctx *ctx, char **args, int nargs)
{
	_cleanup_free_ char *options = kmod_join_module_options(args + 1, nargs - 1);

	if (options == NULL) {
		ERR("could not gather module options: out-of-memory\n");
		return -ENOMEM;
	}
	return insert_alias(ctx, args[0], options[0] != '\0' ? options : NULL);
}

/* ---- the command --------------------------------------------------------------- */

enum action {
	ACTION_INSERT,
	ACTION_REMOVE,
	ACTION_SHOW_CONFIG,
	ACTION_SHOW_MODVERSIONS,
	ACTION_SHOW_EXPORTS,
};

struct setup {
	enum action action;
	bool use_all;
	bool use_syslog;
	bool deprecated_spelling;
	int sig_policy; /* -1: the library's default */
	const char *root;
	const char *kversion;
	const char **config_paths;
	size_t n_config_paths;
};

static int add_config_path(struct setup *s, const char *path)
{
	const char **v;

	v = reallocarray(s->config_paths, s->n_config_paths + 2, sizeof(char *));

	if (v == NULL)
		return -ENOMEM;
	v[s->n_config_paths++] = path;
	v[s->n_config_paths] = NULL;
	s->config_paths = v;
	return 0;
}

/* 1: go on; 0: done, exit successfully (-h, -V); <0: exit with failure. */
static int parse_options(int argc, char **argv, struct setup *s)
{
	for (;;) {
		int c = getopt_long(argc, argv, cmdopts_s, cmdopts, NULL);
		char *end;

		if (c == -1)
			return 1;
		switch (c) {
		case 'a':
			opt.log_prio = LOG_WARNING;
			s->use_all = true;
			break;
		case 'r':
			s->action = ACTION_REMOVE;
			break;
		case OPT_REMOVE_DEPENDENCIES:
			s->deprecated_spelling = true;
			/* fall through */
		case OPT_REMOVE_HOLDERS:
			opt.remove_holders = true;
			break;
		case 'w':
			errno = 0;
			opt.wait_msec = strtoull(optarg, &end, 0);
			if (*optarg == '\0' || *end != '\0' || errno != 0) {
				ERR("unexpected wait value '%s'.\n", optarg);
				return -EINVAL;
			}
			break;
		case OPT_FIRST_TIME:
			opt.first_time = true;
			break;
		case 'i':
			opt.ignore_commands = true;
			break;
		case 'b':
			opt.use_blacklist = true;
			break;
		case 'f':
			opt.force = true;
			break;
		case OPT_FORCE_MODVERSION:
			opt.force_modversion = true;
			break;
		case OPT_FORCE_VERMAGIC:
			opt.force_vermagic = true;
			break;
		case OPT_DETACHED_SIG:
			s->sig_policy = kmod_parse_detached_sig(optarg);
			if (s->sig_policy < 0) {
				ERR("invalid --detached-sig value '%s': expected auto, ignore or require\n",
				    optarg);
				return -EINVAL;
			}
			/* Modprobes run by install commands follow the same policy. */
			setenv("KMOD_DETACHED_SIG", optarg, 1);
			break;
		case 'D':
			opt.ignore_loaded = true;
			opt.dry_run = true;
			opt.do_show = true;
			break;
		case OPT_SHOW_SIGS:
			opt.show_sigs = true;
			break;
		case 'R':
			opt.lookup_only = true;
			break;
		case 'c':
			s->action = ACTION_SHOW_CONFIG;
			break;
		case OPT_SHOW_MODVERSIONS:
			s->action = ACTION_SHOW_MODVERSIONS;
			break;
		case OPT_SHOW_EXPORTS:
			s->action = ACTION_SHOW_EXPORTS;
			break;
		case 'n':
			opt.dry_run = true;
			opt.do_show = true;
			break;
		case 'C':
			if (add_config_path(s, optarg) < 0) {
				ERR("out-of-memory\n");
				return -ENOMEM;
			}
			modprobe_env_append("-C");
			modprobe_env_append(optarg);
			break;
		case 'd':
			s->root = optarg;
			break;
		case 'S':
			s->kversion = optarg;
			break;
		case 's':
			modprobe_env_append("-s");
			s->use_syslog = true;
			break;
		case 'q':
			modprobe_env_append("-q");
			opt.verbose = LOG_EMERG;
			break;
		case 'v':
			modprobe_env_append("-v");
			opt.verbose++;
			break;
		case 'V':
			kmod_print_version();
			return 0;
		case 'h':
			modprobe_help();
			return 0;
		default:
			return -EINVAL;
		}
	}
}

/* A closed or broken stderr (early boot, daemons) sends the messages to syslog. */
static bool stderr_usable(void)
{
	struct stat st;

	return stderr != NULL && fileno(stderr) >= 0 && fstat(fileno(stderr), &st) == 0;
}

/* The one-level-deeper count for our children; false past DEPTH_MAX. */
static bool enter_depth(void)
{
	const char *env = getenv(DEPTH_ENV);
	char buf[16];
	long depth = 0;

	if (env != NULL)
		depth = strtol(env, NULL, 10);
	if (depth < 0)
		depth = 0;
	if (depth >= DEPTH_MAX) {
		ERR("install or remove commands nested %ld deep: giving up (a loop?)\n",
		    depth);
		return false;
	}
	snprintf(buf, sizeof(buf), "%ld", depth + 1);
	setenv(DEPTH_ENV, buf, 1);
	return true;
}

static struct kmod_ctx *new_context(const struct setup *s)
{
	char dirname[PATH_MAX];
	const char *kversion = s->kversion;
	struct utsname u;
	int n;

	if (s->root == NULL && kversion == NULL)
		return kmod_new(NULL, s->config_paths);
	if (kversion == NULL) {
		if (uname(&u) < 0) {
			ERR("uname() failed: %m\n");
			return NULL;
		}
		kversion = u.release;
	}
	n = snprintf(dirname, sizeof(dirname), "%s" MODULE_DIRECTORY "/%s",
		     s->root != NULL ? s->root : "", kversion);
	if (n < 0 || (size_t)n >= sizeof(dirname)) {
		ERR("module directory name too long\n");
		return NULL;
	}
	return kmod_new(dirname, s->config_paths);
}

static int run(struct kmod_ctx *ctx, const struct setup *s, char **args, int nargs)
{
	int policy = kmod_apply_detached_sig(ctx, s->sig_policy, NULL);

	/* With the policy "ignore" the signatures are not part of the load. */
	modprobe_set_show_sigs(opt.show_sigs && policy != KMOD_DETACHED_SIG_IGNORE);

	switch (s->action) {
	case ACTION_SHOW_CONFIG:
		return modprobe_show_config(ctx);
	case ACTION_SHOW_MODVERSIONS:
		return modprobe_show_symbols(ctx, args[0], false, opt.log_prio);
	case ACTION_SHOW_EXPORTS:
		return modprobe_show_symbols(ctx, args[0], true, opt.log_prio);
	case ACTION_REMOVE:
		return remove_all(ctx, args, nargs);
	case ACTION_INSERT:
		break;
	}
	if (s->use_all)
		return insert_all(ctx, args, nargs);
	return insert_with_options(ctx, args, nargs);
}

static int do_modprobe(int argc, char *orig_argv[])
{
	struct setup s = { .action = ACTION_INSERT, .sig_policy = -1 };
	struct kmod_ctx *ctx;
	char **argv;
	int err;

	log_set_priority(opt.verbose);
	argv = modprobe_env_argv(&argc, orig_argv);
	if (argv == NULL) {
		ERR("Could not prepend options from command line\n");
		return EXIT_FAILURE;
	}

	err = parse_options(argc, argv, &s);
	if (err <= 0)
		goto done;

	if (!s.use_syslog && !stderr_usable())
		s.use_syslog = true;
	log_open(s.use_syslog);
	log_set_priority(opt.verbose);
	if (s.deprecated_spelling)
		WRN("--remove-dependencies is deprecated: use --remove-holders\n");

	err = -EINVAL;
	if (s.action != ACTION_SHOW_CONFIG && optind >= argc) {
		ERR("missing parameters. See -h.\n");
		goto close;
	}
	if (!enter_depth())
		goto close;

	ctx = new_context(&s);
	if (ctx == NULL) {
		ERR("kmod_new() failed!\n");
		goto close;
	}
	log_setup_kmod_log(ctx, opt.verbose);
	kmod_load_resources(ctx);

	err = run(ctx, &s, argv + optind, argc - optind);
	kmod_unref(ctx);
close:
	log_close();
done:
	if (argv != orig_argv)
		free(argv);
	free(s.config_paths);
	return err >= 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

const struct kmod_cmd kmod_cmd_compat_modprobe = {
	.name = "modprobe",
	.cmd = do_modprobe,
	.help = "compat modprobe command",
};

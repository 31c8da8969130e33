// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * deny (kmod-ds) through the public libkmod.so.2, as its users call it:
 * systemd and udev (lookup + kmod_module_probe_insert_module with
 * KMOD_PROBE_APPLY_BLACKLIST), a caller with its own install and print
 * callbacks, and kmod_module_insert_module (insmod's route).  Asserted: the
 * -EPERM, the error logged with the directive's file and line, no callback,
 * and no system call in the trap's log.
 *
 * test-modprobe-deny.sh runs it under the trap on its fixture tree
 * ($LIBKMOD_TEST_MODDIR), with /etc/modprobe.d saying
 *   deny.conf: deny mod-foo-a
 *   more.conf: softdep dummy pre: mod-foo-a / install mod-foo-a echo RAN /
 *              blacklist mod-foo-a
 */
#include "testsuite/test-libkmod.h"

#define CONF "/etc/modprobe.d/deny.conf line 1"
#define DENIED_A "module mod_foo_a is denied by " CONF "\n"

static const char *moddir;

struct calls {
	unsigned int install, print;
};

static int count_install(struct kmod_module *m, const char *cmdline, void *data)
{
	((struct calls *)data)->install++;
	return 0;
}

static struct calls *print_calls;

static void count_print(struct kmod_module *m, bool install, const char *options)
{
	print_calls->print++;
}

static struct kmod_ctx *ctx_new(const char *const *config, struct log_recorder *rec)
{
	struct kmod_ctx *ctx = kmod_new(NULL, config);

	if (ctx == NULL) {
		printf("Bail out! kmod_new failed\n");
		exit(1);
	}
	kmod_set_log_fn(ctx, log_record, rec);
	return ctx;
}

/* The one module @alias resolves to, as systemd's module_load_and_warn() gets it. */
static struct kmod_module *lookup_one(struct kmod_ctx *ctx, const char *alias)
{
	struct kmod_list *list = NULL;
	struct kmod_module *mod;
	int err = kmod_module_new_from_lookup(ctx, alias, &list);

	if (err < 0 || list == NULL || kmod_list_next(list, list) != NULL) {
		printf("Bail out! lookup %s: %d, not one module\n", alias, err);
		exit(1);
	}
	mod = kmod_module_get_module(list);
	kmod_module_unref_list(list);
	return mod;
}

/* No system call since the last look, and the last message is @msg at LOG_ERR. */
static void check_refused(const char *what, int err, const struct log_recorder *rec,
			  const char *msg)
{
	char *log = trap_log_take();

	is_int(err, -EPERM, "%s: -EPERM", what);
	is_str(log, "", "%s: no system call", what);
	is_int(log_last(rec)->priority, LOG_ERR, "%s: logged as an error", what);
	is_str(log_last(rec)->msg, msg, "%s: the message names the file and line", what);
	free(log);
}

/* The one system call since the last look is finit_module(@path); unload @mod. */
static void check_finit(const char *what, struct kmod_module *mod, const char *path)
{
	char *log = trap_log_take(), *want;

	if (asprintf(&want, "finit_module file=%s flags=0 params=\n", path) < 0) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	is_str(log, want, "%s: finit_module of %s alone", what, path);
	kmod_module_remove_module(mod, 0);
	free(trap_log_take());
	free(want);
	free(log);
}

static void test_systemd_udev(void)
{
	struct log_recorder rec = { 0 };
	struct kmod_ctx *ctx = ctx_new(NULL, &rec);
	static const unsigned int flag_sets[] = {
		KMOD_PROBE_APPLY_BLACKLIST,
		KMOD_PROBE_APPLY_BLACKLIST_ALL,
		KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY,
		0,
	};

	for (size_t i = 0; i < sizeof(flag_sets) / sizeof(flag_sets[0]); i++) {
		struct kmod_module *mod = lookup_one(ctx, "fixture:foo-a");
		char what[64];

		/* Blacklisted as well: -EPERM, not the positive blacklist value. */
		snprintf(what, sizeof(what), "alias, probe flags 0x%x", flag_sets[i]);
		check_refused(what,
			      kmod_module_probe_insert_module(mod, flag_sets[i], NULL,
							      NULL, NULL, NULL),
			      &rec, DENIED_A);
		kmod_module_unref(mod);
	}

	/* As a dependency: refused as a whole, mod-foo-b (allowed) not loaded either. */
	{
		struct kmod_module *mod = lookup_one(ctx, "fixture:foo");

		check_refused(
			"dependency",
			kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST,
							NULL, NULL, NULL, NULL),
			&rec,
			"module mod_foo needs mod_foo_a, which is denied by " CONF "\n");
		kmod_module_unref(mod);
	}
	kmod_unref(ctx);
}

static void test_callbacks(void)
{
	struct log_recorder rec = { 0 };
	struct kmod_ctx *ctx = ctx_new(NULL, &rec);
	struct kmod_module *mod = NULL;
	struct calls calls = { 0 };
	static const unsigned int flag_sets[] = {
		0,
		KMOD_PROBE_IGNORE_COMMAND,
		KMOD_PROBE_DRY_RUN | KMOD_PROBE_IGNORE_LOADED,
	};

	if (kmod_module_new_from_name(ctx, "mod-foo-a", &mod) < 0) {
		printf("Bail out! new_from_name mod-foo-a\n");
		exit(1);
	}
	print_calls = &calls;
	for (size_t i = 0; i < sizeof(flag_sets) / sizeof(flag_sets[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "by name, callbacks, flags 0x%x",
			 flag_sets[i]);
		check_refused(what,
			      kmod_module_probe_insert_module(mod, flag_sets[i], "x=1",
							      count_install, &calls,
							      count_print),
			      &rec, DENIED_A);
	}
	is_int(calls.install, 0, "the install command of a denied module never runs");
	is_int(calls.print, 0, "no action printed for a denied module");
	kmod_module_unref(mod);
	kmod_unref(ctx);
}

static void test_insert(void)
{
	static const char *const no_config[] = { NULL };
	struct log_recorder rec = { 0 };
	struct kmod_ctx *ctx = ctx_new(NULL, &rec);
	char *path = path_join(moddir, "kernel/lib/mod-foo-a.ko");
	struct kmod_module *mod = NULL;

	if (kmod_module_new_from_name(ctx, "mod_foo_a", &mod) < 0) {
		printf("Bail out! new_from_name mod_foo_a\n");
		exit(1);
	}
	check_refused("insert by name", kmod_module_insert_module(mod, 0, NULL), &rec,
		      DENIED_A);
	kmod_module_unref(mod);
	kmod_unref(ctx);

	/* insmod's route: a module from its path. */
	ctx = ctx_new(NULL, &rec);
	if (kmod_module_new_from_path(ctx, path, &mod) < 0) {
		printf("Bail out! new_from_path %s\n", path);
		exit(1);
	}
	check_refused("insert by path",
		      kmod_module_insert_module(mod, KMOD_INSERT_FORCE_VERMAGIC, NULL),
		      &rec, DENIED_A);
	kmod_module_unref(mod);
	kmod_unref(ctx);

	/* Without the configuration nothing is denied: the same file loads. */
	ctx = ctx_new(no_config, &rec);
	if (kmod_module_new_from_path(ctx, path, &mod) < 0) {
		printf("Bail out! new_from_path %s\n", path);
		exit(1);
	}
	is_int(kmod_module_insert_module(mod, 0, NULL), 0,
	       "no configuration: the same module loads");
	check_finit("no configuration", mod, path);
	kmod_module_unref(mod);
	kmod_unref(ctx);
	free(path);
}

static void test_softdep(void)
{
	struct log_recorder rec = { 0 };
	struct kmod_ctx *ctx = ctx_new(NULL, &rec);
	struct kmod_module *mod = lookup_one(ctx, "rtnl-link-dummy");
	char *path = path_join(moddir, "kernel/drivers/dummy.ko");

	kmod_set_log_priority(ctx, LOG_NOTICE);
	is_int(kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST, NULL,
					       NULL, NULL, NULL),
	       0, "denied soft dependency: the module still loads");
	is_int(log_last(&rec)->priority, LOG_NOTICE, "denied soft dependency: a notice");
	is_str(log_last(&rec)->msg,
	       "soft dependency mod_foo_a of dummy skipped: it is denied by " CONF "\n",
	       "denied soft dependency: the notice names it");
	check_finit("denied soft dependency", mod, path);
	kmod_module_unref(mod);
	kmod_unref(ctx);
	free(path);
}

static void test_iter(void)
{
	struct log_recorder rec = { 0 };
	struct kmod_ctx *ctx = ctx_new(NULL, &rec);
	struct kmod_config_iter *iter = kmod_config_get_denies(ctx);
	unsigned int n = 0;

	ok(iter != NULL, "kmod_config_get_denies: an iterator");
	while (kmod_config_iter_next(iter)) {
		n++;
		is_str(kmod_config_iter_get_key(iter), "mod_foo_a",
		       "kmod_config_get_denies: the name, normalised");
		ok(kmod_config_iter_get_value(iter) == NULL,
		   "kmod_config_get_denies: no value");
	}
	is_int(n, 1, "kmod_config_get_denies: one entry");
	kmod_config_iter_free_iter(iter);
	ok(kmod_config_get_denies(NULL) == NULL, "kmod_config_get_denies(NULL): NULL");
	kmod_unref(ctx);
}

int main(void)
{
	require_trap();
	moddir = env_or_bail("LIBKMOD_TEST_MODDIR");
	free(trap_log_take());
	test_systemd_udev();
	test_callbacks();
	test_insert();
	test_softdep();
	test_iter();
	return tap_done();
}

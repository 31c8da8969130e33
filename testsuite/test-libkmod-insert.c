// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kmod_module_insert_module / kmod_module_remove_module through the public
 * libkmod.so.2, asserted on the exact system call the trap logs: the
 * detached-signature policy of the context, KMOD_DETACHED_SIG, the per-call
 * KMOD_INSERT_DETACHED_SIG_* flags, and the delete_module flags and errors.
 *
 * test-libkmod.sh prepares $LIBKMOD_TEST_DIR:
 *   m/dummy.ko + m/dummy.ko.sig (full trailer)   n/dummy.ko (no .sig)
 *   x/dummy.ko.xz (no .sig)    s/dummy.ko.xz + s/dummy.ko.xz.sig (bare PKCS#7)
 *   a/dummy.ko (with an appended signature)
 * a TRAP_ROOT whose sys/module/compression says xz, and in
 * LIBKMOD_TEST_SIGNED_INIT the trap's line for init_module(dummy.ko ||
 * trailer) up to "params=".
 */
#include <limits.h>

#include "testsuite/test-libkmod.h"

#define OPTS "opt=1 two"

#define AUTO KMOD_DETACHED_SIG_AUTO
#define IGNORE KMOD_DETACHED_SIG_IGNORE
#define REQUIRE KMOD_DETACHED_SIG_REQUIRE
#define F_IGNORE KMOD_INSERT_DETACHED_SIG_IGNORE
#define F_REQUIRE KMOD_INSERT_DETACHED_SIG_REQUIRE

static const char *const no_config[] = { NULL };
static const char *test_dir;
static const char *signed_init;

enum syscall_want {
	NOTHING,
	SIGNED,		  /* init_module(decompressed image || trailer) */
	FINIT,		  /* finit_module(file, 0) */
	FINIT_COMPRESSED, /* finit_module(file, MODULE_INIT_COMPRESSED_FILE) */
};

/* The trap's log line(s) for one insertion of @file; caller frees. */
static char *expected_log(enum syscall_want call, const char *file)
{
	char real[PATH_MAX], *s = NULL;
	int r = 0;

	switch (call) {
	case NOTHING:
		s = strdup("");
		break;
	case SIGNED:
		r = asprintf(&s, "%s%s\n", signed_init, OPTS);
		break;
	case FINIT:
	case FINIT_COMPRESSED:
		if (realpath(file, real) == NULL)
			snprintf(real, sizeof(real), "(realpath %s: %m)", file);
		r = asprintf(&s, "finit_module file=%s flags=%d params=%s\n", real,
			     call == FINIT ? 0 : 4, OPTS);
		break;
	}
	if (r < 0 || s == NULL) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	return s;
}

static struct kmod_ctx *ctx_new(struct log_recorder *rec)
{
	struct kmod_ctx *ctx = kmod_new(NULL, no_config);

	if (ctx == NULL) {
		printf("Bail out! kmod_new failed\n");
		exit(1);
	}
	if (rec != NULL)
		kmod_set_log_fn(ctx, log_record, rec);
	return ctx;
}

static struct kmod_module *module_at(struct kmod_ctx *ctx, const char *file)
{
	char *path = path_join(test_dir, file);
	struct kmod_module *mod = NULL;
	int err = kmod_module_new_from_path(ctx, path, &mod);

	if (err < 0) {
		printf("Bail out! new_from_path %s: %s\n", path, strerror(-err));
		exit(1);
	}
	free(path);
	return mod;
}

/* Unload what a successful insertion loaded, asserting delete_module's flags. */
static void unload(struct kmod_module *mod, const char *what)
{
	int err = kmod_module_remove_module(mod, 0);
	char *log = trap_log_take();

	ok(err == 0 && strcmp(log, "delete_module name=dummy flags=0x800\n") == 0,
	   "%s: removed again (err %d, log '%s')", what, err, oneline(log));
	free(log);
}

/* Insert @file with @flags into a context whose policy is @policy (-1: untouched). */
static void check_insert(const char *what, int policy, unsigned int flags,
			 const char *file, int want_err, enum syscall_want call)
{
	struct log_recorder rec = { 0 };
	struct kmod_ctx *ctx = ctx_new(&rec);
	char *path = path_join(test_dir, file), *want = expected_log(call, path), *log;
	struct kmod_module *mod;
	int err;

	if (policy >= 0 && kmod_set_detached_sig_policy(ctx, policy) < 0)
		printf("# set policy %d failed\n", policy);
	mod = module_at(ctx, file);
	err = kmod_module_insert_module(mod, flags, OPTS);
	log = trap_log_take();
	is_int(err, want_err, "%s: insert %s returns %d", what, file, want_err);
	is_str(log, want, "%s: %s", what,
	       call == NOTHING	? "no system call"
	       : call == SIGNED ? "init_module(image || trailer)"
				: "finit_module of the file");
	if (err == 0)
		unload(mod, what);
	if (want_err < 0)
		ok(rec.n > 0 && log_last(&rec)->priority == LOG_ERR,
		   "%s: the refusal is logged as an error ('%s')", what,
		   oneline(log_last(&rec)->msg));
	kmod_module_unref(mod);
	kmod_unref(ctx);
	free(path);
	free(want);
	free(log);
}

/*
 * A valid signature under require: checked, then loaded with @call; built
 * without libcrypto it cannot be checked, so it is refused before any
 * system call.
 */
#ifdef ENABLE_OPENSSL
#define REQUIRE_VALID(call) 0, call
#else
#define REQUIRE_VALID(call) -ELIBACC, NOTHING
#endif

static void test_policy_overrides(void)
{
	static const struct {
		const char *what;
		int policy;
		unsigned int flags;
		const char *file;
		int err;
		enum syscall_want call;
	} cases[] = {
		{ "auto, .sig", AUTO, 0, "m/dummy.ko", 0, SIGNED },
		{ "auto + flag IGNORE, .sig", AUTO, F_IGNORE, "m/dummy.ko", 0, FINIT },
		{ "auto, no .sig", AUTO, 0, "n/dummy.ko", 0, FINIT },
		{ "ignore, .sig", IGNORE, 0, "m/dummy.ko", 0, FINIT },
		{ "ignore + flag REQUIRE, .sig", IGNORE, F_REQUIRE, "m/dummy.ko",
		  REQUIRE_VALID(SIGNED) },
		{ "ignore + flag REQUIRE, unsigned", IGNORE, F_REQUIRE, "n/dummy.ko",
		  -ENOKEY, NOTHING },
		{ "require, .sig", REQUIRE, 0, "m/dummy.ko", REQUIRE_VALID(SIGNED) },
		{ "require, unsigned", REQUIRE, 0, "n/dummy.ko", -ENOKEY, NOTHING },
		{ "require + flag IGNORE, unsigned", REQUIRE, F_IGNORE, "n/dummy.ko", 0,
		  FINIT },
		{ "auto + both flags (require wins), unsigned", AUTO,
		  F_IGNORE | F_REQUIRE, "n/dummy.ko", -ENOKEY, NOTHING },
		{ "require, appended signature", REQUIRE, 0, "a/dummy.ko",
		  REQUIRE_VALID(FINIT) },
		{ "auto, xz the kernel decompresses", AUTO, 0, "x/dummy.ko.xz", 0,
		  FINIT_COMPRESSED },
#ifdef ENABLE_XZ
		{ "auto, xz + bare PKCS#7 .sig", AUTO, 0, "s/dummy.ko.xz", 0, SIGNED },
#else
		/* Not decompressed, the .sig cannot be appended: refused. */
		{ "auto, xz + .sig, built without xz", AUTO, 0, "s/dummy.ko.xz", -ENOSYS,
		  NOTHING },
#endif
		{ "auto + flag IGNORE, xz + .sig", AUTO, F_IGNORE, "s/dummy.ko.xz", 0,
		  FINIT_COMPRESSED },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_insert(cases[i].what, cases[i].policy, cases[i].flags,
			     cases[i].file, cases[i].err, cases[i].call);
}

static void test_policy_api(void)
{
	struct kmod_ctx *ctx = ctx_new(NULL);

	is_int(kmod_get_detached_sig_policy(ctx), AUTO, "policy defaults to auto");
	is_int(kmod_set_detached_sig_policy(ctx, 42), -EINVAL, "set policy 42: -EINVAL");
	is_int(kmod_set_detached_sig_policy(ctx, (int)-1), -EINVAL,
	       "set policy -1: -EINVAL");
	is_int(kmod_get_detached_sig_policy(ctx), AUTO,
	       "a refused policy changes nothing");
	for (int p = AUTO; p <= REQUIRE; p++) {
		is_int(kmod_set_detached_sig_policy(ctx, p), 0, "set policy %d", p);
		is_int(kmod_get_detached_sig_policy(ctx), p, "get policy %d", p);
	}
	is_int(kmod_set_detached_sig_policy(NULL, AUTO), -EINVAL,
	       "set policy on NULL: -EINVAL");
	is_int(kmod_get_detached_sig_policy(NULL), -EINVAL,
	       "get policy of NULL: -EINVAL");
	kmod_unref(ctx);
}

static void test_policy_env(void)
{
	static const struct {
		const char *env;
		int policy;
	} cases[] = {
		{ NULL, AUTO },	       { "", AUTO },	       { "auto", AUTO },
		{ "ignore", IGNORE },  { "require", REQUIRE }, { "bogus", REQUIRE },
		{ "IGNORE", REQUIRE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *env = cases[i].env;
		struct kmod_ctx *ctx;
		struct capture cap;
		char *err;

		if (env)
			setenv("KMOD_DETACHED_SIG", env, 1);
		else
			unsetenv("KMOD_DETACHED_SIG");
		capture_start(&cap);
		ctx = ctx_new(NULL);
		err = capture_end(&cap);
		is_int(kmod_get_detached_sig_policy(ctx), cases[i].policy,
		       "KMOD_DETACHED_SIG=%s: policy %d", env ? env : "(unset)",
		       cases[i].policy);
		if (env && cases[i].policy == REQUIRE && strcmp(env, "require") != 0)
			ok(strncmp(err, "libkmod: ERROR: ", 16) == 0 &&
				   strstr(err, env) != NULL,
			   "KMOD_DETACHED_SIG=%s: an error says the value is unknown "
			   "('%s')",
			   env, oneline(err));
		else
			is_str(err, "", "KMOD_DETACHED_SIG=%s: nothing logged",
			       env ? env : "(unset)");
		kmod_unref(ctx);
		free(err);
	}

	/* The environment is the context's policy: flags still override it. */
	setenv("KMOD_DETACHED_SIG", "ignore", 1);
	check_insert("KMOD_DETACHED_SIG=ignore, .sig", -1, 0, "m/dummy.ko", 0, FINIT);
	check_insert("KMOD_DETACHED_SIG=ignore + flag REQUIRE, .sig", -1, F_REQUIRE,
		     "m/dummy.ko", REQUIRE_VALID(SIGNED));
	setenv("KMOD_DETACHED_SIG", "require", 1);
	check_insert("KMOD_DETACHED_SIG=require, unsigned", -1, 0, "n/dummy.ko", -ENOKEY,
		     NOTHING);
	check_insert("KMOD_DETACHED_SIG=require + kmod_set_detached_sig_policy(auto)",
		     AUTO, 0, "n/dummy.ko", 0, FINIT);
	unsetenv("KMOD_DETACHED_SIG");
}

static void test_sig_path(void)
{
	struct kmod_ctx *ctx = ctx_new(NULL);
	struct kmod_module *m = module_at(ctx, "m/dummy.ko"), *byname = NULL, *n, *s;
	char *want = path_join(test_dir, "m/dummy.ko.sig");
	char *want_xz = path_join(test_dir, "s/dummy.ko.xz.sig");

	is_str(kmod_module_get_detached_sig_path(m), want,
	       "detached sig path: <path>.sig");
	ok(kmod_module_get_detached_sig_path(m) == kmod_module_get_detached_sig_path(m),
	   "the same string on every call");
	kmod_module_unref(m);

	kmod_module_new_from_name(ctx, "dummy", &byname);
	ok(kmod_module_get_detached_sig_path(byname) == NULL,
	   "no detached sig path for a module made from a name");
	kmod_module_unref(byname);

	n = module_at(ctx, "n/dummy.ko");
	ok(kmod_module_get_detached_sig_path(n) == NULL,
	   "NULL when <path>.sig does not exist");
	kmod_module_unref(n);

	s = module_at(ctx, "s/dummy.ko.xz");
	is_str(kmod_module_get_detached_sig_path(s), want_xz, "x.ko.xz: x.ko.xz.sig");
	kmod_module_unref(s);
	ok(kmod_module_get_detached_sig_path(NULL) == NULL, "NULL module: NULL");

	kmod_unref(ctx);
	free(want);
	free(want_xz);
}

static void test_insert_errors(void)
{
	struct log_recorder rec = { 0 };
	struct kmod_ctx *ctx = ctx_new(&rec);
	struct kmod_module *byname = NULL, *m;
	char *log;

	kmod_module_new_from_name(ctx, "dummy", &byname);
	is_int(kmod_module_insert_module(byname, 0, NULL), -ENOENT,
	       "insert a module made from a name (no path): -ENOENT");
	is_str(log_last(&rec)->msg, "could not find module by name='dummy'\n",
	       "and the error names it");
	kmod_module_unref(byname);
	is_int(kmod_module_insert_module(NULL, 0, NULL), -ENOENT, "insert NULL: -ENOENT");
	log = trap_log_take();
	is_str(log, "", "no system call for either");
	free(log);

	m = module_at(ctx, "n/dummy.ko");
	is_int(kmod_module_insert_module(m, 0, NULL), 0,
	       "insert n/dummy.ko, options NULL");
	is_int(kmod_module_insert_module(m, 0, NULL), -EEXIST,
	       "again: -EEXIST (already loaded)");
	log = trap_log_take();
	ok(strncmp(log, "finit_module file=", 18) == 0 &&
		   strstr(log, " params=\nfinit") != NULL,
	   "options NULL reach the kernel as \"\" ('%s')", oneline(log));
	free(log);
	unload(m, "after -EEXIST");
	kmod_module_unref(m);
	kmod_unref(ctx);
}

/* remove_module(@flags) on @mod: return value, the trap's line, what was logged. */
static void check_remove(struct kmod_module *mod, struct log_recorder *rec,
			 unsigned int flags, int want_err, const char *want_log,
			 const char *want_msg)
{
	unsigned int before = rec->n;
	int err = kmod_module_remove_module(mod, flags);
	char *log = trap_log_take();

	is_int(err, want_err, "remove %s, flags %#x: %d", kmod_module_get_name(mod),
	       flags, want_err);
	is_str(log, want_log, "remove flags %#x: %s", flags, oneline(want_log));
	if (want_msg == NULL)
		is_int(rec->n, before, "remove flags %#x: nothing logged", flags);
	else
		ok(rec->n == before + 1 && log_last(rec)->priority == LOG_ERR &&
			   strcmp(log_last(rec)->msg, want_msg) == 0 &&
			   strcmp(log_last(rec)->fn, "kmod_module_remove_module") == 0,
		   "remove flags %#x: logged '%s' (got '%s')", flags, oneline(want_msg),
		   oneline(log_last(rec)->msg));
	free(log);
}

static void load(struct kmod_module *mod)
{
	if (kmod_module_insert_module(mod, 0, NULL) != 0)
		printf("# could not insert %s\n", kmod_module_get_name(mod));
	free(trap_log_take());
}

static void test_remove(void)
{
	static const char nowait[] = "delete_module name=dummy flags=0x800\n";
	static const char force[] = "delete_module name=dummy flags=0xa00\n";
	struct log_recorder rec = { 0 };
	struct kmod_ctx *ctx = ctx_new(&rec);
	struct kmod_module *m = module_at(ctx, "n/dummy.ko"), *snd = NULL;

	is_int(KMOD_REMOVE_FORCE | KMOD_REMOVE_NOWAIT, 0xa00,
	       "O_TRUNC|O_NONBLOCK is 0xa00 here");
	load(m);
	check_remove(m, &rec, 0, 0, nowait, NULL);
	load(m);
	check_remove(m, &rec, KMOD_REMOVE_FORCE, 0, force, NULL);
	load(m);
	check_remove(m, &rec, KMOD_REMOVE_NOLOG, 0, nowait, NULL);
	load(m);
	check_remove(m, &rec, ~0u, 0, force, NULL);

	/* Not loaded: the kernel says ENOENT. */
	check_remove(m, &rec, 0, -ENOENT, nowait,
		     "could not remove 'dummy': No such file or directory\n");
	check_remove(m, &rec, KMOD_REMOVE_NOLOG, -ENOENT, nowait, NULL);

	load(m);
	setenv("TRAP_RESULTS", "delete_module=EBUSY", 1);
	check_remove(m, &rec, 0, -EBUSY, nowait,
		     "could not remove 'dummy': Device or resource busy\n");
	check_remove(m, &rec, KMOD_REMOVE_NOLOG, -EBUSY, nowait, NULL);
	check_remove(m, &rec, KMOD_REMOVE_FORCE | KMOD_REMOVE_NOLOG, -EBUSY, force, NULL);
	unsetenv("TRAP_RESULTS");
	check_remove(m, &rec, 0, 0, nowait, NULL);

	kmod_module_new_from_name(ctx, "snd-hda", &snd);
	check_remove(snd, &rec, KMOD_REMOVE_NOLOG, -ENOENT,
		     "delete_module name=snd_hda flags=0x800\n", NULL);
	is_int(kmod_module_remove_module(NULL, 0), -ENOENT, "remove NULL: -ENOENT");

	kmod_module_unref(snd);
	kmod_module_unref(m);
	kmod_unref(ctx);
}

int main(void)
{
	require_trap();
	alarm(WATCHDOG_SECONDS);
	test_dir = env_or_bail("LIBKMOD_TEST_DIR");
	signed_init = env_or_bail("LIBKMOD_TEST_SIGNED_INIT");
	env_or_bail("TRAP_ROOT");
	unsetenv("KMOD_LOG");
	unsetenv("KMOD_DETACHED_SIG");
	unsetenv("TRAP_RESULTS");
	free(trap_log_take());

	test_policy_api();
	test_policy_overrides();
	test_policy_env();
	test_sig_path();
	test_insert_errors();
	test_remove();
	return tap_done();
}

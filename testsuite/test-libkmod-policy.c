// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The detached-signature policy of a libkmod user (systemd-udevd and the
 * like) through the public libkmod.so.2: the modprobe.d directive
 * "detached_sig" reaches every context that reads the configuration, as a
 * floor that KMOD_DETACHED_SIG, kmod_set_detached_sig_policy() and the
 * per-call flags can only raise; and the policy of a probe reaches its
 * install commands (KMOD_DETACHED_SIG, put back afterwards), so that the
 * modprobe such a command runs refuses what the probe would refuse.
 *
 * test-libkmod.sh prepares $LIBKMOD_TEST_DIR as for test-libkmod-insert.c
 * (m/dummy.ko with a .sig, n/dummy.ko without) and names our modprobe in
 * LIBKMOD_TEST_MODPROBE.  Configuration files go to $LIBKMOD_TEST_DIR/policy.
 */
#include <limits.h>
#include <sys/stat.h>

#include "testsuite/test-libkmod.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define AUTO KMOD_DETACHED_SIG_AUTO
#define IGNORE KMOD_DETACHED_SIG_IGNORE
#define REQUIRE KMOD_DETACHED_SIG_REQUIRE

static const char *test_dir;
static const char *modprobe;
static const char *signed_init;

static const char *const policy_names[] = {
	[AUTO] = "auto", [IGNORE] = "ignore", [REQUIRE] = "require"
};

/* ignore < auto < require, worked out here without the library. */
static int rank(int policy)
{
	return policy == IGNORE ? 1 : policy == AUTO ? 2 : policy == REQUIRE ? 3 : 0;
}

static int stricter(int a, int b)
{
	return rank(b) > rank(a) ? b : a;
}

/* The policy @name spells, @other for NULL or anything else. */
static int policy_of(const char *name, int other)
{
	for (int p = AUTO; name != NULL && p <= REQUIRE; p++)
		if (strcmp(name, policy_names[p]) == 0)
			return p;
	return other;
}

/* A file @name in the policy directory holding @text; returns its path. */
static char *conf_write(const char *name, const char *text)
{
	char *dir = path_join(test_dir, "policy");
	char *path = path_join(dir, name);
	FILE *f;

	mkdir(dir, 0755);
	f = fopen(path, "we");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("Bail out! cannot write %s: %m\n", path);
		exit(1);
	}
	free(dir);
	return path;
}

/* "detached_sig @policy" in file @name (NULL, no file, for policy NULL). */
static char *conf_policy(const char *name, const char *policy)
{
	char text[64];

	if (policy == NULL)
		return NULL;
	snprintf(text, sizeof(text), "detached_sig %s\n", policy);
	return conf_write(name, text);
}

/* A context reading only @conf (NULL: no file at all), errors silenced. */
static struct kmod_ctx *ctx_with(const char *conf)
{
	const char *paths[] = { conf, NULL };
	struct capture cap;
	struct kmod_ctx *ctx;

	capture_start(&cap);
	ctx = kmod_new(NULL, paths);
	free(capture_end(&cap));
	if (ctx == NULL) {
		printf("Bail out! kmod_new failed\n");
		exit(1);
	}
	kmod_set_log_priority(ctx, 0);
	return ctx;
}

static void set_env(const char *value)
{
	if (value != NULL)
		setenv("KMOD_DETACHED_SIG", value, 1);
	else
		unsetenv("KMOD_DETACHED_SIG");
}

/*
 * Every combination of the directive (none, each policy, a typo), the
 * environment (unset, each policy) and kmod_set_detached_sig_policy()
 * (untouched, each policy): what kmod_get_detached_sig_policy() says.
 */
static void test_get_combinations(void)
{
	static const char *const confs[] = { NULL, "ignore", "auto", "require",
					     "requier" };
	static const char *const envs[] = { NULL, "ignore", "auto", "require" };
	unsigned int bad = 0, n = 0;

	for (size_t c = 0; c < ARRAY_SIZE(confs); c++) {
		char *conf = conf_policy("combo.conf", confs[c]);
		/* a typo reads as require */
		int floor = confs[c] != NULL ? policy_of(confs[c], REQUIRE) : -1;

		for (size_t e = 0; e < ARRAY_SIZE(envs); e++) {
			for (int api = -1; api <= REQUIRE; api++) {
				int asked = api >= 0 ? api : policy_of(envs[e], AUTO);
				int want = stricter(asked, floor), got;
				struct kmod_ctx *ctx;

				set_env(envs[e]);
				ctx = ctx_with(conf);
				if (api >= 0)
					kmod_set_detached_sig_policy(ctx, api);
				got = kmod_get_detached_sig_policy(ctx);
				n++;
				bad += got != want;
				if (got != want)
					printf("# detached_sig %s, env %s, set %d: got "
					       "%d, want %d\n",
					       confs[c] ? confs[c] : "(none)",
					       envs[e] ? envs[e] : "(unset)", api, got,
					       want);
				kmod_unref(ctx);
			}
		}
		free(conf);
	}
	set_env(NULL);
	is_int(bad, 0,
	       "%u combinations of detached_sig, KMOD_DETACHED_SIG and "
	       "kmod_set_detached_sig_policy(): the stricter of the configuration and "
	       "the rest",
	       n);
}

/* The trap's line(s) for inserting @file as @policy would. */
static char *expected_insert(int policy, const char *file, bool has_sig, int *want_err)
{
	char real[PATH_MAX], *path = path_join(test_dir, file), *s = NULL;
	int r;

	*want_err = 0;
	if (realpath(path, real) == NULL)
		snprintf(real, sizeof(real), "%s", path);
	if (policy == REQUIRE && !has_sig) {
		*want_err = -ENOKEY;
		s = strdup("");
#ifndef ENABLE_OPENSSL
	} else if (policy == REQUIRE) {
		/* built without libcrypto: the signature cannot be checked */
		*want_err = -ELIBACC;
		s = strdup("");
#endif
	} else if (policy != IGNORE && has_sig) {
		r = asprintf(&s, "%s\n", signed_init);
		if (r < 0)
			s = NULL;
	} else {
		r = asprintf(&s, "finit_module file=%s flags=0 params=\n", real);
		if (r < 0)
			s = NULL;
	}
	free(path);
	if (s == NULL) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	return s;
}

/*
 * The directive against the per-call flags of kmod_module_insert_module(),
 * on a module with a .sig and one without: the flags choose the policy of
 * the call, the configuration is its floor.
 */
static void test_insert_flags(void)
{
	static const char *const confs[] = { NULL, "ignore", "auto", "require" };
	static const unsigned int flags[] = { 0, KMOD_INSERT_DETACHED_SIG_IGNORE,
					      KMOD_INSERT_DETACHED_SIG_REQUIRE,
					      KMOD_INSERT_DETACHED_SIG_IGNORE |
						      KMOD_INSERT_DETACHED_SIG_REQUIRE };
	static const struct {
		const char *file;
		bool has_sig;
	} mods[] = { { "m/dummy.ko", true }, { "n/dummy.ko", false } };
	unsigned int bad = 0, n = 0;

	for (size_t c = 0; c < ARRAY_SIZE(confs); c++) {
		char *conf = conf_policy("flags.conf", confs[c]);
		int floor = policy_of(confs[c], -1);

		for (size_t f = 0; f < ARRAY_SIZE(flags); f++) {
			int asked = flags[f] & KMOD_INSERT_DETACHED_SIG_REQUIRE	 ? REQUIRE
				    : flags[f] & KMOD_INSERT_DETACHED_SIG_IGNORE ? IGNORE
										 : AUTO;
			int policy = stricter(asked, floor);

			for (size_t m = 0; m < ARRAY_SIZE(mods); m++) {
				struct kmod_ctx *ctx = ctx_with(conf);
				char *path = path_join(test_dir, mods[m].file), *want,
				     *log;
				struct kmod_module *mod = NULL;
				int err, want_err;

				want = expected_insert(policy, mods[m].file,
						       mods[m].has_sig, &want_err);
				kmod_module_new_from_path(ctx, path, &mod);
				err = kmod_module_insert_module(mod, flags[f], NULL);
				log = trap_log_take();
				n++;
				if (err != want_err || strcmp(log, want) != 0) {
					bad++;
					printf("# detached_sig %s, flags %#x, %s: got %d "
					       "'%s', want %d '%s'\n",
					       confs[c] ? confs[c] : "(none)", flags[f],
					       mods[m].file, err, oneline(log), want_err,
					       oneline(want));
				}
				if (err == 0)
					kmod_module_remove_module(mod, 0);
				free(trap_log_take());
				kmod_module_unref(mod);
				kmod_unref(ctx);
				free(path);
				free(want);
				free(log);
			}
		}
		free(conf);
	}
	is_int(bad, 0,
	       "%u insertions: per-call flags over the context, the configuration a "
	       "floor",
	       n);
}

/* ---- install commands ---------------------------------------------------- */

static char *env_seen;

/* A run_install callback: notes the variable, runs nothing. */
static int note_env(struct kmod_module *m, const char *cmdline, void *data)
{
	const char *v = getenv("KMOD_DETACHED_SIG");

	free(env_seen);
	env_seen = strdup(v ? v : "(unset)");
	return 0;
}

/*
 * dummy's install command writes KMOD_DETACHED_SIG to env.out and runs our
 * modprobe on n/dummy.ko, which has no .sig.  @conf_policy: the directive
 * (NULL: none), @api: kmod_set_detached_sig_policy() (-1: untouched),
 * @pflags: probe flags, @env: KMOD_DETACHED_SIG of this process before.
 */
static void check_install(const char *what, const char *conf_policy, int api,
			  unsigned int pflags, const char *env, const char *want_env,
			  bool want_refused)
{
	char *out = path_join(test_dir, "env.out"),
	     *unsigned_mod = path_join(test_dir, "n/dummy.ko");
	char *text = NULL, *conf, *seen, *log, *want_log = NULL;
	const char *after;
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	char real[PATH_MAX];
	int err;

	if (asprintf(&text,
		     "%s%s%sinstall dummy echo \"${KMOD_DETACHED_SIG-(unset)}\" > %s; "
		     "%s --ignore-install %s 2> /dev/null\n",
		     conf_policy ? "detached_sig " : "", conf_policy ? conf_policy : "",
		     conf_policy ? "\n" : "", out, modprobe, unsigned_mod) < 0) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	conf = conf_write("install.conf", text);
	unlink(out);
	set_env(env);
	ctx = ctx_with(conf);
	if (api >= 0)
		kmod_set_detached_sig_policy(ctx, api);
	kmod_module_new_from_path(ctx, unsigned_mod, &mod);
	err = kmod_module_probe_insert_module(mod, pflags, NULL, NULL, NULL, NULL);
	log = trap_log_take();
	seen = file_read(out);
	after = getenv("KMOD_DETACHED_SIG");

	if (realpath(unsigned_mod, real) == NULL)
		snprintf(real, sizeof(real), "%s", unsigned_mod);
	if (!want_refused &&
	    asprintf(&want_log, "finit_module file=%s flags=0 params=\n", real) < 0)
		want_log = NULL;
	ok(want_refused ? err < 0 : err == 0, "%s: the probe %s (%d)", what,
	   want_refused ? "fails" : "succeeds", err);
	is_str(log, want_refused ? "" : want_log, "%s: the command's modprobe %s", what,
	       want_refused ? "loads nothing" : "loads n/dummy.ko from its file");
	ok(strlen(seen) > 0 && strncmp(seen, want_env, strlen(want_env)) == 0 &&
		   seen[strlen(want_env)] == '\n',
	   "%s: the command sees KMOD_DETACHED_SIG=%s (got '%s')", what, want_env,
	   oneline(seen));
	ok((env == NULL && after == NULL) ||
		   (env != NULL && after != NULL && strcmp(env, after) == 0),
	   "%s: KMOD_DETACHED_SIG of the process is back to %s (got %s)", what,
	   env ? env : "(unset)", after ? after : "(unset)");

	if (err == 0)
		kmod_module_remove_module(mod, 0);
	free(trap_log_take());
	kmod_module_unref(mod);
	kmod_unref(ctx);
	set_env(NULL);
	free(want_log);
	free(log);
	free(seen);
	free(conf);
	free(text);
	free(unsigned_mod);
	free(out);
}

static void test_install_commands(void)
{
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	char *conf, *path;
	int err;

	check_install("auto", NULL, -1, 0, NULL, "auto", false);
	check_install("kmod_set_detached_sig_policy(require)", NULL, REQUIRE, 0, NULL,
		      "require", true);
	check_install("probe flag KMOD_PROBE_DETACHED_SIG_REQUIRE", NULL, -1,
		      KMOD_PROBE_DETACHED_SIG_REQUIRE, NULL, "require", true);
	check_install("KMOD_DETACHED_SIG=ignore, then set require", NULL, REQUIRE, 0,
		      "ignore", "require", true);
	check_install("detached_sig require, set ignore", "require", IGNORE, 0, NULL,
		      "require", true);
	check_install("KMOD_DETACHED_SIG=require, flag IGNORE", NULL, -1,
		      KMOD_PROBE_DETACHED_SIG_IGNORE, "require", "ignore", false);

	/* A caller's own run_install sees the policy as well. */
	conf = conf_write("callback.conf", "install dummy /bin/false\n");
	ctx = ctx_with(conf);
	kmod_set_detached_sig_policy(ctx, REQUIRE);
	path = path_join(test_dir, "n/dummy.ko");
	kmod_module_new_from_path(ctx, path, &mod);
	err = kmod_module_probe_insert_module(mod, 0, NULL, note_env, NULL, NULL);
	is_int(err, 0, "run_install callback: the probe returns its 0");
	is_str(env_seen, "require",
	       "run_install callback: KMOD_DETACHED_SIG=require while it runs");
	ok(getenv("KMOD_DETACHED_SIG") == NULL,
	   "run_install callback: unset again afterwards");
	free(trap_log_take());
	kmod_module_unref(mod);
	kmod_unref(ctx);
	free(path);
	free(conf);
	free(env_seen);
}

int main(void)
{
	require_trap();
	alarm(WATCHDOG_SECONDS);
	test_dir = env_or_bail("LIBKMOD_TEST_DIR");
	modprobe = env_or_bail("LIBKMOD_TEST_MODPROBE");
	signed_init = env_or_bail("LIBKMOD_TEST_SIGNED_INIT");
	env_or_bail("TRAP_ROOT");
	unsetenv("KMOD_LOG");
	unsetenv("KMOD_DETACHED_SIG");
	unsetenv("TRAP_RESULTS");
	free(trap_log_take());

	test_get_combinations();
	test_insert_flags();
	test_install_commands();
	return tap_done();
}

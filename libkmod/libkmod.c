// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The library context: logging, directories, the module pool and the state
 * of the running kernel that every operation needs.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "libkmod/libkmod-config.h"
#include "libkmod/libkmod-internal.h"
#include "libkmod/libkmod-index.h"
#include "util/hash.h"
#include "util/util.h"

#define KMOD_POOL_BUCKETS 256

struct kmod_ctx {
	int refcount;
	struct logger lg;
	const void *userdata;
	char *dirname;
	size_t dirnamelen;
	char **config_paths; /* NULL-terminated copy; NULL means the default list */
	/* /sys/module/compression, read once by kmod_new() as kmod does */
	enum kmod_file_compression kernel_compression;
	/* from KMOD_DETACHED_SIG or the API; the configuration may raise it */
	enum kmod_detached_sig_policy sig_policy;
	bool sig_unenforced_warned;
	struct hash *modules_by_name;
	/*
	 * The indexes kmod_load_resources mapped, with the mtime each had then;
	 * a bit per index once reported as not a regular file.
	 */
	struct kmod_index_file *indexes[KMOD_INDEX_COUNT];
	unsigned long long index_stamps[KMOD_INDEX_COUNT];
	unsigned int index_not_regular;
	struct kmod_config *config;
};

static const char *prio_to_str(int prio)
{
	switch (prio) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
	case LOG_ERR:
		return "ERROR";
	case LOG_WARNING:
		return "WARNING";
	case LOG_NOTICE:
		return "NOTICE";
	case LOG_INFO:
		return "INFO";
	case LOG_DEBUG:
		return "DEBUG";
	}
	return "UNKNOWN";
}

static void log_stderr(void *data, int priority, const char *file, int line,
		       const char *fn, const char *format, va_list args)
{
	fprintf(stderr, "libkmod: %s: %s: ", prio_to_str(priority), fn);
	vfprintf(stderr, format, args);
}

/*
 * A number, or a word starting with "err", "info" or "debug", as kmod reads
 * KMOD_LOG; like kmod, anything else (and "") means 0, which silences the log.
 */
static int log_priority_parse(const char *s)
{
	char *end;
	long prio = strtol(s, &end, 10);

	if (*end == '\0' || isspace((unsigned char)*end))
		return (int)prio;
	if (strstartswith(s, "err"))
		return LOG_ERR;
	if (strstartswith(s, "info"))
		return LOG_INFO;
	if (strstartswith(s, "debug"))
		return LOG_DEBUG;
	return 0;
}

const struct logger *kmod_get_logger(const struct kmod_ctx *ctx)
{
	return ctx ? &ctx->lg : NULL;
}

const struct kmod_config *kmod_get_config(const struct kmod_ctx *ctx)
{
	return ctx ? ctx->config : NULL;
}

int kmod_get_configured_detached_sig(const struct kmod_ctx *ctx)
{
	return kmod_config_get_detached_sig(kmod_get_config(ctx));
}

static char *dirname_default(void)
{
	struct utsname u;
	char *p;

	if (uname(&u) < 0)
		return NULL;
	if (asprintf(&p, "%s/%s", MODULE_DIRECTORY, u.release) < 0)
		return NULL;
	return p;
}

static enum kmod_file_compression kernel_compression_read(void)
{
	char buf[16];

	if (read_str_from_file("/sys/module/compression", buf, sizeof(buf)) < 0)
		return KMOD_FILE_COMPRESSION_NONE;
	if (streq(buf, "zstd"))
		return KMOD_FILE_COMPRESSION_ZSTD;
	if (streq(buf, "xz"))
		return KMOD_FILE_COMPRESSION_XZ;
	if (streq(buf, "gzip"))
		return KMOD_FILE_COMPRESSION_ZLIB;
	return KMOD_FILE_COMPRESSION_NONE;
}

enum kmod_file_compression kmod_get_kernel_compression(const struct kmod_ctx *ctx)
{
	return ctx->kernel_compression;
}

/*
 * An unknown value must not quietly weaken a requested policy, so it is
 * reported and read as the strictest one.
 */
static enum kmod_detached_sig_policy sig_policy_from_env(struct kmod_ctx *ctx)
{
	const char *env = secure_getenv(KMOD_SIG_ENV);
	int policy;

	if (env == NULL || *env == '\0')
		return KMOD_DETACHED_SIG_AUTO;
	policy = kmod_detached_sig_policy_from_name(env);
	if (policy >= 0)
		return policy;
	ERR(ctx,
	    "KMOD_DETACHED_SIG='%s' is not one of auto, ignore, require: using require\n",
	    env);
	return KMOD_DETACHED_SIG_REQUIRE;
}

static char **strv_copy(const char *const *v)
{
	size_t n = 0, i;
	char **copy;

	while (v[n] != NULL)
		n++;
	copy = calloc(n + 1, sizeof(char *));
	if (copy == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		copy[i] = strdup(v[i]);
		if (copy[i] == NULL) {
			while (i > 0)
				free(copy[--i]);
			free(copy);
			return NULL;
		}
	}
	return copy;
}

static void strv_free(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

static void ctx_free(struct kmod_ctx *ctx)
{
	kmod_config_free(ctx->config);
	kmod_unload_resources(ctx);
	hash_free(ctx->modules_by_name);
	strv_free(ctx->config_paths);
	free(ctx->dirname);
	free(ctx);
}

KMOD_EXPORT struct kmod_ctx *kmod_new(const char *dirname,
				      const char *const *config_paths)
{
	struct kmod_ctx *ctx;
	const char *env;

	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return NULL;
	ctx->refcount = 1;
	ctx->lg.fn = log_stderr;
	ctx->lg.priority = LOG_ERR;
	env = secure_getenv("KMOD_LOG");
	if (env != NULL)
		ctx->lg.priority = log_priority_parse(env);

	ctx->dirname = dirname ? path_make_absolute_cwd(dirname) : dirname_default();
	if (ctx->dirname == NULL)
		goto fail;
	ctx->dirnamelen = strlen(ctx->dirname);

	if (config_paths != NULL) {
		ctx->config_paths = strv_copy(config_paths);
		if (ctx->config_paths == NULL)
			goto fail;
	}

	ctx->modules_by_name = hash_new(KMOD_POOL_BUCKETS, NULL);
	if (ctx->modules_by_name == NULL)
		goto fail;

	if (kmod_config_new(&ctx->lg, config_paths, ctx->dirname, &ctx->config) < 0)
		goto fail;

	ctx->kernel_compression = kernel_compression_read();
	ctx->sig_policy = sig_policy_from_env(ctx);

	INFO(ctx, "ctx %p created\n", (void *)ctx);
	DBG(ctx, "log_priority=%d\n", ctx->lg.priority);
	return ctx;
fail:
	ctx_free(ctx);
	return NULL;
}

KMOD_EXPORT struct kmod_ctx *kmod_ref(struct kmod_ctx *ctx)
{
	if (ctx == NULL)
		return NULL;
	ctx->refcount++;
	return ctx;
}

KMOD_EXPORT struct kmod_ctx *kmod_unref(struct kmod_ctx *ctx)
{
	if (ctx == NULL)
		return NULL;
	if (--ctx->refcount > 0)
		return ctx;
	INFO(ctx, "context %p released\n", (void *)ctx);
	ctx_free(ctx);
	return NULL;
}

KMOD_EXPORT void
kmod_set_log_fn(struct kmod_ctx *ctx,
		void (*log_fn)(void *data, int priority, const char *file, int line,
			       const char *fn, const char *format, va_list args),
		const void *data)
{
	if (ctx == NULL)
		return;
	ctx->lg.fn = log_fn;
	ctx->lg.data = (void *)data;
	INFO(ctx, "custom logging function %p registered\n", (void *)log_fn);
}

KMOD_EXPORT int kmod_get_log_priority(const struct kmod_ctx *ctx)
{
	if (ctx == NULL)
		return -1;
	return ctx->lg.priority;
}

KMOD_EXPORT void kmod_set_log_priority(struct kmod_ctx *ctx, int priority)
{
	if (ctx == NULL)
		return;
	ctx->lg.priority = priority;
}

KMOD_EXPORT void *kmod_get_userdata(const struct kmod_ctx *ctx)
{
	if (ctx == NULL)
		return NULL;
	return (void *)ctx->userdata;
}

KMOD_EXPORT void kmod_set_userdata(struct kmod_ctx *ctx, const void *userdata)
{
	if (ctx == NULL)
		return;
	ctx->userdata = userdata;
}

KMOD_EXPORT const char *kmod_get_dirname(const struct kmod_ctx *ctx)
{
	if (ctx == NULL)
		return NULL;
	return ctx->dirname;
}

KMOD_EXPORT int kmod_set_detached_sig_policy(struct kmod_ctx *ctx,
					     enum kmod_detached_sig_policy policy)
{
	if (ctx == NULL)
		return -EINVAL;
	switch (policy) {
	case KMOD_DETACHED_SIG_AUTO:
	case KMOD_DETACHED_SIG_IGNORE:
	case KMOD_DETACHED_SIG_REQUIRE:
		ctx->sig_policy = policy;
		return 0;
	}
	return -EINVAL;
}

KMOD_EXPORT int kmod_get_detached_sig_policy(const struct kmod_ctx *ctx)
{
	if (ctx == NULL)
		return -EINVAL;
	return kmod_sig_policy_effective(ctx, 0);
}

enum kmod_detached_sig_policy kmod_sig_policy_effective(const struct kmod_ctx *ctx,
							unsigned int flags)
{
	enum kmod_detached_sig_policy policy = ctx->sig_policy;

	/* The stricter request wins when a caller sets both. */
	if (flags & KMOD_INSERT_DETACHED_SIG_REQUIRE)
		policy = KMOD_DETACHED_SIG_REQUIRE;
	else if (flags & KMOD_INSERT_DETACHED_SIG_IGNORE)
		policy = KMOD_DETACHED_SIG_IGNORE;
	return kmod_detached_sig_policy_stricter(
		policy, kmod_config_get_detached_sig(ctx->config));
}

int kmod_sig_policy_env_push(const struct kmod_ctx *ctx, unsigned int flags,
			     struct kmod_sig_env *saved)
{
	const char *name =
		kmod_detached_sig_policy_name(kmod_sig_policy_effective(ctx, flags));
	const char *old = getenv(KMOD_SIG_ENV);

	saved->was_set = old != NULL;
	saved->value = NULL;
	if (old != NULL) {
		saved->value = strdup(old);
		if (saved->value == NULL)
			return -ENOMEM;
	}
	if (setenv(KMOD_SIG_ENV, name, 1) < 0) {
		free(saved->value);
		saved->value = NULL;
		return -errno;
	}
	return 0;
}

void kmod_sig_policy_env_pop(struct kmod_sig_env *saved)
{
	if (saved->was_set)
		setenv(KMOD_SIG_ENV, saved->value, 1);
	else
		unsetenv(KMOD_SIG_ENV);
	free(saved->value);
	saved->value = NULL;
}

/*
 * Signatures count without sig_enforce only under lockdown: "[none]" marks
 * the level in force when securityfs shows one.  No file, no enforcement
 * (a kernel without module signing has no sig_enforce parameter).
 */
static bool kernel_enforces_signatures(void)
{
	char buf[128];

	if (read_str_from_file("/sys/module/module/parameters/sig_enforce", buf,
			       sizeof(buf)) == 0 &&
	    streq(buf, "Y"))
		return true;
	return read_str_from_file("/sys/kernel/security/lockdown", buf, sizeof(buf)) ==
		       0 &&
	       strstr(buf, "[none]") == NULL;
}

bool kmod_sig_unenforced_warning_due(struct kmod_ctx *ctx)
{
	if (ctx->sig_unenforced_warned)
		return false;
	ctx->sig_unenforced_warned = true;
	return !kernel_enforces_signatures();
}

struct kmod_module *kmod_pool_get_module(struct kmod_ctx *ctx, const char *key)
{
	return hash_find(ctx->modules_by_name, key);
}

int kmod_pool_add_module(struct kmod_ctx *ctx, struct kmod_module *mod, const char *key)
{
	return hash_add(ctx->modules_by_name, key, mod);
}

void kmod_pool_del_module(struct kmod_ctx *ctx, struct kmod_module *mod, const char *key)
{
	hash_del(ctx->modules_by_name, key);
}

void kmod_pool_foreach(struct kmod_ctx *ctx,
		       void (*fn)(struct kmod_module *mod, void *data), void *data)
{
	struct hash_iter iter;
	const void *mod;

	hash_iter_init(ctx->modules_by_name, &iter);
	while (hash_iter_next(&iter, NULL, &mod))
		fn((struct kmod_module *)mod, data);
}

/* ---- the indexes ---- */

static const char *const index_names[KMOD_INDEX_COUNT] = {
	[KMOD_INDEX_MODULES_DEP] = "modules.dep",
	[KMOD_INDEX_MODULES_ALIAS] = "modules.alias",
	[KMOD_INDEX_MODULES_SYMBOL] = "modules.symbols",
	[KMOD_INDEX_MODULES_BUILTIN_ALIAS] = "modules.builtin.alias",
	[KMOD_INDEX_MODULES_BUILTIN] = "modules.builtin",
};

const char *kmod_index_name(unsigned int type)
{
	return index_names[type];
}

static int index_path(const struct kmod_ctx *ctx, unsigned int type,
		      char buf[PATH_MAX_LEN])
{
	int n = snprintf(buf, PATH_MAX_LEN, "%s/%s.bin", kmod_get_dirname(ctx),
			 index_names[type]);

	if (n < 0 || n >= PATH_MAX_LEN)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * Something that is not a regular file in place of an index (a FIFO, a
 * device) is never opened (open_regular()); it is said once per context, by
 * kmod_load_resources (which logs it, @log false) or by the first search.
 */
static void index_not_regular(struct kmod_ctx *ctx, unsigned int type, const char *path,
			      bool log)
{
	unsigned int bit = 1u << type;
	struct stat st;

	if (stat(path, &st) < 0 || S_ISREG(st.st_mode))
		return;
	if (__atomic_fetch_or(&ctx->index_not_regular, bit, __ATOMIC_RELAXED) & bit)
		return;
	if (log)
		ERR(ctx, "%s: not a regular file\n", path);
}

/*
 * Like kmod, a search without loaded resources treats an unreadable or
 * foreign file as absent and says nothing: kmod_load_resources is where a
 * broken index gets reported.  Only what is not a regular file is said here.
 */
int kmod_index_acquire(struct kmod_ctx *ctx, unsigned int type, const char *what,
		       struct kmod_index_ref *ref)
{
	char path[PATH_MAX_LEN];
	int err;

	if (ctx->indexes[type] != NULL) {
		DBG(ctx, "use mmapped index '%s' for %s\n", index_names[type], what);
		ref->idx = ctx->indexes[type];
		ref->owned = false;
		return 0;
	}
	err = index_path(ctx, type, path);
	if (err < 0)
		return err;
	DBG(ctx, "file=%s name=%s\n", path, what);
	err = kmod_index_open(NULL, path, &ref->idx);
	if (err == -EINVAL)
		index_not_regular(ctx, type, path, true);
	if (err < 0)
		return err;
	ref->owned = true;
	return 0;
}

void kmod_index_release(struct kmod_index_ref *ref)
{
	if (ref->owned)
		kmod_index_close(ref->idx);
	ref->idx = NULL;
}

KMOD_EXPORT int kmod_load_resources(struct kmod_ctx *ctx)
{
	int err = 0;

	if (ctx == NULL)
		return -ENOENT;
	for (unsigned int i = 0; i < KMOD_INDEX_COUNT; i++) {
		char path[PATH_MAX_LEN];

		if (ctx->indexes[i] != NULL) {
			INFO(ctx, "Index %s already loaded\n", index_names[i]);
			continue;
		}
		err = index_path(ctx, i, path);
		if (err == 0)
			err = kmod_index_open(&ctx->lg, path, &ctx->indexes[i]);
		if (err == -EINVAL)
			index_not_regular(ctx, i, path, false);
		if (err < 0) {
			DBG(ctx, "could not load %s: %s\n", path, strerror(-err));
			/* modules.builtin.alias.bin is recent: older trees lack it */
			if (i == KMOD_INDEX_MODULES_BUILTIN_ALIAS) {
				err = 0;
				continue;
			}
			break;
		}
		ctx->index_stamps[i] = kmod_index_mstamp(ctx->indexes[i]);
	}
	if (err < 0)
		kmod_unload_resources(ctx);
	return err;
}

KMOD_EXPORT void kmod_unload_resources(struct kmod_ctx *ctx)
{
	if (ctx == NULL)
		return;
	for (unsigned int i = 0; i < KMOD_INDEX_COUNT; i++) {
		kmod_index_close(ctx->indexes[i]);
		ctx->indexes[i] = NULL;
		ctx->index_stamps[i] = 0;
	}
}

static bool index_changed(const struct kmod_ctx *ctx, unsigned int type,
			  unsigned long long stamp)
{
	char path[PATH_MAX_LEN];
	struct stat st;

	if (index_path(ctx, type, path) < 0 || stat(path, &st) < 0)
		return true;
	return stat_mstamp(&st) != stamp;
}

KMOD_EXPORT int kmod_validate_resources(struct kmod_ctx *ctx)
{
	if (ctx == NULL || ctx->config == NULL || kmod_config_changed(ctx->config))
		return KMOD_RESOURCES_MUST_RECREATE;
	for (unsigned int i = 0; i < KMOD_INDEX_COUNT; i++) {
		if (ctx->indexes[i] != NULL &&
		    index_changed(ctx, i, ctx->index_stamps[i]))
			return KMOD_RESOURCES_MUST_RELOAD;
	}
	return KMOD_RESOURCES_OK;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Helpers of test-lookup.c: contexts on the test tree, lookups as strings,
 * modprobe's print_action into a transcript, and the trap's log.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "testsuite/test-libkmod.h"

#define MODDIR "/lib/modules/6.1.0-test"
#define PATH_A MODDIR "/kernel/lib/mod-foo-a.ko"
#define PATH_B MODDIR "/kernel/fs/foo/mod-foo-b.ko"
#define PATH_FOO MODDIR "/kernel/fs/mod-foo.ko"
#define PATH_DUMMY MODDIR "/kernel/drivers/dummy.ko"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define FINIT(path, flags, params)                                                       \
	"finit_module file=" path " flags=" #flags " params=" params "\n"

/* modprobe --show-depends: what modprobe adds to every probe, and a dry run */
#define SHOW_DEPENDS                                                                     \
	(KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY | KMOD_PROBE_IGNORE_LOADED |              \
	 KMOD_PROBE_DRY_RUN)

static const char *test_dir;
static const char *init_a, *init_b;

static inline char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	return s;
}

/* A context reading only $LOOKUP_TEST_DIR/conf/@conf (no file when NULL). */
static inline struct kmod_ctx *ctx_conf(const char *dirname, const char *conf,
					struct log_recorder *rec)
{
	char *path = conf ? xasprintf("%s/conf/%s", test_dir, conf) : NULL;
	const char *paths[] = { path, NULL };
	struct kmod_ctx *ctx = kmod_new(dirname, paths);

	free(path);
	if (ctx == NULL) {
		printf("Bail out! kmod_new failed\n");
		exit(1);
	}
	if (rec != NULL)
		kmod_set_log_fn(ctx, log_record, rec);
	return ctx;
}

/* Names of a module list, space-separated ("" for none); caller frees. */
static inline char *names_of(const struct kmod_list *list)
{
	const struct kmod_list *l;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	kmod_list_foreach (l, list) {
		struct kmod_module *m = kmod_module_get_module(l);

		fprintf(f, "%s%s", l == list ? "" : " ", kmod_module_get_name(m));
		kmod_module_unref(m);
	}
	fclose(f);
	return buf;
}

/* kmod_module_new_from_lookup as names; the list in *ret when asked. */
static inline int lookup(struct kmod_ctx *ctx, const char *alias, char **names,
			 struct kmod_list **ret)
{
	struct kmod_list *list = NULL;
	int err = kmod_module_new_from_lookup(ctx, alias, &list);

	*names = names_of(list);
	if (ret != NULL)
		*ret = list;
	else
		kmod_module_unref_list(list);
	return err;
}

static inline void check_lookup(struct kmod_ctx *ctx, const char *alias, const char *want)
{
	char *names;
	int err = lookup(ctx, alias, &names, NULL);

	ok(err == 0 && strcmp(names, want) == 0, "lookup '%s' -> '%s' (err %d, got '%s')",
	   alias, want, err, names);
	free(names);
}

/* The single module a lookup must find. */
static inline struct kmod_module *lookup_one(struct kmod_ctx *ctx, const char *alias)
{
	struct kmod_list *list = NULL;
	struct kmod_module *mod;
	int err = kmod_module_new_from_lookup(ctx, alias, &list);

	if (err < 0 || list == NULL || kmod_list_next(list, list) != NULL) {
		printf("Bail out! lookup '%s': err %d, %s\n", alias, err,
		       list ? "several modules" : "nothing");
		exit(1);
	}
	mod = kmod_module_get_module(list);
	kmod_module_unref_list(list);
	return mod;
}

/* ---- modprobe's print_action, into a transcript ---- */

static FILE *transcript;

static inline void print_action(struct kmod_module *m, bool install, const char *options)
{
	const char *path;

	if (install) {
		fprintf(transcript, "install %s %s\n",
			kmod_module_get_install_commands(m), options);
		return;
	}
	path = kmod_module_get_path(m);
	if (path != NULL)
		fprintf(transcript, "insmod %s %s\n", path, options);
	else if (kmod_module_get_initstate(m) == KMOD_MODULE_BUILTIN)
		fprintf(transcript, "builtin %s\n", kmod_module_get_name(m));
}

/*
 * Probe every module @alias resolves to with @flags and the transcript of
 * print_action; returns the last result.  With @label, the transcript is
 * also written to out/@label.
 */
static inline int probe_transcript(struct kmod_ctx *ctx, const char *alias,
				   const char *extra, unsigned int flags,
				   const char *label, char **out)
{
	struct kmod_list *list = NULL, *l;
	size_t len = 0;
	int err;

	*out = NULL;
	transcript = open_memstream(out, &len);
	err = kmod_module_new_from_lookup(ctx, alias, &list);
	kmod_list_foreach (l, list) {
		struct kmod_module *m = kmod_module_get_module(l);

		err = kmod_module_probe_insert_module(m, flags, extra, NULL, NULL,
						      print_action);
		kmod_module_unref(m);
	}
	kmod_module_unref_list(list);
	fclose(transcript);
	if (label != NULL) {
		char *path = xasprintf("%s/out/%s", test_dir, label);
		FILE *f = fopen(path, "we");

		if (f == NULL || fputs(*out, f) < 0 || fclose(f) != 0)
			printf("Bail out! cannot write %s\n", path);
		free(path);
	}
	return err;
}

static inline void check_transcript(struct kmod_ctx *ctx, const char *alias,
				    const char *extra, unsigned int flags,
				    const char *label, int want_err, const char *want)
{
	char *got;
	int err = probe_transcript(ctx, alias, extra, flags, label, &got);

	is_int(err, want_err, "%s: probe of '%s' returns %d", label, alias, want_err);
	if (!is_str(got, want, "%s: transcript of print_action", label))
		printf("#   got: %s\n", oneline(got));
	free(got);
}

/* ---- the trap's kernel ---- */

static inline void check_log(const char *what, const char *want)
{
	char *log = trap_log_take();

	if (!ok(strcmp(log, want) == 0, "%s: the system calls", what)) {
		printf("#   want: %s\n", oneline(want));
		printf("#   got:  %s\n", oneline(log));
	}
	free(log);
}

/* Take every fixture module out of the trap's kernel again. */
static inline void unload_all(struct kmod_ctx *ctx)
{
	static const char *const names[] = { "mod_foo", "mod_foo_b", "mod_foo_a",
					     "dummy" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct kmod_module *m;

		if (kmod_module_new_from_name(ctx, names[i], &m) < 0)
			continue;
		if (kmod_module_get_initstate(m) == KMOD_MODULE_LIVE &&
		    kmod_module_remove_module(m, 0) < 0)
			printf("# could not unload %s\n", names[i]);
		kmod_module_unref(m);
	}
	free(trap_log_take());
}

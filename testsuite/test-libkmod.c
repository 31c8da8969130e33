// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The public API of libkmod.so.2 as a consumer sees it: contexts, logging,
 * lists, module objects and the kernel state read from /proc/modules and
 * /sys/module.  Runs under the trap, with TRAP_UNAME_R=6.1.0-test and the fake
 * tree test-libkmod.sh builds in $LIBKMOD_TEST_DIR/root (described there).
 *
 * With the argument "threads" only the concurrency test runs (for helgrind).
 */
#include <limits.h>
#include <pthread.h>

#include "testsuite/test-libkmod.h"

#ifndef MODULE_DIRECTORY
#define MODULE_DIRECTORY "/lib/modules"
#endif

#define UNAME_R "6.1.0-test"
#define DIRNAME_DEFAULT MODULE_DIRECTORY "/" UNAME_R

/* /proc/modules of the fake root, in file order; kappa's line exceeds 4 KiB. */
#define LOADED_ORDER "zeta alpha mu beta eta omega kappa snd_hda_intel"
#define LOADED_REVERSE "snd_hda_intel kappa omega eta beta mu alpha zeta"
#define ZETA_SECTIONS                                                                    \
	".bss=0xffffffffc0a06000 .data=0xffffffffc0a05000 "                              \
	".gnu.linkonce.this_module=0xffffffffc0a07000 .text=0xffffffffc0a01000"

static const char *test_dir;

/* ---- string helpers ---- */

struct strlist {
	size_t n;
	char *v[64];
};

static void strlist_add(struct strlist *s, char *str)
{
	if (s->n < sizeof(s->v) / sizeof(s->v[0]))
		s->v[s->n++] = str;
	else
		free(str);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Joined by spaces (sorted first if asked), freeing the parts; caller frees. */
static char *strlist_join(struct strlist *s, bool sort)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (sort)
		qsort(s->v, s->n, sizeof(s->v[0]), cmp_str);
	for (size_t i = 0; i < s->n; i++) {
		fprintf(out, "%s%s", i ? " " : "", s->v[i]);
		free(s->v[i]);
	}
	fclose(out);
	s->n = 0;
	return buf;
}

/* Module names of a list through the public iterators; caller frees. */
static char *module_names(const struct kmod_list *list, bool reverse, bool sort)
{
	struct strlist s = { 0 };
	const struct kmod_list *l;

	if (reverse) {
		kmod_list_foreach_reverse (l, list) {
			struct kmod_module *m = kmod_module_get_module(l);

			strlist_add(&s, strdup(kmod_module_get_name(m)));
			kmod_module_unref(m);
		}
	} else {
		kmod_list_foreach (l, list) {
			struct kmod_module *m = kmod_module_get_module(l);

			strlist_add(&s, strdup(kmod_module_get_name(m)));
			kmod_module_unref(m);
		}
	}
	return strlist_join(&s, sort);
}

/* "name=0xaddr" of every section, sorted; caller frees. */
static char *section_names(const struct kmod_list *list)
{
	struct strlist s = { 0 };
	const struct kmod_list *l;

	kmod_list_foreach (l, list) {
		char *p;

		if (asprintf(&p, "%s=%#lx", kmod_module_section_get_name(l),
			     kmod_module_section_get_address(l)) >= 0)
			strlist_add(&s, p);
	}
	return strlist_join(&s, true);
}

static void check_str(char *got, const char *want, const char *what)
{
	is_str(got, want, "%s", what);
	free(got);
}

/* ---- context ---- */

static void test_dirname(void)
{
	static const char *const no_config[] = { NULL };
	struct kmod_ctx *ctx;
	char cwd[PATH_MAX], *want;

	ctx = kmod_new(NULL, NULL);
	ok(ctx != NULL, "kmod_new(NULL, NULL)");
	is_str(kmod_get_dirname(ctx), DIRNAME_DEFAULT,
	       "dirname NULL: MODULE_DIRECTORY/<uname -r>");
	kmod_unref(ctx);

	ctx = kmod_new("/srv/modules/x", no_config);
	is_str(kmod_get_dirname(ctx), "/srv/modules/x", "absolute dirname kept as given");
	kmod_unref(ctx);

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		strcpy(cwd, "(getcwd failed)");
	want = path_join(cwd, "rel/mods");
	ctx = kmod_new("rel/mods", no_config);
	is_str(kmod_get_dirname(ctx), want,
	       "relative dirname made absolute against the cwd");
	kmod_unref(ctx);
	free(want);

	ok(kmod_get_dirname(NULL) == NULL, "kmod_get_dirname(NULL) == NULL");
}

static void test_refcount(void)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	struct kmod_module *mod = NULL;

	ok(kmod_ref(ctx) == ctx, "kmod_ref returns the context");
	ok(kmod_unref(ctx) == ctx,
	   "kmod_unref with a reference left returns the context");
	ok(kmod_ref(NULL) == NULL && kmod_unref(NULL) == NULL,
	   "kmod_ref/kmod_unref(NULL) == NULL");

	is_int(kmod_module_new_from_name(ctx, "holder", &mod), 0,
	       "a module on the context");
	ok(kmod_unref(ctx) == ctx,
	   "kmod_unref while a module holds the context returns it");
	is_str(kmod_get_dirname(ctx), DIRNAME_DEFAULT,
	       "the context lives on through its module");
	ok(kmod_module_unref(mod) == NULL,
	   "the last module reference releases the module");

	ctx = kmod_new(NULL, NULL);
	ok(kmod_unref(ctx) == NULL, "kmod_unref of the only reference returns NULL");
}

static void test_log_priority_env(void)
{
	static const struct {
		const char *env;
		int prio;
	} cases[] = {
		{ NULL, LOG_ERR },
		{ "err", LOG_ERR },
		{ "error", LOG_ERR },
		{ "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
		{ "7", LOG_DEBUG },
		{ "4", LOG_WARNING },
		{ "5\n", LOG_NOTICE },
		{ "0", 0 },
		{ "bogus", 0 },
		{ "", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kmod_ctx *ctx;
		struct capture cap;
		char *err;
		int prio;

		if (cases[i].env)
			setenv("KMOD_LOG", cases[i].env, 1);
		else
			unsetenv("KMOD_LOG");
		capture_start(&cap);
		ctx = kmod_new(NULL, NULL);
		prio = kmod_get_log_priority(ctx);
		kmod_unref(ctx);
		err = capture_end(&cap);
		is_int(prio, cases[i].prio, "KMOD_LOG=%s%.*s%s: priority %d",
		       cases[i].env ? "'" : "(unset)",
		       cases[i].env ? (int)strcspn(cases[i].env, "\n") : 0,
		       cases[i].env ? cases[i].env : "", cases[i].env ? "'" : "",
		       cases[i].prio);
		if (cases[i].prio == LOG_INFO)
			ok(strncmp(err, "libkmod: INFO: kmod_new: ctx 0x", 31) == 0,
			   "KMOD_LOG=info: the default log function writes 'libkmod: "
			   "INFO: kmod_new: ...' to stderr (got '%.60s')",
			   oneline(err));
		free(err);
	}
	unsetenv("KMOD_LOG");
}

static void test_log_fn(void)
{
	char *empty = path_join(test_dir, "empty"), *root = strdup(getenv("TRAP_ROOT")),
	     *err;
	struct log_recorder rec = { 0 };
	struct kmod_list *list = NULL;
	const struct log_rec *e;
	struct kmod_ctx *ctx;
	struct capture cap;

	ctx = kmod_new(NULL, NULL);
	is_int(kmod_get_log_priority(ctx), LOG_ERR, "default priority is LOG_ERR");
	is_int(kmod_get_log_priority(NULL), -1, "kmod_get_log_priority(NULL) == -1");

	setenv("TRAP_ROOT", empty, 1);
	capture_start(&cap);
	is_int(kmod_module_new_from_loaded(ctx, &list), -ENOENT,
	       "new_from_loaded without /proc/modules: -ENOENT");
	err = capture_end(&cap);
	is_str(err,
	       "libkmod: ERROR: kmod_module_new_from_loaded: could not open "
	       "/proc/modules: No such file or directory\n",
	       "default log function: 'libkmod: ERROR: <fn>: <message>' on stderr");
	free(err);
	ok(list == NULL, "the list is left NULL on error");

	kmod_set_log_fn(ctx, log_record, &rec);
	is_int(rec.n, 0,
	       "at LOG_ERR, registering a log function logs nothing (that is info)");
	kmod_set_log_priority(ctx, LOG_INFO);
	is_int(kmod_get_log_priority(ctx), LOG_INFO,
	       "kmod_set_log_priority/kmod_get_log_priority");
	kmod_set_log_fn(ctx, log_record, &rec);
	e = log_last(&rec);
	ok(rec.n == 1 && e->priority == LOG_INFO &&
		   strcmp(e->fn, "kmod_set_log_fn") == 0 &&
		   str_endswith(e->file, "libkmod.c") && e->line > 0,
	   "at LOG_INFO the new function gets the registration notice (n=%u prio=%d "
	   "%s:%d %s)",
	   rec.n, e->priority, e->file, e->line, e->fn);

	kmod_set_log_priority(ctx, LOG_ERR);
	is_int(kmod_module_new_from_loaded(ctx, &list), -ENOENT,
	       "again without /proc/modules");
	e = log_last(&rec);
	ok(rec.n == 2 && e->priority == LOG_ERR &&
		   strcmp(e->fn, "kmod_module_new_from_loaded") == 0 &&
		   str_endswith(e->file, "libkmod-state.c") && e->line > 0,
	   "callback: LOG_ERR, file libkmod-state.c, a line, fn "
	   "kmod_module_new_from_loaded (n=%u prio=%d %s:%d %s)",
	   rec.n, e->priority, e->file, e->line, e->fn);
	is_str(e->msg, "could not open /proc/modules: No such file or directory\n",
	       "callback: the message, formatted from format and args");

	kmod_set_log_priority(ctx, LOG_CRIT);
	is_int(kmod_module_new_from_loaded(ctx, &list), -ENOENT, "at LOG_CRIT, again");
	is_int(rec.n, 2, "an error below the priority does not reach the callback");
	setenv("TRAP_ROOT", root, 1);

	kmod_unref(ctx);
	free(empty);
	free(root);
}

static void test_userdata(void)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	int token;

	ok(kmod_get_userdata(ctx) == NULL, "userdata starts NULL");
	kmod_set_userdata(ctx, &token);
	ok(kmod_get_userdata(ctx) == &token, "kmod_set_userdata/kmod_get_userdata");
	kmod_set_userdata(NULL, &token);
	ok(kmod_get_userdata(NULL) == NULL, "kmod_get_userdata(NULL) == NULL");
	kmod_unref(ctx);
}

/* ---- lists ---- */

static void test_lists(void)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	struct kmod_list *list = NULL, *second, *last, *l;
	struct kmod_module *m, *alpha = NULL;
	unsigned int n = 0;

	is_int(kmod_module_new_from_loaded(ctx, &list), 0, "kmod_module_new_from_loaded");
	check_str(module_names(list, false, false), LOADED_ORDER,
		  "kmod_list_foreach: /proc/modules order (a line over 4 KiB included)");
	check_str(module_names(list, true, false), LOADED_REVERSE,
		  "kmod_list_foreach_reverse: the reverse");
	kmod_list_foreach (l, list)
		n++;
	is_int(n, 8, "8 entries, nothing made of the rest of the long line");

	second = kmod_list_next(list, list);
	last = kmod_list_last(list);
	ok(kmod_list_prev(list, list) == NULL,
	   "kmod_list_prev of the first entry is NULL");
	ok(kmod_list_prev(list, second) == list,
	   "kmod_list_prev of the second is the first");
	ok(kmod_list_next(list, last) == NULL,
	   "kmod_list_next of the last entry is NULL");
	ok(kmod_list_prev(list, list) == NULL &&
		   kmod_list_next(list, kmod_list_prev(list, last)) == last,
	   "next(prev(last)) == last");
	m = kmod_module_get_module(last);
	is_str(kmod_module_get_name(m), "snd_hda_intel",
	       "kmod_list_last: the last line's module");
	kmod_module_unref(m);
	ok(kmod_list_next(NULL, list) == NULL && kmod_list_next(list, NULL) == NULL &&
		   kmod_list_prev(NULL, list) == NULL && kmod_list_last(NULL) == NULL,
	   "list functions on NULL return NULL");

	m = kmod_module_get_module(second);
	is_int(kmod_module_new_from_name(ctx, "alpha", &alpha), 0, "new_from_name alpha");
	ok(m == alpha, "the list's module and new_from_name's are one object (interned)");
	kmod_module_unref(alpha);
	kmod_module_unref(m);
	ok(kmod_module_get_module(NULL) == NULL, "kmod_module_get_module(NULL) == NULL");

	is_int(kmod_module_unref_list(list), 0, "kmod_module_unref_list");
	kmod_unref(ctx);
}

/* ---- module objects ---- */

static void test_new_from_name(struct kmod_ctx *ctx)
{
	struct kmod_module *a = NULL, *b = NULL, *c = NULL;

	is_int(kmod_module_new_from_name(ctx, "snd-hda.ko", &a), 0,
	       "new_from_name snd-hda.ko");
	is_str(kmod_module_get_name(a), "snd_hda",
	       "name normalised: '-' to '_', cut at '.'");
	ok(kmod_module_get_path(a) == NULL, "no path for a module made from a name");
	is_int(kmod_module_new_from_name(ctx, "snd_hda", &b), 0, "new_from_name snd_hda");
	ok(a == b, "the same name gives the same object");
	ok(kmod_module_ref(a) == a, "kmod_module_ref returns the module");
	ok(kmod_module_unref(a) == a, "unref with 2 references left returns the module");
	ok(kmod_module_unref(a) == a, "unref with 1 reference left returns the module");
	ok(kmod_module_unref(b) == NULL, "the last unref returns NULL");
	is_int(kmod_module_new_from_name(ctx, "snd_hda.ko.xz", &c), 0,
	       "new_from_name after the release");
	is_str(kmod_module_get_name(c), "snd_hda", "a fresh object under the same name");
	kmod_module_unref(c);
	ok(kmod_module_unref(NULL) == NULL && kmod_module_ref(NULL) == NULL &&
		   kmod_module_get_name(NULL) == NULL &&
		   kmod_module_get_path(NULL) == NULL,
	   "module functions on NULL return NULL");
	is_int(kmod_module_new_from_name(ctx, NULL, &a), -ENOENT,
	       "new_from_name NULL: -ENOENT");
}

/*
 * A detached signature names the module next to it: dracut-install walks
 * module directories and passes every file to new_from_path.
 */
static void test_new_from_sig_path(struct kmod_ctx *ctx, struct log_recorder *rec,
				   const char *m_ko)
{
	char *m_sig = path_join(test_dir, "m/dummy.ko.sig"),
	     *s_xz = path_join(test_dir, "s/dummy.ko.xz"),
	     *s_sig = path_join(test_dir, "s/dummy.ko.xz.sig"),
	     *o_sig = path_join(test_dir, "o/orphan.ko.sig");
	struct kmod_module *a = NULL, *b = NULL;
	unsigned int before = rec->n;

	is_int(kmod_module_new_from_path(ctx, m_sig, &a), 0,
	       "new_from_path of m/dummy.ko.sig");
	is_str(kmod_module_get_name(a), "dummy", "named after its module");
	is_str(kmod_module_get_path(a), m_ko, "the path of its module, m/dummy.ko");
	is_int(kmod_module_new_from_path(ctx, m_ko, &b), 0,
	       "m/dummy.ko while its .sig's object lives: no -EEXIST");
	ok(a == b && rec->n == before, "the same object, nothing logged");
	kmod_module_unref(a);
	kmod_module_unref(b);
	is_int(kmod_module_new_from_path(ctx, s_sig, &a), 0,
	       "new_from_path of s/dummy.ko.xz.sig");
#ifdef ENABLE_XZ
	is_str(kmod_module_get_path(a), s_xz, "the path of its module, s/dummy.ko.xz");
#else
	/* .ko.xz is no module file name for a build without xz. */
	is_str(kmod_module_get_path(a), s_sig, "without xz: keeps its own path");
#endif
	kmod_module_unref(a);
	is_int(kmod_module_new_from_path(ctx, o_sig, &a), 0,
	       "new_from_path of o/orphan.ko.sig, no module next to it");
	is_str(kmod_module_get_path(a), o_sig, "keeps its own path, as in kmod");
	kmod_module_unref(a);
	free(m_sig);
	free(s_xz);
	free(s_sig);
	free(o_sig);
}

static void test_new_from_path(struct kmod_ctx *ctx, struct log_recorder *rec)
{
	char *m_ko = path_join(test_dir, "m/dummy.ko"),
	     *n_ko = path_join(test_dir, "n/dummy.ko");
	char *missing = path_join(test_dir, "m/missing.ko");
	struct kmod_module *a = NULL, *b = NULL, *c = NULL, *x = NULL;
	unsigned int before;

	is_int(kmod_module_new_from_name(ctx, "dummy", &a), 0, "new_from_name dummy");
	is_int(kmod_module_new_from_path(ctx, "m/dummy.ko", &b), 0,
	       "new_from_path m/dummy.ko (relative)");
	ok(a == b, "new_from_path of a known name: the same object");
	is_str(kmod_module_get_name(b), "dummy", "name from the basename");
	is_str(kmod_module_get_path(a), m_ko,
	       "path made absolute, set on the existing module");
	is_int(kmod_module_new_from_path(ctx, m_ko, &c), 0,
	       "new_from_path, same path again");
	ok(c == a, "the same object");

	before = rec->n;
	is_int(kmod_module_new_from_path(ctx, n_ko, &x), -EEXIST,
	       "new_from_path of the same name with another path: -EEXIST");
	ok(rec->n == before + 1 && log_last(rec)->priority == LOG_ERR &&
		   strstr(log_last(rec)->msg, "already exists with different path") !=
			   NULL,
	   "and that is logged as an error");
	is_int(kmod_module_new_from_path(ctx, missing, &x), -ENOENT,
	       "new_from_path of a missing file: -ENOENT");
	ok(x == NULL, "no module returned on error");
	kmod_module_unref(a);
	kmod_module_unref(b);
	kmod_module_unref(c);

	is_int(kmod_module_new_from_path(ctx, n_ko, &x), 0,
	       "after the release, n/dummy.ko is accepted for dummy");
	is_str(kmod_module_get_path(x), n_ko, "with its own path");
	kmod_module_unref(x);
	test_new_from_sig_path(ctx, rec, m_ko);
	free(m_ko);
	free(n_ko);
	free(missing);
}

static void test_modules(void)
{
	struct log_recorder rec = { 0 };
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);

	kmod_set_log_fn(ctx, log_record, &rec);
	test_new_from_name(ctx);
	test_new_from_path(ctx, &rec);
	kmod_unref(ctx);
}

/* ---- kernel state ---- */

static void test_initstate(struct kmod_ctx *ctx, struct log_recorder *rec)
{
	static const struct {
		const char *name;
		int state;
	} cases[] = {
		{ "zeta", KMOD_MODULE_LIVE },  { "mu", KMOD_MODULE_COMING },
		{ "beta", KMOD_MODULE_GOING }, { "eta", -ENOENT },
		{ "omega", -EINVAL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kmod_module *m = NULL;

		kmod_module_new_from_name(ctx, cases[i].name, &m);
		is_int(kmod_module_get_initstate(m), cases[i].state,
		       "initstate of %s: %d (%s)", cases[i].name, cases[i].state,
		       cases[i].state >= 0 ? kmod_module_initstate_str(cases[i].state)
					   : strerror(-cases[i].state));
		kmod_module_unref(m);
	}
	ok(log_last(rec)->priority == LOG_ERR &&
		   strstr(log_last(rec)->msg, "bogus") != NULL,
	   "an unknown initstate is logged as an error");
	is_int(kmod_module_get_initstate(NULL), -ENOENT, "initstate of NULL: -ENOENT");

	is_str(kmod_module_initstate_str(KMOD_MODULE_BUILTIN), "builtin",
	       "initstate_str builtin");
	is_str(kmod_module_initstate_str(KMOD_MODULE_LIVE), "live", "initstate_str live");
	is_str(kmod_module_initstate_str(KMOD_MODULE_COMING), "coming",
	       "initstate_str coming");
	is_str(kmod_module_initstate_str(KMOD_MODULE_GOING), "going",
	       "initstate_str going");
	ok(kmod_module_initstate_str(4) == NULL &&
		   kmod_module_initstate_str((enum kmod_module_initstate) - 1) == NULL &&
		   kmod_module_initstate_str(_KMOD_MODULE_PAD) == NULL,
	   "initstate_str out of range: NULL");
}

static void test_refcnt_size(struct kmod_ctx *ctx)
{
	static const struct {
		const char *name;
		int refcnt;
		long size;
		const char *why;
	} cases[] = {
		{ "zeta", 2, 20480, "coresize (not /proc/modules' 16384)" },
		{ "alpha", 0, 8192, "no coresize: /proc/modules" },
		{ "mu", -ENOENT, 4096, "no coresize: /proc/modules" },
		{ "beta", 1, 12288, "coresize" },
		{ "eta", -ENOENT, -ENOENT, "no /sys/module/eta" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kmod_module *m = NULL;

		kmod_module_new_from_name(ctx, cases[i].name, &m);
		is_int(kmod_module_get_refcnt(m), cases[i].refcnt, "refcnt of %s: %d",
		       cases[i].name, cases[i].refcnt);
		is_int(kmod_module_get_size(m), cases[i].size, "size of %s: %ld, %s",
		       cases[i].name, cases[i].size, cases[i].why);
		kmod_module_unref(m);
	}
	ok(kmod_module_get_refcnt(NULL) == -ENOENT &&
		   kmod_module_get_size(NULL) == -ENOENT,
	   "refcnt and size of NULL: -ENOENT");
}

static void test_holders_sections(struct kmod_ctx *ctx)
{
	struct kmod_module *zeta = NULL, *alpha = NULL, *eta = NULL, *found = NULL;
	struct kmod_list *l, *it;

	kmod_module_new_from_name(ctx, "zeta", &zeta);
	kmod_module_new_from_name(ctx, "alpha", &alpha);
	kmod_module_new_from_name(ctx, "eta", &eta);

	l = kmod_module_get_holders(zeta);
	check_str(module_names(l, false, true), "alpha mu", "holders of zeta: alpha mu");
	kmod_list_foreach (it, l) {
		struct kmod_module *h = kmod_module_get_module(it);

		if (strcmp(kmod_module_get_name(h), "alpha") == 0)
			found = h;
		kmod_module_unref(h);
	}
	ok(found == alpha, "the holder alpha is the context's alpha object");
	kmod_module_unref_list(l);
	ok(kmod_module_get_holders(alpha) == NULL, "empty holders/: empty list");
	ok(kmod_module_get_holders(eta) == NULL, "no /sys/module/eta: no holders");

	l = kmod_module_get_sections(zeta);
	check_str(section_names(l), ZETA_SECTIONS,
		  "sections of zeta: names and hex addresses");
	kmod_module_section_free_list(l);
	ok(kmod_module_get_sections(alpha) == NULL, "empty sections/: empty list");
	ok(kmod_module_get_sections(eta) == NULL, "no /sys/module/eta: no sections");
	ok(kmod_module_section_get_name(NULL) == NULL &&
		   kmod_module_section_get_address(NULL) == (unsigned long)-1,
	   "section getters on NULL: NULL and (unsigned long)-1");

	kmod_module_unref(zeta);
	kmod_module_unref(alpha);
	kmod_module_unref(eta);
}

static void test_state(void)
{
	struct log_recorder rec = { 0 };
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);

	kmod_set_log_fn(ctx, log_record, &rec);
	test_initstate(ctx, &rec);
	test_refcnt_size(ctx);
	test_holders_sections(ctx);
	kmod_unref(ctx);
}

/* ---- two contexts in two threads ---- */

#define THREAD_ROUNDS 200

struct thread_job {
	unsigned int id;
	unsigned int rounds; /* completed */
	unsigned int failures;
	char first_failure[256];
	struct log_recorder rec;
};

static void job_fail(struct thread_job *job, const char *what, long got)
{
	if (job->failures++ == 0)
		snprintf(job->first_failure, sizeof(job->first_failure), "%s (got %ld)",
			 what, got);
}

#define JOB_CHECK(job, cond, got) ((cond) ? (void)0 : job_fail(job, #cond, (long)(got)))

static void job_round(struct thread_job *job, struct kmod_ctx *ctx, unsigned int round)
{
	struct kmod_list *list = NULL, *l;
	struct kmod_module *first, *zeta = NULL, *mine = NULL, *again = NULL,
				   *omega = NULL;
	char name[64], want[64], *names;
	unsigned int before = job->rec.n;
	int err;

	err = kmod_module_new_from_loaded(ctx, &list);
	JOB_CHECK(job, err == 0, err);
	names = module_names(list, false, false);
	JOB_CHECK(job, strcmp(names, LOADED_ORDER) == 0, 0);
	free(names);

	first = kmod_module_get_module(list);
	kmod_module_new_from_name(ctx, "zeta", &zeta);
	JOB_CHECK(job, zeta != NULL && zeta == first, 0);
	kmod_module_unref(first);
	JOB_CHECK(job, kmod_module_get_initstate(zeta) == KMOD_MODULE_LIVE, 0);
	JOB_CHECK(job, kmod_module_get_refcnt(zeta) == 2, kmod_module_get_refcnt(zeta));
	JOB_CHECK(job, kmod_module_get_size(zeta) == 20480, kmod_module_get_size(zeta));
	l = kmod_module_get_holders(zeta);
	names = module_names(l, false, true);
	JOB_CHECK(job, strcmp(names, "alpha mu") == 0, 0);
	free(names);
	kmod_module_unref_list(l);
	l = kmod_module_get_sections(zeta);
	names = section_names(l);
	JOB_CHECK(job, strcmp(names, ZETA_SECTIONS) == 0, 0);
	free(names);
	kmod_module_section_free_list(l);

	/* A name only this thread uses: interned in its own context. */
	snprintf(name, sizeof(name), "thread-%u-mod-%u", job->id, round);
	kmod_module_new_from_name(ctx, name, &mine);
	kmod_module_new_from_name(ctx, name, &again);
	JOB_CHECK(job, mine != NULL && mine == again, 0);
	snprintf(want, sizeof(want), "thread_%u_mod_%u", job->id, round);
	JOB_CHECK(job, strcmp(kmod_module_get_name(mine), want) == 0, 0);

	/* Errors go to this context's log function, with this thread's data. */
	kmod_module_new_from_name(ctx, "omega", &omega);
	err = kmod_module_get_initstate(omega);
	JOB_CHECK(job, err == -EINVAL, err);
	JOB_CHECK(job, job->rec.n == before + 1, job->rec.n - before);

	kmod_module_unref(omega);
	kmod_module_unref(again);
	kmod_module_unref(mine);
	kmod_module_unref(zeta);
	kmod_module_unref_list(list);
}

static void *thread_main(void *arg)
{
	struct thread_job *job = arg;
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);

	if (ctx == NULL) {
		job_fail(job, "kmod_new", 0);
		return NULL;
	}
	kmod_set_log_fn(ctx, log_record, &job->rec);
	for (unsigned int i = 0; i < THREAD_ROUNDS; i++) {
		job_round(job, ctx, i);
		job->rounds++;
	}
	if (kmod_unref(ctx) != NULL)
		job_fail(job, "kmod_unref: a module reference leaked", 0);
	return NULL;
}

static void test_threads(void)
{
	struct thread_job jobs[2] = { { .id = 1 }, { .id = 2 } };
	pthread_t t[2];

	for (int i = 0; i < 2; i++) {
		if (pthread_create(&t[i], NULL, thread_main, &jobs[i]) != 0) {
			printf("Bail out! pthread_create failed\n");
			exit(1);
		}
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);

	for (int i = 0; i < 2; i++) {
		ok(jobs[i].rounds == THREAD_ROUNDS && jobs[i].failures == 0,
		   "thread %u: %u rounds on its own context, %u failures%s%s", jobs[i].id,
		   jobs[i].rounds, jobs[i].failures, jobs[i].failures ? ": first: " : "",
		   jobs[i].first_failure);
		is_int(jobs[i].rec.n, THREAD_ROUNDS,
		       "thread %u: its callback got its own errors only", jobs[i].id);
	}
}

/* ---- the library under test ---- */

static void test_linked_library(void)
{
	Dl_info info = { 0 };
	const char *builddir = getenv("top_builddir");
	char *lib = path_join(builddir ? builddir : ".", "libkmod/.libs/libkmod.so.2");
	char want[PATH_MAX] = "", got[PATH_MAX] = "";

	if (realpath(lib, want) == NULL)
		snprintf(want, sizeof(want), "(missing %s)", lib);
	if (dladdr((void *)kmod_new, &info) != 0 && info.dli_fname != NULL &&
	    realpath(info.dli_fname, got) == NULL)
		snprintf(got, sizeof(got), "%s", info.dli_fname);
	is_str(got, want, "kmod_new comes from the built libkmod.so.2");
	free(lib);
}

int main(int argc, char *argv[])
{
	require_trap();
	alarm(WATCHDOG_SECONDS);
	test_dir = env_or_bail("LIBKMOD_TEST_DIR");
	env_or_bail("TRAP_ROOT");
	if (chdir(test_dir) < 0) {
		printf("Bail out! chdir %s: %m\n", test_dir);
		return 1;
	}
	unsetenv("KMOD_LOG");

	if (argc > 1 && strcmp(argv[1], "threads") == 0) {
		test_threads();
		return tap_done();
	}

	test_linked_library();
	test_dirname();
	test_refcount();
	test_log_priority_env();
	test_log_fn();
	test_userdata();
	test_lists();
	test_modules();
	test_state();
	test_threads();
	return tap_done();
}

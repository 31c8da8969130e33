// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * modinfo: what a module file (or a builtin module) says of itself, in
 * kmod's exact output format, plus where its detached signature is.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "tools/kmod.h"
#include "tools/tool-log.h"
#include "tools/modinfo.h"
#include "util/hash.h"
#include "util/strbuf.h"
#include "util/util.h"

/* Module files read ahead at most by this many threads. */
#define MAX_PREFETCH_THREADS 8

/* --json has no short form */
#define OPT_JSON 0x100

static const char cmdopts_s[] = "adlpn0mF:k:b:Vh";
static const struct option cmdopts[] = {
	{ "author", no_argument, NULL, 'a' },
	{ "description", no_argument, NULL, 'd' },
	{ "license", no_argument, NULL, 'l' },
	{ "parameters", no_argument, NULL, 'p' },
	{ "filename", no_argument, NULL, 'n' },
	{ "null", no_argument, NULL, '0' },
	{ "modname", no_argument, NULL, 'm' },
	{ "field", required_argument, NULL, 'F' },
	{ "set-version", required_argument, NULL, 'k' },
	{ "basedir", required_argument, NULL, 'b' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ NULL, 0, NULL, 0 },
};

static void help(void)
{
	printf("Usage:\n"
	       "\t%s [options] <modulename|filename> [args]\n"
	       "Options:\n"
	       "\t-a, --author                Print only 'author'\n"
	       "\t-d, --description           Print only 'description'\n"
	       "\t-l, --license               Print only 'license'\n"
	       "\t-p, --parameters            Print only 'parm'\n"
	       "\t-n, --filename              Print only 'filename'\n"
	       "\t-0, --null                  Use \\0 instead of \\n\n"
	       "\t-m, --modname               Handle argument as module name instead of alias or filename\n"
	       "\t-F, --field=FIELD           Print only provided FIELD\n"
	       "\t-k, --set-version=VERSION   Use VERSION instead of `uname -r`\n"
	       "\t-b, --basedir=DIR           Use DIR as filesystem root for " MODULE_DIRECTORY
	       "\n"
	       "\t    --json                  Print a JSON array, an object per module\n"
	       "\t-V, --version               Show version\n"
	       "\t-h, --help                  Show this help\n",
	       program_invocation_short_name);
}

static struct param *param_find(struct params *ps, const char *name, int namelen)
{
	for (size_t i = 0; i < ps->n; i++) {
		if (ps->v[i].namelen == namelen &&
		    memcmp(ps->v[i].name, name, namelen) == 0)
			return &ps->v[i];
	}
	return NULL;
}

int param_add(struct params *ps, const char *key, const char *value)
{
	const char *colon = strchr(value, ':');
	struct param *p;

	if (colon == NULL) {
		ERR("Found invalid \"%s=%s\": missing ':'\n", key, value);
		return 0;
	}
	if (colon - value > INT_MAX)
		return -EINVAL;
	p = param_find(ps, value, colon - value);
	if (p == NULL) {
		if (ps->n == ps->cap) {
			size_t cap = ps->cap ? ps->cap * 2 : 16;
			struct param *v = reallocarray(ps->v, cap, sizeof(*v));

			if (v == NULL)
				return -ENOMEM;
			ps->v = v;
			ps->cap = cap;
		}
		p = &ps->v[ps->n++];
		*p = (struct param){ .name = value, .namelen = colon - value };
	}
	if (streq(key, "parm"))
		p->desc = colon + 1;
	else
		p->type = colon + 1;
	return 0;
}

/* Newest parameter first: kmod keeps them on a list it prepends to. */
static void params_print(const struct params *ps, const struct output *out)
{
	for (size_t i = ps->n; i-- > 0;) {
		const struct param *p = &ps->v[i];
		const char *prefix = out->field ? "" : "parm:           ";

		if (p->desc != NULL && p->type != NULL)
			printf("%s%.*s:%s (%s)%c", prefix, p->namelen, p->name, p->desc,
			       p->type, out->sep);
		else if (p->desc != NULL)
			printf("%s%.*s:%s%c", prefix, p->namelen, p->name, p->desc,
			       out->sep);
		else if (out->field != NULL)
			printf("%.*s: (%s)%c", p->namelen, p->name, p->type, out->sep);
		else
			printf("%s%.*s:%s%c", prefix, p->namelen, p->name, p->type,
			       out->sep);
	}
}

static int info_print(const struct kmod_list *list, const struct output *out)
{
	struct params ps = { 0 };
	const struct kmod_list *l;
	bool want_params = out->field == NULL || streq(out->field, "parm");
	int err = 0;

	kmod_list_foreach (l, list) {
		const char *key = kmod_module_info_get_key(l);
		const char *value = kmod_module_info_get_value(l);

		if (want_params && (streq(key, "parm") || streq(key, "parmtype"))) {
			err = param_add(&ps, key, value);
			if (err < 0)
				break;
			continue;
		}
		if (out->field != NULL) {
			if (streq(out->field, key))
				printf("%s%c", value, out->sep);
		} else if (out->sep == '\0') {
			printf("%s=%s%c", key, value, out->sep);
		} else {
			/* from 15 bytes on a key gets no padding (kmod 34) */
			size_t len = strlen(key);

			printf("%s:%-*s%s%c", key, len < 15 ? 15 - (int)len : 0, "",
			       value, out->sep);
		}
	}
	if (err == 0 && want_params)
		params_print(&ps, out);
	free(ps.v);
	return err;
}

/*
 * kmod_module_get_info()'s answer, fetched ahead by a worker thread, with the
 * messages the library logged meanwhile (shown when the module is).
 */
struct fetched {
	struct kmod_list *list;
	int err;
	struct strbuf log;
};

static int modinfo_do(struct kmod_module *mod, const struct output *out,
		      struct fetched *f)
{
	struct kmod_list *list = NULL;
	const char *filename = kmod_module_get_path(mod);
	bool builtin = filename == NULL;
	int err;

	if (out->json) {
		/* everything is in the object */
	} else if (builtin) {
		if (out->field == NULL)
			printf("%-16s%s%c", "name:", kmod_module_get_name(mod), out->sep);
		else if (streq(out->field, "name"))
			printf("%s%c", kmod_module_get_name(mod), out->sep);
		filename = "(builtin)";
	}
	if (!out->json && out->field != NULL && streq(out->field, "filename")) {
		printf("%s%c", filename, out->sep);
		return 0;
	}
	if (!out->json && out->field == NULL)
		printf("%-16s%s%c", "filename:", filename, out->sep);

	if (f != NULL) {
		log_replay(&f->log);
		list = TAKE_PTR(f->list);
		err = f->err;
	} else {
		err = kmod_module_get_info(mod, &list);
	}
	if (err < 0) {
		/* an old kernel has no modules.builtin.modinfo: nothing more to say */
		if (builtin && err == -ENOENT)
			return out->json ? json_print(mod, NULL, out) : 0;
		ERR("could not get modinfo from '%s': %s\n", kmod_module_get_name(mod),
		    strerror(-err));
		return err;
	}
	err = out->json ? json_print(mod, list, out) : info_print(list, out);
	kmod_module_info_free_list(list);
	return err;
}

static int modinfo_path_do(struct kmod_ctx *ctx, const char *path,
			   const struct output *out)
{
	struct kmod_module *mod;
	int err = kmod_module_new_from_path(ctx, path, &mod);

	if (err < 0) {
		ERR("Module file %s not found.\n", path);
		return err;
	}
	err = modinfo_do(mod, out, NULL);
	kmod_module_unref(mod);
	return err;
}

static int modinfo_name_do(struct kmod_ctx *ctx, const char *name,
			   const struct output *out)
{
	struct kmod_module *mod = NULL;
	int err = kmod_module_new_from_name_lookup(ctx, name, &mod);

	if (err < 0 || mod == NULL) {
		ERR("Module name %s not found.\n", name);
		return err < 0 ? err : -ENOENT;
	}
	err = modinfo_do(mod, out, NULL);
	kmod_module_unref(mod);
	return err;
}

static int modinfo_alias_do(struct kmod_ctx *ctx, const char *alias,
			    const struct output *out)
{
	struct kmod_list *l, *list = NULL;
	int err = kmod_module_new_from_lookup(ctx, alias, &list);

	if (err < 0) {
		ERR("Module alias %s not found.\n", alias);
		return err;
	}
	if (list == NULL) {
		ERR("Module %s not found.\n", alias);
		return -ENOENT;
	}
	kmod_list_foreach (l, list) {
		struct kmod_module *mod = kmod_module_get_module(l);
		int r = modinfo_do(mod, out, NULL);

		kmod_module_unref(mod);
		if (r < 0)
			err = r;
	}
	kmod_module_unref_list(list);
	return err;
}

/*
 * Reading a module is decompression, or for a plain one a few small reads, so
 * with several module files on the command line, worker threads fetch their
 * information ahead while the main thread prints in argument order (plain
 * 6.1 tree: 0.23 -> 0.18 s on 2 CPUs).  A context is one thread's (libkmod.h),
 * so each worker opens the files in a context of its own, set up like the
 * main one, and hands back only the answer and the messages it logged.  The
 * main thread's modules of those files tell it which to wait for and what to
 * print around the answer.
 */
struct prefetch;

struct worker {
	struct prefetch *pf;
	struct kmod_ctx *ctx;
	pthread_t thread;
};

struct prefetch {
	struct kmod_ctx *ctx;
	char **args;
	struct kmod_module **mods; /* per argument: its module file, or NULL */
	int *open_err;		   /* kmod_module_new_from_path()'s error */
	bool *fetch;		   /* read ahead by a worker: set before they start */
	struct fetched *res;
	bool *done;
	bool *deferred; /* a module file read only in its turn */
	size_t n;
	size_t next;	/* next argument to claim (atomic) */
	size_t waiting; /* the argument the printer waits for */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct worker workers[MAX_PREFETCH_THREADS];
	unsigned int nthreads;
};

/*
 * A worker context's log function: the message is held for the printer (see
 * struct fetched); never a fatal one, which would exit from this thread.
 */
static void worker_log(void *data, int priority, const char *file, int line,
		       const char *fn, const char *format, va_list args)
{
	char *msg;

	if (vasprintf(&msg, format, args) < 0)
		return;
	log_printf(priority < LOG_ERR ? LOG_ERR : priority, "%s", msg);
	free(msg);
}

static void *prefetch_worker(void *data)
{
	struct worker *w = data;
	struct prefetch *pf = w->pf;

	for (;;) {
		struct fetched f = { .list = NULL };
		struct kmod_module *mod;
		size_t i;

		do
			i = __atomic_fetch_add(&pf->next, 1, __ATOMIC_RELAXED);
		while (i < pf->n && !pf->fetch[i]);
		if (i >= pf->n)
			return NULL;

		strbuf_init(&f.log);
		log_capture(&f.log);
		f.err = kmod_module_new_from_path(w->ctx, pf->args[i], &mod);
		if (f.err == 0) {
			f.err = kmod_module_get_info(mod, &f.list);
			kmod_module_unref(mod);
		}
		log_capture(NULL);

		pthread_mutex_lock(&pf->lock);
		pf->res[i] = f;
		pf->done[i] = true;
		/* wake the printer only when it waits for this one */
		if (pf->waiting == i)
			pthread_cond_signal(&pf->cond);
		pthread_mutex_unlock(&pf->lock);
	}
}

/* A context for a worker, set up as @ctx is; NULL on failure. */
static struct kmod_ctx *worker_ctx(struct kmod_ctx *ctx)
{
	const char *null_config = NULL;
	struct kmod_ctx *w = kmod_new(kmod_get_dirname(ctx), &null_config);

	if (w == NULL)
		return NULL;
	kmod_set_log_priority(w, kmod_get_log_priority(ctx));
	kmod_set_log_fn(w, worker_log, NULL);
	if (kmod_set_detached_sig_policy(w, kmod_get_detached_sig_policy(ctx)) < 0)
		return kmod_unref(w);
	return w;
}

static void prefetch_start(struct prefetch *pf, size_t files, long ncpu)
{
	pthread_mutex_init(&pf->lock, NULL);
	pthread_cond_init(&pf->cond, NULL);
	for (long t = 0; t < ncpu && t < MAX_PREFETCH_THREADS && (size_t)t < files; t++) {
		struct worker *w = &pf->workers[pf->nthreads];

		w->pf = pf;
		w->ctx = worker_ctx(pf->ctx);
		if (w->ctx == NULL)
			break;
		if (pthread_create(&w->thread, NULL, prefetch_worker, w) != 0) {
			kmod_unref(w->ctx);
			break;
		}
		pf->nthreads++;
	}
}

static bool is_module_filename(const char *name);
static bool endswith(const char *s, const char *suffix);

/* 0, or -ENOMEM (said); prefetch_release() then frees what was made. */
static int prefetch_init(struct prefetch *pf, struct kmod_ctx *ctx, char **args, size_t n,
			 bool arg_is_modname, const struct output *out)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct hash *names;
	bool all_files = true;
	size_t files = 0;

	*pf = (struct prefetch){ .ctx = ctx, .args = args, .n = n, .waiting = SIZE_MAX };
	pf->mods = calloc(n, sizeof(*pf->mods));
	pf->open_err = calloc(n, sizeof(*pf->open_err));
	pf->fetch = calloc(n, sizeof(*pf->fetch));
	pf->res = calloc(n, sizeof(*pf->res));
	pf->done = calloc(n, sizeof(*pf->done));
	pf->deferred = calloc(n, sizeof(*pf->deferred));
	if (pf->mods == NULL || pf->open_err == NULL || pf->fetch == NULL ||
	    pf->res == NULL || pf->done == NULL || pf->deferred == NULL) {
		CRIT("out of memory\n");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (!arg_is_modname && is_module_filename(args[i])) {
			pf->deferred[i] = true;
		} else {
			all_files = false;
		}
	}
	/*
	 * Module files only: a name looked up while a file's module is open
	 * would find that module instead of the module directory's.
	 */
	if (!all_files || n < 2 || ncpu < 2 ||
	    (out->field != NULL && streq(out->field, "filename")))
		return 0;

	names = hash_new(64, NULL);
	if (names == NULL) {
		CRIT("out of memory\n");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		char buf[PATH_MAX_LEN];

		pf->deferred[i] = false;
		/*
		 * Two files of one module name cannot be open together; the later
		 * one is read in its turn, once the first is shown and released.
		 */
		if (path_to_modname(args[i], buf, NULL) == NULL ||
		    hash_find(names, buf) != NULL) {
			pf->deferred[i] = true;
			continue;
		}
		pf->open_err[i] = kmod_module_new_from_path(ctx, args[i], &pf->mods[i]);
		if (pf->open_err[i] < 0) {
			pf->mods[i] = NULL;
			continue;
		}
		if (hash_add(names, kmod_module_get_name(pf->mods[i]), pf->mods[i]) < 0) {
			CRIT("out of memory\n");
			hash_free(names);
			return -ENOMEM;
		}
		pf->fetch[i] = true;
		files++;
	}
	hash_free(names);
	if (files >= 2)
		prefetch_start(pf, files, ncpu);
	return 0;
}

/* The argument @i if it is a module file: shown, its error, or 1 if it is not one. */
static int prefetch_show(struct prefetch *pf, size_t i, const char *arg,
			 const struct output *out)
{
	struct fetched *f = NULL;
	int err;

	if (pf->deferred[i])
		return modinfo_path_do(pf->ctx, arg, out);
	if (pf->mods[i] == NULL && pf->open_err[i] == 0)
		return 1;
	if (pf->mods[i] == NULL) {
		ERR("Module file %s not found.\n", arg);
		return pf->open_err[i];
	}
	if (pf->nthreads > 0) {
		pthread_mutex_lock(&pf->lock);
		pf->waiting = i;
		while (!pf->done[i])
			pthread_cond_wait(&pf->cond, &pf->lock);
		pthread_mutex_unlock(&pf->lock);
		f = &pf->res[i];
	}
	err = modinfo_do(pf->mods[i], out, f);
	if (f != NULL)
		kmod_module_info_free_list(TAKE_PTR(f->list));
	/* released now, as kmod does, so a later file of that name can be opened */
	kmod_module_unref(TAKE_PTR(pf->mods[i]));
	return err;
}

static void prefetch_release(struct prefetch *pf)
{
	for (unsigned int t = 0; t < pf->nthreads; t++) {
		pthread_join(pf->workers[t].thread, NULL);
		kmod_unref(pf->workers[t].ctx);
	}
	if (pf->nthreads > 0) {
		pthread_mutex_destroy(&pf->lock);
		pthread_cond_destroy(&pf->cond);
	}
	for (size_t i = 0; i < pf->n && pf->mods != NULL && pf->res != NULL; i++) {
		kmod_module_info_free_list(pf->res[i].list);
		strbuf_release(&pf->res[i].log);
		kmod_module_unref(pf->mods[i]);
	}
	free(pf->mods);
	free(pf->open_err);
	free(pf->fetch);
	free(pf->res);
	free(pf->done);
	free(pf->deferred);
}

static bool endswith(const char *s, const char *suffix)
{
	size_t len = strlen(s), n = strlen(suffix);

	return len >= n && streq(s + len - n, suffix);
}

/* Only names with an extension this build can read count as files. */
static bool is_module_filename(const char *name)
{
	static const char *const exts[] = {
		".ko",
#ifdef ENABLE_ZSTD
		".ko.zst",
#endif
#ifdef ENABLE_XZ
		".ko.xz",
#endif
#ifdef ENABLE_ZLIB
		".ko.gz",
#endif
	};
	struct stat st;

	if (stat(name, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		if (strlen(name) > strlen(exts[i]) && endswith(name, exts[i]))
			return true;
	}
	return false;
}

static int do_modinfo(int argc, char *argv[])
{
	size_t shown = 0;
	struct output out = { .field = NULL, .sep = '\n', .shown = &shown };
	const char *null_config = NULL;
	const char *root = NULL, *kversion = NULL;
	char dirname_buf[PATH_MAX];
	const char *dirname = NULL;
	struct kmod_ctx *ctx;
	struct prefetch pf;
	bool arg_is_modname = false;
	int i, err = 0;

	for (;;) {
		int c = getopt_long(argc, argv, cmdopts_s, cmdopts, NULL);

		if (c == -1)
			break;
		switch (c) {
		case 'a':
			out.field = "author";
			break;
		case 'd':
			out.field = "description";
			break;
		case 'l':
			out.field = "license";
			break;
		case 'p':
			out.field = "parm";
			break;
		case 'n':
			out.field = "filename";
			break;
		case '0':
			out.sep = '\0';
			break;
		case 'm':
			arg_is_modname = true;
			break;
		case 'F':
			out.field = optarg;
			break;
		case 'k':
			kversion = optarg;
			break;
		case 'b':
			root = optarg;
			break;
		case OPT_JSON:
			out.json = true;
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

	if (optind >= argc) {
		ERR("missing module or filename.\n");
		return EXIT_FAILURE;
	}
	if (out.json && out.sep == '\0') {
		ERR("--json and -0 cannot be used together.\n");
		return EXIT_FAILURE;
	}

	if (root != NULL || kversion != NULL) {
		struct utsname u;
		int n;

		if (kversion == NULL) {
			if (uname(&u) < 0) {
				ERR("uname() failed: %m\n");
				return EXIT_FAILURE;
			}
			kversion = u.release;
		}
		n = snprintf(dirname_buf, sizeof(dirname_buf),
			     "%s" MODULE_DIRECTORY "/%s", root ? root : "", kversion);
		if (n < 0 || (size_t)n >= sizeof(dirname_buf)) {
			ERR("bad directory %s" MODULE_DIRECTORY "/%s: path too long\n",
			    root ? root : "", kversion);
			return EXIT_FAILURE;
		}
		dirname = dirname_buf;
	}

	ctx = kmod_new(dirname, &null_config);
	if (ctx == NULL) {
		ERR("kmod_new() failed!\n");
		return EXIT_FAILURE;
	}
	log_setup_kmod_log(ctx, log_get_priority());

	/* out of memory (said): nothing is shown */
	err = prefetch_init(&pf, ctx, argv + optind, argc - optind, arg_is_modname, &out);
	for (i = err < 0 ? argc : optind; i < argc; i++) {
		const char *name = argv[i];
		int r = prefetch_show(&pf, i - optind, name, &out);

		/* not a module file: a name, or anything lookup finds */
		if (r == 1 && arg_is_modname)
			r = modinfo_name_do(ctx, name, &out);
		else if (r == 1)
			r = modinfo_alias_do(ctx, name, &out);
		if (r < 0)
			err = r;
	}

	prefetch_release(&pf);
	if (out.json)
		puts(shown > 0 ? "\n]" : "[]");
	kmod_unref(ctx);
	return err < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

const struct kmod_cmd kmod_cmd_compat_modinfo = {
	.name = "modinfo",
	.cmd = do_modinfo,
	.help = "compat modinfo command",
};

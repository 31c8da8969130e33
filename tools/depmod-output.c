// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The output files.  The output directory is locked first (flock), so depmods
 * running at once on one directory take turns and the last one publishes a
 * complete set of its own.  Every file is then streamed into a temporary file
 * as it is made and, only when every one was written completely, all are
 * renamed over the old ones.  A failed write (disk full, I/O error) therefore
 * leaves the old set untouched, and a depmod killed at any moment leaves each
 * file either old or new, never partial; the next depmod sweeps away the
 * temporary files of a killed one.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libkmod/libkmod-index.h"
#include "tools/depmod.h"
#include "tools/log.h"
#include "util/arena.h"
#include "util/macro.h"
#include "util/strbuf.h"
#include "util/util.h"

#define TMP_SUFFIX ".depmod-tmp"

/*
 * An output is streamed into its temporary file as it is made, through a
 * buffer of about 64 KiB, so that no file is ever whole in memory; with -n
 * (fd -1) the text is kept whole instead, for stdout.
 */
#define OUT_FLUSH (64U << 10)

struct out {
	const char *name;
	bool binary;
	int fd;		    /* the temporary file; -1 with -n */
	char tmp[128];	    /* its name in the output directory, "" when none */
	struct strbuf buf;  /* what is not written yet (-n: all of it) */
	int err;	    /* the first write error */
	struct strbuf log;  /* messages of making it, printed in the order of outputs */
};

const char *depmod_modinfo_value(const char *s, const char *key)
{
	size_t len = strlen(key);

	if (strncmp(s, key, len) != 0 || s[len] != '=')
		return NULL;
	return s + len + 1;
}

static int out_write(struct out *o)
{
	ssize_t r;

	if (o->err < 0 || strbuf_used(&o->buf) == 0)
		return o->err;
	r = write_str_safe(o->fd, o->buf.bytes, strbuf_used(&o->buf));
	strbuf_clear(&o->buf);
	if (r < 0)
		o->err = (int)r;
	return o->err;
}

/* Called between lines: writes the buffer out once it is big enough. */
static int out_flush_some(struct out *o)
{
	if (o->fd < 0 || strbuf_used(&o->buf) < OUT_FLUSH)
		return 0;
	return out_write(o);
}

/* The output is complete: the rest goes to its file, which is closed. */
static int out_end(struct out *o)
{
	int fd = o->fd;

	if (fd < 0)
		return 0;
	out_write(o);
	/* its memory goes to the next output of the thread */
	strbuf_release(&o->buf);
	o->fd = -1;
	if (close(fd) < 0 && o->err == 0)
		o->err = -errno;
	return o->err;
}

static int emit_out(void *data, const void *buf, size_t len)
{
	struct out *o = data;

	if (!strbuf_pushmem(&o->buf, buf, len))
		return -ENOMEM;
	return out_flush_some(o);
}

static int index_take(struct kmod_index_writer *w, struct out *o)
{
	int err = kmod_index_writer_write(w, emit_out, o);

	kmod_index_writer_free(w);
	return err < 0 ? err : out_end(o);
}

static const char *non_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s > 127)
			return s;
	}
	return NULL;
}

/* kmod aborts on keys it cannot store; so do we. */
static int index_add(struct kmod_index_writer *w, const char *key, const char *value,
		     unsigned int prio)
{
	int r = kmod_index_writer_add(w, key, value, prio);

	if (r == -EINVAL) {
		const char *s = non_ascii(key) ? key : value, *p = non_ascii(s);

		CRIT("Module index: bad character '%c'=0x%x - only 7-bit ASCII is supported:\n%s\n",
		     *p, (unsigned char)*p, s);
	}
	return r;
}

static const char *mod_out_path(const struct depmod_mod *mod)
{
	return mod->relpath != NULL ? mod->relpath : mod->path;
}

/* modules.dep lines, kept for modules.dep.bin, in @arena. */
static int make_dep_lines(struct depmod *d, struct arena *arena, char ***ret)
{
	char **lines = arena_alloc(arena, d->n_mods * sizeof(*lines));
	_cleanup_strbuf_ struct strbuf b;
	int err = 0;

	strbuf_init(&b);
	*ret = lines;
	if (lines == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_mods && err == 0; i++) {
		const struct depmod_mod *mod = d->mods[i];
		struct depmod_mod **deps;
		size_t n;

		strbuf_clear(&b);
		err = depmod_mod_all_deps(d, mod, &deps, &n);
		if (err < 0)
			break;
		if (!strbuf_pushchars(&b, mod_out_path(mod)) || !strbuf_pushchar(&b, ':'))
			err = -ENOMEM;
		for (size_t j = 0; j < n && err == 0; j++) {
			if (!strbuf_pushchar(&b, ' ') ||
			    !strbuf_pushchars(&b, mod_out_path(deps[j])))
				err = -ENOMEM;
		}
		free(deps);
		if (err == 0 && (lines[i] = arena_strndup(arena, b.bytes, strbuf_used(&b))) == NULL)
			err = -ENOMEM;
	}
	return err;
}

static int out_deps(struct depmod *d, char **lines, struct out *o)
{
	struct strbuf *b = &o->buf;

	for (size_t i = 0; i < d->n_mods; i++) {
		if (!strbuf_pushchars(b, lines[i]) || !strbuf_pushchar(b, '\n'))
			return -ENOMEM;
		if (out_flush_some(o) < 0)
			return o->err;
	}
	return out_end(o);
}

static int out_deps_bin(struct depmod *d, char **lines, struct out *o)
{
	struct kmod_index_writer *w;
	int err = kmod_index_writer_new(&w);

	for (size_t i = 0; i < d->n_mods && err == 0; i++) {
		const struct depmod_mod *mod = d->mods[i];
		int r = index_add(w, mod->modname, lines[i], mod->idx);

		if (r == 1 && d->cfg->warn_dups)
			WRN("duplicate module deps:\n%s\n", lines[i]);
		err = r < 0 ? r : 0;
	}
	if (err < 0) {
		kmod_index_writer_free(w);
		return err;
	}
	return index_take(w, o);
}

/* modules.alias, modules.softdep and modules.weakdep: "<word> <value> <modname>" or so. */
static int out_modinfo_text(struct depmod *d, const char *header, const char *key,
			    bool alias, struct out *o)
{
	struct strbuf *b = &o->buf;

	if (!strbuf_pushchars(b, header))
		return -ENOMEM;
	for (size_t i = 0; i < d->n_mods; i++) {
		const struct depmod_mod *mod = d->mods[i];

		for (int j = 0; j < mod->n_modinfo; j++) {
			const char *v = depmod_modinfo_value(mod->modinfo[j], key);
			bool ok;

			if (v == NULL)
				continue;
			/* pieces rather than a format: a third of the time of this file */
			if (alias)
				ok = strbuf_pushchars(b, "alias ") && strbuf_pushchars(b, v) &&
				     strbuf_pushchar(b, ' ') && strbuf_pushchars(b, mod->modname);
			else
				ok = strbuf_pushchars(b, key) && strbuf_pushchar(b, ' ') &&
				     strbuf_pushchars(b, mod->modname) && strbuf_pushchar(b, ' ') &&
				     strbuf_pushchars(b, v);
			ok = ok && strbuf_pushchar(b, '\n');
			if (!ok)
				return -ENOMEM;
		}
		if (out_flush_some(o) < 0)
			return o->err;
	}
	return out_end(o);
}

static int out_aliases_bin(struct depmod *d, struct out *o)
{
	_cleanup_free_ char *alias = NULL;
	size_t alias_size = 0;
	struct kmod_index_writer *w;
	int err = kmod_index_writer_new(&w);

	for (size_t i = 0; i < d->n_mods && err == 0; i++) {
		const struct depmod_mod *mod = d->mods[i];

		for (int j = 0; j < mod->n_modinfo && err == 0; j++) {
			const char *v = depmod_modinfo_value(mod->modinfo[j], "alias");
			size_t len;
			int r;

			if (v == NULL)
				continue;
			len = strlen(v);
			if (len >= alias_size) {
				char *p = realloc(alias, len + 1);

				if (p == NULL) {
					err = -ENOMEM;
					break;
				}
				alias = p;
				alias_size = len + 1;
			}
			if (alias_normalize(v, alias, NULL) < 0) {
				WRN("Unmatched bracket in %s\n", v);
				continue;
			}
			r = index_add(w, alias, mod->modname, mod->idx);
			if (r == 1 && d->cfg->warn_dups)
				WRN("duplicate module alias:\n%s %s\n", alias, mod->modname);
			err = r < 0 ? r : 0;
		}
	}
	if (err < 0) {
		kmod_index_writer_free(w);
		return err;
	}
	return index_take(w, o);
}

static int out_symbols(const struct depmod_symbol **syms, int n, struct out *o)
{
	struct strbuf *b = &o->buf;

	if (!strbuf_pushchars(b, "# Aliases for symbols, used by symbol_request().\n"))
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		if (!strbuf_pushchars(b, "alias symbol:") || !strbuf_pushchars(b, syms[i]->name) ||
		    !strbuf_pushchar(b, ' ') || !strbuf_pushchars(b, syms[i]->owner->modname) ||
		    !strbuf_pushchar(b, '\n'))
			return -ENOMEM;
		if (out_flush_some(o) < 0)
			return o->err;
	}
	return out_end(o);
}

static int out_symbols_bin(struct depmod *d, const struct depmod_symbol **syms, int n,
			   struct out *o)
{
	_cleanup_strbuf_ struct strbuf key;
	struct kmod_index_writer *w;
	int err = kmod_index_writer_new(&w);

	strbuf_init(&key);
	for (int i = 0; i < n && err == 0; i++) {
		const char *k;
		int r;

		strbuf_clear(&key);
		if (!strbuf_pushchars(&key, "symbol:") || !strbuf_pushchars(&key, syms[i]->name) ||
		    (k = strbuf_str(&key)) == NULL) {
			err = -ENOMEM;
			break;
		}
		r = index_add(w, k, syms[i]->owner->modname, syms[i]->owner->idx);
		if (r == 1 && d->cfg->warn_dups)
			WRN("duplicate module syms:\n%s %s\n", k, syms[i]->owner->modname);
		err = r < 0 ? r : 0;
	}
	if (err < 0) {
		kmod_index_writer_free(w);
		return err;
	}
	return index_take(w, o);
}

/* A whole file of the version directory; -ENOENT is warned about. */
static int read_input(struct depmod *d, const char *name, char **mem, size_t *len)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	ssize_t n;

	if (asprintf(&path, "%s/%s", d->cfg->dirname, name) < 0)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		int err = -errno;

		WRN("could not open %s at %s: %m\n", name, d->cfg->dirname);
		return err;
	}
	*mem = malloc((size_t)st.st_size + 1);
	if (*mem == NULL)
		return -ENOMEM;
	n = read_str_safe(fd, *mem, (size_t)st.st_size + 1);
	if (n < 0) {
		free(*mem);
		return (int)n;
	}
	*len = (size_t)n;
	return 0;
}

/* modules.builtin: one path per line → module name, empty value. */
static int out_builtin_bin(struct depmod *d, struct out *o)
{
	_cleanup_free_ char *mem = NULL;
	struct kmod_index_writer *w;
	char modname[PATH_MAX_LEN];
	size_t len;
	int err = read_input(d, "modules.builtin", &mem, &len);

	if (err == -ENOMEM)
		return err;
	if (err < 0)
		return out_end(o); /* kmod leaves an empty file */
	err = kmod_index_writer_new(&w);
	for (char *line = mem, *end; err == 0 && line < mem + len; line = end + 1) {
		end = memchr(line, '\n', (size_t)(mem + len - line));
		if (end == NULL)
			end = mem + len;
		*end = '\0';
		if (!((*line >= 'a' && *line <= 'z') || (*line >= 'A' && *line <= 'Z'))) {
			/* kmod prints the line with its newline */
			ERR("Invalid modules.builtin line: %s%s\n", line, end < mem + len ? "\n" : "");
			continue;
		}
		if (path_to_modname(line, modname, NULL) != NULL)
			err = index_add(w, modname, "", 0) < 0 ? -ENOMEM : 0;
	}
	if (err < 0) {
		kmod_index_writer_free(w);
		return err;
	}
	return index_take(w, o);
}

/*
 * modules.builtin.modinfo: "modname.key=value" records.  For each run of
 * records of one module, every alias of that module (from the whole file) is
 * stored, priority 0.
 */
static int out_builtin_alias_bin(struct depmod *d, struct out *o)
{
	_cleanup_free_ char *mem = NULL;
	struct kmod_index_writer *w;
	struct hash *seen;
	const char *prev = NULL;
	size_t prevlen = 0, len;
	int err = read_input(d, "modules.builtin.modinfo", &mem, &len);

	if (err == -ENOMEM)
		return err;
	if (err < 0)
		return out_end(o);
	seen = hash_new(256, free);
	if (seen == NULL)
		return -ENOMEM;
	err = kmod_index_writer_new(&w);
	for (const char *s = mem; err == 0 && s < mem + len; s += strlen(s) + 1) {
		const char *dot = strchr(s, '.');
		char *seen_name;
		size_t mlen;

		if (*s == '\0' || dot == NULL)
			continue;
		mlen = (size_t)(dot - s);
		if (prev != NULL && mlen == prevlen && memcmp(prev, s, mlen) == 0)
			continue;
		prev = s;
		prevlen = mlen;
		/* a module met again later in the file was done the first time */
		seen_name = strndup(s, mlen);
		if (seen_name == NULL) {
			err = -ENOMEM;
			break;
		}
		err = hash_add_unique(seen, seen_name, seen_name);
		if (err < 0) {
			free(seen_name);
			err = err == -EEXIST ? 0 : err;
			continue;
		}
		/* a new module: all its aliases */
		for (const char *t = mem; err == 0 && t < mem + len; t += strlen(t) + 1) {
			_cleanup_free_ char *name = NULL, *alias = NULL;
			const char *v;

			if (strncmp(t, s, mlen + 1) != 0)
				continue;
			v = depmod_modinfo_value(t + mlen + 1, "alias");
			if (v == NULL)
				continue;
			name = strndup(s, mlen);
			alias = malloc(strlen(v) + 1);
			if (name == NULL || alias == NULL) {
				err = -ENOMEM;
				break;
			}
			if (alias_normalize(v, alias, NULL) < 0) {
				WRN("Unmatched bracket in %s\n", v);
				continue;
			}
			err = index_add(w, alias, name, 0) < 0 ? -ENOMEM : 0;
		}
	}
	hash_free(seen);
	if (err < 0) {
		kmod_index_writer_free(w);
		return err;
	}
	return index_take(w, o);
}

static int out_devname(struct depmod *d, struct out *o)
{
	struct strbuf *b = &o->buf;
	bool empty = true;

	for (size_t i = 0; i < d->n_mods; i++) {
		const struct depmod_mod *mod = d->mods[i];
		const char *devname = NULL;
		unsigned int major = 0, minor = 0;
		char type = '\0';

		for (int j = 0; j < mod->n_modinfo; j++) {
			const char *v = depmod_modinfo_value(mod->modinfo[j], "alias");
			unsigned int maj, min;

			if (v == NULL)
				continue;
			if (strstartswith(v, "devname:")) {
				devname = v + strlen("devname:");
			} else if (v[0] == 'c' && sscanf(v, "char-major-%u-%u", &maj, &min) == 2) {
				type = 'c';
				major = maj;
				minor = min;
			} else if (v[0] == 'b' && sscanf(v, "block-major-%u-%u", &maj, &min) == 2) {
				type = 'b';
				major = maj;
				minor = min;
			}
			if (type != '\0' && devname != NULL)
				break;
		}
		if (devname == NULL)
			continue;
		if (type == '\0') {
			ERR("Module '%s' has devname (%s) but lacks major and minor information. Ignoring.\n",
			    mod->modname, devname);
			continue;
		}
		if (empty && !strbuf_pushchars(b, "# Device nodes to trigger on-demand module loading.\n"))
			return -ENOMEM;
		empty = false;
		if (!strbuf_pushf(b, "%s %s %c%u:%u\n", mod->modname, devname, type, major, minor))
			return -ENOMEM;
	}
	return out_end(o);
}

/*
 * The outputs are made by two threads, in two groups of about equal work
 * (6.1 tree: 35 ms each): the files of modinfo values here, those of
 * dependencies and symbols in make_dep_outputs().  They share only reads of
 * the modules; a message is held with its output and printed in kmod's order
 * afterwards, so nothing seen depends on thread timing.
 */
static int make_modinfo_outputs(struct depmod *d, struct out *outs, bool to_stdout)
{
	int err;

	log_capture(&outs[2].log);
	err = out_modinfo_text(d, "# Aliases extracted from modules themselves.\n", "alias",
			       true, &outs[2]);
	log_capture(&outs[3].log);
	if (err == 0 && !to_stdout)
		err = out_aliases_bin(d, &outs[3]);
	log_capture(&outs[4].log);
	if (err == 0)
		err = out_modinfo_text(d, "# Soft dependencies extracted from modules themselves.\n",
				       "softdep", false, &outs[4]);
	log_capture(&outs[5].log);
	if (err == 0)
		err = out_modinfo_text(d, "# Weak dependencies extracted from modules themselves.\n",
				       "weakdep", false, &outs[5]);
	log_capture(&outs[8].log);
	if (err == 0 && !to_stdout)
		err = out_builtin_bin(d, &outs[8]);
	log_capture(&outs[9].log);
	if (err == 0 && !to_stdout)
		err = out_builtin_alias_bin(d, &outs[9]);
	log_capture(NULL);
	return err;
}

static int make_dep_outputs(struct depmod *d, struct out *outs, bool to_stdout)
{
	const struct depmod_symbol **syms = NULL;
	struct arena arena = ARENA_INIT;
	char **lines = NULL;
	int nsyms, err;

	log_capture(&outs[0].log);
	err = make_dep_lines(d, &arena, &lines);
	if (err == 0)
		err = out_deps(d, lines, &outs[0]);
	log_capture(&outs[1].log);
	if (err == 0 && !to_stdout)
		err = out_deps_bin(d, lines, &outs[1]);
	log_capture(&outs[6].log);
	nsyms = err == 0 ? depmod_symbols_sorted(d, &syms) : err;
	err = nsyms < 0 ? nsyms : 0;
	if (err == 0)
		err = out_symbols(syms, nsyms, &outs[6]);
	log_capture(&outs[7].log);
	if (err == 0 && !to_stdout)
		err = out_symbols_bin(d, syms, nsyms, &outs[7]);
	log_capture(&outs[10].log);
	if (err == 0)
		err = out_devname(d, &outs[10]);
	log_capture(NULL);

	arena_release(&arena);
	free(syms);
	return err;
}

struct modinfo_job {
	struct depmod *d;
	struct out *outs;
	bool to_stdout;
	int err;
};

static void *modinfo_job_run(void *data)
{
	struct modinfo_job *job = data;

	job->err = make_modinfo_outputs(job->d, job->outs, job->to_stdout);
	return NULL;
}

static int make_outputs(struct depmod *d, struct out *outs, size_t n, bool to_stdout)
{
	struct modinfo_job job = { .d = d, .outs = outs, .to_stdout = to_stdout };
	pthread_t thread;
	bool threaded;
	int err;

	threaded = pthread_create(&thread, NULL, modinfo_job_run, &job) == 0;
	err = make_dep_outputs(d, outs, to_stdout);
	if (threaded)
		pthread_join(thread, NULL);
	else
		modinfo_job_run(&job);
	for (size_t i = 0; i < n; i++)
		log_replay(&outs[i].log);
	return err < 0 ? err : job.err;
}

/* Temporary files of depmods killed before they could rename them. */
static void remove_stale_temps(int dfd)
{
	char own[32];

	/* ours: the cache may be being written already */
	snprintf(own, sizeof(own), ".%d" TMP_SUFFIX, (int)getpid());
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (dir == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		size_t len = strlen(de->d_name), slen = strlen(TMP_SUFFIX);

		if (strstartswith(de->d_name, ".modules.") && len > slen &&
		    streq(de->d_name + len - slen, TMP_SUFFIX) &&
		    !(len > strlen(own) && streq(de->d_name + len - strlen(own), own)))
			unlinkat(dfd, de->d_name, 0);
	}
	closedir(dir);
}

/*
 * The output directory, created if need be and locked (flock) for the whole
 * run of writing: depmods running at once take turns, and none sweeps away
 * the temporary files of another.  Returns its fd or -errno.
 */
static int outdir_open(const char *dname)
{
	int dfd, err;

	if (mkdir_parents(dname, 0755) < 0 || (mkdir(dname, 0755) < 0 && errno != EEXIST)) {
		err = -errno;
		ERR("could not create directory %s: %m\n", dname);
		return err;
	}
	dfd = open(dname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		err = -errno;
		CRIT("could not open directory %s: %m\n", dname);
		return err;
	}
	if (flock(dfd, LOCK_EX) < 0)
		WRN("could not lock %s: %m\n", dname);
	remove_stale_temps(dfd);
	return dfd;
}

static int create_temp(int dfd, const char *dname, struct out *o)
{
	snprintf(o->tmp, sizeof(o->tmp), ".%s.%d" TMP_SUFFIX, o->name, (int)getpid());
	unlinkat(dfd, o->tmp, 0);
	o->fd = openat(dfd, o->tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	if (o->fd < 0) {
		int err = -errno;

		ERR("could not create %s/%s: %m\n", dname, o->tmp);
		o->tmp[0] = '\0';
		return err;
	}
	return 0;
}

/* Every output was written whole: they replace the old ones. */
static int publish(int dfd, const char *dname, struct out *outs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (renameat(dfd, outs[i].tmp, dfd, outs[i].name) != 0) {
			int err = -errno;

			ERR("could not rename %s/%s to %s: %m\n", dname, outs[i].tmp, outs[i].name);
			return err;
		}
		outs[i].tmp[0] = '\0';
	}
	return 0;
}

/* The first failure in the order of outputs: kmod's writes stopped at the first. */
static int report_errors(const char *dname, const struct out *outs, size_t n, int build_err)
{
	for (size_t i = 0; i < n; i++) {
		if (outs[i].err < 0) {
			ERR("could not write %s/%s: %s; nothing was changed\n", dname, outs[i].name,
			    strerror(-outs[i].err));
			return outs[i].err;
		}
	}
	if (build_err < 0)
		ERR("could not build the output files: %s\n", strerror(-build_err));
	return build_err;
}

static int print_text(const struct out *outs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ssize_t r;

		if (outs[i].binary)
			continue;
		r = write_str_safe(STDOUT_FILENO, outs[i].buf.bytes, strbuf_used(&outs[i].buf));
		if (r < 0) {
			ERR("could not write to stdout: %s\n", strerror((int)-r));
			return (int)r;
		}
	}
	return 0;
}

int depmod_output(struct depmod *d, bool to_stdout)
{
	static const char *const names[] = {
		"modules.dep",	       "modules.dep.bin",     "modules.alias",
		"modules.alias.bin",   "modules.softdep",     "modules.weakdep",
		"modules.symbols",     "modules.symbols.bin", "modules.builtin.bin",
		"modules.builtin.alias.bin", "modules.devname",
	};
	const char *dname = d->cfg->outdirname;
	struct out outs[ARRAY_SIZE(names)] = { { 0 } };
	int dfd = -1, err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		strbuf_init(&outs[i].log);
		strbuf_init(&outs[i].buf);
		outs[i].name = names[i];
		outs[i].binary = strstr(names[i], ".bin") != NULL;
		outs[i].fd = -1;
	}
	if (!to_stdout) {
		dfd = outdir_open(dname);
		if (dfd < 0)
			return dfd;
		for (size_t i = 0; i < ARRAY_SIZE(outs) && err == 0; i++)
			err = create_temp(dfd, dname, &outs[i]);
	}
	if (err == 0) {
		err = make_outputs(d, outs, ARRAY_SIZE(outs), to_stdout);
		err = report_errors(dname, outs, ARRAY_SIZE(outs), err);
	}
	if (err == 0 && to_stdout)
		err = print_text(outs, ARRAY_SIZE(outs));
	if (err == 0 && !to_stdout)
		err = publish(dfd, dname, outs, ARRAY_SIZE(outs));
	for (size_t i = 0; i < ARRAY_SIZE(outs); i++) {
		if (outs[i].fd >= 0)
			close(outs[i].fd);
		if (outs[i].tmp[0] != '\0')
			unlinkat(dfd, outs[i].tmp, 0);
		strbuf_release(&outs[i].buf);
		strbuf_release(&outs[i].log);
	}
	if (dfd >= 0) {
		/* still under the lock: no other depmod sweeps its temporary file away */
		depmod_cache_save_end(d, err == 0);
		close(dfd); /* drops the lock */
	}
	return err;
}

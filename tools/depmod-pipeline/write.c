// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stage 5, the write: the content of each output file, streamed into the
 * file publish.c gave it (or kept whole for depmod -n).
 */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libkmod/libkmod-index.h"
#include "tools/depmod-pipeline/task.h"
#include "tools/depmod-pipeline/write.h"
#include "tools/tool-log.h"
#include "util/arena.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/strbuf.h"
#include "util/util.h"

/* The writer's state: what it reads, and the files it fills. */
struct writer {
	struct depmod_resolve *res; /* the whole dependency lists, the symbols */
	const struct depmod_cfg *cfg;
	const struct depmod_modules *mods;
	struct depmod_outputs *o;
	bool to_stdout;
};

/*
 * An output is streamed into its temporary file as it is made, through a
 * buffer of about 64 KiB, so that no file is ever whole in memory; with -n
 * (fd -1) the text is kept whole instead, for stdout.
 */
#define OUT_FLUSH (64U << 10)

/* The value of a modinfo string "key=value" if its key is @key, else NULL. */
static const char *modinfo_value(const char *s, const char *key)
{
	size_t len = strlen(key);

	if (strncmp(s, key, len) != 0 || s[len] != '=')
		return NULL;
	return s + len + 1;
}

static int out_write(struct depmod_out *o)
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
static int out_flush_some(struct depmod_out *o)
{
	if (o->fd < 0 || strbuf_used(&o->buf) < OUT_FLUSH)
		return 0;
	return out_write(o);
}

/* The output is complete: the rest goes to its file. */
static int out_end(struct depmod_out *o)
{
	if (o->fd < 0)
		return 0;
	out_write(o);
	/*
	 * Renaming it over the old file later makes ext4 (auto_da_alloc) write
	 * its data out inside rename(), on the one thread that renames all the
	 * outputs: 6 of depmod's 95 ms on the 6.1 tree.  Writeback started now
	 * is done by the two threads making them.
	 */
	if (o->err == 0)
		sync_file_range(o->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	/* its memory goes to the next output of the thread */
	strbuf_release(&o->buf);
	o->fd = -1; /* done with it: publish closes it */
	return o->err;
}

static int emit_out(void *data, const void *buf, size_t len)
{
	struct depmod_out *o = data;

	if (!strbuf_pushmem(&o->buf, buf, len))
		return -ENOMEM;
	return out_flush_some(o);
}

static int index_take(struct kmod_index_writer *w, struct depmod_out *o)
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

/*
 * kmod stops at keys it cannot store; so do we: the message is held with
 * @o, which is marked fatal, and the error goes back to the pipeline.
 */
static int index_add(struct depmod_out *o, struct kmod_index_writer *w, const char *key,
		     const char *value, unsigned int prio)
{
	int r = kmod_index_writer_add(w, key, value, prio);

	if (r == -EINVAL) {
		const char *s = non_ascii(key) ? key : value, *p = non_ascii(s);

		if (p != NULL)
			CRIT("Module index: bad character '%c'=0x%x - "
			     "only 7-bit ASCII is supported:\n%s\n",
			     *p, (unsigned char)*p, s);
		else
			CRIT("Module index: cannot store %s %s\n", key, value);
		o->fatal = true;
	}
	return r;
}

static const char *mod_out_path(const struct depmod_mod *mod)
{
	return mod->relpath != NULL ? mod->relpath : mod->path;
}

/* modules.dep lines, kept for modules.dep.bin, in @arena. */
static int make_dep_lines(const struct writer *wr, struct arena *arena, char ***ret)
{
	char **lines = arena_alloc(arena, wr->mods->n * sizeof(*lines));
	_cleanup_strbuf_ struct strbuf b;
	int err = 0;

	strbuf_init(&b);
	*ret = lines;
	if (lines == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < wr->mods->n && err == 0; i++) {
		const struct depmod_mod *mod = wr->mods->v[i];
		struct depmod_mod **deps;
		size_t n;

		strbuf_clear(&b);
		err = depmod_mod_all_deps(wr->res, mod, &deps, &n);
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
		if (err == 0 &&
		    (lines[i] = arena_strndup(arena, b.bytes, strbuf_used(&b))) == NULL)
			err = -ENOMEM;
	}
	return err;
}

static int out_deps(const struct writer *wr, char **lines, struct depmod_out *o)
{
	struct strbuf *b = &o->buf;

	for (size_t i = 0; i < wr->mods->n; i++) {
		if (!strbuf_pushchars(b, lines[i]) || !strbuf_pushchar(b, '\n'))
			return -ENOMEM;
		if (out_flush_some(o) < 0)
			return o->err;
	}
	return out_end(o);
}

static int out_deps_bin(const struct writer *wr, char **lines, struct depmod_out *o)
{
	struct kmod_index_writer *w;
	int err = kmod_index_writer_new(&w);

	for (size_t i = 0; i < wr->mods->n && err == 0; i++) {
		const struct depmod_mod *mod = wr->mods->v[i];
		int r = index_add(o, w, mod->modname, lines[i], mod->idx);

		if (r == 1 && wr->cfg->warn_dups)
			WRN("duplicate module deps:\n%s\n", lines[i]);
		err = r < 0 ? r : 0;
	}
	if (err < 0) {
		kmod_index_writer_free(w);
		return err;
	}
	return index_take(w, o);
}

/* modules.alias, modules.softdep and modules.weakdep: "<word> <value> <modname>" or so.
 */
static int out_modinfo_text(const struct writer *wr, const char *header, const char *key,
			    bool alias, struct depmod_out *o)
{
	struct strbuf *b = &o->buf;

	if (!strbuf_pushchars(b, header))
		return -ENOMEM;
	for (size_t i = 0; i < wr->mods->n; i++) {
		const struct depmod_mod *mod = wr->mods->v[i];

		for (int j = 0; j < mod->n_modinfo; j++) {
			const char *v = modinfo_value(mod->modinfo[j], key);
			bool ok;

			if (v == NULL)
				continue;
			/* pieces rather than a format: a third of the time of this file
			 */
			if (alias)
				ok = strbuf_pushchars(b, "alias ") &&
				     strbuf_pushchars(b, v) && strbuf_pushchar(b, ' ') &&
				     strbuf_pushchars(b, mod->modname);
			else
				ok = strbuf_pushchars(b, key) &&
				     strbuf_pushchar(b, ' ') &&
				     strbuf_pushchars(b, mod->modname) &&
				     strbuf_pushchar(b, ' ') && strbuf_pushchars(b, v);
			ok = ok && strbuf_pushchar(b, '\n');
			if (!ok)
				return -ENOMEM;
		}
		if (out_flush_some(o) < 0)
			return o->err;
	}
	return out_end(o);
}

static int out_aliases_bin(const struct writer *wr, struct depmod_out *o)
{
	_cleanup_free_ char *alias = NULL;
	size_t alias_size = 0;
	struct kmod_index_writer *w;
	int err = kmod_index_writer_new(&w);

	for (size_t i = 0; i < wr->mods->n && err == 0; i++) {
		const struct depmod_mod *mod = wr->mods->v[i];

		for (int j = 0; j < mod->n_modinfo && err == 0; j++) {
			const char *v = modinfo_value(mod->modinfo[j], "alias");
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
			r = index_add(o, w, alias, mod->modname, mod->idx);
			if (r == 1 && wr->cfg->warn_dups)
				WRN("duplicate module alias:\n%s %s\n", alias,
				    mod->modname);
			err = r < 0 ? r : 0;
		}
	}
	if (err < 0) {
		kmod_index_writer_free(w);
		return err;
	}
	return index_take(w, o);
}

static int out_symbols(const struct depmod_symbol **syms, int n, struct depmod_out *o)
{
	struct strbuf *b = &o->buf;

	if (!strbuf_pushchars(b, "# Aliases for symbols, used by symbol_request().\n"))
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		if (!strbuf_pushchars(b, "alias symbol:") ||
		    !strbuf_pushchars(b, syms[i]->name) || !strbuf_pushchar(b, ' ') ||
		    !strbuf_pushchars(b, syms[i]->owner->modname) ||
		    !strbuf_pushchar(b, '\n'))
			return -ENOMEM;
		if (out_flush_some(o) < 0)
			return o->err;
	}
	return out_end(o);
}

static int out_symbols_bin(const struct writer *wr, const struct depmod_symbol **syms,
			   int n, struct depmod_out *o)
{
	_cleanup_strbuf_ struct strbuf key;
	struct kmod_index_writer *w;
	int err = kmod_index_writer_new(&w);

	strbuf_init(&key);
	for (int i = 0; i < n && err == 0; i++) {
		const char *k;
		int r;

		strbuf_clear(&key);
		if (!strbuf_pushchars(&key, "symbol:") ||
		    !strbuf_pushchars(&key, syms[i]->name) ||
		    (k = strbuf_str(&key)) == NULL) {
			err = -ENOMEM;
			break;
		}
		r = index_add(o, w, k, syms[i]->owner->modname, syms[i]->owner->idx);
		if (r == 1 && wr->cfg->warn_dups)
			WRN("duplicate module syms:\n%s %s\n", k,
			    syms[i]->owner->modname);
		err = r < 0 ? r : 0;
	}
	if (err < 0) {
		kmod_index_writer_free(w);
		return err;
	}
	return index_take(w, o);
}

/* The kernel's modules.builtin* take about 1 MB; more is no file of the kernel's. */
#define INPUT_MAX_SIZE ((off_t)256 << 20)

/* A whole file of the version directory; a missing one is warned about. */
static int read_input(const struct writer *wr, const char *name, char **mem, size_t *len)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	ssize_t n;

	if (asprintf(&path, "%s/%s", wr->cfg->dirname, name) < 0)
		return -ENOMEM;
	fd = open_regular(path, &st);
	if (fd < 0) {
		WRN("could not open %s at %s: %s\n", name, wr->cfg->dirname,
		    strerror(-fd));
		return fd;
	}
	if (st.st_size > INPUT_MAX_SIZE) {
		ERR("%s: %lld bytes, more than %lld\n", path, (long long)st.st_size,
		    (long long)INPUT_MAX_SIZE);
		return -EFBIG;
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
static int out_builtin_bin(const struct writer *wr, struct depmod_out *o)
{
	_cleanup_free_ char *mem = NULL;
	struct kmod_index_writer *w;
	char modname[PATH_MAX_LEN];
	size_t len;
	int err = read_input(wr, "modules.builtin", &mem, &len);

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
			ERR("Invalid modules.builtin line: %s%s\n", line,
			    end < mem + len ? "\n" : "");
			continue;
		}
		if (path_to_modname(line, modname, NULL) != NULL) {
			err = index_add(o, w, modname, "", 0);
			err = err < 0 ? err : 0;
		}
	}
	if (err < 0) {
		kmod_index_writer_free(w);
		return err;
	}
	return index_take(w, o);
}

/*
 * modules.builtin.modinfo read as kmod's depmod reads it, a character at a
 * time from a stdio stream, with its quirks, since they decide the output
 * of a file the kernel did not write: a field ends at its delimiter or at a
 * NUL (then it counts as empty), one of PATH_MAX bytes or more is cut with a
 * warning (and the byte after the cut is lost), and a record whose key has
 * no '=' takes the next record with it.
 */
struct stream {
	const char *p, *end;
	bool eof;
};

static int stream_getc(struct stream *st)
{
	if (st->p < st->end)
		return (unsigned char)*st->p++;
	st->eof = true;
	return EOF;
}

/* Up to @endchar into @dst (@size bytes, no NUL added): its length, else 0. */
static size_t stream_to(struct stream *st, int endchar, char *dst, size_t size)
{
	size_t i = 0;
	int c;

	for (c = stream_getc(st); c != EOF && c != endchar && c != '\0' && i < size;
	     c = stream_getc(st))
		dst[i++] = (char)c;
	if (i == size) {
		WRN("Could not flush stream: %d. Partial content: %.*s\n", ENOSPC,
		    (int)size, dst);
		i--;
	}
	return c == endchar ? i : 0;
}

static void stream_skip_record(struct stream *st)
{
	int c;

	do
		c = stream_getc(st);
	while (c != EOF && c != '\0');
}

/* Each "modname.alias=value" of modules.builtin.modinfo, in file order, priority 0. */
static int out_builtin_alias_bin(const struct writer *wr, struct depmod_out *o)
{
	_cleanup_free_ char *mem = NULL, *bufs = NULL;
	struct kmod_index_writer *w;
	struct stream st;
	char *modname, *key, *value, *alias;
	size_t len;
	int err = read_input(wr, "modules.builtin.modinfo", &mem, &len);

	if (err == -ENOMEM)
		return err;
	if (err < 0)
		return out_end(o);
	bufs = malloc(4 * PATH_MAX);
	if (bufs == NULL)
		return -ENOMEM;
	modname = bufs;
	key = bufs + PATH_MAX;
	value = bufs + 2 * PATH_MAX;
	alias = bufs + 3 * PATH_MAX;
	st = (struct stream){ mem, mem + len, false };
	err = kmod_index_writer_new(&w);
	while (err == 0 && !st.eof) {
		len = stream_to(&st, '.', modname, PATH_MAX);
		modname[len] = '\0';
		if (len == 0)
			continue;
		len = stream_to(&st, '=', key, PATH_MAX);
		key[len] = '\0';
		if (!streq(key, "alias")) {
			stream_skip_record(&st);
			continue;
		}
		len = stream_to(&st, '\0', value, PATH_MAX);
		value[len] = '\0';
		if (len == 0)
			continue;
		if (alias_normalize(value, alias, NULL) < 0) {
			WRN("Unmatched bracket in %s\n", value);
			continue;
		}
		err = index_add(o, w, alias, modname, 0);
		err = err < 0 ? err : 0;
	}
	if (err < 0) {
		kmod_index_writer_free(w);
		return err;
	}
	return index_take(w, o);
}

static int out_devname(const struct writer *wr, struct depmod_out *o)
{
	struct strbuf *b = &o->buf;
	bool empty = true;

	for (size_t i = 0; i < wr->mods->n; i++) {
		const struct depmod_mod *mod = wr->mods->v[i];
		const char *devname = NULL;
		unsigned int major = 0, minor = 0;
		char type = '\0';

		for (int j = 0; j < mod->n_modinfo; j++) {
			const char *v = modinfo_value(mod->modinfo[j], "alias");
			unsigned int maj, min;

			if (v == NULL)
				continue;
			if (strstartswith(v, "devname:")) {
				devname = v + strlen("devname:");
			} else if (v[0] == 'c' &&
				   sscanf(v, "char-major-%u-%u", &maj, &min) == 2) {
				type = 'c';
				major = maj;
				minor = min;
			} else if (v[0] == 'b' &&
				   sscanf(v, "block-major-%u-%u", &maj, &min) == 2) {
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
			ERR("Module '%s' has devname (%s) but lacks major and minor "
			    "information. Ignoring.\n",
			    mod->modname, devname);
			continue;
		}
		if (empty &&
		    !strbuf_pushchars(
			    b, "# Device nodes to trigger on-demand module loading.\n"))
			return -ENOMEM;
		empty = false;
		if (!strbuf_pushf(b, "%s %s %c%u:%u\n", mod->modname, devname, type,
				  major, minor))
			return -ENOMEM;
	}
	return out_end(o);
}

/*
 * The outputs are made by two threads, in two groups of about equal work
 * (6.1 tree: 14 ms each): the files of aliases here, those of dependencies,
 * symbols, device nodes and soft dependencies in make_dep_outputs().  They
 * share only reads of the modules; a message is held with its output and
 * printed in kmod's order afterwards, so nothing seen depends on thread
 * timing.
 */
static int make_modinfo_outputs(void *data)
{
	const struct writer *wr = data;
	struct depmod_outputs *o = wr->o;
	bool to_stdout = wr->to_stdout;
	int err;

	log_capture(&o->alias.log);
	err = out_modinfo_text(wr, "# Aliases extracted from modules themselves.\n",
			       "alias", true, &o->alias);
	log_capture(&o->alias_bin.log);
	if (err == 0 && !to_stdout)
		err = out_aliases_bin(wr, &o->alias_bin);
	log_capture(&o->weakdep.log);
	if (err == 0)
		err = out_modinfo_text(
			wr, "# Weak dependencies extracted from modules themselves.\n",
			"weakdep", false, &o->weakdep);
	log_capture(&o->builtin_bin.log);
	if (err == 0 && !to_stdout)
		err = out_builtin_bin(wr, &o->builtin_bin);
	log_capture(&o->builtin_alias_bin.log);
	if (err == 0 && !to_stdout)
		err = out_builtin_alias_bin(wr, &o->builtin_alias_bin);
	log_capture(NULL);
	return err;
}

static int make_dep_outputs(const struct writer *wr)
{
	struct depmod_outputs *o = wr->o;
	const struct depmod_symbol **syms = NULL;
	struct arena arena = ARENA_INIT;
	char **lines = NULL;
	int nsyms, err;

	log_capture(&o->dep.log);
	err = make_dep_lines(wr, &arena, &lines);
	if (err == 0)
		err = out_deps(wr, lines, &o->dep);
	log_capture(&o->dep_bin.log);
	if (err == 0 && !wr->to_stdout)
		err = out_deps_bin(wr, lines, &o->dep_bin);
	log_capture(&o->symbols.log);
	nsyms = err == 0 ? depmod_symbols_sorted(wr->res, &syms) : err;
	err = nsyms < 0 ? nsyms : 0;
	if (err == 0)
		err = out_symbols(syms, nsyms, &o->symbols);
	log_capture(&o->symbols_bin.log);
	if (err == 0 && !wr->to_stdout)
		err = out_symbols_bin(wr, syms, nsyms, &o->symbols_bin);
	log_capture(&o->devname.log);
	if (err == 0)
		err = out_devname(wr, &o->devname);
	log_capture(&o->softdep.log);
	if (err == 0)
		err = out_modinfo_text(
			wr, "# Soft dependencies extracted from modules themselves.\n",
			"softdep", false, &o->softdep);
	log_capture(NULL);

	arena_release(&arena);
	free(syms);
	return err;
}

int depmod_write(struct depmod_outputs *o, struct depmod_resolve *res, bool to_stdout)
{
	const struct writer wr = { res, res->cfg, res->mods, o, to_stdout };
	struct depmod_out *all[DEPMOD_N_OUTPUTS];
	struct depmod_task modinfo;
	int err, err_modinfo;

	depmod_task_start(&modinfo, make_modinfo_outputs, (void *)&wr);
	err = make_dep_outputs(&wr);
	err_modinfo = depmod_task_join(&modinfo);
	depmod_outputs_list(o, all);
	/* kmod, making them in this order, stops at the first fatal one */
	for (size_t i = 0; i < DEPMOD_N_OUTPUTS; i++) {
		log_replay(&all[i]->log);
		if (all[i]->fatal)
			return -EINVAL;
	}
	return err < 0 ? err : err_modinfo;
}

void depmod_outputs_list(struct depmod_outputs *o,
			 struct depmod_out *all[DEPMOD_N_OUTPUTS])
{
	struct depmod_out *v[] = {
		&o->dep,	 &o->dep_bin,		&o->alias,   &o->alias_bin,
		&o->softdep,	 &o->weakdep,		&o->symbols, &o->symbols_bin,
		&o->builtin_bin, &o->builtin_alias_bin, &o->devname,
	};

	static_assert(ARRAY_SIZE(v) == DEPMOD_N_OUTPUTS, "every output listed");
	memcpy(all, v, sizeof(v));
}

/* The files, each by its name in the struct. */
#define OUT(file, bin)                                                                   \
	((struct depmod_out){ .name = (file), .binary = (bin), .fd = -1, .tmp.fd = -1 })
#define TEXT(file) OUT(file, false)
#define INDEX(file) OUT(file, true)

void depmod_outputs_init(struct depmod_outputs *o)
{
	struct depmod_out *all[DEPMOD_N_OUTPUTS];

	*o = (struct depmod_outputs){
		.dep = TEXT("modules.dep"),
		.dep_bin = INDEX("modules.dep.bin"),
		.alias = TEXT("modules.alias"),
		.alias_bin = INDEX("modules.alias.bin"),
		.softdep = TEXT("modules.softdep"),
		.weakdep = TEXT("modules.weakdep"),
		.symbols = TEXT("modules.symbols"),
		.symbols_bin = INDEX("modules.symbols.bin"),
		.builtin_bin = INDEX("modules.builtin.bin"),
		.builtin_alias_bin = INDEX("modules.builtin.alias.bin"),
		.devname = TEXT("modules.devname"),
	};
	depmod_outputs_list(o, all);
	for (size_t i = 0; i < DEPMOD_N_OUTPUTS; i++) {
		strbuf_init(&all[i]->buf);
		strbuf_init(&all[i]->log);
	}
}

void depmod_outputs_release(struct depmod_outputs *o)
{
	struct depmod_out *all[DEPMOD_N_OUTPUTS];

	depmod_outputs_list(o, all);
	for (size_t i = 0; i < DEPMOD_N_OUTPUTS; i++) {
		strbuf_release(&all[i]->buf);
		strbuf_release(&all[i]->log);
	}
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Part of stage 3, the load: what depmod learnt from each module (modinfo,
 * exports, needs), kept between runs so that an unchanged module is not
 * decompressed and parsed again.  An entry is used only when the module file
 * still has the same path, device, inode, size, mtime and ctime (ns); the
 * whole file carries a checksum and every length in it is checked, and
 * anything wrong makes depmod ignore the cache and read every module.  The
 * cache is written like the outputs (temporary file, rename), only when
 * something changed.  KMOD_DEPMOD_CACHE=0 turns it off (no read, no write).
 *
 * It lives in <root>/var/cache/kmod-ds/depmod/<kver> (root: -o, else -b,
 * else /), never in the module directory: a kernel package's purge removes
 * what it knows and a copy of the tree (an initramfs, a staging root) takes
 * what is there.  It is made only where <root>/var/cache exists already, so
 * a staging tree without one (mkinitramfs and dracut run depmod -b on theirs)
 * gets none; and a cache whose module directory is gone is removed by the
 * next depmod that looks there.
 */

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tools/depmod-pipeline/cache.h"
#include "tools/tool-log.h"
#include "util/macro.h"
#include "util/obuf.h"
#include "util/strbuf.h"
#include "util/fileio.h"
#include "util/util.h"

#define CACHE_DIR "var/cache"
#define CACHE_SUBDIRS "kmod-ds/depmod"
#define CACHE_MAGIC "KDSDEPC4"
/* the suffix of the temporary files depmod names (publish.c too) */
#define TMP_SUFFIX ".depmod-tmp"
/*
 * magic, u32 count, u32 length of the module directory, u64 checksum; then
 * the module directory (below the modules' root, no NUL), then the records.
 */
#define HEADER_SIZE 24
/* A whole distribution kernel takes about 10 MB: anything much bigger is no cache of
 * ours. */
#define CACHE_MAX_SIZE ((off_t)256 << 20)

struct cache_entry {
	const uint8_t *rec; /* into the mapping, just after the path */
	size_t len;	    /* bytes of the record after the path */
};

bool depmod_cache_enabled(void)
{
	const char *env = getenv("KMOD_DEPMOD_CACHE");

	return env == NULL || !streq(env, "0");
}

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

static uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * FNV_PRIME;
	return h ^ (h >> 29); /* high bits reach low ones: two flips cannot cancel */
}

/*
 * A corruption check, not a defence against forgery (the cache is as trusted
 * as the outputs next to it): FNV-style over 8-byte words in four independent
 * lanes, fed in blocks of 32 bytes so that it can follow a stream.  A byte at
 * a time took 12 ms of every run on the 6.1 tree's 10 MB.
 */
#define SUM_BLOCK 32

struct sum {
	uint64_t h[4];
	uint64_t len;
};

static void sum_init(struct sum *c)
{
	*c = (struct sum){ { FNV_OFFSET, FNV_OFFSET + 1, FNV_OFFSET + 2, FNV_OFFSET + 3 },
			   0 };
}

/* @len a multiple of SUM_BLOCK */
static void sum_blocks(struct sum *c, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i += SUM_BLOCK) {
		for (int l = 0; l < 4; l++) {
			uint64_t w;

			memcpy(&w, p + i + 8 * l, 8);
			c->h[l] = mix(c->h[l], w);
		}
	}
	c->len += len;
}

static uint64_t sum_final(struct sum *c, const uint8_t *tail, size_t len)
{
	uint64_t t = FNV_OFFSET;
	size_t blocks = len - len % SUM_BLOCK;

	sum_blocks(c, tail, blocks);
	for (size_t i = blocks; i < len; i++)
		t = mix(t, tail[i]);
	return mix(mix(mix(mix(mix(FNV_OFFSET, c->h[0]), c->h[1]), c->h[2]), c->h[3]),
		   t) ^
	       (c->len + len - blocks);
}

static uint64_t checksum(const uint8_t *p, size_t len)
{
	struct sum c;

	sum_init(&c);
	return sum_final(&c, p, len);
}

/* A reader over the mapping that fails once anything would go past the end. */
struct rd {
	const uint8_t *p, *end;
	bool bad;
};

static uint64_t rd_u64(struct rd *r)
{
	uint64_t v = 0;

	if (r->bad || (size_t)(r->end - r->p) < 8) {
		r->bad = true;
		return 0;
	}
	memcpy(&v, r->p, 8);
	r->p += 8;
	return v;
}

static const char *rd_str(struct rd *r, size_t *len)
{
	const uint8_t *nul;
	const char *s = (const char *)r->p;

	if (r->bad || (nul = memchr(r->p, '\0', (size_t)(r->end - r->p))) == NULL) {
		r->bad = true;
		return NULL;
	}
	*len = (size_t)(nul - r->p);
	r->p = nul + 1;
	return s;
}

/* The directory of caches, opened without following a link we made; -errno. */
static int cache_dir_open(const struct depmod_cache *c, bool create)
{
	static const char *const parts[] = { "kmod-ds", "depmod" }; /* CACHE_SUBDIRS */
	_cleanup_close_ int vfd = -1;
	int fd = -1;

	vfd = openat(AT_FDCWD, c->vardir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (vfd < 0)
		return -errno;
	/* kmod-ds/ and depmod/ are ours: a symlink there is not followed */
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		const char *part = parts[i];
		int dfd = fd >= 0 ? fd : vfd;
		int next;

		if (create && mkdirat(dfd, part, 0755) < 0 && errno != EEXIST) {
			next = -errno;
		} else {
			next = openat(dfd, part,
				      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (next < 0)
				next = -errno;
		}
		if (fd >= 0)
			close(fd);
		if (next < 0)
			return next;
		fd = next;
	}
	return fd;
}

static bool safe_name(const char *s)
{
	if (s[0] == '\0' || s[0] == '.' || strlen(s) > 128)
		return false;
	for (; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && strchr("._+~-", *s) == NULL)
			return false;
	}
	return true;
}

int depmod_cache_init(struct depmod_cache *c, const struct depmod_cfg *cfg)
{
	const char *moddir = cfg->dirname + cfg->rootlen;
	_cleanup_free_ char *usual = NULL;
	char key[32];
	int n;

	*c = (struct depmod_cache){ .dirfd = -1, .tmp.fd = -1 };
	c->modroot = strndup(cfg->dirname, cfg->rootlen);
	c->moddir = strdup(moddir);
	if (c->modroot == NULL || c->moddir == NULL ||
	    asprintf(&c->vardir, "%.*s/" CACHE_DIR, (int)cfg->outrootlen,
		     cfg->outdirname) < 0 ||
	    asprintf(&usual, MODULE_DIRECTORY "/%s", cfg->kversion) < 0)
		return -ENOMEM;
	/* the kernel's version, with a key for another module directory or an odd name */
	snprintf(key, sizeof(key), "%016llx",
		 (unsigned long long)checksum((const uint8_t *)moddir, strlen(moddir)));
	if (!safe_name(cfg->kversion))
		n = asprintf(&c->name, "%s", key);
	else if (!streq(moddir, usual))
		n = asprintf(&c->name, "%s@%s", cfg->kversion, key);
	else
		n = asprintf(&c->name, "%s", cfg->kversion);
	return n < 0 ? -ENOMEM : 0;
}

/*
 * The temporary file of a depmod killed while it wrote the cache: named from
 * link to rename only (longer where O_TMPFILE is missing), so one an hour old
 * belongs to no running depmod.
 */
static bool stale_temp(int dfd, const char *name)
{
	size_t len = strlen(name), slen = strlen(TMP_SUFFIX);
	struct stat st;

	return name[0] == '.' && len > slen && streq(name + len - slen, TMP_SUFFIX) &&
	       fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	       st.st_mtime < time(NULL) - 3600;
}

/*
 * Remove the caches of module directories that are gone (below the same
 * modules' root): a kernel's purge leaves its cache behind.  And what killed
 * depmods left.  What is not a cache of this version is left alone.
 */
static void prune(const struct depmod_cache *c, int dfd)
{
	DIR *dir = opendir_at(dfd);
	struct dirent *de;

	if (dir == NULL)
		return;
	while ((de = readdir(dir)) != NULL) {
		_cleanup_free_ char *path = NULL;
		uint8_t head[HEADER_SIZE + PATH_MAX];
		uint32_t len;
		struct stat st;
		ssize_t n;
		int fd;

		if (stale_temp(dfd, de->d_name)) {
			unlinkat(dfd, de->d_name, 0);
			continue;
		}
		if (de->d_name[0] == '.' || streq(de->d_name, c->name))
			continue;
		fd = open_regular_at(dfd, de->d_name, true, NULL);
		if (fd < 0)
			continue;
		n = pread(fd, head, sizeof(head), 0);
		close(fd);
		if (n < HEADER_SIZE || memcmp(head, CACHE_MAGIC, 8) != 0)
			continue;
		memcpy(&len, head + 12, 4);
		if (len == 0 || len > (size_t)n - HEADER_SIZE ||
		    asprintf(&path, "%s%.*s", c->modroot, (int)len, head + HEADER_SIZE) <
			    0)
			continue;
		if (stat(path, &st) < 0 && errno == ENOENT) {
			DBG("removing the cache of %s, which is gone\n", path);
			unlinkat(dfd, de->d_name, 0);
		}
	}
	closedir(dir);
}

int depmod_cache_open(struct depmod_cache *c)
{
	_cleanup_close_ int dfd = cache_dir_open(c, false);
	const char *path = c->name;
	struct stat st;
	const uint8_t *mem;
	uint32_t count, dirlen;
	uint64_t sum;
	struct rd r;
	int fd;

	if (dfd < 0)
		return 0;
	prune(c, dfd);
	/* a regular file, or nothing: a FIFO there must not hang us */
	fd = open_regular_at(dfd, c->name, false, &st);
	if (fd < 0)
		return 0;
	if (st.st_size < HEADER_SIZE || st.st_size > CACHE_MAX_SIZE) {
		close(fd);
		return 0;
	}
	/* all of it is read (the checksum): mapped in one go rather than faulted in */
	mem = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd,
		   0);
	close(fd);
	if (mem == MAP_FAILED)
		return 0;
	c->mem = (void *)mem;
	c->size = (size_t)st.st_size;
	memcpy(&count, mem + 8, 4);
	memcpy(&dirlen, mem + 12, 4);
	memcpy(&sum, mem + 16, 8);
	if (memcmp(mem, CACHE_MAGIC, 8) != 0 || dirlen > c->size - HEADER_SIZE ||
	    checksum(mem + HEADER_SIZE, c->size - HEADER_SIZE) != sum) {
		DBG("ignoring the cache %s: not a valid cache\n", path);
		return 0;
	}
	/* another module directory's (a name clash): not ours to use */
	if (dirlen != strlen(c->moddir) ||
	    memcmp(mem + HEADER_SIZE, c->moddir, dirlen) != 0)
		return 0;
	c->index = hash_new(count, NULL);
	if (c->index == NULL)
		return -ENOMEM;
	r = (struct rd){ mem + HEADER_SIZE + dirlen, mem + c->size, false };
	for (uint32_t i = 0; i < count && !r.bad; i++) {
		size_t plen;
		const char *p = rd_str(&r, &plen);
		uint64_t reclen = rd_u64(&r);
		struct cache_entry *e;

		if (r.bad || reclen > (uint64_t)(r.end - r.p))
			break;
		/* the path stays in the mapping, which lives as long as the table */
		e = arena_alloc(&c->arena, sizeof(*e));
		if (e == NULL || hash_add(c->index, p, e) < 0) {
			hash_free(c->index);
			c->index = NULL;
			return -ENOMEM;
		}
		e->rec = r.p;
		e->len = (size_t)reclen;
		r.p += reclen;
	}
	if (r.bad || r.p != r.end) {
		DBG("ignoring the cache %s: corrupt\n", path);
		hash_free(c->index);
		c->index = NULL;
	}
	return 0;
}

void depmod_cache_close(struct depmod_cache *c)
{
	depmod_cache_finish(c, false);
	hash_free(c->index);
	arena_release(&c->arena);
	if (c->mem != NULL)
		munmap(c->mem, c->size);
	c->index = NULL;
	c->mem = NULL;
	free(c->vardir);
	free(c->name);
	free(c->moddir);
	free(c->modroot);
	c->vardir = c->name = c->moddir = c->modroot = NULL;
}

/*
 * The three arrays of a module from a record: the shapes kmod_elf_* return,
 * but the strings stay in the mapping, which lives as long as the modules
 * (depmod_cache_free comes last).  Copying them was a third of a cached run.
 */
static bool decode_syms(struct rd *r, struct arena *a, uint64_t n,
			struct kmod_elf_symbol **out, int *nout)
{
	struct kmod_elf_symbol *v;

	/* at least 17 bytes each: a corrupt count cannot ask for much memory */
	if (n > INT32_MAX || n > (uint64_t)(r->end - r->p) / 17)
		return false;
	v = arena_alloc(a, n * sizeof(*v));
	if (v == NULL)
		return false;
	for (uint64_t i = 0; i < n && !r->bad; i++) {
		size_t len;

		v[i].crc = rd_u64(r);
		v[i].bind = (char)rd_u64(r);
		v[i].symbol = (char *)rd_str(r, &len); /* read only, as modinfo */
	}
	if (r->bad)
		return false;
	*out = v;
	*nout = (int)n;
	return true;
}

static bool decode_modinfo(struct rd *r, struct arena *a, uint64_t n, char ***out,
			   int *nout)
{
	char **v;

	if (n > INT32_MAX || n > (uint64_t)(r->end - r->p))
		return false;
	v = arena_alloc(a, n * sizeof(*v));
	if (v == NULL)
		return false;
	for (uint64_t i = 0; i < n && !r->bad; i++) {
		size_t len;

		/* never written through: outputs only read modinfo */
		v[i] = (char *)rd_str(r, &len);
	}
	if (r->bad)
		return false;
	*out = v;
	*nout = (int)n;
	return true;
}

/* Key of a module file; false when it cannot be stat'ed. */
static bool file_key(const char *path, uint64_t key[DEPMOD_KEY_LEN])
{
	struct stat st;

	if (stat(path, &st) < 0)
		return false;
	key[0] = st.st_dev;
	key[1] = st.st_ino;
	key[2] = (uint64_t)st.st_size;
	key[3] = (uint64_t)st.st_mtim.tv_sec;
	key[4] = (uint64_t)st.st_mtim.tv_nsec;
	/* the ctime cannot be set back: a rewrite that keeps size and mtime still shows
	 */
	key[5] = (uint64_t)st.st_ctim.tv_sec;
	key[6] = (uint64_t)st.st_ctim.tv_nsec;
	return true;
}

/* Called from the loader threads: only reads the cache. */
bool depmod_cache_fill(const struct depmod_cache *c, struct depmod_mod *mod,
		       struct arena *arena)
{
	const struct cache_entry *e;
	uint64_t key[DEPMOD_KEY_LEN], n_modinfo, n_exports, n_needs;
	struct rd r;
	int64_t err;

	if (!file_key(mod->path, mod->key))
		return false;
	mod->has_key = true;
	if (c->index == NULL || (e = hash_find(c->index, mod->path)) == NULL)
		return false;
	r = (struct rd){ e->rec, e->rec + e->len, false };
	for (int i = 0; i < DEPMOD_KEY_LEN; i++)
		key[i] = rd_u64(&r);
	if (r.bad || memcmp(key, mod->key, sizeof(key)) != 0)
		return false;
	err = (int64_t)rd_u64(&r);
	n_modinfo = rd_u64(&r);
	n_exports = rd_u64(&r);
	n_needs = rd_u64(&r);
	if (r.bad ||
	    !decode_modinfo(&r, arena, n_modinfo, &mod->modinfo, &mod->n_modinfo))
		goto fail;
	if (!decode_syms(&r, arena, n_exports, &mod->exports, &mod->n_exports))
		goto fail;
	if (!decode_syms(&r, arena, n_needs, &mod->needs, &mod->n_needs) || r.p != r.end)
		goto fail;
	mod->load_err = (int)err;
	mod->cache_rec = e->rec;
	mod->cache_rec_len = e->len;
	return true;
fail:
	/* what was decoded stays in the arena, unused */
	mod->modinfo = NULL;
	mod->exports = mod->needs = NULL;
	mod->n_modinfo = mod->n_exports = mod->n_needs = 0;
	return false;
}

static bool put_u64(struct strbuf *b, uint64_t v)
{
	return strbuf_pushmem(b, (const char *)&v, 8);
}

static bool put_str(struct strbuf *b, const char *s)
{
	return strbuf_pushmem(b, s, strlen(s) + 1);
}

static bool put_syms(struct strbuf *b, const struct kmod_elf_symbol *v, int n)
{
	for (int i = 0; i < n; i++) {
		if (!put_u64(b, v[i].crc) ||
		    !put_u64(b, (uint64_t)(unsigned char)v[i].bind) ||
		    !put_str(b, v[i].symbol))
			return false;
	}
	return true;
}

/* The record of a module read from its file this time. */
static bool encode_record(struct strbuf *rec, const struct depmod_mod *m)
{
	strbuf_clear(rec);
	for (int i = 0; i < DEPMOD_KEY_LEN; i++) {
		if (!put_u64(rec, m->key[i]))
			return false;
	}
	if (!put_u64(rec, (uint64_t)(int64_t)m->load_err) ||
	    !put_u64(rec, (uint64_t)m->n_modinfo) ||
	    !put_u64(rec, (uint64_t)m->n_exports) || !put_u64(rec, (uint64_t)m->n_needs))
		return false;
	for (int i = 0; i < m->n_modinfo; i++) {
		if (!put_str(rec, m->modinfo[i]))
			return false;
	}
	return put_syms(rec, m->exports, m->n_exports) &&
	       put_syms(rec, m->needs, m->n_needs);
}

/*
 * The cache file is written through a buffer, the checksum following what is
 * emitted: building the 10 MB file in memory first cost as much as the rest
 * of a run that found one module changed.
 */
struct cache_out {
	int fd;
	bool tail; /* the last, partial piece: summed by sum_final */
	struct sum sum;
	struct obuf ob;
};

static int cache_emit(void *data, const void *buf, size_t len)
{
	struct cache_out *o = data;

	/* full pieces are whole checksum blocks */
	if (!o->tail)
		sum_blocks(&o->sum, buf, len);
	return write_str_safe(o->fd, buf, len) < 0 ? -EIO : 0;
}

/* A module from the cache gets its old record back byte for byte: its key is the same. */
static bool put_record(struct cache_out *o, struct strbuf *rec,
		       const struct depmod_mod *m)
{
	const void *bytes = m->cache_rec;
	uint64_t len = m->cache_rec_len;

	if (bytes == NULL) {
		if (!encode_record(rec, m))
			return false;
		bytes = rec->bytes;
		len = strbuf_used(rec);
	}
	obuf_put(&o->ob, m->path, strlen(m->path) + 1);
	obuf_put(&o->ob, &len, 8);
	obuf_put(&o->ob, bytes, len);
	return true;
}

static bool cache_write(const struct depmod_cache *c, const struct depmod_modules *mods,
			int fd)
{
	_cleanup_strbuf_ struct strbuf rec;
	_cleanup_free_ struct cache_out *o = malloc(sizeof(*o));
	uint8_t header[HEADER_SIZE] = { 0 };
	uint32_t count = 0, dirlen;
	uint64_t sum;

	strbuf_init(&rec);
	if (o == NULL)
		return false;
	o->fd = fd;
	o->tail = false;
	sum_init(&o->sum);
	obuf_init(&o->ob, cache_emit, o);
	if (write_str_safe(fd, (const char *)header, sizeof(header)) < 0)
		return false;
	dirlen = (uint32_t)strlen(c->moddir);
	obuf_put(&o->ob, c->moddir, dirlen);
	for (size_t i = 0; i < mods->n; i++) {
		const struct depmod_mod *m = mods->v[i];

		/* a module that could not be read is read again next time */
		if (!m->has_key || m->load_err < 0)
			continue;
		if (!put_record(o, &rec, m))
			return false;
		count++;
	}
	sum = sum_final(&o->sum, o->ob.buf, o->ob.used);
	o->tail = true;
	obuf_flush(&o->ob);
	memcpy(header, CACHE_MAGIC, 8);
	memcpy(header + 8, &count, 4);
	memcpy(header + 12, &dirlen, 4);
	memcpy(header + 16, &sum, 8);
	return o->ob.err == 0 &&
	       pwrite(fd, header, sizeof(header), 0) == (ssize_t)sizeof(header);
}

/*
 * The new cache, into a temporary file of the cache's directory, opened once
 * here.  A cache that could not be written whole is no cache: the old one
 * stays.
 */
static bool cache_write_temp(struct depmod_cache *c)
{
	char prefix[160];

	/* only where <root>/var/cache exists: not in an initramfs being built */
	if (c->dirfd < 0)
		c->dirfd = cache_dir_open(c, true);
	if (c->dirfd < 0)
		return false;
	snprintf(prefix, sizeof(prefix), ".%s.%d.", c->name, (int)getpid());
	if (tmpfile_open_at(&c->tmp, c->dirfd, prefix, TMP_SUFFIX, 0644) < 0)
		return false;
	if (!cache_write(c, c->mods, c->tmp.fd)) {
		tmpfile_discard(&c->tmp);
		return false;
	}
	return true;
}

bool depmod_cache_save_begin(struct depmod_cache *c, const struct depmod_modules *mods,
			     size_t n_from_cache)
{
	if (c->index != NULL && n_from_cache == mods->n &&
	    hash_get_count(c->index) == mods->n)
		return false;
	c->mods = mods;
	return true;
}

int depmod_cache_save(struct depmod_cache *c)
{
	c->written = cache_write_temp(c);
	return 0;
}

void depmod_cache_finish(struct depmod_cache *c, bool publish)
{
	if (c->mods == NULL)
		return;
	/* no thread could write it: now */
	if (publish && !c->written)
		c->written = cache_write_temp(c);
	if (publish && c->written && tmpfile_rename(&c->tmp, c->name) == 0)
		c->written = false;
	else if (publish)
		DBG("could not write the cache %s/" CACHE_SUBDIRS "/%s\n", c->vardir,
		    c->name);
	/* what was not renamed is removed */
	tmpfile_discard(&c->tmp);
	if (c->dirfd >= 0)
		close(c->dirfd);
	c->dirfd = -1;
	c->mods = NULL;
	c->written = false;
}

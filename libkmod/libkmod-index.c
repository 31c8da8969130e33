// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Reader of kmod's binary indexes (the format is described in libkmod-index.h).
 *
 * The file is mapped once and every node is decoded on demand straight from the
 * mapping.  Nothing read from the file is trusted: each offset, string, child
 * table and value list is checked against the file size before it is touched.
 * A hostile file can also make nodes share children or point back at their
 * ancestors; walks therefore carry a budget of node visits (a real trie cannot
 * have more nodes than it has child slots) and a cap on the key they build, so
 * every operation ends in time linear in the file size.
 */

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fileio.h"
#include "util/macro.h"
#include "util/strbuf.h"
#include "util/util.h"
#include "libkmod/libkmod-index.h"
#include "libkmod/libkmod-index-format.h"
#include "libkmod/libkmod-index-walk.h"

/* Smallest value on disk: the priority and an empty string. */
#define VALUE_MIN_SIZE 5U

struct kmod_index_file {
	const struct logger *lg; /* owned by the caller, outlives the index */
	const uint8_t *mem;
	size_t size;
	uint32_t root;		   /* node word of the root, flags included */
	unsigned long long mstamp; /* mtime of the file mapped, stat_mstamp() */
	char path[];
};

/* A value found by a search, still in the mapping, with its sort key. */
struct hit {
	const char *value;
	size_t len;
	unsigned int priority;
	long long seq; /* order among equal priorities, ascending */
};

struct hits {
	struct hit *v;
	size_t n, cap;
	long long seq_step; /* +1: file order wins ties; -1: the newest insertion wins */
	long long seq;
};

int index_corrupt(const struct kmod_index_file *idx, size_t off, const char *what)
{
	lg_err(idx->lg, "%s: corrupt index: %s at offset %zu\n", idx->path, what, off);
	return -EINVAL;
}

void index_walk_init(struct walk *w, const struct kmod_index_file *idx)
{
	w->idx = idx;
	w->root = idx->root;
	w->nodes = idx->size / 4 + 2;
	w->value_bytes = idx->size;
}

/* Decode the node a node word points to: 0, -ENOENT for "no node", -EINVAL. */
int index_node_read(struct walk *w, uint32_t word, struct node *n)
{
	const struct kmod_index_file *idx = w->idx;
	size_t pos = word & NODE_OFFSET_MASK;
	const uint8_t *end;

	if (pos == 0)
		return -ENOENT;
	if (w->nodes == 0)
		return index_corrupt(idx, pos,
				     "more nodes than the file can hold (a loop?)");
	w->nodes--;
	if (pos < INDEX_HEADER_SIZE || pos > idx->size)
		return index_corrupt(idx, pos, "node offset out of the file");

	n->off = pos;
	n->prefix = "";
	n->prefix_len = 0;
	if (word & NODE_PREFIX) {
		end = memchr(idx->mem + pos, '\0', idx->size - pos);
		if (end == NULL)
			return index_corrupt(idx, pos, "unterminated prefix");
		n->prefix = (const char *)idx->mem + pos;
		n->prefix_len = (size_t)(end - (idx->mem + pos));
		pos += n->prefix_len + 1;
	}

	n->first = 1;
	n->last = 0;
	n->children = NULL;
	if (word & NODE_CHILDS) {
		size_t count;

		if (idx->size - pos < 2)
			return index_corrupt(idx, pos, "child range past the end");
		n->first = idx->mem[pos];
		n->last = idx->mem[pos + 1];
		if (n->first == 0 || n->first > n->last || n->last > CHILD_MAX)
			return index_corrupt(idx, pos, "bad child range");
		pos += 2;
		count = n->last - n->first + 1;
		if ((idx->size - pos) / 4 < count)
			return index_corrupt(idx, pos, "child table past the end");
		n->children = idx->mem + pos;
		pos += count * 4;
	}

	n->nvalues = 0;
	if (word & NODE_VALUES) {
		if (idx->size - pos < 4)
			return index_corrupt(idx, pos, "value count past the end");
		n->nvalues = read_be32(idx->mem + pos);
		pos += 4;
		if (n->nvalues > (idx->size - pos) / VALUE_MIN_SIZE)
			return index_corrupt(idx, pos, "too many values");
	}
	n->values = pos;
	return 0;
}

/* Decode the value at *pos and move past it. */
static int value_read(struct walk *w, size_t *pos, struct hit *h)
{
	const struct kmod_index_file *idx = w->idx;
	const uint8_t *s, *end;
	size_t used;

	if (*pos > idx->size || idx->size - *pos < VALUE_MIN_SIZE)
		return index_corrupt(idx, *pos, "value past the end");
	h->priority = read_be32(idx->mem + *pos);
	s = idx->mem + *pos + 4;
	end = memchr(s, '\0', idx->size - *pos - 4);
	if (end == NULL)
		return index_corrupt(idx, *pos, "unterminated value");
	h->value = (const char *)s;
	h->len = (size_t)(end - s);
	used = h->len + VALUE_MIN_SIZE;
	if (used > w->value_bytes)
		return index_corrupt(idx, *pos,
				     "more values than the file can hold (a loop?)");
	w->value_bytes -= used;
	*pos = (size_t)(end - idx->mem) + 1;
	return 0;
}

int index_hits_add_node(struct walk *w, struct hits *hits, const struct node *n)
{
	size_t pos = n->values;

	for (uint32_t i = 0; i < n->nvalues; i++) {
		struct hit h;
		int err = value_read(w, &pos, &h);

		if (err < 0)
			return err;
		if (hits->n == hits->cap) {
			size_t cap = hits->cap ? hits->cap * 2 : 8, bytes;
			struct hit *v;

			if (umul_overflow(cap, sizeof(*v), &bytes))
				return -ENOMEM;
			v = realloc(hits->v, bytes);
			if (v == NULL)
				return -ENOMEM;
			hits->v = v;
			hits->cap = cap;
		}
		hits->seq += hits->seq_step;
		h.seq = hits->seq;
		hits->v[hits->n++] = h;
	}
	return 0;
}

static int hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void kmod_index_values_free(struct kmod_index_value *values)
{
	while (values != NULL) {
		struct kmod_index_value *next = values->next;

		free(values);
		values = next;
	}
}

/* Sort the hits and copy them out of the mapping into a list. */
static struct kmod_index_value *hits_to_list(struct hits *hits)
{
	struct kmod_index_value *head = NULL, **tail = &head;

	if (hits->n == 0)
		return NULL;
	qsort(hits->v, hits->n, sizeof(*hits->v), hit_cmp);
	for (size_t i = 0; i < hits->n; i++) {
		const struct hit *h = &hits->v[i];
		struct kmod_index_value *v = malloc(sizeof(*v) + h->len + 1);

		if (v == NULL) {
			kmod_index_values_free(head);
			return NULL;
		}
		v->next = NULL;
		v->priority = h->priority;
		memcpy(v->value, h->value, h->len);
		v->value[h->len] = '\0';
		*tail = v;
		tail = &v->next;
	}
	return head;
}

int kmod_index_open(const struct logger *lg, const char *path,
		    struct kmod_index_file **ret)
{
	_cleanup_close_ int fd = -1;
	struct kmod_index_file *idx;
	struct stat st;
	void *mem;
	size_t len = strlen(path);
	uint32_t magic, version;

	/* A FIFO or a device node in place of an index is refused, never opened. */
	fd = open_regular(path, &st);
	if (fd < 0) {
		/* A missing index is for the caller to judge. */
		if (fd != -ENOENT)
			lg_err(lg, "%s: %s\n", path, open_regular_strerror(fd));
		return fd;
	}
	/*
	 * An empty file is what depmod leaves when it has nothing to index, as
	 * modules.builtin.alias.bin of kernels without modules.builtin.modinfo
	 * (before 5.2): not an index, but nothing to complain about (kmod does not).
	 */
	if (st.st_size == 0)
		return -EINVAL;
	if (st.st_size < (off_t)INDEX_HEADER_SIZE || (uintmax_t)st.st_size > SIZE_MAX) {
		lg_err(lg, "%s: not an index file (size %lld)\n", path,
		       (long long)st.st_size);
		return -EINVAL;
	}

	mem = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (mem == MAP_FAILED) {
		int err = -errno;

		lg_err(lg, "%s: could not map: %s\n", path, strerror(-err));
		return err;
	}

	magic = read_be32(mem);
	version = read_be32((const uint8_t *)mem + 4);
	if (magic != INDEX_MAGIC || version >> 16 != INDEX_VERSION_MAJOR) {
		if (magic != INDEX_MAGIC)
			lg_err(lg, "%s: not an index file (bad magic)\n", path);
		else
			lg_err(lg, "%s: unsupported index version 0x%08x\n", path,
			       version);
		munmap(mem, (size_t)st.st_size);
		return -EINVAL;
	}

	idx = malloc(sizeof(*idx) + len + 1);
	if (idx == NULL) {
		munmap(mem, (size_t)st.st_size);
		return -ENOMEM;
	}
	idx->lg = lg;
	idx->mem = mem;
	idx->size = (size_t)st.st_size;
	idx->root = read_be32((const uint8_t *)mem + 8);
	idx->mstamp = stat_mstamp(&st);
	memcpy(idx->path, path, len + 1);
	*ret = idx;
	return 0;
}

unsigned long long kmod_index_mstamp(const struct kmod_index_file *idx)
{
	return idx->mstamp;
}

void kmod_index_close(struct kmod_index_file *idx)
{
	if (idx == NULL)
		return;
	munmap((void *)idx->mem, idx->size);
	free(idx);
}

/*
 * Follow @key from the root: every prefix character must match, every other
 * character selects a child.  Each step eats at least one character of the key,
 * so even a looping file ends the walk.  0 with the node where the key ends,
 * -ENOENT or -EINVAL.
 */
static int find_node(struct walk *w, const char *key, struct node *n)
{
	uint32_t word = w->idx->root;
	size_t i = 0;

	for (;;) {
		int err = index_node_read(w, word, n);

		if (err < 0)
			return err;
		/* a NUL in the key differs from every prefix character */
		for (size_t j = 0; j < n->prefix_len; j++)
			if (key[i + j] != n->prefix[j])
				return -ENOENT;
		i += n->prefix_len;
		if (key[i] == '\0')
			return 0;
		word = index_child_word(n, (unsigned char)key[i]);
		i++;
	}
}

char *kmod_index_search(const struct kmod_index_file *idx, const char *key)
{
	struct walk w;
	struct node n;
	struct hit best = { 0 }, h;
	size_t pos;

	index_walk_init(&w, idx);
	if (find_node(&w, key, &n) < 0)
		return NULL;

	pos = n.values;
	for (uint32_t i = 0; i < n.nvalues; i++) {
		if (value_read(&w, &pos, &h) < 0)
			return NULL;
		if (best.value == NULL || h.priority < best.priority)
			best = h;
	}
	return best.value ? strndup(best.value, best.len) : NULL;
}

struct kmod_index_value *kmod_index_search_all(const struct kmod_index_file *idx,
					       const char *key)
{
	struct hits hits = { .seq_step = 1 };
	struct kmod_index_value *list = NULL;
	struct walk w;
	struct node n;

	index_walk_init(&w, idx);
	if (find_node(&w, key, &n) == 0 && index_hits_add_node(&w, &hits, &n) == 0)
		list = hits_to_list(&hits);
	free(hits.v);
	return list;
}

struct kmod_index_value *index_search_hits(const struct kmod_index_file *idx,
					   const char *key, long long seq_step,
					   index_search_fn search)
{
	struct hits hits = { .seq_step = seq_step };
	struct kmod_index_value *list = NULL;
	struct walk w;

	index_walk_init(&w, idx);
	if (search(&w, key, &hits) == 0)
		list = hits_to_list(&hits);
	free(hits.v);
	return list;
}

/* Dump output, gathered into a buffer that is written out with write(2). */
struct dump {
	int fd;
	size_t used;
	char buf[16384];
};

static int dump_flush(struct dump *d)
{
	ssize_t r = write_str_safe(d->fd, d->buf, d->used);

	d->used = 0;
	return r < 0 ? (int)r : 0;
}

static int dump_put(struct dump *d, const char *s, size_t len)
{
	ssize_t r;

	if (len <= sizeof(d->buf) - d->used) {
		memcpy(d->buf + d->used, s, len);
		d->used += len;
		return 0;
	}
	r = dump_flush(d);
	if (r == 0 && len <= sizeof(d->buf))
		return dump_put(d, s, len);
	if (r == 0)
		r = write_str_safe(d->fd, s, len);
	return r < 0 ? (int)r : 0;
}

static int visit_dump(struct walk *w, const struct node *n, struct strbuf *key,
		      struct dump *d)
{
	const char *k = strbuf_str(key);
	size_t pos = n->values;

	if (k == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < n->nvalues; i++) {
		struct hit h;
		int err = value_read(w, &pos, &h);

		if (err < 0)
			return err;
		if ((err = dump_put(d, k, strbuf_used(key))) < 0 ||
		    (err = dump_put(d, " ", 1)) < 0 ||
		    (err = dump_put(d, h.value, h.len)) < 0 ||
		    (err = dump_put(d, "\n", 1)) < 0)
			return err;
	}
	return 0;
}

/*
 * Depth-first walk of the trie from @top with an explicit stack (a hostile file
 * must not be able to exhaust the C stack), for the dump.  @key holds the key so
 * far; the walk appends @top's prefix, then each child character and prefix, and
 * dumps each node before its children.
 */

struct frame {
	struct node n;
	unsigned int next; /* next child character to look at */
	size_t keylen;	   /* key length to restore when leaving the node */
};

static int frame_enter(struct walk *w, struct frame *f, const struct node *n,
		       struct strbuf *key, size_t keylen)
{
	f->n = *n;
	f->next = n->first;
	f->keylen = keylen;
	if (!strbuf_pushmem(key, n->prefix, n->prefix_len))
		return -ENOMEM;
	if (strbuf_used(key) > KEY_MAX)
		return index_corrupt(w->idx, n->off, "key too long");
	return 0;
}

static int walk_dump(struct walk *w, const struct node *top, struct strbuf *key,
		     struct dump *d)
{
	_cleanup_free_ struct frame *stack = malloc(16 * sizeof(*stack));
	size_t depth = 0, cap = 16;
	int err;

	if (stack == NULL)
		return -ENOMEM;
	err = frame_enter(w, &stack[depth++], top, key, strbuf_used(key));
	if (err == 0)
		err = visit_dump(w, top, key, d);

	while (err == 0 && depth > 0) {
		struct frame *f = &stack[depth - 1];
		unsigned char ch = (unsigned char)f->next;
		size_t keylen = strbuf_used(key);
		struct node child;

		if (f->next > f->n.last) {
			strbuf_popchars(key, keylen - f->keylen);
			depth--;
			continue;
		}
		f->next++;
		err = index_node_read(w, index_child_word(&f->n, ch), &child);
		if (err == -ENOENT) {
			err = 0;
			continue;
		}
		if (err < 0)
			break;
		if (depth == cap) {
			/* each level adds a character to the key, so KEY_MAX bounds this
			 */
			struct frame *s = realloc(stack, 2 * cap * sizeof(*s));

			if (s == NULL)
				return -ENOMEM;
			stack = s;
			cap *= 2;
		}
		if (!strbuf_pushchar(key, (char)ch))
			return -ENOMEM;
		err = frame_enter(w, &stack[depth++], &child, key, keylen);
		if (err == 0)
			err = visit_dump(w, &child, key, d);
	}
	return err;
}

int kmod_index_dump(const struct kmod_index_file *idx, int fd, const char *prefix)
{
	_cleanup_free_ struct dump *d = NULL;
	_cleanup_strbuf_ struct strbuf key;
	struct walk w;
	struct node root;
	int err, ferr;

	strbuf_init(&key);
	index_walk_init(&w, idx);
	err = index_node_read(&w, idx->root, &root);
	if (err < 0)
		return err == -ENOENT ? 0 : err;

	d = malloc(sizeof(*d));
	if (d == NULL || !strbuf_pushchars(&key, prefix ? prefix : ""))
		return -ENOMEM;
	d->fd = fd;
	d->used = 0;
	err = walk_dump(&w, &root, &key, d);
	/* after an error too, so the output is always a prefix of the whole dump */
	ferr = dump_flush(d);
	return err < 0 ? err : ferr;
}

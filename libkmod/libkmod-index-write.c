// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Writer of kmod's binary indexes (format in libkmod-index.h and
 * libkmod-index-format.h).
 *
 * The trie is built in memory the way kmod's depmod builds it: a node is split
 * where a new key leaves its prefix, so the shape depends only on the set of
 * keys.  Values of a key stay sorted by priority, a newer value in front of
 * older ones of the same priority.  The file is laid out as kmod writes it
 * since version 34: the root first, every node before its children (in
 * character order), each subtree in one piece, so that our files are byte for
 * byte those of Debian 13's depmod.  kmod 30's reader, like ours, follows the
 * node offsets wherever they point and reads this layout as its own.
 *
 * Nodes keep their children in a small array sorted by character rather than
 * a 128-slot table: most nodes have one or two children.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/obuf.h"
#include "util/macro.h"
#include "libkmod/libkmod-index.h"
#include "libkmod/libkmod-index-format.h"

struct wvalue {
	struct wvalue *next;
	unsigned int priority;
	char value[];
};

struct wnode {
	char *prefix; /* after a split, the tail of the parent's old prefix */
	struct wvalue *values;
	unsigned int nchildren, cap;
	unsigned char *chars;	 /* sorted */
	struct wnode **children; /* parallel to chars */
	uint64_t total;		 /* bytes of the subtree on disk, set by tree_size() */
};

/*
 * Everything of the trie lives in one arena, freed at once: an index of 30,000
 * aliases is about 100,000 small blocks, and malloc and free of each of them
 * was a third of writing it.
 */
struct kmod_index_writer {
	struct arena arena;
	struct wnode *root;
};

static struct wnode *wnode_new(struct arena *a, const char *prefix, size_t len)
{
	struct wnode *n = arena_alloc(a, sizeof(*n) + len + 1);

	if (n == NULL)
		return NULL;
	*n = (struct wnode){ .prefix = (char *)(n + 1) };
	memcpy(n->prefix, prefix, len);
	n->prefix[len] = '\0';
	return n;
}

int kmod_index_writer_new(struct kmod_index_writer **ret)
{
	struct kmod_index_writer *w = calloc(1, sizeof(*w));

	*ret = NULL; /* callers free whatever they got, also after a failure */
	if (w == NULL)
		return -ENOMEM;
	w->arena = (struct arena)ARENA_INIT;
	w->root = wnode_new(&w->arena, "", 0);
	if (w->root == NULL) {
		free(w);
		return -ENOMEM;
	}
	*ret = w;
	return 0;
}

void kmod_index_writer_free(struct kmod_index_writer *w)
{
	if (w == NULL)
		return;
	arena_release(&w->arena);
	free(w);
}

/* Position of @ch among the children of @n; *found tells whether it is there. */
static unsigned int child_pos(const struct wnode *n, unsigned char ch, bool *found)
{
	unsigned int lo = 0, hi = n->nchildren;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (n->chars[mid] == ch) {
			*found = true;
			return mid;
		}
		if (n->chars[mid] < ch)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* Room for one more child; the old arrays stay in the arena until the end. */
static int child_reserve(struct arena *a, struct wnode *n)
{
	unsigned int cap = n->cap ? n->cap * 2 : 2;
	struct wnode **children;
	unsigned char *chars;

	if (n->nchildren < n->cap)
		return 0;
	children = arena_alloc(a, cap * (sizeof(*children) + 1));
	if (children == NULL)
		return -ENOMEM;
	chars = (unsigned char *)(children + cap);
	if (n->nchildren > 0) {
		memcpy(children, n->children, n->nchildren * sizeof(*children));
		memcpy(chars, n->chars, n->nchildren);
	}
	n->children = children;
	n->chars = chars;
	n->cap = cap;
	return 0;
}

static void child_insert(struct wnode *n, unsigned int pos, unsigned char ch,
			 struct wnode *c)
{
	memmove(n->chars + pos + 1, n->chars + pos, n->nchildren - pos);
	memmove(n->children + pos + 1, n->children + pos,
		(n->nchildren - pos) * sizeof(*n->children));
	n->chars[pos] = ch;
	n->children[pos] = c;
	n->nchildren++;
}

/* Cut @n's prefix at @j: the tail moves into a new child hanging off prefix[j]. */
static int node_split(struct arena *a, struct wnode *n, size_t j)
{
	struct wnode *tail = arena_alloc(a, sizeof(*tail));
	struct wnode **children = arena_alloc(a, 2 * (sizeof(*children) + 1));

	/* both allocated before anything changes: a failure leaves the trie as it was */
	if (tail == NULL || children == NULL)
		return -ENOMEM;
	*tail = *n;
	tail->prefix = n->prefix + j + 1;
	*n = (struct wnode){ .prefix = n->prefix,
			     .children = children,
			     .chars = (unsigned char *)(children + 2),
			     .cap = 2 };
	child_insert(n, 0, (unsigned char)n->prefix[j], tail);
	n->prefix[j] = '\0';
	return 0;
}

/* 0, or 1 when @value was already there (it is added again, as kmod does). */
static int value_add(struct arena *a, struct wvalue **values, const char *value,
		     unsigned int priority)
{
	size_t len = strlen(value);
	struct wvalue *v;
	int dup = 0;

	for (v = *values; v != NULL; v = v->next) {
		if (streq(v->value, value))
			dup = 1;
	}
	v = arena_alloc(a, sizeof(*v) + len + 1);
	if (v == NULL)
		return -ENOMEM;
	v->priority = priority;
	memcpy(v->value, value, len + 1);
	while (*values != NULL && (*values)->priority < priority)
		values = &(*values)->next;
	v->next = *values;
	*values = v;
	return dup;
}

static bool is_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s > CHILD_MAX)
			return false;
	}
	return true;
}

int kmod_index_writer_add(struct kmod_index_writer *w, const char *key, const char *value,
			  unsigned int priority)
{
	struct arena *a = &w->arena;
	struct wnode *n = w->root;
	size_t i = 0;

	if (!is_ascii(key) || !is_ascii(value))
		return -EINVAL;

	for (;;) {
		struct wnode *c;
		unsigned int pos;
		bool found;
		size_t j;
		int err;

		for (j = 0; n->prefix[j] != '\0'; j++) {
			if (n->prefix[j] != key[i + j]) {
				err = node_split(a, n, j);
				if (err < 0)
					return err;
				break;
			}
		}
		i += j;
		if (key[i] == '\0')
			return value_add(a, &n->values, value, priority);

		pos = child_pos(n, (unsigned char)key[i], &found);
		if (found) {
			n = n->children[pos];
			i++;
			continue;
		}
		/* a failure after this wastes arena space but leaves the trie unchanged
		 */
		err = child_reserve(a, n);
		if (err < 0)
			return err;
		c = wnode_new(a, key + i + 1, strlen(key + i + 1));
		if (c == NULL)
			return -ENOMEM;
		err = value_add(a, &c->values, value, priority);
		if (err < 0)
			return err;
		child_insert(n, pos, (unsigned char)key[i], c);
		return 0;
	}
}

/*
 * The serialiser streams the file through a small buffer: a node's child table
 * holds the offsets of its children, which come right after it, each subtree
 * in one piece, so the sizes of all subtrees are worked out first.
 */
static void ws_be32(struct obuf *ws, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
			 (uint8_t)v };

	obuf_put(ws, b, sizeof(b));
}

static uint64_t node_size(const struct wnode *n)
{
	size_t plen = strlen(n->prefix);
	uint64_t size = plen > 0 ? plen + 1 : 0;

	if (n->nchildren > 0)
		size += 2 + 4 * (uint64_t)(n->chars[n->nchildren - 1] - n->chars[0] + 1);
	if (n->values != NULL) {
		size += 4;
		for (const struct wvalue *v = n->values; v != NULL; v = v->next)
			size += 4 + strlen(v->value) + 1;
	}
	return size;
}

static uint32_t node_flags(const struct wnode *n)
{
	return (n->prefix[0] != '\0' ? NODE_PREFIX : 0) |
	       (n->nchildren > 0 ? NODE_CHILDS : 0) |
	       (n->values != NULL ? NODE_VALUES : 0);
}

static uint64_t tree_size(struct wnode *n)
{
	uint64_t size = node_size(n);

	for (unsigned int i = 0; i < n->nchildren; i++)
		size += tree_size(n->children[i]);
	n->total = size;
	return size;
}

/* The offset of the node written last, the biggest: the last child's last child... */
static uint64_t last_offset(const struct wnode *n, uint64_t end)
{
	while (n->nchildren > 0)
		n = n->children[n->nchildren - 1];
	return end - node_size(n);
}

/*
 * The node (at @off), then the subtrees of its children in character order.
 * The recursion is as deep as the longest key.
 */
static int write_node(const struct wnode *n, struct obuf *ws, uint64_t off)
{
	uint64_t child = off + node_size(n);
	size_t plen = strlen(n->prefix);

	if (ws->pos != off)
		return -EIO; /* the sizes and the bytes disagree */
	if (plen > 0)
		obuf_put(ws, n->prefix, plen + 1);
	if (n->nchildren > 0) {
		unsigned int first = n->chars[0], last = n->chars[n->nchildren - 1];
		uint8_t range[2] = { (uint8_t)first, (uint8_t)last };
		unsigned int i = 0;

		obuf_put(ws, range, sizeof(range));
		for (unsigned int ch = first; ch <= last; ch++) {
			const struct wnode *c = n->children[i];

			if (n->chars[i] != ch) {
				ws_be32(ws, 0);
				continue;
			}
			ws_be32(ws, (uint32_t)child | node_flags(c));
			child += c->total;
			i++;
		}
	}
	if (n->values != NULL) {
		uint32_t nvalues = 0;

		for (const struct wvalue *v = n->values; v != NULL; v = v->next)
			nvalues++;
		ws_be32(ws, nvalues);
		for (const struct wvalue *v = n->values; v != NULL; v = v->next) {
			ws_be32(ws, v->priority);
			obuf_put(ws, v->value, strlen(v->value) + 1);
		}
	}
	child = off + node_size(n);
	for (unsigned int i = 0; i < n->nchildren && ws->err == 0; i++) {
		int err = write_node(n->children[i], ws, child);

		if (err < 0)
			return err;
		child += n->children[i]->total;
	}
	return ws->err;
}

int kmod_index_writer_write(struct kmod_index_writer *w,
			    int (*emit)(void *data, const void *buf, size_t len),
			    void *data)
{
	uint64_t total = INDEX_HEADER_SIZE + tree_size(w->root);
	struct obuf *ws;
	int err;

	/* every node offset, the last node's the biggest, must fit the format */
	if (last_offset(w->root, total) > NODE_OFFSET_MASK)
		return -EFBIG;
	ws = malloc(sizeof(*ws));
	if (ws == NULL)
		return -ENOMEM;
	obuf_init(ws, emit, data);
	ws_be32(ws, INDEX_MAGIC);
	ws_be32(ws, INDEX_VERSION);
	ws_be32(ws, INDEX_HEADER_SIZE | node_flags(w->root));
	err = write_node(w->root, ws, INDEX_HEADER_SIZE);
	if (obuf_flush(ws) < 0 && err == 0)
		err = ws->err;
	if (err == 0 && ws->pos != total)
		err = -EIO;
	free(ws);
	return err;
}

struct membuf {
	uint8_t *mem;
	size_t used, size;
};

static int emit_mem(void *data, const void *buf, size_t len)
{
	struct membuf *m = data;

	if (len > m->size - m->used)
		return -EIO;
	memcpy(m->mem + m->used, buf, len);
	m->used += len;
	return 0;
}

int kmod_index_writer_serialize(struct kmod_index_writer *w, void **mem, size_t *len)
{
	uint64_t total = INDEX_HEADER_SIZE + tree_size(w->root);
	struct membuf m = { 0 };
	int err;

	if (total > SIZE_MAX)
		return -EFBIG;
	m.size = (size_t)total;
	m.mem = malloc(m.size);
	if (m.mem == NULL)
		return -ENOMEM;
	err = kmod_index_writer_write(w, emit_mem, &m);
	if (err < 0) {
		free(m.mem);
		return err;
	}
	*mem = m.mem;
	*len = m.used;
	return 0;
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Writer of kmod's binary indexes (format in libkmod-index.h and
 * libkmod-index-format.h).
 *
 * The trie is built in memory the way kmod's depmod builds it: a node is split
 * where a new key leaves its prefix, so the shape depends only on the set of
 * keys.  Values of a key stay sorted by priority, a newer value in front of
 * older ones of the same priority.  The file is laid out as kmod 30 writes it:
 * every node after its children (in character order), the root last, so that
 * our files are byte for byte those of the distribution's depmod.
 *
 * Nodes keep their children in a small array sorted by character rather than
 * a 128-slot table: most nodes have one or two children.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/macro.h"
#include "libkmod-index.h"
#include "libkmod-index-format.h"

struct wvalue {
	struct wvalue *next;
	unsigned int priority;
	char value[];
};

struct wnode {
	char *prefix;
	struct wvalue *values;
	unsigned int nchildren, cap;
	unsigned char *chars;	 /* sorted */
	struct wnode **children; /* parallel to chars */
};

struct kmod_index_writer {
	struct wnode *root;
};

static struct wnode *wnode_new(const char *prefix, size_t len)
{
	struct wnode *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->prefix = strndup(prefix, len);
	if (n->prefix == NULL) {
		free(n);
		return NULL;
	}
	return n;
}

static void wnode_free(struct wnode *n)
{
	if (n == NULL)
		return;
	for (unsigned int i = 0; i < n->nchildren; i++)
		wnode_free(n->children[i]);
	while (n->values != NULL) {
		struct wvalue *v = n->values;

		n->values = v->next;
		free(v);
	}
	free(n->chars);
	free(n->children);
	free(n->prefix);
	free(n);
}

int kmod_index_writer_new(struct kmod_index_writer **ret)
{
	struct kmod_index_writer *w = calloc(1, sizeof(*w));

	*ret = NULL; /* callers free whatever they got, also after a failure */
	if (w == NULL)
		return -ENOMEM;
	w->root = wnode_new("", 0);
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
	wnode_free(w->root);
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

static int child_insert(struct wnode *n, unsigned int pos, unsigned char ch, struct wnode *c)
{
	if (n->nchildren == n->cap) {
		unsigned int cap = n->cap ? n->cap * 2 : 2;
		unsigned char *chars = realloc(n->chars, cap);
		struct wnode **children;

		if (chars == NULL)
			return -ENOMEM;
		n->chars = chars;
		children = realloc(n->children, cap * sizeof(*children));
		if (children == NULL)
			return -ENOMEM;
		n->children = children;
		n->cap = cap;
	}
	memmove(n->chars + pos + 1, n->chars + pos, n->nchildren - pos);
	memmove(n->children + pos + 1, n->children + pos,
		(n->nchildren - pos) * sizeof(*n->children));
	n->chars[pos] = ch;
	n->children[pos] = c;
	n->nchildren++;
	return 0;
}

/* Cut @n's prefix at @j: the tail moves into a new child hanging off prefix[j]. */
static int node_split(struct wnode *n, size_t j)
{
	struct wnode *tail = wnode_new(n->prefix + j + 1, strlen(n->prefix + j + 1));
	unsigned char ch = (unsigned char)n->prefix[j];

	if (tail == NULL)
		return -ENOMEM;
	tail->values = n->values;
	tail->nchildren = n->nchildren;
	tail->cap = n->cap;
	tail->chars = n->chars;
	tail->children = n->children;
	n->values = NULL;
	n->nchildren = n->cap = 0;
	n->chars = NULL;
	n->children = NULL;
	n->prefix[j] = '\0';
	if (child_insert(n, 0, ch, tail) < 0) {
		/*
		 * put everything back: the caller sees an unchanged trie; child_insert
		 * may have allocated n->chars before failing on n->children.
		 */
		free(n->chars);
		free(n->children);
		n->prefix[j] = (char)ch;
		n->values = tail->values;
		n->nchildren = tail->nchildren;
		n->cap = tail->cap;
		n->chars = tail->chars;
		n->children = tail->children;
		free(tail->prefix);
		free(tail);
		return -ENOMEM;
	}
	return 0;
}

/* 0, or 1 when @value was already there (it is added again, as kmod does). */
static int value_add(struct wvalue **values, const char *value, unsigned int priority)
{
	size_t len = strlen(value);
	struct wvalue *v;
	int dup = 0;

	for (v = *values; v != NULL; v = v->next) {
		if (streq(v->value, value))
			dup = 1;
	}
	v = malloc(sizeof(*v) + len + 1);
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
				err = node_split(n, j);
				if (err < 0)
					return err;
				break;
			}
		}
		i += j;
		if (key[i] == '\0')
			return value_add(&n->values, value, priority);

		pos = child_pos(n, (unsigned char)key[i], &found);
		if (found) {
			n = n->children[pos];
			i++;
			continue;
		}
		c = wnode_new(key + i + 1, strlen(key + i + 1));
		if (c == NULL)
			return -ENOMEM;
		err = value_add(&c->values, value, priority);
		if (err >= 0)
			err = child_insert(n, pos, (unsigned char)key[i], c);
		if (err < 0) {
			wnode_free(c);
			return err;
		}
		return 0;
	}
}

/* Output buffer of the serialiser. */
struct wbuf {
	uint8_t *mem;
	size_t used, size;
};

static int wbuf_reserve(struct wbuf *b, size_t len)
{
	size_t need, size;
	uint8_t *mem;

	if (uadd_overflow(b->used, len, &need))
		return -ENOMEM;
	if (need <= b->size)
		return 0;
	size = b->size ? b->size : 4096;
	while (size < need) {
		if (umul_overflow(size, 2, &size))
			return -ENOMEM;
	}
	mem = realloc(b->mem, size);
	if (mem == NULL)
		return -ENOMEM;
	b->mem = mem;
	b->size = size;
	return 0;
}

/* Callers reserve first. */
static void put_be32(struct wbuf *b, uint32_t v)
{
	uint8_t *p = b->mem + b->used;

	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	b->used += 4;
}

static void put_str(struct wbuf *b, const char *s, size_t len)
{
	memcpy(b->mem + b->used, s, len + 1);
	b->used += len + 1;
}

/*
 * Children first, then the node; returns the node word (offset and flags) in
 * *word.  The recursion is as deep as the longest key.
 */
static int write_node(const struct wnode *n, struct wbuf *b, uint32_t *word)
{
	uint32_t stackbuf[8], *offs = stackbuf;
	unsigned int first = 0, last = 0, count = 0;
	size_t plen = strlen(n->prefix), need;
	uint32_t flags = 0;
	int err = 0;

	if (n->nchildren > 0) {
		first = n->chars[0];
		last = n->chars[n->nchildren - 1];
		count = last - first + 1;
		if (count > ARRAY_SIZE(stackbuf)) {
			offs = calloc(count, sizeof(*offs));
			if (offs == NULL)
				return -ENOMEM;
		} else {
			memset(offs, 0, sizeof(stackbuf));
		}
		for (unsigned int i = 0; i < n->nchildren && err == 0; i++)
			err = write_node(n->children[i], b, &offs[n->chars[i] - first]);
		if (err < 0)
			goto out;
	}

	if (b->used > NODE_OFFSET_MASK) {
		err = -EFBIG;
		goto out;
	}
	*word = (uint32_t)b->used;

	need = plen + 1 + 2 + (size_t)count * 4 + 4;
	err = wbuf_reserve(b, need);
	if (err < 0)
		goto out;
	if (plen > 0) {
		put_str(b, n->prefix, plen);
		flags |= NODE_PREFIX;
	}
	if (count > 0) {
		b->mem[b->used++] = (uint8_t)first;
		b->mem[b->used++] = (uint8_t)last;
		for (unsigned int i = 0; i < count; i++)
			put_be32(b, offs[i]);
		flags |= NODE_CHILDS;
	}
	if (n->values != NULL) {
		uint32_t nvalues = 0;

		for (const struct wvalue *v = n->values; v != NULL; v = v->next)
			nvalues++;
		put_be32(b, nvalues);
		for (const struct wvalue *v = n->values; v != NULL && err == 0; v = v->next) {
			size_t vlen = strlen(v->value);

			err = wbuf_reserve(b, 4 + vlen + 1);
			if (err == 0) {
				put_be32(b, v->priority);
				put_str(b, v->value, vlen);
			}
		}
		flags |= NODE_VALUES;
	}
	*word |= flags;
out:
	if (offs != stackbuf)
		free(offs);
	return err;
}

int kmod_index_writer_serialize(const struct kmod_index_writer *w, void **mem, size_t *len)
{
	struct wbuf b = { 0 };
	uint32_t root = 0;
	int err;

	err = wbuf_reserve(&b, INDEX_HEADER_SIZE);
	if (err < 0)
		return err;
	put_be32(&b, INDEX_MAGIC);
	put_be32(&b, INDEX_VERSION);
	put_be32(&b, 0);
	err = write_node(w->root, &b, &root);
	if (err < 0) {
		free(b.mem);
		return err;
	}
	/* the root comes last: patch its word into the header */
	*len = b.used;
	b.used = 8;
	put_be32(&b, root);
	*mem = b.mem;
	return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the parts of the index reader share (libkmod-index.c, the trie and its
 * searches; libkmod-index-wild.c, the wildcard collection): decoded nodes and
 * the walks over them, each with budgets so that a corrupt file cannot make a
 * walk loop (see libkmod-index.c).
 */

#include <stddef.h>
#include <stdint.h>

struct kmod_index_file;
struct hits;

/* Real keys are module names and aliases (< 200 bytes); this also bounds walk depth. */
#define KEY_MAX 4096U

/* One decoded node; the strings point into the mapping. */
struct node {
	size_t off;
	const char *prefix; /* "" when the node has none */
	size_t prefix_len;
	unsigned int first, last; /* first > last: no children */
	const uint8_t *children;
	uint32_t nvalues;
	size_t values; /* file offset of the first value */
};

/*
 * One walk over the trie.  In a real file each node hangs from its own 4-byte
 * child slot and each value has its own bytes, so a walk that visits a node or
 * reads a value twice is a walk of a corrupt file: the budgets stop it.
 */
struct walk {
	const struct kmod_index_file *idx;
	uint32_t root; /* node word of the root */
	size_t nodes;
	size_t value_bytes;
};

static inline uint32_t read_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The node word of child @ch, 0 when there is none. */
static inline uint32_t index_child_word(const struct node *n, unsigned char ch)
{
	if (n->children == NULL || ch < n->first || ch > n->last)
		return 0;
	return read_be32(n->children + (size_t)(ch - n->first) * 4);
}

/* Start a walk of @idx with the budgets of a sound file. */
void index_walk_init(struct walk *w, const struct kmod_index_file *idx);

/*
 * Run @search from a fresh walk of @idx and return what it added to its hits
 * as a list sorted by priority; ties by order of addition (@seq_step 1) or
 * newest first (-1).  NULL when nothing was found or on error.
 */
struct kmod_index_value;
typedef int (*index_search_fn)(struct walk *w, const char *key, struct hits *hits);
struct kmod_index_value *index_search_hits(const struct kmod_index_file *idx,
					   const char *key, long long seq_step,
					   index_search_fn search);

/* Log that @idx is corrupt at @off; returns -EINVAL. */
int index_corrupt(const struct kmod_index_file *idx, size_t off, const char *what);

/* Decode the node a node word points to: 0, -ENOENT for "no node", -EINVAL. */
int index_node_read(struct walk *w, uint32_t word, struct node *n);

/* Add the values of @n to @hits (in the order of its search). */
int index_hits_add_node(struct walk *w, struct hits *hits, const struct node *n);

/*
 * Collect the values of every stored key under @top that, as a pattern,
 * matches @subkey; @start, then @top's prefix from @skip on, begin each
 * pattern.  0, -ENOMEM or -EINVAL (corrupt file, logged).
 */
int index_collect_wild(struct walk *w, const struct node *top, size_t skip,
		       const char *start, const char *subkey, struct hits *hits);

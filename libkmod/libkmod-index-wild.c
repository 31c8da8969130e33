// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The wildcard search of the index reader (kmod_index_searchwild): collecting,
 * under a node of an alias index, the values of every stored pattern that
 * matches a string.  Above libkmod-index.c, which it walks through
 * libkmod-index-walk.h.
 */

#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/macro.h"
#include "util/strbuf.h"
#include "libkmod/libkmod-index.h"
#include "libkmod/libkmod-index-format.h"
#include "libkmod/libkmod-index-walk.h"

/*
 * Wildcard search: the stored keys under a node are fnmatch(3) patterns that
 * must match @subkey.  A walk of the subtree builds each pattern character by
 * character and keeps, per node, the set of lengths of @subkey's prefixes the
 * pattern so far can match (bit p: the first p bytes).  A literal or '?'
 * moves the set by one where the byte fits, '*' extends it to every longer
 * prefix; an empty set means no key below the node can match, and the walk
 * skips it.  A stored key matches when the set holds the whole length.  What
 * this does not model ('[' classes, '\' escapes, bytes above 0x7f, and every
 * pattern when @subkey is not ASCII) makes the node opaque: nothing is
 * skipped below it and each stored key there is matched whole.
 */
struct wild {
	const char *subkey;
	struct hits *hits;
	bool subkey_ascii;
	size_t len, words; /* of the subkey; words of a set of len + 1 bits */
	uint64_t *masks;   /* per character, the positions holding it; then '?' */
};

static bool is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

static int wild_init(struct wild *wd, const char *subkey, struct hits *hits)
{
	uint64_t *any;

	*wd = (struct wild){ .subkey = subkey,
			     .hits = hits,
			     .subkey_ascii = is_ascii(subkey) };
	wd->len = strlen(subkey);
	if (wd->len > KEY_MAX)
		wd->subkey_ascii = false; /* fnmatch alone, no sets to size */
	if (!wd->subkey_ascii)
		return 0;
	wd->words = wd->len / 64 + 1;
	wd->masks = calloc((CHILD_MAX + 2) * wd->words, sizeof(*wd->masks));
	if (wd->masks == NULL)
		return -ENOMEM;
	any = wd->masks + (CHILD_MAX + 1) * wd->words;
	for (size_t p = 0; p < wd->len; p++) {
		uint64_t bit = 1ULL << (p % 64);

		wd->masks[(unsigned char)subkey[p] * wd->words + p / 64] |= bit;
		any[p / 64] |= bit;
	}
	return 0;
}

/* Move set @st past pattern character @c; false when @c is not modelled. */
static bool wild_step(const struct wild *wd, uint64_t *st, unsigned char c)
{
	const uint64_t *m;
	uint64_t carry = 0;
	size_t k;

	if (c == '[' || c == '\\' || c > CHILD_MAX)
		return false;
	if (c == '*') {
		for (k = 0; k < wd->words && st[k] == 0; k++)
			;
		if (k == wd->words)
			return true;
		st[k] = -(st[k] & -st[k]); /* the lowest bit and every one above */
		for (k++; k < wd->words; k++)
			st[k] = ~0ULL;
	} else {
		m = wd->masks + (c == '?' ? CHILD_MAX + 1 : c) * wd->words;
		for (k = 0; k < wd->words; k++) {
			uint64_t v = st[k] & m[k];

			st[k] = v << 1 | carry;
			carry = v >> 63;
		}
	}
	/* no bit beyond the whole length */
	if ((wd->len + 1) % 64 != 0)
		st[wd->words - 1] &= (1ULL << ((wd->len + 1) % 64)) - 1;
	return true;
}

static bool wild_empty(const struct wild *wd, const uint64_t *st)
{
	for (size_t k = 0; k < wd->words; k++)
		if (st[k] != 0)
			return false;
	return true;
}

/*
 * fnmatch(pattern, s, 0) for ASCII patterns made of literals, '*' and '?' only,
 * without its locale and multibyte set-up (most of a lookup's time otherwise).
 * -1 when it meets anything else before a verdict, so that fnmatch decides.
 */
static int glob_simple(const char *p, const char *s)
{
	const char *star_p = NULL, *star_s = NULL;

	/*
	 * Until the string ends every pattern character is looked at before a
	 * verdict, and what is left then can only match if it is all stars.
	 */
	while (*s != '\0') {
		if (*p == '[' || *p == '\\' || (unsigned char)*p >= 0x80)
			return -1;
		if (*p == '*') {
			star_p = ++p;
			star_s = s;
		} else if (*p == '?' || (*p == *s && *p != '\0')) {
			p++;
			s++;
		} else if (star_p != NULL) {
			p = star_p;
			s = ++star_s;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/* The values of @n, when its key (in @key; set @st unless @opaque) matches. */
static int wild_visit(struct walk *w, const struct node *n, struct strbuf *key,
		      const struct wild *wd, const uint64_t *st, bool opaque)
{
	const char *pattern;
	int m;

	if (n->nvalues == 0)
		return 0;
	if (!opaque) {
		m = (st[wd->len / 64] >> (wd->len % 64)) & 1;
	} else {
		pattern = strbuf_str(key);
		if (pattern == NULL)
			return -ENOMEM;
		m = wd->subkey_ascii ? glob_simple(pattern, wd->subkey) : -1;
		if (m < 0)
			m = fnmatch(pattern, wd->subkey, 0) == 0;
	}
	return m ? index_hits_add_node(w, wd->hits, n) : 0;
}

/* A node of the walk below: the next child to look at, the key length to go
 * back to, and whether it is opaque (its set lives in a parallel array). */
struct wframe {
	struct node n;
	unsigned int next;
	size_t keylen;
	bool opaque;
};

/*
 * Append @chars to @key and move the set @st (of @opaque) past them; false
 * when nothing below can match any more.
 */
static bool wild_push(const struct wild *wd, struct strbuf *key, const char *chars,
		      size_t n, uint64_t *st, bool *opaque, int *err)
{
	if (!strbuf_pushmem(key, chars, n)) {
		*err = -ENOMEM;
		return false;
	}
	for (size_t i = 0; i < n && !*opaque; i++)
		*opaque = !wild_step(wd, st, (unsigned char)chars[i]);
	return *opaque || !wild_empty(wd, st);
}

/* Room for twice as many levels; each adds a character to the key (KEY_MAX). */
static int wild_grow(struct wframe **stack, uint64_t **sets, size_t *cap, size_t words)
{
	struct wframe *s = realloc(*stack, 2 * *cap * sizeof(*s));
	uint64_t *t;

	if (s == NULL)
		return -ENOMEM;
	*stack = s;
	t = realloc(*sets, (2 * *cap * words + 1) * sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	*sets = t;
	*cap *= 2;
	return 0;
}

/*
 * Collect the values of every stored key under @top that, as a pattern, matches
 * @subkey: @start and @top's prefix from @skip on begin each pattern.  Post-order,
 * as kmod, so that equal priorities come out in kmod's order.  A query holding
 * wildcards itself may collect a subtree and then walk into it, so each
 * collection comes with a walk (and budgets) of its own.
 */
int index_collect_wild(struct walk *w, const struct node *top, size_t skip,
		       const char *start, const char *subkey, struct hits *hits)
{
	_cleanup_strbuf_ struct strbuf key;
	_cleanup_free_ struct wframe *stack = NULL;
	_cleanup_free_ uint64_t *sets = NULL;
	size_t depth = 0, cap = 16, words;
	struct wild wd;
	struct wframe *f;
	int err = wild_init(&wd, subkey, hits);

	strbuf_init(&key);
	if (err < 0)
		return err;
	words = wd.words;
	stack = malloc(cap * sizeof(*stack));
	sets = calloc(cap * words + 1, sizeof(*sets));
	if (stack == NULL || sets == NULL) {
		free(wd.masks);
		return -ENOMEM;
	}
	sets[0] = 1; /* the empty pattern matches the empty prefix */
	f = &stack[depth++];
	*f = (struct wframe){ .n = *top, .next = top->first, .opaque = !wd.subkey_ascii };
	if ((start != NULL &&
	     !wild_push(&wd, &key, start, strlen(start), sets, &f->opaque, &err)) ||
	    !wild_push(&wd, &key, top->prefix + skip, top->prefix_len - skip, sets,
		       &f->opaque, &err))
		depth = 0; /* nothing below matches */
	if (err == 0 && strbuf_used(&key) > KEY_MAX)
		err = index_corrupt(w->idx, top->off, "key too long");

	while (err == 0 && depth > 0) {
		uint64_t *st = sets + (depth - 1) * words, *cst;
		unsigned char ch;
		size_t keylen = strbuf_used(&key);
		struct node child;
		char c;

		f = &stack[depth - 1];
		if (f->next > f->n.last) {
			err = wild_visit(w, &f->n, &key, &wd, st, f->opaque);
			strbuf_popchars(&key, keylen - f->keylen);
			depth--;
			continue;
		}
		ch = (unsigned char)f->next++;
		err = index_node_read(w, index_child_word(&f->n, ch), &child);
		if (err == -ENOENT) {
			err = 0;
			continue;
		}
		if (err < 0 || keylen + 1 + child.prefix_len > KEY_MAX) {
			err = err < 0 ? err
				      : index_corrupt(w->idx, child.off, "key too long");
			break;
		}
		if (depth == cap && wild_grow(&stack, &sets, &cap, words) < 0) {
			err = -ENOMEM;
			break;
		}
		f = &stack[depth - 1];
		st = sets + (depth - 1) * words;
		cst = sets + depth * words;
		memcpy(cst, st, words * sizeof(*cst));
		stack[depth] = (struct wframe){ .n = child,
						.next = child.first,
						.keylen = keylen,
						.opaque = f->opaque };
		c = (char)ch;
		if (wild_push(&wd, &key, &c, 1, cst, &stack[depth].opaque, &err) &&
		    wild_push(&wd, &key, child.prefix, child.prefix_len, cst,
			      &stack[depth].opaque, &err))
			depth++;
		else
			strbuf_popchars(&key, strbuf_used(&key) - keylen);
	}
	free(wd.masks);
	return err;
}

/*
 * Follow @key like find_node; where the stored key turns into a pattern (a
 * wildcard in a prefix, or a '*', '?' or '[' child) the whole subtree is matched
 * against the rest of @key.  The literal part already walked is left out of the
 * pattern, as kmod does.  Values are inserted kmod's way: sorted by priority, a
 * newer insertion in front of older ones of the same priority.
 */
static int search_wild(struct walk *w, const char *key, struct hits *hits)
{
	static const char wilds[] = "*?[";
	uint32_t word = w->root;
	size_t i = 0;
	struct node n, child;
	int err;

	for (;;) {
		struct walk cw;

		err = index_node_read(w, word, &n);
		if (err < 0)
			return err == -ENOENT ? 0 : err;
		for (size_t j = 0; j < n.prefix_len; j++) {
			if (strchr(wilds, n.prefix[j]) != NULL) {
				index_walk_init(&cw, w->idx);
				return index_collect_wild(&cw, &n, j, NULL, &key[i + j],
							  hits);
			}
			if (key[i + j] != n.prefix[j])
				return 0;
		}
		i += n.prefix_len;

		for (size_t k = 0; wilds[k] != '\0'; k++) {
			char start[2] = { wilds[k], '\0' };

			index_walk_init(&cw, w->idx);
			err = index_node_read(
				&cw, index_child_word(&n, (unsigned char)wilds[k]),
				&child);
			if (err == -ENOENT)
				continue;
			if (err == 0)
				err = index_collect_wild(&cw, &child, 0, start, &key[i],
							 hits);
			if (err < 0)
				return err;
		}

		if (key[i] == '\0')
			return index_hits_add_node(w, hits, &n);
		word = index_child_word(&n, (unsigned char)key[i]);
		i++;
	}
}

struct kmod_index_value *kmod_index_searchwild(const struct kmod_index_file *idx,
					       const char *key)
{
	return index_search_hits(idx, key, -1, search_wild);
}

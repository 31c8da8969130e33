// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/macro.h"

/*
 * Each bucket is an array kept sorted by key so lookups inside a bucket are a
 * binary search.  The table doubles its bucket count when the average bucket
 * grows past HASH_MAX_LOAD, so callers' size hints only need to be rough.
 */

#define HASH_MAX_LOAD 4
#define HASH_BUCKET_STEP 4
#define HASH_MAX_BUCKETS (1U << 30)

struct hash_entry {
	const char *key;
	const void *value;
};

struct hash_bucket {
	struct hash_entry *entries;
	unsigned int used;
	unsigned int total;
};

struct hash {
	unsigned int count;
	unsigned int n_buckets; /* power of two */
	void (*free_value)(void *value);
	struct hash_bucket *buckets;
};

/* FNV-1a over the bytes, then a multiply/xor-shift finaliser so low bits mix well. */
static uint32_t hash_string(const char *key)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	h *= 0x846ca68bu;
	h ^= h >> 16;
	return h;
}

static struct hash_bucket *bucket_of(const struct hash *hash, const char *key)
{
	return &hash->buckets[hash_string(key) & (hash->n_buckets - 1)];
}

/* Index of key in bucket if *found, else the position where it belongs. */
static unsigned int bucket_search(const struct hash_bucket *b, const char *key,
				  bool *found)
{
	unsigned int lo = 0, hi = b->used;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		int c = strcmp(key, b->entries[mid].key);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*found = false;
	return lo;
}

static int bucket_insert_at(struct hash_bucket *b, unsigned int pos, const char *key,
			    const void *value)
{
	if (b->used == b->total) {
		size_t total = (size_t)b->total + HASH_BUCKET_STEP, bytes;
		struct hash_entry *e;

		if (total > UINT_MAX || umul_overflow(total, sizeof(*e), &bytes))
			return -ENOMEM;
		e = realloc(b->entries, bytes);
		if (e == NULL)
			return -ENOMEM;
		b->entries = e;
		b->total = (unsigned int)total;
	}
	memmove(b->entries + pos + 1, b->entries + pos,
		(b->used - pos) * sizeof(*b->entries));
	b->entries[pos].key = key;
	b->entries[pos].value = value;
	b->used++;
	return 0;
}

static unsigned int round_buckets(unsigned int n)
{
	unsigned int r = 1;

	if (n > HASH_MAX_BUCKETS)
		return HASH_MAX_BUCKETS;
	while (r < n)
		r <<= 1;
	return r;
}

struct hash *hash_new(unsigned int n_buckets, void (*free_value)(void *value))
{
	struct hash *hash = calloc(1, sizeof(*hash));

	if (hash == NULL)
		return NULL;
	hash->n_buckets = round_buckets(n_buckets);
	hash->free_value = free_value;
	hash->buckets = calloc(hash->n_buckets, sizeof(*hash->buckets));
	if (hash->buckets == NULL) {
		free(hash);
		return NULL;
	}
	return hash;
}

static void free_buckets(struct hash_bucket *buckets, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		free(buckets[i].entries);
	free(buckets);
}

void hash_free(struct hash *hash)
{
	if (hash == NULL)
		return;
	if (hash->free_value != NULL) {
		for (unsigned int i = 0; i < hash->n_buckets; i++) {
			const struct hash_bucket *b = &hash->buckets[i];

			for (unsigned int j = 0; j < b->used; j++)
				hash->free_value((void *)b->entries[j].value);
		}
	}
	free_buckets(hash->buckets, hash->n_buckets);
	free(hash);
}

/*
 * Best effort: on allocation failure the old table is left untouched and still
 * valid, only slower.  Entries are unique, so re-inserting never compares equal.
 */
static void hash_rehash(struct hash *hash)
{
	unsigned int n = hash->n_buckets * 2;
	struct hash_bucket *nb;
	struct hash old;

	if (hash->n_buckets >= HASH_MAX_BUCKETS)
		return;
	nb = calloc(n, sizeof(*nb));
	if (nb == NULL)
		return;

	old = *hash;
	hash->buckets = nb;
	hash->n_buckets = n;
	for (unsigned int i = 0; i < old.n_buckets; i++) {
		const struct hash_bucket *ob = &old.buckets[i];

		for (unsigned int j = 0; j < ob->used; j++) {
			const struct hash_entry *e = &ob->entries[j];
			struct hash_bucket *b = bucket_of(hash, e->key);
			bool found;
			unsigned int pos = bucket_search(b, e->key, &found);

			if (bucket_insert_at(b, pos, e->key, e->value) < 0) {
				free_buckets(nb, n);
				*hash = old;
				return;
			}
		}
	}
	free_buckets(old.buckets, old.n_buckets);
}

static int hash_insert(struct hash *hash, const char *key, const void *value,
		       bool replace)
{
	struct hash_bucket *b = bucket_of(hash, key);
	bool found;
	unsigned int pos = bucket_search(b, key, &found);
	int err;

	if (found) {
		struct hash_entry *e = &b->entries[pos];
		void *old = (void *)e->value;

		if (!replace)
			return -EEXIST;
		/* The old key may live inside the old value, so take the new one too. */
		e->key = key;
		e->value = value;
		if (hash->free_value != NULL && old != value)
			hash->free_value(old);
		return 0;
	}

	if (hash->count == UINT_MAX)
		return -ENOMEM;
	err = bucket_insert_at(b, pos, key, value);
	if (err < 0)
		return err;
	hash->count++;
	if (hash->count / HASH_MAX_LOAD > hash->n_buckets)
		hash_rehash(hash);
	return 0;
}

int hash_add(struct hash *hash, const char *key, const void *value)
{
	return hash_insert(hash, key, value, true);
}

int hash_add_unique(struct hash *hash, const char *key, const void *value)
{
	return hash_insert(hash, key, value, false);
}

void *hash_find(const struct hash *hash, const char *key)
{
	const struct hash_bucket *b = bucket_of(hash, key);
	bool found;
	unsigned int pos = bucket_search(b, key, &found);

	return found ? (void *)b->entries[pos].value : NULL;
}

int hash_del(struct hash *hash, const char *key)
{
	struct hash_bucket *b = bucket_of(hash, key);
	bool found;
	unsigned int pos = bucket_search(b, key, &found);
	void *value;

	if (!found)
		return -ENOENT;
	value = (void *)b->entries[pos].value;
	memmove(b->entries + pos, b->entries + pos + 1,
		(b->used - pos - 1) * sizeof(*b->entries));
	b->used--;
	hash->count--;
	if (hash->free_value != NULL)
		hash->free_value(value);
	return 0;
}

unsigned int hash_get_count(const struct hash *hash)
{
	return hash->count;
}

void hash_iter_init(const struct hash *hash, struct hash_iter *iter)
{
	iter->hash = hash;
	iter->bucket = 0;
	/* next() pre-increments, so the first call lands on entry 0. */
	iter->entry = UINT_MAX;
}

bool hash_iter_next(struct hash_iter *iter, const char **key, const void **value)
{
	const struct hash *hash = iter->hash;
	const struct hash_entry *e;

	iter->entry++;
	while (iter->bucket < hash->n_buckets &&
	       iter->entry >= hash->buckets[iter->bucket].used) {
		iter->bucket++;
		iter->entry = 0;
	}
	if (iter->bucket >= hash->n_buckets)
		return false;

	e = &hash->buckets[iter->bucket].entries[iter->entry];
	if (key != NULL)
		*key = e->key;
	if (value != NULL)
		*value = e->value;
	return true;
}

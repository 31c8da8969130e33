/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Open hash table from string keys to values; keys are not copied. */
struct hash;

struct hash_iter {
	const struct hash *hash;
	unsigned int bucket;
	unsigned int entry;
};

/* free_value may be NULL; it is called on values replaced, deleted, or on hash_free. */
struct hash *hash_new(unsigned int n_buckets, void (*free_value)(void *value));
void hash_free(struct hash *hash);
/* Add or replace.  0 or -ENOMEM. */
int hash_add(struct hash *hash, const char *key, const void *value);
/* Add only if absent.  0, -EEXIST or -ENOMEM. */
int hash_add_unique(struct hash *hash, const char *key, const void *value);
void *hash_find(const struct hash *hash, const char *key);
/* 0 or -ENOENT. */
int hash_del(struct hash *hash, const char *key);
unsigned int hash_get_count(const struct hash *hash);
/* Iteration order is unspecified; the table must not be modified while iterating. */
void hash_iter_init(const struct hash *hash, struct hash_iter *iter);
bool hash_iter_next(struct hash_iter *iter, const char **key, const void **value);

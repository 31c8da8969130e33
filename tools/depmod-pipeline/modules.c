// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The module records and the set of them (see modules.h), and kmod's orders.
 */

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "tools/depmod-pipeline/modules.h"

/*
 * kmod's tables hash names with Paul Hsieh's SuperFastHash, read in native
 * 16-bit words, and keep each bucket sorted by name: iterating a table visits
 * buckets in order, names in strcmp order inside each.
 */
static uint16_t get16(const char *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t superfast_hash(const char *key, size_t len)
{
	uint32_t hash = (uint32_t)len, tmp;
	size_t rem = len & 3;

	for (len /= 4; len > 0; len--, key += 4) {
		hash += get16(key);
		tmp = ((uint32_t)get16(key + 2) << 11) ^ hash;
		hash = (hash << 16) ^ tmp;
		hash += hash >> 11;
	}
	switch (rem) {
	case 3:
		hash += get16(key);
		hash ^= hash << 16;
		hash ^= (uint32_t)(int32_t)(signed char)key[2] << 18;
		hash += hash >> 11;
		break;
	case 2:
		hash += get16(key);
		hash ^= hash << 11;
		hash += hash >> 17;
		break;
	case 1:
		hash += (uint32_t)(int32_t)(signed char)key[0];
		hash ^= hash << 10;
		hash += hash >> 1;
		break;
	}
	hash ^= hash << 3;
	hash += hash >> 5;
	hash ^= hash << 4;
	hash += hash >> 17;
	hash ^= hash << 25;
	hash += hash >> 6;
	return hash;
}

unsigned int depmod_kmod_hash_bucket(const char *key, unsigned int buckets)
{
	return superfast_hash(key, strlen(key)) & (buckets - 1);
}

int depmod_modules_init(struct depmod_modules *m)
{
	*m = (struct depmod_modules){ .arena = ARENA_INIT };
	m->by_name = hash_new(512, NULL);
	return m->by_name == NULL ? -ENOMEM : 0;
}

void depmod_mod_release(struct depmod_mod *mod)
{
	if (mod == NULL)
		return;
	array_free_array(&mod->deps);
	if (!mod->from_cache) {
		free(mod->modinfo);
		free(mod->exports);
		free(mod->needs);
	}
}

void depmod_modules_drop_needs(struct depmod_modules *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct depmod_mod *mod = m->v[i];

		if (!mod->from_cache)
			free(mod->needs);
		mod->needs = NULL;
		mod->n_needs = 0;
	}
	/* freed pages among used ones stay resident until trimmed */
	malloc_trim(0);
}

void depmod_modules_free(struct depmod_modules *m)
{
	if (m->v != NULL) {
		for (size_t i = 0; i < m->n; i++)
			depmod_mod_release(m->v[i]);
	} else if (m->by_name != NULL) {
		struct hash_iter it;
		const void *v;

		hash_iter_init(m->by_name, &it);
		while (hash_iter_next(&it, NULL, &v))
			depmod_mod_release((struct depmod_mod *)v);
	}
	for (struct depmod_mod *mod = m->dropped; mod != NULL; mod = mod->dropped_next)
		depmod_mod_release(mod);
	free(m->v);
	hash_free(m->by_name);
	arena_release(&m->arena);
	*m = (struct depmod_modules){ .arena = ARENA_INIT };
}

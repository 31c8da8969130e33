// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The table of exported symbols (see symbol-table.h).  Slots are kept at most
 * half full, so a probe ends at an empty slot soon.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tools/depmod-pipeline/resolve.h"
#include "tools/depmod-pipeline/symbol-table.h"
#include "util/strhash.h"

struct symbol_slot {
	uint32_t hash;
	uint32_t len;
	struct depmod_symbol *sym; /* NULL: empty */
};

#define INITIAL_SLOTS 16384

int depmod_symbol_table_init(struct depmod_symbol_table *t)
{
	*t = (struct depmod_symbol_table){ .mask = INITIAL_SLOTS - 1 };
	t->slots = calloc(INITIAL_SLOTS, sizeof(*t->slots));
	return t->slots == NULL ? -ENOMEM : 0;
}

void depmod_symbol_table_free(struct depmod_symbol_table *t)
{
	free(t->slots);
	*t = (struct depmod_symbol_table){ 0 };
}

/* The slot of @name, or the empty one where it would go. */
static struct symbol_slot *slot_of(struct symbol_slot *slots, size_t mask, uint32_t hash,
				   const char *name, size_t len)
{
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		struct symbol_slot *s = &slots[i];

		if (s->sym == NULL || (s->hash == hash && s->len == len &&
				       memcmp(s->sym->name, name, len) == 0))
			return s;
	}
}

struct depmod_symbol *depmod_symbol_table_find(const struct depmod_symbol_table *t,
					       const char *name, size_t len)
{
	if (len > UINT32_MAX)
		return NULL;
	return slot_of(t->slots, t->mask, (uint32_t)strhash(name, len), name, len)->sym;
}

static int grow(struct depmod_symbol_table *t)
{
	size_t n = 2 * (t->mask + 1), mask = n - 1;
	struct symbol_slot *slots;

	if (n > SIZE_MAX / sizeof(*slots))
		return -ENOMEM;
	slots = calloc(n, sizeof(*slots));
	if (slots == NULL)
		return -ENOMEM;
	for (size_t i = 0; i <= t->mask; i++) {
		const struct symbol_slot *s = &t->slots[i];

		if (s->sym != NULL)
			*slot_of(slots, mask, s->hash, s->sym->name, s->len) = *s;
	}
	free(t->slots);
	t->slots = slots;
	t->mask = mask;
	return 0;
}

int depmod_symbol_table_add(struct depmod_symbol_table *t, struct depmod_symbol *sym,
			    size_t len)
{
	struct symbol_slot *s;
	uint32_t hash;

	if (len > UINT32_MAX)
		return -ENOMEM;
	if (2 * (t->count + 1) > t->mask + 1 && grow(t) < 0)
		return -ENOMEM;
	hash = (uint32_t)strhash(sym->name, len);
	s = slot_of(t->slots, t->mask, hash, sym->name, len);
	*s = (struct symbol_slot){ hash, (uint32_t)len, sym };
	t->count++;
	return 0;
}

// SPDX-License-Identifier: LGPL-2.1-or-later

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/macro.h"

#define ARENA_ALIGN alignof(max_align_t)
/* Chunks start small, so a tiny index costs little, and grow up to this. */
#define ARENA_FIRST_CHUNK (16U << 10)
#define ARENA_MAX_CHUNK (4U << 20)
/*
 * Chunks are plain malloc'ed memory, not huge pages: a huge page is zeroed and
 * resident whole on its first touch, so the part of the last chunk an arena
 * never uses counted in full.  depmod on a distribution tree kept about 6 MiB
 * of such pages and spent a sixth of its time zeroing them.
 */

struct arena_chunk {
	struct arena_chunk *prev;
	size_t used, size;
	alignas(ARENA_ALIGN) unsigned char data[];
};

static size_t align_up(size_t n)
{
	return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

/* A chunk of at least @size bytes of data. */
static struct arena_chunk *chunk_new(size_t size, struct arena_chunk *prev)
{
	struct arena_chunk *c = malloc(sizeof(*c) + size);

	if (c == NULL)
		return NULL;
	c->size = size;
	c->prev = prev;
	c->used = 0;
	return c;
}

/* Small chunks grow fast: an arena that outgrows 80 KiB is likely to take megabytes. */
static size_t next_chunk_size(size_t csize)
{
	if (csize < (64U << 10))
		return csize * 4;
	return csize * 2 > ARENA_MAX_CHUNK ? ARENA_MAX_CHUNK : csize * 2;
}

void *arena_alloc(struct arena *a, size_t size)
{
	struct arena_chunk *c = a->chunk;
	size_t need;

	if (size > SIZE_MAX / 2)
		return NULL;
	need = align_up(size ? size : 1);
	if (c == NULL || c->size - c->used < need) {
		size_t csize = a->next_size ? a->next_size : ARENA_FIRST_CHUNK;

		/* a big block gets a chunk of its own, behind the current one */
		if (need > csize / 4 && c != NULL) {
			struct arena_chunk *big = chunk_new(need, c->prev);

			if (big == NULL)
				return NULL;
			c->prev = big;
			big->used = need;
			return big->data;
		}
		/* a regular chunk is csize bytes with its header */
		c = chunk_new(need > csize - sizeof(*c) ? need : csize - sizeof(*c), c);
		if (c == NULL)
			return NULL;
		a->chunk = c;
		a->next_size = next_chunk_size(csize);
	}
	c->used += need;
	return c->data + c->used - need;
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p = len < SIZE_MAX ? arena_alloc(a, len + 1) : NULL;

	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void arena_release(struct arena *a)
{
	struct arena_chunk *c = a->chunk;

	while (c != NULL) {
		struct arena_chunk *prev = c->prev;

		free(c);
		c = prev;
	}
	*a = (struct arena)ARENA_INIT;
}

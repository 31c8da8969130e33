// SPDX-License-Identifier: LGPL-2.1-or-later

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util/arena.h"
#include "util/macro.h"

#define ARENA_ALIGN alignof(max_align_t)
/* Chunks start small, so a tiny index costs little, and grow up to this. */
#define ARENA_FIRST_CHUNK (16U << 10)
#define ARENA_MAX_CHUNK (4U << 20)
/*
 * Chunks of half this size and more are mapped on their own, in whole huge
 * pages, aligned and marked for transparent huge pages:
 * where page faults are expensive (a virtual machine), one fault per 2 MiB
 * instead of 512 took a third off writing the alias index of a distribution
 * kernel.  Without transparent huge pages it is a plain mapping.
 */
#define HUGE_PAGE (2U << 20)

struct arena_chunk {
	struct arena_chunk *prev;
	size_t used, size;
	void *map; /* the mapping holding this chunk, NULL when malloc'ed */
	size_t map_len;
	alignas(ARENA_ALIGN) unsigned char data[];
};

static struct arena_chunk *chunk_map(size_t size)
{
	size_t len = (sizeof(struct arena_chunk) + size + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
	size_t map_len = len + HUGE_PAGE;
	uint8_t *map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t start;
	struct arena_chunk *c;

	if (map == MAP_FAILED)
		return NULL;
	start = ((uintptr_t)map + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
#ifdef MADV_HUGEPAGE
	madvise((void *)start, len, MADV_HUGEPAGE);
#endif
	c = (struct arena_chunk *)start;
	c->map = map;
	c->map_len = map_len;
	c->size = len - sizeof(*c);
	return c;
}

static size_t align_up(size_t n)
{
	return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

/* A chunk of at least @size bytes of data. */
static struct arena_chunk *chunk_new(size_t size, struct arena_chunk *prev)
{
	struct arena_chunk *c;

	/* from half a huge page on, the rest of it is worth its faults saved */
	if (size + sizeof(*c) >= HUGE_PAGE / 2) {
		c = chunk_map(size);
	} else {
		c = malloc(sizeof(*c) + size);
		if (c != NULL) {
			c->map = NULL;
			c->size = size;
		}
	}
	if (c == NULL)
		return NULL;
	c->prev = prev;
	c->used = 0;
	return c;
}

/*
 * Small chunks grow fast to the first huge one: an arena that outgrows
 * 80 KiB is likely to take megabytes, whose small pages would cost a fault
 * each.
 */
static size_t next_chunk_size(size_t csize)
{
	if (csize < (64U << 10))
		return csize * 4;
	if (csize < HUGE_PAGE)
		return HUGE_PAGE;
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
		/* a regular chunk is csize bytes with its header, a huge page exactly */
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

		if (c->map != NULL)
			munmap(c->map, c->map_len);
		else
			free(c);
		c = prev;
	}
	*a = (struct arena)ARENA_INIT;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/*
 * Bump allocator for many small blocks that all die together (the nodes of an
 * index being written, the records of a decoded cache): one malloc per chunk
 * instead of one per block, and one free of everything.
 */
struct arena_chunk;

struct arena {
	struct arena_chunk *chunk; /* the one being filled; older ones behind it */
	size_t next_size;	   /* size of the next regular chunk */
};

#define ARENA_INIT                                                                       \
	{                                                                                \
		NULL, 0                                                                  \
	}

/* @size bytes aligned for any type, NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t size);
/* A copy of the first @len bytes of @s with a NUL after them. */
char *arena_strndup(struct arena *a, const char *s, size_t len);
/* Frees every block at once; the arena can be used again afterwards. */
void arena_release(struct arena *a);

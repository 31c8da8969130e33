/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Output through a buffer: bytes are handed to @emit in pieces of OBUF_SIZE
 * (the last one shorter), so a big file is written without being whole in
 * memory.  The first error of @emit stops the output and stays in err.
 */
#define OBUF_SIZE (64U << 10)

struct obuf {
	int (*emit)(void *data, const void *buf, size_t len); /* 0 or -errno */
	void *data;
	uint64_t pos; /* bytes put so far */
	size_t used;
	int err;
	uint8_t buf[OBUF_SIZE];
};

void obuf_init(struct obuf *b, int (*emit)(void *data, const void *buf, size_t len),
	       void *data);
void obuf_put(struct obuf *b, const void *mem, size_t len);
/* What is buffered goes to emit; returns err. */
int obuf_flush(struct obuf *b);

// SPDX-License-Identifier: LGPL-2.1-or-later

#include <string.h>

#include "util/obuf.h"

void obuf_init(struct obuf *b, int (*emit)(void *data, const void *buf, size_t len),
	       void *data)
{
	b->emit = emit;
	b->data = data;
	b->pos = 0;
	b->used = 0;
	b->err = 0;
}

int obuf_flush(struct obuf *b)
{
	if (b->used > 0 && b->err == 0)
		b->err = b->emit(b->data, b->buf, b->used);
	b->used = 0;
	return b->err;
}

void obuf_put(struct obuf *b, const void *mem, size_t len)
{
	const uint8_t *p = mem;

	b->pos += len;
	while (len > 0) {
		size_t n = OBUF_SIZE - b->used < len ? OBUF_SIZE - b->used : len;

		memcpy(b->buf + b->used, p, n);
		b->used += n;
		p += n;
		len -= n;
		if (b->used == OBUF_SIZE)
			obuf_flush(b);
	}
}

// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/macro.h"
#include "util/strbuf.h"

/* Small strings are the common case (paths, names); start with a useful chunk. */
#define STRBUF_MIN_SIZE 64

void strbuf_init(struct strbuf *buf)
{
	buf->bytes = NULL;
	buf->size = 0;
	buf->used = 0;
}

void strbuf_release(struct strbuf *buf)
{
	free(buf->bytes);
	strbuf_init(buf);
}

/* Make room for @extra more bytes plus the terminating NUL. */
static bool strbuf_reserve(struct strbuf *buf, size_t extra)
{
	size_t need, new_size;
	char *p;

	if (uadd_overflow(buf->used, extra, &need) || uadd_overflow(need, 1, &need))
		return false;
	if (need <= buf->size)
		return true;

	new_size = buf->size < STRBUF_MIN_SIZE ? STRBUF_MIN_SIZE : buf->size;
	while (new_size < need) {
		/* Doubling keeps appends amortised O(1); fall back to exact on overflow.
		 */
		if (umul_overflow(new_size, 2, &new_size)) {
			new_size = need;
			break;
		}
	}

	p = realloc(buf->bytes, new_size);
	if (p == NULL)
		return false;
	buf->bytes = p;
	buf->size = new_size;
	return true;
}

const char *strbuf_str(struct strbuf *buf)
{
	if (!strbuf_reserve(buf, 0))
		return NULL;
	buf->bytes[buf->used] = '\0';
	return buf->bytes;
}

char *strbuf_steal(struct strbuf *buf)
{
	char *ret;

	if (strbuf_str(buf) == NULL)
		return NULL;
	ret = buf->bytes;
	strbuf_init(buf);
	return ret;
}

bool strbuf_pushchar(struct strbuf *buf, char ch)
{
	if (!strbuf_reserve(buf, 1))
		return false;
	buf->bytes[buf->used++] = ch;
	return true;
}

bool strbuf_pushmem(struct strbuf *buf, const char *mem, size_t len)
{
	if (len == 0)
		return true;
	if (!strbuf_reserve(buf, len))
		return false;
	memcpy(buf->bytes + buf->used, mem, len);
	buf->used += len;
	return true;
}

bool strbuf_pushchars(struct strbuf *buf, const char *str)
{
	return strbuf_pushmem(buf, str, strlen(str));
}

bool strbuf_pushf(struct strbuf *buf, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0 || !strbuf_reserve(buf, (size_t)len))
		return false;

	/* reserve() left room for len bytes plus the NUL vsnprintf writes. */
	va_start(ap, fmt);
	len = vsnprintf(buf->bytes + buf->used, (size_t)len + 1, fmt, ap);
	va_end(ap);
	if (len < 0)
		return false;
	buf->used += (size_t)len;
	return true;
}

void strbuf_popchars(struct strbuf *buf, size_t n)
{
	buf->used = n >= buf->used ? 0 : buf->used - n;
}

void strbuf_clear(struct strbuf *buf)
{
	buf->used = 0;
}

size_t strbuf_used(const struct strbuf *buf)
{
	return buf->used;
}

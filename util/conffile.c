// SPDX-License-Identifier: LGPL-2.1-or-later

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/conffile.h"
#include "util/macro.h"

int conffile_read(int fd, const struct stat *st, char **buf, size_t *len)
{
	size_t cap = 4096, used = 0;
	_cleanup_free_ char *p = NULL;

	if (st->st_size > CONFFILE_MAX)
		return -EFBIG;
	/* Room for the file as fstat saw it, its NUL, and a byte to see it end. */
	if (st->st_size > 0)
		cap = (size_t)st->st_size + 2;
	p = malloc(cap);
	if (p == NULL)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (used + 1 == cap) {
			/* CONFFILE_MAX bytes, the NUL, a byte to see it end */
			size_t grown = cap * 2;
			char *q;

			if (cap == CONFFILE_MAX + 2)
				return -EFBIG;
			if (grown > CONFFILE_MAX + 2)
				grown = CONFFILE_MAX + 2;
			q = realloc(p, grown);
			if (q == NULL)
				return -ENOMEM;
			p = q;
			cap = grown;
		}
		n = read(fd, p + used, cap - 1 - used);
		if (n == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		used += (size_t)n;
	}
	p[used] = '\0';
	*buf = TAKE_PTR(p);
	*len = used;
	return 0;
}

char *conffile_next_line(char **pos, char *end, unsigned int *linenum)
{
	char *r = *pos, *w, *line = r, *nl, *stop;
	unsigned int joined = 0;
	bool newline = false;

	/* Most lines have no backslash: found and cut by memchr(), nothing moves. */
	nl = memchr(r, '\n', (size_t)(end - r));
	stop = nl != NULL ? nl : end;
	w = memchr(r, '\\', (size_t)(stop - r));
	if (w == NULL) {
		if (nl == NULL && r == end)
			return NULL;
		*stop = '\0';
		*pos = nl != NULL ? nl + 1 : end;
		(*linenum)++;
		return line;
	}

	/* From the first backslash on, characters move down over what is dropped. */
	r = w;
	while (r < end) {
		char c = *r++;

		if (c == '\\') {
			if (r == end)
				break;
			c = *r++;
			if (c == '\n') {
				joined++;
				continue;
			}
		} else if (c == '\n') {
			newline = true;
			break;
		}
		*w++ = c;
	}
	*pos = r;
	/* The end of the file ends a line too, unless nothing is left of it. */
	if (!newline && w == line)
		return NULL;
	*w = '\0';
	*linenum += joined + 1;
	return line;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/macro.h"

/* Growable string buffer; always NUL-terminated once used through strbuf_str(). */
struct strbuf {
	char *bytes;
	size_t size; /* allocated */
	size_t used; /* without the terminating NUL */
};

void strbuf_init(struct strbuf *buf);
void strbuf_release(struct strbuf *buf);
#define _cleanup_strbuf_ _cleanup_(strbuf_release)

/* Returns the NUL-terminated contents (owned by buf), or NULL on allocation failure. */
const char *strbuf_str(struct strbuf *buf);
/* Takes ownership of the contents (NUL-terminated), leaving buf empty; NULL on failure.
 */
char *strbuf_steal(struct strbuf *buf);

/* Return false on allocation failure. */
bool strbuf_pushchar(struct strbuf *buf, char ch);
bool strbuf_pushmem(struct strbuf *buf, const char *mem, size_t len);
bool strbuf_pushchars(struct strbuf *buf, const char *str);
bool strbuf_pushf(struct strbuf *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void strbuf_popchars(struct strbuf *buf, size_t n);
void strbuf_clear(struct strbuf *buf);
size_t strbuf_used(const struct strbuf *buf);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define _printf_format_(a, b) __attribute__((format(printf, a, b)))
#define _must_check_ __attribute__((warn_unused_result))
#define _nonnull_(...) __attribute__((nonnull(__VA_ARGS__)))
#define _nonnull_all_ __attribute__((nonnull))
#define _unused_ __attribute__((unused))
#define _noreturn_ __attribute__((noreturn))
#define _cleanup_(fn) __attribute__((cleanup(fn)))
#define _export_ __attribute__((visibility("default")))

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

/* Hand a pointer out of a _cleanup_ scope without freeing it. */
#define TAKE_PTR(p)                                                                      \
	({                                                                               \
		__typeof__(p) _taken_ = (p);                                             \
		(p) = NULL;                                                              \
		_taken_;                                                                 \
	})

#define TAKE_FD(fd)                                                                      \
	({                                                                               \
		int _taken_fd_ = (fd);                                                   \
		(fd) = -1;                                                               \
		_taken_fd_;                                                              \
	})

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strstartswith(a, b) (strncmp((a), (b), strlen(b)) == 0)

/* Overflow-checked arithmetic: true when the result does not fit. */
static inline bool uadd_overflow(size_t a, size_t b, size_t *res)
{
	return __builtin_add_overflow(a, b, res);
}

static inline bool umul_overflow(size_t a, size_t b, size_t *res)
{
	return __builtin_mul_overflow(a, b, res);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Internals shared by the pieces of the test trap (an LD_PRELOAD library that
 * fakes the module syscalls and redirects absolute paths into a test root).
 * Nothing here is exported: the build uses -fvisibility=hidden and the wrappers
 * that must interpose libc are marked _export_ one by one.
 */

/*
 * The wrappers must keep libc's plain symbol names: a 32-bit large-file build
 * would rename open() to open64() behind our back, fortify would turn calls
 * into inline checks.
 */
#undef _FILE_OFFSET_BITS
#undef _TIME_BITS
#undef _FORTIFY_SOURCE

#include <stdbool.h>
#include <stddef.h>

#include "util/macro.h"

#define TRAP_STRINGIFY_(x) #x
#define TRAP_STRINGIFY(x) TRAP_STRINGIFY_(x)

/*
 * The next definition of a symbol after this library, looked up once per call
 * site; NULL if libc has no such symbol.
 */
#define REAL(fn)                                                                         \
	({                                                                               \
		static void *_real_slot_;                                                \
		(__typeof__(&fn))trap_real(#fn, &_real_slot_);                           \
	})

void *trap_real(const char *name, void **slot);

/*
 * The path a wrapper must really use: path itself, or buf holding TRAP_ROOT +
 * path.  NULL with errno = ENAMETOOLONG when buf is too small.
 */
const char *trap_path(const char *path, char *buf, size_t size);

/* While on (calls nest), allocations are not counted by TRAP_FAIL_ALLOC. */
void trap_alloc_hold(bool on);

/* TRAP_ROOT without trailing '/', or NULL when unset, empty or "/"; len gets its length.
 */
const char *trap_root(size_t *len);

/* Turns a real path under TRAP_ROOT back into the logical one, in place. */
void trap_unroot(char *path);

/* SHA-256 of buf (trap-sha256.c). */
void trap_sha256(const void *buf, size_t len, unsigned char md[32]);

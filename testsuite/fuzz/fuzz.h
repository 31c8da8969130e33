/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Shared by the libFuzzer targets: a logger that formats every message (so a
 * bad format argument is read, and caught by ASan, even when nothing is
 * printed) and a memfd holding the input for the APIs that take a path.
 * Set FUZZ_VERBOSE=1 to see the messages on stderr.
 */

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

_printf_format_(6, 0) static inline void fuzz_log_fn(void *data, int priority,
						     const char *file, int line,
						     const char *fn, const char *format,
						     va_list args)
{
	static int verbose = -1;
	char buf[1024];

	vsnprintf(buf, sizeof(buf), format, args);
	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (verbose)
		fprintf(stderr, "<%d> %s", priority, buf);
}

/* Every priority, debug messages included: their arguments get formatted too. */
static const struct logger fuzz_logger = {
	.fn = fuzz_log_fn,
	.priority = LOG_DEBUG,
};

/* A file descriptor holding @pre (may be NULL) then @data; -1 on error. */
static inline int fuzz_memfd(const void *pre, size_t pre_len, const void *data,
			     size_t size)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if ((pre_len > 0 && write(fd, pre, pre_len) != (ssize_t)pre_len) ||
	    (size > 0 && write(fd, data, size) != (ssize_t)size)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* "/proc/self/fd/N": opening it opens the memfd again, at offset 0. */
static inline void fuzz_fd_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* The input as a file: a memfd holding it (-1 on error), its path in @path. */
static inline int fuzz_input_file(const uint8_t *data, size_t size, char *path,
				  size_t len)
{
	int fd = fuzz_memfd(NULL, 0, data, size);

	if (fd >= 0)
		fuzz_fd_path(path, len, fd);
	return fd;
}

/* A NUL-terminated copy of the input, for the string parsers. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Read a whole string the library handed out, so ASan sees every byte. */
static volatile size_t fuzz_sink;

static inline void fuzz_touch(const char *s)
{
	fuzz_sink = fuzz_sink + strlen(s);
}

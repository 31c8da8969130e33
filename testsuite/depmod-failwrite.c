// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * LD_PRELOAD shim for test-depmod.sh: a disk that fills up or fails.
 *
 *   FAILWRITE_MATCH   only writes to files whose path contains this string count
 *   FAILWRITE_AFTER   bytes those writes may store in all before they fail
 *   FAILWRITE_ERRNO   errno of the failure (default ENOSPC)
 *
 * A write that crosses the limit stores the bytes up to it (a short write, as a
 * full disk does) and the next one fails.  Stand-alone: no libkmod, no util/.
 */

/* _GNU_SOURCE (RTLD_NEXT) comes from config.h, included by the command line. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static size_t written; /* depmod writes from two threads: claimed atomically */

static bool fd_matches(int fd, const char *match)
{
	char link[64], path[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return false;
	path[n] = '\0';
	return strstr(path, match) != NULL;
}

__attribute__((visibility("default"))) ssize_t write(int fd, const void *buf,
						     size_t count)
{
	static ssize_t (*real_write)(int, const void *, size_t);
	const char *match = getenv("FAILWRITE_MATCH");
	const char *after = getenv("FAILWRITE_AFTER");
	const char *err = getenv("FAILWRITE_ERRNO");
	size_t limit;

	if (real_write == NULL)
		real_write =
			(ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (match == NULL || after == NULL || !fd_matches(fd, match))
		return real_write(fd, buf, count);
	limit = strtoull(after, NULL, 10);
	/* the bytes are claimed before the write: two threads never both pass the limit
	 */
	size_t cur = __atomic_load_n(&written, __ATOMIC_SEQ_CST), n;
	do {
		if (cur >= limit) {
			errno = err ? atoi(err) : ENOSPC;
			return -1;
		}
		n = count > limit - cur ? limit - cur : count;
	} while (!__atomic_compare_exchange_n(&written, &cur, cur + n, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	ssize_t r = real_write(fd, buf, n);
	if (r < (ssize_t)n)
		__atomic_fetch_sub(&written, n - (size_t)(r > 0 ? r : 0),
				   __ATOMIC_SEQ_CST);
	return r;
}

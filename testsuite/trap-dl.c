// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Test trap, dynamic loading: a library that is not installed, and what a
 * process mapped.
 *
 * Environment:
 *   TRAP_DLOPEN_FAIL=<pattern>  dlopen() of a file whose name (the part after
 *                            the last '/') matches the fnmatch(3) pattern
 *                            fails without loading anything, and dlerror()
 *                            then says "<file>: cannot open shared object
 *                            file: No such file or directory", once.
 *   TRAP_MAPS=<file>         when the process exits, one line "<pid> <path>"
 *                            is appended to <file> for each file mapping of
 *                            /proc/self/maps (a path once per run of lines).
 */

#include "testsuite/trap.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static _Thread_local char dl_error[512];
static _Thread_local bool dl_error_pending;

static bool dlopen_refused(const char *file)
{
	const char *pattern = getenv("TRAP_DLOPEN_FAIL");
	const char *base;

	if (file == NULL || pattern == NULL || pattern[0] == '\0')
		return false;
	base = strrchr(file, '/');
	return fnmatch(pattern, base != NULL ? base + 1 : file, 0) == 0;
}

_export_ void *dlopen(const char *file, int mode)
{
	void *(*real)(const char *, int) = REAL(dlopen);

	if (dlopen_refused(file)) {
		snprintf(dl_error, sizeof(dl_error),
			 "%s: cannot open shared object file: No such file or directory",
			 file);
		dl_error_pending = true;
		return NULL;
	}
	dl_error_pending = false;
	return real != NULL ? real(file, mode) : NULL;
}

_export_ char *dlerror(void)
{
	char *(*real)(void) = REAL(dlerror);

	if (dl_error_pending) {
		dl_error_pending = false;
		return dl_error;
	}
	return real != NULL ? real() : NULL;
}

/* One line of /proc/self/maps: its path (6th field) when it names a file. */
static const char *maps_path(char *line)
{
	char *p = line;

	for (int field = 0; field < 5; field++) {
		p = strchr(p, ' ');
		if (p == NULL)
			return NULL;
		p += strspn(p, " ");
	}
	return p[0] == '/' ? p : NULL;
}

__attribute__((destructor)) static void maps_dump(void)
{
	int (*real_open)(const char *, int, ...) = REAL(open);
	const char *out = getenv("TRAP_MAPS");
	char buf[8192], last[4096] = "", rec[4200];
	size_t used = 0;
	int in, fd;

	if (out == NULL || out[0] == '\0' || real_open == NULL)
		return;
	/* Through the real open(): /proc is redirected into TRAP_ROOT otherwise. */
	in = real_open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	fd = real_open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	for (;;) {
		ssize_t n = in >= 0 && fd >= 0
				    ? read(in, buf + used, sizeof(buf) - 1 - used)
				    : 0;
		char *line = buf, *nl;

		if (n <= 0)
			break;
		used += (size_t)n;
		buf[used] = '\0';
		while ((nl = strchr(line, '\n')) != NULL) {
			const char *path;
			int len;

			*nl = '\0';
			path = maps_path(line);
			line = nl + 1;
			if (path == NULL || strcmp(path, last) == 0 ||
			    strlen(path) >= sizeof(last))
				continue;
			strcpy(last, path);
			len = snprintf(rec, sizeof(rec), "%ld %s\n", (long)getpid(),
				       path);
			if (len > 0 && (size_t)len < sizeof(rec) &&
			    write(fd, rec, len) != len)
				break;
		}
		used -= (size_t)(line - buf);
		memmove(buf, line, used);
		/* A line longer than the buffer is not a file mapping we could name. */
		if (used == sizeof(buf) - 1)
			used = 0;
	}
	if (in >= 0)
		close(in);
	if (fd >= 0)
		close(fd);
}

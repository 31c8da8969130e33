// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Test trap, dynamic loading: a library that is not installed.
 *
 * Environment:
 *   TRAP_DLOPEN_FAIL=<pattern>  dlopen() of a file whose name (the part after
 *                            the last '/') matches the fnmatch(3) pattern
 *                            fails without loading anything, and dlerror()
 *                            then says "<file>: cannot open shared object
 *                            file: No such file or directory", once.
 */

#include "testsuite/trap.h"

#include <dlfcn.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
			 "%s: cannot open shared object file: No such file or directory", file);
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

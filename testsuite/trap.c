// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Test trap, common part: finding the real libc functions, the path
 * redirection rules and the faked kernel release.
 *
 * Environment:
 *   TRAP_ROOT=<dir>          absolute paths are looked up under <dir>
 *   TRAP_PASSTHROUGH=<a:b>   extra path prefixes that are never redirected
 *   TRAP_UNAME_R=<release>   what uname() reports as the kernel release
 * The module syscalls (TRAP_LOG, TRAP_RESULTS) are in trap-module.c, the
 * wrapped file functions in trap-path.c.
 */

#include "testsuite/trap.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

/* Lets a test program check that it really runs under the trap. */
_export_ const int kmod_trap_active = 1;

void *trap_real(const char *name, void **slot)
{
	void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (p == NULL) {
		p = dlsym(RTLD_NEXT, name);
		__atomic_store_n(slot, p, __ATOMIC_RELEASE);
	}
	return p;
}

const char *trap_root(size_t *len)
{
	const char *root = getenv("TRAP_ROOT");
	size_t n;

	if (root == NULL || root[0] != '/')
		return NULL;
	n = strlen(root);
	while (n > 0 && root[n - 1] == '/')
		n--;
	if (n == 0)
		return NULL;
	*len = n;
	return root;
}

/* True when path is prefix itself or lies below it (prefix has no trailing '/'). */
static bool path_under(const char *path, const char *prefix, size_t len)
{
	while (len > 0 && prefix[len - 1] == '/')
		len--;
	if (len == 0 || strncmp(path, prefix, len) != 0)
		return false;
	return path[len] == '\0' || path[len] == '/';
}

/*
 * Scratch files, devices and our own /proc/self entries must stay real,
 * whatever the test root contains.
 */
static const char *const builtin_passthrough[] = {
	"/dev",
	"/proc/self",
	"/proc/thread-self",
	"/tmp",
};

static bool passthrough(const char *path)
{
	const char *list = getenv("TRAP_PASSTHROUGH");

	for (size_t i = 0; i < ARRAY_SIZE(builtin_passthrough); i++) {
		const char *p = builtin_passthrough[i];

		if (path_under(path, p, strlen(p)))
			return true;
	}

	while (list != NULL && *list != '\0') {
		const char *end = strchrnul(list, ':');

		if (end > list && path_under(path, list, end - list))
			return true;
		list = *end == ':' ? end + 1 : end;
	}
	return false;
}

const char *trap_path(const char *path, char *buf, size_t size)
{
	const char *root;
	size_t rlen, plen;

	if (path == NULL || path[0] != '/')
		return path;
	root = trap_root(&rlen);
	if (root == NULL || path_under(path, root, rlen) || passthrough(path))
		return path;

	plen = strlen(path);
	if (rlen + plen + 1 > size) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	memcpy(buf, root, rlen);
	memcpy(buf + rlen, path, plen + 1);
	return buf;
}

void trap_unroot(char *path)
{
	const char *root;
	size_t rlen;

	if (path == NULL)
		return;
	root = trap_root(&rlen);
	if (root == NULL || !path_under(path, root, rlen))
		return;
	if (path[rlen] == '\0')
		strcpy(path, "/");
	else
		memmove(path, path + rlen, strlen(path + rlen) + 1);
}

_export_ int uname(struct utsname *buf)
{
	int (*real)(struct utsname *) = REAL(uname);
	const char *release = getenv("TRAP_UNAME_R");
	int r;

	if (real == NULL) {
		errno = ENOSYS;
		return -1;
	}
	r = real(buf);
	if (r != 0 || release == NULL)
		return r;
	/* The kernel never reports a truncated release: refuse rather than lie. */
	if (strlen(release) >= sizeof(buf->release)) {
		errno = EOVERFLOW;
		return -1;
	}
	strcpy(buf->release, release);
	return 0;
}

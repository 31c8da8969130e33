// SPDX-License-Identifier: LGPL-2.1-or-later

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"

int open_regular_at(int dirfd, const char *path, bool nofollow, struct stat *st)
{
	int nofollow_flag = nofollow ? O_NOFOLLOW : 0;
	_cleanup_close_ int pathfd = -1;
	struct stat looked, opened;
	char proc[64];
	int fd;

	pathfd = openat(dirfd, path, O_PATH | O_CLOEXEC | nofollow_flag);
	if (pathfd < 0)
		return -errno;
	if (fstat(pathfd, &looked) < 0)
		return -errno;
	if (S_ISLNK(looked.st_mode))
		return -ELOOP;
	if (!S_ISREG(looked.st_mode))
		return -EINVAL;

	/* Reopen the very inode looked at, not the path again. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pathfd);
	fd = open(proc, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		/* No /proc (early boot, some chroots): reopen by path, then compare. */
		fd = openat(dirfd, path,
			    O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | nofollow_flag);
	}
	if (fd < 0)
		return -errno;
	if (fstat(fd, &opened) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (opened.st_dev != looked.st_dev || opened.st_ino != looked.st_ino ||
	    !S_ISREG(opened.st_mode)) {
		close(fd);
		return -EAGAIN;
	}
	if (st != NULL)
		*st = opened;
	return fd;
}

const char *open_regular_strerror(int err)
{
	switch (err) {
	case -EINVAL:
		return "not a regular file";
	case -EAGAIN:
		return "replaced while being opened";
	default:
		return strerror(-err);
	}
}

FILE *fopen_regular(const char *path)
{
	int fd = open_regular(path, NULL);
	FILE *fp;

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	fp = fdopen(fd, "re");
	if (fp == NULL) {
		int err = errno;

		close(fd);
		errno = err;
	}
	return fp;
}

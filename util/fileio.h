/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>

/*
 * The one way files are opened for reading here: the path (relative to dirfd,
 * or AT_FDCWD) is first looked at through O_PATH, which opens nothing, and
 * only a regular file is then opened O_RDONLY|O_NONBLOCK|O_NOCTTY|O_CLOEXEC.
 * So a FIFO cannot hang the reader and a device node is never opened (opening
 * some has side effects). The reopened file must be the one looked at (same
 * st_dev and st_ino), or the path was swapped in between.
 *
 * Symlinks are followed unless nofollow is set: reading through a link to a
 * regular file is as safe as reading the file. Creating files never follows.
 *
 * Returns the fd and fills *st (may be NULL), or -errno: -ENOENT and the like
 * from the lookup, -EINVAL for anything but a regular file (-ELOOP for a
 * symlink when nofollow is set), -EAGAIN when the file was replaced.
 */
int open_regular_at(int dirfd, const char *path, bool nofollow, struct stat *st);

static inline int open_regular(const char *path, struct stat *st)
{
	return open_regular_at(AT_FDCWD, path, false, st);
}

/*
 * What an open_regular_at() error means, for a message after the path:
 * "not a regular file" for -EINVAL, strerror() for the others.
 */
const char *open_regular_strerror(int err);

/* open_regular() as a stdio stream ("re"); NULL with errno set on failure. */
FILE *fopen_regular(const char *path);

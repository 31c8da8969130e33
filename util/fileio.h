/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>

/*
 * The way files are opened for reading here (depmod's walk aside, below):
 * the path (relative to dirfd, or AT_FDCWD) is first looked at through
 * O_PATH, which opens nothing, and only a regular file is then opened
 * O_RDONLY|O_NONBLOCK|O_NOCTTY|O_CLOEXEC.
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

/*
 * open_regular_at() for a name a directory listing has just shown as a
 * regular file (d_type DT_REG): one open, O_RDONLY|O_NONBLOCK|O_NOCTTY|
 * O_NOFOLLOW|O_CLOEXEC, then fstat, instead of two path walks and a reopen
 * through /proc (depmod opens thousands).  As safe for such a name: a symlink
 * put there since is refused (-ELOOP), a FIFO neither blocks nor is read
 * (-EINVAL), and a device node only gets there by mknod, which takes root, or
 * by a hard link, which protected_hardlinks allows only to one its owner may
 * read and write: one anybody may open anyway.  Same returns otherwise.
 */
int open_listed_regular_at(int dirfd, const char *path, struct stat *st);

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

/*
 * Creating files: always relative to a directory fd opened once, always
 * exclusively, never following a symlink, so that a name someone else
 * planted (a link to /etc/shadow, say) is never written through.
 */

/*
 * A new file @name in @dirfd, opened O_WRONLY|O_CLOEXEC: O_CREAT|O_EXCL|
 * O_NOFOLLOW, so -EEXIST when anything, a symlink included, has that name.
 * Returns the fd or -errno.
 */
int create_new_at(int dirfd, const char *name, mode_t mode);

/*
 * A file written whole before it replaces a name in @dirfd all at once.  It
 * is made with O_TMPFILE, nameless until tmpfile_link(); on a file system
 * without O_TMPFILE, with create_new_at() under a random name
 * "<prefix>XXXXXXXX<suffix>".  tmpfile_link() closes it and links it under
 * such a name (linkat never replaces anything); tmpfile_rename() then moves
 * it over the name it replaces: rename replaces a symlink at that name, never
 * what it points to, and readers see the old file or the new one.  Linking
 * a set of files before renaming any keeps a failure (a late write error
 * reported by close) from leaving half a set.
 */
struct tmpfile {
	int dirfd;
	int fd;		/* write here; -1 once linked or discarded */
	char name[256]; /* the temporary name while it has one, else "" */
	char prefix[128], suffix[32];
};

/* 0 with t->fd open, or -errno. */
int tmpfile_open_at(struct tmpfile *t, int dirfd, const char *prefix, const char *suffix,
		    mode_t mode);
/* Close the file (its error is returned) and give it its temporary name.  0 or -errno. */
int tmpfile_link(struct tmpfile *t);
/* tmpfile_link() if not done, then rename it to @name.  0 or -errno. */
int tmpfile_rename(struct tmpfile *t, const char *name);
/* Close and remove it: what was not renamed goes. */
void tmpfile_discard(struct tmpfile *t);

/*
 * The directory @path is in, opened (O_RDONLY|O_DIRECTORY|O_CLOEXEC), and in
 * *base the last component of @path, the name to create in it.  Returns the
 * fd or -errno: -ENOENT for "", -EISDIR for a path ending in '/'.
 */
int open_parent_dir(const char *path, const char **base);

/*
 * A stream over the entries of the directory @dirfd, which stays open and
 * the caller's (closedir() closes only the stream's own fd).  NULL with
 * errno set.
 */
DIR *opendir_at(int dirfd);

/* Read at @off until @len bytes or end of file, EINTR retried.  Bytes read or -errno. */
ssize_t pread_full(int fd, void *buf, size_t len, off_t off);

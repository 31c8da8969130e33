// SPDX-License-Identifier: LGPL-2.1-or-later

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "util/fileio.h"
#include "util/macro.h"

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

int open_listed_regular_at(int dirfd, const char *path, struct stat *st)
{
	_cleanup_close_ int fd = -1;
	struct stat opened;

	fd = openat(dirfd, path,
		    O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &opened) < 0)
		return -errno;
	if (!S_ISREG(opened.st_mode))
		return -EINVAL;
	if (st != NULL)
		*st = opened;
	return TAKE_FD(fd);
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

int create_new_at(int dirfd, const char *name, mode_t mode)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			mode);

	return fd < 0 ? -errno : fd;
}

/* A fresh "<prefix>XXXXXXXX<suffix>" in t->name; -ENAMETOOLONG when it does not fit. */
static int random_name(struct tmpfile *t)
{
	static const char chars[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	uint8_t rnd[8];
	char x[sizeof(rnd) + 1];
	int n;

	/* unpredictable names only limit retries: exclusive creation is the defence */
	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd)) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		for (size_t i = 0; i < sizeof(rnd); i++)
			rnd[i] = (uint8_t)((uint64_t)ts.tv_nsec >> (i * 3)) ^
				 (uint8_t)(getpid() >> i);
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		x[i] = chars[rnd[i] % (sizeof(chars) - 1)];
	x[sizeof(rnd)] = '\0';
	n = snprintf(t->name, sizeof(t->name), "%s%s%s", t->prefix, x, t->suffix);
	if (n < 0 || (size_t)n >= sizeof(t->name)) {
		t->name[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

#define TMPFILE_TRIES 64

int tmpfile_open_at(struct tmpfile *t, int dirfd, const char *prefix, const char *suffix,
		    mode_t mode)
{
	int err = -EEXIST;

	*t = (struct tmpfile){ .dirfd = dirfd, .fd = -1 };
	if (strlen(prefix) >= sizeof(t->prefix) || strlen(suffix) >= sizeof(t->suffix))
		return -ENAMETOOLONG;
	strcpy(t->prefix, prefix);
	strcpy(t->suffix, suffix);
	t->fd = openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
	if (t->fd >= 0)
		return 0;
	/* only a file system without O_TMPFILE falls back to a named file */
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return -errno;
	for (int i = 0; i < TMPFILE_TRIES && err == -EEXIST; i++) {
		err = random_name(t);
		if (err < 0)
			return err;
		t->fd = create_new_at(dirfd, t->name, mode);
		err = t->fd < 0 ? t->fd : 0;
	}
	if (err < 0) {
		t->fd = -1;
		t->name[0] = '\0';
	}
	return err;
}

/* Give a nameless file a fresh temporary name. */
static int link_tmpfile(struct tmpfile *t)
{
	char proc[64];
	int err = -EEXIST;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", t->fd);
	for (int i = 0; i < TMPFILE_TRIES && err == -EEXIST; i++) {
		err = random_name(t);
		if (err < 0)
			return err;
		err = 0;
		if (linkat(AT_FDCWD, proc, t->dirfd, t->name, AT_SYMLINK_FOLLOW) == 0)
			break;
		err = -errno;
		/* no /proc: the same through the fd, which needs CAP_DAC_READ_SEARCH */
		if (err == -ENOENT &&
		    linkat(t->fd, "", t->dirfd, t->name, AT_EMPTY_PATH) == 0) {
			err = 0;
			break;
		}
		if (err == -ENOENT)
			err = -errno;
	}
	if (err < 0)
		t->name[0] = '\0';
	return err;
}

int tmpfile_link(struct tmpfile *t)
{
	int err = 0;

	if (t->fd < 0)
		return t->name[0] != '\0' ? 0 : -EBADF;
	if (t->name[0] == '\0')
		err = link_tmpfile(t);
	if (close(t->fd) < 0 && err == 0)
		err = -errno;
	t->fd = -1;
	if (err < 0)
		tmpfile_discard(t);
	return err;
}

int tmpfile_rename(struct tmpfile *t, const char *name)
{
	int err = tmpfile_link(t);

	if (err == 0 && renameat(t->dirfd, t->name, t->dirfd, name) < 0) {
		err = -errno;
		tmpfile_discard(t);
	}
	t->name[0] = '\0';
	return err;
}

void tmpfile_discard(struct tmpfile *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	if (t->name[0] != '\0')
		unlinkat(t->dirfd, t->name, 0);
	t->name[0] = '\0';
}

int open_parent_dir(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	if (path[0] == '\0')
		return -ENOENT;
	if (slash == NULL) {
		*base = path;
		dir = strdup(".");
	} else {
		*base = slash + 1;
		/* "/x" is in "/" */
		dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	}
	if (dir == NULL)
		return -ENOMEM;
	if (**base == '\0') {
		free(dir);
		return -EISDIR;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	return fd < 0 ? -errno : fd;
}

DIR *opendir_at(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir;

	if (fd < 0)
		return NULL;
	dir = fdopendir(fd);
	if (dir == NULL) {
		int err = errno;

		close(fd);
		errno = err;
	}
	return dir;
}

ssize_t pread_full(int fd, void *buf, size_t len, off_t off)
{
	uint8_t *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, p + done, len - done, off + (off_t)done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

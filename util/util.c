// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/fileio.h"
#include "util/macro.h"
#include "util/util.h"

/* Only compressions this build can open count as modules. */
const char *const kmod_exts[] = {
	".ko",
#ifdef ENABLE_ZLIB
	".ko.gz",
#endif
#ifdef ENABLE_XZ
	".ko.xz",
#endif
#ifdef ENABLE_ZSTD
	".ko.zst",
#endif
	NULL,
};

ssize_t read_str_safe(int fd, char *buf, size_t buflen)
{
	size_t done = 0;

	if (buflen == 0)
		return -EINVAL;
	while (done < buflen - 1) {
		ssize_t r = read(fd, buf + done, buflen - 1 - done);

		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		done += (size_t)r;
	}
	buf[done] = '\0';
	return (ssize_t)done;
}

ssize_t write_str_safe(int fd, const char *buf, size_t buflen)
{
	size_t done = 0;

	while (done < buflen) {
		ssize_t r = write(fd, buf + done, buflen - done);

		if (r == 0)
			return -EIO;
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		done += (size_t)r;
	}
	return (ssize_t)done;
}

int read_str_from_file(const char *path, char *buf, size_t buflen)
{
	_cleanup_close_ int fd = open_regular(path, NULL);
	ssize_t r;
	char *nl;

	if (fd < 0)
		return fd;
	r = read_str_safe(fd, buf, buflen);
	if (r < 0)
		return (int)r;
	nl = strchr(buf, '\n');
	if (nl != NULL)
		*nl = '\0';
	return 0;
}

/*
 * Read the whole (short) file into buf: a number that does not fit is rejected
 * rather than silently parsed from a truncated prefix.
 */
static int read_number_text(int fd, char *buf, size_t buflen)
{
	ssize_t r = read_str_safe(fd, buf, buflen);
	char extra[2];

	if (r < 0)
		return (int)r;
	if ((size_t)r == buflen - 1) {
		ssize_t more = read_str_safe(fd, extra, sizeof(extra));

		if (more < 0)
			return (int)more;
		if (more > 0)
			return -EINVAL;
	}
	return 0;
}

/* The number must be followed by nothing or by exactly one newline. */
static bool number_end_ok(const char *start, const char *end)
{
	if (end == start)
		return false;
	return end[0] == '\0' || (end[0] == '\n' && end[1] == '\0');
}

int read_str_long(int fd, long *value, int base)
{
	char buf[64];
	char *end;
	long v;
	int err = read_number_text(fd, buf, sizeof(buf));

	if (err < 0)
		return err;
	errno = 0;
	v = strtol(buf, &end, base);
	if (errno != 0)
		return -errno;
	if (!number_end_ok(buf, end))
		return -EINVAL;
	*value = v;
	return 0;
}

int read_str_ulong(int fd, unsigned long *value, int base)
{
	char buf[64];
	char *end;
	unsigned long v;
	int err = read_number_text(fd, buf, sizeof(buf));

	if (err < 0)
		return err;
	/* strtoul() would quietly wrap "-1" to ULONG_MAX. */
	if (strchr(buf, '-') != NULL)
		return -EINVAL;
	errno = 0;
	v = strtoul(buf, &end, base);
	if (errno != 0)
		return -errno;
	if (!number_end_ok(buf, end))
		return -EINVAL;
	*value = v;
	return 0;
}

char *strchr_replace(char *s, char c1, char c2)
{
	for (char *p = s; *p != '\0'; p++) {
		if (*p == c1)
			*p = c2;
	}
	return s;
}

char *modname_normalize(const char *modname, char buf[static PATH_MAX_LEN], size_t *len)
{
	size_t i;

	for (i = 0; modname[i] != '\0' && modname[i] != '.'; i++) {
		if (i >= PATH_MAX_LEN - 1)
			return NULL;
		buf[i] = modname[i] == '-' ? '_' : modname[i];
	}
	buf[i] = '\0';
	if (len != NULL)
		*len = i;
	return buf;
}

char *path_to_modname(const char *path, char buf[static PATH_MAX_LEN], size_t *len)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash != NULL ? slash + 1 : path;

	if (name[0] == '\0')
		return NULL;
	return modname_normalize(name, buf, len);
}

int alias_normalize(const char *alias, char *buf, size_t *len)
{
	size_t i = 0;

	while (alias[i] != '\0') {
		char c = alias[i];

		if (c == ']')
			return -EINVAL;
		if (c == '[') {
			/* A bracket expression is a pattern: keep it byte for byte. */
			const char *close = strchr(alias + i, ']');
			size_t n;

			if (close == NULL)
				return -EINVAL;
			n = (size_t)(close - (alias + i)) + 1;
			memcpy(buf + i, alias + i, n);
			i += n;
			continue;
		}
		buf[i++] = c == '-' ? '_' : c;
	}
	buf[i] = '\0';
	if (len != NULL)
		*len = i;
	return 0;
}

bool path_ends_with_kmod_ext(const char *path, size_t len)
{
	for (const char *const *ext = kmod_exts; *ext != NULL; ext++) {
		size_t elen = strlen(*ext);

		if (len >= elen && memcmp(path + len - elen, *ext, elen) == 0)
			return true;
	}
	return false;
}

bool path_is_absolute(const char *p)
{
	return p[0] == '/';
}

char *path_make_absolute_cwd(const char *p)
{
	_cleanup_free_ char *cwd = NULL;
	size_t clen, plen, total;
	char *r;

	if (path_is_absolute(p))
		return strdup(p);

	cwd = getcwd(NULL, 0);
	if (cwd == NULL)
		return NULL;
	clen = strlen(cwd);
	plen = strlen(p);
	/* cwd + '/' + p + NUL */
	if (uadd_overflow(clen, plen, &total) || uadd_overflow(total, 2, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	r = malloc(total);
	if (r == NULL)
		return NULL;
	memcpy(r, cwd, clen);
	r[clen] = '/';
	memcpy(r + clen + 1, p, plen + 1);
	return r;
}

static int ensure_dir(const char *dir, mode_t mode)
{
	struct stat st;

	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	if (errno != ENOENT)
		return -errno;
	if (mkdir(dir, mode) == 0)
		return 0;
	/* Someone else may have created it between stat() and mkdir(). */
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return -errno;
}

int mkdir_parents(const char *path, mode_t mode)
{
	const char *last = strrchr(path, '/');
	_cleanup_free_ char *dir = NULL;
	size_t n;

	if (last == NULL || last == path)
		return 0;
	n = (size_t)(last - path);
	dir = strndup(path, n);
	if (dir == NULL)
		return -ENOMEM;

	/* Walk the components in order; empty ones ("//", leading '/') are skipped. */
	for (size_t i = 1; i <= n; i++) {
		int err;

		if (i < n && dir[i] != '/')
			continue;
		if (dir[i - 1] == '/')
			continue;
		dir[i] = '\0';
		err = ensure_dir(dir, mode);
		if (i < n)
			dir[i] = '/';
		if (err < 0)
			return err;
	}
	return 0;
}

unsigned long long stat_mstamp(const struct stat *st)
{
	return (unsigned long long)st->st_mtim.tv_sec * 1000000ULL +
	       (unsigned long long)st->st_mtim.tv_nsec / 1000ULL;
}

unsigned long long now_usec(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (unsigned long long)ts.tv_sec * 1000000ULL +
	       (unsigned long long)ts.tv_nsec / 1000ULL;
}

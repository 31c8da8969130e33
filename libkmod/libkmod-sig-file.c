// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Detached signature files: "<module path>.sig" next to the module, read
 * and checked before anything is appended to an image.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fileio.h"
#include "util/macro.h"
#include "libkmod/libkmod-file.h"

#define SIG_SUFFIX ".sig"

static char *sig_path(const char *module_path)
{
	size_t len = strlen(module_path);
	size_t total;
	char *path;

	if (uadd_overflow(len, sizeof(SIG_SUFFIX), &total))
		return NULL;
	path = malloc(total);
	if (path == NULL)
		return NULL;
	memcpy(path, module_path, len);
	memcpy(path + len, SIG_SUFFIX, sizeof(SIG_SUFFIX));
	return path;
}

/* Whole file into a new buffer of exactly @size bytes. */
static int read_exact(const struct logger *lg, const char *path, int fd, size_t size,
		      uint8_t **ret)
{
	_cleanup_free_ uint8_t *buf = malloc(size);
	size_t done = 0;
	int err;

	if (buf == NULL)
		return -ENOMEM;

	while (done < size) {
		ssize_t n = read(fd, buf + done, size - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			lg_err(lg, "%s: could not read: %s\n", path, strerror(-err));
			return err;
		}
		if (n == 0) {
			lg_err(lg, "%s: short read\n", path);
			return -EIO;
		}
		done += n;
	}

	*ret = TAKE_PTR(buf);
	return 0;
}

int kmod_detached_sig_open(const struct logger *lg, const char *module_path,
			   struct kmod_detached_sig **ret)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	_cleanup_free_ uint8_t *trailer = NULL;
	_cleanup_close_ int fd = -1;
	struct kmod_detached_sig *sig;
	enum kmod_sig_format format;
	char reason[128];
	struct stat st;
	size_t size, trailer_len;
	int err;

	path = sig_path(module_path);
	if (path == NULL)
		return -ENOMEM;

	/* A FIFO or a device node in place of the .sig is refused, never opened. */
	fd = open_regular(path, &st);
	if (fd < 0) {
		/* No .sig is the common case, not an error. */
		if (fd != -ENOENT)
			lg_err(lg, "%s: %s\n", path, open_regular_strerror(fd));
		return fd;
	}
	if (st.st_size == 0) {
		lg_err(lg, "%s: empty\n", path);
		return -EBADMSG;
	}
	if (st.st_size > DETACHED_SIG_MAX_SIZE) {
		lg_err(lg, "%s: larger than %d bytes\n", path, DETACHED_SIG_MAX_SIZE);
		return -EFBIG;
	}
	size = (size_t)st.st_size;

	err = read_exact(lg, path, fd, size, &buf);
	if (err < 0)
		return err;

	if (kmod_sig_check_detached_msg(buf, size, &format, reason, sizeof(reason)) < 0) {
		lg_err(lg, "%s: malformed signature: %s\n", path, reason);
		return -EBADMSG;
	}

	trailer_len = kmod_sig_trailer_size(format, size);
	trailer = malloc(trailer_len);
	sig = malloc(sizeof(*sig));
	if (trailer == NULL || sig == NULL) {
		free(sig);
		return -ENOMEM;
	}
	kmod_sig_write_trailer(trailer, buf, size, format);

	sig->path = TAKE_PTR(path);
	sig->format = format;
	sig->trailer_len = trailer_len;
	sig->trailer = TAKE_PTR(trailer);
	*ret = sig;
	return 0;
}

void kmod_detached_sig_free(struct kmod_detached_sig *sig)
{
	if (sig == NULL)
		return;
	free(sig->path);
	free(sig->trailer);
	free(sig);
}

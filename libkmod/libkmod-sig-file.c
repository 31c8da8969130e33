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

char *kmod_detached_sig_path(const char *module_path)
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
	ssize_t n;

	if (buf == NULL)
		return -ENOMEM;
	n = pread_full(fd, buf, size, 0);
	if (n < 0) {
		lg_err(lg, "%s: could not read: %s\n", path, strerror((int)-n));
		return (int)n;
	}
	if ((size_t)n < size) {
		lg_err(lg, "%s: short read\n", path);
		return -EIO;
	}
	*ret = TAKE_PTR(buf);
	return 0;
}

/*
 * The whole .sig at @path into a new buffer: a regular file (open_regular()
 * refuses a FIFO or a device node unopened), not empty, at most
 * DETACHED_SIG_MAX_SIZE bytes.  -ENOENT, unlogged, when there is none.
 */
static int sig_read(const struct logger *lg, const char *path, uint8_t **buf,
		    size_t *size)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

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
	*size = (size_t)st.st_size;
	return read_exact(lg, path, fd, *size, buf);
}

/* The signature file's @size bytes validated and turned into the trailer to append. */
static int sig_convert(const struct logger *lg, const char *path, const uint8_t *buf,
		       size_t size, struct kmod_detached_sig *sig)
{
	char reason[128];

	if (kmod_sig_check_detached_msg(buf, size, &sig->format, reason, sizeof(reason)) <
	    0) {
		lg_err(lg, "%s: malformed signature: %s\n", path, reason);
		return -EBADMSG;
	}
	sig->trailer_len = kmod_sig_trailer_size(sig->format, size);
	sig->trailer = malloc(sig->trailer_len);
	if (sig->trailer == NULL)
		return -ENOMEM;
	kmod_sig_write_trailer(sig->trailer, buf, size, sig->format);
	return 0;
}

int kmod_detached_sig_open(const struct logger *lg, const char *module_path,
			   struct kmod_detached_sig **ret)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	struct kmod_detached_sig *sig;
	size_t size;
	int err;

	path = kmod_detached_sig_path(module_path);
	if (path == NULL)
		return -ENOMEM;
	err = sig_read(lg, path, &buf, &size);
	if (err < 0)
		return err;

	sig = calloc(1, sizeof(*sig));
	if (sig == NULL)
		return -ENOMEM;
	err = sig_convert(lg, path, buf, size, sig);
	if (err < 0) {
		kmod_detached_sig_free(sig);
		return err;
	}
	sig->path = TAKE_PTR(path);
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

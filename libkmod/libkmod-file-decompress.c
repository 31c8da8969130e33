// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The decompressors' common part (libkmod-file-decompress.h): input read in
 * chunks, one image buffer grown up to KMOD_FILE_MAX_IMAGE with the tail room
 * kept behind it.  Below both libkmod-file.c and the codecs.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/dlopen.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "libkmod/libkmod-file-decompress.h"

int kmod_file_decompress_dlopen(struct kmod_file_decompress *d, struct dl_library *lib,
				const char *format)
{
	char why[256];

	if (dl_library_load(lib, why, sizeof(why)) == 0)
		return 0;
	lg_err(d->lg, "%s: %s decompression unavailable: %s\n", d->path, format, why);
	return -EINVAL;
}

static int decompress_alloc(struct kmod_file_decompress *d, size_t image_cap)
{
	size_t total;
	uint8_t *p;

	if (uadd_overflow(image_cap, d->tail_room, &total))
		return -ENOMEM;
	/* An empty image and no room still gets a pointer. */
	p = realloc(d->mem, total > 0 ? total : 1);
	if (p == NULL) {
		lg_err(d->lg, "%s: out of memory for a %zu byte image\n", d->path,
		       image_cap);
		return -ENOMEM;
	}
	d->mem = p;
	d->image_cap = image_cap;
	return 0;
}

static int decompress_too_big(struct kmod_file_decompress *d)
{
	lg_err(d->lg, "%s: decompressed size exceeds %zu MiB\n", d->path,
	       KMOD_FILE_MAX_IMAGE >> 20);
	return -EFBIG;
}

int kmod_file_decompress_start(struct kmod_file_decompress *d, size_t hint)
{
	size_t guess;

	if (hint > KMOD_FILE_MAX_IMAGE)
		return decompress_too_big(d);

	if (hint > 0) {
		guess = hint;
	} else {
		/* Modules shrink about 3-4x; growth covers the rest. */
		if (umul_overflow(d->in_size, 4, &guess))
			guess = KMOD_FILE_MAX_IMAGE;
		if (guess < KMOD_FILE_DECOMPRESS_CHUNK)
			guess = KMOD_FILE_DECOMPRESS_CHUNK;
		if (guess > KMOD_FILE_MAX_IMAGE)
			guess = KMOD_FILE_MAX_IMAGE;
	}
	return decompress_alloc(d, guess);
}

int kmod_file_decompress_start_exact(struct kmod_file_decompress *d, size_t size)
{
	if (size > KMOD_FILE_MAX_IMAGE)
		return decompress_too_big(d);
	return decompress_alloc(d, size);
}

int kmod_file_decompress_grow(struct kmod_file_decompress *d)
{
	size_t next;

	if (d->image_cap >= KMOD_FILE_MAX_IMAGE)
		return decompress_too_big(d);

	next = d->image_cap < KMOD_FILE_DECOMPRESS_CHUNK ? KMOD_FILE_DECOMPRESS_CHUNK
							 : d->image_cap * 2;
	if (next > KMOD_FILE_MAX_IMAGE)
		next = KMOD_FILE_MAX_IMAGE;
	return decompress_alloc(d, next);
}

ssize_t kmod_file_decompress_read(struct kmod_file_decompress *d, void *buf, size_t len)
{
	ssize_t n = pread_full(d->fd, buf, len, d->in_off);

	if (n < 0) {
		lg_err(d->lg, "%s: could not read: %s\n", d->path, strerror((int)-n));
		return n;
	}
	d->in_off += n;
	return n;
}

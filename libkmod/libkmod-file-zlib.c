// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gzip: zlib inflate over one or more concatenated members, as gzip(1)
 * writes them for "cat a.gz b.gz".  The last member's ISIZE (size modulo
 * 2^32) is only a hint for the first allocation.
 */

#include <errno.h>
#include <unistd.h>
#include <zlib.h>

#include "util/dlopen.h"
#include "util/macro.h"
#include "libkmod/libkmod-file-decompress.h"

#define ZLIB_SONAME DL_SONAME("z", ZLIB_VER_MAJOR)

DL_NOTE(zlib_note, "zlib", "Reading gzip-compressed modules (.ko.gz)", "recommended",
	ZLIB_SONAME);

/* What this file calls of zlib; inflateInit2() is a macro over inflateInit2_(). */
#define ZLIB_FUNCS(X, t)                                                                 \
	X(t, inflateInit2_) X(t, inflate) X(t, inflateReset) X(t, inflateEnd)

DL_LIBRARY(zlib, ZLIB_SONAME, ZLIB_FUNCS);

#define inflateInit2_ (*zlib.inflateInit2_)
#define inflate (*zlib.inflate)
#define inflateReset (*zlib.inflateReset)
#define inflateEnd (*zlib.inflateEnd)

/* 15-bit window, +32: accept a gzip (or zlib) header, whichever is there. */
#define GZIP_WINDOW_BITS (15 + 32)

/* Deflate cannot expand data by more than about 1032:1. */
#define DEFLATE_MAX_RATIO 1032

static void inflate_endp(z_stream **z)
{
	if (*z != NULL)
		inflateEnd(*z);
}

static size_t isize_hint(const struct kmod_file_decompress *d)
{
	uint8_t b[4];
	size_t isize, limit;

	if (d->in_size < sizeof(b) ||
	    pread(d->fd, b, sizeof(b), (off_t)(d->in_size - sizeof(b))) != sizeof(b))
		return 0;

	isize = (size_t)b[0] | (size_t)b[1] << 8 | (size_t)b[2] << 16 |
		(size_t)b[3] << 24;
	/* A lying trailer must not make us allocate what the data can't fill. */
	if (umul_overflow(d->in_size, DEFLATE_MAX_RATIO, &limit))
		limit = SIZE_MAX;
	if (isize > limit || isize > KMOD_FILE_MAX_IMAGE)
		return 0;
	return isize;
}

static int zlib_error(struct kmod_file_decompress *d, int ret, const char *msg)
{
	if (ret == Z_MEM_ERROR) {
		lg_err(d->lg, "%s: gzip: out of memory\n", d->path);
		return -ENOMEM;
	}
	lg_err(d->lg, "%s: gzip: %s\n", d->path, msg != NULL ? msg : "corrupt data");
	return -EBADMSG;
}

int kmod_file_decompress_zlib(struct kmod_file_decompress *d)
{
	_cleanup_(inflate_endp) z_stream *zp = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	z_stream z = { 0 };
	bool member_done = false;
	int ret, err;

	err = kmod_file_decompress_dlopen(d, &zlib_lib, "gzip");
	if (err < 0)
		return err;
	buf = malloc(KMOD_FILE_DECOMPRESS_CHUNK);
	if (buf == NULL)
		return -ENOMEM;

	ret = inflateInit2(&z, GZIP_WINDOW_BITS);
	if (ret != Z_OK)
		return zlib_error(d, ret, z.msg);
	zp = &z;

	err = kmod_file_decompress_start(d, isize_hint(d));
	if (err < 0)
		return err;

	for (;;) {
		size_t avail;

		if (z.avail_in == 0) {
			ssize_t n = kmod_file_decompress_read(d, buf,
							      KMOD_FILE_DECOMPRESS_CHUNK);
			if (n < 0)
				return (int)n;
			if (n == 0) {
				if (member_done)
					return 0;
				return zlib_error(
					d, Z_DATA_ERROR,
					"unexpected end of input (truncated file)");
			}
			z.next_in = buf;
			z.avail_in = (uInt)n;
		}

		if (kmod_file_decompress_avail(d) == 0) {
			err = kmod_file_decompress_grow(d);
			if (err < 0)
				return err;
		}

		/* The image cap keeps this far below UINT_MAX. */
		avail = kmod_file_decompress_avail(d);
		z.next_out = d->mem + d->size;
		z.avail_out = (uInt)avail;
		ret = inflate(&z, Z_NO_FLUSH);
		d->size += avail - z.avail_out;

		switch (ret) {
		case Z_STREAM_END:
			/* Whatever follows must be another member. */
			member_done = true;
			ret = inflateReset(&z);
			if (ret != Z_OK)
				return zlib_error(d, ret, z.msg);
			break;
		case Z_OK:
			member_done = false;
			break;
		case Z_BUF_ERROR:
			/* No progress: more input or more output, both handled above. */
			break;
		default:
			return zlib_error(d, ret, z.msg);
		}
	}
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zstd: streaming decoder over one or more concatenated frames.  The first
 * frame's content size, when the header carries it, sizes the buffer up
 * front (kbuild's zstd always writes it); otherwise the buffer grows.
 */

#include <errno.h>
#include <zstd.h>

#include "util/dlopen.h"
#include "util/macro.h"
#include "libkmod/libkmod-file-decompress.h"

#define ZSTD_SONAME DL_SONAME("zstd", ZSTD_VERSION_MAJOR)

DL_NOTE(zstd_note, "zstd", "Reading zstd-compressed modules (.ko.zst)", "recommended",
	ZSTD_SONAME);

#define ZSTD_FUNCS(X, t)                                                                 \
	X(t, ZSTD_createDStream)                                                         \
	X(t, ZSTD_initDStream)                                                           \
	X(t, ZSTD_decompressStream)                                                      \
	X(t, ZSTD_freeDStream)                                                           \
	X(t, ZSTD_getFrameContentSize)                                                   \
	X(t, ZSTD_isError)                                                               \
	X(t, ZSTD_getErrorName)

DL_LIBRARY(zstd, ZSTD_SONAME, ZSTD_FUNCS);

#define ZSTD_createDStream (*zstd.ZSTD_createDStream)
#define ZSTD_initDStream (*zstd.ZSTD_initDStream)
#define ZSTD_decompressStream (*zstd.ZSTD_decompressStream)
#define ZSTD_freeDStream (*zstd.ZSTD_freeDStream)
#define ZSTD_getFrameContentSize (*zstd.ZSTD_getFrameContentSize)
#define ZSTD_isError (*zstd.ZSTD_isError)
#define ZSTD_getErrorName (*zstd.ZSTD_getErrorName)

static void dstream_freep(ZSTD_DStream **ds)
{
	/* Also when libzstd could not be loaded: then there is no stream. */
	if (*ds != NULL)
		ZSTD_freeDStream(*ds);
}

static size_t content_size_hint(const uint8_t *in, size_t len)
{
	unsigned long long fcs = ZSTD_getFrameContentSize(in, len);

	if (fcs == ZSTD_CONTENTSIZE_UNKNOWN || fcs == ZSTD_CONTENTSIZE_ERROR)
		return 0;
	/* Let kmod_file_decompress_start() refuse it as too big. */
	if (fcs > KMOD_FILE_MAX_IMAGE)
		return KMOD_FILE_MAX_IMAGE + 1;
	return (size_t)fcs;
}

int kmod_file_decompress_zstd(struct kmod_file_decompress *d)
{
	_cleanup_(dstream_freep) ZSTD_DStream *ds = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	ZSTD_inBuffer in = { 0 };
	bool eof = false, pending = false;
	size_t ret, last = 1;
	ssize_t n;
	int err;

	err = kmod_file_decompress_dlopen(d, &zstd_lib, "zstd");
	if (err < 0)
		return err;
	buf = malloc(KMOD_FILE_DECOMPRESS_CHUNK);
	ds = ZSTD_createDStream();
	if (buf == NULL || ds == NULL)
		return -ENOMEM;
	ret = ZSTD_initDStream(ds);
	if (ZSTD_isError(ret)) {
		lg_err(d->lg, "%s: zstd: %s\n", d->path, ZSTD_getErrorName(ret));
		return -ENOMEM;
	}

	n = kmod_file_decompress_read(d, buf, KMOD_FILE_DECOMPRESS_CHUNK);
	if (n < 0)
		return (int)n;
	in.src = buf;
	in.size = n;
	eof = n == 0;

	err = kmod_file_decompress_start(d, content_size_hint(buf, n));
	if (err < 0)
		return err;

	for (;;) {
		ZSTD_outBuffer out;

		if (in.pos == in.size && !eof) {
			n = kmod_file_decompress_read(d, buf, KMOD_FILE_DECOMPRESS_CHUNK);
			if (n < 0)
				return (int)n;
			in.size = n;
			in.pos = 0;
			eof = n == 0;
		}
		/* At the end, keep calling only while output may still be buffered. */
		if (eof && in.pos == in.size && !pending)
			break;

		if (kmod_file_decompress_avail(d) == 0) {
			err = kmod_file_decompress_grow(d);
			if (err < 0)
				return err;
		}

		out.dst = d->mem + d->size;
		out.size = kmod_file_decompress_avail(d);
		out.pos = 0;
		ret = ZSTD_decompressStream(ds, &out, &in);
		if (ZSTD_isError(ret)) {
			lg_err(d->lg, "%s: zstd: %s\n", d->path, ZSTD_getErrorName(ret));
			return -EBADMSG;
		}
		d->size += out.pos;
		/* 0 = frame decoded and flushed: a full buffer then hides nothing. */
		pending = out.pos == out.size && ret != 0;
		last = ret;
	}

	/* Non-zero means the last frame is incomplete. */
	if (last != 0) {
		lg_err(d->lg, "%s: zstd: unexpected end of data (truncated file)\n",
		       d->path);
		return -EBADMSG;
	}
	return 0;
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xz: liblzma stream decoder, concatenated streams (and stream padding)
 * allowed, as xz(1) itself accepts them.
 */

#include <errno.h>
#include <lzma.h>

#include "util/macro.h"
#include "libkmod-file-decompress.h"

/*
 * The decoder's memory is mostly the dictionary: kbuild uses 1 MiB, xz -9
 * 64 MiB.  A header asking for more is not a module we want to load.
 */
#define XZ_MEMLIMIT (256ULL << 20)

static void lzma_endp(lzma_stream *strm)
{
	lzma_end(strm);
}

static const char *xz_reason(lzma_ret ret)
{
	switch (ret) {
	case LZMA_FORMAT_ERROR:
		return "not in xz format";
	case LZMA_OPTIONS_ERROR:
		return "unsupported compression options";
	case LZMA_DATA_ERROR:
		return "compressed data is corrupt";
	case LZMA_BUF_ERROR:
		return "unexpected end of input (truncated file)";
	case LZMA_MEMLIMIT_ERROR:
		return "dictionary too large";
	case LZMA_MEM_ERROR:
		return "out of memory";
	default:
		return "decoder error";
	}
}

static int xz_error(struct kmod_file_decompress *d, lzma_ret ret)
{
	lg_err(d->lg, "%s: xz: %s\n", d->path, xz_reason(ret));

	switch (ret) {
	case LZMA_MEM_ERROR:
		return -ENOMEM;
	case LZMA_MEMLIMIT_ERROR:
		return -EFBIG;
	default:
		return -EBADMSG;
	}
}

int kmod_file_decompress_xz(struct kmod_file_decompress *d)
{
	_cleanup_(lzma_endp) lzma_stream strm = LZMA_STREAM_INIT;
	_cleanup_free_ uint8_t *buf = NULL;
	lzma_action action = LZMA_RUN;
	lzma_ret ret;
	int err;

	buf = malloc(KMOD_FILE_DECOMPRESS_CHUNK);
	if (buf == NULL)
		return -ENOMEM;

	ret = lzma_stream_decoder(&strm, XZ_MEMLIMIT, LZMA_CONCATENATED);
	if (ret != LZMA_OK)
		return xz_error(d, ret);

	err = kmod_file_decompress_start(d, 0);
	if (err < 0)
		return err;

	for (;;) {
		size_t avail;

		if (strm.avail_in == 0 && action == LZMA_RUN) {
			ssize_t n = kmod_file_decompress_read(d, buf,
							      KMOD_FILE_DECOMPRESS_CHUNK);
			if (n < 0)
				return (int)n;
			/* LZMA_CONCATENATED only reports the end after LZMA_FINISH. */
			if (n == 0)
				action = LZMA_FINISH;
			strm.next_in = buf;
			strm.avail_in = n;
		}

		if (kmod_file_decompress_avail(d) == 0) {
			err = kmod_file_decompress_grow(d);
			if (err < 0)
				return err;
		}

		avail = kmod_file_decompress_avail(d);
		strm.next_out = d->mem + d->size;
		strm.avail_out = avail;
		ret = lzma_code(&strm, action);
		d->size += avail - strm.avail_out;

		if (ret == LZMA_STREAM_END)
			return 0;
		if (ret != LZMA_OK)
			return xz_error(d, ret);
	}
}

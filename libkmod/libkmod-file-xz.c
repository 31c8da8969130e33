// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xz: files as kbuild writes them go to the one-shot decoder of
 * libkmod-file-xzdec.c, about a fifth faster than liblzma's.  Everything
 * else, and every file it refuses, goes to liblzma's stream decoder, which
 * takes concatenated streams and stream padding as xz(1) does and words the
 * errors.
 */

#include <errno.h>
#include <lzma.h>
#include <string.h>
#include <unistd.h>

#include "util/macro.h"
#include "libkmod-file-decompress.h"
#include "libkmod-file-xzdec.h"

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

/* Enough for the footer and the index of a stream of a few blocks. */
#define XZ_TAIL_PROBE 4096

/*
 * The uncompressed size the last stream's index records, so that the image
 * is allocated once instead of grown by copies (about 5% of reading a .ko.xz
 * tree).  0 when it cannot be had cheaply.  Only a size hint: the decoder
 * checks the index against the data itself, and a wrong hint costs growth.
 */
static size_t xz_indexed_size(const struct kmod_file_decompress *d)
{
	uint8_t tail[XZ_TAIL_PROBE];
	size_t len = d->in_size < sizeof(tail) ? d->in_size : sizeof(tail);
	size_t end = len - LZMA_STREAM_HEADER_SIZE, pos;
	uint64_t memlimit = 1 << 20, size;
	lzma_stream_flags flags;
	lzma_index *index = NULL;
	lzma_ret ret;

	if (len < 2 * LZMA_STREAM_HEADER_SIZE)
		return 0;
	if (pread(d->fd, tail, len, (off_t)(d->in_size - len)) != (ssize_t)len)
		return 0;
	if (lzma_stream_footer_decode(&flags, tail + end) != LZMA_OK ||
	    flags.backward_size > end)
		return 0;
	pos = end - flags.backward_size;
	ret = lzma_index_buffer_decode(&index, &memlimit, NULL, tail, &pos, end);
	if (ret != LZMA_OK)
		return 0;
	size = lzma_index_uncompressed_size(index);
	lzma_index_end(index, NULL);
	return size < KMOD_FILE_MAX_IMAGE ? (size_t)size : 0;
}

/* Larger files are streamed rather than read whole. */
#define XZ_ONESHOT_MAX_INPUT (64 << 20)

/*
 * 0 with the image in place, -ENOTSUP when liblzma should take the file
 * from its start, or another -errno (logged).
 */
static int xz_oneshot(struct kmod_file_decompress *d)
{
	_cleanup_free_ uint8_t *in = NULL;
	uint64_t size;
	ssize_t n;
	int err;

	if (d->in_size > XZ_ONESHOT_MAX_INPUT)
		return -ENOTSUP;
	in = malloc(d->in_size + XZDEC_IN_SLACK);
	if (in == NULL) {
		lg_err(d->lg, "%s: out of memory for %zu compressed bytes\n", d->path,
		       d->in_size);
		return -ENOMEM;
	}
	n = kmod_file_decompress_read(d, in, d->in_size);
	if (n < 0)
		return (int)n;
	/* what the decoder may read ahead, defined for valgrind's sake */
	memset(in + n, 0, XZDEC_IN_SLACK);
	if ((size_t)n != d->in_size || xzdec_size(in, n, &size) < 0 ||
	    size > KMOD_FILE_MAX_IMAGE)
		return -ENOTSUP;

	err = kmod_file_decompress_start(d, size);
	if (err < 0)
		return err;
	err = xzdec_decode(in, n, d->mem, size);
	if (err == -ENOMEM) {
		lg_err(d->lg, "%s: xz: %s\n", d->path, xz_reason(LZMA_MEM_ERROR));
		return err;
	}
	if (err < 0)
		return -ENOTSUP;
	d->size = size;
	return 0;
}

int kmod_file_decompress_xz(struct kmod_file_decompress *d)
{
	_cleanup_(lzma_endp) lzma_stream strm = LZMA_STREAM_INIT;
	_cleanup_free_ uint8_t *buf = NULL;
	lzma_action action = LZMA_RUN;
	lzma_ret ret;
	size_t hint;
	int err;

	err = xz_oneshot(d);
	if (err != -ENOTSUP)
		return err;
	d->in_off = 0;
	d->size = 0;

	buf = malloc(KMOD_FILE_DECOMPRESS_CHUNK);
	if (buf == NULL)
		return -ENOMEM;

	ret = lzma_stream_decoder(&strm, XZ_MEMLIMIT, LZMA_CONCATENATED);
	if (ret != LZMA_OK)
		return xz_error(d, ret);

	/* One byte more, so the decoder reaches the stream's end without a grow. */
	hint = xz_indexed_size(d);
	err = kmod_file_decompress_start(d, hint > 0 ? hint + 1 : 0);
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

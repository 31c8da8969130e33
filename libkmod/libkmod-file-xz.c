// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xz: liblzma does all the parsing.  Its file information decoder reads the
 * indexes of every stream (headers, footers and indexes only, no data), so
 * the image is allocated once at its final size, or refused before anything
 * is decoded when the indexes claim more than the image cap.  Its one-shot
 * decoder then fills exactly that buffer, checking the data against the
 * indexes and the checks; concatenated streams and stream padding are taken
 * as xz(1) takes them.
 */

#include <errno.h>
#include <lzma.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "util/dlopen.h"
#include "util/macro.h"
#include "libkmod/libkmod-file-decompress.h"

#define LZMA_SONAME DL_SONAME("lzma", LZMA_VERSION_MAJOR)

DL_NOTE(lzma_note, "xz", "Reading xz-compressed modules (.ko.xz)", "recommended",
	LZMA_SONAME);

#define LZMA_FUNCS(X, t)                                                                 \
	X(t, lzma_file_info_decoder)                                                     \
	X(t, lzma_code)                                                                  \
	X(t, lzma_end)                                                                   \
	X(t, lzma_index_uncompressed_size)                                               \
	X(t, lzma_index_end)                                                             \
	X(t, lzma_stream_buffer_decode)

DL_LIBRARY(lzma, LZMA_SONAME, LZMA_FUNCS);

#define lzma_file_info_decoder (*lzma.lzma_file_info_decoder)
#define lzma_code (*lzma.lzma_code)
#define lzma_end (*lzma.lzma_end)
#define lzma_index_uncompressed_size (*lzma.lzma_index_uncompressed_size)
#define lzma_index_end (*lzma.lzma_index_end)
#define lzma_stream_buffer_decode (*lzma.lzma_stream_buffer_decode)

/*
 * The decoder's memory is mostly the dictionary: kbuild uses 1 MiB, xz -9
 * 64 MiB, and xz(1) accepts up to 1.5 GiB.  Only the part the data fills is
 * ever touched, never more than the image, so any dictionary up to the image
 * cap is accepted (kmod sets no limit at all).
 */
#define XZ_MEMLIMIT ((uint64_t)KMOD_FILE_MAX_IMAGE + (16 << 20))

/* The combined index of all streams: a few dozen bytes a block. */
#define XZ_INDEX_MEMLIMIT ((uint64_t)8 << 20)

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
		return "dictionary or index too large";
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

/*
 * The uncompressed size all the streams' indexes add up to.  With the whole
 * file in memory the decoder never asks to seek elsewhere; it is still
 * answered, in case a version of liblzma does.
 */
static int xz_indexed_size(struct kmod_file_decompress *d, const uint8_t *in,
			   uint64_t *size)
{
	lzma_stream strm = LZMA_STREAM_INIT;
	lzma_index *index = NULL;
	lzma_ret ret;

	ret = lzma_file_info_decoder(&strm, &index, XZ_INDEX_MEMLIMIT, d->in_size);
	if (ret != LZMA_OK) {
		lzma_end(&strm);
		return xz_error(d, ret);
	}
	strm.next_in = in;
	strm.avail_in = d->in_size;
	do {
		ret = lzma_code(&strm, LZMA_RUN);
		if (ret == LZMA_SEEK_NEEDED) {
			if (strm.seek_pos > d->in_size) {
				ret = LZMA_DATA_ERROR;
				break;
			}
			strm.next_in = in + strm.seek_pos;
			strm.avail_in = d->in_size - (size_t)strm.seek_pos;
		} else if (ret == LZMA_OK && strm.avail_in == 0) {
			/* It wants more than the whole file: cut short. */
			ret = LZMA_BUF_ERROR;
		}
	} while (ret == LZMA_OK || ret == LZMA_SEEK_NEEDED);
	lzma_end(&strm);
	if (ret != LZMA_STREAM_END)
		return xz_error(d, ret);

	*size = lzma_index_uncompressed_size(index);
	lzma_index_end(index, NULL);
	return 0;
}

/* The whole compressed file: read, or mapped when large (see KMOD_FILE_READ_MAX). */
static int xz_input(struct kmod_file_decompress *d, uint8_t **in, bool *mapped)
{
	ssize_t n;

	*mapped = d->in_size > (size_t)KMOD_FILE_READ_MAX;
	if (*mapped) {
		struct stat st;

		/* Pages mapped past the file's current end would fault. */
		if (fstat(d->fd, &st) < 0 || (uint64_t)st.st_size < d->in_size) {
			lg_err(d->lg, "%s: could not map: file shrank\n", d->path);
			return -EIO;
		}
		*in = mmap(NULL, d->in_size, PROT_READ, MAP_PRIVATE, d->fd, 0);
		if (*in == MAP_FAILED) {
			int err = -errno;

			*in = NULL;
			lg_err(d->lg, "%s: could not map: %s\n", d->path, strerror(-err));
			return err;
		}
		return 0;
	}

	*in = malloc(d->in_size);
	if (*in == NULL) {
		lg_err(d->lg, "%s: out of memory for %zu compressed bytes\n", d->path,
		       d->in_size);
		return -ENOMEM;
	}
	n = kmod_file_decompress_read(d, *in, d->in_size);
	if (n < 0)
		return (int)n;
	if ((size_t)n != d->in_size) {
		lg_err(d->lg, "%s: could not read: file shrank while reading\n", d->path);
		return -EIO;
	}
	return 0;
}

static int xz_decode(struct kmod_file_decompress *d, const uint8_t *in)
{
	uint64_t memlimit = XZ_MEMLIMIT, size = 0;
	size_t in_pos = 0, out_pos = 0;
	lzma_ret ret;
	int err;

	err = xz_indexed_size(d, in, &size);
	if (err < 0)
		return err;
	/* Refused here, before a byte is decoded. */
	if (size > KMOD_FILE_MAX_IMAGE) {
		lg_err(d->lg,
		       "%s: decompressed size exceeds %zu MiB (xz index: %llu bytes)\n",
		       d->path, KMOD_FILE_MAX_IMAGE >> 20, (unsigned long long)size);
		return -EFBIG;
	}
	err = kmod_file_decompress_start_exact(d, (size_t)size);
	if (err < 0)
		return err;

	ret = lzma_stream_buffer_decode(&memlimit, LZMA_CONCATENATED, NULL, in, &in_pos,
					d->in_size, d->mem, &out_pos, (size_t)size);
	/* More data than the indexes say: the file contradicts itself. */
	if (ret == LZMA_BUF_ERROR)
		ret = LZMA_DATA_ERROR;
	if (ret != LZMA_OK)
		return xz_error(d, ret);
	d->size = out_pos;
	return 0;
}

int kmod_file_decompress_xz(struct kmod_file_decompress *d)
{
	uint8_t *in = NULL;
	bool mapped;
	int err;

	err = kmod_file_decompress_dlopen(d, &lzma_lib, "xz");
	if (err < 0)
		return err;
	err = xz_input(d, &in, &mapped);
	if (err == 0)
		err = xz_decode(d, in);
	if (mapped && in != NULL)
		munmap(in, d->in_size);
	else
		free(in);
	return err;
}

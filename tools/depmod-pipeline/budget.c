// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The loader's memory budget (see budget.h).
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#ifdef ENABLE_XZ
#include <lzma.h>
#endif
#ifdef ENABLE_ZSTD
#include <zstd.h>
#endif

#include "tools/depmod-pipeline/budget.h"
#include "util/dlopen.h"

/*
 * liblzma and libzstd are loaded on first use (util/dlopen.h), each with the
 * list of what this file calls.  No note of its own: kmod carries the
 * library decoders' .note.dlopen entries for the same sonames.  A library
 * that cannot be loaded leaves the size unknown; reading the module then says why.
 */
#ifdef ENABLE_XZ
#define BUDGET_LZMA_FUNCS(X, t)                                                          \
	X(t, lzma_stream_footer_decode)                                                  \
	X(t, lzma_index_buffer_decode)                                                   \
	X(t, lzma_index_uncompressed_size)                                               \
	X(t, lzma_index_end)
DL_LIBRARY(budget_lzma, DL_SONAME("lzma", LZMA_VERSION_MAJOR), BUDGET_LZMA_FUNCS);
#define lzma_stream_footer_decode (*budget_lzma.lzma_stream_footer_decode)
#define lzma_index_buffer_decode (*budget_lzma.lzma_index_buffer_decode)
#define lzma_index_uncompressed_size (*budget_lzma.lzma_index_uncompressed_size)
#define lzma_index_end (*budget_lzma.lzma_index_end)
#endif
#ifdef ENABLE_ZSTD
#define BUDGET_ZSTD_FUNCS(X, t) X(t, ZSTD_getFrameContentSize)
DL_LIBRARY(budget_zstd, DL_SONAME("zstd", ZSTD_VERSION_MAJOR), BUDGET_ZSTD_FUNCS);
#define ZSTD_getFrameContentSize (*budget_zstd.ZSTD_getFrameContentSize)
#endif

void depmod_budget_init(struct depmod_budget *b, size_t limit)
{
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->freed, NULL);
	b->limit = limit;
	b->used = 0;
	b->waits = 0;
}

void depmod_budget_destroy(struct depmod_budget *b)
{
	pthread_cond_destroy(&b->freed);
	pthread_mutex_destroy(&b->lock);
}

void depmod_budget_take(struct depmod_budget *b, size_t n)
{
	bool waited = false;

	pthread_mutex_lock(&b->lock);
	/* alone, a module may take more than the whole budget */
	while (b->used > 0 && (b->used >= b->limit || n > b->limit - b->used)) {
		waited = true;
		pthread_cond_wait(&b->freed, &b->lock);
	}
	b->used += n;
	b->waits += waited;
	pthread_mutex_unlock(&b->lock);
}

void depmod_budget_charge(struct depmod_budget *b, size_t n)
{
	pthread_mutex_lock(&b->lock);
	b->used += n;
	pthread_mutex_unlock(&b->lock);
}

void depmod_budget_give(struct depmod_budget *b, size_t n)
{
	pthread_mutex_lock(&b->lock);
	b->used -= n;
	pthread_cond_broadcast(&b->freed);
	pthread_mutex_unlock(&b->lock);
}

#ifdef ENABLE_XZ
/* Enough for the footer and the index of a stream of a few blocks. */
#define XZ_TAIL 4096

/* What the index of the last stream says, 0 when it cannot be read. */
static uint64_t xz_size(int fd, uint64_t file_size)
{
	uint8_t tail[XZ_TAIL];
	size_t len = file_size < sizeof(tail) ? (size_t)file_size : sizeof(tail), pos;
	uint64_t memlimit = 1 << 20, size;
	lzma_stream_flags flags;
	lzma_index *index = NULL;

	if (dl_library_load(&budget_lzma_lib, NULL, 0) < 0)
		return 0;
	if (len < 2 * LZMA_STREAM_HEADER_SIZE ||
	    pread(fd, tail, len, (off_t)(file_size - len)) != (ssize_t)len ||
	    lzma_stream_footer_decode(&flags, tail + len - LZMA_STREAM_HEADER_SIZE) !=
		    LZMA_OK ||
	    flags.backward_size > len - LZMA_STREAM_HEADER_SIZE)
		return 0;
	pos = len - LZMA_STREAM_HEADER_SIZE - flags.backward_size;
	if (lzma_index_buffer_decode(&index, &memlimit, NULL, tail, &pos,
				     len - LZMA_STREAM_HEADER_SIZE) != LZMA_OK)
		return 0;
	size = lzma_index_uncompressed_size(index);
	lzma_index_end(index, NULL);
	return size;
}
#endif

#ifdef ENABLE_ZSTD
/* The largest frame header (ZSTD_FRAMEHEADERSIZE_MAX, only in zstd's static API). */
#define ZSTD_HEADER_MAX 18

/* The first frame's content size, 0 when its header has none. */
static uint64_t zstd_size(int fd)
{
	uint8_t head[ZSTD_HEADER_MAX];
	ssize_t n = pread(fd, head, sizeof(head), 0);
	unsigned long long size;

	if (n <= 0 || dl_library_load(&budget_zstd_lib, NULL, 0) < 0)
		return 0;
	size = ZSTD_getFrameContentSize(head, (size_t)n);
	return size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR ? 0
										  : size;
}
#endif

/* ISIZE, the size modulo 2^32 the gzip trailer records; 0 when unreadable. */
static uint64_t gzip_size(int fd, uint64_t file_size)
{
	uint8_t b[4];

	if (file_size < sizeof(b) || pread(fd, b, sizeof(b), (off_t)(file_size - 4)) != 4)
		return 0;
	return (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16 |
	       (uint64_t)b[3] << 24;
}

size_t depmod_image_size(const struct kmod_file *file, size_t unknown)
{
	int fd = kmod_file_get_fd(file);
	off_t file_size = kmod_file_get_file_size(file);
	uint64_t size = 0;

	if (file_size <= 0)
		return unknown;
	switch (kmod_file_get_compression(file)) {
	case KMOD_FILE_COMPRESSION_NONE:
		size = (uint64_t)file_size;
		break;
	case KMOD_FILE_COMPRESSION_XZ:
#ifdef ENABLE_XZ
		size = xz_size(fd, (uint64_t)file_size);
#endif
		break;
	case KMOD_FILE_COMPRESSION_ZSTD:
#ifdef ENABLE_ZSTD
		size = zstd_size(fd);
#endif
		break;
	case KMOD_FILE_COMPRESSION_ZLIB:
		size = gzip_size(fd, (uint64_t)file_size);
		break;
	}
	return size == 0 || size > SIZE_MAX ? unknown : (size_t)size;
}

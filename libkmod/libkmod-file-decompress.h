/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Between libkmod-file.c and its decompressors.  A decompressor reads the
 * compressed file through kmod_file_decompress_read() and writes the image
 * into one growing buffer that always keeps @tail_room bytes spare behind
 * the image, so the signature trailer can be appended in place.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/log.h"

/*
 * Largest decompressed image accepted.  The biggest real modules are a few
 * hundred MiB; a compression bomb must not take the machine's memory.  The
 * fuzzers build with a smaller limit, which they reach quickly.
 */
#ifndef KMOD_FILE_MAX_IMAGE
#define KMOD_FILE_MAX_IMAGE ((size_t)1 << 30)
#endif

/*
 * Files up to this size are read into memory rather than mapped.  Reading a
 * whole module costs less than unmapping it: munmap() flushes TLBs, which
 * under a hypervisor made mmap + munmap of every module of a 6.1 tree 280 ms
 * against 163 ms for read() (modinfo of 4023 modules).  Bigger files, never
 * real modules, are mapped so that memory follows what is touched.
 */
#define KMOD_FILE_READ_MAX ((off_t)64 << 20)

/* Compressed input is read in chunks of this size. */
#define KMOD_FILE_DECOMPRESS_CHUNK (64 * 1024)

struct kmod_file_decompress {
	const struct logger *lg;
	const char *path;
	int fd;
	size_t in_size;	  /* size of the compressed file */
	off_t in_off;	  /* next byte to read */
	size_t tail_room; /* kept free behind the image */

	uint8_t *mem;	  /* image, then tail room */
	size_t size;	  /* image bytes produced */
	size_t image_cap; /* image bytes that fit before the tail room */
};

/* Bytes a decoder may still write at mem + size. */
static inline size_t kmod_file_decompress_avail(const struct kmod_file_decompress *d)
{
	return d->image_cap - d->size;
}

/*
 * First allocation; @hint is the expected image size (0 = unknown).  A hint
 * larger than KMOD_FILE_MAX_IMAGE fails with -EFBIG.  0 or -errno (logged).
 */
int kmod_file_decompress_start(struct kmod_file_decompress *d, size_t hint);

/*
 * First and only allocation, for an image known to be @size bytes (an xz
 * index says so): -EFBIG past KMOD_FILE_MAX_IMAGE.  0 or -errno (logged).
 */
int kmod_file_decompress_start_exact(struct kmod_file_decompress *d, size_t size);

/*
 * Make kmod_file_decompress_avail() non-zero.  -EFBIG once the image would
 * pass KMOD_FILE_MAX_IMAGE, -ENOMEM; logged.
 */
int kmod_file_decompress_grow(struct kmod_file_decompress *d);

/*
 * Read up to @len bytes of compressed input.  Bytes read (0 at end of file)
 * or -errno (logged).
 */
ssize_t kmod_file_decompress_read(struct kmod_file_decompress *d, void *buf, size_t len);

/*
 * A decoder's library, loaded on first use (util/dlopen.h).  0, or -EINVAL
 * (kmod's errno when its decoder's library cannot be loaded) logged as
 * "<path>: <format> decompression unavailable: <the loader's reason>".
 */
struct dl_library;
int kmod_file_decompress_dlopen(struct kmod_file_decompress *d, struct dl_library *lib,
				const char *format);

/*
 * Decoders: fill d->mem/size from the file.  0 or -errno, logged naming the
 * file: -EBADMSG for corrupt or truncated data, -EFBIG, -ENOMEM, -EIO.
 * On error d->mem may hold a partial image; the caller frees it.
 */
int kmod_file_decompress_zstd(struct kmod_file_decompress *d);
int kmod_file_decompress_xz(struct kmod_file_decompress *d);
int kmod_file_decompress_zlib(struct kmod_file_decompress *d);

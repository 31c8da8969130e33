/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The module image and its detached signature.  This layer knows files,
 * compression formats and signature trailers; it knows nothing of module
 * names, configuration or the library context.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/log.h"
#include "libkmod/libkmod-signature.h"

enum kmod_file_compression {
	KMOD_FILE_COMPRESSION_NONE = 0,
	KMOD_FILE_COMPRESSION_ZSTD,
	KMOD_FILE_COMPRESSION_XZ,
	KMOD_FILE_COMPRESSION_ZLIB,
};

struct kmod_file;

/*
 * Open a module file (open_regular(): a FIFO or a device is refused, never
 * opened) and detect its compression from the magic bytes (the name does
 * not matter).  Returns 0 or -errno; errors are logged naming the file.
 */
int kmod_file_open(const struct logger *lg, const char *path, struct kmod_file **ret);
/*
 * kmod_file_open() of a path whose directory listing has just shown a regular
 * file: one open instead of three steps (open_listed_regular_at()); a symlink
 * there is refused.  For a walk over thousands of modules (depmod).
 */
int kmod_file_open_listed(const struct logger *lg, const char *path,
			  struct kmod_file **ret);
void kmod_file_free(struct kmod_file *file);

const char *kmod_file_get_path(const struct kmod_file *file);
int kmod_file_get_fd(const struct kmod_file *file);
enum kmod_file_compression kmod_file_get_compression(const struct kmod_file *file);

/*
 * Name of a compression as the kernel spells it in /sys/module/compression
 * ("zstd", "xz", "gzip"); NULL for NONE.
 */
/* The file's size as fstat saw it at open (of the compressed file, if it is). */
off_t kmod_file_get_file_size(const struct kmod_file *file);

const char *kmod_file_compression_name(enum kmod_file_compression compression);

/* True when this build can decompress the given format in userspace. */
bool kmod_file_compression_supported(enum kmod_file_compression compression);

/*
 * Load the (decompressed) module image into private, writable memory with
 * at least @tail_room spare bytes after it, so a signature trailer can be
 * appended without a second copy.  Calling it again is a no-op when enough
 * room is already there.  Returns 0 or -errno (logged, naming the file):
 * -EFBIG, before anything is read, for a file or an image (as far as the
 * compressed file's headers tell) larger than the image cap (1 GiB).
 */
int kmod_file_load_contents(struct kmod_file *file, size_t tail_room);

/*
 * Make room for the image without reading it, for a caller that needs only
 * parts of it: kmod_file_fill() reads each part into place.  Compressed
 * files, and files too big to be read rather than mapped, are loaded whole
 * (filling is then a no-op).  A later kmod_file_load_contents() completes
 * the image.  Returns 0 or -errno (logged).
 */
int kmod_file_load_sparse(struct kmod_file *file);

/* Read [off, off + len) of the file into place; 0 or -errno (logged). */
int kmod_file_fill(struct kmod_file *file, uint64_t off, uint64_t len);

/* kmod_file_fill() with the file as void *: the callback of kmod_elf_new_sparse(). */
int kmod_file_fill_cb(void *file, uint64_t off, uint64_t len);

/* The loaded image (and whatever was appended); valid after load_contents. */
void *kmod_file_get_contents(const struct kmod_file *file);
size_t kmod_file_get_size(const struct kmod_file *file);

/*
 * Append @len bytes after the image, into the room reserved by
 * kmod_file_load_contents().  -ENOSPC when the room is too small.
 */
int kmod_file_append(struct kmod_file *file, const void *data, size_t len);

/* A detached signature file, validated and ready to be appended. */
struct kmod_detached_sig {
	char *path;		     /* "<module path>.sig" */
	enum kmod_sig_format format; /* as found in the file */
	size_t trailer_len;	     /* bytes to append to the image */
	uint8_t *trailer;	     /* signature data + info block + marker */
};

/* "<module_path>.sig", where a module's detached signature is; NULL without memory. */
char *kmod_detached_sig_path(const char *module_path);

/*
 * Look for "<module_path>.sig".  Returns 0 and a validated signature, -ENOENT
 * when there is no such file, or another -errno when a file is there but
 * unusable (not a regular file, empty, larger than DETACHED_SIG_MAX_SIZE,
 * malformed); those errors are logged naming the .sig and the reason.
 * The file is opened by open_regular(): a FIFO or a device is never opened.
 */
int kmod_detached_sig_open(const struct logger *lg, const char *module_path,
			   struct kmod_detached_sig **ret);
void kmod_detached_sig_free(struct kmod_detached_sig *sig);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Shared by the signature commands (kmod sign, attach, detach, verify,
 * show-sig): a module read into memory uncompressed and split at its
 * signature trailer, whole-file reads and atomic (re)compressed writes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "libkmod/libkmod-file.h"
#include "libkmod/libkmod-signature.h"

/*
 * How the xz that made a .ko.xz laid it out; kbuild runs plain "xz", whose
 * default changed in xz 5.6 (Debian 13's kernels have sized blocks).
 */
enum sig_xz_layout {
	SIG_XZ_ONE_BLOCK,    /* xz -T1: one block, its sizes only in the index */
	SIG_XZ_SIZED_BLOCKS, /* xz -T+1: blocks of 3 dictionaries, sizes in their headers
			      */
};

struct sig_module {
	char *path;
	enum kmod_file_compression compression;
	enum sig_xz_layout xz_layout; /* of a .ko.xz; SIG_XZ_ONE_BLOCK otherwise */
	uint8_t *mem;		      /* the whole uncompressed image, trailer included */
	size_t size;		      /* bytes in mem */
	size_t image_len; /* bytes before the appended trailer (size if none) */
	bool appended;	  /* ends with the marker and a well-formed info block */
	mode_t mode;	  /* permission bits of the file */
};

#ifdef ENABLE_OPENSSL
/*
 * Load libcrypto for sign, verify and show-sig (the other commands never
 * need it).  False, after an error message, when it cannot be loaded.
 */
bool sig_crypto_ready(void);
#endif

/* A logger for the library's lower layers that prints through tools/tool-log.h. */
extern const struct logger sig_tool_logger;

/*
 * Read a module file (any compression this build reads) into @m.  A marker
 * with an info block the kernel would refuse is an error (-EBADMSG, logged).
 */
int sig_module_load(const char *path, struct sig_module *m);
void sig_module_release(struct sig_module *m);

/*
 * A whole regular file of at most @max bytes into a new buffer; opened by
 * open_regular(), so -EINVAL (open_regular_strerror(): "not a regular file")
 * for a FIFO or a device, which is never opened; -EFBIG past @max.
 */
int sig_read_file(const char *path, size_t max, uint8_t **buf, size_t *len);

/* Keys and certificates (PEM bundles included) are read whole, up to this. */
#define SIG_PEM_FILE_MAX (16 << 20)

/*
 * Write @a then @b to @path through a temporary file renamed into place,
 * compressed with @compression the way kbuild does (xz --check=crc32
 * --lzma2=dict=1MiB in @xz_layout, gzip -n, zstd -T0), using the tools from
 * PATH.
 */
int sig_write_file(const char *path, const void *a, size_t alen, const void *b,
		   size_t blen, enum kmod_file_compression compression,
		   enum sig_xz_layout xz_layout, mode_t mode);

/* "none", "xz", "gzip" ("gz"), "zstd" ("zst"); -EINVAL otherwise. */
int sig_parse_compression(const char *s);

/* "<path>.sig", a new string; NULL when out of memory (said). */
char *sig_path_of(const char *path);

/* The hex of @len bytes, "AB:CD:...", on one line; a new string (NULL: out of memory). */
char *sig_hex_line(const uint8_t *buf, size_t len);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * kmod's binary index files (modules.{dep,alias,symbols,builtin,builtin.alias}.bin):
 * a compressed radix trie, big-endian, magic 0xB007F457, version 2.x.  The reader
 * maps the whole file and checks every offset against its size, so a truncated or
 * corrupt index gives an error, never a crash.  Lower layer: no context, no modules.
 */

#include <stdbool.h>
#include <stddef.h>

#include "util/log.h"

struct kmod_index_file;

/* A value stored under a key, in a list sorted by ascending priority. */
struct kmod_index_value {
	struct kmod_index_value *next;
	unsigned int priority;
	char value[];
};

/*
 * Map and validate the header of an index file, opened by open_regular().
 * Returns 0, -ENOENT (not logged), another open error (logged), or -EINVAL
 * for something that is not a regular file, never opened, or not an index of
 * a supported version (logged naming the file, unless it is empty: depmod
 * writes empty files for indexes it has nothing for).
 */
int kmod_index_open(const struct logger *lg, const char *path,
		    struct kmod_index_file **ret);
void kmod_index_close(struct kmod_index_file *idx);
/* The modification stamp (stat_mstamp()) of the file as it was mapped. */
unsigned long long kmod_index_mstamp(const struct kmod_index_file *idx);

/*
 * Exact lookup: the first (lowest priority) value of @key, malloc'ed, or NULL
 * when absent.  A corrupt node on the way is logged and treated as absent.
 */
char *kmod_index_search(const struct kmod_index_file *idx, const char *key);

/*
 * Every value of @key, as kmod's exact lookup sees them (for modules.dep.bin
 * this is normally one value).  NULL when absent.
 */
struct kmod_index_value *kmod_index_search_all(const struct kmod_index_file *idx,
					       const char *key);

/*
 * Wildcard lookup: stored keys are fnmatch(3) patterns (aliases); returns the
 * values of every key matching @key, merged and sorted by priority, or NULL.
 */
struct kmod_index_value *kmod_index_searchwild(const struct kmod_index_file *idx,
					       const char *key);

void kmod_index_values_free(struct kmod_index_value *values);

/*
 * Write "<prefix><key> <value>\n" for every value, depth first in key order,
 * with raw write(2) (callers flush stdio first).  0 or -errno.
 */
int kmod_index_dump(const struct kmod_index_file *idx, int fd, const char *prefix);

/*
 * Writer: an in-memory trie of key → values, serialised in kmod 34's layout
 * (the root first, every node before its children); kmod 30 reads it too.
 */
struct kmod_index_writer;

/* 0 or -ENOMEM; *ret is NULL after a failure, which kmod_index_writer_free takes. */
int kmod_index_writer_new(struct kmod_index_writer **ret);
void kmod_index_writer_free(struct kmod_index_writer *w);

/*
 * Add @value under @key with @priority (values of a key are kept sorted by
 * priority, a newer one in front of older ones of equal priority).  Returns 0,
 * 1 when the key already held this very value (it is added again, as kmod
 * does; depmod -w reports it), -EINVAL when key or value is not 7-bit ASCII,
 * -ENOMEM.
 */
int kmod_index_writer_add(struct kmod_index_writer *w, const char *key, const char *value,
			  unsigned int priority);

/*
 * The index file streamed to @emit in pieces of up to 64 KiB (it returns 0 or
 * -errno, which stops the writing and is returned).  0, -ENOMEM, or -EFBIG
 * when the file would exceed the format's 256 MiB of node offsets.
 */
int kmod_index_writer_write(struct kmod_index_writer *w,
			    int (*emit)(void *data, const void *buf, size_t len),
			    void *data);

/*
 * The whole index file in a malloc'ed buffer.  0, -ENOMEM, or -EFBIG when the
 * file would exceed the format's 256 MiB of node offsets.
 */
int kmod_index_writer_serialize(struct kmod_index_writer *w, void **mem, size_t *len);

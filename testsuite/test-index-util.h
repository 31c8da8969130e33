/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Declarations of test-index-util.c: what test-index (built indexes,
 * hostile files) and test-index-real (indexes of a real depmod) share:
 * scratch files, the capturing logger, lookups turned into strings, and
 * the truncation / byte-flip drivers.  Nothing here prints TAP results;
 * the programs do.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/log.h"
#include "libkmod/libkmod-index.h"

#define check(x)                                                                         \
	do {                                                                             \
		if (!(x)) {                                                              \
			printf("Bail out! %s:%d: %s\n", __FILE__, __LINE__, #x);         \
			exit(1);                                                         \
		}                                                                        \
	} while (0)

/* Big-endian words, for index bytes written by hand. */
#define BE(x)                                                                            \
	(uint8_t)((x) >> 24), (uint8_t)((x) >> 16), (uint8_t)((x) >> 8), (uint8_t)(x)
#define HDR(root) BE(0xB007F457U), BE(0x00020001U), BE(root)

/* Everything logged through test_lg since it was last emptied. */
extern char logbuf[8192];
extern const struct logger test_lg;

/* A fresh scratch directory, removed by tmp_cleanup(). */
void tmp_setup(void);
void tmp_cleanup(void);
/* tmpdir/@name in one of 4 rotating static buffers. */
char *tpath(const char *name);

void write_file(const char *path, const void *data, size_t len);
char *read_fd(int fd, size_t *len);
/* NULL when the file cannot be opened. */
char *read_file(const char *path, size_t *len);

/* Run argv[0] with stdin from @in (NULL: /dev/null), stderr to tmpdir/ref.err. */
int run_capture(char *const argv[], const char *in, char **out, size_t *len);

/* kmod_index_open() that bails out on failure. */
struct kmod_index_file *index_open(const char *path);
/* The dump of @idx in memory, kmod_index_dump()'s result in *rc. */
char *dump_mem(const struct kmod_index_file *idx, const char *prefix, int *rc,
	       size_t *len);
/* Values joined by ' ' (with "/priority" when asked), "(null)" for none. */
char *join_values(struct kmod_index_value *v, bool with_prio);
char *wild_str(const struct kmod_index_file *idx, const char *key);

uint64_t rng(void);
double now(void);

/* The lookups a fuzzed file is put through. */
struct probe {
	const char *prefix;
	char **keys; /* search and search_all */
	size_t nkeys;
	char **queries; /* searchwild */
	size_t nqueries;
	bool dump;
};

struct fuzz_result {
	size_t variants;
	size_t bad;	/* variants that broke a rule */
	size_t lost;	/* variants that lost an answer (truncation) */
	size_t refused; /* refused by kmod_index_open() (flips) */
	size_t failed;	/* dumps that failed (flips) */
	double secs;
};

/*
 * Cut @path at every length up to 4 KiB and at @nrandom lengths beyond.  Every
 * answer must be the whole file's or none (and then something is logged); a
 * failed dump must be a prefix of the whole dump.
 */
void fuzz_truncate(const char *path, const struct probe *p, size_t nrandom,
		   struct fuzz_result *r);
/* Flip 1-4 random bytes, @variants times: every call must return, errors logged. */
void fuzz_flip(const char *path, const struct probe *p, size_t variants,
	       struct fuzz_result *r);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "util/macro.h"

#define PATH_MAX_LEN 4096
#define MODULE_NAME_MAX                                                                  \
	56 /* kernel's MODULE_NAME_LEN - 1 incl. room; buffers use PATH_MAX */

/* Module file name suffixes this build recognises, e.g. ".ko", ".ko.xz" */
extern const char *const kmod_exts[];

/* Read at most buflen-1 bytes from fd into buf, NUL-terminate.  Bytes read or -errno. */
ssize_t read_str_safe(int fd, char *buf, size_t buflen);
/* Write all of buf.  Bytes written or -errno. */
ssize_t write_str_safe(int fd, const char *buf, size_t buflen);
/* Read the first line of a file (without newline) into buf.  0 or -errno. */
int read_str_from_file(const char *path, char *buf, size_t buflen);
/* Parse a whole file containing a (decimal) long, trailing newline allowed.  0 or -errno.
 */
int read_str_long(int fd, long *value, int base);
int read_str_ulong(int fd, unsigned long *value, int base);

/* strchr replacement that replaces c1 by c2 in place; returns s. */
char *strchr_replace(char *s, char c1, char c2);

/*
 * Module-name normalisation as kmod does: '-' becomes '_', stopping at the
 * first '.' or the end.  buf must be PATH_MAX bytes.  Returns buf, or NULL
 * if the name is too long.  len (may be NULL) gets the result length.
 */
char *modname_normalize(const char *modname, char buf[static PATH_MAX_LEN], size_t *len);
/* Basename of path without module extension, normalised.  Returns buf or NULL. */
char *path_to_modname(const char *path, char buf[static PATH_MAX_LEN], size_t *len);
/*
 * Alias normalisation: '-' → '_' except inside [...]; 0 or -EINVAL for an
 * unmatched bracket.  buf must hold strlen(alias)+1 bytes.
 */
int alias_normalize(const char *alias, char *buf, size_t *len);
/* True when name ends in one of kmod_exts. */
bool path_ends_with_kmod_ext(const char *path, size_t len);

bool path_is_absolute(const char *p);
/* malloc'ed absolute path (relative ones are joined to the cwd); NULL with errno on
 * error. */
char *path_make_absolute_cwd(const char *p);
/* mkdir -p for the directory part of path (up to the last '/'), mode for new dirs. 0 or
 * -errno. */
int mkdir_parents(const char *path, mode_t mode);

/* Modification time of a stat in microseconds. */
unsigned long long stat_mstamp(const struct stat *st);
/* Monotonic clock now in microseconds. */
unsigned long long now_usec(void);

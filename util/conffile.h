/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Configuration files (modprobe.d, depmod.d) as kmod reads them: a file is
 * read whole, then cut into logical lines in place.
 */

#include <stddef.h>
#include <sys/stat.h>

/*
 * Real files are a few KiB (modules.softdep of a distribution kernel: about
 * 10 KiB); past this size a file is not read.
 */
#define CONFFILE_MAX (16u << 20)

/*
 * The whole of fd (st: its fstat) in *buf, NUL-terminated with one spare byte
 * for conffile_next_line(), its length in *len.  0, -EFBIG past CONFFILE_MAX,
 * -ENOMEM, or read's -errno.
 */
int conffile_read(int fd, const struct stat *st, char **buf, size_t *len);

/*
 * The next logical line of [*pos, end), cut in place: a backslash-newline
 * joins the next physical line, a backslash before any other character is
 * dropped (that character is kept as is), a backslash at the end of the file
 * too.  *linenum moves to the last physical line read, the number kmod
 * reports.  NULL at the end.  end must have room for one more byte (the last
 * line's NUL).
 */
char *conffile_next_line(char **pos, char *end, unsigned int *linenum);

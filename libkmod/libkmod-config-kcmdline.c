// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Module options on the kernel command line: the words "mod.param[=value]" of
 * /proc/cmdline, cut out as kmod cuts them so that modprobe -c shows the same
 * options.  What becomes of a word (options, blacklist) is the caller's.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "libkmod/libkmod-config.h"
#include "util/fileio.h"
#include "util/util.h"

/* The kernel's COMMAND_LINE_SIZE on the common architectures. */
#define KCMDLINE_SIZE 4096

enum kcmdline_state { KCMD_MODNAME, KCMD_PARAM, KCMD_VALUE, KCMD_IGNORE, KCMD_COMPLETE };

/*
 * Words are separated by whitespace (any isspace() character).  Quotes may
 * hold whitespace only inside the value; a word quoted as a whole
 * ("mod.param=a b", as grub rewrites mod.param="a b") is re-quoted around the
 * value, the form init_module() expects.  A word with a quote anywhere else,
 * a second dot in "mod.param" or an '=' before the dot is not a module
 * option; an unclosed quote swallows the rest of the line.
 */
int kcmdline_parse(char *buf, kcmdline_option_fn fn, void *data)
{
	char *modname = buf, *param = NULL, *value = NULL, *quote = NULL;
	enum kcmdline_state state = KCMD_MODNAME;
	bool quoted = false, more = true;

	for (char *s = buf; more; s++) {
		int err;

		switch (*s) {
		case '"':
			quoted = !quoted;
			if (quoted && state == KCMD_MODNAME && s == modname) {
				quote = s;
				modname = s + 1;
			} else if (state != KCMD_VALUE) {
				state = KCMD_IGNORE;
			}
			break;
		case '.':
			if (state == KCMD_MODNAME) {
				*s = '\0';
				param = s + 1;
				state = KCMD_PARAM;
			} else if (state == KCMD_PARAM) {
				state = KCMD_IGNORE;
			}
			break;
		case '=':
			if (state == KCMD_PARAM) {
				value = s + 1;
				state = KCMD_VALUE;
			} else if (state == KCMD_MODNAME) {
				state = KCMD_IGNORE;
			}
			break;
		default:
			/* Whitespace separates words, the NUL ends the last one. */
			if (*s != '\0' && !isspace((unsigned char)*s))
				break;
			more = *s != '\0';
			if (quoted) {
				if (state != KCMD_VALUE)
					state = KCMD_IGNORE;
			} else if (state == KCMD_PARAM || state == KCMD_VALUE) {
				*s = '\0';
				state = KCMD_COMPLETE;
			} else {
				modname = s + 1;
				state = KCMD_MODNAME;
				quote = NULL;
			}
			break;
		}
		if (state != KCMD_COMPLETE)
			continue;

		if (quote != NULL && value != NULL) {
			/* "mod\0param=" moves over the opening quote, which goes before
			 * value. */
			memmove(quote, modname, (size_t)(value - modname));
			modname--;
			param--;
			value--;
			*value = '"';
		}
		err = fn(data, modname, param, value);
		if (err < 0)
			return err;
		modname = s + 1;
		param = value = quote = NULL;
		state = KCMD_MODNAME;
	}
	return 0;
}

int kcmdline_read(const struct logger *lg, kcmdline_option_fn fn, void *data)
{
	_cleanup_close_ int fd = open_regular("/proc/cmdline", NULL);
	char buf[KCMDLINE_SIZE];
	ssize_t r;

	if (fd < 0) {
		if (fd == -ENOENT)
			lg_dbg(lg, "could not open '/proc/cmdline' for reading: %s\n",
			       strerror(-fd));
		else
			lg_err(lg, "/proc/cmdline: %s\n", open_regular_strerror(fd));
		return 0;
	}
	r = read_str_safe(fd, buf, sizeof(buf));
	if (r < 0) {
		lg_err(lg, "could not read from '/proc/cmdline': %s\n",
		       strerror((int)-r));
		return 0;
	}
	return kcmdline_parse(buf, fn, data);
}

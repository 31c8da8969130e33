// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The entries of the deny directive (kmod-ds): one allocation each, holding
 * the normalised module name and where the entry was written, for the
 * messages of libkmod-deny.c.  Configuration layer only: no context here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libkmod/libkmod-config.h"
#include "util/util.h"

struct deny_entry {
	const char *file; /* NULL: the kernel command line; else after name */
	unsigned int line;
	char name[];
};

const char *kmod_deny_get_modname(const struct kmod_list *l)
{
	return ((const struct deny_entry *)l->data)->name;
}

const char *kmod_deny_get_file(const struct kmod_list *l, unsigned int *line)
{
	const struct deny_entry *e = l->data;

	*line = e->line;
	return e->file;
}

/* A name the kernel could give a module: what is not one would never match. */
static bool is_module_name(const char *name, size_t len)
{
	if (len == 0 || len >= MODULE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c >= '0' && c <= '9') && c != '_' && c != '-')
			return false;
	}
	return true;
}

int kmod_config_deny_add(struct kmod_list **list, const char *name, const char *file,
			 unsigned int line)
{
	size_t nlen = strlen(name), flen = file != NULL ? strlen(file) + 1 : 0;
	struct deny_entry *e;
	struct kmod_list *l;

	if (!is_module_name(name, nlen))
		return -EINVAL;
	/* Both lengths are bounded: MODULE_NAME_MAX and a path that exists. */
	e = malloc(sizeof(*e) + nlen + 1 + flen);
	if (e == NULL)
		return -ENOMEM;
	memcpy(e->name, name, nlen + 1);
	strchr_replace(e->name, '-', '_');
	e->file = NULL;
	if (file != NULL)
		e->file = memcpy(e->name + nlen + 1, file, flen);
	e->line = line;
	l = kmod_list_append(*list, e);
	if (l == NULL) {
		free(e);
		return -ENOMEM;
	}
	*list = l;
	return 0;
}

int kmod_config_deny_parse(const struct logger *lg, struct kmod_list **list, char *words,
			   const char *file, unsigned int line)
{
	char *save = NULL, *w;
	bool any = false;

	for (w = words != NULL ? strtok_r(words, "\t ", &save) : NULL; w != NULL;
	     w = strtok_r(NULL, "\t ", &save)) {
		int err = kmod_config_deny_add(list, w, file, line);

		any = true;
		if (err == -EINVAL)
			lg_err(lg, "%s line %u: deny: ignoring '%s': not a module name\n",
			       file, line, w);
		else if (err < 0)
			return err;
	}
	return any ? 0 : -EINVAL;
}

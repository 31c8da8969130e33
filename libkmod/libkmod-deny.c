// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * deny (kmod-ds): "never load this module".  blacklist only hides a module's
 * aliases; deny refuses the module itself, by name, alias, dependency, soft
 * dependency, install command or plain insertion (kmod issues #440, #439).
 * The probe (libkmod-probe.c) checks a whole load before it does anything;
 * kmod_module_insert_module() checks every single insertion.
 *
 * The errno is -EPERM: the kernel's own refusal of a module on its command
 * line (module_blacklist=) returns it, and callers such as systemd already
 * treat it as "refused by policy", unlike -ENOENT and -ENODEV, which they take
 * for "no such module" or "no such device" and forgive.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libkmod-deny.h"
#include "libkmod-module.h"
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

const struct kmod_list *kmod_deny_find(const struct kmod_ctx *ctx, const char *name)
{
	const struct kmod_config *config = kmod_get_config(ctx);
	const struct kmod_list *l;

	if (config == NULL || name == NULL)
		return NULL;
	kmod_list_foreach (l, config->denies) {
		if (streq(kmod_deny_get_modname(l), name))
			return l;
	}
	return NULL;
}

void kmod_deny_log(const struct kmod_ctx *ctx, int priority, const struct kmod_list *deny,
		   const char *fmt, ...)
{
	const struct deny_entry *e = deny->data;
	_cleanup_free_ char *what = NULL;
	va_list args;
	int r;

	va_start(args, fmt);
	r = vasprintf(&what, fmt, args);
	va_end(args);
	if (r < 0)
		what = NULL;
	if (e->file != NULL)
		kmod_log_cond(ctx, priority, "%s denied by %s line %u\n",
			      what ? what : e->name, e->file, e->line);
	else
		kmod_log_cond(ctx, priority,
			      "%s denied by modprobe.deny= on the kernel command line\n",
			      what ? what : e->name);
}

int kmod_module_check_deny(const struct kmod_module *mod)
{
	const struct kmod_list *deny = kmod_deny_find(mod->ctx, mod->name);

	if (deny == NULL)
		return 0;
	kmod_deny_log(mod->ctx, LOG_ERR, deny, "module %s is", mod->name);
	return -EPERM;
}

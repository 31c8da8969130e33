// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * deny (kmod-ds): "never load this module".  blacklist only hides a module's
 * aliases; deny refuses the module itself, by name, alias, dependency, soft
 * dependency, install command or plain insertion (kmod issues #440, #439).
 * The probe (libkmod-probe.c) checks a whole load before it does anything;
 * kmod_module_insert_module() checks every single insertion.  The entries
 * are libkmod-config-deny.c's.
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

#include "libkmod/libkmod-deny.h"
#include "libkmod/libkmod-module.h"
#include "util/util.h"

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
	_cleanup_free_ char *what = NULL;
	unsigned int line;
	const char *file = kmod_deny_get_file(deny, &line);
	const char *w;
	va_list args;
	int r;

	va_start(args, fmt);
	r = vasprintf(&what, fmt, args);
	va_end(args);
	if (r < 0)
		what = NULL;
	w = what != NULL ? what : kmod_deny_get_modname(deny);
	if (file != NULL)
		kmod_log_cond(ctx, priority, "%s denied by %s line %u\n", w, file, line);
	else
		kmod_log_cond(ctx, priority,
			      "%s denied by modprobe.deny= on the kernel command line\n",
			      w);
}

int kmod_module_check_deny(const struct kmod_module *mod)
{
	const struct kmod_list *deny = kmod_deny_find(mod->ctx, mod->name);

	if (deny == NULL)
		return 0;
	kmod_deny_log(mod->ctx, LOG_ERR, deny, "module %s is", mod->name);
	return -EPERM;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * deny (kmod-ds): modules libkmod never inserts, whoever asks and by whatever
 * route.  Entries come from "deny MODULE..." lines of modprobe.d and from
 * modprobe.deny=MODULE[,MODULE...] on the kernel command line; they live in
 * struct kmod_config's list "denies" and remember where they were written,
 * for the messages.
 */

#include "libkmod-config.h"

/* libkmod-config-deny.c: the entries. */

/*
 * The words of a "deny" line (the text after the command, cut in place; NULL
 * when there is none) from @file line @line.  A word that is no module name is
 * reported and skipped, the others are added.  0, -EINVAL without any word (a
 * bad line for the caller to report), -ENOMEM.
 */
int kmod_config_deny_parse(const struct logger *lg, struct kmod_list **list, char *words,
			   const char *file, unsigned int line);
/*
 * One denied module, normalised ('-' == '_'); @file NULL for the kernel
 * command line.  0, -EINVAL when @name cannot be a module name ([A-Za-z0-9_-],
 * shorter than the kernel's MODULE_NAME_LEN), -ENOMEM.
 */
int kmod_config_deny_add(struct kmod_list **list, const char *name, const char *file,
			 unsigned int line);
const char *kmod_deny_get_modname(const struct kmod_list *l);
/* The file the entry comes from (NULL: the kernel command line) and its line. */
const char *kmod_deny_get_file(const struct kmod_list *l, unsigned int *line);

/* libkmod-deny.c: the checks. */

/* The first entry denying the module @name (normalised), or NULL. */
const struct kmod_list *kmod_deny_find(const struct kmod_ctx *ctx, const char *name);

/*
 * Log "<fmt...> denied by FILE line N" (or "... by modprobe.deny= on the kernel
 * command line") for the entry @deny.
 */
void kmod_deny_log(const struct kmod_ctx *ctx, int priority, const struct kmod_list *deny,
		   const char *fmt, ...) _printf_format_(4, 5);

/*
 * Insertion's guard: -EPERM, logged, when @mod is denied; else 0.  No file is
 * opened for a denied module.
 */
int kmod_module_check_deny(const struct kmod_module *mod);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * deny (kmod-ds): modules libkmod never inserts, whoever asks and by whatever
 * route.  Entries come from "deny MODULE..." lines of modprobe.d and from
 * modprobe.deny=MODULE[,MODULE...] on the kernel command line; they live in
 * struct kmod_config's list "denies" and remember where they were written,
 * for the messages.
 */

#include "libkmod/libkmod-config.h"

/* libkmod-deny.c: the checks (the entries: libkmod-config.h). */

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

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The searches made in the context's indexes (libkmod-internal.h) and in the
 * configuration: libkmod-lookup.c.
 */

#include <stdbool.h>

#include "libkmod/libkmod-internal.h"

/*
 * The modules.dep line of module @name (malloc'ed), or NULL when the index or
 * the name is missing.
 */
char *kmod_search_moddep(struct kmod_ctx *ctx, const char *name);
/* True when modules.builtin.bin lists @name. */
bool kmod_lookup_is_builtin(struct kmod_ctx *ctx, const char *name);

/*
 * The links of kmod_module_new_from_lookup()'s chain.  Each appends what it
 * finds to *list and returns a count (or 0), -ENOSYS when its index is
 * missing, or another -errno.
 */
int kmod_lookup_alias_from_config(struct kmod_ctx *ctx, const char *name,
				  struct kmod_list **list);
int kmod_lookup_alias_from_moddep_file(struct kmod_ctx *ctx, const char *name,
				       struct kmod_list **list);
int kmod_lookup_alias_from_symbols_file(struct kmod_ctx *ctx, const char *name,
					struct kmod_list **list);
int kmod_lookup_alias_from_commands(struct kmod_ctx *ctx, const char *name,
				    struct kmod_list **list);
int kmod_lookup_alias_from_aliases_file(struct kmod_ctx *ctx, const char *name,
					struct kmod_list **list);
int kmod_lookup_alias_from_builtin_file(struct kmod_ctx *ctx, const char *name,
					struct kmod_list **list);
int kmod_lookup_alias_from_kernel_builtin_file(struct kmod_ctx *ctx, const char *name,
					       struct kmod_list **list);

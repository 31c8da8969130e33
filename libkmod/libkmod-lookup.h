/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The context's indexes (kmod_load_resources) and the searches made in them
 * and in the configuration: libkmod-lookup.c.
 */

#include <stdbool.h>

#include "libkmod-internal.h"

/*
 * libkmod-index.h names its handle "struct kmod_index_file", the tag libkmod.h's
 * enum kmod_index already has: one file cannot see both.  Until that header
 * renames it, it is read here under another tag (the functions keep their names).
 */
#define kmod_index kmod_index_file
#include "libkmod-index.h"
#undef kmod_index

#define KMOD_INDEX_COUNT (KMOD_INDEX_MODULES_BUILTIN + 1)

/* Indexes kept mapped by kmod_load_resources, with the mtime each had then. */
struct kmod_index_set {
	struct kmod_index_file *idx[KMOD_INDEX_COUNT];
	unsigned long long stamp[KMOD_INDEX_COUNT];
	unsigned int not_regular; /* bit per index: reported as not a regular file */
};

/* libkmod.c: the context's resources and its module pool. */
struct kmod_index_set *kmod_get_resources(const struct kmod_ctx *ctx);
void kmod_pool_foreach(struct kmod_ctx *ctx,
		       void (*fn)(struct kmod_module *mod, void *data), void *data);

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

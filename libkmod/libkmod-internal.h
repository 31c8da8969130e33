/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Internal interfaces of the upper library layer (context, modules, lists).
 * The lower layers (libkmod-file.h, libkmod-elf.h, libkmod-signature.h,
 * util/) do not include this header.
 */

#include <stdbool.h>
#include <syslog.h>

#include "libkmod/libkmod.h"
#include "libkmod/libkmod-file.h"
#include "libkmod/libkmod-list.h"
#include "util/log.h"
#include "util/macro.h"

#define KMOD_EXPORT _export_

/* Logging through the context; the priority test keeps disabled levels cheap. */
#ifdef ENABLE_LOGGING
#define kmod_log_cond(ctx, prio, ...) lg_log(kmod_get_logger(ctx), prio, __VA_ARGS__)
#else
#define kmod_log_cond(ctx, prio, ...)                                                    \
	do {                                                                             \
		if (0)                                                                   \
			(void)(ctx);                                                     \
	} while (0)
#endif
#ifdef ENABLE_DEBUG
#define DBG(ctx, ...) kmod_log_cond(ctx, LOG_DEBUG, __VA_ARGS__)
#else
#define DBG(ctx, ...)                                                                    \
	do {                                                                             \
		if (0)                                                                   \
			(void)(ctx);                                                     \
	} while (0)
#endif
#define INFO(ctx, ...) kmod_log_cond(ctx, LOG_INFO, __VA_ARGS__)
#define NOTICE(ctx, ...) kmod_log_cond(ctx, LOG_NOTICE, __VA_ARGS__)
#define WRN(ctx, ...) kmod_log_cond(ctx, LOG_WARNING, __VA_ARGS__)
#define ERR(ctx, ...) kmod_log_cond(ctx, LOG_ERR, __VA_ARGS__)

/* libkmod.c */
const struct logger *kmod_get_logger(const struct kmod_ctx *ctx);
/* The configuration of a context (never NULL for a live context). */
struct kmod_config;
const struct kmod_config *kmod_get_config(const struct kmod_ctx *ctx);
/* Compression the running kernel decompresses itself (/sys/module/compression). */
enum kmod_file_compression kmod_get_kernel_compression(const struct kmod_ctx *ctx);
/*
 * The detached-signature policy of one insertion: the KMOD_INSERT_DETACHED_SIG_*
 * bits of @flags, else the context's, and never weaker than the configuration's
 * detached_sig.
 */
enum kmod_detached_sig_policy kmod_sig_policy_effective(const struct kmod_ctx *ctx,
							unsigned int flags);
/*
 * The environment variable of the policy.  push: set it to the policy of an
 * insertion with @flags (kmod_sig_policy_effective()) for a command the
 * library runs, so that a modprobe the command starts follows it, keeping
 * the old value in @saved; pop: put the old value back.  0, -ENOMEM.
 */
#define KMOD_SIG_ENV "KMOD_DETACHED_SIG"
struct kmod_sig_env {
	bool was_set;
	char *value;
};
int kmod_sig_policy_env_push(const struct kmod_ctx *ctx, unsigned int flags,
			     struct kmod_sig_env *saved);
void kmod_sig_policy_env_pop(struct kmod_sig_env *saved);
/*
 * Policy require cannot check the key; a kernel that neither enforces module
 * signatures nor is locked down loads a module whose signature it cannot
 * verify, tainted.  True the first time it is asked on a context running on
 * such a kernel, so that the warning is given once.
 */
bool kmod_sig_unenforced_warning_due(struct kmod_ctx *ctx);
struct kmod_module *kmod_pool_get_module(struct kmod_ctx *ctx, const char *key);
void kmod_pool_foreach(struct kmod_ctx *ctx,
		       void (*fn)(struct kmod_module *mod, void *data), void *data);
int kmod_pool_add_module(struct kmod_ctx *ctx, struct kmod_module *mod, const char *key);
void kmod_pool_del_module(struct kmod_ctx *ctx, struct kmod_module *mod, const char *key);

/*
 * The context's indexes (enum kmod_index), mapped for its lifetime by
 * kmod_load_resources.  acquire: for one search, the mapped index, else the
 * file opened now (libkmod-index.h); 0 or -errno.  release: closes what
 * acquire opened.  name: "modules.dep" for KMOD_INDEX_MODULES_DEP...
 */
#define KMOD_INDEX_COUNT (KMOD_INDEX_MODULES_BUILTIN + 1)
struct kmod_index_file;
struct kmod_index_ref {
	struct kmod_index_file *idx;
	bool owned;
};
int kmod_index_acquire(struct kmod_ctx *ctx, unsigned int type, const char *what,
		       struct kmod_index_ref *ref);
void kmod_index_release(struct kmod_index_ref *ref);
const char *kmod_index_name(unsigned int type);

/* libkmod-module.c */
const char *kmod_module_get_hashkey(const struct kmod_module *mod);
struct kmod_ctx *kmod_module_get_ctx(const struct kmod_module *mod);

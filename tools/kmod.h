/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

struct kmod_cmd {
	const char *name;
	int (*cmd)(int argc, char *argv[]);
	const char *help;
};

extern const struct kmod_cmd kmod_cmd_compat_insmod;
extern const struct kmod_cmd kmod_cmd_compat_rmmod;
extern const struct kmod_cmd kmod_cmd_compat_lsmod;
extern const struct kmod_cmd kmod_cmd_compat_modprobe;
extern const struct kmod_cmd kmod_cmd_compat_modinfo;
extern const struct kmod_cmd kmod_cmd_compat_depmod;
extern const struct kmod_cmd kmod_cmd_list;
extern const struct kmod_cmd kmod_cmd_static_nodes;
extern const struct kmod_cmd kmod_cmd_attach;
extern const struct kmod_cmd kmod_cmd_detach;
#ifdef ENABLE_OPENSSL
extern const struct kmod_cmd kmod_cmd_sign;
extern const struct kmod_cmd kmod_cmd_verify;
extern const struct kmod_cmd kmod_cmd_show_sig;
#endif

/* -V/--version of every tool: "kmod version X" and the feature list. */
void kmod_print_version(void);

/*
 * The module arguments @args joined with spaces for the kernel's parser, as
 * kmod joins them (insmod and modprobe alike): a value containing a space is
 * wrapped in double quotes unless it already starts with a quote.  A new
 * string, "" for no argument; NULL when out of memory.
 */
char *kmod_join_module_options(char *const *args, int nargs);

/* Detached-signature policy from an option value; -EINVAL if unknown. */
int kmod_parse_detached_sig(const char *value);

/*
 * --detached-sig=@policy (-1: not given) on @ctx; returns the policy in
 * force.  The configuration's detached_sig is a floor: a weaker option is
 * reported, and the configured policy used.  Under require, with @verbose
 * (the tool's log priority) below LOG_WARNING, the tool and the library log
 * warnings too: the one about a kernel that does not enforce signatures is
 * part of what require tells.
 */
struct kmod_ctx;
int kmod_apply_detached_sig(struct kmod_ctx *ctx, int policy, int *verbose);

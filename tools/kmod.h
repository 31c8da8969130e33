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

/* Detached-signature policy from an option value; -EINVAL if unknown. */
int kmod_parse_detached_sig(const char *value);

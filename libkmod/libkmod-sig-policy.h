/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The detached-signature policy by name, for the library and the tools
 * (libkmod-config-sig.c).  Only libkmod.h is needed to use it.
 */

#include "libkmod/libkmod.h"

/* The policy named @name, or -EINVAL. */
int kmod_detached_sig_policy_from_name(const char *name);
/* "auto", "ignore", "require"; NULL for anything else. */
const char *kmod_detached_sig_policy_name(enum kmod_detached_sig_policy policy);
/* The stricter of two (ignore < auto < require); anything else counts as no policy. */
int kmod_detached_sig_policy_stricter(int a, int b);
/* libkmod.c: the policy the configuration of @ctx sets (detached_sig), or -ENOENT. */
int kmod_get_configured_detached_sig(const struct kmod_ctx *ctx);

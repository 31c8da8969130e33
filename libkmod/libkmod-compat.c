// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Symbol versions kept for programs linked against older libkmod.so.2.
 *
 * kmod 30 to 32 (Debian 12's libkmod2 among them) exported
 * kmod_module_new_from_name_lookup in LIBKMOD_5; kmod 33 moved it to
 * LIBKMOD_30, its default version here.  Binaries built against the older
 * library reference kmod_module_new_from_name_lookup@LIBKMOD_5 and would not
 * start without this alias.
 *
 * This file goes into libkmod.so.2 only: a versioned alias cannot be linked
 * into the tools, which use the library statically.
 */

#include "libkmod/libkmod.h"
#include "libkmod/libkmod-internal.h"

int kmod_module_new_from_name_lookup_v5(struct kmod_ctx *ctx, const char *modname,
					struct kmod_module **mod);

__attribute__((symver("kmod_module_new_from_name_lookup@LIBKMOD_5"))) KMOD_EXPORT int
kmod_module_new_from_name_lookup_v5(struct kmod_ctx *ctx, const char *modname,
				    struct kmod_module **mod)
{
	return kmod_module_new_from_name_lookup(ctx, modname, mod);
}

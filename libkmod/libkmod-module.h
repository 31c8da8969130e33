/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The module object as the files that build and walk it see it:
 * libkmod-module.c (creation, interning, identity), libkmod-deps.c
 * (modules.dep line, options, commands, soft and weak dependencies),
 * libkmod-probe.c (probe list and insertion) and libkmod-lookup.c (the alias
 * lookup chain).  Everything else goes through accessors.
 */

#include <stdbool.h>

#include "libkmod/libkmod-internal.h"

enum kmod_module_builtin {
	KMOD_MODULE_BUILTIN_UNKNOWN,
	KMOD_MODULE_BUILTIN_NO,
	KMOD_MODULE_BUILTIN_YES,
};

struct kmod_module {
	struct kmod_ctx *ctx;
	/* "name", or "name\alias" for a module reached through an alias */
	char *hashkey;
	char *name;
	char *alias; /* NULL unless created from an alias; shares hashkey's block */
	char *path;
	char *sig_path;	       /* "<path>.sig" when that file exists */
	struct kmod_list *dep; /* dependencies in load order, each a reference */
	int n_dep;
	char *options;
	const char *install_commands; /* owned by the configuration */
	const char *remove_commands;  /* owned by the configuration */
	int refcount;
	enum kmod_module_builtin builtin;
	bool sig_path_checked;
	/* which lazily computed fields above are known */
	struct {
		bool dep;
		bool options;
		bool install_commands;
		bool remove_commands;
	} init;
	/* probe state, reset for the whole pool when a probe starts */
	bool visited;	/* on the probe list already: breaks softdep loops */
	bool required;	/* the module asked for or one of its dependencies */
	bool ignorecmd; /* insert even if an install command exists */
};

/* libkmod-module.c */

/*
 * The module @name reached through @alias, interned as "name\alias" so each
 * alias keeps its own options.  @name is used as given (index values and
 * configuration are normalised already).  0 or -errno.
 */
int kmod_module_new_from_alias(struct kmod_ctx *ctx, const char *alias, const char *name,
			       struct kmod_module **mod);
void kmod_module_set_builtin(struct kmod_module *mod, bool builtin);
/* Known builtin state, or modules.builtin.bin asked once. */
bool kmod_module_is_builtin(struct kmod_module *mod);
void kmod_module_set_install_commands(struct kmod_module *mod, const char *cmd);
void kmod_module_set_remove_commands(struct kmod_module *mod, const char *cmd);

/* libkmod-deps.c */

/*
 * Take a modules.dep line ("path: dep dep ...", modified in place) as the
 * module's path (if it has none) and dependencies.  Done once; later calls
 * return the known count.  Number of dependencies or -errno.
 */
int kmod_module_parse_depline(struct kmod_module *mod, char *line);
/* The dependency list without new references (lazily parsed). */
const struct kmod_list *kmod_module_get_dependencies_noref(struct kmod_module *mod);

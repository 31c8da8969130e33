/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * modprobe.d configuration and the kernel command line, parsed once per
 * context.  Entries keep file order; lists are struct kmod_list of the entry
 * types below (read them through the accessors).
 */

#include <stdbool.h>

#include "libkmod-internal.h"

struct kmod_config {
	struct kmod_list *aliases;          /* alias <pattern> <module> */
	struct kmod_list *blacklists;       /* blacklist <module> (and modprobe.blacklist=) */
	struct kmod_list *options;          /* options <module> <opts> (and mod.param=) */
	struct kmod_list *install_commands; /* install <module> <command> */
	struct kmod_list *remove_commands;  /* remove <module> <command> */
	struct kmod_list *softdeps;         /* softdep <module> pre: ... post: ... */
	struct kmod_list *weakdeps;         /* weakdep <module> ... */
	struct kmod_list *paths;            /* every file and directory read, with its mtime */
};

/*
 * Read the configuration.  @config_paths: NULL-terminated list of files and
 * directories in precedence order (kmod's default list when NULL; an empty
 * list reads nothing, and then the kernel command line is not read either).
 * @moddir: the module directory, whose modules.softdep and modules.weakdep
 * are read as configuration files (may be NULL).  Bad lines are logged
 * ("<file> line N: ignoring bad line starting with '<word>'") and skipped.
 */
int kmod_config_new(const struct logger *lg, const char *const *config_paths,
		    const char *moddir, struct kmod_config **ret);
void kmod_config_free(struct kmod_config *config);

/* Default config_paths, highest precedence first. */
extern const char *const kmod_config_default_paths[];

/* Stamps of every path read: true when one changed (kmod_validate_resources). */
bool kmod_config_changed(const struct kmod_config *config);

const char *kmod_alias_get_name(const struct kmod_list *l);
const char *kmod_alias_get_modname(const struct kmod_list *l);
const char *kmod_option_get_options(const struct kmod_list *l);
const char *kmod_option_get_modname(const struct kmod_list *l);
const char *kmod_command_get_command(const struct kmod_list *l);
const char *kmod_command_get_modname(const struct kmod_list *l);
const char *kmod_blacklist_get_modname(const struct kmod_list *l);
const char *kmod_softdep_get_name(const struct kmod_list *l);
const char *const *kmod_softdep_get_pre(const struct kmod_list *l, unsigned int *count);
const char *const *kmod_softdep_get_post(const struct kmod_list *l, unsigned int *count);
const char *kmod_weakdep_get_name(const struct kmod_list *l);
const char *const *kmod_weakdep_get_weak(const struct kmod_list *l, unsigned int *count);

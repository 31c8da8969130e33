/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * modprobe.d configuration and the kernel command line, parsed once per
 * context.  Entries keep file order; lists are struct kmod_list of the entry
 * types below (read them through the accessors).
 */

#include <stdbool.h>

#include "libkmod/libkmod-list.h"
#include "libkmod/libkmod-sig-policy.h"
#include "util/log.h"

struct kmod_config {
	struct kmod_list *aliases;    /* alias <pattern> <module> */
	struct kmod_list *blacklists; /* blacklist <module> (and modprobe.blacklist=) */
	struct kmod_list *options;    /* options <module> <opts> (and mod.param=) */
	struct kmod_list *install_commands; /* install <module> <command> */
	struct kmod_list *remove_commands;  /* remove <module> <command> */
	struct kmod_list *softdeps;	    /* softdep <module> pre: ... post: ... */
	struct kmod_list *weakdeps;	    /* weakdep <module> ... */
	struct kmod_list *denies;	    /* deny <module>... (libkmod-deny.h) */
	struct kmod_list *paths; /* stamps of what was read (kmod_config_changed) */
	/* detached_sig <policy>: the strictest read (libkmod-config-sig.c) */
	bool detached_sig_set;
	enum kmod_detached_sig_policy detached_sig;
};

/*
 * Read the configuration.  @config_paths: NULL-terminated list of files and
 * directories in precedence order (kmod_config_default_paths when NULL; an
 * empty list reads no file).  /proc/cmdline is read in every case, as kmod
 * does.  @moddir: the module directory, whose modules.softdep and
 * modules.weakdep are read as configuration files (may be NULL).  Bad lines
 * are logged ("<file> line N: ignoring bad line starting with '<word>'") and
 * skipped.  0 or -ENOMEM.
 */
int kmod_config_new(const struct logger *lg, const char *const *config_paths,
		    const char *moddir, struct kmod_config **ret);
void kmod_config_free(struct kmod_config *config);

/* Default config_paths, highest precedence first. */
extern const char *const kmod_config_default_paths[];

/*
 * True when a directory or file the configuration came from changed, appeared
 * or disappeared since it was read (kmod_validate_resources).
 */
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

/*
 * libkmod-config-entry.c: a new entry at the end of a list of struct
 * kmod_config.  Names are normalised ('-' → '_' outside [...]).  0, -EINVAL
 * for an unmatched bracket (a bad line), -ENOMEM.
 *   pair: alias (key, value), options/install/remove (module, value as written)
 *   dep: softdep (sections: words after "pre:"/"post:") or weakdep (all words)
 */
enum {
	CONFIG_VALUE_IS_NAME = 1 << 0, /* the value is normalised too (alias) */
	CONFIG_VALUE_TABS = 1 << 1,    /* tabs in the value become spaces (options) */
};
int kmod_config_pair_add(struct kmod_list **list, const char *key, const char *value,
			 unsigned int flags);
int kmod_config_blacklist_add(struct kmod_list **list, const char *name);
int kmod_config_dep_add(struct kmod_list **list, const char *name, const char *line,
			bool sections);

/*
 * libkmod-config-deny.c: the entries of "deny" lines (their checks:
 * libkmod-deny.h).  parse: the words of a "deny" line (the text after the
 * command, cut in place; NULL when there is none) from @file line @line.  A
 * word that is no module name is reported and skipped, the others are added.
 * 0, -EINVAL without any word (a bad line for the caller to report), -ENOMEM.
 */
int kmod_config_deny_parse(const struct logger *lg, struct kmod_list **list, char *words,
			   const char *file, unsigned int line);
/*
 * One denied module, normalised ('-' == '_'); @file NULL for the kernel
 * command line.  0, -EINVAL when @name cannot be a module name ([A-Za-z0-9_-],
 * shorter than the kernel's MODULE_NAME_LEN), -ENOMEM.
 */
int kmod_config_deny_add(struct kmod_list **list, const char *name, const char *file,
			 unsigned int line);
const char *kmod_deny_get_modname(const struct kmod_list *l);
/* The file the entry comes from (NULL: the kernel command line) and its line. */
const char *kmod_deny_get_file(const struct kmod_list *l, unsigned int *line);

/*
 * libkmod-config-sig.c (and libkmod-sig-policy.h): parse the rest of a
 * "detached_sig" line (strtok_r state); a line that is not exactly one known
 * policy is reported and read as require.  get: the configured policy, or
 * -ENOENT when no line sets one.
 */
int kmod_config_parse_detached_sig(struct kmod_config *config, const struct logger *lg,
				   const char *filename, unsigned int linenum,
				   char **save);
int kmod_config_get_detached_sig(const struct kmod_config *config);

/*
 * libkmod-config-kcmdline.c: the words "mod.param[=value]" of the kernel
 * command line.  fn gets each one cut in place: modname, param (with "=value"
 * when there is one) and value (NULL without '='); a negative return stops the
 * walk and is returned.  kcmdline_read() reads /proc/cmdline (at most 4095
 * bytes); a missing file is no option at all.
 */
typedef int (*kcmdline_option_fn)(void *data, char *modname, char *param, char *value);
int kcmdline_parse(char *buf, kcmdline_option_fn fn, void *data);
int kcmdline_read(const struct logger *lg, kcmdline_option_fn fn, void *data);

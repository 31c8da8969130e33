// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Finding modules: the binary indexes the context hands out
 * (kmod_index_acquire), the configuration's aliases and commands, and the
 * lookup chain of kmod_module_new_from_lookup().
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libkmod/libkmod-config.h"
#include "libkmod/libkmod-index.h"
#include "libkmod/libkmod-internal.h"
#include "libkmod/libkmod-lookup.h"
#include "libkmod/libkmod-module.h"
#include "util/util.h"

/* The prefix of each line of kmod_dump_index(). */
static const char *dump_prefix(unsigned int type)
{
	if (type == KMOD_INDEX_MODULES_ALIAS || type == KMOD_INDEX_MODULES_SYMBOL)
		return "alias ";
	return "";
}

/* Exact search; NULL when the index or the key is missing. */
static char *index_lookup(struct kmod_ctx *ctx, unsigned int type, const char *key)
{
	struct kmod_index_ref ref;
	char *value;

	if (kmod_index_acquire(ctx, type, key, &ref) < 0) {
		DBG(ctx, "could not open index '%s.bin'\n", kmod_index_name(type));
		return NULL;
	}
	value = kmod_index_search(ref.idx, key);
	kmod_index_release(&ref);
	return value;
}

char *kmod_search_moddep(struct kmod_ctx *ctx, const char *name)
{
	return index_lookup(ctx, KMOD_INDEX_MODULES_DEP, name);
}

bool kmod_lookup_is_builtin(struct kmod_ctx *ctx, const char *name)
{
	_cleanup_free_ char *line = index_lookup(ctx, KMOD_INDEX_MODULES_BUILTIN, name);

	return line != NULL;
}

/* Drop the last @n nodes of *list, which this search appended. */
static void list_drop_latest(struct kmod_list **list, int n)
{
	while (n-- > 0 && *list != NULL) {
		struct kmod_list *last = kmod_list_last(*list);

		kmod_module_unref(last->data);
		if (last == *list)
			*list = kmod_list_remove(last);
		else
			kmod_list_remove(last);
	}
}

/*
 * Wildcard search of an alias-like index: each value found is a module
 * reached through @name.
 */
static int lookup_alias_bin(struct kmod_ctx *ctx, unsigned int type, const char *name,
			    struct kmod_list **list)
{
	struct kmod_index_value *values, *v;
	struct kmod_index_ref ref;
	int err, n = 0;

	if (kmod_index_acquire(ctx, type, name, &ref) < 0)
		return -ENOSYS;
	values = kmod_index_searchwild(ref.idx, name);
	kmod_index_release(&ref);

	for (v = values; v != NULL; v = v->next) {
		struct kmod_module *mod;
		struct kmod_list *node;

		err = kmod_module_new_from_alias(ctx, name, v->value, &mod);
		if (err < 0) {
			ERR(ctx, "Could not create module for alias=%s realname=%s: %s\n",
			    name, v->value, strerror(-err));
			goto fail;
		}
		node = kmod_list_append(*list, mod);
		if (node == NULL) {
			kmod_module_unref(mod);
			err = -ENOMEM;
			goto fail;
		}
		*list = node;
		n++;
	}
	kmod_index_values_free(values);
	return n;

fail:
	list_drop_latest(list, n);
	kmod_index_values_free(values);
	return err;
}

int kmod_lookup_alias_from_symbols_file(struct kmod_ctx *ctx, const char *name,
					struct kmod_list **list)
{
	if (!strstartswith(name, "symbol:"))
		return 0;
	return lookup_alias_bin(ctx, KMOD_INDEX_MODULES_SYMBOL, name, list);
}

int kmod_lookup_alias_from_aliases_file(struct kmod_ctx *ctx, const char *name,
					struct kmod_list **list)
{
	return lookup_alias_bin(ctx, KMOD_INDEX_MODULES_ALIAS, name, list);
}

int kmod_lookup_alias_from_kernel_builtin_file(struct kmod_ctx *ctx, const char *name,
					       struct kmod_list **list)
{
	const struct kmod_list *l;
	int n = lookup_alias_bin(ctx, KMOD_INDEX_MODULES_BUILTIN_ALIAS, name, list);

	kmod_list_foreach (l, *list)
		kmod_module_set_builtin(l->data, true);
	return n;
}

/* Append a module made from @name; 1 or -errno. */
static int list_add_name(struct kmod_ctx *ctx, const char *name, struct kmod_list **list,
			 struct kmod_module **ret)
{
	struct kmod_module *mod;
	struct kmod_list *node;
	int err = kmod_module_new_from_name(ctx, name, &mod);

	if (err < 0) {
		ERR(ctx, "Could not create module from name %s: %s\n", name,
		    strerror(-err));
		return err;
	}
	node = kmod_list_append(*list, mod);
	if (node == NULL) {
		ERR(ctx, "out of memory\n");
		kmod_module_unref(mod);
		return -ENOMEM;
	}
	*list = node;
	*ret = mod;
	return 1;
}

int kmod_lookup_alias_from_builtin_file(struct kmod_ctx *ctx, const char *name,
					struct kmod_list **list)
{
	struct kmod_module *mod;
	int n;

	if (!kmod_lookup_is_builtin(ctx, name))
		return 0;
	n = list_add_name(ctx, name, list, &mod);
	if (n > 0)
		kmod_module_set_builtin(mod, true);
	return n;
}

int kmod_lookup_alias_from_moddep_file(struct kmod_ctx *ctx, const char *name,
				       struct kmod_list **list)
{
	_cleanup_free_ char *line = NULL;
	struct kmod_module *mod;
	int n;

	/* module names never contain ':', aliases often do */
	if (strchr(name, ':') != NULL)
		return 0;
	line = kmod_search_moddep(ctx, name);
	if (line == NULL)
		return 0;
	n = list_add_name(ctx, name, list, &mod);
	if (n > 0)
		kmod_module_parse_depline(mod, line);
	return n;
}

int kmod_lookup_alias_from_config(struct kmod_ctx *ctx, const char *name,
				  struct kmod_list **list)
{
	const struct kmod_list *l;
	int err, n = 0;

	kmod_list_foreach (l, kmod_get_config(ctx)->aliases) {
		const char *pattern = kmod_alias_get_name(l);
		const char *modname = kmod_alias_get_modname(l);
		struct kmod_module *mod;
		struct kmod_list *node;

		if (fnmatch(pattern, name, 0) != 0)
			continue;
		/* The pattern, not the name asked for, is the alias its options go by. */
		err = kmod_module_new_from_alias(ctx, pattern, modname, &mod);
		if (err < 0) {
			ERR(ctx, "Could not create module for alias=%s modname=%s: %s\n",
			    name, modname, strerror(-err));
			goto fail;
		}
		node = kmod_list_append(*list, mod);
		if (node == NULL) {
			kmod_module_unref(mod);
			err = -ENOMEM;
			goto fail;
		}
		*list = node;
		n++;
	}
	return n;

fail:
	list_drop_latest(list, n);
	return err;
}

/* The first command for exactly @name; the module will run it instead of loading. */
static int lookup_command(struct kmod_ctx *ctx, const char *name,
			  const struct kmod_list *cmds, bool install,
			  struct kmod_list **list)
{
	const struct kmod_list *l;

	kmod_list_foreach (l, cmds) {
		struct kmod_module *mod;
		int n;

		if (!streq(kmod_command_get_modname(l), name))
			continue;
		n = list_add_name(ctx, name, list, &mod);
		if (n < 0)
			return n;
		if (install)
			kmod_module_set_install_commands(mod,
							 kmod_command_get_command(l));
		else
			kmod_module_set_remove_commands(mod, kmod_command_get_command(l));
		return n;
	}
	return 0;
}

int kmod_lookup_alias_from_commands(struct kmod_ctx *ctx, const char *name,
				    struct kmod_list **list)
{
	const struct kmod_config *config = kmod_get_config(ctx);
	int n = lookup_command(ctx, name, config->install_commands, true, list);

	if (n != 0)
		return n;
	return lookup_command(ctx, name, config->remove_commands, false, list);
}

typedef int (*lookup_fn)(struct kmod_ctx *ctx, const char *name, struct kmod_list **list);

/*
 * The first link that finds something ends the chain; a missing index
 * (-ENOSYS) is no answer, any other error ends the search.
 */
static int lookup_chain(struct kmod_ctx *ctx, const lookup_fn *chain, size_t n,
			const char *name, struct kmod_list **list)
{
	for (size_t i = 0; i < n; i++) {
		int err = chain[i](ctx, name, list);

		if (err < 0 && err != -ENOSYS)
			return err;
		if (*list != NULL)
			return 0;
	}
	return 0;
}

KMOD_EXPORT int kmod_module_new_from_lookup(struct kmod_ctx *ctx, const char *given_alias,
					    struct kmod_list **list)
{
	static const lookup_fn chain[] = {
		kmod_lookup_alias_from_config,
		kmod_lookup_alias_from_moddep_file,
		kmod_lookup_alias_from_symbols_file,
		kmod_lookup_alias_from_commands,
		kmod_lookup_alias_from_aliases_file,
		kmod_lookup_alias_from_builtin_file,
		kmod_lookup_alias_from_kernel_builtin_file,
	};
	_cleanup_free_ char *alias = NULL;
	int err;

	if (ctx == NULL || given_alias == NULL)
		return -ENOENT;
	if (list == NULL || *list != NULL) {
		ERR(ctx, "An empty list is needed to create lookup\n");
		return -ENOSYS;
	}
	alias = malloc(strlen(given_alias) + 1);
	if (alias == NULL)
		return -ENOMEM;
	if (alias_normalize(given_alias, alias, NULL) < 0) {
		DBG(ctx, "invalid alias: %s\n", given_alias);
		return -EINVAL;
	}
	DBG(ctx, "input alias=%s, normalized=%s\n", given_alias, alias);

	err = lookup_chain(ctx, chain, ARRAY_SIZE(chain), alias, list);
	DBG(ctx, "lookup=%s found=%d\n", alias, err >= 0 && *list != NULL);
	if (err < 0) {
		kmod_module_unref_list(*list);
		*list = NULL;
	}
	return err;
}

KMOD_EXPORT int kmod_module_new_from_name_lookup(struct kmod_ctx *ctx,
						 const char *modname,
						 struct kmod_module **mod)
{
	static const lookup_fn chain[] = {
		kmod_lookup_alias_from_moddep_file,
		kmod_lookup_alias_from_builtin_file,
		kmod_lookup_alias_from_kernel_builtin_file,
	};
	char name[PATH_MAX_LEN];
	struct kmod_list *list = NULL;
	int err;

	if (ctx == NULL || modname == NULL || mod == NULL)
		return -ENOENT;
	if (modname_normalize(modname, name, NULL) == NULL)
		return -ENAMETOOLONG;
	DBG(ctx, "input modname=%s, normalized=%s\n", modname, name);

	err = lookup_chain(ctx, chain, ARRAY_SIZE(chain), name, &list);
	DBG(ctx, "lookup=%s found=%d\n", name, err >= 0 && list != NULL);
	if (err >= 0 && list != NULL)
		*mod = kmod_module_get_module(list);
	kmod_module_unref_list(list);
	return err;
}

KMOD_EXPORT int kmod_dump_index(struct kmod_ctx *ctx, enum kmod_index type, int fd)
{
	struct kmod_index_ref ref;
	int err;

	if (ctx == NULL)
		return -ENOSYS;
	if ((unsigned int)type >= KMOD_INDEX_COUNT)
		return -ENOENT;
	if (kmod_index_acquire(ctx, type, "(dump)", &ref) < 0)
		return -ENOSYS;
	err = kmod_index_dump(ref.idx, fd, dump_prefix(type));
	kmod_index_release(&ref);
	return err;
}

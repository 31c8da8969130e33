// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The entries of the configuration: one allocation each, read through the
 * accessors of libkmod-config.h.  Module names and alias patterns are stored
 * normalised as kmod stores them: '-' becomes '_' outside [...].
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libkmod/libkmod-config.h"
#include "util/util.h"

/* alias, options, install and remove: a key and its value in one allocation. */
struct config_pair {
	char *value;
	char key[];
};

/*
 * softdep (list 0: pre, list 1: post) and weakdep (list 0).  The pointer
 * arrays, the name and the dependency names follow in the same allocation.
 */
struct config_dep {
	const char **deps[2];
	unsigned int count[2];
	char *name;
};

const char *kmod_alias_get_name(const struct kmod_list *l)
{
	return ((const struct config_pair *)l->data)->key;
}

const char *kmod_alias_get_modname(const struct kmod_list *l)
{
	return ((const struct config_pair *)l->data)->value;
}

const char *kmod_option_get_options(const struct kmod_list *l)
{
	return ((const struct config_pair *)l->data)->value;
}

const char *kmod_option_get_modname(const struct kmod_list *l)
{
	return ((const struct config_pair *)l->data)->key;
}

const char *kmod_command_get_command(const struct kmod_list *l)
{
	return ((const struct config_pair *)l->data)->value;
}

const char *kmod_command_get_modname(const struct kmod_list *l)
{
	return ((const struct config_pair *)l->data)->key;
}

const char *kmod_blacklist_get_modname(const struct kmod_list *l)
{
	return l->data;
}

const char *kmod_softdep_get_name(const struct kmod_list *l)
{
	return ((const struct config_dep *)l->data)->name;
}

const char *const *kmod_softdep_get_pre(const struct kmod_list *l, unsigned int *count)
{
	const struct config_dep *dep = l->data;

	*count = dep->count[0];
	return dep->deps[0];
}

const char *const *kmod_softdep_get_post(const struct kmod_list *l, unsigned int *count)
{
	const struct config_dep *dep = l->data;

	*count = dep->count[1];
	return dep->deps[1];
}

const char *kmod_weakdep_get_name(const struct kmod_list *l)
{
	return ((const struct config_dep *)l->data)->name;
}

const char *const *kmod_weakdep_get_weak(const struct kmod_list *l, unsigned int *count)
{
	const struct config_dep *dep = l->data;

	*count = dep->count[0];
	return dep->deps[0];
}

/* ---- entries ----------------------------------------------------------------- */

static int list_add(struct kmod_list **list, void *data)
{
	struct kmod_list *l = kmod_list_append(*list, data);

	if (l == NULL)
		return -ENOMEM;
	*list = l;
	return 0;
}

int kmod_config_pair_add(struct kmod_list **list, const char *key, const char *value,
			 unsigned int flags)
{
	size_t klen = strlen(key) + 1, vlen = strlen(value) + 1, size;
	_cleanup_free_ struct config_pair *pair = NULL;
	int err;

	if (uadd_overflow(sizeof(*pair), klen, &size) || uadd_overflow(size, vlen, &size))
		return -ENOMEM;
	pair = malloc(size);
	if (pair == NULL)
		return -ENOMEM;
	pair->value = pair->key + klen;
	err = alias_normalize(key, pair->key, NULL);
	if (err < 0)
		return err;
	if (flags & CONFIG_VALUE_IS_NAME) {
		err = alias_normalize(value, pair->value, NULL);
		if (err < 0)
			return err;
	} else {
		memcpy(pair->value, value, vlen);
		if (flags & CONFIG_VALUE_TABS)
			strchr_replace(pair->value, '\t', ' ');
	}
	err = list_add(list, pair);
	if (err < 0)
		return err;
	TAKE_PTR(pair);
	return 0;
}

int kmod_config_blacklist_add(struct kmod_list **list, const char *name)
{
	_cleanup_free_ char *copy = malloc(strlen(name) + 1);
	int err;

	if (copy == NULL)
		return -ENOMEM;
	err = alias_normalize(name, copy, NULL);
	if (err < 0)
		return err;
	err = list_add(list, copy);
	if (err < 0)
		return err;
	TAKE_PTR(copy);
	return 0;
}

/* The next word of *pos separated by isspace() (kmod's rule for dependency lists). */
static bool next_word(const char **pos, const char **word, size_t *len)
{
	const char *p = *pos;

	while (*p != '\0' && isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		return false;
	*word = p;
	while (*p != '\0' && !isspace((unsigned char)*p))
		p++;
	*len = (size_t)(p - *word);
	*pos = p;
	return true;
}

/*
 * With sections (softdep) "pre:" and "post:" choose the list, and words
 * before either are dropped as kmod drops them; without (weakdep) every word
 * is a dependency.  Counts into count[] and adds the bytes the names need to
 * *bytes; when dep is given, also copies the names to strings.
 */
static void dep_walk(const char *line, bool sections, unsigned int count[2],
		     size_t *bytes, struct config_dep *dep, char *strings)
{
	const char *pos = line, *word;
	int list = sections ? -1 : 0;
	size_t len;

	while (next_word(&pos, &word, &len)) {
		if (sections && len == 4 && memcmp(word, "pre:", 4) == 0) {
			list = 0;
			continue;
		}
		if (sections && len == 5 && memcmp(word, "post:", 5) == 0) {
			list = 1;
			continue;
		}
		if (list < 0)
			continue;
		/* Each word is followed by a separator or the NUL: no overflow. */
		*bytes += len + 1;
		if (dep != NULL) {
			dep->deps[list][count[list]] = strings;
			memcpy(strings, word, len);
			strings[len] = '\0';
			strings += len + 1;
		}
		count[list]++;
	}
}

int kmod_config_dep_add(struct kmod_list **list, const char *name, const char *line,
			bool sections)
{
	size_t namelen = strlen(name) + 1, bytes = 0, size, ptrs;
	unsigned int count[2] = { 0, 0 };
	_cleanup_free_ struct config_dep *dep = NULL;
	int err;

	dep_walk(line, sections, count, &bytes, NULL, NULL);
	if (umul_overflow((size_t)count[0] + count[1], sizeof(char *), &ptrs) ||
	    uadd_overflow(sizeof(*dep), ptrs, &size) ||
	    uadd_overflow(size, namelen, &size) || uadd_overflow(size, bytes, &size))
		return -ENOMEM;
	dep = malloc(size);
	if (dep == NULL)
		return -ENOMEM;
	dep->deps[0] = (const char **)(dep + 1);
	dep->deps[1] = dep->deps[0] + count[0];
	dep->name = (char *)(dep->deps[1] + count[1]);
	err = alias_normalize(name, dep->name, NULL);
	if (err < 0)
		return err;
	dep->count[0] = dep->count[1] = 0;
	bytes = 0;
	dep_walk(line, sections, dep->count, &bytes, dep, dep->name + namelen);
	err = list_add(list, dep);
	if (err < 0)
		return err;
	TAKE_PTR(dep);
	return 0;
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The public view of a context's configuration: one iterator per kind of
 * directive, in file order.  An iterator starts before the first entry, so
 * kmod_config_iter_next() must be called once before reading; after it has
 * returned false, the next call starts over from the first entry.
 */
#include <stddef.h>
#include <stdlib.h>

#include "libkmod/libkmod-config.h"
#include "libkmod/libkmod-internal.h"
#include "util/strbuf.h"

struct kmod_config_iter {
	const struct kmod_list *list;
	const struct kmod_list *curr;
	const char *(*get_key)(const struct kmod_list *l);
	const char *(*get_value)(const struct kmod_list *l);
	/* softdep and weakdep values are rendered on demand into this */
	char *(*render)(const struct kmod_list *l);
	char *rendered;
};

static bool render_names(struct strbuf *buf, const char *prefix, const char *const *names,
			 unsigned int count)
{
	if (count == 0)
		return true;
	if (strbuf_used(buf) > 0 && !strbuf_pushchar(buf, ' '))
		return false;
	if (prefix != NULL && !strbuf_pushchars(buf, prefix))
		return false;
	for (unsigned int i = 0; i < count; i++) {
		if ((i > 0 || prefix != NULL) && !strbuf_pushchar(buf, ' '))
			return false;
		if (!strbuf_pushchars(buf, names[i]))
			return false;
	}
	return true;
}

/* "pre: a b post: c", leaving out an empty part. */
static char *softdep_render(const struct kmod_list *l)
{
	_cleanup_strbuf_ struct strbuf buf;
	const char *const *names;
	unsigned int count;

	strbuf_init(&buf);
	names = kmod_softdep_get_pre(l, &count);
	if (!render_names(&buf, "pre:", names, count))
		return NULL;
	names = kmod_softdep_get_post(l, &count);
	if (!render_names(&buf, "post:", names, count))
		return NULL;
	return strbuf_steal(&buf);
}

/* "a b" */
static char *weakdep_render(const struct kmod_list *l)
{
	_cleanup_strbuf_ struct strbuf buf;
	const char *const *names;
	unsigned int count;

	strbuf_init(&buf);
	names = kmod_weakdep_get_weak(l, &count);
	if (!render_names(&buf, NULL, names, count))
		return NULL;
	return strbuf_steal(&buf);
}

static struct kmod_config_iter *iter_new(const struct kmod_ctx *ctx, size_t which)
{
	const struct kmod_config *config;
	struct kmod_config_iter *iter;

	if (ctx == NULL)
		return NULL;
	config = kmod_get_config(ctx);
	if (config == NULL)
		return NULL;
	iter = calloc(1, sizeof(*iter));
	if (iter == NULL)
		return NULL;
	iter->list = *(struct kmod_list *const *)((const char *)config + which);
	return iter;
}

#define ITER_NEW(ctx, member) iter_new(ctx, offsetof(struct kmod_config, member))

KMOD_EXPORT struct kmod_config_iter *
kmod_config_get_blacklists(const struct kmod_ctx *ctx)
{
	struct kmod_config_iter *iter = ITER_NEW(ctx, blacklists);

	if (iter != NULL)
		iter->get_key = kmod_blacklist_get_modname;
	return iter;
}

KMOD_EXPORT struct kmod_config_iter *
kmod_config_get_install_commands(const struct kmod_ctx *ctx)
{
	struct kmod_config_iter *iter = ITER_NEW(ctx, install_commands);

	if (iter != NULL) {
		iter->get_key = kmod_command_get_modname;
		iter->get_value = kmod_command_get_command;
	}
	return iter;
}

KMOD_EXPORT struct kmod_config_iter *
kmod_config_get_remove_commands(const struct kmod_ctx *ctx)
{
	struct kmod_config_iter *iter = ITER_NEW(ctx, remove_commands);

	if (iter != NULL) {
		iter->get_key = kmod_command_get_modname;
		iter->get_value = kmod_command_get_command;
	}
	return iter;
}

KMOD_EXPORT struct kmod_config_iter *kmod_config_get_aliases(const struct kmod_ctx *ctx)
{
	struct kmod_config_iter *iter = ITER_NEW(ctx, aliases);

	if (iter != NULL) {
		iter->get_key = kmod_alias_get_name;
		iter->get_value = kmod_alias_get_modname;
	}
	return iter;
}

KMOD_EXPORT struct kmod_config_iter *kmod_config_get_options(const struct kmod_ctx *ctx)
{
	struct kmod_config_iter *iter = ITER_NEW(ctx, options);

	if (iter != NULL) {
		iter->get_key = kmod_option_get_modname;
		iter->get_value = kmod_option_get_options;
	}
	return iter;
}

KMOD_EXPORT struct kmod_config_iter *kmod_config_get_softdeps(const struct kmod_ctx *ctx)
{
	struct kmod_config_iter *iter = ITER_NEW(ctx, softdeps);

	if (iter != NULL) {
		iter->get_key = kmod_softdep_get_name;
		iter->render = softdep_render;
	}
	return iter;
}

KMOD_EXPORT struct kmod_config_iter *kmod_config_get_weakdeps(const struct kmod_ctx *ctx)
{
	struct kmod_config_iter *iter = ITER_NEW(ctx, weakdeps);

	if (iter != NULL) {
		iter->get_key = kmod_weakdep_get_name;
		iter->render = weakdep_render;
	}
	return iter;
}

/* kmod-ds: the denied modules, keys only, as blacklists. */
KMOD_EXPORT struct kmod_config_iter *kmod_config_get_denies(const struct kmod_ctx *ctx)
{
	struct kmod_config_iter *iter = ITER_NEW(ctx, denies);

	if (iter != NULL)
		iter->get_key = kmod_deny_get_modname;
	return iter;
}

KMOD_EXPORT const char *kmod_config_iter_get_key(const struct kmod_config_iter *iter)
{
	if (iter == NULL || iter->curr == NULL)
		return NULL;
	return iter->get_key(iter->curr);
}

/*
 * A rendered value stays valid until the next kmod_config_iter_get_value() or
 * kmod_config_iter_free_iter() on the same iterator.
 */
KMOD_EXPORT const char *kmod_config_iter_get_value(const struct kmod_config_iter *iter)
{
	struct kmod_config_iter *it = (struct kmod_config_iter *)iter;

	if (iter == NULL || iter->curr == NULL)
		return NULL;
	if (iter->get_value != NULL)
		return iter->get_value(iter->curr);
	if (iter->render == NULL)
		return NULL;
	free(it->rendered);
	it->rendered = iter->render(iter->curr);
	return it->rendered;
}

KMOD_EXPORT bool kmod_config_iter_next(struct kmod_config_iter *iter)
{
	if (iter == NULL)
		return false;
	if (iter->curr == NULL)
		iter->curr = iter->list;
	else
		iter->curr = kmod_list_next(iter->list, iter->curr);
	return iter->curr != NULL;
}

KMOD_EXPORT void kmod_config_iter_free_iter(struct kmod_config_iter *iter)
{
	if (iter == NULL)
		return;
	free(iter->rendered);
	free(iter);
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Module objects: creation from names and paths, interning in the context's
 * pool, reference counting and identity.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "libkmod-internal.h"
#include "util/util.h"

struct kmod_module {
	struct kmod_ctx *ctx;
	char *hashkey;
	char *name;
	char *path;
	char *sig_path; /* "<path>.sig" when that file exists */
	int refcount;
	bool sig_path_checked;
};

const char *kmod_module_get_hashkey(const struct kmod_module *mod)
{
	return mod->hashkey;
}

struct kmod_ctx *kmod_module_get_ctx(const struct kmod_module *mod)
{
	return mod->ctx;
}

char *kmod_detached_sig_path_for(const char *module_path)
{
	char *p;

	if (asprintf(&p, "%s.sig", module_path) < 0)
		return NULL;
	return p;
}

/* Create and intern a module under @key (the normalised name). */
static int module_new(struct kmod_ctx *ctx, const char *key, const char *name,
		      struct kmod_module **ret)
{
	struct kmod_module *m;
	int err;

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	m->hashkey = strdup(key);
	m->name = strdup(name);
	if (m->hashkey == NULL || m->name == NULL) {
		free(m->hashkey);
		free(m->name);
		free(m);
		return -ENOMEM;
	}
	m->refcount = 1;
	err = kmod_pool_add_module(ctx, m, m->hashkey);
	if (err < 0) {
		free(m->hashkey);
		free(m->name);
		free(m);
		return err;
	}
	m->ctx = kmod_ref(ctx);
	*ret = m;
	return 0;
}

KMOD_EXPORT int kmod_module_new_from_name(struct kmod_ctx *ctx, const char *name,
					  struct kmod_module **mod)
{
	char buf[PATH_MAX_LEN];
	struct kmod_module *m;

	if (ctx == NULL || name == NULL || mod == NULL)
		return -ENOENT;
	if (modname_normalize(name, buf, NULL) == NULL)
		return -ENAMETOOLONG;

	m = kmod_pool_get_module(ctx, buf);
	if (m != NULL) {
		*mod = kmod_module_ref(m);
		return 0;
	}
	return module_new(ctx, buf, buf, mod);
}

KMOD_EXPORT int kmod_module_new_from_path(struct kmod_ctx *ctx, const char *path,
					  struct kmod_module **mod)
{
	_cleanup_free_ char *abspath = NULL;
	char name[PATH_MAX_LEN];
	struct kmod_module *m;
	struct stat st;
	int err;

	if (ctx == NULL || path == NULL || mod == NULL)
		return -ENOENT;

	abspath = path_make_absolute_cwd(path);
	if (abspath == NULL) {
		DBG(ctx, "no absolute path for %s\n", path);
		return -ENOMEM;
	}
	if (stat(abspath, &st) < 0) {
		err = -errno;
		DBG(ctx, "stat %s: %m\n", path);
		return err;
	}
	if (path_to_modname(path, name, NULL) == NULL) {
		DBG(ctx, "could not get modname from path %s\n", path);
		return -ENOENT;
	}

	m = kmod_pool_get_module(ctx, name);
	if (m != NULL) {
		if (m->path == NULL) {
			m->path = TAKE_PTR(abspath);
		} else if (!streq(m->path, abspath)) {
			ERR(ctx, "kmod_module '%s' already exists with different path: new-path='%s' old-path='%s'\n",
			    name, abspath, m->path);
			return -EEXIST;
		}
		*mod = kmod_module_ref(m);
		return 0;
	}

	err = module_new(ctx, name, name, &m);
	if (err < 0)
		return err;
	m->path = TAKE_PTR(abspath);
	*mod = m;
	return 0;
}

KMOD_EXPORT struct kmod_module *kmod_module_ref(struct kmod_module *mod)
{
	if (mod == NULL)
		return NULL;
	mod->refcount++;
	return mod;
}

KMOD_EXPORT struct kmod_module *kmod_module_unref(struct kmod_module *mod)
{
	struct kmod_ctx *ctx;

	if (mod == NULL)
		return NULL;
	if (--mod->refcount > 0)
		return mod;

	ctx = mod->ctx;
	DBG(ctx, "kmod_module %p released\n", (void *)mod);
	kmod_pool_del_module(ctx, mod, mod->hashkey);
	free(mod->sig_path);
	free(mod->path);
	free(mod->name);
	free(mod->hashkey);
	free(mod);
	kmod_unref(ctx);
	return NULL;
}

KMOD_EXPORT int kmod_module_unref_list(struct kmod_list *list)
{
	while (list != NULL) {
		kmod_module_unref(list->data);
		list = kmod_list_remove(list);
	}
	return 0;
}

KMOD_EXPORT struct kmod_module *kmod_module_get_module(const struct kmod_list *entry)
{
	if (entry == NULL)
		return NULL;
	return kmod_module_ref(entry->data);
}

KMOD_EXPORT const char *kmod_module_get_name(const struct kmod_module *mod)
{
	if (mod == NULL)
		return NULL;
	return mod->name;
}

KMOD_EXPORT const char *kmod_module_get_path(const struct kmod_module *mod)
{
	if (mod == NULL)
		return NULL;
	return mod->path;
}

KMOD_EXPORT const char *kmod_module_get_detached_sig_path(const struct kmod_module *mod)
{
	struct kmod_module *m = (struct kmod_module *)mod;
	struct stat st;
	char *p;

	if (m == NULL || kmod_module_get_path(m) == NULL)
		return NULL;
	if (m->sig_path_checked)
		return m->sig_path;

	p = kmod_detached_sig_path_for(m->path);
	if (p == NULL)
		return NULL;
	if (stat(p, &st) < 0) {
		free(p);
		p = NULL;
	}
	m->sig_path = p;
	m->sig_path_checked = true;
	return m->sig_path;
}

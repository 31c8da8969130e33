// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Module objects: creation from names, aliases and paths, interning in the
 * context's pool, reference counting and identity.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "libkmod/libkmod-internal.h"
#include "libkmod/libkmod-lookup.h"
#include "libkmod/libkmod-module.h"
#include "util/util.h"

const char *kmod_module_get_hashkey(const struct kmod_module *mod)
{
	return mod->hashkey;
}

struct kmod_ctx *kmod_module_get_ctx(const struct kmod_module *mod)
{
	return mod->ctx;
}

/*
 * The module interned under @key ("name" or "name\alias", the name being the
 * first @namelen bytes), created if the pool does not have it.  One block holds
 * the key and, after it, a copy split into name and alias.
 */
static int module_get_or_new(struct kmod_ctx *ctx, const char *key, size_t namelen,
			     struct kmod_module **ret)
{
	struct kmod_module *m;
	size_t keylen = strlen(key);
	int err;

	m = kmod_pool_get_module(ctx, key);
	if (m != NULL) {
		*ret = kmod_module_ref(m);
		return 0;
	}

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	m->hashkey = malloc(2 * (keylen + 1));
	if (m->hashkey == NULL) {
		free(m);
		return -ENOMEM;
	}
	memcpy(m->hashkey, key, keylen + 1);
	m->name = m->hashkey + keylen + 1;
	memcpy(m->name, key, keylen + 1);
	if (namelen < keylen) {
		m->name[namelen] = '\0';
		m->alias = m->name + namelen + 1;
	}
	m->refcount = 1;
	err = kmod_pool_add_module(ctx, m, m->hashkey);
	if (err < 0) {
		free(m->hashkey);
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
	size_t len;

	if (ctx == NULL || name == NULL || mod == NULL)
		return -ENOENT;
	if (modname_normalize(name, buf, &len) == NULL)
		return -ENAMETOOLONG;
	return module_get_or_new(ctx, buf, len, mod);
}

int kmod_module_new_from_alias(struct kmod_ctx *ctx, const char *alias, const char *name,
			       struct kmod_module **mod)
{
	char key[PATH_MAX_LEN];
	size_t namelen = strlen(name), aliaslen = strlen(alias);

	if (namelen + aliaslen + 2 > sizeof(key))
		return -ENAMETOOLONG;
	memcpy(key, name, namelen);
	key[namelen] = '\\';
	memcpy(key + namelen + 1, alias, aliaslen + 1);
	return module_get_or_new(ctx, key, namelen, mod);
}

/*
 * ABSPATH is MODULE.sig, the detached signature of the module file MODULE
 * (a name of kmod_exts) next to it: cut it to MODULE.  Tools that walk a
 * module tree and take every file for a module (dracut-install's "=DIR"
 * arguments) would otherwise get a module of MODULE's name whose file is the
 * signature: its modinfo fails, the .sig is copied as the module, and while
 * that object lives the real file is refused with -EEXIST.
 */
static void sig_to_module_path(struct kmod_ctx *ctx, char *abspath)
{
	size_t len = strlen(abspath);
	struct stat st;

	if (len <= 4 || !streq(abspath + len - 4, ".sig") ||
	    !path_ends_with_kmod_ext(abspath, len - 4))
		return;
	abspath[len - 4] = '\0';
	if (stat(abspath, &st) == 0 && S_ISREG(st.st_mode)) {
		DBG(ctx, "%s.sig: a detached signature, the module is %s\n", abspath,
		    abspath);
		return;
	}
	abspath[len - 4] = '.';
}

KMOD_EXPORT int kmod_module_new_from_path(struct kmod_ctx *ctx, const char *path,
					  struct kmod_module **mod)
{
	_cleanup_free_ char *abspath = NULL;
	char name[PATH_MAX_LEN];
	struct kmod_module *m;
	struct stat st;
	size_t namelen;
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
	sig_to_module_path(ctx, abspath);
	if (path_to_modname(abspath, name, &namelen) == NULL) {
		DBG(ctx, "could not get modname from path %s\n", path);
		return -ENOENT;
	}

	err = module_get_or_new(ctx, name, namelen, &m);
	if (err < 0)
		return err;
	if (m->path == NULL) {
		m->path = TAKE_PTR(abspath);
	} else if (!streq(m->path, abspath)) {
		ERR(ctx,
		    "kmod_module '%s' already exists with different path: new-path='%s' "
		    "old-path='%s'\n",
		    name, abspath, m->path);
		kmod_module_unref(m);
		return -EEXIST;
	}
	/* A module file is never the builtin copy, whatever modules.builtin says. */
	m->builtin = KMOD_MODULE_BUILTIN_NO;
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
	kmod_module_unref_list(mod->dep);
	free(mod->options);
	free(mod->sig_path);
	free(mod->path);
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

/* Modules made from a name learn their path from modules.dep on first use. */
KMOD_EXPORT const char *kmod_module_get_path(const struct kmod_module *mod)
{
	struct kmod_module *m = (struct kmod_module *)mod;
	char *line;

	if (m == NULL)
		return NULL;
	DBG(m->ctx, "name='%s' path='%s'\n", m->name, m->path ? m->path : "(null)");
	if (m->path != NULL || m->init.dep)
		return m->path;

	line = kmod_search_moddep(m->ctx, m->name);
	if (line == NULL)
		return NULL;
	kmod_module_parse_depline(m, line);
	free(line);
	return m->path;
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

	p = kmod_detached_sig_path(m->path);
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

void kmod_module_set_builtin(struct kmod_module *mod, bool builtin)
{
	mod->builtin = builtin ? KMOD_MODULE_BUILTIN_YES : KMOD_MODULE_BUILTIN_NO;
}

bool kmod_module_is_builtin(struct kmod_module *mod)
{
	if (mod->builtin == KMOD_MODULE_BUILTIN_UNKNOWN)
		kmod_module_set_builtin(mod, kmod_lookup_is_builtin(mod->ctx, mod->name));
	return mod->builtin == KMOD_MODULE_BUILTIN_YES;
}

void kmod_module_set_install_commands(struct kmod_module *mod, const char *cmd)
{
	mod->init.install_commands = true;
	mod->install_commands = cmd;
}

void kmod_module_set_remove_commands(struct kmod_module *mod, const char *cmd)
{
	mod->init.remove_commands = true;
	mod->remove_commands = cmd;
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What a module needs besides itself: its modules.dep line (path and hard
 * dependencies), and what the configuration says of it (options, install and
 * remove commands, soft and weak dependencies).  All computed on first use.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libkmod/libkmod-config.h"
#include "libkmod/libkmod-internal.h"
#include "libkmod/libkmod-lookup.h"
#include "libkmod/libkmod-module.h"
#include "util/strbuf.h"
#include "util/util.h"

/* @path itself when absolute, else @dir (ending in '/', @dirlen bytes) + @path in buf. */
static const char *depline_path(const char *path, char *buf, size_t dirlen)
{
	size_t len;

	if (path[0] == '/')
		return path;
	len = strlen(path);
	if (dirlen + len + 1 > PATH_MAX_LEN)
		return NULL;
	memcpy(buf + dirlen, path, len + 1);
	return buf;
}

int kmod_module_parse_depline(struct kmod_module *mod, char *line)
{
	struct kmod_ctx *ctx = mod->ctx;
	const char *dirname = kmod_get_dirname(ctx);
	struct kmod_list *list = NULL;
	char buf[PATH_MAX_LEN];
	char *p, *tok, *saveptr;
	size_t dirlen;
	int n = 0, err;

	if (mod->init.dep)
		return mod->n_dep;
	/* Even a line we cannot use is the answer: do not search again. */
	mod->init.dep = true;

	p = strchr(line, ':');
	if (p == NULL)
		return 0;
	*p++ = '\0';

	dirlen = strlen(dirname);
	if (dirlen + 2 >= sizeof(buf))
		return 0;
	memcpy(buf, dirname, dirlen);
	buf[dirlen++] = '/';
	buf[dirlen] = '\0';

	if (mod->path == NULL) {
		const char *path = depline_path(line, buf, dirlen);

		if (path == NULL)
			return 0;
		mod->path = strdup(path);
		if (mod->path == NULL)
			return 0;
	}

	for (tok = strtok_r(p, " \t", &saveptr); tok != NULL;
	     tok = strtok_r(NULL, " \t", &saveptr)) {
		struct kmod_module *dep;
		struct kmod_list *node;
		const char *path = depline_path(tok, buf, dirlen);

		if (path == NULL) {
			ERR(ctx, "could not join path '%s' and '%s'.\n", dirname, tok);
			err = -ENAMETOOLONG;
			goto fail;
		}
		err = kmod_module_new_from_path(ctx, path, &dep);
		if (err < 0) {
			ERR(ctx, "ctx=%p path=%s error=%s\n", (void *)ctx, path,
			    strerror(-err));
			goto fail;
		}
		DBG(ctx, "add dep: %s\n", path);
		/* modules.dep lists users before what they use: reverse it into load
		 * order. */
		node = kmod_list_prepend(list, dep);
		if (node == NULL) {
			kmod_module_unref(dep);
			err = -ENOMEM;
			goto fail;
		}
		list = node;
		n++;
	}

	DBG(ctx, "%d dependencies for %s\n", n, mod->name);
	mod->dep = list;
	mod->n_dep = n;
	return n;

fail:
	kmod_module_unref_list(list);
	mod->init.dep = false;
	return err;
}

const struct kmod_list *kmod_module_get_dependencies_noref(struct kmod_module *mod)
{
	char *line;

	if (mod->init.dep)
		return mod->dep;
	line = kmod_search_moddep(mod->ctx, mod->name);
	if (line == NULL)
		return NULL;
	kmod_module_parse_depline(mod, line);
	free(line);
	return mod->dep;
}

KMOD_EXPORT struct kmod_list *kmod_module_get_dependencies(const struct kmod_module *mod)
{
	const struct kmod_list *l;
	struct kmod_list *copy = NULL;

	if (mod == NULL)
		return NULL;

	kmod_list_foreach (
		l, kmod_module_get_dependencies_noref((struct kmod_module *)mod)) {
		struct kmod_list *node = kmod_list_append(copy, l->data);

		if (node == NULL) {
			ERR(mod->ctx, "out of memory\n");
			kmod_module_unref_list(copy);
			return NULL;
		}
		kmod_module_ref(l->data);
		copy = node;
	}
	return copy;
}

static const struct kmod_config *module_config(const struct kmod_module *mod)
{
	return kmod_get_config(mod->ctx);
}

/*
 * Every "options" line for the name or the alias, in file order, joined by
 * spaces; *ret stays NULL when there is none.  0 or -ENOMEM.
 */
static int options_collect(const struct kmod_module *mod, char **ret)
{
	_cleanup_strbuf_ struct strbuf buf;
	const struct kmod_list *l;

	strbuf_init(&buf);
	kmod_list_foreach (l, module_config(mod)->options) {
		const char *modname = kmod_option_get_modname(l);
		const char *opts = kmod_option_get_options(l);

		if (!streq(modname, mod->name) &&
		    (mod->alias == NULL || !streq(modname, mod->alias)))
			continue;
		if (opts[0] == '\0')
			continue;
		if (strbuf_used(&buf) > 0 && !strbuf_pushchar(&buf, ' '))
			return -ENOMEM;
		if (!strbuf_pushchars(&buf, opts))
			return -ENOMEM;
	}
	if (strbuf_used(&buf) == 0)
		return 0;
	*ret = strbuf_steal(&buf);
	return *ret != NULL ? 0 : -ENOMEM;
}

KMOD_EXPORT const char *kmod_module_get_options(const struct kmod_module *mod)
{
	struct kmod_module *m = (struct kmod_module *)mod;
	char *opts = NULL;

	if (m == NULL)
		return NULL;
	if (m->init.options)
		return m->options;

	if (options_collect(m, &opts) < 0) {
		ERR(m->ctx, "out of memory\n");
		return NULL;
	}
	m->options = opts;
	m->init.options = true;
	return m->options;
}

/* The first command whose module pattern matches @mod, as module-init-tools did. */
static const char *command_find(const struct kmod_module *mod,
				const struct kmod_list *cmds)
{
	const struct kmod_list *l;

	kmod_list_foreach (l, cmds) {
		if (fnmatch(kmod_command_get_modname(l), mod->name, 0) == 0)
			return kmod_command_get_command(l);
	}
	return NULL;
}

KMOD_EXPORT const char *kmod_module_get_install_commands(const struct kmod_module *mod)
{
	struct kmod_module *m = (struct kmod_module *)mod;

	if (m == NULL)
		return NULL;
	if (!m->init.install_commands)
		kmod_module_set_install_commands(
			m, command_find(m, module_config(m)->install_commands));
	return m->install_commands;
}

KMOD_EXPORT const char *kmod_module_get_remove_commands(const struct kmod_module *mod)
{
	struct kmod_module *m = (struct kmod_module *)mod;

	if (m == NULL)
		return NULL;
	if (!m->init.remove_commands)
		kmod_module_set_remove_commands(
			m, command_find(m, module_config(m)->remove_commands));
	return m->remove_commands;
}

/* Each name resolved through the whole lookup chain; one that fails is skipped. */
static struct kmod_list *lookup_names(struct kmod_ctx *ctx, const char *const *names,
				      unsigned int count)
{
	struct kmod_list *ret = NULL;

	for (unsigned int i = 0; i < count; i++) {
		struct kmod_list *found = NULL;
		int err = kmod_module_new_from_lookup(ctx, names[i], &found);

		if (err < 0) {
			ERR(ctx, "failed to lookup dependency '%s', continuing anyway.\n",
			    names[i]);
			continue;
		}
		ret = kmod_list_append_list(ret, found);
	}
	return ret;
}

KMOD_EXPORT int kmod_module_get_softdeps(const struct kmod_module *mod,
					 struct kmod_list **pre, struct kmod_list **post)
{
	const struct kmod_list *l;

	if (mod == NULL || pre == NULL || post == NULL)
		return -ENOENT;
	if (*pre != NULL || *post != NULL)
		return -EINVAL;

	kmod_list_foreach (l, module_config(mod)->softdeps) {
		const char *const *names;
		unsigned int count;

		if (fnmatch(kmod_softdep_get_name(l), mod->name, 0) != 0)
			continue;
		names = kmod_softdep_get_pre(l, &count);
		*pre = lookup_names(mod->ctx, names, count);
		names = kmod_softdep_get_post(l, &count);
		*post = lookup_names(mod->ctx, names, count);
		/* only the first match, as module-init-tools did */
		break;
	}
	return 0;
}

KMOD_EXPORT int kmod_module_get_weakdeps(const struct kmod_module *mod,
					 struct kmod_list **weak)
{
	const struct kmod_list *l;

	if (mod == NULL || weak == NULL)
		return -ENOENT;
	if (*weak != NULL)
		return -EINVAL;

	kmod_list_foreach (l, module_config(mod)->weakdeps) {
		const char *const *names;
		unsigned int count;

		if (fnmatch(kmod_weakdep_get_name(l), mod->name, 0) != 0)
			continue;
		names = kmod_weakdep_get_weak(l, &count);
		*weak = lookup_names(mod->ctx, names, count);
		break;
	}
	return 0;
}

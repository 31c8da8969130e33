// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kmod_module_probe_insert_module: a module with its dependencies and soft
 * dependencies, in load order, each inserted (with its own detached signature
 * when it has one) or replaced by its install command; and the filters on
 * lists of modules (blacklist, builtin).  Denied modules (libkmod-deny.c)
 * refuse the whole load when required, and drop out when soft.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "libkmod/libkmod-config.h"
#include "libkmod/libkmod-deny.h"
#include "libkmod/libkmod-internal.h"
#include "libkmod/libkmod-lookup.h"
#include "libkmod/libkmod-module.h"
#include "util/strbuf.h"
#include "util/util.h"

#define CMDLINE_OPTS_VAR "$CMDLINE_OPTS"

#define PROBE_BLACKLIST_ANY                                                              \
	(KMOD_PROBE_APPLY_BLACKLIST_ALL | KMOD_PROBE_APPLY_BLACKLIST |                   \
	 KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY)

struct install_cb {
	int (*run_install)(struct kmod_module *m, const char *cmdline, void *data);
	void *data;
};

static bool module_is_blacklisted(const struct kmod_module *mod)
{
	const struct kmod_list *l;

	kmod_list_foreach (l, kmod_get_config(mod->ctx)->blacklists) {
		if (streq(kmod_blacklist_get_modname(l), mod->name))
			return true;
	}
	return false;
}

/* Loaded and usable: live, or part of the kernel image. */
static bool module_is_inkernel(struct kmod_module *mod)
{
	int state = kmod_module_get_initstate(mod);

	return state == KMOD_MODULE_LIVE || state == KMOD_MODULE_BUILTIN;
}

KMOD_EXPORT int kmod_module_apply_filter(const struct kmod_ctx *ctx,
					 enum kmod_filter filter_type,
					 const struct kmod_list *input,
					 struct kmod_list **output)
{
	const struct kmod_list *l;

	if (ctx == NULL || output == NULL)
		return -ENOENT;
	*output = NULL;

	kmod_list_foreach (l, input) {
		struct kmod_module *mod = l->data;
		struct kmod_list *node;

		if ((filter_type & KMOD_FILTER_BLACKLIST) && module_is_blacklisted(mod))
			continue;
		if ((filter_type & KMOD_FILTER_BUILTIN) && kmod_module_is_builtin(mod))
			continue;
		node = kmod_list_append(*output, mod);
		if (node == NULL) {
			kmod_module_unref_list(*output);
			*output = NULL;
			return -ENOMEM;
		}
		*output = node;
		kmod_module_ref(mod);
	}
	return 0;
}

KMOD_EXPORT int kmod_module_get_filtered_blacklist(const struct kmod_ctx *ctx,
						   const struct kmod_list *input,
						   struct kmod_list **output)
{
	return kmod_module_apply_filter(ctx, KMOD_FILTER_BLACKLIST, input, output);
}

/* Run @cmd with /bin/sh, telling it the module in MODPROBE_MODULE. */
static int command_run(struct kmod_module *mod, const char *type, const char *cmd)
{
	const char *name = mod->name;
	int status;

	DBG(mod->ctx, "%s %s\n", type, cmd);
	if (setenv("MODPROBE_MODULE", name, 1) < 0)
		return -errno;
	status = system(cmd);
	unsetenv("MODPROBE_MODULE");

	if (status == -1) {
		ERR(mod->ctx, "Could not run %s command '%s' for module %s: %m\n", type,
		    cmd, name);
		return -EINVAL;
	}
	if (WEXITSTATUS(status) != 0) {
		ERR(mod->ctx, "Error running %s command '%s' for module %s: retcode %d\n",
		    type, cmd, name, WEXITSTATUS(status));
		return -EINVAL;
	}
	return 0;
}

/* @command with every $CMDLINE_OPTS replaced by @options; NULL without memory. */
static char *command_expand(const char *command, const char *options)
{
	_cleanup_strbuf_ struct strbuf buf;
	const char *p;

	strbuf_init(&buf);
	while ((p = strstr(command, CMDLINE_OPTS_VAR)) != NULL) {
		if (!strbuf_pushmem(&buf, command, (size_t)(p - command)) ||
		    !strbuf_pushchars(&buf, options))
			return NULL;
		command = p + strlen(CMDLINE_OPTS_VAR);
	}
	if (!strbuf_pushchars(&buf, command))
		return NULL;
	return strbuf_steal(&buf);
}

/* @iflags: the insertion flags of the probe, whose policy the command gets. */
static int module_run_install(struct kmod_module *mod, const char *options,
			      unsigned int iflags, const struct install_cb *cb)
{
	_cleanup_free_ char *cmd = command_expand(kmod_module_get_install_commands(mod),
						  options ? options : "");
	struct kmod_sig_env saved;
	int err;

	if (cmd == NULL)
		return -ENOMEM;
	/* A modprobe the command starts must not load under a weaker policy. */
	err = kmod_sig_policy_env_push(mod->ctx, iflags, &saved);
	if (err < 0)
		return err;
	if (cb->run_install != NULL)
		err = cb->run_install(mod, cmd, cb->data);
	else
		err = command_run(mod, "install", cmd);
	kmod_sig_policy_env_pop(&saved);
	return err;
}

/*
 * The module's configured options, then the caller's.  kmod always puts the
 * separating space after the configured ones, even with nothing following:
 * modprobe's output shows it, so it stays.
 */
static char *options_concat(const char *opt, const char *xopt)
{
	char *r;

	if ((opt == NULL || opt[0] == '\0') && (xopt == NULL || xopt[0] == '\0'))
		return NULL;
	if (asprintf(&r, "%s%s%s", opt ? opt : "", opt ? " " : "", xopt ? xopt : "") < 0)
		return NULL;
	return r;
}

struct probe {
	struct kmod_module *mod; /* the one asked for */
	unsigned int flags;
	const char *extra_options;
	struct install_cb cb;
	void (*print_action)(struct kmod_module *m, bool install, const char *options);
};

/*
 * deny: nothing is inserted for a module in the kernel already (a dry run
 * with IGNORE_LOADED pretends nothing is loaded), so only the others count.
 */
static bool deny_applies(const struct probe *p, struct kmod_module *m)
{
	if (kmod_module_is_builtin(m))
		return false;
	return (p->flags & KMOD_PROBE_IGNORE_LOADED) || !module_is_inkernel(m);
}

/*
 * The deny entry that keeps @m from loading, its own or one of its
 * dependencies' (*who: the denied module); NULL when @m may load.
 */
static const struct kmod_list *probe_denied(const struct probe *p, struct kmod_module *m,
					    struct kmod_module **who)
{
	const struct kmod_list *deny, *l;

	*who = m;
	/* the common case: nothing denied, no dependency to walk */
	if (kmod_get_config(m->ctx)->denies == NULL)
		return NULL;
	deny = kmod_deny_find(m->ctx, m->name);
	if (deny != NULL && deny_applies(p, m))
		return deny;
	kmod_list_foreach (l, kmod_module_get_dependencies_noref(m)) {
		*who = l->data;
		deny = kmod_deny_find(m->ctx, (*who)->name);
		if (deny != NULL && deny_applies(p, *who))
			return deny;
	}
	return NULL;
}

static int probe_list_add(struct kmod_list **list, struct kmod_module *mod)
{
	struct kmod_list *node = kmod_list_append(*list, mod);

	if (node == NULL)
		return -ENOMEM;
	kmod_module_ref(mod);
	*list = node;
	return 0;
}

static int probe_list_build(const struct probe *p, struct kmod_module *mod, bool required,
			    bool ignorecmd, struct kmod_list **list);

/*
 * The soft dependency @soft of @mod with its closure, unless it or a module
 * it needs is denied: then it is left out, as a missing one would be.  A
 * required module was checked with the module asked for.
 */
static int probe_list_add_soft(const struct probe *p, struct kmod_module *mod,
			       struct kmod_module *soft, struct kmod_list **list)
{
	const struct kmod_list *deny;
	struct kmod_module *who;

	deny = soft->required ? NULL : probe_denied(p, soft, &who);
	if (deny == NULL)
		return probe_list_build(p, soft, false, false, list);
	if (who == soft)
		kmod_deny_log(mod->ctx, LOG_NOTICE, deny,
			      "soft dependency %s of %s skipped: it is", soft->name,
			      mod->name);
	else
		kmod_deny_log(mod->ctx, LOG_NOTICE, deny,
			      "soft dependency %s of %s skipped: it needs %s, which is",
			      soft->name, mod->name, who->name);
	return 0;
}

/* @mod between its pre and post soft dependencies (each with its own closure). */
static int probe_list_add_softdeps(const struct probe *p, struct kmod_module *mod,
				   struct kmod_list **list)
{
	struct kmod_list *pre = NULL, *post = NULL;
	const struct kmod_list *l;
	int err;

	err = kmod_module_get_softdeps(mod, &pre, &post);
	if (err < 0) {
		ERR(mod->ctx, "could not get softdep: %s\n", strerror(-err));
		goto out;
	}
	kmod_list_foreach (l, pre) {
		err = probe_list_add_soft(p, mod, l->data, list);
		if (err < 0)
			goto out;
	}
	err = probe_list_add(list, mod);
	if (err < 0)
		goto out;
	/*
	 * The install command, if any, runs in place of the insertion: softdeps
	 * go around it as dependencies do, and no longer silence it as they do
	 * in kmod, where "install m /bin/false" loaded m when m had softdeps
	 * (kmod #446).  Removal already ran remove commands that way.
	 */
	mod->ignorecmd = false;
	kmod_list_foreach (l, post) {
		err = probe_list_add_soft(p, mod, l->data, list);
		if (err < 0)
			goto out;
	}
out:
	kmod_module_unref_list(pre);
	kmod_module_unref_list(post);
	return err;
}

/*
 * Dependencies first (modules.dep holds the whole closure, so they are not
 * walked further), each wrapped in its softdeps, then @mod.  The visited flag
 * is set on modules walked here only, not on the dependencies, which may thus
 * appear more than once: kmod does the same and modprobe --show-depends shows it.
 */
static int probe_list_build(const struct probe *p, struct kmod_module *mod, bool required,
			    bool ignorecmd, struct kmod_list **list)
{
	const struct kmod_list *deps, *l;
	int err = 0;

	if (mod->visited) {
		DBG(mod->ctx, "Ignore module '%s': already visited\n", mod->name);
		return 0;
	}
	mod->visited = true;

	deps = kmod_module_get_dependencies_noref(mod);
	if (required) {
		/* before any softdep can reach them */
		mod->required = true;
		kmod_list_foreach (l, deps)
			((struct kmod_module *)l->data)->required = true;
	}
	kmod_list_foreach (l, deps) {
		err = probe_list_add_softdeps(p, l->data, list);
		if (err < 0)
			return err;
	}
	if (!ignorecmd)
		return probe_list_add_softdeps(p, mod, list);
	err = probe_list_add(list, mod);
	if (err == 0)
		mod->ignorecmd = true;
	return err;
}

static void probe_state_reset(struct kmod_module *mod, void *unused)
{
	mod->visited = false;
	mod->required = false;
}

static int probe_list_get(const struct probe *p, struct kmod_list **list)
{
	int err;

	/* nothing of an earlier probe may count in this one */
	kmod_pool_foreach(p->mod->ctx, probe_state_reset, NULL);
	err = probe_list_build(p, p->mod, true, p->flags & KMOD_PROBE_IGNORE_COMMAND,
			       list);
	if (err < 0) {
		kmod_module_unref_list(*list);
		*list = NULL;
	}
	return err;
}

/* The positive flag to return when @mod is blacklisted for this probe, else 0. */
static int probe_blacklisted(const struct kmod_module *mod, unsigned int flags)
{
	if (!(flags & PROBE_BLACKLIST_ANY) || !module_is_blacklisted(mod))
		return 0;
	/* a module asked for by its own name escapes the alias-only blacklist */
	if (mod->alias != NULL && (flags & KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY))
		return KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY;
	if (flags & KMOD_PROBE_APPLY_BLACKLIST_ALL)
		return KMOD_PROBE_APPLY_BLACKLIST_ALL;
	if (flags & KMOD_PROBE_APPLY_BLACKLIST)
		return KMOD_PROBE_APPLY_BLACKLIST;
	return 0;
}

static unsigned int probe_to_insert_flags(unsigned int flags)
{
	unsigned int iflags = 0;

	if (flags & KMOD_PROBE_FORCE_VERMAGIC)
		iflags |= KMOD_INSERT_FORCE_VERMAGIC;
	if (flags & KMOD_PROBE_FORCE_MODVERSION)
		iflags |= KMOD_INSERT_FORCE_MODVERSION;
	if (flags & KMOD_PROBE_DETACHED_SIG_IGNORE)
		iflags |= KMOD_INSERT_DETACHED_SIG_IGNORE;
	if (flags & KMOD_PROBE_DETACHED_SIG_REQUIRE)
		iflags |= KMOD_INSERT_DETACHED_SIG_REQUIRE;
	return iflags;
}

/*
 * deny, before anything happens: the module asked for and its dependencies
 * load together or not at all.  (A denied module is refused even where the
 * blacklist would have skipped it quietly.)
 */
static int probe_check_denied(const struct probe *p)
{
	struct kmod_module *who;
	const struct kmod_list *deny = probe_denied(p, p->mod, &who);

	if (deny == NULL)
		return 0;
	if (who == p->mod)
		kmod_deny_log(who->ctx, LOG_ERR, deny, "module %s is", who->name);
	else
		kmod_deny_log(who->ctx, LOG_ERR, deny, "module %s needs %s, which is",
			      p->mod->name, who->name);
	return -EPERM;
}

/* One module of the list: its install command or its insertion. 0 or -errno. */
static int probe_one(const struct probe *p, struct kmod_module *m)
{
	const char *cmd = kmod_module_get_install_commands(m);
	_cleanup_free_ char *options = NULL;

	if (!(p->flags & KMOD_PROBE_IGNORE_LOADED) && module_is_inkernel(m)) {
		DBG(m->ctx, "Ignoring module '%s': already loaded\n", m->name);
		return -EEXIST;
	}
	options = options_concat(kmod_module_get_options(m),
				 m == p->mod ? p->extra_options : NULL);

	if (cmd != NULL && !m->ignorecmd) {
		if (p->print_action != NULL)
			p->print_action(m, true, options ? options : "");
		if (p->flags & KMOD_PROBE_DRY_RUN)
			return 0;
		return module_run_install(m, options, probe_to_insert_flags(p->flags),
					  &p->cb);
	}
	if (p->print_action != NULL)
		p->print_action(m, false, options ? options : "");
	if (p->flags & KMOD_PROBE_DRY_RUN)
		return 0;
	return kmod_module_insert_module(m, probe_to_insert_flags(p->flags), options);
}

KMOD_EXPORT int kmod_module_probe_insert_module(
	struct kmod_module *mod, unsigned int flags, const char *extra_options,
	int (*run_install)(struct kmod_module *m, const char *cmdline, void *data),
	const void *data,
	void (*print_action)(struct kmod_module *m, bool install, const char *options))
{
	struct probe p = {
		.mod = mod,
		.flags = flags,
		.extra_options = extra_options,
		.cb = { run_install, (void *)data },
		.print_action = print_action,
	};
	struct kmod_list *list = NULL;
	const struct kmod_list *l;
	int err;

	if (mod == NULL)
		return -ENOENT;
	if (!(flags & KMOD_PROBE_IGNORE_LOADED) && module_is_inkernel(mod))
		return (flags & KMOD_PROBE_FAIL_ON_LOADED) ? -EEXIST : 0;
	err = probe_check_denied(&p);
	if (err < 0)
		return err;
	err = probe_blacklisted(mod, flags);
	if (err > 0)
		return err;

	err = probe_list_get(&p, &list);
	if (err < 0)
		return err;

	if (flags & KMOD_PROBE_APPLY_BLACKLIST_ALL) {
		struct kmod_list *filtered = NULL;

		err = kmod_module_apply_filter(mod->ctx, KMOD_FILTER_BLACKLIST, list,
					       &filtered);
		kmod_module_unref_list(list);
		if (err < 0)
			return err;
		if (filtered == NULL)
			return KMOD_PROBE_APPLY_BLACKLIST_ALL;
		list = filtered;
	}

	kmod_list_foreach (l, list) {
		struct kmod_module *m = l->data;

		err = probe_one(&p, m);
		/*
		 * Loaded meanwhile (or listed twice): fatal only for the module
		 * asked for under FAIL_ON_LOADED.  Failed softdeps do not count.
		 */
		if (err == -EEXIST && m == mod && (flags & KMOD_PROBE_FAIL_ON_LOADED))
			break;
		if (err == -EEXIST || !m->required)
			err = 0;
		else if (err < 0)
			break;
	}
	kmod_module_unref_list(list);
	return err;
}

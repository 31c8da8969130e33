// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Finding modules and loading them with what they need, through the public
 * libkmod.so.2: the lookup chain, interning, dependencies, per-module
 * configuration, filters, resources and index dumps, and
 * kmod_module_probe_insert_module asserted on the exact system calls the
 * trap logs.  test-lookup.sh builds the tree (/lib/modules/6.1.0-test under
 * the trap) and the configuration files in $LOOKUP_TEST_DIR/conf, and gives
 * in LOOKUP_INIT_A / LOOKUP_INIT_B the trap's line, up to "params=", for
 * init_module of mod-foo-a and mod-foo-b each followed by its signature.
 * Dry-run transcripts and dumps go to $LOOKUP_TEST_DIR/out for the script to
 * compare with Debian's modprobe.
 */
#include "testsuite/test-lookup.h"

/* ---- lookups ---- */

static void test_lookup_chain(void)
{
	struct log_recorder rec = { 0 };
	struct kmod_ctx *ctx = ctx_conf(NULL, "chain.conf", &rec);
	struct kmod_module *byname, *again, *fromname, *byalias, *m;
	struct kmod_list *list;
	char *names;
	int err;

	byname = lookup_one(ctx, "mod-foo");
	is_str(kmod_module_get_name(byname), "mod_foo", "by name: normalised name");
	is_str(kmod_module_get_path(byname), PATH_FOO, "by name: path from modules.dep");
	again = lookup_one(ctx, "mod_foo");
	ok(again == byname, "by name: the same object for a second lookup");
	kmod_module_new_from_name(ctx, "mod-foo", &fromname);
	ok(fromname == byname,
	   "by name: kmod_module_new_from_name gives that object too");
	ok(kmod_module_get_options(byname) == NULL,
	   "by name: no options (they go by alias)");

	byalias = lookup_one(ctx, "fixture:foo");
	is_str(kmod_module_get_name(byalias), "mod_foo", "modules.alias: mod_foo");
	ok(byalias != byname, "modules.alias: interned apart, as name\\alias");
	is_str(kmod_module_get_path(byalias), PATH_FOO, "modules.alias: same path");
	is_str(kmod_module_get_options(byalias), "c=3",
	       "modules.alias: the alias's options");

	m = lookup_one(ctx, "myfoo");
	is_str(kmod_module_get_name(m), "mod_foo", "config alias: mod_foo");
	is_str(kmod_module_get_options(m), "via_alias=1", "config alias: its options");
	kmod_module_unref(m);

	check_lookup(ctx, "fixabcbar", "dummy");
	check_lookup(ctx, "rtnl-link-dummy", "dummy");
	check_lookup(ctx, "symbol:foo_b_fn", "mod_foo_b");
	check_lookup(ctx, "foo_b_fn", "");
	check_lookup(ctx, "nosuch", "");

	m = lookup_one(ctx, "fakemod");
	is_str(kmod_module_get_install_commands(m), "/bin/true",
	       "install command: found");
	ok(kmod_module_get_path(m) == NULL, "install command: no file");
	kmod_module_unref(m);
	m = lookup_one(ctx, "fakeremove");
	is_str(kmod_module_get_remove_commands(m), "/bin/false", "remove command: found");
	ok(kmod_module_get_install_commands(m) == NULL,
	   "remove command: no install command");
	kmod_module_unref(m);

	m = lookup_one(ctx, "ext4");
	is_int(kmod_module_get_initstate(m), KMOD_MODULE_BUILTIN,
	       "modules.builtin: builtin");
	ok(kmod_module_get_path(m) == NULL, "modules.builtin: no path");
	kmod_module_unref(m);
	m = lookup_one(ctx, "fs-ext4");
	is_str(kmod_module_get_name(m), "ext4", "modules.builtin.alias: ext4");
	is_int(kmod_module_get_initstate(m), KMOD_MODULE_BUILTIN,
	       "modules.builtin.alias: builtin");
	kmod_module_unref(m);

	m = lookup_one(ctx, "ghost");
	is_str(kmod_module_get_name(m), "nosuchmodule",
	       "config alias to no module: found");
	is_int(kmod_module_get_initstate(m), -ENOENT,
	       "config alias to no module: not loaded");
	is_int(kmod_module_probe_insert_module(m, KMOD_PROBE_APPLY_BLACKLIST, NULL, NULL,
					       NULL, NULL),
	       -ENOENT, "config alias to no module: probe returns -ENOENT");
	is_str(log_last(&rec)->msg, "could not find module by name='nosuchmodule'\n",
	       "config alias to no module: logged");
	kmod_module_unref(m);

	list = (struct kmod_list *)byname; /* anything but NULL */
	is_int(kmod_module_new_from_lookup(ctx, "mod_foo", &list), -ENOSYS,
	       "a list that is not empty: -ENOSYS");
	ok(log_last(&rec)->priority == LOG_ERR &&
		   strcmp(log_last(&rec)->msg,
			  "An empty list is needed to create lookup\n") == 0,
	   "a list that is not empty: logged as an error");
	list = NULL;
	is_int(kmod_module_new_from_lookup(ctx, "bad]alias", &list), -EINVAL,
	       "unmatched ']': -EINVAL");
	is_int(kmod_module_new_from_lookup(ctx, "pci:v[0", &list), -EINVAL,
	       "unclosed '[': -EINVAL");
	ok(list == NULL, "failed lookups leave the list empty");

	kmod_module_new_from_name_lookup(ctx, "crc32c-generic", &m);
	is_str(kmod_module_get_name(m), "crc32c_generic", "name lookup: builtin found");
	kmod_module_unref(m);
	m = byname;
	err = kmod_module_new_from_name_lookup(ctx, "fixture:foo", &m);
	ok(err == 0 && m == byname, "name lookup: aliases are not names (mod untouched)");
	err = kmod_module_new_from_name_lookup(ctx, "mod-foo-b", &m);
	ok(err == 0 && strcmp(kmod_module_get_name(m), "mod_foo_b") == 0,
	   "name lookup: modules.dep");
	kmod_module_unref(m);

	kmod_module_unref(fromname);
	kmod_module_unref(again);
	kmod_module_unref(byalias);
	kmod_module_unref(byname);
	kmod_unref(ctx);

	/* the configuration comes first and ends the chain */
	ctx = ctx_conf(NULL, "override.conf", NULL);
	check_lookup(ctx, "mod_foo_b", "dummy");
	kmod_unref(ctx);

	/* without indexes nothing is found, but not an error; no text fallback */
	{
		char *bare = xasprintf("%s/bare/lib/modules/6.1.0-test", test_dir);

		ctx = ctx_conf(bare, "chain.conf", NULL);
		err = lookup(ctx, "ext4", &names, NULL);
		ok(err == 0 && names[0] == '\0',
		   "no indexes: a module only in the text modules.builtin is not found");
		free(names);
		check_lookup(ctx, "rtnl_link_dummy", "");
		check_lookup(ctx, "myfoo", "mod_foo");
		is_int(kmod_load_resources(ctx), -ENOENT,
		       "no indexes: load_resources -ENOENT");
		check_lookup(ctx, "myfoo", "mod_foo");
		kmod_unref(ctx);
		free(bare);
	}
}

/* ---- what a module needs ---- */

static void test_dependencies(void)
{
	struct kmod_ctx *ctx = ctx_conf(NULL, "chain.conf", NULL);
	struct kmod_list *deps, *pre = NULL, *post = NULL, *weak = NULL, *l;
	struct kmod_module *foo, *a, *path_mod;
	char *names, *paths = NULL;
	size_t len = 0;
	FILE *f;

	kmod_module_new_from_name(ctx, "mod_foo", &foo);
	deps = kmod_module_get_dependencies(foo);
	names = names_of(deps);
	is_str(names, "mod_foo_a mod_foo_b", "dependencies in load order");
	free(names);
	f = open_memstream(&paths, &len);
	kmod_list_foreach (l, deps) {
		struct kmod_module *m = kmod_module_get_module(l);

		fprintf(f, "%s;", kmod_module_get_path(m));
		kmod_module_unref(m);
	}
	fclose(f);
	is_str(paths, PATH_A ";" PATH_B ";",
	       "dependencies: paths joined to the directory");
	free(paths);
	kmod_module_unref_list(deps);

	kmod_module_new_from_name(ctx, "mod-foo-a", &a);
	ok(kmod_module_get_dependencies(a) == NULL, "a module with no dependency: NULL");
	is_str(kmod_module_get_options(a), "a=1 b=2", "options: every line, joined");
	ok(kmod_module_get_install_commands(a) == NULL, "no install command");

	is_int(kmod_module_get_softdeps(foo, &pre, &post), 0, "softdeps: 0");
	names = names_of(pre);
	is_str(names, "dummy", "softdeps: pre");
	free(names);
	names = names_of(post);
	is_str(names, "mod_foo_b", "softdeps: post (an alias, resolved)");
	free(names);
	kmod_module_unref_list(pre);
	kmod_module_unref_list(post);
	pre = post = NULL;
	is_int(kmod_module_get_softdeps(a, &pre, &post), 0, "no softdep: 0");
	ok(pre == NULL && post == NULL, "no softdep: empty lists");

	kmod_module_unref(foo);
	kmod_unref(ctx);

	ctx = ctx_conf(NULL, "weak.conf", NULL);
	kmod_module_new_from_name(ctx, "mod_foo", &foo);
	is_int(kmod_module_get_weakdeps(foo, &weak), 0, "weakdeps: 0");
	names = names_of(weak);
	is_str(names, "dummy mod_foo_b", "weakdeps: the modules");
	free(names);
	kmod_module_unref_list(weak);

	/* a module made from its file still learns its dependencies */
	{
		char *file = xasprintf("%s/root" PATH_FOO, test_dir);

		kmod_module_unref(foo);
		kmod_unref(ctx);
		ctx = ctx_conf(NULL, NULL, NULL);
		kmod_module_new_from_path(ctx, file, &path_mod);
		deps = kmod_module_get_dependencies(path_mod);
		names = names_of(deps);
		is_str(names, "mod_foo_a mod_foo_b", "module from a path: dependencies");
		free(names);
		kmod_module_unref_list(deps);
		kmod_module_unref(path_mod);
		free(file);
	}
	kmod_module_unref(a);
	kmod_unref(ctx);
}

static void check_filter(struct kmod_ctx *ctx, const struct kmod_list *in,
			 enum kmod_filter type, const char *want, const char *what)
{
	struct kmod_list *out = (struct kmod_list *)in; /* overwritten */
	int err = kmod_module_apply_filter(ctx, type, in, &out);
	char *got = names_of(out);

	ok(err == 0 && strcmp(got, want) == 0, "filter %s: '%s' (err %d, got '%s')", what,
	   want, err, got);
	free(got);
	kmod_module_unref_list(out);
}

static void test_filters(void)
{
	struct kmod_ctx *ctx = ctx_conf(NULL, "blacklist.conf", NULL);
	struct kmod_list *in = NULL, *out = NULL;
	char *got;

	/* "alias grp" names ext4, dummy, mod-foo-a and mod_foo, in that order */
	is_int(lookup(ctx, "grp", &got, &in), 0, "filter input: one alias, four modules");
	is_str(got, "ext4 dummy mod_foo_a mod_foo",
	       "filter input: in configuration order");
	free(got);
	check_filter(ctx, in, KMOD_FILTER_BLACKLIST, "ext4 mod_foo", "blacklist");
	check_filter(ctx, in, KMOD_FILTER_BUILTIN, "dummy mod_foo_a mod_foo", "builtin");
	check_filter(ctx, in, KMOD_FILTER_BLACKLIST | KMOD_FILTER_BUILTIN, "mod_foo",
		     "both");
	check_filter(ctx, NULL, KMOD_FILTER_BLACKLIST, "", "of nothing");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	is_int(kmod_module_get_filtered_blacklist(ctx, in, &out), 0,
	       "get_filtered_blacklist (deprecated): 0");
#pragma GCC diagnostic pop
	got = names_of(out);
	is_str(got, "ext4 mod_foo", "get_filtered_blacklist: the blacklist filter");
	free(got);
	kmod_module_unref_list(out);
	is_int(kmod_module_apply_filter(NULL, KMOD_FILTER_BLACKLIST, in, &out), -ENOENT,
	       "filter without a context: -ENOENT");
	kmod_module_unref_list(in);
	kmod_unref(ctx);
}

/* ---- probing ---- */

static void test_show_depends(void)
{
	struct kmod_ctx *ctx = ctx_conf(NULL, "chain.conf", NULL);
	char *install;

	check_transcript(ctx, "mod_foo", NULL, SHOW_DEPENDS, "D-mod_foo", 0,
			 "insmod " PATH_A " a=1 b=2 \n"
			 "insmod " PATH_B " \n"
			 "insmod " PATH_DUMMY " \n"
			 "insmod " PATH_FOO " \n"
			 "insmod " PATH_A " a=1 b=2 \n"
			 "insmod " PATH_B " \n");
	check_transcript(ctx, "fixture:foo", "x=9", SHOW_DEPENDS, "D-fixture_foo", 0,
			 "insmod " PATH_A " a=1 b=2 \n"
			 "insmod " PATH_B " \n"
			 "insmod " PATH_DUMMY " \n"
			 "insmod " PATH_FOO " c=3 x=9\n"
			 "insmod " PATH_A " a=1 b=2 \n"
			 "insmod " PATH_B " \n");
	check_transcript(ctx, "myfoo", NULL, SHOW_DEPENDS, "D-myfoo", 0,
			 "insmod " PATH_A " a=1 b=2 \n"
			 "insmod " PATH_B " \n"
			 "insmod " PATH_DUMMY " \n"
			 "insmod " PATH_FOO " via_alias=1 \n"
			 "insmod " PATH_A " a=1 b=2 \n"
			 "insmod " PATH_B " \n");
	kmod_unref(ctx);

	/* softdeps in a loop: the visited flag ends it */
	ctx = ctx_conf(NULL, "loop.conf", NULL);
	check_transcript(ctx, "mod_foo", NULL, SHOW_DEPENDS, "D-loop-mod_foo", 0,
			 "insmod " PATH_A " \n"
			 "insmod " PATH_DUMMY " numdummies=2 \n"
			 "insmod " PATH_A " \n"
			 "insmod " PATH_B " \n"
			 "insmod " PATH_FOO " \n");
	check_transcript(ctx, "dummy", NULL, SHOW_DEPENDS, "D-loop-dummy", 0,
			 "insmod " PATH_A " \n"
			 "insmod " PATH_DUMMY " numdummies=2 \n"
			 "insmod " PATH_A " \n"
			 "insmod " PATH_B " \n"
			 "insmod " PATH_FOO " \n");
	kmod_unref(ctx);

	ctx = ctx_conf(NULL, "empty.conf", NULL);
	check_transcript(ctx, "ext4", NULL, SHOW_DEPENDS, "D-ext4", 0, "builtin ext4\n");
	check_transcript(ctx, "ext4", NULL, KMOD_PROBE_DRY_RUN, "ext4-loaded", 0, "");
	kmod_unref(ctx);

	ctx = ctx_conf(NULL, "install.conf", NULL);
	install = xasprintf(
		"install echo \"$MODPROBE_MODULE <$CMDLINE_OPTS>\" > %s/out/install.out"
		" numdummies=2 \n",
		test_dir);
	check_transcript(ctx, "dummy", NULL, SHOW_DEPENDS, "D-install", 0, install);
	free(install);
	check_transcript(ctx, "dummy", NULL, SHOW_DEPENDS | KMOD_PROBE_IGNORE_COMMAND,
			 "install-ignored", 0, "insmod " PATH_DUMMY " numdummies=2 \n");
	kmod_unref(ctx);

	/* the install command runs after the softdeps (kmod ignores it: #446) */
	ctx = ctx_conf(NULL, "softinstall.conf", NULL);
	check_transcript(ctx, "mod_foo_a", NULL, SHOW_DEPENDS, "D-softinstall", 0,
			 "insmod " PATH_DUMMY " \n"
			 "install exit 7 \n");
	kmod_unref(ctx);
}

static void test_blacklist(void)
{
	struct kmod_ctx *ctx = ctx_conf(NULL, "blacklist.conf", NULL);
	const unsigned int dry = KMOD_PROBE_DRY_RUN;

	check_transcript(ctx, "rtnl-link-dummy", NULL,
			 dry | KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY, "bl-alias-only",
			 0x40000, "");
	check_transcript(ctx, "dummy", NULL, dry | KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY,
			 "bl-alias-only-by-name", 0, "insmod " PATH_DUMMY " \n");
	check_transcript(ctx, "dummy", NULL, dry | KMOD_PROBE_APPLY_BLACKLIST, "bl-apply",
			 0x20000, "");
	check_transcript(ctx, "dummy", NULL, dry | KMOD_PROBE_APPLY_BLACKLIST_ALL,
			 "bl-all", 0x10000, "");
	check_transcript(ctx, "dummy", NULL, dry, "bl-not-applied", 0,
			 "insmod " PATH_DUMMY " \n");
	check_transcript(ctx, "mod_foo", NULL, dry | KMOD_PROBE_APPLY_BLACKLIST_ALL,
			 "bl-all-filters-the-list", 0,
			 "insmod " PATH_B " \n"
			 "insmod " PATH_FOO " \n");
	check_transcript(ctx, "mod_foo", NULL, SHOW_DEPENDS, "D-blacklist", 0,
			 "insmod " PATH_A " \n"
			 "insmod " PATH_B " \n"
			 "insmod " PATH_FOO " \n");
	check_log("blacklist: dry runs", "");
	kmod_unref(ctx);
}

static int run_install_cb(struct kmod_module *m, const char *cmdline, void *data)
{
	char **seen = data;

	free(*seen);
	*seen = xasprintf("%s|%s", kmod_module_get_name(m), cmdline);
	return -EPERM;
}

static void test_probe(void)
{
	struct log_recorder rec = { 0 };
	struct kmod_ctx *ctx = ctx_conf(NULL, "empty.conf", &rec);
	struct kmod_module *foo, *a;
	char *want, *out, *seen = NULL;
	const unsigned int force =
		KMOD_PROBE_FORCE_VERMAGIC | KMOD_PROBE_FORCE_MODVERSION;

	free(trap_log_take());
	foo = lookup_one(ctx, "mod-foo");
	is_int(kmod_module_get_initstate(foo), -ENOENT,
	       "probe: mod_foo not loaded at first");
	is_int(kmod_module_probe_insert_module(foo, 0, NULL, NULL, NULL, NULL), 0,
	       "probe: mod_foo and its dependencies");
	want = xasprintf("%s\n%s\n%s", init_a, init_b, FINIT(PATH_FOO, 0, ""));
	check_log("probe: each dependency with its own .sig, in load order", want);
	free(want);
	is_int(kmod_module_get_initstate(foo), KMOD_MODULE_LIVE,
	       "probe: mod_foo live now");
	is_int(kmod_module_probe_insert_module(foo, 0, NULL, NULL, NULL, NULL), 0,
	       "probe: already loaded is success");
	is_int(kmod_module_probe_insert_module(foo, KMOD_PROBE_FAIL_ON_LOADED, NULL, NULL,
					       NULL, NULL),
	       -EEXIST, "probe: already loaded with FAIL_ON_LOADED: -EEXIST");
	check_log("probe: nothing loaded again", "");

	/* a loaded dependency is skipped; IGNORE_LOADED tries it anyway */
	kmod_module_remove_module(foo, 0);
	kmod_module_new_from_name(ctx, "mod_foo_b", &a);
	kmod_module_remove_module(a, 0);
	kmod_module_unref(a);
	free(trap_log_take());
	is_int(kmod_module_probe_insert_module(foo, 0, "x=1", NULL, NULL, NULL), 0,
	       "probe with mod_foo_a loaded");
	want = xasprintf("%s\n%s", init_b, FINIT(PATH_FOO, 0, "x=1"));
	check_log("probe with mod_foo_a loaded: extra options to mod_foo only", want);
	free(want);
	is_int(kmod_module_probe_insert_module(foo, KMOD_PROBE_IGNORE_LOADED, NULL, NULL,
					       NULL, NULL),
	       0, "IGNORE_LOADED: the kernel's -EEXIST is no error");
	want = xasprintf("%s\n%s\n%s", init_a, init_b, FINIT(PATH_FOO, 0, ""));
	check_log("IGNORE_LOADED: every module tried", want);
	free(want);
	kmod_module_new_from_name(ctx, "mod_foo_a", &a);
	kmod_module_remove_module(a, 0);
	kmod_module_unref(a);
	free(trap_log_take());
	is_int(kmod_module_probe_insert_module(
		       foo, KMOD_PROBE_IGNORE_LOADED | KMOD_PROBE_FAIL_ON_LOADED, NULL,
		       NULL, NULL, NULL),
	       -EEXIST,
	       "IGNORE_LOADED|FAIL_ON_LOADED: -EEXIST from the module asked for");
	unload_all(ctx);

	/* flags reach every insertion */
	is_int(kmod_module_probe_insert_module(foo, force, NULL, NULL, NULL, NULL), 0,
	       "FORCE_*: 0");
	check_log("FORCE_*: the kernel ignores signatures, so none is sent",
		  FINIT(PATH_A, 3, "") FINIT(PATH_B, 3, "") FINIT(PATH_FOO, 3, ""));
	unload_all(ctx);
	is_int(kmod_module_probe_insert_module(foo, KMOD_PROBE_DETACHED_SIG_IGNORE, NULL,
					       NULL, NULL, NULL),
	       0, "DETACHED_SIG_IGNORE: 0");
	check_log("DETACHED_SIG_IGNORE: plain kmod loads",
		  FINIT(PATH_A, 0, "") FINIT(PATH_B, 0, "") FINIT(PATH_FOO, 0, ""));
	unload_all(ctx);
#ifdef ENABLE_OPENSSL
	is_int(kmod_module_probe_insert_module(foo, KMOD_PROBE_DETACHED_SIG_REQUIRE, NULL,
					       NULL, NULL, NULL),
	       -ENOKEY, "DETACHED_SIG_REQUIRE: the unsigned mod_foo is refused");
	want = xasprintf("%s\n%s\n", init_a, init_b);
	check_log("DETACHED_SIG_REQUIRE: the signed dependencies were loaded", want);
	free(want);
#else
	/* require cannot check mod_foo_a's signature: the first dependency is refused */
	is_int(kmod_module_probe_insert_module(foo, KMOD_PROBE_DETACHED_SIG_REQUIRE, NULL,
					       NULL, NULL, NULL),
	       -ELIBACC,
	       "DETACHED_SIG_REQUIRE, built without libcrypto: mod_foo_a refused");
	check_log("DETACHED_SIG_REQUIRE, built without libcrypto: no system call", "");
#endif
	unload_all(ctx);

	/* dry run: print_action, no system call */
	out = NULL;
	is_int(probe_transcript(ctx, "mod_foo", NULL, KMOD_PROBE_DRY_RUN, NULL, &out), 0,
	       "DRY_RUN: 0");
	is_str(out, "insmod " PATH_A " \ninsmod " PATH_B " \ninsmod " PATH_FOO " \n",
	       "DRY_RUN: print_action for each module");
	free(out);
	check_log("DRY_RUN: no system call", "");
	kmod_module_unref(foo);
	kmod_unref(ctx);

	/* a softdep loop, for real */
	ctx = ctx_conf(NULL, "loop.conf", NULL);
	foo = lookup_one(ctx, "mod_foo");
	is_int(kmod_module_probe_insert_module(foo, 0, NULL, NULL, NULL, NULL), 0,
	       "softdep loop: probe ends");
	want = xasprintf("%s\n%s%s\n%s", init_a, FINIT(PATH_DUMMY, 0, "numdummies=2 "),
			 init_b, FINIT(PATH_FOO, 0, ""));
	check_log("softdep loop: each module once", want);
	free(want);
	unload_all(ctx);
	kmod_module_unref(foo);
	kmod_unref(ctx);

	/* install commands */
	ctx = ctx_conf(NULL, "install.conf", &rec);
	foo = lookup_one(ctx, "dummy");
	is_int(kmod_module_probe_insert_module(foo, 0, NULL, NULL, NULL, NULL), 0,
	       "install command: 0");
	want = xasprintf("%s/out/install.out", test_dir);
	out = file_read(want);
	is_str(out, "dummy <numdummies=2 >\n",
	       "install command: run, with MODPROBE_MODULE");
	free(out);
	is_int(kmod_module_probe_insert_module(foo, 0, "x=1", NULL, NULL, NULL), 0,
	       "install command with options: 0");
	out = file_read(want);
	is_str(out, "dummy <numdummies=2 x=1>\n", "install command: $CMDLINE_OPTS");
	free(out);
	free(want);
	ok(getenv("MODPROBE_MODULE") == NULL,
	   "install command: MODPROBE_MODULE unset again");
	check_log("install command: nothing loaded", "");
	is_int(kmod_module_probe_insert_module(foo, 0, "y", run_install_cb, &seen, NULL),
	       -EPERM, "run_install callback: its result");
	want = xasprintf(
		"dummy|echo \"$MODPROBE_MODULE <numdummies=2 y>\" > %s/out/install.out",
		test_dir);
	is_str(seen, want, "run_install callback: module and expanded command");
	free(want);
	free(seen);
	is_int(kmod_module_probe_insert_module(foo, KMOD_PROBE_IGNORE_COMMAND, NULL, NULL,
					       NULL, NULL),
	       0, "IGNORE_COMMAND: 0");
	check_log("IGNORE_COMMAND: inserted instead",
		  FINIT(PATH_DUMMY, 0, "numdummies=2 "));
	unload_all(ctx);
	kmod_module_unref(foo);
	kmod_unref(ctx);

	rec.n = 0;
	ctx = ctx_conf(NULL, "installfail.conf", &rec);
	foo = lookup_one(ctx, "dummy");
	is_int(kmod_module_probe_insert_module(foo, 0, NULL, NULL, NULL, NULL), -EINVAL,
	       "failing install command: -EINVAL");
	ok(log_last(&rec)->priority == LOG_ERR &&
		   strcmp(log_last(&rec)->msg, "Error running install command 'exit 3' "
					       "for module dummy: retcode 3\n") == 0,
	   "failing install command: logged (%s)", oneline(log_last(&rec)->msg));
	kmod_module_unref(foo);
	kmod_unref(ctx);
}

/* ---- resources ---- */

/* Move the file's mtime an hour back: a change whatever it was. */
static void touch(const char *path)
{
	struct timespec ts[2];
	struct stat st;

	if (stat(path, &st) < 0) {
		printf("# cannot stat %s: %m\n", path);
		return;
	}
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	ts[1].tv_sec -= 3600;
	if (utimensat(AT_FDCWD, path, ts, 0) < 0)
		printf("# cannot touch %s: %m\n", path);
}

/* kmod_dump_index into a string (and out/@label when given). */
static char *dump(struct kmod_ctx *ctx, enum kmod_index type, const char *label, int *err)
{
	char *path = xasprintf("%s/out/%s", test_dir, label ? label : "dump.tmp");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	char *s;

	*err = kmod_dump_index(ctx, type, fd);
	close(fd);
	s = file_read(path);
	free(path);
	return s;
}

static void test_resources(void)
{
	struct kmod_ctx *ctx = ctx_conf(NULL, "chain.conf", NULL);
	char *conf = xasprintf("%s/conf/chain.conf", test_dir);
	char *alias_bin = xasprintf("%s/root" MODDIR "/modules.alias.bin", test_dir);
	char *nobalias = xasprintf("%s/nobalias", test_dir);
	char *s;
	int err;

	s = dump(ctx, KMOD_INDEX_MODULES_ALIAS, NULL, &err);
	ok(err == 0 &&
		   strcmp(s, "alias fixture:foo mod_foo\nalias fixture:foo_a mod_foo_a\n"
			     "alias fixture:foo_b mod_foo_b\nalias rtnl_link_dummy "
			     "dummy\n") == 0,
	   "dump without resources: modules.alias.bin (err %d: %s)", err, oneline(s));
	free(s);

	is_int(kmod_load_resources(ctx), 0, "load_resources: 0");
	is_int(kmod_load_resources(ctx), 0, "load_resources again: 0");
	check_lookup(ctx, "fixture:foo-a", "mod_foo_a");
	check_lookup(ctx, "mod-foo-b", "mod_foo_b");
	check_lookup(ctx, "symbol:foo_a_fn", "mod_foo_a");
	check_lookup(ctx, "crc32c_generic", "crc32c_generic");
	check_lookup(ctx, "fs-ext4", "ext4");
	check_lookup(ctx, "myfoo", "mod_foo");

	s = dump(ctx, KMOD_INDEX_MODULES_ALIAS, "dump-alias", &err);
	ok(err == 0 &&
		   strcmp(s, "alias fixture:foo mod_foo\nalias fixture:foo_a mod_foo_a\n"
			     "alias fixture:foo_b mod_foo_b\nalias rtnl_link_dummy "
			     "dummy\n") == 0,
	   "dump: modules.alias.bin (%s)", oneline(s));
	free(s);
	s = dump(ctx, KMOD_INDEX_MODULES_SYMBOL, "dump-symbol", &err);
	ok(err == 0 && strcmp(s, "alias symbol:foo_a_fn mod_foo_a\n"
				 "alias symbol:foo_b_fn mod_foo_b\n") == 0,
	   "dump: modules.symbols.bin (%s)", oneline(s));
	free(s);
	s = dump(ctx, KMOD_INDEX_MODULES_DEP, NULL, &err);
	ok(err == 0 &&
		   strcmp(s, "dummy kernel/drivers/dummy.ko:\n"
			     "mod_foo kernel/fs/mod-foo.ko: kernel/fs/foo/mod-foo-b.ko "
			     "kernel/lib/mod-foo-a.ko\n"
			     "mod_foo_a kernel/lib/mod-foo-a.ko:\n"
			     "mod_foo_b kernel/fs/foo/mod-foo-b.ko: "
			     "kernel/lib/mod-foo-a.ko\n") == 0,
	   "dump: modules.dep.bin (%s)", oneline(s));
	free(s);
	s = dump(ctx, KMOD_INDEX_MODULES_BUILTIN, NULL, &err);
	ok(err == 0 && strcmp(s, "crc32c_generic \next4 \n") == 0,
	   "dump: modules.builtin.bin (%s)", oneline(s));
	free(s);
	s = dump(ctx, (enum kmod_index)5, NULL, &err);
	is_int(err, -ENOENT, "dump: unknown index -ENOENT");
	free(s);
	is_int(kmod_dump_index(NULL, KMOD_INDEX_MODULES_DEP, 1), -ENOSYS,
	       "dump without context: -ENOSYS");

	is_int(kmod_validate_resources(ctx), KMOD_RESOURCES_OK, "validate: OK");
	touch(alias_bin);
	is_int(kmod_validate_resources(ctx), KMOD_RESOURCES_MUST_RELOAD,
	       "validate after an index changed: MUST_RELOAD");
	kmod_unload_resources(ctx);
	is_int(kmod_validate_resources(ctx), KMOD_RESOURCES_OK,
	       "validate with nothing loaded: OK");
	is_int(kmod_load_resources(ctx), 0, "reload: 0");
	is_int(kmod_validate_resources(ctx), KMOD_RESOURCES_OK,
	       "validate after reload: OK");
	touch(conf);
	is_int(kmod_validate_resources(ctx), KMOD_RESOURCES_MUST_RECREATE,
	       "validate after a config file changed: MUST_RECREATE");
	is_int(kmod_validate_resources(NULL), KMOD_RESOURCES_MUST_RECREATE,
	       "validate without context: MUST_RECREATE");
	kmod_unref(ctx);

	/* modules.builtin.alias.bin is optional */
	ctx = ctx_conf(nobalias, NULL, NULL);
	is_int(kmod_load_resources(ctx), 0, "load_resources without builtin.alias: 0");
	check_lookup(ctx, "fs-ext4", "");
	check_lookup(ctx, "ext4", "ext4");
	s = dump(ctx, KMOD_INDEX_MODULES_BUILTIN_ALIAS, NULL, &err);
	is_int(err, -ENOSYS, "dump of a missing index: -ENOSYS");
	free(s);
	kmod_unref(ctx);

	free(nobalias);
	free(alias_bin);
	free(conf);
}

/* ---- the way systemd uses the library (module_load_and_warn) ---- */

static int systemd_load(struct kmod_ctx *ctx, const char *modalias, char **loaded)
{
	struct kmod_list *list = NULL, *l;
	int r = 0, err;

	err = kmod_module_new_from_lookup(ctx, modalias, &list);
	if (err < 0)
		return err;
	if (list == NULL)
		return -ENOENT; /* systemd: "Module '%s' is not found" */
	*loaded = NULL;
	kmod_list_foreach (l, list) {
		struct kmod_module *m = kmod_module_get_module(l);
		int state = kmod_module_get_initstate(m);

		if (state == KMOD_MODULE_BUILTIN || state == KMOD_MODULE_LIVE) {
			*loaded = xasprintf("%s %s", kmod_module_get_name(m),
					    kmod_module_initstate_str(state));
			r = 0;
		} else {
			r = kmod_module_probe_insert_module(m, KMOD_PROBE_APPLY_BLACKLIST,
							    NULL, NULL, NULL, NULL);
		}
		kmod_module_unref(m);
	}
	kmod_module_unref_list(list);
	return r;
}

static void test_systemd(void)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	char *want, *loaded = NULL;

	if (ctx == NULL) {
		printf("Bail out! kmod_new(NULL, NULL)\n");
		exit(1);
	}
	free(trap_log_take());
	is_int(kmod_load_resources(ctx), 0, "systemd: load_resources");
	is_int(systemd_load(ctx, "fixture:foo-b", &loaded), 0,
	       "systemd: modalias loaded");
	want = xasprintf("%s\n%sb_opt=1 \n", init_a, init_b);
	check_log("systemd: dependency and module, options from /run/modprobe.d", want);
	free(want);
	is_int(systemd_load(ctx, "fixture:foo-b", &loaded), 0, "systemd: again");
	is_str(loaded, "mod_foo_b live", "systemd: seen live");
	free(loaded);
	loaded = NULL;
	is_int(systemd_load(ctx, "rtnl-link-dummy", &loaded), KMOD_PROBE_APPLY_BLACKLIST,
	       "systemd: blacklisted: KMOD_PROBE_APPLY_BLACKLIST");
	is_int(systemd_load(ctx, "fs-ext4", &loaded), 0, "systemd: builtin");
	is_str(loaded, "ext4 builtin", "systemd: seen builtin");
	free(loaded);
	is_int(systemd_load(ctx, "pci:v0000DEADd0000BEEF", &loaded), -ENOENT,
	       "systemd: unknown modalias, empty list");
	check_log("systemd: nothing else loaded", "");
	is_int(kmod_validate_resources(ctx), KMOD_RESOURCES_OK, "systemd: validate OK");
	unload_all(ctx);
	kmod_unref(ctx);
}

int main(void)
{
	require_trap();
	test_dir = env_or_bail("LOOKUP_TEST_DIR");
	init_a = env_or_bail("LOOKUP_INIT_A");
	init_b = env_or_bail("LOOKUP_INIT_B");

	test_lookup_chain();
	test_dependencies();
	test_filters();
	test_show_depends();
	test_blacklist();
	test_probe();
	test_resources();
	test_systemd();
	return tap_done();
}

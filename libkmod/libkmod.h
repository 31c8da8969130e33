/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkmod - interface to kernel module operations, with detached signatures.
 *
 * Drop-in for kmod's libkmod.so.2: same names, enum values, -errno returns and
 * symbol versions.  Additions of this project are marked "kmod-ds" and live in
 * the KMOD_DS_1 version node.
 */
#pragma once

#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Library context: holds configuration, indexes and the module pool.  Every
 * function returning int returns 0 (or a count where documented) on success
 * and a negative errno on error.
 *
 * Threads: a context and everything obtained through it (modules, module
 * lists) belong to one thread at a time.  No call, not even one that only
 * reads (kmod_module_get_info(), kmod_module_get_path()), may run while
 * another thread uses the same context or its objects: lookups fill caches in
 * the context and in its modules.  Different contexts share nothing: threads
 * that work in parallel each create their own context, and calls on different
 * contexts may run at the same time (what the library loads once per process,
 * such as libcrypto, it loads under a lock).  A context and its objects may
 * move to another thread with the usual synchronisation (a mutex,
 * pthread_join()).  The lists of kmod_module_get_info(), _get_versions(),
 * _get_symbols() and _get_dependency_symbols() hold copies: any thread may
 * read and free them.  The log function runs on the thread of the call that
 * logs.  modinfo reads module files ahead on worker threads this way; make
 * check runs it, depmod's threads and a two-context test under ThreadSanitizer.
 */
struct kmod_ctx;

/*
 * kmod_new: create a context.  @dirname: module directory; NULL means
 * MODULE_DIRECTORY/`uname -r`, a relative one is made absolute.
 * @config_paths: NULL for the default modprobe.d search list, or a
 * NULL-terminated vector (empty: read no configuration).  Environment:
 * KMOD_LOG sets the log priority (number or "err"/"info"/"debug");
 * KMOD_DETACHED_SIG sets the detached-signature policy (kmod-ds).
 * Returns NULL on failure.
 */
struct kmod_ctx *kmod_new(const char *dirname, const char *const *config_paths);
/* kmod_ref: one more reference to @ctx; returns @ctx (NULL for NULL). */
struct kmod_ctx *kmod_ref(struct kmod_ctx *ctx);
/* Drops a reference; frees the context on the last one and returns NULL. */
struct kmod_ctx *kmod_unref(struct kmod_ctx *ctx);

/* Log callback; the default one writes "libkmod: PRIO: fn: msg" to stderr. */
void kmod_set_log_fn(struct kmod_ctx *ctx,
		     void (*log_fn)(void *log_data, int priority, const char *file,
				    int line, const char *fn, const char *format,
				    va_list args),
		     const void *data);
/*
 * Log priority: a message is logged when its syslog priority is at most this
 * one.  LOG_ERR in a new context unless KMOD_LOG says otherwise.  get returns
 * -1 for a NULL @ctx; set does nothing for a NULL @ctx.
 */
int kmod_get_log_priority(const struct kmod_ctx *ctx);
void kmod_set_log_priority(struct kmod_ctx *ctx, int priority);
/*
 * A pointer of the caller's, kept in the context and never used nor freed by
 * the library (the log callback gets its own, kmod_set_log_fn's @data).  get
 * returns NULL for a NULL @ctx; set does nothing for a NULL @ctx.
 */
void *kmod_get_userdata(const struct kmod_ctx *ctx);
void kmod_set_userdata(struct kmod_ctx *ctx, const void *userdata);

/* The module directory in use (absolute); NULL for a NULL ctx. */
const char *kmod_get_dirname(const struct kmod_ctx *ctx);

/* Resources: mmap the binary indexes once instead of per lookup. */
int kmod_load_resources(struct kmod_ctx *ctx);
void kmod_unload_resources(struct kmod_ctx *ctx);

enum kmod_resources {
	KMOD_RESOURCES_OK = 0,
	KMOD_RESOURCES_MUST_RELOAD = 1,
	KMOD_RESOURCES_MUST_RECREATE = 2,
};
/*
 * kmod_validate_resources: whether what the context read still matches the
 * disk.  KMOD_RESOURCES_OK: unchanged.  KMOD_RESOURCES_MUST_RELOAD: a loaded
 * index changed or vanished: kmod_unload_resources() then
 * kmod_load_resources().  KMOD_RESOURCES_MUST_RECREATE: a configuration file
 * appeared, changed or vanished (or @ctx is NULL): only a new context reads
 * it.  Compares modification times only; never fails.
 */
int kmod_validate_resources(struct kmod_ctx *ctx);

enum kmod_index {
	KMOD_INDEX_MODULES_DEP = 0,
	KMOD_INDEX_MODULES_ALIAS,
	KMOD_INDEX_MODULES_SYMBOL,
	KMOD_INDEX_MODULES_BUILTIN_ALIAS,
	KMOD_INDEX_MODULES_BUILTIN,
	/* Padding to make sure enum is not mapped to char */
	_KMOD_INDEX_PAD = 1U << 31,
};
/*
 * kmod_dump_index: write the index @type to @fd as text, one "key value" line
 * per value (modules.alias and modules.symbols lines start with "alias "),
 * keys in index order.  Uses the loaded index or opens it for the call.  0 on
 * success; -ENOSYS for a NULL @ctx or an index that cannot be opened, -ENOENT
 * for an unknown @type, a negative errno when writing or reading fails (what
 * was written is then a prefix of the whole dump).
 */
int kmod_dump_index(struct kmod_ctx *ctx, enum kmod_index type, int fd);

/*
 * Lists: circular, doubly linked; the handle is the first node.  Iterate with
 * kmod_list_foreach; kmod_list_next returns NULL past the last node.
 */
struct kmod_list;
struct kmod_list *kmod_list_next(const struct kmod_list *list,
				 const struct kmod_list *curr);
struct kmod_list *kmod_list_prev(const struct kmod_list *list,
				 const struct kmod_list *curr);
struct kmod_list *kmod_list_last(const struct kmod_list *list);

#define kmod_list_foreach(list_entry, first_entry)                                       \
	for (list_entry = first_entry; list_entry != NULL;                               \
	     list_entry = kmod_list_next(first_entry, list_entry))

#define kmod_list_foreach_reverse(list_entry, first_entry)                               \
	for (list_entry = kmod_list_last(first_entry); list_entry != NULL;               \
	     list_entry = kmod_list_prev(first_entry, list_entry))

/* Configuration iterators (modprobe.d content). */
struct kmod_config_iter;
/*
 * kmod_config_get_*: a new iterator over one kind of directive of the
 * context's configuration, in the order read; the caller frees it with
 * kmod_config_iter_free_iter().  NULL for a NULL @ctx or without memory.
 * Key and value by kind: blacklists: module name, NULL; install and remove
 * commands: module pattern, command; aliases: alias pattern, module name;
 * options: module name, options; softdeps: module pattern, "pre: a b post: c";
 * weakdeps: module pattern, "a b".
 *
 * kmod_config_iter_next: move to the next entry, false past the last one.  A
 * new iterator stands before the first entry (call next once before reading);
 * after false, the next call starts over.  False for a NULL @iter.
 *
 * kmod_config_iter_get_key/_get_value: the current entry's, NULL before the
 * first next, past the last entry or for a NULL @iter.  Owned by the context
 * (valid while it lives), except softdep and weakdep values, built on request
 * and valid until the next get_value or free on the same iterator.
 */
struct kmod_config_iter *kmod_config_get_blacklists(const struct kmod_ctx *ctx);
struct kmod_config_iter *kmod_config_get_install_commands(const struct kmod_ctx *ctx);
struct kmod_config_iter *kmod_config_get_remove_commands(const struct kmod_ctx *ctx);
struct kmod_config_iter *kmod_config_get_aliases(const struct kmod_ctx *ctx);
struct kmod_config_iter *kmod_config_get_options(const struct kmod_ctx *ctx);
struct kmod_config_iter *kmod_config_get_softdeps(const struct kmod_ctx *ctx);
struct kmod_config_iter *kmod_config_get_weakdeps(const struct kmod_ctx *ctx);
const char *kmod_config_iter_get_key(const struct kmod_config_iter *iter);
const char *kmod_config_iter_get_value(const struct kmod_config_iter *iter);
bool kmod_config_iter_next(struct kmod_config_iter *iter);
void kmod_config_iter_free_iter(struct kmod_config_iter *iter);

/*
 * Module objects, interned per context by name.  new_from_name: no existence
 * check, name normalised ('-' to '_', cut at the first '.').  new_from_path:
 * the file must exist; -EEXIST if a module of that name with another path is
 * in the pool; the detached signature MODULE.sig of a module file MODULE next
 * to it gives MODULE's module (kmod-ds only).  new_from_lookup: resolve an alias through
 * configuration and indexes; *list must be NULL; 0 with an empty list when nothing
 * matched.
 */
struct kmod_module;
int kmod_module_new_from_name(struct kmod_ctx *ctx, const char *name,
			      struct kmod_module **mod);
int kmod_module_new_from_path(struct kmod_ctx *ctx, const char *path,
			      struct kmod_module **mod);
int kmod_module_new_from_lookup(struct kmod_ctx *ctx, const char *given_alias,
				struct kmod_list **list);
/*
 * kmod_module_new_from_name_lookup: the module really called @modname
 * (normalised as for new_from_name), looked up in modules.dep,
 * modules.builtin and modules.builtin.alias only: never through aliases,
 * symbols or the configuration.  0 with *mod a new reference when found; 0
 * with *mod unchanged when not (set it to NULL first).  -ENOENT for a NULL
 * argument, -ENAMETOOLONG, or the negative errno of an index that cannot be
 * read.
 */
int kmod_module_new_from_name_lookup(struct kmod_ctx *ctx, const char *modname,
				     struct kmod_module **mod);
/* Every module in /proc/modules, in file order. */
int kmod_module_new_from_loaded(struct kmod_ctx *ctx, struct kmod_list **list);

/*
 * Modules are reference counted; each holds a reference to its context.
 * kmod_module_ref returns @mod; kmod_module_unref returns @mod, or NULL when
 * that was the last reference and the module is freed (and leaves the
 * context's pool).  Both accept NULL.  kmod_module_unref_list: unref every
 * module of @list and free its nodes; always 0.
 */
struct kmod_module *kmod_module_ref(struct kmod_module *mod);
struct kmod_module *kmod_module_unref(struct kmod_module *mod);
int kmod_module_unref_list(struct kmod_list *list);
/* The module held by a list node (a new reference). */
struct kmod_module *kmod_module_get_module(const struct kmod_list *entry);

/* Flags of kmod_module_remove_module(). */
enum kmod_remove {
	KMOD_REMOVE_FORCE = O_TRUNC,
	KMOD_REMOVE_NOWAIT = O_NONBLOCK, /* always set */
	/* libkmod-only: do not log anything */
	KMOD_REMOVE_NOLOG = 1,
};

/*
 * Flags of kmod_module_insert_module().  The KMOD_INSERT_DETACHED_SIG_* bits
 * are kmod-ds additions that override the context's detached-signature policy
 * for one call (see kmod_set_detached_sig_policy()).
 */
enum kmod_insert {
	KMOD_INSERT_FORCE_VERMAGIC = 0x1,
	KMOD_INSERT_FORCE_MODVERSION = 0x2,
	KMOD_INSERT_DETACHED_SIG_IGNORE = 0x10000000,
	KMOD_INSERT_DETACHED_SIG_REQUIRE = 0x20000000,
};

/* Flags of kmod_module_probe_insert_module(). */
enum kmod_probe {
	KMOD_PROBE_FORCE_VERMAGIC = 0x00001,
	KMOD_PROBE_FORCE_MODVERSION = 0x00002,
	KMOD_PROBE_IGNORE_COMMAND = 0x00004,
	KMOD_PROBE_IGNORE_LOADED = 0x00008,
	KMOD_PROBE_DRY_RUN = 0x00010,
	KMOD_PROBE_FAIL_ON_LOADED = 0x00020,

	/* codes below can be used in return value, too */
	KMOD_PROBE_APPLY_BLACKLIST_ALL = 0x10000,
	KMOD_PROBE_APPLY_BLACKLIST = 0x20000,
	KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY = 0x40000,

	/* kmod-ds: per-call detached-signature policy, as for kmod_insert */
	KMOD_PROBE_DETACHED_SIG_IGNORE = 0x10000000,
	KMOD_PROBE_DETACHED_SIG_REQUIRE = 0x20000000,
};

/* Flags of kmod_module_apply_filter(). */
enum kmod_filter {
	KMOD_FILTER_BLACKLIST = 0x00001,
	KMOD_FILTER_BUILTIN = 0x00002,
};

/* delete_module(2) the module; flags from enum kmod_remove. */
int kmod_module_remove_module(struct kmod_module *mod, unsigned int flags);
/*
 * Load the module (not its dependencies).  With a detached signature
 * ("<path>.sig") and the policy allowing it, the image is decompressed,
 * followed by the signature trailer and passed to init_module(2); otherwise
 * finit_module(2) as kmod does.  -EEXIST if already loaded.  kmod-ds: -EPERM,
 * before the file is opened, when the context's configuration denies the
 * module (see kmod_config_get_denies()).
 */
int kmod_module_insert_module(struct kmod_module *mod, unsigned int flags,
			      const char *options);
/*
 * kmod_module_probe_insert_module: load @mod as modprobe does.  The list, in
 * load order: each hard dependency (modules.dep) then @mod, each between its
 * softdep pre and post modules (resolved as aliases, each with its own
 * closure).  For each module not loaded yet (live or builtin; see
 * KMOD_PROBE_IGNORE_LOADED): @print_action (may be NULL) is told what is about
 * to happen, then, unless KMOD_PROBE_DRY_RUN, its install command runs instead
 * of the insertion (for @mod, not under KMOD_PROBE_IGNORE_COMMAND, which also
 * leaves @mod's softdeps out): through @run_install with @data if not NULL,
 * else /bin/sh with MODPROBE_MODULE set; $CMDLINE_OPTS in the command becomes
 * the options.  Options: the configured ones, then @extra_options for @mod
 * only.  Insertion is kmod_module_insert_module() with the FORCE and
 * DETACHED_SIG flags mapped.
 *
 * Returns 0 on success, also when @mod was loaded already; -EEXIST then if
 * KMOD_PROBE_FAIL_ON_LOADED is set.  With an APPLY_BLACKLIST flag and @mod
 * blacklisted: that flag, a positive value, and nothing is done
 * (APPLY_BLACKLIST_ALIAS_ONLY only for a module looked up by an alias;
 * APPLY_BLACKLIST_ALL also leaves blacklisted dependencies out, and is
 * returned when nothing is left).  kmod-ds: -EPERM when @mod or one of its
 * hard dependencies is denied (and not in the kernel already): nothing is
 * inserted and no install command runs; a denied soft dependency, or one that
 * needs a denied module, is left out and the rest goes on.  Otherwise the
 * negative errno of the first failure of @mod or of a hard dependency (a
 * failed install command: what @run_install returned, or -EINVAL); failures
 * of softdeps are ignored.  -ENOENT for a NULL @mod.
 */
int kmod_module_probe_insert_module(
	struct kmod_module *mod, unsigned int flags, const char *extra_options,
	int (*run_install)(struct kmod_module *m, const char *cmdline, void *data),
	const void *data,
	void (*print_action)(struct kmod_module *m, bool install, const char *options));

/*
 * Strings owned by the module or its context, valid while @mod lives; NULL
 * for a NULL @mod.  get_name: the normalised name.  get_path: the absolute
 * path of the module file; for a module made from a name, read from
 * modules.dep on first use; NULL when it has none (builtin, unknown).
 * get_options: every "options" line of the configuration for its name (or
 * the alias it was found by), joined by spaces; NULL if none (or without
 * memory).  get_install_commands/get_remove_commands: the command of the
 * first install/remove line whose pattern matches the name; NULL if none.
 */
const char *kmod_module_get_name(const struct kmod_module *mod);
const char *kmod_module_get_path(const struct kmod_module *mod);
const char *kmod_module_get_options(const struct kmod_module *mod);
const char *kmod_module_get_install_commands(const struct kmod_module *mod);
const char *kmod_module_get_remove_commands(const struct kmod_module *mod);
/*
 * kmod_module_get_dependencies: a new list of new references to the modules
 * @mod needs (its modules.dep line, the whole closure), in load order; free
 * it with kmod_module_unref_list().  NULL when there are none, @mod is not in
 * modules.dep, or without memory.
 *
 * kmod_module_get_softdeps/_get_weakdeps: the modules named by the first
 * softdep/weakdep line whose pattern matches the name, each name resolved as
 * by kmod_module_new_from_lookup() (one that fails is logged and skipped),
 * into new lists the caller frees with kmod_module_unref_list().  *pre, *post
 * and *weak must be NULL (-EINVAL otherwise); -ENOENT for a NULL argument;
 * else 0, the lists staying NULL when there is nothing.
 *
 * kmod_module_apply_filter: *output becomes a new list of new references to
 * the modules of @input that pass @filter_type (KMOD_FILTER_BLACKLIST: not
 * blacklisted by name; KMOD_FILTER_BUILTIN: not builtin), in @input's order;
 * @input is left alone.  0, -ENOENT for a NULL @ctx or @output, -ENOMEM.
 * kmod_module_get_filtered_blacklist is the same with KMOD_FILTER_BLACKLIST.
 */
struct kmod_list *kmod_module_get_dependencies(const struct kmod_module *mod);
int kmod_module_get_softdeps(const struct kmod_module *mod, struct kmod_list **pre,
			     struct kmod_list **post);
int kmod_module_get_weakdeps(const struct kmod_module *mod, struct kmod_list **weak);
int kmod_module_get_filtered_blacklist(const struct kmod_ctx *ctx,
				       const struct kmod_list *input,
				       struct kmod_list **output)
	__attribute__((deprecated));
int kmod_module_apply_filter(const struct kmod_ctx *ctx, enum kmod_filter filter_type,
			     const struct kmod_list *input, struct kmod_list **output);

/* Information from live modules (/sys/module/<name>). */
enum kmod_module_initstate {
	KMOD_MODULE_BUILTIN = 0,
	KMOD_MODULE_LIVE,
	KMOD_MODULE_COMING,
	KMOD_MODULE_GOING,
	/* Padding to make sure enum is not mapped to char */
	_KMOD_MODULE_PAD = 1U << 31,
};
/*
 * kmod_module_initstate_str: "builtin", "live", "coming", "going"; NULL for
 * another value.  Static strings.
 *
 * kmod_module_get_initstate: KMOD_MODULE_BUILTIN if modules.builtin lists it,
 * else /sys/module/<name>/initstate (KMOD_MODULE_COMING while only the
 * directory exists); -ENOENT when not loaded, -EINVAL for an unknown state.
 * kmod_module_get_refcnt: its refcnt file, -ENOENT when there is none
 * (not loaded, or builtin).  kmod_module_get_size: the core size (coresize,
 * else /proc/modules), -ENOENT when not loaded.  All -ENOENT for a NULL @mod.
 *
 * kmod_module_get_holders: a new list of new references to the modules
 * using it (holders/), freed with kmod_module_unref_list().
 * kmod_module_get_sections: its sections and their addresses (sections/),
 * read with section_get_name/_get_address (valid until the list is freed;
 * NULL and (unsigned long)-1 for a NULL entry), freed with
 * kmod_module_section_free_list().  Both NULL when there are none, when it
 * is not loaded or on error (logged).
 */
const char *kmod_module_initstate_str(enum kmod_module_initstate state);
int kmod_module_get_initstate(const struct kmod_module *mod);
int kmod_module_get_refcnt(const struct kmod_module *mod);
struct kmod_list *kmod_module_get_holders(const struct kmod_module *mod);
struct kmod_list *kmod_module_get_sections(const struct kmod_module *mod);
const char *kmod_module_section_get_name(const struct kmod_list *entry);
unsigned long kmod_module_section_get_address(const struct kmod_list *entry);
void kmod_module_section_free_list(struct kmod_list *list);
long kmod_module_get_size(const struct kmod_module *mod);

/*
 * kmod_module_get_info: the .modinfo key/value pairs of the module file (of
 * modules.builtin.modinfo for a builtin module without a file) in file order,
 * then "build-id" (the NT_GNU_BUILD_ID note as colon-separated upper-case hex,
 * when the module has a well-formed one), then, when the module is signed,
 * kmod's signature fields (sig_id, signer, sig_key, sig_hashalgo, signature)
 * from the appended signature or else from the detached .sig unless the policy
 * is ignore, followed then by "sig_file" naming the .sig (kmod-ds); a .sig
 * next to a signed module is named by "sig_file_ignored".  *list must be NULL.
 * Returns the number of entries, the list freed by
 * kmod_module_info_free_list(); key and value strings are valid until then.
 * -ENOENT for a NULL argument, a non-NULL *list or a module without a file;
 * the negative errno of opening or reading the file (-ENOEXEC: not a module
 * ELF), -ENOMEM.
 */
int kmod_module_get_info(const struct kmod_module *mod, struct kmod_list **list);
const char *kmod_module_info_get_key(const struct kmod_list *entry);
const char *kmod_module_info_get_value(const struct kmod_list *entry);
void kmod_module_info_free_list(struct kmod_list *list);

/*
 * The module file's symbol tables, each as a list whose entries are read with
 * the matching getters (strings valid until the list is freed with the
 * matching free function; NULL and 0 for a NULL entry).  *list must be NULL.
 * Each returns the number of entries, or a negative errno: -ENOENT for a
 * NULL argument, a non-NULL *list or a module without a file, the errno of
 * opening or reading the file, -ENOMEM.
 *
 * kmod_module_get_versions: the __versions table: the symbols the module was
 * built against, with their CRC.
 */
int kmod_module_get_versions(const struct kmod_module *mod, struct kmod_list **list);
const char *kmod_module_version_get_symbol(const struct kmod_list *entry);
uint64_t kmod_module_version_get_crc(const struct kmod_list *entry);
void kmod_module_versions_free_list(struct kmod_list *list);

/*
 * kmod_module_get_symbols: the symbols the module exports, with their CRC
 * (0 without modversions); -ENODATA when it exports none, as kmod 31+.
 */
int kmod_module_get_symbols(const struct kmod_module *mod, struct kmod_list **list);
const char *kmod_module_symbol_get_symbol(const struct kmod_list *entry);
uint64_t kmod_module_symbol_get_crc(const struct kmod_list *entry);
void kmod_module_symbols_free_list(struct kmod_list *list);

/* Binding of a symbol a module needs (kmod_module_dependency_symbol_get_bind). */
enum kmod_symbol_bind {
	KMOD_SYMBOL_NONE = '\0',
	KMOD_SYMBOL_LOCAL = 'L',
	KMOD_SYMBOL_GLOBAL = 'G',
	KMOD_SYMBOL_WEAK = 'W',
	KMOD_SYMBOL_UNDEF = 'U',
};

/*
 * kmod_module_get_dependency_symbols: the symbols the module needs from
 * others (undefined in its symbol table), with their binding (enum
 * kmod_symbol_bind) and the CRC its __versions table expects (0 if none).
 */
int kmod_module_get_dependency_symbols(const struct kmod_module *mod,
				       struct kmod_list **list);
const char *kmod_module_dependency_symbol_get_symbol(const struct kmod_list *entry);
int kmod_module_dependency_symbol_get_bind(const struct kmod_list *entry);
uint64_t kmod_module_dependency_symbol_get_crc(const struct kmod_list *entry);
void kmod_module_dependency_symbols_free_list(struct kmod_list *list);

/*
 * kmod-ds additions (version node KMOD_DS_1): detached module signatures.
 *
 * A module file P may have a detached signature P.sig (x.ko.xz.sig for
 * x.ko.xz), either a full trailer (PKCS#7 + info block + marker, as written
 * by `kmodsign -D`) or bare DER PKCS#7 (`sign-file -d`).  The policy decides
 * how insertion uses it.
 */
enum kmod_detached_sig_policy {
	/* Use P.sig when present and valid; refuse a malformed one. (default) */
	KMOD_DETACHED_SIG_AUTO = 0,
	/* Never look for P.sig: plain kmod behaviour. */
	KMOD_DETACHED_SIG_IGNORE = 1,
	/*
	 * Refuse, before any syscall, a module with neither an appended nor a
	 * usable detached signature.
	 */
	KMOD_DETACHED_SIG_REQUIRE = 2,
};

/* Set/get the context's policy (initially from KMOD_DETACHED_SIG, else AUTO). -EINVAL if
 * unknown. */
int kmod_set_detached_sig_policy(struct kmod_ctx *ctx,
				 enum kmod_detached_sig_policy policy);
int kmod_get_detached_sig_policy(const struct kmod_ctx *ctx);

/*
 * Path of the module's detached signature ("<path>.sig") if that file exists,
 * else NULL (also for modules without a path).  Valid while mod lives.  It
 * says nothing of the file's validity; insertion checks that.
 */
const char *kmod_module_get_detached_sig_path(const struct kmod_module *mod);

/*
 * kmod-ds: the modules the configuration denies ("deny MODULE..." in
 * modprobe.d, modprobe.deny=MODULE,... on the kernel command line), keys
 * only, normalised.  libkmod never inserts a denied module: insertion returns
 * -EPERM, the errno of the kernel's own module_blacklist= refusal, which
 * systemd reports as an error rather than forgiving it as it does -ENOENT
 * and -ENODEV.  Each refusal is logged at LOG_ERR with the file and line.
 */
struct kmod_config_iter *kmod_config_get_denies(const struct kmod_ctx *ctx);

#ifdef __cplusplus
} /* extern "C" */
#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * depmod, split by stage: depmod.c (options, main), depmod-config.c
 * (depmod.d), depmod-scan.c (finding modules, priorities, modules.order),
 * depmod-load.c (reading modules, in parallel), depmod-symbols.c (symbols,
 * dependencies, cycles), depmod-output.c (the output files).
 *
 * The goal is the output of kmod's depmod byte for byte, so several orders
 * below are kmod's: modules not in modules.order come in the iteration order
 * of kmod's hash table of module names, and modules.symbols in that of its
 * symbol table (see depmod_kmod_hash_bucket).
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libkmod/libkmod-elf.h"
#include "util/arena.h"
#include "util/array.h"
#include "util/hash.h"

struct cfg_search {
	struct cfg_search *next;
	enum { SEARCH_PATH, SEARCH_BUILTIN, SEARCH_EXTERNAL } type;
	size_t len;
	char path[];
};

/* "<subdir>/<modname>", matched against paths without their extension. */
struct cfg_override {
	struct cfg_override *next;
	size_t len;
	char path[];
};

struct cfg_external {
	struct cfg_external *next;
	size_t len;
	char path[];
};

struct cfg_exclude {
	struct cfg_exclude *next;
	char name[];
};

struct depmod_cfg {
	const char *kversion;
	char *dirname; /* <basedir><moduledir>/<kver>: where modules are */
	size_t dirnamelen;
	char *outdirname; /* where the output goes (-o), else dirname */
	char sym_prefix;
	bool check_symvers;
	bool print_unknown;
	bool warn_dups;
	int verbose;
	struct cfg_search *searches; /* most recent first: the last in the list wins */
	struct cfg_override *overrides; /* most recent first */
	struct cfg_external *externals; /* most recent first */
	struct cfg_exclude *excludes;
};

#define DEPMOD_KEY_LEN 7

struct depmod_mod {
	char *path;	     /* as found (absolute for the tree and external dirs) */
	const char *relpath; /* into path; NULL outside the version directory */
	char *uncrelpath;    /* relpath ending in ".ko", for modules.order */
	size_t baselen;	     /* offset of the last '/' in path */
	int sort_idx;	     /* modules.order position (negative), else 1 */
	unsigned int idx;    /* position in the sorted module array */
	int dep_sort_idx;    /* topological order */
	unsigned int users;  /* modules that depend on this one */
	bool visited;
	unsigned int mark; /* generation of the last closure walk that saw it */

	/* filled by depmod_load_modules */
	int load_err;
	char **modinfo; /* "key=value" strings: one block, or an array into the cache */
	int n_modinfo;
	struct kmod_elf_symbol *exports;
	int n_exports;
	struct kmod_elf_symbol *needs; /* symtab's, then the rest of __versions */
	int n_needs;
	void *needs_mem; /* the block the names of needs point into, when not needs */

	uint64_t key[DEPMOD_KEY_LEN]; /* dev, ino, size, mtime s/ns, ctime s/ns: the cache key */
	bool has_key;
	bool from_cache; /* then modinfo, exports and needs are in an arena of the loader */
	const void *cache_rec; /* its record in the cache read, to be written back as is */
	size_t cache_rec_len;

	struct array deps; /* struct depmod_mod *, direct dependencies */
	char modname[];
};

struct depmod_symbol {
	struct depmod_mod *owner; /* NULL: the kernel itself */
	uint64_t crc;
	const char *name;
};

/* Threads of the module loader at most. */
#define DEPMOD_MAX_JOBS 16

struct depmod {
	struct depmod_cfg *cfg;
	struct hash *modules_by_name;
	struct depmod_mod **mods; /* sorted for output */
	size_t n_mods;
	struct hash *symbols; /* name → struct depmod_symbol */
	struct array symbol_mem; /* the struct depmod_symbol records, in symbol_arena */
	struct arena symbol_arena;
	struct arena mod_arena; /* the struct depmod_mod records */
	/* per loader thread: arrays of modules taken from the cache */
	struct arena load_arenas[DEPMOD_MAX_JOBS];
	unsigned int mark_gen;
	struct hash *cache; /* path → entry of modules.depmod-cache, or NULL */
	struct arena cache_arena; /* its entries */
	void *cache_mem;
	size_t cache_size;
	size_t n_from_cache;
	pthread_t cache_thread; /* depmod_cache_load_begin's */
	bool cache_loading;
	int cache_load_err;
	char *save_tmp; /* the cache's temporary file, while being written */
	pthread_t save_thread;
	bool saving, save_written;
};

/* depmod-config.c */
int depmod_cfg_load(struct depmod_cfg *cfg, const char *const *paths);
void depmod_cfg_free(struct depmod_cfg *cfg);
extern const char *const depmod_default_cfg_paths[];

/* depmod-scan.c */
int depmod_init(struct depmod *d, struct depmod_cfg *cfg);
void depmod_shutdown(struct depmod *d);
int depmod_modules_search(struct depmod *d);
int depmod_module_add_path(struct depmod *d, const char *path);
int depmod_modules_build_array(struct depmod *d);
int depmod_modules_sort(struct depmod *d);
/* 1 when no module file is newer than modules.dep, 0 when one is, -errno. */
int depmod_depfile_up_to_date(const char *dirname);
/* kmod's hash table iteration order for a table of @buckets buckets. */
unsigned int depmod_kmod_hash_bucket(const char *key, unsigned int buckets);

/* depmod-cache.c */
bool depmod_cache_enabled(void);
int depmod_cache_load(struct depmod *d);
/* depmod_cache_load on a thread until depmod_cache_load_end, which returns its result. */
void depmod_cache_load_begin(struct depmod *d);
int depmod_cache_load_end(struct depmod *d);
void depmod_cache_free(struct depmod *d);
/* Fill @mod from the cache when its file did not change; always records the file's key. */
bool depmod_cache_fill(const struct depmod *d, struct depmod_mod *mod, struct arena *arena);
/*
 * Write the cache for this run's modules, when it differs from the one read,
 * to a temporary file (on a thread); depmod_cache_save_end waits for it and
 * renames it into place when @publish, removes it otherwise.
 */
void depmod_cache_save_begin(struct depmod *d);
void depmod_cache_save_end(struct depmod *d, bool publish);

/* depmod-load.c */
/* @use_cache: take unchanged modules from the cache (depmod_cache_load) and record keys. */
int depmod_load_modules(struct depmod *d, bool use_cache);

/* depmod-symbols.c */
int depmod_symbol_add(struct depmod *d, const char *name, bool prefix_skipped, uint64_t crc,
		      struct depmod_mod *owner);
int depmod_load_symvers(struct depmod *d, const char *filename);
int depmod_load_system_map(struct depmod *d, const char *filename);
int depmod_add_exports(struct depmod *d);
int depmod_load_dependencies(struct depmod *d);
int depmod_calculate_dependencies(struct depmod *d);
/*
 * Every module @mod needs, directly or not, in load-last-first order (kmod's
 * topological order).  0 with a malloc'ed array (NULL when there is none) and
 * its size, or -ENOMEM.
 */
int depmod_mod_all_deps(struct depmod *d, const struct depmod_mod *mod,
			struct depmod_mod ***deps, size_t *n);
/* The symbols with an owner, in kmod's modules.symbols order.  Count or -ENOMEM. */
int depmod_symbols_sorted(const struct depmod *d, const struct depmod_symbol ***ret);

/* depmod-output.c */
int depmod_output(struct depmod *d, bool to_stdout);
/* The value of a modinfo string "key=value" if its key is @key, else NULL. */
const char *depmod_modinfo_value(const char *s, const char *key);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What flows down the pipeline: one record per module, made by the scan,
 * filled by the load, linked by the resolver, read by the writer.  Each
 * group of fields below belongs to the stage that fills it; later stages
 * only read it.
 *
 * The goal is the output of kmod's depmod byte for byte, so several orders
 * are kmod's: modules not in modules.order come in the iteration order of
 * kmod's hash table of module names, and modules.symbols in that of its
 * symbol table (see depmod_kmod_hash_bucket).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libkmod/libkmod-elf.h"
#include "util/arena.h"
#include "util/array.h"
#include "util/hash.h"

#define DEPMOD_KEY_LEN 7

struct depmod_mod {
	/* scan */
	char *path;	     /* as found (absolute for the tree and external dirs) */
	const char *relpath; /* into path; NULL outside the version directory */
	char *uncrelpath;    /* relpath ending in ".ko", for modules.order */
	size_t baselen;	     /* offset of the last '/' in path */
	int sort_idx;	     /* modules.order position (negative), else 1 */
	unsigned int idx;    /* position in the sorted module array */
	bool listed_regular; /* its directory listing said: a regular file */
	struct depmod_mod
		*dropped_next; /* the scan found a better one: kept until the end */

	/* load */
	struct depmod_mod *load_next; /* in the loader's queue */
	int load_err;
	char **modinfo; /* "key=value" strings: one block, or an array into the cache */
	int n_modinfo;
	struct kmod_elf_symbol *exports;
	int n_exports;
	struct kmod_elf_symbol *needs; /* symtab's, then the rest of __versions */
	int n_needs;

	/* load, through the cache */
	uint64_t key[DEPMOD_KEY_LEN]; /* dev, ino, size, mtime s/ns, ctime s/ns: the cache
					 key */
	bool has_key;
	bool from_cache; /* then modinfo, exports and needs are in an arena of the loader
			  */
	const void
		*cache_rec; /* its record in the cache read, to be written back as is */
	size_t cache_rec_len;

	/* resolve */
	struct array deps;  /* struct depmod_mod *, direct dependencies */
	unsigned int users; /* modules that depend on this one */
	int dep_sort_idx;   /* topological order */
	unsigned int mark;  /* generation of the last closure walk that saw it */

	char modname[];
};

/* The modules found, by name while scanning, then as an array in output order. */
struct depmod_modules {
	struct hash *by_name;
	struct depmod_mod **v; /* sorted for output, after depmod_modules_sort */
	size_t n;
	struct arena arena; /* the struct depmod_mod records */
	/* the records the scan replaced, which the load may be reading still */
	struct depmod_mod *dropped;
};

int depmod_modules_init(struct depmod_modules *m);
void depmod_modules_free(struct depmod_modules *m);
/* Drop what a record owns (not the record: it lives in the arena). */
void depmod_mod_release(struct depmod_mod *mod);
/*
 * Once the dependencies are known, what each module needs is not: frees it
 * (peak memory comes later, with the indexes).  Not while a cache is saved.
 */
void depmod_modules_drop_needs(struct depmod_modules *m);

/* kmod's hash table iteration order for a table of @buckets buckets. */
unsigned int depmod_kmod_hash_bucket(const char *key, unsigned int buckets);

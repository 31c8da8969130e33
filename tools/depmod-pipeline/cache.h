/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Part of stage 3, the load: modules.depmod-cache, what was read from each
 * module file the last time, kept while the file is unchanged.  Opening it
 * and writing the new one may run beside other stages (the pipeline starts
 * and joins them): neither touches anything but the cache and, for the
 * write, the loaded module records.
 */

#include <stdbool.h>
#include <stddef.h>

#include "tools/depmod-pipeline/config.h"
#include "tools/depmod-pipeline/modules.h"
#include "util/arena.h"
#include "util/fileio.h"
#include "util/hash.h"

struct depmod_cache {
	/* where it lives: <vardir>/kmod-ds/depmod/<name> (depmod_cache_init) */
	char *vardir;  /* <-o, -b or nothing>/var/cache, which must exist */
	char *name;    /* the kernel's version (and a key for -m or odd versions) */
	char *moddir;  /* the module directory below the modules' root: recorded */
	char *modroot; /* the modules' root (-b), to tell a module directory gone */

	/* the cache read */
	struct hash *index; /* path → record; NULL when there is none to use */
	struct arena arena; /* the index's entries */
	void *mem;	    /* the file, mapped */
	size_t size;

	/* the cache written */
	const struct depmod_modules *mods; /* set while one is being written */
	int dirfd;			   /* dir, opened once to write */
	struct tmpfile tmp;		   /* the new cache */
	bool written;
};

/* Off with KMOD_DEPMOD_CACHE=0: nothing read, nothing written. */
bool depmod_cache_enabled(void);

/* Where the cache of @cfg's module directory lives; no I/O.  0 or -ENOMEM. */
int depmod_cache_init(struct depmod_cache *c, const struct depmod_cfg *cfg);

/*
 * Remove the caches of module directories that are gone, then map and check
 * ours.  Silent: a bad cache is no cache.  0 or -ENOMEM.
 */
int depmod_cache_open(struct depmod_cache *c);
/*
 * Fill @mod from the cache when its file did not change (arrays in @arena);
 * always records the file's key.  Only reads the cache: the loader's
 * threads call it at once.
 */
bool depmod_cache_fill(const struct depmod_cache *c, struct depmod_mod *mod,
		       struct arena *arena);

/*
 * Once every module is loaded: true when the cache for @mods (@n_from_cache
 * of them taken from it) differs from the one read, and must be written by
 * depmod_cache_save, into a temporary file, then renamed into place by
 * depmod_cache_finish(publish = true) or removed (false).
 */
bool depmod_cache_save_begin(struct depmod_cache *c, const struct depmod_modules *mods,
			     size_t n_from_cache);
int depmod_cache_save(struct depmod_cache *c);
void depmod_cache_finish(struct depmod_cache *c, bool publish);

/* Removes a temporary file left, unmaps, frees. */
void depmod_cache_close(struct depmod_cache *c);

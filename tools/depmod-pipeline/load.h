/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Stage 3, the load: what depmod needs of each module file (.modinfo, the
 * symbols it exports and those it needs), read by a few threads, or taken
 * from the cache when the file did not change.  The images are dropped as
 * soon as they are read.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "tools/depmod-pipeline/budget.h"
#include "tools/depmod-pipeline/cache.h"
#include "tools/depmod-pipeline/modules.h"
#include "tools/depmod-pipeline/task.h"
#include "util/arena.h"

struct depmod_loader;

/* A thread's part: the loader, and the thread's arena for what the cache gives. */
struct depmod_load_job {
	struct depmod_loader *l;
	struct arena *arena;
};

/*
 * The load runs beside the scan: depmod_load_start() starts its threads,
 * depmod_load_feed() hands them each module as the scan finds it (a module
 * the scan drops later is read all the same and never used), and
 * depmod_load_finish(), once the scan is done, makes the caller one more of
 * them, waits for the others and reports in module order.  The cache, if
 * any, is opened by the first of them to start.
 */
struct depmod_loader {
	struct depmod_cache *cache; /* NULL: every module is read */
	/* per thread: the arrays taken from the cache, as long as the modules live */
	struct arena arenas[DEPMOD_MAX_JOBS];
	size_t n_from_cache;
	int cache_err; /* of opening it */

	/* the modules fed and not taken yet, and the state of the feed */
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct depmod_mod *head, **tail;
	bool fed;      /* the scan is done */
	bool stopping; /* it failed: what is left is not read */
	bool cache_opening, cache_ready;
	struct depmod_budget budget;
	struct depmod_crew crew;
	struct depmod_load_job jobs[DEPMOD_MAX_JOBS];
	bool started;
};

/* @cache may be NULL.  Threads that cannot be made leave their share to the others. */
int depmod_load_start(struct depmod_loader *l, struct depmod_cache *cache);
void depmod_load_feed(void *loader, struct depmod_mod *mod);
/*
 * With @scanned, once every module of @mods is read: a module that cannot be
 * read is reported and skipped, as kmod does; -ENOMEM when one could be read
 * only in part or the cache could not be opened for memory.  Without (the
 * scan failed), the threads stop at once.
 */
int depmod_load_finish(struct depmod_loader *l, const struct depmod_modules *mods,
		       bool scanned);
void depmod_loader_free(struct depmod_loader *l);

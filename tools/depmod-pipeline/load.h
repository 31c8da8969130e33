/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Stage 3, the load: what depmod needs of each module file (.modinfo, the
 * symbols it exports and those it needs), read by a few threads, or taken
 * from the cache when the file did not change.  The images are dropped as
 * soon as they are read.
 */

#include <stddef.h>

#include "tools/depmod-pipeline/cache.h"
#include "tools/depmod-pipeline/modules.h"
#include "tools/depmod-pipeline/task.h"
#include "util/arena.h"

struct depmod_loader {
	const struct depmod_cache *cache; /* NULL: every module is read */
	/* per thread: the arrays taken from the cache, as long as the modules live */
	struct arena arenas[DEPMOD_MAX_JOBS];
	size_t n_from_cache;
};

/*
 * Fill every record of @mods; a module that cannot be read is reported and
 * skipped, as kmod does.  -ENOMEM when one could be read only in part.
 */
int depmod_load(struct depmod_loader *l, struct depmod_modules *mods);
void depmod_loader_free(struct depmod_loader *l);

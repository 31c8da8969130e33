/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Stage 2, the scan: the module files, as a set of records (modules.h) in
 * output order.  The scan reads nothing of the modules; the load does, from
 * the first one found (load.h).
 */

#include "tools/depmod-pipeline/config.h"
#include "tools/depmod-pipeline/modules.h"

/*
 * Told of each module as it is added (a later one of the same name may
 * replace it: the record then stays in mods->dropped until the end), so
 * that the load can begin during the walk.
 */
typedef void (*depmod_found_fn)(void *data, struct depmod_mod *mod);

/* depmod -a: every module of the version directory and of the external ones. */
int depmod_scan(struct depmod_modules *mods, const struct depmod_cfg *cfg,
		depmod_found_fn found, void *data);
/* depmod VERSION FILE...: one module given on the command line. */
int depmod_scan_file(struct depmod_modules *mods, const struct depmod_cfg *cfg,
		     const char *path, depmod_found_fn found, void *data);

/* The set as an array, in kmod's hash order; 0 or -ENOMEM. */
int depmod_modules_build_array(struct depmod_modules *mods);
/*
 * Then modules.order first.  Out of memory is an error (-ENOMEM): the order
 * would silently change.  A missing or corrupted modules.order is kmod's
 * warning and leaves the order.
 */
int depmod_modules_sort(struct depmod_modules *mods, const struct depmod_cfg *cfg);

/* depmod -A: 1 when no module file is newer than modules.dep, 0 when one is, -errno. */
int depmod_depfile_up_to_date(const char *dirname);

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pipeline (see pipeline.h): one function per stage, run in order by
 * depmod_pipeline_run(), which alone starts and joins the threads beside
 * them and frees what every stage made.
 */

#include <errno.h>
#include <string.h>

#include "tools/depmod-pipeline/cache.h"
#include "tools/depmod-pipeline/load.h"
#include "tools/depmod-pipeline/pipeline.h"
#include "tools/depmod-pipeline/publish.h"
#include "tools/depmod-pipeline/resolve.h"
#include "tools/depmod-pipeline/scan.h"
#include "tools/depmod-pipeline/task.h"
#include "tools/depmod-pipeline/write.h"
#include "tools/tool-log.h"

struct pipeline {
	struct depmod_cfg *cfg;
	const struct depmod_opts *opts;
	bool use_cache;

	struct depmod_modules mods;
	struct depmod_cache cache;
	struct depmod_task cache_save; /* from the resolve to the publish */
	struct depmod_loader loader;
	struct depmod_resolve res;
	struct depmod_outputs outs;
	struct depmod_publish pub;
};

static int cache_save_task(void *cache)
{
	return depmod_cache_save(cache);
}

/*
 * Each stage returns 0 or -errno.  A stage that cannot go on says why
 * (FATAL, as kmod) and returns its error: nothing exits but main, once
 * every thread is joined and everything freed.
 */

/* Stage 1: the kernel's symbols first (kmod's order of messages), then depmod.d. */
static int configure(struct pipeline *pl)
{
	const struct depmod_opts *opts = pl->opts;
	struct depmod_cfg *cfg = pl->cfg;
	int err;

	if (opts->symvers != NULL) {
		err = depmod_load_symvers(&pl->res, opts->symvers);
		if (err < 0) {
			CRIT("could not load %s: %s\n", opts->symvers, strerror(-err));
			return err;
		}
	} else if (opts->system_map != NULL) {
		err = depmod_load_system_map(&pl->res, opts->system_map);
		if (err < 0) {
			CRIT("could not load %s: %s\n", opts->system_map, strerror(-err));
			return err;
		}
	} else if (cfg->print_unknown) {
		WRN("-e needs -E or -F\n");
		cfg->print_unknown = false;
	}
	if (opts->all) {
		err = depmod_cfg_load(cfg, opts->config_paths);
		if (err < 0) {
			CRIT("could not load configuration files\n");
			return err;
		}
	}
	return 0;
}

/* depmod VERSION FILE...: the files given, which must be absolute paths. */
static int scan_files(struct pipeline *pl)
{
	const struct depmod_opts *opts = pl->opts;

	for (int i = 0; i < opts->n_files; i++) {
		const char *path = opts->files[i];
		int err;

		if (path[0] != '/') {
			CRIT("%s: not absolute path.\n", path);
			return -EINVAL;
		}
		err = depmod_scan_file(&pl->mods, pl->cfg, path, depmod_load_feed,
				       &pl->loader);
		if (err < 0) {
			CRIT("could not create module %s: %s\n", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Stage 2: the module files, each handed to the load as soon as it is found. */
static int scan(struct pipeline *pl)
{
	int err;

	if (pl->opts->all) {
		err = depmod_scan(&pl->mods, pl->cfg, depmod_load_feed, &pl->loader);
		if (err < 0) {
			CRIT("could not search modules: %s\n", strerror(-err));
			return err;
		}
	} else {
		err = scan_files(pl);
		if (err < 0)
			return err;
	}
	err = depmod_modules_build_array(&pl->mods);
	if (err < 0) {
		CRIT("could not build module array: %s\n", strerror(-err));
		return err;
	}
	err = depmod_modules_sort(&pl->mods, pl->cfg);
	if (err < 0)
		CRIT("out of memory\n");
	return err;
}

/*
 * Stages 2 and 3 at once: the load reads the modules (and the cache) as the
 * scan finds them; a new cache, if it changed, is written afterwards, beside
 * the resolve.
 */
static int scan_and_load(struct pipeline *pl)
{
	int err, load_err;

	err = depmod_load_start(&pl->loader, pl->use_cache ? &pl->cache : NULL);
	if (err < 0) {
		CRIT("could not start reading modules: %s\n", strerror(-err));
		return err;
	}
	err = scan(pl);
	load_err = depmod_load_finish(&pl->loader, &pl->mods, err == 0);
	if (err < 0)
		return err;
	if (load_err < 0) {
		CRIT("out of memory\n");
		return load_err;
	}
	if (pl->use_cache &&
	    depmod_cache_save_begin(&pl->cache, &pl->mods, pl->loader.n_from_cache))
		depmod_task_start(&pl->cache_save, cache_save_task, &pl->cache);
	return 0;
}

/* Stage 4: exports, dependencies, their order. */
static int resolve(struct pipeline *pl)
{
	int err = depmod_add_exports(&pl->res);

	if (err == 0)
		err = depmod_load_dependencies(&pl->res);
	if (err == -ENOMEM) {
		CRIT("out of memory\n");
		return err;
	}
	if (err == 0)
		err = depmod_calculate_dependencies(&pl->res);
	/* the cache being saved holds them */
	if (err == 0 && pl->cache.mods == NULL)
		depmod_modules_drop_needs(&pl->mods);
	return err;
}

/* Stages 5 and 6: the outputs, written into the files publish gives them, then renamed.
 */
static int write_and_publish(struct pipeline *pl)
{
	int err = depmod_publish_begin(&pl->pub, &pl->outs);

	if (err == 0) {
		err = depmod_write(&pl->outs, &pl->res, pl->opts->to_stdout);
		err = depmod_publish_commit(&pl->pub, &pl->outs, err);
	}
	if (pl->pub.dfd >= 0) {
		/* the new cache goes in place with the outputs, or not at all */
		depmod_task_join(&pl->cache_save);
		depmod_cache_finish(&pl->cache, err == 0);
	}
	depmod_publish_end(&pl->pub, &pl->outs);
	return err;
}

int depmod_pipeline_run(struct depmod_cfg *cfg, const struct depmod_opts *opts)
{
	struct pipeline pl = {
		.cfg = cfg,
		.opts = opts,
		.use_cache = opts->all && !opts->to_stdout && depmod_cache_enabled(),
		.cache = { .dirfd = -1, .tmp.fd = -1 },
		.pub = { .dname = cfg->outdirname,
			 .to_stdout = opts->to_stdout,
			 .dfd = -1 },
	};
	int err;

	depmod_outputs_init(&pl.outs);
	err = depmod_modules_init(&pl.mods);
	if (err == 0)
		err = depmod_resolve_init(&pl.res, cfg, &pl.mods);
	if (err == 0 && pl.use_cache)
		err = depmod_cache_init(&pl.cache, cfg);
	if (err < 0)
		CRIT("depmod_init: %s\n", strerror(-err));

	if (err == 0)
		err = configure(&pl);
	if (err == 0)
		err = scan_and_load(&pl);
	if (err == 0)
		err = resolve(&pl);
	if (err == 0)
		err = write_and_publish(&pl);

	/* whatever stage stopped, no thread is left and the cache's temporary file goes
	 */
	depmod_task_join(&pl.cache_save);
	depmod_cache_close(&pl.cache);
	depmod_outputs_release(&pl.outs);
	depmod_resolve_free(&pl.res);
	depmod_modules_free(&pl.mods);
	depmod_loader_free(&pl.loader);
	return err;
}

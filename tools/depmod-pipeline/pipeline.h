/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The stages of depmod, in order, each a file with its own state:
 *
 *   config.c   depmod.d (the command line is depmod.c's)
 *   scan.c     the module files, in output order          → modules.h records
 *   load.c     what each one says (cache.c: unchanged ones) → modinfo, symbols
 *              (budget.c: the memory all images in flight share)
 *   resolve.c  symbols → dependencies, their order, cycles
 *   write.c    the content of every output file
 *   publish.c  temporary files, renamed all at once (or stdout for -n)
 *
 * pipeline.c runs them and owns everything they make: it starts and stops
 * each stage, starts and joins the threads that run beside them (task.h),
 * and frees it all, whatever stage failed.
 */

#include <stdbool.h>

#include "tools/depmod-pipeline/config.h"

/* What the command line asks of the pipeline. */
struct depmod_opts {
	bool all;			  /* depmod -a: scan the tree; else files */
	bool to_stdout;			  /* depmod -n */
	const char *symvers, *system_map; /* -E, -F */
	const char *const *config_paths;  /* -C; NULL: the default ones */
	char *const *files;		  /* depmod VERSION FILE... */
	int n_files;
};

/* 0, or -errno when depmod fails (the reason was printed). */
int depmod_pipeline_run(struct depmod_cfg *cfg, const struct depmod_opts *opts);

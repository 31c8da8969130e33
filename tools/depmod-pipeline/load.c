// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stage 3, the load: every module is decompressed, its ELF parsed, .modinfo,
 * the exported symbols and the symbols it needs kept, the image dropped.
 * Decompression dominates on .ko.xz trees, so modules are read by a few
 * threads taking the next module from a shared counter.  Each result lands
 * in its module's own slot and is reported afterwards in module order, so
 * nothing depends on thread timing.
 */

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libkmod/libkmod-elf.h"
#include "libkmod/libkmod-file.h"
#include "tools/depmod-pipeline/budget.h"
#include "tools/depmod-pipeline/load.h"
#include "tools/depmod-pipeline/task.h"
#include "tools/tool-log.h"
#include "util/macro.h"

/*
 * The images the threads hold at once stay within this: the library's cap
 * for one image.  A distribution's modules take a few MiB at most, so real
 * trees never wait; a tree of huge (or hostile) images is read one or two
 * images at a time instead of one per thread.
 */
#define IMAGE_BUDGET ((size_t)1 << 30)

/* What the loader's threads share: the modules, the next one to take, the budget. */
struct loader_run {
	struct depmod_modules *mods;
	const struct depmod_cache *cache;
	atomic_size_t next;
	struct depmod_budget budget;
};

static void load_one(struct depmod_mod *mod, struct depmod_budget *budget)
{
	struct kmod_file *file = NULL;
	struct kmod_elf *elf = NULL;
	size_t reserved = 0, size;
	int r;

	/* Only the headers and the sections depmod asks for are read. */
	r = mod->listed_regular ? kmod_file_open_listed(NULL, mod->path, &file)
				: kmod_file_open(NULL, mod->path, &file);
	if (r == 0) {
		/* a size nothing tells is reserved as the whole budget: alone */
		reserved = depmod_image_size(file, budget->limit);
		depmod_budget_take(budget, reserved);
		r = kmod_file_load_sparse(file);
	}
	/* a container that said less than its data: the rest counts too */
	if (r == 0 && (size = kmod_file_get_size(file)) > reserved) {
		depmod_budget_charge(budget, size - reserved);
		reserved = size;
	}
	if (r == 0)
		r = kmod_elf_new_sparse(kmod_file_get_contents(file),
					kmod_file_get_size(file), kmod_file_fill_cb, file,
					&elf);
	if (r < 0) {
		mod->load_err = r;
		goto out;
	}

	r = kmod_elf_get_symbols(elf, &mod->exports);
	mod->n_exports = r > 0 ? r : 0;
	if (r < 0)
		mod->load_err = r;
	r = kmod_elf_get_modinfo_strings(elf, &mod->modinfo);
	mod->n_modinfo = r > 0 ? r : 0;
	if (r == -ENOMEM)
		mod->load_err = r;
	/* with the __versions entries no undefined symbol names, as kmod counts them */
	r = kmod_elf_get_dependency_symbols(elf, &mod->needs);
	mod->n_needs = r > 0 ? r : 0;
	if (r == -ENOMEM)
		mod->load_err = -ENOMEM;
out:
	kmod_elf_free(elf);
	kmod_file_free(file);
	if (reserved > 0)
		depmod_budget_give(budget, reserved);
}

struct load_job {
	struct loader_run *run;
	struct arena *arena; /* the thread's, for the arrays taken from the cache */
};

static int load_worker(void *data)
{
	struct load_job *job = data;
	struct loader_run *run = job->run;

	for (;;) {
		size_t i = atomic_fetch_add(&run->next, 1);
		struct depmod_mod *mod;

		if (i >= run->mods->n)
			return 0;
		mod = run->mods->v[i];
		if (run->cache != NULL && depmod_cache_fill(run->cache, mod, job->arena))
			mod->from_cache = true;
		else
			load_one(mod, &run->budget);
	}
}

int depmod_load(struct depmod_loader *l, struct depmod_modules *mods)
{
	struct loader_run run = { .mods = mods, .cache = l->cache };
	struct load_job job[DEPMOD_MAX_JOBS];
	unsigned int n = depmod_jobs(mods->n);
	int err = 0;

	atomic_init(&run.next, 0);
	depmod_budget_init(&run.budget, IMAGE_BUDGET);
	DBG("load symbols (%zu modules)\n", mods->n);
	for (unsigned int i = 0; i < n; i++)
		job[i] = (struct load_job){ &run, &l->arenas[i] };
	depmod_parallel(n, load_worker, job, sizeof(job[0]));
	if (run.budget.waits > 0)
		DBG("%zu modules waited for memory (%zu MiB for all images at once)\n",
		    run.budget.waits, IMAGE_BUDGET >> 20);
	depmod_budget_destroy(&run.budget);

	for (size_t i = 0; i < mods->n; i++) {
		const struct depmod_mod *mod = mods->v[i];

		l->n_from_cache += mod->from_cache;
		if (mod->load_err < 0 && mod->load_err != -ENOENT)
			ERR("failed to load symbols from %s: %s\n", mod->path,
			    strerror(-mod->load_err));
		/* a module unreadable is skipped as kmod does; one half read is not */
		if (mod->load_err == -ENOMEM)
			err = -ENOMEM;
	}
	return err;
}

void depmod_loader_free(struct depmod_loader *l)
{
	for (size_t i = 0; i < ARRAY_SIZE(l->arenas); i++)
		arena_release(&l->arenas[i]);
}

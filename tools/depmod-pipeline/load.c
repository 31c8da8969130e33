// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stage 3, the load: every module is decompressed, its ELF parsed, .modinfo,
 * the exported symbols and the symbols it needs kept, the image dropped.
 * It runs beside the scan (load.h): a few threads take each module from a
 * queue the scan fills as it walks, so the walk of a tree of plain .ko files
 * (a tenth of depmod's time) no longer leaves a CPU idle.  Each result lands
 * in its module's own slot and is reported afterwards in module order, so
 * nothing depends on thread timing.
 */

#include <errno.h>
#include <stdint.h>
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

/* The next module fed, waiting for one; NULL once all are taken (or stopping). */
static struct depmod_mod *next_module(struct depmod_loader *l)
{
	struct depmod_mod *mod;

	pthread_mutex_lock(&l->lock);
	while (!l->stopping && l->head == NULL && !l->fed)
		pthread_cond_wait(&l->changed, &l->lock);
	mod = l->stopping ? NULL : l->head;
	if (mod != NULL) {
		l->head = mod->load_next;
		if (l->head == NULL)
			l->tail = &l->head;
	}
	pthread_mutex_unlock(&l->lock);
	return mod;
}

/* The first thread there opens the cache; the others wait until it is open. */
static void cache_ready(struct depmod_loader *l)
{
	pthread_mutex_lock(&l->lock);
	if (!l->cache_opening) {
		l->cache_opening = true;
		pthread_mutex_unlock(&l->lock);
		l->cache_err = l->cache != NULL ? depmod_cache_open(l->cache) : 0;
		pthread_mutex_lock(&l->lock);
		l->cache_ready = true;
		pthread_cond_broadcast(&l->changed);
	}
	while (!l->cache_ready)
		pthread_cond_wait(&l->changed, &l->lock);
	pthread_mutex_unlock(&l->lock);
}

static int load_worker(void *data)
{
	struct depmod_load_job *job = data;
	struct depmod_loader *l = job->l;
	struct depmod_mod *mod;

	cache_ready(l);
	while ((mod = next_module(l)) != NULL) {
		if (l->cache != NULL && depmod_cache_fill(l->cache, mod, job->arena))
			mod->from_cache = true;
		else
			load_one(mod, &l->budget);
	}
	return 0;
}

int depmod_load_start(struct depmod_loader *l, struct depmod_cache *cache)
{
	unsigned int n = depmod_jobs(SIZE_MAX);
	int err;

	l->cache = cache;
	l->head = NULL;
	l->tail = &l->head;
	err = -pthread_mutex_init(&l->lock, NULL);
	if (err < 0)
		return err;
	err = -pthread_cond_init(&l->changed, NULL);
	if (err < 0) {
		pthread_mutex_destroy(&l->lock);
		return err;
	}
	depmod_budget_init(&l->budget, IMAGE_BUDGET);
	for (unsigned int i = 0; i < n; i++)
		l->jobs[i] = (struct depmod_load_job){ l, &l->arenas[i] };
	l->started = true;
	depmod_crew_start(&l->crew, n, load_worker, l->jobs, sizeof(l->jobs[0]));
	return 0;
}

void depmod_load_feed(void *loader, struct depmod_mod *mod)
{
	struct depmod_loader *l = loader;

	mod->load_next = NULL;
	pthread_mutex_lock(&l->lock);
	*l->tail = mod;
	l->tail = &mod->load_next;
	pthread_cond_signal(&l->changed);
	pthread_mutex_unlock(&l->lock);
}

int depmod_load_finish(struct depmod_loader *l, const struct depmod_modules *mods,
		       bool scanned)
{
	int err = 0;

	if (!l->started)
		return 0;
	pthread_mutex_lock(&l->lock);
	l->fed = true;
	l->stopping = !scanned;
	pthread_cond_broadcast(&l->changed);
	pthread_mutex_unlock(&l->lock);
	DBG("load symbols (%zu modules)\n", mods->n);
	depmod_crew_finish(&l->crew);
	l->started = false;
	if (l->budget.waits > 0)
		DBG("%zu modules waited for memory (%zu MiB for all images at once)\n",
		    l->budget.waits, IMAGE_BUDGET >> 20);
	depmod_budget_destroy(&l->budget);
	pthread_cond_destroy(&l->changed);
	pthread_mutex_destroy(&l->lock);
	if (!scanned)
		return 0;
	if (l->cache_err == -ENOMEM)
		err = -ENOMEM;

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

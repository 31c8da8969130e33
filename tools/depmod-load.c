// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading every module: decompress, parse the ELF, keep .modinfo, the exported
 * symbols and the symbols it needs, drop the image.  Decompression dominates
 * on .ko.xz trees, so modules are read by a few threads taking the next module
 * from a shared counter.  Each result lands in its module's own slot and is
 * reported afterwards in module order, so nothing depends on thread timing.
 */

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libkmod/libkmod-elf.h"
#include "libkmod/libkmod-file.h"
#include "tools/depmod.h"
#include "tools/log.h"
#include "util/macro.h"


struct loader {
	struct depmod *d;
	bool use_cache;
	atomic_size_t next;
};

/* A set of the names of a module's needs: open addressing, a power of two slots. */
struct nameset {
	const char **slot;
	size_t mask;
};

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261U;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619U;
	}
	return h;
}

static bool nameset_has(const struct nameset *set, const char *name, bool add)
{
	for (size_t i = name_hash(name) & set->mask;; i = (i + 1) & set->mask) {
		if (set->slot[i] == NULL) {
			if (add)
				set->slot[i] = name;
			return false;
		}
		if (streq(set->slot[i], name))
			return true;
	}
}

/*
 * kmod also counts as needed the __versions entries no undefined symbol
 * refers to (module_layout): append them, in __versions order.  Their names
 * are copied behind the new array so the big __versions block can go.
 */
static int add_unreferenced_versions(struct depmod_mod *mod, const struct kmod_elf *elf)
{
	_cleanup_free_ struct kmod_modversion *vers = NULL;
	_cleanup_free_ bool *extra = NULL;
	struct nameset set = { NULL, 0 };
	const size_t nnames = (size_t)mod->n_needs;
	int nvers = kmod_elf_get_modversions(elf, &vers), n = mod->n_needs;
	size_t strbytes = 0, slots = 16;
	struct kmod_elf_symbol *all;
	char *dst;

	if (nvers <= 0)
		return 0;
	while (slots < 2 * nnames)
		slots *= 2;
	set.slot = calloc(slots, sizeof(*set.slot));
	set.mask = slots - 1;
	extra = calloc((size_t)nvers, sizeof(*extra));
	if (set.slot == NULL || extra == NULL) {
		free(set.slot);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nnames; i++)
		nameset_has(&set, mod->needs[i].symbol, true);
	for (int i = 0; i < nvers; i++) {
		if (nameset_has(&set, vers[i].symbol, false))
			continue;
		extra[i] = true;
		strbytes += strlen(vers[i].symbol) + 1;
		n++;
	}
	free(set.slot);
	if (n == mod->n_needs)
		return 0;
	all = malloc((size_t)n * sizeof(*all) + strbytes);
	if (all == NULL)
		return -ENOMEM;
	if (nnames > 0)
		memcpy(all, mod->needs, nnames * sizeof(*all));
	dst = (char *)(all + n);
	n = (int)nnames;
	for (int i = 0; i < nvers; i++) {
		size_t len;

		if (!extra[i])
			continue;
		len = strlen(vers[i].symbol) + 1;
		all[n].crc = vers[i].crc;
		all[n].bind = KMOD_ELF_BIND_UNDEF;
		all[n].symbol = memcpy(dst, vers[i].symbol, len);
		dst += len;
		n++;
	}
	mod->needs_mem = mod->needs; /* the symbol names still live there */
	mod->needs = all;
	mod->n_needs = n;
	return 0;
}

static void load_one(struct depmod_mod *mod)
{
	struct kmod_file *file = NULL;
	struct kmod_elf *elf = NULL;
	int r;

	/* Only the headers and the sections depmod asks for are read. */
	r = kmod_file_open(NULL, mod->path, &file);
	if (r == 0)
		r = kmod_file_load_sparse(file);
	if (r == 0)
		r = kmod_elf_new_sparse(kmod_file_get_contents(file), kmod_file_get_size(file),
					kmod_file_fill_cb, file, &elf);
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
	r = kmod_elf_get_dependency_symbols(elf, &mod->needs);
	mod->n_needs = r > 0 ? r : 0;
	if (r >= 0 && add_unreferenced_versions(mod, elf) < 0)
		mod->load_err = -ENOMEM;
out:
	kmod_elf_free(elf);
	kmod_file_free(file);
}

struct load_job {
	struct loader *l;
	struct arena *arena;
};

static void *worker(void *data)
{
	struct load_job *job = data;
	struct loader *l = job->l;

	for (;;) {
		size_t i = atomic_fetch_add(&l->next, 1);

		if (i >= l->d->n_mods)
			return NULL;
		if (l->use_cache && depmod_cache_fill(l->d, l->d->mods[i], job->arena))
			l->d->mods[i]->from_cache = true;
		else
			load_one(l->d->mods[i]);
	}
}

/* Threads to use: KMOD_DEPMOD_JOBS if set (1 = no threads), else the CPUs online. */
static unsigned int jobs(size_t n_mods)
{
	const char *env = getenv("KMOD_DEPMOD_JOBS");
	long n = env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	if (n > DEPMOD_MAX_JOBS)
		n = DEPMOD_MAX_JOBS;
	if ((size_t)n > n_mods)
		n = n_mods ? (long)n_mods : 1;
	return (unsigned int)n;
}

int depmod_load_modules(struct depmod *d, bool use_cache)
{
	struct loader l = { .d = d, .use_cache = use_cache };
	struct load_job job[DEPMOD_MAX_JOBS];
	pthread_t threads[DEPMOD_MAX_JOBS];
	unsigned int n = jobs(d->n_mods), started = 0;

	atomic_init(&l.next, 0);
	DBG("load symbols (%zu modules)\n", d->n_mods);
	for (unsigned int i = 0; i < n; i++)
		job[i] = (struct load_job){ &l, &d->load_arenas[i] };
	for (unsigned int i = 1; i < n; i++) {
		if (pthread_create(&threads[started], NULL, worker, &job[i]) != 0)
			break;
		started++;
	}
	worker(&job[0]);
	for (unsigned int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);

	for (size_t i = 0; i < d->n_mods; i++) {
		const struct depmod_mod *mod = d->mods[i];

		d->n_from_cache += mod->from_cache;
		if (mod->load_err < 0 && mod->load_err != -ENOENT)
			ERR("failed to load symbols from %s: %s\n", mod->path,
			    strerror(-mod->load_err));
	}
	return 0;
}

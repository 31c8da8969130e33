/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Stage 4, the resolve: the table of exported symbols (the kernel's, then
 * every module's), each module's needs resolved against it into its direct
 * dependencies (modules.h: deps, users), the topological order of modules
 * (dep_sort_idx) and the report of dependency cycles.  The writer then asks
 * for each module's whole dependency list and the symbols in kmod's order.
 */

#include <stdint.h>

#include "tools/depmod-pipeline/config.h"
#include "tools/depmod-pipeline/modules.h"
#include "tools/depmod-pipeline/symbol-table.h"
#include "util/arena.h"
#include "util/array.h"

struct depmod_symbol {
	struct depmod_mod *owner; /* NULL: the kernel itself */
	uint64_t crc;
	const char *name;
};

struct depmod_resolve {
	const struct depmod_cfg *cfg;
	struct depmod_modules *mods;
	struct depmod_symbol_table symbols; /* name → struct depmod_symbol */
	struct array symbol_mem;	    /* the records, in the order they were made */
	struct arena symbol_arena;	    /* where they live */
	unsigned int mark_gen; /* generation of the walks over dependencies */
};

int depmod_resolve_init(struct depmod_resolve *d, const struct depmod_cfg *cfg,
			struct depmod_modules *mods);
void depmod_resolve_free(struct depmod_resolve *d);

/* The kernel's symbols: from Module.symvers (-E) or System.map (-F).  0 or -errno. */
int depmod_load_symvers(struct depmod_resolve *d, const char *filename);
int depmod_load_system_map(struct depmod_resolve *d, const char *filename);

/* Once the modules are loaded: their exports, then what each one needs.  0 or -ENOMEM. */
int depmod_add_exports(struct depmod_resolve *d);
int depmod_load_dependencies(struct depmod_resolve *d);
/* The order of modules; -EINVAL when there are cycles (reported), -ENOMEM. */
int depmod_calculate_dependencies(struct depmod_resolve *d);

/*
 * Every module @mod needs, directly or not, in load-last-first order (kmod's
 * topological order).  0 with a malloc'ed array (NULL when there is none) and
 * its size, or -ENOMEM.  Not thread safe (it marks the modules it walks).
 */
int depmod_mod_all_deps(struct depmod_resolve *d, const struct depmod_mod *mod,
			struct depmod_mod ***deps, size_t *n);
/* The symbols with an owner, in kmod's modules.symbols order.  Count or -ENOMEM. */
int depmod_symbols_sorted(const struct depmod_resolve *d,
			  const struct depmod_symbol ***ret);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Part of stage 4, the resolve: the exported symbols by name.  Every need of
 * every module is looked up in it (185,000 lookups on Debian's 6.1 tree,
 * four in five of them misses, since the kernel's own symbols are only there
 * with -E or -F), so it is a table of its own: open addressing, each slot
 * holding the name's hash and length beside the record, so that a miss
 * costs a slot or two and no string comparison.
 */

#include <stddef.h>
#include <stdint.h>

struct depmod_symbol;
struct symbol_slot;

struct depmod_symbol_table {
	struct symbol_slot *slots;
	size_t mask; /* number of slots - 1 */
	size_t count;
};

/* 0 or -ENOMEM. */
int depmod_symbol_table_init(struct depmod_symbol_table *t);
void depmod_symbol_table_free(struct depmod_symbol_table *t);
/* The record of the symbol called @name, @len bytes long, or NULL. */
struct depmod_symbol *depmod_symbol_table_find(const struct depmod_symbol_table *t,
					       const char *name, size_t len);
/* @sym, whose name (@len bytes) is not in the table yet.  0 or -ENOMEM. */
int depmod_symbol_table_add(struct depmod_symbol_table *t, struct depmod_symbol *sym,
			    size_t len);

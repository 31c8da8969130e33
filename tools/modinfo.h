/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* What modinfo.c and modinfo-json.c share. */

#include <stdbool.h>
#include <stddef.h>

#include "libkmod/libkmod.h"

/*
 * What to print: one field or everything, and the record separator; or with
 * --json an array of objects, counted in *shown.
 */
struct output {
	const char *field;
	char sep;
	bool json;
	size_t *shown;
};

/* A parameter gathered from its "parm" and "parmtype" entries. */
struct param {
	const char *name;
	int namelen;
	const char *desc; /* NULL when there is no "parm" entry */
	const char *type; /* NULL when there is no "parmtype" entry */
};

struct params {
	struct param *v;
	size_t n, cap;
};

/*
 * "parm=name:description" and "parmtype=name:type" merge by name; a later
 * entry of the same kind wins.  Entries without ':' are reported and
 * skipped, as kmod does.  0 or -errno.
 */
int param_add(struct params *ps, const char *key, const char *value);

/* One module as a JSON object, an element of the array on stdout (--json). */
int json_print(struct kmod_module *mod, const struct kmod_list *list,
	       const struct output *out);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Stage 6, the publish: the output directory, locked from begin to end, a
 * temporary file for each output, and the renames that make the new set
 * visible all at once, or nothing when anything failed.  depmod -n prints
 * the text outputs instead.
 */

#include <stdbool.h>

#include "tools/depmod-pipeline/write.h"

struct depmod_publish {
	const char *dname; /* the output directory */
	bool to_stdout;	   /* depmod -n */
	int dfd;	   /* the directory, locked; -1 when not open */
};

/* Lock the directory (made if need be) and give each output a temporary file. */
int depmod_publish_begin(struct depmod_publish *p, struct depmod_outputs *o);
/*
 * After the write (@write_err its result): report the first failure and
 * change nothing, or rename every file into place (print them for -n).
 */
int depmod_publish_commit(struct depmod_publish *p, struct depmod_outputs *o,
			  int write_err);
/* Remove the temporary files not renamed, unlock. */
void depmod_publish_end(struct depmod_publish *p, struct depmod_outputs *o);

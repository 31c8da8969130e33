/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Stage 5, the write: the output files, each streamed into the file the
 * publish stage opened for it (fd), or kept whole in buf for depmod -n.
 * Messages about an output are held with it and printed in kmod's order.
 */

#include <stdbool.h>

#include "tools/depmod-pipeline/resolve.h"
#include "util/fileio.h"
#include "util/strbuf.h"

struct depmod_out {
	const char *name;   /* in the output directory */
	bool binary;	    /* an index, not printed by depmod -n */
	int fd;		    /* where it is written; -1: kept whole in buf */
	struct tmpfile tmp; /* publish's file behind fd */
	struct strbuf buf;  /* what is not written yet (-n: all of it) */
	int err;	    /* the first write error */
	struct strbuf log;  /* messages of making it */
	bool fatal;	    /* it could not be made, and its log says why */
};

struct depmod_outputs {
	struct depmod_out dep, dep_bin, alias, alias_bin, softdep, weakdep, symbols,
		symbols_bin, builtin_bin, builtin_alias_bin, devname;
};

#define DEPMOD_N_OUTPUTS 11

void depmod_outputs_init(struct depmod_outputs *o);
void depmod_outputs_release(struct depmod_outputs *o);
/* Every output, in kmod's order: that of messages, errors, renames and depmod -n. */
void depmod_outputs_list(struct depmod_outputs *o,
			 struct depmod_out *all[DEPMOD_N_OUTPUTS]);

/*
 * Make every output from the resolved modules (without the indexes with
 * @to_stdout).  0, or the first error of making them; a write error is also
 * in that output's err.
 */
int depmod_write(struct depmod_outputs *o, struct depmod_resolve *res, bool to_stdout);

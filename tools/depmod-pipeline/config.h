/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Stage 1, configuration: what the command line and depmod.d say.  Every
 * later stage reads it and none changes it.
 */

#include <stdbool.h>
#include <stddef.h>

struct cfg_search {
	struct cfg_search *next;
	enum { SEARCH_PATH, SEARCH_BUILTIN, SEARCH_EXTERNAL } type;
	size_t len;
	char path[];
};

/* "<subdir>/<modname>", matched against paths without their extension. */
struct cfg_override {
	struct cfg_override *next;
	size_t len;
	char path[];
};

struct cfg_external {
	struct cfg_external *next;
	size_t len;
	char path[];
};

struct cfg_exclude {
	struct cfg_exclude *next;
	char name[];
};

struct depmod_cfg {
	const char *kversion;
	char *dirname; /* <basedir><moduledir>/<kver>: where modules are */
	size_t dirnamelen;
	size_t rootlen;	   /* of <basedir> in dirname */
	char *outdirname;  /* where the output goes (-o), else dirname */
	size_t outrootlen; /* of <outdir> (-o, else <basedir>) in outdirname */
	char sym_prefix;
	bool check_symvers;
	bool print_unknown;
	bool warn_dups;
	int verbose;
	struct cfg_search *searches;	/* most recent first: the last in the list wins */
	struct cfg_override *overrides; /* most recent first */
	struct cfg_external *externals; /* most recent first */
	struct cfg_exclude *excludes;
};

/* Read depmod.d from @paths (files or directories; NULL: the default ones). */
int depmod_cfg_load(struct depmod_cfg *cfg, const char *const *paths);
void depmod_cfg_free(struct depmod_cfg *cfg);
extern const char *const depmod_default_cfg_paths[];

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Alias lookups per second through libkmod in one process: the same source
 * is built against our library and against Debian's libkmod2.
 *
 * usage: alias-lookup MODDIR ALIASFILE SECONDS
 * ALIASFILE holds one concrete alias per line; they are looked up in a loop
 * until SECONDS have passed.  Prints "<lookups> <seconds> <lookups/s> <hits>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libkmod/libkmod.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char **read_lines(const char *path, size_t *n)
{
	char line[4096], **v = NULL;
	size_t cap = 0;
	FILE *fp = fopen(path, "re");

	*n = 0;
	if (fp == NULL)
		return NULL;
	while (fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\n")] = '\0';
		if (*n == cap) {
			cap = cap ? cap * 2 : 1024;
			v = realloc(v, cap * sizeof(*v));
			if (v == NULL)
				exit(1);
		}
		v[(*n)++] = strdup(line);
	}
	fclose(fp);
	return v;
}

int main(int argc, char *argv[])
{
	const char *null_config = NULL;
	unsigned long lookups = 0, hits = 0;
	struct kmod_ctx *ctx;
	double start, secs, limit;
	size_t n, i;
	char **aliases;

	if (argc != 4) {
		fprintf(stderr, "usage: %s MODDIR ALIASFILE SECONDS\n", argv[0]);
		return 2;
	}
	aliases = read_lines(argv[2], &n);
	if (aliases == NULL || n == 0) {
		fprintf(stderr, "%s: no aliases\n", argv[2]);
		return 1;
	}
	limit = atof(argv[3]);
	ctx = kmod_new(argv[1], &null_config);
	if (ctx == NULL || kmod_load_resources(ctx) < 0) {
		fprintf(stderr, "cannot load %s\n", argv[1]);
		return 1;
	}
	start = now();
	do {
		for (i = 0; i < n; i++) {
			struct kmod_list *list = NULL;

			if (kmod_module_new_from_lookup(ctx, aliases[i], &list) == 0 &&
			    list)
				hits++;
			kmod_module_unref_list(list);
			lookups++;
		}
		secs = now() - start;
	} while (secs < limit);
	printf("%lu %.3f %.0f %lu\n", lookups, secs, lookups / secs, hits);
	kmod_unref(ctx);
	for (i = 0; i < n; i++)
		free(aliases[i]);
	free(aliases);
	return 0;
}

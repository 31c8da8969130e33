// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The reference side of test-index-real.sh: linked at test time against the
 * distribution's libkmod.so.2 (Debian's kmod 30; run with Debian 13's too,
 * through that root's loader), never against ours, so the
 * few prototypes it needs are declared here instead of including libkmod.h.
 *
 *   index-dump-debian dump MODDIR TYPE
 *	kmod_dump_index() of index TYPE (0 dep, 1 alias, 2 symbol,
 *	3 builtin alias, 4 builtin) of MODDIR to stdout.  All five indexes
 *	must be there (kmod_load_resources()).
 *   index-dump-debian lookup MODDIR CONFDIR
 *	for each line of stdin, one line on stdout: the names
 *	kmod_module_new_from_lookup() returns, space separated, or "!<errno>";
 *	the time spent in the lookups goes to stderr.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct kmod_ctx;
struct kmod_list;
struct kmod_module;

struct kmod_ctx *kmod_new(const char *dirname, const char *const *config_paths);
struct kmod_ctx *kmod_unref(struct kmod_ctx *ctx);
int kmod_load_resources(struct kmod_ctx *ctx);
int kmod_dump_index(struct kmod_ctx *ctx, int type, int fd);
int kmod_module_new_from_lookup(struct kmod_ctx *ctx, const char *given_alias,
				struct kmod_list **list);
struct kmod_list *kmod_list_next(const struct kmod_list *list,
				 const struct kmod_list *curr);
struct kmod_module *kmod_module_get_module(const struct kmod_list *entry);
const char *kmod_module_get_name(const struct kmod_module *mod);
struct kmod_module *kmod_module_unref(struct kmod_module *mod);
int kmod_module_unref_list(struct kmod_list *list);

static int lookup_all(struct kmod_ctx *ctx)
{
	struct timespec t0, t1;
	double spent = 0;
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;

	while ((len = getline(&line, &cap, stdin)) >= 0) {
		struct kmod_list *list = NULL, *l;
		int err;

		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		clock_gettime(CLOCK_MONOTONIC, &t0);
		err = kmod_module_new_from_lookup(ctx, line, &list);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		spent += (double)(t1.tv_sec - t0.tv_sec) +
			 (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		n++;
		if (err < 0) {
			printf("!%d\n", -err);
			continue;
		}
		for (l = list; l != NULL; l = kmod_list_next(list, l)) {
			struct kmod_module *mod = kmod_module_get_module(l);

			printf("%s%s", l == list ? "" : " ", kmod_module_get_name(mod));
			kmod_module_unref(mod);
		}
		putchar('\n');
		kmod_module_unref_list(list);
	}
	free(line);
	fprintf(stderr, "%zu lookups in %.3f s\n", n, spent);
	return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char *argv[])
{
	struct kmod_ctx *ctx;
	const char *conf[2] = { NULL, NULL };
	int err;

	if (argc != 4 ||
	    (strcmp(argv[1], "dump") != 0 && strcmp(argv[1], "lookup") != 0)) {
		fprintf(stderr, "usage: %s dump MODDIR TYPE | lookup MODDIR CONFDIR\n",
			argv[0]);
		return 2;
	}
	if (argv[1][0] == 'l')
		conf[0] = argv[3];
	ctx = kmod_new(argv[2], conf);
	if (ctx == NULL) {
		fprintf(stderr, "kmod_new failed\n");
		return 1;
	}
	/*
	 * Mapped indexes, as modprobe and udev use them.  kmod's other reader (files
	 * read without kmod_load_resources()) re-sorts the values of a node and so
	 * reverses equal-priority ones: its dump, exact and wildcard answers differ
	 * from the mapped reader's when a key has several values of one priority.
	 */
	err = kmod_load_resources(ctx);
	if (err == 0 && argv[1][0] == 'd')
		err = kmod_dump_index(ctx, atoi(argv[3]), STDOUT_FILENO);
	else if (err == 0)
		err = lookup_all(ctx) ? -EIO : 0;
	if (err < 0)
		fprintf(stderr, "%s: %s\n", argv[1], strerror(-err));
	kmod_unref(ctx);
	return err < 0;
}

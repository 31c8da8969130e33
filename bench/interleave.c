// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Side-by-side timing of a few commands, their runs interleaved so that a
 * change in the machine's load hits each of them alike.
 *
 * usage: interleave ROUNDS LABEL CMD ARGS... [-- LABEL CMD ARGS...]...
 *
 * Each round runs every command once, in an order rotated from round to
 * round, with stdin, stdout and stderr on /dev/null, and takes its wall time
 * (fork to wait4), its CPU time (user and system), its minor and major page
 * faults and its peak RSS from wait4's rusage.  A command that writes files must get a
 * fresh place to write per round from its own arguments (depmod rewrites its outputs).
 * Prints one line per command:
 *   LABEL median_ms min_ms median_faults median_rss_kb max_rss_kb failures cpu_ms
 * where failures counts the runs that did not exit with status 0 and cpu_ms
 * is the median CPU time (less disturbed by a busy machine than wall time).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct cmd {
	const char *label;
	char **argv;
	double *ms, *cpu;
	long *faults, *rss;
	int failures;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static int run_one(struct cmd *c, int round)
{
	struct rusage ru;
	double t0 = now_ms();
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execvp(c->argv[0], c->argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0)
		return -errno;
	c->ms[round] = now_ms() - t0;
	c->cpu[round] = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
			(double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	c->faults[round] = ru.ru_minflt + ru.ru_majflt;
	c->rss[round] = ru.ru_maxrss;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		c->failures++;
	return 0;
}

int main(int argc, char *argv[])
{
	struct cmd cmds[16];
	int rounds, n = 0;

	if (argc < 4 || (rounds = atoi(argv[1])) <= 0) {
		fprintf(stderr,
			"usage: %s ROUNDS LABEL CMD ARGS... [-- LABEL CMD ARGS...]...\n",
			argv[0]);
		return 2;
	}
	for (int i = 2; i < argc && n < 16;) {
		struct cmd *c = &cmds[n++];

		c->label = argv[i++];
		c->argv = &argv[i];
		while (i < argc && strcmp(argv[i], "--") != 0)
			i++;
		if (i < argc)
			argv[i++] = NULL;
		if (c->argv[0] == NULL) {
			fprintf(stderr, "%s: no command\n", c->label);
			return 2;
		}
		c->ms = calloc((size_t)rounds, sizeof(*c->ms));
		c->cpu = calloc((size_t)rounds, sizeof(*c->cpu));
		c->faults = calloc((size_t)rounds, sizeof(*c->faults));
		c->rss = calloc((size_t)rounds, sizeof(*c->rss));
		c->failures = 0;
		if (c->ms == NULL || c->cpu == NULL || c->faults == NULL ||
		    c->rss == NULL)
			return 1;
	}
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < n; k++) {
			int err = run_one(&cmds[(r + k) % n], r);

			if (err < 0) {
				fprintf(stderr, "fork/wait: %s\n", strerror(-err));
				return 1;
			}
		}
	}
	for (int k = 0; k < n; k++) {
		struct cmd *c = &cmds[k];
		long maxrss;

		qsort(c->ms, (size_t)rounds, sizeof(*c->ms), cmp_double);
		qsort(c->cpu, (size_t)rounds, sizeof(*c->cpu), cmp_double);
		qsort(c->faults, (size_t)rounds, sizeof(*c->faults), cmp_long);
		qsort(c->rss, (size_t)rounds, sizeof(*c->rss), cmp_long);
		maxrss = c->rss[rounds - 1];
		printf("%s %.3f %.3f %ld %ld %ld %d %.3f\n", c->label, c->ms[rounds / 2],
		       c->ms[0], c->faults[rounds / 2], c->rss[rounds / 2], maxrss,
		       c->failures, c->cpu[rounds / 2]);
	}
	return 0;
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * rusage OUT CMD [ARGS...]
 *
 * Runs CMD, waits for it with wait4() and writes its resource usage to OUT
 * as one line "<peak RSS KiB> <user s> <system s>", CMD's reaped
 * descendants included (a timeout(1) or env(1) in between is transparent).
 * Exits with CMD's status, 128 + the signal that killed it, or 127 when it
 * cannot be started.  The tests' getrusage, without /usr/bin/time.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct rusage ru;
	int status;
	pid_t pid;
	FILE *out;

	if (argc < 3) {
		fprintf(stderr, "usage: rusage OUT CMD [ARGS...]\n");
		return 127;
	}
	pid = fork();
	if (pid < 0)
		return 127;
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "rusage: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR)
			return 127;
	}
	out = fopen(argv[1], "we");
	if (out == NULL)
		return 127;
	fprintf(out, "%ld %ld.%06ld %ld.%06ld\n", ru.ru_maxrss, (long)ru.ru_utime.tv_sec,
		(long)ru.ru_utime.tv_usec, (long)ru.ru_stime.tv_sec,
		(long)ru.ru_stime.tv_usec);
	if (fclose(out) != 0)
		return 127;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

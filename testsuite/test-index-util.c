// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Shared by test-index and test-index-real: see test-index-util.h.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/macro.h"
#include "util/util.h"
#include "testsuite/test-index-util.h"

static char tmpdir[] = "/tmp/test-index-XXXXXX";

char logbuf[8192];

static void log_capture(void *data, int prio, const char *file, int line, const char *fn,
			const char *fmt, va_list args)
{
	size_t used = strlen(logbuf);

	vsnprintf(logbuf + used, sizeof(logbuf) - used, fmt, args);
}

const struct logger test_lg = { .fn = log_capture, .priority = LOG_DEBUG };

void tmp_setup(void)
{
	check(mkdtemp(tmpdir) != NULL);
}

void tmp_cleanup(void)
{
	char *argv[] = { (char *)"/bin/rm", (char *)"-rf", tmpdir, NULL }, *out;
	size_t len;

	if (getenv("KMOD_TEST_KEEP") != NULL) {
		printf("# scratch directory kept: %s\n", tmpdir);
		return;
	}
	run_capture(argv, NULL, &out, &len);
	free(out);
}

char *tpath(const char *name)
{
	static char buf[4][PATH_MAX_LEN];
	static int n;
	char *p = buf[n++ % 4];

	snprintf(p, PATH_MAX_LEN, "%s/%s", tmpdir, name);
	return p;
}

void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "we");

	check(f != NULL);
	check(fwrite(data, 1, len, f) == len);
	check(fclose(f) == 0);
}

char *read_fd(int fd, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	ssize_t r;

	check(buf != NULL);
	while ((r = read(fd, buf + n, cap - n - 1)) > 0) {
		n += (size_t)r;
		if (cap - n < 4096)
			check((buf = realloc(buf, cap *= 2)) != NULL);
	}
	check(r == 0);
	buf[n] = '\0';
	*len = n;
	return buf;
}

char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;

	if (fd < 0)
		return NULL;
	buf = read_fd(fd, len);
	close(fd);
	return buf;
}

int run_capture(char *const argv[], const char *in, char **out, size_t *len)
{
	int pfd[2], status;
	pid_t pid;

	fflush(stdout);
	check(pipe2(pfd, O_CLOEXEC) == 0);
	pid = fork();
	check(pid >= 0);
	if (pid == 0) {
		int infd = open(in ? in : "/dev/null", O_RDONLY);
		int errfd = open(tpath("ref.err"), O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (infd < 0 || errfd < 0 || dup2(infd, 0) < 0 || dup2(pfd[1], 1) < 0 ||
		    dup2(errfd, 2) < 0)
			_exit(127);
		/* the reference must load the distribution's libkmod, not ours */
		unsetenv("LD_LIBRARY_PATH");
		unsetenv("LD_PRELOAD");
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	*out = read_fd(pfd[0], len);
	close(pfd[0]);
	check(waitpid(pid, &status, 0) == pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct kmod_index_file *index_open(const char *path)
{
	struct kmod_index_file *idx = NULL;
	int err = kmod_index_open(&test_lg, path, &idx);

	if (err < 0) {
		printf("Bail out! cannot open %s: %s\n", path, strerror(-err));
		exit(1);
	}
	return idx;
}

char *dump_mem(const struct kmod_index_file *idx, const char *prefix, int *rc,
	       size_t *len)
{
	/* in memory: thousands of dumps to a disk file would each be flushed */
	static int fd = -1;

	if (fd < 0)
		check((fd = memfd_create("test-index-dump", MFD_CLOEXEC)) >= 0);
	check(ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0);
	*rc = kmod_index_dump(idx, fd, prefix);
	check(lseek(fd, 0, SEEK_SET) == 0);
	return read_fd(fd, len);
}

char *join_values(struct kmod_index_value *v, bool with_prio)
{
	size_t cap = 256, n = 0;
	char *s = malloc(cap);

	check(s != NULL);
	strcpy(s, v == NULL ? "(null)" : "");
	for (; v != NULL; v = v->next) {
		size_t need = strlen(v->value) + 16;

		while (cap - n < need)
			check((s = realloc(s, cap *= 2)) != NULL);
		n += (size_t)sprintf(s + n, with_prio ? "%s%s/%u" : "%s%s", n ? " " : "",
				     v->value, v->priority);
	}
	return s;
}

char *wild_str(const struct kmod_index_file *idx, const char *key)
{
	struct kmod_index_value *v = kmod_index_searchwild(idx, key);
	char *s = join_values(v, false);

	kmod_index_values_free(v);
	return s;
}

uint64_t rng(void)
{
	/* xorshift64 with a fixed seed: every run fuzzes the same variants */
	static uint64_t state = 0x9E3779B97F4A7C15ULL;

	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- truncation and byte flips ---- */

struct outcome {
	char **res; /* search and search_all of each key, then searchwild of each query */
	char *dump;
	size_t dump_len;
	int dump_rc;
};

static void probe_run(const struct kmod_index_file *idx, const struct probe *p,
		      struct outcome *o)
{
	size_t n = 0;

	o->res = calloc(2 * p->nkeys + p->nqueries, sizeof(char *));
	check(o->res != NULL);
	for (size_t i = 0; i < p->nkeys; i++) {
		char *s = kmod_index_search(idx, p->keys[i]);
		struct kmod_index_value *v = kmod_index_search_all(idx, p->keys[i]);

		o->res[n++] = s ? s : strdup("(null)");
		o->res[n++] = join_values(v, true);
		kmod_index_values_free(v);
	}
	for (size_t i = 0; i < p->nqueries; i++)
		o->res[n++] = wild_str(idx, p->queries[i]);
	o->dump = p->dump ? dump_mem(idx, p->prefix, &o->dump_rc, &o->dump_len) : NULL;
}

static void outcome_free(struct outcome *o, const struct probe *p)
{
	for (size_t i = 0; i < 2 * p->nkeys + p->nqueries; i++)
		free(o->res[i]);
	free(o->res);
	free(o->dump);
}

/* What a truncated file answers, the whole file answered the same. */
static bool outcome_within(const struct outcome *o, const struct outcome *all,
			   const struct probe *p, bool *lost)
{
	for (size_t i = 0; i < 2 * p->nkeys + p->nqueries; i++) {
		if (streq(o->res[i], all->res[i]))
			continue;
		if (!streq(o->res[i], "(null)"))
			return false;
		*lost = true;
	}
	/* a lost answer is always explained in the log */
	if (*lost && logbuf[0] == '\0')
		return false;
	if (!p->dump)
		return true;
	if (o->dump_rc == 0)
		return o->dump_len == all->dump_len &&
		       memcmp(o->dump, all->dump, o->dump_len) == 0;
	*lost = true;
	return o->dump_rc == -EINVAL && logbuf[0] != '\0' &&
	       o->dump_len <= all->dump_len &&
	       memcmp(o->dump, all->dump, o->dump_len) == 0;
}

static int cmp_size_desc(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

void fuzz_truncate(const char *path, const struct probe *p, size_t nrandom,
		   struct fuzz_result *r)
{
	size_t len, n = 0;
	char *orig = read_file(path, &len);
	size_t *lens = calloc(4097 + nrandom, sizeof(size_t));
	struct kmod_index_file *idx;
	struct outcome all, o;
	int fd;

	*r = (struct fuzz_result){ .secs = now() };
	check(orig != NULL && lens != NULL);
	idx = index_open(path);
	probe_run(idx, p, &all);
	kmod_index_close(idx);
	for (size_t l = 0; l < len && l <= 4096; l++)
		lens[n++] = l;
	for (size_t i = 0; len > 4097 && i < nrandom; i++)
		lens[n++] = 4097 + rng() % (len - 4097);
	/* cutting ever shorter needs no rewrite of the file */
	qsort(lens, n, sizeof(*lens), cmp_size_desc);

	write_file(tpath("fuzz.bin"), orig, len);
	fd = open(tpath("fuzz.bin"), O_WRONLY | O_CLOEXEC);
	check(fd >= 0);
	for (size_t i = 0; i < n; i++) {
		bool lost = false;
		int err;

		check(ftruncate(fd, (off_t)lens[i]) == 0);
		logbuf[0] = '\0';
		err = kmod_index_open(&test_lg, tpath("fuzz.bin"), &idx);
		r->variants++;
		if (err != (lens[i] < 12 ? -EINVAL : 0)) {
			r->bad++;
			continue;
		}
		if (err < 0)
			continue;
		probe_run(idx, p, &o);
		if (!outcome_within(&o, &all, p, &lost) && r->bad++ < 3)
			printf("# %s cut at %zu: an answer changed\n", path, lens[i]);
		r->lost += lost;
		outcome_free(&o, p);
		kmod_index_close(idx);
	}
	close(fd);
	outcome_free(&all, p);
	free(lens);
	free(orig);
	r->secs = now() - r->secs;
}

void fuzz_flip(const char *path, const struct probe *p, size_t variants,
	       struct fuzz_result *r)
{
	size_t len;
	char *orig = read_file(path, &len);
	int fd;

	*r = (struct fuzz_result){ .secs = now() };
	check(orig != NULL && len > 0);
	write_file(tpath("flip.bin"), orig, len);
	fd = open(tpath("flip.bin"), O_WRONLY | O_CLOEXEC);
	check(fd >= 0);
	for (size_t v = 0; v < variants; v++) {
		size_t pos[4], k = 1 + rng() % 4;
		struct kmod_index_file *idx;
		struct outcome o;
		int err;

		for (size_t i = 0; i < k; i++) {
			uint8_t byte;

			pos[i] = rng() % len;
			byte = (uint8_t)orig[pos[i]] ^ (uint8_t)(1 + rng() % 255);
			check(pwrite(fd, &byte, 1, (off_t)pos[i]) == 1);
		}
		logbuf[0] = '\0';
		err = kmod_index_open(&test_lg, tpath("flip.bin"), &idx);
		r->variants++;
		if (err < 0) {
			r->refused++;
			r->bad += err != -EINVAL || logbuf[0] == '\0';
		} else {
			probe_run(idx, p, &o);
			if (p->dump) {
				r->failed += o.dump_rc < 0;
				r->bad += o.dump_rc != 0 &&
					  (o.dump_rc != -EINVAL || !logbuf[0]);
			}
			outcome_free(&o, p);
			kmod_index_close(idx);
		}
		for (size_t i = 0; i < k; i++)
			check(pwrite(fd, orig + pos[i], 1, (off_t)pos[i]) == 1);
	}
	close(fd);
	free(orig);
	r->secs = now() - r->secs;
}

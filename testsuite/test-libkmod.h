/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Helpers of the public-API tests (test-libkmod.c, test-libkmod-insert.c).
 * Those programs see libkmod.so.2 exactly as its users do: libkmod.h and libc
 * only.  They run under the syscall/path trap, driven by test-libkmod.sh,
 * which builds the fake /proc and /sys they read.
 */

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <libkmod.h>

#include "testsuite/tap.h"

/* ---- environment ---- */

/* A broken list must end the run (SIGALRM), not loop forever; helgrind is slow. */
#define WATCHDOG_SECONDS 300

/* The real kernel must never see these programs' module syscalls. */
static inline void require_trap(void)
{
	if (dlsym(RTLD_DEFAULT, "kmod_trap_active") == NULL) {
		printf("Bail out! not running under the trap (see test-libkmod.sh)\n");
		exit(1);
	}
}

static inline const char *env_or_bail(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || v[0] == '\0') {
		printf("Bail out! %s is not set (run through test-libkmod.sh)\n", name);
		exit(1);
	}
	return v;
}

/* "<a>/<b>", or bail out. */
static inline char *path_join(const char *a, const char *b)
{
	char *p;

	if (asprintf(&p, "%s/%s", a, b) < 0) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	return p;
}

static inline bool str_endswith(const char *s, const char *suffix)
{
	size_t n = s ? strlen(s) : 0, m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/*
 * @s with newlines written "^J", to fit one TAP line (no backslash: the shell's
 * echo would expand it); valid for 4 more calls.
 */
static inline const char *oneline(const char *s)
{
	static char bufs[4][320];
	static unsigned int next;
	char *b = bufs[next++ % 4];
	size_t j = 0;

	for (; s != NULL && *s != '\0' && j + 3 < sizeof(bufs[0]); s++) {
		if (*s == '\n') {
			b[j++] = '^';
			b[j++] = 'J';
		} else {
			b[j++] = *s;
		}
	}
	b[j] = '\0';
	return b;
}

/* ---- a log function that keeps what it is given ---- */

#define LOG_REC_MAX 16

struct log_rec {
	int priority;
	int line;
	char file[256];
	char fn[128];
	char msg[512];
};

struct log_recorder {
	unsigned int n; /* every call, even past LOG_REC_MAX */
	struct log_rec rec[LOG_REC_MAX];
};

__attribute__((format(printf, 6, 0))) static inline void
log_record(void *data, int priority, const char *file, int line, const char *fn,
	   const char *format, va_list args)
{
	struct log_recorder *r = data;

	if (r->n < LOG_REC_MAX) {
		struct log_rec *e = &r->rec[r->n];

		e->priority = priority;
		e->line = line;
		snprintf(e->file, sizeof(e->file), "%s", file ? file : "(null)");
		snprintf(e->fn, sizeof(e->fn), "%s", fn ? fn : "(null)");
		vsnprintf(e->msg, sizeof(e->msg), format, args);
	}
	r->n++;
}

/* The last message recorded, or an empty one. */
static inline const struct log_rec *log_last(const struct log_recorder *r)
{
	static const struct log_rec none = { .priority = -1 };

	if (r->n == 0 || r->n > LOG_REC_MAX)
		return &none;
	return &r->rec[r->n - 1];
}

/* ---- files ---- */

/* Whole file as a string ("" when missing); caller frees. */
static inline char *file_read(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	FILE *in = fopen(path, "re");
	char chunk[4096];
	size_t n;

	if (out == NULL) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	while (in != NULL && (n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		fwrite(chunk, 1, n, out);
	if (in != NULL)
		fclose(in);
	fclose(out);
	return buf;
}

/* What the trap logged (TRAP_LOG) since the last call; caller frees. */
static inline char *trap_log_take(void)
{
	const char *path = env_or_bail("TRAP_LOG");
	char *s = file_read(path);

	if (truncate(path, 0) < 0 && errno != ENOENT) {
		printf("Bail out! cannot truncate %s: %m\n", path);
		exit(1);
	}
	return s;
}

/*
 * Everything the library writes to stderr between capture_start() and
 * capture_end() (the default log function's output).
 */
struct capture {
	int saved;
	FILE *tmp;
};

static inline void capture_start(struct capture *c)
{
	fflush(stderr);
	c->tmp = tmpfile();
	c->saved = dup(STDERR_FILENO);
	if (c->tmp == NULL || c->saved < 0 || dup2(fileno(c->tmp), STDERR_FILENO) < 0) {
		printf("Bail out! cannot capture stderr: %m\n");
		exit(1);
	}
}

static inline char *capture_end(struct capture *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out;
	int ch;

	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	out = open_memstream(&buf, &len);
	if (out == NULL) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	rewind(c->tmp);
	while ((ch = fgetc(c->tmp)) != EOF)
		fputc(ch, out);
	fclose(out);
	fclose(c->tmp);
	return buf;
}

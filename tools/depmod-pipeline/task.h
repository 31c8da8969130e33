/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Every thread of depmod is made and joined here.  A stage that can work
 * beside another (the cache written during the resolve) is a task the
 * pipeline starts and joins; a stage that splits its own work runs it with
 * depmod_parallel(), which returns once every part is done, or with a crew
 * when it is fed while it runs (the load, beside the scan).  When no thread
 * can be made the work runs on the caller's, so the result never depends on
 * threads.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct depmod_task {
	int (*fn)(void *arg);
	void *arg;
	int result;
	pthread_t thread;
	bool threaded, started;
};

void depmod_task_start(struct depmod_task *t, int (*fn)(void *arg), void *arg);
/* fn's result; 0 for a task never started.  Joining twice is harmless. */
int depmod_task_join(struct depmod_task *t);

/* Threads a stage may use: KMOD_DEPMOD_JOBS if set (1 = no threads), else the CPUs. */
#define DEPMOD_MAX_JOBS 16
unsigned int depmod_jobs(size_t work_items);

/*
 * fn(args), fn(args + size), ... fn(args + (n - 1) * size): n - 1 threads and
 * the caller; returns when all are done.  The parts take their work from a
 * shared counter: a thread that cannot be made leaves its share to the rest.
 */
void depmod_parallel(unsigned int n, int (*fn)(void *arg), void *args, size_t size);

/*
 * depmod_parallel() in two halves, for a stage fed while it runs: the n - 1
 * threads start with depmod_crew_start(), the caller's part, fn(args), and
 * the joins come with depmod_crew_finish().
 */
struct depmod_crew {
	struct depmod_task tasks[DEPMOD_MAX_JOBS];
	unsigned int started;
	int (*fn)(void *arg);
	void *args;
};

void depmod_crew_start(struct depmod_crew *c, unsigned int n, int (*fn)(void *arg),
		       void *args, size_t size);
void depmod_crew_finish(struct depmod_crew *c);

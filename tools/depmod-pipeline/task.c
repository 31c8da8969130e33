// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The threads of depmod (see task.h).
 */

#include <stdlib.h>
#include <unistd.h>

#include "tools/depmod-pipeline/task.h"

static void *task_thread(void *data)
{
	struct depmod_task *t = data;

	t->result = t->fn(t->arg);
	return NULL;
}

void depmod_task_start(struct depmod_task *t, int (*fn)(void *arg), void *arg)
{
	*t = (struct depmod_task){ .fn = fn, .arg = arg, .started = true };
	t->threaded = pthread_create(&t->thread, NULL, task_thread, t) == 0;
	if (!t->threaded)
		t->result = fn(arg);
}

int depmod_task_join(struct depmod_task *t)
{
	if (t->threaded)
		pthread_join(t->thread, NULL);
	t->threaded = false;
	return t->started ? t->result : 0;
}

unsigned int depmod_jobs(size_t work_items)
{
	const char *env = getenv("KMOD_DEPMOD_JOBS");
	long n = env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	if (n > DEPMOD_MAX_JOBS)
		n = DEPMOD_MAX_JOBS;
	if ((size_t)n > work_items)
		n = work_items ? (long)work_items : 1;
	return (unsigned int)n;
}

void depmod_crew_start(struct depmod_crew *c, unsigned int n, int (*fn)(void *arg),
		       void *args, size_t size)
{
	*c = (struct depmod_crew){ .fn = fn, .args = args };
	if (n > DEPMOD_MAX_JOBS)
		n = DEPMOD_MAX_JOBS;
	for (unsigned int i = 1; i < n; i++) {
		struct depmod_task *t = &c->tasks[c->started];

		*t = (struct depmod_task){ .fn = fn, .arg = (char *)args + i * size };
		if (pthread_create(&t->thread, NULL, task_thread, t) != 0)
			break;
		c->started++;
	}
}

void depmod_crew_finish(struct depmod_crew *c)
{
	c->fn(c->args);
	for (unsigned int i = 0; i < c->started; i++)
		pthread_join(c->tasks[i].thread, NULL);
	c->started = 0;
}

void depmod_parallel(unsigned int n, int (*fn)(void *arg), void *args, size_t size)
{
	struct depmod_crew crew;

	depmod_crew_start(&crew, n, fn, args, size);
	depmod_crew_finish(&crew);
}

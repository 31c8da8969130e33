// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/tool-log.h"
#include "util/strbuf.h"

/* One process, one tool: the logger's state is the program's. */
static bool log_use_syslog;
static int log_priority = LOG_ERR;
/* records of "<priority byte><message>\0" */
static _Thread_local struct strbuf *log_held;

static const char *prio_to_str(char buf[static 16], int prio)
{
	switch (prio) {
	case LOG_CRIT:
		return "FATAL";
	case LOG_ERR:
		return "ERROR";
	case LOG_WARNING:
		return "WARNING";
	case LOG_NOTICE:
		return "NOTICE";
	case LOG_INFO:
		return "INFO";
	case LOG_DEBUG:
		return "DEBUG";
	}
	snprintf(buf, 16, "LOG-%03d", prio & 0x3ff);
	return buf;
}

static void log_emit(int prio, const char *msg)
{
	char buf[16];
	const char *prioname = prio_to_str(buf, prio);

	if (log_use_syslog)
		syslog(prio, "%s: %s", prioname, msg);
	else
		fprintf(stderr, "%s: %s: %s", program_invocation_short_name, prioname,
			msg);
}

static void log_kmod(void *data, int priority, const char *file, int line, const char *fn,
		     const char *format, va_list args)
{
	char *str;

	if (vasprintf(&str, format, args) < 0)
		return;
	log_emit(priority, str);
	free(str);
}

void log_open(bool use_syslog)
{
	log_use_syslog = use_syslog;
	if (use_syslog)
		openlog(program_invocation_short_name, LOG_CONS, LOG_DAEMON);
}

void log_close(void)
{
	if (log_use_syslog)
		closelog();
}

void log_setup_kmod_log(struct kmod_ctx *ctx, int priority)
{
	log_priority = priority;
	kmod_set_log_priority(ctx, priority);
	kmod_set_log_fn(ctx, log_kmod, NULL);
}

int log_get_priority(void)
{
	return log_priority;
}

void log_set_priority(int priority)
{
	log_priority = priority;
}

void log_capture(struct strbuf *capture)
{
	log_held = capture;
}

void log_replay(struct strbuf *capture)
{
	const char *p, *end;

	if (strbuf_used(capture) == 0)
		return;
	p = strbuf_str(capture);
	end = p + strbuf_used(capture);
	while (p != NULL && p < end) {
		log_emit((unsigned char)p[0], p + 1);
		p += strlen(p) + 1;
	}
	strbuf_clear(capture);
}

static bool hold(int prio, const char *msg)
{
	struct strbuf *held = log_held;

	if (held == NULL)
		return false;
	if (!strbuf_pushchar(held, (char)prio))
		return false;
	if (!strbuf_pushmem(held, msg, strlen(msg) + 1)) {
		/* out of memory: printed now rather than lost */
		strbuf_popchars(held, 1);
		return false;
	}
	return true;
}

void log_printf(int prio, const char *fmt, ...)
{
	va_list args;
	char *str;
	int r;

	if (log_priority < prio)
		return;
	va_start(args, fmt);
	r = vasprintf(&str, fmt, args);
	va_end(args);
	if (r < 0) {
		/* an error is not lost for want of memory to word it */
		if (prio <= LOG_ERR)
			log_emit(prio, "out of memory for a message\n");
		return;
	}
	if (!hold(prio, str))
		log_emit(prio, str);
	free(str);
}

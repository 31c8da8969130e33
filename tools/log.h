/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <syslog.h>

#include "libkmod/libkmod.h"
#include "util/macro.h"

/* Messages go to stderr as "<prog>: <PRIO>: <text>", or to syslog. */
void log_open(bool use_syslog);
void log_close(void);
void log_setup_kmod_log(struct kmod_ctx *ctx, int priority);
int log_get_priority(void);
void log_set_priority(int priority);
/*
 * Messages of the calling thread are held in @capture instead of printed,
 * until log_capture(NULL); log_replay() prints them later, in the order the
 * program wants (depmod builds its outputs on two threads but warns in
 * kmod's order).  A fatal message is held like the others.
 */
struct strbuf;
void log_capture(struct strbuf *capture);
void log_replay(struct strbuf *capture);
/*
 * Print a message (unless the priority filters it out).  It never exits:
 * after a LOG_CRIT ("FATAL") message the caller returns its error up to the
 * tool's main function, which exits with kmod's status.
 */
void log_printf(int prio, const char *fmt, ...) _printf_format_(2, 3);

#define CRIT(...) log_printf(LOG_CRIT, __VA_ARGS__)
#define ERR(...) log_printf(LOG_ERR, __VA_ARGS__)
#define WRN(...) log_printf(LOG_WARNING, __VA_ARGS__)
#define NOTICE(...) log_printf(LOG_NOTICE, __VA_ARGS__)
#define INF(...) log_printf(LOG_INFO, __VA_ARGS__)
#define DBG(...) log_printf(LOG_DEBUG, __VA_ARGS__)

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The lower layers (module image, ELF, signature, index) log through this small
 * handle instead of a library context, so they stay independent of it.
 */

#include <stdarg.h>
#include <syslog.h>

#include "util/macro.h"

typedef void (*log_fn_t)(void *data, int priority, const char *file, int line,
			 const char *fn, const char *format, va_list args);

struct logger {
	log_fn_t fn;
	void *data;
	int priority;
};

void logger_log(const struct logger *lg, int priority, const char *file, int line,
		const char *fn, const char *format, ...) _printf_format_(6, 7);

#define lg_log(lg, prio, ...)                                                            \
	do {                                                                             \
		const struct logger *_lg_ = (lg);                                        \
		if (_lg_ != NULL && _lg_->fn != NULL && _lg_->priority >= (prio))        \
			logger_log(_lg_, (prio), __FILE__, __LINE__, __func__,           \
				   __VA_ARGS__);                                         \
	} while (0)

#define lg_err(lg, ...) lg_log(lg, LOG_ERR, __VA_ARGS__)
#define lg_warn(lg, ...) lg_log(lg, LOG_WARNING, __VA_ARGS__)
#define lg_notice(lg, ...) lg_log(lg, LOG_NOTICE, __VA_ARGS__)
#define lg_info(lg, ...) lg_log(lg, LOG_INFO, __VA_ARGS__)
#define lg_dbg(lg, ...) lg_log(lg, LOG_DEBUG, __VA_ARGS__)

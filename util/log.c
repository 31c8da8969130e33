// SPDX-License-Identifier: LGPL-2.1-or-later
#include "util/log.h"

void logger_log(const struct logger *lg, int priority, const char *file, int line,
		const char *fn, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	lg->fn(lg->data, priority, file, line, fn, format, args);
	va_end(args);
}

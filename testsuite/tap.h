/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Minimal TAP producer for the C unit tests, read by automake's tap-driver.
 * Each check prints one "ok"/"not ok" line; tap_done() prints the plan and
 * returns the exit status.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failed;

__attribute__((format(printf, 4, 5))) static inline int
tap_check(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	printf("%sok %d - ", ok ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok) {
		tap_failed++;
		printf("# failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return ok;
}

#define ok(cond, ...) tap_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...)                                                           \
	({                                                                               \
		long long _g_ = (got), _w_ = (want);                                     \
		int _r_ = ok(_g_ == _w_, __VA_ARGS__);                                   \
		if (!_r_)                                                                \
			printf("#   got %lld, want %lld\n", _g_, _w_);                   \
		_r_;                                                                     \
	})
#define is_str(got, want, ...)                                                           \
	({                                                                               \
		const char *_g_ = (got), *_w_ = (want);                                  \
		int _r_ = ok(_g_ && _w_ && strcmp(_g_, _w_) == 0, __VA_ARGS__);          \
		if (!_r_)                                                                \
			printf("#   got '%s', want '%s'\n", _g_ ? _g_ : "(null)",        \
			       _w_ ? _w_ : "(null)");                                    \
		_r_;                                                                     \
	})

static inline void tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

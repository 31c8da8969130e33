// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * depmod.d kernel version patterns: kmod hands them to regcomp as they are,
 * and a few dozen characters can keep glibc's regcomp busy for hours.
 */

#include <errno.h>
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/depmod-pipeline/kver-pattern.h"
#include "util/macro.h"

/*
 * glibc compiles "x+" as "x x*" and "x{m,n}" as n copies of x, so a stack of
 * repetitions ("6.*+++...") or nested intervals makes regcomp take exponential
 * time and memory, and its closure computation grows faster than the size
 * (six '+' after "6.*", 191 nodes: 33 ms; ten, 3071 nodes: 3.6 s).  kmod
 * passes any pattern to regcomp and may never return; we take every pattern
 * kmod takes ("6.*+" included) as long as its parse tree cannot exceed this
 * many nodes, and refuse back-references (glibc's extension, exponential in
 * regexec).
 */
#define KVER_PATTERN_MAX_NODES 512
#define KVER_PATTERN_DEPTH 32

/* saturating: a bound past SIZE_MAX is refused like any other too large */
static size_t size_add(size_t a, size_t b)
{
	size_t r;

	return uadd_overflow(a, b, &r) ? SIZE_MAX : r;
}

static size_t size_mul(size_t a, size_t b)
{
	size_t r;

	return umul_overflow(a, b, &r) ? SIZE_MAX : r;
}

/* copies made by an interval "{m}", "{m,}", "{m,n}" or "{,n}" at *p; 0 if none */
static size_t interval_copies(const char **p)
{
	const char *s = *p + 1;
	size_t m = 0, n = 0;
	bool comma = false, digits = false;

	for (; *s >= '0' && *s <= '9'; s++, digits = true)
		m = size_add(size_mul(m, 10), (size_t)(*s - '0'));
	if (*s == ',') {
		comma = true;
		for (s++; *s >= '0' && *s <= '9'; s++)
			n = size_add(size_mul(n, 10), (size_t)(*s - '0'));
	}
	/* glibc reads "{,n}" as "{0,n}" */
	if (*s != '}' || (!digits && !comma))
		return 0;
	*p = s;
	if (comma && n > m)
		m = n;
	return size_add(m, 1);
}

/* skip a bracket expression starting at *p; *p is left on its closing ']' */
static void skip_bracket(const char **p)
{
	const char *s = *p + 1;

	if (*s == '^')
		s++;
	if (*s == ']')
		s++;
	for (; *s != '\0' && *s != ']'; s++) {
		if (*s == '[' && (s[1] == ':' || s[1] == '.' || s[1] == '=')) {
			const char *end = strchr(s + 2, s[1]);

			while (end != NULL && end[1] != ']')
				end = strchr(end + 1, s[1]);
			if (end == NULL)
				break;
			s = end + 1;
		}
	}
	*p = *s == '\0' ? s - 1 : s;
}

/* an upper bound of the nodes glibc builds for an extended regular expression */
static size_t ere_size_bound(const char *p)
{
	struct {
		size_t done, branch;
	} f[KVER_PATTERN_DEPTH + 1] = { 0 };
	size_t depth = 0, last = 0, k;

	for (; *p != '\0'; p++) {
		switch (*p) {
		case '(':
			if (++depth > KVER_PATTERN_DEPTH)
				return SIZE_MAX;
			f[depth].done = f[depth].branch = 0;
			last = 0;
			continue;
		case ')':
			if (depth == 0)
				break;
			last = size_add(size_add(f[depth].done, f[depth].branch), 1);
			depth--;
			f[depth].branch = size_add(f[depth].branch, last);
			continue;
		case '|':
			f[depth].done =
				size_add(size_add(f[depth].done, f[depth].branch), 1);
			f[depth].branch = last = 0;
			continue;
		case '*':
		case '?':
			/* a repetition wraps what precedes it, a repetition too */
			last = size_add(last, 1);
			f[depth].branch = size_add(f[depth].branch, 1);
			continue;
		case '+':
			f[depth].branch = size_add(f[depth].branch, size_add(last, 1));
			last = size_add(size_mul(last, 2), 1);
			continue;
		case '{':
			k = interval_copies(&p);
			if (k == 0)
				break;
			f[depth].branch =
				size_add(f[depth].branch, size_mul(last, k - 1));
			last = size_mul(last, k);
			continue;
		case '[':
			skip_bracket(&p);
			break;
		case '\\':
			if (p[1] >= '1' && p[1] <= '9')
				return SIZE_MAX;
			if (p[1] != '\0')
				p++;
			break;
		}
		/* one atom */
		last = 1;
		f[depth].branch = size_add(f[depth].branch, 1);
	}
	/* an unclosed group is an error, but only once regcomp has parsed all of it */
	for (; depth > 0; depth--)
		f[depth - 1].branch = size_add(f[depth - 1].branch,
					       size_add(f[depth].done, f[depth].branch));
	return size_add(f[0].done, f[0].branch);
}

static bool is_simple_repetition(char c)
{
	return c == '*' || c == '+' || c == '?';
}

/*
 * A run of '*', '+' and '?' matches what one of them does: "+" if all are '+',
 * "?" if all are '?', otherwise "*".  glibc nests one repetition per character
 * and the cost of its epsilon closures grows with that nesting far faster than
 * the node count (">" then 48 '?' then "+++", 399 nodes: 1.6 s), so each run is
 * folded into its one operator before regcomp sees it.  Brackets, escapes and
 * intervals are copied as they are.
 */
static void fold_repetitions(char *p)
{
	char *out = p;

	while (*p != '\0') {
		const char *end = p;
		char op = *p;

		if (is_simple_repetition(op)) {
			for (p++; is_simple_repetition(*p); p++)
				if (*p != op)
					op = '*';
			*out++ = op;
			continue;
		}
		if (op == '[')
			skip_bracket(&end);
		else if (op == '\\' && p[1] != '\0')
			end = p + 1;
		for (; p <= end; p++)
			*out++ = *p;
	}
	*out = '\0';
}

int kver_pattern_match(const char *pattern, const char *kversion)
{
	_cleanup_free_ char *folded = NULL;
	regex_t re;
	int status;

	if (streq(pattern, "*"))
		return 1;
	if (ere_size_bound(pattern) > KVER_PATTERN_MAX_NODES)
		return -E2BIG;
	folded = strdup(pattern);
	if (folded == NULL)
		return -ENOMEM;
	fold_repetitions(folded);
	if (regcomp(&re, folded, REG_EXTENDED | REG_NOSUB) != 0)
		return 0;
	status = regexec(&re, kversion, 0, NULL, 0);
	regfree(&re);
	return status == 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "tools/json.h"

/* Length of the UTF-8 sequence starting at @p (RFC 3629), 0 when invalid. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else /* continuation byte, overlong lead (c0, c1), or past U+10FFFF */
		return 0;
	if (left < n)
		return 0;
	/* the second byte's range rules out overlong forms, surrogates, > U+10FFFF */
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++) {
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	}
	return n;
}

bool json_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(p + i, len - i);

		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

/* A JSON string; bytes of invalid sequences become U+FFFD. */
static void put_string(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	putc('"', out);
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(p + i, len - i);

		if (n == 0) {
			fputs("\\ufffd", out);
			i++;
			continue;
		}
		switch (p[i]) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\b':
			fputs("\\b", out);
			break;
		case '\f':
			fputs("\\f", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (p[i] < 0x20 || p[i] == 0x7f)
				fprintf(out, "\\u%04x", p[i]);
			else
				fwrite(p + i, 1, n, out);
		}
		i += n;
	}
	putc('"', out);
}

void json_value_n(FILE *out, const char *s, size_t len)
{
	if (json_utf8_valid(s, len)) {
		put_string(out, s, len);
		return;
	}
	putc('[', out);
	for (size_t i = 0; i < len; i++)
		fprintf(out, "%s%u", i > 0 ? "," : "", (unsigned char)s[i]);
	putc(']', out);
}

void json_value(FILE *out, const char *s)
{
	json_value_n(out, s, strlen(s));
}

void json_key(FILE *out, const char *s)
{
	put_string(out, s, strlen(s));
	putc(':', out);
}

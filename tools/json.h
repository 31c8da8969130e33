/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The pieces of JSON (RFC 8259) the tools print with --json.  Strings are
 * escaped: '"', '\\' and the control characters (\b \f \n \r \t, the others
 * and DEL as \u00XX); everything else, UTF-8 included, is written as is.
 * Text that is not valid UTF-8 (overlong forms, surrogates, beyond U+10FFFF,
 * stray bytes) cannot be a JSON string without losing bytes: a value is then
 * written as an array of its byte values instead, as journalctl -o json
 * does, and an object key has each offending byte replaced by U+FFFD.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Whether the @len bytes at @s are valid UTF-8. */
bool json_utf8_valid(const char *s, size_t len);
/* The @len bytes at @s as a JSON string, or as an array of bytes (see above). */
void json_value_n(FILE *out, const char *s, size_t len);
void json_value(FILE *out, const char *s);
/* @s as a JSON string, each byte that is not UTF-8 as U+FFFD; then ':'. */
void json_key(FILE *out, const char *s);

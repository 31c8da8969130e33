/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * A 64-bit hash of @len bytes at @s, read eight at a time (symbol names are
 * 20 bytes on average): for tables of names that keep it beside each entry.
 */
static inline uint64_t strhash(const char *s, size_t len)
{
	const uint64_t k = 0xff51afd7ed558ccdULL;
	uint64_t h = len * 0x9e3779b97f4a7c15ULL, w;

	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * k;
		h ^= h >> 32;
	}
	w = 0;
	for (size_t i = 0; i < len; i++)
		w |= (uint64_t)(uint8_t)s[i] << (8 * i);
	h = (h ^ w) * k;
	return h ^ (h >> 29);
}

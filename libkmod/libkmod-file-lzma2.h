/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * LZMA2 decoder for whole blocks in memory, under libkmod-file-xzdec.c.  The
 * output buffer holds the whole image and serves as the dictionary.
 */

#include <stddef.h>
#include <stdint.h>

/*
 * Input bytes the decoder may read past the end of a block's data before
 * it notices (their contents do not matter): it checks its position once
 * per symbol, and a symbol reads at most 48 bytes.
 */
#define LZMA2_READ_AHEAD 48

struct lzma2;

/* A decoder that writes into @out, @out_size bytes.  NULL without memory. */
struct lzma2 *lzma2_new(uint8_t *out, size_t out_size);
void lzma2_free(struct lzma2 *z);

/*
 * One block: its LZMA2 data at @in, at most @in_size bytes and readable
 * LZMA2_READ_AHEAD further, must fill out[@start, @end) exactly, with
 * matches no farther back than @dict_size.  Sets *@used to the bytes taken,
 * end marker included.  0 or -EBADMSG.
 */
int lzma2_decode_block(struct lzma2 *z, const uint8_t *in, size_t in_size,
		       uint32_t dict_size, size_t start, size_t end, size_t *used);

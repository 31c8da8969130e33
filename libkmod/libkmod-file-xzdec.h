/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * One-shot decoder for the .xz files kbuild and xz(1) write: a single stream
 * of blocks whose only filter is LZMA2, checked by CRC32, CRC64 or nothing.
 * The whole file is in memory and its index gives the image size, so the
 * image itself serves as the dictionary.  Anything else is -ENOTSUP, and the
 * caller hands the file to liblzma; corrupt data is -EBADMSG without a
 * message, so that liblzma, run again on it, words the error.
 */

#include <stddef.h>
#include <stdint.h>

/*
 * Bytes behind the input that must be readable (their contents do not
 * matter): the range decoder reads ahead within one symbol and checks its
 * position once per symbol, not once per byte.
 */
#define XZDEC_IN_SLACK 128

/* Uncompressed size recorded in the index: 0, -ENOTSUP or -EBADMSG. */
int xzdec_size(const uint8_t *in, size_t in_size, uint64_t *size);

/*
 * Decode into @out, which takes exactly @out_size bytes, the size
 * xzdec_size() gave.  @in must be readable for @in_size + XZDEC_IN_SLACK
 * bytes.  0, -ENOTSUP, -EBADMSG, or -ENOMEM for the decoder's own state;
 * on error @out holds garbage.
 */
int xzdec_decode(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size);

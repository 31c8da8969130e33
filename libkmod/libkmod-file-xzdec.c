// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One-shot .xz decoder; see libkmod-file-xzdec.h.  Written from the .xz file
 * format specification: stream header and footer, block headers, index,
 * padding and checks around the LZMA2 data of libkmod-file-lzma2.c.
 *
 * Strict on purpose: whatever it is unsure of goes back to liblzma.
 */

#include <errno.h>
#include <lzma.h>
#include <stdbool.h>
#include <string.h>
#ifdef ENABLE_ZLIB
#include <zlib.h>
#endif

#include "util/macro.h"
#include "libkmod-file-lzma2.h"
#include "libkmod-file-xzdec.h"

_Static_assert(XZDEC_IN_SLACK >= LZMA2_READ_AHEAD, "the LZMA2 decoder reads ahead");

#define STREAM_HEADER_SIZE 12
#define FILTER_LZMA2 0x21
#define CHECK_NONE 0
#define CHECK_CRC32 1
#define CHECK_CRC64 4

static const uint8_t header_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Variable-length integer at in[*i], below @end; the shortest encoding only. */
static int vli(const uint8_t *in, size_t end, size_t *i, uint64_t *v)
{
	uint64_t x = 0;

	for (unsigned n = 0; n < 9; n++) {
		uint8_t b;

		if (*i >= end)
			return -EBADMSG;
		b = in[(*i)++];
		x |= (uint64_t)(b & 0x7f) << (7 * n);
		if (!(b & 0x80)) {
			if (b == 0 && n > 0)
				return -EBADMSG;
			*v = x;
			return 0;
		}
	}
	return -EBADMSG;
}

struct stream {
	uint8_t check;
	size_t check_size;
	size_t index_start; /* the index indicator byte */
	size_t index_pos;   /* next record */
	size_t index_end;   /* index padding and CRC32 */
	uint64_t records;
};

static int stream_flags(const uint8_t *flags, uint8_t *check)
{
	if (flags[0] != 0 || (flags[1] & 0xf0))
		return -ENOTSUP;
	*check = flags[1] & 0x0f;
	return 0;
}

/*
 * Header, footer and index of the single stream that fills @in; leaves the
 * index positioned at its first record.
 */
static int stream_open(const uint8_t *in, size_t in_size, struct stream *s)
{
	const uint8_t *footer;
	uint8_t footer_check;
	size_t backward;
	int err;

	if (in_size < 2 * STREAM_HEADER_SIZE || memcmp(in, header_magic, 6) != 0)
		return -ENOTSUP;
	if (lzma_crc32(in + 6, 2, 0) != le32(in + 8))
		return -EBADMSG;
	err = stream_flags(in + 6, &s->check);
	if (err < 0)
		return err;
	switch (s->check) {
	case CHECK_NONE:
		s->check_size = 0;
		break;
	case CHECK_CRC32:
		s->check_size = 4;
		break;
	case CHECK_CRC64:
		s->check_size = 8;
		break;
	default:
		return -ENOTSUP;
	}

	/* stream padding and concatenated streams are left to liblzma */
	footer = in + in_size - STREAM_HEADER_SIZE;
	if (footer[10] != 'Y' || footer[11] != 'Z')
		return -ENOTSUP;
	if (lzma_crc32(footer + 4, 6, 0) != le32(footer))
		return -EBADMSG;
	err = stream_flags(footer + 8, &footer_check);
	if (err < 0)
		return err;
	if (footer_check != s->check)
		return -EBADMSG;
	backward = ((size_t)le32(footer + 4) + 1) * 4;
	if (backward > in_size - 2 * STREAM_HEADER_SIZE)
		return -EBADMSG;
	s->index_start = in_size - STREAM_HEADER_SIZE - backward;
	s->index_end = in_size - STREAM_HEADER_SIZE - 4;
	if (in[s->index_start] != 0 ||
	    lzma_crc32(in + s->index_start, backward - 4, 0) != le32(in + s->index_end))
		return -EBADMSG;
	s->index_pos = s->index_start + 1;
	return vli(in, s->index_end, &s->index_pos, &s->records);
}

static int index_record(const uint8_t *in, struct stream *s, uint64_t *unpadded,
			uint64_t *uncompressed)
{
	int err;

	if (s->records == 0)
		return -EBADMSG;
	s->records--;
	err = vli(in, s->index_end, &s->index_pos, unpadded);
	if (err < 0)
		return err;
	return vli(in, s->index_end, &s->index_pos, uncompressed);
}

/* After the last record: zero padding up to the CRC32. */
static int index_close(const uint8_t *in, const struct stream *s)
{
	size_t i = s->index_pos;

	if (s->records != 0 || s->index_end - i > 3)
		return -EBADMSG;
	for (; i < s->index_end; i++)
		if (in[i] != 0)
			return -EBADMSG;
	return 0;
}

int xzdec_size(const uint8_t *in, size_t in_size, uint64_t *size)
{
	struct stream s;
	uint64_t total = 0, blocks = STREAM_HEADER_SIZE;
	int err;

	err = stream_open(in, in_size, &s);
	if (err < 0)
		return err;
	while (s.records > 0) {
		uint64_t unpadded, uncompressed;

		err = index_record(in, &s, &unpadded, &uncompressed);
		if (err < 0)
			return err;
		if (__builtin_add_overflow(total, uncompressed, &total) ||
		    __builtin_add_overflow(blocks, (unpadded + 3) & ~(uint64_t)3,
					   &blocks) ||
		    unpadded > in_size)
			return -EBADMSG;
	}
	err = index_close(in, &s);
	if (err < 0)
		return err;
	/* blocks that do not reach back to the header: more than one stream */
	if (blocks != s.index_start)
		return -ENOTSUP;
	*size = total;
	return 0;
}

struct block {
	size_t header_size;
	uint64_t compressed, uncompressed; /* UINT64_MAX: not in the header */
	uint32_t dict_size;
};

static int block_header(const uint8_t *in, size_t avail, struct block *b)
{
	uint64_t id, props_size;
	unsigned flags, dict_bits;
	size_t i = 2, end;
	int err;

	if (in[0] == 0) /* an index where a block should be */
		return -EBADMSG;
	b->header_size = ((size_t)in[0] + 1) * 4;
	if (b->header_size > avail)
		return -EBADMSG;
	end = b->header_size - 4;
	if (lzma_crc32(in, end, 0) != le32(in + end))
		return -EBADMSG;

	flags = in[1];
	if (flags & 0x3c)
		return -ENOTSUP;
	if ((flags & 0x03) != 0) /* more than one filter */
		return -ENOTSUP;
	b->compressed = b->uncompressed = UINT64_MAX;
	if (flags & 0x40) {
		err = vli(in, end, &i, &b->compressed);
		if (err < 0 || b->compressed == 0)
			return -EBADMSG;
	}
	if (flags & 0x80) {
		err = vli(in, end, &i, &b->uncompressed);
		if (err < 0)
			return err;
	}
	err = vli(in, end, &i, &id);
	if (err < 0)
		return err;
	if (id != FILTER_LZMA2)
		return -ENOTSUP;
	err = vli(in, end, &i, &props_size);
	if (err < 0)
		return err;
	if (props_size != 1 || i >= end)
		return -EBADMSG;
	dict_bits = in[i++];
	if (dict_bits > 40)
		return -EBADMSG;
	/*
	 * Past 192 MiB liblzma may refuse the dictionary for its memory limit,
	 * so it decides; this decoder needs no memory for it.
	 */
	if (dict_bits > 31)
		return -ENOTSUP;
	b->dict_size = (2 | (dict_bits & 1)) << (dict_bits / 2 + 11);
	for (; i < end; i++)
		if (in[i] != 0)
			return -EBADMSG;
	return 0;
}

/* An image's CRC32: zlib's is 2.5 times as fast as liblzma's (5.4). */
static uint32_t image_crc32(const uint8_t *data, size_t len)
{
#ifdef ENABLE_ZLIB
	uLong crc = crc32(0, NULL, 0);

	while (len > 0) {
		uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;

		crc = crc32(crc, data, n);
		data += n;
		len -= n;
	}
	return (uint32_t)crc;
#else
	return lzma_crc32(data, len, 0);
#endif
}

static int block_check(const struct stream *s, const uint8_t *check, const uint8_t *data,
		       size_t len)
{
	switch (s->check) {
	case CHECK_CRC32:
		return image_crc32(data, len) == le32(check) ? 0 : -EBADMSG;
	case CHECK_CRC64:
		return lzma_crc64(data, len, 0) == le64(check) ? 0 : -EBADMSG;
	default:
		return 0;
	}
}

/* The block at in[*i], checked against its index record; moves *i past it. */
static int block_decode(const uint8_t *in, struct stream *s, size_t *i, struct lzma2 *z,
			uint8_t *out, size_t out_size, size_t *out_pos)
{
	size_t start = *i, data, used, pad;
	uint64_t unpadded, uncompressed;
	struct block b;
	int err;

	err = index_record(in, s, &unpadded, &uncompressed);
	if (err < 0)
		return err;
	err = block_header(in + start, s->index_start - start, &b);
	if (err < 0)
		return err;
	if ((b.uncompressed != UINT64_MAX && b.uncompressed != uncompressed) ||
	    uncompressed > out_size - *out_pos)
		return -EBADMSG;

	data = start + b.header_size;
	err = lzma2_decode_block(z, in + data, s->index_start - data, b.dict_size,
				 *out_pos, *out_pos + uncompressed, &used);
	if (err < 0)
		return err;
	if ((b.compressed != UINT64_MAX && b.compressed != used) ||
	    b.header_size + used + s->check_size != unpadded)
		return -EBADMSG;

	pad = (4 - (b.header_size + used) % 4) % 4;
	if (s->index_start - (data + used) < pad + s->check_size)
		return -EBADMSG;
	for (size_t k = 0; k < pad; k++)
		if (in[data + used + k] != 0)
			return -EBADMSG;
	err = block_check(s, in + data + used + pad, out + *out_pos, uncompressed);
	if (err < 0)
		return err;
	*out_pos += uncompressed;
	*i = data + used + pad + s->check_size;
	return 0;
}

static void lzma2_freep(struct lzma2 **z)
{
	lzma2_free(*z);
}

int xzdec_decode(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size)
{
	_cleanup_(lzma2_freep) struct lzma2 *z = NULL;
	size_t i = STREAM_HEADER_SIZE, out_pos = 0;
	struct stream s;
	int err;

	err = stream_open(in, in_size, &s);
	if (err < 0)
		return err;
	z = lzma2_new(out, out_size);
	if (z == NULL)
		return -ENOMEM;
	while (i < s.index_start) {
		err = block_decode(in, &s, &i, z, out, out_size, &out_pos);
		if (err < 0)
			return err;
	}
	if (i != s.index_start || out_pos != out_size)
		return -EBADMSG;
	return index_close(in, &s);
}

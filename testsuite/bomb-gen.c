// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bomb-gen xz OUT MIB [INDEX_BYTES]
 *     One xz stream, one block, no check: MIB MiB of zeros written as MIB
 *     copies of the same LZMA2 chunks (each copy starts with a dictionary
 *     reset, so the copies are valid one after another).  Its index records
 *     MIB MiB, or INDEX_BYTES when given (an index that lies).  4096 MiB
 *     takes about 150 bytes a MiB and no time to write.
 * bomb-gen zstd OUT MIB fcs|nofcs
 *     One zstd frame of MIB MiB of zeros in RLE blocks of 128 KiB, with the
 *     frame content size in its header (fcs) or without (nofcs).
 *
 * Real decompression bombs in seconds, where xz(1) or zstd(1) would take
 * minutes to compress the zeros.  Uses liblzma's encoders for the parts a
 * decoder checks (chunks, block header, index, footer).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef ENABLE_XZ
#include <lzma.h>
#endif

#define MIB ((uint64_t)1 << 20)

static FILE *out;

static void die(const char *what)
{
	fprintf(stderr, "bomb-gen: %s\n", what);
	exit(1);
}

static void put(const void *p, size_t len)
{
	if (fwrite(p, 1, len, out) != len)
		die("write failed");
}

#ifdef ENABLE_XZ
static void xz_bomb(uint64_t mib, uint64_t index_bytes)
{
	static uint8_t zeros[MIB], chunks[64 << 10];
	lzma_options_lzma opt;
	lzma_filter filters[2] = { { LZMA_FILTER_LZMA2, &opt },
				   { LZMA_VLI_UNKNOWN, NULL } };
	lzma_stream_flags flags = { .version = 0, .check = LZMA_CHECK_NONE };
	lzma_block block = { .version = 0, .check = LZMA_CHECK_NONE, .filters = filters };
	uint8_t header[LZMA_STREAM_HEADER_SIZE], bh[LZMA_BLOCK_HEADER_SIZE_MAX];
	uint8_t index_buf[256];
	size_t len = 0, index_len = 0;
	uint64_t compressed;
	lzma_index *index;

	if (lzma_lzma_preset(&opt, 0))
		die("lzma preset");
	opt.dict_size = MIB;
	if (lzma_raw_buffer_encode(filters, NULL, zeros, sizeof(zeros), chunks, &len,
				   sizeof(chunks)) != LZMA_OK)
		die("lzma2 encode");
	/* Ends with the end marker; starts with a dictionary reset (0x01 or >= 0xe0). */
	if (len < 2 || chunks[len - 1] != 0x00 ||
	    !(chunks[0] == 0x01 || chunks[0] >= 0xe0))
		die("unexpected lzma2 chunk layout");
	len--;

	block.compressed_size = LZMA_VLI_UNKNOWN;
	block.uncompressed_size = LZMA_VLI_UNKNOWN;
	if (lzma_stream_header_encode(&flags, header) != LZMA_OK ||
	    lzma_block_header_size(&block) != LZMA_OK ||
	    lzma_block_header_encode(&block, bh) != LZMA_OK)
		die("xz headers");
	put(header, sizeof(header));
	put(bh, block.header_size);
	for (uint64_t i = 0; i < mib; i++)
		put(chunks, len);
	put("", 1);
	compressed = len * mib + 1;
	while ((block.header_size + compressed) % 4 != 0) {
		put("", 1);
		compressed++;
	}

	index = lzma_index_init(NULL);
	if (index == NULL ||
	    lzma_index_append(index, NULL, block.header_size + len * mib + 1,
			      index_bytes ? index_bytes : mib * MIB) != LZMA_OK ||
	    lzma_index_buffer_encode(index, index_buf, &index_len, sizeof(index_buf)) !=
		    LZMA_OK)
		die("xz index");
	flags.backward_size = lzma_index_size(index);
	lzma_index_end(index, NULL);
	put(index_buf, index_len);
	if (lzma_stream_footer_encode(&flags, header) != LZMA_OK)
		die("xz footer");
	put(header, sizeof(header));
}
#endif

static void le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void zstd_bomb(uint64_t mib, int fcs)
{
	/* magic, frame header descriptor, window descriptor (2^17 bytes) */
	uint8_t header[14] = { 0x28, 0xb5, 0x2f, 0xfd, fcs ? 0xc0 : 0x00, 0x38 };
	uint64_t blocks = mib * 8;
	uint8_t block[4] = { 0 };

	if (fcs)
		le(header + 6, mib * MIB, 8);
	put(header, fcs ? 14 : 6);
	/* Block header: size << 3 | type RLE (1) << 1 | last; then the byte. */
	for (uint64_t i = 0; i < blocks; i++) {
		le(block, (uint64_t)(128 << 10) << 3 | 1 << 1 | (i + 1 == blocks), 3);
		put(block, sizeof(block));
	}
}

int main(int argc, char **argv)
{
	uint64_t mib;

	if (argc < 4)
		die("usage: bomb-gen xz OUT MIB [INDEX_BYTES] | zstd OUT MIB fcs|nofcs");
	mib = strtoull(argv[3], NULL, 0);
	if (mib == 0)
		die("MIB must be > 0");
	out = fopen(argv[2], "we");
	if (out == NULL)
		die("cannot create the output file");
	if (strcmp(argv[1], "zstd") == 0 && argc > 4)
		zstd_bomb(mib, strcmp(argv[4], "fcs") == 0);
#ifdef ENABLE_XZ
	else if (strcmp(argv[1], "xz") == 0)
		xz_bomb(mib, argc > 4 ? strtoull(argv[4], NULL, 0) : 0);
#endif
	else
		die("unknown format");
	if (fclose(out) != 0)
		die("write failed");
	return 0;
}

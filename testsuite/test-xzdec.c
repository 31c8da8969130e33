// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one-shot .xz decoder against liblzma: streams made here by liblzma's
 * encoders with every LZMA2 setting that changes the decoder's path (lc, lp,
 * pb, dictionary size, uncompressed chunks, chunks past 2 MiB, several
 * blocks with sizes in their headers, each check) must decode to the same
 * bytes.  Layouts it leaves to liblzma must say -ENOTSUP.  Every one-bit flip
 * and every truncation of a stream must either fail or give exactly what
 * liblzma gives.  Real modules are compared in test-realmods.
 */

#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>

#include "util/macro.h"
#include "libkmod-file-lzma2.h"
#include "libkmod-file-xzdec.h"
#include "testsuite/tap.h"

struct buf {
	uint8_t *p;
	size_t len;
};

static void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
}

static uint32_t rng_state = 12345;

static uint32_t rng(void)
{
	rng_state = rng_state * 1103515245 + 12345;
	return rng_state >> 8;
}

enum data_kind { DATA_TEXT, DATA_RANDOM, DATA_ZEROS, DATA_MIXED };

/*
 * Something like a module: words and symbol names that repeat at many
 * distances, runs of zeros, and stretches of noise that LZMA2 stores as
 * uncompressed chunks.
 */
static struct buf make_data(enum data_kind kind, size_t len)
{
	static const char *const words[] = {
		"module_init", "__ksymtab_",   "license=GPL",	       "alias=pci:v",
		"depends=",    "\x48\x89\xe5", "\x0f\x1f\x44\x00\x00", "srcversion="
	};
	struct buf b = { malloc(len ? len : 1), len };
	size_t i = 0;

	while (b.p != NULL && i < len) {
		enum data_kind k =
			kind == DATA_MIXED ? (enum data_kind)(rng() % 3) : kind;
		size_t run = kind == DATA_MIXED ? 1 + rng() % 4096 : len - i;

		if (run > len - i)
			run = len - i;
		for (size_t j = 0; j < run; j++, i++) {
			switch (k) {
			case DATA_TEXT: {
				const char *w =
					words[(i / 13 + rng() % 2) % ARRAY_SIZE(words)];

				b.p[i] = (uint8_t)w[i % strlen(w)];
				break;
			}
			case DATA_RANDOM:
				b.p[i] = (uint8_t)rng();
				break;
			default:
				b.p[i] = 0;
				break;
			}
		}
	}
	return b;
}

static lzma_options_lzma lzma_opts(uint32_t preset, uint32_t lc, uint32_t lp, uint32_t pb,
				   uint32_t dict)
{
	lzma_options_lzma o;

	lzma_lzma_preset(&o, preset);
	o.lc = lc;
	o.lp = lp;
	o.pb = pb;
	if (dict)
		o.dict_size = dict;
	return o;
}

static struct buf encode(const uint8_t *in, size_t len, lzma_options_lzma *o,
			 lzma_vli bcj, lzma_check check)
{
	lzma_filter filters[3];
	struct buf b = { 0 };
	size_t cap = lzma_stream_buffer_bound(len), n = 0;

	if (bcj != LZMA_VLI_UNKNOWN)
		filters[n++] = (lzma_filter){ .id = bcj };
	filters[n++] = (lzma_filter){ .id = LZMA_FILTER_LZMA2, .options = o };
	filters[n] = (lzma_filter){ .id = LZMA_VLI_UNKNOWN };
	b.p = malloc(cap);
	if (b.p == NULL || lzma_stream_buffer_encode(filters, check, NULL, in, len, b.p,
						     &b.len, cap) != LZMA_OK)
		buf_free(&b);
	return b;
}

/* Blocks of @block_size, each header with both sizes, as xz -T writes. */
static struct buf encode_blocks(const uint8_t *in, size_t len, uint64_t block_size)
{
	lzma_options_lzma o = lzma_opts(1, 3, 0, 2, 0);
	lzma_filter filters[] = { { .id = LZMA_FILTER_LZMA2, .options = &o },
				  { .id = LZMA_VLI_UNKNOWN } };
	lzma_mt mt = { .threads = 1,
		       .block_size = block_size,
		       .filters = filters,
		       .check = LZMA_CHECK_CRC32 };
	lzma_stream s = LZMA_STREAM_INIT;
	struct buf b = { 0 };
	size_t cap = lzma_stream_buffer_bound(len) + 4096;
	lzma_ret ret;

	b.p = malloc(cap);
	if (b.p == NULL || lzma_stream_encoder_mt(&s, &mt) != LZMA_OK) {
		buf_free(&b);
		return b;
	}
	s.next_in = in;
	s.avail_in = len;
	s.next_out = b.p;
	s.avail_out = cap;
	ret = lzma_code(&s, LZMA_FINISH);
	b.len = cap - s.avail_out;
	lzma_end(&s);
	if (ret != LZMA_STREAM_END)
		buf_free(&b);
	return b;
}

/* liblzma's reading of @xz: 0 with the image in *out, or its error. */
static int liblzma_decode(const struct buf *xz, struct buf *out)
{
	lzma_stream s = LZMA_STREAM_INIT;
	size_t cap = 1 << 20;
	lzma_ret ret;

	*out = (struct buf){ malloc(cap), 0 };
	if (out->p == NULL ||
	    lzma_stream_decoder(&s, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
		return -ENOMEM;
	s.next_in = xz->p;
	s.avail_in = xz->len;
	for (;;) {
		s.next_out = out->p + out->len;
		s.avail_out = cap - out->len;
		ret = lzma_code(&s, LZMA_FINISH);
		out->len = cap - s.avail_out;
		if (ret != LZMA_OK || s.avail_out > 0)
			break;
		cap *= 2;
		out->p = realloc(out->p, cap);
		if (out->p == NULL) {
			ret = LZMA_MEM_ERROR;
			break;
		}
	}
	lzma_end(&s);
	return ret == LZMA_STREAM_END ? 0 : -EBADMSG;
}

/*
 * xzdec's reading of @xz, from a buffer with nothing readable past the
 * decoder's stated read-ahead, which the sanitizer build holds it to.
 */
static int xzdec(const struct buf *xz, struct buf *out)
{
	_cleanup_free_ uint8_t *in = malloc(xz->len + LZMA2_READ_AHEAD);
	uint64_t size;
	int err;

	*out = (struct buf){ 0 };
	if (in == NULL)
		return -ENOMEM;
	memcpy(in, xz->p, xz->len);
	memset(in + xz->len, 0xa5, LZMA2_READ_AHEAD);
	err = xzdec_size(in, xz->len, &size);
	if (err < 0)
		return err;
	if (size > (64u << 20))
		return -EFBIG;
	*out = (struct buf){ malloc(size ? size : 1), size };
	if (out->p == NULL)
		return -ENOMEM;
	return xzdec_decode(in, xz->len, out->p, size);
}

static bool same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

static void check_decodes(const char *what, const struct buf *xz, const struct buf *want)
{
	struct buf got;
	int err;

	if (!ok(xz->p != NULL, "%s: encoded", what))
		return;
	err = xzdec(xz, &got);
	is_int(err, 0, "%s: decoded", what);
	ok(err == 0 && same(&got, want), "%s: %zu bytes as the original", what,
	   want->len);
	buf_free(&got);
}

static void check_refused(const char *what, const struct buf *xz)
{
	struct buf got, ref;

	if (!ok(xz->p != NULL, "%s: encoded", what))
		return;
	is_int(xzdec(xz, &got), -ENOTSUP, "%s: left to liblzma", what);
	is_int(liblzma_decode(xz, &ref), 0, "%s: liblzma reads it", what);
	buf_free(&got);
	buf_free(&ref);
}

static void test_settings(void)
{
	static const struct {
		uint32_t lc, lp, pb, dict, preset;
	} set[] = {
		{ 3, 0, 2, 1 << 20, 6 }, /* kbuild: xz --lzma2=dict=1MiB */
		{ 0, 0, 0, 0, 6 },	 { 4, 0, 4, 0, 6 }, { 0, 4, 0, 0, 6 },
		{ 1, 3, 1, 0, 6 },	 { 2, 2, 3, 0, 6 }, { 3, 0, 2, 4096, 6 },
		{ 3, 1, 2, 6144, 1 },
	};
	static const lzma_check checks[] = { LZMA_CHECK_CRC32, LZMA_CHECK_CRC64,
					     LZMA_CHECK_NONE };
	static const size_t sizes[] = { 0, 1, 5000, 300000 };
	char what[160];

	for (size_t s = 0; s < ARRAY_SIZE(set); s++) {
		for (size_t z = 0; z < ARRAY_SIZE(sizes); z++) {
			struct buf data = make_data(DATA_MIXED, sizes[z]);
			lzma_options_lzma o =
				lzma_opts(set[s].preset, set[s].lc, set[s].lp, set[s].pb,
					  set[s].dict);
			lzma_check check = checks[(s + z) % ARRAY_SIZE(checks)];
			struct buf xz =
				encode(data.p, data.len, &o, LZMA_VLI_UNKNOWN, check);

			snprintf(what, sizeof(what),
				 "lc=%u lp=%u pb=%u dict=%u check %d, %zu bytes",
				 set[s].lc, set[s].lp, set[s].pb, o.dict_size, check,
				 sizes[z]);
			check_decodes(what, &xz, &data);
			buf_free(&xz);
			buf_free(&data);
		}
	}
}

static void test_layouts(void)
{
	static const char *const kinds[] = { "text", "random", "zeros", "mixed" };
	lzma_options_lzma o = lzma_opts(1, 3, 0, 2, 1 << 20);
	struct buf data, xz;

	/* one kind only: LZMA chunks alone, uncompressed chunks alone, runs */
	for (int k = DATA_TEXT; k <= DATA_MIXED; k++) {
		char what[64];

		data = make_data((enum data_kind)k, 200000);
		xz = encode(data.p, data.len, &o, LZMA_VLI_UNKNOWN, LZMA_CHECK_CRC32);
		snprintf(what, sizeof(what), "%s data", kinds[k]);
		check_decodes(what, &xz, &data);
		buf_free(&xz);
		buf_free(&data);
	}

	/* LZMA2 chunks hold at most 2 MiB: several chunks in one block */
	data = make_data(DATA_MIXED, 3 << 20);
	xz = encode(data.p, data.len, &o, LZMA_VLI_UNKNOWN, LZMA_CHECK_CRC64);
	check_decodes("3 MiB, several chunks", &xz, &data);
	buf_free(&xz);

	xz = encode_blocks(data.p, data.len, 300000);
	check_decodes("3 MiB in blocks of 300000 bytes with sizes in the headers", &xz,
		      &data);
	buf_free(&xz);
	buf_free(&data);
}

static void test_refused(void)
{
	lzma_options_lzma o = lzma_opts(1, 3, 0, 2, 0);
	struct buf data = make_data(DATA_MIXED, 50000), xz, two;

	xz = encode(data.p, data.len, &o, LZMA_VLI_UNKNOWN, LZMA_CHECK_SHA256);
	check_refused("SHA-256 check", &xz);
	buf_free(&xz);

	xz = encode(data.p, data.len, &o, LZMA_FILTER_X86, LZMA_CHECK_CRC32);
	check_refused("x86 BCJ filter before LZMA2", &xz);
	buf_free(&xz);

	xz = encode(data.p, data.len, &o, LZMA_VLI_UNKNOWN, LZMA_CHECK_CRC32);
	two = (struct buf){ malloc(2 * xz.len + 8), 0 };
	if (xz.p != NULL && two.p != NULL) {
		memcpy(two.p, xz.p, xz.len);
		memset(two.p + xz.len, 0, 8);
		two.len = xz.len + 8;
		check_refused("stream padding", &two);
		memcpy(two.p + xz.len, xz.p, xz.len);
		two.len = 2 * xz.len;
		check_refused("two concatenated streams", &two);
	}
	buf_free(&two);
	buf_free(&xz);
	buf_free(&data);
}

/*
 * Damage must not get past the decoder unnoticed: whatever it accepts,
 * liblzma accepts as the same bytes.  Under the sanitizers this is also the
 * memory-safety test of every error path.
 */
static void test_damage(lzma_check check)
{
	lzma_options_lzma o = lzma_opts(6, 3, 0, 2, 1 << 20);
	struct buf data = make_data(DATA_MIXED, 8000);
	struct buf xz = encode(data.p, data.len, &o, LZMA_VLI_UNKNOWN, check);
	size_t tried = 0, accepted = 0, wrong = 0, refused_liblzma_ok = 0;

	if (!ok(xz.p != NULL, "damage, check %d: encoded", check))
		goto out;
	for (size_t i = 0; i < xz.len; i++) {
		for (unsigned bit = i % 4; bit < 8; bit += 4) {
			struct buf got, ref;
			int err, ref_err;

			xz.p[i] ^= 1u << bit;
			err = xzdec(&xz, &got);
			ref_err = liblzma_decode(&xz, &ref);
			xz.p[i] ^= 1u << bit;
			tried++;
			if (err == 0) {
				accepted++;
				if (ref_err != 0 || !same(&got, &ref))
					wrong++;
			} else if (ref_err == 0) {
				refused_liblzma_ok++;
			}
			buf_free(&got);
			buf_free(&ref);
		}
	}
	for (size_t len = 0; len < xz.len; len++) {
		struct buf cut = { xz.p, len }, got;

		tried++;
		if (xzdec(&cut, &got) == 0)
			wrong++;
		buf_free(&got);
	}
	is_int(wrong, 0,
	       "damage, check %d: %zu bit flips and truncations, %zu accepted, none "
	       "unlike liblzma",
	       check, tried, accepted);
	if (check != LZMA_CHECK_NONE)
		is_int(accepted, 0, "damage, check %d: every flip caught", check);
	printf("# check %d: %zu damaged streams liblzma reads were left to it\n", check,
	       refused_liblzma_ok);
out:
	buf_free(&xz);
	buf_free(&data);
}

int main(void)
{
	test_settings();
	test_layouts();
	test_refused();
	test_damage(LZMA_CHECK_CRC32);
	test_damage(LZMA_CHECK_NONE);
	return tap_done();
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * LZMA2 decoder for whole blocks in memory; see libkmod-file-lzma2.h.
 * Written from the LZMA specification.  It exists for speed: decompression
 * is nearly all of reading a .ko.xz tree, and liblzma's stream decoder pays
 * for being resumable at any byte (a state machine around every bit, a copy
 * out of a circular window).  Here the input is whole, the output is the
 * dictionary, and the range decoder checks its input once per symbol.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "libkmod-file-lzma2.h"

#define unlikely(x) __builtin_expect(!!(x), 0)

/* Range decoder and probability model. */
#define RC_TOP (1u << 24)
#define PROB_BITS 11
#define PROB_ONE (1u << PROB_BITS)
#define PROB_INIT (PROB_ONE / 2)
#define MOVE_BITS 5

#define STATES 12
#define LIT_STATES 7 /* states below this follow a literal */
#define POS_STATES_MAX 16
#define LIT_PROBS 0x300
#define LIT_CODERS_MAX 16 /* LZMA2 limits lc + lp to 4 */
#define LEN_STATES 4
#define END_POS_MODEL 14 /* slots below use the special distance probabilities */
#define FULL_DISTANCES 128
#define ALIGN_BITS 4
#define MATCH_LEN_MIN 2

struct len_probs {
	uint16_t choice;
	uint16_t choice2;
	uint16_t low[POS_STATES_MAX][8];
	uint16_t mid[POS_STATES_MAX][8];
	uint16_t high[256];
};

/* Only uint16_t members, so a reset can fill it as one array. */
struct lzma_probs {
	uint16_t is_match[STATES][POS_STATES_MAX];
	uint16_t is_rep[STATES];
	uint16_t is_rep0[STATES];
	uint16_t is_rep1[STATES];
	uint16_t is_rep2[STATES];
	uint16_t is_rep0_long[STATES][POS_STATES_MAX];
	uint16_t dist_slot[LEN_STATES][64];
	/* indexed from 1 at (distance base - slot), as the reverse trees are */
	uint16_t dist_special[1 + FULL_DISTANCES - END_POS_MODEL];
	uint16_t dist_align[1 << ALIGN_BITS];
	struct len_probs match_len;
	struct len_probs rep_len;
	uint16_t literal[LIT_CODERS_MAX][LIT_PROBS];
};

struct lzma2 {
	struct lzma_probs p;
	unsigned lc, lp_mask, pb_mask;
	unsigned state;
	uint32_t rep0, rep1, rep2, rep3;
	uint32_t dict_size;
	uint8_t *out;
	size_t out_size;
	size_t dict_start; /* where the dictionary was last reset */
	size_t pos;	   /* next byte of out */
};

struct lzma2 *lzma2_new(uint8_t *out, size_t out_size)
{
	struct lzma2 *z = malloc(sizeof(*z));

	if (z == NULL)
		return NULL;
	z->out = out;
	z->out_size = out_size;
	return z;
}

void lzma2_free(struct lzma2 *z)
{
	free(z);
}

static void lzma_reset(struct lzma2 *z)
{
	uint16_t *p = (uint16_t *)&z->p;
	size_t n = offsetof(struct lzma_probs, literal) / sizeof(uint16_t) +
		   ((size_t)LIT_PROBS * (z->lp_mask + 1) << z->lc);

	for (size_t i = 0; i < n; i++)
		p[i] = PROB_INIT;
	z->state = 0;
	z->rep0 = z->rep1 = z->rep2 = z->rep3 = 0;
}

static int lzma_props(struct lzma2 *z, unsigned props)
{
	unsigned lc, lp, pb;

	if (props >= 9 * 5 * 5)
		return -EBADMSG;
	lc = props % 9;
	props /= 9;
	lp = props % 5;
	pb = props / 5;
	if (lc + lp > 4)
		return -EBADMSG;
	z->lc = lc;
	z->lp_mask = (1u << lp) - 1;
	z->pb_mask = (1u << pb) - 1;
	return 0;
}

/*
 * The range decoder lives in locals of lzma_chunk(): range, code, in.  A
 * normalisation reads one byte, at most one per bit: no symbol takes more
 * than 48 (a match with a 30-bit distance and a 16+ length), which
 * LZMA2_READ_AHEAD says, so bounds are checked once per symbol.
 */
#define NORMALIZE()                                                                      \
	do {                                                                             \
		uint32_t shift_ = (uint32_t)(range < RC_TOP) << 3;                       \
		range <<= shift_;                                                        \
		code = (code << shift_) | (*in & (0u - (shift_ >> 3)));                  \
		in += shift_ >> 3;                                                       \
	} while (0)

/*
 * A decision bit (literal or match, which kind of match, which length
 * coder): a branch, as the CPU predicts these well.
 */
#define decision(p)                                                                      \
	({                                                                               \
		uint16_t *d_ = (p);                                                      \
		uint32_t bound_;                                                         \
		unsigned bit_;                                                           \
		NORMALIZE();                                                             \
		bound_ = (range >> PROB_BITS) * *d_;                                     \
		if (code < bound_) {                                                     \
			range = bound_;                                                  \
			*d_ += (PROB_ONE - *d_) >> MOVE_BITS;                            \
			bit_ = 0;                                                        \
		} else {                                                                 \
			range -= bound_;                                                 \
			code -= bound_;                                                  \
			*d_ -= *d_ >> MOVE_BITS;                                         \
			bit_ = 1;                                                        \
		}                                                                        \
		bit_;                                                                    \
	})

/*
 * Branchless bit, for the trees, whose bits a CPU cannot predict: @mask is
 * all ones for a 1.  The 0 update p += (ONE - p) >> 5 is written as
 * p -= (p - ONE + 31) >> 5 with an arithmetic shift, which is the same.
 */
#define TREE_BIT(p, mask)                                                                \
	do {                                                                             \
		uint16_t *p_ = (p);                                                      \
		uint32_t b_;                                                             \
		NORMALIZE();                                                             \
		b_ = (range >> PROB_BITS) * *p_;                                         \
		SPLIT(b_, mask);                                                         \
		*p_ -= (uint16_t)((int32_t)(*p_ + (~(mask)&PROB_ZERO_ADD)) >>            \
				  MOVE_BITS);                                            \
	} while (0)
#define PROB_ZERO_ADD ((uint32_t)((1 << MOVE_BITS) - 1 - PROB_ONE))

/*
 * The interval split at @bound: range and code for the bit, @mask all ones
 * for a 1.  On x86-64 two conditional moves keep the compare's result off
 * the chain from one bit to the next (4% of decoding).  XZDEC_PORTABLE
 * builds the plain C, which test-xzdec-portable checks.
 */
#if defined(__x86_64__) && !defined(XZDEC_PORTABLE)
#define SPLIT(bound, mask)                                                               \
	do {                                                                             \
		uint32_t r1_ = range - (bound), c1_ = code - (bound);                    \
		__asm__("cmpl %[b], %[c]\n\t"                                            \
			"cmovael %[r1], %[b]\n\t"                                        \
			"cmovael %[c1], %[c]\n\t"                                        \
			"sbbl %[m], %[m]"                                                \
			: [b] "+&r"(bound), [c] "+&r"(code), [m] "=&r"(mask)             \
			: [r1] "r"(r1_), [c1] "r"(c1_)                                   \
			: "cc");                                                         \
		range = (bound);                                                         \
		(mask) = ~(mask);                                                        \
	} while (0)
#else
#define SPLIT(bound, mask)                                                               \
	do {                                                                             \
		(mask) = 0u - (uint32_t)(code >= (bound));                               \
		range = (bound) + ((range - 2 * (bound)) & (mask));                      \
		code -= (bound) & (mask);                                                \
	} while (0)
#endif

/* Walk a bit tree of @bits levels from node 1; leaves the node in @m. */
#define TREE(probs, bits, m)                                                             \
	do {                                                                             \
		uint32_t mask_;                                                          \
		(m) = 1;                                                                 \
		for (unsigned i_ = 0; i_ < (bits); i_++) {                               \
			TREE_BIT(&(probs)[m], mask_);                                    \
			(m) = ((m) << 1) - mask_;                                        \
		}                                                                        \
	} while (0)

/* The same tree read least significant bit first; adds the value to @v. */
#define TREE_REV(probs, bits, v)                                                         \
	do {                                                                             \
		uint16_t *t_ = (probs);                                                  \
		uint32_t mask_, m_ = 1;                                                  \
		for (unsigned i_ = 0; i_ < (bits); i_++) {                               \
			TREE_BIT(&t_[m_], mask_);                                        \
			m_ = (m_ << 1) - mask_;                                          \
			(v) += (mask_ & 1) << i_;                                        \
		}                                                                        \
	} while (0)

#define DECODE_LEN(lp, pos_state, len)                                                   \
	do {                                                                             \
		if (!decision(&(lp)->choice)) {                                          \
			TREE((lp)->low[pos_state], 3, len);                              \
			(len) -= 8;                                                      \
		} else if (!decision(&(lp)->choice2)) {                                  \
			TREE((lp)->mid[pos_state], 3, len);                              \
		} else {                                                                 \
			TREE((lp)->high, 8, len);                                        \
			(len) -= 256 - 16;                                               \
		}                                                                        \
	} while (0)

/*
 * Repeat @len bytes from @dist back at @dst, which has @room bytes to the end
 * of the image.  Bytes past @len may be overwritten: nothing is there yet.
 */
static inline void copy_match(uint8_t *dst, size_t dist, size_t len, size_t room)
{
	const uint8_t *src = dst - dist;

	if (dist == 1) {
		memset(dst, *src, len);
	} else if (dist >= 8 && room >= len + 8) {
		/* 8 bytes apart or more, no word reads what it writes */
		for (size_t i = 0; i < len; i += 8) {
			uint64_t w;

			memcpy(&w, src + i, 8);
			memcpy(dst + i, &w, 8);
		}
	} else {
		for (size_t i = 0; i < len; i++)
			dst[i] = src[i];
	}
}

static const uint8_t state_after_literal[STATES] = { 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 4, 5 };

/*
 * One LZMA chunk: @in_size bytes of range-coded data that decode to exactly
 * out_end - z->pos bytes.  The range decoder starts afresh; the model and
 * the dictionary carry on.
 */
static int lzma_chunk(struct lzma2 *z, const uint8_t *in, size_t in_size, size_t out_end)
{
	const uint8_t *in_end = in + in_size;
	struct lzma_probs *pr = &z->p;
	uint8_t *out = z->out;
	size_t pos = z->pos, dict_start = z->dict_start, out_size = z->out_size;
	const unsigned lc = z->lc, lp_mask = z->lp_mask, pb_mask = z->pb_mask;
	const uint32_t dict_size = z->dict_size;
	unsigned state = z->state;
	uint32_t rep0 = z->rep0, rep1 = z->rep1, rep2 = z->rep2, rep3 = z->rep3;
	uint32_t range = 0xffffffff, code;

	if (in_size < 5 || in[0] != 0)
		return -EBADMSG;
	code = (uint32_t)in[1] << 24 | (uint32_t)in[2] << 16 | (uint32_t)in[3] << 8 |
	       in[4];
	in += 5;

	while (pos < out_end) {
		size_t dict_len = pos - dict_start;
		unsigned pos_state = dict_len & pb_mask;
		uint32_t len;

		if (unlikely(in > in_end))
			return -EBADMSG;

		if (!decision(&pr->is_match[state][pos_state])) {
			unsigned prev = dict_len > 0 ? out[pos - 1] : 0;
			uint16_t *lit = pr->literal[((dict_len & lp_mask) << lc) +
						    (prev >> (8 - lc))];
			uint32_t sym = 1, mask;

			if (state < LIT_STATES) {
				TREE(lit, 8, sym);
			} else {
				uint32_t match, offs = 0x100, bit;

				if (unlikely(rep0 >= dict_len))
					return -EBADMSG;
				match = out[pos - rep0 - 1];
				do {
					match <<= 1;
					bit = match & offs;
					TREE_BIT(&lit[offs + bit + sym], mask);
					sym = (sym << 1) - mask;
					offs &= bit ^ ~mask;
				} while (sym < 0x100);
			}
			out[pos++] = (uint8_t)sym;
			state = state_after_literal[state];
			continue;
		}

		if (!decision(&pr->is_rep[state])) {
			uint32_t slot, dist;

			DECODE_LEN(&pr->match_len, pos_state, len);
			state = state < LIT_STATES ? 7 : 10;
			rep3 = rep2;
			rep2 = rep1;
			rep1 = rep0;

			TREE(pr->dist_slot[len < LEN_STATES ? len : LEN_STATES - 1], 6,
			     slot);
			slot -= 64;
			if (slot < 4) {
				dist = slot;
			} else {
				unsigned bits = (slot >> 1) - 1;

				dist = (2 | (slot & 1)) << bits;
				if (slot < END_POS_MODEL) {
					TREE_REV(pr->dist_special + dist - slot, bits,
						 dist);
				} else {
					uint32_t high = 2 | (slot & 1);

					for (bits -= ALIGN_BITS; bits > 0; bits--) {
						uint32_t t;

						NORMALIZE();
						range >>= 1;
						code -= range;
						t = 0u - (code >> 31);
						code += range & t;
						high = (high << 1) + (t + 1);
					}
					dist = high << ALIGN_BITS;
					TREE_REV(pr->dist_align, ALIGN_BITS, dist);
				}
			}
			/* 0xffffffff is LZMA's end marker, which LZMA2 does not use */
			rep0 = dist;
		} else {
			if (!decision(&pr->is_rep0[state])) {
				if (!decision(&pr->is_rep0_long[state][pos_state])) {
					/* one byte from rep0 */
					if (unlikely(rep0 >= dict_len))
						return -EBADMSG;
					state = state < LIT_STATES ? 9 : 11;
					out[pos] = out[pos - rep0 - 1];
					pos++;
					continue;
				}
			} else {
				uint32_t dist;

				if (!decision(&pr->is_rep1[state])) {
					dist = rep1;
				} else {
					if (!decision(&pr->is_rep2[state])) {
						dist = rep2;
					} else {
						dist = rep3;
						rep3 = rep2;
					}
					rep2 = rep1;
				}
				rep1 = rep0;
				rep0 = dist;
			}
			DECODE_LEN(&pr->rep_len, pos_state, len);
			state = state < LIT_STATES ? 8 : 11;
		}

		len += MATCH_LEN_MIN;
		if (unlikely(rep0 >= dict_len || rep0 >= dict_size ||
			     len > out_end - pos))
			return -EBADMSG;
		copy_match(out + pos, rep0 + 1, len, out_size - pos);
		pos += len;
	}

	/* the last symbol may have run past the data; the final byte may not */
	if (in > in_end)
		return -EBADMSG;
	NORMALIZE();
	if (in != in_end || code != 0)
		return -EBADMSG;
	z->pos = pos;
	z->state = state;
	z->rep0 = rep0;
	z->rep1 = rep1;
	z->rep2 = rep2;
	z->rep3 = rep3;
	return 0;
}

int lzma2_decode_block(struct lzma2 *z, const uint8_t *in, size_t in_size,
		       uint32_t dict_size, size_t start, size_t end, size_t *used)
{
	bool need_dict_reset = true, need_props = true;
	size_t out_end = end, i = 0;

	if (start > end || end > z->out_size)
		return -EBADMSG;
	z->dict_size = dict_size;
	z->pos = start;

	for (;;) {
		unsigned control;
		size_t usize, csize;
		int err;

		if (i >= in_size)
			return -EBADMSG;
		control = in[i++];
		if (control == 0)
			break;

		if (control >= 0xe0 || control == 1) {
			need_props = true;
			need_dict_reset = false;
			z->dict_start = z->pos;
		} else if (need_dict_reset) {
			return -EBADMSG;
		}

		if (control < 0x80) {
			if (control > 2 || in_size - i < 2)
				return -EBADMSG;
			usize = ((size_t)in[i] << 8 | in[i + 1]) + 1;
			i += 2;
			if (usize > in_size - i || usize > out_end - z->pos)
				return -EBADMSG;
			memcpy(z->out + z->pos, in + i, usize);
			z->pos += usize;
			i += usize;
			continue;
		}

		if (in_size - i < 4)
			return -EBADMSG;
		usize = ((size_t)(control & 0x1f) << 16 | (size_t)in[i] << 8 |
			 in[i + 1]) +
			1;
		csize = ((size_t)in[i + 2] << 8 | in[i + 3]) + 1;
		i += 4;
		if (control >= 0xc0) {
			if (i >= in_size || lzma_props(z, in[i++]) < 0)
				return -EBADMSG;
			need_props = false;
			lzma_reset(z);
		} else if (need_props) {
			return -EBADMSG;
		} else if (control >= 0xa0) {
			lzma_reset(z);
		}
		if (csize > in_size - i || usize > out_end - z->pos)
			return -EBADMSG;
		err = lzma_chunk(z, in + i, csize, z->pos + usize);
		if (err < 0)
			return err;
		i += csize;
	}

	if (z->pos != out_end)
		return -EBADMSG;
	*used = i;
	return 0;
}

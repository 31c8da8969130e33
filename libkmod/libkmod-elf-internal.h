/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the parts of the ELF parser share (libkmod-elf.c: the headers,
 * sections, .modinfo and stripping; libkmod-elf-symbols.c: the symbol
 * tables and __versions).  Nothing outside them includes this.
 */

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "libkmod/libkmod-elf.h"

/* Kernel's struct modversion_info: unsigned long crc + name, 64 bytes in all. */
#define MODVERSION_RECORD 64

#define CRC_PREFIX "__crc_"

struct elf_section {
	uint64_t offset;
	uint64_t size;
	uint32_t name;
	uint32_t type;
	uint32_t link;
	bool ready; /* its bytes are in memory (always, without a fill callback) */
};

struct kmod_elf {
	const uint8_t *mem;
	size_t size;
	kmod_elf_fill_fn fill; /* NULL when the whole image is in memory */
	void *fill_data;
	bool is64;
	bool msb;
	uint64_t shoff;
	uint16_t shentsize;
	uint16_t shnum;
	const char *shstrtab; /* NUL-terminated at its end, checked */
	uint64_t shstrtab_size;
	struct elf_section sections[];
};

/*
 * Where the fields this parser reads sit in each class.  <elf.h> is used for
 * offsets and sizes only: the image itself is never accessed through its types.
 */
struct elf_layout {
	uint8_t ehdr_size, e_shoff, e_shentsize, e_shnum, e_shstrndx;
	uint8_t shdr_size, sh_flags, sh_offset, sh_size, sh_link;
	uint8_t sym_size, st_value, st_info, st_shndx;
	uint8_t word; /* addresses, offsets, sizes, unsigned long */
};

extern const struct elf_layout kmod_elf_layout32, kmod_elf_layout64;

static inline const struct elf_layout *elf_layout(const struct kmod_elf *elf)
{
	return elf->is64 ? &kmod_elf_layout64 : &kmod_elf_layout32;
}

/* True when [off, off + len) lies inside [0, total); cannot overflow. */
static inline bool range_ok(uint64_t off, uint64_t len, uint64_t total)
{
	return off <= total && len <= total - off;
}

#define HOST_MSB (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)

/*
 * Widths of ELF fields are 1, 2, 4 or 8 bytes: each is one load (depmod reads
 * millions of symbol entries, and assembling them byte by byte was a third of
 * its time), swapped when the file's byte order is not the host's.
 */
static inline uint64_t get_uint(const uint8_t *p, unsigned int width, bool msb)
{
	uint64_t v = 0;
	uint32_t v32;
	uint16_t v16;

	switch (width) {
	case 8:
		memcpy(&v, p, 8);
		return msb == HOST_MSB ? v : __builtin_bswap64(v);
	case 4:
		memcpy(&v32, p, 4);
		return msb == HOST_MSB ? v32 : __builtin_bswap32(v32);
	case 2:
		memcpy(&v16, p, 2);
		return msb == HOST_MSB ? v16 : __builtin_bswap16(v16);
	}
	for (unsigned int i = 0; i < width; i++) {
		unsigned int shift = msb ? (width - 1 - i) * 8 : i * 8;

		v |= (uint64_t)p[i] << shift;
	}
	return v;
}

/* Caller has range-checked [off, off + width). */
static inline uint64_t elf_uint(const struct kmod_elf *elf, uint64_t off,
				unsigned int width)
{
	return get_uint(elf->mem + off, width, elf->msb);
}

static inline bool section_has_data(const struct elf_section *s)
{
	return s->type != SHT_NULL && s->type != SHT_NOBITS;
}

/*
 * Bring a section's bytes into memory before its first use: 0 or -errno.
 */
int kmod_elf_section_ready(const struct kmod_elf *elf, const struct elf_section *s);

/* Index of the first section called @name that has file bytes, now in memory; or -errno.
 */
int kmod_elf_find_section_data(const struct kmod_elf *elf, const char *name,
			       const struct elf_section **sec);

/* NULL-terminated vector of the block's strings, copied into the same allocation. */
int kmod_elf_split_strings(const uint8_t *p, uint64_t size, char ***array);

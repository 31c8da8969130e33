/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * ELF view of a module image held in memory.  ELF32/ELF64, both
 * endiannesses; every offset and size from the image is checked before use.
 */

#include <stddef.h>
#include <stdint.h>

struct kmod_elf;

struct kmod_modversion {
	uint64_t crc;
	char *symbol; /* points into the same allocation */
};

/* Validate the headers and section table.  Returns 0 or -errno (-ENOEXEC for not
 * ELF/corrupt). */
int kmod_elf_new(const void *memory, size_t size, struct kmod_elf **ret);

/*
 * Puts the file bytes [off, off + len) in place at memory + off; 0 or -errno.
 * The range is always inside the image.
 */
typedef int (*kmod_elf_fill_fn)(void *data, uint64_t off, uint64_t len);

/*
 * Like kmod_elf_new() over an image of which nothing needs to be in memory
 * yet: @fill is asked for the headers first, then for each section the first
 * time it is used, so that only what is asked of the ELF gets read (modinfo
 * reads about a tenth of a module).  @memory must stay valid and @fill usable
 * as long as the kmod_elf.  A fill error is returned by whatever needed it.
 */
int kmod_elf_new_sparse(const void *memory, size_t size, kmod_elf_fill_fn fill,
			void *data, struct kmod_elf **ret);
void kmod_elf_free(struct kmod_elf *elf);

/* Raw section by name.  -ENODATA when absent. */
int kmod_elf_get_section(const struct kmod_elf *elf, const char *section,
			 const void **buf, uint64_t *size);

/*
 * Split .modinfo into "key=value" strings (leading NUL padding skipped, runs of
 * NULs collapsed).  Returns the count and a malloc'ed array (strings live in
 * the same block, free(array) frees all), or -errno (-ENODATA if no .modinfo).
 */
int kmod_elf_get_modinfo_strings(const struct kmod_elf *elf, char ***array);

/* __versions entries; count or -errno.  free(*array) frees all. */
int kmod_elf_get_modversions(const struct kmod_elf *elf, struct kmod_modversion **array);

/* The module name stored in .gnu.linkonce.this_module (for diagnostics). */
int kmod_elf_get_this_module_name(const struct kmod_elf *elf, const char **name);

/*
 * The NT_GNU_BUILD_ID note of .note.gnu.build-id (the linker's --build-id):
 * *id points into the image, *len > 0 bytes.  -ENODATA without that section,
 * -EINVAL when it holds no well-formed "GNU" build-id note.
 */
int kmod_elf_get_build_id(const struct kmod_elf *elf, const uint8_t **id, size_t *len);

enum kmod_elf_strip {
	KMOD_ELF_STRIP_MODVERSION = 0x1, /* clear SHF_ALLOC on __versions */
	KMOD_ELF_STRIP_VERMAGIC = 0x2,	 /* blank the vermagic= string in .modinfo */
};

/*
 * Apply force edits to @mem, a writable buffer holding the same bytes the elf
 * was created from (it may be that very buffer).  Returns 0 or -errno
 * (-ENODATA when there is nothing to strip).
 */
int kmod_elf_strip(const struct kmod_elf *elf, void *mem, unsigned int flags);

/* Symbol binding, as the characters of libkmod's enum kmod_symbol_bind. */
enum kmod_elf_bind {
	KMOD_ELF_BIND_NONE = '\0',
	KMOD_ELF_BIND_LOCAL = 'L',
	KMOD_ELF_BIND_GLOBAL = 'G',
	KMOD_ELF_BIND_WEAK = 'W',
	KMOD_ELF_BIND_UNDEF = 'U',
};

struct kmod_elf_symbol {
	uint64_t crc;
	char bind;    /* enum kmod_elf_bind */
	char *symbol; /* points into the same allocation */
};

/*
 * Exported symbols: the __crc_<sym> symbols of .symtab (CRC absolute, or a
 * u32 in their section), else the names in __ksymtab_strings with crc 0 and
 * bind GLOBAL.  Count (0 when nothing is exported) or -errno; free(*array)
 * frees all.
 */
int kmod_elf_get_symbols(const struct kmod_elf *elf, struct kmod_elf_symbol **array);

/*
 * Undefined symbols of .symtab with non-empty names, bind WEAK or UNDEF, CRC
 * from __versions (0 when not listed there).  Count or -errno (-ENODATA
 * without .symtab); free(*array) frees all.
 */
int kmod_elf_get_dependency_symbols(const struct kmod_elf *elf,
				    struct kmod_elf_symbol **array);

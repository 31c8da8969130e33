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

/* Validate the headers and section table.  Returns 0 or -errno (-ENOEXEC for not ELF/corrupt). */
int kmod_elf_new(const void *memory, size_t size, struct kmod_elf **ret);
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

enum kmod_elf_strip {
	KMOD_ELF_STRIP_MODVERSION = 0x1, /* clear SHF_ALLOC on __versions */
	KMOD_ELF_STRIP_VERMAGIC = 0x2,   /* blank the vermagic= string in .modinfo */
};

/*
 * Apply force edits to @mem, a writable buffer holding the same bytes the elf
 * was created from (it may be that very buffer).  Returns 0 or -errno
 * (-ENODATA when there is nothing to strip).
 */
int kmod_elf_strip(const struct kmod_elf *elf, void *mem, unsigned int flags);

// SPDX-License-Identifier: LGPL-2.1-or-later

/*
 * Module images come from arbitrary files, so nothing read from them is
 * trusted: every multi-byte field is copied out of the buffer (which may be
 * unaligned) and put in the host's byte order when the file's differs, and
 * every offset/size is checked against the image before it is dereferenced.
 */

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/macro.h"

#include "libkmod/libkmod-elf-internal.h"

#define ELF_LAYOUT(C)                                                                    \
	{                                                                                \
		.ehdr_size = sizeof(Elf##C##_Ehdr),                                      \
		.e_shoff = offsetof(Elf##C##_Ehdr, e_shoff),                             \
		.e_shentsize = offsetof(Elf##C##_Ehdr, e_shentsize),                     \
		.e_shnum = offsetof(Elf##C##_Ehdr, e_shnum),                             \
		.e_shstrndx = offsetof(Elf##C##_Ehdr, e_shstrndx),                       \
		.shdr_size = sizeof(Elf##C##_Shdr),                                      \
		.sh_flags = offsetof(Elf##C##_Shdr, sh_flags),                           \
		.sh_offset = offsetof(Elf##C##_Shdr, sh_offset),                         \
		.sh_size = offsetof(Elf##C##_Shdr, sh_size),                             \
		.sh_link = offsetof(Elf##C##_Shdr, sh_link),                             \
		.sym_size = sizeof(Elf##C##_Sym),                                        \
		.st_value = offsetof(Elf##C##_Sym, st_value),                            \
		.st_info = offsetof(Elf##C##_Sym, st_info),                              \
		.st_shndx = offsetof(Elf##C##_Sym, st_shndx),                            \
		.word = sizeof(Elf##C##_Addr),                                           \
	}

const struct elf_layout kmod_elf_layout32 = ELF_LAYOUT(32);
const struct elf_layout kmod_elf_layout64 = ELF_LAYOUT(64);

static void put_uint(uint8_t *p, unsigned int width, bool msb, uint64_t v)
{
	for (unsigned int i = 0; i < width; i++) {
		unsigned int shift = msb ? (width - 1 - i) * 8 : i * 8;

		p[i] = (uint8_t)(v >> shift);
	}
}

/*
 * Bring a section's bytes into memory before its first use.  The section
 * table is the object's own, so it is updated through a const view: filling
 * changes what is cached, not what the ELF says.
 */
int kmod_elf_section_ready(const struct kmod_elf *elf, const struct elf_section *s)
{
	int err;

	if (elf->fill == NULL || s->ready)
		return 0;
	err = elf->fill(elf->fill_data, s->offset, s->size);
	if (err < 0)
		return err;
	((struct elf_section *)s)->ready = true;
	return 0;
}

static int read_section_header(struct kmod_elf *elf, uint16_t idx)
{
	const struct elf_layout *l = elf_layout(elf);
	struct elf_section *s = &elf->sections[idx];
	uint64_t hdr = elf->shoff + (uint64_t)idx * elf->shentsize;

	s->name = (uint32_t)elf_uint(elf, hdr, 4);
	s->type = (uint32_t)elf_uint(elf, hdr + 4, 4);
	s->offset = elf_uint(elf, hdr + l->sh_offset, l->word);
	s->size = elf_uint(elf, hdr + l->sh_size, l->word);
	s->link = (uint32_t)elf_uint(elf, hdr + l->sh_link, 4);
	s->ready = elf->fill == NULL;

	/* SHT_NOBITS/SHT_NULL have no file bytes: offset/size mean nothing here. */
	if (section_has_data(s) && !range_ok(s->offset, s->size, elf->size))
		return -ENOEXEC;
	return 0;
}

static int parse_ident(struct kmod_elf *elf)
{
	const uint8_t *m = elf->mem;

	if (elf->size < EI_NIDENT || memcmp(m, ELFMAG, SELFMAG) != 0)
		return -ENOEXEC;
	if (m[EI_CLASS] != ELFCLASS32 && m[EI_CLASS] != ELFCLASS64)
		return -ENOEXEC;
	if (m[EI_DATA] != ELFDATA2LSB && m[EI_DATA] != ELFDATA2MSB)
		return -ENOEXEC;
	elf->is64 = m[EI_CLASS] == ELFCLASS64;
	elf->msb = m[EI_DATA] == ELFDATA2MSB;
	return 0;
}

static int parse_shstrtab(struct kmod_elf *elf, uint16_t shstrndx)
{
	const struct elf_section *s;
	int err;

	if (shstrndx >= elf->shnum)
		return -ENOEXEC;
	s = &elf->sections[shstrndx];
	if (!section_has_data(s) || s->size == 0)
		return -ENOEXEC;
	err = kmod_elf_section_ready(elf, s);
	if (err < 0)
		return err;
	if (elf->mem[s->offset + s->size - 1] != '\0')
		return -ENOEXEC;
	elf->shstrtab = (const char *)elf->mem + s->offset;
	elf->shstrtab_size = s->size;

	for (uint16_t i = 0; i < elf->shnum; i++) {
		if (elf->sections[i].name >= elf->shstrtab_size)
			return -ENOEXEC;
	}
	return 0;
}

int kmod_elf_new_sparse(const void *memory, size_t size, kmod_elf_fill_fn fill,
			void *data, struct kmod_elf **ret)
{
	struct kmod_elf probe = {
		.mem = memory, .size = size, .fill = fill, .fill_data = data
	};
	_cleanup_free_ struct kmod_elf *elf = NULL;
	const struct elf_layout *l;
	uint16_t shnum, shstrndx;
	uint64_t shtab_len;
	int err;

	if (memory == NULL || ret == NULL)
		return -EINVAL;
	if (fill != NULL) {
		err = fill(data, 0,
			   size < sizeof(Elf64_Ehdr) ? size : sizeof(Elf64_Ehdr));
		if (err < 0)
			return err;
	}
	err = parse_ident(&probe);
	if (err < 0)
		return err;
	l = elf_layout(&probe);
	if (size < l->ehdr_size)
		return -ENOEXEC;

	probe.shoff = elf_uint(&probe, l->e_shoff, l->word);
	probe.shentsize = (uint16_t)elf_uint(&probe, l->e_shentsize, 2);
	shnum = (uint16_t)elf_uint(&probe, l->e_shnum, 2);
	shstrndx = (uint16_t)elf_uint(&probe, l->e_shstrndx, 2);

	/*
	 * Extended numbering (e_shnum == 0, e_shstrndx == SHN_XINDEX) is not
	 * supported, like in the kernel's module loader.
	 */
	if (probe.shentsize != l->shdr_size || shnum == 0)
		return -ENOEXEC;
	shtab_len = (uint64_t)shnum * probe.shentsize;
	if (!range_ok(probe.shoff, shtab_len, size))
		return -ENOEXEC;
	probe.shnum = shnum;
	if (fill != NULL) {
		err = fill(data, probe.shoff, shtab_len);
		if (err < 0)
			return err;
	}

	elf = malloc(sizeof(*elf) + (size_t)shnum * sizeof(struct elf_section));
	if (elf == NULL)
		return -ENOMEM;
	*elf = probe;
	for (uint16_t i = 0; i < shnum; i++) {
		err = read_section_header(elf, i);
		if (err < 0)
			return err;
	}
	err = parse_shstrtab(elf, shstrndx);
	if (err < 0)
		return err;

	*ret = TAKE_PTR(elf);
	return 0;
}

int kmod_elf_new(const void *memory, size_t size, struct kmod_elf **ret)
{
	return kmod_elf_new_sparse(memory, size, NULL, NULL, ret);
}

void kmod_elf_free(struct kmod_elf *elf)
{
	free(elf);
}

/* Index of the first section called @name, or -ENODATA. */
static int find_section(const struct kmod_elf *elf, const char *name)
{
	for (uint16_t i = 0; i < elf->shnum; i++) {
		if (streq(elf->shstrtab + elf->sections[i].name, name))
			return i;
	}
	return -ENODATA;
}

/* Like find_section() but also requires file bytes. */
int kmod_elf_find_section_data(const struct kmod_elf *elf, const char *name,
			       const struct elf_section **sec)
{
	int idx = find_section(elf, name);
	int err;

	if (idx < 0)
		return idx;
	if (!section_has_data(&elf->sections[idx]))
		return -ENODATA;
	err = kmod_elf_section_ready(elf, &elf->sections[idx]);
	if (err < 0)
		return err;
	*sec = &elf->sections[idx];
	return idx;
}

int kmod_elf_get_section(const struct kmod_elf *elf, const char *section,
			 const void **buf, uint64_t *size)
{
	const struct elf_section *s;
	int idx;

	if (elf == NULL || section == NULL)
		return -EINVAL;
	idx = kmod_elf_find_section_data(elf, section, &s);
	if (idx < 0)
		return idx;
	if (buf != NULL)
		*buf = elf->mem + s->offset;
	if (size != NULL)
		*size = s->size;
	return 0;
}

/*
 * Find the next string of a NUL-separated block at or after *pos: leading and
 * repeated NULs are skipped, and a tail without its NUL is not a string.
 */
static bool next_string(const uint8_t *p, uint64_t size, uint64_t *pos, uint64_t *len)
{
	const uint8_t *nul;

	while (*pos < size && p[*pos] == '\0')
		(*pos)++;
	if (*pos >= size)
		return false;
	nul = memchr(p + *pos, '\0', size - *pos);
	if (nul == NULL)
		return false;
	*len = (uint64_t)(nul - (p + *pos));
	return true;
}

/* NULL-terminated vector of the block's strings, copied into the same allocation. */
int kmod_elf_split_strings(const uint8_t *p, uint64_t size, char ***array)
{
	size_t count = 0, bytes = 0, vec, total;
	uint64_t i, len;
	char **v, *dst;

	for (i = 0; next_string(p, size, &i, &len); i += len + 1) {
		count++;
		bytes += (size_t)len + 1;
	}
	if (count > INT32_MAX || umul_overflow(count + 1, sizeof(char *), &vec) ||
	    uadd_overflow(vec, bytes, &total))
		return -ENOMEM;
	v = malloc(total);
	if (v == NULL)
		return -ENOMEM;

	dst = (char *)v + vec;
	count = 0;
	for (i = 0; next_string(p, size, &i, &len); i += len + 1) {
		memcpy(dst, p + i, len + 1);
		v[count++] = dst;
		dst += len + 1;
	}
	v[count] = NULL;
	*array = v;
	return (int)count;
}

int kmod_elf_get_modinfo_strings(const struct kmod_elf *elf, char ***array)
{
	const struct elf_section *s;
	int err;

	if (elf == NULL || array == NULL)
		return -EINVAL;
	err = kmod_elf_find_section_data(elf, ".modinfo", &s);
	if (err < 0)
		return err;
	return kmod_elf_split_strings(elf->mem + s->offset, s->size, array);
}

int kmod_elf_get_modversions(const struct kmod_elf *elf, struct kmod_modversion **array)
{
	_cleanup_free_ struct kmod_modversion *v = NULL;
	const struct elf_section *s;
	size_t count, total;
	unsigned int crc_len;
	char *dst;
	int err;

	if (elf == NULL || array == NULL)
		return -EINVAL;
	crc_len = elf_layout(elf)->word;
	err = kmod_elf_find_section_data(elf, "__versions", &s);
	if (err < 0)
		return err;
	if (s->size % MODVERSION_RECORD != 0 || s->size / MODVERSION_RECORD > INT32_MAX)
		return -EINVAL;
	count = (size_t)(s->size / MODVERSION_RECORD);

	/* Room for every name at its maximum length saves a counting pass. */
	if (umul_overflow(count, sizeof(*v) + MODVERSION_RECORD, &total))
		return -ENOMEM;
	v = malloc(total > 0 ? total : 1);
	if (v == NULL)
		return -ENOMEM;

	dst = (char *)(v + count);
	for (size_t i = 0; i < count; i++) {
		uint64_t rec = s->offset + i * MODVERSION_RECORD;
		const char *name = (const char *)elf->mem + rec + crc_len;
		const char *nul = memchr(name, '\0', MODVERSION_RECORD - crc_len);

		if (nul == NULL)
			return -EINVAL;
		/* ppc64 ELFv1 function descriptors put a '.' in front of names */
		if (name[0] == '.')
			name++;
		memcpy(dst, name, (size_t)(nul - name) + 1);
		v[i].crc = elf_uint(elf, rec, crc_len);
		v[i].symbol = dst;
		dst += nul - name + 1;
	}
	*array = TAKE_PTR(v);
	return (int)count;
}

/*
 * struct module starts with an enum and a list_head (two pointers), so the name
 * sits 3 words in and, with MODULE_NAME_LEN = 64 - sizeof(long), is that long.
 */
int kmod_elf_get_this_module_name(const struct kmod_elf *elf, const char **name)
{
	const struct elf_section *s;
	unsigned int word, at;
	uint64_t avail;
	const char *p;
	int err;

	if (elf == NULL || name == NULL)
		return -EINVAL;
	word = elf_layout(elf)->word;
	at = 3 * word;
	err = kmod_elf_find_section_data(elf, ".gnu.linkonce.this_module", &s);
	if (err < 0)
		return err;
	if (s->size <= at)
		return -EINVAL;

	avail = s->size - at;
	if (avail > 64 - word)
		avail = 64 - word;
	p = (const char *)elf->mem + s->offset + at;
	if (memchr(p, '\0', avail) == NULL)
		return -EINVAL;
	*name = p;
	return 0;
}

/*
 * ELF notes: namesz, descsz and type (4 bytes each in both classes), then
 * the name and the descriptor, each padded to 4 bytes.  The linker's
 * --build-id writes one note named "GNU" of type NT_GNU_BUILD_ID.
 */
#define NOTE_HEADER 12
#define NOTE_ALIGN(x) (((x) + 3) & ~(uint64_t)3)

int kmod_elf_get_build_id(const struct kmod_elf *elf, const uint8_t **id, size_t *len)
{
	const struct elf_section *s;
	uint64_t pos = 0;
	int err;

	if (elf == NULL || id == NULL || len == NULL)
		return -EINVAL;
	err = kmod_elf_find_section_data(elf, ".note.gnu.build-id", &s);
	if (err < 0)
		return err;
	while (range_ok(pos, NOTE_HEADER, s->size)) {
		uint64_t at = s->offset + pos;
		uint64_t namesz = elf_uint(elf, at, 4);
		uint64_t descsz = elf_uint(elf, at + 4, 4);
		uint64_t type = elf_uint(elf, at + 8, 4);
		uint64_t name = pos + NOTE_HEADER, desc = name + NOTE_ALIGN(namesz);

		/* both sizes are below 2^32: no sum here can wrap */
		if (!range_ok(name, NOTE_ALIGN(namesz), s->size) ||
		    !range_ok(desc, descsz, s->size))
			return -EINVAL;
		if (type == NT_GNU_BUILD_ID && namesz == sizeof(ELF_NOTE_GNU) &&
		    memcmp(elf->mem + s->offset + name, ELF_NOTE_GNU, namesz) == 0) {
			if (descsz == 0)
				return -EINVAL;
			*id = elf->mem + s->offset + desc;
			*len = (size_t)descsz;
			return 0;
		}
		pos = desc + NOTE_ALIGN(descsz);
	}
	return -EINVAL;
}

/* Offset inside .modinfo of the next "vermagic=" string at or after @from, or -1. */
static int64_t find_vermagic(const struct kmod_elf *elf, const struct elf_section *s,
			     uint64_t from, uint64_t *len)
{
	static const char key[] = "vermagic=";
	const uint8_t *p = elf->mem + s->offset;

	for (uint64_t i = from; next_string(p, s->size, &i, len); i += *len + 1) {
		if (*len >= sizeof(key) - 1 && memcmp(p + i, key, sizeof(key) - 1) == 0)
			return (int64_t)i;
	}
	return -1;
}

int kmod_elf_strip(const struct kmod_elf *elf, void *mem, unsigned int flags)
{
	const struct elf_layout *l;
	const struct elf_section *modinfo = NULL;
	uint8_t *out = mem;
	int versions = -1;

	if (elf == NULL || mem == NULL)
		return -EINVAL;
	if (flags & ~(unsigned int)(KMOD_ELF_STRIP_MODVERSION | KMOD_ELF_STRIP_VERMAGIC))
		return -EINVAL;
	l = elf_layout(elf);

	/* Look everything up first so a failure leaves @mem untouched. */
	if (flags & KMOD_ELF_STRIP_MODVERSION) {
		versions = find_section(elf, "__versions");
		if (versions < 0)
			return -ENODATA;
	}
	if (flags & KMOD_ELF_STRIP_VERMAGIC) {
		uint64_t len;

		if (kmod_elf_find_section_data(elf, ".modinfo", &modinfo) < 0 ||
		    find_vermagic(elf, modinfo, 0, &len) < 0)
			return -ENODATA;
	}

	if (versions >= 0) {
		uint64_t at =
			elf->shoff + (uint64_t)versions * elf->shentsize + l->sh_flags;
		uint64_t f = elf_uint(elf, at, l->word);

		put_uint(out + at, l->word, elf->msb, f & ~(uint64_t)SHF_ALLOC);
	}
	if (modinfo != NULL) {
		uint64_t len, from = 0;
		int64_t at;

		/* Every copy goes: the kernel would otherwise check the next one. */
		while ((at = find_vermagic(elf, modinfo, from, &len)) >= 0) {
			memset(out + modinfo->offset + (uint64_t)at, '\0', len);
			from = (uint64_t)at + len + 1;
		}
	}
	return 0;
}

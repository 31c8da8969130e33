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

#include "libkmod-elf.h"

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

static const struct elf_layout layout32 = ELF_LAYOUT(32);
static const struct elf_layout layout64 = ELF_LAYOUT(64);

static const struct elf_layout *elf_layout(const struct kmod_elf *elf)
{
	return elf->is64 ? &layout64 : &layout32;
}

/* True when [off, off + len) lies inside [0, total); cannot overflow. */
static bool range_ok(uint64_t off, uint64_t len, uint64_t total)
{
	return off <= total && len <= total - off;
}

#define HOST_MSB (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)

/*
 * Widths of ELF fields are 1, 2, 4 or 8 bytes: each is one load (depmod reads
 * millions of symbol entries, and assembling them byte by byte was a third of
 * its time), swapped when the file's byte order is not the host's.
 */
static uint64_t get_uint(const uint8_t *p, unsigned int width, bool msb)
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

static void put_uint(uint8_t *p, unsigned int width, bool msb, uint64_t v)
{
	for (unsigned int i = 0; i < width; i++) {
		unsigned int shift = msb ? (width - 1 - i) * 8 : i * 8;

		p[i] = (uint8_t)(v >> shift);
	}
}

/* Caller has range-checked [off, off + width). */
static uint64_t elf_uint(const struct kmod_elf *elf, uint64_t off, unsigned int width)
{
	return get_uint(elf->mem + off, width, elf->msb);
}

static bool section_has_data(const struct elf_section *s)
{
	return s->type != SHT_NULL && s->type != SHT_NOBITS;
}

/*
 * Bring a section's bytes into memory before its first use.  The section
 * table is the object's own, so it is updated through a const view: filling
 * changes what is cached, not what the ELF says.
 */
static int section_ready(const struct kmod_elf *elf, const struct elf_section *s)
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
	err = section_ready(elf, s);
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
static int find_section_data(const struct kmod_elf *elf, const char *name,
			     const struct elf_section **sec)
{
	int idx = find_section(elf, name);
	int err;

	if (idx < 0)
		return idx;
	if (!section_has_data(&elf->sections[idx]))
		return -ENODATA;
	err = section_ready(elf, &elf->sections[idx]);
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
	idx = find_section_data(elf, section, &s);
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
static int split_strings(const uint8_t *p, uint64_t size, char ***array)
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
	err = find_section_data(elf, ".modinfo", &s);
	if (err < 0)
		return err;
	return split_strings(elf->mem + s->offset, s->size, array);
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
	err = find_section_data(elf, "__versions", &s);
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
	err = find_section_data(elf, ".gnu.linkonce.this_module", &s);
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
	err = find_section_data(elf, ".note.gnu.build-id", &s);
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

		if (find_section_data(elf, ".modinfo", &modinfo) < 0 ||
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

/* --- symbol tables ---------------------------------------------------------------- */

struct symtab {
	const struct elf_section *sec;
	const struct elf_section *strtab;
	const uint8_t *str; /* the string table's bytes */
	uint64_t count;
	unsigned int entsize;
	bool terminated; /* ends with a NUL: any offset in it starts a string */
};

struct sym {
	const char *name;
	uint64_t value;
	uint16_t shndx;
	uint8_t bind;
};

static int symtab_open(const struct kmod_elf *elf, struct symtab *st)
{
	const struct elf_section *s = NULL;
	int err;

	for (uint16_t i = 0; i < elf->shnum; i++) {
		if (elf->sections[i].type == SHT_SYMTAB) {
			s = &elf->sections[i];
			break;
		}
	}
	if (s == NULL)
		return -ENODATA;
	st->entsize = elf_layout(elf)->sym_size;
	if (s->size % st->entsize != 0 || s->link >= elf->shnum ||
	    !section_has_data(&elf->sections[s->link]))
		return -EINVAL;
	st->sec = s;
	st->strtab = &elf->sections[s->link];
	st->count = s->size / st->entsize;
	err = section_ready(elf, st->sec);
	if (err == 0)
		err = section_ready(elf, st->strtab);
	if (err < 0)
		return err;
	st->str = elf->mem + st->strtab->offset;
	st->terminated = st->strtab->size > 0 && st->str[st->strtab->size - 1] == '\0';
	return 0;
}

/* Where entry @i starts in the image. */
static uint64_t symtab_entry(const struct symtab *st, uint64_t i)
{
	return st->sec->offset + i * st->entsize;
}

/* The name of the entry at @ent, or NULL when it is no string of the table. */
static const char *symtab_name(const struct kmod_elf *elf, const struct symtab *st,
			       uint64_t ent)
{
	uint64_t name = elf_uint(elf, ent, 4);

	if (name >= st->strtab->size)
		return NULL;
	/* a table that does not end with a NUL is checked name by name */
	if (!st->terminated && !memchr(st->str + name, '\0', st->strtab->size - name))
		return NULL;
	return (const char *)st->str + name;
}

static uint16_t symtab_shndx(const struct kmod_elf *elf, uint64_t ent)
{
	return (uint16_t)elf_uint(elf, ent + elf_layout(elf)->st_shndx, 2);
}

static uint8_t symtab_bind(const struct kmod_elf *elf, uint64_t ent)
{
	return elf->mem[ent + elf_layout(elf)->st_info] >> 4;
}

static void symtab_get(const struct kmod_elf *elf, uint64_t ent, const char *name,
		       struct sym *sym)
{
	const struct elf_layout *l = elf_layout(elf);

	sym->name = name;
	sym->value = elf_uint(elf, ent + l->st_value, l->word);
	sym->shndx = symtab_shndx(elf, ent);
	sym->bind = symtab_bind(elf, ent);
}

static char bind_char(uint8_t bind)
{
	switch (bind) {
	case STB_LOCAL:
		return KMOD_ELF_BIND_LOCAL;
	case STB_GLOBAL:
		return KMOD_ELF_BIND_GLOBAL;
	case STB_WEAK:
		return KMOD_ELF_BIND_WEAK;
	}
	return KMOD_ELF_BIND_NONE;
}

/* A symbol found, its name still in the image. */
struct found {
	const char *name;
	size_t len;
	uint64_t crc;
	char bind;
};

/* Copy @n symbols found into one malloc'ed block; @bytes: their names with NULs. */
static int pack_symbols(const struct found *tmp, size_t n, size_t bytes,
			struct kmod_elf_symbol **array)
{
	struct kmod_elf_symbol *v;
	size_t vec, total;
	char *dst;

	if (n > INT32_MAX || umul_overflow(n, sizeof(*v), &vec) ||
	    uadd_overflow(vec, bytes, &total))
		return -ENOMEM;
	v = malloc(total > 0 ? total : 1);
	if (v == NULL)
		return -ENOMEM;
	dst = (char *)v + vec;
	for (size_t i = 0; i < n; i++) {
		memcpy(dst, tmp[i].name, tmp[i].len + 1);
		v[i] = (struct kmod_elf_symbol){ .crc = tmp[i].crc,
						 .bind = tmp[i].bind,
						 .symbol = dst };
		dst += tmp[i].len + 1;
	}
	*array = v;
	return (int)n;
}

/* Room for @n symbols found, or NULL. */
static struct found *found_alloc(uint64_t n)
{
	size_t size;

	if (n > SIZE_MAX || umul_overflow((size_t)n, sizeof(struct found), &size))
		return NULL;
	return malloc(size > 0 ? size : 1);
}

/*
 * A __crc_ symbol is either absolute (the value is the CRC) or, since
 * relative CRCs, points at a u32 inside a section of the module.
 */
static int crc_value(const struct kmod_elf *elf, const struct sym *sym, uint64_t *crc)
{
	const struct elf_section *s;
	int err;

	if (sym->shndx == SHN_UNDEF || sym->shndx >= SHN_LORESERVE) {
		*crc = sym->value;
		return 0;
	}
	if (sym->shndx >= elf->shnum)
		return -EINVAL;
	s = &elf->sections[sym->shndx];
	if (!section_has_data(s) || !range_ok(sym->value, 4, s->size))
		return -EINVAL;
	err = section_ready(elf, s);
	if (err < 0)
		return err;
	*crc = elf_uint(elf, s->offset + sym->value, 4);
	return 0;
}

/* "__crc_" and at least one more character; most names differ at the first bytes. */
static bool is_crc_symbol(const char *name)
{
	for (size_t i = 0; i < strlen(CRC_PREFIX); i++) {
		if (name[i] != CRC_PREFIX[i])
			return false;
	}
	return name[strlen(CRC_PREFIX)] != '\0';
}

static int symbols_from_crcs(const struct kmod_elf *elf, struct kmod_elf_symbol **array)
{
	_cleanup_free_ struct found *tmp = NULL;
	struct symtab st;
	size_t n = 0, bytes = 0;
	int err;

	err = symtab_open(elf, &st);
	if (err < 0)
		return err;
	tmp = found_alloc(st.count);
	if (tmp == NULL)
		return -ENOMEM;

	for (uint64_t i = 1; i < st.count; i++) {
		uint64_t ent = symtab_entry(&st, i);
		const char *name = symtab_name(elf, &st, ent);
		struct sym sym;

		if (name == NULL)
			return -EINVAL;
		if (!is_crc_symbol(name))
			continue;
		symtab_get(elf, ent, name, &sym);
		err = crc_value(elf, &sym, &tmp[n].crc);
		if (err < 0)
			return err;
		tmp[n].bind = bind_char(sym.bind);
		tmp[n].name = name + strlen(CRC_PREFIX);
		tmp[n].len = strlen(tmp[n].name);
		bytes += tmp[n].len + 1;
		n++;
	}
	if (n == 0)
		return -ENODATA;
	return pack_symbols(tmp, n, bytes, array);
}

static int symbols_from_ksymtab(const struct kmod_elf *elf,
				struct kmod_elf_symbol **array)
{
	_cleanup_free_ struct found *tmp = NULL;
	_cleanup_free_ char **names = NULL;
	const struct elf_section *s;
	size_t bytes = 0;
	int n;

	if (find_section_data(elf, "__ksymtab_strings", &s) < 0)
		return pack_symbols(NULL, 0, 0, array);
	n = split_strings(elf->mem + s->offset, s->size, &names);
	if (n < 0)
		return n;
	tmp = found_alloc((uint64_t)n);
	if (tmp == NULL)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		tmp[i] = (struct found){ .name = names[i],
					 .len = strlen(names[i]),
					 .bind = KMOD_ELF_BIND_GLOBAL };
		bytes += tmp[i].len + 1;
	}
	return pack_symbols(tmp, (size_t)n, bytes, array);
}

int kmod_elf_get_symbols(const struct kmod_elf *elf, struct kmod_elf_symbol **array)
{
	int n;

	if (elf == NULL || array == NULL)
		return -EINVAL;
	n = symbols_from_crcs(elf, array);
	if (n != -ENODATA)
		return n;
	return symbols_from_ksymtab(elf, array);
}

/*
 * The __versions records by name, for the undefined symbols to find their
 * CRC: open addressing over a power of two of slots, each the number of a
 * record plus one (0: free).  The names stay in the image.
 */
struct versions {
	const struct kmod_elf *elf;
	uint64_t offset; /* of the section */
	size_t count;
	unsigned int crc_len;
	uint32_t *slot;
	size_t mask;
	uint8_t *len; /* per record: the length of its name */
	bool *named;  /* per record: an undefined symbol has its name */
};

static void versions_free(struct versions *vt)
{
	free(vt->slot);
	free(vt->len);
}

static uint64_t name_hash(const char *s, size_t len)
{
	const uint64_t k = 0xff51afd7ed558ccdULL;
	uint64_t h = len * 0x9e3779b97f4a7c15ULL, w;

	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * k;
		h ^= h >> 32;
	}
	w = 0;
	for (size_t i = 0; i < len; i++)
		w |= (uint64_t)(uint8_t)s[i] << (8 * i);
	h = (h ^ w) * k;
	return h ^ (h >> 29);
}

/* Record @i's name, without the '.' ppc64 ELFv1 function descriptors put in front. */
static const char *versions_name(const struct versions *vt, size_t i)
{
	const char *name = (const char *)vt->elf->mem + vt->offset +
			   i * MODVERSION_RECORD + vt->crc_len;

	return name[0] == '.' ? name + 1 : name;
}

static uint64_t versions_crc(const struct versions *vt, size_t i)
{
	return elf_uint(vt->elf, vt->offset + i * MODVERSION_RECORD, vt->crc_len);
}

/* Number of the first record called @name (@len bytes) plus one, or 0. */
static size_t versions_find(const struct versions *vt, const char *name, size_t len,
			    bool add, size_t rec)
{
	for (size_t i = name_hash(name, len) & vt->mask;; i = (i + 1) & vt->mask) {
		size_t vlen;

		if (vt->slot[i] == 0) {
			if (add)
				vt->slot[i] = (uint32_t)rec + 1;
			return 0;
		}
		vlen = vt->len[vt->slot[i] - 1];
		if (vlen == len &&
		    memcmp(versions_name(vt, vt->slot[i] - 1), name, len) == 0)
			return vt->slot[i];
	}
}

/* The table of __versions; an empty one without the section.  0 or -errno. */
static int versions_open(const struct kmod_elf *elf, struct versions *vt)
{
	const struct elf_section *s;
	size_t slots = 16;
	int err;

	*vt = (struct versions){ .elf = elf, .crc_len = elf_layout(elf)->word };
	err = find_section_data(elf, "__versions", &s);
	if (err == -ENODATA)
		return 0;
	if (err < 0)
		return err;
	if (s->size % MODVERSION_RECORD != 0 || s->size / MODVERSION_RECORD > INT32_MAX)
		return -EINVAL;
	vt->offset = s->offset;
	vt->count = (size_t)(s->size / MODVERSION_RECORD);
	while (slots < 2 * vt->count)
		slots *= 2;
	vt->slot = calloc(slots, sizeof(*vt->slot));
	/* the lengths, then the marks */
	vt->len = calloc(vt->count + 1, 2);
	if (vt->slot == NULL || vt->len == NULL)
		return -ENOMEM;
	vt->named = (bool *)(vt->len + vt->count + 1);
	vt->mask = slots - 1;
	for (size_t i = 0; i < vt->count; i++) {
		const char *name = versions_name(vt, i);
		const char *rec = (const char *)elf->mem + vt->offset +
				  i * MODVERSION_RECORD + vt->crc_len;
		const char *nul = memchr(rec, '\0', MODVERSION_RECORD - vt->crc_len);

		if (nul == NULL)
			return -EINVAL;
		vt->len[i] = (uint8_t)(nul - name);
		/* a name met again keeps its first record */
		versions_find(vt, name, vt->len[i], true, i);
	}
	return 0;
}

/*
 * Undefined symbols of .symtab in table order, then, as kmod lists them, every
 * __versions entry no undefined symbol names (module_layout, mostly), in
 * section order.
 */
int kmod_elf_get_dependency_symbols(const struct kmod_elf *elf,
				    struct kmod_elf_symbol **array)
{
	_cleanup_(versions_free) struct versions vt = { 0 };
	_cleanup_free_ struct found *tmp = NULL;
	struct symtab st;
	size_t n = 0, bytes = 0;
	int err;

	if (elf == NULL || array == NULL)
		return -EINVAL;
	err = symtab_open(elf, &st);
	if (err < 0)
		return err;
	err = versions_open(elf, &vt);
	if (err < 0)
		return err;
	tmp = found_alloc(st.count + vt.count);
	if (tmp == NULL)
		return -ENOMEM;

	for (uint64_t i = 1; i < st.count; i++) {
		uint64_t ent = symtab_entry(&st, i);
		const char *name = symtab_name(elf, &st, ent);
		size_t len, skip, hit = 0;

		if (name == NULL)
			return -EINVAL;
		if (symtab_shndx(elf, ent) != SHN_UNDEF || name[0] == '\0')
			continue;
		len = strlen(name);
		/* ppc64 names lost their '.' in __versions */
		skip = name[0] == '.';
		if (vt.count > 0)
			hit = versions_find(&vt, name + skip, len - skip, false, 0);
		if (hit > 0)
			vt.named[hit - 1] = true;
		tmp[n] = (struct found){
			.name = name,
			.len = len,
			.crc = hit > 0 ? versions_crc(&vt, hit - 1) : 0,
			.bind = symtab_bind(elf, ent) == STB_WEAK ? KMOD_ELF_BIND_WEAK
								  : KMOD_ELF_BIND_UNDEF,
		};
		bytes += len + 1;
		n++;
	}
	for (size_t i = 0; i < vt.count; i++) {
		if (vt.named[i])
			continue;
		tmp[n].name = versions_name(&vt, i);
		tmp[n].len = vt.len[i];
		tmp[n].crc = versions_crc(&vt, i);
		tmp[n].bind = KMOD_ELF_BIND_UNDEF;
		bytes += tmp[n].len + 1;
		n++;
	}
	return pack_symbols(tmp, n, bytes, array);
}

// SPDX-License-Identifier: LGPL-2.1-or-later

/*
 * The symbol tables of a module: what it exports (its __crc_ symbols, or
 * __ksymtab_strings without them) and what it needs (its undefined symbols
 * with the CRCs of __versions).  The same distrust of the image as in
 * libkmod-elf.c: every offset is checked before use.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/macro.h"
#include "util/strhash.h"

#include "libkmod/libkmod-elf-internal.h"

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
	err = kmod_elf_section_ready(elf, st->sec);
	if (err == 0)
		err = kmod_elf_section_ready(elf, st->strtab);
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
	err = kmod_elf_section_ready(elf, s);
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

	if (kmod_elf_find_section_data(elf, "__ksymtab_strings", &s) < 0)
		return pack_symbols(NULL, 0, 0, array);
	n = kmod_elf_split_strings(elf->mem + s->offset, s->size, &names);
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
	for (size_t i = strhash(name, len) & vt->mask;; i = (i + 1) & vt->mask) {
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
	err = kmod_elf_find_section_data(elf, "__versions", &s);
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

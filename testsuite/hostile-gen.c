// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hostile-gen IN.ko OUTDIR
 *
 * Writes broken variants of a 64-bit little-endian ELF module into OUTDIR,
 * one file per case, and prints each case's file name on a line:
 *   trunc-<off>.ko         the first <off> bytes: 0, 1, inside and at the end
 *                          of the ELF header, at the start and end of every
 *                          section header and of every section's contents
 *   sec<i>-off-eof.ko      section i's sh_offset at the end of the file
 *   sec<i>-off-wrap.ko     sh_offset near 2^64: offset + size wraps around
 *   sec<i>-size-huge.ko    sh_size 2^63
 *   sec<i>-name-out.ko     sh_name past the end of .shstrtab
 *   sec<i>-link-out.ko     sh_link past e_shnum (sections that have a link)
 *   class32 classbad be databad version0 shnum-big shnum0 shstrndx-out
 *   shstrndx-big shoff-eof shoff-wrap shentsize-small shentsize-big
 *   modinfo-unterminated strtab-unterminated shstrtab-unterminated
 *   modinfo-nobits sym-name-out symtab-entsize0 versions-odd
 * Stand-alone (no libkmod): the tests use it to build the cases.
 */

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *outdir;
static uint8_t *orig;
static size_t orig_len;

static void die(const char *what)
{
	fprintf(stderr, "hostile-gen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void emit(const char *name, const uint8_t *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.ko", outdir, name);
	f = fopen(path, "wb");
	if (f == NULL)
		die(path);
	if ((len > 0 && fwrite(data, 1, len, f) != len) || fclose(f) != 0)
		die(path);
	printf("%s\n", name);
}

static uint8_t *copy(void)
{
	uint8_t *p = malloc(orig_len);

	if (p == NULL)
		die("malloc");
	memcpy(p, orig, orig_len);
	return p;
}

static Elf64_Ehdr *ehdr(uint8_t *p)
{
	return (Elf64_Ehdr *)p;
}

static Elf64_Shdr *shdr(uint8_t *p, unsigned int i)
{
	return (Elf64_Shdr *)(p + ehdr(p)->e_shoff + (size_t)i * sizeof(Elf64_Shdr));
}

static const char *secname(unsigned int i)
{
	const Elf64_Shdr *str = shdr(orig, ehdr(orig)->e_shstrndx);

	return (const char *)orig + str->sh_offset + shdr(orig, i)->sh_name;
}

static int find(const char *name)
{
	for (unsigned int i = 1; i < ehdr(orig)->e_shnum; i++)
		if (strcmp(secname(i), name) == 0)
			return (int)i;
	return -1;
}

static void truncations(void)
{
	size_t *offs = calloc(4 + 4 * ehdr(orig)->e_shnum, sizeof(*offs));
	size_t n = 0;
	char name[64];

	if (offs == NULL)
		die("calloc");
	offs[n++] = 0;
	offs[n++] = 1;
	offs[n++] = EI_NIDENT;
	offs[n++] = sizeof(Elf64_Ehdr) - 1;
	offs[n++] = sizeof(Elf64_Ehdr);
	for (unsigned int i = 0; i < ehdr(orig)->e_shnum; i++) {
		Elf64_Shdr *s = shdr(orig, i);

		offs[n++] = ehdr(orig)->e_shoff + (size_t)i * sizeof(Elf64_Shdr);
		offs[n++] = ehdr(orig)->e_shoff + (size_t)i * sizeof(Elf64_Shdr) + 8;
		if (s->sh_type != SHT_NOBITS && s->sh_size > 0) {
			offs[n++] = s->sh_offset;
			offs[n++] = s->sh_offset + s->sh_size - 1;
		}
	}
	offs[n++] = orig_len - 1;

	for (size_t i = 0; i < n; i++) {
		bool dup = offs[i] >= orig_len;

		for (size_t j = 0; j < i && !dup; j++)
			dup = offs[j] == offs[i];
		if (dup)
			continue;
		snprintf(name, sizeof(name), "trunc-%zu", offs[i]);
		emit(name, orig, offs[i]);
	}
	free(offs);
}

/* One mutated copy: edit() changes it, emit() writes it. */
#define MUTATE(label, stmt)                                                              \
	do {                                                                             \
		uint8_t *p = copy();                                                     \
		stmt;                                                                    \
		emit(label, p, orig_len);                                                \
		free(p);                                                                 \
	} while (0)

static void sections(void)
{
	unsigned int shnum = ehdr(orig)->e_shnum;
	char name[64];

	for (unsigned int i = 1; i < shnum; i++) {
		const Elf64_Shdr *s = shdr(orig, i);

		if (s->sh_type == SHT_NOBITS || s->sh_size == 0)
			continue;
		snprintf(name, sizeof(name), "sec%u-off-eof", i);
		MUTATE(name, shdr(p, i)->sh_offset = orig_len);
		snprintf(name, sizeof(name), "sec%u-off-wrap", i);
		MUTATE(name, shdr(p, i)->sh_offset = UINT64_MAX - 7);
		snprintf(name, sizeof(name), "sec%u-size-huge", i);
		MUTATE(name, shdr(p, i)->sh_size = (uint64_t)1 << 63);
		snprintf(name, sizeof(name), "sec%u-name-out", i);
		MUTATE(name, shdr(p, i)->sh_name = 0x7fffff00);
		if (s->sh_link != 0) {
			snprintf(name, sizeof(name), "sec%u-link-out", i);
			MUTATE(name, shdr(p, i)->sh_link = shnum + 3);
		}
	}
}

/* The last byte of section @sec becomes 'x': its strings are not terminated. */
static void unterminate(const char *label, const char *sec)
{
	int i = find(sec);

	if (i < 0) {
		fprintf(stderr, "hostile-gen: no %s section\n", sec);
		exit(1);
	}
	MUTATE(label, {
		Elf64_Shdr *s = shdr(p, i);
		memset(p + s->sh_offset + s->sh_size - 1, 'x', 1);
	});
}

static void headers(void)
{
	int symtab = find(".symtab");
	int modinfo = find(".modinfo");
	int versions = find("__versions");

	MUTATE("class32", p[EI_CLASS] = ELFCLASS32);
	MUTATE("classbad", p[EI_CLASS] = 7);
	MUTATE("be", p[EI_DATA] = ELFDATA2MSB);
	MUTATE("databad", p[EI_DATA] = 9);
	MUTATE("magic", p[EI_MAG1] = 'X');
	MUTATE("shnum-big", ehdr(p)->e_shnum = 0xffff);
	MUTATE("shnum0", ehdr(p)->e_shnum = 0);
	MUTATE("shstrndx-out", ehdr(p)->e_shstrndx = ehdr(p)->e_shnum);
	MUTATE("shstrndx-big", ehdr(p)->e_shstrndx = 0xfffe);
	MUTATE("shstrndx0", ehdr(p)->e_shstrndx = 0);
	MUTATE("shoff-eof", ehdr(p)->e_shoff = orig_len);
	MUTATE("shoff-wrap", ehdr(p)->e_shoff = UINT64_MAX - 63);
	MUTATE("shentsize-small", ehdr(p)->e_shentsize = 16);
	MUTATE("shentsize-big", ehdr(p)->e_shentsize = 0xffff);
	unterminate("modinfo-unterminated", ".modinfo");
	unterminate("strtab-unterminated", ".strtab");
	unterminate("shstrtab-unterminated", ".shstrtab");
	if (modinfo > 0)
		MUTATE("modinfo-nobits", shdr(p, modinfo)->sh_type = SHT_NOBITS);
	if (symtab > 0) {
		MUTATE("sym-name-out", {
			Elf64_Shdr *s = shdr(p, symtab);
			for (size_t o = sizeof(Elf64_Sym);
			     o + sizeof(Elf64_Sym) <= s->sh_size; o += sizeof(Elf64_Sym))
				((Elf64_Sym *)(p + s->sh_offset + o))->st_name =
					0xfffffff0;
		});
		MUTATE("sym-shndx-out", {
			Elf64_Shdr *s = shdr(p, symtab);
			for (size_t o = sizeof(Elf64_Sym);
			     o + sizeof(Elf64_Sym) <= s->sh_size; o += sizeof(Elf64_Sym))
				((Elf64_Sym *)(p + s->sh_offset + o))->st_shndx = 0xfff0;
		});
		MUTATE("symtab-entsize0", shdr(p, symtab)->sh_entsize = 0);
		MUTATE("symtab-size-odd", shdr(p, symtab)->sh_size -= 5);
	}
	if (versions > 0)
		MUTATE("versions-odd", shdr(p, versions)->sh_size -= 3);
}

int main(int argc, char **argv)
{
	FILE *f;
	long len;

	if (argc != 3) {
		fprintf(stderr, "usage: hostile-gen IN.ko OUTDIR\n");
		return 2;
	}
	outdir = argv[2];
	f = fopen(argv[1], "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		die(argv[1]);
	orig_len = (size_t)len;
	orig = malloc(orig_len);
	if (orig == NULL || fread(orig, 1, orig_len, f) != orig_len)
		die(argv[1]);
	fclose(f);

	if (orig_len < sizeof(Elf64_Ehdr) || memcmp(orig, ELFMAG, SELFMAG) != 0 ||
	    orig[EI_CLASS] != ELFCLASS64 || orig[EI_DATA] != ELFDATA2LSB ||
	    ehdr(orig)->e_shoff + (size_t)ehdr(orig)->e_shnum * sizeof(Elf64_Shdr) >
		    orig_len) {
		fprintf(stderr, "hostile-gen: %s: not a 64-bit little-endian ELF file\n",
			argv[1]);
		return 1;
	}

	truncations();
	sections();
	headers();
	free(orig);
	return 0;
}

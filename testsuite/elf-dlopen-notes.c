// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * elf-dlopen-notes FILE: the ELF dlopen metadata notes of FILE, as packaging
 * tools read them (systemd's and uapi-group's "ELF dlopen metadata"; dracut-
 * install walks the section .note.dlopen, dpkg's and rpm's helpers the
 * notes of type 0x407c0c0a): one line per note, its JSON text.
 *
 * Checked on the way, each failure a message and exit 1: FILE is an ELF
 * object of this machine's class; it has one section .note.dlopen, of type
 * SHT_NOTE, allocated and read-only, 4-byte aligned, inside a PT_NOTE segment;
 * it holds nothing but notes of owner "FDO" and type 0x407c0c0a; each
 * description is a NUL-terminated string without another NUL, padded with
 * zeros to 4 bytes, as the name is.  No note at all: exit 2.
 */

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOTE_TYPE 0x407c0c0a

static const char *file;

__attribute__((format(printf, 1, 2), noreturn)) static void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "elf-dlopen-notes: %s: ", file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static bool zeros(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != 0)
			return false;
	}
	return true;
}

/* A range of the file: fails unless [off, off + len) lies inside it. */
static const uint8_t *at(const uint8_t *map, size_t size, uint64_t off, uint64_t len)
{
	if (off > size || len > size - off)
		fail("offset %llu + %llu past the end of the file (%zu bytes)",
		     (unsigned long long)off, (unsigned long long)len, size);
	return map + off;
}

static const ElfW(Shdr) *
	find_section(const uint8_t *map, size_t size, const ElfW(Ehdr) * eh)
{
	const ElfW(Shdr) * sh, *strtab, *found = NULL;

	if (eh->e_shentsize != sizeof(ElfW(Shdr)) || eh->e_shstrndx >= eh->e_shnum)
		fail("bad section header table");
	sh = (const ElfW(Shdr) *)at(map, size, eh->e_shoff,
				    (uint64_t)eh->e_shnum * sizeof(ElfW(Shdr)));
	strtab = &sh[eh->e_shstrndx];
	for (size_t i = 0; i < eh->e_shnum; i++) {
		const char *names =
			(const char *)at(map, size, strtab->sh_offset, strtab->sh_size);
		const char *name;

		if (sh[i].sh_name >= strtab->sh_size)
			fail("section %zu: bad name", i);
		name = names + sh[i].sh_name;
		if (strnlen(name, strtab->sh_size - sh[i].sh_name) ==
		    strtab->sh_size - sh[i].sh_name)
			fail("section %zu: name not terminated", i);
		if (strcmp(name, ".note.dlopen") != 0)
			continue;
		if (found != NULL)
			fail("two sections .note.dlopen");
		found = &sh[i];
	}
	return found;
}

/* The section must be in a PT_NOTE segment too: some tools read segments only. */
static void check_segment(const uint8_t *map, size_t size, const ElfW(Ehdr) * eh,
			  const ElfW(Shdr) * sec)
{
	const ElfW(Phdr) * ph;

	if (eh->e_phentsize != sizeof(ElfW(Phdr)))
		fail("bad program header table");
	ph = (const ElfW(Phdr) *)at(map, size, eh->e_phoff,
				    (uint64_t)eh->e_phnum * sizeof(ElfW(Phdr)));
	for (size_t i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_NOTE && ph[i].p_offset <= sec->sh_offset &&
		    sec->sh_offset + sec->sh_size <= ph[i].p_offset + ph[i].p_filesz)
			return;
	}
	fail(".note.dlopen is in no PT_NOTE segment");
}

static int print_notes(const uint8_t *p, size_t len)
{
	size_t off = 0;
	int n = 0;

	while (off < len) {
		const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)(p + off);
		const uint8_t *name, *desc;
		size_t namesz, descsz;

		if (len - off < sizeof(*nh))
			fail("note %d: truncated header", n);
		namesz = nh->n_namesz;
		descsz = nh->n_descsz;
		off += sizeof(*nh);
		if (namesz > len - off || pad4(namesz) > len - off)
			fail("note %d: name past the section", n);
		name = p + off;
		off += pad4(namesz);
		if (descsz > len - off || pad4(descsz) > len - off)
			fail("note %d: description past the section", n);
		desc = p + off;
		off += pad4(descsz);

		if (namesz != 4 || memcmp(name, "FDO", 4) != 0)
			fail("note %d: owner is not \"FDO\"", n);
		if (nh->n_type != NOTE_TYPE)
			fail("note %d: type 0x%x, not 0x%x", n, nh->n_type, NOTE_TYPE);
		if (descsz == 0 || desc[descsz - 1] != '\0' ||
		    strlen((const char *)desc) != descsz - 1)
			fail("note %d: description is not one NUL-terminated string", n);
		if (!zeros(name + namesz, pad4(namesz) - namesz) ||
		    !zeros(desc + descsz, pad4(descsz) - descsz))
			fail("note %d: padding is not zeros", n);
		printf("%s\n", (const char *)desc);
		n++;
	}
	return n;
}

int main(int argc, char *argv[])
{
	const ElfW(Ehdr) * eh;
	const ElfW(Shdr) * sec;
	const uint8_t *map;
	struct stat st;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: elf-dlopen-notes FILE\n");
		return 1;
	}
	file = argv[1];
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		fail("%s", strerror(errno));
	if ((size_t)st.st_size < sizeof(ElfW(Ehdr)))
		fail("not an ELF file");
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		fail("%s", strerror(errno));
	eh = (const ElfW(Ehdr) *)map;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32))
		fail("not an ELF file of this machine's class");

	sec = find_section(map, st.st_size, eh);
	if (sec == NULL) {
		fprintf(stderr, "elf-dlopen-notes: %s: no section .note.dlopen\n", file);
		return 2;
	}
	if (sec->sh_type != SHT_NOTE)
		fail(".note.dlopen: type %u, not SHT_NOTE", sec->sh_type);
	if (!(sec->sh_flags & SHF_ALLOC) || (sec->sh_flags & (SHF_WRITE | SHF_EXECINSTR)))
		fail(".note.dlopen: not allocated read-only data (flags 0x%llx)",
		     (unsigned long long)sec->sh_flags);
	if (sec->sh_addralign < 4 || sec->sh_offset % 4 != 0)
		fail(".note.dlopen: not 4-byte aligned");
	check_segment(map, st.st_size, eh, sec);
	if (print_notes(at(map, st.st_size, sec->sh_offset, sec->sh_size),
			sec->sh_size) == 0) {
		fprintf(stderr, "elf-dlopen-notes: %s: .note.dlopen holds no note\n",
			file);
		return 2;
	}
	return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * libkmod-file: opening a module image with one decompressor.  The including
 * target defines FUZZ_MAGIC (the format's magic bytes) and FUZZ_COMPRESSION;
 * the input is the compressed file without its magic, so every input reaches
 * that decompressor.  The image is loaded with and without tail room, a
 * signature trailer is appended, and the result is looked at as ELF.
 */
#include "testsuite/fuzz/fuzz.h"
#include "libkmod/libkmod-elf.h"
#include "libkmod/libkmod-file.h"

static const uint8_t fuzz_magic[] = FUZZ_MAGIC;

/* Room asked for behind the image: a real trailer is well under this. */
#define FUZZ_TAIL_ROOM 4096
/* Appended after that, so the room has to grow. */
#define FUZZ_MORE 64

static void fuzz_load(const char *path, size_t tail_room)
{
	static const uint8_t trailer[FUZZ_TAIL_ROOM];
	struct kmod_file *file;
	struct kmod_elf *elf;
	uint8_t *mem;
	size_t size;

	if (kmod_file_open(&fuzz_logger, path, &file) < 0)
		return;
	if (kmod_file_get_compression(file) != FUZZ_COMPRESSION)
		abort();
	if (kmod_file_load_contents(file, tail_room) == 0) {
		mem = kmod_file_get_contents(file);
		size = kmod_file_get_size(file);
		if (size > 0 && mem == NULL)
			abort();
		if (size > 0)
			(void)*(volatile uint8_t *)(mem + size - 1);
		if (kmod_elf_new(mem, size, &elf) == 0)
			kmod_elf_free(elf);
		/* The room asked for is there; more is made on request. */
		if (kmod_file_append(file, trailer, tail_room) != 0)
			abort();
		if (kmod_file_load_contents(file, FUZZ_MORE) != 0 ||
		    kmod_file_append(file, trailer, FUZZ_MORE) != 0)
			abort();
		if (kmod_file_get_size(file) != size + tail_room + FUZZ_MORE)
			abort();
	}
	kmod_file_free(file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd;

	fd = fuzz_memfd(fuzz_magic, sizeof(fuzz_magic), data, size);
	if (fd < 0)
		return 0;
	fuzz_fd_path(path, sizeof(path), fd);
	fuzz_load(path, 0);
	fuzz_load(path, FUZZ_TAIL_ROOM);
	close(fd);
	return 0;
}

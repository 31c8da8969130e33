// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkmod-elf: a module image as bytes.  Everything depmod and modinfo ask of
 * an image, then the force-load edits on a private copy.
 */
#include <sanitizer/asan_interface.h>

#include "testsuite/fuzz/fuzz.h"
#include "libkmod/libkmod-elf.h"

/* A sparse image: bytes stay poisoned until the parser asks for them. */
struct sparse {
	const uint8_t *from;
	uint8_t *to;
};

static int sparse_fill(void *data, uint64_t off, uint64_t len)
{
	struct sparse *s = data;

	ASAN_UNPOISON_MEMORY_REGION(s->to + off, len);
	memcpy(s->to + off, s->from + off, len);
	return 0;
}

static void fuzz_strip(const struct kmod_elf *elf, const uint8_t *data, size_t size,
		       unsigned int flags)
{
	uint8_t *copy = malloc(size);
	struct kmod_elf *again;

	if (copy == NULL)
		return;
	memcpy(copy, data, size);
	/* What was stripped must still be an image the parser accepts. */
	if (kmod_elf_strip(elf, copy, flags) == 0) {
		if (kmod_elf_new(copy, size, &again) != 0)
			abort();
		kmod_elf_free(again);
	}
	free(copy);
}

/* @n: what a symbol getter returned; reads every name, frees the array. */
static void touch_symbols(int n, struct kmod_elf_symbol *symbols)
{
	if (n < 0)
		return;
	for (int i = 0; i < n; i++)
		fuzz_touch(symbols[i].symbol);
	free(symbols);
}

static void ask_everything(struct kmod_elf *elf, const uint8_t *data, size_t size)
{
	struct kmod_modversion *versions;
	struct kmod_elf_symbol *symbols;
	const void *buf;
	const uint8_t *id;
	size_t idlen;
	const char *name;
	uint64_t len;
	char **strings;
	int n;

	n = kmod_elf_get_modinfo_strings(elf, &strings);
	if (n >= 0) {
		for (int i = 0; i < n; i++)
			fuzz_touch(strings[i]);
		free(strings);
	}
	n = kmod_elf_get_modversions(elf, &versions);
	if (n >= 0) {
		for (int i = 0; i < n; i++)
			fuzz_touch(versions[i].symbol);
		free(versions);
	}
	touch_symbols(kmod_elf_get_symbols(elf, &symbols), symbols);
	touch_symbols(kmod_elf_get_dependency_symbols(elf, &symbols), symbols);
	if (kmod_elf_get_this_module_name(elf, &name) == 0)
		fuzz_touch(name);
	if (kmod_elf_get_section(elf, ".modinfo", &buf, &len) == 0 && len > 0)
		(void)*((const volatile uint8_t *)buf + len - 1);
	if (kmod_elf_get_build_id(elf, &id, &idlen) == 0) {
		if (idlen == 0)
			abort();
		(void)*((const volatile uint8_t *)id);
		(void)*((const volatile uint8_t *)id + idlen - 1);
	}

	fuzz_strip(elf, data, size, KMOD_ELF_STRIP_MODVERSION);
	fuzz_strip(elf, data, size, KMOD_ELF_STRIP_VERMAGIC);
	fuzz_strip(elf, data, size, KMOD_ELF_STRIP_MODVERSION | KMOD_ELF_STRIP_VERMAGIC);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sparse s = { .from = data };
	struct kmod_elf *elf;

	if (kmod_elf_new(data, size, &elf) == 0) {
		ask_everything(elf, data, size);
		kmod_elf_free(elf);
	}

	/* Reading a byte of a sparse image before asking for it is an ASan report. */
	s.to = malloc(size > 0 ? size : 1);
	if (s.to == NULL)
		return 0;
	ASAN_POISON_MEMORY_REGION(s.to, size);
	if (kmod_elf_new_sparse(s.to, size, sparse_fill, &s, &elf) == 0) {
		ask_everything(elf, data, size);
		kmod_elf_free(elf);
	}
	ASAN_UNPOISON_MEMORY_REGION(s.to, size);
	free(s.to);
	return 0;
}

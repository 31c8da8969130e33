// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkmod-elf: a module image as bytes.  Everything depmod and modinfo ask of
 * an image, then the force-load edits on a private copy.
 */
#include "testsuite/fuzz/fuzz.h"
#include "libkmod/libkmod-elf.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kmod_modversion *versions;
	struct kmod_elf_symbol *symbols;
	struct kmod_elf *elf;
	const void *buf;
	const char *name;
	uint64_t len;
	char **strings;
	int n;

	if (kmod_elf_new(data, size, &elf) < 0)
		return 0;

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

	fuzz_strip(elf, data, size, KMOD_ELF_STRIP_MODVERSION);
	fuzz_strip(elf, data, size, KMOD_ELF_STRIP_VERMAGIC);
	fuzz_strip(elf, data, size, KMOD_ELF_STRIP_MODVERSION | KMOD_ELF_STRIP_VERMAGIC);

	kmod_elf_free(elf);
	return 0;
}

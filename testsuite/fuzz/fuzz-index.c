// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkmod-index: the input is an index file (modules.*.bin).  It is dumped,
 * and the first keys of the dump are looked up every way the library does
 * (exact, all values, wildcard), along with a few keys of every kind.
 */
#include "testsuite/fuzz/fuzz.h"
#include "libkmod/libkmod-index.h"

/* Keys of the dump looked up, at most. */
#define DUMP_KEYS 16
/* Bytes of the dump read back for its keys. */
#define DUMP_READ (64 * 1024)

static const char *const fixed_keys[] = {
	"",
	"a",
	"dummy",
	"snd_hda_intel",
	"symbol:printk",
	"pci:v00008086d00001234sv00000000sd00000000bc02sc00i00",
	"usb:v1D6Bp0002d0606dc09dsc00dp03ic09isc00ip00in00",
	"acpi*:PNP0A03:*",
	"*",
	"[a-",
};

static void lookup(const struct kmod_index_file *idx, const char *key)
{
	struct kmod_index_value *values;
	char *value;

	value = kmod_index_search(idx, key);
	if (value != NULL)
		fuzz_touch(value);
	free(value);

	values = kmod_index_search_all(idx, key);
	for (const struct kmod_index_value *v = values; v != NULL; v = v->next)
		fuzz_touch(v->value);
	kmod_index_values_free(values);

	values = kmod_index_searchwild(idx, key);
	for (const struct kmod_index_value *v = values; v != NULL; v = v->next)
		fuzz_touch(v->value);
	kmod_index_values_free(values);
}

/* "key value\n" lines: look up the keys (the part before the first space). */
static void lookup_dumped(const struct kmod_index_file *idx, int fd)
{
	char *buf = malloc(DUMP_READ + 1), *line, *save = NULL;
	ssize_t n;
	int keys = 0;

	if (buf == NULL)
		return;
	n = pread(fd, buf, DUMP_READ, 0);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL && keys < DUMP_KEYS;
	     line = strtok_r(NULL, "\n", &save), keys++) {
		char *sp = strchr(line, ' ');

		if (sp != NULL)
			*sp = '\0';
		lookup(idx, line);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kmod_index_file *idx;
	char path[64];
	int fd, dumpfd;

	fd = fuzz_input_file(data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	if (kmod_index_open(&fuzz_logger, path, &idx) < 0) {
		close(fd);
		return 0;
	}

	dumpfd = memfd_create("dump", MFD_CLOEXEC);
	if (dumpfd >= 0) {
		(void)kmod_index_dump(idx, dumpfd, NULL);
		lookup_dumped(idx, dumpfd);
		close(dumpfd);
	}
	for (size_t i = 0; i < sizeof(fixed_keys) / sizeof(fixed_keys[0]); i++)
		lookup(idx, fixed_keys[i]);

	kmod_index_close(idx);
	close(fd);
	return 0;
}

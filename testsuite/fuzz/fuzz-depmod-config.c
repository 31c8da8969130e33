// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * depmod.d (tools/depmod-pipeline/config.c): the input is one configuration file,
 * loaded as the only search path; every entry is read back.  The tool's
 * logger is replaced by one that formats and drops the messages.
 */
#include "testsuite/fuzz/fuzz.h"
#include "tools/depmod-pipeline/config.h"
#include "tools/log.h"

void log_printf(int prio, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "<%d> %s", prio, buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct depmod_cfg cfg = { .kversion = "6.1.0-57-amd64" };
	char path[64];
	const char *paths[] = { path, NULL };
	int fd;

	fd = fuzz_input_file(data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	if (depmod_cfg_load(&cfg, paths) == 0) {
		for (const struct cfg_search *s = cfg.searches; s != NULL; s = s->next)
			if (strlen(s->path) < s->len)
				abort();
		for (const struct cfg_override *o = cfg.overrides; o != NULL; o = o->next)
			if (strlen(o->path) != o->len)
				abort();
		for (const struct cfg_external *e = cfg.externals; e != NULL; e = e->next)
			if (strlen(e->path) != e->len)
				abort();
		for (const struct cfg_exclude *e = cfg.excludes; e != NULL; e = e->next)
			fuzz_touch(e->name);
	}
	depmod_cfg_free(&cfg);
	close(fd);
	return 0;
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The kernel command line: the input is /proc/cmdline's text.  Each option
 * is checked to be cut inside the buffer and is then added to the lists as
 * the configuration adds it (options, modprobe.blacklist=).
 */
#include "testsuite/fuzz/fuzz.h"
#include "libkmod/libkmod-config.h"

/* The kernel's COMMAND_LINE_SIZE, which kcmdline_read() reads at most. */
#define CMDLINE_MAX 4095

struct state {
	const char *buf;
	size_t len;
	struct kmod_list *options;
	struct kmod_list *blacklists;
};

static void check_inside(const struct state *st, const char *s)
{
	if (s < st->buf || s > st->buf + st->len)
		abort();
	fuzz_touch(s);
}

static int option(void *data, char *modname, char *param, char *value)
{
	struct state *st = data;
	int err;

	if (modname == NULL || param == NULL)
		abort();
	check_inside(st, modname);
	check_inside(st, param);
	if (value != NULL) {
		check_inside(st, value);
		/* the value is the end of "param=value" */
		if (value <= param || value > param + strlen(param))
			abort();
	}

	if (streq(modname, "modprobe") && strstartswith(param, "blacklist=")) {
		char *t;

		while ((t = strsep(&value, ",")) != NULL) {
			err = kmod_config_blacklist_add(&st->blacklists, t);
			if (err < 0 && err != -EINVAL)
				return err;
		}
		return 0;
	}
	err = kmod_config_pair_add(&st->options, modname, param, CONFIG_VALUE_TABS);
	return err == -EINVAL ? 0 : err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state st = { 0 };
	char *buf;

	if (size > CMDLINE_MAX)
		return 0;
	buf = fuzz_strndup(data, size);
	if (buf == NULL)
		return 0;
	st.buf = buf;
	st.len = strlen(buf);
	(void)kcmdline_parse(buf, option, &st);
	kmod_list_release(st.options, free);
	kmod_list_release(st.blacklists, free);
	free(buf);
	return 0;
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * modprobe.d: the input is one configuration file, read through
 * kmod_config_new() as the only search path; every entry is read back.
 */
#include "testsuite/fuzz/fuzz.h"
#include "libkmod/libkmod-config.h"

static void touch_names(const char *const *names, unsigned int count)
{
	for (unsigned int i = 0; i < count; i++)
		fuzz_touch(names[i]);
}

static void read_back(const struct kmod_config *config)
{
	const struct kmod_list *l;
	unsigned int count;

	kmod_list_foreach (l, config->aliases) {
		fuzz_touch(kmod_alias_get_name(l));
		fuzz_touch(kmod_alias_get_modname(l));
	}
	kmod_list_foreach (l, config->blacklists)
		fuzz_touch(kmod_blacklist_get_modname(l));
	kmod_list_foreach (l, config->options) {
		fuzz_touch(kmod_option_get_modname(l));
		fuzz_touch(kmod_option_get_options(l));
	}
	kmod_list_foreach (l, config->install_commands) {
		fuzz_touch(kmod_command_get_modname(l));
		fuzz_touch(kmod_command_get_command(l));
	}
	kmod_list_foreach (l, config->remove_commands) {
		fuzz_touch(kmod_command_get_modname(l));
		fuzz_touch(kmod_command_get_command(l));
	}
	kmod_list_foreach (l, config->softdeps) {
		const char *const *names;

		fuzz_touch(kmod_softdep_get_name(l));
		names = kmod_softdep_get_pre(l, &count);
		touch_names(names, count);
		names = kmod_softdep_get_post(l, &count);
		touch_names(names, count);
	}
	kmod_list_foreach (l, config->weakdeps) {
		fuzz_touch(kmod_weakdep_get_name(l));
		touch_names(kmod_weakdep_get_weak(l, &count), count);
	}
	kmod_list_foreach (l, config->denies) {
		const char *file = kmod_deny_get_file(l, &count);

		fuzz_touch(kmod_deny_get_modname(l));
		if (file != NULL) /* else from the kernel command line */
			fuzz_touch(file);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kmod_config *config;
	char path[64];
	const char *paths[] = { path, NULL };
	int fd;

	fd = fuzz_input_file(data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	if (kmod_config_new(&fuzz_logger, paths, NULL, &config) == 0) {
		read_back(config);
		(void)kmod_config_changed(config);
		kmod_config_free(config);
	}
	close(fd);
	return 0;
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The detached-signature policy by name, and the modprobe.d directive that
 * sets it for every load of the system, also those nobody passes an option
 * to (udev through libkmod, the kernel's request_module() running modprobe
 * with an almost empty environment):
 *
 *	detached_sig auto|ignore|require
 *
 * The strictest directive read wins, so that a file of lower precedence
 * cannot weaken what another one asks for.  The environment, the API and the
 * command line can only make the policy stricter (ignore < auto < require).
 */
#include <errno.h>
#include <string.h>

#include "libkmod/libkmod-config.h"
#include "util/util.h"

static const char *const policy_names[] = {
	[KMOD_DETACHED_SIG_AUTO] = "auto",
	[KMOD_DETACHED_SIG_IGNORE] = "ignore",
	[KMOD_DETACHED_SIG_REQUIRE] = "require",
};

int kmod_detached_sig_policy_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(policy_names); i++) {
		if (streq(name, policy_names[i]))
			return (int)i;
	}
	return -EINVAL;
}

const char *kmod_detached_sig_policy_name(enum kmod_detached_sig_policy policy)
{
	if ((size_t)policy >= ARRAY_SIZE(policy_names))
		return NULL;
	return policy_names[policy];
}

/* ignore < auto < require; anything else (no policy) below them all. */
static int policy_rank(int policy)
{
	switch (policy) {
	case KMOD_DETACHED_SIG_IGNORE:
		return 1;
	case KMOD_DETACHED_SIG_AUTO:
		return 2;
	case KMOD_DETACHED_SIG_REQUIRE:
		return 3;
	}
	return 0;
}

int kmod_detached_sig_policy_stricter(int a, int b)
{
	return policy_rank(b) > policy_rank(a) ? b : a;
}

int kmod_config_parse_detached_sig(struct kmod_config *config, const struct logger *lg,
				   const char *filename, unsigned int linenum,
				   char **save)
{
	const char *value = strtok_r(NULL, "\t ", save);
	const char *extra = strtok_r(NULL, "\t ", save);
	int policy = value != NULL ? kmod_detached_sig_policy_from_name(value) : -EINVAL;

	/* A typing mistake must not leave the system at a weaker policy. */
	if (policy < 0 || extra != NULL) {
		lg_err(lg,
		       "%s line %u: detached_sig '%s%s' is not one of auto, ignore, "
		       "require: using require\n",
		       filename, linenum, value != NULL ? value : "",
		       extra != NULL ? " ..." : "");
		policy = KMOD_DETACHED_SIG_REQUIRE;
	}
	config->detached_sig =
		config->detached_sig_set
			? kmod_detached_sig_policy_stricter(config->detached_sig, policy)
			: policy;
	config->detached_sig_set = true;
	return 0;
}

int kmod_config_get_detached_sig(const struct kmod_config *config)
{
	if (config == NULL || !config->detached_sig_set)
		return -ENOENT;
	return config->detached_sig;
}

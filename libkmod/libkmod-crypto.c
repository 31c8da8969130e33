// SPDX-License-Identifier: LGPL-2.1-or-later
/* libcrypto on first use: see libkmod-crypto.h for why. */

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#define KMOD_CRYPTO_NO_REDIRECT
#include "libkmod/libkmod-crypto.h"

struct kmod_crypto_fns kmod_crypto_fns;

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static bool loaded;

static const struct {
	const char *name;
	size_t offset;
} crypto_symbols[] = {
#define KMOD_CRYPTO_ENTRY(name) { #name, offsetof(struct kmod_crypto_fns, name) },
	KMOD_CRYPTO_FUNCS(KMOD_CRYPTO_ENTRY)
#undef KMOD_CRYPTO_ENTRY
};

static int resolve_all(char *msg, size_t msglen)
{
	struct kmod_crypto_fns fns;
	void *handle;

	/* Never closed: libcrypto keeps process-wide state of its own. */
	handle = dlopen(LIBCRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL) {
		const char *why = dlerror();

		if (msg != NULL)
			snprintf(msg, msglen, "%s",
				 why ? why : "cannot load " LIBCRYPTO_SONAME);
		return -ENOENT;
	}
	for (size_t i = 0; i < sizeof(crypto_symbols) / sizeof(crypto_symbols[0]); i++) {
		void *sym = dlsym(handle, crypto_symbols[i].name);

		if (sym == NULL) {
			if (msg != NULL)
				snprintf(msg, msglen, "%s: no symbol %s",
					 LIBCRYPTO_SONAME, crypto_symbols[i].name);
			dlclose(handle);
			return -ENOENT;
		}
		*(void **)((char *)&fns + crypto_symbols[i].offset) = sym;
	}
	kmod_crypto_fns = fns;
	return 0;
}

int kmod_crypto_load(char *msg, size_t msglen)
{
	int err = 0;

	if (__atomic_load_n(&loaded, __ATOMIC_ACQUIRE))
		return 0;
	pthread_mutex_lock(&load_lock);
	if (!loaded) {
		err = resolve_all(msg, msglen);
		if (err == 0)
			__atomic_store_n(&loaded, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&load_lock);
	return err;
}

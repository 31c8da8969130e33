// SPDX-License-Identifier: LGPL-2.1-or-later
/* Optional libraries on first use: see dlopen.h for why. */

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "util/dlopen.h"
#include "util/macro.h"

/*
 * Held only while a library is being loaded: once loaded, a caller takes the
 * fast path and never waits.  One lock for every library keeps two threads
 * from loading the same one twice, which would run its init twice.
 */
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

static int soname_mapped(struct dl_phdr_info *info, size_t size, void *data)
{
	const char *name = info->dlpi_name, *slash = strrchr(name, '/');

	return streq(slash != NULL ? slash + 1 : name, data);
}

/*
 * Whether the program has the library already, by the file name the loader
 * found it under (its soname, the name of every installed library).  Unlike
 * dlopen(RTLD_NOLOAD), which searches the disk again, this costs no system call.
 */
static bool mapped(const char *soname)
{
	return dl_iterate_phdr(soname_mapped, (void *)soname) != 0;
}

static int resolve(struct dl_library *lib, bool *mapped_before, char *why, size_t whylen)
{
	void *handle;

	if (lib->init != NULL)
		*mapped_before = mapped(lib->soname);
	/* Never closed once loaded: the table points into it for good. */
	handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL) {
		const char *err = dlerror();

		/* dlerror() names the file; without it, say what failed. */
		if (err != NULL)
			snprintf(why, whylen, "%s", err);
		else
			snprintf(why, whylen, "cannot load %s", lib->soname);
		return -ENOENT;
	}
	/* Nobody reads the table before loaded is set, so it is filled in place. */
	for (size_t i = 0; i < lib->n_symbols; i++) {
		*lib->symbols[i].slot = dlsym(handle, lib->symbols[i].name);
		if (*lib->symbols[i].slot == NULL) {
			snprintf(why, whylen, "%s: no symbol %s", lib->soname,
				 lib->symbols[i].name);
			dlclose(handle);
			return -ENOENT;
		}
	}
	return 0;
}

int dl_library_load(struct dl_library *lib, char *why, size_t whylen)
{
	bool mapped_before = false;
	char ignored[1];
	int err = 0;

	if (__atomic_load_n(&lib->loaded, __ATOMIC_ACQUIRE))
		return 0;
	if (why == NULL || whylen == 0) {
		why = ignored;
		whylen = sizeof(ignored);
	}
	pthread_mutex_lock(&load_lock);
	if (!lib->loaded) {
		err = resolve(lib, &mapped_before, why, whylen);
		if (err == 0) {
			if (lib->init != NULL)
				lib->init(mapped_before);
			__atomic_store_n(&lib->loaded, true, __ATOMIC_RELEASE);
		}
	}
	pthread_mutex_unlock(&load_lock);
	return err;
}

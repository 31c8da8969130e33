// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What the running kernel says of modules: /proc/modules and
 * /sys/module/<name>/{initstate,refcnt,holders,coresize,sections}.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "libkmod/libkmod-internal.h"
#include "libkmod/libkmod-module.h"
#include "util/fileio.h"
#include "util/util.h"

struct kmod_module_section {
	unsigned long address;
	char name[];
};

static const char *const initstate_names[] = {
	[KMOD_MODULE_BUILTIN] = "builtin",
	[KMOD_MODULE_LIVE] = "live",
	[KMOD_MODULE_COMING] = "coming",
	[KMOD_MODULE_GOING] = "going",
};

KMOD_EXPORT const char *kmod_module_initstate_str(enum kmod_module_initstate state)
{
	if ((unsigned int)state >= ARRAY_SIZE(initstate_names))
		return NULL;
	return initstate_names[state];
}

static int sysfs_path(char *buf, size_t len, const struct kmod_module *mod,
		      const char *file)
{
	int n = snprintf(buf, len, "/sys/module/%s%s%s", kmod_module_get_name(mod),
			 file ? "/" : "", file ? file : "");

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

KMOD_EXPORT int kmod_module_get_initstate(const struct kmod_module *mod)
{
	char path[PATH_MAX_LEN], buf[32];
	struct stat st;
	int err;

	if (mod == NULL)
		return -ENOENT;
	/* modules.builtin.bin first: a builtin module has a /sys/module entry too */
	if (kmod_module_is_builtin((struct kmod_module *)mod))
		return KMOD_MODULE_BUILTIN;
	err = sysfs_path(path, sizeof(path), mod, "initstate");
	if (err < 0)
		return err;
	err = read_str_from_file(path, buf, sizeof(buf));
	if (err < 0) {
		/* The directory shows up before initstate while the module loads. */
		if (sysfs_path(path, sizeof(path), mod, NULL) == 0 &&
		    stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			return KMOD_MODULE_COMING;
		return err;
	}
	if (streq(buf, "live"))
		return KMOD_MODULE_LIVE;
	if (streq(buf, "coming"))
		return KMOD_MODULE_COMING;
	if (streq(buf, "going"))
		return KMOD_MODULE_GOING;
	ERR(kmod_module_get_ctx(mod), "unknown %s: '%s'\n", path, buf);
	return -EINVAL;
}

KMOD_EXPORT int kmod_module_get_refcnt(const struct kmod_module *mod)
{
	char path[PATH_MAX_LEN];
	_cleanup_close_ int fd = -1;
	long refcnt;
	int err;

	if (mod == NULL)
		return -ENOENT;
	err = sysfs_path(path, sizeof(path), mod, "refcnt");
	if (err < 0)
		return err;
	fd = open_regular(path, NULL);
	if (fd < 0) {
		DBG(kmod_module_get_ctx(mod), "could not open '%s': %s\n", path,
		    open_regular_strerror(fd));
		return fd;
	}
	err = read_str_long(fd, &refcnt, 10);
	if (err < 0) {
		ERR(kmod_module_get_ctx(mod), "could not read integer from '%s': '%s'\n",
		    path, strerror(-err));
		return err;
	}
	return (int)refcnt;
}

static void eat_line_rest(FILE *fp)
{
	int c;

	do {
		c = fgetc(fp);
	} while (c != EOF && c != '\n');
}

/* The size column of one /proc/modules line, already split at its name. */
static long proc_modules_line_size(struct kmod_ctx *ctx, char **saveptr,
				   unsigned int lineno)
{
	const char *tok = strtok_r(NULL, " \t\n", saveptr);
	char *end;
	long size;

	if (tok == NULL)
		goto invalid;
	errno = 0;
	size = strtol(tok, &end, 10);
	if (errno != 0 || end == tok || *end != '\0' || size < 0)
		goto invalid;
	return size;
invalid:
	ERR(ctx, "invalid line format at /proc/modules:%u\n", lineno);
	return -EINVAL;
}

/* Size from /proc/modules, for kernels without /sys/module/<name>/coresize. */
static long proc_modules_size(const struct kmod_module *mod)
{
	const char *name = kmod_module_get_name(mod);
	char line[4096];
	unsigned int lineno = 0;
	long size = -ENOENT;
	FILE *fp;

	fp = fopen_regular("/proc/modules");
	if (fp == NULL)
		return -errno;
	while (fgets(line, sizeof(line), fp)) {
		size_t len = strlen(line);
		char *tok, *saveptr;

		lineno++;
		if (len > 0 && line[len - 1] != '\n')
			eat_line_rest(fp);

		tok = strtok_r(line, " \t\n", &saveptr);
		if (tok == NULL || !streq(tok, name))
			continue;
		size = proc_modules_line_size(kmod_module_get_ctx(mod), &saveptr, lineno);
		break;
	}
	fclose(fp);
	return size;
}

KMOD_EXPORT long kmod_module_get_size(const struct kmod_module *mod)
{
	char path[PATH_MAX_LEN];
	_cleanup_close_ int fd = -1;
	struct stat st;
	long size;
	int err;

	if (mod == NULL)
		return -ENOENT;
	/* No /sys/module/<name>: not loaded, even if /proc/modules listed it a moment
	 * ago. */
	err = sysfs_path(path, sizeof(path), mod, NULL);
	if (err < 0)
		return err;
	if (stat(path, &st) < 0)
		return -errno;
	err = sysfs_path(path, sizeof(path), mod, "coresize");
	if (err < 0)
		return err;
	fd = open_regular(path, NULL);
	if (fd < 0)
		return proc_modules_size(mod);
	err = read_str_long(fd, &size, 10);
	if (err < 0) {
		ERR(kmod_module_get_ctx(mod), "could not read size from '%s': %s\n", path,
		    strerror(-err));
		return err;
	}
	return size;
}

KMOD_EXPORT int kmod_module_new_from_loaded(struct kmod_ctx *ctx, struct kmod_list **list)
{
	struct kmod_list *l = NULL;
	char line[4096];
	FILE *fp;
	int err = 0;

	if (ctx == NULL || list == NULL)
		return -ENOENT;
	fp = fopen_regular("/proc/modules");
	if (fp == NULL) {
		err = -errno;
		ERR(ctx, "could not open /proc/modules: %s\n",
		    open_regular_strerror(err));
		return err;
	}
	while (fgets(line, sizeof(line), fp)) {
		struct kmod_module *m;
		struct kmod_list *node;
		size_t len = strlen(line);
		char *name, *saveptr;

		/* An over-long line is eaten to its end; only the name matters. */
		if (len > 0 && line[len - 1] != '\n')
			eat_line_rest(fp);
		name = strtok_r(line, " \t\n", &saveptr);
		if (name == NULL)
			continue;
		err = kmod_module_new_from_name(ctx, name, &m);
		if (err < 0) {
			ERR(ctx, "could not get module from name '%s': %s\n", name,
			    strerror(-err));
			continue;
		}
		node = kmod_list_append(l, m);
		if (node == NULL) {
			kmod_module_unref(m);
			err = -ENOMEM;
			break;
		}
		l = node;
		err = 0;
	}
	fclose(fp);
	if (err < 0) {
		kmod_module_unref_list(l);
		return err;
	}
	*list = l;
	return 0;
}

KMOD_EXPORT struct kmod_list *kmod_module_get_holders(const struct kmod_module *mod)
{
	struct kmod_ctx *ctx;
	char path[PATH_MAX_LEN];
	struct kmod_list *list = NULL;
	struct dirent *dent;
	DIR *d;

	if (mod == NULL || sysfs_path(path, sizeof(path), mod, "holders") < 0)
		return NULL;
	ctx = kmod_module_get_ctx(mod);
	d = opendir(path);
	if (d == NULL) {
		ERR(ctx, "could not open '%s': %m\n", path);
		return NULL;
	}
	while ((dent = readdir(d)) != NULL) {
		struct kmod_module *holder;
		struct kmod_list *node;

		if (streq(dent->d_name, ".") || streq(dent->d_name, ".."))
			continue;
		if (kmod_module_new_from_name(ctx, dent->d_name, &holder) < 0) {
			ERR(ctx, "could not create module for '%s'\n", dent->d_name);
			goto fail;
		}
		node = kmod_list_append(list, holder);
		if (node == NULL) {
			kmod_module_unref(holder);
			goto fail;
		}
		list = node;
	}
	closedir(d);
	return list;
fail:
	closedir(d);
	kmod_module_unref_list(list);
	return NULL;
}

static int section_read_address(int dfd, const char *name, unsigned long *address)
{
	_cleanup_close_ int fd = open_regular_at(dfd, name, false, NULL);

	if (fd < 0)
		return fd;
	return read_str_ulong(fd, address, 16);
}

KMOD_EXPORT struct kmod_list *kmod_module_get_sections(const struct kmod_module *mod)
{
	struct kmod_ctx *ctx;
	char path[PATH_MAX_LEN];
	struct kmod_list *list = NULL;
	struct dirent *dent;
	DIR *d;

	if (mod == NULL || sysfs_path(path, sizeof(path), mod, "sections") < 0)
		return NULL;
	ctx = kmod_module_get_ctx(mod);
	d = opendir(path);
	if (d == NULL) {
		ERR(ctx, "could not open '%s': %m\n", path);
		return NULL;
	}
	while ((dent = readdir(d)) != NULL) {
		struct kmod_module_section *section;
		struct kmod_list *node;
		unsigned long address;
		size_t namelen;

		/* Section names start with '.', so only skip the directory entries. */
		if (streq(dent->d_name, ".") || streq(dent->d_name, ".."))
			continue;
		if (section_read_address(dirfd(d), dent->d_name, &address) < 0) {
			ERR(ctx, "could not read section address %s/%s\n", path,
			    dent->d_name);
			goto fail;
		}
		namelen = strlen(dent->d_name);
		section = malloc(sizeof(*section) + namelen + 1);
		if (section == NULL)
			goto fail;
		section->address = address;
		memcpy(section->name, dent->d_name, namelen + 1);
		node = kmod_list_append(list, section);
		if (node == NULL) {
			free(section);
			goto fail;
		}
		list = node;
	}
	closedir(d);
	return list;
fail:
	closedir(d);
	kmod_module_section_free_list(list);
	return NULL;
}

KMOD_EXPORT const char *kmod_module_section_get_name(const struct kmod_list *entry)
{
	if (entry == NULL)
		return NULL;
	return ((struct kmod_module_section *)entry->data)->name;
}

KMOD_EXPORT unsigned long kmod_module_section_get_address(const struct kmod_list *entry)
{
	if (entry == NULL)
		return (unsigned long)-1;
	return ((struct kmod_module_section *)entry->data)->address;
}

KMOD_EXPORT void kmod_module_section_free_list(struct kmod_list *list)
{
	kmod_list_release(list, free);
}

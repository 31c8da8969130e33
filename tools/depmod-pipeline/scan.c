// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stage 2, the scan: a recursive walk of the version directory, then of each
 * external directory.  When two files give the same module name, depmod.d
 * decides which one is kept (override, then search, then the first found).
 * The kept modules are then ordered: modules.order first, the rest in kmod's
 * hash table order.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libkmod/libkmod-signature.h"
#include "tools/depmod-pipeline/scan.h"
#include "tools/tool-log.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/util.h"

/* The scan's state: the configuration it follows, the set it fills, whom it tells. */
struct scan {
	const struct depmod_cfg *cfg;
	struct depmod_modules *mods;
	depmod_found_fn found;
	void *found_data;
};

/*
 * A module's record, its name, path and modules.order spelling are one block
 * of the module arena: thousands of small allocations were a fault each.
 */
static int mod_new(struct scan *s, const char *path, const char *modname,
		   struct depmod_mod **ret)
{
	const struct depmod_cfg *cfg = s->cfg;
	size_t namelen = strlen(modname), pathlen = strlen(path);
	struct depmod_mod *mod;
	const char *slash;
	char *p;

	/* room for the path twice: the second time as modules.order spells it */
	mod = arena_alloc(&s->mods->arena,
			  sizeof(*mod) + namelen + 1 + 2 * (pathlen + 1));
	if (mod == NULL)
		return -ENOMEM;
	*mod = (struct depmod_mod){ .sort_idx = 1, .dep_sort_idx = INT32_MAX };
	memcpy(mod->modname, modname, namelen + 1);
	array_init(&mod->deps, 4);
	p = mod->modname + namelen + 1;
	mod->path = memcpy(p, path, pathlen + 1);
	slash = strrchr(mod->path, '/');
	mod->baselen = slash ? (size_t)(slash - mod->path) : 0;
	if (strncmp(mod->path, cfg->dirname, cfg->dirnamelen) == 0 &&
	    mod->path[cfg->dirnamelen] == '/') {
		const char *ko;
		size_t len;

		mod->relpath = mod->path + cfg->dirnamelen + 1;
		/* "dir/name.ko.xz" → "dir/name.ko", the spelling of modules.order */
		ko = slash ? slash + 1 : mod->relpath;
		ko = strstr(ko, ".ko");
		len = ko != NULL ? (size_t)(ko + 3 - mod->relpath) : strlen(mod->relpath);
		mod->uncrelpath = p + pathlen + 1;
		memcpy(mod->uncrelpath, mod->relpath, len);
		mod->uncrelpath[len] = '\0';
	}
	*ret = mod;
	return 0;
}

/* @listed: the directory listing showed a regular file (the load opens it once) */
static int mod_add(struct scan *s, const char *path, const char *modname, bool listed)
{
	struct depmod_mod *mod;
	int err = mod_new(s, path, modname, &mod);

	if (err < 0)
		return err;
	mod->listed_regular = listed;
	err = hash_add_unique(s->mods->by_name, mod->modname, mod);
	if (err < 0) {
		depmod_mod_release(mod);
		return err;
	}
	DBG("add %s\n", mod->path);
	if (s->found != NULL)
		s->found(s->found_data, mod);
	return 0;
}

int depmod_scan_file(struct depmod_modules *mods, const struct depmod_cfg *cfg,
		     const char *path, depmod_found_fn found, void *data)
{
	struct scan scan = { cfg, mods, found, data }, *s = &scan;
	char modname[PATH_MAX_LEN];
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (path_to_modname(path, modname, NULL) == NULL)
		return -ENAMETOOLONG;
	if (hash_find(s->mods->by_name, modname) != NULL)
		return -EEXIST;
	return mod_add(s, path, modname, false);
}

/*
 * Whether the module already kept (@mod) beats the file at @newpath, whose
 * directory part is @baselen bytes long (with the '/') and whose module name
 * is @modnamelen bytes long.  Paths are compared as kmod does: without their
 * extension, relative to the version directory for override and search.
 */
static bool is_higher_priority(const struct scan *s, const struct depmod_mod *mod,
			       size_t baselen, size_t modnamelen, const char *newpath)
{
	const struct depmod_cfg *cfg = s->cfg;
	size_t newlen = baselen + modnamelen;
	size_t oldlen = mod->baselen + strlen(mod->modname) + 1;
	const char *oldpath = mod->path, *relnew = NULL, *relold = NULL;
	size_t relnewlen = 0, reloldlen = 0;
	int i = 0, bprio = -1, oldprio = -1, newprio = -1;

	if (strncmp(newpath, cfg->dirname, cfg->dirnamelen) == 0) {
		relnew = newpath + cfg->dirnamelen + 1;
		relnewlen = newlen - (cfg->dirnamelen + 1);
	}
	if (strncmp(oldpath, cfg->dirname, cfg->dirnamelen) == 0) {
		relold = oldpath + cfg->dirnamelen + 1;
		reloldlen = oldlen - (cfg->dirnamelen + 1);
	}

	for (const struct cfg_override *ov = cfg->overrides; ov != NULL; ov = ov->next) {
		if (relnew && relnewlen == ov->len &&
		    memcmp(ov->path, relnew, relnewlen) == 0)
			return false;
		if (relold && reloldlen == ov->len &&
		    memcmp(ov->path, relold, reloldlen) == 0)
			return true;
	}

	for (const struct cfg_search *se = cfg->searches; se != NULL;
	     se = se->next, i++) {
		if (se->type == SEARCH_BUILTIN) {
			bprio = i;
		} else if (se->type == SEARCH_EXTERNAL) {
			for (const struct cfg_external *ext = cfg->externals; ext != NULL;
			     ext = ext->next, i++) {
				if (newlen > ext->len && newpath[ext->len] == '/' &&
				    memcmp(ext->path, newpath, ext->len) == 0)
					newprio = i;
				else if (oldlen > ext->len && oldpath[ext->len] == '/' &&
					 memcmp(ext->path, oldpath, ext->len) == 0)
					oldprio = i;
			}
		} else if (relnew && relnewlen > se->len && relnew[se->len] == '/' &&
			   memcmp(se->path, relnew, se->len) == 0) {
			newprio = i;
		} else if (relold && reloldlen > se->len && relold[se->len] == '/' &&
			   memcmp(se->path, relold, se->len) == 0) {
			oldprio = i;
		}
	}
	if (newprio < 0)
		newprio = bprio;
	if (oldprio < 0)
		oldprio = bprio;
	DBG("priorities: built-in: %d, old: %d, new: %d\n", bprio, oldprio, newprio);
	return newprio <= oldprio;
}

static int search_file(struct scan *s, size_t baselen, const char *path, bool listed)
{
	char modname[PATH_MAX_LEN];
	size_t modnamelen;
	struct depmod_mod *mod;

	if (path_to_modname(path, modname, &modnamelen) == NULL) {
		ERR("could not get modname from path %s\n", path);
		return -EINVAL;
	}
	mod = hash_find(s->mods->by_name, modname);
	if (mod == NULL)
		return mod_add(s, path, modname, listed);
	if (is_higher_priority(s, mod, baselen, modnamelen, path)) {
		DBG("Ignored lower priority: %s, higher: %s\n", path, mod->path);
		return 0;
	}
	DBG("Replace lower priority %s with new module %s\n", mod->path, path);
	hash_del(s->mods->by_name, mod->modname);
	mod->dropped_next = s->mods->dropped;
	s->mods->dropped = mod;
	return mod_add(s, path, modname, listed);
}

/*
 * -w: a detached signature with no module next to it, or one the kernel (or
 * insmod) would refuse.
 */
static void check_sig(int dfd, const char *name, size_t namelen, const char *path)
{
	char modfile[NAME_MAX + 1], msg[256], *buf;
	enum kmod_sig_format format;
	struct stat st;
	ssize_t n;
	int fd;

	memcpy(modfile, name, namelen - 4);
	modfile[namelen - 4] = '\0';
	if (!path_ends_with_kmod_ext(modfile, namelen - 4) ||
	    fstatat(dfd, modfile, &st, 0) != 0 || !S_ISREG(st.st_mode)) {
		WRN("%s: signature without its module %.*s\n", path, (int)(namelen - 4),
		    name);
		return;
	}
	/* insmod's rule: a symlink is followed, to a regular file only */
	fd = open_regular_at(dfd, name, false, &st);
	if (fd < 0) {
		WRN("%s: cannot read signature: %s\n", path,
		    fd == -EINVAL ? "not a regular file" : strerror(-fd));
		goto out;
	}
	if (st.st_size > DETACHED_SIG_MAX_SIZE) {
		WRN("%s: malformed signature: %lld bytes, more than %d\n", path,
		    (long long)st.st_size, DETACHED_SIG_MAX_SIZE);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		goto out;
	n = read_str_safe(fd, buf, (size_t)st.st_size + 1);
	if (n < 0)
		WRN("%s: cannot read signature: %s\n", path, strerror((int)-n));
	else if (kmod_sig_check_detached_msg(buf, (size_t)n, &format, msg, sizeof(msg)) <
		 0)
		WRN("%s: malformed signature: %s\n", path, msg);
	free(buf);
out:
	if (fd >= 0)
		close(fd);
}

static bool excluded(const struct depmod_cfg *cfg, const char *name)
{
	if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
		return true;
	if (streq(name, "build") || streq(name, "source"))
		return true;
	for (const struct cfg_exclude *e = cfg->excludes; e != NULL; e = e->next) {
		if (streq(name, e->name))
			return true;
	}
	return false;
}

static int search_dir(struct scan *s, DIR *dir, size_t baselen, char *path);

/* 1 for a directory, 0 for anything else, -errno when it cannot be told */
static int entry_is_dir(int dfd, const struct dirent *de)
{
	struct stat st;
	int err;

	if (de->d_type == DT_REG)
		return 0;
	if (de->d_type == DT_DIR)
		return 1;
	if (fstatat(dfd, de->d_name, &st, 0) < 0) {
		err = -errno;
		ERR("fstatat(%d, %s): %s\n", dfd, de->d_name, strerror(-err));
		return err;
	}
	return S_ISDIR(st.st_mode);
}

/* the directory name, relative to dfd, whose path ends at path + baselen */
static int search_subdir(struct scan *s, int dfd, const char *name, size_t baselen,
			 char *path)
{
	size_t len = baselen + strlen(name);
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *sub;
	int err;

	if (fd < 0) {
		ERR("openat(%d, %s, O_RDONLY): %m\n", dfd, name);
		return 0;
	}
	sub = fdopendir(fd);
	if (sub == NULL) {
		/* out of memory: a partial index must not replace the old one */
		err = -errno;
		ERR("fdopendir(%d): %m\n", fd);
		close(fd);
		return err == -ENOMEM ? err : 0;
	}
	path[len] = '/';
	path[len + 1] = '\0';
	err = search_dir(s, sub, len + 1, path);
	closedir(sub);
	return err;
}

/* 0, or -ENOMEM: any other error is reported and the walk goes on */
static int search_dir(struct scan *s, DIR *dir, size_t baselen, char *path)
{
	int dfd = dirfd(dir);
	struct dirent *de;

	while ((de = readdir(dir)) != NULL) {
		const char *name = de->d_name;
		size_t namelen = strlen(name);
		int is_dir, err = 0;

		if (excluded(s->cfg, name))
			continue;
		if (baselen + namelen + 2 >= PATH_MAX) {
			path[baselen] = '\0';
			ERR("path is too long %s%s\n", path, name);
			continue;
		}
		memcpy(path + baselen, name, namelen + 1);

		is_dir = entry_is_dir(dfd, de);
		if (is_dir < 0)
			continue;
		if (is_dir)
			err = search_subdir(s, dfd, name, baselen, path);
		else if (path_ends_with_kmod_ext(name, namelen))
			err = search_file(s, baselen, path, de->d_type == DT_REG);
		else if (s->cfg->warn_dups && namelen > 4 &&
			 streq(name + namelen - 4, ".sig"))
			check_sig(dfd, name, namelen, path);
		if (err == -ENOMEM)
			return err;
		if (err < 0) {
			path[baselen + namelen] = '\0';
			ERR("failed %s: %s\n", path, strerror(-err));
		}
	}
	return 0;
}

static int search_path(struct scan *s, const char *dirpath)
{
	_cleanup_free_ char *buf = malloc(PATH_MAX);
	size_t len = strlen(dirpath);
	DIR *dir;
	int err;

	if (buf == NULL)
		return -ENOMEM;
	if (len + 2 >= PATH_MAX)
		return -ENAMETOOLONG;
	dir = opendir(dirpath);
	if (dir == NULL) {
		err = -errno;
		ERR("could not open directory %s: %m\n", dirpath);
		return err;
	}
	memcpy(buf, dirpath, len);
	buf[len] = '/';
	buf[len + 1] = '\0';
	err = search_dir(s, dir, len + 1, buf);
	closedir(dir);
	return err;
}

int depmod_scan(struct depmod_modules *mods, const struct depmod_cfg *cfg,
		depmod_found_fn found, void *data)
{
	struct scan scan = { cfg, mods, found, data }, *s = &scan;
	int err = search_path(s, s->cfg->dirname);

	if (err < 0)
		return err;
	for (const struct cfg_external *ext = s->cfg->externals; ext != NULL;
	     ext = ext->next) {
		err = search_path(s, ext->path);
		if (err < 0 && err != -ENOENT)
			return err;
	}
	return 0;
}

/* kmod keeps its modules by name in a table of 512 buckets. */
#define KMOD_MODULE_BUCKETS 512

/* kmod's iteration order of that table: by bucket, then by name. */
static int mod_hash_cmp(const void *pa, const void *pb)
{
	const struct depmod_mod *a = *(const struct depmod_mod *const *)pa;
	const struct depmod_mod *b = *(const struct depmod_mod *const *)pb;

	if (a->idx != b->idx)
		return a->idx < b->idx ? -1 : 1;
	return strcmp(a->modname, b->modname);
}

int depmod_modules_build_array(struct depmod_modules *mods)
{
	struct scan scan = { NULL, mods }, *s = &scan;
	unsigned int n = hash_get_count(s->mods->by_name);
	struct hash_iter it;
	const void *v;
	size_t i = 0;

	s->mods->v = calloc(n ? n : 1, sizeof(*s->mods->v));
	if (s->mods->v == NULL)
		return -ENOMEM;
	hash_iter_init(s->mods->by_name, &it);
	while (hash_iter_next(&it, NULL, &v)) {
		struct depmod_mod *mod = (struct depmod_mod *)v;

		/* the bucket, computed once rather than in every comparison */
		mod->idx = depmod_kmod_hash_bucket(mod->modname, KMOD_MODULE_BUCKETS);
		s->mods->v[i++] = mod;
	}
	s->mods->n = i;
	qsort(s->mods->v, s->mods->n, sizeof(*s->mods->v), mod_hash_cmp);
	for (i = 0; i < s->mods->n; i++)
		s->mods->v[i]->idx = (unsigned int)i;
	return 0;
}

/* modules.order first; ties (all the unlisted modules) keep hash order. */
static int mod_order_cmp(const void *pa, const void *pb)
{
	const struct depmod_mod *a = *(const struct depmod_mod *const *)pa;
	const struct depmod_mod *b = *(const struct depmod_mod *const *)pb;

	if (a->sort_idx != b->sort_idx)
		return a->sort_idx < b->sort_idx ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

int depmod_modules_sort(struct depmod_modules *mods, const struct depmod_cfg *cfg)
{
	struct scan scan = { cfg, mods }, *s = &scan;
	_cleanup_free_ char *path = NULL;
	struct hash *by_path;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned int idx = 0, total;
	int err = 0;
	FILE *fp;

	if (asprintf(&path, "%s/modules.order", s->cfg->dirname) < 0)
		return -ENOMEM;
	fp = fopen_regular(path);
	if (fp == NULL) {
		err = errno == ENOMEM ? -ENOMEM : 0;
		WRN("could not open modules.order at %s: %m\n", s->cfg->dirname);
		return err;
	}
	errno = 0;
	while ((len = getline(&line, &cap, fp)) > 0) {
		idx++;
		if (line[len - 1] != '\n') {
			ERR("%s:%u corrupted line misses '\\n'\n", path, idx);
			goto out;
		}
	}
	if (errno == ENOMEM) {
		err = -ENOMEM;
		goto out;
	}
	total = idx + 1;
	idx = 0;
	by_path = hash_new(s->mods->n, NULL);
	if (by_path == NULL) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < s->mods->n && err == 0; i++) {
		if (s->mods->v[i]->uncrelpath != NULL &&
		    hash_add(by_path, s->mods->v[i]->uncrelpath, s->mods->v[i]) < 0)
			err = -ENOMEM;
	}
	rewind(fp);
	errno = 0;
	while (err == 0 && (len = getline(&line, &cap, fp)) > 0) {
		struct depmod_mod *mod;

		idx++;
		line[len - 1] = '\0';
		mod = hash_find(by_path, line);
		/* a module listed twice keeps its first place (kmod 34) */
		if (mod != NULL && mod->sort_idx > 0)
			mod->sort_idx = (int)idx - (int)total;
	}
	if (err == 0 && errno == ENOMEM)
		err = -ENOMEM;
	hash_free(by_path);
	if (err < 0)
		goto out;
	qsort(s->mods->v, s->mods->n, sizeof(*s->mods->v), mod_order_cmp);
	for (size_t i = 0; i < s->mods->n; i++)
		s->mods->v[i]->idx = (unsigned int)i;
out:
	free(line);
	fclose(fp);
	return err;
}

/* 1: some module file under @path is newer than @mtime; 0: none; -errno. */
static int newer_module(int dfd, time_t mtime, char *path, size_t baselen)
{
	DIR *dir = fdopendir(dfd);
	struct dirent *de;
	int found = 0;

	if (dir == NULL) {
		close(dfd);
		return -errno;
	}
	while (found == 0 && (de = readdir(dir)) != NULL) {
		const char *name = de->d_name;
		size_t namelen = strlen(name);
		struct stat st;

		if (excluded(&(struct depmod_cfg){ 0 }, name) ||
		    baselen + namelen + 2 >= PATH_MAX)
			continue;
		memcpy(path + baselen, name, namelen + 1);
		if (fstatat(dirfd(dir), name, &st, 0) < 0) {
			ERR("fstatat(%d, %s): %m\n", dirfd(dir), name);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			int fd = openat(dirfd(dir), name,
					O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			if (fd < 0) {
				ERR("openat(%d, %s, O_RDONLY): %m\n", dirfd(dir), name);
				continue;
			}
			path[baselen + namelen] = '/';
			path[baselen + namelen + 1] = '\0';
			found = newer_module(fd, mtime, path, baselen + namelen + 1);
			if (found < 0)
				found = 0;
		} else if (S_ISREG(st.st_mode) &&
			   path_ends_with_kmod_ext(name, namelen) &&
			   st.st_mtime > mtime) {
			DBG("%s is newer than %lld\n", path, (long long)mtime);
			found = 1;
		}
	}
	closedir(dir);
	return found;
}

int depmod_depfile_up_to_date(const char *dirname)
{
	_cleanup_free_ char *path = malloc(PATH_MAX);
	size_t len = strlen(dirname);
	struct stat st;
	int dfd, r;

	if (path == NULL)
		return -ENOMEM;
	dfd = open(dirname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = -errno;
		ERR("could not open directory %s: %m\n", dirname);
		return r;
	}
	if (fstatat(dfd, "modules.dep", &st, 0) != 0) {
		r = -errno;
		ERR("could not fstatat(%s, modules.dep): %m\n", dirname);
		close(dfd);
		return r;
	}
	if (len + 2 >= PATH_MAX) {
		close(dfd);
		return -ENAMETOOLONG;
	}
	memcpy(path, dirname, len);
	path[len] = '/';
	path[len + 1] = '\0';
	r = newer_module(dfd, st.st_mtime, path, len + 1);
	return r < 0 ? r : !r;
}

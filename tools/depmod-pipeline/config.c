// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stage 1, configuration: depmod.d, its search, override, external and
 * exclude lines.  Files from all configuration directories are merged into
 * one list sorted by name, the first directory holding a name masking the
 * others, then parsed in that order.
 */

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "tools/depmod-pipeline/config.h"
#include "tools/depmod-pipeline/kver-pattern.h"
#include "tools/tool-log.h"
#include "util/conffile.h"
#include "util/fileio.h"
#include "util/macro.h"

const char *const depmod_default_cfg_paths[] = {
	SYSCONFDIR "/depmod.d",	 "/run/depmod.d", "/usr/local/lib/depmod.d",
	DISTCONFDIR "/depmod.d", "/lib/depmod.d", NULL,
};

struct cfg_file {
	const char *name; /* into path */
	char path[];
};

struct cfg_files {
	struct cfg_file **v;
	size_t n;
};

static int files_insert(struct cfg_files *files, const char *dir, const char *name)
{
	struct cfg_file *f, **v;
	size_t i, dirlen = strlen(dir), namelen;

	if (name == NULL) {
		const char *slash = strrchr(dir, '/');

		name = slash ? slash + 1 : dir;
		dirlen = slash ? (size_t)(slash - dir) : 0;
	}
	namelen = strlen(name);
	for (i = 0; i < files->n; i++) {
		int c = strcmp(name, files->v[i]->name);

		if (c == 0) {
			DBG("Ignoring duplicate config file: %.*s/%s\n", (int)dirlen, dir,
			    name);
			return 0;
		}
		if (c < 0)
			break;
	}
	if (dirlen == 0 && dir == name)
		dir = NULL; /* a file name without a directory: use it as it is */
	f = malloc(sizeof(*f) + dirlen + namelen + 2);
	v = realloc(files->v, (files->n + 1) * sizeof(*v));
	if (f == NULL || v == NULL) {
		free(f);
		if (v != NULL)
			files->v = v;
		return -ENOMEM;
	}
	files->v = v;
	if (dir == NULL) {
		memcpy(f->path, name, namelen + 1);
		f->name = f->path;
	} else {
		memcpy(f->path, dir, dirlen);
		f->path[dirlen] = '/';
		memcpy(f->path + dirlen + 1, name, namelen + 1);
		f->name = f->path + dirlen + 1;
	}
	memmove(v + i + 1, v + i, (files->n - i) * sizeof(*v));
	v[i] = f;
	files->n++;
	return 0;
}

static bool file_filtered_out(DIR *d, const char *dir, const char *name)
{
	size_t len = strlen(name);
	struct stat st;

	if (name[0] == '.')
		return true;
	if (len < 6 || !streq(name + len - 5, ".conf")) {
		INF("All config files need .conf: %s/%s, it will be ignored in a future "
		    "release\n",
		    dir, name);
		return true;
	}
	if (fstatat(dirfd(d), name, &st, 0) == 0 && S_ISDIR(st.st_mode)) {
		ERR("Directories inside directories are not supported: %s/%s\n", dir,
		    name);
		return true;
	}
	return false;
}

static int files_list(struct cfg_files *files, const char *path)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int err = 0;

	if (stat(path, &st) != 0) {
		DBG("could not stat '%s': %m\n", path);
		return -errno;
	}
	if (S_ISREG(st.st_mode))
		return files_insert(files, path, NULL);
	if (!S_ISDIR(st.st_mode)) {
		ERR("unsupported file mode %s: %#x\n", path, st.st_mode);
		return -EINVAL;
	}
	d = opendir(path);
	if (d == NULL) {
		ERR("files list %s: %m\n", path);
		return -EINVAL;
	}
	while (err == 0 && (de = readdir(d)) != NULL) {
		if (!file_filtered_out(d, path, de->d_name))
			err = files_insert(files, path, de->d_name);
	}
	closedir(d);
	return err;
}

static bool kernel_matches(const struct depmod_cfg *cfg, const char *filename,
			   unsigned int linenum, const char *pattern)
{
	int r = kver_pattern_match(pattern, cfg->kversion);

	if (r == -E2BIG)
		ERR("%s:%u: kernel version pattern too complex, ignoring the line\n",
		    filename, linenum);
	else if (r < 0)
		ERR("%s:%u: kernel version pattern: %s\n", filename, linenum,
		    strerror(-r));
	return r > 0;
}

static int search_add(struct depmod_cfg *cfg, const char *path)
{
	size_t len = strlen(path);
	struct cfg_search *s = malloc(sizeof(*s) + len + 1);

	if (s == NULL)
		return -ENOMEM;
	s->type = SEARCH_PATH;
	if (streq(path, "built-in"))
		s->type = SEARCH_BUILTIN;
	else if (streq(path, "external"))
		s->type = SEARCH_EXTERNAL;
	s->len = s->type == SEARCH_PATH ? len : 0;
	memcpy(s->path, path, len + 1);
	/* kmod's list: the last one listed first, and a higher position wins */
	s->next = cfg->searches;
	cfg->searches = s;
	DBG("search add: %s, search type=%d\n", path, s->type);
	return 0;
}

static int override_add(struct depmod_cfg *cfg, const char *modname, const char *subdir)
{
	size_t mlen = strlen(modname), slen = strlen(subdir);
	struct cfg_override *o = malloc(sizeof(*o) + slen + mlen + 2);

	if (o == NULL)
		return -ENOMEM;
	memcpy(o->path, subdir, slen);
	o->path[slen] = '/';
	memcpy(o->path + slen + 1, modname, mlen + 1);
	o->len = slen + 1 + mlen;
	o->next = cfg->overrides;
	cfg->overrides = o;
	DBG("override add: %s\n", o->path);
	return 0;
}

static int external_add(struct depmod_cfg *cfg, const char *path)
{
	size_t len = strlen(path);
	struct cfg_external *e = malloc(sizeof(*e) + len + 1);

	if (e == NULL)
		return -ENOMEM;
	e->len = len;
	memcpy(e->path, path, len + 1);
	e->next = cfg->externals;
	cfg->externals = e;
	DBG("external add: %s\n", path);
	return 0;
}

static int exclude_add(struct depmod_cfg *cfg, const char *name)
{
	size_t len = strlen(name);
	struct cfg_exclude *e = malloc(sizeof(*e) + len + 1);

	if (e == NULL)
		return -ENOMEM;
	memcpy(e->name, name, len + 1);
	e->next = cfg->excludes;
	cfg->excludes = e;
	DBG("exclude add: %s\n", name);
	return 0;
}

static int parse_line(struct depmod_cfg *cfg, const char *filename, unsigned int linenum,
		      char *line)
{
	char *saveptr, *cmd, *a, *b, *c;
	int err = 0;

	if (line[0] == '\0' || line[0] == '#')
		return 0;
	cmd = strtok_r(line, "\t ", &saveptr);
	if (cmd == NULL)
		return 0;

	if (streq(cmd, "search")) {
		while (err == 0 && (a = strtok_r(NULL, "\t ", &saveptr)) != NULL)
			err = search_add(cfg, a);
		return err;
	}
	if (streq(cmd, "exclude")) {
		while (err == 0 && (a = strtok_r(NULL, "\t ", &saveptr)) != NULL)
			err = exclude_add(cfg, a);
		return err;
	}
	if (streq(cmd, "override")) {
		a = strtok_r(NULL, "\t ", &saveptr);
		b = strtok_r(NULL, "\t ", &saveptr);
		c = strtok_r(NULL, "\t ", &saveptr);
		if (a == NULL || b == NULL || c == NULL)
			goto bad;
		if (!kernel_matches(cfg, filename, linenum, b)) {
			INF("%s:%u: override kernel did not match %s\n", filename,
			    linenum, b);
			return 0;
		}
		return override_add(cfg, a, c);
	}
	if (streq(cmd, "external")) {
		a = strtok_r(NULL, "\t ", &saveptr);
		b = strtok_r(NULL, "\t ", &saveptr);
		if (a == NULL || b == NULL)
			goto bad;
		if (!kernel_matches(cfg, filename, linenum, a)) {
			INF("%s:%u: external directory did not match %s\n", filename,
			    linenum, a);
			return 0;
		}
		return external_add(cfg, b);
	}
	if (streq(cmd, "include") || streq(cmd, "make_map_files")) {
		INF("%s:%u: command %s not implemented yet\n", filename, linenum, cmd);
		return 0;
	}
bad:
	ERR("%s:%u: ignoring bad line starting with '%s'\n", filename, linenum, cmd);
	return 0;
}

static int file_parse(struct depmod_cfg *cfg, const char *filename)
{
	_cleanup_free_ char *buf = NULL;
	unsigned int linenum = 0;
	char *pos, *line;
	struct stat st;
	size_t len;
	int fd, err;

	fd = open_regular(filename, &st);
	if (fd < 0) {
		ERR("file parse %s: %s\n", filename, open_regular_strerror(fd));
		return fd;
	}
	err = conffile_read(fd, &st, &buf, &len);
	close(fd);
	if (err < 0) {
		ERR("file parse %s: %s\n", filename, strerror(-err));
		return err;
	}
	pos = buf;
	while (err == 0 && (line = conffile_next_line(&pos, buf + len, &linenum)) != NULL)
		err = parse_line(cfg, filename, linenum, line);
	return err;
}

int depmod_cfg_load(struct depmod_cfg *cfg, const char *const *paths)
{
	struct cfg_files files = { 0 };
	int err = 0;

	if (paths == NULL)
		paths = depmod_default_cfg_paths;
	for (size_t i = 0; err != -ENOMEM && paths[i] != NULL; i++)
		err = files_list(&files, paths[i]);
	if (err == -ENOMEM)
		goto out;
	err = 0;
	for (size_t i = 0; i < files.n && err != -ENOMEM; i++)
		err = file_parse(cfg, files.v[i]->path);
	if (err == -ENOMEM)
		goto out;
	err = 0;
	/* without any "search" line, updates/ beats everything */
	if (cfg->searches == NULL)
		err = search_add(cfg, "updates");
out:
	for (size_t i = 0; i < files.n; i++)
		free(files.v[i]);
	free(files.v);
	return err;
}

#define FREE_LIST(head)                                                                  \
	do {                                                                             \
		while ((head) != NULL) {                                                 \
			__typeof__(head) _next = (head)->next;                           \
			free(head);                                                      \
			(head) = _next;                                                  \
		}                                                                        \
	} while (0)

void depmod_cfg_free(struct depmod_cfg *cfg)
{
	FREE_LIST(cfg->searches);
	FREE_LIST(cfg->overrides);
	FREE_LIST(cfg->externals);
	FREE_LIST(cfg->excludes);
	free(cfg->dirname);
	free(cfg->outdirname);
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The modprobe.d configuration of a context.  The files of every search path
 * are merged into one list ordered by basename, where a name found in an
 * earlier (higher-precedence) path masks the same name in later ones; the
 * module directory's modules.softdep and modules.weakdep join that list as if
 * they were configuration files.  The kernel command line comes last.
 *
 * Message texts are kmod's: users and scripts grep modprobe's stderr for them.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "libkmod/libkmod-config.h"
#include "util/array.h"
#include "util/conffile.h"
#include "util/fileio.h"
#include "util/util.h"

/* Highest precedence first. */
const char *const kmod_config_default_paths[] = {
	SYSCONFDIR "/modprobe.d",    /* the administrator's */
	"/run/modprobe.d",	     /* generated at run time */
	"/usr/local/lib/modprobe.d", /* local software */
	DISTCONFDIR "/modprobe.d",   /* the distribution's */
	"/lib/modprobe.d",	     /* the distribution's, before /usr merged */
	NULL,
};

/* A path the configuration came from, to notice later changes. */
struct config_stamp {
	unsigned long long mtime;
	bool present;
	char path[];
};

/* A candidate file while the list is merged. */
struct conf_file {
	size_t seq;	  /* insertion order: the lowest wins among equal names */
	const char *name; /* basename, inside path */
	char path[];
};

struct config_parser {
	struct kmod_config *config;
	const struct logger *lg;
	const char *filename;
	unsigned int linenum;
};

/* ---- stamps ---------------------------------------------------------------- */

static int list_add(struct kmod_list **list, void *data)
{
	struct kmod_list *l = kmod_list_append(*list, data);

	if (l == NULL)
		return -ENOMEM;
	*list = l;
	return 0;
}

static int stamp_add(struct kmod_config *config, const char *path, const struct stat *st)
{
	size_t len = strlen(path) + 1, size;
	struct config_stamp *stamp;

	if (uadd_overflow(sizeof(*stamp), len, &size))
		return -ENOMEM;
	stamp = malloc(size);
	if (stamp == NULL)
		return -ENOMEM;
	stamp->present = st != NULL;
	stamp->mtime = st != NULL ? stat_mstamp(st) : 0;
	memcpy(stamp->path, path, len);
	if (list_add(&config->paths, stamp) < 0) {
		free(stamp);
		return -ENOMEM;
	}
	return 0;
}

/* ---- files ------------------------------------------------------------------- */

/* conffile_read(), with a message naming the file when it fails */
static int read_config_file(const struct logger *lg, const char *path, int fd,
			    const struct stat *st, char **buf, size_t *len)
{
	int r = conffile_read(fd, st, buf, len);

	if (r == -EFBIG)
		lg_err(lg, "%s: larger than %u MiB, not read\n", path,
		       CONFFILE_MAX >> 20);
	else if (r < 0 && r != -ENOMEM)
		lg_err(lg, "%s: could not read: %s\n", path, strerror(-r));
	return r;
}

/* Directives whose last field is the rest of the line, as written. */
enum rest_kind { REST_OPTIONS, REST_COMMAND, REST_SOFTDEP, REST_WEAKDEP };

static const struct {
	const char *cmd;
	size_t list; /* offset of the list in struct kmod_config */
	enum rest_kind kind;
} rest_directives[] = {
	{ "options", offsetof(struct kmod_config, options), REST_OPTIONS },
	{ "install", offsetof(struct kmod_config, install_commands), REST_COMMAND },
	{ "remove", offsetof(struct kmod_config, remove_commands), REST_COMMAND },
	{ "softdep", offsetof(struct kmod_config, softdeps), REST_SOFTDEP },
	{ "weakdep", offsetof(struct kmod_config, weakdeps), REST_WEAKDEP },
};

static int parse_rest_directive(struct kmod_config *config, const char *cmd, char **save)
{
	const char *name = strtok_r(NULL, "\t ", save);
	/* An empty delimiter set hands out the rest of the line, or NULL when empty. */
	const char *rest = strtok_r(NULL, "", save);

	for (size_t i = 0; i < ARRAY_SIZE(rest_directives); i++) {
		struct kmod_list **list;

		if (!streq(cmd, rest_directives[i].cmd))
			continue;
		if (name == NULL || rest == NULL)
			return -EINVAL;
		list = (struct kmod_list **)((char *)config + rest_directives[i].list);
		switch (rest_directives[i].kind) {
		case REST_OPTIONS:
			return kmod_config_pair_add(list, name, rest, CONFIG_VALUE_TABS);
		case REST_COMMAND:
			return kmod_config_pair_add(list, name, rest, 0);
		case REST_SOFTDEP:
			return kmod_config_dep_add(list, name, rest, true);
		case REST_WEAKDEP:
			return kmod_config_dep_add(list, name, rest, false);
		}
	}
	return -EINVAL;
}

/* 0 (also for a bad line, which is reported) or -ENOMEM. */
static int parse_line(struct config_parser *p, char *line)
{
	struct kmod_config *config = p->config;
	char *save, *cmd, *name, *modname;
	int err;

	if (line[0] == '\0' || line[0] == '#')
		return 0;
	cmd = strtok_r(line, "\t ", &save);
	if (cmd == NULL)
		return 0;

	if (streq(cmd, "include") || streq(cmd, "config")) {
		lg_err(p->lg, "%s: command %s is deprecated and not parsed anymore\n",
		       p->filename, cmd);
		return 0;
	}
	if (streq(cmd, "detached_sig"))
		return kmod_config_parse_detached_sig(config, p->lg, p->filename,
						      p->linenum, &save);
	if (streq(cmd, "alias")) {
		name = strtok_r(NULL, "\t ", &save);
		modname = strtok_r(NULL, "\t ", &save);
		err = name != NULL && modname != NULL
			      ? kmod_config_pair_add(&config->aliases, name, modname,
						     CONFIG_VALUE_IS_NAME)
			      : -EINVAL;
	} else if (streq(cmd, "blacklist")) {
		name = strtok_r(NULL, "\t ", &save);
		err = name != NULL ? kmod_config_blacklist_add(&config->blacklists, name)
				   : -EINVAL;
	} else if (streq(cmd, "deny")) {
		err = kmod_config_deny_parse(p->lg, &config->denies,
					     strtok_r(NULL, "", &save), p->filename,
					     p->linenum);
	} else {
		err = parse_rest_directive(config, cmd, &save);
	}

	if (err == -EINVAL) {
		lg_err(p->lg, "%s line %u: ignoring bad line starting with '%s'\n",
		       p->filename, p->linenum, cmd);
		return 0;
	}
	return err;
}

/* A link to /dev/null masks a file of the same name (systemd's convention). */
static bool is_dev_null(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

static int parse_file(struct config_parser *p, const char *path)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	char *pos, *line;
	struct stat st;
	size_t len = 0;
	int r;

	lg_dbg(p->lg, "parsing file '%s'\n", path);
	/* A FIFO or a device node in place of a file is refused, never opened. */
	fd = open_regular(path, &st);
	if (fd < 0) {
		if (fd == -ENOENT)
			lg_dbg(p->lg, "could not open '%s': %s\n", path, strerror(-fd));
		else if (is_dev_null(path))
			lg_dbg(p->lg, "'%s' is masked (/dev/null)\n", path);
		else
			lg_err(p->lg, "%s: %s\n", path, open_regular_strerror(fd));
		return 0;
	}
	r = stamp_add(p->config, path, &st);
	if (r < 0)
		return r;
	r = read_config_file(p->lg, path, fd, &st, &buf, &len);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0;

	p->filename = path;
	p->linenum = 0;
	pos = buf;
	/* The lines are our own buffer: the parser cuts them into words in place. */
	while ((line = conffile_next_line(&pos, buf + len, &p->linenum)) != NULL) {
		r = parse_line(p, line);
		if (r < 0)
			return r;
	}
	return 0;
}

/* dir NULL: file is a whole path; else file is a name in dir. */
static int conf_file_add(struct array *files, const char *dir, const char *file)
{
	size_t dlen = dir != NULL ? strlen(dir) + 1 : 0, flen = strlen(file) + 1, size;
	struct conf_file *cf;
	const char *slash;

	if (uadd_overflow(sizeof(*cf), dlen, &size) || uadd_overflow(size, flen, &size))
		return -ENOMEM;
	cf = malloc(size);
	if (cf == NULL)
		return -ENOMEM;
	if (dir != NULL) {
		memcpy(cf->path, dir, dlen - 1);
		cf->path[dlen - 1] = '/';
	}
	memcpy(cf->path + dlen, file, flen);
	slash = strrchr(cf->path, '/');
	cf->name = slash != NULL ? slash + 1 : cf->path;
	cf->seq = files->count;
	if (array_append(files, cf) < 0) {
		free(cf);
		return -ENOMEM;
	}
	return 0;
}

/* Files named *.conf, not hidden; a directory among them is reported. */
static bool conf_entry_skip(const struct logger *lg, DIR *d, const char *dir,
			    const char *name)
{
	size_t len = strlen(name);
	struct stat st;

	if (name[0] == '.')
		return true;
	if (len < 6 || !streq(name + len - 5, ".conf"))
		return true;
	if (fstatat(dirfd(d), name, &st, 0) == 0 && S_ISDIR(st.st_mode)) {
		lg_err(lg, "Directories inside directories are not supported: %s/%s\n",
		       dir, name);
		return true;
	}
	return false;
}

static void closedirp(DIR **d)
{
	if (*d != NULL)
		closedir(*d);
}

static int conf_dir_list(const struct logger *lg, struct array *files, const char *path)
{
	_cleanup_(closedirp) DIR *d = opendir(path);

	if (d == NULL) {
		lg_err(lg, "opendir(%s): %s\n", path, strerror(errno));
		return 0;
	}
	for (;;) {
		struct dirent *ent;
		int err;

		errno = 0;
		ent = readdir(d);
		if (ent == NULL) {
			if (errno != 0)
				lg_err(lg, "reading entry %s\n", strerror(errno));
			return 0;
		}
		if (conf_entry_skip(lg, d, path, ent->d_name))
			continue;
		err = conf_file_add(files, path, ent->d_name);
		if (err < 0)
			return err;
	}
}

/* A search path: a directory of *.conf files or, anything else, one file. */
static int conf_path_list(struct config_parser *p, struct array *files, const char *path)
{
	struct stat st;
	int err;

	if (stat(path, &st) < 0) {
		lg_dbg(p->lg, "could not stat '%s': %s\n", path, strerror(errno));
		/* Remembered as absent: its creation is a change. */
		return stamp_add(p->config, path, NULL);
	}
	if (!S_ISDIR(st.st_mode))
		return conf_file_add(files, NULL, path);
	err = stamp_add(p->config, path, &st);
	if (err < 0)
		return err;
	return conf_dir_list(p->lg, files, path);
}

static int moddir_file_list(struct config_parser *p, struct array *files,
			    const char *moddir, const char *name)
{
	_cleanup_free_ char *path = NULL;

	if (asprintf(&path, "%s/%s", moddir, name) < 0)
		return -ENOMEM;
	if (access(path, F_OK) < 0)
		return stamp_add(p->config, path, NULL);
	return conf_file_add(files, moddir, name);
}

static int conf_file_cmp(const void *a, const void *b)
{
	const struct conf_file *x = *(const struct conf_file *const *)a;
	const struct conf_file *y = *(const struct conf_file *const *)b;
	int r = strcmp(x->name, y->name);

	if (r != 0)
		return r;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int conf_files_collect(struct config_parser *p, const char *const *config_paths,
			      const char *moddir, struct array *files)
{
	int err;

	/* Listed first, the module directory's files win over a same-named path. */
	if (moddir != NULL) {
		err = moddir_file_list(p, files, moddir, "modules.softdep");
		if (err == 0)
			err = moddir_file_list(p, files, moddir, "modules.weakdep");
		if (err < 0)
			return err;
	}
	for (size_t i = 0; config_paths[i] != NULL; i++) {
		err = conf_path_list(p, files, config_paths[i]);
		if (err < 0)
			return err;
	}
	return 0;
}

static int conf_files_parse(struct config_parser *p, struct array *files)
{
	const struct conf_file *prev = NULL;

	array_sort(files, conf_file_cmp);
	for (size_t i = 0; i < files->count; i++) {
		const struct conf_file *cf = files->array[i];
		int err;

		if (prev != NULL && streq(cf->name, prev->name)) {
			lg_dbg(p->lg, "Ignoring duplicate config file: %s\n", cf->path);
			continue;
		}
		prev = cf;
		err = parse_file(p, cf->path);
		if (err < 0)
			return err;
	}
	return 0;
}

/* ---- kernel command line -------------------------------------------------------- */

static void kcmdline_bad_name(const struct logger *lg, const char *name)
{
	lg_err(lg,
	       "Ignoring bad option on kernel command line while parsing module name: "
	       "'%s'\n",
	       name);
}

/*
 * modprobe.blacklist=a,b,... are blacklists, modprobe.deny=a,b,... denied
 * modules, any other mod.param an option.
 */
static int kcmdline_result(void *data, char *modname, char *param, char *value)
{
	struct config_parser *p = data;
	struct kmod_config *config = p->config;
	int err;

	if (streq(modname, "modprobe") &&
	    (strstartswith(param, "blacklist=") || strstartswith(param, "deny="))) {
		bool deny = param[0] == 'd';
		char *t;

		while ((t = strsep(&value, ",")) != NULL) {
			if (deny && t[0] == '\0')
				continue;
			err = deny ? kmod_config_deny_add(&config->denies, t, NULL, 0)
				   : kmod_config_blacklist_add(&config->blacklists, t);
			if (err == -EINVAL)
				kcmdline_bad_name(p->lg, t);
			else if (err < 0)
				return err;
		}
		return 0;
	}
	err = kmod_config_pair_add(&config->options, modname, param, CONFIG_VALUE_TABS);
	if (err == -EINVAL) {
		kcmdline_bad_name(p->lg, modname);
		return 0;
	}
	return err;
}

/* ---- the configuration -------------------------------------------------------- */

void kmod_config_free(struct kmod_config *config)
{
	if (config == NULL)
		return;
	kmod_list_release(config->aliases, free);
	kmod_list_release(config->blacklists, free);
	kmod_list_release(config->options, free);
	kmod_list_release(config->install_commands, free);
	kmod_list_release(config->remove_commands, free);
	kmod_list_release(config->softdeps, free);
	kmod_list_release(config->weakdeps, free);
	kmod_list_release(config->denies, free);
	kmod_list_release(config->paths, free);
	free(config);
}

static void kmod_config_freep(struct kmod_config **config)
{
	kmod_config_free(*config);
}

static void conf_files_free(struct array *files)
{
	for (size_t i = 0; i < files->count; i++)
		free(files->array[i]);
	array_free_array(files);
}

int kmod_config_new(const struct logger *lg, const char *const *config_paths,
		    const char *moddir, struct kmod_config **ret)
{
	_cleanup_(kmod_config_freep) struct kmod_config *config =
		calloc(1, sizeof(*config));
	struct config_parser p = { .config = config, .lg = lg };
	struct array files;
	int err;

	if (config == NULL)
		return -ENOMEM;
	if (config_paths == NULL)
		config_paths = kmod_config_default_paths;

	array_init(&files, 32);
	err = conf_files_collect(&p, config_paths, moddir, &files);
	if (err == 0)
		err = conf_files_parse(&p, &files);
	conf_files_free(&files);
	if (err == 0)
		err = kcmdline_read(lg, kcmdline_result, &p);
	if (err < 0) {
		lg_err(lg, "could not read the configuration: %s\n", strerror(-err));
		return err;
	}
	*ret = TAKE_PTR(config);
	return 0;
}

bool kmod_config_changed(const struct kmod_config *config)
{
	const struct kmod_list *l;

	if (config == NULL)
		return false;
	kmod_list_foreach (l, config->paths) {
		const struct config_stamp *stamp = l->data;
		struct stat st;
		bool present = stat(stamp->path, &st) == 0;

		if (present != stamp->present)
			return true;
		if (present && stat_mstamp(&st) != stamp->mtime)
			return true;
	}
	return false;
}

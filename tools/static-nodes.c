// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kmod static-nodes: the device nodes of modules.devname, for whoever creates
 * them before the modules are loaded (systemd's kmod-static-nodes.service
 * writes them as a tmpfiles.d snippet).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kmod.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/util.h"

struct devname_entry {
	const char *module;
	const char *node; /* below /dev */
	char type;	  /* 'c' or 'b' */
	unsigned int major;
	unsigned int minor;
};

struct format {
	const char *name;
	const char *description;
	void (*write)(FILE *out, const struct devname_entry *e);
};

static void write_human(FILE *out, const struct devname_entry *e)
{
	fprintf(out,
		"Module: %s\n"
		"\tDevice node: /dev/%s\n"
		"\t\tType: %s device\n"
		"\t\tMajor: %u\n"
		"\t\tMinor: %u\n",
		e->module, e->node, e->type == 'c' ? "character" : "block", e->major,
		e->minor);
}

/* A node in a sub-directory needs the directory first. */
static void write_tmpfiles(FILE *out, const struct devname_entry *e)
{
	const char *slash = strrchr(e->node, '/');

	if (slash != NULL)
		fprintf(out, "d /dev/%.*s 0755 - - -\n", (int)(slash - e->node), e->node);
	fprintf(out, "%c! /dev/%s 0600 - - - %u:%u\n", e->type, e->node, e->major,
		e->minor);
}

static void write_devname(FILE *out, const struct devname_entry *e)
{
	fprintf(out, "%s %s %c%u:%u\n", e->module, e->node, e->type, e->major, e->minor);
}

static const struct format formats[] = {
	{ "human", "(default) a human readable format. Do not parse.", write_human },
	{ "tmpfiles", "the tmpfiles.d(5) format used by systemd-tmpfiles.",
	  write_tmpfiles },
	{ "devname", "the modules.devname format.", write_devname },
};

static const char cmdopts_s[] = "o:f:h";
static const struct option cmdopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void help(void)
{
	printf("Usage:\n"
	       "\t%s static-nodes [options]\n"
	       "\n"
	       "kmod static-nodes outputs the static-node information of the currently running kernel.\n"
	       "\n"
	       "Options:\n"
	       "\t-f, --format=FORMAT  choose format to use: see \"Formats\"\n"
	       "\t-o, --output=FILE    write output to file\n"
	       "\t-h, --help           show this help\n"
	       "\n"
	       "Formats:\n",
	       program_invocation_short_name);
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
		printf("\t%-12s %s\n", formats[i].name, formats[i].description);
}

static const struct format *find_format(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		if (streq(formats[i].name, name))
			return &formats[i];
	}
	return NULL;
}

/*
 * "<module> <node> <c|b><major>:<minor>", anything after that ignored.  The
 * word buffers are as long as the line, so no word can overflow them.
 */
static bool parse_entry(const char *line, char *module, char *node,
			struct devname_entry *e)
{
	int n = sscanf(line, "%s %s %c%u:%u", module, node, &e->type, &e->major,
		       &e->minor);

	if (n != 5 || (e->type != 'c' && e->type != 'b'))
		return false;
	e->module = module;
	e->node = node;
	return true;
}

/* Every entry of in written to out; false if a line was not an entry. */
static bool convert(FILE *in, FILE *out, const struct format *format)
{
	_cleanup_free_ char *line = NULL, *module = NULL, *node = NULL;
	size_t size = 0, words = 0;
	bool ok = true;
	ssize_t len;

	while ((len = getline(&line, &size, in)) >= 0) {
		struct devname_entry e;

		if (line[0] == '#')
			continue;
		if ((size_t)len >= words) {
			free(module);
			free(node);
			words = (size_t)len + 1;
			module = malloc(words);
			node = malloc(words);
			if (module == NULL || node == NULL) {
				fputs("Error: out of memory\n", stderr);
				return false;
			}
		}
		if (!parse_entry(line, module, node, &e)) {
			/* The line as read: with its newline, if it had one. */
			fprintf(stderr, "Error: invalid devname entry: %s", line);
			ok = false;
			continue;
		}
		format->write(out, &e);
	}
	return ok;
}

/*
 * Where --output goes.  A new file, made exclusively in the directory of the
 * name and renamed over it once complete, so that a symlink someone planted
 * there is replaced, never written through; a device or FIFO already there
 * (/dev/stdout, /dev/full) is written to as it is, nothing being created.
 */
struct output {
	const char *path; /* NULL: stdout */
	FILE *fp;
	int dirfd;
	const char *base; /* the name in dirfd */
	struct tmpfile tmp;
};

static int open_device(struct output *o)
{
	struct stat st;
	int fd;

	if (fstatat(o->dirfd, o->base, &st, 0) < 0 || S_ISREG(st.st_mode))
		return 0;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	fd = openat(o->dirfd, o->base, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* swapped for a regular file meanwhile: replaced instead, as one */
	if (fstat(fd, &st) < 0 || S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	o->fp = fdopen(fd, "we");
	if (o->fp == NULL) {
		close(fd);
		return -errno;
	}
	return 1;
}

static int open_new(struct output *o)
{
	_cleanup_free_ char *prefix = NULL;
	int err, fd;

	if (asprintf(&prefix, ".%s.", o->base) < 0)
		return -ENOMEM;
	/* the mode fopen() gives a new file */
	err = tmpfile_open_at(&o->tmp, o->dirfd, prefix, ".tmp", 0666);
	if (err < 0)
		return err;
	fd = dup(o->tmp.fd);
	o->fp = fd < 0 ? NULL : fdopen(fd, "we");
	if (o->fp == NULL) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		tmpfile_discard(&o->tmp);
		return err;
	}
	return 0;
}

static bool open_output(struct output *o)
{
	int err;

	o->fp = stdout;
	if (o->path == NULL)
		return true;
	o->fp = NULL;
	err = mkdir_parents(o->path, 0755);
	if (err < 0) {
		fprintf(stderr, "Error: could not create parent directory for %s - %s.\n",
			o->path, strerror(-err));
		return false;
	}
	o->dirfd = open_parent_dir(o->path, &o->base);
	err = o->dirfd < 0 ? o->dirfd : open_device(o);
	if (err == 0)
		err = open_new(o);
	if (err < 0) {
		fprintf(stderr, "Error: could not create %s - %s\n", o->path,
			strerror(-err));
		if (o->dirfd >= 0)
			close(o->dirfd);
		return false;
	}
	return true;
}

/* A write error, a full disk in particular, must not look like success. */
static bool close_output(struct output *o)
{
	bool failed = ferror(o->fp) != 0;
	int err = 0;

	if (o->fp == stdout) {
		failed |= fflush(o->fp) != 0;
	} else {
		failed |= fclose(o->fp) != 0;
		if (!failed && o->tmp.fd >= 0) {
			err = tmpfile_rename(&o->tmp, o->base);
			failed = err < 0;
		}
		tmpfile_discard(&o->tmp);
		close(o->dirfd);
	}
	if (failed)
		fprintf(stderr, "Error: could not write %s - %s\n",
			o->path != NULL ? o->path : "to standard output",
			strerror(err < 0 ? -err : errno));
	return !failed;
}

static int do_static_nodes(int argc, char *argv[])
{
	const struct format *format = &formats[0];
	struct output out = { .dirfd = -1, .tmp.fd = -1 };
	char path[PATH_MAX_LEN];
	struct utsname u;
	FILE *in;
	bool ok;

	for (;;) {
		int c = getopt_long(argc, argv, cmdopts_s, cmdopts, NULL);

		if (c == -1)
			break;
		switch (c) {
		case 'o':
			out.path = optarg;
			break;
		case 'f':
			format = find_format(optarg);
			if (format == NULL) {
				fprintf(stderr, "Unknown format: '%s'.\n", optarg);
				help();
				return EXIT_FAILURE;
			}
			break;
		case 'h':
			help();
			return EXIT_SUCCESS;
		default:
			return EXIT_FAILURE;
		}
	}

	if (uname(&u) < 0) {
		fputs("Error: uname failed!\n", stderr);
		return EXIT_FAILURE;
	}
	snprintf(path, sizeof(path), MODULE_DIRECTORY "/%s/modules.devname", u.release);
	in = fopen_regular(path);
	if (in == NULL) {
		/* No module has a device node: nothing to create, not an error. */
		if (errno == ENOENT) {
			fprintf(stderr, "Warning: %s not found - ignoring\n", path);
			return EXIT_SUCCESS;
		}
		/* kmod reads a directory or a device as empty (and hangs on a FIFO). */
		if (errno == EINVAL) {
			fprintf(stderr, "Warning: %s is not a regular file - ignoring\n",
				path);
			return EXIT_SUCCESS;
		}
		fprintf(stderr, "Error: could not open %s - %s\n", path,
			open_regular_strerror(-errno));
		return EXIT_FAILURE;
	}

	if (!open_output(&out)) {
		fclose(in);
		return EXIT_FAILURE;
	}
	ok = convert(in, out.fp, format);
	ok &= close_output(&out);
	fclose(in);
	return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

const struct kmod_cmd kmod_cmd_static_nodes = {
	.name = "static-nodes",
	.cmd = do_static_nodes,
	.help = "outputs the static-node information installed with the currently running kernel",
};

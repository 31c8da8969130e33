// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stage 6, the publish: where the outputs go.  The output directory is locked
 * first (flock), so depmods running at once on one directory take turns and
 * the last one publishes a complete set of its own.  Every file is streamed
 * into a temporary file as it is made and, only when every one was written
 * completely, all are renamed over the old ones.  A failed write (disk full,
 * I/O error) therefore leaves the old set untouched, and a depmod killed at
 * any moment leaves each file either old or new, never partial; the next
 * depmod sweeps away the temporary files of a killed one.  depmod -n prints
 * the text files instead.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/depmod-pipeline/publish.h"
#include "tools/log.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/strbuf.h"
#include "util/util.h"

#define TMP_SUFFIX ".depmod-tmp"

/*
 * Temporary files of depmods killed before they could rename them: named
 * ".<output>.<pid>.<random>.depmod-tmp" (a file system without O_TMPFILE
 * has them named while written; with it, only between link and rename).
 * Under the lock no other depmod has any.  And the cache older versions
 * kept here, which now lives in /var/cache (cache.c).
 */
static void remove_stale_temps(int dfd)
{
	size_t slen = strlen(TMP_SUFFIX);
	DIR *dir = opendir_at(dfd);
	struct dirent *de;

	if (dir == NULL)
		return;
	while ((de = readdir(dir)) != NULL) {
		size_t len = strlen(de->d_name);

		if (strstartswith(de->d_name, ".modules.") && len > slen &&
		    streq(de->d_name + len - slen, TMP_SUFFIX))
			unlinkat(dfd, de->d_name, 0);
	}
	closedir(dir);
	unlinkat(dfd, "modules.depmod-cache", 0);
}

/*
 * The output directory, created if need be and locked (flock) for the whole
 * run of writing: depmods running at once take turns, and none sweeps away
 * the temporary files of another.  Returns its fd or -errno.
 */
static int outdir_open(const char *dname)
{
	int dfd, err;

	if (mkdir_parents(dname, 0755) < 0 ||
	    (mkdir(dname, 0755) < 0 && errno != EEXIST)) {
		err = -errno;
		ERR("could not create directory %s: %m\n", dname);
		return err;
	}
	dfd = open(dname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		err = -errno;
		CRIT("could not open directory %s: %m\n", dname);
		return err;
	}
	if (flock(dfd, LOCK_EX) < 0)
		WRN("could not lock %s: %m\n", dname);
	remove_stale_temps(dfd);
	return dfd;
}

static int create_temp(int dfd, const char *dname, struct depmod_out *o)
{
	char prefix[64];
	int err;

	snprintf(prefix, sizeof(prefix), ".%s.%d.", o->name, (int)getpid());
	err = tmpfile_open_at(&o->tmp, dfd, prefix, TMP_SUFFIX, 0644);
	if (err < 0) {
		ERR("could not create a temporary file in %s for %s: %s\n", dname,
		    o->name, strerror(-err));
		return err;
	}
	o->fd = o->tmp.fd;
	return 0;
}

/*
 * Every output was written whole: each is closed and linked under its
 * temporary name (a late write error shows here), then all replace the old
 * ones.
 */
static int publish(const char *dname, struct depmod_out *const *outs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int err = tmpfile_link(&outs[i]->tmp);

		if (err < 0) {
			ERR("could not write %s/%s: %s; nothing was changed\n", dname,
			    outs[i]->name, strerror(-err));
			return err;
		}
	}
	for (size_t i = 0; i < n; i++) {
		int err = tmpfile_rename(&outs[i]->tmp, outs[i]->name);

		if (err < 0) {
			ERR("could not replace %s/%s: %s\n", dname, outs[i]->name,
			    strerror(-err));
			return err;
		}
	}
	return 0;
}

/* The first failure in the order of outputs: kmod's writes stopped at the first. */
static int report_errors(const char *dname, struct depmod_out *const *outs, size_t n,
			 int build_err)
{
	for (size_t i = 0; i < n; i++) {
		if (outs[i]->err < 0) {
			ERR("could not write %s/%s: %s; nothing was changed\n", dname,
			    outs[i]->name, strerror(-outs[i]->err));
			return outs[i]->err;
		}
	}
	for (size_t i = 0; i < n && build_err < 0; i++) {
		if (outs[i]->fatal)
			return build_err; /* said already */
	}
	if (build_err < 0)
		ERR("could not build the output files: %s\n", strerror(-build_err));
	return build_err;
}

static int print_text(struct depmod_out *const *outs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ssize_t r;

		if (outs[i]->binary)
			continue;
		r = write_str_safe(STDOUT_FILENO, outs[i]->buf.bytes,
				   strbuf_used(&outs[i]->buf));
		if (r < 0) {
			ERR("could not write to stdout: %s\n", strerror((int)-r));
			return (int)r;
		}
	}
	return 0;
}

int depmod_publish_begin(struct depmod_publish *p, struct depmod_outputs *o)
{
	struct depmod_out *all[DEPMOD_N_OUTPUTS];
	int err = 0;

	p->dfd = -1;
	if (p->to_stdout)
		return 0;
	p->dfd = outdir_open(p->dname);
	if (p->dfd < 0)
		return p->dfd;
	depmod_outputs_list(o, all);
	for (size_t i = 0; i < DEPMOD_N_OUTPUTS && err == 0; i++)
		err = create_temp(p->dfd, p->dname, all[i]);
	return err;
}

int depmod_publish_commit(struct depmod_publish *p, struct depmod_outputs *o,
			  int write_err)
{
	struct depmod_out *all[DEPMOD_N_OUTPUTS];
	int err;

	depmod_outputs_list(o, all);
	err = report_errors(p->dname, all, DEPMOD_N_OUTPUTS, write_err);
	if (err < 0)
		return err;
	if (p->to_stdout)
		return print_text(all, DEPMOD_N_OUTPUTS);
	return publish(p->dname, all, DEPMOD_N_OUTPUTS);
}

void depmod_publish_end(struct depmod_publish *p, struct depmod_outputs *o)
{
	struct depmod_out *all[DEPMOD_N_OUTPUTS];

	depmod_outputs_list(o, all);
	for (size_t i = 0; i < DEPMOD_N_OUTPUTS; i++) {
		tmpfile_discard(&all[i]->tmp);
		all[i]->fd = -1;
	}
	if (p->dfd >= 0)
		close(p->dfd); /* drops the lock */
	p->dfd = -1;
}

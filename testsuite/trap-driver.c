// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Calls one trapped libc function, named on the command line, and prints what
 * it got back, for test-trap.sh.  Every function is looked up by name with
 * dlsym(RTLD_DEFAULT), which resolves exactly like a normal call would, so
 * each entry point of the trap is exercised under its own name.
 *
 *   trap-driver COMMAND [FUNCTION] ARGS...
 *
 * Output: whatever the call produced (file contents, names, size), then
 * "ret=<value> errno=<NAME or 0>".  Exit status 0 unless the usage is wrong
 * or the trap is not preloaded (the module calls would reach the kernel).
 */

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "util/macro.h"

static void *fn(const char *name)
{
	void *p = dlsym(RTLD_DEFAULT, name);

	if (p == NULL) {
		fprintf(stderr, "trap-driver: no symbol %s\n", name);
		exit(2);
	}
	return p;
}

static const char *errno_name(int err)
{
#if defined(__GLIBC_PREREQ) && __GLIBC_PREREQ(2, 32)
	return strerrorname_np(err);
#else
	/* The ones the tests look for; others print as numbers. */
	static const struct {
		int value;
		const char *name;
	} names[] = {
		{ EPERM, "EPERM" },
		{ ENOENT, "ENOENT" },
		{ ENOEXEC, "ENOEXEC" },
		{ EBADF, "EBADF" },
		{ EAGAIN, "EAGAIN" },
		{ EACCES, "EACCES" },
		{ EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" },
		{ EINVAL, "EINVAL" },
		{ ENOSYS, "ENOSYS" },
		{ ENODATA, "ENODATA" },
		{ ENOPKG, "ENOPKG" },
		{ EBADMSG, "EBADMSG" },
		{ ENOKEY, "ENOKEY" },
		{ EKEYREJECTED, "EKEYREJECTED" },
		{ ENAMETOOLONG, "ENAMETOOLONG" },
		{ EOVERFLOW, "EOVERFLOW" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (names[i].value == err)
			return names[i].name;
	}
	return NULL;
#endif
}

static void result(long ret, int err)
{
	const char *name = err ? errno_name(err) : NULL;

	if (err == 0)
		printf("ret=%ld errno=0\n", ret);
	else if (name != NULL)
		printf("ret=%ld errno=%s\n", ret, name);
	else
		printf("ret=%ld errno=%d\n", ret, err);
}

#define CALL(expr)                                                                       \
	do {                                                                             \
		long _r_;                                                                \
		errno = 0;                                                               \
		_r_ = (long)(expr);                                                      \
		result(_r_, _r_ < 0 ? errno : 0);                                        \
	} while (0)

static void dump_fd(int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, stdout);
}

/* Whole file read through the trapped open(); NULL with errno on failure. */
static void *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *buf;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return NULL;
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	if (buf == NULL || read(fd, buf, st.st_size) != st.st_size) {
		close(fd);
		free(buf);
		return NULL;
	}
	close(fd);
	*len = st.st_size;
	return buf;
}

static int cmd_init(const char *how, char **argv)
{
	size_t len;
	void *img = slurp(argv[0], &len);

	if (img == NULL) {
		perror(argv[0]);
		return 2;
	}
	if (strcmp(how, "init-syscall") == 0) {
		CALL(syscall(SYS_init_module, img, (unsigned long)len, argv[1]));
	} else {
		int (*f)(void *, unsigned long, const char *) = fn("init_module");
		CALL(f(img, len, argv[1]));
	}
	free(img);
	return 0;
}

/* The fd finit_module gets: the file itself, or a memfd copy of it. */
static int module_fd(const char *how, const char *path)
{
	size_t len;
	void *img;
	int fd;

	if (strcmp(how, "finit-memfd") != 0)
		return open(path, O_RDONLY | O_CLOEXEC);
	img = slurp(path, &len);
	if (img == NULL)
		return -1;
	fd = memfd_create("kmod-test", MFD_CLOEXEC);
	if (fd >= 0 && write(fd, img, len) != (ssize_t)len) {
		close(fd);
		fd = -1;
	}
	free(img);
	return fd;
}

static int cmd_finit(const char *how, char **argv)
{
	int flags = (int)strtol(argv[1], NULL, 0);
	int fd = strcmp(argv[0], "-") == 0 ? 9999 : module_fd(how, argv[0]);

	if (fd < 0) {
		perror(argv[0]);
		return 2;
	}
	if (strcmp(how, "finit-libc") == 0) {
		int (*f)(int, const char *, int) = fn("finit_module");
		CALL(f(fd, argv[2], flags));
	} else {
		CALL(syscall(SYS_finit_module, fd, argv[2], flags));
	}
	return 0;
}

static int cmd_delete(const char *how, char **argv)
{
	unsigned int flags = (unsigned int)strtoul(argv[1], NULL, 0);

	if (strcmp(how, "delete-syscall") == 0) {
		CALL(syscall(SYS_delete_module, argv[0], flags));
	} else {
		int (*f)(const char *, unsigned int) = fn("delete_module");
		CALL(f(argv[0], flags));
	}
	return 0;
}

static int cmd_open(const char *f, const char *path)
{
	long r;

	errno = 0;
	if (strstr(f, "fopen") || strstr(f, "freopen")) {
		FILE *fp;

		if (strncmp(f, "freopen", 7) == 0) {
			FILE *(*op)(const char *, const char *, FILE *) = fn(f);
			fp = op(path, "re", fopen("/dev/null", "re"));
		} else {
			FILE *(*op)(const char *, const char *) = fn(f);
			fp = op(path, "re");
		}
		if (fp == NULL) {
			result(-1, errno);
			return 0;
		}
		dump_fd(fileno(fp));
		fclose(fp);
		result(0, 0);
		return 0;
	}
	if (strstr(f, "openat")) {
		if (strstr(f, "_2")) {
			int (*op)(int, const char *, int) = fn(f);
			r = op(AT_FDCWD, path, O_RDONLY);
		} else {
			int (*op)(int, const char *, int, ...) = fn(f);
			r = op(AT_FDCWD, path, O_RDONLY);
		}
	} else if (strstr(f, "_2")) {
		int (*op)(const char *, int) = fn(f);
		r = op(path, O_RDONLY);
	} else {
		int (*op)(const char *, int, ...) = fn(f);
		r = op(path, O_RDONLY);
	}
	if (r < 0) {
		result(r, errno);
		return 0;
	}
	dump_fd((int)r);
	close((int)r);
	result(0, 0);
	return 0;
}

static int cmd_stat(const char *f, const char *path)
{
	struct stat st = { 0 };
	struct statx stx = { 0 };
	long long size;
	int r;

	errno = 0;
	if (strcmp(f, "statx") == 0) {
		int (*op)(int, const char *, int, unsigned int, struct statx *) = fn(f);
		r = op(AT_FDCWD, path, 0, STATX_SIZE, &stx);
		size = stx.stx_size;
	} else if (strstr(f, "fxstatat")) {
		int (*op)(int, int, const char *, struct stat *, int) = fn(f);
		r = op(1, AT_FDCWD, path, &st, 0);
		size = st.st_size;
	} else if (strstr(f, "xstat")) {
		int (*op)(int, const char *, struct stat *) = fn(f);
		r = op(1, path, &st);
		size = st.st_size;
	} else if (strstr(f, "fstatat")) {
		int (*op)(int, const char *, struct stat *, int) = fn(f);
		r = op(AT_FDCWD, path, &st, 0);
		size = st.st_size;
	} else {
		int (*op)(const char *, struct stat *) = fn(f);
		r = op(path, &st);
		size = st.st_size;
	}
	if (r == 0)
		printf("size=%lld\n", size);
	result(r, r < 0 ? errno : 0);
	return 0;
}

static int cmd_access(const char *f, const char *path)
{
	if (strcmp(f, "faccessat") == 0) {
		int (*op)(int, const char *, int, int) = fn(f);
		CALL(op(AT_FDCWD, path, R_OK, 0));
	} else {
		int (*op)(const char *, int) = fn(f);
		CALL(op(path, R_OK));
	}
	return 0;
}

static int cmd_readlink(const char *f, const char *path)
{
	char buf[PATH_MAX];
	ssize_t n;

	errno = 0;
	if (strcmp(f, "readlinkat") == 0) {
		ssize_t (*op)(int, const char *, char *, size_t) = fn(f);
		n = op(AT_FDCWD, path, buf, sizeof(buf));
	} else if (strcmp(f, "__readlinkat_chk") == 0) {
		ssize_t (*op)(int, const char *, char *, size_t, size_t) = fn(f);
		n = op(AT_FDCWD, path, buf, sizeof(buf), sizeof(buf));
	} else if (strcmp(f, "__readlink_chk") == 0) {
		ssize_t (*op)(const char *, char *, size_t, size_t) = fn(f);
		n = op(path, buf, sizeof(buf), sizeof(buf));
	} else {
		ssize_t (*op)(const char *, char *, size_t) = fn(f);
		n = op(path, buf, sizeof(buf));
	}
	if (n >= 0)
		printf("%.*s\n", (int)n, buf);
	result(n < 0 ? -1 : 0, n < 0 ? errno : 0);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmd_dir(const char *f, const char *path)
{
	char *names[256];
	size_t n = 0;

	errno = 0;
	if (strcmp(f, "opendir") == 0) {
		DIR *(*op)(const char *) = fn(f);
		DIR *d = op(path);
		struct dirent *de;

		if (d == NULL) {
			result(-1, errno);
			return 0;
		}
		while ((de = readdir(d)) != NULL && n < ARRAY_SIZE(names))
			names[n++] = strdup(de->d_name);
		closedir(d);
	} else {
		struct dirent **list;
		int r;

		if (strcmp(f, "scandirat") == 0) {
			int (*op)(int, const char *, struct dirent ***, void *, void *) =
				fn(f);
			r = op(AT_FDCWD, path, &list, NULL, NULL);
		} else {
			int (*op)(const char *, struct dirent ***, void *, void *) =
				fn(f);
			r = op(path, &list, NULL, NULL);
		}
		if (r < 0) {
			result(-1, errno);
			return 0;
		}
		for (int i = 0; i < r; i++) {
			if (n < ARRAY_SIZE(names))
				names[n++] = strdup(list[i]->d_name);
			free(list[i]);
		}
		free(list);
	}
	qsort(names, n, sizeof(names[0]), by_name);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], ".") != 0 && strcmp(names[i], "..") != 0)
			printf("%s\n", names[i]);
		free(names[i]);
	}
	result(0, 0);
	return 0;
}

static int cmd_path1(const char *f, char **argv)
{
	const char *path = argv[0];

	if (strcmp(f, "mkdirat") == 0) {
		int (*op)(int, const char *, mode_t) = fn(f);
		CALL(op(AT_FDCWD, path, 0755));
	} else if (strcmp(f, "mkdir") == 0 || strcmp(f, "chmod") == 0) {
		int (*op)(const char *, mode_t) = fn(f);
		CALL(op(path, 0700));
	} else if (strcmp(f, "unlinkat") == 0) {
		int (*op)(int, const char *, int) = fn(f);
		CALL(op(AT_FDCWD, path, 0));
	} else if (strncmp(f, "truncate", 8) == 0) {
		int (*op)(const char *, off_t) = fn(f);
		CALL(op(path, 3));
	} else if (strncmp(f, "creat", 5) == 0) {
		int (*op)(const char *, mode_t) = fn(f);
		int fd = op(path, 0644);

		if (fd >= 0 && write(fd, "created\n", 8) != 8)
			return 2;
		CALL(fd < 0 ? -1 : close(fd));
	} else {
		/* rmdir, unlink, remove, chdir */
		int (*op)(const char *) = fn(f);
		CALL(op(path));
	}
	return 0;
}

/* rename, renameat, renameat2, and link, linkat (the same two names) */
static int cmd_rename(const char *f, char **argv)
{
	if (strcmp(f, "rename") == 0 || strcmp(f, "link") == 0) {
		int (*op)(const char *, const char *) = fn(f);
		CALL(op(argv[0], argv[1]));
	} else if (strcmp(f, "renameat") == 0) {
		int (*op)(int, const char *, int, const char *) = fn(f);
		CALL(op(AT_FDCWD, argv[0], AT_FDCWD, argv[1]));
	} else if (strcmp(f, "linkat") == 0) {
		int (*op)(int, const char *, int, const char *, int) = fn(f);
		CALL(op(AT_FDCWD, argv[0], AT_FDCWD, argv[1], 0));
	} else {
		int (*op)(int, const char *, int, const char *, unsigned int) = fn(f);
		CALL(op(AT_FDCWD, argv[0], AT_FDCWD, argv[1], 0));
	}
	return 0;
}

static int cmd_mkstemp(const char *f, const char *tmpl)
{
	char buf[PATH_MAX];
	int fd;

	snprintf(buf, sizeof(buf), "%s", tmpl);
	errno = 0;
	if (strcmp(f, "mkostemp") == 0) {
		int (*op)(char *, int) = fn(f);
		fd = op(buf, O_CLOEXEC);
	} else if (strcmp(f, "mkdtemp") == 0) {
		char *(*op)(char *) = fn(f);
		fd = op(buf) == NULL ? -1 : open("/dev/null", O_RDONLY | O_CLOEXEC);
	} else {
		int (*op)(char *) = fn(f);
		fd = op(buf);
	}
	if (fd >= 0) {
		printf("%s\n", buf);
		close(fd);
	}
	result(fd < 0 ? -1 : 0, fd < 0 ? errno : 0);
	return 0;
}

static int cmd_realpath(const char *f, const char *path)
{
	char buf[PATH_MAX];
	char *r;

	errno = 0;
	if (strcmp(f, "__realpath_chk") == 0) {
		char *(*op)(const char *, char *, size_t) = fn(f);
		r = op(path, buf, sizeof(buf));
	} else if (strcmp(f, "canonicalize_file_name") == 0) {
		char *(*op)(const char *) = fn(f);
		r = op(path);
	} else {
		char *(*op)(const char *, char *) = fn(f);
		r = op(path, NULL);
	}
	if (r != NULL)
		printf("%s\n", r);
	result(r ? 0 : -1, r ? 0 : errno);
	if (r != NULL && r != buf)
		free(r);
	return 0;
}

/* chdir() into dir, then show the cwd and read a relative file there. */
static int cmd_getcwd(const char *f, char **argv)
{
	char buf[PATH_MAX];
	char *r;
	int fd;

	if (chdir(argv[0]) < 0) {
		result(-1, errno);
		return 0;
	}
	if (strcmp(f, "get_current_dir_name") == 0) {
		char *(*op)(void) = fn(f);
		r = op();
	} else if (strcmp(f, "__getcwd_chk") == 0) {
		char *(*op)(char *, size_t, size_t) = fn(f);
		r = op(buf, sizeof(buf), sizeof(buf));
	} else {
		char *(*op)(char *, size_t) = fn(f);
		r = op(buf, sizeof(buf));
	}
	printf("%s\n", r ? r : "(null)");
	if (r != NULL && r != buf)
		free(r);
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		dump_fd(fd);
		close(fd);
	}
	result(fd < 0 ? -1 : 0, fd < 0 ? errno : 0);
	return 0;
}

/* A name looked up relative to a directory fd from a (redirected) open. */
static int cmd_openat_dir(const char *how, char **argv)
{
	int dfd = open(argv[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd;

	if (dfd < 0) {
		result(-1, errno);
		return 0;
	}
	fd = openat(dfd, argv[1], O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		dump_fd(fd);
		close(fd);
	}
	result(fd < 0 ? -1 : 0, fd < 0 ? errno : 0);
	close(dfd);
	return 0;
}

static char *walked[256];
static size_t nwalked;

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	char line[PATH_MAX + 64];

	snprintf(line, sizeof(line), "%s base=%s level=%d", path, path + ftw->base,
		 ftw->level);
	if (nwalked < ARRAY_SIZE(walked))
		walked[nwalked++] = strdup(line);
	return 0;
}

static int cmd_nftw(const char *f, const char *dir)
{
	int (*op)(const char *, void *, int, int) = fn(f);
	int r;

	errno = 0;
	r = op(dir, (void *)walk_one, 8, FTW_PHYS);
	qsort(walked, nwalked, sizeof(walked[0]), by_name);
	for (size_t i = 0; i < nwalked; i++) {
		printf("%s\n", walked[i]);
		free(walked[i]);
	}
	result(r, r < 0 ? errno : 0);
	return 0;
}

static int cmd_misc(const char *cmd)
{
	if (strcmp(cmd, "uname") == 0) {
		struct utsname u;
		int (*op)(struct utsname *) = fn("uname");
		int r = op(&u);

		if (r == 0)
			printf("%s\n", u.release);
		result(r, r < 0 ? errno : 0);
		return 0;
	}
	/* Other syscalls must still reach the kernel. */
	if (strcmp(cmd, "getpid-syscall") == 0) {
		long pid = syscall(SYS_getpid);

		printf("%s\n", pid == (long)getpid() ? "same" : "different");
		result(0, 0);
		return 0;
	}
	return -1;
}

static const struct {
	const char *cmd;
	int argc; /* arguments after the command (and function) */
	bool has_fn;
	int (*run)(const char *how, char **argv);
} cmds[] = {
	{ "init_module", 2, false, cmd_init },
	{ "init-syscall", 2, false, cmd_init },
	{ "finit_module", 3, false, cmd_finit },
	{ "finit-libc", 3, false, cmd_finit },
	{ "finit-memfd", 3, false, cmd_finit },
	{ "delete_module", 2, false, cmd_delete },
	{ "delete-syscall", 2, false, cmd_delete },
	{ "openat-dir", 2, false, cmd_openat_dir },
	{ "path", 1, true, cmd_path1 },
	{ "rename", 2, true, cmd_rename },
	{ "getcwd", 2, true, cmd_getcwd },
};

static const struct {
	const char *cmd;
	int (*run)(const char *f, const char *path);
} path_cmds[] = {
	{ "open", cmd_open },	      { "stat", cmd_stat }, { "access", cmd_access },
	{ "readlink", cmd_readlink }, { "dir", cmd_dir },   { "mkstemp", cmd_mkstemp },
	{ "realpath", cmd_realpath }, { "nftw", cmd_nftw },
};

static int usage(void)
{
	fprintf(stderr, "usage: trap-driver COMMAND [FUNCTION] ARGS...\n");
	return 2;
}

int main(int argc, char *argv[])
{
	if (dlsym(RTLD_DEFAULT, "kmod_trap_active") == NULL) {
		fprintf(stderr,
			"trap-driver: the trap is not preloaded, refusing to run\n");
		return 2;
	}
	if (argc < 2)
		return usage();
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (argc == 2 && cmd_misc(argv[1]) == 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(path_cmds); i++) {
		if (strcmp(argv[1], path_cmds[i].cmd) == 0)
			return argc == 4 ? path_cmds[i].run(argv[2], argv[3]) : usage();
	}
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		int skip = cmds[i].has_fn ? 3 : 2;

		if (strcmp(argv[1], cmds[i].cmd) != 0)
			continue;
		if (argc != skip + cmds[i].argc)
			return usage();
		return cmds[i].run(cmds[i].has_fn ? argv[2] : argv[1], argv + skip);
	}
	return usage();
}

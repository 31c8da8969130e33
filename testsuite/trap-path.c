// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Test trap, file functions: every libc call that takes a path is wrapped so
 * that absolute paths land under TRAP_ROOT (rules in trap_path()).  libc's own
 * internal calls never come through here, so each public entry point a
 * program may use (including the fortify and large-file variants) needs its
 * own wrapper; test-trap.sh checks the tools import nothing we miss.
 */

#include "testsuite/trap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Entry points glibc exports without declaring them (or only under fortify). */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
int __xstat(int ver, const char *path, struct stat *buf);
int __xstat64(int ver, const char *path, struct stat64 *buf);
int __lxstat(int ver, const char *path, struct stat *buf);
int __lxstat64(int ver, const char *path, struct stat64 *buf);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *buf, int flags);
int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *buf, int flags);
ssize_t __readlink_chk(const char *path, char *buf, size_t len, size_t buflen);
ssize_t __readlinkat_chk(int dirfd, const char *path, char *buf, size_t len,
			 size_t buflen);
char *__realpath_chk(const char *path, char *resolved, size_t resolvedlen);
char *__getcwd_chk(char *buf, size_t size, size_t buflen);

/* Declares real_ as the next definition of fn, or fails the call with ENOSYS. */
#define GET_REAL(fn, fail)                                                               \
	__typeof__(&fn) real_ = REAL(fn);                                                \
	if (real_ == NULL) {                                                             \
		errno = ENOSYS;                                                          \
		return fail;                                                             \
	}

/* Declares var as the path to really use. */
#define REDIRECT(var, path, fail)                                                        \
	char var##_buf_[PATH_MAX];                                                       \
	const char *var = trap_path((path), var##_buf_, sizeof(var##_buf_));             \
	if (var == NULL)                                                                 \
		return fail;

/*
 * The *at() calls redirect like the others: a relative name is never
 * touched (a directory fd from a redirected open already points into the
 * root), and an absolute one ignores the directory fd in the kernel too.
 */
#define REDIRECT_AT(var, dirfd, path, fail) REDIRECT(var, path, fail)

/* open() and friends only carry a mode when they may create a file. */
#define OPEN_MODE(flags, last)                                                           \
	({                                                                               \
		mode_t _mode_ = 0;                                                       \
		if (((flags)&O_CREAT) || ((flags)&O_TMPFILE) == O_TMPFILE) {             \
			va_list _ap_;                                                    \
			va_start(_ap_, last);                                            \
			_mode_ = va_arg(_ap_, mode_t);                                   \
			va_end(_ap_);                                                    \
		}                                                                        \
		_mode_;                                                                  \
	})

/* ---- open ---- */

_export_ int open(const char *path, int flags, ...)
{
	mode_t mode = OPEN_MODE(flags, flags);
	GET_REAL(open, -1);
	REDIRECT(p, path, -1);
	return real_(p, flags, mode);
}

_export_ int open64(const char *path, int flags, ...)
{
	mode_t mode = OPEN_MODE(flags, flags);
	GET_REAL(open64, -1);
	REDIRECT(p, path, -1);
	return real_(p, flags, mode);
}

_export_ int __open_2(const char *path, int flags)
{
	GET_REAL(__open_2, -1);
	REDIRECT(p, path, -1);
	return real_(p, flags);
}

_export_ int __open64_2(const char *path, int flags)
{
	GET_REAL(__open64_2, -1);
	REDIRECT(p, path, -1);
	return real_(p, flags);
}

_export_ int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = OPEN_MODE(flags, flags);
	GET_REAL(openat, -1);
	REDIRECT_AT(p, dirfd, path, -1);
	return real_(dirfd, p, flags, mode);
}

_export_ int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = OPEN_MODE(flags, flags);
	GET_REAL(openat64, -1);
	REDIRECT_AT(p, dirfd, path, -1);
	return real_(dirfd, p, flags, mode);
}

_export_ int __openat_2(int dirfd, const char *path, int flags)
{
	GET_REAL(__openat_2, -1);
	REDIRECT_AT(p, dirfd, path, -1);
	return real_(dirfd, p, flags);
}

_export_ int __openat64_2(int dirfd, const char *path, int flags)
{
	GET_REAL(__openat64_2, -1);
	REDIRECT_AT(p, dirfd, path, -1);
	return real_(dirfd, p, flags);
}

_export_ int creat(const char *path, mode_t mode)
{
	GET_REAL(creat, -1);
	REDIRECT(p, path, -1);
	return real_(p, mode);
}

_export_ int creat64(const char *path, mode_t mode)
{
	GET_REAL(creat64, -1);
	REDIRECT(p, path, -1);
	return real_(p, mode);
}

_export_ FILE *fopen(const char *path, const char *mode)
{
	GET_REAL(fopen, NULL);
	REDIRECT(p, path, NULL);
	return real_(p, mode);
}

_export_ FILE *fopen64(const char *path, const char *mode)
{
	GET_REAL(fopen64, NULL);
	REDIRECT(p, path, NULL);
	return real_(p, mode);
}

_export_ FILE *freopen(const char *path, const char *mode, FILE *stream)
{
	GET_REAL(freopen, NULL);
	REDIRECT(p, path, NULL);
	return real_(p, mode, stream);
}

_export_ FILE *freopen64(const char *path, const char *mode, FILE *stream)
{
	GET_REAL(freopen64, NULL);
	REDIRECT(p, path, NULL);
	return real_(p, mode, stream);
}

/* ---- stat ---- */

_export_ int stat(const char *path, struct stat *buf)
{
	GET_REAL(stat, -1);
	REDIRECT(p, path, -1);
	return real_(p, buf);
}

_export_ int stat64(const char *path, struct stat64 *buf)
{
	GET_REAL(stat64, -1);
	REDIRECT(p, path, -1);
	return real_(p, buf);
}

_export_ int lstat(const char *path, struct stat *buf)
{
	GET_REAL(lstat, -1);
	REDIRECT(p, path, -1);
	return real_(p, buf);
}

_export_ int lstat64(const char *path, struct stat64 *buf)
{
	GET_REAL(lstat64, -1);
	REDIRECT(p, path, -1);
	return real_(p, buf);
}

_export_ int fstatat(int dirfd, const char *path, struct stat *buf, int flags)
{
	GET_REAL(fstatat, -1);
	REDIRECT_AT(p, dirfd, path, -1);
	return real_(dirfd, p, buf, flags);
}

_export_ int fstatat64(int dirfd, const char *path, struct stat64 *buf, int flags)
{
	GET_REAL(fstatat64, -1);
	REDIRECT_AT(p, dirfd, path, -1);
	return real_(dirfd, p, buf, flags);
}

/*
 * The __xstat family only survives as compatibility symbols in newer glibc;
 * where dlsym cannot reach them the native fstatat() does the same job.
 */
_export_ int __xstat(int ver, const char *path, struct stat *buf)
{
	int (*real)(int, const char *, struct stat *) = REAL(__xstat);
	REDIRECT(p, path, -1);
	if (real != NULL)
		return real(ver, p, buf);
	GET_REAL(fstatat, -1);
	return real_(AT_FDCWD, p, buf, 0);
}

_export_ int __xstat64(int ver, const char *path, struct stat64 *buf)
{
	int (*real)(int, const char *, struct stat64 *) = REAL(__xstat64);
	REDIRECT(p, path, -1);
	if (real != NULL)
		return real(ver, p, buf);
	GET_REAL(fstatat64, -1);
	return real_(AT_FDCWD, p, buf, 0);
}

_export_ int __lxstat(int ver, const char *path, struct stat *buf)
{
	int (*real)(int, const char *, struct stat *) = REAL(__lxstat);
	REDIRECT(p, path, -1);
	if (real != NULL)
		return real(ver, p, buf);
	GET_REAL(fstatat, -1);
	return real_(AT_FDCWD, p, buf, AT_SYMLINK_NOFOLLOW);
}

_export_ int __lxstat64(int ver, const char *path, struct stat64 *buf)
{
	int (*real)(int, const char *, struct stat64 *) = REAL(__lxstat64);
	REDIRECT(p, path, -1);
	if (real != NULL)
		return real(ver, p, buf);
	GET_REAL(fstatat64, -1);
	return real_(AT_FDCWD, p, buf, AT_SYMLINK_NOFOLLOW);
}

_export_ int __fxstatat(int ver, int dirfd, const char *path, struct stat *buf, int flags)
{
	int (*real)(int, int, const char *, struct stat *, int) = REAL(__fxstatat);
	REDIRECT_AT(p, dirfd, path, -1);
	if (real != NULL)
		return real(ver, dirfd, p, buf, flags);
	GET_REAL(fstatat, -1);
	return real_(dirfd, p, buf, flags);
}

_export_ int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *buf,
			  int flags)
{
	int (*real)(int, int, const char *, struct stat64 *, int) = REAL(__fxstatat64);
	REDIRECT_AT(p, dirfd, path, -1);
	if (real != NULL)
		return real(ver, dirfd, p, buf, flags);
	GET_REAL(fstatat64, -1);
	return real_(dirfd, p, buf, flags);
}

_export_ int statx(int dirfd, const char *path, int flags, unsigned int mask,
		   struct statx *buf)
{
	GET_REAL(statx, -1);
	REDIRECT_AT(p, dirfd, path, -1);
	return real_(dirfd, p, flags, mask, buf);
}

/* ---- access, links ---- */

_export_ int access(const char *path, int mode)
{
	GET_REAL(access, -1);
	REDIRECT(p, path, -1);
	return real_(p, mode);
}

_export_ int faccessat(int dirfd, const char *path, int mode, int flags)
{
	GET_REAL(faccessat, -1);
	REDIRECT_AT(p, dirfd, path, -1);
	return real_(dirfd, p, mode, flags);
}

_export_ int euidaccess(const char *path, int mode)
{
	GET_REAL(euidaccess, -1);
	REDIRECT(p, path, -1);
	return real_(p, mode);
}

_export_ int eaccess(const char *path, int mode)
{
	GET_REAL(eaccess, -1);
	REDIRECT(p, path, -1);
	return real_(p, mode);
}

_export_ ssize_t readlink(const char *path, char *buf, size_t len)
{
	GET_REAL(readlink, -1);
	REDIRECT(p, path, -1);
	return real_(p, buf, len);
}

_export_ ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t len)
{
	GET_REAL(readlinkat, -1);
	REDIRECT_AT(p, dirfd, path, -1);
	return real_(dirfd, p, buf, len);
}

_export_ ssize_t __readlink_chk(const char *path, char *buf, size_t len, size_t buflen)
{
	GET_REAL(__readlink_chk, -1);
	REDIRECT(p, path, -1);
	return real_(p, buf, len, buflen);
}

_export_ ssize_t __readlinkat_chk(int dirfd, const char *path, char *buf, size_t len,
				  size_t buflen)
{
	GET_REAL(__readlinkat_chk, -1);
	REDIRECT_AT(p, dirfd, path, -1);
	return real_(dirfd, p, buf, len, buflen);
}

/* ---- directories ---- */

_export_ DIR *opendir(const char *path)
{
	GET_REAL(opendir, NULL);
	REDIRECT(p, path, NULL);
	return real_(p);
}

_export_ int scandir(const char *path, struct dirent ***list,
		     int (*filter)(const struct dirent *),
		     int (*compar)(const struct dirent **, const struct dirent **))
{
	GET_REAL(scandir, -1);
	REDIRECT(p, path, -1);
	return real_(p, list, filter, compar);
}

_export_ int scandir64(const char *path, struct dirent64 ***list,
		       int (*filter)(const struct dirent64 *),
		       int (*compar)(const struct dirent64 **, const struct dirent64 **))
{
	GET_REAL(scandir64, -1);
	REDIRECT(p, path, -1);
	return real_(p, list, filter, compar);
}

_export_ int scandirat(int dirfd, const char *path, struct dirent ***list,
		       int (*filter)(const struct dirent *),
		       int (*compar)(const struct dirent **, const struct dirent **))
{
	GET_REAL(scandirat, -1);
	REDIRECT_AT(p, dirfd, path, -1);
	return real_(dirfd, p, list, filter, compar);
}

_export_ int mkdir(const char *path, mode_t mode)
{
	GET_REAL(mkdir, -1);
	REDIRECT(p, path, -1);
	return real_(p, mode);
}

_export_ int mkdirat(int dirfd, const char *path, mode_t mode)
{
	GET_REAL(mkdirat, -1);
	REDIRECT_AT(p, dirfd, path, -1);
	return real_(dirfd, p, mode);
}

_export_ int rmdir(const char *path)
{
	GET_REAL(rmdir, -1);
	REDIRECT(p, path, -1);
	return real_(p);
}

_export_ int chdir(const char *path)
{
	GET_REAL(chdir, -1);
	REDIRECT(p, path, -1);
	return real_(p);
}

/* ---- changing names ---- */

_export_ int unlink(const char *path)
{
	GET_REAL(unlink, -1);
	REDIRECT(p, path, -1);
	return real_(p);
}

_export_ int unlinkat(int dirfd, const char *path, int flags)
{
	GET_REAL(unlinkat, -1);
	REDIRECT_AT(p, dirfd, path, -1);
	return real_(dirfd, p, flags);
}

_export_ int remove(const char *path)
{
	GET_REAL(remove, -1);
	REDIRECT(p, path, -1);
	return real_(p);
}

_export_ int rename(const char *from, const char *to)
{
	GET_REAL(rename, -1);
	REDIRECT(f, from, -1);
	REDIRECT(t, to, -1);
	return real_(f, t);
}

_export_ int renameat(int fromfd, const char *from, int tofd, const char *to)
{
	GET_REAL(renameat, -1);
	REDIRECT_AT(f, fromfd, from, -1);
	REDIRECT_AT(t, tofd, to, -1);
	return real_(fromfd, f, tofd, t);
}

_export_ int renameat2(int fromfd, const char *from, int tofd, const char *to,
		       unsigned int flags)
{
	GET_REAL(renameat2, -1);
	REDIRECT_AT(f, fromfd, from, -1);
	REDIRECT_AT(t, tofd, to, -1);
	return real_(fromfd, f, tofd, t, flags);
}

_export_ int link(const char *from, const char *to)
{
	GET_REAL(link, -1);
	REDIRECT(f, from, -1);
	REDIRECT(t, to, -1);
	return real_(f, t);
}

/* The tools link an O_TMPFILE file through /proc/self/fd/N, which stays real. */
_export_ int linkat(int fromfd, const char *from, int tofd, const char *to, int flags)
{
	GET_REAL(linkat, -1);
	REDIRECT_AT(f, fromfd, from, -1);
	REDIRECT_AT(t, tofd, to, -1);
	return real_(fromfd, f, tofd, t, flags);
}

_export_ int truncate(const char *path, off_t len)
{
	GET_REAL(truncate, -1);
	REDIRECT(p, path, -1);
	return real_(p, len);
}

_export_ int truncate64(const char *path, off64_t len)
{
	GET_REAL(truncate64, -1);
	REDIRECT(p, path, -1);
	return real_(p, len);
}

_export_ int chmod(const char *path, mode_t mode)
{
	GET_REAL(chmod, -1);
	REDIRECT(p, path, -1);
	return real_(p, mode);
}

/*
 * Templates are filled in by libc: run it on the redirected copy and hand the
 * generated characters back to the caller's buffer.
 */
static void copy_back(char *tmpl, const char *redirected)
{
	size_t n = strlen(tmpl);

	memcpy(tmpl, redirected + strlen(redirected) - n, n);
}

_export_ int mkostemp(char *tmpl, int flags)
{
	GET_REAL(mkostemp, -1);
	REDIRECT(p, tmpl, -1);
	if (p == tmpl)
		return real_(tmpl, flags);

	int fd = real_(p_buf_, flags);
	if (fd >= 0)
		copy_back(tmpl, p_buf_);
	return fd;
}

_export_ int mkstemp(char *tmpl)
{
	GET_REAL(mkstemp, -1);
	REDIRECT(p, tmpl, -1);
	if (p == tmpl)
		return real_(tmpl);

	int fd = real_(p_buf_);
	if (fd >= 0)
		copy_back(tmpl, p_buf_);
	return fd;
}

_export_ char *mkdtemp(char *tmpl)
{
	GET_REAL(mkdtemp, NULL);
	REDIRECT(p, tmpl, NULL);
	if (p == tmpl)
		return real_(tmpl);
	if (real_(p_buf_) == NULL)
		return NULL;
	copy_back(tmpl, p_buf_);
	return tmpl;
}

/* ---- resolving ---- */

/* Resolved names are given back as logical paths, so they redirect again when used. */
_export_ char *realpath(const char *path, char *resolved)
{
	GET_REAL(realpath, NULL);
	REDIRECT(p, path, NULL);
	char *r = real_(p, resolved);
	trap_unroot(r);
	return r;
}

_export_ char *__realpath_chk(const char *path, char *resolved, size_t resolvedlen)
{
	GET_REAL(__realpath_chk, NULL);
	REDIRECT(p, path, NULL);
	char *r = real_(p, resolved, resolvedlen);
	trap_unroot(r);
	return r;
}

_export_ char *canonicalize_file_name(const char *path)
{
	GET_REAL(canonicalize_file_name, NULL);
	REDIRECT(p, path, NULL);
	char *r = real_(p);
	trap_unroot(r);
	return r;
}

_export_ char *getcwd(char *buf, size_t size)
{
	GET_REAL(getcwd, NULL);
	char *r = real_(buf, size);
	trap_unroot(r);
	return r;
}

_export_ char *__getcwd_chk(char *buf, size_t size, size_t buflen)
{
	GET_REAL(__getcwd_chk, NULL);
	char *r = real_(buf, size, buflen);
	trap_unroot(r);
	return r;
}

_export_ char *get_current_dir_name(void)
{
	GET_REAL(get_current_dir_name, NULL);
	char *r = real_();
	trap_unroot(r);
	return r;
}

/* ---- tree walks ---- */

/*
 * nftw() hands its callback the real names; the caller must see the logical
 * ones it asked for.  The callback is kept per thread (a nested walk from the
 * callback restores the outer one on return).
 */
static __thread __nftw_func_t nftw_user;
static __thread __nftw64_func_t nftw64_user;

static int nftw_relay(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	char buf[PATH_MAX];
	struct FTW logical = *ftw;
	size_t before = strlen(path);

	if (before >= sizeof(buf))
		return nftw_user(path, st, type, ftw);
	memcpy(buf, path, before + 1);
	trap_unroot(buf);
	logical.base -= (int)(before - strlen(buf));
	return nftw_user(buf, st, type, &logical);
}

static int nftw64_relay(const char *path, const struct stat64 *st, int type,
			struct FTW *ftw)
{
	char buf[PATH_MAX];
	struct FTW logical = *ftw;
	size_t before = strlen(path);

	if (before >= sizeof(buf))
		return nftw64_user(path, st, type, ftw);
	memcpy(buf, path, before + 1);
	trap_unroot(buf);
	logical.base -= (int)(before - strlen(buf));
	return nftw64_user(buf, st, type, &logical);
}

_export_ int nftw(const char *dir, __nftw_func_t fn, int nopenfd, int flags)
{
	GET_REAL(nftw, -1);
	REDIRECT(p, dir, -1);
	if (p == dir)
		return real_(dir, fn, nopenfd, flags);

	__nftw_func_t outer = nftw_user;
	int r;

	nftw_user = fn;
	r = real_(p, nftw_relay, nopenfd, flags);
	nftw_user = outer;
	return r;
}

_export_ int nftw64(const char *dir, __nftw64_func_t fn, int nopenfd, int flags)
{
	GET_REAL(nftw64, -1);
	REDIRECT(p, dir, -1);
	if (p == dir)
		return real_(dir, fn, nopenfd, flags);

	__nftw64_func_t outer = nftw64_user;
	int r;

	nftw64_user = fn;
	r = real_(p, nftw64_relay, nopenfd, flags);
	nftw64_user = outer;
	return r;
}

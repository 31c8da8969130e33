// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Test trap, module syscalls: init_module, finit_module and delete_module
 * never reach the kernel.  Each call is logged, answered from the rules in
 * TRAP_RESULTS, and mirrored in <TRAP_ROOT>/sys/module like the kernel would.
 *
 * Environment:
 *   TRAP_LOG=<file>       one line appended per call:
 *     init_module len=<N> sha256=<hex> tail=<hex of last min(40,N) bytes> params=<p>
 *     finit_module file=<logical path> flags=<decimal> params=<p>
 *     delete_module name=<name> flags=0x<hex>
 *   TRAP_RESULTS=<rules>  space-separated `call=result` or `call:module=result`;
 *     result is 0, an errno name or a number; the last matching rule naming
 *     the module wins, else the last general one, else 0.
 *   TRAP_ROOT=<dir>       a successful load of a module that is live already
 *     fails with EEXIST, otherwise creates sys/module/<name>/ with initstate
 *     "live", refcnt 0, coresize (the image or file size) and an empty holders/;
 *     removing a module with no sys/module/<name> fails with ENOENT, otherwise
 *     deletes that directory.
 */

#include "testsuite/trap.h"

#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* glibc exports these without a declaration in any header. */
int init_module(void *image, unsigned long len, const char *params);
int finit_module(int fd, const char *params, int flags);
int delete_module(const char *name, unsigned int flags);

/* Room for a module name (the kernel allows 55 or 59 characters) or "?". */
#define NAME_SIZE 64

/* The longest file a memfd-loaded module is read from to find its name. */
#define FD_IMAGE_MAX (256u << 20)

static const struct {
	const char *name;
	int value;
} errno_names[] = {
	{ "EPERM", EPERM },
	{ "ENOENT", ENOENT },
	{ "ESRCH", ESRCH },
	{ "EINTR", EINTR },
	{ "EIO", EIO },
	{ "ENXIO", ENXIO },
	{ "E2BIG", E2BIG },
	{ "ENOEXEC", ENOEXEC },
	{ "EBADF", EBADF },
	{ "EAGAIN", EAGAIN },
	{ "EWOULDBLOCK", EWOULDBLOCK },
	{ "ENOMEM", ENOMEM },
	{ "EACCES", EACCES },
	{ "EFAULT", EFAULT },
	{ "EBUSY", EBUSY },
	{ "EEXIST", EEXIST },
	{ "ENODEV", ENODEV },
	{ "ENOTDIR", ENOTDIR },
	{ "EISDIR", EISDIR },
	{ "EINVAL", EINVAL },
	{ "ENFILE", ENFILE },
	{ "EMFILE", EMFILE },
	{ "ETXTBSY", ETXTBSY },
	{ "EFBIG", EFBIG },
	{ "ENOSPC", ENOSPC },
	{ "EROFS", EROFS },
	{ "ERANGE", ERANGE },
	{ "EDEADLK", EDEADLK },
	{ "ENAMETOOLONG", ENAMETOOLONG },
	{ "ENOSYS", ENOSYS },
	{ "ENOTEMPTY", ENOTEMPTY },
	{ "ELOOP", ELOOP },
	{ "ENOMSG", ENOMSG },
	{ "ENODATA", ENODATA },
	{ "ETIME", ETIME },
	{ "ENOPKG", ENOPKG },
	{ "ENOLINK", ENOLINK },
	{ "EPROTO", EPROTO },
	{ "EBADMSG", EBADMSG },
	{ "EOVERFLOW", EOVERFLOW },
	{ "ELIBBAD", ELIBBAD },
	{ "EILSEQ", EILSEQ },
	{ "EOPNOTSUPP", EOPNOTSUPP },
	{ "ETIMEDOUT", ETIMEDOUT },
	{ "EALREADY", EALREADY },
	{ "ECANCELED", ECANCELED },
	{ "ENOKEY", ENOKEY },
	{ "EKEYEXPIRED", EKEYEXPIRED },
	{ "EKEYREVOKED", EKEYREVOKED },
	{ "EKEYREJECTED", EKEYREJECTED },
	{ "EHWPOISON", EHWPOISON },
};

/* A test with a broken rule must not pass by accident: stop the program. */
static _noreturn_ void bad_rule(const char *rule, size_t len)
{
	fprintf(stderr, "kmod-trap: invalid TRAP_RESULTS rule '%.*s'\n", (int)len, rule);
	_exit(99);
}

/* The errno a result word stands for (0 for success). */
static int parse_result(const char *rule, size_t rule_len, const char *s, size_t len)
{
	char *end;
	long v;

	for (size_t i = 0; i < ARRAY_SIZE(errno_names); i++) {
		if (strlen(errno_names[i].name) == len &&
		    strncmp(errno_names[i].name, s, len) == 0)
			return errno_names[i].value;
	}
	if (len == 0 || !isdigit((unsigned char)s[0]))
		bad_rule(rule, rule_len);
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end != s + len || v > 4095)
		bad_rule(rule, rule_len);
	return (int)v;
}

/* Module names compare as the kernel sees them: '-' and '_' are the same. */
static bool modname_eq(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);

	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++) {
		char ca = a[i] == '-' ? '_' : a[i];
		char cb = b[i] == '-' ? '_' : b[i];

		if (ca != cb)
			return false;
	}
	return true;
}

static int trap_result(const char *call, const char *module)
{
	const char *s = getenv("TRAP_RESULTS");
	size_t call_len = strlen(call);
	int general = 0, specific = -1;

	while (s != NULL && *s != '\0') {
		size_t len = strcspn(s, " \t\n");
		const char *rule = s, *eq, *colon;

		s += len + strspn(s + len, " \t\n");
		if (len == 0)
			continue;
		eq = memchr(rule, '=', len);
		if (eq == NULL)
			bad_rule(rule, len);
		colon = memchr(rule, ':', eq - rule);
		if ((size_t)((colon ? colon : eq) - rule) != call_len ||
		    strncmp(rule, call, call_len) != 0)
			continue;

		int value = parse_result(rule, len, eq + 1, rule + len - eq - 1);
		if (colon == NULL)
			general = value;
		else if (modname_eq(colon + 1, eq - colon - 1, module))
			specific = value;
	}
	return specific >= 0 ? specific : general;
}

/* ---- log ---- */

_printf_format_(1, 2) static void trap_log(const char *fmt, ...)
{
	const char *path = getenv("TRAP_LOG");
	int (*real_open)(const char *, int, ...) = REAL(open);
	char *line = NULL;
	va_list ap;
	int len, fd;

	if (path == NULL || path[0] == '\0' || real_open == NULL)
		return;
	va_start(ap, fmt);
	len = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;

	/* One write per line keeps lines whole when several processes log. */
	fd = real_open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, line, len) != len)
		fprintf(stderr, "kmod-trap: cannot log to %s: %m\n", path);
	if (fd >= 0)
		close(fd);
	free(line);
}

static void hex(char *out, const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static void sha256_hex(char out[65], const void *buf, size_t len)
{
	unsigned char md[32];

	trap_sha256(buf, len, md);
	hex(out, md, 32);
}

/* ---- module name from an ELF image ---- */

struct elf_layout {
	size_t ehsize;
	size_t e_shoff, e_shentsize, e_shnum, e_shstrndx;
	size_t shsize, word;
	size_t sh_name, sh_type, sh_offset, sh_size, sh_link;
	size_t name_off, name_len; /* of the name inside struct module */
};

static const struct elf_layout elf32 = {
	52, 0x20, 0x2e, 0x30, 0x32, 40, 4, 0, 4, 16, 20, 24, 12, 60,
};
static const struct elf_layout elf64 = {
	64, 0x28, 0x3a, 0x3c, 0x3e, 64, 8, 0, 4, 24, 32, 40, 24, 56,
};

struct elf {
	const unsigned char *buf;
	size_t len;
	bool msb;
	const struct elf_layout *l;
};

/* Reads an n-byte integer at off; false when it is out of the buffer. */
static bool elf_get(const struct elf *e, size_t off, size_t n, uint64_t *v)
{
	size_t end;

	if (uadd_overflow(off, n, &end) || end > e->len)
		return false;
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		size_t idx = e->msb ? off + i : off + n - 1 - i;
		*v = (*v << 8) | e->buf[idx];
	}
	return true;
}

static bool elf_shdr(const struct elf *e, uint64_t shoff, uint64_t idx, size_t field,
		     size_t n, uint64_t *v)
{
	size_t off;

	if (umul_overflow(idx, e->l->shsize, &off) || uadd_overflow(off, shoff, &off) ||
	    uadd_overflow(off, field, &off))
		return false;
	return elf_get(e, off, n, v);
}

/* Offset and size of a section's bytes, checked to lie inside the buffer. */
static bool elf_section(const struct elf *e, uint64_t shoff, uint64_t idx, uint64_t *off,
			uint64_t *size)
{
	const struct elf_layout *l = e->l;
	uint64_t type, end;

	if (!elf_shdr(e, shoff, idx, l->sh_type, 4, &type) || type == SHT_NOBITS ||
	    !elf_shdr(e, shoff, idx, l->sh_offset, l->word, off) ||
	    !elf_shdr(e, shoff, idx, l->sh_size, l->word, size))
		return false;
	return !__builtin_add_overflow(*off, *size, &end) && end <= e->len;
}

static bool elf_module_name(const void *buf, size_t len, char name[NAME_SIZE])
{
	static const char wanted[] = ".gnu.linkonce.this_module";
	struct elf e = { .buf = buf, .len = len };
	uint64_t shoff, shentsize, shnum, shstrndx, stroff, strsize;

	if (len < 16 || memcmp(buf, "\177ELF", 4) != 0)
		return false;
	switch (e.buf[4]) {
	case 1:
		e.l = &elf32;
		break;
	case 2:
		e.l = &elf64;
		break;
	default:
		return false;
	}
	if (e.buf[5] != 1 && e.buf[5] != 2)
		return false;
	e.msb = e.buf[5] == 2;
	if (len < e.l->ehsize || !elf_get(&e, e.l->e_shoff, e.l->word, &shoff) ||
	    !elf_get(&e, e.l->e_shentsize, 2, &shentsize) || shentsize != e.l->shsize ||
	    !elf_get(&e, e.l->e_shnum, 2, &shnum) ||
	    !elf_get(&e, e.l->e_shstrndx, 2, &shstrndx))
		return false;
	/* Counts that do not fit the header live in section 0. */
	if (shnum == 0 && !elf_shdr(&e, shoff, 0, e.l->sh_size, e.l->word, &shnum))
		return false;
	if (shstrndx == 0xffff && !elf_shdr(&e, shoff, 0, e.l->sh_link, 4, &shstrndx))
		return false;
	if (shnum > len / e.l->shsize || shstrndx >= shnum ||
	    !elf_section(&e, shoff, shstrndx, &stroff, &strsize))
		return false;

	for (uint64_t i = 1; i < shnum; i++) {
		uint64_t nameidx, off, size;

		if (!elf_shdr(&e, shoff, i, e.l->sh_name, 4, &nameidx) ||
		    nameidx >= strsize || strsize - nameidx < sizeof(wanted) ||
		    memcmp(e.buf + stroff + nameidx, wanted, sizeof(wanted)) != 0)
			continue;
		if (!elf_section(&e, shoff, i, &off, &size) ||
		    size < e.l->name_off + e.l->name_len)
			return false;

		const char *p = (const char *)e.buf + off + e.l->name_off;
		size_t n = strnlen(p, e.l->name_len);

		if (n == 0 || n == e.l->name_len || n >= NAME_SIZE)
			return false;
		memcpy(name, p, n);
		name[n] = '\0';
		return true;
	}
	return false;
}

/* ---- sys/module state ---- */

/* A name usable as one directory below sys/module. */
static bool modname_valid(const char *name)
{
	return name[0] != '\0' && strchr(name, '/') == NULL && !streq(name, "?") &&
	       !streq(name, ".") && !streq(name, "..");
}

/* <TRAP_ROOT>/sys/module/<name><suffix>; false without a root or for a bad name. */
static bool state_path(char *buf, size_t size, const char *name, const char *suffix)
{
	const char *root;
	size_t rlen;
	int n;

	root = trap_root(&rlen);
	if (root == NULL || !modname_valid(name))
		return false;
	n = snprintf(buf, size, "%.*s/sys/module/%s%s", (int)rlen, root, name, suffix);
	return n > 0 && (size_t)n < size;
}

static bool module_is_live(const char *name)
{
	int (*real_open)(const char *, int, ...) = REAL(open);
	char path[PATH_MAX], state[16] = "";
	int fd;

	if (real_open == NULL || !state_path(path, sizeof(path), name, "/initstate"))
		return false;
	/* O_NONBLOCK as the tools read: test-open-files.sh checks every read open. */
	fd = real_open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (read(fd, state, sizeof(state) - 1) < 0)
		state[0] = '\0';
	close(fd);
	return strstartswith(state, "live") || strstartswith(state, "coming");
}

static int write_file(const char *dir, const char *file, const char *text)
{
	int (*real_open)(const char *, int, ...) = REAL(open);
	char path[PATH_MAX];
	size_t len = strlen(text);
	int fd, n, err = 0;

	n = snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (n < 0 || (size_t)n >= sizeof(path))
		return ENAMETOOLONG;
	fd = real_open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;
	if (write(fd, text, len) != (ssize_t)len)
		err = EIO;
	close(fd);
	return err;
}

/* mkdir -p of a path below the root (the root itself must exist). */
static int make_dirs(char *path)
{
	int (*real_mkdir)(const char *, mode_t) = REAL(mkdir);
	size_t rlen;

	if (real_mkdir == NULL || trap_root(&rlen) == NULL)
		return ENOSYS;
	for (char *p = path + rlen + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (real_mkdir(path, 0755) < 0 && errno != EEXIST) {
			*p = '/';
			return errno;
		}
		*p = '/';
	}
	if (real_mkdir(path, 0755) < 0 && errno != EEXIST)
		return errno;
	return 0;
}

/* What kmod reads of a loaded module: initstate, refcnt, coresize, holders/. */
static int module_mark_live(const char *name, unsigned long size)
{
	char dir[PATH_MAX], holders[PATH_MAX], coresize[32];
	int err;

	if (!state_path(dir, sizeof(dir), name, "") ||
	    !state_path(holders, sizeof(holders), name, "/holders"))
		return 0;
	snprintf(coresize, sizeof(coresize), "%lu\n", size);
	err = make_dirs(holders);
	if (err == 0)
		err = write_file(dir, "refcnt", "0\n");
	if (err == 0)
		err = write_file(dir, "coresize", coresize);
	if (err == 0)
		err = write_file(dir, "initstate", "live\n");
	if (err != 0)
		fprintf(stderr, "kmod-trap: cannot create %s: %s\n", dir, strerror(err));
	return err;
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	int (*real_remove)(const char *) = REAL(remove);

	if (real_remove == NULL || real_remove(path) < 0)
		return errno;
	return 0;
}

static int module_forget(const char *name)
{
	int (*real_nftw)(const char *, __nftw_func_t, int, int) = REAL(nftw);
	int (*real_access)(const char *, int) = REAL(access);
	char dir[PATH_MAX];
	int err;

	if (trap_root(&(size_t){ 0 }) == NULL)
		return 0;
	if (!state_path(dir, sizeof(dir), name, "") || real_access == NULL ||
	    real_access(dir, F_OK) < 0)
		return ENOENT;
	if (real_nftw == NULL)
		return ENOSYS;
	err = real_nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (err != 0)
		fprintf(stderr, "kmod-trap: cannot remove %s: %s\n", dir, strerror(err));
	return err;
}

/* ---- the calls ---- */

static long finish(int err)
{
	if (err == 0)
		return 0;
	errno = err;
	return -1;
}

static long load(const char *call, const char *name, unsigned long size)
{
	int err = trap_result(call, name);

	if (err == 0 && module_is_live(name))
		err = EEXIST;
	if (err == 0)
		err = module_mark_live(name, size);
	return finish(err);
}

static long fake_init_module(const void *image, unsigned long len, const char *params)
{
	char name[NAME_SIZE] = "?", digest[65], tail[81];
	size_t ntail = len < 40 ? len : 40;

	if (image == NULL && len > 0)
		return finish(EFAULT);
	if (!elf_module_name(image, len, name))
		strcpy(name, "?");
	sha256_hex(digest, image, len);
	hex(tail, (const unsigned char *)image + len - ntail, ntail);
	trap_log("init_module len=%lu sha256=%s tail=%s params=%s\n", len, digest, tail,
		 params ? params : "");
	return load("init_module", name, len);
}

/* Name from the file name, like kmod does, or from the contents of a memfd. */
static void fd_module_name(int fd, const char *path, char name[NAME_SIZE])
{
	const char *base = strrchr(path, '/');
	struct stat st;
	size_t n;

	strcpy(name, "?");
	if (path[0] == '/' && !strstartswith(path, "/memfd:")) {
		base = base ? base + 1 : path;
		n = strcspn(base, ".");
		if (n == 0 || n >= NAME_SIZE)
			return;
		for (size_t i = 0; i < n; i++)
			name[i] = base[i] == '-' ? '_' : base[i];
		name[n] = '\0';
		return;
	}

	if (fstat(fd, &st) < 0 || st.st_size <= 0 || (uint64_t)st.st_size > FD_IMAGE_MAX)
		return;

	_cleanup_free_ unsigned char *buf = malloc(st.st_size);
	if (buf != NULL && pread(fd, buf, st.st_size, 0) == st.st_size &&
	    !elf_module_name(buf, st.st_size, name))
		strcpy(name, "?");
}

static long fake_finit_module(int fd, const char *params, int flags)
{
	ssize_t (*real_readlink)(const char *, char *, size_t) = REAL(readlink);
	char link[64], path[PATH_MAX], name[NAME_SIZE];
	struct stat st;
	ssize_t n = -1;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if (fd >= 0 && real_readlink != NULL)
		n = real_readlink(link, path, sizeof(path) - 1);
	if (n < 0) {
		trap_log("finit_module file=? flags=%d params=%s\n", flags,
			 params ? params : "");
		return finish(EBADF);
	}
	path[n] = '\0';
	trap_unroot(path);
	fd_module_name(fd, path, name);
	trap_log("finit_module file=%s flags=%d params=%s\n", path, flags,
		 params ? params : "");
	if (fstat(fd, &st) < 0)
		st.st_size = 0;
	return load("finit_module", name, st.st_size);
}

static long fake_delete_module(const char *name, unsigned int flags)
{
	int err;

	if (name == NULL)
		return finish(EFAULT);
	trap_log("delete_module name=%s flags=0x%x\n", name, flags);
	err = trap_result("delete_module", name);
	if (err == 0)
		err = module_forget(name);
	return finish(err);
}

/* The fake kernel's own allocations are not the program's: TRAP_FAIL_ALLOC skips them. */
#define HELD(expr)                                                                       \
	({                                                                               \
		long _r_;                                                                \
		int _e_;                                                                 \
		trap_alloc_hold(true);                                                   \
		_r_ = (expr);                                                            \
		_e_ = errno;                                                             \
		trap_alloc_hold(false);                                                  \
		errno = _e_;                                                             \
		_r_;                                                                     \
	})

_export_ int init_module(void *image, unsigned long len, const char *params)
{
	return (int)HELD(fake_init_module(image, len, params));
}

_export_ int finit_module(int fd, const char *params, int flags)
{
	return (int)HELD(fake_finit_module(fd, params, flags));
}

_export_ int delete_module(const char *name, unsigned int flags)
{
	return (int)HELD(fake_delete_module(name, flags));
}

_export_ long syscall(long number, ...)
{
	long (*real)(long, ...) = REAL(syscall);
	long a[6];
	va_list ap;

	/* Callers pass as many arguments as the call takes; reading six is what libc does
	 * too. */
	va_start(ap, number);
	for (size_t i = 0; i < ARRAY_SIZE(a); i++)
		a[i] = va_arg(ap, long);
	va_end(ap);

	switch (number) {
	case SYS_init_module:
		return HELD(fake_init_module((const void *)a[0], (unsigned long)a[1],
					     (const char *)a[2]));
	case SYS_finit_module:
		return HELD(fake_finit_module((int)a[0], (const char *)a[1], (int)a[2]));
	case SYS_delete_module:
		return HELD(fake_delete_module((const char *)a[0], (unsigned int)a[1]));
	}
	if (real == NULL)
		return finish(ENOSYS);
	return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

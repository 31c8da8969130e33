// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Test trap, allocation failures: one chosen allocation of the program fails.
 *
 * Environment:
 *   TRAP_FAIL_ALLOC=<N>       the Nth call of malloc, calloc, realloc or
 *     reallocarray made after main() starts returns NULL with errno ENOMEM,
 *     once.  strdup, strndup, asprintf, fopen, getline and the rest of libc
 *     allocate through malloc/realloc and count too.  The trap's own
 *     allocations (the module syscall log) never count.
 *   TRAP_FAIL_ALLOC_EXE=<names>  only a program whose argv[0] or executable
 *     has one of these space-separated base names counts (not a shell
 *     wrapper, not valgrind's launcher).
 *   TRAP_ALLOC_REPORT=<file>  when the failure is injected, "N\n" is
 *     appended to <file>; a run that leaves it absent made fewer than N
 *     allocations, so every allocation of that run has been tried.
 * Counting starts at main(), so the dynamic loader and the constructors do
 * not shift N: the same command fails at the same call every time.
 */

#include "testsuite/trap.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef TRAP_HAVE_LIBCRYPTO
#include <dlfcn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#endif

/*
 * glibc's allocator itself: only while the next malloc in the lookup order is
 * being found (dlsym may allocate).  Afterwards every call goes to that next
 * malloc: glibc's, or AddressSanitizer's in an instrumented program, whose
 * runtime is then loaded after this library and must see every allocation.
 */
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);

static struct {
	void *(*malloc)(size_t);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
} next_alloc;
/* not thread-local: the loader may allocate before this library's TLS is usable */
static bool resolving;

static bool next_alloc_ready(void)
{
	if (__atomic_load_n(&next_alloc.realloc, __ATOMIC_ACQUIRE) != NULL)
		return true;
	if (__atomic_exchange_n(&resolving, true, __ATOMIC_ACQ_REL))
		return false;
	next_alloc.malloc = REAL(malloc);
	next_alloc.calloc = REAL(calloc);
	__atomic_store_n(&next_alloc.realloc, REAL(realloc), __ATOMIC_RELEASE);
	__atomic_store_n(&resolving, false, __ATOMIC_RELEASE);
	return next_alloc.malloc != NULL && next_alloc.calloc != NULL &&
	       next_alloc.realloc != NULL;
}

static void *next_malloc(size_t size)
{
	return next_alloc_ready() ? next_alloc.malloc(size) : __libc_malloc(size);
}

static void *next_calloc(size_t n, size_t size)
{
	return next_alloc_ready() ? next_alloc.calloc(n, size) : __libc_calloc(n, size);
}

static void *next_realloc(void *p, size_t size)
{
	return next_alloc_ready() ? next_alloc.realloc(p, size) : __libc_realloc(p, size);
}

typedef int (*main_fn)(int, char **, char **);
int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
		      void (*fini)(void), void (*rtld_fini)(void), void *stack_end);

static main_fn real_main;
static unsigned long fail_at; /* 0: never */
static unsigned long calls;
static __thread unsigned int hold;

void trap_alloc_hold(bool on)
{
	if (on)
		hold++;
	else if (hold > 0)
		hold--;
}

static void report(unsigned long n)
{
	int (*real_open)(const char *, int, ...) = REAL(open);
	const char *path = getenv("TRAP_ALLOC_REPORT");
	char line[32];
	int fd, len;

	if (path == NULL || real_open == NULL)
		return;
	fd = real_open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	len = snprintf(line, sizeof(line), "%lu\n", n);
	if (write(fd, line, len) != len)
		fprintf(stderr, "kmod-trap: could not write %s\n", path);
	close(fd);
}

/* True when this allocation is the one to fail. */
static bool inject(void)
{
	unsigned long n;

	if (fail_at == 0 || hold > 0)
		return false;
	n = __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
	if (n != fail_at)
		return false;
	report(n);
	errno = ENOMEM;
	return true;
}

_export_ void *malloc(size_t size)
{
	return inject() ? NULL : next_malloc(size);
}

_export_ void *calloc(size_t n, size_t size)
{
	return inject() ? NULL : next_calloc(n, size);
}

_export_ void *realloc(void *p, size_t size)
{
	/* realloc(p, 0) frees: nothing to fail. */
	if (p != NULL && size == 0)
		return next_realloc(p, size);
	return inject() ? NULL : next_realloc(p, size);
}

_export_ void *reallocarray(void *p, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, total);
}

/*
 * AddressSanitizer asks for every new thread's stack through this call, which
 * allocates, and aborts the program when it fails: that allocation belongs to
 * the runtime, not to the program under test.
 */
_export_ int pthread_getattr_np(pthread_t thread, pthread_attr_t *attr)
{
	int (*real)(pthread_t, pthread_attr_t *) = REAL(pthread_getattr_np);
	int err;

	if (real == NULL)
		return ENOSYS;
	trap_alloc_hold(true);
	err = real(thread, attr);
	trap_alloc_hold(false);
	return err;
}

/* True when @path's last component is one of the space-separated @names. */
static bool name_listed(const char *path, const char *names)
{
	const char *base = strrchr(path, '/');
	size_t len;

	base = base != NULL ? base + 1 : path;
	len = strlen(base);
	while (*names != '\0') {
		size_t n = strcspn(names, " ");

		if (n == len && strncmp(names, base, n) == 0)
			return true;
		names += n;
		names += strspn(names, " ");
	}
	return false;
}

/* True when TRAP_FAIL_ALLOC_EXE is unset or names this program (argv[0] or executable).
 */
static bool exe_selected(const char *argv0)
{
	ssize_t (*real_readlink)(const char *, char *, size_t) = REAL(readlink);
	const char *want = getenv("TRAP_FAIL_ALLOC_EXE");
	char exe[4096];
	ssize_t n;

	if (want == NULL || *want == '\0')
		return true;
	if (argv0 != NULL && name_listed(argv0, want))
		return true;
	if (real_readlink == NULL)
		return false;
	n = real_readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return false;
	exe[n] = '\0';
	return name_listed(exe, want);
}

/*
 * OpenSSL 3.0 builds its global state (error strings, the default library
 * context, the object table, the per-thread error queue) on first use, and
 * loses the pieces already made when one of those allocations fails: a leak
 * no caller can prevent.  Built before counting starts, it stays out of the
 * sweep; every allocation of the program's own calls into libcrypto still
 * counts.  libcrypto is loaded here as the tools load it (by its soname,
 * without openssl.cnf), and only for this: the trap links no library.
 */
static void crypto_global_init(void)
{
#ifdef TRAP_HAVE_LIBCRYPTO
	void *h = dlopen("libcrypto.so." TRAP_STRINGIFY(OPENSSL_SHLIB_VERSION),
			 RTLD_NOW | RTLD_LOCAL);
	__typeof__(OPENSSL_init_crypto) *init_crypto;
	__typeof__(OSSL_LIB_CTX_get0_global_default) *global_default;
	__typeof__(OBJ_obj2nid) *obj2nid;
	__typeof__(OBJ_nid2obj) *nid2obj;
	__typeof__(ERR_clear_error) *clear_error;

	if (h == NULL)
		return;
	init_crypto = dlsym(h, "OPENSSL_init_crypto");
	global_default = dlsym(h, "OSSL_LIB_CTX_get0_global_default");
	obj2nid = dlsym(h, "OBJ_obj2nid");
	nid2obj = dlsym(h, "OBJ_nid2obj");
	clear_error = dlsym(h, "ERR_clear_error");
	if (init_crypto == NULL || global_default == NULL || obj2nid == NULL ||
	    nid2obj == NULL || clear_error == NULL)
		return;
	init_crypto(OPENSSL_INIT_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_ADD_ALL_CIPHERS |
			    OPENSSL_INIT_ADD_ALL_DIGESTS | OPENSSL_INIT_NO_LOAD_CONFIG,
		    NULL);
	global_default();
	obj2nid(nid2obj(NID_sha256));
	clear_error();
#endif
}

static int counting_main(int argc, char **argv, char **envp)
{
	const char *s = getenv("TRAP_FAIL_ALLOC");
	char *end;

	if (s != NULL && *s != '\0' && exe_selected(argc > 0 ? argv[0] : NULL)) {
		unsigned long n;

		errno = 0;
		n = strtoul(s, &end, 10);
		if (errno != 0 || *end != '\0') {
			fprintf(stderr, "kmod-trap: invalid TRAP_FAIL_ALLOC '%s'\n", s);
			_exit(125);
		}
		if (n > 0)
			crypto_global_init();
		fail_at = n;
	}
	return real_main(argc, argv, envp);
}

_export_ int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
			       void (*fini)(void), void (*rtld_fini)(void),
			       void *stack_end)
{
	int (*real)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void),
		    void *) = REAL(__libc_start_main);

	real_main = main;
	return real(counting_main, argc, argv, init, fini, rtld_fini, stack_end);
}

// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testsuite/tap.h"
#include "util/arena.h"
#include "util/fileio.h"
#include "util/array.h"
#include "util/obuf.h"
#include "util/hash.h"
#include "util/macro.h"
#include "util/strbuf.h"
#include "util/util.h"

/* ENABLED(X) is 1 when config.h defines X to 1, else 0, usable in expressions. */
#define ENABLED_PLACEHOLDER_1 0,
#define ENABLED_SECOND(ignored, val, ...) val
#define ENABLED_(junk) ENABLED_SECOND(junk 1, 0, 0)
#define ENABLED_X(val) ENABLED_(ENABLED_PLACEHOLDER_##val)
#define ENABLED(x) ENABLED_X(x)

static int n_freed;

static void count_free(void *p)
{
	n_freed++;
	free(p);
}

/* An anonymous temp file holding content, positioned at its start. */
static int tmp_with(const char *content)
{
	char path[] = "/tmp/test-util-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	unlink(path);
	if (write_str_safe(fd, content, strlen(content)) < 0 ||
	    lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void test_strbuf(void)
{
	_cleanup_strbuf_ struct strbuf buf;
	char big[1000], *s;
	size_t size, total = 0;
	bool all_ok = true;

	strbuf_init(&buf);
	is_str(strbuf_str(&buf), "", "strbuf: empty buffer gives \"\"");
	ok(strbuf_pushchar(&buf, 'a') && strbuf_pushchars(&buf, "bcd") &&
		   strbuf_pushmem(&buf, "eX", 1) && strbuf_pushmem(&buf, "fXX", 1) &&
		   strbuf_pushmem(&buf, NULL, 0),
	   "strbuf: pushes succeed");
	is_str(strbuf_str(&buf), "abcdef", "strbuf: contents after pushes");
	ok(strbuf_pushf(&buf, "-%d-%s-%03x", 42, "x", 10) &&
		   streq(strbuf_str(&buf), "abcdef-42-x-00a"),
	   "strbuf: pushf appends");
	strbuf_popchars(&buf, 4);
	is_str(strbuf_str(&buf), "abcdef-42-x", "strbuf: popchars 4");
	strbuf_popchars(&buf, 1000);
	ok(strbuf_used(&buf) == 0 && streq(strbuf_str(&buf), ""),
	   "strbuf: over-pop empties");
	strbuf_pushchars(&buf, "keep");
	size = buf.size;
	strbuf_clear(&buf);
	ok(strbuf_used(&buf) == 0 && buf.size == size, "strbuf: clear keeps allocation");

	/* Grow past 1 MiB in uneven chunks of a pattern that shows misplaced bytes. */
	for (int i = 0; i < 1000; i++)
		big[i] = (char)('A' + i % 26);
	for (int i = 0; total <= (1u << 20); total += 997 + (size_t)(i++ % 3))
		all_ok &= strbuf_pushmem(&buf, big, 997 + (size_t)(i % 3));
	ok(all_ok, "strbuf: >1MiB of pushes succeed");
	is_int(strbuf_used(&buf), total, "strbuf: used after growth");
	ok(buf.bytes[996] == 'I' && buf.bytes[997] == 'A' &&
		   buf.bytes[997 + 998] == 'A' && buf.bytes[997 + 998 + 999 + 25] == 'Z',
	   "strbuf: chunk boundaries intact");
	ok(buf.size > total && strlen(strbuf_str(&buf)) == total, "strbuf: NUL at used");

	s = strbuf_steal(&buf);
	ok(s != NULL && strlen(s) == total && buf.bytes == NULL && buf.used == 0 &&
		   buf.size == 0,
	   "strbuf: steal takes the whole string, leaves buf empty");
	free(s);
	s = strbuf_steal(&buf);
	is_str(s, "", "strbuf: steal of empty buffer is an allocated \"\"");
	free(s);
	ok(strbuf_pushchars(&buf, "again") && streq(strbuf_str(&buf), "again"),
	   "strbuf: usable after steal");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "a,b,c," from an array of strings, to compare with is_str(). */
static const char *joined(const struct array *a)
{
	static char out[256];

	out[0] = '\0';
	for (size_t i = 0; i < a->count; i++)
		strcat(strcat(out, a->array[i]), ",");
	return out;
}

static void test_array(void)
{
	struct array a;
	const char *words[] = { "pear", "apple", "fig", "kiwi" };
	static int many[1000];
	bool all_ok = true;

	array_init(&a, 0);
	ok(a.step > 0 && a.count == 0 && a.array == NULL, "array: init with step 0");
	array_pop(&a);
	ok(a.count == 0 && array_remove_at(&a, 0) == -ENOENT,
	   "array: pop/remove on empty");
	for (int i = 0; i < 4; i++)
		all_ok &= array_append(&a, words[i]) == i;
	ok(all_ok, "array: append returns indices 0..3");
	ok(array_append_unique(&a, words[2]) == 2 && a.count == 4,
	   "array: unique finds existing");
	is_int(array_append_unique(&a, "plum"), 4, "array: append_unique adds new");
	array_sort(&a, cmp_str);
	is_str(joined(&a), "apple,fig,kiwi,pear,plum,",
	       "array: sort orders the elements");
	ok(array_remove_at(&a, 1) == 0 && array_remove_at(&a, 3) == 0,
	   "array: remove_at");
	is_int(array_remove_at(&a, 3), -ENOENT, "array: remove_at past end");
	is_str(joined(&a), "apple,kiwi,pear,", "array: after removing middle and last");
	array_pop(&a);
	is_str(joined(&a), "apple,kiwi,", "array: pop drops the last");
	array_free_array(&a);
	ok(a.count == 0 && a.total == 0 && a.array == NULL, "array: free_array resets");

	array_init(&a, 2);
	for (int i = 0; i < 1000; i++)
		all_ok &= array_append(&a, &many[i]) == i;
	ok(all_ok && a.count == 1000 && a.total >= 1000, "array: grows to 1000 elements");
	ok(a.array[0] == &many[0] && a.array[999] == &many[999], "array: grown contents");
	array_free_array(&a);
}

static void test_hash_basic(void)
{
	struct hash *h = hash_new(0, count_free);
	struct hash_iter it;
	const char *k;
	const void *v;
	char key1[] = "a", key2[] = "a", *same = strdup("x");

	ok(h != NULL, "hash: new with 0 buckets");
	hash_iter_init(h, &it);
	ok(!hash_iter_next(&it, &k, &v), "hash: empty iteration");
	ok(hash_add(h, key1, strdup("1")) == 0 && hash_add(h, "", strdup("e")) == 0,
	   "hash: add");
	is_str(hash_find(h, "a"), "1", "hash: find a");
	is_str(hash_find(h, ""), "e", "hash: find empty key");
	ok(hash_find(h, "b") == NULL, "hash: missing key gives NULL");
	n_freed = 0;
	ok(hash_add_unique(h, "a", same) == -EEXIST && n_freed == 0,
	   "hash: add_unique existing");
	free(same);
	ok(hash_add(h, key2, strdup("2")) == 0 && n_freed == 1,
	   "hash: add replaces, frees old");
	is_str(hash_find(h, "a"), "2", "hash: replaced value found");
	ok(hash_add(h, key2, hash_find(h, "a")) == 0 && n_freed == 1,
	   "hash: same value kept");
	is_int(hash_get_count(h), 2, "hash: count is 2");
	is_int(hash_del(h, "zz"), -ENOENT, "hash: del missing");
	ok(hash_del(h, "") == 0 && n_freed == 2, "hash: del empty key frees its value");
	is_int(hash_get_count(h), 1, "hash: count after del");
	/* The old key may have lived in the freed value: the entry must use the new one.
	 */
	hash_iter_init(h, &it);
	ok(hash_iter_next(&it, &k, &v) && k == key2 && streq(v, "2") &&
		   !hash_iter_next(&it, &k, &v),
	   "hash: replacement stores the new key pointer");
	hash_free(h);
	is_int(n_freed, 3, "hash: free frees remaining values");
	hash_free(NULL);
}

static void test_hash_many(void)
{
	enum { N = 10000 };
	static char keys[N][16];
	static bool seen[N];
	struct hash *h = hash_new(8, count_free);
	struct hash_iter it;
	const char *k;
	const void *v;
	int found = 0, distinct = 0, kept = 0, gone = 0;
	bool all_ok = true;

	n_freed = 0;
	for (int i = 0; i < N; i++) {
		int *val = malloc(sizeof(*val));

		*val = i;
		snprintf(keys[i], sizeof(keys[i]), "key-%d", i);
		all_ok &= hash_add_unique(h, keys[i], val) == 0;
	}
	ok(all_ok && hash_get_count(h) == N, "hash: 10k unique adds");
	for (int i = 0; i < N; i++)
		found += hash_find(h, keys[i]) != NULL &&
			 *(int *)hash_find(h, keys[i]) == i;
	is_int(found, N, "hash: all 10k found with their values");
	for (hash_iter_init(h, &it); hash_iter_next(&it, &k, &v);) {
		int i = *(const int *)v;

		distinct += k == keys[i] && !seen[i];
		seen[i] = true;
	}
	is_int(distinct, N, "hash: iteration visits each entry once");

	for (int i = 0; i < N; i += 2)
		all_ok &= hash_del(h, keys[i]) == 0;
	ok(all_ok && n_freed == N / 2, "hash: delete (and free) the even keys");
	for (int i = 0; i < N; i++) {
		const int *val = hash_find(h, keys[i]);

		kept += i % 2 && val != NULL && *val == i;
		gone += i % 2 == 0 && val == NULL;
	}
	ok(kept == N / 2 && gone == N / 2, "hash: odd keys kept, even gone");
	is_int(hash_get_count(h), N / 2, "hash: count after deletes");
	is_int(hash_add_unique(h, keys[0], malloc(1)), 0,
	       "hash: deleted key can be re-added");
	hash_free(h);
	is_int(n_freed, N + 1, "hash: every value freed exactly once");
}

static void test_names(void)
{
	/* kind: 'm' modname_normalize, 'p' path_to_modname, 'a' alias_normalize. */
	static const struct {
		char kind;
		const char *in, *out; /* out NULL: must fail */
	} cases[] = {
		{ 'm', "snd-hda.ko", "snd_hda" },
		{ 'm', "a-b-c", "a_b_c" },
		{ 'm', "", "" },
		{ 'm', ".ko", "" },
		{ 'm', "a_b.c-d", "a_b" },
		{ 'p', "/lib/modules/6.1/kernel/snd-hda-intel.ko.xz", "snd_hda_intel" },
		{ 'p', "e1000e", "e1000e" },
		{ 'p', "/a/b/", NULL },
		{ 'p', "", NULL },
		{ 'p', "rel/x-y.ko", "x_y" },
		{ 'a', "pci:v-1*", "pci:v_1*" },
		{ 'a', "", "" },
		{ 'a', "usb:v*p[0-9]-x[a-]", "usb:v*p[0-9]_x[a-]" },
		{ 'a', "[[-]x-", "[[-]x_" },
		{ 'a', "a]b", NULL },
		{ 'a', "a[b-c", NULL },
		{ 'a', "[a]]", NULL },
	};
	static char longname[PATH_MAX_LEN + 10];
	char buf[PATH_MAX_LEN], abuf[64];
	size_t len;
	int n_ext = 0;

	while (kmod_exts[n_ext] != NULL)
		n_ext++;
	ok(streq(kmod_exts[0], ".ko"), "exts: .ko first");
	is_int(n_ext,
	       1 + ENABLED(ENABLE_ZLIB) + ENABLED(ENABLE_XZ) + ENABLED(ENABLE_ZSTD),
	       "exts: one per compiled-in compression");

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *in = cases[i].in, *out = cases[i].out, *got = NULL;

		len = 99;
		if (cases[i].kind == 'm')
			got = modname_normalize(in, buf, &len);
		else if (cases[i].kind == 'p')
			got = path_to_modname(in, buf, &len);
		else if (alias_normalize(in, abuf, &len) == 0)
			got = abuf;
		if (out == NULL) {
			ok(got == NULL, "%c '%s' fails", cases[i].kind, in);
			continue;
		}
		is_str(got, out, "%c '%s'", cases[i].kind, in);
		is_int(len, strlen(out), "%c '%s' length", cases[i].kind, in);
	}
	is_int(alias_normalize("a]b", abuf, NULL), -EINVAL, "alias: error is -EINVAL");
	ok(modname_normalize("x", buf, NULL) == buf &&
		   path_to_modname("y", buf, NULL) == buf,
	   "normalisers return buf and accept a NULL len");

	memset(longname, 'x', PATH_MAX_LEN - 1);
	is_int(strlen(modname_normalize(longname, buf, NULL) ?: ""), PATH_MAX_LEN - 1,
	       "modname: PATH_MAX-1 chars fit");
	longname[PATH_MAX_LEN - 1] = 'x';
	ok(modname_normalize(longname, buf, NULL) == NULL,
	   "modname: PATH_MAX chars -> NULL");
	ok(path_to_modname(longname, buf, NULL) == NULL,
	   "path_to_modname: too long -> NULL");
	longname[10] = '.';
	is_str(modname_normalize(longname, buf, NULL), "xxxxxxxxxx",
	       "modname: dot cuts long");

	ok(path_ends_with_kmod_ext("a.ko", 4) && path_ends_with_kmod_ext("a.ko.xz", 4) &&
		   !path_ends_with_kmod_ext("a.k", 3) &&
		   !path_ends_with_kmod_ext("", 0) &&
		   !path_ends_with_kmod_ext("a.ko.bz2", 8),
	   "ext: .ko (honouring len), short names, unknown compression");
	is_int(path_ends_with_kmod_ext("a.ko.xz", 7), ENABLED(ENABLE_XZ),
	       "ext: .ko.xz iff xz");
	is_int(path_ends_with_kmod_ext("a.ko.zst", 8), ENABLED(ENABLE_ZSTD),
	       "ext: .zst iff zstd");
	is_int(path_ends_with_kmod_ext("a.ko.gz", 7), ENABLED(ENABLE_ZLIB),
	       "ext: .gz iff zlib");

	strcpy(abuf, "a-b--c");
	ok(strchr_replace(abuf, '-', '_') == abuf && streq(abuf, "a_b__c"),
	   "strchr_replace");
}

static void test_paths(void)
{
	char cwd[PATH_MAX_LEN], dir[] = "/tmp/test-util-dir-XXXXXX", p[PATH_MAX_LEN],
				line[32];
	_cleanup_free_ char *abs1 = path_make_absolute_cwd("/etc/x");
	_cleanup_free_ char *abs2 = path_make_absolute_cwd("x/y");
	struct timespec ts[2] = { { 1000, 0 }, { 1700000000, 123456789 } };
	unsigned long long t1, t2;
	struct stat st;
	int fd;

	ok(path_is_absolute("/a") && !path_is_absolute("a") && !path_is_absolute(""),
	   "absolute");
	is_str(abs1, "/etc/x", "absolute_cwd: absolute kept");
	ok(getcwd(cwd, sizeof(cwd) - 8) != NULL, "getcwd");
	is_str(abs2, strcat(cwd, "/x/y"), "absolute_cwd: relative joined to cwd");

	ok(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(p, sizeof(p), "%s//a/b/c/file", dir);
	is_int(mkdir_parents(p, 0755), 0, "mkdir_parents: creates a/b/c");
	snprintf(p, sizeof(p), "%s/a/b/c/", dir);
	ok(stat(p, &st) == 0 && S_ISDIR(st.st_mode), "mkdir_parents: a/b/c is a dir");
	strcat(p, "file");
	ok(stat(p, &st) < 0 && errno == ENOENT, "mkdir_parents: leaf not created");
	is_int(mkdir_parents(p, 0755), 0, "mkdir_parents: existing is fine");
	snprintf(p, sizeof(p), "%s/reg", dir);
	fd = open(p, O_CREAT | O_WRONLY, 0644);
	ok(write_str_safe(fd, "first line\nsecond\n", 18) == 18, "write_str_safe: file");
	close(fd);
	snprintf(cwd, sizeof(cwd), "%s/reg/x/y", dir);
	is_int(mkdir_parents(cwd, 0755), -ENOTDIR, "mkdir_parents: file in the way");
	snprintf(cwd, sizeof(cwd), "%s/reg/y", dir);
	is_int(mkdir_parents(cwd, 0755), -ENOTDIR, "mkdir_parents: parent is a file");
	is_int(mkdir_parents("noslash", 0755), 0, "mkdir_parents: no directory part");

	ok(utimensat(AT_FDCWD, p, ts, 0) == 0 && stat(p, &st) == 0, "utimensat");
	is_int(stat_mstamp(&st), 1700000000123456ULL, "stat_mstamp: microseconds");

	is_int(read_str_from_file(p, line, sizeof(line)), 0, "read_str_from_file");
	is_str(line, "first line", "read_str_from_file: first line without newline");
	is_int(read_str_from_file(p, line, 4), 0, "read_str_from_file: small buffer");
	is_str(line, "fir", "read_str_from_file: truncated");
	snprintf(cwd, sizeof(cwd), "%s/missing", dir);
	is_int(read_str_from_file(cwd, line, sizeof(line)), -ENOENT,
	       "read_str_from_file: missing");

	unlink(p);
	for (int depth = 3; depth > 0; depth--) {
		snprintf(p, sizeof(p), "%s/%.*s", dir, 2 * depth - 1, "a/b/c");
		rmdir(p);
	}
	ok(rmdir(dir) == 0, "temp dir cleaned up");

	t1 = now_usec();
	usleep(2000);
	t2 = now_usec();
	ok(t1 > 0 && t2 >= t1 + 2000 && t2 < t1 + 10000000,
	   "now_usec: monotonic microseconds");
}

static void test_read_write(void)
{
	/* u: parse with read_str_ulong(); val is what must come out on success. */
	static const struct {
		const char *text;
		int base, ret;
		bool u;
		long val;
	} cases[] = {
		{ "123\n", 10, 0, false, 123 },
		{ "-42", 10, 0, false, -42 },
		{ "ff\n", 16, 0, false, 255 },
		{ "0x10", 0, 0, false, 16 },
		{ "12x\n", 10, -EINVAL, false, 0 },
		{ "", 10, -EINVAL, false, 0 },
		{ "\n", 10, -EINVAL, false, 0 },
		{ "1\n\n", 10, -EINVAL, false, 0 },
		{ "1 2", 10, -EINVAL, false, 0 },
		{ "4096\n", 10, 0, true, 4096 },
		{ "99999999999999999999999", 10, -ERANGE, false, 0 },
		{ "-1\n", 10, -EINVAL, true, 0 },
		{ "garbage", 10, -EINVAL, true, 0 },
		/* More digits than the reader takes must not be parsed from a prefix. */
		{ "00000000000000000000000000000000000000000000000000000000000000001", 10,
		  -EINVAL, false, 0 },
	};
	char buf[64], small[4];
	int fd = tmp_with("first line\nsecond\n");
	unsigned long ul;
	long l;

	ok(fd >= 0, "temp file");
	is_int(read_str_safe(fd, small, sizeof(small)), 3,
	       "read_str_safe: stops at buflen-1");
	is_str(small, "fir", "read_str_safe: NUL-terminated");
	is_int(read_str_safe(fd, buf, sizeof(buf)), 15, "read_str_safe: rest");
	is_str(buf, "st line\nsecond\n", "read_str_safe: rest contents");
	ok(read_str_safe(fd, buf, sizeof(buf)) == 0 && buf[0] == '\0',
	   "read_str_safe: EOF");
	is_int(read_str_safe(fd, buf, 0), -EINVAL, "read_str_safe: buflen 0");
	close(fd);
	is_int(read_str_safe(fd, buf, sizeof(buf)), -EBADF, "read_str_safe: bad fd");
	is_int(write_str_safe(fd, "x", 1), -EBADF, "write_str_safe: bad fd");
	fd = open("/dev/null", O_WRONLY);
	ok(write_str_safe(fd, "hello", 5) == 5 && write_str_safe(fd, "", 0) == 0,
	   "write_str_safe");
	close(fd);

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int ret;

		l = 7;
		ul = 7;
		fd = tmp_with(cases[i].text);
		ret = cases[i].u ? read_str_ulong(fd, &ul, cases[i].base)
				 : read_str_long(fd, &l, cases[i].base);
		close(fd);
		is_int(ret, cases[i].ret, "read_str_%s case %zu",
		       cases[i].u ? "ulong" : "long", i);
		/* Failures must leave the output alone. */
		is_int(cases[i].u ? (long)ul : l, ret ? 7 : cases[i].val,
		       "case %zu: value", i);
	}
}

/* Blocks are aligned, disjoint, keep their contents, and big ones get chunks of their
 * own. */
static void test_arena(void)
{
	struct arena a = ARENA_INIT;
	unsigned char *blocks[3000];
	size_t sizes[3000];
	bool aligned = true, intact = true;
	char *s, *big, *small;

	for (size_t i = 0; i < ARRAY_SIZE(blocks); i++) {
		sizes[i] = 1 + (i * 37) % 300;
		blocks[i] = arena_alloc(&a, sizes[i]);
		if (blocks[i] == NULL)
			break;
		aligned &= ((uintptr_t)blocks[i] % _Alignof(max_align_t)) == 0;
		memset(blocks[i], (int)(i & 0xff), sizes[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(blocks); i++) {
		for (size_t j = 0; blocks[i] != NULL && j < sizes[i]; j++)
			intact &= blocks[i][j] == (unsigned char)(i & 0xff);
		intact &= blocks[i] != NULL;
	}
	ok(aligned, "arena: every block aligned for any type");
	ok(intact, "arena: 3000 blocks over several chunks keep their own bytes");

	small = arena_alloc(&a, 8);
	big = arena_alloc(&a, 5 << 20); /* more than the biggest chunk */
	s = arena_alloc(&a, 8);
	ok(big != NULL && small != NULL && s != NULL &&
		   s == small + _Alignof(max_align_t),
	   "arena: a block bigger than a chunk does not end the current chunk");
	memset(big, 0x5a, 5 << 20);
	s = arena_strndup(&a, "modules.alias", 7);
	is_str(s, "modules", "arena: strndup copies len bytes and ends them");
	ok(arena_alloc(&a, SIZE_MAX - 8) == NULL, "arena: impossible size refused");
	arena_release(&a);
	ok(a.chunk == NULL, "arena: release empties it");
	s = arena_strndup(&a, "again", 5);
	is_str(s, "again", "arena: usable after release");
	arena_release(&a);
}

struct sink {
	uint8_t *mem;
	size_t used, calls, short_pieces;
	size_t fail_at; /* the call that fails, 0: none */
};

static int sink_emit(void *data, const void *buf, size_t len)
{
	struct sink *k = data;

	k->calls++;
	if (k->fail_at == k->calls)
		return -ENOSPC;
	k->short_pieces += len != OBUF_SIZE;
	memcpy(k->mem + k->used, buf, len);
	k->used += len;
	return 0;
}

/* Pieces of OBUF_SIZE, the last shorter; the bytes in order; the first error sticks. */
static void test_obuf(void)
{
	size_t total = 3 * OBUF_SIZE + 1234, at = 0;
	uint8_t *in = malloc(total);
	struct sink k = { .mem = malloc(total) };
	struct obuf *b = malloc(sizeof(*b));

	if (in == NULL || k.mem == NULL || b == NULL)
		return;
	for (size_t i = 0; i < total; i++)
		in[i] = (uint8_t)(i * 7 + i / 251);
	obuf_init(b, sink_emit, &k);
	for (size_t step = 1; at < total; step = step * 3 + 1) {
		size_t n = step < total - at ? step : total - at;

		obuf_put(b, in + at, n);
		at += n;
	}
	is_int(obuf_flush(b), 0, "obuf: flush returns 0");
	ok(k.used == total && memcmp(k.mem, in, total) == 0,
	   "obuf: every byte emitted, in order");
	ok(k.calls == 4 && k.short_pieces == 1 && b->pos == total,
	   "obuf: full pieces, one short last one, position counted");

	k = (struct sink){ .mem = k.mem, .fail_at = 2 };
	obuf_init(b, sink_emit, &k);
	obuf_put(b, in, total);
	is_int(obuf_flush(b), -ENOSPC, "obuf: an emit error is returned");
	ok(k.calls == 2 && k.used == OBUF_SIZE, "obuf: nothing emitted after the error");
	free(b);
	free(k.mem);
	free(in);
}

/* Only regular files are opened; FIFOs, devices, directories and (with nofollow) links
 * are not. */
static void test_open_regular(void)
{
	char dir[] = "/tmp/test-util-open.XXXXXX";
	struct stat st;
	int dfd, fd;

	ok(mkdtemp(dir) != NULL, "open_regular: temp dir");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd = openat(dfd, "file", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ok(fd >= 0 && write(fd, "abc", 3) == 3, "open_regular: file written");
	close(fd);
	ok(mkfifoat(dfd, "fifo", 0600) == 0, "open_regular: fifo made");
	ok(symlinkat("file", dfd, "link") == 0, "open_regular: link made");
	ok(symlinkat("fifo", dfd, "fifolink") == 0, "open_regular: link to fifo made");

	memset(&st, 0, sizeof(st));
	fd = open_regular_at(dfd, "file", true, &st);
	ok(fd >= 0 && st.st_size == 3 && S_ISREG(st.st_mode),
	   "open_regular: regular file opened");
	ok(fd >= 0 && (fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK)) ==
			      (O_RDONLY | O_NONBLOCK),
	   "open_regular: read-only, non-blocking");
	ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "open_regular: close-on-exec");
	if (fd >= 0)
		close(fd);
	fd = open_regular_at(dfd, "link", false, NULL);
	ok(fd >= 0, "open_regular: symlink to a file followed");
	if (fd >= 0)
		close(fd);
	is_int(open_regular_at(dfd, "link", true, NULL), -ELOOP,
	       "open_regular: nofollow refuses a link");
	/* A FIFO would block an open without O_NONBLOCK; it must not even be opened. */
	is_int(open_regular_at(dfd, "fifo", false, NULL), -EINVAL,
	       "open_regular: fifo refused");
	is_int(open_regular_at(dfd, "fifolink", false, NULL), -EINVAL,
	       "open_regular: link to a fifo refused");
	is_int(open_regular_at(dfd, ".", false, NULL), -EINVAL,
	       "open_regular: directory refused");
	is_int(open_regular("/dev/null", NULL), -EINVAL, "open_regular: device refused");
	is_int(open_regular_at(dfd, "missing", false, NULL), -ENOENT,
	       "open_regular: missing file");

	/* a name a listing showed as a regular file: one open, never through a link */
	memset(&st, 0, sizeof(st));
	fd = open_listed_regular_at(dfd, "file", &st);
	ok(fd >= 0 && st.st_size == 3 && S_ISREG(st.st_mode),
	   "open_listed_regular: regular file opened");
	ok(fd >= 0 && (fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK)) ==
			      (O_RDONLY | O_NONBLOCK),
	   "open_listed_regular: read-only, non-blocking");
	ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC),
	   "open_listed_regular: close-on-exec");
	if (fd >= 0)
		close(fd);
	is_int(open_listed_regular_at(dfd, "link", NULL), -ELOOP,
	       "open_listed_regular: a link put in its place refused");
	is_int(open_listed_regular_at(dfd, "fifo", NULL), -EINVAL,
	       "open_listed_regular: a FIFO neither blocks nor is read");
	is_int(open_listed_regular_at(dfd, ".", NULL), -EINVAL,
	       "open_listed_regular: directory refused");
	is_int(open_listed_regular_at(AT_FDCWD, "/dev/null", NULL), -EINVAL,
	       "open_listed_regular: device refused");
	is_int(open_listed_regular_at(dfd, "missing", NULL), -ENOENT,
	       "open_listed_regular: missing file");

	unlinkat(dfd, "fifolink", 0);
	unlinkat(dfd, "link", 0);
	unlinkat(dfd, "fifo", 0);
	unlinkat(dfd, "file", 0);
	close(dfd);
	ok(rmdir(dir) == 0, "open_regular: temp dir cleaned up");
}

static char *read_back(int dfd, const char *name, char *buf, size_t size)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);

	if (fd >= 0)
		close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

/* Creating never follows a link nor reuses a name; a tmpfile replaces a name at once. */
static void test_create_files(void)
{
	char dir[] = "/tmp/test-util-create.XXXXXX", buf[64];
	struct tmpfile t;
	struct stat st;
	int dfd, fd;

	ok(mkdtemp(dir) != NULL, "create: temp dir");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd = create_new_at(dfd, "victim", 0600);
	ok(fd >= 0 && write(fd, "old", 3) == 3, "create_new_at: a new file");
	close(fd);
	is_int(create_new_at(dfd, "victim", 0600), -EEXIST,
	       "create_new_at: a taken name");
	ok(symlinkat("victim", dfd, "link") == 0, "create: link made");
	ok(symlinkat("nowhere", dfd, "dangling") == 0, "create: dangling link made");
	is_int(create_new_at(dfd, "link", 0600), -EEXIST,
	       "create_new_at: never through a link");
	is_int(create_new_at(dfd, "dangling", 0600), -EEXIST,
	       "create_new_at: never through a dangling link");
	ok(fstatat(dfd, "nowhere", &st, AT_SYMLINK_NOFOLLOW) < 0,
	   "create: the link's target not made");

	ok(tmpfile_open_at(&t, dfd, ".new.", ".tmp", 0640) == 0 && t.fd >= 0,
	   "tmpfile: opened");
	ok(write(t.fd, "new", 3) == 3, "tmpfile: written");
	is_int(tmpfile_rename(&t, "link"), 0, "tmpfile: renamed over a link");
	ok(fstatat(dfd, "link", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		   (st.st_mode & 0777) == (0640 & ~umask(umask(0))),
	   "tmpfile: the link is now the file, with its mode");
	is_str(read_back(dfd, "link", buf, sizeof(buf)), "new", "tmpfile: its content");
	is_str(read_back(dfd, "victim", buf, sizeof(buf)), "old",
	       "tmpfile: the link's target untouched");

	ok(tmpfile_open_at(&t, dfd, ".gone.", ".tmp", 0600) == 0, "tmpfile: another one");
	is_int(tmpfile_link(&t), 0, "tmpfile: linked under a temporary name");
	ok(strncmp(t.name, ".gone.", 6) == 0 && strlen(t.name) == 6 + 8 + 4 &&
		   fstatat(dfd, t.name, &st, AT_SYMLINK_NOFOLLOW) == 0,
	   "tmpfile: the temporary name is \"<prefix>XXXXXXXX<suffix>\"");
	snprintf(buf, sizeof(buf), "%s", t.name);
	tmpfile_discard(&t);
	ok(fstatat(dfd, buf, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT,
	   "tmpfile: discarded, the temporary name is gone");
	ok(tmpfile_open_at(&t, dfd, ".never.", "", 0600) == 0, "tmpfile: a third one");
	tmpfile_discard(&t);
	is_int(open_parent_dir("", &(const char *){ NULL }), -ENOENT,
	       "open_parent_dir: \"\"");
	is_int(open_parent_dir("/tmp/", &(const char *){ NULL }), -EISDIR,
	       "open_parent_dir: a directory's name");

	unlinkat(dfd, "dangling", 0);
	unlinkat(dfd, "link", 0);
	unlinkat(dfd, "victim", 0);
	close(dfd);
	ok(rmdir(dir) == 0, "create: nothing else left in the temp dir");
}

int main(void)
{
	test_strbuf();
	test_array();
	test_arena();
	test_obuf();
	test_hash_basic();
	test_hash_many();
	test_names();
	test_paths();
	test_read_write();
	test_open_regular();
	test_create_files();
	return tap_done();
}

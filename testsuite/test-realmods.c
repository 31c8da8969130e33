// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Every module of a real signed kernel tree, split into an unsigned image and
 * a detached signature, then put back together the way the loader does it
 * (kmod_file_open -> kmod_detached_sig_open -> load_contents -> append).  The
 * result must be the original signed image, byte for byte, and pass the
 * checks of policy require (kmod_sig_check_required()).
 *
 * usage: test-realmods [--limit N] <module tree> <scratch dir>
 *
 * The whole tree is one TAP test; only failing modules get lines of their own,
 * so the log stays small for ~4000 modules.
 */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef ENABLE_XZ
#include <lzma.h>
#endif
#ifdef ENABLE_ZLIB
#include <zlib.h>
#endif
#ifdef ENABLE_ZSTD
#include <zstd.h>
#endif

#include "util/log.h"
#include "util/macro.h"
#include "libkmod/libkmod-elf.h"
#include "libkmod/libkmod-file.h"
#include "libkmod/libkmod-signature.h"
#include "testsuite/tap.h"

/* Failing modules past this many are only counted. */
#define MAX_REPORTED 50

/* Every Nth plain module is also tried as .ko.gz and .ko.zst. */
#define EXTRA_EVERY 16

struct paths {
	char **v;
	size_t n;
	size_t cap;
};

/* nftw() passes no user data to its callback. */
static struct paths found;

struct run {
	const char *tree;
	const char *scratch;
	char label[256];
	char mod_path[4096];
	char sig_path[4096 + 4];
	struct logger lg;
	char log[1024]; /* library errors of the current module */
	char reason[512];
	size_t checked;
	size_t failed;
	size_t reported;
	size_t skipped[4]; /* by enum kmod_file_compression */
	size_t by_format[2];
	size_t extra[4];
	size_t by_liblzma; /* .ko.xz images compared with liblzma's */
};

static void file_freep(struct kmod_file **f)
{
	if (*f != NULL)
		kmod_file_free(*f);
}

static void sig_freep(struct kmod_detached_sig **s)
{
	if (*s != NULL)
		kmod_detached_sig_free(*s);
}

static void elf_freep(struct kmod_elf **e)
{
	if (*e != NULL)
		kmod_elf_free(*e);
}

/* Appends library messages to run->log, separated by "; ". */
static void collect_log(void *data, int priority, const char *file, int line,
			const char *fn, const char *format, va_list args)
{
	struct run *r = data;
	size_t len = strlen(r->log);
	size_t room = sizeof(r->log) - len;

	if (len > 0 && room > 2) {
		memcpy(r->log + len, "; ", 3);
		len += 2;
		room -= 2;
	}
	vsnprintf(r->log + len, room, format, args);
	len = strlen(r->log);
	while (len > 0 && r->log[len - 1] == '\n')
		r->log[--len] = '\0';
}

_printf_format_(2, 3) static int fail(struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_module_name(const char *name)
{
	static const char *const suffixes[] = { ".ko", ".ko.xz", ".ko.gz", ".ko.zst" };
	size_t len = strlen(name);

	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		size_t slen = strlen(suffixes[i]);

		if (len > slen && streq(name + len - slen, suffixes[i]))
			return true;
	}
	return false;
}

static int collect(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (type != FTW_F || !S_ISREG(st->st_mode) || !is_module_name(path + ftw->base))
		return 0;

	if (found.n == found.cap) {
		size_t cap = found.cap ? found.cap * 2 : 1024;
		char **v = reallocarray(found.v, cap, sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		found.v = v;
		found.cap = cap;
	}
	found.v[found.n] = strdup(path);
	if (found.v[found.n] == NULL)
		return -ENOMEM;
	found.n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_found(void)
{
	for (size_t i = 0; i < found.n; i++)
		free(found.v[i]);
	free(found.v);
}

static const char *compression_ext(enum kmod_file_compression c)
{
	switch (c) {
	case KMOD_FILE_COMPRESSION_XZ:
		return ".xz";
	case KMOD_FILE_COMPRESSION_ZLIB:
		return ".gz";
	case KMOD_FILE_COMPRESSION_ZSTD:
		return ".zst";
	default:
		return "";
	}
}

/* Same format as the original, fastest settings; xz with CRC32 as kbuild does. */
static int recompress(enum kmod_file_compression c, const void *in, size_t len,
		      void **out, size_t *out_len)
{
	_cleanup_free_ uint8_t *buf = NULL;

	switch (c) {
#ifdef ENABLE_XZ
	case KMOD_FILE_COMPRESSION_XZ: {
		size_t bound, pos = 0;

		bound = lzma_stream_buffer_bound(len);
		buf = malloc(bound);
		if (buf == NULL)
			return -ENOMEM;
		if (lzma_easy_buffer_encode(0, LZMA_CHECK_CRC32, NULL, in, len, buf, &pos,
					    bound) != LZMA_OK)
			return -EIO;
		*out_len = pos;
		break;
	}
#endif
#ifdef ENABLE_ZLIB
	case KMOD_FILE_COMPRESSION_ZLIB: {
		z_stream zs = { 0 };
		size_t bound;

		if (len > UINT32_MAX)
			return -EFBIG;
		/* windowBits 15 + 16: gzip header and trailer */
		if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
		    Z_OK)
			return -ENOMEM;
		bound = deflateBound(&zs, len);
		buf = malloc(bound);
		if (buf == NULL) {
			deflateEnd(&zs);
			return -ENOMEM;
		}
		zs.next_in = (Bytef *)in;
		zs.avail_in = len;
		zs.next_out = buf;
		zs.avail_out = bound;
		if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
			deflateEnd(&zs);
			return -EIO;
		}
		*out_len = zs.total_out;
		deflateEnd(&zs);
		break;
	}
#endif
#ifdef ENABLE_ZSTD
	case KMOD_FILE_COMPRESSION_ZSTD: {
		size_t bound, n;

		bound = ZSTD_compressBound(len);
		buf = malloc(bound);
		if (buf == NULL)
			return -ENOMEM;
		n = ZSTD_compress(buf, bound, in, len, 1);
		if (ZSTD_isError(n))
			return -EIO;
		*out_len = n;
		break;
	}
#endif
	default:
		return -ENOTSUP;
	}
	*out = TAKE_PTR(buf);
	return 0;
}

static int write_file(const char *path, const void *data, size_t len)
{
	_cleanup_close_ int fd = -1;
	const uint8_t *p = data;

	/*
	 * A fresh file each time: ext4 flushes a file truncated and rewritten on
	 * close (auto_da_alloc), which would make ~4000 rewrites crawl.
	 */
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* Image length and signature length from the trailer at the end of @mem. */
static int split_trailer(struct run *r, const uint8_t *mem, size_t size,
			 size_t *image_len, size_t *sig_len)
{
	const uint8_t *info;
	size_t len;

	if (!kmod_sig_is_appended(mem, size))
		return fail(r, "no signature trailer at the end");
	if (size < MODULE_SIG_OVERHEAD)
		return fail(r, "image of %zu bytes is shorter than a trailer", size);
	info = mem + size - MODULE_SIG_OVERHEAD;
	if (info[2] != MODULE_SIG_ID_PKCS7)
		return fail(r, "trailer id_type %u, expected PKCS#7", info[2]);
	len = (size_t)info[8] << 24 | (size_t)info[9] << 16 | (size_t)info[10] << 8 |
	      info[11];
	if (len == 0 || len > size - MODULE_SIG_OVERHEAD)
		return fail(r, "trailer sig_len %zu does not fit %zu bytes", len, size);
	*sig_len = len;
	*image_len = size - MODULE_SIG_OVERHEAD - len;
	return 0;
}

/* kbuild's module name: the file name up to ".ko", '-' spelt '_'. */
static void module_name_of(const char *path, char *name, size_t size)
{
	const char *base = strrchr(path, '/');
	size_t i;

	base = base ? base + 1 : path;
	for (i = 0; i + 1 < size && base[i] != '\0'; i++) {
		if (strstartswith(base + i, ".ko"))
			break;
		name[i] = base[i] == '-' ? '_' : base[i];
	}
	name[i] = '\0';
}

static int check_elf(struct run *r, const char *path, const void *image, size_t len)
{
	_cleanup_(elf_freep) struct kmod_elf *elf = NULL;
	const void *modinfo;
	uint64_t modinfo_size;
	const char *name;
	char want[256];
	int err;

	err = kmod_elf_new(image, len, &elf);
	if (err < 0)
		return fail(r, "unsigned image is not ELF: %s", strerror(-err));
	err = kmod_elf_get_section(elf, ".modinfo", &modinfo, &modinfo_size);
	if (err < 0 || modinfo_size == 0)
		return fail(r, "unsigned image has no .modinfo: %s", strerror(-err));
	err = kmod_elf_get_this_module_name(elf, &name);
	if (err < 0)
		return fail(r, "this_module name unreadable: %s", strerror(-err));
	module_name_of(path, want, sizeof(want));
	if (!streq(name, want))
		return fail(r, "this_module name '%s', file name says '%s'", name, want);
	return 0;
}

/*
 * Write the unsigned image (compressed as @c) and the signature in @format to
 * the scratch directory, load them through the library and compare with the
 * original signed image @orig.
 */
static int reassemble(struct run *r, const uint8_t *orig, size_t size, size_t image_len,
		      size_t sig_len, enum kmod_file_compression c,
		      enum kmod_sig_format format)
{
	_cleanup_(file_freep) struct kmod_file *file = NULL;
	_cleanup_(sig_freep) struct kmod_detached_sig *sig = NULL;
	_cleanup_free_ void *packed = NULL;
	const uint8_t *got;
	size_t packed_len, sig_file_len, trailer_len = size - image_len, got_len;
	char why[256];
	int err;

	snprintf(r->sig_path, sizeof(r->sig_path), "%s.sig", r->mod_path);
	if (c == KMOD_FILE_COMPRESSION_NONE) {
		err = write_file(r->mod_path, orig, image_len);
	} else {
		err = recompress(c, orig, image_len, &packed, &packed_len);
		if (err < 0)
			return fail(r, "%s compression failed: %s",
				    kmod_file_compression_name(c), strerror(-err));
		err = write_file(r->mod_path, packed, packed_len);
	}
	if (err < 0)
		return fail(r, "write %s: %s", r->mod_path, strerror(-err));

	/* Both formats start where the image ends; the bare one stops before the info
	 * block. */
	sig_file_len = format == KMOD_SIG_FORMAT_TRAILER ? trailer_len : sig_len;
	err = write_file(r->sig_path, orig + image_len, sig_file_len);
	if (err < 0)
		return fail(r, "write %s: %s", r->sig_path, strerror(-err));

	err = kmod_file_open(&r->lg, r->mod_path, &file);
	if (err < 0)
		return fail(r, "kmod_file_open: %s", strerror(-err));
	if (kmod_file_get_compression(file) != c)
		return fail(r, "compression detected as %d, written as %d",
			    kmod_file_get_compression(file), c);
	err = kmod_detached_sig_open(&r->lg, r->mod_path, &sig);
	if (err < 0)
		return fail(r, "kmod_detached_sig_open: %s", strerror(-err));
	if (sig->format != format)
		return fail(r, ".sig read as format %d, written as %d", sig->format,
			    format);
	if (sig->trailer_len != trailer_len)
		return fail(r, ".sig gives a %zu-byte trailer, original has %zu",
			    sig->trailer_len, trailer_len);
	err = kmod_file_load_contents(file, sig->trailer_len);
	if (err < 0)
		return fail(r, "kmod_file_load_contents: %s", strerror(-err));
	err = kmod_file_append(file, sig->trailer, sig->trailer_len);
	if (err < 0)
		return fail(r, "kmod_file_append: %s", strerror(-err));

	got = kmod_file_get_contents(file);
	got_len = kmod_file_get_size(file);
	if (got_len != size)
		return fail(r, "assembled %zu bytes, original has %zu", got_len, size);
	if (memcmp(got, orig, size) != 0) {
		size_t off = 0;

		while (got[off] == orig[off])
			off++;
		return fail(r, "assembled image differs from the original at offset %zu",
			    off);
	}
	/*
	 * Real signatures pass what policy require asks of the image; built
	 * without libcrypto, require cannot check them and refuses each.
	 */
	err = kmod_sig_check_required(got, got_len, why, sizeof(why));
#ifdef ENABLE_OPENSSL
	if (err < 0)
		return fail(r, "policy require refuses the image: %s", why);
#else
	if (err != -ELIBACC ||
	    !streq(why, "cannot check the signature: built without libcrypto"))
		return fail(
			r,
			"built without libcrypto, policy require: got %d '%s', want %d",
			err, err < 0 ? why : "", -ELIBACC);
#endif
	return 0;
}

#ifdef ENABLE_XZ
/*
 * The library decodes a .ko.xz into a buffer sized from the file's indexes;
 * liblzma's plain one-shot decoding of the same file, into a buffer one byte
 * larger than that image, must give the same bytes.
 */
static int check_as_liblzma(struct run *r, const char *path, const uint8_t *mem,
			    size_t size)
{
	_cleanup_free_ uint8_t *in = NULL, *out = NULL;
	uint64_t memlimit = UINT64_MAX;
	size_t in_len, in_pos = 0, out_pos = 0;
	FILE *f = fopen(path, "rb");
	lzma_ret ret;

	if (f == NULL)
		return fail(r, "cannot reopen: %m");
	fseek(f, 0, SEEK_END);
	in_len = (size_t)ftell(f);
	rewind(f);
	in = malloc(in_len);
	out = malloc(size + 1);
	if (in == NULL || out == NULL || fread(in, 1, in_len, f) != in_len) {
		fclose(f);
		return fail(r, "cannot read it again");
	}
	fclose(f);
	ret = lzma_stream_buffer_decode(&memlimit, 0, NULL, in, &in_pos, in_len, out,
					&out_pos, size + 1);
	if (ret != LZMA_OK || out_pos != size)
		return fail(r, "liblzma: error %d after %zu bytes, the library gave %zu",
			    ret, out_pos, size);
	if (memcmp(out, mem, size) != 0)
		return fail(r, "the library's image differs from liblzma's");
	r->by_liblzma++;
	return 0;
}
#endif

/* 0 when checked, 1 when skipped (compression not built in), -1 on failure. */
static int check_module(struct run *r, const char *path, size_t index)
{
	_cleanup_(file_freep) struct kmod_file *orig = NULL;
	enum kmod_file_compression c;
	enum kmod_sig_format format;
	const uint8_t *mem;
	size_t size, image_len = 0, sig_len = 0;
	int err;

	err = kmod_file_open(&r->lg, path, &orig);
	if (err < 0)
		return fail(r, "kmod_file_open: %s", strerror(-err));
	c = kmod_file_get_compression(orig);
	if (!kmod_file_compression_supported(c)) {
		r->skipped[c]++;
		return 1;
	}
	err = kmod_file_load_contents(orig, 0);
	if (err < 0)
		return fail(r, "kmod_file_load_contents: %s", strerror(-err));
	mem = kmod_file_get_contents(orig);
	size = kmod_file_get_size(orig);
#ifdef ENABLE_XZ
	if (c == KMOD_FILE_COMPRESSION_XZ && check_as_liblzma(r, path, mem, size) < 0)
		return -1;
#endif

	if (split_trailer(r, mem, size, &image_len, &sig_len) < 0)
		return -1;
	if (check_elf(r, path, mem, image_len) < 0)
		return -1;

	format = index % 2 ? KMOD_SIG_FORMAT_PKCS7 : KMOD_SIG_FORMAT_TRAILER;
	snprintf(r->mod_path, sizeof(r->mod_path), "%s/m.ko%s", r->scratch,
		 compression_ext(c));
	if (reassemble(r, mem, size, image_len, sig_len, c, format) < 0)
		return -1;
	r->by_format[format]++;

	/* Real data through the decoders the trees do not use. */
	if (c == KMOD_FILE_COMPRESSION_NONE && index % EXTRA_EVERY >= EXTRA_EVERY - 2) {
		enum kmod_file_compression x = index % EXTRA_EVERY == EXTRA_EVERY - 1
						       ? KMOD_FILE_COMPRESSION_ZSTD
						       : KMOD_FILE_COMPRESSION_ZLIB;

		if (kmod_file_compression_supported(x)) {
			snprintf(r->mod_path, sizeof(r->mod_path), "%s/m.ko%s",
				 r->scratch, compression_ext(x));
			if (reassemble(r, mem, size, image_len, sig_len, x, format) < 0) {
				char why[sizeof(r->reason)];

				memcpy(why, r->reason, sizeof(why));
				return fail(r, "as %s: %.400s",
					    kmod_file_compression_name(x), why);
			}
			r->extra[x]++;
		}
	}
	return 0;
}

static void report_failure(struct run *r, const char *path)
{
	r->failed++;
	if (r->reported >= MAX_REPORTED)
		return;
	r->reported++;
	ok(0, "%s: %s", path + strlen(r->tree) + (path[strlen(r->tree)] == '/'),
	   r->reason);
	if (r->log[0] != '\0')
		printf("#   library said: %s\n", r->log);
}

static void set_label(struct run *r, const char *tree)
{
	size_t len = strlen(tree);
	const char *base;

	while (len > 1 && tree[len - 1] == '/')
		len--;
	base = memrchr(tree, '/', len);
	base = base ? base + 1 : tree;
	snprintf(r->label, sizeof(r->label), "%.*s", (int)(len - (base - tree)), base);
}

static void skip_line(const char *why)
{
	tap_count++;
	printf("ok %d # SKIP %s\n", tap_count, why);
}

static void summarize(struct run *r, size_t limit)
{
	size_t skipped = 0;

	for (size_t c = 0; c < ARRAY_SIZE(r->skipped); c++) {
		if (r->skipped[c] == 0)
			continue;
		skipped += r->skipped[c];
		printf("# %zu %s modules skipped: no %s support in this build\n",
		       r->skipped[c], kmod_file_compression_name(c),
		       kmod_file_compression_name(c));
	}
	if (r->failed > r->reported)
		printf("# %zu more failing modules not listed\n",
		       r->failed - r->reported);

	if (r->checked == 0 && r->failed == 0 && skipped > 0) {
		skip_line("no module of this tree can be decompressed by this build");
		return;
	}
	ok(r->failed == 0 && r->checked > 0,
	   "%s: %zu modules: assembled image == original signed image", r->label,
	   r->checked + r->failed);
	if (r->failed > 0)
		printf("#   %zu of them failed\n", r->failed);
	if (limit < found.n)
		printf("# only the first %zu of %zu modules were checked (--limit)\n",
		       limit, found.n);
#ifndef ENABLE_OPENSSL
	if (r->checked > 0)
		printf("# built without libcrypto: require refused each image, -ELIBACC\n");
#endif
	if (r->by_liblzma > 0)
		printf("# %zu .ko.xz images identical to liblzma's\n", r->by_liblzma);
	ok(r->by_format[KMOD_SIG_FORMAT_TRAILER] > 0,
	   "%s: %zu modules reassembled from a full-trailer .sig", r->label,
	   r->by_format[KMOD_SIG_FORMAT_TRAILER]);
	ok(r->by_format[KMOD_SIG_FORMAT_PKCS7] > 0,
	   "%s: %zu modules reassembled from a bare PKCS#7 .sig", r->label,
	   r->by_format[KMOD_SIG_FORMAT_PKCS7]);
	if (r->extra[KMOD_FILE_COMPRESSION_ZLIB] + r->extra[KMOD_FILE_COMPRESSION_ZSTD] >
	    0)
		printf("# plain modules also recompressed: %zu as gzip, %zu as zstd\n",
		       r->extra[KMOD_FILE_COMPRESSION_ZLIB],
		       r->extra[KMOD_FILE_COMPRESSION_ZSTD]);
}

static void remove_scratch(const char *scratch)
{
	static const char *const names[] = { "m.ko", "m.ko.xz", "m.ko.gz", "m.ko.zst" };
	char path[4096 + 16];

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", scratch, names[i]);
		unlink(path);
		snprintf(path, sizeof(path), "%s/%s.sig", scratch, names[i]);
		unlink(path);
	}
}

int main(int argc, char *argv[])
{
	struct run *r;
	size_t limit = SIZE_MAX;
	int err;

	if (argc == 5 && streq(argv[1], "--limit")) {
		limit = strtoul(argv[2], NULL, 10);
		argv += 2;
		argc -= 2;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: %s [--limit N] <module tree> <scratch dir>\n",
			argv[0]);
		return 99;
	}

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return 99;
	r->tree = argv[1];
	r->scratch = argv[2];
	r->lg = (struct logger){ .fn = collect_log, .data = r, .priority = LOG_ERR };
	set_label(r, r->tree);

	err = nftw(r->tree, collect, 32, FTW_PHYS);
	if (err != 0) {
		printf("Bail out! walking %s: %s\n", r->tree,
		       strerror(err < 0 ? -err : errno));
		free_found();
		free(r);
		return 99;
	}
	qsort(found.v, found.n, sizeof(*found.v), cmp_str);
	/* A sampled tree (KMOD_TEST_REAL_SAMPLE=N, debian-kernels.sh) has about N. */
	size_t least = 1000;
	const char *sample = getenv("KMOD_TEST_REAL_SAMPLE");
	if (sample != NULL && atoi(sample) > 0)
		least = (size_t)atoi(sample) / 2;
	ok(found.n > least, "%s: %zu module files found (more than %zu)", r->label,
	   found.n, least);

	for (size_t i = 0; i < found.n && i < limit; i++) {
		r->log[0] = '\0';
		r->reason[0] = '\0';
		err = check_module(r, found.v[i], i);
		if (err == 0)
			r->checked++;
		else if (err < 0)
			report_failure(r, found.v[i]);
	}
	summarize(r, limit);

	remove_scratch(r->scratch);
	free_found();
	free(r);
	return tap_done();
}

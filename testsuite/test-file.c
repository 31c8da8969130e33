// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Module files and detached signature files on disk: compression detection,
 * decompression through the real tools' output, tail room and appending,
 * and every way a .sig file can be unusable.  Fixtures are made at test
 * time in a private directory with xz, gzip, zstd and openssl.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/macro.h"
#include "libkmod/libkmod-file.h"
#include "testsuite/tap.h"

#define IMAGE_SIZE 300000

static char dir[4096];
static uint8_t image[IMAGE_SIZE];

struct log_record {
	char last[1024];
	int count;
};

static struct log_record rec;

_printf_format_(6, 0) static void record_log(void *data, int priority, const char *file,
					     int line, const char *fn, const char *format,
					     va_list args)
{
	struct log_record *r = data;

	vsnprintf(r->last, sizeof(r->last), format, args);
	r->count++;
}

static const struct logger lg = { .fn = record_log, .data = &rec, .priority = LOG_DEBUG };

static void log_reset(void)
{
	rec.last[0] = '\0';
	rec.count = 0;
}

static bool log_has(const char *s)
{
	return strstr(rec.last, s) != NULL;
}

static void skip(const char *why)
{
	tap_count++;
	printf("ok %d # SKIP %s\n", tap_count, why);
}

/* Path inside the test directory; a few rotating buffers. */
static const char *tpath(const char *name)
{
	static char bufs[8][4200];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

_printf_format_(1, 2) static int run(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	r = system(cmd);
	return r == -1 ? -1 : WEXITSTATUS(r);
}

static bool have_tool(const char *tool)
{
	return run("command -v %s >/dev/null 2>&1", tool) == 0;
}

static void write_file(const char *name, const void *data, size_t len)
{
	FILE *f = fopen(tpath(name), "w");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", name);
		exit(1);
	}
}

static uint8_t *read_file(const char *name, size_t *len)
{
	FILE *f = fopen(tpath(name), "r");
	struct stat st;
	uint8_t *buf;

	if (f == NULL || fstat(fileno(f), &st) < 0 ||
	    (buf = malloc(st.st_size + 1)) == NULL) {
		printf("Bail out! cannot read %s\n", name);
		exit(1);
	}
	*len = fread(buf, 1, st.st_size, f);
	fclose(f);
	return buf;
}

/* Some noise, then text: compressible enough that the buffers have to grow. */
static void make_image(void)
{
	uint32_t x = 12345;
	size_t i;

	memcpy(image,
	       "\x7f"
	       "ELF",
	       4);
	for (i = 4; i < 20000; i++) {
		x = x * 1103515245 + 12345;
		image[i] = x >> 16;
	}
	for (; i < IMAGE_SIZE; i++)
		image[i] =
			"module text, not too repetitive: 0123456789\n"[(i * 7 + i / 91) %
									44];
	write_file("m.ko", image, IMAGE_SIZE);
}

static void test_plain(void)
{
	static const uint8_t room[64] = { 1, 2, 3 };
	struct kmod_file *f = NULL;
	uint8_t *mem, *disk;
	size_t len;
	int err;

	err = kmod_file_open(&lg, tpath("m.ko"), &f);
	is_int(err, 0, "plain: open");
	if (err < 0)
		return;
	is_int(kmod_file_get_compression(f), KMOD_FILE_COMPRESSION_NONE,
	       "plain: no compression");
	is_str(kmod_file_get_path(f), tpath("m.ko"), "plain: path kept");
	ok(kmod_file_get_fd(f) >= 0, "plain: fd");
	ok(kmod_file_get_contents(f) == NULL, "plain: nothing loaded yet");

	is_int(kmod_file_load_contents(f, 0), 0, "plain: load, no room");
	is_int(kmod_file_get_size(f), IMAGE_SIZE, "plain: size");
	mem = kmod_file_get_contents(f);
	ok(mem != NULL && memcmp(mem, image, IMAGE_SIZE) == 0, "plain: bytes");
	is_int(kmod_file_append(f, room, 1), -ENOSPC, "plain: no room to append");

	/* Private mapping: editing the image leaves the file alone. */
	mem[0] = 'X';
	disk = read_file("m.ko", &len);
	ok(len == IMAGE_SIZE && disk[0] == 0x7f, "plain: writable, private mapping");
	free(disk);
	mem[0] = 0x7f;

	is_int(kmod_file_load_contents(f, sizeof(room)), 0, "plain: room after mapping");
	mem = kmod_file_get_contents(f);
	ok(memcmp(mem, image, IMAGE_SIZE) == 0,
	   "plain: bytes after copy out of the mapping");
	is_int(kmod_file_append(f, room, 10), 0, "plain: append 10");
	is_int(kmod_file_append(f, room + 10, 54), 0, "plain: append 54");
	is_int(kmod_file_append(f, room, 1), -ENOSPC, "plain: room used up");
	is_int(kmod_file_get_size(f), IMAGE_SIZE + 64, "plain: size grew");
	mem = kmod_file_get_contents(f);
	ok(memcmp(mem, image, IMAGE_SIZE) == 0 && memcmp(mem + IMAGE_SIZE, room, 64) == 0,
	   "plain: image || appended");
	is_int(kmod_file_load_contents(f, 0), 0, "plain: reload without room is a no-op");
	ok(kmod_file_get_contents(f) == mem && kmod_file_get_size(f) == IMAGE_SIZE + 64,
	   "plain: no-op kept contents");
	kmod_file_free(f);

	/* Room asked for on the first load: read, not mapped. */
	err = kmod_file_open(&lg, tpath("m.ko"), &f);
	is_int(kmod_file_load_contents(f, 40), 0, "plain: load with room");
	is_int(kmod_file_append(f, room, 40), 0, "plain: append 40");
	mem = kmod_file_get_contents(f);
	ok(kmod_file_get_size(f) == IMAGE_SIZE + 40 &&
		   memcmp(mem, image, IMAGE_SIZE) == 0 &&
		   memcmp(mem + IMAGE_SIZE, room, 40) == 0,
	   "plain: read image || appended");
	is_int(kmod_file_load_contents(f, 100), 0, "plain: more room later");
	is_int(kmod_file_append(f, room, 64), 0, "plain: append after realloc");
	ok(memcmp(kmod_file_get_contents(f), image, IMAGE_SIZE) == 0 &&
		   kmod_file_get_size(f) == IMAGE_SIZE + 104,
	   "plain: image kept across realloc");
	kmod_file_free(f);
	kmod_file_free(NULL);
}

/*
 * A sparse load (depmod's): the first bytes, read at open, are in place
 * without a fill; a file of up to 64 KiB is read whole at once.
 */
static void test_sparse(void)
{
	struct kmod_file *f = NULL;
	const uint8_t *mem;
	size_t small = 40000;

	if (!is_int(kmod_file_open(&lg, tpath("m.ko"), &f), 0, "sparse: open"))
		return;
	is_int(kmod_file_get_file_size(f), IMAGE_SIZE, "sparse: file size from open");
	is_int(kmod_file_load_sparse(f), 0, "sparse: load");
	mem = kmod_file_get_contents(f);
	ok(mem != NULL && kmod_file_get_size(f) == IMAGE_SIZE,
	   "sparse: room for the image");
	ok(mem != NULL && memcmp(mem, image, 64) == 0,
	   "sparse: the first 64 bytes are there without a fill");
	is_int(kmod_file_fill(f, 0, 64), 0, "sparse: filling them is a no-op");
	is_int(kmod_file_fill(f, 100000, 5000), 0, "sparse: fill a part");
	ok(memcmp(mem + 100000, image + 100000, 5000) == 0, "sparse: the part's bytes");
	is_int(kmod_file_fill(f, IMAGE_SIZE - 10, 11), -EINVAL,
	       "sparse: fill past the end");
	is_int(kmod_file_load_contents(f, 0), 0, "sparse: complete the image");
	ok(memcmp(kmod_file_get_contents(f), image, IMAGE_SIZE) == 0,
	   "sparse: completed image's bytes");
	kmod_file_free(f);

	write_file("small.ko", image, small);
	if (!is_int(kmod_file_open(&lg, tpath("small.ko"), &f), 0, "sparse: open 40 kB"))
		return;
	is_int(kmod_file_load_sparse(f), 0, "sparse: load 40 kB");
	mem = kmod_file_get_contents(f);
	ok(mem != NULL && kmod_file_get_size(f) == small &&
		   memcmp(mem, image, small) == 0,
	   "sparse: a 40 kB file is all there without a fill");
	kmod_file_free(f);
}

static void test_open_errors(void)
{
	struct kmod_file *f = NULL;
	int err;

	write_file("short.ko",
		   "\x7f"
		   "ELF\x02",
		   5);
	log_reset();
	is_int(kmod_file_open(&lg, tpath("short.ko"), &f), -EINVAL,
	       "5-byte file: -EINVAL");
	ok(log_has(tpath("short.ko")) && log_has("file too short"),
	   "5-byte file: message '%s'", rec.last);

	write_file("six.ko", "abcdef", 6);
	err = kmod_file_open(&lg, tpath("six.ko"), &f);
	is_int(err, 0, "6-byte file opens");
	if (err == 0) {
		is_int(kmod_file_get_compression(f), KMOD_FILE_COMPRESSION_NONE,
		       "6 bytes: plain");
		kmod_file_free(f);
	}

	/* Only the bytes count, not the name. */
	write_file("plain.ko.xz", image, 100);
	err = kmod_file_open(&lg, tpath("plain.ko.xz"), &f);
	ok(err == 0 && kmod_file_get_compression(f) == KMOD_FILE_COMPRESSION_NONE,
	   "plain bytes named .xz: plain");
	if (err == 0)
		kmod_file_free(f);

	mkdir(tpath("dir.ko"), 0755);
	log_reset();
	is_int(kmod_file_open(&lg, tpath("dir.ko"), &f), -EINVAL, "directory: -EINVAL");
	ok(log_has(tpath("dir.ko")) && log_has("not a regular file"),
	   "directory: message");

	mkfifo(tpath("fifo.ko"), 0644);
	alarm(10);
	is_int(kmod_file_open(&lg, tpath("fifo.ko"), &f), -EINVAL,
	       "FIFO: -EINVAL, no hang");
	alarm(0);

	log_reset();
	is_int(kmod_file_open(&lg, tpath("missing.ko"), &f), -ENOENT, "missing: -ENOENT");
	ok(log_has(tpath("missing.ko")), "missing: message names the file");

	is_str(kmod_file_compression_name(KMOD_FILE_COMPRESSION_ZSTD), "zstd",
	       "name zstd");
	is_str(kmod_file_compression_name(KMOD_FILE_COMPRESSION_XZ), "xz", "name xz");
	is_str(kmod_file_compression_name(KMOD_FILE_COMPRESSION_ZLIB), "gzip",
	       "name gzip");
	ok(kmod_file_compression_name(KMOD_FILE_COMPRESSION_NONE) == NULL, "name none");
	ok(kmod_file_compression_supported(KMOD_FILE_COMPRESSION_NONE), "none supported");
}

struct codec {
	const char *tool;
	const char *ext;
	const char *cmd; /* run in the directory; compresses m.ko into m.ko<ext>, keeps
			    m.ko */
	enum kmod_file_compression compression;
	bool enabled;
};

static const struct codec codecs[] = {
	{ "xz", ".xz", "xz --check=crc32 -k -f m.ko", KMOD_FILE_COMPRESSION_XZ,
#ifdef ENABLE_XZ
	  true
#endif
	},
	{ "gzip", ".gz", "gzip -n -k -f m.ko", KMOD_FILE_COMPRESSION_ZLIB,
#ifdef ENABLE_ZLIB
	  true
#endif
	},
	{ "zstd", ".zst", "zstd -q -k -f m.ko", KMOD_FILE_COMPRESSION_ZSTD,
#ifdef ENABLE_ZSTD
	  true
#endif
	},
};

/* Open @name, check its compression, load with @room and compare with @want. */
static void check_load(const struct codec *c, const char *name, const uint8_t *want,
		       size_t want_len, size_t room)
{
	struct kmod_file *f = NULL;
	int err;

	err = kmod_file_open(&lg, tpath(name), &f);
	is_int(err, 0, "%s: open", name);
	if (err < 0)
		return;
	is_int(kmod_file_get_compression(f), c->compression, "%s: detected as %s", name,
	       c->tool);
	log_reset();
	err = kmod_file_load_contents(f, room);
	is_int(err, 0, "%s: load (room %zu) %s", name, room, rec.last);
	if (err == 0) {
		is_int(kmod_file_get_size(f), want_len, "%s: size", name);
		ok(memcmp(kmod_file_get_contents(f), want, want_len) == 0, "%s: bytes",
		   name);
	}
	kmod_file_free(f);
}

static void test_codec(const struct codec *c)
{
	static const uint8_t tail[] = "appended trailer bytes";
	char name[64], trunc[64], other[64];
	struct kmod_file *f = NULL;
	uint8_t *data, *cc;
	size_t len;
	int err;

	if (!have_tool(c->tool) || run("cd %s && %s", dir, c->cmd) != 0) {
		skip(c->tool);
		return;
	}
	snprintf(name, sizeof(name), "m.ko%s", c->ext);

	if (!c->enabled) {
		err = kmod_file_open(&lg, tpath(name), &f);
		ok(err == 0 && kmod_file_get_compression(f) == c->compression,
		   "%s: detected", name);
		log_reset();
		if (err == 0)
			is_int(kmod_file_load_contents(f, 0), -ENOSYS, "%s: -ENOSYS",
			       name);
		ok(log_has("compression not supported by this build"), "%s: message",
		   name);
		kmod_file_free(f);
		skip("decompression not compiled in");
		return;
	}
	ok(kmod_file_compression_supported(c->compression), "%s supported", c->tool);

	check_load(c, name, image, IMAGE_SIZE, 0);
	check_load(c, name, image, IMAGE_SIZE, 4096);

	/* A second load with more room, then the trailer goes right behind the image. */
	err = kmod_file_open(&lg, tpath(name), &f);
	if (err == 0) {
		is_int(kmod_file_load_contents(f, 0), 0, "%s: load without room", name);
		is_int(kmod_file_append(f, tail, sizeof(tail)), -ENOSPC, "%s: no room",
		       name);
		is_int(kmod_file_load_contents(f, sizeof(tail)), 0, "%s: load with room",
		       name);
		is_int(kmod_file_append(f, tail, sizeof(tail)), 0, "%s: append", name);
		data = kmod_file_get_contents(f);
		ok(kmod_file_get_size(f) == IMAGE_SIZE + sizeof(tail) &&
			   memcmp(data, image, IMAGE_SIZE) == 0 &&
			   memcmp(data + IMAGE_SIZE, tail, sizeof(tail)) == 0,
		   "%s: image || trailer", name);
		kmod_file_free(f);
	}

	/* The name does not matter. */
	snprintf(other, sizeof(other), "renamed-%s.bin", c->tool);
	run("cp %s %s", tpath(name), tpath(other));
	check_load(c, other, image, IMAGE_SIZE, 0);

	/* Concatenated streams/members/frames decode to the concatenation. */
	snprintf(other, sizeof(other), "cat.ko%s", c->ext);
	run("cat %s %s > %s", tpath(name), tpath(name), tpath(other));
	cc = malloc(2 * IMAGE_SIZE);
	memcpy(cc, image, IMAGE_SIZE);
	memcpy(cc + IMAGE_SIZE, image, IMAGE_SIZE);
	check_load(c, other, cc, 2 * IMAGE_SIZE, 0);
	free(cc);

	data = read_file(name, &len);
	snprintf(trunc, sizeof(trunc), "trunc.ko%s", c->ext);
	write_file(trunc, data, len / 2);
	free(data);
	err = kmod_file_open(&lg, tpath(trunc), &f);
	is_int(err, 0, "%s: truncated opens", c->tool);
	if (err == 0) {
		log_reset();
		is_int(kmod_file_load_contents(f, 0), -EBADMSG, "%s: truncated: -EBADMSG",
		       c->tool);
		ok(log_has(tpath(trunc)) && log_has(c->tool),
		   "%s: truncated: message '%s'", c->tool, rec.last);
		kmod_file_free(f);
	}
}

static void test_zstd_special(void)
{
	/* Frame header claiming 1.2 GiB of content, then an empty raw last block. */
	static const uint8_t bomb[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x80, 0x58, 0x00,
					0x00, 0x00, 0x48, 0x01, 0x00, 0x00 };
	struct kmod_file *f = NULL;

	if (!kmod_file_compression_supported(KMOD_FILE_COMPRESSION_ZSTD) ||
	    !have_tool("zstd")) {
		skip("zstd");
		return;
	}

	/* From a pipe zstd does not know the size: no content size in the header. */
	run("zstd -q -c < %s > %s", tpath("m.ko"), tpath("pipe.ko.zst"));
	check_load(&codecs[2], "pipe.ko.zst", image, IMAGE_SIZE, 16);

	write_file("bomb.ko.zst", bomb, sizeof(bomb));
	if (kmod_file_open(&lg, tpath("bomb.ko.zst"), &f) == 0) {
		log_reset();
		is_int(kmod_file_load_contents(f, 0), -EFBIG,
		       "zstd: 1.2 GiB header: -EFBIG");
		ok(log_has("exceeds"), "zstd: bomb message '%s'", rec.last);
		kmod_file_free(f);
	}
}

/* Expect kmod_detached_sig_open() on "m.ko" to fail with @want and say @msg. */
static void sig_fails(int want, const char *msg, const char *what)
{
	struct kmod_detached_sig *sig = NULL;
	int err;

	log_reset();
	alarm(10);
	err = kmod_detached_sig_open(&lg, tpath("m.ko"), &sig);
	alarm(0);
	is_int(err, want, "sig %s: error", what);
	ok(sig == NULL, "sig %s: nothing returned", what);
	ok(log_has(tpath("m.ko.sig")) && log_has(msg), "sig %s: message '%s'", what,
	   rec.last);
	if (err == 0)
		kmod_detached_sig_free(sig);
}

static void test_sig_unusable(void)
{
	struct kmod_detached_sig *sig = NULL;
	uint8_t *big;

	log_reset();
	is_int(kmod_detached_sig_open(&lg, tpath("m.ko"), &sig), -ENOENT,
	       "no sig: -ENOENT");
	is_int(rec.count, 0, "no sig: nothing logged");

	mkfifo(tpath("m.ko.sig"), 0644);
	sig_fails(-EINVAL, "not a regular file", "FIFO");
	unlink(tpath("m.ko.sig"));

	mkdir(tpath("m.ko.sig"), 0755);
	sig_fails(-EINVAL, "not a regular file", "directory");
	rmdir(tpath("m.ko.sig"));

	if (symlink("/dev/null", tpath("m.ko.sig")) == 0) {
		sig_fails(-EINVAL, "not a regular file", "symlink to /dev/null");
		unlink(tpath("m.ko.sig"));
	} else {
		skip("symlink");
	}

	write_file("m.ko.sig", "", 0);
	sig_fails(-EBADMSG, "empty", "empty");

	big = calloc(1, DETACHED_SIG_MAX_SIZE + 1);
	write_file("m.ko.sig", big, DETACHED_SIG_MAX_SIZE + 1);
	sig_fails(-EFBIG, "larger than 65536 bytes", "64 KiB + 1");
	write_file("m.ko.sig", big, DETACHED_SIG_MAX_SIZE);
	sig_fails(-EBADMSG, "malformed signature: not a PKCS#7 DER blob",
		  "64 KiB of zeros");

	/* A byte of data, an info block of type 4, the marker. */
	memcpy(big, "x\0\0\x04\0\0\0\0\0\0\0\0\x01" MODULE_SIG_STRING, 41);
	write_file("m.ko.sig", big, 41);
	sig_fails(-EBADMSG, "malformed signature: unsupported signature type 4",
		  "type 4");
	free(big);
	unlink(tpath("m.ko.sig"));
}

static void check_sig(const char *module, enum kmod_sig_format format,
		      const uint8_t *want, size_t want_len, const char *what)
{
	struct kmod_detached_sig *sig = NULL;
	char path[4200];
	int err;

	log_reset();
	err = kmod_detached_sig_open(&lg, tpath(module), &sig);
	is_int(err, 0, "%s: accepted %s", what, rec.last);
	if (err < 0)
		return;
	snprintf(path, sizeof(path), "%s.sig", tpath(module));
	is_str(sig->path, path, "%s: path", what);
	is_int(sig->format, format, "%s: format", what);
	ok(sig->trailer_len == want_len && memcmp(sig->trailer, want, want_len) == 0,
	   "%s: trailer bytes", what);
	kmod_detached_sig_free(sig);
}

/* Module image with the signature appended, as init_module() will get it. */
static void check_signed_load(const char *module, const uint8_t *trailer, size_t len)
{
	struct kmod_detached_sig *sig = NULL;
	struct kmod_file *f = NULL;
	const uint8_t *mem;

	if (kmod_detached_sig_open(&lg, tpath(module), &sig) < 0 ||
	    kmod_file_open(&lg, tpath(module), &f) < 0) {
		ok(false, "%s: open module and sig", module);
		goto out;
	}
	is_int(kmod_file_load_contents(f, sig->trailer_len), 0, "%s: load", module);
	is_int(kmod_file_append(f, sig->trailer, sig->trailer_len), 0, "%s: append sig",
	       module);
	mem = kmod_file_get_contents(f);
	ok(kmod_file_get_size(f) == IMAGE_SIZE + len &&
		   memcmp(mem, image, IMAGE_SIZE) == 0 &&
		   memcmp(mem + IMAGE_SIZE, trailer, len) == 0,
	   "%s: image || trailer", module);
	ok(kmod_sig_is_appended(mem, kmod_file_get_size(f)), "%s: ends in marker",
	   module);
out:
	kmod_file_free(f);
	kmod_detached_sig_free(sig);
}

static void test_sig_pkcs7(void)
{
	static const char *const compressed[] = { "m.ko.xz", "m.ko.gz", "m.ko.zst" };
	uint8_t *p7s, *full;
	char sig_name[64];
	size_t len;

	if (!have_tool("openssl") ||
	    run("cd %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem "
		"-out cert.pem -subj /CN=test -days 2 >/dev/null 2>&1 && "
		"openssl cms -sign -in m.ko -signer cert.pem -inkey key.pem -noattr "
		"-nocerts "
		"-binary -outform DER -md sha256 -out m.ko.p7s",
		dir) != 0) {
		skip("openssl");
		return;
	}
	is_int(run("cd %s && openssl cms -verify -binary -inform DER -in m.ko.p7s "
		   "-content m.ko "
		   "-certfile cert.pem -nointern -noverify -out /dev/null 2>/dev/null",
		   dir),
	       0, "fixture: openssl verifies the signature over m.ko");

	p7s = read_file("m.ko.p7s", &len);
	full = malloc(len + 40);
	memcpy(full, p7s, len);
	memcpy(full + len, "\0\0\x02\0\0\0\0\0", 8);
	full[len + 8] = (uint8_t)(len >> 24);
	full[len + 9] = (uint8_t)(len >> 16);
	full[len + 10] = (uint8_t)(len >> 8);
	full[len + 11] = (uint8_t)len;
	memcpy(full + len + 12, MODULE_SIG_STRING, 28);

	write_file("m.ko.sig", p7s, len);
	check_sig("m.ko", KMOD_SIG_FORMAT_PKCS7, full, len + 40, "bare PKCS#7");
	check_signed_load("m.ko", full, len + 40);

	write_file("m.ko.sig", full, len + 40);
	check_sig("m.ko", KMOD_SIG_FORMAT_TRAILER, full, len + 40, "full trailer");

	/* x.ko.xz.sig goes with x.ko.xz; the signature covers the decompressed image. */
	for (size_t i = 0; i < ARRAY_SIZE(compressed); i++) {
		struct kmod_file *f = NULL;
		bool usable =
			kmod_file_open(&lg, tpath(compressed[i]), &f) == 0 &&
			kmod_file_compression_supported(kmod_file_get_compression(f));

		kmod_file_free(f);
		if (!usable) {
			skip(compressed[i]);
			continue;
		}
		snprintf(sig_name, sizeof(sig_name), "%s.sig", compressed[i]);
		write_file(sig_name, i % 2 ? full : p7s, i % 2 ? len + 40 : len);
		check_signed_load(compressed[i], full, len + 40);
	}

	/* One flipped length byte inside the DER makes it malformed. */
	p7s[3] ^= 0x01;
	write_file("m.ko.sig", p7s, len);
	sig_fails(-EBADMSG, "malformed signature: DER length", "PKCS#7 with bad length");
	unlink(tpath("m.ko.sig"));
	free(p7s);
	free(full);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/kmod-test-file-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp failed\n");
		return 1;
	}
	signal(SIGALRM, SIG_DFL);

	make_image();
	test_plain();
	test_sparse();
	test_open_errors();
	for (size_t i = 0; i < ARRAY_SIZE(codecs); i++)
		test_codec(&codecs[i]);
	test_zstd_special();
	test_sig_unusable();
	test_sig_pkcs7();

	if (getenv("KEEP_TEST_DIR") == NULL)
		run("rm -rf '%s'", dir);
	return tap_done();
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the signature commands share: modules read uncompressed and split at
 * their trailer, whole-file reads, and writes that replace a file only once
 * it is complete, compressed like kbuild compresses modules.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/fileio.h"
#include "tools/kmod-sig.h"
#include "tools/tool-log.h"

static void tool_log(void *data, int priority, const char *file, int line, const char *fn,
		     const char *format, va_list args)
{
	char *str;

	if (vasprintf(&str, format, args) < 0)
		return;
	log_printf(priority, "%s", str);
	free(str);
}

const struct logger sig_tool_logger = {
	.fn = tool_log,
	.priority = LOG_ERR,
};

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Where the kernel would cut the image: before sig_len bytes of signature,
 * the info block and the marker.  -EBADMSG when the marker is there but the
 * length does not fit (the kernel says EBADMSG too).
 */
static int trailer_split(const uint8_t *mem, size_t size, size_t *image_len)
{
	size_t body;
	uint32_t sig_len;

	if (!kmod_sig_is_appended(mem, size))
		return -ENODATA;
	if (size <= MODULE_SIG_OVERHEAD)
		return -EBADMSG;
	body = size - MODULE_SIG_OVERHEAD;
	sig_len = be32_at(mem + body + 8);
	if (sig_len == 0 || sig_len > body)
		return -EBADMSG;
	*image_len = body - sig_len;
	return 0;
}

/*
 * The layout of the .xz file open at @fd, from its first block header (after
 * the 12-byte stream header): flag 0x40 says its compressed size is there,
 * which only xz's multi-threaded encoder writes.  No block (an empty
 * stream) or a short file: the default.
 */
static enum sig_xz_layout xz_layout_of(int fd)
{
	uint8_t head[14];

	if (pread(fd, head, sizeof(head), 0) != (ssize_t)sizeof(head) || head[12] == 0)
		return SIG_XZ_ONE_BLOCK;
	return (head[13] & 0x40) ? SIG_XZ_SIZED_BLOCKS : SIG_XZ_ONE_BLOCK;
}

int sig_module_load(const char *path, struct sig_module *m)
{
	struct kmod_file *file = NULL;
	struct stat st;
	int err;

	*m = (struct sig_module){ 0 };
	/* failures are logged by the library, naming the file */
	err = kmod_file_open(&sig_tool_logger, path, &file);
	if (err < 0)
		return err;
	err = kmod_file_load_contents(file, 0);
	if (err < 0)
		goto out;
	if (fstat(kmod_file_get_fd(file), &st) < 0) {
		err = -errno;
		goto out;
	}
	m->size = kmod_file_get_size(file);
	m->mem = malloc(m->size ? m->size : 1);
	m->path = strdup(path);
	if (m->mem == NULL || m->path == NULL) {
		err = -ENOMEM;
		goto out;
	}
	memcpy(m->mem, kmod_file_get_contents(file), m->size);
	m->compression = kmod_file_get_compression(file);
	if (m->compression == KMOD_FILE_COMPRESSION_XZ)
		m->xz_layout = xz_layout_of(kmod_file_get_fd(file));
	m->mode = st.st_mode & 07777;
	m->image_len = m->size;
	err = trailer_split(m->mem, m->size, &m->image_len);
	if (err == -EBADMSG) {
		ERR("%s: malformed signature trailer (signature length does not fit)\n",
		    path);
		goto out;
	}
	m->appended = err == 0;
	err = 0;
out:
	kmod_file_free(file);
	if (err < 0)
		sig_module_release(m);
	return err;
}

void sig_module_release(struct sig_module *m)
{
	free(m->mem);
	free(m->path);
	*m = (struct sig_module){ 0 };
}

int sig_read_file(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ uint8_t *b = NULL;
	struct stat st;
	size_t done = 0;

	fd = open_regular(path, &st);
	if (fd < 0)
		return fd;
	if ((unsigned long long)st.st_size > max)
		return -EFBIG;
	b = malloc(st.st_size ? st.st_size : 1);
	if (b == NULL)
		return -ENOMEM;
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, b + done, st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += n;
	}
	*buf = TAKE_PTR(b);
	*len = done;
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * kbuild's commands (scripts/Makefile.modinst), reading stdin.  The xz layout
 * is named, not left to the default of the xz at hand, which changed in 5.6.
 */
static const char *const *compressor_argv(enum kmod_file_compression c,
					  enum sig_xz_layout xz_layout)
{
	static const char *const xz[] = {
		"xz", "--check=crc32", "--lzma2=dict=1MiB", "-T1", "-c", NULL
	};
	static const char *const xz_sized[] = {
		"xz", "--check=crc32", "--lzma2=dict=1MiB", "-T+1", "-c", NULL
	};
	static const char *const gz[] = { "gzip", "-n", "-c", NULL };
	static const char *const zst[] = { "zstd", "-T0", "-q", "-c", NULL };

	switch (c) {
	case KMOD_FILE_COMPRESSION_XZ:
		return xz_layout == SIG_XZ_SIZED_BLOCKS ? xz_sized : xz;
	case KMOD_FILE_COMPRESSION_ZLIB:
		return gz;
	case KMOD_FILE_COMPRESSION_ZSTD:
		return zst;
	default:
		return NULL;
	}
}

/* Feed @a||@b to the compressor, whose output goes to @out_fd. */
static int compress_to(int out_fd, enum kmod_file_compression c,
		       enum sig_xz_layout xz_layout, const void *a, size_t alen,
		       const void *b, size_t blen)
{
	const char *const *argv = compressor_argv(c, xz_layout);
	posix_spawn_file_actions_t fa;
	int pipefd[2], status, err;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	err = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[0]);
	if (err != 0) {
		close(pipefd[1]);
		ERR("cannot run %s: %s\n", argv[0], strerror(err));
		return -err;
	}
	err = write_all(pipefd[1], a, alen);
	if (err == 0)
		err = write_all(pipefd[1], b, blen);
	close(pipefd[1]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (err < 0)
		return err;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		ERR("%s failed\n", argv[0]);
		return -EIO;
	}
	return 0;
}

int sig_write_file(const char *path, const void *a, size_t alen, const void *b,
		   size_t blen, enum kmod_file_compression compression,
		   enum sig_xz_layout xz_layout, mode_t mode)
{
	_cleanup_close_ int dirfd = -1;
	_cleanup_free_ char *prefix = NULL;
	struct tmpfile tmp = { .fd = -1 };
	const char *base;
	int err;

	/* a new file, created exclusively, that replaces @path once complete */
	dirfd = open_parent_dir(path, &base);
	err = dirfd < 0 ? dirfd : 0;
	if (err == 0 && asprintf(&prefix, ".%s.", base) < 0)
		err = -ENOMEM;
	if (err == 0)
		err = tmpfile_open_at(&tmp, dirfd, prefix, ".tmp", 0600);
	if (err < 0) {
		ERR("cannot create a file next to %s: %s\n", path, strerror(-err));
		return err;
	}
	if (compression == KMOD_FILE_COMPRESSION_NONE) {
		err = write_all(tmp.fd, a, alen);
		if (err == 0)
			err = write_all(tmp.fd, b, blen);
	} else {
		err = compress_to(tmp.fd, compression, xz_layout, a, alen, b, blen);
	}
	if (err == 0 && fchmod(tmp.fd, mode) < 0)
		err = -errno;
	if (err == 0 && fsync(tmp.fd) < 0)
		err = -errno;
	if (err == 0)
		err = tmpfile_rename(&tmp, base);
	if (err < 0) {
		ERR("cannot write %s: %s\n", path, strerror(-err));
		tmpfile_discard(&tmp);
	}
	return err;
}

int sig_parse_compression(const char *s)
{
	if (streq(s, "none"))
		return KMOD_FILE_COMPRESSION_NONE;
	if (streq(s, "xz"))
		return KMOD_FILE_COMPRESSION_XZ;
	if (streq(s, "gzip") || streq(s, "gz"))
		return KMOD_FILE_COMPRESSION_ZLIB;
	if (streq(s, "zstd") || streq(s, "zst"))
		return KMOD_FILE_COMPRESSION_ZSTD;
	return -EINVAL;
}

char *sig_path_of(const char *path)
{
	char *p = kmod_detached_sig_path(path);

	if (p == NULL)
		CRIT("out of memory\n");
	return p;
}

char *sig_hex_line(const uint8_t *buf, size_t len)
{
	static const char digits[] = "0123456789ABCDEF";
	char *hex = malloc(len * 3 + 1);
	char *q = hex;

	if (hex == NULL) {
		CRIT("out of memory\n");
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		if (i > 0)
			*q++ = ':';
		*q++ = digits[buf[i] >> 4];
		*q++ = digits[buf[i] & 0xf];
	}
	*q = '\0';
	return hex;
}

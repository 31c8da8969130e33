// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A module file: compression detection and loading of the image into
 * private memory, with room behind it for a signature trailer.
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fileio.h"
#include "util/macro.h"
#include "libkmod/libkmod-file.h"
#include "libkmod/libkmod-file-decompress.h"

#define MAGIC_LEN 6
/* the first read: the magic, and an ELF header (64 bytes for ELF64) with it */
#define HEAD_LEN 64
/*
 * A sparse load reads a file up to this size whole, in one read: cheaper than
 * the seven or so reads of the parts a caller asks for (most of the modules
 * of a distribution kernel are below it: 2847 of the 4023 of Debian's 6.1).
 */
#define SPARSE_WHOLE_MAX ((size_t)64 << 10)

struct kmod_file {
	const struct logger *lg; /* owned by the caller, outlives the file */
	char *path;
	int fd;
	enum kmod_file_compression compression;

	uint8_t *mem;		/* NULL until loaded */
	size_t size;		/* image plus whatever was appended */
	size_t capacity;	/* bytes usable at mem */
	bool mmapped;		/* mem is a private mapping of the whole file */
	bool sparse;		/* mem holds only what kmod_file_fill() read */
	off_t st_size;		/* from the last fstat: at open, or before mapping */
	uint8_t head[HEAD_LEN]; /* the file's first head_len bytes, read at open */
	size_t head_len;
};

static const struct {
	uint8_t magic[MAGIC_LEN];
	size_t len;
	enum kmod_file_compression compression;
} magics[] = {
	{ { 0x28, 0xb5, 0x2f, 0xfd }, 4, KMOD_FILE_COMPRESSION_ZSTD },
	{ { 0xfd, '7', 'z', 'X', 'Z', 0x00 }, 6, KMOD_FILE_COMPRESSION_XZ },
	{ { 0x1f, 0x8b }, 2, KMOD_FILE_COMPRESSION_ZLIB },
};

static int file_open(const struct logger *lg, const char *path, bool listed,
		     struct kmod_file **ret)
{
	_cleanup_close_ int fd = -1;
	struct kmod_file *file;
	uint8_t head[HEAD_LEN];
	struct stat st;
	ssize_t n;

	/* A FIFO or a device node in place of a module is refused, never opened. */
	fd = listed ? open_listed_regular_at(AT_FDCWD, path, &st)
		    : open_regular(path, &st);
	if (fd < 0) {
		lg_err(lg, "%s: %s\n", path, open_regular_strerror(fd));
		return fd;
	}

	n = pread_full(fd, head, sizeof(head), 0);
	if (n < 0) {
		lg_err(lg, "%s: could not read: %s\n", path, strerror((int)-n));
		return (int)n;
	}
	if (n < MAGIC_LEN) {
		lg_err(lg, "%s: file too short\n", path);
		return -EINVAL;
	}

	file = calloc(1, sizeof(*file));
	if (file == NULL)
		return -ENOMEM;
	file->path = strdup(path);
	if (file->path == NULL) {
		free(file);
		return -ENOMEM;
	}

	file->compression = KMOD_FILE_COMPRESSION_NONE;
	for (size_t i = 0; i < ARRAY_SIZE(magics); i++) {
		if (memcmp(head, magics[i].magic, magics[i].len) == 0) {
			file->compression = magics[i].compression;
			break;
		}
	}

	memcpy(file->head, head, (size_t)n);
	file->head_len = (size_t)n;
	file->lg = lg;
	file->st_size = st.st_size;
	file->fd = TAKE_FD(fd);
	*ret = file;
	return 0;
}

int kmod_file_open(const struct logger *lg, const char *path, struct kmod_file **ret)
{
	return file_open(lg, path, false, ret);
}

int kmod_file_open_listed(const struct logger *lg, const char *path,
			  struct kmod_file **ret)
{
	return file_open(lg, path, true, ret);
}

static void release_contents(struct kmod_file *file)
{
	if (file->mmapped)
		munmap(file->mem, file->capacity);
	else
		free(file->mem);
	file->mem = NULL;
	file->size = 0;
	file->capacity = 0;
	file->mmapped = false;
}

void kmod_file_free(struct kmod_file *file)
{
	if (file == NULL)
		return;

	release_contents(file);
	if (file->fd >= 0)
		close(file->fd);
	free(file->path);
	free(file);
}

const char *kmod_file_get_path(const struct kmod_file *file)
{
	return file->path;
}

int kmod_file_get_fd(const struct kmod_file *file)
{
	return file->fd;
}

off_t kmod_file_get_file_size(const struct kmod_file *file)
{
	return file->st_size;
}

enum kmod_file_compression kmod_file_get_compression(const struct kmod_file *file)
{
	return file->compression;
}

const char *kmod_file_compression_name(enum kmod_file_compression compression)
{
	switch (compression) {
	case KMOD_FILE_COMPRESSION_ZSTD:
		return "zstd";
	case KMOD_FILE_COMPRESSION_XZ:
		return "xz";
	case KMOD_FILE_COMPRESSION_ZLIB:
		return "gzip";
	case KMOD_FILE_COMPRESSION_NONE:
		break;
	}
	return NULL;
}

typedef int (*decompress_fn)(struct kmod_file_decompress *d);

static decompress_fn decompressor(enum kmod_file_compression compression)
{
	switch (compression) {
#ifdef ENABLE_ZSTD
	case KMOD_FILE_COMPRESSION_ZSTD:
		return kmod_file_decompress_zstd;
#endif
#ifdef ENABLE_XZ
	case KMOD_FILE_COMPRESSION_XZ:
		return kmod_file_decompress_xz;
#endif
#ifdef ENABLE_ZLIB
	case KMOD_FILE_COMPRESSION_ZLIB:
		return kmod_file_decompress_zlib;
#endif
	default:
		return NULL;
	}
}

bool kmod_file_compression_supported(enum kmod_file_compression compression)
{
	return compression == KMOD_FILE_COMPRESSION_NONE ||
	       decompressor(compression) != NULL;
}

/*
 * The size the last fstat saw (kmod_file_open()'s for a read), as size_t.  A
 * file that shrinks afterwards is caught by the short read; one that grows is
 * read as it was.  Every load asks here first, so a file past the image cap,
 * plain or compressed, is refused before a byte of it is read or mapped.
 */
static int file_size(struct kmod_file *file, size_t *size)
{
	if (file->st_size <= 0) {
		lg_err(file->lg, "%s: bad file size %lld\n", file->path,
		       (long long)file->st_size);
		return -EINVAL;
	}
	if ((uint64_t)file->st_size > KMOD_FILE_MAX_IMAGE) {
		lg_err(file->lg, "%s: file size exceeds %zu MiB\n", file->path,
		       KMOD_FILE_MAX_IMAGE >> 20);
		return -EFBIG;
	}
	*size = (size_t)file->st_size;
	return 0;
}

/*
 * Copy-on-write mapping: writable so that force-loading can patch the
 * image without touching the file.
 */
static int load_mmap(struct kmod_file *file)
{
	struct stat st;
	size_t size;
	void *p;
	int err;

	/* Pages mapped past the file's current end would fault: take its size now. */
	if (fstat(file->fd, &st) < 0) {
		err = -errno;
		lg_err(file->lg, "%s: could not stat: %s\n", file->path, strerror(-err));
		return err;
	}
	file->st_size = st.st_size;
	err = file_size(file, &size);
	if (err < 0)
		return err;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, file->fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		lg_err(file->lg, "%s: could not map: %s\n", file->path, strerror(-err));
		return err;
	}

	file->mem = p;
	file->size = size;
	file->capacity = size;
	file->mmapped = true;
	return 0;
}

static int load_read(struct kmod_file *file, size_t tail_room)
{
	size_t size, total;
	uint8_t *p;
	ssize_t n;
	int err;

	err = file_size(file, &size);
	if (err < 0)
		return err;
	if (uadd_overflow(size, tail_room, &total))
		return -ENOMEM;

	p = malloc(total);
	if (p == NULL)
		return -ENOMEM;

	n = pread_full(file->fd, p, size, 0);
	if (n < 0 || (size_t)n != size) {
		err = n < 0 ? (int)n : -EIO;
		lg_err(file->lg, "%s: could not read: %s\n", file->path,
		       n < 0 ? strerror(-err) : "file shrank while reading");
		free(p);
		return err;
	}

	file->mem = p;
	file->size = size;
	file->capacity = total;
	return 0;
}

static int load_decompressed(struct kmod_file *file, size_t tail_room)
{
	struct kmod_file_decompress d = {
		.lg = file->lg,
		.path = file->path,
		.fd = file->fd,
		.tail_room = tail_room,
	};
	decompress_fn decode = decompressor(file->compression);
	size_t in_size, total, capacity;
	uint8_t *shrunk;
	int err;

	if (decode == NULL) {
		const char *name = kmod_file_compression_name(file->compression);

		lg_err(file->lg, "%s: %s compression not supported by this build\n",
		       file->path, name != NULL ? name : "unknown");
		return -ENOSYS;
	}

	err = file_size(file, &in_size);
	if (err < 0)
		return err;
	d.in_size = in_size;

	err = decode(&d);
	if (err < 0) {
		free(d.mem);
		return err;
	}

	/* Give back what the size guesses over-allocated. */
	capacity = d.image_cap + tail_room;
	total = d.size + tail_room;
	if (total > 0 && total < capacity) {
		shrunk = realloc(d.mem, total);
		if (shrunk != NULL) {
			d.mem = shrunk;
			capacity = total;
		}
	}

	file->mem = d.mem;
	file->size = d.size;
	file->capacity = capacity;
	return 0;
}

/* More room behind an already loaded image. */
static int grow_room(struct kmod_file *file, size_t tail_room)
{
	size_t total;
	uint8_t *p;

	if (uadd_overflow(file->size, tail_room, &total))
		return -ENOMEM;

	if (file->mmapped) {
		p = malloc(total);
		if (p == NULL)
			return -ENOMEM;
		memcpy(p, file->mem, file->size);
		munmap(file->mem, file->capacity);
		file->mmapped = false;
	} else {
		p = realloc(file->mem, total);
		if (p == NULL)
			return -ENOMEM;
	}

	file->mem = p;
	file->capacity = total;
	return 0;
}

int kmod_file_load_sparse(struct kmod_file *file)
{
	size_t size;
	int err;

	if (file->mem != NULL)
		return 0;
	if (file->compression != KMOD_FILE_COMPRESSION_NONE ||
	    file->st_size > KMOD_FILE_READ_MAX)
		return kmod_file_load_contents(file, 0);
	err = file_size(file, &size);
	if (err < 0)
		return err;
	if (size <= SPARSE_WHOLE_MAX)
		return load_read(file, 0);
	file->mem = malloc(size);
	if (file->mem == NULL)
		return -ENOMEM;
	/* open read the head (size > HEAD_LEN): kmod_file_fill() skips it */
	memcpy(file->mem, file->head, file->head_len);
	file->size = size;
	file->capacity = size;
	file->sparse = true;
	return 0;
}

int kmod_file_fill(struct kmod_file *file, uint64_t off, uint64_t len)
{
	ssize_t n;

	if (file->mem == NULL || off > file->size || len > file->size - off)
		return -EINVAL;
	if (!file->sparse || len == 0 || off + len <= file->head_len)
		return 0;
	n = pread_full(file->fd, file->mem + off, (size_t)len, (off_t)off);
	if (n < 0 || (uint64_t)n != len) {
		lg_err(file->lg, "%s: could not read: %s\n", file->path,
		       n < 0 ? strerror((int)-n) : "file shrank while reading");
		return n < 0 ? (int)n : -EIO;
	}
	return 0;
}

int kmod_file_fill_cb(void *file, uint64_t off, uint64_t len)
{
	return kmod_file_fill(file, off, len);
}

int kmod_file_load_contents(struct kmod_file *file, size_t tail_room)
{
	int err;

	if (file->sparse) {
		err = kmod_file_fill(file, 0, file->size);
		if (err < 0)
			return err;
		file->sparse = false;
	}
	if (file->mem != NULL) {
		if (file->capacity - file->size >= tail_room)
			return 0;
		return grow_room(file, tail_room);
	}

	if (file->compression != KMOD_FILE_COMPRESSION_NONE)
		return load_decompressed(file, tail_room);
	if (tail_room == 0 && file->st_size > KMOD_FILE_READ_MAX)
		return load_mmap(file);
	return load_read(file, tail_room);
}

void *kmod_file_get_contents(const struct kmod_file *file)
{
	return file->mem;
}

size_t kmod_file_get_size(const struct kmod_file *file)
{
	return file->size;
}

int kmod_file_append(struct kmod_file *file, const void *data, size_t len)
{
	if (file->mem == NULL)
		return -EINVAL;
	if (file->capacity - file->size < len)
		return -ENOSPC;

	memcpy(file->mem + file->size, data, len);
	file->size += len;
	return 0;
}

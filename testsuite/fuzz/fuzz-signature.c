// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Signature trailers and PKCS#7 (libkmod-signature.c, libkmod-sig-file.c):
 * the input is a detached signature, or the end of a signed module.  It is
 * checked as a .sig file would be (bytes, then the file itself through
 * kmod_detached_sig_open()), and parsed as modinfo parses a trailer and a
 * bare PKCS#7 blob.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "testsuite/fuzz/fuzz.h"
#include "libkmod/libkmod-file.h"
#include "libkmod/libkmod-signature.h"

/* "<tmp>/m": the module path whose .sig the target writes. */
static char module_path[PATH_MAX];
static char sig_file[PATH_MAX];

static void cleanup(void)
{
	char dir[PATH_MAX];

	unlink(sig_file);
	snprintf(dir, sizeof(dir), "%s", module_path);
	*strrchr(dir, '/') = '\0';
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/fuzz-signature.XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(module_path, sizeof(module_path), "%s/m", dir);
	snprintf(sig_file, sizeof(sig_file), "%s/m.sig", dir);
	atexit(cleanup);
	return 0;
}

static void touch_bytes(const uint8_t *p, size_t len)
{
	char *hex = kmod_sig_hex(p, len);

	if (hex != NULL)
		fuzz_touch(hex);
	free(hex);
}

static void parsed(int err, struct kmod_sig_info *info)
{
	if (err != 0)
		return;
	fuzz_touch(info->id_type);
	fuzz_touch(info->hash_algo);
	touch_bytes(info->signer, info->signer_len);
	touch_bytes(info->key_id, info->key_id_len);
	touch_bytes(info->sig, info->sig_len);
	kmod_sig_info_release(info);
}

/* A valid detached signature appended to an image: the image is then signed. */
static void append(const uint8_t *data, size_t size, enum kmod_sig_format format)
{
	static const uint8_t image[] = "\177ELF not really a module";
	size_t len = kmod_sig_trailer_size(format, size);
	struct kmod_sig_info info;
	uint8_t *mem = malloc(sizeof(image) + len);

	if (mem == NULL)
		return;
	memcpy(mem, image, sizeof(image));
	kmod_sig_write_trailer(mem + sizeof(image), data, size, format);
	if (!kmod_sig_is_appended(mem, sizeof(image) + len))
		abort();
	parsed(kmod_sig_parse_trailer(mem, sizeof(image) + len, &info), &info);
	free(mem);
}

static void detached_file(const uint8_t *data, size_t size, int expect)
{
	struct kmod_detached_sig *sig;
	int fd, err;

	fd = open(sig_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return;
	}
	close(fd);
	err = kmod_detached_sig_open(&fuzz_logger, module_path, &sig);
	/* The file must be judged as its bytes are, within the size limit. */
	if (size > 0 && size <= DETACHED_SIG_MAX_SIZE && (err == 0) != (expect == 0))
		abort();
	if (err == 0) {
		fuzz_touch(sig->path);
		if (sig->trailer_len > 0)
			(void)*(volatile uint8_t *)(sig->trailer + sig->trailer_len - 1);
		kmod_detached_sig_free(sig);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum kmod_sig_format format;
	struct kmod_sig_info info;
	const char *reason = NULL;
	char msg[128];
	int err, err2;

	err = kmod_sig_check_detached(data, size, &format, &reason);
	err2 = kmod_sig_check_detached_msg(data, size, &format, msg, sizeof(msg));
	if (err != err2)
		abort();
	if (err < 0) {
		if (reason == NULL)
			abort();
		fuzz_touch(msg);
	} else {
		append(data, size, format);
	}
	detached_file(data, size, err);

	(void)kmod_sig_is_appended(data, size);
	parsed(kmod_sig_parse_trailer(data, size, &info), &info);
	parsed(kmod_sig_parse_pkcs7(data, size, &info), &info);
	return 0;
}

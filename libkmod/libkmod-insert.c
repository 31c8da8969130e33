// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Putting a module into the kernel and taking it out.
 *
 * With a usable detached signature the image (decompressed if need be) and
 * the signature trailer go to init_module(2) in one buffer; without one this
 * is kmod's behaviour: finit_module(2), with in-kernel decompression when the
 * kernel handles the file's compression, else init_module(2).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libkmod/libkmod-internal.h"
#include "libkmod/libkmod-deny.h"
#include "libkmod/libkmod-elf.h"
#include "libkmod/libkmod-signature.h"

#define MODULE_INIT_IGNORE_MODVERSIONS 1
#define MODULE_INIT_IGNORE_VERMAGIC 2
#define MODULE_INIT_COMPRESSED_FILE 4

#define KMOD_INSERT_FORCE (KMOD_INSERT_FORCE_VERMAGIC | KMOD_INSERT_FORCE_MODVERSION)

/* glibc exports these system call wrappers without declaring them. */
extern long init_module(void *mem, unsigned long len, const char *args);
extern long delete_module(const char *name, unsigned int flags);

struct load_request {
	struct kmod_ctx *ctx;
	const char *path;
	const char *args;
	unsigned int force; /* KMOD_INSERT_FORCE_* */
	enum kmod_detached_sig_policy policy;
	struct kmod_file *file;
	const char *ignored_sig; /* .sig left out because the image is signed */
};

static void file_freep(struct kmod_file **f)
{
	kmod_file_free(*f);
}

static void sig_freep(struct kmod_detached_sig **s)
{
	kmod_detached_sig_free(*s);
}

static int do_init_module(void *mem, size_t len, const char *args)
{
	if (init_module(mem, len, args) != 0)
		return -errno;
	return 0;
}

static int do_finit_module(int fd, const char *args, unsigned int kflags)
{
	if (syscall(__NR_finit_module, fd, args, kflags) != 0)
		return -errno;
	return 0;
}

/* Kernel answers that concern a signature we supplied, in words that name the .sig. */
static void explain_sig_error(struct kmod_ctx *ctx, const char *sig_path, int err)
{
	const char *why;

	switch (-err) {
	case EKEYREJECTED:
		why = "signature rejected by the kernel (stale .sig or wrong key?)";
		break;
	case EBADMSG:
		why = "malformed signature";
		break;
	case ENOKEY:
		why = "signer's key not trusted by the kernel";
		break;
	case ENOPKG:
		why = "signature type or algorithm not supported by the kernel";
		break;
	case EPERM:
	case EACCES:
		why = "kernel policy (lockdown, LoadPin, IMA) refuses buffer loads; a detached signature needs init_module";
		break;
	default:
		return;
	}
	ERR(ctx, "%s: %s\n", sig_path, why);
}

static void explain_unsigned_error(const struct load_request *req, int err)
{
	if (err != -EKEYREJECTED && err != -ENOKEY)
		return;
	if (req->ignored_sig != NULL)
		ERR(req->ctx,
		    "%s: appended signature rejected by the kernel (%s was not used)\n",
		    req->path, req->ignored_sig);
	else if (req->policy == KMOD_DETACHED_SIG_IGNORE)
		ERR(req->ctx,
		    "%s: rejected by the kernel: unsigned or signed with an untrusted key (detached signatures ignored by policy)\n",
		    req->path);
	else
		ERR(req->ctx,
		    "%s: rejected by the kernel: unsigned or signed with an untrusted key, and no detached signature %s.sig\n",
		    req->path, req->path);
}

/*
 * Policy require: the image about to reach the kernel (@mem, its trailer
 * included) must carry a complete signature.  @sig_path names the .sig the
 * trailer came from, NULL when it is the module's own.
 */
static int check_required(const struct load_request *req, const void *mem, size_t size,
			  const char *sig_path)
{
	char why[256];
	int err;

	err = kmod_sig_check_required(mem, size, why, sizeof(why));
	if (err == 0) {
		if (kmod_sig_unenforced_warning_due(req->ctx))
			WRN(req->ctx, "policy require: the kernel does not enforce "
				      "module signatures (sig_enforce N, no lockdown): a "
				      "module whose signature it cannot verify (unknown "
				      "key) still loads, tainted\n");
		return 0;
	}
	if (sig_path != NULL)
		ERR(req->ctx, "%s: refused by policy require: %s\n", sig_path, why);
	else if (!kmod_sig_is_appended(mem, size))
		ERR(req->ctx,
		    "%s: refused by policy require: no appended signature and no "
		    "detached signature %s.sig\n",
		    req->path, req->path);
	else
		ERR(req->ctx, "%s: refused by policy require: appended signature: %s\n",
		    req->path, why);
	return err;
}

/* Userspace side of a forced load: edit a private copy of the image. */
static int strip_forced(const struct load_request *req, void *mem, size_t size)
{
	struct kmod_elf *elf;
	unsigned int strip = 0;
	int err;

	if (req->force & KMOD_INSERT_FORCE_MODVERSION)
		strip |= KMOD_ELF_STRIP_MODVERSION;
	if (req->force & KMOD_INSERT_FORCE_VERMAGIC)
		strip |= KMOD_ELF_STRIP_VERMAGIC;
	err = kmod_elf_new(mem, size, &elf);
	if (err < 0) {
		ERR(req->ctx, "%s: not a valid ELF module: %s\n", req->path,
		    strerror(-err));
		return err;
	}
	err = kmod_elf_strip(elf, mem, strip);
	kmod_elf_free(elf);
	if (err < 0)
		ERR(req->ctx, "%s: could not strip for forced load: %s\n", req->path,
		    strerror(-err));
	return err;
}

static int load_buffer(const struct load_request *req)
{
	void *mem;
	size_t size;
	int err;

	err = kmod_file_load_contents(req->file, 0);
	if (err < 0)
		return err;
	mem = kmod_file_get_contents(req->file);
	size = kmod_file_get_size(req->file);
	if (req->force) {
		err = strip_forced(req, mem, size);
		if (err < 0)
			return err;
	}
	return do_init_module(mem, size, req->args);
}

/* kmod's way: the kernel reads the file itself whenever it can. */
static int load_unsigned(const struct load_request *req)
{
	enum kmod_file_compression c = kmod_file_get_compression(req->file);
	unsigned int kflags = 0;
	int err = -ENOSYS;

	if (c == KMOD_FILE_COMPRESSION_NONE ||
	    c == kmod_get_kernel_compression(req->ctx)) {
		if (req->force & KMOD_INSERT_FORCE_MODVERSION)
			kflags |= MODULE_INIT_IGNORE_MODVERSIONS;
		if (req->force & KMOD_INSERT_FORCE_VERMAGIC)
			kflags |= MODULE_INIT_IGNORE_VERMAGIC;
		if (c != KMOD_FILE_COMPRESSION_NONE)
			kflags |= MODULE_INIT_COMPRESSED_FILE;
		err = do_finit_module(kmod_file_get_fd(req->file), req->args, kflags);
	}
	if (err == -ENOSYS)
		err = load_buffer(req);
	explain_unsigned_error(req, err);
	return err;
}

static int load_signed(struct load_request *req, const struct kmod_detached_sig *sig)
{
	void *mem;
	size_t size;
	int err;

	err = kmod_file_load_contents(req->file, sig->trailer_len);
	if (err < 0)
		return err;
	mem = kmod_file_get_contents(req->file);
	size = kmod_file_get_size(req->file);

	/* The kernel checks only the outer trailer: a second one would be rejected. */
	if (kmod_sig_is_appended(mem, size)) {
		NOTICE(req->ctx, "%s already carries a signature: %s not appended\n",
		       req->path, sig->path);
		req->ignored_sig = sig->path;
		if (req->policy == KMOD_DETACHED_SIG_REQUIRE) {
			err = check_required(req, mem, size, NULL);
			if (err < 0)
				return err;
		}
		return load_unsigned(req);
	}

	err = kmod_file_append(req->file, sig->trailer, sig->trailer_len);
	if (err < 0)
		return err;
	if (req->policy == KMOD_DETACHED_SIG_REQUIRE) {
		err = check_required(req, mem, size + sig->trailer_len, sig->path);
		if (err < 0)
			return err;
	}
	INFO(req->ctx, "%s: loading with detached signature %s\n", req->path, sig->path);
	err = do_init_module(mem, size + sig->trailer_len, req->args);
	if (err < 0)
		explain_sig_error(req->ctx, sig->path, err);
	return err;
}

/* Policy require without a .sig: the image itself must carry the signature. */
static int check_appended(const struct load_request *req)
{
	int err = kmod_file_load_contents(req->file, 0);

	if (err < 0)
		return err;
	return check_required(req, kmod_file_get_contents(req->file),
			      kmod_file_get_size(req->file), NULL);
}

/* A forced load makes the kernel ignore any signature: say so rather than send it. */
static int check_forced(const struct load_request *req)
{
	_cleanup_free_ char *sig_path = NULL;
	struct stat st;

	if (req->policy == KMOD_DETACHED_SIG_REQUIRE) {
		ERR(req->ctx,
		    "%s: refused by policy require: the kernel ignores the signature of a forced load\n",
		    req->path);
		return -EKEYREJECTED;
	}
	if (req->policy == KMOD_DETACHED_SIG_IGNORE)
		return 0;
	sig_path = kmod_detached_sig_path(req->path);
	if (sig_path == NULL)
		return -ENOMEM;
	if (stat(sig_path, &st) == 0)
		WRN(req->ctx, "%s: forced load: detached signature %s dropped\n",
		    req->path, sig_path);
	return 0;
}

static int module_load(struct load_request *req)
{
	_cleanup_(file_freep) struct kmod_file *file = NULL;
	_cleanup_(sig_freep) struct kmod_detached_sig *sig = NULL;
	const struct logger *lg = kmod_get_logger(req->ctx);
	int err;

	err = kmod_file_open(lg, req->path, &file);
	if (err < 0)
		return err;
	req->file = file;

	if (req->force) {
		err = check_forced(req);
		if (err < 0)
			return err;
		return load_unsigned(req);
	}

	if (req->policy != KMOD_DETACHED_SIG_IGNORE) {
		err = kmod_detached_sig_open(lg, req->path, &sig);
		if (err < 0 && err != -ENOENT)
			return err;
	}
	if (sig != NULL)
		return load_signed(req, sig);
	if (req->policy == KMOD_DETACHED_SIG_REQUIRE) {
		err = check_appended(req);
		if (err < 0)
			return err;
	}
	return load_unsigned(req);
}

KMOD_EXPORT int kmod_module_insert_module(struct kmod_module *mod, unsigned int flags,
					  const char *options)
{
	struct load_request req = { 0 };

	if (mod == NULL)
		return -ENOENT;
	if (kmod_module_check_deny(mod) < 0)
		return -EPERM;
	req.ctx = kmod_module_get_ctx(mod);
	req.path = kmod_module_get_path(mod);
	if (req.path == NULL) {
		ERR(req.ctx, "could not find module by name='%s'\n",
		    kmod_module_get_name(mod));
		return -ENOENT;
	}
	req.args = options ? options : "";
	req.force = flags & KMOD_INSERT_FORCE;
	req.policy = kmod_sig_policy_effective(req.ctx, flags);
	return module_load(&req);
}

KMOD_EXPORT int kmod_module_remove_module(struct kmod_module *mod, unsigned int flags)
{
	const char *name;
	int err;

	if (mod == NULL)
		return -ENOENT;
	name = kmod_module_get_name(mod);
	/* The kernel never waits for a module to drain: kmod always removes non-blocking.
	 */
	if (delete_module(name, (flags & KMOD_REMOVE_FORCE) | KMOD_REMOVE_NOWAIT) == 0)
		return 0;
	err = -errno;
	if (!(flags & KMOD_REMOVE_NOLOG))
		ERR(kmod_module_get_ctx(mod), "could not remove '%s': %s\n", name,
		    strerror(-err));
	return err;
}

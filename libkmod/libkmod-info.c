// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What a module's file says of it: .modinfo key/value pairs, __versions,
 * exported and needed symbols.  Builtin modules answer from
 * modules.builtin.modinfo.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fileio.h"
#include "libkmod/libkmod-elf.h"
#include "libkmod/libkmod-file.h"
#include "libkmod/libkmod-module.h"
#include "libkmod/libkmod-signature.h"

struct kmod_module_info {
	char *value;
	char key[];
};

/*
 * Versions, symbols and dependency symbols share kmod's layout: the text
 * follows the CRC, and for a dependency symbol it is the bind character
 * followed by the name.  Programs rely on it: dracut-install reads dependency
 * symbols with kmod_module_symbol_get_symbol() and so sees "U<name>".
 */
struct kmod_module_symbol {
	uint64_t crc;
	char text[];
};

struct module_image {
	struct kmod_file *file;
	struct kmod_elf *elf;
};

static void module_image_release(struct module_image *img)
{
	kmod_elf_free(img->elf);
	kmod_file_free(img->file);
}

/* The appended signature, if any, read into place: marker and info block first. */
static int image_fill_trailer(struct kmod_file *file)
{
	size_t size = kmod_file_get_size(file);
	size_t tail = size < MODULE_SIG_OVERHEAD ? size : MODULE_SIG_OVERHEAD;
	size_t trailer;
	int err;

	err = kmod_file_fill(file, size - tail, tail);
	if (err < 0)
		return err;
	trailer = kmod_sig_appended_size(kmod_file_get_contents(file), size);
	if (trailer <= tail)
		return 0;
	return kmod_file_fill(file, size - trailer, trailer - tail);
}

static int module_image_open(const struct kmod_module *mod, struct module_image *img)
{
	const struct logger *lg = kmod_get_logger(mod->ctx);
	const char *path = kmod_module_get_path(mod);
	int err;

	img->file = NULL;
	img->elf = NULL;
	if (path == NULL)
		return -ENOENT;
	err = kmod_file_open(lg, path, &img->file);
	if (err < 0)
		return err;
	/* Only the headers and the sections asked for are read. */
	err = kmod_file_load_sparse(img->file);
	if (err == 0)
		err = kmod_elf_new_sparse(kmod_file_get_contents(img->file),
					  kmod_file_get_size(img->file),
					  kmod_file_fill_cb, img->file, &img->elf);
	if (err < 0) {
		/*
		 * Only a debug message, as kmod: dracut-install hands every file of
		 * a directory walk (.sig files included) to the library; the tools
		 * report the error themselves.
		 */
		if (err == -ENOEXEC)
			DBG(mod->ctx, "%s: not a valid ELF module\n", path);
		module_image_release(img);
	}
	return err;
}

static struct kmod_list *info_append(struct kmod_list *list, const char *key,
				     size_t keylen, const char *value, size_t valuelen)
{
	struct kmod_module_info *info;
	struct kmod_list *n;

	info = malloc(sizeof(*info) + keylen + 1 + (value ? valuelen + 1 : 0));
	if (info == NULL)
		return NULL;
	memcpy(info->key, key, keylen);
	info->key[keylen] = '\0';
	info->value = NULL;
	if (value != NULL) {
		info->value = info->key + keylen + 1;
		memcpy(info->value, value, valuelen);
		info->value[valuelen] = '\0';
	}
	n = kmod_list_append(list, info);
	if (n == NULL)
		free(info);
	return n;
}

/*
 * "key=value" into the list; a bare "key" gets an empty value, as kmod gives
 * it.  NULL on allocation failure.
 */
static struct kmod_list *info_append_string(struct kmod_list *list, const char *s,
					    size_t len)
{
	const char *eq = memchr(s, '=', len);

	if (eq == NULL)
		return info_append(list, s, len, "", 0);
	return info_append(list, s, eq - s, eq + 1, len - (eq - s) - 1);
}

/*
 * modules.builtin.modinfo holds "<name>.<key>=<value>" records separated by
 * NULs; a builtin module's info is the records with its name as prefix.
 */
static int builtin_info(const struct kmod_module *mod, struct kmod_list **list)
{
	const char *dirname = kmod_get_dirname(mod->ctx);
	size_t namelen = strlen(mod->name);
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	const char *mem, *p, *end;
	struct stat st;
	int count = 0;

	if (asprintf(&path, "%s/modules.builtin.modinfo", dirname) < 0)
		return -ENOMEM;
	fd = open_regular(path, &st);
	if (fd < 0) {
		if (fd != -ENOENT)
			ERR(mod->ctx, "%s: %s\n", path, open_regular_strerror(fd));
		return fd;
	}
	if (st.st_size == 0)
		return 0;
	mem = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (mem == MAP_FAILED)
		return -errno;
	end = mem + st.st_size;
	for (p = mem; p < end;) {
		const char *nul = memchr(p, '\0', end - p);
		size_t len = (nul ? nul : end) - p;

		if (len > namelen + 1 && p[namelen] == '.' &&
		    strncmp(p, mod->name, namelen) == 0) {
			struct kmod_list *n = info_append_string(*list, p + namelen + 1,
								 len - namelen - 1);

			if (n == NULL) {
				munmap((void *)mem, st.st_size);
				return -ENOMEM;
			}
			*list = n;
			count++;
		}
		p += len + 1;
	}
	munmap((void *)mem, st.st_size);
	return count;
}

static int info_push(struct kmod_list **list, const char *key, const char *value,
		     size_t len)
{
	struct kmod_list *n =
		info_append(*list, key, strlen(key), value ? value : "", len);

	if (n == NULL)
		return -ENOMEM;
	*list = n;
	return 1;
}

static int info_push_hex(struct kmod_list **list, const char *key, const uint8_t *buf,
			 size_t len)
{
	_cleanup_free_ char *hex = kmod_sig_hex(buf, len);

	if (hex == NULL)
		return -ENOMEM;
	return info_push(list, key, hex, strlen(hex));
}

/* kmod's five signature fields, in kmod's order.  Count added or -ENOMEM. */
static int sig_fields_push(struct kmod_list **list, const struct kmod_sig_info *si)
{
	int err;

	err = info_push(list, "sig_id", si->id_type, strlen(si->id_type));
	if (err >= 0)
		err = info_push(list, "signer", (const char *)si->signer, si->signer_len);
	if (err >= 0)
		err = info_push_hex(list, "sig_key", si->key_id, si->key_id_len);
	if (err >= 0)
		err = info_push(list, "sig_hashalgo", si->hash_algo,
				strlen(si->hash_algo));
	if (err >= 0)
		err = info_push_hex(list, "signature", si->sig, si->sig_len);
	return err < 0 ? err : 5;
}

/*
 * The signature the module would be loaded with: the appended one, else the
 * detached .sig (then also "sig_file: <path>", the file to ship along).  A
 * .sig next to a signed image is never used; "sig_file_ignored" names it.
 * Count of fields added or -ENOMEM.
 */
static int sig_info(const struct kmod_module *mod, const void *mem, size_t size,
		    struct kmod_list **list)
{
	const char *sig_path = NULL;
	struct kmod_detached_sig *sig = NULL;
	struct kmod_sig_info si;
	int count = 0, err;

	if (kmod_get_detached_sig_policy(mod->ctx) != KMOD_DETACHED_SIG_IGNORE)
		sig_path = kmod_module_get_detached_sig_path(mod);

	if (kmod_sig_is_appended(mem, size)) {
		err = kmod_sig_parse_trailer(mem, size, &si);
		if (err == 0) {
			err = sig_fields_push(list, &si);
			kmod_sig_info_release(&si);
		}
		if (err == -ENOMEM)
			return err;
		count = err > 0 ? err : 0;
		if (sig_path == NULL)
			return count;
		err = info_push(list, "sig_file_ignored", sig_path, strlen(sig_path));
		return err < 0 ? err : count + 1;
	}
	if (sig_path == NULL)
		return 0;

	/* A malformed .sig is logged with its reason; only its path is shown. */
	if (kmod_detached_sig_open(kmod_get_logger(mod->ctx), mod->path, &sig) == 0) {
		err = kmod_sig_parse_trailer(sig->trailer, sig->trailer_len, &si);
		kmod_detached_sig_free(sig);
		if (err == 0) {
			err = sig_fields_push(list, &si);
			kmod_sig_info_release(&si);
		}
		if (err == -ENOMEM)
			return err;
		count = err > 0 ? err : 0;
	}
	err = info_push(list, "sig_file", sig_path, strlen(sig_path));
	return err < 0 ? err : count + 1;
}

static int modinfo_strings(struct module_image *img, struct kmod_list **list)
{
	char **strings;
	int count, i;

	count = kmod_elf_get_modinfo_strings(img->elf, &strings);
	if (count < 0)
		return count;
	for (i = 0; i < count; i++) {
		struct kmod_list *n =
			info_append_string(*list, strings[i], strlen(strings[i]));

		if (n == NULL) {
			free(strings);
			return -ENOMEM;
		}
		*list = n;
	}
	free(strings);
	return count;
}

/*
 * "build-id", as kmod's newest shows it, after the .modinfo strings (so right
 * after vermagic, which modpost writes last) and before the signature fields.
 * Without a well-formed note there is no such field: 0 or 1 added, or -ENOMEM.
 */
static int build_id_push(const struct kmod_module *mod, struct module_image *img,
			 struct kmod_list **list)
{
	const uint8_t *id;
	size_t len;
	int err = kmod_elf_get_build_id(img->elf, &id, &len);

	if (err == -EINVAL)
		DBG(mod->ctx, "%s: malformed .note.gnu.build-id, no build-id shown\n",
		    mod->path);
	if (err == -ENODATA || err == -EINVAL)
		return 0;
	if (err < 0)
		return err; /* the section could not be read */
	return info_push_hex(list, "build-id", id, len);
}

KMOD_EXPORT int kmod_module_get_info(const struct kmod_module *mod,
				     struct kmod_list **list)
{
	struct module_image img;
	int count, err;

	if (mod == NULL || list == NULL || *list != NULL)
		return -ENOENT;
	if (mod->path == NULL && kmod_module_is_builtin((struct kmod_module *)mod)) {
		err = builtin_info(mod, list);
		if (err < 0)
			kmod_module_info_free_list(TAKE_PTR(*list));
		return err;
	}
	err = module_image_open(mod, &img);
	if (err < 0)
		return err;
	count = modinfo_strings(&img, list);
	if (count >= 0) {
		err = build_id_push(mod, &img, list);
		if (err >= 0) {
			count += err;
			err = image_fill_trailer(img.file);
		}
		if (err == 0)
			err = sig_info(mod, kmod_file_get_contents(img.file),
				       kmod_file_get_size(img.file), list);
		count = err < 0 ? err : count + err;
	}
	module_image_release(&img);
	if (count < 0)
		kmod_module_info_free_list(TAKE_PTR(*list));
	return count;
}

KMOD_EXPORT const char *kmod_module_info_get_key(const struct kmod_list *entry)
{
	if (entry == NULL)
		return NULL;
	return ((struct kmod_module_info *)entry->data)->key;
}

KMOD_EXPORT const char *kmod_module_info_get_value(const struct kmod_list *entry)
{
	if (entry == NULL)
		return NULL;
	return ((struct kmod_module_info *)entry->data)->value;
}

KMOD_EXPORT void kmod_module_info_free_list(struct kmod_list *list)
{
	kmod_list_release(list, free);
}

/* @bind: NULL but for a dependency symbol, whose text starts with it. */
static struct kmod_list *symbol_append(struct kmod_list *list, const char *name,
				       uint64_t crc, const char *bind)
{
	size_t len = strlen(name);
	size_t has_bind = bind != NULL;
	struct kmod_module_symbol *s = malloc(sizeof(*s) + has_bind + len + 1);
	struct kmod_list *n;

	if (s == NULL)
		return NULL;
	s->crc = crc;
	if (bind != NULL)
		s->text[0] = *bind;
	memcpy(s->text + has_bind, name, len + 1);
	n = kmod_list_append(list, s);
	if (n == NULL)
		free(s);
	return n;
}

enum symbol_kind { SYMBOLS_VERSIONS, SYMBOLS_EXPORTED, SYMBOLS_NEEDED };

/* The three symbol lists differ only in which ELF table they come from. */
static int symbols_get(const struct kmod_module *mod, enum symbol_kind kind,
		       struct kmod_list **list)
{
	struct kmod_modversion *versions = NULL;
	struct kmod_elf_symbol *symbols = NULL;
	struct module_image img;
	int count, i, err = 0;

	if (mod == NULL || list == NULL || *list != NULL)
		return -ENOENT;
	err = module_image_open(mod, &img);
	if (err < 0)
		return err;
	if (kind == SYMBOLS_VERSIONS)
		count = kmod_elf_get_modversions(img.elf, &versions);
	else if (kind == SYMBOLS_EXPORTED)
		count = kmod_elf_get_symbols(img.elf, &symbols);
	else
		count = kmod_elf_get_dependency_symbols(img.elf, &symbols);
	module_image_release(&img);
	if (count < 0)
		return count;
	/* kmod (31 and later) answers "no data" for a module that exports nothing. */
	if (count == 0 && kind == SYMBOLS_EXPORTED) {
		free(symbols); /* the ELF layer allocates even for no entry */
		return -ENODATA;
	}

	for (i = 0; i < count; i++) {
		struct kmod_list *n;

		if (kind == SYMBOLS_VERSIONS)
			n = symbol_append(*list, versions[i].symbol, versions[i].crc,
					  NULL);
		else if (kind == SYMBOLS_EXPORTED)
			n = symbol_append(*list, symbols[i].symbol, symbols[i].crc, NULL);
		else
			n = symbol_append(*list, symbols[i].symbol, symbols[i].crc,
					  &symbols[i].bind);
		if (n == NULL) {
			kmod_list_release(*list, free);
			err = -ENOMEM;
			break;
		}
		*list = n;
	}
	free(versions);
	free(symbols);
	return err < 0 ? err : count;
}

static const struct kmod_module_symbol *entry_symbol(const struct kmod_list *entry)
{
	return entry ? entry->data : NULL;
}

KMOD_EXPORT int kmod_module_get_versions(const struct kmod_module *mod,
					 struct kmod_list **list)
{
	return symbols_get(mod, SYMBOLS_VERSIONS, list);
}

KMOD_EXPORT const char *kmod_module_version_get_symbol(const struct kmod_list *entry)
{
	return entry ? entry_symbol(entry)->text : NULL;
}

KMOD_EXPORT uint64_t kmod_module_version_get_crc(const struct kmod_list *entry)
{
	return entry ? entry_symbol(entry)->crc : 0;
}

KMOD_EXPORT void kmod_module_versions_free_list(struct kmod_list *list)
{
	kmod_list_release(list, free);
}

KMOD_EXPORT int kmod_module_get_symbols(const struct kmod_module *mod,
					struct kmod_list **list)
{
	return symbols_get(mod, SYMBOLS_EXPORTED, list);
}

KMOD_EXPORT const char *kmod_module_symbol_get_symbol(const struct kmod_list *entry)
{
	return entry ? entry_symbol(entry)->text : NULL;
}

KMOD_EXPORT uint64_t kmod_module_symbol_get_crc(const struct kmod_list *entry)
{
	return entry ? entry_symbol(entry)->crc : 0;
}

KMOD_EXPORT void kmod_module_symbols_free_list(struct kmod_list *list)
{
	kmod_list_release(list, free);
}

KMOD_EXPORT int kmod_module_get_dependency_symbols(const struct kmod_module *mod,
						   struct kmod_list **list)
{
	return symbols_get(mod, SYMBOLS_NEEDED, list);
}

KMOD_EXPORT const char *
kmod_module_dependency_symbol_get_symbol(const struct kmod_list *entry)
{
	return entry ? entry_symbol(entry)->text + 1 : NULL;
}

KMOD_EXPORT int kmod_module_dependency_symbol_get_bind(const struct kmod_list *entry)
{
	return entry ? (unsigned char)entry_symbol(entry)->text[0] : 0;
}

KMOD_EXPORT uint64_t kmod_module_dependency_symbol_get_crc(const struct kmod_list *entry)
{
	return entry ? entry_symbol(entry)->crc : 0;
}

KMOD_EXPORT void kmod_module_dependency_symbols_free_list(struct kmod_list *list)
{
	kmod_list_release(list, free);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Optional libraries (zlib, liblzma, libzstd, libcrypto) are loaded with
 * dlopen() on first use instead of linked.  Linked, the dynamic loader maps
 * and relocates all four in every process before main(): for one
 * `modprobe --show-depends` that was 40% of its instructions and 130 page
 * faults, for libraries it never calls.  Now a process maps a library only
 * when it reads a file that needs it.
 *
 * Each user keeps one list of the functions it calls, as an X-macro
 * LIST(X, t) expanding X(t, function) for each, and from it a table of
 * pointers (DL_MEMBER), the symbols to resolve into it (DL_SYMBOL) and a
 * struct dl_library: all three at once with DL_LIBRARY.  dl_library_load()
 * resolves them once per process, from any thread; a failure is not remembered, so a
 * library installed later is found by a later call (udevd runs for days).
 * Nothing of a kmod_ctx is involved: the table describes the process, like
 * the mapped library it points into, and is read-only once loaded.
 *
 * Sonames are "lib<name>.so.<ABI>", the ABI number taken from the library's
 * own header, never from the build machine's files: OPENSSL_SHLIB_VERSION
 * (3), ZSTD_VERSION_MAJOR (1), LZMA_VERSION_MAJOR (5), ZLIB_VER_MAJOR (1):
 * each library's soname has followed that number since it exists.  Debian
 * 12 and 13 ship libcrypto.so.3, libzstd.so.1, liblzma.so.5 and libz.so.1.
 * A header whose library changes ABI changes the number with it.
 *
 * Every object that may load a library says so in an ELF note (DL_NOTE) in
 * the freedesktop.org "ELF dlopen metadata" format, which packaging tools
 * (dpkg's and rpm's helpers, dracut-install) read to find the library.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DL_STRINGIFY_(x) #x
#define DL_STRINGIFY(x) DL_STRINGIFY_(x)

/* "lib" name ".so." abi, as a string literal. */
#define DL_SONAME(name, abi) "lib" name ".so." DL_STRINGIFY(abi)

struct dl_symbol {
	const char *name;
	void **slot; /* a member of the library's table */
};

/* A member of a table of pointers to functions declared by the library's header. */
#define DL_MEMBER(tab, fn) __typeof__(fn) *fn;
/* An entry of a struct dl_symbol array, for the member fn of the table tab. */
#define DL_SYMBOL(tab, fn) { #fn, (void **)&(tab).fn },

struct dl_library {
	const char *soname;
	const struct dl_symbol *symbols;
	size_t n_symbols;
	/*
	 * Called once, after every symbol is in place and before any caller
	 * uses one; mapped_before: the program had the library already (so it
	 * is the program's to set up, not ours).  NULL for none.
	 */
	void (*init)(bool mapped_before);
	bool loaded; /* dl_library_load()'s */
};

/*
 * Map the library and fill its table, unless done before.  0, or -ENOENT with
 * the reason in why (the loader's own words, naming the file, or "<soname>:
 * no symbol <name>"); then nothing of the table may be used.
 */
int dl_library_load(struct dl_library *lib, char *why, size_t whylen);

/*
 * A file's own table tab of the functions of LIST, and tab_lib to load it.
 * Calls then go through the table: "#define fn (*tab.fn)" after this.
 */
#define DL_LIBRARY(tab, soname_, LIST)                                                   \
	static struct {                                                                  \
		LIST(DL_MEMBER, tab)                                                     \
	} tab;                                                                           \
	static const struct dl_symbol tab##_symbols[] = { LIST(DL_SYMBOL, tab) };        \
	static struct dl_library tab##_lib = {                                           \
		.soname = soname_,                                                       \
		.symbols = tab##_symbols,                                                \
		.n_symbols = sizeof(tab##_symbols) / sizeof(tab##_symbols[0]),           \
	}

/*
 * The note: section .note.dlopen, owner "FDO", type 0x407c0c0a, the
 * description a NUL-terminated JSON array of one object, padded with zeros
 * to 4 bytes.  priority: "required", "recommended" or "suggested".
 */
#define DL_NOTE_TYPE UINT32_C(0x407c0c0a)
#define DL_NOTE_JSON(feature, description, priority, soname)                             \
	"[{\"feature\":\"" feature "\",\"description\":\"" description                   \
	"\",\"priority\":\"" priority "\",\"soname\":[\"" soname "\"]}]"
#define DL_NOTE_(var, json)                                                              \
	__attribute__((used, section(".note.dlopen"), aligned(4))) static const struct { \
		uint32_t n_namesz, n_descsz, n_type;                                     \
		char name[4];                                                            \
		char desc[(sizeof(json) + 3) & ~(size_t)3];                              \
	} var = { 4, sizeof(json), DL_NOTE_TYPE, "FDO", json }
#define DL_NOTE(var, feature, description, priority, soname)                             \
	DL_NOTE_(var, DL_NOTE_JSON(feature, description, priority, soname))

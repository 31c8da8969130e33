// SPDX-License-Identifier: LGPL-2.1-or-later

/*
 * libkmod-elf against (a) objects gcc compiles here, (b) images built byte by
 * byte for every class/endianness, (c) corrupted and truncated images and
 * (d) the force-strip edits.  Expected values never come from the parser
 * itself: they come from the fixture sources, the builder below, or objcopy.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "util/macro.h"

#include "libkmod/libkmod-elf.h"
#include "testsuite/tap.h"

static char tmpdir[] = "/tmp/test-elf-XXXXXX";

/* ---- byte-level image builder ---- */

static void tput(uint8_t *p, unsigned int width, bool msb, uint64_t v)
{
	for (unsigned int i = 0; i < width; i++)
		p[msb ? width - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

static uint64_t tget(const uint8_t *p, unsigned int width, bool msb)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < width; i++)
		v |= (uint64_t)p[msb ? width - 1 - i : i] << (8 * i);
	return v;
}

struct tsec {
	const char *name;
	uint32_t type;
	uint64_t flags;
	const void *data;
	size_t size;
	uint32_t link;
};

struct img {
	uint8_t buf[8192];
	size_t size;
	bool is64, msb;
	unsigned int word, shentsize, shnum;
	size_t shoff;
	size_t data_off[16]; /* file offset of each section's bytes */
};

/* ELF header / section header field offsets for the image's class. */
#define E_SHOFF(im) ((im)->is64 ? 40 : 32)
#define E_SHENTSIZE(im) ((im)->is64 ? 58 : 46)
#define E_SHNUM(im) ((im)->is64 ? 60 : 48)
#define E_SHSTRNDX(im) ((im)->is64 ? 62 : 50)
#define SH_FLAGS 8
#define SH_OFFSET(im) ((im)->is64 ? 24 : 16)
#define SH_SIZE(im) ((im)->is64 ? 32 : 20)
#define SHT_NOBITS 8

/* Extra bytes after each section header, to build images with a wrong e_shentsize. */
static unsigned int shdr_pad;

static size_t shdr_at(const struct img *im, unsigned int idx)
{
	return im->shoff + (size_t)idx * im->shentsize;
}

/*
 * Section 0 is SHT_NULL, then @secs, then .shstrtab.  Data is placed at odd
 * offsets and the header table too, so any aligned access would show.
 */
static void build(struct img *im, bool is64, bool msb, const struct tsec *secs,
		  unsigned int n)
{
	char names[512] = "";
	size_t nlen = 1, name_off[16], pos;
	uint8_t *b = im->buf;

	memset(im, 0, sizeof(*im));
	im->is64 = is64;
	im->msb = msb;
	im->word = is64 ? 8 : 4;
	im->shentsize = (is64 ? 64 : 40) + shdr_pad;
	im->shnum = n + 2;
	pos = is64 ? 64 : 52;

	for (unsigned int i = 0; i < n; i++) {
		name_off[i] = nlen;
		memcpy(names + nlen, secs[i].name, strlen(secs[i].name) + 1);
		nlen += strlen(secs[i].name) + 1;
		pos++;
		im->data_off[i + 1] = pos;
		if (secs[i].type != SHT_NOBITS) {
			memcpy(b + pos, secs[i].data, secs[i].size);
			pos += secs[i].size;
		}
	}
	name_off[n] = nlen;
	memcpy(names + nlen, ".shstrtab", 10);
	nlen += 10;
	im->data_off[n + 1] = ++pos;
	memcpy(b + pos, names, nlen);
	pos += nlen + 3;
	im->shoff = pos;
	im->size = pos + (size_t)im->shnum * im->shentsize;

	memcpy(b, "\177ELF", 4);
	b[4] = is64 ? 2 : 1;
	b[5] = msb ? 2 : 1;
	b[6] = 1;
	tput(b + 16, 2, msb, 1); /* ET_REL */
	tput(b + 18, 2, msb, is64 ? 62 : 3);
	tput(b + 20, 4, msb, 1);
	tput(b + E_SHOFF(im), im->word, msb, im->shoff);
	tput(b + E_SHENTSIZE(im) - 6, 2, msb, is64 ? 64 : 52); /* e_ehsize */
	tput(b + E_SHENTSIZE(im), 2, msb, im->shentsize);
	tput(b + E_SHNUM(im), 2, msb, im->shnum);
	tput(b + E_SHSTRNDX(im), 2, msb, n + 1);

	for (unsigned int i = 0; i <= n; i++) {
		uint8_t *h = b + shdr_at(im, i + 1);
		const struct tsec strtab = { .type = 3, .size = nlen };
		const struct tsec *s = i < n ? &secs[i] : &strtab;

		tput(h, 4, msb, name_off[i]);
		tput(h + 4, 4, msb, s->type);
		tput(h + SH_FLAGS, im->word, msb, s->flags);
		tput(h + SH_OFFSET(im), im->word, msb,
		     s->type == SHT_NOBITS ? (uint64_t)-4096 : im->data_off[i + 1]);
		tput(h + SH_SIZE(im), im->word, msb, s->size);
		tput(h + (is64 ? 40 : 24), 4, msb, s->link);
		tput(h + (is64 ? 48 : 32), im->word, msb, 1);
		if (s->type == 2)
			tput(h + (is64 ? 56 : 36), im->word, msb, is64 ? 24 : 16);
	}
}

static void put_sym(uint8_t *p, const struct img *im, uint32_t name, uint8_t info,
		    uint16_t shndx, uint64_t value)
{
	tput(p, 4, im->msb, name);
	if (im->is64) {
		p[4] = info;
		tput(p + 6, 2, im->msb, shndx);
		tput(p + 8, 8, im->msb, value);
	} else {
		tput(p + 4, 4, im->msb, value);
		p[12] = info;
		tput(p + 14, 2, im->msb, shndx);
	}
}

static const char synth_modinfo[] =
	"\0\0license=GPL\0\0\0vermagic=1.2.3 SMP\0alias=foo\0";
static const char synth_strtab[] = "\0__crc_abs\0__crc_rel\0foo\0bar\0.baz\0";
#define SYNTH_NAME "synth_mod"

enum {
	S_MODINFO = 1,
	S_VERSIONS,
	S_THIS,
	S_SYMTAB,
	S_STRTAB,
	S_KCRC,
	S_NOTE,
	S_BSS,
	S_COUNT
};

/* The synthetic build-id: after a 24-byte "Linux" note, 20 bytes 0xb0.. */
#define SYNTH_BUILD_ID_AT 40
#define SYNTH_BUILD_ID_LEN 20

/* note NAME (namesz @namesz) of @type with @descsz bytes 0xb0.. into @p; its size */
static size_t put_note(uint8_t *p, bool msb, const char *name, uint32_t namesz,
		       uint32_t type, uint32_t descsz)
{
	size_t at = 12 + ((namesz + 3) & ~3u);

	memset(p, 0, at);
	tput(p, 4, msb, namesz);
	tput(p + 4, 4, msb, descsz);
	tput(p + 8, 4, msb, type);
	memcpy(p + 12, name, strlen(name));
	for (uint32_t i = 0; i < descsz; i++)
		p[at + i] = (uint8_t)(0xb0 + i);
	return at + ((descsz + 3) & ~3u);
}

static uint64_t synth_crc_foo(bool is64)
{
	return is64 ? 0x1122334455667788ULL : 0x11223344;
}

/* A small module image: .modinfo, __versions, this_module, symbols, .bss. */
static void build_synth(struct img *im, bool is64, bool msb)
{
	uint8_t versions[128] = { 0 }, this_mod[96] = { 0 }, symtab[7 * 24] = { 0 };
	uint8_t kcrc[8] = { 0xee, 0xee, 0xee, 0xee }, note[64];
	unsigned int w = is64 ? 8 : 4, symsz = is64 ? 24 : 16;
	size_t note_len = put_note(note, msb, "Linux", 6, 1, 4);
	struct img shape = { .is64 = is64, .msb = msb };

	tput(versions, w, msb, synth_crc_foo(is64));
	memcpy(versions + w, "foo", 4);
	tput(versions + 64, w, msb, 0xdeadbeef);
	memcpy(versions + 64 + w, ".baz", 5);
	memcpy(this_mod + (is64 ? 24 : 12), SYNTH_NAME, sizeof(SYNTH_NAME));
	tput(kcrc + 4, 4, msb, 0x01020304);
	put_sym(symtab + 1 * symsz, &shape, 1, 0x10, 0xfff1, 0xaabbccdd); /* GLOBAL ABS */
	put_sym(symtab + 2 * symsz, &shape, 11, 0x21, S_KCRC, 4);	  /* WEAK */
	put_sym(symtab + 3 * symsz, &shape, 21, 0x10, 0, 0);		  /* foo */
	put_sym(symtab + 4 * symsz, &shape, 25, 0x20, 0, 0);		  /* bar, weak */
	put_sym(symtab + 5 * symsz, &shape, 29, 0x12, 0, 0);		  /* .baz */
	put_sym(symtab + 6 * symsz, &shape, 0, 0x10, 0, 0);		  /* nameless */
	note_len += put_note(note + note_len, msb, "GNU", 4, 3, SYNTH_BUILD_ID_LEN);

	const struct tsec secs[] = {
		{ ".modinfo", 1, 0x2, synth_modinfo, sizeof(synth_modinfo) - 1, 0 },
		{ "__versions", 1, 0x3 | 0x10000, versions, sizeof(versions), 0 },
		{ ".gnu.linkonce.this_module", 1, 0x3, this_mod, sizeof(this_mod), 0 },
		{ ".symtab", 2, 0, symtab, 7 * symsz, S_STRTAB },
		{ ".strtab", 3, 0, synth_strtab, sizeof(synth_strtab), 0 },
		{ "___kcrctab+rel", 1, 0x2, kcrc, sizeof(kcrc), 0 },
		{ ".note.gnu.build-id", 7, 0x2, note, note_len, 0 },
		{ ".bss", SHT_NOBITS, 0x3, NULL, 1u << 30, 0 },
	};
	build(im, is64, msb, secs, S_COUNT - 1);
}

static const char *cfg_name(bool is64, bool msb)
{
	return is64 ? (msb ? "ELF64-BE" : "ELF64-LE") : (msb ? "ELF32-BE" : "ELF32-LE");
}

static const struct kmod_elf_symbol *find_sym(const struct kmod_elf_symbol *v, int n,
					      const char *name)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(v[i].symbol, name) == 0)
			return &v[i];
	}
	return NULL;
}

static void check_sym(const struct kmod_elf_symbol *v, int n, const char *name,
		      uint64_t crc, char bind, const char *cfg, const char *what)
{
	const struct kmod_elf_symbol *s = find_sym(v, n, name);

	ok(s != NULL && s->crc == crc && s->bind == bind, "%s: %s %s crc=%#llx bind=%c",
	   cfg, what, name, (unsigned long long)crc, bind);
}

/* ---- (b) synthesized images ---- */

static void test_synth(bool is64, bool msb)
{
	const char *cfg = cfg_name(is64, msb);
	static struct img im;
	struct kmod_elf *elf = NULL;
	struct kmod_modversion *mv = NULL;
	struct kmod_elf_symbol *sy = NULL;
	char **strs = NULL;
	const void *buf;
	const char *name;
	const uint8_t *id;
	size_t idlen;
	uint64_t size;
	int n;

	build_synth(&im, is64, msb);
	if (!is_int(kmod_elf_new(im.buf, im.size, &elf), 0, "%s: kmod_elf_new", cfg))
		return;

	is_int(kmod_elf_get_section(elf, ".modinfo", &buf, &size), 0, "%s: get .modinfo",
	       cfg);
	ok(buf == im.buf + im.data_off[S_MODINFO] && size == sizeof(synth_modinfo) - 1,
	   "%s: .modinfo points at its bytes", cfg);
	is_int(kmod_elf_get_section(elf, ".bss", &buf, &size), -ENODATA,
	       "%s: NOBITS section has no data", cfg);
	is_int(kmod_elf_get_section(elf, ".nothere", &buf, &size), -ENODATA,
	       "%s: missing section", cfg);

	n = kmod_elf_get_modinfo_strings(elf, &strs);
	if (is_int(n, 3, "%s: 3 modinfo strings", cfg)) {
		is_str(strs[0], "license=GPL", "%s: modinfo[0]", cfg);
		is_str(strs[1], "vermagic=1.2.3 SMP", "%s: modinfo[1]", cfg);
		is_str(strs[2], "alias=foo", "%s: modinfo[2]", cfg);
		ok(strs[3] == NULL, "%s: modinfo vector NULL-terminated", cfg);
	}
	free(strs);

	n = kmod_elf_get_modversions(elf, &mv);
	if (is_int(n, 2, "%s: 2 modversions", cfg)) {
		ok(mv[0].crc == synth_crc_foo(is64), "%s: crc of foo (class width)", cfg);
		is_str(mv[0].symbol, "foo", "%s: version[0] name", cfg);
		ok(mv[1].crc == 0xdeadbeef, "%s: crc of baz", cfg);
		is_str(mv[1].symbol, "baz", "%s: leading '.' dropped", cfg);
	}
	free(mv);

	is_int(kmod_elf_get_this_module_name(elf, &name), 0, "%s: this_module name", cfg);
	is_str(name, SYNTH_NAME, "%s: this_module name value", cfg);

	n = kmod_elf_get_symbols(elf, &sy);
	is_int(n, 2, "%s: 2 exported symbols", cfg);
	check_sym(sy, n, "abs", 0xaabbccdd, 'G', cfg, "export");
	check_sym(sy, n, "rel", 0x01020304, 'W', cfg, "export (CRC in section)");
	free(sy);

	n = kmod_elf_get_dependency_symbols(elf, &sy);
	is_int(n, 3, "%s: 3 dependency symbols", cfg);
	check_sym(sy, n, "foo", synth_crc_foo(is64), 'U', cfg, "dependency");
	check_sym(sy, n, "bar", 0, 'W', cfg, "dependency");
	check_sym(sy, n, ".baz", 0xdeadbeef, 'U', cfg, "dependency");
	free(sy);

	ok(kmod_elf_get_build_id(elf, &id, &idlen) == 0 &&
		   id == im.buf + im.data_off[S_NOTE] + SYNTH_BUILD_ID_AT &&
		   idlen == SYNTH_BUILD_ID_LEN,
	   "%s: build-id: the GNU note after another one", cfg);
	kmod_elf_free(elf);
}

/* ---- (b2) sparse images: only what is asked for is read ---- */

struct sparse_src {
	const uint8_t *from;
	uint8_t *to;
	bool *filled;
	uint64_t fail_at; /* a fill starting here fails with -EIO; UINT64_MAX: never */
	unsigned int calls;
};

static int sparse_fill(void *data, uint64_t off, uint64_t len)
{
	struct sparse_src *src = data;

	src->calls++;
	if (off == src->fail_at)
		return -EIO;
	memcpy(src->to + off, src->from + off, len);
	for (uint64_t i = 0; i < len; i++)
		src->filled[off + i] = true;
	return 0;
}

static bool range_filled(const struct sparse_src *src, size_t off, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (!src->filled[off + i])
			return false;
	}
	return true;
}

static bool range_untouched(const struct sparse_src *src, size_t off, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (src->filled[off + i])
			return false;
	}
	return true;
}

static void test_sparse(bool is64, bool msb)
{
	const char *cfg = cfg_name(is64, msb);
	static struct img im;
	static uint8_t poisoned[sizeof(im.buf)];
	static bool filled[sizeof(im.buf)];
	struct sparse_src src = {
		.from = im.buf, .to = poisoned, .filled = filled, .fail_at = UINT64_MAX
	};
	struct kmod_elf *elf = NULL;
	struct kmod_modversion *mv = NULL;
	struct kmod_elf_symbol *sy = NULL;
	char **strs = NULL;
	const char *name;
	const uint8_t *id;
	size_t idlen;
	int n;

	build_synth(&im, is64, msb);
	memset(poisoned, 0xa5, sizeof(poisoned));
	memset(filled, 0, sizeof(filled));
	if (!is_int(kmod_elf_new_sparse(poisoned, im.size, sparse_fill, &src, &elf), 0,
		    "%s: sparse: kmod_elf_new_sparse", cfg))
		return;
	ok(range_filled(&src, 0, is64 ? 64 : 52) &&
		   range_filled(&src, im.shoff, (size_t)im.shnum * im.shentsize) &&
		   !range_filled(&src, im.data_off[S_MODINFO],
				 sizeof(synth_modinfo) - 1) &&
		   range_untouched(&src, im.data_off[S_VERSIONS], 128),
	   "%s: sparse: headers read, sections not yet", cfg);

	n = kmod_elf_get_modinfo_strings(elf, &strs);
	ok(n == 3 && strcmp(strs[0], "license=GPL") == 0 &&
		   strcmp(strs[2], "alias=foo") == 0,
	   "%s: sparse: modinfo strings", cfg);
	free(strs);
	ok(range_filled(&src, im.data_off[S_MODINFO], sizeof(synth_modinfo) - 1) &&
		   range_untouched(&src, im.data_off[S_VERSIONS], 128),
	   "%s: sparse: .modinfo read, __versions not", cfg);

	n = kmod_elf_get_modversions(elf, &mv);
	ok(n == 2 && mv[0].crc == synth_crc_foo(is64) && strcmp(mv[1].symbol, "baz") == 0,
	   "%s: sparse: modversions", cfg);
	free(mv);
	ok(kmod_elf_get_this_module_name(elf, &name) == 0 &&
		   strcmp(name, SYNTH_NAME) == 0,
	   "%s: sparse: this_module name", cfg);
	n = kmod_elf_get_symbols(elf, &sy);
	is_int(n, 2, "%s: sparse: 2 exported symbols", cfg);
	check_sym(sy, n, "rel", 0x01020304, 'W', cfg, "sparse: export (CRC in section)");
	free(sy);
	n = kmod_elf_get_dependency_symbols(elf, &sy);
	is_int(n, 3, "%s: sparse: 3 dependency symbols", cfg);
	check_sym(sy, n, ".baz", 0xdeadbeef, 'U', cfg, "sparse: dependency");
	free(sy);
	n = (int)src.calls;
	strs = NULL;
	kmod_elf_get_modinfo_strings(elf, &strs);
	free(strs);
	is_int((int)src.calls, n, "%s: sparse: a section is read once", cfg);
	ok(range_untouched(&src, im.data_off[S_NOTE], SYNTH_BUILD_ID_AT) &&
		   kmod_elf_get_build_id(elf, &id, &idlen) == 0 &&
		   idlen == SYNTH_BUILD_ID_LEN && id[0] == 0xb0 && id[19] == 0xc3 &&
		   range_filled(&src, im.data_off[S_NOTE], SYNTH_BUILD_ID_AT + idlen),
	   "%s: sparse: build-id note read when asked for", cfg);
	kmod_elf_free(elf);

	/* A failing read reaches whoever needed it. */
	src.fail_at = 0;
	is_int(kmod_elf_new_sparse(poisoned, im.size, sparse_fill, &src, &elf), -EIO,
	       "%s: sparse: header read error returned", cfg);
	src.fail_at = im.data_off[S_MODINFO];
	if (is_int(kmod_elf_new_sparse(poisoned, im.size, sparse_fill, &src, &elf), 0,
		   "%s: sparse: parse again", cfg)) {
		is_int(kmod_elf_get_modinfo_strings(elf, &strs), -EIO,
		       "%s: sparse: section read error returned", cfg);
		kmod_elf_free(elf);
	}
}

/* ---- (c) hostile input ---- */

/* Parse a private exact-size copy (so over-reads are visible to valgrind/ASan). */
static int parse_copy(const uint8_t *data, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct kmod_elf *elf = NULL;
	int err;

	memcpy(copy, data, len);
	err = kmod_elf_new(copy, len, &elf);
	kmod_elf_free(elf);
	free(copy);
	return err;
}

#define NGETTERS 9

/* Every getter, results into r[NGETTERS]. */
static void run_getters(struct kmod_elf *elf, uint8_t *strip, int r[NGETTERS])
{
	void *p = NULL;
	const void *buf;
	const uint8_t *id;
	uint64_t size;
	size_t idlen;
	const char *name;

	r[0] = kmod_elf_get_section(elf, ".modinfo", &buf, &size);
	r[1] = kmod_elf_get_modinfo_strings(elf, (char ***)&p);
	free(TAKE_PTR(p));
	r[2] = kmod_elf_get_modversions(elf, (struct kmod_modversion **)&p);
	free(TAKE_PTR(p));
	r[3] = kmod_elf_get_this_module_name(elf, &name);
	r[4] = kmod_elf_get_symbols(elf, (struct kmod_elf_symbol **)&p);
	free(TAKE_PTR(p));
	r[5] = kmod_elf_get_dependency_symbols(elf, (struct kmod_elf_symbol **)&p);
	free(TAKE_PTR(p));
	r[6] = kmod_elf_strip(elf, strip, KMOD_ELF_STRIP_MODVERSION);
	r[7] = kmod_elf_strip(elf, strip, KMOD_ELF_STRIP_VERMAGIC);
	r[8] = kmod_elf_get_build_id(elf, &id, &idlen);
	if (r[8] == 0)
		(void)*((const volatile uint8_t *)id + idlen - 1);
}

/*
 * Every getter on a copy: each must return a count/0 or one of the documented
 * errnos, and the same over a sparse copy that is read only where asked.
 */
static bool exercise(const uint8_t *data, size_t len)
{
	uint8_t *copy = malloc(len), *strip = malloc(len), *poisoned = malloc(len);
	bool *filled = calloc(len ? len : 1, sizeof(bool));
	struct sparse_src src = {
		.from = data, .to = poisoned, .filled = filled, .fail_at = UINT64_MAX
	};
	struct kmod_elf *elf = NULL;
	bool good = true;
	int r[NGETTERS], rs[NGETTERS], err, errs;

	memcpy(copy, data, len);
	memcpy(strip, data, len);
	memset(poisoned, 0xa5, len);
	err = kmod_elf_new(copy, len, &elf);
	if (err == 0) {
		run_getters(elf, strip, r);
		for (int i = 0; i < NGETTERS; i++)
			good &= r[i] >= 0 || r[i] == -ENODATA || r[i] == -EINVAL;
		kmod_elf_free(elf);
	}
	memcpy(strip, data, len);
	errs = kmod_elf_new_sparse(poisoned, len, sparse_fill, &src, &elf);
	good &= errs == err;
	if (errs == 0) {
		run_getters(elf, strip, rs);
		good &= err != 0 || memcmp(r, rs, sizeof(r)) == 0;
		kmod_elf_free(elf);
	}
	free(copy);
	free(strip);
	free(poisoned);
	free(filled);
	return good;
}

static int mutated(const struct img *im, size_t off, unsigned int width, uint64_t v)
{
	static struct img m;

	m = *im;
	tput(m.buf + off, width, m.msb, v);
	return parse_copy(m.buf, m.size);
}

static void test_hostile(bool is64, bool msb)
{
	const char *cfg = cfg_name(is64, msb);
	static struct img im, m;
	struct kmod_elf *elf;
	unsigned int w = is64 ? 8 : 4;
	uint64_t max = is64 ? UINT64_MAX : UINT32_MAX;
	size_t mod_h, str_h, bad = 0;
	int err;

	build_synth(&im, is64, msb);
	mod_h = shdr_at(&im, S_MODINFO);
	str_h = shdr_at(&im, S_COUNT);

	is_int(mutated(&im, 0, 1, 0x7e), -ENOEXEC, "%s: bad magic", cfg);
	is_int(mutated(&im, 4, 1, 0), -ENOEXEC, "%s: EI_CLASS 0", cfg);
	is_int(mutated(&im, 4, 1, 3), -ENOEXEC, "%s: EI_CLASS 3", cfg);
	is_int(mutated(&im, 5, 1, 0), -ENOEXEC, "%s: EI_DATA 0", cfg);
	is_int(mutated(&im, 5, 1, 3), -ENOEXEC, "%s: EI_DATA 3", cfg);
	is_int(mutated(&im, E_SHOFF(&im), w, im.size), -ENOEXEC, "%s: e_shoff past end",
	       cfg);
	is_int(mutated(&im, E_SHOFF(&im), w, im.shoff + 1), -ENOEXEC,
	       "%s: table 1 byte over", cfg);
	is_int(mutated(&im, E_SHOFF(&im), w, max - 100), -ENOEXEC,
	       "%s: e_shoff+table wraps", cfg);
	is_int(mutated(&im, E_SHNUM(&im), 2, 0xffff), -ENOEXEC, "%s: e_shnum huge", cfg);
	is_int(mutated(&im, E_SHNUM(&im), 2, 0), -ENOEXEC, "%s: e_shnum 0", cfg);
	is_int(mutated(&im, E_SHENTSIZE(&im), 2, im.shentsize + 1), -ENOEXEC,
	       "%s: e_shentsize too big", cfg);
	is_int(mutated(&im, E_SHENTSIZE(&im), 2, is64 ? 40 : 64), -ENOEXEC,
	       "%s: e_shentsize of the other class", cfg);
	is_int(mutated(&im, E_SHENTSIZE(&im), 2, 0), -ENOEXEC, "%s: e_shentsize 0", cfg);
	is_int(mutated(&im, E_SHSTRNDX(&im), 2, im.shnum), -ENOEXEC,
	       "%s: e_shstrndx = shnum", cfg);
	is_int(mutated(&im, E_SHSTRNDX(&im), 2, 0xffff), -ENOEXEC,
	       "%s: e_shstrndx XINDEX", cfg);
	is_int(mutated(&im, E_SHSTRNDX(&im), 2, 0), -ENOEXEC,
	       "%s: e_shstrndx = NULL section", cfg);
	is_int(mutated(&im, E_SHSTRNDX(&im), 2, S_BSS), -ENOEXEC,
	       "%s: e_shstrndx = NOBITS", cfg);
	is_int(mutated(&im, mod_h + SH_SIZE(&im), w, max - 8), -ENOEXEC,
	       "%s: offset+size wraps", cfg);
	is_int(mutated(&im, mod_h + SH_OFFSET(&im), w, max), -ENOEXEC,
	       "%s: offset at max", cfg);
	is_int(mutated(&im, mod_h + SH_SIZE(&im), w,
		       im.size - im.data_off[S_MODINFO] + 1),
	       -ENOEXEC, "%s: section 1 byte past end", cfg);
	is_int(mutated(&im, mod_h, 4, 0x7fffffff), -ENOEXEC, "%s: sh_name out of range",
	       cfg);
	is_int(mutated(&im, str_h + SH_SIZE(&im), w, 0), -ENOEXEC, "%s: empty shstrtab",
	       cfg);
	m = im;
	m.buf[m.data_off[S_COUNT] + tget(m.buf + str_h + SH_SIZE(&m), w, msb) - 1] = 'x';
	is_int(parse_copy(m.buf, m.size), -ENOEXEC, "%s: unterminated shstrtab", cfg);

	/* A consistent image with headers 8 bytes apart: only e_shentsize is wrong. */
	shdr_pad = 8;
	build_synth(&m, is64, msb);
	shdr_pad = 0;
	is_int(parse_copy(m.buf, m.size), -ENOEXEC, "%s: padded section headers", cfg);

	/* A NOBITS section's offset/size are never file bytes. */
	is_int(mutated(&im, shdr_at(&im, S_BSS) + SH_OFFSET(&im), w, max), 0,
	       "%s: NOBITS with absurd offset accepted", cfg);

	for (size_t len = 0; len < im.size; len++) {
		err = parse_copy(im.buf, len);
		if (err != -ENOEXEC) {
			bad++;
			printf("# truncated to %zu: %d\n", len, err);
		}
	}
	is_int(bad, 0, "%s: all %zu truncations rejected with -ENOEXEC", cfg, im.size);
	is_int(parse_copy(im.buf, im.size), 0, "%s: untruncated image accepted", cfg);

	/* Corrupt contents: headers fine, getters must fail cleanly. */
	m = im;
	memset(m.buf + m.data_off[S_VERSIONS] + 64 + w, 'A', 64 - w);
	if (is_int(kmod_elf_new(m.buf, m.size, &elf), 0, "%s: bad __versions parses",
		   cfg)) {
		struct kmod_modversion *mv = NULL;
		struct kmod_elf_symbol *sy = NULL;

		is_int(kmod_elf_get_modversions(elf, &mv), -EINVAL,
		       "%s: unterminated __versions name", cfg);
		is_int(kmod_elf_get_dependency_symbols(elf, &sy), -EINVAL,
		       "%s: dependency symbols see bad __versions", cfg);
		kmod_elf_free(elf);
	}
	m = im;
	memset(m.buf + m.data_off[S_THIS] + (is64 ? 24 : 12), 'n', 96 - (is64 ? 24 : 12));
	if (is_int(kmod_elf_new(m.buf, m.size, &elf), 0, "%s: bad this_module parses",
		   cfg)) {
		const char *name;

		is_int(kmod_elf_get_this_module_name(elf, &name), -EINVAL,
		       "%s: unterminated this_module name", cfg);
		kmod_elf_free(elf);
	}

	/* A symbol table that does not hold whole entries is corrupt. */
	m = im;
	tput(m.buf + shdr_at(&m, S_SYMTAB) + SH_SIZE(&m), w, msb,
	     (is64 ? 24 : 16) * 7 - 1);
	if (is_int(kmod_elf_new(m.buf, m.size, &elf), 0, "%s: ragged .symtab parses",
		   cfg)) {
		struct kmod_elf_symbol *sy = NULL;

		is_int(kmod_elf_get_dependency_symbols(elf, &sy), -EINVAL,
		       "%s: ragged .symtab rejected", cfg);
		kmod_elf_free(elf);
	}

	bad = 0;
	srand(is64 * 2 + msb + 1);
	for (int i = 0; i < 20000; i++) {
		m = im;
		for (int k = 0; k < 1 + rand() % 4; k++)
			m.buf[(size_t)rand() % m.size] = (uint8_t)rand();
		bad += !exercise(m.buf, m.size);
	}
	is_int(bad, 0, "%s: 20000 random corruptions give only 0/-ENODATA/-EINVAL", cfg);
}

/* A synthesized image with a custom .modinfo / __versions / this_module. */
static void test_contents(bool is64, bool msb)
{
	const char *cfg = cfg_name(is64, msb);
	static const char tail[] = "license=GPL\0vermagic=unterminated";
	static const char only_nul[] = "\0\0\0";
	uint8_t versions[65] = { 0 }, this_mod[96] = { 0 };
	unsigned int name_at = is64 ? 24 : 12;
	static struct img im;
	struct kmod_elf *elf;
	struct kmod_modversion *mv = NULL;
	char **strs = NULL;
	const char *name = NULL;
	int n;

	memset(this_mod + name_at, 'x', sizeof(this_mod) - name_at);
	this_mod[name_at + (is64 ? 55 : 59)] = '\0'; /* longest name the class allows */
	const struct tsec secs[] = {
		{ ".modinfo", 1, 0, tail, sizeof(tail) - 1, 0 },
		{ "__versions", 1, 2, versions, sizeof(versions), 0 },
		{ ".gnu.linkonce.this_module", 1, 0, this_mod, sizeof(this_mod), 0 },
		{ "empty", 1, 0, only_nul, 3, 0 },
	};
	const struct tsec nul_modinfo = { ".modinfo", 1, 0, only_nul, 3, 0 };
	build(&im, is64, msb, secs, 4);
	if (kmod_elf_new(im.buf, im.size, &elf) != 0) {
		ok(0, "%s: contents image", cfg);
		return;
	}
	n = kmod_elf_get_modinfo_strings(elf, &strs);
	/* Chosen behaviour: an unterminated last string is dropped, not an error. */
	if (is_int(n, 1, "%s: unterminated modinfo tail ignored", cfg))
		is_str(strs[0], "license=GPL", "%s: terminated string kept", cfg);
	free(strs);
	is_int(kmod_elf_get_modversions(elf, &mv), -EINVAL, "%s: __versions of 65 bytes",
	       cfg);
	is_int(kmod_elf_get_this_module_name(elf, &name), 0, "%s: longest name accepted",
	       cfg);
	is_int(name ? strlen(name) : 0, is64 ? 55 : 59, "%s: name length", cfg);
	is_int(kmod_elf_strip(elf, im.buf, KMOD_ELF_STRIP_VERMAGIC), -ENODATA,
	       "%s: unterminated vermagic is not stripped", cfg);
	kmod_elf_free(elf);

	/* A NUL right after the field does not count. */
	this_mod[name_at + (is64 ? 55 : 59)] = 'x';
	this_mod[name_at + (is64 ? 56 : 60)] = '\0';
	build(&im, is64, msb, secs, 3);
	if (is_int(kmod_elf_new(im.buf, im.size, &elf), 0, "%s: long name image", cfg)) {
		is_int(kmod_elf_get_this_module_name(elf, &name), -EINVAL,
		       "%s: name without NUL in its field", cfg);
		kmod_elf_free(elf);
	}

	build(&im, is64, msb, &secs[3], 1);
	if (is_int(kmod_elf_new(im.buf, im.size, &elf), 0, "%s: bare image", cfg)) {
		is_int(kmod_elf_get_modinfo_strings(elf, &strs), -ENODATA,
		       "%s: no .modinfo", cfg);
		is_int(kmod_elf_get_modversions(elf, &mv), -ENODATA, "%s: no __versions",
		       cfg);
		is_int(kmod_elf_get_this_module_name(elf, &name), -ENODATA,
		       "%s: no this_module", cfg);
		is_int(kmod_elf_get_dependency_symbols(elf,
						       (struct kmod_elf_symbol **)&mv),
		       -ENODATA, "%s: no .symtab", cfg);
		n = kmod_elf_get_symbols(elf, (struct kmod_elf_symbol **)&mv);
		is_int(n, 0, "%s: no exports", cfg);
		free(mv);
		kmod_elf_free(elf);
	}

	build(&im, is64, msb, &nul_modinfo, 1);
	if (is_int(kmod_elf_new(im.buf, im.size, &elf), 0, "%s: NUL .modinfo image",
		   cfg)) {
		n = kmod_elf_get_modinfo_strings(elf, &strs);
		ok(n == 0 && strs != NULL && strs[0] == NULL,
		   "%s: all-NUL .modinfo: 0 strings", cfg);
		free(strs);
		kmod_elf_free(elf);
	}
}

/*
 * The symbol lists in kmod's order and with its choices: undefined symbols in
 * table order, then the __versions records no undefined symbol names, in
 * section order; a name listed twice in __versions takes the first record's
 * CRC and leaves the second unnamed (kmod searches the records in order).  A
 * string table without a final NUL is checked name by name.
 */
static int symbol_lists(bool is64, bool msb, const char *strtab, size_t strtab_len,
			struct kmod_elf_symbol **exports, int *n_exports)
{
	static const char *const vnames[] = { "zed", "module_layout", "zed", "alpha" };
	uint8_t versions[4 * 64] = { 0 }, symtab[4 * 24] = { 0 };
	unsigned int w = is64 ? 8 : 4, symsz = is64 ? 24 : 16;
	struct img shape = { .is64 = is64, .msb = msb };
	struct kmod_elf_symbol *deps = NULL;
	static struct img im;
	struct kmod_elf *elf;
	int n;

	for (size_t i = 0; i < ARRAY_SIZE(vnames); i++) {
		tput(versions + 64 * i, w, msb, 0x11 * (i + 1));
		memcpy(versions + 64 * i + w, vnames[i], strlen(vnames[i]) + 1);
	}
	put_sym(symtab + 1 * symsz, &shape, 1, 0x10, 0, 0);	    /* zed */
	put_sym(symtab + 2 * symsz, &shape, 5, 0x00, 0xfff1, 0x55); /* __crc_x, local */
	put_sym(symtab + 3 * symsz, &shape, 13, 0x20, 0, 0);	    /* bar, weak */
	const struct tsec secs[] = {
		{ "__versions", 1, 0x2, versions, sizeof(versions), 0 },
		{ ".symtab", 2, 0, symtab, 4 * symsz, 3 },
		{ ".strtab", 3, 0, strtab, strtab_len, 0 },
	};
	build(&im, is64, msb, secs, ARRAY_SIZE(secs));
	if (kmod_elf_new(im.buf, im.size, &elf) != 0)
		return -ENOEXEC;
	*n_exports = kmod_elf_get_symbols(elf, exports);
	n = kmod_elf_get_dependency_symbols(elf, &deps);
	kmod_elf_free(elf);
	if (n < 0)
		return n;
	ok(n == 5, "%s: 4 records, 2 undefined symbols: 5 dependency symbols",
	   cfg_name(is64, msb));
	if (n == 5) {
		static const char *const names[] = { "zed", "bar", "module_layout", "zed",
						     "alpha" };
		static const uint64_t crcs[] = { 0x11, 0, 0x22, 0x33, 0x44 };
		static const char binds[] = "UWUUU";
		bool same = true;

		for (int i = 0; i < n; i++)
			same = same && strcmp(deps[i].symbol, names[i]) == 0 &&
			       deps[i].crc == crcs[i] && deps[i].bind == binds[i];
		ok(same,
		   "%s: table order, then unnamed records in section order, first "
		   "record's CRC",
		   cfg_name(is64, msb));
	}
	free(deps);
	return n;
}

static void test_symbol_lists(bool is64, bool msb)
{
	static const char terminated[] = "\0zed\0__crc_x\0bar\0";
	static const char tail_unused[] = "\0zed\0__crc_x\0bar\0junk";
	static const char tail_used[] = "\0zed\0__crc_x\0bar";
	const char *cfg = cfg_name(is64, msb);
	struct kmod_elf_symbol *ex = NULL;
	int n, nex;

	n = symbol_lists(is64, msb, terminated, sizeof(terminated) - 1, &ex, &nex);
	is_int(n, 5, "%s: terminated .strtab", cfg);
	ok(nex == 1 && ex[0].crc == 0x55 && ex[0].bind == 'L' &&
		   strcmp(ex[0].symbol, "x") == 0,
	   "%s: a local __crc_ symbol is an export", cfg);
	free(ex);
	n = symbol_lists(is64, msb, tail_unused, sizeof(tail_unused) - 1, &ex, &nex);
	is_int(n, 5, "%s: .strtab without final NUL, its tail unused", cfg);
	is_int(nex, 1, "%s: ... one export", cfg);
	free(ex);
	n = symbol_lists(is64, msb, tail_used, sizeof(tail_used) - 1, &ex, &nex);
	is_int(n, -EINVAL, "%s: a name running off .strtab: no dependency symbols", cfg);
	is_int(nex, -EINVAL, "%s: ... no exports", cfg);
}

/* kmod_elf_get_build_id() over one .note.gnu.build-id of @len bytes at @note. */
static int build_id_of(bool is64, bool msb, uint32_t type, const uint8_t *note,
		       size_t len, size_t *idlen)
{
	static struct img im;
	const struct tsec sec = { ".note.gnu.build-id", type, 0x2, note, len, 0 };
	struct kmod_elf *elf;
	const uint8_t *id = NULL;
	int err;

	build(&im, is64, msb, &sec, 1);
	err = kmod_elf_new(im.buf, im.size, &elf);
	if (err < 0)
		return err;
	*idlen = 0;
	err = kmod_elf_get_build_id(elf, &id, idlen);
	if (err == 0 &&
	    (id < im.buf + im.data_off[1] || id + *idlen > im.buf + im.data_off[1] + len))
		err = -ERANGE; /* outside its section */
	kmod_elf_free(elf);
	return err;
}

/* Notes that are not a build-id, or not whole, give -EINVAL and nothing else. */
static void test_build_id(bool is64, bool msb)
{
	const char *cfg = cfg_name(is64, msb);
	uint8_t n[128];
	size_t len, full, idlen, bad = 0;

	full = put_note(n, msb, "GNU", 4, 3, 20);
	is_int(build_id_of(is64, msb, 7, n, full, &idlen), 0, "%s: build-id note", cfg);
	is_int(idlen, 20, "%s: build-id of 20 bytes", cfg);
	for (len = 0; len < full; len++)
		bad += build_id_of(is64, msb, 7, n, len, &idlen) != -EINVAL;
	is_int(bad, 0, "%s: build-id note cut short: -EINVAL until its last byte", cfg);
	is_int(build_id_of(is64, msb, 8, n, full, &idlen), -ENODATA,
	       "%s: build-id section NOBITS", cfg);
	len = put_note(n, msb, "GNU", 4, 3, 1);
	ok(build_id_of(is64, msb, 7, n, len, &idlen) == 0 && idlen == 1,
	   "%s: a build-id of one byte", cfg);
	len = put_note(n, msb, "GNU", 4, 3, 0);
	is_int(build_id_of(is64, msb, 7, n, len, &idlen), -EINVAL, "%s: empty build-id",
	       cfg);
	len = put_note(n, msb, "GNU", 4, 1, 20);
	is_int(build_id_of(is64, msb, 7, n, len, &idlen), -EINVAL, "%s: note type 1",
	       cfg);
	len = put_note(n, msb, "GNV", 4, 3, 20);
	is_int(build_id_of(is64, msb, 7, n, len, &idlen), -EINVAL, "%s: owner GNV", cfg);
	len = put_note(n, msb, "GNU", 3, 3, 20);
	is_int(build_id_of(is64, msb, 7, n, len, &idlen), -EINVAL,
	       "%s: owner GNU without its NUL", cfg);
	len = put_note(n, msb, "GNU", 4, 3, 20);
	tput(n, 4, msb, 0xfffffffd); /* namesz: aligned up, near 2^32 */
	is_int(build_id_of(is64, msb, 7, n, len, &idlen), -EINVAL, "%s: namesz huge",
	       cfg);
	tput(n, 4, msb, 4);
	tput(n + 4, 4, msb, 0xffffffff);
	is_int(build_id_of(is64, msb, 7, n, len, &idlen), -EINVAL, "%s: descsz huge",
	       cfg);
	tput(n + 4, 4, msb, 21);
	is_int(build_id_of(is64, msb, 7, n, len, &idlen), -EINVAL,
	       "%s: descsz one byte past the section", cfg);
	/* a first note whose padded descriptor ends past the section */
	len = put_note(n, msb, "Linux", 6, 1, 3);
	len += put_note(n + len, msb, "GNU", 4, 3, 20);
	tput(n + 4, 4, msb, 3 + (uint32_t)len);
	is_int(build_id_of(is64, msb, 7, n, len, &idlen), -EINVAL,
	       "%s: other note running past the section", cfg);
	tput(n + 4, 4, msb, 3);
	ok(build_id_of(is64, msb, 7, n, len, &idlen) == 0 && idlen == 20,
	   "%s: padded note before the build-id skipped", cfg);
}

/* ---- (d) strip ---- */

/* Number of bytes that differ between @a and @b outside [skip, skip + n). */
static size_t diff_outside(const uint8_t *a, const uint8_t *b, size_t len, size_t skip,
			   size_t n)
{
	size_t d = 0;

	for (size_t i = 0; i < len; i++)
		d += (i < skip || i >= skip + n) && a[i] != b[i];
	return d;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != 0)
			return false;
	}
	return true;
}

static void test_strip(bool is64, bool msb)
{
	const char *cfg = cfg_name(is64, msb);
	static struct img im, other;
	static uint8_t copy[sizeof(im.buf)];
	static const char multi[] = "vermagic=a\0foo=vermagic=b\0vermagic=c\0";
	static const char lic[] = "license=GPL\0";
	unsigned int w = is64 ? 8 : 4;
	struct kmod_elf *elf, *elf2;
	size_t flags_at, vm_at, vm_len = strlen("vermagic=1.2.3 SMP");
	char **strs = NULL;

	build_synth(&im, is64, msb);
	flags_at = shdr_at(&im, S_VERSIONS) + SH_FLAGS;
	vm_at = im.data_off[S_MODINFO] + 16; /* "\0\0license=GPL\0\0\0" precedes it */
	ok(memcmp(im.buf + vm_at, "vermagic=", 9) == 0, "%s: vermagic located by test",
	   cfg);
	if (kmod_elf_new(im.buf, im.size, &elf) != 0) {
		ok(0, "%s: strip image", cfg);
		return;
	}

	memcpy(copy, im.buf, im.size);
	is_int(kmod_elf_strip(elf, copy, KMOD_ELF_STRIP_MODVERSION), 0,
	       "%s: strip MODVERSION", cfg);
	ok(tget(copy + flags_at, w, msb) == 0x10001,
	   "%s: SHF_ALLOC cleared, other flags kept", cfg);
	is_int(diff_outside(copy, im.buf, im.size, flags_at, w), 0,
	       "%s: nothing else changed by MODVERSION", cfg);

	memcpy(copy, im.buf, im.size);
	is_int(kmod_elf_strip(elf, copy, KMOD_ELF_STRIP_VERMAGIC), 0,
	       "%s: strip VERMAGIC", cfg);
	ok(all_zero(copy + vm_at, vm_len), "%s: vermagic bytes are NUL", cfg);
	is_int(diff_outside(copy, im.buf, im.size, vm_at, vm_len), 0,
	       "%s: nothing else changed by VERMAGIC", cfg);
	if (is_int(kmod_elf_new(copy, im.size, &elf2), 0, "%s: parse", cfg)) {
		int n = kmod_elf_get_modinfo_strings(elf2, &strs);

		ok(n == 2 && strcmp(strs[0], "license=GPL") == 0 &&
			   strcmp(strs[1], "alias=foo") == 0,
		   "%s: modinfo after VERMAGIC strip", cfg);
		free(strs);
		kmod_elf_free(elf2);
	}
	is_int(kmod_elf_strip(elf, copy, 0x4), -EINVAL, "%s: unknown strip flag", cfg);
	kmod_elf_free(elf);

	/* In place: @mem is the very buffer the elf reads. */
	memcpy(copy, im.buf, im.size);
	if (is_int(kmod_elf_new(copy, im.size, &elf), 0, "%s: parse", cfg)) {
		is_int(kmod_elf_strip(elf, copy,
				      KMOD_ELF_STRIP_MODVERSION |
					      KMOD_ELF_STRIP_VERMAGIC),
		       0, "%s: strip both in place", cfg);
		ok(tget(copy + flags_at, w, msb) == 0x10001 &&
			   all_zero(copy + vm_at, vm_len),
		   "%s: both edits applied in place", cfg);
		copy[flags_at + (msb ? w - 1 : 0)] |= 2;
		is_int(diff_outside(copy, im.buf, im.size, vm_at, vm_len), 0,
		       "%s: in-place strip touched nothing else", cfg);
		kmod_elf_free(elf);
	}

	/* Nothing to strip: -ENODATA, and no partial edit when one of two is missing. */
	const struct tsec only_modinfo[] = { { ".modinfo", 1, 2, lic, sizeof(lic) - 1,
					       0 } };
	build(&other, is64, msb, only_modinfo, 1);
	memcpy(copy, other.buf, other.size);
	if (is_int(kmod_elf_new(other.buf, other.size, &elf), 0, "%s: parse", cfg)) {
		is_int(kmod_elf_strip(elf, copy, KMOD_ELF_STRIP_MODVERSION), -ENODATA,
		       "%s: no __versions", cfg);
		is_int(kmod_elf_strip(elf, copy, KMOD_ELF_STRIP_VERMAGIC), -ENODATA,
		       "%s: no vermagic", cfg);
		ok(memcmp(copy, other.buf, other.size) == 0,
		   "%s: -ENODATA left mem alone", cfg);
		kmod_elf_free(elf);
	}
	const struct tsec no_vermagic[] = {
		{ ".modinfo", 1, 2, lic, sizeof(lic) - 1, 0 },
		{ "__versions", 1, 2, copy, 64, 0 },
	};
	build(&other, is64, msb, no_vermagic, 2);
	memcpy(copy, other.buf, other.size);
	if (is_int(kmod_elf_new(other.buf, other.size, &elf), 0, "%s: parse", cfg)) {
		is_int(kmod_elf_strip(elf, copy,
				      KMOD_ELF_STRIP_MODVERSION |
					      KMOD_ELF_STRIP_VERMAGIC),
		       -ENODATA, "%s: both requested, vermagic missing", cfg);
		ok(memcmp(copy, other.buf, other.size) == 0, "%s: no partial strip", cfg);
		kmod_elf_free(elf);
	}

	/* Every vermagic= string goes; "foo=vermagic=b" is not one. */
	const struct tsec multi_sec[] = { { ".modinfo", 1, 2, multi, sizeof(multi) - 1,
					    0 } };
	build(&other, is64, msb, multi_sec, 1);
	memcpy(copy, other.buf, other.size);
	if (is_int(kmod_elf_new(other.buf, other.size, &elf), 0, "%s: parse", cfg)) {
		size_t at = other.data_off[1];

		is_int(kmod_elf_strip(elf, copy, KMOD_ELF_STRIP_VERMAGIC), 0,
		       "%s: strip repeated vermagic", cfg);
		ok(all_zero(copy + at, 10) && all_zero(copy + at + 26, 10) &&
			   memcmp(copy + at + 11, "foo=vermagic=b", 15) == 0 &&
			   diff_outside(copy, other.buf, other.size, at, sizeof(multi)) ==
				   0,
		   "%s: both vermagic strings blanked, the rest intact", cfg);
		kmod_elf_free(elf);
	}
}

/* ---- (a) objects compiled by gcc ---- */

static const char fixture_src[] =
	"#define MI(n, s) __attribute__((section(\".modinfo\"), used, aligned(1))) \\\n"
	"	static const char n[] = s\n"
	"MI(mi_license, \"license=GPL\");\n"
	"MI(mi_vermagic, \"vermagic=6.1.0-fixture SMP mod_unload modversions \");\n"
	"MI(mi_alias, \"alias=pci:v00001234d*sv*sd*bc*sc*i*\");\n"
	"MI(mi_depends, \"depends=\");\n"
	"MI(mi_name, \"name=fixture\");\n"
	"struct modversion_info { unsigned long crc; char name[64 - sizeof(unsigned "
	"long)]; };\n"
	"__attribute__((section(\"__versions\"), used, aligned(8)))\n"
	"static const struct modversion_info vers[] = {\n"
	"	{ (unsigned long)0x1122334455667788ULL, \"module_layout\" },\n"
	"	{ 0x9abcdef0, \"needed_symbol\" },\n"
	"	{ 0x0badf00d, \".dotted\" },\n"
	"};\n"
	"struct module { int state; void *next, *prev; char name[64 - sizeof(long)]; };\n"
	"__attribute__((section(\".gnu.linkonce.this_module\"), used))\n"
	"struct module __this_module = { .name = \"fixture\" };\n"
	"extern int needed_symbol(int);\n"
	"extern int weak_ref(void) __attribute__((weak));\n"
	"asm(\".globl __crc_exported_abs\\n.set __crc_exported_abs, 0x11223344\\n\");\n"
	"__attribute__((section(\"___kcrctab+exported_rel\"), used))\n"
	"const unsigned int __crc_exported_rel = 0xcafebabe;\n"
	"__attribute__((section(\"___kcrctab+local_one\"), used))\n"
	"static const unsigned int __crc_local_one = 0x5a5a5a5a;\n"
	"int init_module(void) { return needed_symbol(1) + (weak_ref ? weak_ref() : 0); "
	"}\n";

static const char ksymtab_src[] =
	"__attribute__((section(\"__ksymtab_strings\"), used, aligned(1)))\n"
	"static const char ks[] = \"ksym_one\\0ksym_two\\0\\0ksym_three\";\n"
	"int f(void) { return 0; }\n";

static const char *const fixture_modinfo[] = {
	"license=GPL",
	"vermagic=6.1.0-fixture SMP mod_unload modversions ",
	"alias=pci:v00001234d*sv*sd*bc*sc*i*",
	"depends=",
	"name=fixture",
};

static int run(const char *cmd)
{
	int r = system(cmd);

	return r == -1 ? -1 : WIFEXITED(r) ? WEXITSTATUS(r) : 128;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		b = malloc((size_t)n + 1);
		if (b != NULL && fread(b, 1, (size_t)n, f) != (size_t)n) {
			free(b);
			b = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return b;
}

static bool write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	bool good;

	if (f == NULL)
		return false;
	good = fwrite(data, 1, len, f) == len;
	return (fclose(f) == 0) && good;
}

/* Compile @src into <tmpdir>/<base><suffix>.o; returns the path or NULL. */
static char *compile(const char *base, const char *src, const char *flags,
		     const char *suffix)
{
	static char obj[4][512];
	static int slot;
	char c[512], cmd[2048];
	char *o = obj[slot++ % 4];

	snprintf(c, sizeof(c), "%s/%s.c", tmpdir, base);
	snprintf(o, sizeof(obj[0]), "%s/%s%s.o", tmpdir, base, suffix);
	if (!write_file(c, src, strlen(src)))
		return NULL;
	snprintf(cmd, sizeof(cmd),
		 "gcc %s -c -O2 -fno-pie -fno-stack-protector -o '%s' '%s' >/dev/null "
		 "2>&1",
		 flags, o, c);
	return run(cmd) == 0 ? o : NULL;
}

/* Raw bytes of one allocated section of @obj via objcopy, or NULL. */
static uint8_t *objcopy_section(const char *obj, const char *sec, size_t *len)
{
	char out[600], cmd[2048];
	uint8_t *b;

	snprintf(out, sizeof(out), "%s.%s.bin", obj, sec);
	snprintf(cmd, sizeof(cmd),
		 "objcopy -O binary --only-section=%s '%s' '%s' 2>/dev/null", sec, obj,
		 out);
	if (run(cmd) != 0)
		return NULL;
	b = slurp(out, len);
	unlink(out);
	return b;
}

static void skip(const char *what, const char *why)
{
	ok(1, "%s # SKIP %s", what, why);
}

static void test_fixture_modinfo(struct kmod_elf *elf, const char *obj, const char *cfg)
{
	_cleanup_free_ uint8_t *dump = NULL;
	char **strs = NULL;
	const void *buf;
	uint64_t size;
	size_t len, nexp = 0;
	const char *exp[16];
	int n, once = 0;

	dump = objcopy_section(obj, ".modinfo", &len);
	n = kmod_elf_get_modinfo_strings(elf, &strs);
	is_int(n, ARRAY_SIZE(fixture_modinfo), "%s: modinfo string count", cfg);
	for (size_t i = 0; i < ARRAY_SIZE(fixture_modinfo); i++) {
		int seen = 0;

		for (int k = 0; k < n; k++)
			seen += strcmp(strs[k], fixture_modinfo[i]) == 0;
		once += seen == 1;
	}
	is_int(once, ARRAY_SIZE(fixture_modinfo), "%s: every declared string once", cfg);
	if (dump == NULL) {
		skip("modinfo order and bytes", "objcopy unavailable");
		free(strs);
		return;
	}

	ok(kmod_elf_get_section(elf, ".modinfo", &buf, &size) == 0 && size == len &&
		   memcmp(buf, dump, len) == 0,
	   "%s: .modinfo bytes equal objcopy's (%zu bytes)", cfg, len);
	for (size_t i = 0; i < len && nexp < ARRAY_SIZE(exp); i++) {
		if (dump[i] != '\0' && (i == 0 || dump[i - 1] == '\0'))
			exp[nexp++] = (const char *)dump + i;
	}
	ok(n >= 0 && (size_t)n == nexp, "%s: %zu strings in objcopy's bytes", cfg, nexp);
	for (size_t i = 0; i < nexp && i < (size_t)n; i++)
		is_str(strs[i], exp[i], "%s: modinfo[%zu] in file order", cfg, i);
	/* gcc 12 emits reverse declaration order; say so, but it is gcc's business. */
	if (nexp > 0)
		printf("# %s: first .modinfo string in the object: %s\n", cfg, exp[0]);
	free(strs);
}

static void test_fixture_strip(struct kmod_elf *elf, const uint8_t *file, size_t flen,
			       const char *obj, const char *cfg)
{
	_cleanup_free_ uint8_t *copy = malloc(flen);
	_cleanup_free_ uint8_t *before = NULL, *after = NULL, *mi0 = NULL, *mi1 = NULL;
	char stripped[600];
	size_t l0 = 0, l1 = 0, m0 = 0, m1 = 0;
	uint8_t *vm;

	snprintf(stripped, sizeof(stripped), "%s.stripped.o", obj);
	memcpy(copy, file, flen);
	is_int(kmod_elf_strip(elf, copy,
			      KMOD_ELF_STRIP_MODVERSION | KMOD_ELF_STRIP_VERMAGIC),
	       0, "%s: strip both", cfg);
	before = objcopy_section(obj, "__versions", &l0);
	mi0 = objcopy_section(obj, ".modinfo", &m0);
	if (before == NULL || mi0 == NULL || !write_file(stripped, copy, flen)) {
		skip("stripped object seen by objcopy", "objcopy unavailable");
		return;
	}
	/* objcopy -O binary dumps only SHF_ALLOC sections: __versions must vanish. */
	after = objcopy_section(stripped, "__versions", &l1);
	mi1 = objcopy_section(stripped, ".modinfo", &m1);
	ok(l0 == 192 && after != NULL && l1 == 0,
	   "%s: objcopy sees __versions non-ALLOC (%zu→%zu)", cfg, l0, l1);
	vm = memmem(mi0, m0, "vermagic=", 9);
	if (vm != NULL)
		memset(vm, 0, strlen((char *)vm));
	ok(vm != NULL && mi1 != NULL && m1 == m0 && memcmp(mi0, mi1, m0) == 0,
	   "%s: .modinfo after strip = original with vermagic zeroed", cfg);
	unlink(stripped);
}

/* "Build ID: <hex>" of `readelf -n @obj` into @hex; false when there is none. */
static bool readelf_build_id(const char *obj, char hex[static 512])
{
	char cmd[1200];
	bool found = false;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "readelf -n '%s' 2>/dev/null", obj);
	p = popen(cmd, "r");
	if (p == NULL)
		return false;
	while (!found && fgets(cmd, sizeof(cmd), p) != NULL)
		found = sscanf(cmd, " Build ID: %511s", hex) == 1;
	pclose(p);
	return found;
}

/*
 * @obj linked as kbuild links a module (ld -r --build-id[=@how]): the id
 * kmod_elf_get_build_id() finds is readelf's; without --build-id there is none.
 */
static void test_fixture_build_id(const char *obj, bool m32, const char *how)
{
	const char *cfg = m32 ? "gcc -m32" : "gcc";
	_cleanup_free_ uint8_t *file = NULL;
	char out[600], cmd[2048], want[512], got[512] = "";
	struct kmod_elf *elf;
	const uint8_t *id;
	size_t flen, idlen;
	int err;

	snprintf(out, sizeof(out), "%s.linked%s.ko", obj, how ? "-hex" : "");
	snprintf(cmd, sizeof(cmd), "ld -r %s --build-id%s%s -o '%s' '%s' >/dev/null 2>&1",
		 m32 ? "-m elf_i386" : "", how ? "=" : "", how ? how : "", out, obj);
	if (run(cmd) != 0 || !readelf_build_id(out, want) ||
	    (file = slurp(out, &flen)) == NULL) {
		skip("ld -r --build-id and readelf -n", "binutils unavailable");
		return;
	}
	if (!is_int(kmod_elf_new(file, flen, &elf), 0, "%s: parse %s", cfg, out))
		return;
	err = kmod_elf_get_build_id(elf, &id, &idlen);
	for (size_t i = 0; err == 0 && i < idlen && i < sizeof(got) / 2; i++)
		sprintf(got + 2 * i, "%02x", id[i]);
	is_str(got, want, "%s: build-id of ld -r --build-id%s%s is readelf's", cfg,
	       how ? "=" : "", how ? how : "");
	kmod_elf_free(elf);
}

static void test_fixture(bool m32)
{
	const char *cfg = m32 ? "gcc -m32" : "gcc";
	const char *obj =
		compile("fixture", fixture_src, m32 ? "-m32" : "", m32 ? "32" : "");
	const char *ks =
		compile("ksymtab", ksymtab_src, m32 ? "-m32" : "", m32 ? "32" : "");
	_cleanup_free_ uint8_t *file = NULL, *ksfile = NULL;
	struct kmod_modversion *mv = NULL;
	struct kmod_elf_symbol *sy = NULL;
	struct kmod_elf *elf = NULL;
	size_t flen = 0, kslen = 0, bad = 0, idlen;
	const uint8_t *id;
	const char *name;
	bool is64;
	int n;

	if (obj == NULL || ks == NULL || (file = slurp(obj, &flen)) == NULL ||
	    (ksfile = slurp(ks, &kslen)) == NULL) {
		skip(cfg, "cannot compile fixtures");
		return;
	}
	is64 = flen > 4 && file[4] == 2;
	if (!is_int(kmod_elf_new(file, flen, &elf), 0, "%s: parse %s", cfg, obj))
		return;
	ok(is64 == (!m32 && sizeof(long) == 8), "%s: class %s", cfg,
	   is64 ? "ELF64" : "ELF32");

	test_fixture_modinfo(elf, obj, cfg);

	n = kmod_elf_get_modversions(elf, &mv);
	if (is_int(n, 3, "%s: 3 __versions records", cfg)) {
		ok(mv[0].crc == (is64 ? 0x1122334455667788ULL : 0x55667788), "%s: crc[0]",
		   cfg);
		is_str(mv[0].symbol, "module_layout", "%s: version[0]", cfg);
		ok(mv[1].crc == 0x9abcdef0, "%s: crc[1]", cfg);
		is_str(mv[1].symbol, "needed_symbol", "%s: version[1]", cfg);
		ok(mv[2].crc == 0x0badf00d, "%s: crc[2]", cfg);
		is_str(mv[2].symbol, "dotted", "%s: version[2] without '.'", cfg);
	}
	free(mv);

	is_int(kmod_elf_get_this_module_name(elf, &name), 0, "%s: this_module", cfg);
	is_str(name, "fixture", "%s: this_module name", cfg);

	n = kmod_elf_get_symbols(elf, &sy);
	is_int(n, 3, "%s: 3 exports", cfg);
	check_sym(sy, n, "exported_abs", 0x11223344, 'G', cfg, "export");
	check_sym(sy, n, "exported_rel", 0xcafebabe, 'G', cfg, "export");
	check_sym(sy, n, "local_one", 0x5a5a5a5a, 'L', cfg, "export");
	free(sy);

	n = kmod_elf_get_dependency_symbols(elf, &sy);
	/* then, as kmod, the __versions records no undefined symbol names */
	is_int(n, 4, "%s: 2 undefined symbols + 2 other __versions records", cfg);
	check_sym(sy, n, "needed_symbol", 0x9abcdef0, 'U', cfg, "dependency");
	check_sym(sy, n, "weak_ref", 0, 'W', cfg, "dependency");
	check_sym(sy, n, "module_layout", is64 ? 0x1122334455667788ULL : 0x55667788, 'U',
		  cfg, "dependency");
	check_sym(sy, n, "dotted", 0x0badf00d, 'U', cfg, "dependency");
	if (n == 4)
		ok(strcmp(sy[2].symbol, "module_layout") == 0 &&
			   strcmp(sy[3].symbol, "dotted") == 0,
		   "%s: __versions records last, in section order", cfg);
	free(sy);

	test_fixture_strip(elf, file, flen, obj, cfg);
	is_int(kmod_elf_get_build_id(elf, &id, &idlen), -ENODATA,
	       "%s: no build-id before linking", cfg);
	kmod_elf_free(elf);
	test_fixture_build_id(obj, m32, NULL);
	test_fixture_build_id(obj, m32,
			      "0x000102030405060708090a0b0c0d0e0f1011121314151617");

	for (size_t len = 0; len < flen; len++)
		bad += parse_copy(file, len) != -ENOEXEC;
	is_int(bad, 0, "%s: all %zu truncations of the object rejected", cfg, flen);

	if (!is_int(kmod_elf_new(ksfile, kslen, &elf), 0, "%s: parse %s", cfg, ks))
		return;
	n = kmod_elf_get_symbols(elf, &sy);
	is_int(n, 3, "%s: 3 exports from __ksymtab_strings", cfg);
	check_sym(sy, n, "ksym_one", 0, 'G', cfg, "ksymtab");
	check_sym(sy, n, "ksym_two", 0, 'G', cfg, "ksymtab");
	check_sym(sy, n, "ksym_three", 0, 'G', cfg, "ksymtab");
	free(sy);
	is_int(kmod_elf_get_dependency_symbols(elf, &sy), 0, "%s: no undefined symbols",
	       cfg);
	free(sy);
	is_int(kmod_elf_get_modversions(elf, &mv), -ENODATA, "%s: no __versions", cfg);
	kmod_elf_free(elf);
}

int main(void)
{
	char cmd[600];

	for (int c = 0; c < 4; c++) {
		test_synth(c & 2, c & 1);
		test_sparse(c & 2, c & 1);
		test_contents(c & 2, c & 1);
		test_symbol_lists(c & 2, c & 1);
		test_build_id(c & 2, c & 1);
		test_hostile(c & 2, c & 1);
		test_strip(c & 2, c & 1);
	}

	if (mkdtemp(tmpdir) == NULL) {
		skip("gcc fixtures", "mkdtemp failed");
	} else {
		test_fixture(false);
		test_fixture(true);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		run(cmd);
	}
	return tap_done();
}

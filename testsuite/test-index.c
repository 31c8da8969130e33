// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkmod-index on indexes written by the small trie builder below, in both
 * layouts kmod has used (pre-order since v34, post-order before), checked
 * against answers worked out by hand or by brute force with fnmatch(3); then
 * hand-made hostile files, truncation and byte flips.  The indexes of a real
 * depmod are test-index-real's (run by test-index-real.sh).
 */

#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/macro.h"
#include "util/util.h"

#include "testsuite/tap.h"
#include "testsuite/test-index-util.h"

/* ---- trie builder: kmod's insertion rules, either layout ---- */

struct tval {
	struct tval *next;
	unsigned int prio;
	char *s;
};

struct tnode {
	char *prefix;
	struct tnode *child[128];
	struct tval *values;
};

static struct tnode *tnode_new(const char *prefix)
{
	struct tnode *n = calloc(1, sizeof(*n));

	check(n != NULL && (n->prefix = strdup(prefix)) != NULL);
	return n;
}

static void tnode_free(struct tnode *n)
{
	if (n == NULL)
		return;
	for (int i = 0; i < 128; i++)
		tnode_free(n->child[i]);
	while (n->values) {
		struct tval *v = n->values;

		n->values = v->next;
		free(v->s);
		free(v);
	}
	free(n->prefix);
	free(n);
}

/* Sorted by priority; a newer value goes in front of older ones of equal priority. */
static void tval_add(struct tval **list, const char *s, unsigned int prio)
{
	struct tval *v = malloc(sizeof(*v));

	check(v != NULL && (v->s = strdup(s)) != NULL);
	while (*list && (*list)->prio < prio)
		list = &(*list)->next;
	v->prio = prio;
	v->next = *list;
	*list = v;
}

static void tinsert(struct tnode *node, const char *key, const char *value,
		    unsigned int prio)
{
	size_t i = 0;

	for (;;) {
		size_t j = 0;
		unsigned char c;

		while (node->prefix[j] && node->prefix[j] == key[i + j])
			j++;
		if (node->prefix[j]) {
			struct tnode *rest = tnode_new(node->prefix + j + 1);

			memcpy(rest->child, node->child, sizeof(node->child));
			memset(node->child, 0, sizeof(node->child));
			rest->values = node->values;
			node->values = NULL;
			node->child[(unsigned char)node->prefix[j]] = rest;
			node->prefix[j] = '\0';
		}
		i += j;
		if (key[i] == '\0') {
			tval_add(&node->values, value, prio);
			return;
		}
		c = (unsigned char)key[i];
		if (node->child[c] == NULL) {
			node->child[c] = tnode_new(key + i + 1);
			tval_add(&node->child[c]->values, value, prio);
			return;
		}
		node = node->child[c];
		i++;
	}
}

struct tbuf {
	uint8_t b[1 << 20];
	size_t n;
};

static void put32(struct tbuf *b, size_t at, uint32_t v)
{
	check(at + 4 <= sizeof(b->b));
	b->b[at] = (uint8_t)(v >> 24);
	b->b[at + 1] = (uint8_t)(v >> 16);
	b->b[at + 2] = (uint8_t)(v >> 8);
	b->b[at + 3] = (uint8_t)v;
}

static void append(struct tbuf *b, const void *p, size_t len)
{
	check(b->n + len <= sizeof(b->b));
	memcpy(b->b + b->n, p, len);
	b->n += len;
}

static uint32_t twrite(struct tbuf *b, const struct tnode *n, bool preorder)
{
	uint32_t kids[128] = { 0 }, word = 0;
	int first = 0, last = -1;
	size_t table = 0, off, count = 0;

	for (int c = 1; c < 128; c++) {
		if (n->child[c] == NULL)
			continue;
		first = first ? first : c;
		last = c;
		if (!preorder)
			kids[c] = twrite(b, n->child[c], false);
	}
	off = b->n;
	if (n->prefix[0]) {
		word |= 0x80000000U;
		append(b, n->prefix, strlen(n->prefix) + 1);
	}
	if (last >= 0) {
		uint8_t range[2] = { (uint8_t)first, (uint8_t)last };

		word |= 0x20000000U;
		append(b, range, 2);
		table = b->n;
		for (int c = first; c <= last; c++) {
			put32(b, b->n, kids[c]);
			b->n += 4;
		}
	}
	for (struct tval *v = n->values; v; v = v->next)
		count++;
	if (count) {
		word |= 0x40000000U;
		put32(b, b->n, (uint32_t)count);
		b->n += 4;
		for (struct tval *v = n->values; v; v = v->next) {
			put32(b, b->n, v->prio);
			b->n += 4;
			append(b, v->s, strlen(v->s) + 1);
		}
	}
	for (int c = first; preorder && c <= last; c++)
		if (n->child[c])
			put32(b, table + 4 * (size_t)(c - first),
			      twrite(b, n->child[c], true));
	return word | (uint32_t)off;
}

struct entry {
	const char *key, *value;
	unsigned int prio;
};

/* Write the index of @entries (inserted in order) to tmpdir/@name. */
static char *build(const char *name, const struct entry *e, size_t n, bool preorder)
{
	static struct tbuf b;
	struct tnode *root = tnode_new("");

	for (size_t i = 0; i < n; i++)
		tinsert(root, e[i].key, e[i].value, e[i].prio);
	b.n = 12;
	put32(&b, 0, 0xB007F457U);
	put32(&b, 4, 0x00020001U);
	put32(&b, 8, twrite(&b, root, preorder));
	tnode_free(root);
	write_file(tpath(name), b.b, b.n);
	return tpath(name);
}

/* ---- fixed indexes: exact lookups, values, dump ---- */

static const struct entry deps[] = {
	{ "mod_a", "kernel/a.ko:", 0 },
	{ "mod_ab", "kernel/ab.ko: kernel/a.ko", 1 },
	{ "mod_b", "kernel/b.ko:", 2 },
	{ "m", "short", 3 },
	{ "k", "v1", 5 },
	{ "k", "v2", 1 },
	{ "k", "v3", 5 },
	{ "zz", "", 4 },
};

static void test_exact(bool preorder)
{
	const char *layout = preorder ? "pre-order" : "post-order";
	struct kmod_index_file *idx =
		index_open(build("deps.bin", deps, ARRAY_SIZE(deps), preorder));
	struct kmod_index_value *v;
	char *s, *out;
	size_t len;
	int rc;
	static const char *const absent[] = {
		"",  "mod", "mod_", "mod_abc",	    "mod_c",
		"z", "zzz", "kk",   "mod_\xc3\xa9", "\x7f"
	};

	logbuf[0] = '\0';
	is_str(s = kmod_index_search(idx, "mod_a"), "kernel/a.ko:", "%s: mod_a", layout);
	free(s);
	is_str(s = kmod_index_search(idx, "mod_ab"), "kernel/ab.ko: kernel/a.ko",
	       "%s: mod_ab", layout);
	free(s);
	is_str(s = kmod_index_search(idx, "m"), "short",
	       "%s: key that is a prefix of others", layout);
	free(s);
	is_str(s = kmod_index_search(idx, "zz"), "", "%s: empty value", layout);
	free(s);
	is_str(s = kmod_index_search(idx, "k"), "v2", "%s: lowest priority first",
	       layout);
	free(s);
	for (size_t i = 0; i < ARRAY_SIZE(absent); i++) {
		s = kmod_index_search(idx, absent[i]);
		v = kmod_index_search_all(idx, absent[i]);
		ok(s == NULL && v == NULL, "%s: '%s' absent", layout, absent[i]);
		free(s);
		kmod_index_values_free(v);
	}

	v = kmod_index_search_all(idx, "k");
	is_str(s = join_values(v, true), "v2/1 v3/5 v1/5",
	       "%s: search_all sorted by priority, newer first among equals", layout);
	free(s);
	kmod_index_values_free(v);
	v = kmod_index_search_all(idx, "mod_b");
	is_str(s = join_values(v, true), "kernel/b.ko:/2", "%s: search_all of one value",
	       layout);
	free(s);
	kmod_index_values_free(v);

	out = dump_mem(idx, "alias ", &rc, &len);
	is_int(rc, 0, "%s: dump returns 0", layout);
	is_str(out,
	       "alias k v2\nalias k v3\nalias k v1\nalias m short\nalias mod_a kernel/a.ko:\n"
	       "alias mod_ab kernel/ab.ko: kernel/a.ko\nalias mod_b kernel/b.ko:\nalias zz \n",
	       "%s: dump with a prefix, keys in order, values in file order", layout);
	free(out);
	out = dump_mem(idx, NULL, &rc, &len);
	ok(rc == 0 && strncmp(out, "k v2\nk v3\n", 10) == 0 && len == 98,
	   "%s: dump without a prefix (%zu bytes)", layout, len);
	free(out);
	is_str(logbuf, "", "%s: nothing logged", layout);
	kmod_index_close(idx);
}

/* ---- wildcard lookups ---- */

static const struct entry aliases[] = {
	{ "pci:v00008086d00001533sv*sd*bc*sc*i*", "igb", 0 },
	{ "pci:v*d*sv*sd*bc02sc00i*", "netclass", 1 },
	{ "usb:v0BDAp8153d*dc*dsc*dp*icFFisc*ip*in*", "r8152", 2 },
	{ "usb:v0BDAp8153d*dc*dsc*dp*ic02isc06ip00in*", "cdc_ether", 3 },
	{ "acpi*:PNP0A08:*", "pci_root", 4 },
	{ "mdio:0000000000100010010101100001????", "amd", 5 },
	{ "of:N*T*Cfsl,imx6q_fec*", "fec", 6 },
	{ "platform:serial8250", "8250", 7 },
	{ "rtnl_link_dummy", "dummy", 8 },
	{ "char_major_4_*", "8250", 9 },
	{ "ex[a-c]mple", "ex1", 10 },
	{ "ex?mple", "ex2", 11 },
	{ "ex*", "ex3", 12 },
	{ "exa", "ex4", 13 },
	{ "ex*\\?x", "esc", 14 },
	{ "*lit*[0-9]", "cls", 15 },
};

static const struct {
	const char *query, *want;
} wild_cases[] = {
	{ "pci:v00008086d00001533sv00008086sd00000001bc02sc00i00", "igb netclass" },
	{ "pci:v000010ECd00008168sv00000000sd00000000bc02sc00i00", "netclass" },
	{ "pci:v000010ECd00008168sv00000000sd00000000bc03sc00i00", "" },
	{ "usb:v0BDAp8153d3000dc00dsc00dp00icFFiscFFip00in00", "r8152" },
	{ "usb:v0BDAp8153d3000dc00dsc00dp00ic02isc06ip00in00", "cdc_ether" },
	{ "acpi:PNP0A08:PNP0A03:", "pci_root" },
	{ "acpiX:PNP0A08:", "pci_root" },
	{ "mdio:00000000001000100101011000010101", "amd" },
	{ "mdio:0000000000100010010101100001010", "" },
	{ "mdio:000000000010001001010110000101010", "" },
	{ "of:NethernetTnetworkCfsl,imx6q_fec", "fec" },
	{ "platform:serial8250", "8250" },
	{ "platform:serial825", "" },
	{ "rtnl_link_dummy", "dummy" },
	{ "char_major_4_64", "8250" },
	{ "example", "ex1 ex2 ex3" },
	{ "exzmple", "ex2 ex3" },
	{ "exa", "ex3 ex4" },
	{ "ex", "ex3" },
	{ "e", "" },
	{ "", "" },
	/* a query holding wildcards: kmod collects the '*' subtree, then walks into it */
	{ "exa*", "ex3" },
	{ "ex*", "ex3 ex3" },
	/* an escaped '?' is a literal; a class decides below a walk that skips */
	{ "exab?x", "ex3 esc" },
	{ "exabzx", "ex3" },
	{ "a-lit-7", "cls" },
	{ "a-lit-x", "" },
	/* a query that is not ASCII goes to fnmatch: '?' is one byte, not one letter */
	{ "ex\xc3\xa9mple", "ex3" },
	{ "ex\xc3mple", "ex2 ex3" },
};

/* Equal priorities: kmod inserts each match in front of the earlier ones. */
static const struct entry ties[] = {
	{ "x*", "one", 0 },
	{ "x?", "two", 0 },
	{ "x", "three", 0 },
	{ "x[xyz]", "four", 0 },
};

static void test_wild_fixed(bool preorder)
{
	const char *layout = preorder ? "pre-order" : "post-order";
	struct kmod_index_file *idx =
		index_open(build("alias.bin", aliases, ARRAY_SIZE(aliases), preorder));
	char *s;

	for (size_t i = 0; i < ARRAY_SIZE(wild_cases); i++) {
		const char *want = wild_cases[i].want;

		is_str(s = wild_str(idx, wild_cases[i].query), want[0] ? want : "(null)",
		       "%s: wildcard '%s'", layout, wild_cases[i].query);
		free(s);
	}
	kmod_index_close(idx);

	idx = index_open(build("ties.bin", ties, ARRAY_SIZE(ties), preorder));
	is_str(s = wild_str(idx, "xy"), "four two one", "%s: ties, newest match first",
	       layout);
	free(s);
	is_str(s = wild_str(idx, "x"), "three one",
	       "%s: ties, exact before the '*' child", layout);
	free(s);
	kmod_index_close(idx);
}

/* Random patterns against random plain queries, with fnmatch over all keys as oracle. */
static void test_wild_random(bool preorder)
{
	static const char *const tok[] = { "a", "b",	"c",	"*",
					   "?", "[ab]", "[!a]", "[b-c]" };
	enum { NPAT = 400, NQ = 3000 };
	static char keys[NPAT][64], vals[NPAT][16];
	static struct entry e[NPAT];
	const char *layout = preorder ? "pre-order" : "post-order";
	int by_prio[NPAT];
	struct kmod_index_file *idx;
	size_t bad = 0, hits = 0;

	for (int i = 0; i < NPAT; i++) {
		int n = 1 + (int)(rng() % 7);
		const char *key = keys[i];

		keys[i][0] = '\0';
		if (i > 0 && rng() % 10 == 0)
			key = e[rng() % (uint64_t)i].key; /* same key, other value */
		else
			for (int t = 0; t < n; t++)
				strcat(keys[i], tok[rng() % ARRAY_SIZE(tok)]);
		snprintf(vals[i], sizeof(vals[i]), "m%d", i);
		e[i] = (struct entry){ key, vals[i],
				       (unsigned int)(NPAT - i) * 7 % NPAT };
		by_prio[e[i].prio] = i;
	}
	idx = index_open(build("random.bin", e, NPAT, preorder));
	for (int q = 0; q < NQ; q++) {
		char query[16], want[4096] = "", *got;
		int n = (int)(rng() % 9), nm = 0;

		for (int c = 0; c < n; c++)
			query[c] = "abc"[rng() % 3];
		query[n] = '\0';
		/* priorities are distinct, so the oracle order is just by priority */
		for (int p = 0; p < NPAT; p++) {
			const struct entry *m = &e[by_prio[p]];

			if (fnmatch(m->key, query, 0) != 0)
				continue;
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s",
				 nm++ ? " " : "", m->value);
		}
		got = wild_str(idx, query);
		if (strcmp(got, nm ? want : "(null)") != 0 && bad++ < 3)
			printf("# '%s': got '%s', want '%s'\n", query, got, want);
		hits += nm > 0;
		free(got);
	}
	ok(bad == 0,
	   "%s: %d random wildcard lookups (%zu with matches) agree with fnmatch", layout,
	   NQ, hits);
	kmod_index_close(idx);
}

/* ---- the writer: kmod 34's bytes, which are the pre-order builder's ---- */

/* kmod_index_writer's file of @e against the builder's pre-order one. */
static void writer_case(const char *name, const struct entry *e, size_t n)
{
	struct kmod_index_writer *w;
	size_t want_len, len = 0;
	void *mem = NULL;
	char *want;
	int err = kmod_index_writer_new(&w);

	for (size_t i = 0; i < n && err >= 0; i++)
		err = kmod_index_writer_add(w, e[i].key, e[i].value, e[i].prio);
	if (err >= 0)
		err = kmod_index_writer_serialize(w, &mem, &len);
	kmod_index_writer_free(w);
	want = read_file(build(name, e, n, true), &want_len);
	check(want != NULL);
	ok(err == 0 && len == want_len && memcmp(mem, want, len) == 0,
	   "writer: %s, %zu keys: the pre-order layout byte for byte (%zu bytes)", name,
	   n, len);
	free(want);
	free(mem);
}

static void test_writer(void)
{
	enum { N = 2000 };
	static char keys[N][48], vals[N][16];
	static struct entry e[N];

	writer_case("w-empty.bin", NULL, 0);
	writer_case("w-deps.bin", deps, ARRAY_SIZE(deps));
	writer_case("w-alias.bin", aliases, ARRAY_SIZE(aliases));
	writer_case("w-ties.bin", ties, ARRAY_SIZE(ties));
	/* wide child ranges, shared prefixes, splits, repeated keys and values */
	for (int i = 0; i < N; i++) {
		int len = 1 + (int)(rng() % 40);

		for (int c = 0; c < len; c++)
			keys[i][c] = c < 3 ? "mod"[c] : (char)(1 + rng() % 127);
		keys[i][len] = '\0';
		if (i > 0 && rng() % 8 == 0)
			strcpy(keys[i], keys[rng() % (uint64_t)i]);
		snprintf(vals[i], sizeof(vals[i]), "v%d", (int)(rng() % 50));
		e[i] = (struct entry){ keys[i], vals[i], (unsigned int)(rng() % 5) };
	}
	writer_case("w-random.bin", e, N);
}

/* ---- header checks ---- */

static void expect_open(const char *name, const void *bytes, size_t len, int want,
			const char *msg)
{
	struct kmod_index_file *idx = NULL;
	char full[PATH_MAX_LEN * 2];
	int err;

	if (bytes != NULL)
		write_file(tpath(name), bytes, len);
	logbuf[0] = '\0';
	err = kmod_index_open(&test_lg, tpath(name), &idx);
	is_int(err, want, "open %s: %d", name, want);
	snprintf(full, sizeof(full), "%s%s", msg[0] ? tpath(name) : "", msg);
	is_str(logbuf, full, "open %s: message", name);
	if (err == 0)
		kmod_index_close(idx);
	/* without a logger the same errors come back, silently */
	if (err < 0) {
		is_int(kmod_index_open(NULL, tpath(name), &idx), want,
		       "open %s without a logger", name);
	}
}

static void test_open(void)
{
	static const uint8_t bad_magic[] = { BE(0xB007F456U), BE(0x00020001U), BE(12) };
	static const uint8_t v3[] = { BE(0xB007F457U), BE(0x00030001U), BE(12) };
	static const uint8_t v1[] = { BE(0xB007F457U), BE(0x0001FFFFU), BE(12) };
	static const uint8_t minor[] = { BE(0xB007F457U), BE(0x0002FFFFU), BE(0) };
	struct kmod_index_file *idx;
	char *out;
	size_t len;
	int rc;

	expect_open("missing.bin", NULL, 0, -ENOENT, "");
	expect_open("short.bin", bad_magic, 11, -EINVAL,
		    ": not an index file (size 11)\n");
	/* what depmod writes when there is nothing to index: refused without a word */
	expect_open("empty.bin", bad_magic, 0, -EINVAL, "");
	expect_open("magic.bin", bad_magic, sizeof(bad_magic), -EINVAL,
		    ": not an index file (bad magic)\n");
	expect_open("v3.bin", v3, sizeof(v3), -EINVAL,
		    ": unsupported index version 0x00030001\n");
	expect_open("v1.bin", v1, sizeof(v1), -EINVAL,
		    ": unsupported index version 0x0001ffff\n");
	check(mkdir(tpath("dir.bin"), 0700) == 0);
	expect_open("dir.bin", NULL, 0, -EINVAL, ": not a regular file\n");
	expect_open("minor.bin", minor, sizeof(minor), 0, "");

	/* root offset 0: an index without keys (what depmod writes for no modules) */
	idx = index_open(tpath("minor.bin"));
	ok(kmod_index_search(idx, "") == NULL &&
		   kmod_index_search_all(idx, "x") == NULL &&
		   kmod_index_searchwild(idx, "*") == NULL,
	   "index without a root: nothing found");
	out = dump_mem(idx, "alias ", &rc, &len);
	ok(rc == 0 && len == 0, "index without a root: empty dump");
	free(out);
	kmod_index_close(idx);
	kmod_index_close(NULL);
}

/* ---- hand-made hostile files ---- */

static const struct {
	const char *name;
	uint8_t bytes[28];
	size_t len;
	const char *key, *msg;
} corrupt_cases[] = {
	{ "far.bin",
	  { HDR(0x40000000U | 1000) },
	  12,
	  "",
	  "node offset out of the file at offset 1000" },
	{ "hdr.bin",
	  { HDR(0x40000000U | 4) },
	  12,
	  "",
	  "node offset out of the file at offset 4" },
	{ "prefix.bin",
	  { HDR(0x80000000U | 12), 'a', 'b', 'c' },
	  15,
	  "abc",
	  "unterminated prefix at offset 12" },
	{ "range.bin",
	  { HDR(0x20000000U | 12), 'a' },
	  13,
	  "a",
	  "child range past the end at offset 12" },
	{ "order.bin",
	  { HDR(0x20000000U | 12), 'b', 'a' },
	  14,
	  "a",
	  "bad child range at offset 12" },
	{ "high.bin",
	  { HDR(0x20000000U | 12), 'a', 0x80, BE(0) },
	  18,
	  "a",
	  "bad child range at offset 12" },
	{ "nul.bin",
	  { HDR(0x20000000U | 12), 0, 1, BE(0), BE(0) },
	  22,
	  "a",
	  "bad child range at offset 12" },
	{ "table.bin",
	  { HDR(0x20000000U | 12), 'a', 'z', BE(0) },
	  18,
	  "a",
	  "child table past the end at offset 14" },
	{ "count.bin",
	  { HDR(0x40000000U | 12), 0, 0 },
	  14,
	  "",
	  "value count past the end at offset 12" },
	{ "many.bin",
	  { HDR(0x40000000U | 12), BE(0xFFFFFFFFU) },
	  16,
	  "",
	  "too many values at offset 16" },
	{ "two.bin",
	  { HDR(0x40000000U | 12), BE(2), BE(0), 'a', 0 },
	  22,
	  "",
	  "too many values at offset 16" },
	{ "value.bin",
	  { HDR(0x40000000U | 12), BE(1), BE(0), 'a', 'b', 'c' },
	  23,
	  "",
	  "unterminated value at offset 16" },
	{ "cut.bin",
	  { HDR(0x40000000U | 12), BE(2), BE(0), 'a', 'b', 'c', 'd', 'e', 0 },
	  26,
	  "",
	  "value past the end at offset 26" },
};

static void test_corrupt(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(corrupt_cases); i++) {
		const char *name = corrupt_cases[i].name, *key = corrupt_cases[i].key;
		char want[PATH_MAX_LEN * 2], *s, *out;
		struct kmod_index_file *idx;
		size_t len;
		int rc;

		write_file(tpath(name), corrupt_cases[i].bytes, corrupt_cases[i].len);
		idx = index_open(tpath(name));
		snprintf(want, sizeof(want), "%s: corrupt index: %s\n", tpath(name),
			 corrupt_cases[i].msg);
		logbuf[0] = '\0';
		s = kmod_index_search(idx, key);
		ok(s == NULL, "%s: search gives NULL", name);
		is_str(logbuf, want, "%s: message", name);
		free(s);
		ok(kmod_index_search_all(idx, key) == NULL &&
			   kmod_index_searchwild(idx, key) == NULL,
		   "%s: search_all and searchwild give NULL", name);
		out = dump_mem(idx, "", &rc, &len);
		ok(rc == -EINVAL, "%s: dump fails with -EINVAL", name);
		free(out);
		kmod_index_close(idx);
	}
}

/* A node whose only child (@ch) is itself. */
static void test_self_loop(char ch)
{
	const uint8_t bytes[] = { HDR(0x20000000U | 12), (uint8_t)ch, (uint8_t)ch,
				  BE(0x20000000U | 12) };
	char key[5001], *s, *out, *name = ch == '*' ? "loop-star.bin" : "loop.bin";
	struct kmod_index_file *idx;
	size_t len;
	int rc;

	write_file(tpath(name), bytes, sizeof(bytes));
	idx = index_open(tpath(name));
	memset(key, ch, sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	logbuf[0] = '\0';
	ok(kmod_index_search(idx, key) == NULL && strstr(logbuf, "a loop?") != NULL,
	   "%s: 5000-deep exact search gives up", name);
	s = wild_str(idx, ch == '*' ? "abc" : key);
	is_str(s, "(null)", "%s: wildcard search ends", name);
	free(s);
	out = dump_mem(idx, "", &rc, &len);
	ok(rc == -EINVAL && len == 0 && strstr(logbuf, "a loop?"), "%s: dump fails",
	   name);
	free(out);
	kmod_index_close(idx);
}

/*
 * 30 levels of nodes whose 85 children all point to the next level: 85^29 paths
 * for a walk that trusts the file, one node visit per child slot for us.
 */
static void test_dag(void)
{
	enum { LEVELS = 30, FIRST = '*', LAST = '~', NODE = 2 + (LAST - FIRST + 1) * 4 };
	static uint8_t b[12 + LEVELS * NODE + 9];
	struct tbuf *t = calloc(1, sizeof(*t));
	char key[LEVELS], *s, *out;
	struct kmod_index_file *idx;
	double t0 = now();
	size_t len;
	int rc;

	check(t != NULL);
	put32(t, 0, 0xB007F457U);
	put32(t, 4, 0x00020001U);
	put32(t, 8, 0x20000000U | 12);
	for (size_t l = 0; l < LEVELS - 1; l++) {
		size_t off = 12 + l * NODE, next = off + NODE;
		uint32_t word =
			(l == LEVELS - 2 ? 0x40000000U : 0x20000000U) | (uint32_t)next;

		t->b[off] = FIRST;
		t->b[off + 1] = LAST;
		for (int c = 0; c <= LAST - FIRST; c++)
			put32(t, off + 2 + 4 * (size_t)c, word);
	}
	len = 12 + (LEVELS - 1) * NODE;
	put32(t, len, 1);
	put32(t, len + 4, 7);
	memcpy(t->b + len + 8, "leaf", 5);
	len += 13;
	check(len <= sizeof(b));
	write_file(tpath("dag.bin"), t->b, len);
	free(t);

	idx = index_open(tpath("dag.bin"));
	memset(key, 'q', LEVELS - 1);
	key[LEVELS - 1] = '\0';
	is_str(s = kmod_index_search(idx, key), "leaf",
	       "dag: exact search follows one path");
	free(s);
	logbuf[0] = '\0';
	is_str(s = wild_str(idx, "abc"), "(null)", "dag: wildcard search gives up");
	free(s);
	out = dump_mem(idx, "", &rc, &len);
	ok(rc == -EINVAL && strstr(logbuf, "a loop?") != NULL, "dag: dump gives up");
	free(out);
	ok(now() - t0 < 2.0, "dag: all in %.3f s", now() - t0);
	kmod_index_close(idx);
}

static void report(const char *label, bool cut, const struct fuzz_result *r)
{
	if (cut)
		ok(r->bad == 0,
		   "%s: cut at %zu lengths in %.2f s: answers kept or lost (%zu times), "
		   "never changed",
		   label, r->variants, r->secs, r->lost);
	else
		ok(r->bad == 0,
		   "%s: %zu byte-flip variants in %.2f s: all returned, %zu refused by "
		   "open, %zu dumps failed",
		   label, r->variants, r->secs, r->refused, r->failed);
}

static void test_fuzz_built(bool preorder, size_t nflips)
{
	enum { N = ARRAY_SIZE(aliases) + ARRAY_SIZE(deps) };
	struct entry e[N + 200];
	char keys[200][16], vals[200][16], *k[N + 210], *q[ARRAY_SIZE(wild_cases)];
	struct probe p = { .prefix = "alias ", .keys = k, .queries = q, .dump = true };
	char path[PATH_MAX_LEN];
	struct fuzz_result r;
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		e[n++] = aliases[i];
	for (size_t i = 0; i < ARRAY_SIZE(deps); i++)
		e[n++] = deps[i];
	for (size_t i = 0; i < 200; i++) {
		snprintf(keys[i], sizeof(keys[i]), "key%zx_%zu", rng() % 4096, i % 7);
		snprintf(vals[i], sizeof(vals[i]), "v%zu", i);
		e[n++] = (struct entry){ keys[i], vals[i], (unsigned int)(rng() % 50) };
	}
	for (size_t i = 0; i < n; i++)
		k[p.nkeys++] = (char *)e[i].key;
	k[p.nkeys++] = (char *)"key";
	k[p.nkeys++] = (char *)"absent";
	for (size_t i = 0; i < ARRAY_SIZE(wild_cases); i++)
		q[p.nqueries++] = (char *)wild_cases[i].query;
	snprintf(path, sizeof(path), "%s",
		 build(preorder ? "fuzz-pre.bin" : "fuzz-post.bin", e, n, preorder));
	fuzz_truncate(path, &p, 200, &r);
	report(preorder ? "built pre-order" : "built post-order", true, &r);
	fuzz_flip(path, &p, nflips, &r);
	report(preorder ? "built pre-order" : "built post-order", false, &r);
}

int main(void)
{
	tmp_setup();
	test_open();
	test_writer();
	for (int pre = 1; pre >= 0; pre--) {
		test_exact(pre);
		test_wild_fixed(pre);
		test_wild_random(pre);
	}
	test_corrupt();
	test_self_loop('a');
	test_self_loop('*');
	test_dag();
	test_fuzz_built(true, 10000);
	test_fuzz_built(false, 2000);
	tmp_cleanup();
	return tap_done();
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkmod-index on the indexes a real depmod wrote:
 *
 *   test-index-real [--ref-only] MODDIR [REF]
 *
 * every key of every index looked up, wildcard lookups against fnmatch(3) over
 * all keys, truncation and byte flips, timings.  With REF (index-dump-debian,
 * linked against the distribution's libkmod) the dumps must equal kmod's byte
 * for byte and wildcard lookups must give kmod's answers in kmod's order;
 * --ref-only does just that, for a second reference on the same files.
 * test-index-real.sh builds the module trees and runs this.
 */

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/macro.h"
#include "util/util.h"

#include "testsuite/tap.h"
#include "testsuite/test-index-util.h"

/* ---- indexes written by a real depmod ---- */

static const struct {
	const char *file, *prefix;
	bool wild; /* looked up with wildcards by kmod */
	size_t flips;
} kinds[] = {
	{ "modules.dep.bin", "", false, 1000 },
	{ "modules.alias.bin", "alias ", true, 1000 },
	{ "modules.symbols.bin", "alias ", true, 1000 },
	{ "modules.builtin.alias.bin", "", true, 10000 },
	{ "modules.builtin.bin", "", false, 10000 },
};

/* Real modaliases and names, as udev and request_module() pass them. */
static const char *const sample_aliases[] = {
	"pci:v00008086d00001533sv00000000sd00000000bc02sc00i00",
	"pci:v000010ECd00008168sv00001043sd00008677bc02sc00i00",
	"pci:v00008086d0000A36Dsv00001028sd00000869bc0Csc03i30",
	"usb:v0BDAp8153d3000dc00dsc00dp00icFFiscFFip00in00",
	"usb:v1D6Bp0003d0601dc09dsc00dp03ic09isc00ip00in00",
	"usb:v046Dp0825d0012dcEFdsc02dp01ic0Eisc01ip00in00",
	"acpi:PNP0A08:PNP0A03:",
	"acpi:PNP0C0A:",
	"input:b0019v0000p0001e0000-e0,1,k74,ramlsfw",
	"cpu:type:x86,ven0000fam0006mod009E:feature:,0000,0001,0002,0003,0004,0005,0006",
	"dmi:bvnLENOVO:bvrN2HET:bd01/01/2020:svnLENOVO:pn20QDCTO1WW:pvrThinkPadX1Carbon7th:",
	"platform:i8042",
	"serio:ty01pr00id00ex00",
	"hid:b0003g0001v0000046Dp0000C52B",
	"virtio:d00000001v00001AF4",
	"scsi:t-0x00",
	"of:NethernetTnetworkCfsl,imx6q-fec",
	"fs-ext4",
	"crypto-sha256",
	"net-pf-10",
	"char-major-10-229",
	"block-major-8-0",
	"nonexistent-alias",
	"[bad",
};

struct line {
	char *key, *value;
};

/* Split a dump into key/value lines (in place); false on a malformed line. */
static bool parse_dump(char *buf, size_t len, const char *prefix, struct line **out,
		       size_t *n)
{
	size_t cap = 1024, pl = strlen(prefix);
	struct line *l = malloc(cap * sizeof(*l));
	char *p = buf, *end = buf + len;

	check(l != NULL);
	*n = 0;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *sp;

		if (nl == NULL || strncmp(p, prefix, pl) != 0)
			return false;
		*nl = '\0';
		sp = strchr(p + pl, ' ');
		if (sp == NULL)
			return false;
		*sp = '\0';
		if (*n == cap)
			check((l = realloc(l, (cap *= 2) * sizeof(*l))) != NULL);
		l[(*n)++] = (struct line){ p + pl, sp + 1 };
		p = nl + 1;
	}
	*out = l;
	return true;
}

static void diag_file(const char *path)
{
	size_t len;
	char *s = read_file(path, &len), *save = NULL;

	for (char *l = s ? strtok_r(s, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save))
		printf("# reference: %s\n", l);
	free(s);
}

static void compare_dump(const char *file, int type, const char *moddir, const char *ref,
			 const char *ours, size_t len)
{
	char tbuf[8], *theirs,
		*argv[] = { (char *)ref, (char *)"dump", (char *)moddir, tbuf, NULL };
	size_t tlen, line = 1, i;
	int rc;

	snprintf(tbuf, sizeof(tbuf), "%d", type);
	rc = run_capture(argv, NULL, &theirs, &tlen);
	for (i = 0; i < len && i < tlen && ours[i] == theirs[i]; i++)
		line += ours[i] == '\n';
	if (!ok(rc == 0 && tlen == len && i == len,
		"%s: dump equals kmod_dump_index() (%zu bytes)", file, len)) {
		printf("# reference exit %d, %zu bytes; first difference at byte %zu, line %zu\n",
		       rc, tlen, i, line);
		diag_file(tpath("ref.err"));
	}
	free(theirs);
}

static void check_exact(const char *file, const struct kmod_index_file *idx,
			const struct line *l, size_t n)
{
	size_t keys = 0, values = 0, bad = 0;
	double t0 = now();

	for (size_t i = 0, j; i < n; i = j) {
		struct kmod_index_value *all = kmod_index_search_all(idx, l[i].key),
					*v = all;
		char *s = kmod_index_search(idx, l[i].key);
		bool same = s != NULL && streq(s, l[i].value);

		for (j = i; j < n && streq(l[j].key, l[i].key);
		     j++, v = v ? v->next : NULL)
			same = same && v != NULL && streq(v->value, l[j].value);
		same = same && v == NULL;
		if (!same && bad++ < 3)
			printf("# %s: key '%s' disagrees with the dump\n", file,
			       l[i].key);
		keys++;
		values += j - i;
		free(s);
		kmod_index_values_free(all);
	}
	ok(bad == 0 && keys > 0,
	   "%s: all %zu keys (%zu values) found by search and search_all as dumped (%.3f s)",
	   file, keys, values, now() - t0);
}

/* A string a stored pattern should match: variant 0 empties '*', 1 fills it. */
static char *concretize(const char *pat, int variant)
{
	char *s = malloc(strlen(pat) * 2 + 1), *o = s;

	check(s != NULL);
	for (const char *p = pat; *p; p++) {
		const char *close;

		if (*p == '*') {
			if (variant)
				o = stpcpy(o, "0A");
		} else if (*p == '?') {
			*o++ = variant ? 'F' : '0';
		} else if (*p == '[' && (close = strchr(p + 1, ']')) != NULL) {
			*o++ = (p[1] == '!' || p[1] == '^') ? 'Z'
			       : variant		    ? close[-1]
							    : p[1];
			p = close;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return s;
}

/* kmod's lookup: normalise, then the wildcard search; names joined by ' '. */
static char *our_lookup(const struct kmod_index_file *idx, const char *q)
{
	char *norm = malloc(strlen(q) + 1), *s;
	struct kmod_index_value *v;

	check(norm != NULL);
	if (alias_normalize(q, norm, NULL) < 0) {
		free(norm);
		return strdup("!22");
	}
	v = kmod_index_searchwild(idx, norm);
	s = v ? join_values(v, false) : strdup("");
	kmod_index_values_free(v);
	free(norm);
	return s;
}

static void make_empty_index(const char *path)
{
	static const uint8_t empty[] = { HDR(0) };

	write_file(path, empty, sizeof(empty));
}

/*
 * Ask the reference: a module directory where @file is modules.alias.bin and
 * every other index is empty, so kmod_module_new_from_lookup() answers from it
 * alone.
 */
static void compare_lookups(const char *file, const char *moddir, const char *ref,
			    const struct kmod_index_file *idx, char **q, size_t nq)
{
	static const char *const others[] = { "modules.dep.bin", "modules.symbols.bin",
					      "modules.builtin.alias.bin",
					      "modules.builtin.bin" };
	char target[PATH_MAX_LEN], dir[PATH_MAX_LEN], conf[PATH_MAX_LEN],
		link[PATH_MAX_LEN * 2];
	char *argv[] = { (char *)ref, (char *)"lookup", dir, conf, NULL }, *theirs, *p,
	     *end;
	size_t tlen, bad = 0, found = 0, several = 0;
	double spent = 0;
	FILE *f;
	int rc;

	snprintf(target, sizeof(target), "%s/%s", moddir, file);
	snprintf(dir, sizeof(dir), "%s", tpath("ref-moddir"));
	snprintf(conf, sizeof(conf), "%s", tpath("ref-conf"));
	mkdir(conf, 0700);
	mkdir(dir, 0700);
	for (size_t i = 0; i < ARRAY_SIZE(others); i++) {
		snprintf(link, sizeof(link), "%s/%s", dir, others[i]);
		make_empty_index(link);
	}
	snprintf(link, sizeof(link), "%s/modules.alias.bin", dir);
	unlink(link);
	check(symlink(target, link) == 0);

	check((f = fopen(tpath("queries"), "we")) != NULL);
	for (size_t i = 0; i < nq; i++)
		fprintf(f, "%s\n", q[i]);
	check(fclose(f) == 0);
	rc = run_capture(argv, tpath("queries"), &theirs, &tlen);
	diag_file(tpath("ref.err"));
	p = theirs;
	end = theirs + tlen;

	for (size_t i = 0; i < nq; i++) {
		char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		double t0 = now();
		char *ours = our_lookup(idx, q[i]);

		spent += now() - t0;
		if (nl != NULL)
			*nl = '\0';
		if ((nl == NULL || !streq(ours, p)) && bad++ < 5)
			printf("# '%s': ours '%s', kmod's '%s'\n", q[i], ours,
			       nl ? p : "(missing)");
		found += *ours != '\0' && *ours != '!';
		several += strchr(ours, ' ') != NULL;
		p = nl ? nl + 1 : end;
		free(ours);
	}
	printf("# ours: %zu lookups in %.3f s\n", nq, spent);
	ok(rc == 0 && bad == 0 && p == end,
	   "%s: %zu lookups (%zu found, %zu with several modules) equal kmod's, in order",
	   file, nq, found, several);
	free(theirs);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Without the reference: plain queries against fnmatch over every dumped line. */
static void check_wild_oracle(const char *file, const struct kmod_index_file *idx,
			      const struct line *l, size_t n, char **q, size_t nq)
{
	size_t done = 0, bad = 0, found = 0;
	char **want = malloc(n * sizeof(char *)), **got = malloc(n * sizeof(char *));

	check(want != NULL && got != NULL);
	for (size_t i = 0; i < nq && done < 200; i += 1 + nq / 200) {
		struct kmod_index_value *v, *r;
		size_t nw = 0, ng = 0;
		bool same;

		if (strpbrk(q[i], "*?[\\-") != NULL)
			continue;
		for (size_t k = 0; k < n; k++)
			if (fnmatch(l[k].key, q[i], 0) == 0)
				want[nw++] = l[k].value;
		v = kmod_index_searchwild(idx, q[i]);
		for (r = v; r != NULL && ng < n; r = r->next)
			got[ng++] = r->value;
		qsort(want, nw, sizeof(*want), cmp_str);
		qsort(got, ng, sizeof(*got), cmp_str);
		same = nw == ng && r == NULL;
		for (size_t k = 0; same && k < nw; k++)
			same = streq(want[k], got[k]);
		if (!same && bad++ < 3)
			printf("# %s: '%s': %zu values, fnmatch finds %zu\n", file, q[i],
			       ng, nw);
		found += nw > 0;
		kmod_index_values_free(v);
		done++;
	}
	ok(bad == 0 && done > 0,
	   "%s: %zu plain queries (%zu found) give what fnmatch over all keys gives",
	   file, done, found);
	free(want);
	free(got);
}

/* The query set of a wildcard index: its own keys, made concrete, and real aliases. */
static char **make_queries(const struct line *l, size_t n, size_t *nq)
{
	char **q = malloc((3 * n + ARRAY_SIZE(sample_aliases)) * sizeof(char *));

	check(q != NULL);
	*nq = 0;
	for (size_t i = 0; i < ARRAY_SIZE(sample_aliases); i++)
		check((q[(*nq)++] = strdup(sample_aliases[i])) != NULL);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && streq(l[i].key, l[i - 1].key))
			continue;
		q[(*nq)++] = concretize(l[i].key, 0);
		if (strpbrk(l[i].key, "*?[") == NULL)
			continue;
		q[(*nq)++] = concretize(l[i].key, 1);
		check((q[(*nq)++] = strdup(l[i].key)) != NULL);
	}
	return q;
}

static void time_lookups(const char *file, const struct kmod_index_file *idx, char **q,
			 size_t nq, bool wild)
{
	size_t n = 0, found = 0;
	double t0 = now(), dt;

	while (n < 100000) {
		for (size_t i = 0; i < nq && n < 100000; i++) {
			/* what udev asks: concrete modaliases, not patterns */
			if (strpbrk(q[i], "*?[") != NULL)
				continue;
			n++;
			if (wild) {
				struct kmod_index_value *v =
					kmod_index_searchwild(idx, q[i]);

				found += v != NULL;
				kmod_index_values_free(v);
			} else {
				char *s = kmod_index_search(idx, q[i]);

				found += s != NULL;
				free(s);
			}
		}
	}
	dt = now() - t0;
	printf("# %s: %zu %s lookups (%zu found) in %.3f s, %.2f us each\n", file, n,
	       wild ? "wildcard" : "exact", found, dt, dt * 1e6 / (double)n);
}

static void real_kind(size_t k, const char *moddir, const char *ref, bool ref_only)
{
	const char *file = kinds[k].file;
	char path[PATH_MAX_LEN * 2], *dump, **q, *copy;
	struct line *l = NULL;
	struct kmod_index_file *idx;
	size_t len, n = 0, nq = 0;
	struct probe p = { .prefix = kinds[k].prefix, .dump = true };
	struct fuzz_result r;
	char what[64];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", moddir, file);
	idx = index_open(path);
	logbuf[0] = '\0';
	dump = dump_mem(idx, kinds[k].prefix, &rc, &len);
	ok(rc == 0 && logbuf[0] == '\0', "%s: dump of %zu bytes", file, len);
	if (ref != NULL)
		compare_dump(file, (int)k, moddir, ref, dump, len);
	check((copy = malloc(len + 1)) != NULL);
	memcpy(copy, dump, len + 1);
	if (!ok(parse_dump(copy, len, kinds[k].prefix, &l, &n), "%s: dump parses", file))
		exit(1);
	if (!ref_only)
		check_exact(file, idx, l, n);

	q = kinds[k].wild ? make_queries(l, n, &nq) : malloc(n * sizeof(char *));
	check(q != NULL);
	for (size_t i = 0; !kinds[k].wild && i < n; i++)
		check((q[nq++] = strdup(l[i].key)) != NULL);
	if (kinds[k].wild && !ref_only)
		check_wild_oracle(file, idx, l, n, q, nq);
	if (kinds[k].wild && ref != NULL)
		compare_lookups(file, moddir, ref, idx, q, nq);
	if (!ref_only)
		time_lookups(file, idx, q, nq, kinds[k].wild);
	kmod_index_close(idx);
	if (ref_only)
		goto out;

	/* about 100 keys and queries spread over the index */
	p.keys = malloc(128 * sizeof(char *));
	p.queries = kinds[k].wild ? malloc(128 * sizeof(char *)) : NULL;
	check(p.keys != NULL);
	for (size_t i = 0; i < n; i += 1 + n / 100)
		p.keys[p.nkeys++] = l[i].key;
	for (size_t i = 0; p.queries && i < nq; i += 1 + nq / 100)
		p.queries[p.nqueries++] = q[i];
	fuzz_truncate(path, &p, 200, &r);
	ok(r.bad == 0,
	   "%s: cut at %zu lengths in %.2f s: answers kept or lost (%zu times), never changed",
	   file, r.variants, r.secs, r.lost);
	/* the big indexes are flipped without dumping them each time */
	p.dump = kinds[k].flips >= 10000;
	fuzz_flip(path, &p, kinds[k].flips, &r);
	if (p.dump)
		snprintf(what, sizeof(what), "%zu dumps failed", r.failed);
	else
		snprintf(what, sizeof(what), "searches only");
	ok(r.bad == 0,
	   "%s: %zu byte-flip variants in %.2f s: all returned, %zu refused by open, %s",
	   file, r.variants, r.secs, r.refused, what);

	free(p.keys);
	free(p.queries);
out:
	for (size_t i = 0; i < nq; i++)
		free(q[i]);
	free(q);
	free(l);
	free(copy);
	free(dump);
}

int main(int argc, char *argv[])
{
	bool ref_only = argc > 1 && streq(argv[1], "--ref-only");
	const char *prog = argv[0];

	argc -= ref_only;
	argv += ref_only;
	if (argc < 2 || argc > 3 || (ref_only && argc != 3)) {
		fprintf(stderr, "usage: %s [--ref-only] MODDIR [REF]\n", prog);
		return 2;
	}
	tmp_setup();
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++)
		real_kind(k, argv[1], argc > 2 ? argv[2] : NULL, ref_only);
	tmp_cleanup();
	return tap_done();
}

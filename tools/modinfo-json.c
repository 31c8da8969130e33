// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * modinfo --json: a module as one JSON object (the schema is in modinfo(8)):
 * its name, file, the fields kmod prints, each key once with the array of
 * its values, and the parameters as objects.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "tools/json.h"
#include "tools/modinfo.h"
#include "util/hash.h"
#include "util/util.h"

/*
 * A value kmod shows as hex wrapped after every 20 bytes (build-id, sig_key,
 * signature): on one line.  Only what is hex is unwrapped: a .modinfo may
 * hold a key of that name with anything in it.
 */
static void json_hex(const char *v)
{
	if (v[strspn(v, "0123456789ABCDEF:\n\t")] != '\0') {
		json_value(stdout, v);
		return;
	}
	putchar('"');
	for (; *v != '\0'; v++) {
		if (*v != '\n' && *v != '\t')
			putchar(*v);
	}
	putchar('"');
}

/* A field of the list, with the place of its key's first appearance. */
struct jfield {
	const char *key, *value;
	size_t rank, pos;
};

static int jfield_cmp(const void *a, const void *b)
{
	const struct jfield *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * The fields to show (parm/parmtype go to @ps instead, when not NULL), each
 * key's values together, keys in the order of first appearance, values in
 * list order: sorted, not searched, as a module may have very many.  The
 * count, or -ENOMEM; free(*fields).
 */
static ssize_t collect_fields(const struct kmod_list *list, const struct output *out,
			      struct params *ps, struct jfield **fields)
{
	_cleanup_free_ struct jfield *v = NULL;
	const struct kmod_list *l;
	struct hash *ranks = hash_new(64, NULL);
	size_t n = 0, cap = 0, keys = 0;
	int err = 0;

	if (ranks == NULL)
		return -ENOMEM;
	kmod_list_foreach (l, list) {
		const char *key = kmod_module_info_get_key(l);
		const char *value = kmod_module_info_get_value(l);
		uintptr_t rank;

		if (streq(key, "parm") || streq(key, "parmtype")) {
			err = ps == NULL ? 0 : param_add(ps, key, value);
			if (err < 0)
				break;
			continue;
		}
		if (out->field != NULL && !streq(out->field, key))
			continue;
		rank = (uintptr_t)hash_find(ranks, key);
		if (rank == 0) {
			rank = ++keys;
			err = hash_add(ranks, key, (void *)rank);
		}
		if (err == 0 && n == cap) {
			size_t more = cap ? cap * 2 : 32;
			struct jfield *nv = reallocarray(v, more, sizeof(*v));

			if (nv == NULL)
				err = -ENOMEM;
			else
				v = nv, cap = more;
		}
		if (err < 0)
			break;
		v[n].key = key;
		v[n].value = value;
		v[n].rank = rank;
		v[n].pos = n;
		n++;
	}
	hash_free(ranks);
	if (err < 0)
		return err;
	if (n > 0)
		qsort(v, n, sizeof(*v), jfield_cmp);
	*fields = TAKE_PTR(v);
	return (ssize_t)n;
}

/* "fields": each key once, with the array of its values. */
static void json_fields(const struct jfield *v, size_t n)
{
	fputs(",\"fields\":{", stdout);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || v[i].rank != v[i - 1].rank) {
			fputs(i > 0 ? "]," : "", stdout);
			json_key(stdout, v[i].key);
			putchar('[');
		} else {
			putchar(',');
		}
		if (streq(v[i].key, "sig_key") || streq(v[i].key, "signature") ||
		    streq(v[i].key, "build-id"))
			json_hex(v[i].value);
		else
			json_value(stdout, v[i].value);
	}
	fputs(n > 0 ? "]}" : "}", stdout);
}

/* "parameters", in the order of the text output; absent parts are null. */
static void json_params(const struct params *ps)
{
	fputs(",\"parameters\":[", stdout);
	for (size_t i = ps->n; i-- > 0;) {
		const struct param *p = &ps->v[i];

		fputs(i + 1 < ps->n ? ",{" : "{", stdout);
		json_key(stdout, "name");
		json_value_n(stdout, p->name, (size_t)p->namelen);
		fputs(",\"description\":", stdout);
		if (p->desc != NULL)
			json_value(stdout, p->desc);
		else
			fputs("null", stdout);
		fputs(",\"type\":", stdout);
		if (p->type != NULL)
			json_value(stdout, p->type);
		else
			fputs("null", stdout);
		putchar('}');
	}
	putchar(']');
}

int json_print(struct kmod_module *mod, const struct kmod_list *list,
	       const struct output *out)
{
	const char *path = kmod_module_get_path(mod);
	bool want_params = out->field == NULL || streq(out->field, "parm");
	_cleanup_free_ struct jfield *fields = NULL;
	struct params ps = { 0 };
	ssize_t n;

	/* all gathered first: a failure leaves no half object behind */
	n = collect_fields(list, out, want_params ? &ps : NULL, &fields);
	if (n < 0) {
		free(ps.v);
		return (int)n;
	}
	fputs((*out->shown)++ > 0 ? ",\n{" : "[\n{", stdout);
	json_key(stdout, "name");
	json_value(stdout, kmod_module_get_name(mod));
	fputs(",\"filename\":", stdout);
	if (path != NULL)
		json_value(stdout, path);
	else
		fputs("null", stdout);
	printf(",\"builtin\":%s", path == NULL ? "true" : "false");
	json_fields(fields, (size_t)n);
	if (want_params)
		json_params(&ps);
	putchar('}');
	free(ps.v);
	return 0;
}

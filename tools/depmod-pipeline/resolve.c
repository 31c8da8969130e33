// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stage 4, the resolve: symbols and dependencies: the table of exported symbols (the
 * kernel's from Module.symvers or System.map, then every module's, a later module in
 * module order taking over a name), each module's needs resolved against it, the
 * topological order of modules and the report of dependency cycles.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/depmod-pipeline/resolve.h"
#include "tools/depmod-pipeline/task.h"
#include "tools/tool-log.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/strbuf.h"

int depmod_resolve_init(struct depmod_resolve *d, const struct depmod_cfg *cfg,
			struct depmod_modules *mods)
{
	*d = (struct depmod_resolve){ .cfg = cfg,
				      .mods = mods,
				      .symbol_arena = ARENA_INIT };
	array_init(&d->symbol_mem, 64);
	return depmod_symbol_table_init(&d->symbols);
}

void depmod_resolve_free(struct depmod_resolve *d)
{
	depmod_symbol_table_free(&d->symbols);
	array_free_array(&d->symbol_mem);
	arena_release(&d->symbol_arena);
}

static int symbol_add(struct depmod_resolve *d, const char *name, bool prefix_skipped,
		      uint64_t crc, struct depmod_mod *owner)
{
	struct depmod_symbol *sym;
	size_t len;
	int err;

	if (!prefix_skipped && name[0] == d->cfg->sym_prefix)
		name++;
	len = strlen(name);
	sym = depmod_symbol_table_find(&d->symbols, name, len);
	if (sym != NULL) {
		/* same name: the newcomer wins, as kmod's hash_add replaces */
		sym->owner = owner;
		sym->crc = crc;
		return 0;
	}
	sym = arena_alloc(&d->symbol_arena, sizeof(*sym) + len + 1);
	if (sym == NULL)
		return -ENOMEM;
	sym->owner = owner;
	sym->crc = crc;
	sym->name = memcpy((char *)(sym + 1), name, len + 1);
	err = array_append(&d->symbol_mem, sym);
	if (err < 0)
		return err;
	return depmod_symbol_table_add(&d->symbols, sym, len);
}

static struct depmod_symbol *symbol_find(const struct depmod_resolve *d, const char *name)
{
	if (name[0] == '.') /* PPC64: .foo is foo */
		name++;
	if (name[0] == d->cfg->sym_prefix)
		name++;
	return depmod_symbol_table_find(&d->symbols, name, strlen(name));
}

/* Symbols the kernel's loader provides without exporting them. */
static int add_fake_syms(struct depmod_resolve *d)
{
	int err = symbol_add(d, "__this_module", true, 0, NULL);

	if (err == 0)
		err = symbol_add(d, "_GLOBAL_OFFSET_TABLE_", true, 0, NULL);
	if (err == 0 && symbol_find(d, "TOC.") == NULL)
		err = symbol_add(d, "TOC.", true, 0, NULL);
	return err;
}

/* Module.symvers: "0xcrc\tsymbol\tvmlinux\tEXPORT_SYMBOL[\tnamespace]"; only vmlinux
 * lines. */
int depmod_load_symvers(struct depmod_resolve *d, const char *filename)
{
	unsigned int linenum = 0;
	char line[10240];
	int err = 0;
	FILE *fp = fopen_regular(filename);

	if (fp == NULL)
		return -errno;
	while (err == 0 && fgets(line, sizeof(line), fp) != NULL) {
		char *saveptr, *ver, *sym, *where, *end;
		uint64_t crc;

		linenum++;
		ver = strtok_r(line, " \t", &saveptr);
		sym = strtok_r(NULL, " \t", &saveptr);
		where = strtok_r(NULL, " \t", &saveptr);
		if (ver == NULL || sym == NULL || where == NULL ||
		    !streq(where, "vmlinux"))
			continue;
		crc = strtoull(ver, &end, 16);
		if (end[0] != '\0') {
			ERR("%s:%u Invalid symbol version %s\n", filename, linenum, ver);
			continue;
		}
		err = symbol_add(d, sym, false, crc, NULL);
	}
	fclose(fp);
	return err < 0 ? err : add_fake_syms(d);
}

/* System.map: "address type name"; the __ksymtab_<name> entries are the exports. */
int depmod_load_system_map(struct depmod_resolve *d, const char *filename)
{
	static const char ksym[] = "__ksymtab_";
	unsigned int linenum = 0;
	char line[10240];
	int err = 0;
	FILE *fp = fopen_regular(filename);

	if (fp == NULL)
		return -errno;
	while (err == 0 && fgets(line, sizeof(line), fp) != NULL) {
		char *type, *sym, *nl;

		linenum++;
		type = strchr(line, ' ');
		if (type == NULL)
			goto invalid;
		type++;
		sym = strchr(type, ' ');
		if (sym == NULL)
			goto invalid;
		sym++;
		nl = strchr(sym, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (strncmp(sym, ksym, sizeof(ksym) - 1) != 0)
			continue;
		err = symbol_add(d, sym + sizeof(ksym) - 1, false, 0, NULL);
		continue;
	invalid:
		ERR("%s:%u: invalid line: %s\n", filename, linenum, line);
	}
	fclose(fp);
	return err < 0 ? err : add_fake_syms(d);
}

int depmod_add_exports(struct depmod_resolve *d)
{
	for (size_t i = 0; i < d->mods->n; i++) {
		struct depmod_mod *mod = d->mods->v[i];

		for (int j = 0; j < mod->n_exports; j++) {
			int err = symbol_add(d, mod->exports[j].symbol, false,
					     mod->exports[j].crc, mod);

			if (err < 0)
				return err;
		}
	}
	DBG("loaded symbols (%zu modules, %zu symbols)\n", d->mods->n, d->symbols.count);
	return 0;
}

static int mod_add_dependency(struct depmod_resolve *d, struct depmod_mod *mod,
			      const struct depmod_symbol *sym)
{
	int err;

	if (sym->owner == NULL)
		return 0;
	for (size_t i = 0; i < mod->deps.count; i++) {
		if (mod->deps.array[i] == sym->owner)
			return 0;
	}
	err = array_append(&mod->deps, sym->owner);
	if (err < 0)
		return err;
	sym->owner->users++;
	if (d->cfg->verbose > LOG_WARNING) {
		printf("%s needs \"%s\": %s\n", mod->path, sym->name, sym->owner->path);
		fflush(stdout);
	}
	return 0;
}

/*
 * Every need of every module looked up at once, on two threads (the symbol
 * table is only read): the lookups are most of resolving dependencies, and
 * what depends on their order (warnings, the order of each module's
 * dependencies) comes after, on one thread.
 */
struct lookup {
	const struct depmod_resolve *d;
	struct depmod_symbol **found; /* per need, module after module */
	size_t *first;		      /* per module: index of its first need in found */
	struct arena arena;	      /* both arrays: megabytes, written once */
	size_t next;		      /* next module to claim (atomic) */
};

#define LOOKUP_BATCH 64

static int lookup_worker(void *data)
{
	struct lookup *r = data;
	const struct depmod_resolve *d = r->d;

	for (;;) {
		size_t i = __atomic_fetch_add(&r->next, LOOKUP_BATCH, __ATOMIC_RELAXED);
		size_t end =
			i + LOOKUP_BATCH < d->mods->n ? i + LOOKUP_BATCH : d->mods->n;

		if (i >= d->mods->n)
			return 0;
		for (; i < end; i++) {
			const struct depmod_mod *mod = d->mods->v[i];

			for (int j = 0; j < mod->n_needs; j++)
				r->found[r->first[i] + (size_t)j] =
					symbol_find(d, mod->needs[j].symbol);
		}
	}
}

static int lookup_needs(const struct depmod_resolve *d, struct lookup *r)
{
	size_t total = 0;

	r->d = d;
	r->next = 0;
	r->first = arena_alloc(&r->arena, d->mods->n * sizeof(*r->first));
	if (r->first == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < d->mods->n; i++) {
		r->first[i] = total;
		total += (size_t)d->mods->v[i]->n_needs;
	}
	r->found = arena_alloc(&r->arena, total * sizeof(*r->found));
	if (r->found == NULL)
		return -ENOMEM;
	/* both threads share @r */
	depmod_parallel(d->mods->n > LOOKUP_BATCH ? 2 : 1, lookup_worker, r, 0);
	return 0;
}

int depmod_load_dependencies(struct depmod_resolve *d)
{
	const struct depmod_cfg *cfg = d->cfg;
	struct lookup r = { 0 };
	int err = lookup_needs(d, &r);

	for (size_t i = 0; i < d->mods->n && err == 0; i++) {
		struct depmod_mod *mod = d->mods->v[i];

		for (int j = 0; j < mod->n_needs && err == 0; j++) {
			const struct kmod_elf_symbol *need = &mod->needs[j];
			bool weak = need->bind == KMOD_ELF_BIND_WEAK;
			struct depmod_symbol *sym = r.found[r.first[i] + (size_t)j];

			if (sym == NULL) {
				if (cfg->print_unknown && !weak)
					WRN("%s needs unknown symbol %s\n", mod->path,
					    need->symbol);
				continue;
			}
			if (cfg->check_symvers && sym->crc != need->crc && !weak &&
			    cfg->print_unknown)
				WRN("%s disagrees about version of symbol %s\n",
				    mod->path, need->symbol);
			err = mod_add_dependency(d, mod, sym);
		}
	}
	arena_release(&r.arena);
	return err;
}

/*
 * Report the cycles through @root: a depth-first walk along dependencies, in
 * kmod's order (the last dependency first), that prints each path leading
 * back to @root.  Every module is expanded once per root, so the walk is
 * linear.  @inloop collects the modules of the cycles found.
 */
struct vertex {
	struct depmod_mod *mod;
	int parent; /* index in the vertex array, -1 for the root */
};

static int vertex_push(struct vertex **v, int **stack, size_t *nv, size_t *ns,
		       size_t *cap, struct depmod_mod *mod, int parent)
{
	if (*nv == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct vertex *nvv = realloc(*v, ncap * sizeof(**v));
		int *nst;

		if (nvv == NULL)
			return -ENOMEM;
		*v = nvv;
		nst = realloc(*stack, ncap * sizeof(**stack));
		if (nst == NULL)
			return -ENOMEM;
		*stack = nst;
		*cap = ncap;
	}
	(*v)[*nv] = (struct vertex){ mod, parent };
	(*stack)[(*ns)++] = (int)(*nv)++;
	return 0;
}

/* "a -> b -> a" for the path ending at vertex @cur; marks its modules in @inloop. */
static int print_cycle(const struct vertex *v, int cur, bool *inloop, int *count)
{
	_cleanup_strbuf_ struct strbuf buf;
	_cleanup_free_ const char **names = NULL;
	size_t depth = 0;

	strbuf_init(&buf);
	for (int p = cur; p >= 0; p = v[p].parent)
		depth++;
	names = calloc(depth, sizeof(*names));
	if (names == NULL)
		return -ENOMEM;
	for (int p = cur, k = (int)depth - 1; p >= 0; p = v[p].parent, k--) {
		names[k] = v[p].mod->modname;
		if (!inloop[v[p].mod->idx]) {
			inloop[v[p].mod->idx] = true;
			(*count)++;
		}
	}
	for (size_t k = 0; k < depth; k++) {
		if ((k > 0 && !strbuf_pushchars(&buf, " -> ")) ||
		    !strbuf_pushchars(&buf, names[k]))
			return -ENOMEM;
	}
	if (strbuf_str(&buf) == NULL)
		return -ENOMEM;
	ERR("Cycle detected: %s\n", strbuf_str(&buf));
	return 0;
}

static int report_cycles_from(struct depmod_resolve *d, struct depmod_mod *root,
			      bool *inloop, int *count)
{
	_cleanup_free_ struct vertex *v = NULL;
	_cleanup_free_ int *stack = NULL;
	size_t nv = 0, ns = 0, cap = 0;
	int err;

	d->mark_gen++;
	err = vertex_push(&v, &stack, &nv, &ns, &cap, root, -1);
	while (err == 0 && ns > 0) {
		int cur = stack[--ns];
		struct depmod_mod *m = v[cur].mod;

		if (cur != 0 && m == root) {
			err = print_cycle(v, cur, inloop, count);
			continue;
		}
		if (m->mark == d->mark_gen)
			continue;
		m->mark = d->mark_gen;
		for (size_t i = 0; i < m->deps.count && err == 0; i++)
			err = vertex_push(&v, &stack, &nv, &ns, &cap, m->deps.array[i],
					  cur);
	}
	return err;
}

static int report_cycles(struct depmod_resolve *d, const unsigned int *users)
{
	_cleanup_free_ bool *inloop = calloc(d->mods->n ? d->mods->n : 1, sizeof(bool));
	int count = 0;

	if (inloop == NULL) {
		ERR("No memory to report cycles\n");
		return -ENOMEM;
	}
	for (size_t i = 0; i < d->mods->n; i++) {
		int err;

		if (users[i] == 0 || inloop[i])
			continue;
		err = report_cycles_from(d, d->mods->v[i], inloop, &count);
		if (err < 0) {
			ERR("No memory to report cycles\n");
			return err;
		}
	}
	ERR("Found %d modules in dependency cycles!\n", count);
	return 0;
}

static int dep_cmp(const void *pa, const void *pb)
{
	const struct depmod_mod *a = *(const struct depmod_mod *const *)pa;
	const struct depmod_mod *b = *(const struct depmod_mod *const *)pb;

	return (a->dep_sort_idx > b->dep_sort_idx) - (a->dep_sort_idx < b->dep_sort_idx);
}

/*
 * Kahn's algorithm with a stack, as kmod does it: modules nobody uses first;
 * a module's dependencies are released in the order they were found.
 */
int depmod_calculate_dependencies(struct depmod_resolve *d)
{
	size_t n = d->mods->n, n_roots = 0, n_sorted = 0;
	_cleanup_free_ unsigned int *users = calloc(n ? n : 1, sizeof(*users));
	_cleanup_free_ size_t *roots = calloc(n ? n : 1, sizeof(*roots));

	if (users == NULL || roots == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		users[i] = d->mods->v[i]->users;
		if (users[i] == 0)
			roots[n_roots++] = i;
	}
	while (n_roots > 0) {
		struct depmod_mod *src = d->mods->v[roots[--n_roots]];

		src->dep_sort_idx = (int)n_sorted++;
		for (size_t j = 0; j < src->deps.count; j++) {
			const struct depmod_mod *dst = src->deps.array[j];

			if (--users[dst->idx] == 0)
				roots[n_roots++] = dst->idx;
		}
	}
	if (n_sorted < n) {
		report_cycles(d, users);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		struct depmod_mod *m = d->mods->v[i];

		if (m->deps.count > 1)
			qsort(m->deps.array, m->deps.count, sizeof(void *), dep_cmp);
	}
	return 0;
}

int depmod_mod_all_deps(struct depmod_resolve *d, const struct depmod_mod *mod,
			struct depmod_mod ***deps, size_t *n)
{
	struct array out, todo;
	int err = 0;

	*deps = NULL;
	*n = 0;
	if (mod->deps.count == 0)
		return 0;
	array_init(&out, 16);
	array_init(&todo, 16);
	d->mark_gen++;
	for (size_t i = 0; i < mod->deps.count && err >= 0; i++)
		err = array_append(&todo, mod->deps.array[i]);
	while (err >= 0 && todo.count > 0) {
		struct depmod_mod *m = todo.array[todo.count - 1];

		array_pop(&todo);
		if (m->mark == d->mark_gen)
			continue;
		m->mark = d->mark_gen;
		err = array_append(&out, m);
		for (size_t i = 0; i < m->deps.count && err >= 0; i++)
			err = array_append(&todo, m->deps.array[i]);
	}
	array_free_array(&todo);
	if (err < 0) {
		array_free_array(&out);
		return err;
	}
	qsort(out.array, out.count, sizeof(void *), dep_cmp);
	*deps = (struct depmod_mod **)out.array;
	*n = out.count;
	return 0;
}

struct sym_order {
	const struct depmod_symbol *sym;
	uint32_t bucket;
};

static int sym_order_cmp(const void *pa, const void *pb)
{
	const struct sym_order *a = pa, *b = pb;

	if (a->bucket != b->bucket)
		return a->bucket < b->bucket ? -1 : 1;
	return strcmp(a->sym->name, b->sym->name);
}

/* kmod keeps its symbols in a table of 2048 buckets. */
#define KMOD_SYMBOL_BUCKETS 2048

int depmod_symbols_sorted(const struct depmod_resolve *d,
			  const struct depmod_symbol ***ret)
{
	size_t n = 0, total = d->symbol_mem.count;
	_cleanup_free_ struct sym_order *v = calloc(total ? total : 1, sizeof(*v));
	const struct depmod_symbol **out;

	if (v == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < total; i++) {
		const struct depmod_symbol *s = d->symbol_mem.array[i];

		if (s->owner == NULL)
			continue;
		v[n].sym = s;
		v[n].bucket =
			(uint32_t)depmod_kmod_hash_bucket(s->name, KMOD_SYMBOL_BUCKETS);
		n++;
	}
	qsort(v, n, sizeof(*v), sym_order_cmp);
	out = calloc(n ? n : 1, sizeof(*out));
	if (out == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		out[i] = v[i].sym;
	*ret = out;
	return (int)n;
}

// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util/array.h"
#include "util/macro.h"

#define ARRAY_DEFAULT_STEP 16

void array_init(struct array *array, size_t step)
{
	array->array = NULL;
	array->count = 0;
	array->total = 0;
	array->step = step > 0 ? step : ARRAY_DEFAULT_STEP;
}

static int array_grow(struct array *array)
{
	size_t total, bytes;
	void **p;

	if (array->count < array->total)
		return 0;

	/* Start at step, then double so that long arrays stay amortised O(1). */
	if (array->total == 0)
		total = array->step;
	else if (umul_overflow(array->total, 2, &total))
		return -ENOMEM;
	if (umul_overflow(total, sizeof(void *), &bytes))
		return -ENOMEM;

	p = realloc(array->array, bytes);
	if (p == NULL)
		return -ENOMEM;
	array->array = p;
	array->total = total;
	return 0;
}

int array_append(struct array *array, const void *element)
{
	int err;

	/* The index is returned as an int, so it must stay representable. */
	if (array->count >= INT_MAX)
		return -ENOMEM;
	err = array_grow(array);
	if (err < 0)
		return err;
	array->array[array->count] = (void *)element;
	return (int)array->count++;
}

int array_append_unique(struct array *array, const void *element)
{
	for (size_t i = 0; i < array->count; i++) {
		if (array->array[i] == element)
			return (int)i;
	}
	return array_append(array, element);
}

void array_pop(struct array *array)
{
	if (array->count > 0)
		array->count--;
}

void array_free_array(struct array *array)
{
	free(array->array);
	array->array = NULL;
	array->count = 0;
	array->total = 0;
}

void array_sort(struct array *array, int (*cmp)(const void *a, const void *b))
{
	if (array->count > 1)
		qsort(array->array, array->count, sizeof(void *), cmp);
}

int array_remove_at(struct array *array, size_t pos)
{
	if (pos >= array->count)
		return -ENOENT;
	memmove(array->array + pos, array->array + pos + 1,
		(array->count - pos - 1) * sizeof(void *));
	array->count--;
	return 0;
}

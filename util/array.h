/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* Growable array of pointers. */
struct array {
	void **array;
	size_t count;
	size_t total;
	size_t step;
};

void array_init(struct array *array, size_t step);
/* Returns the index of the new element or -ENOMEM. */
int array_append(struct array *array, const void *element);
/* Appends only if the pointer is not there yet; index of it, or -ENOMEM. */
int array_append_unique(struct array *array, const void *element);
void array_pop(struct array *array);
void array_free_array(struct array *array);
/* As with qsort(), cmp receives pointers to the elements (each really a void **). */
void array_sort(struct array *array, int (*cmp)(const void *a, const void *b));
/* 0 or -ENOENT. */
int array_remove_at(struct array *array, size_t pos);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Part of stage 3, the load: one memory budget for the module images the
 * loader's threads hold at once.  Each image may be as large as the
 * library's cap (1 GiB), so a budget per thread made N threads N times the
 * cap; now a thread reserves what its module's image will take before
 * loading it and waits while the others' reservations leave too little.  A
 * module larger than the whole budget waits until it is alone.
 */

#include <pthread.h>
#include <stddef.h>

#include "libkmod/libkmod-file.h"

struct depmod_budget {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	size_t limit, used;
	size_t waits; /* reservations that had to wait, for the debug message */
};

void depmod_budget_init(struct depmod_budget *b, size_t limit);
void depmod_budget_destroy(struct depmod_budget *b);
/* Reserve @n bytes, waiting for them unless nothing else is reserved. */
void depmod_budget_take(struct depmod_budget *b, size_t n);
/* Reserve @n more at once: an image found bigger than its reservation. */
void depmod_budget_charge(struct depmod_budget *b, size_t n);
void depmod_budget_give(struct depmod_budget *b, size_t n);

/*
 * The bytes @file's image will take once loaded: its size for a plain file,
 * the size its container records for a compressed one (the xz index, the
 * zstd frame header, the gzip trailer), or @unknown when there is none.
 */
size_t depmod_image_size(const struct kmod_file *file, size_t unknown);

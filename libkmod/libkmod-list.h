/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The library's lists (libkmod-list.c): struct kmod_list of libkmod.h, a
 * circular doubly linked list whose handle is its first node.  Every call
 * that may change the first node returns the new handle.
 */

#include "libkmod/libkmod.h"
#include "util/macro.h"

struct list_node {
	struct list_node *next, *prev;
};

struct kmod_list {
	struct list_node node;
	void *data;
};

struct kmod_list *kmod_list_append(struct kmod_list *list, const void *data) _must_check_;
struct kmod_list *kmod_list_prepend(struct kmod_list *list,
				    const void *data) _must_check_;
struct kmod_list *kmod_list_remove(struct kmod_list *list);
struct kmod_list *kmod_list_remove_data(struct kmod_list *list,
					const void *data) _must_check_;
struct kmod_list *kmod_list_append_list(struct kmod_list *list1,
					struct kmod_list *list2) _must_check_;
#define kmod_list_release(list, free_data)                                               \
	while (list) {                                                                   \
		free_data((list)->data);                                                 \
		list = kmod_list_remove(list);                                           \
	}

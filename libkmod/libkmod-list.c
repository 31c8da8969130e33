// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Circular doubly linked lists.  The handle of a list is its first node, so
 * every operation that may change the first node returns the new handle.
 */
#include <stdlib.h>

#include "libkmod/libkmod-list.h"

static struct kmod_list *list_entry(struct list_node *node)
{
	return (struct kmod_list *)node; /* node is the first member */
}

static struct kmod_list *node_new(const void *data)
{
	struct kmod_list *n = malloc(sizeof(*n));

	if (n == NULL)
		return NULL;
	n->node.next = n->node.prev = &n->node;
	n->data = (void *)data;
	return n;
}

/* Insert @new before @pos in the ring. */
static void node_insert_before(struct list_node *pos, struct list_node *new)
{
	new->next = pos;
	new->prev = pos->prev;
	pos->prev->next = new;
	pos->prev = new;
}

static void node_unlink(struct list_node *node)
{
	node->prev->next = node->next;
	node->next->prev = node->prev;
}

struct kmod_list *kmod_list_append(struct kmod_list *list, const void *data)
{
	struct kmod_list *n = node_new(data);

	if (n == NULL)
		return NULL;
	if (list == NULL)
		return n;
	node_insert_before(&list->node, &n->node);
	return list;
}

struct kmod_list *kmod_list_prepend(struct kmod_list *list, const void *data)
{
	struct kmod_list *n = node_new(data);

	if (n == NULL)
		return NULL;
	if (list == NULL)
		return n;
	node_insert_before(&list->node, &n->node);
	return n;
}

/* Remove the node @list (a handle); returns the new handle. */
struct kmod_list *kmod_list_remove(struct kmod_list *list)
{
	struct kmod_list *next;

	if (list == NULL)
		return NULL;
	if (list->node.next == &list->node) {
		free(list);
		return NULL;
	}
	next = list_entry(list->node.next);
	node_unlink(&list->node);
	free(list);
	return next;
}

static struct kmod_list *list_remove_node(struct kmod_list *list, struct kmod_list *node)
{
	if (node == list)
		return kmod_list_remove(list);
	node_unlink(&node->node);
	free(node);
	return list;
}

struct kmod_list *kmod_list_remove_data(struct kmod_list *list, const void *data)
{
	struct kmod_list *it;

	kmod_list_foreach (it, list) {
		if (it->data == data)
			return list_remove_node(list, it);
	}
	return list;
}

struct kmod_list *kmod_list_append_list(struct kmod_list *list1, struct kmod_list *list2)
{
	struct list_node *last1, *last2;

	if (list1 == NULL)
		return list2;
	if (list2 == NULL)
		return list1;
	last1 = list1->node.prev;
	last2 = list2->node.prev;
	last1->next = &list2->node;
	list2->node.prev = last1;
	last2->next = &list1->node;
	list1->node.prev = last2;
	return list1;
}

/* The public ones (libkmod.h): _export_ is KMOD_EXPORT, without the context's header. */
_export_ struct kmod_list *kmod_list_next(const struct kmod_list *list,
					  const struct kmod_list *curr)
{
	if (list == NULL || curr == NULL)
		return NULL;
	if (curr->node.next == &list->node)
		return NULL;
	return list_entry(curr->node.next);
}

_export_ struct kmod_list *kmod_list_prev(const struct kmod_list *list,
					  const struct kmod_list *curr)
{
	if (list == NULL || curr == NULL)
		return NULL;
	if (curr == list)
		return NULL;
	return list_entry(curr->node.prev);
}

_export_ struct kmod_list *kmod_list_last(const struct kmod_list *list)
{
	if (list == NULL)
		return NULL;
	return list_entry(list->node.prev);
}

// SPDX-License-Identifier: BSD-2-Clause
/* The node table: a fixed hash of chains, keyed by the normalized name. */
#include <stdlib.h>
#include <string.h>

#include "efivarfs_node.h"

static size_t bucket_of(const char *key)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h % TV_EFIVARFS_BUCKETS;
}

struct tv_efivarfs_node *tv_efivarfs_table_find(struct tv_efivarfs_table *t, const char *key)
{
	for (struct tv_efivarfs_node *n = t->bucket[bucket_of(key)]; n; n = n->next)
		if (strcmp(n->key, key) == 0)
			return n;
	return NULL;
}

void tv_efivarfs_table_link(struct tv_efivarfs_table *t, struct tv_efivarfs_node *n)
{
	size_t b = bucket_of(n->key);
	n->next = t->bucket[b];
	t->bucket[b] = n;
	n->linked = true;
	t->count++;
}

void tv_efivarfs_table_unlink(struct tv_efivarfs_table *t, struct tv_efivarfs_node *n)
{
	if (!n->linked)
		return;
	for (struct tv_efivarfs_node **pp = &t->bucket[bucket_of(n->key)]; *pp; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	}
	n->next = NULL;
	n->linked = false;
	t->count--;
	if (n->opens == 0)
		free(n);
}

void tv_efivarfs_node_put(struct tv_efivarfs_node *n)
{
	if (n->opens > 0)
		n->opens--;
	if (n->opens == 0 && !n->linked)
		free(n);
}

void tv_efivarfs_table_each(struct tv_efivarfs_table *t,
			    void (*fn)(struct tv_efivarfs_node *n, void *arg), void *arg)
{
	for (size_t b = 0; b < TV_EFIVARFS_BUCKETS; b++) {
		struct tv_efivarfs_node *n = t->bucket[b];
		while (n) {
			struct tv_efivarfs_node *next = n->next; /* fn may unlink n */
			fn(n, arg);
			n = next;
		}
	}
}

void tv_efivarfs_table_clear(struct tv_efivarfs_table *t)
{
	for (size_t b = 0; b < TV_EFIVARFS_BUCKETS; b++) {
		struct tv_efivarfs_node *n = t->bucket[b];
		while (n) {
			struct tv_efivarfs_node *next = n->next;
			n->linked = false;
			n->next = NULL;
			if (n->opens == 0)
				free(n);
			n = next;
		}
		t->bucket[b] = NULL;
	}
	t->count = 0;
}

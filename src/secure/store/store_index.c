/* SPDX-License-Identifier: BSD-2-Clause */
#include "store_index.h"

#include <stdlib.h>
#include <string.h>

#include "tv_err.h"

#define INITIAL_BUCKETS 256u

static uint32_t key_hash(const uint8_t guid[16], const uint8_t *name, size_t name_size)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < 16; i++)
		h = (h ^ guid[i]) * 16777619u;
	for (size_t i = 0; i < name_size; i++)
		h = (h ^ name[i]) * 16777619u;
	return h;
}

int tv_index_init(struct tv_index *idx)
{
	memset(idx, 0, sizeof(*idx));
	idx->buckets = calloc(INITIAL_BUCKETS, sizeof(*idx->buckets));
	if (!idx->buckets)
		return TV_ENOMEM;
	idx->nbuckets = INITIAL_BUCKETS;
	return TV_OK;
}

static void key_free(struct tv_key *k)
{
	free((void *)k->v.name);
	free((void *)k->v.data);
	free(k);
}

void tv_index_free(struct tv_index *idx)
{
	for (uint32_t b = 0; idx->buckets && b < idx->nbuckets; b++) {
		struct tv_key *k = idx->buckets[b];
		while (k) {
			struct tv_key *next = k->hnext;
			key_free(k);
			k = next;
		}
	}
	free(idx->buckets);
	memset(idx, 0, sizeof(*idx));
}

struct tv_key *tv_index_find(const struct tv_index *idx, const uint8_t guid[16],
			     const uint8_t *name, size_t name_size)
{
	uint32_t h = key_hash(guid, name, name_size);
	for (struct tv_key *k = idx->buckets[h & (idx->nbuckets - 1)]; k; k = k->hnext)
		if (k->hash == h && k->v.name_size == name_size &&
		    memcmp(k->v.guid, guid, 16) == 0 && memcmp(k->v.name, name, name_size) == 0)
			return k;
	return NULL;
}

static void grow(struct tv_index *idx)
{
	uint32_t n = idx->nbuckets * 2;
	struct tv_key **b = calloc(n, sizeof(*b));
	if (!b)
		return; /* longer chains, still correct */
	for (uint32_t i = 0; i < idx->nbuckets; i++) {
		struct tv_key *k = idx->buckets[i];
		while (k) {
			struct tv_key *next = k->hnext;
			k->hnext = b[k->hash & (n - 1)];
			b[k->hash & (n - 1)] = k;
			k = next;
		}
	}
	free(idx->buckets);
	idx->buckets = b;
	idx->nbuckets = n;
}

int tv_index_insert(struct tv_index *idx, const struct tv_rec *r, struct tv_key **out)
{
	struct tv_key *k = calloc(1, sizeof(*k));
	uint8_t *name = malloc(r->name_size);
	if (!k || !name) {
		free(k);
		free(name);
		return TV_ENOMEM;
	}
	memcpy(name, r->name, r->name_size);
	memcpy(k->v.guid, r->guid, 16);
	k->v.name = name;
	k->v.name_size = r->name_size;
	k->type = TV_REC_DEL;
	k->hash = key_hash(r->guid, r->name, r->name_size);
	if (idx->count >= idx->nbuckets)
		grow(idx);
	uint32_t b = k->hash & (idx->nbuckets - 1);
	k->hnext = idx->buckets[b];
	idx->buckets[b] = k;
	idx->count++;
	*out = k;
	return TV_OK;
}

static void list_unlink(struct tv_index *idx, struct tv_key *k)
{
	if (!k->listed)
		return;
	if (k->prev)
		k->prev->next = k->next;
	else
		idx->first = k->next;
	if (k->next)
		k->next->prev = k->prev;
	else
		idx->last = k->prev;
	k->prev = k->next = NULL;
	k->listed = false;
	idx->live_count--;
}

static void list_append(struct tv_index *idx, struct tv_key *k)
{
	if (k->listed)
		return;
	k->prev = idx->last;
	k->next = NULL;
	if (idx->last)
		idx->last->next = k;
	else
		idx->first = k;
	idx->last = k;
	k->listed = true;
	idx->live_count++;
}

void tv_index_remove(struct tv_index *idx, struct tv_key *k)
{
	list_unlink(idx, k);
	struct tv_key **p = &idx->buckets[k->hash & (idx->nbuckets - 1)];
	while (*p && *p != k)
		p = &(*p)->hnext;
	if (*p)
		*p = k->hnext;
	idx->count--;
	key_free(k);
}

struct tv_key *tv_index_iter(const struct tv_index *idx, const struct tv_key *k)
{
	if (k && k->hnext)
		return k->hnext;
	uint32_t b = k ? (k->hash & (idx->nbuckets - 1)) + 1 : 0;
	for (; b < idx->nbuckets; b++)
		if (idx->buckets[b])
			return idx->buckets[b];
	return NULL;
}

static int by_seq(const void *a, const void *b)
{
	const struct tv_key *x = *(struct tv_key *const *)a, *y = *(struct tv_key *const *)b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int tv_index_sort_live(struct tv_index *idx)
{
	uint32_t n = idx->live_count;
	if (n < 2)
		return TV_OK;
	struct tv_key **v = malloc(n * sizeof(*v));
	if (!v)
		return TV_OK; /* keep the unsorted (still complete) order */
	uint32_t i = 0;
	for (struct tv_key *k = idx->first; k; k = k->next)
		v[i++] = k;
	qsort(v, n, sizeof(*v), by_seq);
	idx->first = idx->last = NULL;
	idx->live_count = 0;
	for (i = 0; i < n; i++) {
		v[i]->listed = false;
		list_append(idx, v[i]);
	}
	free(v);
	return TV_OK;
}

void tv_key_clear_winner(struct tv_index *idx, struct tv_key *k)
{
	list_unlink(idx, k);
	free((void *)k->v.data);
	k->v.data = NULL;
	k->v.data_size = 0;
	k->v.attrs = 0;
	k->v.has_ext = false;
	k->type = TV_REC_DEL;
	k->seq = 0;
}

int tv_key_set_winner(struct tv_index *idx, struct tv_key *k, const struct tv_rec *r,
		      uint32_t seg, uint32_t size)
{
	if (r->type != TV_REC_DEL && r->data != k->v.data) {
		uint8_t *data = NULL;
		if (r->data_size) {
			data = malloc(r->data_size);
			if (!data)
				return TV_ENOMEM;
			memcpy(data, r->data, r->data_size);
		}
		free((void *)k->v.data);
		k->v.data = data;
	}
	k->seq = r->seq;
	k->seg = seg;
	k->rec_size = size;
	k->type = r->type;
	if (r->type == TV_REC_DEL) {
		free((void *)k->v.data);
		k->v.data = NULL;
		k->v.data_size = 0;
		k->v.attrs = 0;
		k->v.has_ext = false;
		list_unlink(idx, k);
		return TV_OK;
	}
	k->v.data_size = r->data_size;
	k->v.attrs = r->attrs;
	k->v.has_ext = r->type == TV_REC_AUTHVAR;
	k->v.ext = r->ext;
	list_append(idx, k);
	return TV_OK;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The store's RAM index: one entry per (GUID, name) that has records on the
 * media, found through a hash table; the live variables are also on a list in
 * enumeration order (new ones at the end; an update keeps its place).
 */
#ifndef TV_STORE_INDEX_H
#define TV_STORE_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "store_format.h"

struct tv_key {
	struct tv_store_var v;  /* first member: the view readers get */
	/* the newest record of this key on the media (seq 0: none) */
	uint64_t seq;
	uint32_t seg;
	uint32_t rec_size;
	uint8_t type;
	uint32_t media_vars;    /* value records of this key on the media */
	uint32_t media_refs;    /* all records of this key on the media */
	uint32_t hash;
	struct tv_key *hnext;
	struct tv_key *prev, *next; /* list of live variables */
	bool listed;
};

struct tv_index {
	struct tv_key **buckets;
	uint32_t nbuckets;
	uint32_t count;
	uint32_t live_count;
	struct tv_key *first, *last;
};

int tv_index_init(struct tv_index *idx);
void tv_index_free(struct tv_index *idx);
struct tv_key *tv_index_find(const struct tv_index *idx, const uint8_t guid[16],
			     const uint8_t *name, size_t name_size);
/* Adds an entry for r's GUID and name, with no newest record yet. */
int tv_index_insert(struct tv_index *idx, const struct tv_rec *r, struct tv_key **out);
void tv_index_remove(struct tv_index *idx, struct tv_key *k);
/* Every entry, live or not: start with NULL. */
struct tv_key *tv_index_iter(const struct tv_index *idx, const struct tv_key *k);
/* Orders the live list by sequence number (after a mount). */
int tv_index_sort_live(struct tv_index *idx);

/* k has no newest record any more (its value is withheld or gone). */
void tv_key_clear_winner(struct tv_index *idx, struct tv_key *k);
/* Makes r (at segment seg, size bytes) the newest record of k. */
int tv_key_set_winner(struct tv_index *idx, struct tv_key *k, const struct tv_rec *r,
		      uint32_t seg, uint32_t size);

static inline bool tv_key_is_var(const struct tv_key *k)
{
	return k->seq != 0 && k->type != TV_REC_DEL;
}

#endif

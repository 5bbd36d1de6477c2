/* SPDX-License-Identifier: BSD-2-Clause */
#include "store.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "store_index.h"
#include "tv_err.h"

#define BLK RPMB_BLOCK_SIZE
#define RESERVE_SEGS 1u    /* free segments kept for the cleaner */
#define NO_SEG UINT32_MAX

struct rec_ref {
	struct tv_key *k;
	uint32_t size;
	uint64_t seq;
	uint8_t type;
};

struct segment {
	uint32_t first_block;
	uint32_t nblocks;
	uint32_t used;         /* end of the record chain, bytes */
	uint64_t live;         /* bytes of records that must be kept */
	struct rec_ref *recs;  /* the chain, in order */
	uint32_t nrecs, cap;
};

struct tv_store {
	struct tv_rpmb *rpmb;
	uint8_t key[32];
	struct tv_store_config cfg;
	uint32_t seg_blocks, seg_count;
	uint64_t capacity;
	/* state rebuilt from the media by load() */
	struct segment *segs;
	struct tv_index idx;
	uint32_t head;         /* segment taking writes */
	bool head_fresh;       /* head's old chain is still on the media */
	uint64_t used;         /* cost of live variables */
	uint64_t used_hwerr;   /* of which variables with attribute bit 3 (HwErrRec) */
	uint32_t sync_counter; /* the RPMB write counter that RAM is in step with */
	bool unsynced;         /* an uncertain write is not settled yet */
	bool fault_apply;      /* test hook: the next apply after a write fails */
	/* damage found on the media (store.h: tv_store_stats.damaged) */
	uint32_t damage_count, first_damage_block;
	uint8_t *wbuf;         /* one segment */
	uint64_t gc_segments, gc_bytes, reused_segments;
};

/* A record to write, and the key it belongs to (set by commit()). */
struct wrec {
	struct tv_rec rec;
	struct tv_key *k;
	uint32_t size;
};

uint64_t tv_store_var_cost(size_t name_size, size_t data_size, bool has_ext)
{
	return tv_rec_size(has_ext ? TV_REC_AUTHVAR : TV_REC_VAR, name_size, data_size);
}

static uint32_t seg_size(const struct tv_store *st, uint32_t i)
{
	return st->segs[i].nblocks * BLK;
}

static uint32_t write_pos(const struct segment *s)
{
	return (s->used + BLK - 1) / BLK * BLK;
}

static bool fits(const struct tv_store *st, uint32_t i, uint32_t size)
{
	return write_pos(&st->segs[i]) + (uint64_t)size <= seg_size(st, i);
}

/* ---- live-byte accounting ----
 * A key's newest record is live if it is a value, or a deletion that still
 * hides an older value somewhere on the media. */
static bool winner_live(const struct tv_key *k)
{
	return k->seq && (k->type != TV_REC_DEL || k->media_vars > 0);
}

static void live_sub(struct tv_store *st, const struct tv_key *k)
{
	if (winner_live(k))
		st->segs[k->seg].live -= k->rec_size;
}

static void live_add(struct tv_store *st, const struct tv_key *k)
{
	if (winner_live(k))
		st->segs[k->seg].live += k->rec_size;
}

static int seg_push(struct segment *s, struct tv_key *k, const struct tv_rec *r, uint32_t size)
{
	if (s->nrecs == s->cap) {
		uint32_t cap = s->cap ? 2 * s->cap : 16;
		struct rec_ref *n = realloc(s->recs, cap * sizeof(*n));
		if (!n)
			return TV_ENOMEM;
		s->recs = n;
		s->cap = cap;
	}
	s->recs[s->nrecs++] = (struct rec_ref){.k = k, .size = size, .seq = r->seq, .type = r->type};
	return TV_OK;
}

#define ATTR_HWERR 0x8u /* EFI_VARIABLE_HARDWARE_ERROR_RECORD: counted apart */

static void account(struct tv_store *st, const struct tv_key *k, int sign)
{
	if (!tv_key_is_var(k))
		return;
	uint64_t c = tv_store_var_cost(k->v.name_size, k->v.data_size, k->v.has_ext);
	st->used += sign > 0 ? c : -c;
	if (k->v.attrs & ATTR_HWERR)
		st->used_hwerr += sign > 0 ? c : -c;
}

/* The media now holds record r of key k at segment `seg`. */
static int apply_record(struct tv_store *st, struct tv_key *k, const struct tv_rec *r,
			uint32_t seg, uint32_t size)
{
	int rc = seg_push(&st->segs[seg], k, r, size);
	if (rc != TV_OK)
		return rc;
	live_sub(st, k);
	k->media_refs++;
	if (r->type != TV_REC_DEL)
		k->media_vars++;
	if (r->seq > k->seq) {
		account(st, k, -1);
		rc = tv_key_set_winner(&st->idx, k, r, seg, size);
		account(st, k, +1);
	}
	live_add(st, k);
	return rc;
}

/* The first write into a reused segment has destroyed its old chain. */
static void reclaim(struct tv_store *st, uint32_t seg)
{
	struct segment *s = &st->segs[seg];
	for (uint32_t i = 0; i < s->nrecs; i++) {
		struct tv_key *k = s->recs[i].k;
		live_sub(st, k);
		if (s->recs[i].seq == k->seq)
			k->seq = 0; /* a dead newest record: the key keeps no winner */
		if (s->recs[i].type != TV_REC_DEL)
			k->media_vars--;
		k->media_refs--;
		live_add(st, k);
		if (k->media_refs == 0)
			tv_index_remove(&st->idx, k);
	}
	s->nrecs = 0;
	s->used = 0;
	s->live = 0;
	st->reused_segments++;
}

/* ---- writing ---- */

/* Writes len bytes of st->wbuf at the head's write position. */
static int write_span(struct tv_store *st, uint32_t pos, size_t len)
{
	struct segment *s = &st->segs[st->head];
	uint32_t nblocks = (uint32_t)((len + BLK - 1) / BLK);
	memset(st->wbuf + len, 0, (size_t)nblocks * BLK - len);
	uint32_t per_op = tv_rpmb_write_blocks(st->rpmb);
	for (uint32_t done = 0; done < nblocks; done += per_op) {
		uint32_t n = nblocks - done < per_op ? nblocks - done : per_op;
		int rc = tv_rpmb_write(st->rpmb, s->first_block + pos / BLK + done, n,
				       st->wbuf + (size_t)done * BLK);
		if (rc != TV_OK)
			return rc;
		st->sync_counter = st->rpmb->counter;
		if (st->head_fresh) {
			reclaim(st, st->head);
			st->head_fresh = false;
		}
	}
	return TV_OK;
}

static int load(struct tv_store *st);
static void unload(struct tv_store *st);

/* Damage at RPMB block `block`: remembered, logged through the error detail. */
static void note_damage(struct tv_store *st, uint32_t block, const char *what)
{
	if (st->damage_count++ == 0) {
		st->first_damage_block = block;
		tv_err_set_detail("variable store damaged at RPMB block %u: %s", block, what);
	}
}

/* Loads the media's state in step with the write counter: the counter is read
 * (fresh nonce) before and after; if it moved, something landed meanwhile (a
 * write the route had withheld) and the load is done again. */
#define LOAD_TRIES 4
static int load_synced(struct tv_store *st)
{
	uint32_t before = st->rpmb->counter, after;
	int rc = st->rpmb->counter_known ? TV_OK : tv_rpmb_read_counter(st->rpmb, &before);
	for (int i = 0; rc == TV_OK && i < LOAD_TRIES; i++) {
		unload(st);
		rc = load(st);
		if (rc == TV_OK)
			rc = tv_rpmb_read_counter(st->rpmb, &after);
		if (rc == TV_OK && after == before) {
			st->sync_counter = after;
			return TV_OK;
		}
		before = after;
	}
	return rc == TV_OK ? TV_EIO : rc; /* the counter keeps moving: a hostile route */
}

/* After a write whose outcome is unknown, or when the counter moved since the
 * last load, the media is the truth: reload. */
static int resync(struct tv_store *st)
{
	struct tv_store fresh = *st;
	fresh.segs = NULL;
	memset(&fresh.idx, 0, sizeof(fresh.idx));
	int rc = load_synced(&fresh);
	if (rc != TV_OK) {
		unload(&fresh);
		st->unsynced = true;
		return rc;
	}
	unload(st);
	*st = fresh;
	st->unsynced = false;
	return TV_OK;
}

/* Before a write: RAM must be in step with the device. A counter that moved
 * since the last load means that something landed (a write withheld by the
 * route, delivered late): learn it before writing. */
static int ensure_synced(struct tv_store *st)
{
	if (!st->rpmb->counter_known) {
		int rc = tv_rpmb_read_counter(st->rpmb, NULL);
		if (rc != TV_OK)
			return rc;
	}
	if (st->unsynced || st->rpmb->counter != st->sync_counter)
		return resync(st);
	return TV_OK;
}

/* A record's sequence number says when it was written: the RPMB write counter
 * of the first write operation of its batch, the batch's size in blocks, and
 * the record's place in it. Two batches can never land with the same counter,
 * so a sequence number is never used twice on the media, across reloads and
 * restarts alike. */
static uint64_t make_seq(uint32_t counter, uint32_t batch_blocks, uint32_t index)
{
	return (uint64_t)counter << 32 | (uint64_t)(batch_blocks & 0xFFFFu) << 16 | (index & 0xFFFFu);
}

/* Writes records that all fit in the head, contiguously, then applies them. */
static int commit(struct tv_store *st, struct wrec *w, size_t n)
{
	struct segment *s = &st->segs[st->head];
	uint32_t pos = write_pos(s);
	if (!st->rpmb->counter_known || st->rpmb->counter != st->sync_counter)
		return TV_EIO; /* ensure_synced() was not called, or a write failed */
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += w[i].size;
	uint32_t blocks = (uint32_t)((len + BLK - 1) / BLK);
	len = 0;
	for (size_t i = 0; i < n; i++) {
		w[i].rec.seq = make_seq(st->rpmb->counter, blocks, (uint32_t)i);
		int rc = tv_rec_encode(st->key, &w[i].rec, st->wbuf + len);
		if (rc != TV_OK)
			return rc;
		len += w[i].size;
	}
	int rc = write_span(st, pos, len);
	if (rc != TV_OK && st->rpmb->last_write_sent) { /* it may have landed */
		int rs = resync(st);
		/* The route may still hold the frames and deliver them after this
		 * reload: read the counter again before the next write. */
		st->rpmb->counter_known = false;
		return rs == TV_OK ? rc : rs;
	}
	if (rc != TV_OK)
		return rc;
	s->used = pos + (uint32_t)len;
	if (st->fault_apply) { /* test hook: as if an allocation failed now */
		st->fault_apply = false;
		rc = TV_ENOMEM;
	}
	for (size_t i = 0; i < n && rc == TV_OK; i++) {
		/* Reusing a segment may have dropped a deleted key's entry: look again. */
		w[i].k = tv_index_find(&st->idx, w[i].rec.guid, w[i].rec.name, w[i].rec.name_size);
		if (!w[i].k)
			rc = tv_index_insert(&st->idx, &w[i].rec, &w[i].k);
		if (rc == TV_OK)
			rc = apply_record(st, w[i].k, &w[i].rec, st->head, w[i].size);
	}
	if (rc != TV_OK) /* out of memory after a verified write: the records are on the
			  * media, so rebuilding RAM from it completes the write */
		return resync(st);
	return TV_OK;
}

/* ---- segment cleaning ---- */

static uint32_t count_free(const struct tv_store *st)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < st->seg_count; i++)
		n += i != st->head && st->segs[i].live == 0;
	return n;
}

static uint32_t pick_free(const struct tv_store *st, uint32_t size)
{
	for (uint32_t i = 0; i < st->seg_count; i++)
		if (i != st->head && st->segs[i].live == 0 && seg_size(st, i) >= size)
			return i;
	return NO_SEG;
}

static uint32_t pick_victim(const struct tv_store *st)
{
	uint32_t best = NO_SEG;
	for (uint32_t i = 0; i < st->seg_count; i++) {
		const struct segment *s = &st->segs[i];
		if (i == st->head || s->live == 0)
			continue;
		if (best == NO_SEG || s->live < st->segs[best].live)
			best = i;
	}
	return best;
}

static void switch_head(struct tv_store *st, uint32_t seg)
{
	st->head = seg;
	st->head_fresh = st->segs[seg].nrecs > 0;
	st->segs[seg].used = 0; /* the old chain, if any, is overwritten from its start */
}

static int clean(struct tv_store *st, uint32_t victim);

/* Makes the head able to take `size` bytes, cleaning segments if needed.
 * The cleaner itself (in_gc) may use the reserved free segments. */
static int make_room(struct tv_store *st, uint32_t size, bool in_gc)
{
	for (uint32_t iter = 0; iter <= 2 * st->seg_count; iter++) {
		if (fits(st, st->head, size))
			return TV_OK;
		uint32_t f = pick_free(st, size);
		if (f != NO_SEG && (in_gc || count_free(st) > RESERVE_SEGS)) {
			switch_head(st, f);
			continue;
		}
		if (in_gc)
			return TV_ENOSPC;
		uint32_t victim = pick_victim(st);
		if (victim == NO_SEG)
			return TV_ENOSPC;
		int rc = clean(st, victim);
		if (rc != TV_OK)
			return rc;
	}
	return TV_ENOSPC;
}

static void wrec_from_key(struct wrec *w, struct tv_key *k)
{
	memset(w, 0, sizeof(*w));
	w->k = k;
	w->rec.type = k->type;
	memcpy(w->rec.guid, k->v.guid, TV_GUID_SIZE);
	w->rec.name = k->v.name;
	w->rec.name_size = k->v.name_size;
	if (k->type != TV_REC_DEL) {
		w->rec.attrs = k->v.attrs;
		w->rec.data = k->v.data;
		w->rec.data_size = k->v.data_size;
		w->rec.ext = k->v.ext;
	}
	w->size = (uint32_t)tv_rec_size(k->type, k->v.name_size, w->rec.data_size);
}

/* Copies the live records of `victim` to the head, as many per write as fit. */
static int clean(struct tv_store *st, uint32_t victim)
{
	struct segment *s = &st->segs[victim];
	struct wrec *batch = malloc(s->nrecs * sizeof(*batch) + 1);
	if (!batch)
		return TV_ENOMEM;
	int rc = TV_OK;
	uint32_t i = 0;
	while (rc == TV_OK && s->live > 0 && i < s->nrecs) {
		size_t n = 0;
		uint32_t len = 0;
		for (; i < s->nrecs; i++) {
			struct tv_key *k = s->recs[i].k;
			if (s->recs[i].seq != k->seq || !winner_live(k))
				continue;
			struct wrec w;
			wrec_from_key(&w, k);
			if (n == 0 && (rc = make_room(st, w.size, true)) != TV_OK)
				break;
			if (n > 0 && !fits(st, st->head, len + w.size))
				break;
			batch[n++] = w;
			len += w.size;
		}
		if (rc == TV_OK && n > 0) {
			rc = commit(st, batch, n);
			st->gc_bytes += len;
		}
	}
	free(batch);
	if (rc == TV_OK)
		st->gc_segments++;
	return rc;
}

/* ---- public write operations ---- */

static int writable(struct tv_store *st)
{
	if (st->damage_count)
		return TV_EDAMAGED;
	if (st->rpmb->expired)
		return TV_EEXPIRED;
	int rc = ensure_synced(st);
	if (rc != TV_OK)
		return rc;
	return st->rpmb->expired ? TV_EEXPIRED : TV_OK;
}

static int write_one(struct tv_store *st, struct wrec *w)
{
	int rc = make_room(st, w->size, false);
	if (rc == TV_OK)
		rc = commit(st, w, 1);
	return rc;
}

static bool name_valid(const uint8_t *name, size_t size)
{
	return name && size >= 2 && size % 2 == 0 && size <= UINT16_MAX && name[size - 2] == 0 &&
	       name[size - 1] == 0;
}

static bool same_value(const struct tv_key *k, const struct tv_store_var *v)
{
	return k && tv_key_is_var(k) && k->v.attrs == v->attrs && k->v.has_ext == v->has_ext &&
	       k->v.data_size == v->data_size &&
	       (v->data_size == 0 || memcmp(k->v.data, v->data, v->data_size) == 0) &&
	       (!v->has_ext || memcmp(&k->v.ext, &v->ext, sizeof(v->ext)) == 0);
}

int tv_store_set(struct tv_store *st, const struct tv_store_var *v)
{
	if (!st || !v || !name_valid(v->name, v->name_size) || (v->data_size && !v->data))
		return TV_EINVAL;
	uint64_t cost = tv_store_var_cost(v->name_size, v->data_size, v->has_ext);
	if (cost > (uint64_t)st->seg_blocks * BLK)
		return TV_ENOSPC;
	int rc = writable(st);
	if (rc != TV_OK)
		return rc;
	struct tv_key *k = tv_index_find(&st->idx, v->guid, v->name, v->name_size);
	if (same_value(k, v))
		return TV_OK;
	uint64_t old = k && tv_key_is_var(k)
			       ? tv_store_var_cost(k->v.name_size, k->v.data_size, k->v.has_ext)
			       : 0;
	if (st->used - old + cost > st->capacity)
		return TV_ENOSPC;
	struct wrec w = {.k = k, .size = (uint32_t)cost};
	w.rec.type = v->has_ext ? TV_REC_AUTHVAR : TV_REC_VAR;
	memcpy(w.rec.guid, v->guid, TV_GUID_SIZE);
	w.rec.attrs = v->attrs;
	w.rec.name = v->name;
	w.rec.name_size = (uint16_t)v->name_size;
	w.rec.data = v->data;
	w.rec.data_size = v->data_size;
	w.rec.ext = v->ext;
	rc = write_one(st, &w);
	if (rc != TV_OK && st->rpmb->last_write_sent) /* settled by a reload: did it land? */
		return same_value(tv_index_find(&st->idx, v->guid, v->name, v->name_size), v) ? TV_OK : rc;
	return rc;
}

int tv_store_delete(struct tv_store *st, const uint8_t guid[16], const uint8_t *name,
		    size_t name_size)
{
	if (!st || !guid || !name_valid(name, name_size))
		return TV_EINVAL;
	int rc = writable(st);
	if (rc != TV_OK)
		return rc;
	struct tv_key *k = tv_index_find(&st->idx, guid, name, name_size);
	if (!k || !tv_key_is_var(k))
		return TV_ENOENT;
	struct wrec w = {.k = k, .size = (uint32_t)tv_rec_size(TV_REC_DEL, name_size, 0)};
	w.rec.type = TV_REC_DEL;
	memcpy(w.rec.guid, guid, TV_GUID_SIZE);
	w.rec.name = k->v.name;
	w.rec.name_size = k->v.name_size;
	rc = write_one(st, &w);
	if (rc != TV_OK && st->rpmb->last_write_sent) {
		k = tv_index_find(&st->idx, guid, name, name_size);
		return k && tv_key_is_var(k) ? rc : TV_OK;
	}
	return rc;
}

/* ---- reads ---- */

const struct tv_store_var *tv_store_get(const struct tv_store *st, const uint8_t guid[16],
					const uint8_t *name, size_t name_size)
{
	if (!st || !guid || !name_valid(name, name_size))
		return NULL;
	struct tv_key *k = tv_index_find(&st->idx, guid, name, name_size);
	return k && tv_key_is_var(k) ? &k->v : NULL;
}

const struct tv_store_var *tv_store_first(const struct tv_store *st)
{
	return st && st->idx.first ? &st->idx.first->v : NULL;
}

const struct tv_store_var *tv_store_next(const struct tv_store *st, const struct tv_store_var *v)
{
	(void)st;
	const struct tv_key *k = (const struct tv_key *)v;
	return k && k->next ? &k->next->v : NULL;
}

uint64_t tv_store_capacity(const struct tv_store *st)
{
	return st->capacity;
}

int tv_store_sync(struct tv_store *st)
{
	if (!st)
		return TV_EINVAL;
	if (st->damage_count || st->rpmb->expired)
		return TV_OK; /* no write will follow: nothing to learn for it */
	return ensure_synced(st);
}

uint64_t tv_store_used(const struct tv_store *st, bool hwerr)
{
	return hwerr ? st->used_hwerr : st->used - st->used_hwerr;
}

void tv_store_test_fail_next_apply(struct tv_store *st)
{
	st->fault_apply = true;
}

void tv_store_get_stats(const struct tv_store *st, struct tv_store_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->capacity = st->capacity;
	out->used = st->used;
	out->remaining = st->capacity - st->used;
	out->max_var = (uint64_t)st->seg_blocks * BLK - TV_REC_HDR_SIZE;
	uint64_t now = out->remaining > TV_REC_HDR_SIZE ? out->remaining - TV_REC_HDR_SIZE : 0;
	out->max_var_now = now < out->max_var ? now : out->max_var;
	out->var_count = st->idx.live_count;
	out->seg_count = st->seg_count;
	out->seg_bytes = st->seg_blocks * BLK;
	out->free_segs = count_free(st);
	out->gc_segments = st->gc_segments;
	out->gc_bytes = st->gc_bytes;
	out->reused_segments = st->reused_segments;
	out->write_counter = st->rpmb->counter;
	out->expired = st->rpmb->expired;
	out->read_only = st->unsynced || st->rpmb->expired || st->damage_count;
	out->format_version = TV_SB_VERSION;
	out->damaged = st->damage_count != 0;
	out->damage_count = st->damage_count;
	out->first_damage_block = st->first_damage_block;
}

/* ---- verification and recovery ---- */

/* Do two stores serve the same variables (names, attributes, data)? */
static bool same_content(const struct tv_store *a, const struct tv_store *b)
{
	if (a->idx.live_count != b->idx.live_count)
		return false;
	for (const struct tv_store_var *v = tv_store_first(a); v; v = tv_store_next(a, v)) {
		const struct tv_store_var *w = tv_store_get(b, v->guid, v->name, v->name_size);
		if (!w || w->attrs != v->attrs || w->data_size != v->data_size ||
		    w->has_ext != v->has_ext ||
		    (v->data_size && memcmp(w->data, v->data, v->data_size) != 0))
			return false;
	}
	return true;
}

int tv_store_check(struct tv_store *st, struct tv_store_check *out)
{
	if (!st || !out)
		return TV_EINVAL;
	memset(out, 0, sizeof(*out));
	uint64_t blocks0 = st->rpmb->stats.blocks_read;
	struct tv_store fresh = *st;
	fresh.segs = NULL;
	fresh.damage_count = 0;
	memset(&fresh.idx, 0, sizeof(fresh.idx));
	int rc = load(&fresh);
	if (rc == TV_OK) {
		out->format_version = TV_SB_VERSION;
		out->blocks_read = st->rpmb->stats.blocks_read - blocks0;
		for (uint32_t i = 0; i < fresh.seg_count; i++)
			out->records += fresh.segs[i].nrecs;
		out->live_vars = fresh.idx.live_count;
		out->damage_count = fresh.damage_count;
		out->first_damage_block = fresh.first_damage_block;
		out->damaged = fresh.damage_count != 0;
		out->matches_ram = same_content(st, &fresh);
		if (fresh.damage_count && !st->damage_count) {
			st->damage_count = fresh.damage_count;
			st->first_damage_block = fresh.first_damage_block;
		}
	}
	unload(&fresh);
	return rc;
}

int tv_store_recover(struct tv_store *st)
{
	if (!st)
		return TV_EINVAL;
	if (!st->damage_count)
		return TV_EINVAL;
	st->damage_count = 0;
	st->first_damage_block = 0;
	return TV_OK;
}

/* ---- mounting ---- */

/* A chain ends at block boundary `pos`. A torn write can only damage the last
 * write of a chain: a valid record with a larger sequence number at a later
 * block boundary proves that the record at `pos` was damaged, not cut. */
static void check_chain_end(struct tv_store *st, uint32_t seg, const uint8_t *buf, uint32_t pos,
			    uint64_t prev)
{
	uint32_t size = seg_size(st, seg);
	for (uint32_t p = pos + BLK; p < size; p += BLK) {
		struct tv_rec r;
		size_t len;
		if (tv_rec_decode(st->key, buf + p, size - p, &r, &len) == TV_OK && r.seq > prev) {
			note_damage(st, st->segs[seg].first_block + pos / BLK,
				    "a record fails verification before a newer valid one");
			return;
		}
	}
}

/* Parses one segment's chain from its bytes. */
static int parse_segment(struct tv_store *st, uint32_t seg, const uint8_t *buf, uint64_t *max_seq,
			 uint32_t *max_seg)
{
	struct segment *s = &st->segs[seg];
	uint32_t size = seg_size(st, seg), pos = 0;
	uint64_t prev = 0;
	while (pos < size) {
		struct tv_rec r;
		size_t len;
		if (tv_rec_decode(st->key, buf + pos, size - pos, &r, &len) != TV_OK || r.seq <= prev) {
			if (pos % BLK == 0) {
				if (prev) /* an empty chain may be a torn first write */
					check_chain_end(st, seg, buf, pos, prev);
				break;
			}
			pos = (pos + BLK - 1) / BLK * BLK; /* the next write started there */
			continue;
		}
		struct tv_key *k = tv_index_find(&st->idx, r.guid, r.name, r.name_size);
		int rc = k ? TV_OK : tv_index_insert(&st->idx, &r, &k);
		if (rc == TV_OK)
			rc = seg_push(s, k, &r, (uint32_t)len);
		if (rc == TV_OK) {
			k->media_refs++;
			k->media_vars += r.type != TV_REC_DEL;
			if (r.seq > k->seq)
				rc = tv_key_set_winner(&st->idx, k, &r, seg, (uint32_t)len);
		}
		if (rc != TV_OK)
			return rc;
		if (r.seq > *max_seq) {
			*max_seq = r.seq;
			*max_seg = seg;
		}
		prev = r.seq;
		pos += (uint32_t)len;
		s->used = pos;
	}
	return TV_OK;
}

static int alloc_segments(struct tv_store *st)
{
	st->segs = calloc(st->seg_count, sizeof(*st->segs));
	if (!st->segs)
		return TV_ENOMEM;
	for (uint32_t i = 0; i < st->seg_count; i++) {
		uint32_t first = i * st->seg_blocks;
		st->segs[i].first_block = first ? first : 1; /* block 0: superblock */
		st->segs[i].nblocks = (i + 1) * st->seg_blocks - st->segs[i].first_block;
	}
	return TV_OK;
}

static void unload(struct tv_store *st)
{
	if (st->segs)
		for (uint32_t i = 0; i < st->seg_count; i++)
			free(st->segs[i].recs);
	free(st->segs);
	st->segs = NULL;
	tv_index_free(&st->idx);
}

static int load(struct tv_store *st)
{
	int rc = alloc_segments(st);
	if (rc == TV_OK)
		rc = tv_index_init(&st->idx);
	uint64_t max_seq = 0;
	uint32_t max_seg = 0;
	for (uint32_t i = 0; rc == TV_OK && i < st->seg_count; i++) {
		rc = tv_rpmb_read(st->rpmb, st->segs[i].first_block, st->segs[i].nblocks, st->wbuf);
		if (rc == TV_OK)
			rc = parse_segment(st, i, st->wbuf, &max_seq, &max_seg);
	}
	if (rc != TV_OK)
		return rc;
	st->used = st->used_hwerr = 0;
	for (struct tv_key *k = tv_index_iter(&st->idx, NULL); k; k = tv_index_iter(&st->idx, k)) {
		live_add(st, k);
		account(st, k, +1);
	}
	tv_index_sort_live(&st->idx);
	st->head = max_seg;
	st->head_fresh = false;
	return TV_OK;
}

/* Block 0: read the superblock, or write one on a blank device. */
static int superblock(struct tv_store *st)
{
	uint8_t blk[BLK], zero[BLK] = {0};
	int rc = tv_rpmb_read(st->rpmb, 0, 1, blk);
	if (rc != TV_OK)
		return rc;
	struct tv_superblock sb;
	uint32_t blocks = tv_rpmb_blocks(st->rpmb);
	if (memcmp(blk, zero, BLK) == 0 || st->cfg.force_format) {
		if (!st->cfg.format_blank && !st->cfg.force_format)
			return TV_ECORRUPT;
		if (!st->cfg.force_format && st->rpmb->counter != 0) {
			tv_err_set_detail("RPMB block 0 (the store's superblock) is blank, but the "
					  "device's write counter is %u: the store was lost, this is "
					  "not a new device; format it on purpose to start over",
					  st->rpmb->counter);
			return TV_ECORRUPT;
		}
		uint32_t seg = st->cfg.seg_blocks ? st->cfg.seg_blocks
						  : (blocks / 16 < 256 ? blocks / 16 : 256);
		sb = (struct tv_superblock){.version = TV_SB_VERSION, .seg_blocks = seg,
					    .seg_count = seg ? blocks / seg : 0};
		if (seg < 4 || sb.seg_count < 4)
			return TV_EINVAL;
		if (RAND_bytes(sb.store_id, sizeof(sb.store_id)) != 1)
			return TV_EIO;
		tv_sb_encode(st->key, &sb, blk);
		rc = tv_rpmb_write(st->rpmb, 0, 1, blk);
		if (rc != TV_OK)
			return rc;
	} else if (tv_sb_decode(st->key, blk, &sb) != TV_OK) {
		tv_err_set_detail("RPMB block 0 is not a teevar store superblock under this key");
		return TV_ECORRUPT;
	}
	if (sb.seg_blocks < 4 || sb.seg_count < 4 || sb.seg_blocks > blocks ||
	    sb.seg_count > blocks / sb.seg_blocks)
		return TV_ECORRUPT;
	st->seg_blocks = sb.seg_blocks;
	st->seg_count = sb.seg_count;
	return TV_OK;
}

static int set_capacity(struct tv_store *st)
{
	uint64_t seg = (uint64_t)st->seg_blocks * BLK;
	uint64_t usable = (uint64_t)st->seg_count * seg - BLK;
	uint64_t limit = (usable - 2 * seg) * 3 / 4;
	if (st->cfg.capacity > limit)
		return TV_EINVAL;
	st->capacity = st->cfg.capacity ? st->cfg.capacity : (usable - 2 * seg) / 2;
	return TV_OK;
}

int tv_store_open(struct tv_rpmb *rpmb, const uint8_t store_key[32],
		  const struct tv_store_config *cfg, struct tv_store **out)
{
	if (!rpmb || !store_key || !out)
		return TV_EINVAL;
	struct tv_store *st = calloc(1, sizeof(*st));
	if (!st)
		return TV_ENOMEM;
	st->rpmb = rpmb;
	memcpy(st->key, store_key, sizeof(st->key));
	if (cfg)
		st->cfg = *cfg;
	int rc = superblock(st);
	if (rc == TV_OK)
		rc = set_capacity(st);
	if (rc == TV_OK) {
		st->wbuf = malloc((size_t)st->seg_blocks * BLK);
		rc = st->wbuf ? load_synced(st) : TV_ENOMEM;
	}
	if (rc != TV_OK) {
		tv_store_close(st);
		return rc;
	}
	*out = st;
	return TV_OK;
}

void tv_store_close(struct tv_store *st)
{
	if (!st)
		return;
	unload(st);
	free(st->wbuf);
	OPENSSL_cleanse(st->key, sizeof(st->key));
	free(st);
}

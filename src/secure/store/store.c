/* SPDX-License-Identifier: BSD-2-Clause */
/* The store's public API, writing, and the segment cleaner. */
#include "store.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "store_priv.h"
#include "tv_err.h"

#define RESERVE_SEGS 1u    /* free segments kept for the cleaner */

uint64_t tv_store_var_cost(size_t name_size, size_t data_size, bool has_ext)
{
	return tv_rec_size(has_ext ? TV_REC_AUTHVAR : TV_REC_VAR, name_size, data_size);
}

uint32_t seg_size(const struct tv_store *st, uint32_t i)
{
	return st->segs[i].nblocks * BLK;
}

uint32_t seg_of_block(const struct tv_store *st, uint32_t block)
{
	if (st->version == TV_SB_VERSION_V1)
		return block / st->seg_blocks;
	return block < st->first_block ? NO_SEG : (block - st->first_block) / st->seg_blocks;
}

uint32_t write_ops(const struct tv_store *st, uint32_t blocks)
{
	return (blocks + st->per_op - 1) / st->per_op;
}

static uint32_t write_pos(const struct segment *s)
{
	return (s->used + BLK - 1) / BLK * BLK;
}

static bool fits(const struct tv_store *st, uint32_t i, uint32_t size)
{
	return write_pos(&st->segs[i]) + (uint64_t)size <= seg_size(st, i);
}

/* The largest record the format allows: one that fits in any segment. */
static uint64_t max_record(const struct tv_store *st)
{
	uint32_t smallest = st->segs[0].nblocks; /* format 1: segment 0 is shorter */
	return (uint64_t)(smallest < st->seg_blocks ? smallest : st->seg_blocks) * BLK;
}

/* ---- live-byte accounting ----
 * A key's newest record is live if it is a value, or a deletion that still
 * hides an older value the store knows on the media (a mount may read it). */
bool winner_live(const struct tv_key *k)
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

static int seg_push(struct segment *s, struct tv_key *k, const struct tv_rec *r, uint32_t pos,
		    uint32_t size)
{
	if (s->nrecs == s->cap) {
		uint32_t cap = s->cap ? 2 * s->cap : 16;
		struct rec_ref *n = realloc(s->recs, cap * sizeof(*n));
		if (!n)
			return TV_ENOMEM;
		s->recs = n;
		s->cap = cap;
	}
	s->recs[s->nrecs++] = (struct rec_ref){.k = k, .pos = pos, .size = size, .seq = r->seq,
					       .type = r->type};
	return TV_OK;
}

/* The media holds record r at (seg, pos): the store now knows it. */
int apply_record(struct tv_store *st, struct tv_key *k, const struct tv_rec *r, uint32_t seg,
		 uint32_t pos, uint32_t size, bool may_win)
{
	int rc = seg_push(&st->segs[seg], k, r, pos, size);
	if (rc != TV_OK)
		return rc;
	live_sub(st, k);
	k->media_refs++;
	if (r->type != TV_REC_DEL)
		k->media_vars++;
	if (may_win && r->seq > k->seq) {
		account(st, k, -1);
		rc = tv_key_set_winner(&st->idx, k, r, seg, size);
		account(st, k, +1);
	}
	live_add(st, k);
	return rc;
}

void withhold(struct tv_store *st, struct tv_key *k)
{
	live_sub(st, k);
	account(st, k, -1);
	tv_key_clear_winner(&st->idx, k);
	live_add(st, k);
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

/* Damage at RPMB block `block`: remembered, described in the error detail. */
void note_damage(struct tv_store *st, uint32_t block, const char *what)
{
	if (st->damage_count++ == 0) {
		st->first_damage_block = block;
		tv_err_set_detail("variable store damaged at RPMB block %u: %s", block, what);
	}
}

/* ---- staying in step with the device ---- */

/* Loads the media's state in step with the write counter: read (fresh nonce)
 * before, unless just read, and after; if it moved, something landed meanwhile
 * (a write the route had withheld) and the load is done again. */
#define LOAD_TRIES 4
static int load_synced(struct tv_store *st)
{
	uint32_t before = st->rpmb->counter, after;
	int rc = st->rpmb->counter_known ? TV_OK : tv_rpmb_read_counter(st->rpmb, &before);
	for (int i = 0; rc == TV_OK && i < LOAD_TRIES; i++) {
		store_unload(st);
		rc = store_load(st);
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
		store_unload(&fresh);
		st->unsynced = true;
		return rc;
	}
	store_unload(st);
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

/* ---- writing ---- */

/* Writes len bytes of st->wbuf at block `first` of the device, in write
 * operations; `head` when they go to the head segment (its old chain dies with
 * the first of them). */
static int write_blocks(struct tv_store *st, uint32_t first, size_t len, bool head)
{
	uint32_t nblocks = (uint32_t)((len + BLK - 1) / BLK);
	memset(st->wbuf + len, 0, (size_t)nblocks * BLK - len);
	uint32_t per_op = st->per_op;
	for (uint32_t done = 0; done < nblocks; done += per_op) {
		uint32_t n = nblocks - done < per_op ? nblocks - done : per_op;
		int rc = tv_rpmb_write(st->rpmb, first + done, n, st->wbuf + (size_t)done * BLK);
		if (rc != TV_OK)
			return rc;
		st->sync_counter = st->rpmb->counter;
		if (head && st->head_fresh) {
			reclaim(st, st->head);
			st->head_fresh = false;
		}
	}
	return TV_OK;
}

/* A write that failed after it was sent may have landed: the media decides. */
int store_settle(struct tv_store *st, int rc)
{
	int rs = resync(st);
	/* The route may still hold the frames and deliver them after this reload:
	 * read the counter again before the next write. */
	st->rpmb->counter_known = false;
	return rs == TV_OK ? rc : rs;
}

int store_write_raw(struct tv_store *st, uint32_t first, size_t len)
{
	int rc = write_blocks(st, first, len, false);
	if (rc != TV_OK && st->rpmb->last_write_sent)
		return store_settle(st, rc);
	return rc;
}

/* Writes records that all fit in the head, contiguously, as one batch, then
 * applies them. */
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
	uint32_t counter = st->rpmb->counter;
	len = 0;
	for (size_t i = 0; i < n; i++) {
		w[i].rec.seq = tv_seq_make(counter, blocks, (uint32_t)i);
		int rc = tv_rec_encode(st->key, &w[i].rec, st->wbuf + len);
		if (rc != TV_OK)
			return rc;
		len += w[i].size;
	}
	int rc = write_blocks(st, s->first_block + pos / BLK, len, true);
	if (rc != TV_OK && st->rpmb->last_write_sent)
		return store_settle(st, rc);
	if (rc != TV_OK)
		return rc;
	s->used = pos + (uint32_t)len;
	st->tail_blocks += blocks;
	if (st->fault_apply) { /* test hook: as if an allocation failed now */
		st->fault_apply = false;
		rc = TV_ENOMEM;
	}
	uint32_t at = pos;
	for (size_t i = 0; i < n && rc == TV_OK; i++) {
		/* Reusing a segment may have dropped a deleted key's entry: look again. */
		w[i].k = tv_index_find(&st->idx, w[i].rec.guid, w[i].rec.name, w[i].rec.name_size);
		if (!w[i].k)
			rc = tv_index_insert(&st->idx, &w[i].rec, &w[i].k);
		if (rc == TV_OK)
			rc = apply_record(st, w[i].k, &w[i].rec, st->head, at, w[i].size, true);
		at += w[i].size;
	}
	if (rc != TV_OK) /* out of memory after a verified write: the records are on the
			  * media, so rebuilding RAM from it completes the write */
		return resync(st);
	return TV_OK;
}

/* ---- segment cleaning ---- */

uint32_t count_free(const struct tv_store *st)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < st->seg_count; i++)
		n += i != st->head && st->segs[i].live == 0;
	return n;
}

static uint32_t pick_victim(const struct tv_store *st)
{
	uint32_t best = NO_SEG;
	/* First choice: the emptiest of the segments the plan lets the head take
	 * next, so that the one it frees can be used without a new checkpoint. */
	for (uint32_t i = st->plan_next; st->version == TV_SB_VERSION && i < st->nplan &&
	     i <= st->plan_next + PLAN_SKIP_MAX; i++) {
		uint32_t s = PLAN_SEG(st->plan[i]);
		if (s != st->head && st->segs[s].live > 0 &&
		    (best == NO_SEG || st->segs[s].live < st->segs[best].live))
			best = s;
	}
	return best != NO_SEG ? best : emptiest(st, false, NULL);
}

uint32_t emptiest(const struct tv_store *st, bool sparse_only, const bool *taken)
{
	uint32_t best = NO_SEG;
	for (uint32_t i = 0; i < st->seg_count; i++) {
		const struct segment *s = &st->segs[i];
		if (i == st->head || s->live == 0 || (taken && taken[i]) ||
		    (sparse_only && s->live * 2 >= (uint64_t)seg_size(st, i)))
			continue;
		if (best == NO_SEG || s->live < st->segs[best].live)
			best = i;
	}
	return best;
}

static void switch_head(struct tv_store *st, uint32_t seg, uint32_t plan_index)
{
	st->head = seg;
	st->head_fresh = st->segs[seg].nrecs > 0;
	st->segs[seg].used = 0; /* the old chain, if any, is overwritten from its start */
	st->plan_next = plan_index + 1;
}

/* Makes the head able to take `size` bytes, cleaning segments if needed. The
 * head only enters the segments the newest checkpoint planned, in order (a
 * mount follows the log through them); a new checkpoint plans the segments that
 * are free now. The cleaner itself (in_gc) may use the reserved free segment. */
static int make_room(struct tv_store *st, uint32_t size, bool in_gc)
{
	for (uint32_t iter = 0; iter <= 2 * st->seg_count + 2; iter++) {
		if (fits(st, st->head, size))
			return TV_OK;
		uint32_t index = 0, f = plan_peek(st, &index);
		if (f == NO_SEG && count_free(st) > 0) {
			int rc = ckpt_write(st); /* plans the segments freed since */
			if (rc != TV_OK)
				return rc;
			f = plan_peek(st, &index);
		}
		if (f != NO_SEG && (in_gc || count_free(st) > RESERVE_SEGS)) {
			switch_head(st, f, index);
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
int clean(struct tv_store *st, uint32_t victim)
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
	if (rc == TV_OK && (!st->ckpt_valid || st->needs_seal))
		rc = ckpt_write(st); /* the first write since the load (or since a
				      * format whose first checkpoint was cut off) */
	if (rc != TV_OK)
		return rc;
	return st->rpmb->expired ? TV_EEXPIRED : TV_OK;
}

static int write_one(struct tv_store *st, struct wrec *w)
{
	int rc = make_room(st, w->size, false);
	if (rc == TV_OK)
		rc = commit(st, w, 1);
	if (rc == TV_OK)
		rc = ckpt_maybe(st); /* the record is stored whatever this answers */
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
	if (cost > max_record(st))
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
	if (rc != TV_OK) /* settled by a reload, or stored before a later step failed */
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
	if (rc != TV_OK) {
		k = tv_index_find(&st->idx, guid, name, name_size);
		return k && tv_key_is_var(k) ? rc : TV_OK;
	}
	return rc;
}

int tv_store_sync(struct tv_store *st)
{
	if (!st)
		return TV_EINVAL;
	if (st->damage_count || st->rpmb->expired)
		return TV_OK; /* no write will follow: nothing to learn for it */
	return ensure_synced(st);
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
	out->max_var = max_record(st) - TV_REC_HDR_SIZE;
	uint64_t now = out->remaining > TV_REC_HDR_SIZE ? out->remaining - TV_REC_HDR_SIZE : 0;
	out->max_var_now = now < out->max_var ? now : out->max_var;
	out->var_count = st->idx.live_count;
	out->seg_count = st->seg_count;
	out->seg_bytes = st->seg_blocks * BLK;
	out->free_segs = count_free(st);
	out->gc_segments = st->gc_segments;
	out->gc_bytes = st->gc_bytes;
	out->reused_segments = st->reused_segments;
	out->ckpt_writes = st->ckpt_writes;
	out->compactions = st->compactions;
	out->write_counter = st->rpmb->counter;
	out->expired = st->rpmb->expired;
	out->read_only = st->unsynced || st->rpmb->expired || st->damage_count;
	out->format_version = st->version;
	out->damaged = st->damage_count != 0;
	out->damage_count = st->damage_count;
	out->first_damage_block = st->first_damage_block;
	out->mount_blocks_read = st->mount_blocks;
	out->mount_read_ops = st->mount_ops;
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
		    (v->data_size && memcmp(w->data, v->data, v->data_size) != 0) ||
		    (v->has_ext && memcmp(&w->ext, &v->ext, sizeof(v->ext)) != 0))
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
	int rc = store_load(&fresh);
	if (rc == TV_OK) {
		out->format_version = fresh.version;
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
	store_unload(&fresh);
	return rc;
}

int tv_store_recover(struct tv_store *st)
{
	if (!st)
		return TV_EINVAL;
	if (!st->damage_count)
		return TV_EINVAL;
	if (st->rpmb->expired)
		return TV_EEXPIRED;
	/* A checkpoint of what verifies: later mounts read only that, and the
	 * damaged places are given up (their segments are free once nothing live
	 * is left in them). Format 1 has none: the next mount finds the damage
	 * again. */
	uint32_t count = st->damage_count;
	st->damage_count = 0;
	int rc = ensure_synced(st);
	if (rc == TV_OK && st->damage_count == 0 && st->version == TV_SB_VERSION)
		rc = ckpt_write(st);
	if (rc != TV_OK && st->damage_count == 0)
		st->damage_count = count;
	if (rc == TV_OK)
		st->first_damage_block = 0;
	return rc;
}

/* ---- open and close ---- */

static int set_capacity(struct tv_store *st)
{
	uint64_t seg = (uint64_t)st->seg_blocks * BLK;
	uint64_t usable = (uint64_t)st->seg_count * seg;
	if (st->version == TV_SB_VERSION_V1)
		usable -= BLK; /* segment 0 lost block 0 to the superblock */
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
	int rc = store_superblock(st);
	if (rc == TV_OK)
		rc = set_capacity(st);
	if (rc == TV_OK) {
		st->wbuf = malloc((size_t)st->seg_blocks * BLK);
		rc = st->wbuf ? load_synced(st) : TV_ENOMEM;
	}
	if (rc == TV_OK && !st->ckpt_valid && st->version == TV_SB_VERSION && !st->damage_count &&
	    !st->rpmb->expired)
		rc = ckpt_write(st); /* a fresh format: its first checkpoint */
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
	store_unload(st);
	free(st->wbuf);
	OPENSSL_cleanse(st->key, sizeof(st->key));
	free(st);
}

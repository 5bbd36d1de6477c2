/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Checkpoints (format 2): what a mount reads instead of the whole device.
 *
 * A checkpoint names the runs of blocks that hold the live records, where the
 * log goes on (head segment and position) and the free segments the head will
 * take next, in order. It is written into the slot the newest one is not in,
 * so a cut write leaves the older one. It is written when the head needs a
 * segment the newest one did not plan, and when the log tail since it has
 * grown past the blocks its runs cover (so a mount reads at most about twice
 * the live data). When live data is spread over more than twice its size on a
 * mostly empty store, the scattered records are packed first.
 */
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"
#include "tv_err.h"

#define TAIL_MIN_BLOCKS 64u  /* never checkpoint for a tail shorter than this */
#define RUN_GAP MERGE_GAP    /* a run goes on over dead records of fewer blocks */

struct runs {
	struct tv_ckpt_run *v;
	uint32_t n, cap;
	uint64_t blocks;        /* blocks they cover */
	uint64_t read_blocks;   /* blocks a mount reads for them (gaps read through) */
	uint32_t read_ops;
};

static int runs_push(struct runs *rs, uint32_t block, uint32_t offset, uint32_t blocks,
		     uint32_t records)
{
	if (rs->n == rs->cap) {
		uint32_t cap = rs->cap ? 2 * rs->cap : 64;
		struct tv_ckpt_run *v = realloc(rs->v, cap * sizeof(*v));
		if (!v)
			return TV_ENOMEM;
		rs->v = v;
		rs->cap = cap;
	}
	rs->v[rs->n++] = (struct tv_ckpt_run){(uint16_t)block, (uint16_t)offset, (uint16_t)blocks,
					      (uint16_t)records};
	rs->blocks += blocks;
	return TV_OK;
}

static bool rec_live(const struct rec_ref *r)
{
	return r->seq == r->k->seq && winner_live(r->k);
}

/* The runs of one segment: stretches of its known records, from a live record
 * to a live record, with no record between them that the store does not know
 * (a mount parses every record of a run) and, unless `loose`, no dead stretch
 * a mount would not read through anyway (RUN_GAP blocks or more). */
static int segment_runs(const struct tv_store *st, uint32_t seg, bool loose, struct runs *rs)
{
	const struct segment *s = &st->segs[seg];
	bool open = false;
	uint32_t start = 0, live_end = 0, prev_end = 0, records = 0, records_at_live = 0;
	for (uint32_t i = 0; i <= s->nrecs; i++) {
		const struct rec_ref *r = i < s->nrecs ? &s->recs[i] : NULL;
		bool contiguous = r && i > 0 &&
				  (r->pos == prev_end || r->pos == (prev_end + BLK - 1) / BLK * BLK);
		bool live = r && rec_live(r);
		if (open && (!r || !contiguous ||
			     (live && !loose && r->pos / BLK >= (live_end + BLK - 1) / BLK + RUN_GAP))) {
			/* dead records after the last live one are not in it */
			int rc = runs_push(rs, s->first_block + start / BLK, start % BLK,
					   (live_end + BLK - 1) / BLK - start / BLK, records_at_live);
			if (rc != TV_OK)
				return rc;
			open = false;
		}
		if (!r)
			break;
		prev_end = r->pos + r->size;
		if (!open && !live)
			continue;
		if (!open) {
			open = true;
			start = r->pos;
			records = 0;
		}
		records++;
		if (live) {
			live_end = r->pos + r->size;
			records_at_live = records;
		}
	}
	return TV_OK;
}

static int collect_runs(const struct tv_store *st, bool loose, struct runs *rs)
{
	memset(rs, 0, sizeof(*rs));
	for (uint32_t i = 0; i < st->seg_count; i++) {
		int rc = segment_runs(st, i, loose, rs);
		if (rc != TV_OK) {
			free(rs->v);
			return rc;
		}
	}
	/* What a mount will read for them (store_mount.c read_runs). */
	uint32_t cap = read_cap(st);
	for (uint32_t i = 0; i < rs->n;) {
		uint32_t from = rs->v[i].block, to = from + rs->v[i].blocks, j = i + 1;
		while (j < rs->n && shares_read(from, to, &rs->v[j], cap)) {
			to = rs->v[j].block + rs->v[j].blocks;
			j++;
		}
		rs->read_blocks += to - from;
		rs->read_ops += (to - from + st->rpmb->max_read_blocks - 1) / st->rpmb->max_read_blocks;
		i = j;
	}
	return TV_OK;
}

uint64_t tv_store_live_blocks(const struct tv_store *st)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < st->seg_count; i++) {
		const struct segment *s = &st->segs[i];
		uint64_t next = 0; /* first block not counted yet */
		for (uint32_t j = 0; j < s->nrecs; j++) {
			if (!rec_live(&s->recs[j]))
				continue;
			uint64_t b0 = s->recs[j].pos / BLK;
			uint64_t b1 = (s->recs[j].pos + s->recs[j].size + BLK - 1) / BLK;
			if (b0 < next)
				b0 = next;
			if (b1 > b0)
				n += b1 - b0;
			if (b1 > next)
				next = b1;
		}
	}
	return n;
}

uint32_t plan_peek(const struct tv_store *st, uint32_t *index)
{
	*index = st->plan_next;
	if (st->version == TV_SB_VERSION_V1) { /* no plan: a mount reads every segment */
		for (uint32_t s = 0; s < st->seg_count; s++)
			if (s != st->head && st->segs[s].live == 0)
				return s;
		return NO_SEG;
	}
	if (!st->ckpt_valid)
		return NO_SEG;
	/* The plan is followed in order (a mount follows it in order). Only the
	 * head writes, so a segment that was free stays free; one that was not
	 * may be passed over while it is not, a few in a row. */
	for (uint32_t i = st->plan_next; i < st->nplan && i <= st->plan_next + PLAN_SKIP_MAX; i++) {
		uint32_t s = PLAN_SEG(st->plan[i]);
		if (s != st->head && st->segs[s].live == 0) {
			*index = i;
			return s;
		}
		if (!(st->plan[i] & PLAN_LIVE))
			return NO_SEG;
	}
	return NO_SEG;
}

int ckpt_write(struct tv_store *st)
{
	if (st->version == TV_SB_VERSION_V1)
		return TV_OK;
	if (!st->rpmb->counter_known || st->rpmb->counter != st->sync_counter)
		return TV_EIO; /* the caller syncs before writing */
	uint32_t room = st->ckpt_blocks * BLK - TV_CKPT_HDR_SIZE - TV_CKPT_MAC_SIZE;
	struct runs rs;
	int rc = collect_runs(st, false, &rs);
	if (rc == TV_OK && TV_CKPT_RUN_SIZE * rs.n > room - 2) {
		free(rs.v); /* too many: read dead stretches too, fewer runs */
		rc = collect_runs(st, true, &rs);
	}
	if (rc != TV_OK)
		return rc;
	if (TV_CKPT_RUN_SIZE * rs.n > room - 2) {
		free(rs.v);
		tv_err_set_detail("the live records lie in too many places for a checkpoint");
		return TV_ENOSPC;
	}
	struct tv_ckpt c = {.counter = st->rpmb->counter, .runs = rs.v, .nruns = (uint16_t)rs.n,
			    .run_blocks = (uint32_t)rs.blocks};
	if (st->head < st->seg_count) {
		c.head_seg = st->head;
		c.head_pos = (st->segs[st->head].used + BLK - 1) / BLK * BLK;
	}
	/* The free segments, lowest first (a segment whose records all died is
	 * reused at once); then those the cleaner would empty first. */
	uint16_t plan[PLAN_MAX];
	uint32_t max_plan = (room - TV_CKPT_RUN_SIZE * rs.n) / 2;
	if (max_plan > PLAN_MAX)
		max_plan = PLAN_MAX;
	for (uint32_t s = 0; s < st->seg_count && c.nplan < max_plan; s++)
		if (s != st->head && st->segs[s].live == 0)
			plan[c.nplan++] = (uint16_t)s;
	bool *taken = calloc(st->seg_count, sizeof(*taken));
	while (taken && c.nplan < max_plan) {
		uint32_t best = emptiest(st, false, taken);
		if (best == NO_SEG)
			break;
		taken[best] = true;
		plan[c.nplan++] = (uint16_t)(best | PLAN_LIVE);
	}
	free(taken); /* without it, the plan holds the free segments only */
	c.plan = plan;
	c.nblocks = (uint16_t)tv_ckpt_blocks(c.nplan, c.nruns);
	uint32_t slot = 1 - st->ckpt_slot;
	rc = tv_ckpt_encode(st->key, &c, st->wbuf);
	if (rc == TV_OK)
		rc = store_write_raw(st, 1 + slot * st->ckpt_blocks, (size_t)c.nblocks * BLK);
	free(rs.v);
	if (rc != TV_OK)
		return rc; /* settled: RAM is what the media holds, this one or the older */
	st->ckpt_slot = slot;
	st->ckpt_valid = true;
	st->needs_seal = false;
	st->ckpt_counter = c.counter;
	memcpy(st->plan, plan, c.nplan * sizeof(plan[0]));
	st->nplan = c.nplan;
	st->plan_next = 0;
	st->tail_blocks = 0;
	st->ckpt_writes++;
	return TV_OK;
}

/* Packs scattered live records: cleans the segments whose live bytes are less
 * than half of them, emptiest first, so that what a mount reads shrinks to
 * about the live data. */
static int compact(struct tv_store *st)
{
	st->compactions++;
	for (uint32_t n = 0; n < st->seg_count; n++) {
		uint32_t best = emptiest(st, true, NULL);
		if (best == NO_SEG)
			return TV_OK;
		int rc = clean(st, best);
		if (rc != TV_OK)
			return rc;
	}
	return TV_OK;
}

int ckpt_maybe(struct tv_store *st)
{
	if (st->version == TV_SB_VERSION_V1)
		return TV_OK; /* format 1 has no checkpoints */
	/* The tail may grow as long as the live data: a mount then reads at most
	 * about twice the live data, and a log of fresh values (all live) needs
	 * no checkpoint at all. */
	uint64_t live = st->used / BLK;
	uint64_t budget = live > TAIL_MIN_BLOCKS ? live : TAIL_MIN_BLOCKS;
	if (st->in_ckpt || st->tail_blocks <= budget)
		return TV_OK;
	st->in_ckpt = true;
	struct runs rs;
	int rc = collect_runs(st, false, &rs);
	if (rc == TV_OK) {
		free(rs.v);
		/* A mount would read half as much again as the live data, and most
		 * of the store is free (so packing is cheap and the free room will
		 * not fill up at once): pack before the checkpoint. */
		if (2 * rs.read_blocks > 3 * tv_store_live_blocks(st) + TAIL_MIN_BLOCKS &&
		    st->used <= st->capacity / 2)
			rc = compact(st);
	}
	if (rc == TV_OK)
		rc = ckpt_write(st);
	st->in_ckpt = false;
	return rc;
}

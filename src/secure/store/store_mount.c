/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Mounting the store: the superblock (or formatting a blank device), then, in
 * format 2, the newest checkpoint, the runs it names and the log tail after it,
 * with the device's write counter as the witness of what must be there
 * (docs/store-format.md, "Mounting" and "Damage"). Format 1, and a format-2
 * store whose checkpoints are damaged, are read by scanning every segment.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "store_priv.h"
#include "tv_err.h"

#define TAIL_CHUNK 8u      /* blocks of the first read of a segment's tail; then doubled */

static uint32_t dev_blocks(const struct tv_store *st)
{
	return tv_rpmb_blocks(st->rpmb);
}

/* ---- superblock ---- */

static int format(struct tv_store *st, uint8_t blk[BLK])
{
	uint32_t blocks = dev_blocks(st);
	uint32_t seg = st->cfg.seg_blocks ? st->cfg.seg_blocks : (blocks / 16 < 256 ? blocks / 16 : 256);
	uint32_t first = 1 + 2 * CKPT_SLOT_BLOCKS;
	struct tv_superblock sb = {.version = TV_SB_VERSION, .seg_blocks = seg,
				   .ckpt_blocks = CKPT_SLOT_BLOCKS,
				   .seg_count = seg && blocks > first ? (blocks - first) / seg : 0,
				   .format_counter = st->rpmb->counter,
				   .write_blocks = tv_rpmb_write_blocks(st->rpmb)};
	/* At most 4096 blocks: a segment then holds fewer than 65,536 records,
	 * what a run's record count and a batch index can say. */
	if (seg < 4 || seg > 4096 || sb.seg_count < 4)
		return TV_EINVAL;
	if (RAND_bytes(sb.store_id, sizeof(sb.store_id)) != 1)
		return TV_EIO;
	tv_sb_encode(st->key, &sb, blk);
	int rc = tv_rpmb_write(st->rpmb, 0, 1, blk);
	return rc == TV_OK ? tv_sb_decode(st->key, blk, &sb) : rc;
}

/* Block 0: read the superblock, or write one on a blank device. */
int store_superblock(struct tv_store *st)
{
	uint8_t blk[BLK], zero[BLK] = {0};
	int rc = tv_rpmb_read(st->rpmb, 0, 1, blk);
	if (rc != TV_OK)
		return rc;
	uint32_t blocks = dev_blocks(st);
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
		if ((rc = format(st, blk)) != TV_OK)
			return rc;
	}
	struct tv_superblock sb;
	if (tv_sb_decode(st->key, blk, &sb) != TV_OK) {
		tv_err_set_detail("RPMB block 0 is not a teevar store superblock under this key");
		return TV_ECORRUPT;
	}
	uint32_t first = sb.version == TV_SB_VERSION_V1 ? 0 : 1 + 2 * sb.ckpt_blocks;
	if (sb.seg_blocks < 4 || sb.seg_count < 4 || sb.seg_blocks > blocks || first >= blocks ||
	    (sb.version == TV_SB_VERSION && sb.seg_blocks > 4096) ||
	    sb.seg_count > (blocks - first) / sb.seg_blocks ||
	    (sb.version == TV_SB_VERSION && (sb.ckpt_blocks < 1 || sb.ckpt_blocks > 64 ||
					      sb.write_blocks < 1 || sb.write_blocks > 64))) {
		tv_err_set_detail("the store's superblock describes another device geometry");
		return TV_ECORRUPT;
	}
	st->version = sb.version;
	st->seg_blocks = sb.seg_blocks;
	st->seg_count = sb.seg_count;
	st->ckpt_blocks = sb.ckpt_blocks;
	st->first_block = first;
	st->format_counter = sb.format_counter;
	st->per_op = sb.version == TV_SB_VERSION ? sb.write_blocks : tv_rpmb_write_blocks(st->rpmb);
	return TV_OK;
}

/* ---- state ---- */

static int alloc_segments(struct tv_store *st)
{
	st->segs = calloc(st->seg_count, sizeof(*st->segs));
	if (!st->segs)
		return TV_ENOMEM;
	for (uint32_t i = 0; i < st->seg_count; i++) {
		uint32_t first = st->first_block + i * st->seg_blocks;
		if (st->version == TV_SB_VERSION_V1 && i == 0)
			first = 1; /* block 0: superblock */
		st->segs[i].first_block = first;
		st->segs[i].nblocks = st->first_block + (i + 1) * st->seg_blocks - first;
	}
	return TV_OK;
}

void store_unload(struct tv_store *st)
{
	if (st->segs)
		for (uint32_t i = 0; i < st->seg_count; i++)
			free(st->segs[i].recs);
	free(st->segs);
	st->segs = NULL;
	tv_index_free(&st->idx);
}

/* The store now knows record r at (seg, pos). */
static int know(struct tv_store *st, const struct tv_rec *r, uint32_t seg, uint32_t pos,
		uint32_t size, bool may_win)
{
	struct tv_key *k = tv_index_find(&st->idx, r->guid, r->name, r->name_size);
	int rc = k ? TV_OK : tv_index_insert(&st->idx, r, &k);
	return rc == TV_OK ? apply_record(st, k, r, seg, pos, size, may_win) : rc;
}

static uint32_t block_at(const struct tv_store *st, uint32_t seg, uint32_t pos)
{
	return st->segs[seg].first_block + pos / BLK;
}

/* ---- format 1, or a damaged checkpoint: every segment is read ---- */

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
			note_damage(st, block_at(st, seg, pos),
				    "a record fails verification before a newer valid one");
			/* Whatever it held, the values older than the newer one may be
			 * stale: withheld. */
			if (r.seq > st->horizon)
				st->horizon = r.seq;
			st->suspect_all = true;
			return;
		}
	}
}

static int scan_segment(struct tv_store *st, uint32_t seg, const uint8_t *buf, uint64_t *max_seq)
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
		int rc = know(st, &r, seg, pos, (uint32_t)len, true);
		if (rc != TV_OK)
			return rc;
		if (r.seq > *max_seq) {
			*max_seq = r.seq;
			st->head = seg;
		}
		prev = r.seq;
		pos += (uint32_t)len;
		s->used = pos;
	}
	return TV_OK;
}

static int load_scan(struct tv_store *st)
{
	uint64_t max_seq = 0;
	st->head = 0;
	for (uint32_t i = 0; i < st->seg_count; i++) {
		int rc = tv_rpmb_read(st->rpmb, st->segs[i].first_block, st->segs[i].nblocks, st->wbuf);
		if (rc == TV_OK)
			rc = scan_segment(st, i, st->wbuf, &max_seq);
		if (rc != TV_OK)
			return rc;
	}
	st->ckpt_valid = true; /* no checkpoint to write: such a store takes no writes */
	return TV_OK;
}

/* ---- format 2: checkpoint ---- */

struct slots {
	struct tv_ckpt full[2]; /* valid: counter set, plan/runs allocated */
	bool ok[2];
	struct tv_ckpt hdr[2];  /* header check only */
	bool hdr_ok[2];
};

static int read_slots(struct tv_store *st, struct slots *sl)
{
	size_t slot_bytes = (size_t)st->ckpt_blocks * BLK;
	uint8_t *buf = malloc(2 * slot_bytes);
	if (!buf)
		return TV_ENOMEM;
	int rc = tv_rpmb_read(st->rpmb, 1, 2 * st->ckpt_blocks, buf);
	memset(sl, 0, sizeof(*sl));
	for (int i = 0; rc == TV_OK && i < 2; i++) {
		const uint8_t *p = buf + i * slot_bytes;
		sl->hdr_ok[i] = tv_ckpt_decode_header(st->key, p, &sl->hdr[i]) == TV_OK &&
				sl->hdr[i].nblocks <= st->ckpt_blocks;
		int d = sl->hdr_ok[i] ? tv_ckpt_decode(st->key, p, slot_bytes, &sl->full[i])
				      : TV_ECORRUPT;
		if (d == TV_ENOMEM)
			rc = d;
		sl->ok[i] = d == TV_OK;
	}
	free(buf);
	return rc;
}

static void free_slots(struct slots *sl)
{
	tv_ckpt_free(&sl->full[0]);
	tv_ckpt_free(&sl->full[1]);
}

/* ---- format 2: runs ---- */

/* Values older than `horizon` may have been superseded by a record lost to
 * damage: those of keys like it (hdr: its header, verified) or, if it is not
 * known or a second one is lost, all. */
static void suspect(struct tv_store *st, uint64_t horizon, const struct tv_rec *hdr)
{
	if (horizon > st->horizon)
		st->horizon = horizon;
	if (!hdr || (st->suspect_set && (st->suspect_name_size != hdr->name_size ||
					 memcmp(st->suspect_guid, hdr->guid, TV_GUID_SIZE) != 0))) {
		st->suspect_all = true;
		return;
	}
	st->suspect_set = true;
	st->suspect_name_size = hdr->name_size;
	memcpy(st->suspect_guid, hdr->guid, TV_GUID_SIZE);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Every record in a run was on the media when the checkpoint was written and
 * nothing has written there since: all must verify, all are older than it. */
static int parse_run(struct tv_store *st, const struct tv_ckpt_run *run, const uint8_t *buf)
{
	uint32_t seg = seg_of_block(st, run->block);
	uint32_t base = (run->block - st->segs[seg].first_block) * BLK;
	uint32_t end = (uint32_t)run->blocks * BLK, pos = run->offset, n = 0, named = 0;
	uint64_t older = (uint64_t)st->ckpt_counter << 32;
	while (pos < end && n < run->records) { /* what follows its last record: not its */
		struct tv_rec r;
		size_t len;
		if (tv_rec_decode(st->key, buf + pos, end - pos, &r, &len) == TV_OK && r.seq < older) {
			int rc = know(st, &r, seg, base + pos, (uint32_t)len, true);
			if (rc != TV_OK)
				return rc;
			n++;
			pos += (uint32_t)len;
			continue;
		}
		uint32_t next = (pos / BLK + 1) * BLK;
		if (pos % BLK && all_zero(buf + pos, next - pos)) {
			pos = next; /* the rest of a write's last block */
			continue;
		}
		note_damage(st, run->block + pos / BLK,
			    "a record the newest checkpoint lists fails verification");
		bool hdr_ok = tv_rec_decode_header(st->key, buf + pos, end - pos, &r) == TV_OK &&
			      r.seq < older;
		suspect(st, older, hdr_ok ? &r : NULL);
		named += hdr_ok;
		pos = next; /* what follows may still verify */
	}
	/* Records lost that no verified header named: any key may have lost its
	 * value. */
	if (n + named < run->records) {
		note_damage(st, run->block, "a run of the newest checkpoint lacks records");
		suspect(st, older, NULL);
	}
	return TV_OK;
}

static bool run_sane(const struct tv_store *st, const struct tv_ckpt_run *r)
{
	uint32_t seg = seg_of_block(st, r->block);
	return seg < st->seg_count && (uint32_t)r->block + r->blocks <= dev_blocks(st) &&
	       seg_of_block(st, r->block + r->blocks - 1u) == seg;
}

/* Reads the runs in as few operations as is worth it: neighbours closer than
 * MERGE_GAP blocks share one read. */
static int read_runs(struct tv_store *st, const struct tv_ckpt *c, const bool *entered)
{
	uint32_t cap = read_cap(st);
	int rc = TV_OK;
	for (uint32_t i = 0; rc == TV_OK && i < c->nruns;) {
		if (!run_sane(st, &c->runs[i])) {
			note_damage(st, c->runs[i].block, "the checkpoint names a run off its segment");
			i++;
			continue;
		}
		if (entered[seg_of_block(st, c->runs[i].block)]) {
			i++;
			continue;
		}
		uint32_t from = c->runs[i].block, to = from + c->runs[i].blocks, j = i + 1;
		while (j < c->nruns && run_sane(st, &c->runs[j]) &&
		       !entered[seg_of_block(st, c->runs[j].block)] &&
		       shares_read(from, to, &c->runs[j], cap)) {
			to = c->runs[j].block + c->runs[j].blocks;
			j++;
		}
		rc = tv_rpmb_read(st->rpmb, from, to - from, st->wbuf);
		for (; rc == TV_OK && i < j; i++)
			rc = parse_run(st, &c->runs[i],
				       st->wbuf + (size_t)(c->runs[i].block - from) * BLK);
	}
	return rc;
}

/* ---- format 2: the log tail ---- */

/* A window of one segment's bytes in st->wbuf, read on demand. */
struct window {
	uint32_t seg;
	uint32_t from, to; /* bytes of the segment held */
	uint32_t chunk;    /* blocks of the next read */
};

/* Makes [pos, pos + len) of the segment readable at st->wbuf + pos. */
static int need(struct tv_store *st, struct window *w, uint32_t pos, uint32_t len)
{
	uint32_t size = seg_size(st, w->seg);
	if (pos + (uint64_t)len > size)
		return TV_ERANGE;
	if (pos >= w->from && pos + len <= w->to)
		return TV_OK;
	uint32_t first = (pos >= w->from && pos <= w->to ? w->to : pos) / BLK;
	uint32_t last = (pos + len + BLK - 1) / BLK;
	if (last - first < w->chunk)
		last = first + w->chunk;
	if (last > size / BLK)
		last = size / BLK;
	int rc = tv_rpmb_read(st->rpmb, st->segs[w->seg].first_block + first, last - first,
			      st->wbuf + (size_t)first * BLK);
	if (rc != TV_OK)
		return rc;
	if (!(pos >= w->from && pos <= w->to))
		w->from = first * BLK;
	w->to = last * BLK;
	w->chunk *= 2;
	return TV_OK;
}

/* Where the log stands while the tail is read. */
struct tail {
	uint32_t next_counter; /* the counter the next batch must carry */
	uint64_t last_seq;
	uint32_t batch_counter, batch_left; /* the batch being read: bytes of it not yet seen */
	uint32_t batch_end;    /* its end in the segment, bytes */
	bool in_batch;
};

/* A record at `pos` that verifies and continues the log, else false. Reads as
 * needed. */
static int record_at(struct tv_store *st, struct window *w, uint32_t pos, struct tv_rec *r,
		     size_t *len)
{
	int rc = need(st, w, pos, TV_REC_HDR_SIZE);
	if (rc != TV_OK)
		return rc;
	if (tv_rec_decode_header(st->key, st->wbuf + pos, TV_REC_HDR_SIZE, r) != TV_OK)
		return TV_ECORRUPT;
	size_t size = tv_rec_size(r->type, r->name_size, r->data_size);
	if (size > seg_size(st, w->seg) - pos)
		return TV_ECORRUPT;
	if ((rc = need(st, w, pos, (uint32_t)size)) != TV_OK)
		return rc;
	return tv_rec_decode(st->key, st->wbuf + pos, size, r, len);
}

/* Did the device count every write operation of the batch `seq` belongs to? A
 * write it did not count did not happen, even if its blocks are all there: the
 * next write takes its counter and its place. */
static bool counted(const struct tv_store *st, uint64_t seq)
{
	return (uint64_t)tv_seq_counter(seq) + write_ops(st, tv_seq_batch_blocks(seq)) <=
	       st->rpmb->counter;
}

/* Reads the chain of one segment from `pos`; returns where it ends. */
static int tail_segment(struct tv_store *st, struct window *w, uint32_t pos, struct tail *t,
			uint32_t *end)
{
	uint32_t size = seg_size(st, w->seg);
	*end = pos;
	while (pos + TV_REC_HDR_SIZE <= size) {
		struct tv_rec r;
		size_t len;
		int rc = record_at(st, w, pos, &r, &len);
		if (rc != TV_OK && rc != TV_ECORRUPT && rc != TV_ERANGE)
			return rc;
		bool ok = rc == TV_OK && r.seq > t->last_seq;
		if (ok && t->in_batch && pos < t->batch_end) {
			ok = tv_seq_counter(r.seq) == t->batch_counter; /* the same batch goes on */
		} else if (ok) {
			if (pos % BLK)
				ok = false; /* a batch starts at a block boundary */
			else if (tv_seq_counter(r.seq) != t->next_counter || tv_seq_index(r.seq) != 0 ||
				 !counted(st, r.seq))
				break;  /* not the next write, or cut short: judged by the caller */
		}
		if (!ok) {
			if (pos % BLK == 0)
				break;
			pos = (pos + BLK - 1) / BLK * BLK;
			continue;
		}
		if (!t->in_batch || pos >= t->batch_end) {
			t->batch_counter = tv_seq_counter(r.seq);
			t->batch_end = pos + tv_seq_batch_blocks(r.seq) * BLK;
			t->next_counter = t->batch_counter +
					  write_ops(st, tv_seq_batch_blocks(r.seq));
			t->in_batch = true;
		}
		if ((rc = know(st, &r, w->seg, pos, (uint32_t)len, true)) != TV_OK)
			return rc;
		t->last_seq = r.seq;
		pos += (uint32_t)len;
		*end = pos;
	}
	return TV_OK;
}

/* The first record of a segment the plan names: does the log go on there?
 * TV_OK with *yes set; a read that fails verification fails the mount (a
 * route must not hide where the log goes on). */
static int continues_at(struct tv_store *st, uint32_t seg, const struct tail *t, bool *yes)
{
	struct window w = {.seg = seg, .chunk = TAIL_CHUNK};
	struct tv_rec r;
	size_t len;
	int rc = record_at(st, &w, 0, &r, &len);
	*yes = rc == TV_OK && r.seq > t->last_seq && tv_seq_counter(r.seq) == t->next_counter &&
	       tv_seq_index(r.seq) == 0 && counted(st, r.seq);
	return rc == TV_ECORRUPT || rc == TV_ERANGE ? TV_OK : rc;
}

/* A write whose header verifies at `pos` of `seg`, begun with counter `c`:
 * its size in write operations in *ops, else 0. */
/* The verified header of the first record of a write begun with counter `c`
 * at `pos` of `seg`: *found tells. A read that fails is the error. */
static int first_header_at(struct tv_store *st, uint32_t seg, uint32_t pos, uint32_t c,
			   struct tv_rec *r, bool *found)
{
	struct window w = {.seg = seg, .chunk = 1};
	*found = false;
	if (pos + TV_REC_HDR_SIZE > seg_size(st, seg))
		return TV_OK;
	int rc = need(st, &w, pos, TV_REC_HDR_SIZE);
	if (rc != TV_OK)
		return rc;
	*found = tv_rec_decode_header(st->key, st->wbuf + pos, TV_REC_HDR_SIZE, r) == TV_OK &&
		 tv_seq_counter(r->seq) == c && tv_seq_index(r->seq) == 0;
	return TV_OK;
}

static int unit_at(struct tv_store *st, uint32_t seg, uint32_t pos, uint32_t c, uint32_t *ops)
{
	struct tv_rec r;
	bool found;
	int rc = first_header_at(st, seg, pos, c, &r, &found);
	*ops = found ? write_ops(st, tv_seq_batch_blocks(r.seq)) : 0;
	return rc;
}

/*
 * The end of the log against the device's counter N. Every write operation
 * since the checkpoint belongs to a batch of the tail, so N must equal the
 * counter the next batch would carry. Only the last write may be cut short by a
 * power loss: N is then below its end, and its header (written by its first
 * operation) names it.
 */
static int tail_end_explained(struct tv_store *st, const struct tail *t, uint32_t seg,
			      uint32_t pos, const struct slots *sl, uint32_t other, bool *entered,
			      bool *yes)
{
	uint32_t n = st->rpmb->counter, c = t->next_counter, ops = 0;
	*yes = n == c;
	if (n < c)
		return TV_OK;
	/* Where the next write goes: a cut one left its header there, even one
	 * the device did not count (n == c). */
	int rc = unit_at(st, seg, (pos + BLK - 1) / BLK * BLK, c, &ops);
	/* The cut write may have gone to the next planned segment: if that one was
	 * in use at the checkpoint, its runs are gone (it was emptied first). A
	 * write the device did not count (n == c) may have left its first blocks
	 * there too. */
	for (uint32_t i = st->plan_next; rc == TV_OK && !ops && i < st->nplan &&
	     i <= st->plan_next + PLAN_SKIP_MAX; i++) {
		bool was_live = st->plan[i] & PLAN_LIVE;
		if (n > c || was_live)
			rc = unit_at(st, PLAN_SEG(st->plan[i]), 0, c, &ops);
		if (ops)
			entered[PLAN_SEG(st->plan[i])] = true;
		if (!was_live)
			break; /* the head never passes over a segment that was free */
	}
	if (rc == TV_OK && !ops && sl->hdr_ok[other] && sl->hdr[other].counter == c)
		ops = write_ops(st, sl->hdr[other].nblocks); /* a checkpoint cut short */
	/* A cut write's leftovers carry the counter the next write takes: a
	 * checkpoint before it seals them off (the log after it starts past c). */
	if (ops)
		st->needs_seal = true;
	if (n > c)
		*yes = ops && n < c + ops;
	return rc;
}

/* Where the log goes on after a segment: the first planned segment, or one
 * of the next few when the head passed over segments still in use. */
static int next_in_plan(struct tv_store *st, const struct tail *t, uint32_t *seg)
{
	*seg = NO_SEG;
	for (uint32_t i = st->plan_next; i < st->nplan && i <= st->plan_next + PLAN_SKIP_MAX; i++) {
		bool more = false;
		int rc = continues_at(st, PLAN_SEG(st->plan[i]), t, &more);
		if (rc != TV_OK)
			return rc;
		if (more) {
			*seg = PLAN_SEG(st->plan[i]);
			st->plan_next = i + 1;
			return TV_OK;
		}
		if (!(st->plan[i] & PLAN_LIVE))
			break; /* the head never passes over a segment that was free */
	}
	return TV_OK;
}

/* Damage in the tail at (seg, pos), where the write begun with counter `c`
 * should be, the log resuming (or the device's counter standing) at `resume`:
 * the values written before may have been superseded by what was lost. Only if
 * the damaged write's header verifies and it alone spans c .. resume are the
 * suspects narrowed to its key. */
static void suspect_tail(struct tv_store *st, uint32_t seg, uint32_t pos, uint32_t c,
			 uint32_t resume)
{
	struct tv_rec r;
	bool found;
	bool hdr_ok = first_header_at(st, seg, pos, c, &r, &found) == TV_OK && found &&
		      c + write_ops(st, tv_seq_batch_blocks(r.seq)) == resume &&
		      tv_seq_batch_blocks(r.seq) * BLK <= tv_rec_size(r.type, r.name_size, r.data_size) + BLK;
	suspect(st, (uint64_t)c << 32, hdr_ok ? &r : NULL);
}

/* After a load that found damage: withholds what may be stale. */
static void withhold_suspects(struct tv_store *st)
{
	if (!st->horizon)
		return;
	for (struct tv_key *k = tv_index_iter(&st->idx, NULL); k; k = tv_index_iter(&st->idx, k))
		if (tv_key_is_var(k) && k->seq < st->horizon &&
		    (st->suspect_all || (k->v.name_size == st->suspect_name_size &&
					 memcmp(k->v.guid, st->suspect_guid, TV_GUID_SIZE) == 0)))
			withhold(st, k);
}

/* After damage, what follows may still verify: the next batch that does, in
 * this segment after `from` or at the start of a planned one. The store is
 * then read-only; this only serves what can still be proved. */
static int salvage(struct tv_store *st, struct tail *t, uint32_t *seg, uint32_t from,
		   uint32_t *pos, bool *entered, bool *found)
{
	*found = false;
	struct window w = {.seg = *seg, .chunk = TAIL_CHUNK};
	for (uint32_t p = (from + BLK - 1) / BLK * BLK + BLK; p + TV_REC_HDR_SIZE <= seg_size(st, *seg);
	     p += BLK) {
		struct tv_rec r;
		size_t len;
		int rc = record_at(st, &w, p, &r, &len);
		if (rc != TV_OK && rc != TV_ECORRUPT && rc != TV_ERANGE)
			return rc;
		if (rc == TV_OK && r.seq > t->last_seq && tv_seq_index(r.seq) == 0) {
			*pos = p;
			*found = true;
			t->next_counter = tv_seq_counter(r.seq);
			break;
		}
	}
	for (uint32_t i = st->plan_next; !*found && i < st->nplan; i++) {
		struct window pw = {.seg = PLAN_SEG(st->plan[i]), .chunk = TAIL_CHUNK};
		struct tv_rec r;
		size_t len;
		int rc = record_at(st, &pw, 0, &r, &len);
		if (rc != TV_OK && rc != TV_ECORRUPT && rc != TV_ERANGE)
			return rc;
		if (rc == TV_OK && r.seq > t->last_seq && tv_seq_index(r.seq) == 0) {
			*seg = PLAN_SEG(st->plan[i]);
			entered[*seg] = true;
			st->plan_next = i + 1;
			*pos = 0;
			*found = true;
			t->next_counter = tv_seq_counter(r.seq);
		}
	}
	t->in_batch = false;
	return TV_OK;
}

static int load_tail(struct tv_store *st, const struct tv_ckpt *c, const struct slots *sl,
		     uint32_t other, bool *entered)
{
	struct tail t = {.next_counter = c->counter + write_ops(st, c->nblocks),
			 .last_seq = (uint64_t)c->counter << 32 | UINT32_MAX};
	uint32_t seg = c->head_seg, pos = c->head_pos, end = pos;
	st->plan_next = 0;
	st->tail_blocks = 0;
	for (;;) {
		struct window w = {.seg = seg, .chunk = TAIL_CHUNK};
		int rc = tail_segment(st, &w, pos, &t, &end);
		if (rc != TV_OK)
			return rc;
		st->tail_blocks += ((uint64_t)end + BLK - 1) / BLK - pos / BLK;
		st->head = seg;
		st->segs[seg].used = end;
		const char *damage = NULL;
		if (t.in_batch && (end + BLK - 1) / BLK * BLK < t.batch_end &&
		    st->rpmb->counter >= t.next_counter)
			damage = "a write the device counted fails verification";
		uint32_t next = NO_SEG;
		if (!damage && (rc = next_in_plan(st, &t, &next)) != TV_OK)
			return rc;
		if (next != NO_SEG) {
			seg = next;
			entered[seg] = true;
			pos = 0;
			t.in_batch = false;
			continue;
		}
		bool explained = false;
		if (!damage) {
			rc = tail_end_explained(st, &t, seg, end, sl, other, entered, &explained);
			if (rc != TV_OK)
				return rc;
			if (explained)
				return TV_OK;
			damage = "the device counted writes after the last record that verifies";
		}
		note_damage(st, block_at(st, seg, end), damage);
		uint32_t lost_seg = seg, lost_at = t.next_counter;
		uint32_t lost_pos = (end + BLK - 1) / BLK * BLK;
		bool found;
		if ((rc = salvage(st, &t, &seg, end, &pos, entered, &found)) != TV_OK)
			return rc;
		suspect_tail(st, lost_seg, lost_pos, lost_at, found ? t.next_counter : st->rpmb->counter);
		if (!found)
			return TV_OK;
	}
}

/* The newest checkpoint that verifies and that the device counted, or -1. */
static int pick_checkpoint(const struct tv_store *st, const struct slots *sl)
{
	int chosen = -1;
	for (int i = 0; i < 2; i++)
		if (sl->ok[i] && (uint64_t)sl->full[i].counter + write_ops(st, sl->full[i].nblocks) <=
				     st->rpmb->counter &&
		    (chosen < 0 || sl->full[i].counter > sl->full[chosen].counter))
			chosen = i;
	return chosen;
}

static int load_v2(struct tv_store *st)
{
	struct slots sl;
	int rc = read_slots(st, &sl);
	if (rc != TV_OK) {
		free_slots(&sl);
		return rc;
	}
	int chosen = pick_checkpoint(st, &sl);
	if (chosen < 0) {
		/* No checkpoint: a format whose first one never landed (or was cut off
		 * during its own write), else the checkpoints are damaged. */
		uint32_t c = st->format_counter + 1, n = st->rpmb->counter;
		bool cut = (sl.hdr_ok[0] && sl.hdr[0].counter == c && n < c + write_ops(st, sl.hdr[0].nblocks)) ||
			   (sl.hdr_ok[1] && sl.hdr[1].counter == c && n < c + write_ops(st, sl.hdr[1].nblocks));
		free_slots(&sl);
		if (n <= c || cut) {
			st->head = 0;
			st->ckpt_slot = 1; /* the first one goes to slot 0 */
			st->ckpt_valid = false;
			st->nplan = st->plan_next = 0;
			return TV_OK;
		}
		note_damage(st, 1, "no checkpoint verifies");
		st->horizon = UINT64_MAX; /* nothing read can be proved current */
		st->suspect_all = true;
		return load_scan(st);
	}
	const struct tv_ckpt *c = &sl.full[chosen];
	uint32_t other = 1 - (uint32_t)chosen;
	st->ckpt_slot = (uint32_t)chosen;
	st->ckpt_valid = true;
	st->ckpt_counter = c->counter;
	st->nplan = c->nplan < PLAN_MAX ? c->nplan : PLAN_MAX;
	bool plan_ok = c->head_seg < st->seg_count && c->head_pos <= seg_size(st, c->head_seg) &&
		       c->head_pos % BLK == 0;
	for (uint32_t i = 0; i < st->nplan; i++) {
		st->plan[i] = c->plan[i];
		plan_ok = plan_ok && PLAN_SEG(c->plan[i]) < st->seg_count;
	}
	/* A newer checkpoint whose header verifies: cut short by a power loss only
	 * if the device counted fewer writes than it needed. */
	if (sl.hdr_ok[other] && !sl.ok[other] && sl.hdr[other].counter > c->counter &&
	    st->rpmb->counter >= sl.hdr[other].counter + write_ops(st, sl.hdr[other].nblocks))
		note_damage(st, 1 + other * st->ckpt_blocks, "a newer checkpoint fails verification");
	if (!plan_ok) {
		free_slots(&sl);
		note_damage(st, 1 + (uint32_t)chosen * st->ckpt_blocks, "the checkpoint is inconsistent");
		st->horizon = UINT64_MAX;
		st->suspect_all = true;
		return load_scan(st);
	}
	/* The tail first: a planned segment it entered was emptied before, and the
	 * runs the checkpoint names there are gone. */
	bool *entered = calloc(st->seg_count, sizeof(*entered));
	rc = entered ? load_tail(st, c, &sl, other, entered) : TV_ENOMEM;
	if (rc == TV_OK)
		rc = read_runs(st, c, entered);
	free(entered);
	free_slots(&sl);
	return rc;
}

static int by_pos(const void *a, const void *b)
{
	uint32_t x = ((const struct rec_ref *)a)->pos, y = ((const struct rec_ref *)b)->pos;
	return x < y ? -1 : x > y;
}

int store_load(struct tv_store *st)
{
	uint64_t blocks0 = st->rpmb->stats.blocks_read, ops0 = st->rpmb->stats.read_ops;
	st->used = st->used_hwerr = 0;
	st->horizon = 0;
	st->suspect_all = st->suspect_set = false;
	st->needs_seal = false; /* set where a cut write is found */
	int rc = alloc_segments(st);
	if (rc == TV_OK)
		rc = tv_index_init(&st->idx);
	if (rc == TV_OK)
		rc = st->version == TV_SB_VERSION_V1 ? load_scan(st) : load_v2(st);
	if (rc != TV_OK)
		return rc;
	withhold_suspects(st);
	for (uint32_t i = 0; i < st->seg_count; i++) /* runs were read after the tail */
		if (st->segs[i].nrecs > 1)
			qsort(st->segs[i].recs, st->segs[i].nrecs, sizeof(struct rec_ref), by_pos);
	tv_index_sort_live(&st->idx);
	st->head_fresh = false;
	st->mount_blocks = st->rpmb->stats.blocks_read - blocks0;
	st->mount_ops = st->rpmb->stats.read_ops - ops0;
	return TV_OK;
}

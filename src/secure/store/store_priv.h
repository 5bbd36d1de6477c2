/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The store's internals, shared by its files:
 *   store.c        the public API, writing and the segment cleaner
 *   store_mount.c  mounting: superblock, checkpoint, runs, log tail, damage
 *   store_ckpt.c   writing checkpoints: runs, plan, compaction
 * docs/store-format.md describes the format and the rules these follow.
 */
#ifndef TV_STORE_PRIV_H
#define TV_STORE_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "store_index.h"

#define BLK RPMB_BLOCK_SIZE
#define NO_SEG UINT32_MAX
#define CKPT_SLOT_BLOCKS 8u   /* blocks per checkpoint slot (format 2) */
#define PLAN_MAX 64u          /* segments a checkpoint plans ahead */
/* A planned segment that still held live records when the checkpoint was
 * written: the head takes it only once the cleaner or newer values have
 * emptied it, and may pass over it (at most PLAN_SKIP_MAX in a row). */
#define PLAN_LIVE 0x8000u
#define PLAN_SEG(e) ((uint32_t)(e) & 0x7FFFu)
#define PLAN_SKIP_MAX 16u
/* A mount reads across a gap of fewer blocks than this: in the latency model a
 * read operation costs as much as about 50 blocks. */
#define MERGE_GAP 50u

/* Blocks one read of a mount may take (one segment buffer, one operation). */
static inline uint32_t read_cap(const struct tv_store *st);
/* Does `next` (after the blocks from..to) share that read? */
static inline bool shares_read(uint32_t from, uint32_t to, const struct tv_ckpt_run *next,
			       uint32_t cap)
{
	return next->block >= to && next->block - to < MERGE_GAP &&
	       (uint32_t)next->block + next->blocks - from <= cap;
}

/* A record the store knows to be on the media, in chain order. */
struct rec_ref {
	struct tv_key *k;
	uint32_t pos;          /* byte offset in its segment */
	uint32_t size;
	uint64_t seq;
	uint8_t type;
};

struct segment {
	uint32_t first_block;
	uint32_t nblocks;
	uint32_t used;         /* end of the record chain, bytes (the head's write position) */
	uint64_t live;         /* bytes of records that must be kept */
	struct rec_ref *recs;  /* the records known in it, by position */
	uint32_t nrecs, cap;
};

struct tv_store {
	struct tv_rpmb *rpmb;
	uint8_t key[32];
	struct tv_store_config cfg;
	uint32_t version;       /* format of the store on the device */
	uint32_t seg_blocks, seg_count, ckpt_blocks, first_block, format_counter;
	/* Blocks per write operation, as the superblock fixed it: batches and
	 * checkpoints are cut, and counted at mount, by it, whatever the route
	 * says the device takes (a lie makes writes fail, never a mount misjudge). */
	uint32_t per_op;
	uint64_t capacity;
	/* state rebuilt from the media by a mount */
	struct segment *segs;
	struct tv_index idx;
	uint32_t head;         /* segment taking writes */
	bool head_fresh;       /* head's old chain is still on the media */
	uint64_t used;         /* cost of live variables */
	uint64_t used_hwerr;   /* of which variables with attribute bit 3 (HwErrRec) */
	uint32_t sync_counter; /* the RPMB write counter that RAM is in step with */
	bool unsynced;         /* an uncertain write is not settled yet */
	bool fault_apply;      /* test hook: the next apply after a write fails */
	uint32_t damage_count, first_damage_block;
	/* Damage in the log tail: values older than `horizon` may have been
	 * superseded by what was lost; those of keys like the damaged one (its
	 * header verified: GUID and name size) or, if unknown, all are withheld. */
	uint64_t horizon;
	bool suspect_all;
	uint8_t suspect_guid[TV_GUID_SIZE];
	uint16_t suspect_name_size;
	bool suspect_set;
	/* the newest checkpoint (format 2) */
	uint32_t ckpt_slot;     /* 0 or 1 */
	bool ckpt_valid;        /* false: the next write must write one first */
	uint32_t ckpt_counter;
	uint16_t plan[PLAN_MAX];
	uint32_t nplan, plan_next; /* segments planned, and how many the head has used */
	uint64_t tail_blocks;   /* blocks written since it */
	bool in_ckpt;           /* a checkpoint is being written (no nesting) */
	bool needs_seal;        /* a checkpoint before the first write after a load */
	/* statistics */
	uint64_t mount_blocks, mount_ops;
	uint64_t gc_segments, gc_bytes, reused_segments, ckpt_writes, compactions;
	uint8_t *wbuf;         /* one segment */
};

/* A record to write, and the key it belongs to (set by commit()). */
struct wrec {
	struct tv_rec rec;
	struct tv_key *k;
	uint32_t size;
};

static inline uint32_t read_cap(const struct tv_store *st)
{
	return st->seg_blocks < st->rpmb->max_read_blocks ? st->seg_blocks
							  : st->rpmb->max_read_blocks;
}

/* store.c */
uint32_t seg_size(const struct tv_store *st, uint32_t i);
uint32_t seg_of_block(const struct tv_store *st, uint32_t block);
bool winner_live(const struct tv_key *k);
/* The store now knows record r at (seg, pos); a record that may not win (dead
 * when the checkpoint was written) never becomes its key's value. */
int apply_record(struct tv_store *st, struct tv_key *k, const struct tv_rec *r, uint32_t seg,
		 uint32_t pos, uint32_t size, bool may_win);
/* A key's value is withheld (a damaged record may have been a newer one). */
void withhold(struct tv_store *st, struct tv_key *k);
void note_damage(struct tv_store *st, uint32_t block, const char *what);
int clean(struct tv_store *st, uint32_t victim);
/* The segment other than the head with the fewest live bytes (but some), or
 * NO_SEG; only those less than half live if sparse_only; none marked taken. */
uint32_t emptiest(const struct tv_store *st, bool sparse_only, const bool *taken);
uint32_t count_free(const struct tv_store *st);
uint32_t write_ops(const struct tv_store *st, uint32_t blocks);
/* After a write that failed once sent: reload, and re-read the counter before
 * the next write. Returns rc, or the reload's error. */
int store_settle(struct tv_store *st, int rc);
/* Writes len bytes of st->wbuf at RPMB block `first` (not the head: a
 * checkpoint), settling an uncertain outcome. */
int store_write_raw(struct tv_store *st, uint32_t first, size_t len);

/* store_mount.c */
int store_superblock(struct tv_store *st);
int store_load(struct tv_store *st);
void store_unload(struct tv_store *st);

/* store_ckpt.c */
/* Writes a checkpoint of the current state into the other slot. */
int ckpt_write(struct tv_store *st);
/* After a write: a checkpoint when the log tail has grown past its budget. */
int ckpt_maybe(struct tv_store *st);
/* The next segment of the plan the head may enter, or NO_SEG; *index is its
 * place in the plan. */
uint32_t plan_peek(const struct tv_store *st, uint32_t *index);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * On-RPMB layout of the variable store (docs/store-format.md is the reference).
 *
 * Block 0 is the superblock. Format 2 then has two checkpoint slots of
 * ckpt_blocks blocks each (blocks 1 .. 2 * ckpt_blocks); the rest is cut into
 * segments of seg_blocks blocks: segment i covers blocks
 * [max(first, i * seg_blocks), (i + 1) * seg_blocks), first = 1 + 2 * ckpt_blocks
 * (format 1: first = 1, no checkpoints). A segment holds a chain of records, the
 * first at offset 0, each next one right after the previous or, if a record was
 * the last of a write, at the next block boundary.
 *
 * Record header, 52 bytes, little-endian:
 *   0  u8   magic: 0x7F (format 2), 0x7E (format 1)
 *   1  u8   type (VAR, DEL, AUTHVAR)
 *   2  u16  name size in bytes (UCS-2, NUL included)
 *   4  u32  data size in bytes
 *   8  u64  sequence number
 *  16  16   vendor GUID (EFI byte order)
 *  32  u32  attributes
 *  format 2:
 *  36  4    header check: HMAC-SHA256(store key, "H" || bytes 0..35), first 4 bytes
 *  40  12   MAC: HMAC-SHA256(store key, bytes 0..39 || body), first 12 bytes
 *  format 1:
 *  36  16   MAC: HMAC-SHA256(store key, bytes 0..35 || body), first 16 bytes
 *  52       body: [auth extension, 48 bytes, AUTHVAR only] name, data
 */
#ifndef TV_STORE_FORMAT_H
#define TV_STORE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TV_REC_MAGIC 0x7Fu    /* format 2 */
#define TV_REC_MAGIC_V1 0x7Eu /* format 1 */
#define TV_REC_HDR_SIZE 52u
#define TV_REC_EXT_SIZE 48u
#define TV_GUID_SIZE 16u

enum tv_rec_type {
	TV_REC_VAR = 1,     /* a variable's value */
	TV_REC_DEL = 2,     /* a deletion (tombstone) */
	TV_REC_AUTHVAR = 3, /* a value with the authenticated-variable extension */
};

/* Authenticated-variable extension: EFI_TIME of the last update and the
 * digest that identifies the signer (docs/store-format.md). */
struct tv_auth_ext {
	uint8_t timestamp[16];
	uint8_t signer[32];
};

/* A record as the store handles it; pointers refer to caller memory. */
struct tv_rec {
	uint8_t type;
	uint64_t seq;
	uint8_t guid[TV_GUID_SIZE];
	uint32_t attrs;
	const uint8_t *name;
	uint16_t name_size;
	const uint8_t *data;
	uint32_t data_size;
	struct tv_auth_ext ext; /* AUTHVAR only */
};

static inline size_t tv_rec_size(uint8_t type, size_t name_size, size_t data_size)
{
	return TV_REC_HDR_SIZE + (type == TV_REC_AUTHVAR ? TV_REC_EXT_SIZE : 0) + name_size +
	       data_size;
}

/* Sequence numbers of format 2 (docs/store-format.md, "When a record was
 * written"): the RPMB write counter of the first write operation of the record's
 * batch, the batch's size in blocks, the record's index in the batch. */
static inline uint64_t tv_seq_make(uint32_t counter, uint32_t batch_blocks, uint32_t index)
{
	return (uint64_t)counter << 32 | (uint64_t)(batch_blocks & 0xFFFFu) << 16 |
	       (index & 0xFFFFu);
}
static inline uint32_t tv_seq_counter(uint64_t seq) { return (uint32_t)(seq >> 32); }
static inline uint32_t tv_seq_batch_blocks(uint64_t seq) { return (uint32_t)(seq >> 16) & 0xFFFFu; }
static inline uint32_t tv_seq_index(uint64_t seq) { return (uint32_t)seq & 0xFFFFu; }

/* Serializes r into out (tv_rec_size() bytes) in format 2, with its checks. */
int tv_rec_encode(const uint8_t key[32], const struct tv_rec *r, uint8_t *out);
/* Parses and authenticates a record (either format) at buf, avail bytes
 * available. On success r points into buf and *size is the record size.
 * TV_ECORRUPT if it is not one. */
int tv_rec_decode(const uint8_t key[32], const uint8_t *buf, size_t avail, struct tv_rec *r,
		  size_t *size);
/* The header of a format-2 record alone, authenticated by its header check:
 * type, sizes, sequence number, GUID and attributes (name and data unset). For
 * telling a record cut by a power loss (its header was written) from damage. */
int tv_rec_decode_header(const uint8_t key[32], const uint8_t *buf, size_t avail,
			 struct tv_rec *r);

/* Superblock (block 0), 256 bytes:
 *   0  8   magic "TVSTORE1"
 *   8  u32 format version (1 or 2)
 *  12  u32 segment size in blocks
 *  16  u32 number of segments
 *  20  16  store id (random, set at format)
 *  36  u32 checkpoint slot size in blocks (format 2; 0 in format 1)
 *  40  u32 RPMB write counter of the superblock's own write (format 2)
 *  44  u32 blocks per authenticated write operation the store uses (format 2)
 * 224  32  HMAC-SHA256(store key, bytes 0..223) */
#define TV_SB_VERSION 2u
#define TV_SB_VERSION_V1 1u
struct tv_superblock {
	uint32_t version;
	uint32_t seg_blocks;
	uint32_t seg_count;
	uint8_t store_id[16];
	uint32_t ckpt_blocks;
	uint32_t format_counter;
	uint32_t write_blocks;
};
void tv_sb_encode(const uint8_t key[32], const struct tv_superblock *sb, uint8_t out[256]);
int tv_sb_decode(const uint8_t key[32], const uint8_t in[256], struct tv_superblock *sb);

/*
 * Checkpoint (format 2), in one of the two slots, nblocks blocks:
 *   0  4   magic "TVCK"
 *   4  u16 blocks it occupies (1..slot size)
 *   6  u16 version (1)
 *   8  u32 RPMB write counter of its first write operation
 *  12  u32 head segment: where the log continues
 *  16  u32 write position in it (bytes, a block boundary)
 *  20  u16 plan length: segments the head will use next, in order
 *  22  u16 number of runs
 *  24  u32 blocks the runs cover
 *  28  4   header check: HMAC-SHA256(store key, "C" || bytes 0..27), first 4 bytes
 *  32      plan: u16 segment numbers; then runs: 8 bytes each
 *          {u16 first block, u16 offset of the first record in it, u16 blocks,
 *           u16 records in it}; then zero
 *  last 32 bytes: HMAC-SHA256(store key, every byte before them)
 */
#define TV_CKPT_HDR_SIZE 32u
#define TV_CKPT_RUN_SIZE 8u
#define TV_CKPT_MAC_SIZE 32u

struct tv_ckpt_run {
	uint16_t block;  /* RPMB block where the run starts */
	uint16_t offset; /* byte offset of its first record in that block */
	uint16_t blocks; /* blocks it spans */
	uint16_t records; /* records in it */
};

struct tv_ckpt {
	uint16_t nblocks;
	uint32_t counter;
	uint32_t head_seg;
	uint32_t head_pos;
	uint32_t run_blocks;
	uint16_t nplan, nruns;
	uint16_t *plan;           /* nplan entries */
	struct tv_ckpt_run *runs; /* nruns entries */
};

/* Blocks a checkpoint with nplan + nruns entries needs. */
uint32_t tv_ckpt_blocks(uint32_t nplan, uint32_t nruns);
/* Serializes c into out (c->nblocks * 256 bytes, which must fit what it holds). */
int tv_ckpt_encode(const uint8_t key[32], const struct tv_ckpt *c, uint8_t *out);
/* Header check only (the first block): fills the fixed fields, plan/runs unset. */
int tv_ckpt_decode_header(const uint8_t key[32], const uint8_t in[256], struct tv_ckpt *c);
/* The whole checkpoint from avail bytes: c->plan and c->runs are allocated
 * (free with tv_ckpt_free). TV_ECORRUPT when it does not verify. */
int tv_ckpt_decode(const uint8_t key[32], const uint8_t *in, size_t avail, struct tv_ckpt *c);
void tv_ckpt_free(struct tv_ckpt *c);

#endif

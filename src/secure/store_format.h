/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * On-RPMB layout of the variable store (docs/store-format.md).
 *
 * Block 0 is the superblock, written once when the store is formatted. The rest
 * is cut into segments of seg_blocks blocks: segment i covers blocks
 * [max(1, i * seg_blocks), (i + 1) * seg_blocks). A segment holds a chain of
 * records, the first at offset 0, each next one right after the previous or, if
 * a record was the last of a write operation, at the next block boundary.
 * Sequence numbers increase strictly along a chain; the first record that fails
 * to parse, fails its MAC, or has a smaller sequence number ends the chain.
 *
 * Record header, 52 bytes, little-endian:
 *   0  u8   magic 0x7E
 *   1  u8   type (VAR, DEL, AUTHVAR)
 *   2  u16  name size in bytes (UCS-2, NUL included)
 *   4  u32  data size in bytes
 *   8  u64  sequence number
 *  16  16   vendor GUID (EFI byte order)
 *  32  u32  attributes
 *  36  16   MAC: HMAC-SHA256(store key, bytes 0..35 || body), first 16 bytes
 *  52       body: [auth extension, 48 bytes, AUTHVAR only] name, data
 */
#ifndef TV_STORE_FORMAT_H
#define TV_STORE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TV_REC_MAGIC 0x7Eu
#define TV_REC_HDR_SIZE 52u
#define TV_REC_MAC_SIZE 16u
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

/* Serializes r into out (tv_rec_size() bytes) with its MAC. */
int tv_rec_encode(const uint8_t key[32], const struct tv_rec *r, uint8_t *out);
/* Parses and authenticates a record at buf (avail bytes available). On success r
 * points into buf and *size is the record size. TV_ECORRUPT if it is not one. */
int tv_rec_decode(const uint8_t key[32], const uint8_t *buf, size_t avail, struct tv_rec *r,
		  size_t *size);

/* Superblock (block 0), 256 bytes:
 *   0  8   magic "TVSTORE1"
 *   8  u32 format version (1)
 *  12  u32 segment size in blocks
 *  16  u32 number of segments
 *  20  16  store id (random, set at format)
 * 224  32  HMAC-SHA256(store key, bytes 0..223) */
#define TV_SB_VERSION 1u
struct tv_superblock {
	uint32_t version;
	uint32_t seg_blocks;
	uint32_t seg_count;
	uint8_t store_id[16];
};
void tv_sb_encode(const uint8_t key[32], const struct tv_superblock *sb, uint8_t out[256]);
int tv_sb_decode(const uint8_t key[32], const uint8_t in[256], struct tv_superblock *sb);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The power-safe variable store on RPMB: a log of authenticated records in
 * segments (layout: store_format.h, docs/store-format.md).
 *
 * - One SetVariable is one record, written with ceil(size / bytes per write)
 *   authenticated write operations; a delete is one small record. Nothing is
 *   rewritten in place: a segment is reused only when none of its records is
 *   still needed, and its old chain dies with the first new record.
 * - A write cut anywhere leaves the old or the new record (the MAC of a torn
 *   record fails); the segment cleaner copies live records with new sequence
 *   numbers before a segment is reused, so a crash there only leaves duplicates.
 * - After tv_store_open() every read is served from RAM.
 */
#ifndef TV_STORE_H
#define TV_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpmb_auth.h"
#include "store_format.h"

struct tv_store;

struct tv_store_config {
	uint32_t seg_blocks; /* segment size in blocks; 0 means 256 (64 KiB) */
	uint64_t capacity;   /* reported NV capacity in bytes; 0 means default (docs) */
	/* Format a blank device: block 0 all zero and the RPMB write counter still
	 * where a never-written device has it (0). Block 0 all zero on a device that
	 * has been written is a lost store, refused (TV_ECORRUPT, with a detail). */
	bool format_blank;
	/* Start over on purpose: format whatever block 0 holds. Every variable of
	 * an earlier store on the device is given up. */
	bool force_format;
};

/* A stored variable, as reads see it. Valid until the next change to the store. */
struct tv_store_var {
	uint8_t guid[TV_GUID_SIZE];
	const uint8_t *name;  /* UCS-2 LE, NUL included */
	uint16_t name_size;
	uint32_t attrs;
	const uint8_t *data;
	uint32_t data_size;
	bool has_ext;
	struct tv_auth_ext ext;
};

struct tv_store_stats {
	uint64_t capacity;       /* reported maximum storage (bytes) */
	uint64_t used;           /* bytes the live variables take, headers included */
	uint64_t remaining;      /* capacity - used */
	uint64_t max_var_now;    /* largest name + data that could be stored now */
	uint64_t max_var;        /* largest name + data the format allows */
	uint32_t var_count;
	uint32_t seg_count;
	uint32_t seg_bytes;
	uint32_t free_segs;      /* segments with no live record */
	uint64_t gc_segments;    /* segments cleaned */
	uint64_t gc_bytes;       /* bytes of live records copied by the cleaner */
	uint64_t reused_segments; /* segments written again after their records died */
	uint64_t ckpt_writes;    /* checkpoints written */
	uint64_t compactions;    /* times scattered live records were packed together */
	uint32_t write_counter;  /* RPMB write counter */
	bool expired;            /* RPMB write counter expired: read-only */
	bool read_only;          /* no writes (expired, damaged, or a resync pending) */
	uint32_t format_version; /* of the store on the device */
	/* Damage a power cut cannot explain was found (a record that fails
	 * verification where the device proves a complete write, a bad record
	 * before good newer ones...). What verifies is still served; writes are
	 * refused (TV_EDAMAGED) until tv_store_recover(). */
	bool damaged;
	uint32_t damage_count;       /* damaged places found */
	uint32_t first_damage_block; /* RPMB block of the first one */
	uint64_t mount_blocks_read;  /* RPMB blocks the last mount (or reload) read */
	uint64_t mount_read_ops;     /* authenticated read operations it took */
};

/* Mounts the store on an opened tv_rpmb (not owned; close it after the store).
 * Reads every segment once; after that reads need no RPMB operation. */
int tv_store_open(struct tv_rpmb *rpmb, const uint8_t store_key[32],
		  const struct tv_store_config *cfg, struct tv_store **out);
void tv_store_close(struct tv_store *st);

/* name: UCS-2 LE bytes with the terminating NUL, name_size bytes. */
const struct tv_store_var *tv_store_get(const struct tv_store *st, const uint8_t guid[16],
					const uint8_t *name, size_t name_size);
/* Creates or replaces a variable (v->has_ext selects an AUTHVAR record).
 * TV_ENOSPC when it does not fit; the old value then stays. */
int tv_store_set(struct tv_store *st, const struct tv_store_var *v);
/* TV_ENOENT if there is no such variable. */
int tv_store_delete(struct tv_store *st, const uint8_t guid[16], const uint8_t *name,
		    size_t name_size);

/* Enumeration: stable while variables are updated (an update keeps its place),
 * O(1) per step. */
const struct tv_store_var *tv_store_first(const struct tv_store *st);
const struct tv_store_var *tv_store_next(const struct tv_store *st, const struct tv_store_var *v);

void tv_store_get_stats(const struct tv_store *st, struct tv_store_stats *out);

/* The result of tv_store_check(). */
struct tv_store_check {
	uint32_t format_version;
	uint64_t blocks_read;     /* RPMB blocks the check read */
	uint32_t records;         /* records that verified */
	uint32_t live_vars;       /* variables the media holds */
	bool damaged;             /* damage found (see tv_store_stats.damaged) */
	uint32_t damage_count;
	uint32_t first_damage_block;
	bool matches_ram;         /* the media holds exactly what the store serves */
};
/* Verifies the store on the device again, read-only ("fsck" for RPMB): mounts it
 * afresh with every check and compares the result with what this store serves.
 * TV_OK when the check ran (out says what it found), else the error that stopped
 * it. A store found damaged here is marked damaged, as at mount. */
int tv_store_check(struct tv_store *st, struct tv_store_check *out);
/* Explicit recovery of a damaged store: the variables that verify (what is
 * served now) are kept, the damaged records are given up for good, and writes
 * are allowed again. TV_EINVAL if the store is not damaged. */
int tv_store_recover(struct tv_store *st);
/* The reported capacity alone (cheap: SetVariable's accounting needs it). */
uint64_t tv_store_capacity(const struct tv_store *st);
/* Brings RAM in step with the device before a decision that leads to a write:
 * if a write's outcome is still open, or the write counter moved since the last
 * load (a withheld write landed late), the store reloads. Cheap otherwise (no
 * RPMB operation). On failure RAM stays as it was and writes will be refused. */
int tv_store_sync(struct tv_store *st);
/* The bytes the live variables take: those with attribute bit 3
 * (EFI_VARIABLE_HARDWARE_ERROR_RECORD) when hwerr, else all the others. Always
 * derived from what the store holds, so it is right after any reload. */
uint64_t tv_store_used(const struct tv_store *st, bool hwerr);
/* Test hook: the RAM update after the next verified write fails as if out of
 * memory (the store must then rebuild RAM from the media). */
void tv_store_test_fail_next_apply(struct tv_store *st);
/* RPMB blocks that hold bytes of live records (what a mount must read at least). */
uint64_t tv_store_live_blocks(const struct tv_store *st);
/* The bytes a variable takes in the store (header included). */
uint64_t tv_store_var_cost(size_t name_size, size_t data_size, bool has_ext);

#endif

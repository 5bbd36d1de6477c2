/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Authenticated RPMB access from the secure side. The route is untrusted: every
 * response is checked (type, result, address, block count, nonce, MAC, and
 * counter == old + 1 after a write) and any mismatch is an error; the data of a
 * response that failed a check is never used.
 *
 * Outcome of a write: TV_OK means verified, the blocks are on the device. Any
 * other result with last_write_sent set means the request left: the write may or
 * may not have landed (write responses carry no nonce, so even a signed failure
 * answer can be a replay), and the caller must find out from the media. Without
 * last_write_sent nothing was sent (bad arguments, counter known to be expired,
 * the counter could not be read).
 *
 * After such an unsettled write, the next successful write is read back before
 * it counts: the route may hold the earlier signed frames and deliver them in
 * place of a later request signed with the same counter value. The first write
 * after tv_rpmb_open() counts as one after an unsettled write: frames withheld
 * before a restart are just as deliverable.
 */
#ifndef TV_RPMB_AUTH_H
#define TV_RPMB_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "huk.h"
#include "rpmb_dev.h"

struct tv_rpmb_config {
	bool allow_key_program;   /* program the key if the device says "no key" */
	/* Called with the device's CID just before the key frame leaves; a
	 * non-zero return keeps the key (the open fails with it). The secure core
	 * records there that this state directory has keyed a device, so that the
	 * key leaves at most once even if the open fails after it. */
	int (*before_key_program)(void *arg, const uint8_t cid[16]);
	void *before_key_arg;
	uint32_t max_read_blocks; /* blocks per authenticated read; 0 means 256 */
	/* Blocks per authenticated write operation, at most: a route that carries
	 * fewer frames per write than the device takes (tee-supplicant 3.19's
	 * emulation refuses multi-frame writes: 1). 0: what the device takes. A new
	 * store is formatted with it (its superblock fixes the blocks per write). */
	uint32_t max_write_blocks;
};

struct tv_rpmb_stats {
	uint64_t write_ops;       /* authenticated write operations sent */
	uint64_t read_ops;        /* authenticated read operations sent */
	uint64_t counter_reads;
	uint64_t blocks_written;
	uint64_t blocks_read;
	uint64_t verify_failures; /* responses that failed a check */
};

struct tv_rpmb {
	struct rpmb_dev dev;      /* owned: closed by tv_rpmb_close() */
	struct rpmb_dev_info info;
	uint8_t key[TV_KEY_SIZE];
	uint32_t counter;         /* last verified write counter */
	bool counter_known;       /* false after an uncertain write */
	bool expired;             /* the device reported counter expiry */
	bool key_programmed_now;  /* tv_rpmb_open() programmed the key */
	bool unsettled;           /* a sent write has no verified outcome yet */
	bool last_write_sent;     /* the last tv_rpmb_write() failed after sending */
	uint32_t max_read_blocks;
	uint32_t max_write_blocks; /* 0: the device's 2 x rel_wr_sec_c */
	struct tv_rpmb_stats stats;
};

/* Takes ownership of dev (also on failure). Reads the device info, derives the
 * key, reads the counter; programs the key when the device answers "key not
 * programmed" and cfg allows it. A counter response with a bad MAC gives TV_EKEY
 * (device keyed by another HUK, or a route that tampers). */
int tv_rpmb_open(struct tv_rpmb *r, struct rpmb_dev dev, const uint8_t huk[TV_HUK_SIZE],
		 const struct tv_rpmb_config *cfg);
void tv_rpmb_close(struct tv_rpmb *r);

uint32_t tv_rpmb_blocks(const struct tv_rpmb *r);
/* Blocks per write operation: 2 x rel_wr_sec_c, capped by max_write_blocks. */
uint32_t tv_rpmb_write_blocks(const struct tv_rpmb *r);

/* Reads nblocks starting at addr into out (nblocks * 256 bytes), in operations of
 * at most max_read_blocks. */
int tv_rpmb_read(struct tv_rpmb *r, uint32_t addr, uint32_t nblocks, uint8_t *out);
/* One authenticated write operation: 1 <= nblocks <= tv_rpmb_write_blocks(). */
int tv_rpmb_write(struct tv_rpmb *r, uint32_t addr, uint32_t nblocks, const uint8_t *data);
/* Reads and verifies the write counter (also re-synchronizes it). */
int tv_rpmb_read_counter(struct tv_rpmb *r, uint32_t *counter);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* teevar's own view of the secure store, for `teevar info`: not part of the MM
 * protocol, so only transports to teevar's own secure core provide it. */
#ifndef TEEVAR_STORE_INFO_H
#define TEEVAR_STORE_INFO_H

#include <stdbool.h>
#include <stdint.h>

#include <teevar/tee.h>

struct tv_store_info {
	uint64_t capacity;        /* NV bytes the store reports */
	uint64_t used;            /* bytes live variables take, headers included */
	uint64_t remaining;
	uint32_t var_count;       /* NV variables */
	uint32_t seg_count;       /* store segments */
	uint32_t seg_bytes;
	uint32_t free_segs;
	uint32_t write_counter;   /* RPMB write counter */
	bool counter_expired;
	uint32_t rpmb_blocks;     /* RPMB size in 256-byte blocks */
	uint32_t blocks_per_write;
	uint32_t phase;           /* 0 boot services, 1 ready to boot, 2 runtime */
};

/* 0, or -ENOTSUP when the transport cannot tell (optee:, a wrapped inproc:
 * transport); a broken unix: connection gives its errno (docs/client.md). */
int tv_transport_store_info(const struct tv_transport *t, struct tv_store_info *out);

#endif

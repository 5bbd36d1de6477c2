/* SPDX-License-Identifier: BSD-2-Clause */
/* teevar's own view of the secure store, for `teevar info`, `teevar check` and
 * `teevar recover`: not part of the MM protocol, so only transports to teevar's
 * own secure core provide it (inproc: and unix:; docs/client.md). */
#ifndef TEEVAR_STORE_INFO_H
#define TEEVAR_STORE_INFO_H

#include <stdbool.h>
#include <stdint.h>

#include <teevar/tee.h>

/* The RPMB route the secure core reaches its device by (teevard --rpmb). */
enum tv_store_route {
	TV_STORE_ROUTE_UNKNOWN = 0,    /* not told (an older teevard) */
	TV_STORE_ROUTE_INPROC = 1,     /* the emulated image in the secure core's process */
	TV_STORE_ROUTE_SUPPLICANT = 2, /* teevar-supplicant's socket */
	TV_STORE_ROUTE_RPC = 3,        /* OP-TEE's RPMB RPC, through the caller's normal world */
};

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
	/* The store's health. */
	uint32_t format_version;  /* of the store on the device */
	bool read_only;           /* writes refused: counter expired, damage, or a
				   * write whose outcome is still to be verified */
	bool damaged;             /* damage a power cut cannot explain: what verifies
				   * is served, writes are refused until recovery */
	uint32_t damage_count;    /* damaged places found (0 unless damaged) */
	uint32_t first_damage_block; /* RPMB block of the first one */
	uint64_t mount_blocks_read;  /* RPMB blocks the last mount read */
	uint64_t mount_read_ops;     /* authenticated read operations it took */
	uint32_t route;              /* enum tv_store_route */
	/* Connections teevard serves now, the asker's included; 0 when not told
	 * (the in-process secure core, or a teevard older than STORE_INFO layout 4). */
	uint32_t clients;
};

/* 0, or -ENOTSUP when the transport cannot tell (optee:, a wrapped inproc:
 * transport); a broken unix: connection gives its errno (docs/client.md). */
int tv_transport_store_info(const struct tv_transport *t, struct tv_store_info *out);

#define TV_STORE_DETAIL_MAX 256   /* detail text, NUL included */

/* What a full verification of the store found ("fsck" for RPMB). */
struct tv_store_check_report {
	uint32_t format_version;
	uint64_t blocks_read;     /* RPMB blocks the check read */
	uint32_t records;         /* records that verified */
	uint32_t live_vars;       /* variables the media holds */
	bool damaged;
	uint32_t damage_count;
	uint32_t first_damage_block;
	bool matches_ram;         /* the media holds exactly what is served */
	/* What is wrong, in a sentence ("variable store damaged at RPMB block 1234:
	 * ..."), or why the check could not run; "" when there is nothing to say.
	 * Printable text only (no control characters). */
	char detail[TV_STORE_DETAIL_MAX];
};

/* Verifies the whole store on its device again, read-only, and compares it
 * with what the secure core serves. 0 when the check ran (*out says what it
 * found: a damaged store is 0 too), else -errno: -EINVAL, -ENOTSUP (as for
 * tv_transport_store_info), -EUCLEAN (the store cannot be read as a teevar
 * store at all), -EIO, -ENOMEM, and over unix: -EACCES (teevard refused: no
 * read access), -ECONNRESET. On a failure after the check started,
 * out->detail may say why. */
int tv_transport_store_check(const struct tv_transport *t, struct tv_store_check_report *out);

/* What an explicit recovery did. */
struct tv_store_recovery {
	uint32_t kept_vars;          /* variables that verified and are kept */
	uint32_t damage_count;       /* damaged places given up */
	uint32_t first_damage_block; /* RPMB block of the first of them */
};

/* Explicit recovery of a damaged store: keeps every variable that verifies,
 * gives up the damaged records for good, and allows writes again. 0, or
 * -ENOENT (the store is not damaged: nothing to recover), -EINVAL, -ENOTSUP,
 * -EIO, -ENOMEM, -ENOSPC, -EROFS (write counter expired), and over unix:
 * -EACCES (teevard refused: no write access), -ECONNRESET. */
int tv_transport_store_recover(const struct tv_transport *t, struct tv_store_recovery *out);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A client of teevard --rpmb rpc that plays the caller's normal world: it
 * sends RPC_ENABLE, makes requests (as a tv_transport, so the client library
 * runs on it), and while it waits for an answer it serves teevard's TVD_OP_RPC
 * frames from an RPMB device in this process, the way the guest's
 * tee-supplicant 3.19 serves them (optionally with its quirks: writes of more
 * than one frame refused, the block count of read answers in host order).
 * On demand it misbehaves: answers with errors, wrong frames or sizes,
 * garbage, late or never, and forges, replays or reorders RPMB frames. Except
 * DOWN and REPLAY, an attack carries the request to the device first: it
 * landed, only its answer is lost or altered.
 */
#ifndef RPC_PEER_H
#define RPC_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <teevar/tee.h>

#include "rpmb_dev.h"

/* What an attacked RPC gets. */
enum rpcp_mode {
	RPCP_HONEST,
	RPCP_DOWN,      /* TEE_ERROR_COMMUNICATION, the request dropped (no supplicant) */
	RPCP_SILENT,    /* never answered */
	RPCP_LATE,      /* the right answer, after late_ms */
	RPCP_WRONG_OP,  /* a STORE_INFO request instead of the answer */
	RPCP_SHORT,     /* success with one byte less than asked for */
	RPCP_LONG,      /* success with one byte more */
	RPCP_ERRDATA,   /* an error result that carries bytes (raw: the codec refuses it) */
	RPCP_GARBAGE,   /* random bytes */
	RPCP_HANGUP,    /* the connection closed */
	RPCP_FLIP,      /* a bit of the last frame flipped: its MAC does not hold */
	RPCP_REPLAY,    /* an earlier answer of the same kind and size, the request dropped
			 * (nothing to replay yet: served) */
	RPCP_REORDER,   /* first and last frames of a multi-frame answer swapped */
};

/* Kinds of RPC (targets of an attack). */
enum rpcp_kind {
	RPCP_PROBE = 0,   /* func 22 */
	RPCP_INFO = 1,    /* func 1, GET_DEV_INFO */
	RPCP_KEY = 2,     /* func 1, DATA_REQ with these request types */
	RPCP_COUNTER = 3,
	RPCP_WRITE = 4,
	RPCP_READ = 5,
	RPCP_OTHER = 6,
	RPCP_KINDS = 7,
	RPCP_ANY = -1,
};

struct rpcp_config {
	struct rpmb_dev dev;        /* the device served (not owned) */
	bool send_enable;           /* say RPC_ENABLE on connect (default in tests: true) */
	uint32_t probe_ret;         /* the answer to func 22 */
	bool debian;                /* tee-supplicant 3.19's emulation: >1 write frame refused */
	const uint8_t *read_key;    /* with debian: re-sign read answers with the block
				     * count in host order (the RPMB key), NULL: leave it */
	int timeout_ms;             /* a round trip; 0: 30000 */
};

struct rpc_peer;

/* Connects to teevard's socket (and says RPC_ENABLE when asked): 0 or -1. */
int rpcp_connect(const char *sock, const struct rpcp_config *cfg, struct rpc_peer **out);
void rpcp_free(struct rpc_peer *p);

/* The next `count` RPCs of `kind` (RPCP_ANY: all kinds) after `skip` of them
 * get `mode`; count 0: all of them. Resets the earlier attack. */
void rpcp_attack(struct rpc_peer *p, enum rpcp_mode mode, int kind, unsigned skip,
		 unsigned count);
void rpcp_set_late_ms(struct rpc_peer *p, int ms);

/* RPCs served (answered or not) per kind, attacks made, write requests
 * refused for carrying more than one frame. */
unsigned rpcp_seen(const struct rpc_peer *p, enum rpcp_kind kind);
unsigned rpcp_attacks(const struct rpc_peer *p);
unsigned rpcp_multi_frame_writes(const struct rpc_peer *p);
/* teevard closed the connection (seen after an answer). */
bool rpcp_closed(struct rpc_peer *p);

/* One raw request: sends the frame (freed), serves RPCs until the answer to op
 * comes; 0 with the body (malloc'ed, NULL when empty), or -1. */
int rpcp_request(struct rpc_peer *p, uint8_t *frame, size_t len, uint16_t op, uint8_t **body,
		 size_t *blen);

/* The peer as a transport for tv_client_open (which then owns the peer). */
void rpcp_transport(struct rpc_peer *p, struct tv_transport *out);

#endif

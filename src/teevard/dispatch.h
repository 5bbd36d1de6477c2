/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One request, one answer: OPEN_SESSION, INVOKE, CLOSE_SESSION, STORE_INFO,
 * STORE_CHECK, STORE_RECOVER against the secure core, after the access check,
 * and RPC_ENABLE. Anything the secure core
 * must not see (undecodable bodies, sessions of other connections, refused
 * requests) is answered by teevard itself with origin TEE_ORIGIN_COMMS.
 */
#ifndef TVD_DISPATCH_H
#define TVD_DISPATCH_H

#include "access.h"
#include "config.h"
#include "conn.h"
#include "rpc_route.h"
#include "secure_core.h"

struct tvd_service {
	struct tv_secure *sec;
	const struct tvd_policy *policy;
	const struct tvd_config *cfg;
	/* --rpmb rpc: the device goes through the requesting client (NULL otherwise).
	 * The store is then mounted by the first OPEN_SESSION of a connection that
	 * sent RPC_ENABLE; until then sessions, STORE_INFO, STORE_CHECK and
	 * STORE_RECOVER answer TVD_TEE_ERROR_STORAGE_NOT_AVAILABLE. */
	struct tvd_rpc_route *rpc;
	unsigned clients;   /* connections open now (the server keeps it; STORE_INFO layout 4) */
};

/* Answers the whole request frame in c (queued on c). */
void tvd_dispatch(struct tvd_service *s, struct tvd_conn *c);
/* Answers a framing error with an ERROR frame; the connection closes after it. */
void tvd_answer_framing_error(struct tvd_conn *c, uint32_t result);
/* Closes every session c opened (its connection is going away). */
void tvd_drop_sessions(struct tvd_service *s, struct tvd_conn *c);

#endif

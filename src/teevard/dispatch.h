/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One request, one answer: OPEN_SESSION, INVOKE, CLOSE_SESSION and STORE_INFO
 * against the secure core, after the access check. Anything the secure core
 * must not see (undecodable bodies, sessions of other connections, refused
 * requests) is answered by teevard itself with origin TEE_ORIGIN_COMMS.
 */
#ifndef TVD_DISPATCH_H
#define TVD_DISPATCH_H

#include "access.h"
#include "conn.h"
#include "secure_core.h"

struct tvd_service {
	struct tv_secure *sec;
	const struct tvd_policy *policy;
};

/* Answers the whole request frame in c (queued on c). */
void tvd_dispatch(struct tvd_service *s, struct tvd_conn *c);
/* Answers a framing error with an ERROR frame; the connection closes after it. */
void tvd_answer_framing_error(struct tvd_conn *c, uint32_t result);
/* Closes every session c opened (its connection is going away). */
void tvd_drop_sessions(struct tvd_service *s, struct tvd_conn *c);

#endif

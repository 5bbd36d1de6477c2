/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The messages on /dev/teevar-vtee (kernel/teevar-vtee/teevar_vtee.h, the
 * contract): a struct tvv_msg in the CPU's byte order, then the memref bytes the
 * message carries, in parameter order.
 *
 *   request  (kernel -> bridge): MEMREF_INPUT and MEMREF_INOUT carry a bytes;
 *   response (bridge -> kernel): when ret == 0, MEMREF_OUTPUT and MEMREF_INOUT
 *                                carry a bytes; otherwise nothing is carried.
 *
 * Decoding checks a message completely: magic, version, op (and its response
 * bit), num_params, the parameters' reserved fields and types, b and c of
 * memrefs zero, the carried sizes summing to payload_len <= TVV_MAX_PAYLOAD,
 * and the length TVV_MSG_SIZE + payload_len exactly. Decoded data points into
 * the buffer given. The bridge decodes requests and encodes responses; the
 * other direction is what the kernel module does (tests use it).
 *
 * RPCs (TVV_OP_RPC, bridge -> kernel during a request, and the kernel's answer)
 * have their own codec below: the generic one refuses their op.
 */
#ifndef VTEE_MSG_H
#define VTEE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "teevar_vtee.h"

/* A message: its header and, per parameter, the bytes it carries (or NULL). */
struct vtee_view {
	struct tvv_msg m;
	const uint8_t *data[TVV_NUM_PARAMS];
};

/* Does parameter i of m carry bytes (direction from m->op's response bit)? */
bool vtee_carries(const struct tvv_msg *m, unsigned int i);
bool vtee_attr_known(uint32_t attr);
bool vtee_attr_memref(uint32_t attr);

/* TV_OK, or TV_EINVAL for anything that breaks the rules above; response says
 * which direction is expected. */
int vtee_decode(const uint8_t *buf, size_t len, bool response, struct vtee_view *out);

/* The id and op of a message whose header is at least readable (magic and
 * version right, TVV_MSG_SIZE bytes there), so that a broken request can still
 * be answered. */
bool vtee_peek(const uint8_t *buf, size_t len, uint32_t *id, uint16_t *op);

/* Encodes v (payload_len is computed here from the parameters; the direction
 * comes from v->m.op) into a malloc'ed buffer. TV_OK, TV_EINVAL (rules broken,
 * carried data missing) or TV_ENOMEM. */
int vtee_encode(const struct vtee_view *v, uint8_t **out, size_t *len);

/*
 * An RPC of the secure core for the kernel request id (an OPEN_SESSION or
 * INVOKE still waiting), which the kernel hands to the supplicant:
 *
 *   request (bridge -> kernel): op TVV_OP_RPC, id, session, func, uuid and
 *     login as the kernel request's (or zero), ret = ret_origin = 0;
 *     params[0] {MEMREF_INPUT, a = in_len}, params[1] {MEMREF_OUTPUT, a =
 *     out_len, the room for the answer}, params[2..3] all zero; payload: the
 *     in_len bytes.
 *   answer (kernel -> bridge): op TVV_OP_RPC | TVV_RESPONSE, id, session
 *     and func echoed (uuid and login: whatever the module gives), ret and
 *     ret_origin the result; params[0] echoed; params[1] {MEMREF_OUTPUT, a = the bytes carried, 0 unless ret
 *     is 0}; payload: those bytes.
 *
 * Decoding is strict: every field above, b and c of both memrefs zero, sizes
 * at most TVV_MAX_PAYLOAD, payload_len and the length exact. Whether an
 * answer fits its request (same id, session, func and in_len, no more bytes
 * than out_len) is the caller's check. data points into the buffer given.
 */
struct vtee_rpc {
	uint32_t id, session, func;
	uint32_t ret, ret_origin;     /* answer only */
	uint8_t uuid[16];
	uint32_t login;
	uint32_t in_len;              /* params[0].a */
	uint32_t out_len;             /* params[1].a: request: the room; answer: the bytes */
	const uint8_t *data;          /* request: in_len bytes; answer: out_len bytes */
};

/* TV_OK, TV_EINVAL (rules broken, data missing) or TV_ENOMEM; *out malloc'ed. */
int vtee_rpc_encode(const struct vtee_rpc *r, bool answer, uint8_t **out, size_t *len);
/* TV_OK or TV_EINVAL. */
int vtee_rpc_decode(const uint8_t *buf, size_t len, bool answer, struct vtee_rpc *out);

#endif

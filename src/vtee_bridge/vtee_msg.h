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

#endif

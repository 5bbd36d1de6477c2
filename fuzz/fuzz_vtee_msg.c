/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness: the /dev/teevar-vtee message codec (vtee_msg.h), which
 * teevar-vtee-bridge runs on every request the kernel module queues, and its
 * RPC messages (the bridge's RPC requests, the module's answers). Input byte 0
 * picks the codec (bit 1: RPC) and the direction (bit 0: response / answer),
 * the rest is the message. A message that decodes must encode again to the
 * same bytes; vtee_peek must agree with a successful decode; the two codecs
 * never both accept a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tv_err.h"
#include "vtee_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rpc(const uint8_t *msg, size_t len, bool answer, bool peeked, uint32_t id,
		      uint16_t op)
{
	struct vtee_rpc r;
	if (vtee_rpc_decode(msg, len, answer, &r) != TV_OK)
		return;
	struct vtee_view v;
	if (!peeked || id != r.id || op != (answer ? (TVV_OP_RPC | TVV_RESPONSE) : TVV_OP_RPC) ||
	    vtee_decode(msg, len, answer, &v) == TV_OK)
		__builtin_trap();
	uint8_t *out = NULL;
	size_t out_len = 0;
	int rc = vtee_rpc_encode(&r, answer, &out, &out_len);
	if (rc == TV_OK && (out_len != len || memcmp(out, msg, len) != 0))
		__builtin_trap();
	if (rc != TV_OK && rc != TV_ENOMEM)
		__builtin_trap();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool response = data[0] & 1;
	size_t len = size - 1;
	/* An exact-size heap copy so that ASan sees any read past the message. */
	uint8_t *msg = malloc(len ? len : 1);
	if (!msg)
		return 0;
	memcpy(msg, data + 1, len);

	uint32_t id;
	uint16_t op;
	bool peeked = vtee_peek(msg, len, &id, &op);
	if (data[0] & 2) {
		check_rpc(msg, len, response, peeked, id, op);
		free(msg);
		return 0;
	}
	struct vtee_view v;
	if (vtee_decode(msg, len, response, &v) == TV_OK) {
		if (!peeked || id != v.m.id || op != v.m.op)
			__builtin_trap();
		uint8_t *out = NULL;
		size_t out_len = 0;
		int rc = vtee_encode(&v, &out, &out_len);
		if (rc == TV_OK && (out_len != len || memcmp(out, msg, len) != 0))
			__builtin_trap();
		if (rc != TV_OK && rc != TV_ENOMEM)
			__builtin_trap(); /* a decoded message must encode */
		free(out);
	}
	free(msg);
	return 0;
}

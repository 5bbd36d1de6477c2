/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness: the OP-TEE RPMB RPC decoders (rpmb_rpc.h) and the
 * teevar-supplicant socket headers (supp_wire.h): what teevard's supplicant
 * route and teevar-supplicant read from each other.
 *
 * Input byte 0 picks the decoder; for rpmb_rpc_req_decode bytes 1..4 give
 * out_len (LE u32, reduced to a small range) and the rest is memref[0].
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rpmb_frame.h"
#include "rpmb_rpc.h"
#include "supp_wire.h"
#include "tv_bytes.h"
#include "tv_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);
	if (b && n)
		memcpy(b, p, n);
	return b;
}

static void fuzz_req_decode(const uint8_t *data, size_t size)
{
	if (size < 4)
		return;
	uint32_t v = tv_get_le32(data);
	/* Mostly multiples of a frame (the shapes that can decode), sometimes any. */
	size_t out_len = (v & 0x80000000u) ? (v & 0xFFFFFu)
					   : (size_t)(v % (RPMB_RPC_MAX_FRAMES + 2)) * RPMB_FRAME_SIZE;
	if ((v & 0x40000000u) && !(v & 0x80000000u))
		out_len = RPMB_RPC_DEV_INFO_SIZE;
	uint16_t dev_id = (uint16_t)((v >> 20) & 1);
	size_t in_len = size - 4;
	uint8_t *in = dup_exact(data + 4, in_len);
	if (!in)
		return;
	struct rpmb_rpc_req req;
	int rc = rpmb_rpc_req_decode(in, in_len, out_len, dev_id, &req);
	if (rc == TV_OK) {
		/* What the decoder promises: the frames lie inside the message. */
		if (req.cmd == RPMB_RPC_CMD_DATA_REQ) {
			if (req.block_count < 1 || req.block_count > RPMB_RPC_MAX_FRAMES ||
			    in_len != RPMB_RPC_REQ_HDR_SIZE + (size_t)req.block_count * RPMB_FRAME_SIZE ||
			    req.frames != in + RPMB_RPC_REQ_HDR_SIZE || req.nresp < 1 ||
			    req.nresp > RPMB_RPC_MAX_FRAMES || out_len != req.nresp * RPMB_FRAME_SIZE)
				__builtin_trap();
			/* Touch every frame so ASan checks the bounds. */
			volatile uint8_t sink = 0;
			for (size_t i = 0; i < req.block_count; i++)
				sink ^= req.frames[i * RPMB_FRAME_SIZE + RPMB_FRAME_SIZE - 1];
			(void)sink;
		} else if (req.cmd == RPMB_RPC_CMD_GET_DEV_INFO) {
			if (in_len != RPMB_RPC_REQ_HDR_SIZE || out_len != RPMB_RPC_DEV_INFO_SIZE)
				__builtin_trap();
		} else {
			__builtin_trap();
		}
		uint8_t hdr[RPMB_RPC_REQ_HDR_SIZE];
		rpmb_rpc_req_encode(req.cmd, req.dev_id, req.block_count, hdr);
		if (memcmp(hdr, in, sizeof(hdr)) != 0)
			__builtin_trap();
	}
	free(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	data++;
	size--;
	switch (sel % 5) {
	case 0:
		fuzz_req_decode(data, size);
		break;
	case 1: { /* the shape check alone, on a frame list */
		if (size < 2)
			break;
		size_t nresp = data[0];
		size_t nreq = (size - 1) / RPMB_FRAME_SIZE;
		if (nreq == 0)
			break;
		uint8_t *req = dup_exact(data + 1, nreq * RPMB_FRAME_SIZE);
		if (req) {
			(void)rpmb_rpc_check_shape(req, nreq, nresp);
			free(req);
		}
		break;
	}
	case 2: {
		if (size < RPMB_RPC_DEV_INFO_SIZE)
			break;
		uint8_t *in = dup_exact(data, RPMB_RPC_DEV_INFO_SIZE);
		if (!in)
			break;
		struct rpmb_dev_info info;
		if (rpmb_rpc_dev_info_decode(in, &info) == TV_OK) {
			uint8_t out[RPMB_RPC_DEV_INFO_SIZE];
			rpmb_rpc_dev_info_encode(&info, RPMB_RPC_DEV_INFO_OK, out);
			if (memcmp(out, in, sizeof(out)) != 0)
				__builtin_trap();
		}
		free(in);
		break;
	}
	case 3: {
		if (size < SUPP_REQ_HDR_SIZE)
			break;
		uint8_t *in = dup_exact(data, SUPP_REQ_HDR_SIZE);
		if (!in)
			break;
		struct supp_req_hdr h;
		if (supp_req_hdr_decode(in, &h) == TV_OK) {
			if (h.magic != SUPP_MAGIC || h.cmd != SUPP_CMD_RPMB ||
			    h.in_len < RPMB_RPC_REQ_HDR_SIZE || h.in_len > SUPP_MAX_IN ||
			    h.out_len > SUPP_MAX_OUT)
				__builtin_trap();
			uint8_t out[SUPP_REQ_HDR_SIZE];
			supp_req_hdr_encode(&h, out);
			if (memcmp(out, in, sizeof(out)) != 0)
				__builtin_trap();
		}
		free(in);
		break;
	}
	case 4: {
		if (size < SUPP_RESP_HDR_SIZE + 4)
			break;
		uint32_t req_out_len = tv_get_le32(data);
		if (!(req_out_len & 0x80000000u))
			req_out_len %= SUPP_MAX_OUT + 1;
		uint8_t *in = dup_exact(data + 4, SUPP_RESP_HDR_SIZE);
		if (!in)
			break;
		struct supp_resp_hdr h;
		int rc = supp_resp_hdr_decode(in, req_out_len, &h);
		if (rc == TV_OK && h.out_len != req_out_len)
			__builtin_trap();
		if (rc == TV_EDEVICE && h.out_len != 0)
			__builtin_trap();
		if (rc == TV_OK || rc == TV_EDEVICE) {
			uint8_t out[SUPP_RESP_HDR_SIZE];
			supp_resp_hdr_encode(&h, out);
			if (memcmp(out, in, sizeof(out)) != 0)
				__builtin_trap();
		}
		free(in);
		break;
	}
	}
	return 0;
}

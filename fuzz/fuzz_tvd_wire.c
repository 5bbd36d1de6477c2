/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness: every decoder of teevard's socket protocol (tvd_wire.h),
 * RPC frames included.
 * Input byte 0 picks the decoder, the rest is the frame body (or the header).
 * A body that decodes is encoded again and must come out byte for byte the same
 * (the codec is canonical: every byte accounted for), and decode again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tv_err.h"
#include "tvd_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The re-encoded frame must equal header(op, len) + the original body. */
static void check_same(int rc, const struct tvd_frame *f, uint16_t op, const uint8_t *body,
		       size_t len)
{
	if (rc != TV_OK) {
		if (rc != TV_ENOMEM)
			__builtin_trap(); /* a decoded message must encode */
		return;
	}
	struct tvd_hdr h;
	if (f->len != TVD_HDR_SIZE + len || tvd_hdr_decode(f->buf, &h) != TV_OK || h.op != op ||
	    h.length != len || memcmp(f->buf + TVD_HDR_SIZE, body, len) != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	size_t len = size - 1;
	/* An exact-size heap copy so that ASan sees any read past the body. */
	uint8_t *body = malloc(len ? len : 1);
	if (!body)
		return 0;
	memcpy(body, data + 1, len);
	struct tvd_frame f = {0};
	int rc;

	switch (sel % 13) {
	case 0: {
		if (len < TVD_HDR_SIZE)
			break;
		struct tvd_hdr h;
		if (tvd_hdr_decode(body, &h) == TV_OK) {
			uint8_t out[TVD_HDR_SIZE];
			tvd_hdr_encode(out, h.op, h.length);
			if (memcmp(out, body, TVD_HDR_SIZE) != 0 || h.length > TVD_MAX_BODY)
				__builtin_trap();
		}
		break;
	}
	case 1: {
		struct tvd_open_req r;
		if (tvd_dec_open_req(body, len, &r) == TV_OK) {
			rc = tvd_enc_open_req(&r, &f);
			check_same(rc, &f, TVD_OP_OPEN_SESSION, body, len);
		}
		break;
	}
	case 2: {
		struct tvd_invoke_req r;
		if (tvd_dec_invoke_req(body, len, &r) == TV_OK) {
			for (int i = 0; i < TV_TEE_NUM_PARAMS; i++)
				if (!tvd_param_type_known(r.params[i].type))
					__builtin_trap();
			rc = tvd_enc_invoke_req(&r, &f);
			check_same(rc, &f, TVD_OP_INVOKE, body, len);
		}
		break;
	}
	case 3: {
		uint32_t session;
		if (tvd_dec_close_req(body, len, &session) == TV_OK) {
			rc = tvd_enc_close_req(session, &f);
			check_same(rc, &f, TVD_OP_CLOSE_SESSION, body, len);
		}
		break;
	}
	case 4: {
		struct tvd_info_req r;
		if (tvd_dec_info_req(body, len, &r) == TV_OK) {
			rc = tvd_enc_info_req(&r, &f);
			check_same(rc, &f, TVD_OP_STORE_INFO, body, len);
		}
		break;
	}
	case 5: {
		struct tvd_status st;
		if (tvd_dec_status(body, len, &st) == TV_OK) {
			uint16_t op = (uint16_t)(TVD_RESPONSE | TVD_OP_CLOSE_SESSION);
			rc = tvd_enc_status(op, &st, &f);
			check_same(rc, &f, op, body, len);
		}
		break;
	}
	case 6: {
		struct tvd_open_resp r;
		if (tvd_dec_open_resp(body, len, &r) == TV_OK) {
			rc = tvd_enc_open_resp(&r, &f);
			check_same(rc, &f, TVD_RESPONSE | TVD_OP_OPEN_SESSION, body, len);
		}
		break;
	}
	case 7: {
		struct tvd_invoke_resp r;
		if (tvd_dec_invoke_resp(body, len, &r) == TV_OK) {
			rc = tvd_enc_invoke_resp(&r, &f);
			check_same(rc, &f, TVD_RESPONSE | TVD_OP_INVOKE, body, len);
		}
		break;
	}
	case 8: {
		struct tvd_info_resp r;
		if (tvd_dec_info_resp(body, len, &r) == TV_OK) {
			rc = tvd_enc_info_resp(&r, &f);
			check_same(rc, &f, TVD_RESPONSE | TVD_OP_STORE_INFO, body, len);
		}
		break;
	}
	case 9: {
		struct tvd_check_resp r;
		if (tvd_dec_check_resp(body, len, &r) == TV_OK) {
			rc = tvd_enc_check_resp(&r, &f);
			check_same(rc, &f, TVD_RESPONSE | TVD_OP_STORE_CHECK, body, len);
		}
		break;
	}
	case 10: {
		struct tvd_recover_resp r;
		if (tvd_dec_recover_resp(body, len, &r) == TV_OK) {
			rc = tvd_enc_recover_resp(&r, &f);
			check_same(rc, &f, TVD_RESPONSE | TVD_OP_STORE_RECOVER, body, len);
		}
		break;
	}
	case 11: {
		struct tvd_rpc_req r;
		if (tvd_dec_rpc_req(body, len, &r) == TV_OK) {
			rc = tvd_enc_rpc_req(&r, &f);
			check_same(rc, &f, TVD_OP_RPC, body, len);
		}
		break;
	}
	case 12: {
		struct tvd_rpc_resp r;
		if (tvd_dec_rpc_resp(body, len, &r) == TV_OK) {
			rc = tvd_enc_rpc_resp(&r, &f);
			check_same(rc, &f, TVD_RESPONSE | TVD_OP_RPC, body, len);
		}
		break;
	}
	}
	tvd_frame_free(&f);
	free(body);
	return 0;
}

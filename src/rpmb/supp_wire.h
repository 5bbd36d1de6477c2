/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The teevar-supplicant socket framing (docs/supplicant.md): it carries OP-TEE
 * RPC messages (rpmb_rpc.h) between teevard and the supplicant. One request,
 * then its response; integers little-endian.
 *
 *   request:  u32 magic "TVSP", u32 cmd (1 = RPMB), u32 in_len, u32 out_len,
 *             then in_len bytes (memref[0]); out_len is the size of memref[1]
 *   response: u32 result (TEE result code), u32 out_len, then out_len bytes:
 *             exactly the request's out_len on TEE_SUCCESS, 0 otherwise
 */
#ifndef SUPP_WIRE_H
#define SUPP_WIRE_H

#include <stdint.h>

#include "rpmb_rpc.h"

#define SUPP_MAGIC 0x50535654u /* "TVSP" as little-endian bytes */
#define SUPP_CMD_RPMB 1u       /* OPTEE_RPC_CMD_RPMB */
#define SUPP_REQ_HDR_SIZE 16u
#define SUPP_RESP_HDR_SIZE 8u
#define SUPP_MAX_IN RPMB_RPC_MAX_IN
#define SUPP_MAX_OUT RPMB_RPC_MAX_OUT

struct supp_req_hdr {
	uint32_t magic;
	uint32_t cmd;
	uint32_t in_len;
	uint32_t out_len;
};

struct supp_resp_hdr {
	uint32_t result;
	uint32_t out_len;
};

void supp_req_hdr_encode(const struct supp_req_hdr *h, uint8_t out[SUPP_REQ_HDR_SIZE]);
/* Fills h and checks it: magic, cmd, 6 <= in_len <= SUPP_MAX_IN, out_len <=
 * SUPP_MAX_OUT. Returns 0, TV_EINVAL (malformed) or TV_ERANGE (unknown cmd). */
int supp_req_hdr_decode(const uint8_t in[SUPP_REQ_HDR_SIZE], struct supp_req_hdr *h);

void supp_resp_hdr_encode(const struct supp_resp_hdr *h, uint8_t out[SUPP_RESP_HDR_SIZE]);
/* Fills h and checks it against the request's out_len: TV_OK (success, out_len
 * bytes follow), TV_EDEVICE (a well-formed error answer, nothing follows) or
 * TV_EINVAL (any other shape). */
int supp_resp_hdr_decode(const uint8_t in[SUPP_RESP_HDR_SIZE], uint32_t req_out_len,
			 struct supp_resp_hdr *h);

#endif

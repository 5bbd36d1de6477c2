/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * OP-TEE's legacy RPMB RPC (OPTEE_RPC_CMD_RPMB): the message a supplicant serves.
 *
 *   memref[0] IN:  struct rpmb_req { u16 cmd; u16 dev_id; u16 block_count; }
 *                  (6 bytes, little-endian as on every OP-TEE platform), followed
 *                  for DATA_REQ by block_count request frames of 512 bytes.
 *   memref[1] OUT: DATA_REQ: the response frames (count = size / 512);
 *                  GET_DEV_INFO: struct rpmb_dev_info { u8 cid[16];
 *                  u8 rpmb_size_mult; u8 rel_wr_sec_c; u8 ret_code; } (19 bytes).
 *
 * teevar puts the number of request frames in block_count (0 for GET_DEV_INFO)
 * and requires it on decode; OP-TEE's own core leaves the field unset and
 * tee-supplicant ignores it. Frame contents are not checked here: the secure
 * side verifies them, the device rejects what it does not accept.
 */
#ifndef RPMB_RPC_H
#define RPMB_RPC_H

#include <stddef.h>
#include <stdint.h>

#include "rpmb_dev.h"

#define RPMB_RPC_CMD_DATA_REQ 0u
#define RPMB_RPC_CMD_GET_DEV_INFO 1u

#define RPMB_RPC_REQ_HDR_SIZE 6u
#define RPMB_RPC_DEV_INFO_SIZE 19u
#define RPMB_RPC_DEV_INFO_OK 0u
#define RPMB_RPC_DEV_INFO_ERROR 1u

/* Frames per direction in one message: a 128 KiB read or the largest reliable
 * write (2 x 255 blocks) fit; more is refused. */
#define RPMB_RPC_MAX_FRAMES 512u
#define RPMB_RPC_MAX_IN (RPMB_RPC_REQ_HDR_SIZE + RPMB_RPC_MAX_FRAMES * RPMB_FRAME_SIZE)
#define RPMB_RPC_MAX_OUT (RPMB_RPC_MAX_FRAMES * RPMB_FRAME_SIZE)

struct rpmb_rpc_req {
	uint16_t cmd;
	uint16_t dev_id;
	uint16_t block_count;
	const uint8_t *frames; /* DATA_REQ: block_count frames, inside the message */
	size_t nresp;          /* DATA_REQ: response frames the OUT buffer holds */
};

void rpmb_rpc_req_encode(uint16_t cmd, uint16_t dev_id, uint16_t block_count,
			 uint8_t out[RPMB_RPC_REQ_HDR_SIZE]);

/*
 * Decodes memref[0] (in, in_len) given the size of memref[1] (out_len):
 *   DATA_REQ:     in_len == 6 + 512 x block_count, 1 <= block_count <= max,
 *                 out_len == 512 x nresp, 1 <= nresp <= max, and the counts fit
 *                 the first frame's request type (rpmb_rpc_check_shape);
 *   GET_DEV_INFO: in_len == 6, block_count == 0, out_len == 19.
 * Returns 0, TV_EINVAL (malformed) or TV_ENOENT (dev_id is not `dev_id`).
 */
int rpmb_rpc_req_decode(const uint8_t *in, size_t in_len, size_t out_len, uint16_t dev_id,
			struct rpmb_rpc_req *req);

/* The sequences of rpmb_dev.h: program key, counter read (1 in, 1 out), write
 * (n in, 1 out), read (1 in, n out). 0 or TV_EINVAL. */
int rpmb_rpc_check_shape(const uint8_t *req, size_t nreq, size_t nresp);

void rpmb_rpc_dev_info_encode(const struct rpmb_dev_info *info, uint8_t ret_code,
			      uint8_t out[RPMB_RPC_DEV_INFO_SIZE]);
/* 0 with info filled; TV_EIO when ret_code says error; TV_EINVAL for any other
 * ret_code (info untouched in both cases). */
int rpmb_rpc_dev_info_decode(const uint8_t in[RPMB_RPC_DEV_INFO_SIZE], struct rpmb_dev_info *info);

#endif

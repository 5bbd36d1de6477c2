/* SPDX-License-Identifier: BSD-2-Clause */
#include "rpmb_rpc.h"

#include <string.h>

#include "tv_bytes.h"
#include "tv_err.h"

void rpmb_rpc_req_encode(uint16_t cmd, uint16_t dev_id, uint16_t block_count,
			 uint8_t out[RPMB_RPC_REQ_HDR_SIZE])
{
	tv_put_le16(out, cmd);
	tv_put_le16(out + 2, dev_id);
	tv_put_le16(out + 4, block_count);
}

int rpmb_rpc_check_shape(const uint8_t *req, size_t nreq, size_t nresp)
{
	if (!req || nreq == 0 || nresp == 0 || nreq > RPMB_RPC_MAX_FRAMES ||
	    nresp > RPMB_RPC_MAX_FRAMES)
		return TV_EINVAL;
	switch (rpmb_frame_type(req)) {
	case RPMB_REQ_PROGRAM_KEY:
	case RPMB_REQ_READ_COUNTER:
		return nreq == 1 && nresp == 1 ? TV_OK : TV_EINVAL;
	case RPMB_REQ_WRITE:
		return nresp == 1 ? TV_OK : TV_EINVAL;
	case RPMB_REQ_READ:
		return nreq == 1 ? TV_OK : TV_EINVAL;
	default:
		return TV_EINVAL;
	}
}

static int decode_data_req(const uint8_t *in, size_t in_len, size_t out_len,
			   struct rpmb_rpc_req *req)
{
	size_t n = req->block_count;
	if (n == 0 || n > RPMB_RPC_MAX_FRAMES ||
	    in_len != RPMB_RPC_REQ_HDR_SIZE + n * RPMB_FRAME_SIZE)
		return TV_EINVAL;
	if (out_len == 0 || out_len % RPMB_FRAME_SIZE != 0 || out_len > RPMB_RPC_MAX_OUT)
		return TV_EINVAL;
	req->frames = in + RPMB_RPC_REQ_HDR_SIZE;
	req->nresp = out_len / RPMB_FRAME_SIZE;
	return rpmb_rpc_check_shape(req->frames, n, req->nresp);
}

int rpmb_rpc_req_decode(const uint8_t *in, size_t in_len, size_t out_len, uint16_t dev_id,
			struct rpmb_rpc_req *req)
{
	struct rpmb_rpc_req r = {0};
	if (!in || !req || in_len < RPMB_RPC_REQ_HDR_SIZE || in_len > RPMB_RPC_MAX_IN)
		return TV_EINVAL;
	r.cmd = tv_get_le16(in);
	r.dev_id = tv_get_le16(in + 2);
	r.block_count = tv_get_le16(in + 4);
	int rc;
	switch (r.cmd) {
	case RPMB_RPC_CMD_DATA_REQ:
		rc = decode_data_req(in, in_len, out_len, &r);
		break;
	case RPMB_RPC_CMD_GET_DEV_INFO:
		rc = in_len == RPMB_RPC_REQ_HDR_SIZE && r.block_count == 0 &&
				     out_len == RPMB_RPC_DEV_INFO_SIZE
			     ? TV_OK
			     : TV_EINVAL;
		break;
	default:
		rc = TV_EINVAL;
	}
	if (rc == TV_OK && r.dev_id != dev_id)
		rc = TV_ENOENT;
	if (rc == TV_OK)
		*req = r;
	return rc;
}

void rpmb_rpc_dev_info_encode(const struct rpmb_dev_info *info, uint8_t ret_code,
			      uint8_t out[RPMB_RPC_DEV_INFO_SIZE])
{
	memcpy(out, info->cid, RPMB_CID_SIZE);
	out[16] = info->size_mult;
	out[17] = info->rel_wr_sec_c;
	out[18] = ret_code;
}

int rpmb_rpc_dev_info_decode(const uint8_t in[RPMB_RPC_DEV_INFO_SIZE], struct rpmb_dev_info *info)
{
	if (in[18] == RPMB_RPC_DEV_INFO_ERROR)
		return TV_EIO;
	if (in[18] != RPMB_RPC_DEV_INFO_OK)
		return TV_EINVAL;
	memcpy(info->cid, in, RPMB_CID_SIZE);
	info->size_mult = in[16];
	info->rel_wr_sec_c = in[17];
	return TV_OK;
}

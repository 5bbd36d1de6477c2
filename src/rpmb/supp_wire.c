/* SPDX-License-Identifier: BSD-2-Clause */
#include "supp_wire.h"

#include <teevar/tee.h>

#include "tv_bytes.h"
#include "tv_err.h"

void supp_req_hdr_encode(const struct supp_req_hdr *h, uint8_t out[SUPP_REQ_HDR_SIZE])
{
	tv_put_le32(out, h->magic);
	tv_put_le32(out + 4, h->cmd);
	tv_put_le32(out + 8, h->in_len);
	tv_put_le32(out + 12, h->out_len);
}

int supp_req_hdr_decode(const uint8_t in[SUPP_REQ_HDR_SIZE], struct supp_req_hdr *h)
{
	h->magic = tv_get_le32(in);
	h->cmd = tv_get_le32(in + 4);
	h->in_len = tv_get_le32(in + 8);
	h->out_len = tv_get_le32(in + 12);
	if (h->magic != SUPP_MAGIC)
		return TV_EINVAL;
	if (h->cmd != SUPP_CMD_RPMB)
		return TV_ERANGE;
	if (h->in_len < RPMB_RPC_REQ_HDR_SIZE || h->in_len > SUPP_MAX_IN ||
	    h->out_len > SUPP_MAX_OUT)
		return TV_EINVAL;
	return TV_OK;
}

void supp_resp_hdr_encode(const struct supp_resp_hdr *h, uint8_t out[SUPP_RESP_HDR_SIZE])
{
	tv_put_le32(out, h->result);
	tv_put_le32(out + 4, h->out_len);
}

int supp_resp_hdr_decode(const uint8_t in[SUPP_RESP_HDR_SIZE], uint32_t req_out_len,
			 struct supp_resp_hdr *h)
{
	h->result = tv_get_le32(in);
	h->out_len = tv_get_le32(in + 4);
	if (h->result == TEE_SUCCESS)
		return h->out_len == req_out_len ? TV_OK : TV_EINVAL;
	return h->out_len == 0 ? TV_EDEVICE : TV_EINVAL;
}

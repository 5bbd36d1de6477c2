/* SPDX-License-Identifier: BSD-2-Clause */
#include "supp_handler.h"

#include <teevar/tee.h>

#include "rpmb_rpc.h"
#include "sock_io.h"
#include "supp_wire.h"
#include "tv_err.h"

static void note(FILE *log, const char *what)
{
	if (log) {
		fprintf(log, "supplicant: %s\n", what);
		fflush(log);
	}
}

static int answer(int fd, uint32_t result, const uint8_t *out, uint32_t len, int64_t deadline)
{
	uint8_t hdr[SUPP_RESP_HDR_SIZE];
	struct supp_resp_hdr h = {.result = result, .out_len = len};
	supp_resp_hdr_encode(&h, hdr);
	struct iovec iov[2] = {
		{.iov_base = hdr, .iov_len = sizeof(hdr)},
		{.iov_base = (void *)(uintptr_t)out, .iov_len = len},
	};
	return sock_writev_full(fd, iov, 2, deadline);
}

/* Answers a malformed request with an error; the connection is dropped after. */
static enum supp_outcome refuse(int fd, uint32_t result, const char *why, int64_t deadline,
				FILE *log)
{
	note(log, why);
	answer(fd, result, NULL, 0, deadline);
	return SUPP_DROP;
}

static enum supp_outcome sent(int rc)
{
	return rc == TV_OK ? SUPP_KEEP : SUPP_DROP;
}

static enum supp_outcome serve(int fd, const struct rpmb_dev *dev, const struct rpmb_rpc_req *req,
			       const struct supp_bufs *b, int64_t deadline, FILE *log)
{
	if (req->cmd == RPMB_RPC_CMD_GET_DEV_INFO) {
		struct rpmb_dev_info info = {0};
		int rc = rpmb_dev_get_info(dev, &info);
		if (rc != TV_OK)
			note(log, "device information unavailable");
		rpmb_rpc_dev_info_encode(&info, rc == TV_OK ? RPMB_RPC_DEV_INFO_OK
							     : RPMB_RPC_DEV_INFO_ERROR, b->out);
		return sent(answer(fd, TEE_SUCCESS, b->out, RPMB_RPC_DEV_INFO_SIZE, deadline));
	}
	int rc = rpmb_dev_route(dev, req->frames, req->block_count, b->out, req->nresp);
	if (rc != TV_OK) {
		note(log, "device request failed");
		return sent(answer(fd, TEE_ERROR_GENERIC, NULL, 0, deadline));
	}
	return sent(answer(fd, TEE_SUCCESS, b->out, (uint32_t)(req->nresp * RPMB_FRAME_SIZE),
			   deadline));
}

enum supp_outcome supp_handle_request(int fd, const struct rpmb_dev *dev,
				      const struct supp_bufs *b, int timeout_ms, FILE *log)
{
	int64_t deadline = sock_deadline(timeout_ms);
	uint8_t raw[SUPP_REQ_HDR_SIZE];
	int rc = sock_read_full(fd, raw, sizeof(raw), deadline);
	if (rc == TV_ENOENT)
		return SUPP_CLOSED;
	if (rc != TV_OK) {
		note(log, "incomplete request header: connection dropped");
		return SUPP_DROP;
	}
	struct supp_req_hdr h;
	rc = supp_req_hdr_decode(raw, &h);
	if (rc == TV_ERANGE)
		return refuse(fd, TEE_ERROR_NOT_SUPPORTED, "unknown command refused", deadline, log);
	if (rc != TV_OK)
		return refuse(fd, TEE_ERROR_BAD_PARAMETERS, "malformed request header refused",
			      deadline, log);
	if (sock_read_full(fd, b->in, h.in_len, deadline) != TV_OK) {
		note(log, "incomplete request: connection dropped");
		return SUPP_DROP;
	}
	struct rpmb_rpc_req req;
	rc = rpmb_rpc_req_decode(b->in, h.in_len, h.out_len, 0, &req);
	if (rc == TV_ENOENT)
		return refuse(fd, TEE_ERROR_ITEM_NOT_FOUND, "request for another device refused",
			      deadline, log);
	if (rc != TV_OK)
		return refuse(fd, TEE_ERROR_BAD_PARAMETERS, "malformed RPMB request refused",
			      deadline, log);
	return serve(fd, dev, &req, b, deadline, log);
}

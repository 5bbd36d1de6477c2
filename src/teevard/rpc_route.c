/* SPDX-License-Identifier: BSD-2-Clause */
#include "rpc_route.h"

#include <stdlib.h>
#include <string.h>

#include <teevar/tee.h>

#include "log.h"
#include "rpmb_rpc.h"
#include "sock_io.h"
#include "tv_err.h"
#include "tvd_wire.h"

enum probe_state {
	PROBE_NONE,   /* not answered yet (nothing mounted) */
	PROBE_LEGACY, /* refused (Debian's 3.19: NOT_SUPPORTED): legacy RPC 1 */
	PROBE_KERNEL, /* the in-kernel route offered: RPC 1 all the same */
};

struct tvd_rpc_route {
	int timeout_ms;
	struct tvd_rpc_peer *peer;
	uint64_t unattached;      /* device calls while no client carried RPCs */
	enum probe_state probe;
	uint8_t *in;              /* rpmb_req + request frames */
};

static int fail(struct tvd_rpc_peer *p, const char *why)
{
	p->failed = true;
	p->why = why;
	return TV_EIO;
}

/* The answer to the RPC just sent: TV_OK with *ret (and out_len bytes in out
 * when *ret is TEE_SUCCESS), or TV_EIO with the peer failed. */
static int read_answer(struct tvd_rpc_peer *p, uint8_t *out, uint32_t out_len, uint32_t *ret,
		       int64_t deadline)
{
	uint8_t raw[TVD_HDR_SIZE];
	struct tvd_hdr h;
	int rc = sock_read_full(p->fd, raw, sizeof(raw), deadline);
	if (rc != TV_OK)
		return fail(p, rc == TV_ENOENT ? "hung up instead of answering an RPC"
					       : "no answer to an RPC in time");
	if (tvd_hdr_decode(raw, &h) != TV_OK)
		return fail(p, "an RPC answered with something that is not a frame");
	if (h.op != (TVD_RESPONSE | TVD_OP_RPC))
		return fail(p, "an RPC answered with another frame");
	if (h.length > 8u + out_len) /* never read more than the answer can be */
		return fail(p, "an RPC answered with more bytes than asked for");
	uint8_t *body = malloc(h.length ? h.length : 1);
	if (!body)
		return fail(p, "no memory for an RPC answer");
	struct tvd_rpc_resp a;
	rc = sock_read_full(p->fd, body, h.length, deadline);
	if (rc != TV_OK)
		rc = fail(p, "an RPC answer not whole in time");
	else if (tvd_dec_rpc_resp(body, h.length, &a) != TV_OK)
		rc = fail(p, "an RPC answer that does not decode");
	else if (a.ret == TEE_SUCCESS && a.out_len != out_len)
		rc = fail(p, "an RPC answered with the wrong size");
	if (rc == TV_OK) {
		*ret = a.ret;
		if (a.ret == TEE_SUCCESS && out_len)
			memcpy(out, a.out, out_len);
	}
	free(body);
	return rc;
}

/* One RPC on the attached connection. TV_OK with the normal world's result in
 * *ret, or TV_EIO (no connection, or the connection failed). */
static int rpc_call(struct tvd_rpc_route *r, uint32_t func, const uint8_t *in, uint32_t in_len,
		    uint8_t *out, uint32_t out_len, uint32_t *ret)
{
	struct tvd_rpc_peer *p = r->peer;
	if (!p)
		r->unattached++;
	if (!p || p->failed)
		return TV_EIO;
	struct tvd_rpc_req q = {.func = func, .in_len = in_len, .out_len = out_len, .in = in};
	struct tvd_frame f;
	int rc = tvd_enc_rpc_req(&q, &f);
	if (rc != TV_OK)
		return rc == TV_ENOMEM ? TV_EIO : rc;
	int64_t deadline = sock_deadline(r->timeout_ms);
	rc = sock_write_full(p->fd, f.buf, f.len, deadline);
	tvd_frame_free(&f);
	if (rc != TV_OK)
		return fail(p, "an RPC not taken in time");
	return read_answer(p, out, out_len, ret, deadline);
}

/* RPMB_PROBE_RESET, once a probe is answered: the kernel's own RPMB route, if
 * the normal world has one. */
static int probe(struct tvd_rpc_route *r)
{
	uint32_t ret = 0;
	int rc = rpc_call(r, TVD_RPC_FUNC_RPMB_PROBE_RESET, NULL, 0, NULL, 0, &ret);
	if (rc != TV_OK)
		return rc;
	if (ret == TEE_SUCCESS) {
		r->probe = PROBE_KERNEL;
		tvd_log("in-kernel RPMB route offered by the normal world; teevar's secure core "
			"carries only the legacy RPC");
	} else {
		r->probe = PROBE_LEGACY;
		tvd_log("RPMB_PROBE_RESET answered 0x%08x: the legacy RPMB RPC carries the device",
			ret);
	}
	return TV_OK;
}

static int rpc_get_info(void *ctx, struct rpmb_dev_info *info)
{
	struct tvd_rpc_route *r = ctx;
	if (r->probe == PROBE_NONE && probe(r) != TV_OK)
		return TV_EIO;
	uint8_t req[RPMB_RPC_REQ_HDR_SIZE], raw[RPMB_RPC_DEV_INFO_SIZE];
	uint32_t ret = 0;
	rpmb_rpc_req_encode(RPMB_RPC_CMD_GET_DEV_INFO, 0, 0, req);
	int rc = rpc_call(r, TVD_RPC_FUNC_RPMB, req, sizeof(req), raw, sizeof(raw), &ret);
	if (rc != TV_OK || ret != TEE_SUCCESS || rpmb_rpc_dev_info_decode(raw, info) != TV_OK)
		return TV_EIO;
	return TV_OK;
}

static int rpc_route(void *ctx, const uint8_t *req, size_t nreq, uint8_t *resp, size_t nresp)
{
	struct tvd_rpc_route *r = ctx;
	if (!resp || rpmb_rpc_check_shape(req, nreq, nresp) != TV_OK)
		return TV_EINVAL;
	size_t in_len = RPMB_RPC_REQ_HDR_SIZE + nreq * RPMB_FRAME_SIZE;
	rpmb_rpc_req_encode(RPMB_RPC_CMD_DATA_REQ, 0, (uint16_t)nreq, r->in);
	memcpy(r->in + RPMB_RPC_REQ_HDR_SIZE, req, nreq * RPMB_FRAME_SIZE);
	uint32_t ret = 0;
	int rc = rpc_call(r, TVD_RPC_FUNC_RPMB, r->in, (uint32_t)in_len, resp,
			  (uint32_t)(nresp * RPMB_FRAME_SIZE), &ret);
	return rc == TV_OK && ret == TEE_SUCCESS ? TV_OK : TV_EIO;
}

static void rpc_close(void *ctx)
{
	struct tvd_rpc_route *r = ctx;
	free(r->in);
	free(r);
}

/* A route only while a request of the carrying client is handled; a write
 * outside one is refused before anything leaves (counted as refused). */
static bool rpc_ready(void *ctx)
{
	struct tvd_rpc_route *r = ctx;
	if (!r->peer)
		r->unattached++;
	return r->peer && !r->peer->failed;
}

static const struct rpmb_dev_ops rpc_ops = {
	.get_info = rpc_get_info,
	.route = rpc_route,
	.close = rpc_close,
	.ready = rpc_ready,
};

int tvd_rpc_route_new(int timeout_ms, struct tvd_rpc_route **out)
{
	if (!out || timeout_ms < 0)
		return TV_EINVAL;
	struct tvd_rpc_route *r = calloc(1, sizeof(*r));
	uint8_t *in = malloc(RPMB_RPC_MAX_IN);
	if (!r || !in) {
		free(r);
		free(in);
		return TV_ENOMEM;
	}
	r->in = in;
	r->timeout_ms = timeout_ms ? timeout_ms : TVD_DEFAULT_RPC_TIMEOUT_MS;
	*out = r;
	return TV_OK;
}

struct rpmb_dev tvd_rpc_route_dev(struct tvd_rpc_route *r)
{
	return (struct rpmb_dev){.ops = &rpc_ops, .ctx = r};
}

void tvd_rpc_route_attach(struct tvd_rpc_route *r, struct tvd_rpc_peer *peer)
{
	r->peer = peer;
}

uint64_t tvd_rpc_route_unattached(const struct tvd_rpc_route *r)
{
	return r->unattached;
}


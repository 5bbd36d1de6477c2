/* SPDX-License-Identifier: BSD-2-Clause */
#include "rpmb_route_client.h"

#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "rpmb_rpc.h"
#include "sock_io.h"
#include "supp_wire.h"
#include "tv_err.h"

struct route_client {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;
	int timeout_ms;
	uint16_t dev_id;
	bool have_info;
	struct rpmb_dev_info info; /* what the first GET_DEV_INFO reported */
};

static void drop(struct route_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* One request and its response on the open connection. */
static int transact(struct route_client *c, uint16_t cmd, const uint8_t *frames, size_t nreq,
		    uint8_t *out, size_t out_len, int64_t deadline)
{
	uint8_t hdr[SUPP_REQ_HDR_SIZE + RPMB_RPC_REQ_HDR_SIZE];
	struct supp_req_hdr h = {
		.magic = SUPP_MAGIC, .cmd = SUPP_CMD_RPMB,
		.in_len = (uint32_t)(RPMB_RPC_REQ_HDR_SIZE + nreq * RPMB_FRAME_SIZE),
		.out_len = (uint32_t)out_len,
	};
	supp_req_hdr_encode(&h, hdr);
	rpmb_rpc_req_encode(cmd, c->dev_id, (uint16_t)nreq, hdr + SUPP_REQ_HDR_SIZE);
	struct iovec iov[2] = {
		{.iov_base = hdr, .iov_len = sizeof(hdr)},
		{.iov_base = (void *)(uintptr_t)frames, .iov_len = nreq * RPMB_FRAME_SIZE},
	};
	if (sock_writev_full(c->fd, iov, 2, deadline) != TV_OK)
		return TV_EIO;
	uint8_t rhdr[SUPP_RESP_HDR_SIZE];
	struct supp_resp_hdr r;
	if (sock_read_full(c->fd, rhdr, sizeof(rhdr), deadline) != TV_OK ||
	    supp_resp_hdr_decode(rhdr, (uint32_t)out_len, &r) != TV_OK)
		return TV_EIO;
	return sock_read_full(c->fd, out, out_len, deadline) == TV_OK ? TV_OK : TV_EIO;
}

static int fetch_info(struct route_client *c, struct rpmb_dev_info *info, int64_t deadline)
{
	uint8_t raw[RPMB_RPC_DEV_INFO_SIZE];
	int rc = transact(c, RPMB_RPC_CMD_GET_DEV_INFO, NULL, 0, raw, sizeof(raw), deadline);
	if (rc == TV_OK && rpmb_rpc_dev_info_decode(raw, info) != TV_OK)
		rc = TV_EIO;
	return rc;
}

static bool same_info(const struct rpmb_dev_info *a, const struct rpmb_dev_info *b)
{
	return memcmp(a->cid, b->cid, RPMB_CID_SIZE) == 0 && a->size_mult == b->size_mult &&
	       a->rel_wr_sec_c == b->rel_wr_sec_c;
}

/* Between calls nothing may arrive: anything readable (an end of stream above
 * all: the supplicant restarted while we were idle) makes the connection stale.
 * Finding out before sending keeps a restart from costing a failed write. */
static bool stale(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) != 0;
}

static int ensure_connected(struct route_client *c, int64_t deadline)
{
	if (c->fd >= 0 && stale(c->fd))
		drop(c);
	if (c->fd >= 0)
		return TV_OK;
	int fd = sock_connect_unix(c->path);
	if (fd < 0)
		return TV_EIO;
	c->fd = fd;
	if (!c->have_info)
		return TV_OK;
	struct rpmb_dev_info now;
	int rc = fetch_info(c, &now, deadline);
	return rc == TV_OK && !same_info(&now, &c->info) ? TV_EIO : rc;
}

static int client_get_info(void *ctx, struct rpmb_dev_info *info)
{
	struct route_client *c = ctx;
	if (!c || !info)
		return TV_EINVAL;
	int64_t deadline = sock_deadline(c->timeout_ms);
	struct rpmb_dev_info got;
	int rc = ensure_connected(c, deadline);
	if (rc == TV_OK)
		rc = fetch_info(c, &got, deadline);
	if (rc == TV_OK && c->have_info && !same_info(&got, &c->info))
		rc = TV_EIO;
	if (rc != TV_OK) {
		drop(c);
		return TV_EIO;
	}
	if (!c->have_info) {
		c->info = got;
		c->have_info = true;
	}
	*info = got;
	return TV_OK;
}

static int client_route(void *ctx, const uint8_t *req, size_t nreq, uint8_t *resp, size_t nresp)
{
	struct route_client *c = ctx;
	if (!c || !resp || rpmb_rpc_check_shape(req, nreq, nresp) != TV_OK)
		return TV_EINVAL;
	int64_t deadline = sock_deadline(c->timeout_ms);
	int rc = ensure_connected(c, deadline);
	if (rc == TV_OK)
		rc = transact(c, RPMB_RPC_CMD_DATA_REQ, req, nreq, resp, nresp * RPMB_FRAME_SIZE,
			      deadline);
	if (rc != TV_OK) {
		drop(c);
		return TV_EIO;
	}
	return TV_OK;
}

static void client_close(void *ctx)
{
	struct route_client *c = ctx;
	if (!c)
		return;
	drop(c);
	free(c);
}

static const struct rpmb_dev_ops client_ops = {
	.get_info = client_get_info,
	.route = client_route,
	.close = client_close,
};

int rpmb_route_client_open_cfg(const struct rpmb_route_client_config *cfg, struct rpmb_dev *out)
{
	if (!cfg || !out || !cfg->socket_path || cfg->timeout_ms < 0)
		return TV_EINVAL;
	size_t len = strlen(cfg->socket_path);
	struct route_client *c = calloc(1, sizeof(*c));
	if (!c)
		return TV_ENOMEM;
	if (len == 0 || len >= sizeof(c->path)) {
		free(c);
		return TV_EINVAL;
	}
	memcpy(c->path, cfg->socket_path, len + 1);
	c->fd = -1;
	c->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : RPMB_ROUTE_DEFAULT_TIMEOUT_MS;
	c->dev_id = cfg->dev_id;
	out->ops = &client_ops;
	out->ctx = c;
	return TV_OK;
}

int rpmb_route_client_open(const char *socket_path, struct rpmb_dev *out)
{
	struct rpmb_route_client_config cfg = {.socket_path = socket_path};
	return rpmb_route_client_open_cfg(&cfg, out);
}

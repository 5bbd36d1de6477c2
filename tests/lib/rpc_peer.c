/* SPDX-License-Identifier: BSD-2-Clause */
#include "rpc_peer.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rpmb_frame.h"
#include "rpmb_rpc.h"
#include "sock_io.h"
#include "tv_bytes.h"
#include "tv_err.h"
#include "tvd_wire.h"

#define SAVED_SIZES 6

struct rpc_peer {
	int fd;
	bool broken;
	struct rpcp_config cfg;
	enum rpcp_mode mode;
	int target;
	unsigned skip, count, hits, late_ms;
	unsigned seen[RPCP_KINDS], target_seen, attacks, multi_writes;
	uint8_t *out;                      /* the answer being made: out_len + 1 bytes */
	uint8_t *saved[RPCP_KINDS][SAVED_SIZES];
	uint32_t saved_len[RPCP_KINDS][SAVED_SIZES];
	uint64_t rng;
};

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int rpcp_connect(const char *sock, const struct rpcp_config *cfg, struct rpc_peer **out)
{
	struct rpc_peer *p = calloc(1, sizeof(*p));
	if (!p)
		return -1;
	p->cfg = *cfg;
	p->rng = 0x9e3779b97f4a7c15ull;
	p->out = malloc(RPMB_RPC_MAX_OUT + 1);
	p->fd = sock_connect_unix(sock);
	if (!p->out || p->fd < 0) {
		rpcp_free(p);
		return -1;
	}
	if (cfg->send_enable) {
		struct tvd_frame f;
		uint8_t *body = NULL;
		size_t len = 0;
		struct tvd_status st;
		if (tvd_enc_empty_req(TVD_OP_RPC_ENABLE, &f) != TV_OK ||
		    rpcp_request(p, f.buf, f.len, TVD_OP_RPC_ENABLE, &body, &len) != 0 ||
		    tvd_dec_status(body, len, &st) != TV_OK || st.result != TEE_SUCCESS) {
			free(body);
			rpcp_free(p);
			return -1;
		}
		free(body);
	}
	*out = p;
	return 0;
}

void rpcp_free(struct rpc_peer *p)
{
	if (!p)
		return;
	if (p->fd >= 0)
		close(p->fd);
	for (int k = 0; k < RPCP_KINDS; k++)
		for (int i = 0; i < SAVED_SIZES; i++)
			free(p->saved[k][i]);
	free(p->out);
	free(p);
}

void rpcp_attack(struct rpc_peer *p, enum rpcp_mode mode, int kind, unsigned skip,
		 unsigned count)
{
	p->mode = mode;
	p->target = kind;
	p->skip = skip;
	p->count = count;
	p->hits = 0;
	p->target_seen = 0;
}

void rpcp_set_late_ms(struct rpc_peer *p, int ms)
{
	p->late_ms = (unsigned)ms;
}

unsigned rpcp_seen(const struct rpc_peer *p, enum rpcp_kind kind)
{
	return p->seen[kind];
}

unsigned rpcp_attacks(const struct rpc_peer *p)
{
	return p->attacks;
}

unsigned rpcp_multi_frame_writes(const struct rpc_peer *p)
{
	return p->multi_writes;
}

bool rpcp_closed(struct rpc_peer *p)
{
	uint8_t b;
	struct pollfd q = {.fd = p->fd, .events = POLLIN};
	if (poll(&q, 1, 2000) <= 0)
		return false;
	return recv(p->fd, &b, 1, MSG_DONTWAIT) <= 0;
}

/* ---- answers ---- */

/* 0, or -1 when the header could not be sent, -2 when the body could not. */
static int send_raw(struct rpc_peer *p, uint32_t ret, const uint8_t *out, uint32_t announced,
		    uint32_t len)
{
	uint8_t hdr[TVD_HDR_SIZE + 8];
	tvd_hdr_encode(hdr, TVD_RESPONSE | TVD_OP_RPC, 8 + len);
	tv_put_le32(hdr + TVD_HDR_SIZE, ret);
	tv_put_le32(hdr + TVD_HDR_SIZE + 4, announced);
	int64_t deadline = sock_deadline(10000);
	if (sock_write_full(p->fd, hdr, sizeof(hdr), deadline) != TV_OK)
		return -1;
	if (len && sock_write_full(p->fd, out, len, deadline) != TV_OK)
		return -2;
	return 0;
}

/* An answer whose header lies about its size: teevard may refuse it on the
 * header alone and hang up before the body is sent. The attack is made once
 * the header is out (1); -1 only when not even the header went. */
static int send_lie(struct rpc_peer *p, uint32_t ret, const uint8_t *out, uint32_t len)
{
	return send_raw(p, ret, out, len, len) == -1 ? -1 : 1;
}

static int kind_of(const struct tvd_rpc_req *q, struct rpmb_rpc_req *r, bool *decoded)
{
	*decoded = false;
	if (q->func == 22)
		return RPCP_PROBE;
	if (q->func != 1)
		return RPCP_OTHER;
	if (rpmb_rpc_req_decode(q->in, q->in_len, q->out_len, 0, r) != TV_OK)
		return RPCP_OTHER;
	*decoded = true;
	if (r->cmd == RPMB_RPC_CMD_GET_DEV_INFO)
		return RPCP_INFO;
	switch (rpmb_frame_type(r->frames)) {
	case RPMB_REQ_PROGRAM_KEY: return RPCP_KEY;
	case RPMB_REQ_READ_COUNTER: return RPCP_COUNTER;
	case RPMB_REQ_WRITE: return RPCP_WRITE;
	default: return RPCP_READ;
	}
}

/* tee-supplicant 3.19's emulation: block_count of a read answer in host order. */
static void host_order_count(struct rpc_peer *p, uint8_t *frames, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t *c = frames + i * RPMB_FRAME_SIZE + RPMB_OFF_BLOCK_COUNT;
		c[0] = (uint8_t)n;
		c[1] = (uint8_t)(n >> 8);
	}
	rpmb_mac_sign(p->cfg.read_key, frames, n);
}

/* The faithful answer into p->out: the result. */
static uint32_t serve(struct rpc_peer *p, const struct tvd_rpc_req *q, int kind, bool decoded,
		      const struct rpmb_rpc_req *r)
{
	if (kind == RPCP_PROBE)
		return p->cfg.probe_ret;
	if (!decoded)
		return q->func == 1 ? TEE_ERROR_BAD_PARAMETERS : TEE_ERROR_NOT_SUPPORTED;
	if (kind == RPCP_INFO) {
		struct rpmb_dev_info info;
		if (rpmb_dev_get_info(&p->cfg.dev, &info) != TV_OK)
			return TEE_ERROR_GENERIC;
		rpmb_rpc_dev_info_encode(&info, RPMB_RPC_DEV_INFO_OK, p->out);
		return TEE_SUCCESS;
	}
	if (p->cfg.debian && kind == RPCP_WRITE && r->block_count > 1) {
		p->multi_writes++;
		return TEE_ERROR_BAD_PARAMETERS;
	}
	if (rpmb_dev_route(&p->cfg.dev, r->frames, r->block_count, p->out, r->nresp) != TV_OK)
		return TEE_ERROR_GENERIC;
	if (p->cfg.debian && p->cfg.read_key && kind == RPCP_READ)
		host_order_count(p, p->out, r->nresp);
	return TEE_SUCCESS;
}

static void remember(struct rpc_peer *p, int kind, uint32_t len)
{
	int slot = 0;
	for (int i = SAVED_SIZES - 1; i >= 0; i--)
		if (!p->saved[kind][i] || p->saved_len[kind][i] == len)
			slot = i;
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return;
	memcpy(copy, p->out, len);
	free(p->saved[kind][slot]);
	p->saved[kind][slot] = copy;
	p->saved_len[kind][slot] = len;
}

static const uint8_t *saved_answer(struct rpc_peer *p, int kind, uint32_t len)
{
	for (int i = 0; i < SAVED_SIZES; i++)
		if (p->saved[kind][i] && p->saved_len[kind][i] == len)
			return p->saved[kind][i];
	return NULL;
}

/* 1 when the attack was made, 0 when it does not apply (answer honestly), -1 on
 * a socket error. */
static int attack(struct rpc_peer *p, const struct tvd_rpc_req *q, int kind, uint32_t ret)
{
	uint32_t n = q->out_len;
	switch (p->mode) {
	case RPCP_DOWN: return send_raw(p, TEE_ERROR_COMMUNICATION, NULL, 0, 0) ? -1 : 1;
	case RPCP_SILENT: return 1;
	case RPCP_LATE:
		sleep_ms((int)p->late_ms);
		(void)send_raw(p, ret, p->out, ret ? 0 : n, ret ? 0 : n);
		return 1;
	case RPCP_WRONG_OP: {
		struct tvd_info_req iq = {.layout = TVD_INFO_BASIC};
		struct tvd_frame f;
		if (tvd_enc_info_req(&iq, &f) != TV_OK)
			return -1;
		int rc = sock_write_full(p->fd, f.buf, f.len, sock_deadline(10000));
		tvd_frame_free(&f);
		return rc == TV_OK ? 1 : -1;
	}
	case RPCP_SHORT:
		if (n == 0)
			return 0;
		return send_lie(p, TEE_SUCCESS, p->out, n - 1);
	case RPCP_LONG:
		p->out[n] = 0x5a;
		return send_lie(p, TEE_SUCCESS, p->out, n + 1);
	case RPCP_ERRDATA:
		return send_lie(p, TEE_ERROR_GENERIC, p->out, n ? n : 1);
	case RPCP_GARBAGE: {
		uint8_t junk[40];
		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)((p->rng = p->rng * 6364136223846793005ull + 1) >> 56);
		return sock_write_full(p->fd, junk, sizeof(junk), sock_deadline(10000)) ? -1 : 1;
	}
	case RPCP_HANGUP:
		shutdown(p->fd, SHUT_RDWR);
		return 1;
	case RPCP_FLIP:
		if (ret != TEE_SUCCESS || n == 0)
			return 0;
		p->out[kind == RPCP_INFO ? 3 : n - RPMB_FRAME_SIZE + 300 + p->hits % 150] ^= 0x10;
		return send_raw(p, TEE_SUCCESS, p->out, n, n) ? -1 : 1;
	case RPCP_REPLAY: {
		const uint8_t *old = saved_answer(p, kind, n);
		if (!old)
			return 0; /* nothing to replay: served after all (answer_rpc) */
		return send_raw(p, TEE_SUCCESS, old, n, n) ? -1 : 1;
	}
	case RPCP_REORDER: {
		if (ret != TEE_SUCCESS || n < 2 * RPMB_FRAME_SIZE)
			return 0;
		uint8_t tmp[RPMB_FRAME_SIZE];
		uint8_t *last = p->out + n - RPMB_FRAME_SIZE;
		memcpy(tmp, p->out, RPMB_FRAME_SIZE);
		memcpy(p->out, last, RPMB_FRAME_SIZE);
		memcpy(last, tmp, RPMB_FRAME_SIZE);
		return send_raw(p, TEE_SUCCESS, p->out, n, n) ? -1 : 1;
	}
	default:
		return 0;
	}
}

static int answer_rpc(struct rpc_peer *p, const uint8_t *body, size_t len)
{
	struct tvd_rpc_req q;
	struct rpmb_rpc_req r;
	bool decoded;
	if (tvd_dec_rpc_req(body, len, &q) != TV_OK)
		return -1; /* teevard sent something malformed: the test fails */
	int kind = kind_of(&q, &r, &decoded);
	p->seen[kind]++;
	bool match = p->mode != RPCP_HONEST && (p->target == RPCP_ANY || p->target == kind);
	bool hit = match && p->target_seen++ >= p->skip && (p->count == 0 || p->hits < p->count);
	/* no supplicant, or a replay in place of the request: nothing reaches the
	 * device; the other attacks carry the request first (the worst case: it
	 * landed, the answer is lost or altered) */
	bool dropped = hit && (p->mode == RPCP_DOWN || p->mode == RPCP_REPLAY);
	uint32_t ret = dropped ? TEE_ERROR_COMMUNICATION : serve(p, &q, kind, decoded, &r);
	if (hit) {
		p->hits++;
		int rc = attack(p, &q, kind, ret);
		if (rc != 0) {
			p->attacks += rc > 0;
			return rc > 0 ? 0 : -1;
		}
		p->hits--;
		if (dropped)
			ret = serve(p, &q, kind, decoded, &r);
	}
	if (ret == TEE_SUCCESS)
		remember(p, kind, q.out_len);
	return send_raw(p, ret, p->out, ret ? 0 : q.out_len, ret ? 0 : q.out_len);
}

/* ---- requests ---- */

static int read_frame(int fd, struct tvd_hdr *h, uint8_t **body, int64_t deadline)
{
	uint8_t raw[TVD_HDR_SIZE];
	*body = NULL;
	if (sock_read_full(fd, raw, sizeof(raw), deadline) != TV_OK ||
	    tvd_hdr_decode(raw, h) != TV_OK)
		return -1;
	if (h->length == 0)
		return 0;
	*body = malloc(h->length);
	if (!*body || sock_read_full(fd, *body, h->length, deadline) != TV_OK) {
		free(*body);
		*body = NULL;
		return -1;
	}
	return 0;
}

int rpcp_request(struct rpc_peer *p, uint8_t *frame, size_t len, uint16_t op, uint8_t **body,
		 size_t *blen)
{
	int64_t deadline = sock_deadline(p->cfg.timeout_ms ? p->cfg.timeout_ms : 30000);
	*body = NULL;
	int rc = p->broken ? -1 : sock_write_full(p->fd, frame, len, deadline) == TV_OK ? 0 : -1;
	free(frame);
	while (rc == 0) {
		struct tvd_hdr h;
		uint8_t *b;
		if (read_frame(p->fd, &h, &b, deadline) != 0) {
			rc = -1;
			break;
		}
		if (h.op == (TVD_RESPONSE | op)) {
			*body = b;
			*blen = h.length;
			return 0;
		}
		rc = h.op == TVD_OP_RPC ? answer_rpc(p, b, h.length) : -1;
		free(b);
	}
	p->broken = true;
	return -1;
}

/* ---- the transport ---- */

static uint32_t t_open(void *ctx, const uint8_t uuid[16], uint32_t *session, uint32_t *origin)
{
	struct rpc_peer *p = ctx;
	struct tvd_open_req r = {.login = 0};
	struct tvd_frame f;
	uint8_t *body;
	size_t len = 0;
	struct tvd_open_resp a;
	*origin = TEE_ORIGIN_COMMS;
	memcpy(r.uuid, uuid, 16);
	if (tvd_enc_open_req(&r, &f) != TV_OK ||
	    rpcp_request(p, f.buf, f.len, TVD_OP_OPEN_SESSION, &body, &len) != 0)
		return TEE_ERROR_COMMUNICATION;
	int rc = tvd_dec_open_resp(body, len, &a);
	free(body);
	if (rc != TV_OK)
		return TEE_ERROR_COMMUNICATION;
	*origin = a.st.origin;
	if (a.st.result == TEE_SUCCESS)
		*session = a.session;
	return a.st.result;
}

static bool is_memref(uint32_t t)
{
	return t >= TV_TEE_PARAM_MEMREF_INPUT && t <= TV_TEE_PARAM_MEMREF_INOUT;
}

static uint32_t t_invoke(void *ctx, uint32_t session, uint32_t cmd,
			 struct tv_tee_param params[TV_TEE_NUM_PARAMS], uint32_t *origin)
{
	struct rpc_peer *p = ctx;
	struct tvd_invoke_req r = {.session = session, .cmd = cmd};
	*origin = TEE_ORIGIN_COMMS;
	for (int i = 0; i < TV_TEE_NUM_PARAMS; i++) {
		struct tvd_param *w = &r.params[i];
		w->type = params[i].type;
		if (is_memref(w->type)) {
			w->size = params[i].u.memref.size;
			w->data = params[i].u.memref.buf;
		} else {
			w->a = params[i].u.value.a;
			w->b = params[i].u.value.b;
			w->c = params[i].u.value.c;
		}
	}
	struct tvd_frame f;
	uint8_t *body;
	size_t len = 0;
	if (tvd_enc_invoke_req(&r, &f) != TV_OK ||
	    rpcp_request(p, f.buf, f.len, TVD_OP_INVOKE, &body, &len) != 0)
		return TEE_ERROR_COMMUNICATION;
	struct tvd_invoke_resp a;
	if (tvd_dec_invoke_resp(body, len, &a) != TV_OK) {
		free(body);
		return TEE_ERROR_COMMUNICATION;
	}
	for (int i = 0; a.has_params && i < TV_TEE_NUM_PARAMS; i++) {
		uint32_t t = params[i].type;
		const struct tvd_param *w = &a.params[i];
		if (t == TV_TEE_PARAM_VALUE_OUTPUT || t == TV_TEE_PARAM_VALUE_INOUT) {
			params[i].u.value.a = w->a;
			params[i].u.value.b = w->b;
			params[i].u.value.c = w->c;
		} else if (t == TV_TEE_PARAM_MEMREF_OUTPUT || t == TV_TEE_PARAM_MEMREF_INOUT) {
			if (w->data && w->size && w->size <= params[i].u.memref.size)
				memcpy(params[i].u.memref.buf, w->data, (size_t)w->size);
			params[i].u.memref.size = (size_t)w->size;
		}
	}
	free(body);
	*origin = a.st.origin;
	return a.st.result;
}

static void t_close(void *ctx, uint32_t session)
{
	struct rpc_peer *p = ctx;
	struct tvd_frame f;
	uint8_t *body = NULL;
	size_t len = 0;
	if (tvd_enc_close_req(session, &f) == TV_OK &&
	    rpcp_request(p, f.buf, f.len, TVD_OP_CLOSE_SESSION, &body, &len) == 0)
		free(body);
}

static void t_destroy(void *ctx)
{
	rpcp_free(ctx);
}

static const struct tv_transport_ops peer_ops = {
	.open_session = t_open,
	.invoke = t_invoke,
	.close_session = t_close,
	.destroy = t_destroy,
};

void rpcp_transport(struct rpc_peer *p, struct tv_transport *out)
{
	memset(out, 0, sizeof(*out));
	out->ops = &peer_ops;
	out->ctx = p;
	out->name = "rpc-peer";
}

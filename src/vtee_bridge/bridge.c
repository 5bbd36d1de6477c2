/* SPDX-License-Identifier: BSD-2-Clause */
#include "bridge.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stream.h"
#include "tv_err.h"
#include "tvd_wire.h"
#include "vtee_msg.h"

#define MAX_ORPHANS 16          /* port mode: teevard sessions to close at the next resync */
#define MAX_BARRIER_FRAMES 64   /* port resync: stale frames skipped before the barrier's */
#define DEVBUF_SIZE (TVV_MSG_SIZE + TVV_MAX_PAYLOAD)

/* A kernel request read while an RPC ran, waiting to be served. */
struct pending {
	uint8_t *msg;
	size_t len;
};

/* A session the kernel holds, and the teevard session behind it. */
struct vsess {
	bool used;
	uint32_t vid;        /* what the kernel knows */
	uint8_t uuid[16];
	uint32_t login;
	bool open;           /* tsession is valid on the current connection */
	bool stale;          /* port mode: tsession of an earlier (maybe the same) connection */
	uint32_t tsession;
};

struct bridge {
	struct bridge_config cfg;
	bool port;
	int fd;              /* the stream; unix mode: -1 while down */
	bool is_socket;
	bool up;
	bool said_down;      /* "unreachable" logged since the last time it was up */
	int64_t deadline;    /* of the request in progress */
	struct vsess s[BRIDGE_MAX_SESSIONS];
	uint32_t next_vid;
	uint32_t orphan[MAX_ORPHANS];
	unsigned int n_orphans;
	uint8_t *devbuf;
	bool rpc_ready;      /* RPC_ENABLE exchanged on the current connection */
	bool said_no_rpc;    /* teevard's refusal of RPC_ENABLE logged */
	int devfd;           /* the device while bridge_serve runs, else -1 */
	const struct vtee_view *cur; /* the OPEN_SESSION or INVOKE being served */
	uint8_t *rpcbuf;     /* the device's messages while an RPC runs */
	struct pending backlog[BRIDGE_MAX_BACKLOG]; /* a ring: bl_n from bl_head */
	unsigned int bl_head, bl_n;
	struct bridge_stats st;
};

/* What a handler gives back: the response, and the teevard body its memref
 * data points into (freed once the response is encoded). */
struct answer {
	struct vtee_view v;
	uint8_t *body;
};

/* ---- logging ---- */

__attribute__((format(printf, 3, 4))) static void blog(const struct bridge *b,
						       enum bridge_log_level lvl,
						       const char *fmt, ...)
{
	if (!b->cfg.log)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	b->cfg.log(b->cfg.log_ctx, lvl, msg);
}

static const char *op_name(uint16_t op)
{
	switch (op & (uint16_t)~TVV_RESPONSE) {
	case TVV_OP_OPEN_SESSION: return "OPEN_SESSION";
	case TVV_OP_INVOKE: return "INVOKE";
	case TVV_OP_CLOSE_SESSION: return "CLOSE_SESSION";
	case TVV_OP_RPC: return "RPC";
	default: return "unknown op";
	}
}

static const char *err_text(int rc)
{
	if (rc == -EPROTO)
		return "not a valid teevard answer";
	if (rc == -EPIPE)
		return "hung up";
	return strerror(-rc);
}

/* ---- sessions ---- */

static struct vsess *find_session(struct bridge *b, uint32_t vid)
{
	for (int i = 0; i < BRIDGE_MAX_SESSIONS; i++)
		if (b->s[i].used && b->s[i].vid == vid)
			return &b->s[i];
	return NULL;
}

static struct vsess *free_slot(struct bridge *b)
{
	for (int i = 0; i < BRIDGE_MAX_SESSIONS; i++)
		if (!b->s[i].used)
			return &b->s[i];
	return NULL;
}

static uint32_t new_vid(struct bridge *b)
{
	for (;;) {
		uint32_t v = b->next_vid++;
		if (v != 0 && !find_session(b, v))
			return v;
	}
}

static void add_orphan(struct bridge *b, uint32_t tsession)
{
	if (b->n_orphans < MAX_ORPHANS)
		b->orphan[b->n_orphans++] = tsession;
	else
		blog(b, BRIDGE_LOG_INFO, "too many teevard sessions to close later; session %u left open",
		     tsession);
}

/* ---- the stream's state ---- */

/* The stream is down: unix mode drops the connection (teevard closes its
 * sessions); port mode cannot, so its sessions become stale. */
static void mark_down(struct bridge *b, const char *what, int rc)
{
	if (b->up)
		blog(b, BRIDGE_LOG_INFO, "teevard connection lost (%s: %s)", what, err_text(rc));
	b->up = false;
	b->rpc_ready = false;
	if (!b->port && b->fd >= 0) {
		close(b->fd);
		b->fd = -1;
	}
	for (int i = 0; i < BRIDGE_MAX_SESSIONS; i++) {
		struct vsess *s = &b->s[i];
		if (s->open && b->port)
			s->stale = true;
		s->open = false;
	}
}

static void note_unreachable(struct bridge *b, const char *what, int rc)
{
	if (!b->said_down)
		blog(b, BRIDGE_LOG_INFO, "teevard unreachable (%s: %s)", what, err_text(rc));
	b->said_down = true;
}

/* ---- one round trip ---- */

/* Reads one frame; *body malloc'ed (NULL when empty). 0, -EPROTO, -errno. */
static int read_frame(struct bridge *b, struct tvd_hdr *h, uint8_t **body)
{
	uint8_t hb[TVD_HDR_SIZE];
	*body = NULL;
	int rc = vs_read_all(b->fd, hb, sizeof(hb), b->deadline);
	if (rc)
		return rc;
	if (tvd_hdr_decode(hb, h) != TV_OK)
		return -EPROTO;
	if (h->length == 0)
		return 0;
	*body = malloc(h->length);
	if (!*body)
		return -ENOMEM;
	rc = vs_read_all(b->fd, *body, h->length, b->deadline);
	if (rc) {
		free(*body);
		*body = NULL;
	}
	return rc;
}

static int relay_rpc(struct bridge *b, const uint8_t *body, size_t len);

/* Sends an encoded frame (freed here) and reads the answer to op: 0 with
 * *body (malloc'ed or NULL) and *len, or -errno / -EPROTO. An OPEN_SESSION or
 * INVOKE may meet teevard's RPCs first: each is carried to the module and
 * answered (the request's time restarts after each). Changes no other state. */
static int xfer(struct bridge *b, struct tvd_frame *f, uint16_t op, uint8_t **body, size_t *len)
{
	struct tvd_hdr h;
	bool rpcs = op == TVD_OP_OPEN_SESSION || op == TVD_OP_INVOKE;
	*body = NULL;
	b->st.round_trips++;
	int rc = vs_write_all(b->fd, b->is_socket, f->buf, f->len, b->deadline);
	tvd_frame_free(f);
	while (rc == 0) {
		rc = read_frame(b, &h, body);
		if (rc || h.op != TVD_OP_RPC || !rpcs)
			break;
		rc = relay_rpc(b, *body, h.length);
		free(*body);
		*body = NULL;
	}
	if (rc == 0 && h.op != (TVD_RESPONSE | op)) {
		struct tvd_status st;
		if (h.op == (TVD_RESPONSE | TVD_OP_ERROR) && tvd_dec_status(*body, h.length, &st) == TV_OK)
			blog(b, BRIDGE_LOG_INFO, "teevard reported a framing error (0x%08x)", st.result);
		free(*body);
		*body = NULL;
		rc = -EPROTO;
	}
	*len = rc == 0 ? h.length : 0;
	return rc;
}

/* OPEN_SESSION on the current connection: 0 with teevard's answer in *a, or a
 * communication failure (-errno, -EPROTO, -ENOMEM). */
static int open_remote(struct bridge *b, const uint8_t uuid[16], uint32_t login,
		       struct tvd_open_resp *a)
{
	struct tvd_open_req r = {.login = login};
	struct tvd_frame f;
	memcpy(r.uuid, uuid, sizeof(r.uuid));
	if (tvd_enc_open_req(&r, &f) != TV_OK)
		return -ENOMEM;
	uint8_t *body;
	size_t len;
	int rc = xfer(b, &f, TVD_OP_OPEN_SESSION, &body, &len);
	if (rc == 0 && tvd_dec_open_resp(body, len, a) != TV_OK)
		rc = -EPROTO;
	free(body);
	return rc;
}

/* CLOSE_SESSION: 0 whatever teevard says, or a communication failure. */
static int close_remote(struct bridge *b, uint32_t tsession)
{
	struct tvd_frame f;
	if (tvd_enc_close_req(tsession, &f) != TV_OK)
		return -ENOMEM;
	uint8_t *body;
	size_t len;
	struct tvd_status st;
	int rc = xfer(b, &f, TVD_OP_CLOSE_SESSION, &body, &len);
	if (rc == 0 && tvd_dec_status(body, len, &st) != TV_OK)
		rc = -EPROTO;
	free(body);
	return rc;
}

/* ---- the device ---- */

/* An answer of the bridge's own to a message with a readable header (one
 * that does not decode, or one the backlog has no room for): ret, origin
 * COMMS, everything else echoed, no payload. */
static int status_answer(const uint8_t *msg, uint32_t ret, uint8_t **resp, size_t *resp_len)
{
	struct tvv_msg m;
	memcpy(&m, msg, TVV_MSG_SIZE);
	m.op |= TVV_RESPONSE;
	m.ret = ret;
	m.ret_origin = TEE_ORIGIN_COMMS;
	m.payload_len = 0;
	*resp = malloc(TVV_MSG_SIZE);
	if (!*resp)
		return TV_ENOMEM;
	memcpy(*resp, &m, TVV_MSG_SIZE);
	*resp_len = TVV_MSG_SIZE;
	return TV_OK;
}

static int write_answer(struct bridge *b, int devfd, const uint8_t *resp, size_t len)
{
	uint32_t id = 0;
	uint16_t op = 0;
	vtee_peek(resp, len, &id, &op);
	ssize_t k;
	do
		k = write(devfd, resp, len);
	while (k < 0 && errno == EINTR);
	if (k == (ssize_t)len)
		return 0;
	if (k >= 0)
		return -EIO;
	if (errno == ENOENT) {
		blog(b, BRIDGE_LOG_INFO, "request %u no longer waits for its answer (timed out?)", id);
		return 0;
	}
	if (errno == EINVAL) {
		blog(b, BRIDGE_LOG_INFO, "the kernel refused the answer to request %u", id);
		return 0;
	}
	return -errno;
}

/* Is msg the module's answer to an RPC (of request *id)? */
static bool is_rpc_answer(const uint8_t *msg, size_t len, uint32_t *id)
{
	uint16_t op;
	return vtee_peek(msg, len, id, &op) && op == (TVV_RESPONSE | TVV_OP_RPC);
}

/* A kernel request read while an RPC runs: kept for after the request in
 * progress, or answered TEE_ERROR_BUSY at once when the backlog is full. */
static void keep_request(struct bridge *b, const uint8_t *msg, size_t len)
{
	uint32_t id;
	uint16_t op;
	if (!vtee_peek(msg, len, &id, &op)) {
		blog(b, BRIDGE_LOG_INFO, "dropped a %zu-byte message without a readable header", len);
		return;
	}
	uint8_t *copy = b->bl_n < BRIDGE_MAX_BACKLOG ? malloc(len) : NULL;
	if (copy) {
		memcpy(copy, msg, len);
		b->backlog[(b->bl_head + b->bl_n) % BRIDGE_MAX_BACKLOG] = (struct pending){copy, len};
		b->bl_n++;
		b->st.backlogged++;
		blog(b, BRIDGE_LOG_DEBUG, "request %u (%s) waits until the request in progress is answered",
		     id, op_name(op));
		return;
	}
	b->st.busy++;
	blog(b, BRIDGE_LOG_INFO, "request %u (%s) arrived during an RPC with %u requests waiting: "
	     "answered BUSY", id, op_name(op), b->bl_n);
	uint8_t *resp;
	size_t rlen;
	if (status_answer(msg, TEE_ERROR_BUSY, &resp, &rlen) != TV_OK)
		return;
	int rc = write_answer(b, b->devfd, resp, rlen);
	if (rc)
		blog(b, BRIDGE_LOG_INFO, "device: %s", strerror(-rc));
	free(resp);
}

/* ---- RPCs of teevard, carried to the module ---- */

/* The module's answer a fits RPC q (its id and func already matched). */
static bool rpc_fits(const struct vtee_rpc *q, const struct vtee_rpc *a)
{
	return a->session == q->session && a->in_len == q->in_len && a->out_len <= q->out_len;
}

/* Reads the device until the answer to RPC q, keeping the kernel requests
 * read meanwhile: TV_OK with the answer in *a (its data in b->rpcbuf), or
 * TV_EIO (logged). An answer to another RPC (one given up on) is dropped. */
static int await_rpc(struct bridge *b, const struct vtee_rpc *q, struct vtee_rpc *a)
{
	int64_t deadline = vs_now_ms() + b->cfg.rpc_timeout_ms;
	for (;;) {
		int rc = vs_wait_readable(b->devfd, deadline);
		if (rc) {
			blog(b, BRIDGE_LOG_INFO, "RPC (func %u) of request %u: %s", q->func, q->id,
			     rc == -ETIMEDOUT ? "no answer from the module in time" : strerror(-rc));
			return TV_EIO;
		}
		ssize_t n = read(b->devfd, b->rpcbuf, DEVBUF_SIZE);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			blog(b, BRIDGE_LOG_INFO, "RPC (func %u) of request %u: device: %s", q->func, q->id,
			     n == 0 ? "end of file" : strerror(errno));
			return TV_EIO;
		}
		uint32_t id;
		if (!is_rpc_answer(b->rpcbuf, (size_t)n, &id)) {
			keep_request(b, b->rpcbuf, (size_t)n);
			continue;
		}
		int d = vtee_rpc_decode(b->rpcbuf, (size_t)n, true, a);
		if (id != q->id || (d == TV_OK && a->func != q->func)) {
			b->st.late_answers++;
			blog(b, BRIDGE_LOG_INFO, "dropped a late answer to an RPC of request %u", id);
			continue;
		}
		if (d != TV_OK || !rpc_fits(q, a)) {
			blog(b, BRIDGE_LOG_INFO, "RPC (func %u) of request %u: the module's answer does not fit "
			     "(%zd bytes)", q->func, q->id, n);
			return TV_EIO;
		}
		return TV_OK;
	}
}

static const char *rpc_write_error(int err)
{
	switch (err) {
	case ENOENT: return "ENOENT: the request no longer waits (timed out?)";
	case EINVAL: return "EINVAL: refused as malformed";
	case EBUSY: return "EBUSY: an RPC of that request is already running";
	default: return strerror(err);
	}
}

/* RPC q as a TVV_OP_RPC of the kernel request being served: TV_OK with the
 * module's answer in *a, or TV_EIO (logged). */
static int module_rpc(struct bridge *b, const struct tvd_rpc_req *q, struct vtee_rpc *a)
{
	const struct vtee_view *k = b->cur;
	if (b->devfd < 0 || !k) {
		blog(b, BRIDGE_LOG_INFO, "RPC (func %u) of teevard outside a kernel request", q->func);
		return TV_EIO;
	}
	if (!b->rpcbuf && !(b->rpcbuf = malloc(DEVBUF_SIZE)))
		return TV_EIO;
	struct vtee_rpc r = {.id = k->m.id, .session = k->m.session, .func = q->func,
			     .login = k->m.login, .in_len = q->in_len, .out_len = q->out_len,
			     .data = q->in};
	memcpy(r.uuid, k->m.uuid, sizeof(r.uuid));
	uint8_t *msg;
	size_t len;
	if (vtee_rpc_encode(&r, false, &msg, &len) != TV_OK)
		return TV_EIO; /* no memory: teevard's limits are below the device's */
	ssize_t n;
	do
		n = write(b->devfd, msg, len);
	while (n < 0 && errno == EINTR);
	int err = errno;
	free(msg);
	if (n != (ssize_t)len) {
		blog(b, BRIDGE_LOG_INFO, "RPC (func %u) of request %u: the device refused it (%s)", q->func,
		     r.id, n < 0 ? rpc_write_error(err) : "short write");
		return TV_EIO;
	}
	b->st.rpcs++;
	return await_rpc(b, &r, a);
}

/* Answers an RPC of teevard: 0 or a failure of the stream. */
static int answer_rpc(struct bridge *b, const struct tvd_rpc_resp *r)
{
	struct tvd_frame f;
	if (tvd_enc_rpc_resp(r, &f) != TV_OK)
		return -ENOMEM; /* the sizes were checked before */
	b->st.round_trips++;
	int rc = vs_write_all(b->fd, b->is_socket, f.buf, f.len, b->deadline);
	tvd_frame_free(&f);
	return rc;
}

/* A TVD_OP_RPC frame (body) while teevard works on an OPEN_SESSION or INVOKE:
 * carried to the module, its answer (or COMMUNICATION) sent back, and the
 * request's time started again. 0, or a failure of the stream (-EPROTO: the
 * frame does not decode). */
static int relay_rpc(struct bridge *b, const uint8_t *body, size_t len)
{
	struct tvd_rpc_req q;
	if (tvd_dec_rpc_req(body, len, &q) != TV_OK) {
		blog(b, BRIDGE_LOG_INFO, "teevard sent a malformed RPC (%zu bytes)", len);
		return -EPROTO;
	}
	struct vtee_rpc a;
	struct tvd_rpc_resp r = {.ret = TEE_ERROR_COMMUNICATION};
	if (module_rpc(b, &q, &a) == TV_OK)
		r = (struct tvd_rpc_resp){.ret = a.ret, .out_len = a.out_len, .out = a.data};
	else
		b->st.rpc_failures++;
	blog(b, BRIDGE_LOG_DEBUG, "RPC (func %u, %u bytes in, room for %u) -> 0x%08x, %u bytes back", q.func,
	     q.in_len, q.out_len, r.ret, r.out_len);
	b->deadline = vs_now_ms() + b->cfg.timeout_ms;
	return answer_rpc(b, &r);
}

/* Tells teevard that this connection answers RPCs: 0 (a refusal included:
 * an older teevard answers ERROR NOT_SUPPORTED and keeps the connection;
 * logged once) or a failure of the stream. */
static int rpc_enable(struct bridge *b)
{
	struct tvd_frame f;
	if (tvd_enc_empty_req(TVD_OP_RPC_ENABLE, &f) != TV_OK)
		return -ENOMEM;
	b->st.round_trips++;
	int rc = vs_write_all(b->fd, b->is_socket, f.buf, f.len, b->deadline);
	tvd_frame_free(&f);
	struct tvd_hdr h;
	struct tvd_status st;
	uint8_t *body = NULL;
	if (rc == 0)
		rc = read_frame(b, &h, &body);
	bool mine = rc == 0 && h.op == (TVD_RESPONSE | TVD_OP_RPC_ENABLE);
	bool old = rc == 0 && h.op == (TVD_RESPONSE | TVD_OP_ERROR);
	if (rc == 0 && ((!mine && !old) || tvd_dec_status(body, h.length, &st) != TV_OK ||
			(old && st.result != TEE_ERROR_NOT_SUPPORTED)))
		rc = -EPROTO;
	free(body);
	if (rc)
		return rc;
	b->rpc_ready = true;
	if (mine && st.result == TEE_SUCCESS) {
		b->st.rpc_enables++;
		if (b->said_no_rpc)
			blog(b, BRIDGE_LOG_INFO, "teevard takes RPCs now");
		b->said_no_rpc = false;
		return 0;
	}
	b->st.rpc_refusals++;
	if (!b->said_no_rpc)
		blog(b, BRIDGE_LOG_INFO, "teevard %s RPC_ENABLE (0x%08x): the secure core's RPCs are "
		     "not carried", old ? "does not know" : "refused", st.result);
	b->said_no_rpc = true;
	return 0;
}

/* ---- bringing the stream up ---- */

static int unix_connect(struct bridge *b)
{
	int fd = vs_connect_unix(b->cfg.socket_path);
	if (fd < 0)
		return fd;
	b->fd = fd;
	return 0;
}

/* Port mode: after the drain, a STORE_INFO whose answer ends whatever the peer
 * still had to say (teevard answers in order). */
static int barrier(struct bridge *b)
{
	struct tvd_frame f;
	struct tvd_info_req q = {.layout = TVD_INFO_BASIC}; /* the smallest answer */
	if (tvd_enc_info_req(&q, &f) != TV_OK)
		return -ENOMEM;
	int rc = vs_write_all(b->fd, b->is_socket, f.buf, f.len, b->deadline);
	tvd_frame_free(&f);
	b->st.round_trips++;
	for (int i = 0; rc == 0 && i < MAX_BARRIER_FRAMES; i++) {
		struct tvd_hdr h;
		uint8_t *body;
		struct tvd_info_resp info;
		rc = read_frame(b, &h, &body);
		if (rc)
			break;
		bool mine = h.op == (TVD_RESPONSE | TVD_OP_STORE_INFO);
		if (mine && tvd_dec_info_resp(body, h.length, &info) != TV_OK)
			rc = -EPROTO;
		free(body);
		if (mine)
			return rc;
		b->st.discarded += TVD_HDR_SIZE + h.length;
		blog(b, BRIDGE_LOG_DEBUG, "resync: skipped a stale frame (op 0x%04x, %u bytes)", h.op,
		     h.length);
		if (h.op == TVD_OP_RPC) {
			/* of a request teevard still works on: it can finish */
			struct tvd_rpc_resp r = {.ret = TEE_ERROR_COMMUNICATION};
			b->st.stale_rpcs++;
			b->st.rpc_failures++;
			blog(b, BRIDGE_LOG_INFO, "resync: answered a stale RPC of teevard COMMUNICATION");
			rc = answer_rpc(b, &r);
		}
	}
	return rc ? rc : -EPROTO;
}

static int port_resync(struct bridge *b)
{
	if (vs_hup(vs_revents(b->fd)))
		return -EPIPE;
	size_t n = 0;
	int rc = vs_drain(b->fd, b->cfg.quiet_ms, b->deadline, &n);
	b->st.discarded += n;
	if (n)
		blog(b, BRIDGE_LOG_INFO, "resync: discarded %zu stale bytes", n);
	return rc ? rc : barrier(b);
}

/* Port mode: close what this connection may still hold for us (an unknown
 * session is refused harmlessly). */
static int close_leftovers(struct bridge *b)
{
	for (unsigned int i = 0; i < b->n_orphans; i++) {
		int rc = close_remote(b, b->orphan[i]);
		if (rc)
			return rc;
	}
	b->n_orphans = 0;
	for (int i = 0; i < BRIDGE_MAX_SESSIONS; i++) {
		struct vsess *s = &b->s[i];
		if (!s->stale)
			continue;
		int rc = close_remote(b, s->tsession);
		if (rc)
			return rc;
		s->stale = false;
	}
	return 0;
}

/* Opens s's teevard session on the current connection: 0 (s->open tells
 * whether teevard agreed) or a communication failure. */
static int reopen(struct bridge *b, struct vsess *s)
{
	struct tvd_open_resp a;
	int rc = open_remote(b, s->uuid, s->login, &a);
	if (rc)
		return rc;
	s->open = a.st.result == TEE_SUCCESS;
	if (!s->open) {
		blog(b, BRIDGE_LOG_INFO, "re-opening session %u: teevard answered 0x%08x (origin %u)",
		     s->vid, a.st.result, a.st.origin);
		return 0;
	}
	s->tsession = a.session;
	b->st.reopens++;
	blog(b, BRIDGE_LOG_DEBUG, "session %u re-opened as teevard session %u", s->vid, a.session);
	return 0;
}

static int reopen_all(struct bridge *b)
{
	for (int i = 0; i < BRIDGE_MAX_SESSIONS; i++) {
		if (!b->s[i].used || b->s[i].open)
			continue;
		int rc = reopen(b, &b->s[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/* The stream up, sessions re-opened: 0, or -errno with the stream down. */
static int ensure_up(struct bridge *b)
{
	if (b->up) {
		short ev = vs_revents(b->fd);
		if (!ev)
			return 0;
		mark_down(b, vs_hup(ev) ? "before a request" : "input nobody asked for",
			  vs_hup(ev) ? -EPIPE : -EPROTO);
	}
	int rc = b->port ? port_resync(b) : unix_connect(b);
	if (rc) {
		note_unreachable(b, b->port ? "port" : b->cfg.socket_path, rc);
		mark_down(b, "", rc);
		return rc;
	}
	b->up = true;
	b->st.ups++;
	rc = rpc_enable(b);
	if (rc == 0)
		rc = close_leftovers(b);
	if (rc == 0)
		rc = reopen_all(b);
	if (rc) {
		mark_down(b, "setting up the connection", rc);
		return rc;
	}
	blog(b, BRIDGE_LOG_INFO, "teevard connected%s", b->port ? " (port resynchronized)" : "");
	b->said_down = false;
	return 0;
}

/* ---- answers ---- */

static void set_result(struct answer *ans, uint32_t ret, uint32_t origin)
{
	ans->v.m.ret = ret;
	ans->v.m.ret_origin = origin;
}

static void comm_error(struct bridge *b, struct answer *ans)
{
	b->st.comm_errors++;
	set_result(ans, TEE_ERROR_COMMUNICATION, TEE_ORIGIN_COMMS);
}

static bool params_none(const struct tvv_msg *m)
{
	for (unsigned int i = 0; i < TVV_NUM_PARAMS; i++)
		if (m->params[i].attr != TV_TEE_PARAM_NONE)
			return false;
	return true;
}

static void do_open(struct bridge *b, const struct vtee_view *req, struct answer *ans)
{
	if (!params_none(&req->m)) { /* TVDP's OPEN takes none */
		set_result(ans, TEE_ERROR_BAD_PARAMETERS, TEE_ORIGIN_COMMS);
		return;
	}
	/* The module names the session; 0 (no name) gets one of ours. */
	if (req->m.session != 0 && find_session(b, req->m.session)) {
		set_result(ans, TEE_ERROR_BAD_PARAMETERS, TEE_ORIGIN_COMMS);
		return;
	}
	struct vsess *s = free_slot(b);
	if (!s) {
		set_result(ans, TEE_ERROR_BUSY, TEE_ORIGIN_COMMS);
		return;
	}
	struct tvd_open_resp a;
	int rc = ensure_up(b);
	if (rc == 0) {
		rc = open_remote(b, req->m.uuid, req->m.login, &a);
		if (rc)
			mark_down(b, "OPEN_SESSION", rc);
	}
	if (rc) {
		comm_error(b, ans);
		return;
	}
	set_result(ans, a.st.result, a.st.origin);
	if (a.st.result != TEE_SUCCESS)
		return;
	*s = (struct vsess){.used = true, .vid = req->m.session ? req->m.session : new_vid(b),
			    .login = req->m.login, .open = true, .tsession = a.session};
	memcpy(s->uuid, req->m.uuid, sizeof(s->uuid));
	ans->v.m.session = s->vid;
}

static void do_close(struct bridge *b, const struct vtee_view *req, struct answer *ans)
{
	struct vsess *s = find_session(b, req->m.session);
	set_result(ans, TEE_SUCCESS, TEE_ORIGIN_TEE);
	if (!s) {
		blog(b, BRIDGE_LOG_DEBUG, "CLOSE of unknown session %u", req->m.session);
		return;
	}
	if (b->up && s->open) {
		int rc = close_remote(b, s->tsession);
		if (rc) {
			mark_down(b, "CLOSE_SESSION", rc);
			if (b->port)
				add_orphan(b, s->tsession); /* it may not have arrived */
		}
	} else if (b->port && (s->open || s->stale)) {
		add_orphan(b, s->tsession);
	}
	memset(s, 0, sizeof(*s));
}

static bool value_out(uint32_t t)
{
	return t == TV_TEE_PARAM_VALUE_OUTPUT || t == TV_TEE_PARAM_VALUE_INOUT;
}

static bool memref_out(uint32_t t)
{
	return t == TV_TEE_PARAM_MEMREF_OUTPUT || t == TV_TEE_PARAM_MEMREF_INOUT;
}

static uint64_t memref_total(const struct tvv_msg *m)
{
	uint64_t total = 0; /* saturating: any overflow is over the limit anyway */
	for (unsigned int i = 0; i < TVV_NUM_PARAMS; i++) {
		if (!vtee_attr_memref(m->params[i].attr))
			continue;
		uint64_t a = m->params[i].a;
		total = a > UINT64_MAX - total ? UINT64_MAX : total + a;
	}
	return total;
}

static void to_tvd(const struct vtee_view *req, uint32_t tsession, struct tvd_invoke_req *r)
{
	memset(r, 0, sizeof(*r));
	r->session = tsession;
	r->cmd = req->m.func;
	for (unsigned int i = 0; i < TVV_NUM_PARAMS; i++) {
		const struct tvv_param *p = &req->m.params[i];
		struct tvd_param *w = &r->params[i];
		w->type = p->attr;
		if (vtee_attr_memref(p->attr)) {
			w->size = p->a;
			w->data = req->data[i];
		} else {
			w->a = p->a;
			w->b = p->b;
			w->c = p->c;
		}
	}
}

/* teevard's answer fits the request: types echoed, no more bytes than sent,
 * parameters whenever it claims success. */
static bool answer_fits(const struct vtee_view *req, const struct tvd_invoke_resp *a)
{
	if (!a->has_params)
		return a->st.result != TEE_SUCCESS;
	for (unsigned int i = 0; i < TVV_NUM_PARAMS; i++) {
		uint32_t t = req->m.params[i].attr;
		if (a->params[i].type != t)
			return false;
		if (memref_out(t) && a->st.result == TEE_SUCCESS && a->params[i].size > req->m.params[i].a)
			return false;
	}
	return true;
}

/* One INVOKE round trip: 0 with the checked answer in *a (data in *body), or
 * a communication failure. */
static int invoke_remote(struct bridge *b, const struct vtee_view *req, uint32_t tsession,
			 struct tvd_invoke_resp *a, uint8_t **body)
{
	struct tvd_invoke_req r;
	struct tvd_frame f;
	size_t len;
	to_tvd(req, tsession, &r);
	if (tvd_enc_invoke_req(&r, &f) != TV_OK)
		return -ENOMEM; /* the sizes were checked before */
	int rc = xfer(b, &f, TVD_OP_INVOKE, body, &len);
	if (rc == 0 && (tvd_dec_invoke_resp(*body, len, a) != TV_OK || !answer_fits(req, a)))
		rc = -EPROTO;
	if (rc) {
		free(*body);
		*body = NULL;
	}
	return rc;
}

static void fill_invoke(const struct tvd_invoke_resp *a, struct answer *ans)
{
	set_result(ans, a->st.result, a->st.origin);
	if (!a->has_params)
		return;
	for (unsigned int i = 0; i < TVV_NUM_PARAMS; i++) {
		struct tvv_param *p = &ans->v.m.params[i];
		if (value_out(p->attr)) {
			p->a = a->params[i].a;
			p->b = a->params[i].b;
			p->c = a->params[i].c;
		} else if (memref_out(p->attr)) {
			p->a = a->params[i].size;
			ans->v.data[i] = a->params[i].data;
		}
	}
}

/* teevard refusing a session we hold (BAD_PARAMETERS from teevard itself): it
 * no longer knows it, a reconnect the bridge did not see (port mode). The core
 * was not called, so the INVOKE can go again on a re-opened session. */
static bool session_forgotten(const struct tvd_invoke_resp *a)
{
	return a->st.result == TEE_ERROR_BAD_PARAMETERS && a->st.origin == TEE_ORIGIN_COMMS;
}

/* s open on the current connection, or a failure to report as COMMUNICATION. */
static int session_ready(struct bridge *b, struct vsess *s)
{
	int rc = ensure_up(b);
	if (rc == 0 && !b->rpc_ready) { /* a new connection behind the port */
		rc = rpc_enable(b);
		if (rc)
			mark_down(b, "RPC_ENABLE", rc);
	}
	if (rc == 0 && !s->open) {
		rc = reopen(b, s);
		if (rc)
			mark_down(b, "re-opening a session", rc);
		else if (!s->open)
			rc = -ENOTCONN;
	}
	return rc;
}

/* A session the kernel holds from an earlier bridge: the INVOKE names its TA
 * and login, so it is taken over and opened on teevard (by session_ready). */
static struct vsess *adopt(struct bridge *b, const struct tvv_msg *m)
{
	static const uint8_t none[16];
	struct vsess *s;

	if (m->session == 0 || !memcmp(m->uuid, none, sizeof(none)) || !(s = free_slot(b)))
		return NULL;
	*s = (struct vsess){.used = true, .vid = m->session, .login = m->login};
	memcpy(s->uuid, m->uuid, sizeof(s->uuid));
	blog(b, BRIDGE_LOG_INFO, "taking over session %u of an earlier bridge", s->vid);
	return s;
}

static void do_invoke(struct bridge *b, const struct vtee_view *req, struct answer *ans)
{
	struct vsess *s = find_session(b, req->m.session);
	if (!s)
		s = adopt(b, &req->m);
	if (!s) {
		set_result(ans, TEE_ERROR_BAD_PARAMETERS, TEE_ORIGIN_COMMS);
		return;
	}
	if (memref_total(&req->m) > TVD_MAX_MEMREF) {
		set_result(ans, TEE_ERROR_EXCESS_DATA, TEE_ORIGIN_COMMS);
		return;
	}
	struct tvd_invoke_resp a;
	for (int attempt = 0;; attempt++) {
		int rc = session_ready(b, s);
		if (rc == 0) {
			rc = invoke_remote(b, req, s->tsession, &a, &ans->body);
			if (rc)
				mark_down(b, "INVOKE", rc);
		}
		if (rc) {
			comm_error(b, ans);
			return;
		}
		if (attempt > 0 || !session_forgotten(&a))
			break;
		blog(b, BRIDGE_LOG_INFO,
		     "teevard does not know session %u (teevard session %u) any more; re-opening",
		     s->vid, s->tsession);
		free(ans->body);
		ans->body = NULL;
		s->open = false;
		b->rpc_ready = false;
		b->st.retries++;
	}
	fill_invoke(&a, ans);
}

int bridge_handle(struct bridge *b, const uint8_t *msg, size_t len, uint8_t **resp,
		  size_t *resp_len)
{
	struct vtee_view req;
	uint32_t id;
	uint16_t op;
	*resp = NULL;
	*resp_len = 0;
	b->deadline = vs_now_ms() + b->cfg.timeout_ms;
	if (vtee_decode(msg, len, false, &req) != TV_OK) {
		if (!vtee_peek(msg, len, &id, &op)) {
			blog(b, BRIDGE_LOG_INFO, "dropped a %zu-byte message without a readable header",
			     len);
			return TV_EINVAL;
		}
		if (op == (TVV_RESPONSE | TVV_OP_RPC)) {
			b->st.late_answers++;
			blog(b, BRIDGE_LOG_INFO, "dropped a late answer to an RPC of request %u", id);
			return TV_EINVAL;
		}
		blog(b, BRIDGE_LOG_INFO, "request %u (op %u, %zu bytes) is malformed; answered BAD_PARAMETERS",
		     id, op, len);
		return status_answer(msg, TEE_ERROR_BAD_PARAMETERS, resp, resp_len);
	}
	struct answer ans = {.v.m = req.m};
	ans.v.m.op |= TVV_RESPONSE;
	b->cur = &req; /* teevard's RPCs belong to it (CLOSE_SESSION has none) */
	switch (req.m.op) {
	case TVV_OP_OPEN_SESSION: do_open(b, &req, &ans); break;
	case TVV_OP_INVOKE: do_invoke(b, &req, &ans); break;
	default: do_close(b, &req, &ans); break;
	}
	b->cur = NULL;
	b->st.requests++;
	blog(b, BRIDGE_LOG_DEBUG, "request %u: %s session %u func %u -> 0x%08x origin %u", req.m.id,
	     op_name(req.m.op), ans.v.m.session, req.m.func, ans.v.m.ret, ans.v.m.ret_origin);
	int rc = vtee_encode(&ans.v, resp, resp_len);
	free(ans.body);
	return rc;
}

/* ---- the device ---- */

/* The oldest kept request (the caller frees *msg), or false. */
static bool backlog_pop(struct bridge *b, uint8_t **msg, size_t *len)
{
	if (!b->bl_n)
		return false;
	*msg = b->backlog[b->bl_head].msg;
	*len = b->backlog[b->bl_head].len;
	b->backlog[b->bl_head] = (struct pending){0};
	b->bl_head = (b->bl_head + 1) % BRIDGE_MAX_BACKLOG;
	b->bl_n--;
	return true;
}

size_t bridge_backlog(const struct bridge *b)
{
	return b->bl_n;
}

int bridge_serve(struct bridge *b, int devfd)
{
	uint8_t *kept = NULL, *msg = b->devbuf;
	size_t n;
	if (backlog_pop(b, &kept, &n)) {
		msg = kept;
	} else {
		ssize_t k = read(devfd, b->devbuf, DEVBUF_SIZE);
		if (k < 0)
			return errno == EAGAIN || errno == EINTR ? -EAGAIN : -errno;
		if (k == 0)
			return -EPIPE;
		n = (size_t)k;
	}
	uint8_t *resp;
	size_t len;
	b->devfd = devfd;
	int rc = bridge_handle(b, msg, n, &resp, &len);
	b->devfd = -1;
	free(kept);
	if (rc == TV_EINVAL) /* nothing to answer (logged) */
		return 0;
	if (rc != TV_OK) {
		blog(b, BRIDGE_LOG_INFO, "no memory to answer a request");
		return 0;
	}
	rc = write_answer(b, devfd, resp, len);
	free(resp);
	return rc;
}

/* ---- the rest of the API ---- */

int bridge_connect(struct bridge *b)
{
	b->deadline = vs_now_ms() + b->cfg.timeout_ms;
	return ensure_up(b) == 0 ? TV_OK : TV_EIO;
}

bool bridge_is_up(const struct bridge *b)
{
	return b->up;
}

int bridge_watch_fd(const struct bridge *b)
{
	return b->up ? b->fd : -1;
}

void bridge_watch_event(struct bridge *b, short revents)
{
	if (!b->up || !revents)
		return;
	mark_down(b, vs_hup(revents) ? "while idle" : "input nobody asked for while idle",
		  vs_hup(revents) ? -EPIPE : -EPROTO);
}

const struct bridge_stats *bridge_get_stats(const struct bridge *b)
{
	return &b->st;
}

int bridge_new(const struct bridge_config *cfg, struct bridge **out)
{
	*out = NULL;
	if (!cfg->socket_path && cfg->port_fd < 0)
		return TV_EINVAL;
	struct bridge *b = calloc(1, sizeof(*b));
	if (!b)
		return TV_ENOMEM;
	b->devbuf = malloc(DEVBUF_SIZE);
	if (!b->devbuf) {
		free(b);
		return TV_ENOMEM;
	}
	b->cfg = *cfg;
	if (b->cfg.timeout_ms <= 0)
		b->cfg.timeout_ms = BRIDGE_DEFAULT_TIMEOUT_MS;
	if (b->cfg.quiet_ms <= 0)
		b->cfg.quiet_ms = BRIDGE_DEFAULT_QUIET_MS;
	if (b->cfg.rpc_timeout_ms <= 0)
		b->cfg.rpc_timeout_ms = BRIDGE_DEFAULT_RPC_TIMEOUT_MS;
	b->devfd = -1;
	b->port = !cfg->socket_path;
	b->fd = b->port ? cfg->port_fd : -1;
	b->is_socket = b->port ? vs_is_socket(b->fd) : true;
	b->next_vid = 1;
	if (b->port && vs_set_nonblock(b->fd) != 0) {
		bridge_free(b);
		return TV_EINVAL;
	}
	*out = b;
	return TV_OK;
}

void bridge_free(struct bridge *b)
{
	if (!b)
		return;
	if (!b->port && b->fd >= 0)
		close(b->fd);
	uint8_t *msg;
	size_t len;
	while (backlog_pop(b, &msg, &len))
		free(msg);
	free(b->rpcbuf);
	free(b->devbuf);
	free(b);
}

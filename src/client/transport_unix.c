/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * unix: transport to teevard (docs/teevard-protocol.md). Every answer is checked
 * before anything reaches the caller: the frame by the codec, then against the
 * request (parameter types echoed, output sizes within the buffers sent). A
 * broken or hostile daemon ends the connection: every later call answers
 * TEE_ERROR_COMMUNICATION (origin COMMS).
 */
#include <teevar/store_info.h>
#include <teevar/transport.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "transport_unix.h"
#include "tv_err.h"
#include "tvd_wire.h"

#define IO_TIMEOUT_MS 30000     /* one round trip, queueing behind other clients included */
#define CONNECT_RETRY_MS 10

struct unix_ctx {
	int fd;
	bool broken;
	int timeout_ms;
};

static _Thread_local struct tvd_denial last_denial;
static _Thread_local bool have_denial;
static _Thread_local bool last_full;   /* the last round trip met "too many clients" */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 0 when fd is ready for ev, -ETIMEDOUT past the deadline, else -errno. */
static int wait_fd(int fd, short ev, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd p = {.fd = fd, .events = ev};
		int n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static int send_all(int fd, const uint8_t *p, size_t n, int64_t deadline)
{
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if (k < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		int rc = wait_fd(fd, POLLOUT, deadline);
		if (rc)
			return rc;
	}
	return 0;
}

static int recv_all(int fd, uint8_t *p, size_t n, int64_t deadline)
{
	while (n > 0) {
		ssize_t k = recv(fd, p, n, 0);
		if (k > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if (k == 0)
			return -ECONNRESET;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		int rc = wait_fd(fd, POLLIN, deadline);
		if (rc)
			return rc;
	}
	return 0;
}

/* Reads one answer frame; *body is malloc'ed (NULL when empty). */
static int read_frame(int fd, struct tvd_hdr *h, uint8_t **body, int64_t deadline)
{
	uint8_t hb[TVD_HDR_SIZE];
	*body = NULL;
	int rc = recv_all(fd, hb, sizeof(hb), deadline);
	if (rc)
		return rc;
	if (tvd_hdr_decode(hb, h) != TV_OK)
		return -EPROTO;
	if (h->length == 0)
		return 0;
	*body = malloc(h->length);
	if (!*body)
		return -ENOMEM;
	rc = recv_all(fd, *body, h->length, deadline);
	if (rc) {
		free(*body);
		*body = NULL;
	}
	return rc;
}

/* Sends req (freed here) and reads the answer to op. TEE_SUCCESS with the body,
 * or a failure that ends the connection: a framing error teevard reported, or
 * TEE_ERROR_COMMUNICATION. */
static uint32_t round_trip(struct unix_ctx *x, struct tvd_frame *req, uint16_t op,
			   uint8_t **body, size_t *len)
{
	int64_t deadline = now_ms() + x->timeout_ms;
	struct tvd_hdr h;
	*body = NULL;
	last_full = false;
	int rc = send_all(x->fd, req->buf, req->len, deadline);
	tvd_frame_free(req);
	/* A teevard that refused the connection (too many clients) may have sent its
	 * ERROR frame and closed before the request went out: read what it said. */
	int rrc = rc == 0 || rc == -EPIPE || rc == -ECONNRESET
			  ? read_frame(x->fd, &h, body, deadline) : rc;
	if (rc == 0 && rrc == 0 && h.op == (TVD_RESPONSE | op)) {
		*len = h.length;
		return TEE_SUCCESS;
	}
	x->broken = true;
	uint32_t res = TEE_ERROR_COMMUNICATION;
	struct tvd_status st;
	if (rrc == 0 && h.op == (TVD_RESPONSE | TVD_OP_ERROR) &&
	    tvd_dec_status(*body, h.length, &st) == TV_OK && st.result != TEE_SUCCESS) {
		res = st.result;
		last_full = st.result == TEE_ERROR_BUSY;
	}
	free(*body);
	*body = NULL;
	return res;
}

static void note_status(const struct tvd_status *st)
{
	if (!st->denied)
		return;
	last_denial = st->denial;
	have_denial = true;
}

static uint32_t broken(struct unix_ctx *x)
{
	x->broken = true;
	return TEE_ERROR_COMMUNICATION;
}

static uint32_t u_open(void *ctx, const uint8_t uuid[16], uint32_t *session, uint32_t *origin)
{
	struct unix_ctx *x = ctx;
	*origin = TEE_ORIGIN_COMMS;
	if (x->broken)
		return TEE_ERROR_COMMUNICATION;
	struct tvd_open_req r = {.login = 0};
	memcpy(r.uuid, uuid, sizeof(r.uuid));
	struct tvd_frame f;
	if (tvd_enc_open_req(&r, &f) != TV_OK)
		return TEE_ERROR_OUT_OF_MEMORY;
	uint8_t *body;
	size_t len = 0;
	uint32_t res = round_trip(x, &f, TVD_OP_OPEN_SESSION, &body, &len);
	if (res != TEE_SUCCESS)
		return res;
	struct tvd_open_resp a;
	int rc = tvd_dec_open_resp(body, len, &a);
	free(body);
	if (rc != TV_OK)
		return broken(x);
	note_status(&a.st);
	*origin = a.st.origin;
	if (a.st.result == TEE_SUCCESS)
		*session = a.session;
	return a.st.result;
}

static bool is_memref(uint32_t t)
{
	return t == TV_TEE_PARAM_MEMREF_INPUT || t == TV_TEE_PARAM_MEMREF_OUTPUT ||
	       t == TV_TEE_PARAM_MEMREF_INOUT;
}

static bool memref_out(uint32_t t)
{
	return t == TV_TEE_PARAM_MEMREF_OUTPUT || t == TV_TEE_PARAM_MEMREF_INOUT;
}

static bool value_out(uint32_t t)
{
	return t == TV_TEE_PARAM_VALUE_OUTPUT || t == TV_TEE_PARAM_VALUE_INOUT;
}

/* The caller's params on the wire; BAD_PARAMETERS or EXCESS_DATA if they cannot go. */
static uint32_t to_wire(const struct tv_tee_param *p, struct tvd_param *w)
{
	uint64_t total = 0;
	for (int i = 0; i < TV_TEE_NUM_PARAMS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].type = p[i].type;
		if (!tvd_param_type_known(p[i].type))
			return TEE_ERROR_BAD_PARAMETERS;
		if (!is_memref(p[i].type)) {
			w[i].a = p[i].u.value.a;
			w[i].b = p[i].u.value.b;
			w[i].c = p[i].u.value.c;
			continue;
		}
		if (p[i].u.memref.size && !p[i].u.memref.buf)
			return TEE_ERROR_BAD_PARAMETERS;
		total += p[i].u.memref.size;
		if (p[i].u.memref.size > TVD_MAX_MEMREF || total > TVD_MAX_MEMREF)
			return TEE_ERROR_EXCESS_DATA;
		w[i].size = p[i].u.memref.size;
		w[i].data = p[i].u.memref.buf;
	}
	return TEE_SUCCESS;
}

/* The answer must echo every type, and on success give no more bytes than sent. */
static bool answer_fits(const struct tv_tee_param *p, const struct tvd_invoke_resp *a)
{
	for (int i = 0; i < TV_TEE_NUM_PARAMS; i++) {
		if (a->params[i].type != p[i].type)
			return false;
		if (memref_out(p[i].type) && a->st.result == TEE_SUCCESS &&
		    a->params[i].size > p[i].u.memref.size)
			return false;
#if SIZE_MAX < UINT64_MAX
		if (memref_out(p[i].type) && a->params[i].size > SIZE_MAX)
			return false;
#endif
	}
	return true;
}

static void from_wire(struct tv_tee_param *p, const struct tvd_invoke_resp *a)
{
	for (int i = 0; i < TV_TEE_NUM_PARAMS; i++) {
		const struct tvd_param *w = &a->params[i];
		if (value_out(p[i].type)) {
			p[i].u.value.a = w->a;
			p[i].u.value.b = w->b;
			p[i].u.value.c = w->c;
		} else if (memref_out(p[i].type)) {
			if (w->data && w->size)
				memcpy(p[i].u.memref.buf, w->data, (size_t)w->size);
			p[i].u.memref.size = (size_t)w->size;
		}
	}
}

static uint32_t u_invoke(void *ctx, uint32_t session, uint32_t cmd,
			 struct tv_tee_param params[TV_TEE_NUM_PARAMS], uint32_t *origin)
{
	struct unix_ctx *x = ctx;
	*origin = TEE_ORIGIN_COMMS;
	if (x->broken)
		return TEE_ERROR_COMMUNICATION;
	struct tvd_invoke_req r = {.session = session, .cmd = cmd};
	uint32_t res = to_wire(params, r.params);
	if (res != TEE_SUCCESS)
		return res;
	struct tvd_frame f;
	if (tvd_enc_invoke_req(&r, &f) != TV_OK)
		return TEE_ERROR_OUT_OF_MEMORY;
	uint8_t *body;
	size_t len = 0;
	res = round_trip(x, &f, TVD_OP_INVOKE, &body, &len);
	if (res != TEE_SUCCESS)
		return res;
	struct tvd_invoke_resp a;
	if (tvd_dec_invoke_resp(body, len, &a) != TV_OK ||
	    (a.has_params && !answer_fits(params, &a))) {
		free(body);
		return broken(x);
	}
	note_status(&a.st);
	if (a.has_params)
		from_wire(params, &a);
	free(body);
	*origin = a.st.origin;
	return a.st.result;
}

static void u_close(void *ctx, uint32_t session)
{
	struct unix_ctx *x = ctx;
	struct tvd_frame f;
	if (x->broken || tvd_enc_close_req(session, &f) != TV_OK)
		return;
	uint8_t *body;
	size_t len = 0;
	if (round_trip(x, &f, TVD_OP_CLOSE_SESSION, &body, &len) == TEE_SUCCESS)
		free(body);
}

static void u_destroy(void *ctx)
{
	struct unix_ctx *x = ctx;
	if (x->fd >= 0)
		close(x->fd);
	free(x);
}

static const struct tv_transport_ops unix_ops = {
	.open_session = u_open,
	.invoke = u_invoke,
	.close_session = u_close,
	.destroy = u_destroy,
};

bool tv_transport_is_unix(const struct tv_transport *t)
{
	return t && t->ops == &unix_ops;
}

void tv_transport_unix_set_timeout(struct tv_transport *t, int ms)
{
	if (tv_transport_is_unix(t) && ms > 0)
		((struct unix_ctx *)t->ctx)->timeout_ms = ms;
}

/* One of teevard's own store requests (teevar's, not the TEE's): sends req and
 * hands back the answer's body. 0, or -ECONNRESET (already broken), -ENOMEM,
 * -EIO (the round trip failed: the connection is over). */
static int store_round_trip(struct unix_ctx *x, int enc_rc, struct tvd_frame *req, uint16_t op,
			    uint8_t **body, size_t *len)
{
	if (x->broken) {
		tvd_frame_free(req);
		return -ECONNRESET;
	}
	if (enc_rc != TV_OK)
		return -ENOMEM;
	*len = 0;
	return round_trip(x, req, op, body, len) == TEE_SUCCESS ? 0 : -EIO;
}

/* The errno of a store request's failure (teevard's store_result, reversed). */
static int store_errno(const struct tvd_status *st)
{
	if (st->denied)
		return -EACCES;
	if (st->origin == TEE_ORIGIN_COMMS)
		return -EIO;
	switch (st->result) {
	case TEE_ERROR_ITEM_NOT_FOUND: return -ENOENT;
	case TEE_ERROR_OUT_OF_MEMORY: return -ENOMEM;
	case TVD_TEE_ERROR_CORRUPT_OBJECT: return -EUCLEAN;
	case TVD_TEE_ERROR_STORAGE_NO_SPACE: return -ENOSPC;
	case TEE_ERROR_ACCESS_DENIED: return -EROFS;
	default: return -EIO;
	}
}

int tv_transport_unix_store_info(const struct tv_transport *t, struct tv_store_info *out)
{
	struct unix_ctx *x = t->ctx;
	struct tvd_frame f;
	struct tvd_info_req q = {.layout = TVD_INFO_CLIENTS};
	uint8_t *body = NULL;
	size_t len;
	int rc = store_round_trip(x, tvd_enc_info_req(&q, &f), &f, TVD_OP_STORE_INFO, &body, &len);
	if (rc)
		return rc;
	struct tvd_info_resp a;
	rc = tvd_dec_info_resp(body, len, &a);
	/* A teevard older than layout 4 answers its request as malformed (the
	 * connection stays): ask again for layout 3, which has all but the count. */
	if (rc == TV_OK && a.st.result == TEE_ERROR_BAD_PARAMETERS &&
	    a.st.origin == TEE_ORIGIN_COMMS && !a.st.denied) {
		free(body);
		body = NULL;
		q.layout = TVD_INFO_ROUTE;
		rc = store_round_trip(x, tvd_enc_info_req(&q, &f), &f, TVD_OP_STORE_INFO, &body,
				      &len);
		if (rc)
			return rc;
		rc = tvd_dec_info_resp(body, len, &a);
	}
	free(body);
	/* an answer in another layout than asked for is as bad as no answer */
	if (rc != TV_OK || (a.st.result == TEE_SUCCESS && a.layout != q.layout)) {
		broken(x);
		return -EIO;
	}
	note_status(&a.st);
	if (a.st.result != TEE_SUCCESS)
		return a.st.denied ? -EACCES : -EIO;
	*out = a.info;
	return 0;
}

int tv_transport_unix_store_check(const struct tv_transport *t, struct tv_store_check_report *out)
{
	struct unix_ctx *x = t->ctx;
	struct tvd_frame f;
	uint8_t *body = NULL;
	size_t len;
	int rc = store_round_trip(x, tvd_enc_empty_req(TVD_OP_STORE_CHECK, &f), &f,
				  TVD_OP_STORE_CHECK, &body, &len);
	if (rc)
		return rc;
	struct tvd_check_resp a;
	rc = tvd_dec_check_resp(body, len, &a);
	free(body);
	if (rc != TV_OK) {
		broken(x);
		return -EIO;
	}
	note_status(&a.st);
	*out = a.report; /* on a failure only the detail, which may say why */
	return a.st.result == TEE_SUCCESS ? 0 : store_errno(&a.st);
}

int tv_transport_unix_store_recover(const struct tv_transport *t, struct tv_store_recovery *out)
{
	struct unix_ctx *x = t->ctx;
	struct tvd_frame f;
	uint8_t *body = NULL;
	size_t len;
	int rc = store_round_trip(x, tvd_enc_empty_req(TVD_OP_STORE_RECOVER, &f), &f,
				  TVD_OP_STORE_RECOVER, &body, &len);
	if (rc)
		return rc;
	struct tvd_recover_resp a;
	rc = tvd_dec_recover_resp(body, len, &a);
	free(body);
	if (rc != TV_OK) {
		broken(x);
		return -EIO;
	}
	note_status(&a.st);
	if (a.st.result != TEE_SUCCESS)
		return store_errno(&a.st);
	*out = a.rec;
	return 0;
}

/* AF_UNIX answers EAGAIN (not EINPROGRESS) while the listen backlog is full. */
static int connect_to(int fd, const struct sockaddr_un *sa)
{
	int64_t deadline = now_ms() + IO_TIMEOUT_MS;
	for (;;) {
		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
			return 0;
		if (errno == EINPROGRESS)
			return wait_fd(fd, POLLOUT, deadline);
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		struct timespec ts = {.tv_nsec = CONNECT_RETRY_MS * 1000000L};
		nanosleep(&ts, NULL);
	}
}

int tv_transport_unix_open(const char *socket_path, struct tv_transport *out)
{
	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!socket_path || !*socket_path)
		return -EINVAL;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(socket_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, socket_path);
	struct unix_ctx *x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->timeout_ms = IO_TIMEOUT_MS;
	x->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int rc = x->fd < 0 ? -errno : connect_to(x->fd, &sa);
	if (rc) {
		u_destroy(x);
		return rc;
	}
	out->ops = &unix_ops;
	out->ctx = x;
	out->foreign_stmm = false;
	out->ffa_codes = false;
	out->name = "unix";
	return 0;
}

static const char *level_name(uint32_t level)
{
	switch (level) {
	case TVD_LEVEL_OWNER: return "owner";
	case TVD_LEVEL_GROUP: return "group";
	default: return "all";
	}
}

bool tv_transport_last_too_many_clients(void)
{
	return last_full;
}

int tv_transport_last_denial(struct tv_access_denial *out)
{
	if (!out)
		return -EINVAL;
	if (!have_denial)
		return -ENOENT;
	out->uid = last_denial.uid;
	out->write = last_denial.access == TVD_ACCESS_WRITE;
	out->allowed = level_name(last_denial.level);
	return 0;
}

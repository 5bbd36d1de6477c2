/* SPDX-License-Identifier: BSD-2-Clause */
#include "dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mount.h"
#include "tv_err.h"

static void queue_or_drop(struct tvd_conn *c, int enc_rc, struct tvd_frame *f)
{
	if (enc_rc == TV_OK) {
		tvd_conn_queue(c, f);
		return;
	}
	/* Out of memory for the answer: the peer cannot be told, so let it go. */
	tvd_log("uid %u pid %d: no memory for an answer; closing", (unsigned)c->peer.uid,
		(int)c->peer.pid);
	c->close_after_send = true;
}

static struct tvd_status comms(uint32_t result)
{
	return (struct tvd_status){.result = result, .origin = TEE_ORIGIN_COMMS};
}

static void answer_status(struct tvd_conn *c, uint16_t op, struct tvd_status st)
{
	struct tvd_frame f;
	queue_or_drop(c, tvd_enc_status(op, &st, &f), &f);
}

void tvd_answer_framing_error(struct tvd_conn *c, uint32_t result)
{
	answer_status(c, TVD_OP_ERROR, comms(result));
	c->close_after_send = true;
}

/* The refusal status; logged once per connection so a client cannot flood the log. */
static struct tvd_status refuse(struct tvd_service *s, struct tvd_conn *c, enum tvd_access a,
				const char *what)
{
	enum tvd_level level = tvd_policy_level(s->policy, a);
	if (!c->refusal_logged)
		tvd_log("refused %s for uid %u pid %d (%s access: %s)", what,
			(unsigned)c->peer.uid, (int)c->peer.pid,
			a == TVD_ACCESS_WRITE ? "write" : "read", tvd_level_name(level));
	c->refusal_logged = true;
	struct tvd_status st = comms(TEE_ERROR_ACCESS_DENIED);
	st.denied = true;
	st.denial = (struct tvd_denial){.uid = (uint32_t)c->peer.uid, .access = a,
					.level = level};
	return st;
}

static struct tvd_status tee_ok(void)
{
	return (struct tvd_status){.result = TEE_SUCCESS, .origin = TEE_ORIGIN_TEE};
}

/* --rpmb rpc: RPCs go to c while the secure core handles its request. */
static void rpc_begin(struct tvd_service *s, struct tvd_conn *c, struct tvd_rpc_peer *p)
{
	*p = (struct tvd_rpc_peer){.fd = c->fd};
	if (s->rpc && c->rpc_enabled)
		tvd_rpc_route_attach(s->rpc, p);
	p->unattached = s->rpc ? tvd_rpc_route_unattached(s->rpc) : 0;
}

/* A client that broke the RPC protocol is dropped once it has its answer. */
static void rpc_end(struct tvd_service *s, struct tvd_conn *c, struct tvd_rpc_peer *p)
{
	if (!s->rpc)
		return;
	tvd_rpc_route_attach(s->rpc, NULL);
	if (tvd_rpc_route_unattached(s->rpc) != p->unattached && !c->unattached_logged) {
		tvd_log("uid %u pid %d: its request needed the RPMB device, which only a client "
			"that sent RPC_ENABLE carries (--rpmb rpc): refused", (unsigned)c->peer.uid,
			(int)c->peer.pid);
		c->unattached_logged = true;
	}
	if (!p->failed)
		return;
	tvd_log("uid %u pid %d: %s: dropping the connection after the answer to its request",
		(unsigned)c->peer.uid, (int)c->peer.pid, p->why ? p->why : "an RPC failed");
	c->close_after_send = true;
}

/* Why the store is not there, once per connection: a client without
 * RPC_ENABLE cannot mount it, and nothing else can before one did. */
static struct tvd_status not_mounted(struct tvd_conn *c, uint32_t origin)
{
	if (!c->unmounted_logged)
		tvd_log("uid %u pid %d: the store is not mounted yet: --rpmb rpc mounts it at the "
			"first session of a client that sent RPC_ENABLE%s", (unsigned)c->peer.uid,
			(int)c->peer.pid, c->rpc_enabled ? "" : " (this one did not)");
	c->unmounted_logged = true;
	return (struct tvd_status){.result = TVD_TEE_ERROR_STORAGE_NOT_AVAILABLE, .origin = origin};
}

/* True when the store is mounted (a first session of an RPC-enabled client
 * mounts it here, its peer attached); else *st is the answer: the store not
 * there, or TEE_ERROR_COMMUNICATION for a mount that failed (tried again by
 * the next session). */
static bool ensure_mounted(struct tvd_service *s, struct tvd_conn *c, struct tvd_status *st)
{
	if (tv_secure_mounted(s->sec))
		return true;
	if (!s->rpc || !c->rpc_enabled) {
		*st = not_mounted(c, TEE_ORIGIN_COMMS);
		return false;
	}
	if (tvd_mount(s->cfg, s->sec, &c->peer) == TV_OK)
		return true;
	*st = comms(TEE_ERROR_COMMUNICATION);
	return false;
}

static void open_session(struct tvd_service *s, struct tvd_conn *c)
{
	struct tvd_open_req r;
	struct tvd_open_resp a = {.st = comms(TEE_ERROR_BAD_PARAMETERS)};
	/* public login only: teevard does its own access control */
	bool ok = tvd_dec_open_req(c->body, c->h.length, &r) == TV_OK && r.login == 0;
	if (ok && !tvd_allowed(s->policy, &c->peer, TVD_ACCESS_READ))
		a.st = refuse(s, c, TVD_ACCESS_READ, "a session");
	else if (ok && !tvd_conn_session_room(c))
		a.st = comms(TEE_ERROR_BUSY);
	else if (ok) {
		struct tvd_rpc_peer peer;
		rpc_begin(s, c, &peer);
		if (ensure_mounted(s, c, &a.st)) {
			a.st.result = tv_stmm_open_session(tv_secure_stmm(s->sec), r.uuid,
							   &a.session, &a.st.origin);
			if (a.st.result == TEE_SUCCESS)
				tvd_conn_add_session(c, a.session);
		}
		rpc_end(s, c, &peer);
	}
	struct tvd_frame f;
	queue_or_drop(c, tvd_enc_open_resp(&a, &f), &f);
}

static bool memref_in(uint32_t t)
{
	return t == TV_TEE_PARAM_MEMREF_INPUT || t == TV_TEE_PARAM_MEMREF_INOUT;
}

static bool is_memref(uint32_t t)
{
	return memref_in(t) || t == TV_TEE_PARAM_MEMREF_OUTPUT;
}

/* The request's params over private copies of the memrefs (one allocation,
 * at most TVD_MAX_MEMREF bytes: the codec bounds the sizes). */
static uint8_t *to_tee_params(const struct tvd_invoke_req *r, struct tv_tee_param *p)
{
	size_t total = 0;
	for (int i = 0; i < TV_TEE_NUM_PARAMS; i++)
		total += is_memref(r->params[i].type) ? (size_t)r->params[i].size : 0;
	uint8_t *scratch = calloc(1, total ? total : 1);
	if (!scratch)
		return NULL;
	size_t off = 0;
	for (int i = 0; i < TV_TEE_NUM_PARAMS; i++) {
		const struct tvd_param *w = &r->params[i];
		memset(&p[i], 0, sizeof(p[i]));
		p[i].type = w->type;
		if (!is_memref(w->type)) {
			p[i].u.value.a = w->a;
			p[i].u.value.b = w->b;
			p[i].u.value.c = w->c;
			continue;
		}
		p[i].u.memref.buf = scratch + off;
		p[i].u.memref.size = (size_t)w->size;
		if (memref_in(w->type) && w->size)
			memcpy(scratch + off, w->data, (size_t)w->size);
		off += (size_t)w->size;
	}
	return scratch;
}

/* The answer's params; false if the core claims more output than was sent. */
static bool from_tee_params(const struct tvd_invoke_req *r, const struct tv_tee_param *p,
			    bool success, struct tvd_param *w)
{
	for (int i = 0; i < TV_TEE_NUM_PARAMS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].type = r->params[i].type;
		if (!is_memref(w[i].type)) {
			w[i].a = p[i].u.value.a;
			w[i].b = p[i].u.value.b;
			w[i].c = p[i].u.value.c;
			continue;
		}
		w[i].size = p[i].u.memref.size;
		w[i].data = p[i].u.memref.buf;
		if (success && w[i].size > r->params[i].size)
			return false;
	}
	return true;
}

static void call_core(struct tvd_service *s, const struct tvd_invoke_req *r,
		      struct tvd_conn *c)
{
	struct tv_tee_param p[TV_TEE_NUM_PARAMS];
	struct tvd_invoke_resp a = {.st = comms(TEE_ERROR_OUT_OF_MEMORY)};
	uint8_t *scratch = to_tee_params(r, p);
	struct tvd_rpc_peer peer;
	if (scratch && !tv_secure_mounted(s->sec)) { /* no session without a store */
		a.st = not_mounted(c, TEE_ORIGIN_COMMS);
	} else if (scratch) {
		tv_err_clear_detail();
		rpc_begin(s, c, &peer);
		a.st.result = tv_stmm_invoke(tv_secure_stmm(s->sec), r->session, r->cmd, p,
					     &a.st.origin);
		rpc_end(s, c, &peer);
		/* The client gets an EFI status only: the cause (a full disk under
		 * the image, a damaged store) goes to the log. */
		if (*tv_err_detail())
			tvd_log("uid %u pid %d: %s", (unsigned)c->peer.uid, (int)c->peer.pid,
				tv_err_detail());
		if (a.st.origin == TEE_ORIGIN_COMMS)
			a.st.origin = TEE_ORIGIN_TEE; /* COMMS is teevard's own voice */
		if (!from_tee_params(r, p, a.st.result == TEE_SUCCESS, a.params))
			a.st = comms(TEE_ERROR_GENERIC);
	}
	struct tvd_frame f;
	queue_or_drop(c, tvd_enc_invoke_resp(&a, &f), &f);
	free(scratch);
}

static void invoke(struct tvd_service *s, struct tvd_conn *c)
{
	struct tvd_invoke_req r;
	uint64_t function;
	struct tvd_invoke_resp a = {.st = comms(TEE_ERROR_BAD_PARAMETERS)};
	/* malformed, or not a session of this connection: BAD_PARAMETERS */
	if (tvd_dec_invoke_req(c->body, c->h.length, &r) == TV_OK && tvd_conn_owns(c, r.session)) {
		enum tvd_access need = tvd_invoke_access(&r, &function);
		if (tvd_allowed(s->policy, &c->peer, need)) {
			call_core(s, &r, c);
			return;
		}
		a.st = refuse(s, c, need, tvd_mm_function_name(function));
	}
	struct tvd_frame f;
	queue_or_drop(c, tvd_enc_invoke_resp(&a, &f), &f);
}

static void close_session(struct tvd_service *s, struct tvd_conn *c)
{
	uint32_t session;
	struct tvd_status st = comms(TEE_ERROR_BAD_PARAMETERS);
	if (tvd_dec_close_req(c->body, c->h.length, &session) == TV_OK &&
	    tvd_conn_owns(c, session)) {
		tv_stmm_close_session(tv_secure_stmm(s->sec), session);
		tvd_conn_remove_session(c, session);
		st = (struct tvd_status){.result = TEE_SUCCESS, .origin = TEE_ORIGIN_TEE};
	}
	answer_status(c, TVD_OP_CLOSE_SESSION, st);
}

static void store_info(struct tvd_service *s, struct tvd_conn *c)
{
	struct tvd_info_req r;
	struct tvd_info_resp a = {.st = comms(TEE_ERROR_BAD_PARAMETERS)};
	bool ok = tvd_dec_info_req(c->body, c->h.length, &r) == TV_OK;
	if (ok && !tvd_allowed(s->policy, &c->peer, TVD_ACCESS_READ))
		a.st = refuse(s, c, TVD_ACCESS_READ, "store info");
	else if (ok && !tv_secure_mounted(s->sec))
		a.st = not_mounted(c, TEE_ORIGIN_TEE);
	else if (ok) {
		tv_secure_store_info(s->sec, &a.info);
		a.info.clients = s->clients;
		a.layout = r.layout; /* the layout asked for, which the client decodes */
		a.st = tee_ok();
	}
	struct tvd_frame f;
	queue_or_drop(c, tvd_enc_info_resp(&a, &f), &f);
}

/* A store error as a TEE result (GlobalPlatform's storage codes where they fit);
 * the client library turns it back into an errno (docs/teevard-protocol.md). */
static uint32_t store_result(int tv_err)
{
	switch (tv_err) {
	case TV_ENOENT: return TEE_ERROR_ITEM_NOT_FOUND;
	case TV_ENOMEM: return TEE_ERROR_OUT_OF_MEMORY;
	case TV_ECORRUPT:
	case TV_EAUTH:
	case TV_EKEY: return TVD_TEE_ERROR_CORRUPT_OBJECT;
	case TV_ENOSPC: return TVD_TEE_ERROR_STORAGE_NO_SPACE;
	case TV_EEXPIRED: return TEE_ERROR_ACCESS_DENIED;
	case TV_EIO:
	case TV_EDEVICE: return TVD_TEE_ERROR_STORAGE_NOT_AVAILABLE;
	default: return TEE_ERROR_GENERIC;
	}
}

#define RPC_ONLY                                                                            \
	"--rpmb rpc: the device is reached only through the RPCs of a client's session "   \
	"requests; check and recover need the in-process or the supplicant route"

/* A mounted store on --rpmb rpc: its device is reachable during a client's
 * OPEN_SESSION or INVOKE only (TVD_OP_RPC is sent during nothing else). */
static bool rpc_only(struct tvd_service *s, struct tvd_conn *c, const char *what)
{
	if (!s->rpc || !tv_secure_mounted(s->sec))
		return false;
	tvd_log("uid %u pid %d: %s refused: %s", (unsigned)c->peer.uid, (int)c->peer.pid, what,
		RPC_ONLY);
	return true;
}

/* Read-only, but it reads the whole device: a read access like STORE_INFO. */
static void store_check(struct tvd_service *s, struct tvd_conn *c)
{
	struct tvd_check_resp a = {.st = comms(TEE_ERROR_BAD_PARAMETERS)};
	bool ok = tvd_dec_empty_req(c->body, c->h.length) == TV_OK;
	if (ok && !tvd_allowed(s->policy, &c->peer, TVD_ACCESS_READ))
		a.st = refuse(s, c, TVD_ACCESS_READ, "a store check");
	else if (ok && rpc_only(s, c, "a store check")) {
		a.st = (struct tvd_status){.result = TVD_TEE_ERROR_STORAGE_NOT_AVAILABLE,
					   .origin = TEE_ORIGIN_TEE};
		snprintf(a.report.detail, sizeof(a.report.detail), "%s", RPC_ONLY);
	} else if (ok) {
		if (!tv_secure_mounted(s->sec))
			(void)not_mounted(c, TEE_ORIGIN_TEE); /* the log line */
		int rc = tv_secure_store_check(s->sec, &a.report);
		a.st = tee_ok();
		if (rc != TV_OK)
			a.st.result = store_result(rc);
	}
	struct tvd_frame f;
	queue_or_drop(c, tvd_enc_check_resp(&a, &f), &f);
}

/* It gives records up for good and lets writes happen again: a write access. */
static void store_recover(struct tvd_service *s, struct tvd_conn *c)
{
	struct tvd_recover_resp a = {.st = comms(TEE_ERROR_BAD_PARAMETERS)};
	bool ok = tvd_dec_empty_req(c->body, c->h.length) == TV_OK;
	if (ok && !tvd_allowed(s->policy, &c->peer, TVD_ACCESS_WRITE))
		a.st = refuse(s, c, TVD_ACCESS_WRITE, "a store recovery");
	else if (ok && rpc_only(s, c, "a store recovery"))
		a.st = (struct tvd_status){.result = TVD_TEE_ERROR_STORAGE_NOT_AVAILABLE,
					   .origin = TEE_ORIGIN_TEE};
	else if (ok) {
		if (!tv_secure_mounted(s->sec))
			(void)not_mounted(c, TEE_ORIGIN_TEE);
		int rc = tv_secure_store_recover(s->sec, &a.rec);
		a.st = tee_ok();
		if (rc != TV_OK)
			a.st.result = store_result(rc);
		else
			tvd_log("store recovered for uid %u pid %d: kept %u variables, gave up %u "
				"damaged place(s) from RPMB block %u", (unsigned)c->peer.uid,
				(int)c->peer.pid, a.rec.kept_vars, a.rec.damage_count,
				a.rec.first_damage_block);
	}
	struct tvd_frame f;
	queue_or_drop(c, tvd_enc_recover_resp(&a, &f), &f);
}

/* Only --rpmb rpc uses it, and there only a client with write access may
 * carry the device: it mounts the store through its own connection (so what
 * it serves is what a failed verification would refuse, nothing less), and it
 * sees the key frame when a new device is keyed. */
static void rpc_enable(struct tvd_service *s, struct tvd_conn *c)
{
	struct tvd_status st;
	if (tvd_dec_empty_req(c->body, c->h.length) != TV_OK) {
		st = comms(TEE_ERROR_BAD_PARAMETERS);
	} else if (s->rpc && !tvd_allowed(s->policy, &c->peer, TVD_ACCESS_WRITE)) {
		st = refuse(s, c, TVD_ACCESS_WRITE, "carrying the RPMB device (RPC_ENABLE)");
	} else {
		if (s->rpc && !c->rpc_enabled)
			tvd_log("uid %u pid %d carries RPCs", (unsigned)c->peer.uid,
				(int)c->peer.pid);
		c->rpc_enabled = true;
		st = tee_ok();
	}
	answer_status(c, TVD_OP_RPC_ENABLE, st);
}

void tvd_dispatch(struct tvd_service *s, struct tvd_conn *c)
{
	switch (c->h.op) {
	case TVD_OP_OPEN_SESSION: open_session(s, c); break;
	case TVD_OP_INVOKE: invoke(s, c); break;
	case TVD_OP_CLOSE_SESSION: close_session(s, c); break;
	case TVD_OP_STORE_INFO: store_info(s, c); break;
	case TVD_OP_STORE_CHECK: store_check(s, c); break;
	case TVD_OP_STORE_RECOVER: store_recover(s, c); break;
	case TVD_OP_RPC_ENABLE: rpc_enable(s, c); break;
	default: answer_status(c, TVD_OP_ERROR, comms(TEE_ERROR_NOT_SUPPORTED)); break;
	}
}

void tvd_drop_sessions(struct tvd_service *s, struct tvd_conn *c)
{
	for (unsigned i = 0; i < TVD_CONN_SESSIONS; i++) {
		if (c->sessions[i] && tv_secure_mounted(s->sec))
			tv_stmm_close_session(tv_secure_stmm(s->sec), c->sessions[i]);
		c->sessions[i] = 0;
	}
}

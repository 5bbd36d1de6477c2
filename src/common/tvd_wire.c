/* SPDX-License-Identifier: BSD-2-Clause */
#include "tvd_wire.h"

#include <stdlib.h>
#include <string.h>

#include "tv_bytes.h"
#include "tv_err.h"

#define INFO_FLAG_EXPIRED 0x1u
#define PHASE_MAX 2u

/* ---- writing: every body is laid out twice, first to size it (p NULL) ---- */

struct wr {
	uint8_t *p;
	size_t off;
};

static void w_u32(struct wr *w, uint32_t v)
{
	if (w->p)
		tv_put_le32(w->p + w->off, v);
	w->off += 4;
}

static void w_u64(struct wr *w, uint64_t v)
{
	if (w->p)
		tv_put_le64(w->p + w->off, v);
	w->off += 8;
}

static void w_bytes(struct wr *w, const uint8_t *d, size_t n)
{
	if (w->p && n)
		memcpy(w->p + w->off, d, n);
	w->off += n;
}

typedef void (*body_fn)(struct wr *w, const void *msg);

static int build(uint16_t op, body_fn fn, const void *msg, struct tvd_frame *out)
{
	struct wr w = {0};
	out->buf = NULL;
	out->len = 0;
	fn(&w, msg);
	if (w.off > TVD_MAX_BODY)
		return TV_EINVAL;
	uint8_t *buf = malloc(TVD_HDR_SIZE + w.off);
	if (!buf)
		return TV_ENOMEM;
	tvd_hdr_encode(buf, op, (uint32_t)w.off);
	w = (struct wr){.p = buf + TVD_HDR_SIZE};
	fn(&w, msg);
	out->buf = buf;
	out->len = TVD_HDR_SIZE + w.off;
	return TV_OK;
}

void tvd_frame_free(struct tvd_frame *f)
{
	if (!f)
		return;
	free(f->buf);
	f->buf = NULL;
	f->len = 0;
}

/* ---- reading: any shortfall marks the reader bad ---- */

struct rd {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

static bool r_has(struct rd *r, uint64_t n)
{
	if (r->bad || n > r->len - r->off)
		r->bad = true;
	return !r->bad;
}

static uint32_t r_u32(struct rd *r)
{
	if (!r_has(r, 4))
		return 0;
	r->off += 4;
	return tv_get_le32(r->p + r->off - 4);
}

static uint64_t r_u64(struct rd *r)
{
	if (!r_has(r, 8))
		return 0;
	r->off += 8;
	return tv_get_le64(r->p + r->off - 8);
}

static const uint8_t *r_bytes(struct rd *r, uint64_t n)
{
	if (!r_has(r, n))
		return NULL;
	r->off += (size_t)n;
	return r->p + r->off - (size_t)n;
}

static int r_end(const struct rd *r)
{
	return !r->bad && r->off == r->len ? TV_OK : TV_EINVAL;
}

static struct rd reader(const uint8_t *body, size_t len)
{
	return (struct rd){.p = body, .len = body ? len : 0, .bad = !body && len};
}

/* ---- header ---- */

void tvd_hdr_encode(uint8_t out[TVD_HDR_SIZE], uint16_t op, uint32_t length)
{
	tv_put_le32(out, TVD_MAGIC);
	tv_put_le16(out + 4, TVD_VERSION);
	tv_put_le16(out + 6, op);
	tv_put_le32(out + 8, length);
}

int tvd_hdr_decode(const uint8_t in[TVD_HDR_SIZE], struct tvd_hdr *out)
{
	if (tv_get_le32(in) != TVD_MAGIC || tv_get_le16(in + 4) != TVD_VERSION)
		return TV_EINVAL;
	uint32_t length = tv_get_le32(in + 8);
	if (length > TVD_MAX_BODY)
		return TV_ERANGE;
	out->op = tv_get_le16(in + 6);
	out->length = length;
	return TV_OK;
}

/* ---- parameter kinds ---- */

static bool is_value(uint32_t t)
{
	return t == TV_TEE_PARAM_VALUE_INPUT || t == TV_TEE_PARAM_VALUE_OUTPUT ||
	       t == TV_TEE_PARAM_VALUE_INOUT;
}

static bool value_out(uint32_t t)
{
	return t == TV_TEE_PARAM_VALUE_OUTPUT || t == TV_TEE_PARAM_VALUE_INOUT;
}

static bool is_memref(uint32_t t)
{
	return t == TV_TEE_PARAM_MEMREF_INPUT || t == TV_TEE_PARAM_MEMREF_OUTPUT ||
	       t == TV_TEE_PARAM_MEMREF_INOUT;
}

static bool memref_in(uint32_t t)
{
	return t == TV_TEE_PARAM_MEMREF_INPUT || t == TV_TEE_PARAM_MEMREF_INOUT;
}

static bool memref_out(uint32_t t)
{
	return t == TV_TEE_PARAM_MEMREF_OUTPUT || t == TV_TEE_PARAM_MEMREF_INOUT;
}

bool tvd_param_type_known(uint32_t type)
{
	return type == TV_TEE_PARAM_NONE || is_value(type) || is_memref(type);
}

/* ---- status (and the reason of a refusal) ---- */

static bool is_denial(uint32_t result, uint32_t origin)
{
	return result == TEE_ERROR_ACCESS_DENIED && origin == TEE_ORIGIN_COMMS;
}

static void w_status(struct wr *w, const struct tvd_status *st)
{
	w_u32(w, st->result);
	w_u32(w, st->origin);
	if (is_denial(st->result, st->origin)) {
		w_u32(w, st->denial.uid);
		w_u32(w, st->denial.access);
		w_u32(w, st->denial.level);
	}
}

static void r_status(struct rd *r, struct tvd_status *st)
{
	memset(st, 0, sizeof(*st));
	st->result = r_u32(r);
	st->origin = r_u32(r);
	st->denied = is_denial(st->result, st->origin);
	if (!st->denied)
		return;
	st->denial.uid = r_u32(r);
	st->denial.access = r_u32(r);
	st->denial.level = r_u32(r);
	if (st->denial.access != TVD_ACCESS_READ && st->denial.access != TVD_ACCESS_WRITE)
		r->bad = true;
	if (st->denial.level > TVD_LEVEL_ALL)
		r->bad = true;
}

static bool status_ok(const struct tvd_status *st)
{
	if (!is_denial(st->result, st->origin))
		return true;
	return (st->denial.access == TVD_ACCESS_READ || st->denial.access == TVD_ACCESS_WRITE) &&
	       st->denial.level <= TVD_LEVEL_ALL;
}

static void body_status(struct wr *w, const void *msg)
{
	w_status(w, msg);
}

int tvd_enc_status(uint16_t op, const struct tvd_status *st, struct tvd_frame *out)
{
	if (!status_ok(st))
		return TV_EINVAL;
	return build(TVD_RESPONSE | op, body_status, st, out);
}

int tvd_dec_status(const uint8_t *body, size_t len, struct tvd_status *out)
{
	struct rd r = reader(body, len);
	r_status(&r, out);
	return r_end(&r);
}

/* ---- OPEN_SESSION ---- */

static void body_open_req(struct wr *w, const void *msg)
{
	const struct tvd_open_req *m = msg;
	w_bytes(w, m->uuid, sizeof(m->uuid));
	w_u32(w, m->login);
}

int tvd_enc_open_req(const struct tvd_open_req *r, struct tvd_frame *out)
{
	return build(TVD_OP_OPEN_SESSION, body_open_req, r, out);
}

int tvd_dec_open_req(const uint8_t *body, size_t len, struct tvd_open_req *out)
{
	struct rd r = reader(body, len);
	const uint8_t *uuid = r_bytes(&r, sizeof(out->uuid));
	if (uuid)
		memcpy(out->uuid, uuid, sizeof(out->uuid));
	out->login = r_u32(&r);
	return r_end(&r);
}

static void body_open_resp(struct wr *w, const void *msg)
{
	const struct tvd_open_resp *m = msg;
	w_status(w, &m->st);
	if (m->st.result == TEE_SUCCESS)
		w_u32(w, m->session);
}

int tvd_enc_open_resp(const struct tvd_open_resp *r, struct tvd_frame *out)
{
	if (!status_ok(&r->st))
		return TV_EINVAL;
	return build(TVD_RESPONSE | TVD_OP_OPEN_SESSION, body_open_resp, r, out);
}

int tvd_dec_open_resp(const uint8_t *body, size_t len, struct tvd_open_resp *out)
{
	struct rd r = reader(body, len);
	r_status(&r, &out->st);
	out->session = out->st.result == TEE_SUCCESS ? r_u32(&r) : 0;
	return r_end(&r);
}

/* ---- INVOKE ---- */

static void w_req_param(struct wr *w, const struct tvd_param *p)
{
	w_u32(w, p->type);
	if (is_value(p->type)) {
		w_u64(w, p->a);
		w_u64(w, p->b);
		w_u64(w, p->c);
	} else if (is_memref(p->type)) {
		w_u64(w, p->size);
		if (memref_in(p->type))
			w_bytes(w, p->data, (size_t)p->size);
	}
}

static void body_invoke_req(struct wr *w, const void *msg)
{
	const struct tvd_invoke_req *m = msg;
	w_u32(w, m->session);
	w_u32(w, m->cmd);
	for (int i = 0; i < TV_TEE_NUM_PARAMS; i++)
		w_req_param(w, &m->params[i]);
}

/* Types known, all memrefs within TVD_MAX_MEMREF together (the receiver
 * allocates output memrefs too), data present where bytes are sent. */
static bool req_params_sane(const struct tvd_param *p)
{
	uint64_t total = 0;
	for (int i = 0; i < TV_TEE_NUM_PARAMS; i++) {
		if (!tvd_param_type_known(p[i].type))
			return false;
		if (!is_memref(p[i].type))
			continue;
		if (p[i].size > TVD_MAX_MEMREF - total)
			return false;
		total += p[i].size;
		if (memref_in(p[i].type) && p[i].size && !p[i].data)
			return false;
	}
	return true;
}

/* On success the output bytes travel and must fit; otherwise sizes are just
 * numbers (a needed size, say). */
static bool resp_params_sane(const struct tvd_param *p, bool success)
{
	uint64_t total = 0;
	for (int i = 0; i < TV_TEE_NUM_PARAMS; i++) {
		if (!tvd_param_type_known(p[i].type))
			return false;
		if (!success || !memref_out(p[i].type))
			continue;
		if (p[i].size > TVD_MAX_MEMREF - total || (p[i].size && !p[i].data))
			return false;
		total += p[i].size;
	}
	return true;
}

int tvd_enc_invoke_req(const struct tvd_invoke_req *r, struct tvd_frame *out)
{
	out->buf = NULL;
	out->len = 0;
	if (!req_params_sane(r->params))
		return TV_EINVAL;
	return build(TVD_OP_INVOKE, body_invoke_req, r, out);
}

static void r_req_param(struct rd *r, struct tvd_param *p, uint64_t *budget)
{
	memset(p, 0, sizeof(*p));
	p->type = r_u32(r);
	if (is_value(p->type)) {
		p->a = r_u64(r);
		p->b = r_u64(r);
		p->c = r_u64(r);
	} else if (is_memref(p->type)) {
		p->size = r_u64(r);
		if (p->size > *budget)
			r->bad = true;
		else
			*budget -= p->size;
		if (!r->bad && memref_in(p->type))
			p->data = r_bytes(r, p->size);
	} else if (p->type != TV_TEE_PARAM_NONE) {
		r->bad = true;
	}
}

int tvd_dec_invoke_req(const uint8_t *body, size_t len, struct tvd_invoke_req *out)
{
	struct rd r = reader(body, len);
	uint64_t budget = TVD_MAX_MEMREF;
	out->session = r_u32(&r);
	out->cmd = r_u32(&r);
	for (int i = 0; i < TV_TEE_NUM_PARAMS; i++)
		r_req_param(&r, &out->params[i], &budget);
	return r_end(&r);
}

static void w_resp_param(struct wr *w, const struct tvd_param *p, bool success)
{
	w_u32(w, p->type);
	if (value_out(p->type)) {
		w_u64(w, p->a);
		w_u64(w, p->b);
		w_u64(w, p->c);
	} else if (memref_out(p->type)) {
		w_u64(w, p->size);
		if (success)
			w_bytes(w, p->data, (size_t)p->size);
	}
}

static void body_invoke_resp(struct wr *w, const void *msg)
{
	const struct tvd_invoke_resp *m = msg;
	w_status(w, &m->st);
	if (m->st.origin == TEE_ORIGIN_COMMS)
		return;
	for (int i = 0; i < TV_TEE_NUM_PARAMS; i++)
		w_resp_param(w, &m->params[i], m->st.result == TEE_SUCCESS);
}

int tvd_enc_invoke_resp(const struct tvd_invoke_resp *r, struct tvd_frame *out)
{
	out->buf = NULL;
	out->len = 0;
	if (!status_ok(&r->st))
		return TV_EINVAL;
	if (r->st.origin != TEE_ORIGIN_COMMS &&
	    !resp_params_sane(r->params, r->st.result == TEE_SUCCESS))
		return TV_EINVAL;
	return build(TVD_RESPONSE | TVD_OP_INVOKE, body_invoke_resp, r, out);
}

static void r_resp_param(struct rd *r, struct tvd_param *p, bool success)
{
	memset(p, 0, sizeof(*p));
	p->type = r_u32(r);
	if (value_out(p->type)) {
		p->a = r_u64(r);
		p->b = r_u64(r);
		p->c = r_u64(r);
	} else if (memref_out(p->type)) {
		p->size = r_u64(r);
		if (success)
			p->data = r_bytes(r, p->size);
	} else if (!tvd_param_type_known(p->type)) {
		r->bad = true;
	}
}

int tvd_dec_invoke_resp(const uint8_t *body, size_t len, struct tvd_invoke_resp *out)
{
	struct rd r = reader(body, len);
	memset(out->params, 0, sizeof(out->params));
	r_status(&r, &out->st);
	out->has_params = !r.bad && out->st.origin != TEE_ORIGIN_COMMS;
	for (int i = 0; out->has_params && i < TV_TEE_NUM_PARAMS; i++)
		r_resp_param(&r, &out->params[i], out->st.result == TEE_SUCCESS);
	return r_end(&r);
}

/* ---- CLOSE_SESSION and STORE_INFO requests ---- */

static void body_close_req(struct wr *w, const void *msg)
{
	w_u32(w, *(const uint32_t *)msg);
}

int tvd_enc_close_req(uint32_t session, struct tvd_frame *out)
{
	return build(TVD_OP_CLOSE_SESSION, body_close_req, &session, out);
}

int tvd_dec_close_req(const uint8_t *body, size_t len, uint32_t *session)
{
	struct rd r = reader(body, len);
	*session = r_u32(&r);
	return r_end(&r);
}

static void body_empty(struct wr *w, const void *msg)
{
	(void)w;
	(void)msg;
}

int tvd_enc_empty_req(uint16_t op, struct tvd_frame *out)
{
	return build(op, body_empty, NULL, out);
}

int tvd_dec_empty_req(const uint8_t *body, size_t len)
{
	(void)body;
	return len == 0 ? TV_OK : TV_EINVAL;
}

/* BASIC is the empty body of the first protocol; HEALTH says its layout. */
static void body_info_req(struct wr *w, const void *msg)
{
	const struct tvd_info_req *m = msg;
	if (m->layout != TVD_INFO_BASIC)
		w_u32(w, m->layout);
}

static bool layout_known(uint32_t layout)
{
	return layout == TVD_INFO_BASIC || layout == TVD_INFO_HEALTH || layout == TVD_INFO_ROUTE ||
	       layout == TVD_INFO_CLIENTS;
}

int tvd_enc_info_req(const struct tvd_info_req *r, struct tvd_frame *out)
{
	out->buf = NULL;
	out->len = 0;
	if (!layout_known(r->layout))
		return TV_EINVAL;
	return build(TVD_OP_STORE_INFO, body_info_req, r, out);
}

int tvd_dec_info_req(const uint8_t *body, size_t len, struct tvd_info_req *out)
{
	struct rd r = reader(body, len);
	out->layout = len == 0 ? TVD_INFO_BASIC : r_u32(&r);
	/* one encoding per request: BASIC is never spelled out */
	if (len != 0 && out->layout != TVD_INFO_HEALTH && out->layout != TVD_INFO_ROUTE &&
	    out->layout != TVD_INFO_CLIENTS)
		r.bad = true;
	return r_end(&r);
}

/* ---- STORE_INFO response ---- */

#define INFO_BASIC_SIZE 60u
#define INFO_HEALTH_SIZE 88u
#define INFO_ROUTE_SIZE 92u
#define INFO_CLIENTS_SIZE 96u
#define INFO_FLAG_READ_ONLY 0x2u

/* On the wire a store is damaged exactly when it counts damage; a damaged
 * store is read-only and an undamaged one has no first damaged block. */
static uint32_t damage_count_of(bool damaged, uint32_t count)
{
	return damaged ? (count ? count : 1) : 0;
}

static void body_info_resp(struct wr *w, const void *msg)
{
	const struct tvd_info_resp *m = msg;
	const struct tv_store_info *i = &m->info;
	bool health = m->layout != TVD_INFO_BASIC;
	w_status(w, &m->st);
	if (m->st.result != TEE_SUCCESS)
		return;
	uint32_t flags = i->counter_expired ? INFO_FLAG_EXPIRED : 0;
	if (health && (i->read_only || i->damaged))
		flags |= INFO_FLAG_READ_ONLY;
	w_u64(w, i->capacity);
	w_u64(w, i->used);
	w_u64(w, i->remaining);
	w_u32(w, i->var_count);
	w_u32(w, i->seg_count);
	w_u32(w, i->seg_bytes);
	w_u32(w, i->free_segs);
	w_u32(w, i->write_counter);
	w_u32(w, flags);
	w_u32(w, i->rpmb_blocks);
	w_u32(w, i->blocks_per_write);
	w_u32(w, i->phase);
	if (!health)
		return;
	w_u32(w, i->format_version);
	w_u32(w, damage_count_of(i->damaged, i->damage_count));
	w_u32(w, i->damaged ? i->first_damage_block : 0);
	w_u64(w, i->mount_blocks_read);
	w_u64(w, i->mount_read_ops);
	if (m->layout == TVD_INFO_ROUTE || m->layout == TVD_INFO_CLIENTS)
		w_u32(w, i->route);
	if (m->layout == TVD_INFO_CLIENTS)
		w_u32(w, i->clients);
}

static bool route_known(uint32_t route)
{
	return route >= TV_STORE_ROUTE_INPROC && route <= TV_STORE_ROUTE_RPC;
}

int tvd_enc_info_resp(const struct tvd_info_resp *r, struct tvd_frame *out)
{
	out->buf = NULL;
	out->len = 0;
	if (!status_ok(&r->st) || (r->st.result == TEE_SUCCESS && !layout_known(r->layout)) ||
	    (r->st.result == TEE_SUCCESS && r->layout >= TVD_INFO_ROUTE &&
	     !route_known(r->info.route)) ||
	    (r->st.result == TEE_SUCCESS && r->layout == TVD_INFO_CLIENTS && r->info.clients == 0))
		return TV_EINVAL;
	return build(TVD_RESPONSE | TVD_OP_STORE_INFO, body_info_resp, r, out);
}

int tvd_dec_info_resp(const uint8_t *body, size_t len, struct tvd_info_resp *out)
{
	struct rd r = reader(body, len);
	struct tv_store_info *i = &out->info;
	memset(i, 0, sizeof(*i));
	out->layout = 0;
	r_status(&r, &out->st);
	if (r.bad || out->st.result != TEE_SUCCESS)
		return r_end(&r);
	size_t left = r.len - r.off;
	if (left != INFO_BASIC_SIZE && left != INFO_HEALTH_SIZE && left != INFO_ROUTE_SIZE &&
	    left != INFO_CLIENTS_SIZE)
		return TV_EINVAL;
	out->layout = left == INFO_CLIENTS_SIZE ? TVD_INFO_CLIENTS
		      : left == INFO_ROUTE_SIZE ? TVD_INFO_ROUTE
		      : left == INFO_HEALTH_SIZE ? TVD_INFO_HEALTH : TVD_INFO_BASIC;
	uint32_t known = INFO_FLAG_EXPIRED;
	i->capacity = r_u64(&r);
	i->used = r_u64(&r);
	i->remaining = r_u64(&r);
	i->var_count = r_u32(&r);
	i->seg_count = r_u32(&r);
	i->seg_bytes = r_u32(&r);
	i->free_segs = r_u32(&r);
	i->write_counter = r_u32(&r);
	uint32_t flags = r_u32(&r);
	i->counter_expired = (flags & INFO_FLAG_EXPIRED) != 0;
	i->rpmb_blocks = r_u32(&r);
	i->blocks_per_write = r_u32(&r);
	i->phase = r_u32(&r);
	if (out->layout != TVD_INFO_BASIC) {
		known |= INFO_FLAG_READ_ONLY;
		i->read_only = (flags & INFO_FLAG_READ_ONLY) != 0;
		i->format_version = r_u32(&r);
		i->damage_count = r_u32(&r);
		i->first_damage_block = r_u32(&r);
		i->mount_blocks_read = r_u64(&r);
		i->mount_read_ops = r_u64(&r);
		i->damaged = i->damage_count != 0;
		if ((i->damaged && !i->read_only) || (!i->damaged && i->first_damage_block))
			r.bad = true;
	}
	if (out->layout == TVD_INFO_ROUTE || out->layout == TVD_INFO_CLIENTS) {
		i->route = r_u32(&r);
		if (!route_known(i->route))
			r.bad = true;
	}
	if (out->layout == TVD_INFO_CLIENTS) {
		i->clients = r_u32(&r);
		if (i->clients == 0) /* the asker is one */
			r.bad = true;
	}
	if ((flags & ~known) || i->phase > PHASE_MAX)
		r.bad = true;
	return r_end(&r);
}

/* ---- STORE_CHECK response ---- */

#define CHECK_FLAG_MATCHES 0x1u

/* Printable text only: a detail reaches a terminal. */
static bool detail_ok(const char *d, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if ((uint8_t)d[k] < 0x20 || (uint8_t)d[k] == 0x7f)
			return false;
	return true;
}

static void body_check_resp(struct wr *w, const void *msg)
{
	const struct tvd_check_resp *m = msg;
	const struct tv_store_check_report *c = &m->report;
	w_status(w, &m->st);
	if (m->st.result == TEE_SUCCESS) {
		w_u32(w, c->format_version);
		w_u32(w, c->matches_ram ? CHECK_FLAG_MATCHES : 0);
		w_u32(w, c->records);
		w_u32(w, c->live_vars);
		w_u32(w, damage_count_of(c->damaged, c->damage_count));
		w_u32(w, c->damaged ? c->first_damage_block : 0);
		w_u64(w, c->blocks_read);
	}
	if (m->st.origin == TEE_ORIGIN_COMMS)
		return;
	size_t n = strnlen(c->detail, sizeof(c->detail));
	w_u32(w, (uint32_t)n);
	w_bytes(w, (const uint8_t *)c->detail, n);
}

int tvd_enc_check_resp(const struct tvd_check_resp *r, struct tvd_frame *out)
{
	out->buf = NULL;
	out->len = 0;
	size_t n = strnlen(r->report.detail, sizeof(r->report.detail));
	if (!status_ok(&r->st) || n > TVD_DETAIL_MAX || !detail_ok(r->report.detail, n))
		return TV_EINVAL;
	return build(TVD_RESPONSE | TVD_OP_STORE_CHECK, body_check_resp, r, out);
}

int tvd_dec_check_resp(const uint8_t *body, size_t len, struct tvd_check_resp *out)
{
	struct rd r = reader(body, len);
	struct tv_store_check_report *c = &out->report;
	memset(c, 0, sizeof(*c));
	r_status(&r, &out->st);
	if (!r.bad && out->st.result == TEE_SUCCESS) {
		c->format_version = r_u32(&r);
		uint32_t flags = r_u32(&r);
		c->matches_ram = (flags & CHECK_FLAG_MATCHES) != 0;
		c->records = r_u32(&r);
		c->live_vars = r_u32(&r);
		c->damage_count = r_u32(&r);
		c->first_damage_block = r_u32(&r);
		c->blocks_read = r_u64(&r);
		c->damaged = c->damage_count != 0;
		if ((flags & ~CHECK_FLAG_MATCHES) || (!c->damaged && c->first_damage_block))
			r.bad = true;
	}
	if (!r.bad && out->st.origin != TEE_ORIGIN_COMMS) {
		uint32_t n = r_u32(&r);
		const uint8_t *d = n <= TVD_DETAIL_MAX ? r_bytes(&r, n) : NULL;
		if (!d && n)
			r.bad = true;
		else if (n && detail_ok((const char *)d, n))
			memcpy(c->detail, d, n);
		else if (n)
			r.bad = true;
	}
	return r_end(&r);
}

/* ---- STORE_RECOVER response ---- */

static void body_recover_resp(struct wr *w, const void *msg)
{
	const struct tvd_recover_resp *m = msg;
	w_status(w, &m->st);
	if (m->st.result != TEE_SUCCESS)
		return;
	w_u32(w, m->rec.kept_vars);
	w_u32(w, m->rec.damage_count);
	w_u32(w, m->rec.first_damage_block);
}

/* A recovery happens only on a damaged store: it gives up at least one place. */
int tvd_enc_recover_resp(const struct tvd_recover_resp *r, struct tvd_frame *out)
{
	out->buf = NULL;
	out->len = 0;
	if (!status_ok(&r->st) || (r->st.result == TEE_SUCCESS && r->rec.damage_count == 0))
		return TV_EINVAL;
	return build(TVD_RESPONSE | TVD_OP_STORE_RECOVER, body_recover_resp, r, out);
}

int tvd_dec_recover_resp(const uint8_t *body, size_t len, struct tvd_recover_resp *out)
{
	struct rd r = reader(body, len);
	memset(&out->rec, 0, sizeof(out->rec));
	r_status(&r, &out->st);
	if (!r.bad && out->st.result == TEE_SUCCESS) {
		out->rec.kept_vars = r_u32(&r);
		out->rec.damage_count = r_u32(&r);
		out->rec.first_damage_block = r_u32(&r);
		if (out->rec.damage_count == 0)
			r.bad = true;
	}
	return r_end(&r);
}

/* TVD_OP_RPC: teevard asks the client (during the client's own request) to
 * carry an OP-TEE RPC; the client answers with TVD_OP_RPC | TVD_RESPONSE. */
static void body_rpc_req(struct wr *w, const void *msg)
{
	const struct tvd_rpc_req *m = msg;
	w_u32(w, m->func);
	w_u32(w, m->in_len);
	w_u32(w, m->out_len);
	w_u32(w, 0);
	w_bytes(w, m->in, m->in_len);
}

int tvd_enc_rpc_req(const struct tvd_rpc_req *r, struct tvd_frame *out)
{
	out->buf = NULL;
	out->len = 0;
	if (r->in_len > TVD_RPC_MAX_IN || r->out_len > TVD_RPC_MAX_OUT || (r->in_len && !r->in))
		return TV_EINVAL;
	return build(TVD_OP_RPC, body_rpc_req, r, out);
}

int tvd_dec_rpc_req(const uint8_t *body, size_t len, struct tvd_rpc_req *out)
{
	struct rd r = reader(body, len);
	struct tvd_rpc_req m = {0};
	memset(out, 0, sizeof(*out));
	m.func = r_u32(&r);
	m.in_len = r_u32(&r);
	m.out_len = r_u32(&r);
	uint32_t reserved = r_u32(&r);
	if (r.bad || reserved || m.in_len > TVD_RPC_MAX_IN || m.out_len > TVD_RPC_MAX_OUT)
		return TV_EINVAL;
	m.in = r_bytes(&r, m.in_len);
	if (r_end(&r) != TV_OK)
		return TV_EINVAL;
	*out = m; /* nothing of a body that does not decode */
	return TV_OK;
}

static void body_rpc_resp(struct wr *w, const void *msg)
{
	const struct tvd_rpc_resp *m = msg;
	w_u32(w, m->ret);
	w_u32(w, m->out_len);
	w_bytes(w, m->out, m->out_len);
}

int tvd_enc_rpc_resp(const struct tvd_rpc_resp *r, struct tvd_frame *out)
{
	out->buf = NULL;
	out->len = 0;
	if (r->out_len > TVD_RPC_MAX_OUT || (r->ret != 0 && r->out_len) ||
	    (r->out_len && !r->out))
		return TV_EINVAL;
	return build(TVD_RESPONSE | TVD_OP_RPC, body_rpc_resp, r, out);
}

int tvd_dec_rpc_resp(const uint8_t *body, size_t len, struct tvd_rpc_resp *out)
{
	struct rd r = reader(body, len);
	struct tvd_rpc_resp m = {0};
	memset(out, 0, sizeof(*out));
	m.ret = r_u32(&r);
	m.out_len = r_u32(&r);
	if (r.bad || m.out_len > TVD_RPC_MAX_OUT || (m.ret != 0 && m.out_len))
		return TV_EINVAL;
	m.out = r_bytes(&r, m.out_len);
	if (r_end(&r) != TV_OK)
		return TV_EINVAL;
	*out = m;
	return TV_OK;
}

/* SPDX-License-Identifier: BSD-2-Clause */
#include "vtee_msg.h"

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tv_err.h"

/* The struct is the wire: no padding, the size the contract names. */
static_assert(sizeof(struct tvv_param) == 32, "tvv_param layout");
static_assert(sizeof(struct tvv_msg) == TVV_MSG_SIZE, "tvv_msg layout");
static_assert(offsetof(struct tvv_msg, payload_len) == 28, "tvv_msg layout");
static_assert(offsetof(struct tvv_msg, uuid) == 32, "tvv_msg layout");
static_assert(offsetof(struct tvv_msg, num_params) == 52, "tvv_msg layout");
static_assert(offsetof(struct tvv_msg, params) == 56, "tvv_msg layout");

enum {
	ATTR_NONE = 0,
	ATTR_VALUE_IN = 1,
	ATTR_VALUE_INOUT = 3,
	ATTR_MEMREF_IN = 5,
	ATTR_MEMREF_OUT = 6,
	ATTR_MEMREF_INOUT = 7,
};

bool vtee_attr_memref(uint32_t attr)
{
	return attr >= ATTR_MEMREF_IN && attr <= ATTR_MEMREF_INOUT;
}

bool vtee_attr_known(uint32_t attr)
{
	return attr <= ATTR_VALUE_INOUT || vtee_attr_memref(attr);
}

bool vtee_carries(const struct tvv_msg *m, unsigned int i)
{
	uint32_t attr = m->params[i].attr;
	if (!(m->op & TVV_RESPONSE))
		return attr == ATTR_MEMREF_IN || attr == ATTR_MEMREF_INOUT;
	return m->ret == 0 && (attr == ATTR_MEMREF_OUT || attr == ATTR_MEMREF_INOUT);
}

static bool op_ok(uint16_t op, bool response)
{
	if (((op & TVV_RESPONSE) != 0) != response)
		return false;
	op &= (uint16_t)~TVV_RESPONSE;
	return op == TVV_OP_OPEN_SESSION || op == TVV_OP_INVOKE || op == TVV_OP_CLOSE_SESSION;
}

static bool param_ok(const struct tvv_param *p)
{
	if (p->reserved || !vtee_attr_known(p->attr))
		return false;
	return !vtee_attr_memref(p->attr) || (p->b == 0 && p->c == 0);
}

/* Everything but the length; *carried gets the sum of the carried sizes. */
static bool header_ok(const struct tvv_msg *m, bool response, uint64_t *carried)
{
	if (m->magic != TVV_MAGIC || m->version != TVV_VERSION || !op_ok(m->op, response) ||
	    m->num_params != TVV_NUM_PARAMS)
		return false;
	uint64_t sum = 0;
	for (unsigned int i = 0; i < TVV_NUM_PARAMS; i++) {
		const struct tvv_param *p = &m->params[i];
		if (!param_ok(p))
			return false;
		if (!vtee_carries(m, i))
			continue;
		if (p->a > TVV_MAX_PAYLOAD - sum) /* sum <= TVV_MAX_PAYLOAD: no overflow */
			return false;
		sum += p->a;
	}
	*carried = sum;
	return true;
}

int vtee_decode(const uint8_t *buf, size_t len, bool response, struct vtee_view *out)
{
	memset(out, 0, sizeof(*out));
	if (!buf || len < TVV_MSG_SIZE)
		return TV_EINVAL;
	memcpy(&out->m, buf, TVV_MSG_SIZE);
	uint64_t carried = 0;
	if (!header_ok(&out->m, response, &carried) || out->m.payload_len != carried ||
	    len - TVV_MSG_SIZE != carried)
		return TV_EINVAL;
	size_t off = TVV_MSG_SIZE;
	for (unsigned int i = 0; i < TVV_NUM_PARAMS; i++) {
		if (!vtee_carries(&out->m, i))
			continue;
		out->data[i] = buf + off;
		off += (size_t)out->m.params[i].a;
	}
	return TV_OK;
}

bool vtee_peek(const uint8_t *buf, size_t len, uint32_t *id, uint16_t *op)
{
	struct tvv_msg m;
	if (!buf || len < TVV_MSG_SIZE)
		return false;
	memcpy(&m, buf, TVV_MSG_SIZE);
	if (m.magic != TVV_MAGIC || m.version != TVV_VERSION)
		return false;
	*id = m.id;
	*op = m.op;
	return true;
}

int vtee_encode(const struct vtee_view *v, uint8_t **out, size_t *len)
{
	struct tvv_msg m = v->m;
	uint64_t carried = 0;
	*out = NULL;
	*len = 0;
	if (!header_ok(&m, (m.op & TVV_RESPONSE) != 0, &carried))
		return TV_EINVAL;
	for (unsigned int i = 0; i < TVV_NUM_PARAMS; i++)
		if (vtee_carries(&m, i) && m.params[i].a && !v->data[i])
			return TV_EINVAL;
	m.payload_len = (uint32_t)carried;
	uint8_t *buf = malloc(TVV_MSG_SIZE + (size_t)carried);
	if (!buf)
		return TV_ENOMEM;
	memcpy(buf, &m, TVV_MSG_SIZE);
	size_t off = TVV_MSG_SIZE;
	for (unsigned int i = 0; i < TVV_NUM_PARAMS; i++) {
		size_t n = vtee_carries(&m, i) ? (size_t)m.params[i].a : 0;
		if (n)
			memcpy(buf + off, v->data[i], n);
		off += n;
	}
	*out = buf;
	*len = off;
	return TV_OK;
}

/* ---- RPC messages ---- */

static bool rpc_param_ok(const struct tvv_param *p, uint32_t attr)
{
	return p->attr == attr && p->reserved == 0 && p->a <= TVV_MAX_PAYLOAD && p->b == 0 &&
	       p->c == 0;
}

static bool param_zero(const struct tvv_param *p)
{
	return p->attr == ATTR_NONE && p->reserved == 0 && p->a == 0 && p->b == 0 && p->c == 0;
}

/* Every field but the length; *carried gets the payload's size. */
static bool rpc_header_ok(const struct tvv_msg *m, bool answer, uint32_t *carried)
{
	uint16_t op = answer ? (uint16_t)(TVV_OP_RPC | TVV_RESPONSE) : (uint16_t)TVV_OP_RPC;
	if (m->magic != TVV_MAGIC || m->version != TVV_VERSION || m->op != op ||
	    m->num_params != TVV_NUM_PARAMS)
		return false;
	if (!answer && (m->ret != 0 || m->ret_origin != 0))
		return false;
	if (!rpc_param_ok(&m->params[0], ATTR_MEMREF_IN) ||
	    !rpc_param_ok(&m->params[1], ATTR_MEMREF_OUT) || !param_zero(&m->params[2]) ||
	    !param_zero(&m->params[3]))
		return false;
	if (answer && m->ret != 0 && m->params[1].a != 0)
		return false;
	*carried = (uint32_t)(answer ? m->params[1].a : m->params[0].a);
	return true;
}

int vtee_rpc_encode(const struct vtee_rpc *r, bool answer, uint8_t **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	struct tvv_msg m = {
		.magic = TVV_MAGIC, .version = TVV_VERSION,
		.op = answer ? (uint16_t)(TVV_OP_RPC | TVV_RESPONSE) : (uint16_t)TVV_OP_RPC,
		.id = r->id, .session = r->session, .func = r->func,
		.ret = answer ? r->ret : 0, .ret_origin = answer ? r->ret_origin : 0,
		.login = r->login, .num_params = TVV_NUM_PARAMS,
	};
	memcpy(m.uuid, r->uuid, sizeof(m.uuid));
	m.params[0] = (struct tvv_param){.attr = ATTR_MEMREF_IN, .a = r->in_len};
	m.params[1] = (struct tvv_param){.attr = ATTR_MEMREF_OUT, .a = r->out_len};
	uint32_t carried = 0;
	if (!rpc_header_ok(&m, answer, &carried) || (carried && !r->data))
		return TV_EINVAL;
	m.payload_len = carried;
	uint8_t *buf = malloc(TVV_MSG_SIZE + (size_t)carried);
	if (!buf)
		return TV_ENOMEM;
	memcpy(buf, &m, TVV_MSG_SIZE);
	if (carried)
		memcpy(buf + TVV_MSG_SIZE, r->data, carried);
	*out = buf;
	*len = TVV_MSG_SIZE + (size_t)carried;
	return TV_OK;
}

int vtee_rpc_decode(const uint8_t *buf, size_t len, bool answer, struct vtee_rpc *out)
{
	struct tvv_msg m;
	memset(out, 0, sizeof(*out));
	if (!buf || len < TVV_MSG_SIZE)
		return TV_EINVAL;
	memcpy(&m, buf, TVV_MSG_SIZE);
	uint32_t carried = 0;
	if (!rpc_header_ok(&m, answer, &carried) || m.payload_len != carried ||
	    len - TVV_MSG_SIZE != carried)
		return TV_EINVAL;
	*out = (struct vtee_rpc){
		.id = m.id, .session = m.session, .func = m.func, .ret = m.ret,
		.ret_origin = m.ret_origin, .login = m.login, .in_len = (uint32_t)m.params[0].a,
		.out_len = (uint32_t)m.params[1].a, .data = carried ? buf + TVV_MSG_SIZE : NULL,
	};
	memcpy(out->uuid, m.uuid, sizeof(out->uuid));
	return TV_OK;
}

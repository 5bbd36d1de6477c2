/* SPDX-License-Identifier: BSD-2-Clause */
/* One supplicant request of the TEE front end: the params checked, the
 * function dispatched, the answer written in place (supp_tee.h). */
#include "supp_tee_int.h"

#include <stdarg.h>
#include <string.h>

#include <teevar/tee.h>

#include "rpmb_rpc.h"
#include "tv_err.h"

#define META TEE_IOCTL_PARAM_ATTR_META

void supp_tee_note(const struct supp_tee *t, const char *fmt, ...)
{
	if (!t->log)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("supplicant: ", t->log);
	vfprintf(t->log, fmt, ap);
	fputc('\n', t->log);
	fflush(t->log);
	va_end(ap);
}

static uint64_t type_of(const struct tee_ioctl_param *p)
{
	return p->attr & TEE_IOCTL_PARAM_ATTR_TYPE_MASK;
}

static bool is_value(const struct tee_ioctl_param *p)
{
	return type_of(p) >= TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT &&
	       type_of(p) <= TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
}

static bool is_memref_in(const struct tee_ioctl_param *p)
{
	return type_of(p) == TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT ||
	       type_of(p) == TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT;
}

static bool is_memref_out(const struct tee_ioctl_param *p)
{
	return type_of(p) == TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT ||
	       type_of(p) == TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT;
}

/* The META params lead (*nmeta of them); false for unknown attribute bits or a
 * META param after another one (tee-supplicant exits on that). */
static bool split_params(const struct supp_tee_msg *m, size_t *nmeta)
{
	size_t i = 0;
	while (i < m->num_params && (m->params[i].attr & META))
		i++;
	*nmeta = i;
	for (size_t j = 0; j < m->num_params; j++)
		if ((m->params[j].attr & ~(uint64_t)TEE_IOCTL_PARAM_ATTR_MASK) ||
		    (j >= i && (m->params[j].attr & META)))
			return false;
	return true;
}

static uint32_t refuse(const struct supp_tee *t, uint32_t func, const char *why)
{
	supp_tee_note(t, "func %u refused: %s", func, why);
	return TEE_ERROR_BAD_PARAMETERS;
}

static uint32_t shm_alloc(struct supp_tee *t, struct tee_ioctl_param *p, size_t n)
{
	if (n != 1 || !is_value(p))
		return refuse(t, SUPP_TEE_FUNC_SHM_ALLOC, "wants one value parameter");
	int32_t id = -1;
	uint32_t ret = supp_shm_alloc(t, p->b, &id);
	if (ret == TEE_SUCCESS)
		p->c = (uint64_t)id; /* a and b stay as they came */
	return ret;
}

static uint32_t shm_free(struct supp_tee *t, const struct tee_ioctl_param *p, size_t n)
{
	if (n != 1 || !is_value(p))
		return refuse(t, SUPP_TEE_FUNC_SHM_FREE, "wants one value parameter");
	return supp_shm_free(t, p->b);
}

static uint32_t dev_info(struct supp_tee *t, uint8_t *out)
{
	struct rpmb_dev_info info = {0};
	int rc = rpmb_dev_get_info(t->dev, &info);
	if (rc != TV_OK)
		supp_tee_note(t, "device information unavailable");
	rpmb_rpc_dev_info_encode(&info, rc == TV_OK ? RPMB_RPC_DEV_INFO_OK : RPMB_RPC_DEV_INFO_ERROR,
				 t->out);
	memcpy(out, t->out, RPMB_RPC_DEV_INFO_SIZE);
	return TEE_SUCCESS;
}

/* The request is copied out of the shared memory before it is checked, and
 * the response copied in only when complete: what the device sees is what was
 * checked, whatever else writes to the buffer meanwhile. */
static uint32_t rpmb(struct supp_tee *t, const struct tee_ioctl_param *p, size_t n)
{
	if (n != 2 || !is_memref_in(&p[0]) || !is_memref_out(&p[1]))
		return refuse(t, SUPP_TEE_FUNC_RPMB, "wants an input and an output memref");
	if (p[0].b > RPMB_RPC_MAX_IN || p[1].b > RPMB_RPC_MAX_OUT)
		return refuse(t, SUPP_TEE_FUNC_RPMB, "message too large");
	const uint8_t *in = supp_shm_resolve(t, &p[0]);
	uint8_t *out = supp_shm_resolve(t, &p[1]);
	if (!in || !out)
		return refuse(t, SUPP_TEE_FUNC_RPMB,
			      "memref outside this supplicant's shared memory");
	size_t in_len = (size_t)p[0].b, out_len = (size_t)p[1].b;
	memcpy(t->in, in, in_len);
	struct rpmb_rpc_req req;
	int rc = rpmb_rpc_req_decode(t->in, in_len, out_len, 0, &req);
	if (rc == TV_ENOENT) {
		supp_tee_note(t, "RPMB request for another device refused");
		return TEE_ERROR_ITEM_NOT_FOUND;
	}
	if (rc != TV_OK)
		return refuse(t, SUPP_TEE_FUNC_RPMB, "malformed RPMB message");
	if (req.cmd == RPMB_RPC_CMD_GET_DEV_INFO)
		return dev_info(t, out);
	rc = rpmb_dev_route(t->dev, req.frames, req.block_count, t->out, req.nresp);
	if (rc != TV_OK) {
		supp_tee_note(t, "device request failed");
		return TEE_ERROR_GENERIC;
	}
	memcpy(out, t->out, out_len);
	return TEE_SUCCESS;
}

size_t supp_tee_handle(struct supp_tee *t, struct supp_tee_msg *m)
{
	uint32_t func = m->func, ret;
	size_t nmeta = 0;
	if (m->num_params > SUPP_TEE_NUM_PARAMS) {
		supp_tee_note(t, "driver returned %u params for %u slots", m->num_params,
			      SUPP_TEE_NUM_PARAMS);
		m->num_params = SUPP_TEE_NUM_PARAMS;
		ret = TEE_ERROR_BAD_PARAMETERS;
	} else if (!split_params(m, &nmeta)) {
		ret = refuse(t, func, "unknown attribute bits or a misplaced meta parameter");
	} else {
		struct tee_ioctl_param *p = m->params + nmeta;
		size_t n = m->num_params - nmeta;
		switch (func) {
		case SUPP_TEE_FUNC_SHM_ALLOC:
			ret = shm_alloc(t, p, n);
			break;
		case SUPP_TEE_FUNC_SHM_FREE:
			ret = shm_free(t, p, n);
			break;
		case SUPP_TEE_FUNC_RPMB:
			ret = rpmb(t, p, n);
			break;
		default:
			supp_tee_note(t, "func %u not supported", func);
			ret = TEE_ERROR_NOT_SUPPORTED;
		}
	}
	m->func = ret;
	return 8u + (size_t)m->num_params * 32u;
}

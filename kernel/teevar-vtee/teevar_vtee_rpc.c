// SPDX-License-Identifier: GPL-2.0-only
/*
 * teevar-vtee: one TVV_OP_RPC of the bridge, run against the supplicant in
 * the waiting caller's context, as Linux's OP-TEE driver runs the secure
 * world's RPCs (drivers/tee/optee/rpc.c) with in-kernel RPMB routing off.
 *
 * func 1 (legacy RPMB): the request's bytes go into memory the supplicant
 * allocated for this kernel request (SHM_ALLOC, func 6: VALUE_INOUT b = size,
 * c <- its shm id, kept and reused for the request's later RPMB RPCs), the
 * request at offset 0 and the response at round_up(in_len, 4096), then
 * func 1 with [MEMREF_INPUT 0, in_len] [MEMREF_OUTPUT resp, out_len]. When
 * the kernel request is over the module drops its reference and sends
 * SHM_FREE (func 7, VALUE_INOUT b = id), whose answer does not matter.
 * Any other func goes to the supplicant with one VALUE_INOUT (zeros) and
 * only its result comes back; SHM_ALLOC and SHM_FREE are the module's own.
 * One deadline, rpc_timeout_ms, bounds everything one RPC asks.
 */

#include <linux/jiffies.h>
#include <linux/math.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "teevar_vtee_priv.h"

#define RPC_SHM_ALIGN 4096u     /* OP-TEE rounds each part to 4 KiB */

bool vtee_rpc_msg_ok(const struct tvv_msg *q, size_t len)
{
	u64 in, out;
	u32 i;

	if (len < TVV_MSG_SIZE || q->op != TVV_OP_RPC ||
	    q->num_params != TVV_NUM_PARAMS || q->ret || q->ret_origin)
		return false;
	for (i = 0; i < TVV_NUM_PARAMS; i++) {
		const struct tvv_param *p = &q->params[i];
		u32 want = i == 0 ? TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT :
			   i == 1 ? TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT :
				    TEE_IOCTL_PARAM_ATTR_TYPE_NONE;

		if (p->attr != want || p->reserved || p->b || p->c ||
		    (want == TEE_IOCTL_PARAM_ATTR_TYPE_NONE && p->a))
			return false;
	}
	in = q->params[0].a;
	out = q->params[1].a;
	if (in > TVV_RPC_MAX_IN || out > TVV_RPC_MAX_OUT)
		return false;
	if (q->func == VTEE_RPC_SHM_ALLOC || q->func == VTEE_RPC_SHM_FREE)
		return false; /* the module's own business with the supplicant */
	if (q->func == VTEE_RPC_RPMB && (!in || !out))
		return false;
	return q->payload_len == in && len == TVV_MSG_SIZE + in;
}

static unsigned long rpc_deadline(void)
{
	return jiffies + msecs_to_jiffies(vtee_rpc_timeout_ms);
}

static u32 rpc_fail(int rc)
{
	return rc == -ENOMEM ? TEEC_ERROR_OUT_OF_MEMORY : TEEC_ERROR_COMMUNICATION;
}

static void rpc_shm_release(struct tee_context *cctx, struct vtee_rpc_shm *rs)
{
	struct tee_param p = { .attr = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT };
	u64 gen = rs->gen;
	u32 ret;

	if (!rs->shm)
		return;
	p.u.value.b = rs->id;
	/* Put first (OP-TEE's order): the supplicant's close drops the last. */
	if (vtee_supp_drop(rs->shm, rs->gen))
		vtee_supp_call(cctx, &gen, VTEE_RPC_SHM_FREE, 1, &p,
			       rpc_deadline(), &ret);
	rs->shm = NULL;
}

void vtee_rpc_shm_end(struct tee_context *cctx, struct vtee_rpc_shm *rs)
{
	rpc_shm_release(cctx, rs);
}

/* rs holds at least size bytes of the current supplicant's memory, or the
 * TEE result that says why not. */
static u32 rpc_shm_get(struct tee_context *cctx, struct vtee_rpc_shm *rs,
		       size_t size, unsigned long deadline)
{
	struct tee_param p = { .attr = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT };
	struct tee_shm *shm;
	u64 gen = 0;
	u32 ret;
	int rc;

	if (rs->shm && rs->size >= size && rs->gen == vtee_supp_gen())
		return TEEC_SUCCESS;
	rpc_shm_release(cctx, rs); /* too small, or of a supplicant now gone */

	p.u.value.b = size; /* a = OPTEE_RPC_SHM_TYPE_APPL (0) */
	rc = vtee_supp_call(cctx, &gen, VTEE_RPC_SHM_ALLOC, 1, &p, deadline, &ret);
	if (rc)
		return rpc_fail(rc);
	if (ret != TEEC_SUCCESS)
		return TEEC_ERROR_OUT_OF_MEMORY; /* as OP-TEE's driver says it */
	if (p.u.value.c > INT_MAX)
		return TEEC_ERROR_COMMUNICATION;
	shm = vtee_supp_hold(gen, p.u.value.c);
	if (IS_ERR(shm))
		return TEEC_ERROR_COMMUNICATION;
	rs->shm = shm;
	rs->gen = gen;
	rs->id = p.u.value.c;
	rs->size = size;
	if (shm->size < size) { /* not what was asked for */
		rpc_shm_release(cctx, rs);
		return TEEC_ERROR_COMMUNICATION;
	}
	return TEEC_SUCCESS;
}

/* func 1: out (out_len bytes, zeroed) gets the response on success. */
static u32 rpc_rpmb(struct tee_context *cctx, struct vtee_rpc_shm *rs,
		    const u8 *in, size_t in_len, u8 *out, size_t out_len,
		    u32 *origin)
{
	size_t resp = round_up(in_len, RPC_SHM_ALIGN);
	unsigned long deadline = rpc_deadline();
	struct tee_param p[2] = {};
	u64 gen;
	u32 ret;
	int rc;

	*origin = TEEC_ORIGIN_COMMS;
	ret = rpc_shm_get(cctx, rs, resp + round_up(out_len, RPC_SHM_ALIGN), deadline);
	if (ret != TEEC_SUCCESS)
		return ret;
	/* No stale response from an earlier RPC can come back as this one's. */
	if (vtee_shm_copy(rs->shm, 0, (void *)in, in_len, true) ||
	    vtee_shm_copy(rs->shm, resp, out, out_len, true))
		return TEEC_ERROR_COMMUNICATION;

	p[0].attr = TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	p[0].u.memref.shm = rs->shm;
	p[0].u.memref.shm_offs = 0;
	p[0].u.memref.size = in_len;
	p[1].attr = TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT;
	p[1].u.memref.shm = rs->shm;
	p[1].u.memref.shm_offs = resp;
	p[1].u.memref.size = out_len;
	gen = rs->gen;
	rc = vtee_supp_call(cctx, &gen, VTEE_RPC_RPMB, 2, p, deadline, &ret);
	if (rc)
		return rpc_fail(rc);
	*origin = 0;
	if (ret == TEEC_SUCCESS && vtee_shm_copy(rs->shm, resp, out, out_len, false)) {
		*origin = TEEC_ORIGIN_COMMS;
		return TEEC_ERROR_COMMUNICATION;
	}
	return ret;
}

static u32 rpc_other(struct tee_context *cctx, u32 func, u32 *origin)
{
	struct tee_param p = { .attr = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT };
	u64 gen = 0;
	u32 ret;
	int rc;

	rc = vtee_supp_call(cctx, &gen, func, 1, &p, rpc_deadline(), &ret);
	if (rc) {
		*origin = TEEC_ORIGIN_COMMS;
		return rpc_fail(rc);
	}
	*origin = 0;
	return ret;
}

struct tvv_msg *vtee_rpc_run(struct tee_context *cctx, struct vtee_rpc_shm *rs,
			     const struct tvv_msg *q, size_t *alen)
{
	size_t in_len = q->params[0].a, out_len = q->params[1].a;
	bool rpmb = q->func == VTEE_RPC_RPMB;
	struct tvv_msg *a;
	u32 ret, origin;

	a = kvzalloc(TVV_MSG_SIZE + (rpmb ? out_len : 0), GFP_KERNEL);
	if (!a)
		return NULL;
	*a = *q;
	a->op = TVV_OP_RPC | TVV_RESPONSE;
	a->params[1].a = 0;
	a->payload_len = 0;
	if (rpmb)
		ret = rpc_rpmb(cctx, rs, (const u8 *)q + TVV_MSG_SIZE, in_len,
			       (u8 *)a + TVV_MSG_SIZE, out_len, &origin);
	else
		ret = rpc_other(cctx, q->func, &origin);
	a->ret = ret;
	a->ret_origin = origin;
	if (rpmb && ret == TEEC_SUCCESS) {
		a->params[1].a = out_len;
		a->payload_len = out_len;
	}
	*alen = TVV_MSG_SIZE + a->payload_len;
	return a;
}

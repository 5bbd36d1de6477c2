/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * teevar-vtee internals shared by its three files:
 *   teevar_vtee_main.c  /dev/tee0 (the clients' TEE), /dev/teevar-vtee (the
 *                       bridge's end), the StMM device, the module;
 *   teevar_vtee_supp.c  /dev/teepriv0 (the supplicant's end) and its queue of
 *                       requests, as Linux's OP-TEE driver drives it;
 *   teevar_vtee_rpc.c   one TVV_OP_RPC from the bridge, run against the
 *                       supplicant (RPMB through SHM_ALLOC'd memory).
 */
#ifndef TEEVAR_VTEE_PRIV_H
#define TEEVAR_VTEE_PRIV_H

#include <linux/tee_core.h>
#include <linux/types.h>

#include "teevar_vtee.h"

#define VTEE_NAME "teevar-vtee"

/* GlobalPlatform TEE Client API codes (as OP-TEE's driver uses them) */
#define TEEC_SUCCESS 0x00000000u
#define TEEC_ERROR_BAD_PARAMETERS 0xFFFF0006u
#define TEEC_ERROR_OUT_OF_MEMORY 0xFFFF000Cu
#define TEEC_ERROR_COMMUNICATION 0xFFFF000Eu
#define TEEC_ORIGIN_COMMS 0x00000002u

/* OP-TEE RPC functions the module itself knows (optee_rpc_cmd.h) */
#define VTEE_RPC_RPMB 1u
#define VTEE_RPC_SHM_ALLOC 6u
#define VTEE_RPC_SHM_FREE 7u

/* Module parameters (teevar_vtee_supp.c) */
extern unsigned int vtee_rpc_timeout_ms;
extern bool vtee_supp_enum;

/* Copy between a tee_shm (pool buffer or registered pages) and buf. */
int vtee_shm_copy(struct tee_shm *shm, size_t offs, void *buf, size_t len,
		  bool to_shm);

/* Register the StMM device on the TEE bus (once there, it stays), from a
 * work item. */
void vtee_stmm_schedule(void);

/* ---- the supplicant (teevar_vtee_supp.c) ---- */

int vtee_supp_init(struct device *parent);
void vtee_supp_exit(void);

/* The attached supplicant's generation (0: none). Every supplicant that
 * opens teepriv0 gets a new one; 0 is never a generation. */
u64 vtee_supp_gen(void);

/*
 * Run one request on the supplicant for a caller (cctx: its context, whose
 * supp_nowait says whether it may wait for a supplicant to appear). *gen 0:
 * whichever supplicant; else only that one (-EPIPE at once otherwise); on
 * return, the generation that answered. Returns 0 and the supplicant's result
 * in *ret, with the output params updated; -ENOTCONN no supplicant (kernel
 * caller), -ETIMEDOUT not answered by deadline (jiffies), -EINTR killed
 * while waiting, -EPIPE the supplicant went away, -ENOMEM.
 */
int vtee_supp_call(struct tee_context *cctx, u64 *gen, u32 func, u32 num_params,
		   struct tee_param *param, unsigned long deadline, u32 *ret);

/*
 * Hold a reference to the supplicant's shm id (from SHM_ALLOC) of generation
 * gen; counted so that a supplicant that died while the module holds its
 * memory is noticed (vtee_supp_drop releases it).
 */
struct tee_shm *vtee_supp_hold(u64 gen, int id);
/* Give back a hold; true when gen is still the current supplicant. */
bool vtee_supp_drop(struct tee_shm *shm, u64 gen);

/* ---- one RPC (teevar_vtee_rpc.c) ---- */

/* The supplicant memory one kernel request uses for its RPMB RPCs. */
struct vtee_rpc_shm {
	struct tee_shm *shm;        /* held; NULL none */
	u64 gen;                    /* of the supplicant that allocated it */
	int id;                     /* its id in that supplicant's context */
	size_t size;                /* what SHM_ALLOC asked for */
};

/* Is q a well-formed TVV_OP_RPC message of len bytes? (request not checked) */
bool vtee_rpc_msg_ok(const struct tvv_msg *q, size_t len);

/*
 * Run RPC q for a caller (cctx) and build its answer (kvmalloc'd, *alen
 * bytes); NULL only when memory runs out.
 */
struct tvv_msg *vtee_rpc_run(struct tee_context *cctx, struct vtee_rpc_shm *rs,
			     const struct tvv_msg *q, size_t *alen);

/* The kernel request is over: release its supplicant memory (SHM_FREE). */
void vtee_rpc_shm_end(struct tee_context *cctx, struct vtee_rpc_shm *rs);

#endif

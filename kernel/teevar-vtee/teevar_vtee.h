/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * teevar-vtee: the messages on /dev/teevar-vtee, between the virtual TEE
 * (kernel module) and the process that carries them to teevar's secure core
 * (teevar-vtee-bridge). Shared by both; docs/qemu.md describes the protocol.
 *
 * Every message is one read() (request, kernel -> bridge) or one write()
 * (response, bridge -> kernel): a struct tvv_msg, then the memref bytes of the
 * parameters in parameter order. All fields are in the CPU's byte order (the
 * two ends run on one machine).
 *
 * Memref bytes carried:
 *   request:  MEMREF_INPUT and MEMREF_INOUT: params[i].a bytes each;
 *   response: only when ret == TEEC_SUCCESS (0): MEMREF_OUTPUT and
 *             MEMREF_INOUT: params[i].a bytes each, at most what was sent;
 *             otherwise none, and params[i].a is the size the TEE reported
 *             (TEEC_ERROR_SHORT_BUFFER: the size it needs).
 * payload_len is the sum of the memref bytes that follow the header.
 *
 * Session ids are the module's (never 0, unique): OPEN names the new one,
 * and the answer echoes it. An INVOKE names its session's uuid and login
 * too: a bridge that does not know the session (it was restarted) opens it
 * anew with them, under the same id.
 *
 * TVV_OP_RPC: while the bridge serves a kernel request (an OPEN_SESSION or
 * INVOKE it has read and not yet answered), the secure side may need the
 * normal world's supplicant, as OP-TEE's RPCs do. The bridge writes one
 * message: op TVV_OP_RPC (no response bit), id and session of that request,
 * func the OP-TEE RPC function, ret = ret_origin = 0, uuid/login the
 * request's or zero, params[0] = {MEMREF_INPUT, a = in_len},
 * params[1] = {MEMREF_OUTPUT, a = out_len}, params[2..3] NONE, then the
 * in_len bytes (payload_len = in_len). The module runs it against the
 * supplicant on /dev/teepriv0 and queues the answer for read(): op
 * TVV_OP_RPC | TVV_RESPONSE, the same id, session, func, uuid, login,
 * params[0] echoed, params[1].a = the bytes that follow (func 1 with ret 0:
 * out_len; otherwise 0), ret the result, ret_origin TEEC_ORIGIN_COMMS (2)
 * when the module failed it (no supplicant, rpc_timeout_ms, the supplicant
 * died), 0 when ret is the supplicant's own answer. One RPC per request at a
 * time; the request's timeout_ms is stopped while it runs.
 */
#ifndef TEEVAR_VTEE_H
#define TEEVAR_VTEE_H

#include <linux/types.h>

#define TVV_MAGIC 0x56565654u          /* "TVVV" in little-endian memory */
#define TVV_VERSION 1u
#define TVV_NUM_PARAMS 4u
#define TVV_MAX_PAYLOAD (1u << 20)     /* memref bytes of one message */
#define TVV_RESPONSE 0x8000u           /* op bit of every response */

enum tvv_op {
	TVV_OP_OPEN_SESSION = 1,       /* uuid, login -> session */
	TVV_OP_INVOKE = 2,             /* session, func, params -> params */
	TVV_OP_CLOSE_SESSION = 3,      /* session -> (nothing) */
	TVV_OP_RPC = 4,                /* bridge -> kernel, during a request: */
					/*   an OP-TEE RPC (func) for the supplicant */
};

/*
 * One parameter. attr: TEE_IOCTL_PARAM_ATTR_TYPE_* of <linux/tee.h>
 * (0 NONE, 1-3 VALUE_INPUT/OUTPUT/INOUT, 5-7 MEMREF_INPUT/OUTPUT/INOUT).
 * Values use a, b, c; memrefs use a as their size in bytes (b, c zero).
 */
struct tvv_param {
	__u32 attr;
	__u32 reserved;                /* zero */
	__u64 a;
	__u64 b;
	__u64 c;
};

struct tvv_msg {
	__u32 magic;                   /* TVV_MAGIC */
	__u16 version;                 /* TVV_VERSION */
	__u16 op;                      /* enum tvv_op; | TVV_RESPONSE in a response */
	__u32 id;                      /* request id, echoed in the response */
	__u32 session;                 /* OPEN: the id the module gives the new */
					/*   session; INVOKE, CLOSE: the session */
	__u32 func;                    /* INVOKE: the command */
	__u32 ret;                     /* response: TEE result (TEEC_*) */
	__u32 ret_origin;              /* response: TEEC_ORIGIN_* */
	__u32 payload_len;             /* memref bytes after this struct */
	__u8 uuid[16];                 /* OPEN, INVOKE: the session's trusted */
	__u32 login;                   /*   application (big-endian) and login */
	__u32 num_params;              /* TVV_NUM_PARAMS */
	struct tvv_param params[TVV_NUM_PARAMS];
};

#define TVV_MSG_SIZE 184u              /* sizeof(struct tvv_msg) */

/* TVV_OP_RPC limits: a legacy RPMB request (6-byte header + 512 frames of
 * 512 bytes) and its response frames. */
#define TVV_RPC_MAX_IN (6u + 512u * 512u)
#define TVV_RPC_MAX_OUT (512u * 512u)

#endif

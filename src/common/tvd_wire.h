/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevard's socket protocol (docs/teevard-protocol.md): TEE-shaped requests in
 * length-prefixed frames over a Unix stream socket, little-endian throughout.
 *
 *   header (12 bytes): magic "TVDP", version u16, op u16, body length u32
 *
 * Both sides use this codec. Encoders build a whole frame (header included) in
 * a malloc'ed buffer; decoders take a frame body and check it completely: every
 * length is bounded, every byte accounted for (no trailing bytes), unknown
 * parameter types and flag bits rejected. Decoded memref data points into the
 * body given to the decoder.
 */
#ifndef TVD_WIRE_H
#define TVD_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <teevar/store_info.h>
#include <teevar/tee.h>

#define TVD_MAGIC 0x50445654u /* "TVDP" on the wire */
#define TVD_VERSION 1u
#define TVD_HDR_SIZE 12u
#define TVD_MAX_MEMREF (1u << 20)              /* all memrefs of one request together */
#define TVD_MAX_BODY (TVD_MAX_MEMREF + 256u)   /* params and headers fit in 256 */
#define TVD_RESPONSE 0x8000u                   /* op bit of every response */

enum tvd_op {
	TVD_OP_ERROR = 0,          /* response only: a framing error, then the daemon closes */
	TVD_OP_OPEN_SESSION = 1,
	TVD_OP_INVOKE = 2,
	TVD_OP_CLOSE_SESSION = 3,
	TVD_OP_STORE_INFO = 4,
	TVD_OP_STORE_CHECK = 5,    /* read access */
	TVD_OP_STORE_RECOVER = 6,  /* write access */
	TVD_OP_RPC_ENABLE = 7,     /* this connection answers TVD_OP_RPC */
	TVD_OP_RPC = 8,            /* daemon -> client, during the client's request */
};

/* STORE_INFO layouts: the request says which one it wants, so that an older
 * client (and the vtee bridge's barrier) keep the body they decode strictly. */
enum tvd_info_layout {
	TVD_INFO_BASIC = 1,   /* empty request; 60 bytes of info */
	TVD_INFO_HEALTH = 2,  /* request: layout u32; 88 bytes: + format, damage, mount */
	TVD_INFO_ROUTE = 3,   /* request: layout u32; 92 bytes: HEALTH + the RPMB route */
	TVD_INFO_CLIENTS = 4, /* request: layout u32; 96 bytes: ROUTE + connections open */
};

/* GlobalPlatform's code for a malformed message (not in tee.h). */
#define TVD_TEE_ERROR_BAD_FORMAT 0xFFFF0005u
/* GlobalPlatform's storage codes, for STORE_CHECK and STORE_RECOVER failures. */
#define TVD_TEE_ERROR_CORRUPT_OBJECT 0xF0100001u
#define TVD_TEE_ERROR_STORAGE_NOT_AVAILABLE 0xF0100003u
#define TVD_TEE_ERROR_STORAGE_NO_SPACE 0xF0100004u
/* Longest detail text of a STORE_CHECK answer (bytes, no NUL on the wire). */
#define TVD_DETAIL_MAX (TV_STORE_DETAIL_MAX - 1)

struct tvd_hdr {
	uint16_t op;
	uint32_t length;
};

/* Who may do what (teevard --read-access / --write-access). */
enum tvd_level { TVD_LEVEL_OWNER = 0, TVD_LEVEL_GROUP = 1, TVD_LEVEL_ALL = 2 };
enum tvd_access { TVD_ACCESS_READ = 1, TVD_ACCESS_WRITE = 2 };

/* The reason of a refusal: follows result TEE_ERROR_ACCESS_DENIED, origin COMMS. */
struct tvd_denial {
	uint32_t uid;     /* the peer's uid as teevard saw it */
	uint32_t access;  /* enum tvd_access */
	uint32_t level;   /* enum tvd_level: who is allowed that access */
};

/* Status part of every response. origin TEE_ORIGIN_COMMS means teevard answered
 * itself (the secure core was not called): nothing op-specific follows then,
 * except the denial of a refusal. */
struct tvd_status {
	uint32_t result;
	uint32_t origin;
	bool denied;                 /* result ACCESS_DENIED, origin COMMS */
	struct tvd_denial denial;
};

/* One TEE parameter as it crosses the socket. In requests: values for every
 * VALUE type, size + bytes for MEMREF_INPUT/INOUT, size only for MEMREF_OUTPUT.
 * In responses (TEE origin): the type echoed; values for VALUE_OUTPUT/INOUT;
 * size for MEMREF_OUTPUT/INOUT, followed by that many bytes on TEE_SUCCESS. */
struct tvd_param {
	uint32_t type;            /* enum tv_tee_param_type */
	uint64_t a, b, c;
	uint64_t size;
	const uint8_t *data;      /* size bytes, or NULL where none are carried */
};

struct tvd_open_req {
	uint8_t uuid[16];
	uint32_t login;
};

struct tvd_open_resp {
	struct tvd_status st;
	uint32_t session;         /* on TEE_SUCCESS only */
};

struct tvd_invoke_req {
	uint32_t session;
	uint32_t cmd;
	struct tvd_param params[TV_TEE_NUM_PARAMS];
};

struct tvd_invoke_resp {
	struct tvd_status st;
	bool has_params;          /* the TEE answered (origin != COMMS) */
	struct tvd_param params[TV_TEE_NUM_PARAMS];
};

struct tvd_info_req {
	uint32_t layout;           /* enum tvd_info_layout */
};

struct tvd_info_resp {
	struct tvd_status st;
	uint32_t layout;           /* on TEE_SUCCESS: which layout the body has */
	struct tv_store_info info; /* on TEE_SUCCESS only; BASIC leaves the health 0 */
};

/* STORE_CHECK: the report on TEE_SUCCESS, the detail unless origin COMMS (why
 * the check failed, or what it found wrong). */
struct tvd_check_resp {
	struct tvd_status st;
	struct tv_store_check_report report; /* report.detail is the detail */
};

/* STORE_RECOVER: what was kept and given up, on TEE_SUCCESS. */
struct tvd_recover_resp {
	struct tvd_status st;
	struct tv_store_recovery rec;
};

/* TVD_OP_RPC (teevard -> client, only while it handles a request of that
 * client, which sent TVD_OP_RPC_ENABLE): an OP-TEE RPC for the client's normal
 * world to carry. Body: u32 func, u32 in_len, u32 out_len, u32 reserved (0),
 * then in_len bytes (memref[0]); out_len is the size of memref[1]. */
#define TVD_RPC_MAX_IN (6u + 512u * 512u) /* an rpmb_req and 512 frames (RPMB_RPC_MAX_IN) */
#define TVD_RPC_MAX_OUT (512u * 512u)     /* 512 frames (RPMB_RPC_MAX_OUT) */
#define TVD_RPC_MAX_LEN TVD_RPC_MAX_IN     /* the larger: the first codec's one limit */
struct tvd_rpc_req {
	uint32_t func;
	uint32_t in_len;
	uint32_t out_len;
	const uint8_t *in;         /* in_len bytes */
};

/* TVD_OP_RPC | TVD_RESPONSE (client -> teevard): u32 ret (TEE result), u32
 * out_len, then out_len bytes; out_len is 0 unless ret is TEE_SUCCESS. */
struct tvd_rpc_resp {
	uint32_t ret;
	uint32_t out_len;
	const uint8_t *out;
};

/* A whole encoded frame, header included. */
struct tvd_frame {
	uint8_t *buf;
	size_t len;
};
void tvd_frame_free(struct tvd_frame *f);

/* Header. Decoding gives TV_EINVAL for a bad magic or version, TV_ERANGE for a
 * length over TVD_MAX_BODY. The op is not checked here. */
void tvd_hdr_encode(uint8_t out[TVD_HDR_SIZE], uint16_t op, uint32_t length);
int tvd_hdr_decode(const uint8_t in[TVD_HDR_SIZE], struct tvd_hdr *out);
bool tvd_param_type_known(uint32_t type);

/* Requests (client side encodes, teevard decodes). Encoders return TV_OK,
 * TV_EINVAL (unknown type, memrefs over TVD_MAX_MEMREF, data missing) or
 * TV_ENOMEM; decoders TV_OK or TV_EINVAL. */
int tvd_enc_open_req(const struct tvd_open_req *r, struct tvd_frame *out);
int tvd_dec_open_req(const uint8_t *body, size_t len, struct tvd_open_req *out);
int tvd_enc_invoke_req(const struct tvd_invoke_req *r, struct tvd_frame *out);
int tvd_dec_invoke_req(const uint8_t *body, size_t len, struct tvd_invoke_req *out);
int tvd_enc_close_req(uint32_t session, struct tvd_frame *out);
int tvd_dec_close_req(const uint8_t *body, size_t len, uint32_t *session);
int tvd_enc_info_req(const struct tvd_info_req *r, struct tvd_frame *out);
int tvd_dec_info_req(const uint8_t *body, size_t len, struct tvd_info_req *out);
/* STORE_CHECK and STORE_RECOVER requests have an empty body. */
int tvd_enc_empty_req(uint16_t op, struct tvd_frame *out);
int tvd_dec_empty_req(const uint8_t *body, size_t len);

/* Responses (teevard encodes, the client decodes). A status-only response
 * (close, error, or anything teevard answers itself) uses tvd_enc_status. */
int tvd_enc_status(uint16_t op, const struct tvd_status *st, struct tvd_frame *out);
int tvd_dec_status(const uint8_t *body, size_t len, struct tvd_status *out);
int tvd_enc_open_resp(const struct tvd_open_resp *r, struct tvd_frame *out);
int tvd_dec_open_resp(const uint8_t *body, size_t len, struct tvd_open_resp *out);
int tvd_enc_invoke_resp(const struct tvd_invoke_resp *r, struct tvd_frame *out);
int tvd_dec_invoke_resp(const uint8_t *body, size_t len, struct tvd_invoke_resp *out);
int tvd_enc_info_resp(const struct tvd_info_resp *r, struct tvd_frame *out);
/* The layout is told by the body's length (each has exactly one). */
int tvd_dec_info_resp(const uint8_t *body, size_t len, struct tvd_info_resp *out);
int tvd_enc_check_resp(const struct tvd_check_resp *r, struct tvd_frame *out);
int tvd_dec_check_resp(const uint8_t *body, size_t len, struct tvd_check_resp *out);
int tvd_enc_recover_resp(const struct tvd_recover_resp *r, struct tvd_frame *out);
int tvd_dec_recover_resp(const uint8_t *body, size_t len, struct tvd_recover_resp *out);

/* TV_EINVAL for a reserved field set, an in_len over TVD_RPC_MAX_IN or an
 * out_len over TVD_RPC_MAX_OUT, an error answer carrying bytes, or a body that
 * does not add up. Whether an answer fits its request (func 1: exactly the
 * out_len asked for) is the caller's check. */
int tvd_enc_rpc_req(const struct tvd_rpc_req *r, struct tvd_frame *out);
int tvd_dec_rpc_req(const uint8_t *body, size_t len, struct tvd_rpc_req *out);
int tvd_enc_rpc_resp(const struct tvd_rpc_resp *r, struct tvd_frame *out);
int tvd_dec_rpc_resp(const uint8_t *body, size_t len, struct tvd_rpc_resp *out);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The TEE's shape, as the client library uses it (GlobalPlatform TEE Client API
 * and Linux <linux/tee.h> semantics): open a session to a UUID, invoke commands
 * with four parameters, close. A transport implements these operations:
 * in-process, Unix socket to teevard, or a real OP-TEE through /dev/tee0.
 */
#ifndef TEEVAR_TEE_H
#define TEEVAR_TEE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* TEE result codes (GlobalPlatform). */
#define TEE_SUCCESS 0x00000000u
#define TEE_ERROR_GENERIC 0xFFFF0000u
#define TEE_ERROR_BAD_PARAMETERS 0xFFFF0006u
#define TEE_ERROR_ITEM_NOT_FOUND 0xFFFF0008u
#define TEE_ERROR_NOT_SUPPORTED 0xFFFF000Au
#define TEE_ERROR_OUT_OF_MEMORY 0xFFFF000Cu
#define TEE_ERROR_BUSY 0xFFFF000Du
#define TEE_ERROR_COMMUNICATION 0xFFFF000Eu
#define TEE_ERROR_EXCESS_DATA 0xFFFF0010u
#define TEE_ERROR_ACCESS_DENIED 0xFFFF0001u

/* Where a result came from. */
#define TEE_ORIGIN_API 1u
#define TEE_ORIGIN_COMMS 2u
#define TEE_ORIGIN_TEE 3u
#define TEE_ORIGIN_TRUSTED_APP 4u

/* Parameter types (values of <linux/tee.h> TEE_IOCTL_PARAM_ATTR_TYPE_*). */
enum tv_tee_param_type {
	TV_TEE_PARAM_NONE = 0,
	TV_TEE_PARAM_VALUE_INPUT = 1,
	TV_TEE_PARAM_VALUE_OUTPUT = 2,
	TV_TEE_PARAM_VALUE_INOUT = 3,
	TV_TEE_PARAM_MEMREF_INPUT = 5,
	TV_TEE_PARAM_MEMREF_OUTPUT = 6,
	TV_TEE_PARAM_MEMREF_INOUT = 7,
};

struct tv_tee_param {
	uint32_t type;
	union {
		struct {
			void *buf;
			size_t size; /* in: buffer size; out: size used or needed */
		} memref;
		struct {
			uint64_t a, b, c;
		} value;
	} u;
};

#define TV_TEE_NUM_PARAMS 4

/* The StMM service: UUID ed32d533-99e6-4209-9cc0-2d72cdd998a7, one command. */
#define TV_STMM_UUID                                                                        \
	{0xed, 0x32, 0xd5, 0x33, 0x99, 0xe6, 0x42, 0x09, 0x9c, 0xc0, 0x2d, 0x72, 0xcd, 0xd9, \
	 0x98, 0xa7}
#define TV_STMM_CMD_COMMUNICATE 0u

/* Legacy SPM return codes in value.a (what Linux and U-Boot switch on). */
#define TV_SPM_SUCCESS 0
#define TV_SPM_NOT_SUPPORTED (-1)
#define TV_SPM_INVALID_PARAMETER (-2)
#define TV_SPM_DENIED (-3)
#define TV_SPM_NO_MEMORY (-5)
/* FF-A return codes (newer StMM builds) that a client must also understand. */
#define TV_FFA_SUCCESS 0
#define TV_FFA_NOT_SUPPORTED (-1)
#define TV_FFA_INVALID_PARAMETERS (-2)
#define TV_FFA_NO_MEMORY (-3)
#define TV_FFA_BUSY (-4)
#define TV_FFA_DENIED (-6)
#define TV_FFA_ABORTED (-8)
#define TV_FFA_NO_DATA (-9)

/* UUIDs are in the TEE's byte order (big-endian, as written). */
struct tv_transport_ops {
	/* Returns a TEE result; *origin says who produced it. */
	uint32_t (*open_session)(void *ctx, const uint8_t uuid[16], uint32_t *session,
				 uint32_t *origin);
	uint32_t (*invoke)(void *ctx, uint32_t session, uint32_t cmd,
			   struct tv_tee_param params[TV_TEE_NUM_PARAMS], uint32_t *origin);
	void (*close_session)(void *ctx, uint32_t session);
	void (*destroy)(void *ctx);
};

struct tv_transport {
	const struct tv_transport_ops *ops;
	void *ctx;
	/* The peer is a foreign (EDK2) StMM: apply the Linux driver's minus-2
	 * payload work-around. False for teevar's own secure core. */
	bool foreign_stmm;
	/* value.a of COMMUNICATE uses the FF-A numbering (newer StMM builds)
	 * instead of the legacy SPM one that Linux switches on. False: legacy. */
	bool ffa_codes;
	const char *name; /* "inproc", "unix", "optee" */
};

#endif

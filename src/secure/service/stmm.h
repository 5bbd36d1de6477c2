/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The StMM service as a TEE "pseudo-TA": what OP-TEE exposes to the normal
 * world (UUID ed32d533-99e6-4209-9cc0-2d72cdd998a7, command 0 COMMUNICATE with
 * params MEMREF_INOUT (the MM buffer), VALUE_OUTPUT (value.a = SPM return code),
 * NONE, NONE). A memref over the buffer limit is answered TEE_ERROR_EXCESS_DATA
 * with the limit in memref.size. By default one session at a time, as OP-TEE: a
 * second open gets TEE_ERROR_BUSY.
 */
#ifndef TV_STMM_H
#define TV_STMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <teevar/tee.h>

#include "var_service.h"

struct tv_stmm_config {
	size_t buffer_limit;     /* largest MM buffer; 0 means 64 KiB */
	bool multi_session;      /* allow several sessions (teevard), else BUSY */
};

struct tv_stmm;

int tv_stmm_create(struct tv_varsvc *svc, const struct tv_stmm_config *cfg,
		   struct tv_stmm **out);
void tv_stmm_destroy(struct tv_stmm *stmm);

uint32_t tv_stmm_open_session(struct tv_stmm *stmm, const uint8_t uuid[16], uint32_t *session,
			      uint32_t *origin);
uint32_t tv_stmm_invoke(struct tv_stmm *stmm, uint32_t session, uint32_t cmd,
			struct tv_tee_param params[TV_TEE_NUM_PARAMS], uint32_t *origin);
void tv_stmm_close_session(struct tv_stmm *stmm, uint32_t session);

/* The MM communicate handler under the TEE entry: buf holds size bytes (at most
 * limit, the buffer limit); a private copy is parsed. Returns the legacy SPM code
 * for value.a. */
int32_t tv_mm_communicate(struct tv_varsvc *svc, uint8_t *buf, size_t size, size_t limit);
/* The largest payload (after the 24 + 16 byte headers) a buffer may carry. */
size_t tv_mm_payload_max(size_t buffer_limit);

#endif

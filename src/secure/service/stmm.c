/* SPDX-License-Identifier: BSD-2-Clause */
#include "stmm.h"

#include <stdlib.h>
#include <string.h>

#include "tv_err.h"

#define DEFAULT_BUFFER_LIMIT (64u * 1024)
#define MAX_SESSIONS 64u

static const uint8_t stmm_uuid[16] = TV_STMM_UUID;

struct tv_stmm {
	struct tv_varsvc *svc;
	struct tv_stmm_config cfg;
	uint32_t sessions[MAX_SESSIONS]; /* open session ids; 0 = free slot */
	uint32_t next_id;
};

int tv_stmm_create(struct tv_varsvc *svc, const struct tv_stmm_config *cfg,
		   struct tv_stmm **out)
{
	if (!svc || !out)
		return TV_EINVAL;
	struct tv_stmm *s = calloc(1, sizeof(*s));
	if (!s)
		return TV_ENOMEM;
	s->svc = svc;
	if (cfg)
		s->cfg = *cfg;
	if (s->cfg.buffer_limit == 0)
		s->cfg.buffer_limit = DEFAULT_BUFFER_LIMIT;
	*out = s;
	return TV_OK;
}

void tv_stmm_destroy(struct tv_stmm *stmm)
{
	free(stmm);
}

static uint32_t open_count(const struct tv_stmm *s)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < MAX_SESSIONS; i++)
		n += s->sessions[i] != 0;
	return n;
}

static int slot_of(const struct tv_stmm *s, uint32_t session)
{
	for (uint32_t i = 0; session && i < MAX_SESSIONS; i++)
		if (s->sessions[i] == session)
			return (int)i;
	return -1;
}

uint32_t tv_stmm_open_session(struct tv_stmm *stmm, const uint8_t uuid[16], uint32_t *session,
			      uint32_t *origin)
{
	*origin = TEE_ORIGIN_TEE;
	if (!uuid || memcmp(uuid, stmm_uuid, 16) != 0)
		return TEE_ERROR_ITEM_NOT_FOUND;
	if (open_count(stmm) > 0 && !stmm->cfg.multi_session)
		return TEE_ERROR_BUSY; /* OP-TEE's StMM is single-instance, single-session */
	int slot = slot_of(stmm, 0);
	for (uint32_t i = 0; slot < 0 && i < MAX_SESSIONS; i++)
		if (stmm->sessions[i] == 0)
			slot = (int)i;
	if (slot < 0)
		return TEE_ERROR_BUSY;
	do
		stmm->next_id++;
	while (stmm->next_id == 0 || slot_of(stmm, stmm->next_id) >= 0);
	stmm->sessions[slot] = stmm->next_id;
	*session = stmm->next_id;
	*origin = TEE_ORIGIN_TRUSTED_APP;
	return TEE_SUCCESS;
}

void tv_stmm_close_session(struct tv_stmm *stmm, uint32_t session)
{
	int slot = slot_of(stmm, session);
	if (slot >= 0)
		stmm->sessions[slot] = 0;
}

static bool params_ok(const struct tv_tee_param p[TV_TEE_NUM_PARAMS])
{
	return p[0].type == TV_TEE_PARAM_MEMREF_INOUT && p[1].type == TV_TEE_PARAM_VALUE_OUTPUT &&
	       p[2].type == TV_TEE_PARAM_NONE && p[3].type == TV_TEE_PARAM_NONE &&
	       (p[0].u.memref.buf || p[0].u.memref.size == 0);
}

uint32_t tv_stmm_invoke(struct tv_stmm *stmm, uint32_t session, uint32_t cmd,
			struct tv_tee_param params[TV_TEE_NUM_PARAMS], uint32_t *origin)
{
	*origin = TEE_ORIGIN_TEE;
	if (slot_of(stmm, session) < 0)
		return TEE_ERROR_BAD_PARAMETERS;
	*origin = TEE_ORIGIN_TRUSTED_APP;
	if (cmd != TV_STMM_CMD_COMMUNICATE)
		return TEE_ERROR_NOT_SUPPORTED;
	if (!params || !params_ok(params))
		return TEE_ERROR_BAD_PARAMETERS;
	if (params[0].u.memref.size > stmm->cfg.buffer_limit) {
		params[0].u.memref.size = stmm->cfg.buffer_limit; /* what we accept */
		return TEE_ERROR_EXCESS_DATA;
	}
	int32_t rc = tv_mm_communicate(stmm->svc, params[0].u.memref.buf, params[0].u.memref.size,
				       stmm->cfg.buffer_limit);
	params[1].u.value.a = (uint32_t)rc; /* OP-TEE values are 32-bit */
	params[1].u.value.b = 0;
	params[1].u.value.c = 0;
	return TEE_SUCCESS;
}

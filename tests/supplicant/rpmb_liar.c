/* SPDX-License-Identifier: BSD-2-Clause */
#include "rpmb_liar.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tv_err.h"

#define SAVED 32 /* earlier read answers kept for replays */

struct saved_read {
	uint16_t address;
	size_t nframes;
	uint8_t *frames; /* NULL: free slot */
};

struct rpmb_liar {
	struct rpmb_dev inner;
	enum rpmb_liar_mode mode;
	uint64_t after;
	uint64_t requests, lies;
	struct saved_read saved[SAVED];
	size_t next_slot; /* the oldest gives way when all are taken */
};

int rpmb_liar_mode_parse(const char *name, enum rpmb_liar_mode *mode)
{
	static const char *const names[] = {"honest", "forge", "replay", "reorder"};
	for (int i = 0; i < 4; i++) {
		if (name && strcmp(name, names[i]) == 0) {
			*mode = (enum rpmb_liar_mode)i;
			return 0;
		}
	}
	return -1;
}

static uint16_t address_of(const uint8_t *frame)
{
	return (uint16_t)(frame[RPMB_OFF_ADDRESS] << 8 | frame[RPMB_OFF_ADDRESS + 1]);
}

static struct saved_read *find(struct rpmb_liar *l, uint16_t address, size_t n)
{
	for (size_t i = 0; i < SAVED; i++)
		if (l->saved[i].frames && l->saved[i].address == address && l->saved[i].nframes == n)
			return &l->saved[i];
	return NULL;
}

static void remember(struct rpmb_liar *l, uint16_t address, const uint8_t *frames, size_t n)
{
	struct saved_read *s = find(l, address, n);
	if (!s) {
		s = &l->saved[l->next_slot];
		l->next_slot = (l->next_slot + 1) % SAVED;
	}
	uint8_t *copy = malloc(n * RPMB_FRAME_SIZE);
	if (!copy)
		return; /* nothing to replay then */
	memcpy(copy, frames, n * RPMB_FRAME_SIZE);
	free(s->frames);
	*s = (struct saved_read){.address = address, .nframes = n, .frames = copy};
}

static void flip_counter(uint8_t *frame)
{
	frame[RPMB_OFF_COUNTER + 3] ^= 0x01;
}

/* The lie for an answer the device gave; true when the answer changed. */
static bool tamper(struct rpmb_liar *l, uint16_t type, uint8_t *resp, size_t nresp)
{
	switch (l->mode) {
	case RPMB_LIAR_FORGE:
		if (type == RPMB_REQ_READ)
			resp[RPMB_OFF_DATA] ^= 0x01;
		else if (type == RPMB_REQ_READ_COUNTER || type == RPMB_REQ_WRITE)
			flip_counter(resp);
		else
			return false;
		return true;
	case RPMB_LIAR_REORDER:
		if (type != RPMB_REQ_READ || nresp < 2)
			return false;
		uint8_t tmp[RPMB_FRAME_SIZE];
		uint8_t *last = resp + (nresp - 1) * RPMB_FRAME_SIZE;
		memcpy(tmp, resp, RPMB_FRAME_SIZE);
		memcpy(resp, last, RPMB_FRAME_SIZE);
		memcpy(last, tmp, RPMB_FRAME_SIZE);
		return true;
	default:
		return false;
	}
}

static int liar_route(void *ctx, const uint8_t *req, size_t nreq, uint8_t *resp, size_t nresp)
{
	struct rpmb_liar *l = ctx;
	bool lying = l->requests++ >= l->after && l->mode != RPMB_LIAR_HONEST;
	uint16_t type = nreq > 0 ? rpmb_frame_type(req) : 0;
	bool read = type == RPMB_REQ_READ;
	if (lying && read && l->mode == RPMB_LIAR_REPLAY) {
		const struct saved_read *s = find(l, address_of(req), nresp);
		if (s) {
			memcpy(resp, s->frames, nresp * RPMB_FRAME_SIZE);
			l->lies++;
			return TV_OK;
		}
	}
	int rc = rpmb_dev_route(&l->inner, req, nreq, resp, nresp);
	if (rc != TV_OK)
		return rc;
	if (read) /* the device's own answer, for later replays */
		remember(l, address_of(req), resp, nresp);
	if (lying && tamper(l, type, resp, nresp))
		l->lies++;
	return TV_OK;
}

static int liar_get_info(void *ctx, struct rpmb_dev_info *info)
{
	struct rpmb_liar *l = ctx;
	return rpmb_dev_get_info(&l->inner, info);
}

static void liar_close(void *ctx)
{
	(void)ctx; /* freed with rpmb_liar_free() */
}

static const struct rpmb_dev_ops liar_ops = {
	.get_info = liar_get_info,
	.route = liar_route,
	.close = liar_close,
};

int rpmb_liar_new(const struct rpmb_dev *inner, enum rpmb_liar_mode mode, uint64_t after,
		  struct rpmb_liar **out)
{
	if (!out)
		return TV_EINVAL;
	*out = NULL;
	if (!inner || !inner->ops || mode > RPMB_LIAR_REORDER)
		return TV_EINVAL;
	struct rpmb_liar *l = calloc(1, sizeof(*l));
	if (!l)
		return TV_ENOMEM;
	l->inner = *inner;
	l->mode = mode;
	l->after = after;
	*out = l;
	return TV_OK;
}

void rpmb_liar_free(struct rpmb_liar *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < SAVED; i++)
		free(l->saved[i].frames);
	free(l);
}

struct rpmb_dev rpmb_liar_dev(struct rpmb_liar *l)
{
	return (struct rpmb_dev){.ops = &liar_ops, .ctx = l};
}

uint64_t rpmb_liar_requests(const struct rpmb_liar *l)
{
	return l ? l->requests : 0;
}

uint64_t rpmb_liar_lies(const struct rpmb_liar *l)
{
	return l ? l->lies : 0;
}

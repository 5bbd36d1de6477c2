/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one device interface every RPMB route implements (emulator, Linux eMMC,
 * supplicant client). It has the shape of OP-TEE's OPTEE_RPC_CMD_RPMB:
 *
 *   get_info: CID, RPMB size multiple (x 128 KiB), reliable-write sector count.
 *   route:    "carry these request frames, give me the response frames".
 *             The type of the first request frame decides the sequence:
 *             PROGRAM_KEY (1 frame in, 1 out): write, then a result read.
 *             WRITE (n frames in, 1 out):      reliable write, then a result read.
 *             READ_COUNTER (1 in, 1 out), READ (1 in, n out): request, then read.
 *
 * A route carries bytes; it is not trusted. The secure side verifies every answer.
 */
#ifndef RPMB_DEV_H
#define RPMB_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpmb_frame.h"

struct rpmb_dev_info {
	uint8_t cid[RPMB_CID_SIZE];
	uint8_t size_mult;    /* EXT_CSD[168]: RPMB size = size_mult x 128 KiB */
	uint8_t rel_wr_sec_c; /* EXT_CSD[222]: blocks per write = 2 x rel_wr_sec_c */
};

#define RPMB_SIZE_MULT_BYTES (128u * 1024u)
#define RPMB_BLOCKS_PER_MULT (RPMB_SIZE_MULT_BYTES / RPMB_BLOCK_SIZE)

static inline uint32_t rpmb_info_blocks(const struct rpmb_dev_info *i)
{
	return (uint32_t)i->size_mult * RPMB_BLOCKS_PER_MULT;
}
static inline uint32_t rpmb_info_write_blocks(const struct rpmb_dev_info *i)
{
	return 2u * i->rel_wr_sec_c;
}

struct rpmb_dev_ops {
	int (*get_info)(void *ctx, struct rpmb_dev_info *info);
	/* Returns 0 when nresp frames were filled, else a negative TV_E* code. */
	int (*route)(void *ctx, const uint8_t *req, size_t nreq, uint8_t *resp, size_t nresp);
	void (*close)(void *ctx);
	/* Optional: false when the route cannot carry a request right now (teevard's
	 * RPC route outside a request of the client that carries it), so that a
	 * write is refused before anything leaves, rather than left uncertain. */
	bool (*ready)(void *ctx);
};

struct rpmb_dev {
	const struct rpmb_dev_ops *ops;
	void *ctx;
};

static inline int rpmb_dev_get_info(const struct rpmb_dev *d, struct rpmb_dev_info *info)
{
	return d->ops->get_info(d->ctx, info);
}
static inline int rpmb_dev_route(const struct rpmb_dev *d, const uint8_t *req, size_t nreq,
				 uint8_t *resp, size_t nresp)
{
	return d->ops->route(d->ctx, req, nreq, resp, nresp);
}
static inline bool rpmb_dev_ready(const struct rpmb_dev *d)
{
	return !d->ops->ready || d->ops->ready(d->ctx);
}
static inline void rpmb_dev_close(struct rpmb_dev *d)
{
	if (d->ops && d->ops->close)
		d->ops->close(d->ctx);
	d->ops = NULL;
	d->ctx = NULL;
}

#endif

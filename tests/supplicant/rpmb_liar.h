/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A lying RPMB device, for tests and the guest's hostile supplicant only (never
 * part of teevar-supplicant): an rpmb_dev that carries every request to an
 * inner device and, after `after` honest requests (route calls), tampers with
 * the answers its mode names:
 *
 *   forge    flips one bit of the answer of a read (data read: the first
 *            frame's first data byte; counter read: the counter's low bit) and
 *            of a write's result frame (the counter's low bit);
 *   replay   answers a data read with the answer an earlier read of the same
 *            address and length got (the device does not see the request);
 *            a read with no earlier answer is served and remembered;
 *   reorder  swaps the first and the last frame of a multi-block read.
 *
 * Honest answers are always remembered for replays. GET_DEV_INFO and key
 * programming are never touched.
 */
#ifndef RPMB_LIAR_H
#define RPMB_LIAR_H

#include <stdint.h>

#include "rpmb_dev.h"

enum rpmb_liar_mode { RPMB_LIAR_HONEST, RPMB_LIAR_FORGE, RPMB_LIAR_REPLAY, RPMB_LIAR_REORDER };

struct rpmb_liar;

/* 0 and *mode, or -1 for an unknown name ("honest", "forge", "replay", "reorder"). */
int rpmb_liar_mode_parse(const char *name, enum rpmb_liar_mode *mode);

/* inner is borrowed (it must outlive the liar). 0, TV_EINVAL or TV_ENOMEM. */
int rpmb_liar_new(const struct rpmb_dev *inner, enum rpmb_liar_mode mode, uint64_t after,
		  struct rpmb_liar **out);
void rpmb_liar_free(struct rpmb_liar *l);
struct rpmb_dev rpmb_liar_dev(struct rpmb_liar *l);

/* Route calls seen, and answers tampered with. */
uint64_t rpmb_liar_requests(const struct rpmb_liar *l);
uint64_t rpmb_liar_lies(const struct rpmb_liar *l);

#endif

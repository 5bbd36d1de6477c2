/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The RPMB route through teevar-supplicant: an rpmb_dev whose get_info sends
 * GET_DEV_INFO and whose route sends DATA_REQ (rpmb_rpc.h) over the supplicant's
 * Unix socket (supp_wire.h, docs/supplicant.md).
 *
 * - It connects lazily, on the first call. Any failure (no supplicant, timeout,
 *   an answer of the wrong shape, an error answer) drops the connection and
 *   returns TV_EIO; the next call connects again. So while the supplicant is
 *   gone calls fail fast, and they work again once it is back.
 * - Each call (connect included) must finish within the timeout.
 * - Answers are checked for shape only (sizes, counts, ret_code): the frames'
 *   content is for the secure side to verify.
 * - The device information of the first successful GET_DEV_INFO is kept; after
 *   every reconnect the supplicant must report the same, else calls fail (a
 *   supplicant that now serves another device).
 */
#ifndef RPMB_ROUTE_CLIENT_H
#define RPMB_ROUTE_CLIENT_H

#include <stdint.h>

#include "rpmb_dev.h"

#define RPMB_ROUTE_DEFAULT_TIMEOUT_MS 5000

struct rpmb_route_client_config {
	const char *socket_path;
	int timeout_ms;   /* per call; 0 means RPMB_ROUTE_DEFAULT_TIMEOUT_MS */
	uint16_t dev_id;  /* rpmb_req.dev_id; the supplicant serves device 0 */
};

/* Does not connect. TV_EINVAL for a missing or too long path, TV_ENOMEM. */
int rpmb_route_client_open(const char *socket_path, struct rpmb_dev *out);
int rpmb_route_client_open_cfg(const struct rpmb_route_client_config *cfg, struct rpmb_dev *out);

#endif

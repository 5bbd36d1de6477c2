/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --rpmb rpc: the secure core reaches its RPMB device through the normal world
 * of the client whose request teevard is handling, as OP-TEE reaches it with
 * RPCs that the caller's kernel hands to tee-supplicant. The client (in the
 * QEMU guest: teevar-vtee-bridge, the teevar-vtee module and the guest's
 * supplicant behind it) said RPC_ENABLE; while teevard handles its OPEN_SESSION
 * or INVOKE, dispatch attaches its connection here, and every device call of
 * the secure core becomes one TVD_OP_RPC frame on that connection and one
 * answer (docs/teevard-protocol.md):
 *
 *   get_info: RPC 1 (OPTEE_RPC_CMD_RPMB), GET_DEV_INFO: 6 bytes in, 19 out;
 *   route:    RPC 1, DATA_REQ: rpmb_req + frames in, the response frames out.
 *
 * The first get_info (the mount) probes with RPC 22 (RPMB_PROBE_RESET, nothing
 * in or out), as OP-TEE does; whatever the answer, the legacy RPC 1 is used for
 * the life of the process (a success means the normal world offers Linux's
 * in-kernel RPMB route, which teevar's secure core does not speak: logged).
 *
 * Each RPC waits on the client's socket until its deadline (--rpc-timeout-ms).
 * The answer must be TVD_OP_RPC | TVD_RESPONSE with exactly the bytes asked for
 * on success; an error answer fails the call (TV_EIO) and the connection stays.
 * Anything else (another frame, a wrong size, garbage, silence past the
 * deadline, a hang-up) fails the call and marks the peer failed: every later
 * RPC of the request fails at once and dispatch drops the connection after the
 * request's answer. With no connection attached, calls fail with TV_EIO.
 * Nothing here is trusted: the secure core verifies every frame.
 */
#ifndef TVD_RPC_ROUTE_H
#define TVD_RPC_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "rpmb_dev.h"

#define TVD_DEFAULT_RPC_TIMEOUT_MS 8000

/* OP-TEE RPC function numbers (optee_rpc_cmd.h). */
#define TVD_RPC_FUNC_RPMB 1u
#define TVD_RPC_FUNC_RPMB_PROBE_RESET 22u

/* The connection of the request being handled. */
struct tvd_rpc_peer {
	int fd;             /* the client's socket (non-blocking) */
	bool failed;        /* protocol broken or socket failed: drop after the answer */
	const char *why;    /* what failed (static text), when failed */
	uint64_t unattached; /* dispatch's: tvd_rpc_route_unattached() before the request */
};

struct tvd_rpc_route;

/* timeout_ms: how long one RPC may take (0: the default). TV_OK, TV_EINVAL,
 * TV_ENOMEM. */
int tvd_rpc_route_new(int timeout_ms, struct tvd_rpc_route **out);
/* The route as a device. Closing the device frees the route: hand it to the
 * secure core (tv_secure_open_deferred), which closes it with itself. */
struct rpmb_dev tvd_rpc_route_dev(struct tvd_rpc_route *r);
/* The connection RPCs go to until the next call (NULL: none). */
void tvd_rpc_route_attach(struct tvd_rpc_route *r, struct tvd_rpc_peer *peer);
/* Device calls made while no connection was attached (they failed). */
uint64_t tvd_rpc_route_unattached(const struct tvd_rpc_route *r);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevard's event loop: one thread, non-blocking sockets, ppoll(). Requests
 * are handled one at a time, to their end, so the secure core sees them
 * serialized; a slow or stalled peer only ever waits on its own socket.
 * Partial requests and unread answers must complete within the I/O timeout,
 * and a peer with no access at all is dropped after it; sessions close with
 * their connection.
 */
#ifndef TVD_SERVER_H
#define TVD_SERVER_H

#include <signal.h>

#include "config.h"
#include "rpc_route.h"
#include "secure_core.h"

/* Serves until SIGTERM/SIGINT; then answers what is already computed, closes
 * every connection and returns 0. Returns 2 on a fatal error. rpc: the route
 * of --rpmb rpc (the secure core's device), else NULL. */
int tvd_serve(const struct tvd_config *cfg, struct tv_secure *sec, struct tvd_rpc_route *rpc,
	      int listen_fd, const sigset_t *wait_mask);

#endif

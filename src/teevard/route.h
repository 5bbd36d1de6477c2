/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Opening the secure core with the configured RPMB route. --rpmb=inproc: the
 * emulated image <state>/rpmb.img in this process (the model of Linux's
 * in-kernel RPMB routing), created if missing. --rpmb=supplicant: the device
 * behind teevar-supplicant's socket. --rpmb=auto (default): in-process unless a
 * supplicant is given and there is no usable image in the state directory.
 * --rpmb=rpc: the device through the normal world of the requesting client
 * (rpc_route.h); the secure core is opened deferred, its store mounted by the
 * first session of a client that sent RPC_ENABLE. With --kernel-route, an
 * existing <state>/rpmb.img is used in process instead (the model of Linux's
 * in-kernel RPMB route, which a normal world would offer first): no RPC is then
 * ever sent.
 */
#ifndef TVD_ROUTE_H
#define TVD_ROUTE_H

#include "config.h"
#include "rpc_route.h"
#include "secure_core.h"

/* TV_OK, or a TV_E* code (the reason is logged). *used: the route taken; *rpc:
 * the route of --rpmb rpc when it is taken (owned by the secure core), else NULL. */
int tvd_route_open(const struct tvd_config *cfg, struct tv_secure **out, enum tvd_route *used,
		   struct tvd_rpc_route **rpc);

/* The supplicant route as an rpmb_dev (route_supplicant.c). */
int tvd_supplicant_dev(const char *socket_path, struct rpmb_dev *out);

#endif

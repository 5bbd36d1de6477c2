/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Opening the secure core with the configured RPMB route. --rpmb=inproc: the
 * emulated image <state>/rpmb.img in this process (the model of Linux's
 * in-kernel RPMB routing), created if missing. --rpmb=supplicant: the device
 * behind teevar-supplicant's socket. --rpmb=auto (default): in-process unless a
 * supplicant is given and there is no usable image in the state directory.
 */
#ifndef TVD_ROUTE_H
#define TVD_ROUTE_H

#include "config.h"
#include "secure_core.h"

/* TV_OK, or a TV_E* code (the reason is logged). *used: the route taken. */
int tvd_route_open(const struct tvd_config *cfg, struct tv_secure **out, enum tvd_route *used);

/* The supplicant route as an rpmb_dev (route_supplicant.c). */
int tvd_supplicant_dev(const char *socket_path, struct rpmb_dev *out);

#endif

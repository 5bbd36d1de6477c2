/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The store's mount. Routes with a device of their own mount it at start-up;
 * --rpmb rpc mounts it at the first OPEN_SESSION of a client that sent
 * RPC_ENABLE, through that client's normal world, and a mount that fails is
 * tried again by the next one. After a mount, --boot-phase runtime runs
 * ready-to-boot and exit-boot-services: when the OS's supplicant carries the
 * device, no firmware stage ever reaches the store, and the OS must find it in
 * its runtime phase.
 */
#ifndef TVD_MOUNT_H
#define TVD_MOUNT_H

#include "access.h"
#include "config.h"
#include "secure_core.h"

/* The boot phase the configuration asks for (logged). */
void tvd_after_mount(const struct tvd_config *cfg, struct tv_secure *sec);
/* Mounts a deferred secure core for the client `by` (logged either way):
 * TV_OK, or the error of the part that failed. */
int tvd_mount(const struct tvd_config *cfg, struct tv_secure *sec, const struct tvd_peer *by);

#endif

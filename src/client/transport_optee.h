/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The optee: transport's system-call layer, injectable so that tests can play
 * the Linux TEE driver (tests/fake_tee.c). Private to libteevar and its tests.
 */
#ifndef TV_TRANSPORT_OPTEE_H
#define TV_TRANSPORT_OPTEE_H

#include <stddef.h>
#include <sys/types.h>

#include <teevar/tee.h>

#include "tee_dev_ops.h"


/* tv_transport_optee_open over ops (arg is passed to every op). */
int tv_transport_optee_open_with(const char *device, const struct tv_tee_dev_ops *ops, void *arg,
				 struct tv_transport *out);

/* Shared memory: this much at open, grown on demand (in pages) up to the max. */
#define TV_OPTEE_SHM_INITIAL (16u * 1024)
#define TV_OPTEE_SHM_MAX (1u << 20)

#endif

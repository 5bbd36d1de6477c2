/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One request on a supplicant connection: read it (within a deadline once it has
 * started), validate the framing (supp_wire.h) and the RPC message (rpmb_rpc.h),
 * carry it to the device and answer. A malformed request is answered with an
 * error and the connection is to be dropped; a device failure is answered with
 * TEE_ERROR_GENERIC and the connection stays.
 */
#ifndef SUPP_HANDLER_H
#define SUPP_HANDLER_H

#include <stdint.h>
#include <stdio.h>

#include "rpmb_dev.h"

enum supp_outcome {
	SUPP_KEEP,   /* answered; wait for the next request */
	SUPP_CLOSED, /* the peer closed between requests */
	SUPP_DROP,   /* malformed, incomplete or unanswerable: close the connection */
};

struct supp_bufs {
	uint8_t *in;  /* SUPP_MAX_IN bytes */
	uint8_t *out; /* SUPP_MAX_OUT bytes */
};

/* fd is a non-blocking socket with data (or an end of stream) to read. */
enum supp_outcome supp_handle_request(int fd, const struct rpmb_dev *dev,
				      const struct supp_bufs *b, int timeout_ms, FILE *log);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The serving side of teevar-supplicant: it carries OP-TEE RPMB RPC messages
 * (rpmb_rpc.h, framed as in supp_wire.h) between one client connection at a
 * time (teevard) and one RPMB device, as device 0. It holds no key and checks
 * every message before the device sees it (supp_handler.h).
 *
 * While a connection is served, further connections are accepted and closed at
 * once; when it goes away the next one is served, so the supplicant outlives
 * any number of teevard restarts. A request that has started is always
 * finished: the stop flag is only looked at between requests.
 */
#ifndef SUPPLICANT_H
#define SUPPLICANT_H

#include <signal.h>
#include <stdio.h>

#include "rpmb_dev.h"

#define SUPPLICANT_DEFAULT_TIMEOUT_MS 5000

struct supplicant_config {
	int io_timeout_ms;            /* a started request must arrive and its answer
				       * leave within this; 0 means the default */
	volatile sig_atomic_t *stop;  /* non-zero: stop between requests (may be NULL) */
	const sigset_t *wait_mask;    /* signal mask while waiting (ppoll): the caller
				       * blocks its stop signals and unblocks them here,
				       * so they never cut a request; NULL: unchanged */
	FILE *log;                    /* one line per event worth a note; NULL: silent */
};

/* Serves dev on listen_fd (non-blocking, listening) until *stop is set: returns
 * TV_OK then, TV_ENOMEM, or TV_EIO if waiting on the sockets fails. */
int supplicant_serve(int listen_fd, const struct rpmb_dev *dev,
		     const struct supplicant_config *cfg);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * For daemons that serve one request at a time (teevard, teevar-vtee-bridge):
 * SIGTERM and SIGINT only set a flag, and stay blocked except while the daemon
 * waits in ppoll(): a request in progress always runs to its end. SIGPIPE is
 * ignored (a peer that went away is seen as a send error).
 */
#ifndef TV_SIGNALS_H
#define TV_SIGNALS_H

#include <signal.h>

/* Installs the handlers, blocks the stop signals; *wait_mask is the mask to
 * wait with (the stop signals open). */
int tv_signals_setup(sigset_t *wait_mask);
/* The stop signal received, or 0. */
int tv_stop_signal(void);

#endif

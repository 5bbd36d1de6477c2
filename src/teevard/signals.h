/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SIGTERM and SIGINT only set a flag, and stay blocked except while teevard
 * waits in ppoll(): a request in progress always runs to its end. SIGPIPE is
 * ignored (a client that went away is seen as a send error).
 */
#ifndef TVD_SIGNALS_H
#define TVD_SIGNALS_H

#include <signal.h>

/* Installs the handlers, blocks the stop signals; *wait_mask is the mask to
 * wait with (the stop signals open). */
int tvd_signals_setup(sigset_t *wait_mask);
/* The stop signal received, or 0. */
int tvd_stop_signal(void);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* systemd's readiness protocol (sd_notify), when NOTIFY_SOCKET is set. */
#ifndef TVD_NOTIFY_H
#define TVD_NOTIFY_H

/* Sends "READY=1", "STOPPING=1"...; does nothing without NOTIFY_SOCKET. */
void tvd_notify(const char *state);

#endif

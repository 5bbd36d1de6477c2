/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Transports: how the client library reaches the StMM service (see tee.h for
 * the operations and docs/client.md). A transport is handed to tv_client_open,
 * which owns it from then on; one that is never handed over is released with
 * tv_transport_destroy.
 *
 * The functions returning int give 0 or a negative errno value:
 *   -EINVAL           bad argument or transport spec
 *   -EPROTONOSUPPORT  a scheme this build does not provide (yet)
 *   -EBUSY            another process runs a secure core on the state directory
 *   -ENOMEM, -EIO     as usual
 *   and, when the secure core cannot start on the state directory:
 *   -ENOENT (missing), -EBADMSG (an RPMB answer failed verification),
 *   -EKEYREJECTED (RPMB programmed with another key), -EROFS (write counter
 *   expired), -ENOSPC (store full), -EUCLEAN (not a usable teevar store),
 *   -ERANGE (out of range).
 */
#ifndef TEEVAR_TRANSPORT_H
#define TEEVAR_TRANSPORT_H

#include <teevar/tee.h>

/* Runs the whole secure core in this process on state_dir (created files:
 * huk, rpmb.img, lock; see docs/client.md), with the default configuration.
 * Destroying the transport closes the secure core. */
int tv_transport_inproc_open(const char *state_dir, struct tv_transport *out);

/* Wraps an existing StMM entry of the secure core (src/secure/stmm.h); the
 * transport does not own it. */
struct tv_stmm;
void tv_transport_inproc_wrap(struct tv_stmm *stmm, struct tv_transport *out);

/* Connects to teevard's socket (docs/teevard-protocol.md). */
int tv_transport_unix_open(const char *socket_path, struct tv_transport *out);

/* A real OP-TEE through the Linux TEE driver (e.g. /dev/tee0). */
int tv_transport_optee_open(const char *device, struct tv_transport *out);

/* Opens a transport from a spec: "inproc:DIR", "unix:SOCKET" or "optee:DEVICE". */
int tv_transport_open(const char *spec, struct tv_transport *out);

/* (tv_transport_store_info is in store_info.h.) */

/* Releases a transport that was not handed to tv_client_open (NULL is fine). */
void tv_transport_destroy(struct tv_transport *t);

#endif

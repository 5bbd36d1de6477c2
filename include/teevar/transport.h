/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Transports: how the client library reaches the StMM service (see tee.h for
 * the operations and docs/client.md). Three of them: "inproc:DIR" (the secure
 * core in this process), "unix:SOCKET" (teevard) and "optee:DEVICE" (a real
 * OP-TEE's StMM through the Linux TEE driver). A transport is handed to
 * tv_client_open, which owns it from then on; one that is never handed over is
 * released with tv_transport_destroy.
 *
 * The functions returning int give 0 or a negative errno value:
 *   -EINVAL           bad argument or transport spec (an unknown scheme too)
 *   -EBUSY            another process runs a secure core on the state directory
 *   -ENOMEM, -EIO     as usual
 *   and, when the secure core cannot start on the state directory:
 *   -ENOENT (missing), -EBADMSG (an RPMB answer failed verification),
 *   -EKEYREJECTED (RPMB programmed with another key, or an existing device
 *   without a key while the state directory has keyed one before), -EROFS
 *   (write counter expired), -ENOSPC (store full), -EUCLEAN (not a usable
 *   teevar store: a damaged one, or a state directory that lacks a piece of
 *   its store), -ERANGE (out of range). -EIO also covers a file-system failure
 *   in the state directory; tv_last_error_detail() then names the path and
 *   its errno.
 * The unix: and optee: opens have their own codes (below).
 * tv_transport_store_info, _check and _recover (store_info.h) answer for
 * inproc: and unix: only:
 * -ENOTSUP for optee: and for a tv_transport_inproc_wrap transport; over unix:
 * -EACCES (refused), -EIO (failed), -ECONNRESET (connection already broken).
 */
#ifndef TEEVAR_TRANSPORT_H
#define TEEVAR_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

#include <teevar/tee.h>

/* Runs the whole secure core in this process on state_dir (created files:
 * huk, rpmb.img, lock, rpmb-provisioned; see docs/client.md), with the default
 * configuration.
 * Destroying the transport closes the secure core. */
int tv_transport_inproc_open(const char *state_dir, struct tv_transport *out);

/* Options of the in-process secure core (NULL: the defaults, as above). */
struct tv_inproc_options {
	/* Start over on purpose: give up the store and format it; a missing
	 * rpmb.img or huk is then created anew (an image keyed with a lost huk is
	 * replaced). Without it a missing piece of an existing store is refused
	 * (-EUCLEAN, with tv_last_error_detail() saying what is missing). */
	bool format;
	/* Called (during the open) for a state directory or rpmb.img that group or
	 * others may read or write; msg starts with "warning: ". May be NULL. */
	void (*warn)(void *arg, const char *msg);
	void *warn_arg;
};
int tv_transport_inproc_open_opts(const char *state_dir, const struct tv_inproc_options *opts,
				  struct tv_transport *out);

/* A sentence on what made this thread's last in-process open or call fail, with
 * the path and cause where a file was involved ("creating DIR/rpmb.img: No space
 * left on device", "DIR/huk is missing, but ..."), or "" when there is none. The
 * codes above cannot carry that. Not set by the unix: and optee: transports
 * (teevard logs its own). */
const char *tv_last_error_detail(void);

/* Wraps an existing StMM entry of the secure core (src/secure/stmm.h); the
 * transport does not own it. */
struct tv_stmm;
void tv_transport_inproc_wrap(struct tv_stmm *stmm, struct tv_transport *out);

/* Connects to teevard's socket (docs/teevard-protocol.md). Besides the codes
 * above: -ENOENT (no such socket), -ECONNREFUSED (no teevard behind it),
 * -EACCES (socket permissions), -ENAMETOOLONG, -ETIMEDOUT. */
int tv_transport_unix_open(const char *socket_path, struct tv_transport *out);

/* Why teevard refused a request: it answers TEE_ERROR_ACCESS_DENIED with origin
 * TEE_ORIGIN_COMMS (see tv_client_last_tee_result) and says which uid it saw,
 * whether a read or a write was refused, and who may do that. */
struct tv_access_denial {
	uint32_t uid;
	bool write;           /* SetVariable, phase change, lock or property set */
	const char *allowed;  /* "owner", "group" or "all" (teevard --read/write-access) */
};
/* The last refusal seen by this thread on any unix: transport: 0 and *out, or
 * -ENOENT if there was none. */
int tv_transport_last_denial(struct tv_access_denial *out);

/* Whether this thread's last request on a unix: transport met teevard's
 * refusal of a connection over its --max-clients: teevard answers such a
 * connection with an ERROR frame (TEE_ERROR_BUSY, origin TEE_ORIGIN_COMMS) and
 * closes it, so tv_client_open fails with tv_client_last_tee_result(NULL)
 * TEE_ERROR_BUSY, origin TEE_ORIGIN_COMMS, and this says true. */
bool tv_transport_last_too_many_clients(void);

/* A real OP-TEE through the Linux TEE driver (e.g. /dev/tee0): the board's
 * own StMM (foreign_stmm: the minus-2 work-around applies). Besides the errors
 * above: -ENOENT (no such device), -EACCES, -ENOTTY (not a TEE device), -ENODEV
 * (a TEE, but not OP-TEE). A session refused with TEE_ERROR_BUSY means the
 * kernel's tee_stmm_efi driver holds StMM (see tv_tee_result_hint in util.h). */
int tv_transport_optee_open(const char *device, struct tv_transport *out);
/* A message for users about an error of tv_transport_optee_open (strerror's
 * text for errors it has nothing more to say about). */
const char *tv_transport_optee_strerror(int err);

/* Opens a transport from a spec: "inproc:DIR", "unix:SOCKET" or "optee:DEVICE". */
int tv_transport_open(const char *spec, struct tv_transport *out);

/* (tv_transport_store_info, tv_transport_store_check and
 * tv_transport_store_recover are in store_info.h.) */

/* Releases a transport that was not handed to tv_client_open (NULL is fine). */
void tv_transport_destroy(struct tv_transport *t);

#endif

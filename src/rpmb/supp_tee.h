/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The TEE front end of teevar-supplicant: it serves the Linux TEE subsystem's
 * supplicant interface on a privileged TEE device (/dev/teepriv0), as Debian's
 * tee-supplicant 3.19 does, for the RPC functions an RPMB route needs:
 *
 *   6 SHM_ALLOC  one VALUE param, b = size: TEE_IOC_SHM_ALLOC + mmap; c <- id
 *   7 SHM_FREE   one VALUE param, b = id: munmap + close (unknown id: BAD_PARAMETERS)
 *   1 RPMB       [MEMREF_INPUT rpmb_req + frames][MEMREF_OUTPUT frames or 19 bytes]
 *                (rpmb_rpc.h), memrefs resolved against this front end's own
 *                shared memory only, carried to the rpmb_dev
 *   anything else (22-24 included): TEEC_ERROR_NOT_SUPPORTED
 *
 * The message buffer is tee-supplicant's: 8 bytes + 5 params of 32 (168 bytes),
 * offered with num_params 5 and a leading META param. Leading META params the
 * driver returns are echoed unchanged; SEND carries the same num_params and
 * params with the result over `func`. A malformed request is answered with
 * TEEC_ERROR_BAD_PARAMETERS; nothing the driver sends can crash it.
 *
 * One request at a time (the driver gets no second RECV before the SEND).
 */
#ifndef SUPP_TEE_H
#define SUPP_TEE_H

#include <linux/tee.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "rpmb_dev.h"
#include "tee_dev_ops.h"

/* OP-TEE RPC functions (optee_rpc_cmd.h / optee_msg_supplicant.h). */
#define SUPP_TEE_FUNC_RPMB 1u
#define SUPP_TEE_FUNC_SHM_ALLOC 6u
#define SUPP_TEE_FUNC_SHM_FREE 7u

#define SUPP_TEE_NUM_PARAMS 5u
#define SUPP_TEE_MAX_DEVS 10u      /* --tee probes /dev/teepriv0..9 */
#define SUPP_TEE_MAX_SHM 64u       /* live SHM_ALLOC buffers; more: OUT_OF_MEMORY */
#define SUPP_TEE_SHM_MAX (4u << 20) /* bytes per buffer; more: OUT_OF_MEMORY */

/* tee_iocl_supp_recv_arg / tee_iocl_supp_send_arg with room for 5 params. */
struct supp_tee_msg {
	uint32_t func; /* RECV: the function; SEND: the result (TEEC_*) */
	uint32_t num_params;
	struct tee_ioctl_param params[SUPP_TEE_NUM_PARAMS];
};
#define SUPP_TEE_MSG_SIZE (8u + SUPP_TEE_NUM_PARAMS * 32u) /* 168 */

/* The system calls go through a struct tv_tee_dev_ops (tee_dev_ops.h), so
 * that tests can play the kernel. */

/*
 * Opens path (O_RDWR) or, when path is NULL, /dev/teepriv0..9 in turn, and
 * keeps the first whose TEE_IOC_VERSION says OP-TEE (impl_id 1); as
 * tee-supplicant, nothing else is checked. Returns the fd (its path in
 * used[used_len]), TV_ENOENT (no such device, busy, or not OP-TEE; the detail
 * of tv_err.h says which) or TV_EINVAL (bad arguments).
 */
int supp_tee_open_dev(const struct tv_tee_dev_ops *ops, void *arg, const char *path, char *used,
		      size_t used_len);

struct supp_tee;

struct supp_tee_config {
	const struct tv_tee_dev_ops *ops; /* NULL: tv_tee_dev_sys */
	void *arg;
	int fd;                     /* the open device; owned (closed by supp_tee_free) */
	const struct rpmb_dev *dev; /* served as RPMB dev_id 0 */
	FILE *log;                  /* one line per event worth a note; NULL: silent */
};

/* 0, TV_EINVAL or TV_ENOMEM (then fd is not taken). */
int supp_tee_new(const struct supp_tee_config *cfg, struct supp_tee **out);
/* Unmaps and closes every buffer still allocated, then closes the device. */
void supp_tee_free(struct supp_tee *t);

/* One request as RECV returned it, answered in place: m->func becomes the
 * result, num_params is kept (at most 5) and params are updated as SEND must
 * carry them. Returns the SEND buffer length, 8 + num_params x 32. */
size_t supp_tee_handle(struct supp_tee *t, struct supp_tee_msg *m);

/* Buffers currently allocated (tests). */
size_t supp_tee_shm_count(const struct supp_tee *t);

struct supp_tee_loop {
	volatile sig_atomic_t *stop; /* non-zero: stop before the next RECV (may be NULL) */
	const sigset_t *wait_mask;   /* the mask while waiting in RECV: the caller blocks
				      * its stop signals and opens them here only, so a
				      * request in progress is always answered; NULL:
				      * the mask is left alone */
};

/*
 * RECV, handle, SEND until *stop is set (TV_OK) or RECV/SEND fail (TV_EIO, as
 * tee-supplicant, which exits then). A RECV interrupted by a signal (EINTR) is
 * issued again unless *stop is set. The stop signals' handler must call
 * supp_tee_on_signal() after setting *stop: a signal that arrives between the
 * check of *stop and the RECV system call, which would otherwise block until
 * the next request, then abandons the RECV; and the handler works with or
 * without SA_RESTART (with it the kernel would restart an interrupted RECV
 * instead of returning EINTR).
 */
int supp_tee_serve(struct supp_tee *t, const struct supp_tee_loop *l);

/* Async-signal-safe; for the stop signals' handler (see supp_tee_serve). */
void supp_tee_on_signal(void);

#endif

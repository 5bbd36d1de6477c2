/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A fake Linux TEE driver: plays /dev/tee0 at the system-call level for the
 * optee: transport (src/client/transport_optee.h). It checks every ioctl
 * argument as drivers/tee/tee_core.c and the OP-TEE driver do (buffer lengths,
 * num_params, attribute bits and types, shared memory ids and bounds, login),
 * backs TEE_IOC_SHM_ALLOC with memfds, and forwards OPEN_SESSION, INVOKE and
 * CLOSE_SESSION to a secure core's StMM entry. It reports impl_id OPTEE unless
 * told otherwise. Several opens of the device share the one StMM, which serves
 * one session at a time as OP-TEE's does (a second one: TEE_ERROR_BUSY).
 */
#ifndef FAKE_TEE_H
#define FAKE_TEE_H

#include <stddef.h>
#include <stdint.h>

#include "transport_optee.h"

struct tv_stmm;
struct fake_tee;

struct fake_tee_config {
	const char *device; /* the path it answers to; NULL: "/dev/tee0" */
	uint32_t impl_id;   /* TEE_IOC_VERSION's impl_id; 0: TEE_IMPL_ID_OPTEE */
	size_t tee_limit;   /* OP-TEE's own memref limit (EXCESS_DATA over it); 0: none */
};

/* Driver misbehaviour the transport must survive. */
enum {
	FAKE_TEE_SHM_SHORT = 1,  /* SHM_ALLOC reports less memory than asked */
	FAKE_TEE_OUT_GROWS = 2,  /* a successful invoke's output memref size: sent + 1 */
	FAKE_TEE_OUT_HUGE = 4,   /* ... UINT64_MAX */
	FAKE_TEE_EXCESS_HUGE = 8 /* invokes answer EXCESS_DATA with size UINT64_MAX */
};

/* The fake uses stmm (not owned); cfg may be NULL. NULL on failure. */
struct fake_tee *fake_tee_new(struct tv_stmm *stmm, const struct fake_tee_config *cfg);
/* Releases whatever is still held (fds, mappings, sessions). */
void fake_tee_free(struct fake_tee *f);

/* The system calls; arg is the struct fake_tee. */
extern const struct tv_tee_dev_ops fake_tee_ops;

void fake_tee_set_hostile(struct fake_tee *f, unsigned flags);
/* The n-th call (1-based, counted from now) of open, ioctl or mmap fails with
 * errno err; n = 0: none. */
void fake_tee_fail_call(struct fake_tee *f, unsigned n, int err);
/* open, ioctl and mmap calls so far. */
unsigned fake_tee_calls(const struct fake_tee *f);
/* Device fds, shared memory objects and mappings still held. */
unsigned fake_tee_held(const struct fake_tee *f);
/* File descriptors of the fake still open (device and shared memory). */
unsigned fake_tee_fds(const struct fake_tee *f);
/* Sessions open in the fake's StMM. */
unsigned fake_tee_sessions(const struct fake_tee *f);
/* Calls refused as malformed (not counting injected failures). */
unsigned fake_tee_refused(const struct fake_tee *f);
/* Size of the largest memref forwarded to StMM so far. */
size_t fake_tee_max_memref(const struct fake_tee *f);

#endif

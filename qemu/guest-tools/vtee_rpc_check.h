/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vtee_rpc_check (qemu/guest-tools/): what its two files share. The fake
 * bridge, the /dev/tee0 client and the TAP output are in vtee_rpc_check.c;
 * the checks that play the supplicant themselves on /dev/teepriv0 are in
 * vtee_rpc_supp.c.
 */
#ifndef VTEE_RPC_CHECK_H
#define VTEE_RPC_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "teevar_vtee.h"

#define PARAMS "/sys/module/teevar_vtee/parameters/"
#define TEEC_ERROR_BAD_PARAMETERS 0xFFFF0006u
#define TEEC_ERROR_ITEM_NOT_FOUND 0xFFFF0008u
#define TEEC_ERROR_NOT_SUPPORTED 0xFFFF000Au
#define TEEC_ERROR_COMMUNICATION 0xFFFF000Eu
#define ORIGIN_COMMS 2u
#define ORIGIN_TA 4u

/* One TAP line ("TV: ok N - ..."). */
void result(int good, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
long now_ms(void);
void sleep_ms(long ms);
void set_param(const char *name, unsigned int v);
long get_param(const char *name);

/* The fake bridge (/dev/teevar-vtee) */
extern int bfd;

struct rpc_res {
	int werr;                   /* write()'s errno, 0 taken */
	int got;                    /* an answer came */
	uint32_t ret, origin, payload_len;
	uint64_t out_a;
	unsigned char out[512];
	long ms;
};

/* A well-formed RPC for request q in the write buffer; its length. */
size_t rpc_build(const struct tvv_msg *q, uint32_t func, const void *in,
		 uint32_t in_len, uint32_t out_len);
/* write() it; 0 taken, else the errno. */
int rpc_write(size_t len);
/* Wait for the answer to q's RPC (written at t0, ms). */
void rpc_wait(const struct tvv_msg *q, struct rpc_res *r, long t0);
/* Write one and wait for its answer. */
void rpc(const struct tvv_msg *q, uint32_t func, const void *in,
	 uint32_t in_len, uint32_t out_len, struct rpc_res *r);
/* Answer kernel request q with ret. 0 or the errno. */
int answer(const struct tvv_msg *q, uint32_t ret);

/* The /dev/tee0 client: its INVOKE func reaches the bridge (step_begin);
 * client_done waits for its ioctl to return, c_rc and c_ret say how. */
struct tvv_msg *step_begin(uint32_t func);
int client_done(void);
extern int c_rc;
extern uint32_t c_ret;

extern const unsigned char devinfo_req[6]; /* RPMB GET_DEV_INFO */

/* vtee_rpc_supp.c: the module's RECV/SEND rules, with this program as the
 * supplicant (none other running). */
void own_supplicant_checks(void);

#endif

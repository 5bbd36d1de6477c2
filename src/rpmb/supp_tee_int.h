/* SPDX-License-Identifier: BSD-2-Clause */
/* Inside the TEE front end (supp_tee*.c): its state and its shared memory list. */
#ifndef SUPP_TEE_INT_H
#define SUPP_TEE_INT_H

#include <stdbool.h>

#include "supp_tee.h"

/* One SHM_ALLOC buffer: the kernel's id, the mapping, the size asked for (and
 * mapped; memrefs are checked against it) and the shm's fd. */
struct supp_shm {
	int32_t id;
	uint8_t *p;
	size_t size;
	int fd;
};

struct supp_tee {
	const struct tv_tee_dev_ops *ops;
	void *arg;
	int fd;
	const struct rpmb_dev *dev;
	FILE *log;
	struct supp_shm shm[SUPP_TEE_MAX_SHM];
	size_t nshm;
	uint8_t *in;  /* RPMB_RPC_MAX_IN: the request, copied out of the shm */
	uint8_t *out; /* RPMB_RPC_MAX_OUT: the response, copied in when complete */
};

void supp_tee_note(const struct supp_tee *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* SHM_ALLOC of size bytes: 0 with *id set, or a TEEC result. */
uint32_t supp_shm_alloc(struct supp_tee *t, uint64_t size, int32_t *id);
/* SHM_FREE: 0, or TEEC_ERROR_BAD_PARAMETERS for an id that is not ours. */
uint32_t supp_shm_free(struct supp_tee *t, uint64_t id);
void supp_shm_free_all(struct supp_tee *t);
/* The bytes a memref (a = offset, b = size, c = id) names, or NULL when the id
 * is not ours or [a, a + b) leaves the size asked for. */
uint8_t *supp_shm_resolve(const struct supp_tee *t, const struct tee_ioctl_param *p);

#endif

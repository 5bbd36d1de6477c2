/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A fake Linux TEE driver on the supplicant side (/dev/teepriv*), behind the
 * supp_tee_ops table: TEE_IOC_VERSION per device path, TEE_IOC_SHM_ALLOC with
 * memory the test can reach as "the kernel" (fake_shm_mem), mmap/munmap/close
 * bookkeeping, and TEE_IOC_SUPPL_RECV / SEND played from a script of steps,
 * with the core's buffer-length checks. When the script is used up, RECV sets
 * the stop flag and fails with EINTR.
 */
#ifndef FAKE_TEEPRIV_H
#define FAKE_TEEPRIV_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "supp_tee.h"

#define FAKE_MAX_DEVS 12
#define FAKE_MAX_SHM 80
#define FAKE_MAX_SENT 32
#define FAKE_DEV_FD 3
#define FAKE_SHM_FD0 100

struct fake_kernel;

struct fake_dev {
	const char *path;
	int open_errno;    /* non-zero: open fails so */
	int version_errno; /* non-zero: TEE_IOC_VERSION fails so */
	uint32_t impl_id;
};

struct fake_step {
	int err;          /* non-zero: RECV fails with this errno (nothing handed over) */
	bool set_stop;    /* set the stop flag first */
	bool raise_first; /* raise(SIGUSR1) before anything is handed over */
	bool raise_after; /* raise(SIGUSR1) once the request is in the buffer */
	/* The request: either fill() writes it, or func / num_params / params. */
	void (*fill)(struct fake_kernel *fk, struct supp_tee_msg *m);
	uint32_t func;
	uint32_t num_params;
	struct tee_ioctl_param params[SUPP_TEE_NUM_PARAMS + 1];
};

struct fake_shm {
	int32_t id;
	int fd;
	uint8_t *mem;
	size_t size;       /* page multiple */
	unsigned mapped;   /* live mappings */
	bool closed;
};

struct fake_sent {
	uint32_t ret;
	uint32_t num_params;
	struct tee_ioctl_param params[SUPP_TEE_NUM_PARAMS];
	size_t len;
};

struct fake_kernel {
	struct fake_dev devs[FAKE_MAX_DEVS];
	size_t ndevs;
	unsigned dev_opens, dev_closes;
	/* shared memory */
	struct fake_shm shm[FAKE_MAX_SHM];
	size_t nshm;
	int32_t next_id;
	int32_t last_id;     /* the id of the latest allocation */
	int shm_alloc_errno; /* non-zero: TEE_IOC_SHM_ALLOC fails so */
	bool shm_short;      /* answer a smaller size than asked */
	int32_t force_id;    /* >= 0 or -2: the id answered (-1: a fresh one) */
	bool mmap_fails;
	bool raise_in_alloc; /* raise(SIGUSR1) inside TEE_IOC_SHM_ALLOC */
	/* the supplicant interface */
	const struct fake_step *steps;
	size_t nsteps, next;
	volatile sig_atomic_t *stop;
	unsigned recv_calls;
	bool recv_abi_ok;        /* every RECV offered 5 params, META first, 168 bytes */
	bool returned_after_raise; /* a raise_first step got past its raise */
	int send_errno;
	struct fake_sent sent[FAKE_MAX_SENT];
	size_t nsent;
	uint32_t req_id; /* the next meta id */
};

extern const struct tv_tee_dev_ops fake_tee_ops;

void fake_init(struct fake_kernel *fk);
void fake_fini(struct fake_kernel *fk);
/* The kernel's view of buffer id (NULL if unknown). */
struct fake_shm *fake_shm_get(struct fake_kernel *fk, int32_t id);

#endif

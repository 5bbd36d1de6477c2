/* SPDX-License-Identifier: BSD-2-Clause */
/* The TEE front end: finding the device, and the RECV / SEND loop (supp_tee.h). */
#include "supp_tee_int.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rpmb_rpc.h"
#include "tv_err.h"

_Static_assert(sizeof(struct supp_tee_msg) == SUPP_TEE_MSG_SIZE, "168-byte message");
_Static_assert(offsetof(struct supp_tee_msg, params) ==
		       offsetof(struct tee_iocl_supp_recv_arg, params),
	       "params at offset 8");
_Static_assert(sizeof(struct tee_ioctl_param) == 32, "32-byte params");
_Static_assert(TEE_IOC_SUPPL_RECV == 0x8010a406u && TEE_IOC_SUPPL_SEND == 0x8010a407u &&
		       TEE_IOC_SHM_ALLOC == 0xc010a401u && TEE_IOC_VERSION == 0x800ca400u,
	       "the ioctl numbers of the Linux 6.12 uapi");

/* ---- the device ---------------------------------------------------------- */

/* fd, or -1 with why[] saying what was wrong with path (*absent: it does
 * not exist). */
static int try_dev(const struct tv_tee_dev_ops *ops, void *arg, const char *path, char *why,
		   size_t why_len, bool *absent)
{
	*absent = false;
	int fd = ops->open(arg, path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		*absent = errno == ENOENT;
		snprintf(why, why_len, "%s: %s", path, strerror(errno));
		return -1;
	}
	struct tee_ioctl_version_data v = {0};
	if (ops->ioctl(arg, fd, TEE_IOC_VERSION, &v) < 0)
		snprintf(why, why_len, "%s: not a TEE device (TEE_IOC_VERSION: %s)", path,
			 strerror(errno));
	else if (v.impl_id != TEE_IMPL_ID_OPTEE)
		snprintf(why, why_len, "%s: not OP-TEE (impl_id %u)", path, v.impl_id);
	else
		return fd;
	ops->close(arg, fd);
	return -1;
}

int supp_tee_open_dev(const struct tv_tee_dev_ops *ops, void *arg, const char *path, char *used,
		      size_t used_len)
{
	if (!used || used_len == 0)
		return TV_EINVAL;
	if (!ops)
		ops = &tv_tee_dev_sys;
	char why[320] = "", first[320] = "";
	bool absent;
	if (path) {
		int fd = try_dev(ops, arg, path, why, sizeof(why), &absent);
		if (fd < 0) {
			tv_err_set_detail("%s", why);
			return TV_ENOENT;
		}
		snprintf(used, used_len, "%s", path);
		return fd;
	}
	/* As tee-supplicant: the first of teepriv0..9 that opens and is OP-TEE. */
	for (unsigned int n = 0; n < SUPP_TEE_MAX_DEVS; n++) {
		char dev[32];
		snprintf(dev, sizeof(dev), "/dev/teepriv%u", n);
		int fd = try_dev(ops, arg, dev, why, sizeof(why), &absent);
		if (fd >= 0) {
			snprintf(used, used_len, "%s", dev);
			return fd;
		}
		if (!absent && !first[0])
			memcpy(first, why, sizeof(first));
	}
	if (first[0])
		tv_err_set_detail("none of /dev/teepriv0..%u is usable (%s)", SUPP_TEE_MAX_DEVS - 1,
				  first);
	else
		tv_err_set_detail("/dev/teepriv0..%u do not exist", SUPP_TEE_MAX_DEVS - 1);
	return TV_ENOENT;
}

int supp_tee_new(const struct supp_tee_config *cfg, struct supp_tee **out)
{
	if (!out)
		return TV_EINVAL;
	*out = NULL;
	if (!cfg || cfg->fd < 0 || !cfg->dev)
		return TV_EINVAL;
	struct supp_tee *t = calloc(1, sizeof(*t));
	if (t) {
		t->in = malloc(RPMB_RPC_MAX_IN);
		t->out = malloc(RPMB_RPC_MAX_OUT);
	}
	if (!t || !t->in || !t->out) {
		if (t) {
			free(t->in);
			free(t->out);
		}
		free(t);
		return TV_ENOMEM;
	}
	t->ops = cfg->ops ? cfg->ops : &tv_tee_dev_sys;
	t->arg = cfg->arg;
	t->fd = cfg->fd;
	t->dev = cfg->dev;
	t->log = cfg->log;
	*out = t;
	return TV_OK;
}

void supp_tee_free(struct supp_tee *t)
{
	if (!t)
		return;
	supp_shm_free_all(t);
	t->ops->close(t->arg, t->fd);
	free(t->in);
	free(t->out);
	free(t);
}

/* ---- the loop ------------------------------------------------------------ */

/* RECV, and what a stop signal does to it: supp_tee_on_signal() jumps back
 * here while `armed`, from before the system call, from inside it (the
 * interrupted call), or from just after it returned; `func` tells which. */
static sigjmp_buf recv_jmp;
static volatile sig_atomic_t recv_armed;

#define NO_FUNC UINT32_MAX /* RECV leaves it there unless it returns a request */

void supp_tee_on_signal(void)
{
	if (recv_armed) {
		recv_armed = 0;
		siglongjmp(recv_jmp, 1);
	}
}

enum { RECV_GOT, RECV_AGAIN, RECV_STOP, RECV_FAILED };

static bool stopping(const struct supp_tee_loop *l)
{
	return l->stop && *l->stop;
}

static int recv_one(struct supp_tee *t, const struct supp_tee_loop *l, struct supp_tee_msg *m)
{
	/* tee-supplicant's request: 5 params, the first META ("meta understood"). */
	memset(m, 0, sizeof(*m));
	m->func = NO_FUNC;
	m->num_params = SUPP_TEE_NUM_PARAMS;
	m->params[0].attr = TEE_IOCTL_PARAM_ATTR_META;
	struct tee_ioctl_buf_data buf = {.buf_ptr = (uintptr_t)m, .buf_len = sizeof(*m)};
	volatile int rc = -1, err = EINTR;
	sigset_t held;
	if (sigsetjmp(recv_jmp, 1) == 0) {
		recv_armed = 1;
		if (l->wait_mask)
			sigprocmask(SIG_SETMASK, l->wait_mask, &held); /* pending: delivered here */
		if (!stopping(l)) {
			rc = t->ops->ioctl(t->arg, t->fd, TEE_IOC_SUPPL_RECV, &buf);
			err = errno;
		}
		recv_armed = 0;
		if (l->wait_mask)
			sigprocmask(SIG_SETMASK, &held, NULL);
	} else {
		/* The jump restored the blocked mask. A request the driver already
		 * handed over is ours to answer all the same. */
		rc = m->func != NO_FUNC ? 0 : -1;
		err = EINTR;
	}
	if (rc >= 0)
		return RECV_GOT;
	if (err == EINTR)
		return stopping(l) ? RECV_STOP : RECV_AGAIN;
	supp_tee_note(t, "TEE_IOC_SUPPL_RECV failed: %s", strerror(err));
	return RECV_FAILED;
}

int supp_tee_serve(struct supp_tee *t, const struct supp_tee_loop *l)
{
	if (!t || !l)
		return TV_EINVAL;
	struct supp_tee_msg m;
	for (;;) {
		if (stopping(l))
			return TV_OK;
		int r = recv_one(t, l, &m);
		if (r == RECV_STOP)
			return TV_OK;
		if (r == RECV_FAILED)
			return TV_EIO;
		if (r == RECV_AGAIN)
			continue;
		size_t len = supp_tee_handle(t, &m);
		struct tee_ioctl_buf_data buf = {.buf_ptr = (uintptr_t)&m, .buf_len = len};
		if (t->ops->ioctl(t->arg, t->fd, TEE_IOC_SUPPL_SEND, &buf) < 0) {
			supp_tee_note(t, "TEE_IOC_SUPPL_SEND failed: %s", strerror(errno));
			return TV_EIO;
		}
	}
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * teevar-vtee: the supplicant's end, /dev/teepriv0.
 *
 * A privileged TEE device that reports OP-TEE's implementation id, so that
 * tee-supplicant (Debian's 3.19, or teevar-supplicant --tee-dev) opens it and
 * serves requests with TEE_IOC_SUPPL_RECV / TEE_IOC_SUPPL_SEND as it does for
 * Linux's OP-TEE driver (drivers/tee/optee/supp.c): one opener at a time; a
 * leading meta parameter carries the request id when the supplicant offers
 * one (it then runs several threads and answers in any order), otherwise one
 * request at a time; never more parameters than the supplicant offered. No
 * TEE_GEN_CAP_REG_MEM: the supplicant allocates with TEE_IOC_SHM_ALLOC and
 * mmap()s it, from a pool of physically contiguous whole pages.
 *
 * Unlike OP-TEE's driver, every request is bounded (rpc_timeout_ms), a late
 * answer to a request whose caller gave up is accepted and dropped (the
 * supplicant must not die of it; memory a late SHM_ALLOC gave is freed), and a supplicant that died while the
 * module holds some of its shared memory is noticed at once: its requests
 * fail with TEEC_ERROR_COMMUNICATION and a new supplicant can open the
 * device, although the TEE core releases the old context only when the last
 * of that memory is put.
 */

#include <linux/completion.h>
#include <linux/idr.h>
#include <linux/jiffies.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "teevar_vtee_priv.h"

unsigned int vtee_rpc_timeout_ms = 5000;
module_param_named(rpc_timeout_ms, vtee_rpc_timeout_ms, uint, 0644);
MODULE_PARM_DESC(rpc_timeout_ms, "how long one RPC waits for the supplicant");

bool vtee_supp_enum;
module_param_named(supp_enum, vtee_supp_enum, bool, 0444);
MODULE_PARM_DESC(supp_enum, "register the StMM device when a supplicant first opens "
		 "teepriv0 (with need_supplicant) instead of when the bridge opens");

static unsigned int supp_requests;
module_param(supp_requests, uint, 0444);
MODULE_PARM_DESC(supp_requests, "requests given to a supplicant so far");

#define VTEE_SUPP_MAX_PARAMS 4u

/*
 * One request for the supplicant; its caller waits on c. Two kinds have no
 * caller and belong to supp.idr: abandoned (received, its caller gave up:
 * the id stays busy for the late answer) and orphan (the module's SHM_FREE
 * of the memory a late SHM_ALLOC answer gave).
 */
struct vtee_supp_req {
	struct list_head node;      /* in supp.queue while in_queue */
	int id;
	bool in_queue;              /* not yet received */
	bool processed;             /* answered (or aborted) */
	bool aborted;               /* the supplicant went away */
	bool abandoned;
	bool orphan;
	u32 func;
	u32 ret;
	u64 gen;                    /* of the supplicant that received it */
	u32 num_params;
	struct tee_param *param;
	struct tee_param own;       /* an orphan's parameter */
	/*
	 * The memrefs' shm, each with a reference of its own taken when the
	 * supplicant received it: the TEE core reads them after supp_recv
	 * returned (params_to_supp), without any lock, so they must outlive an
	 * abandoned request's caller. Put when the supplicant answers, or when
	 * it is gone; never under supp.lock (the last put may release the
	 * context: supp_release).
	 */
	struct tee_shm *pin[VTEE_SUPP_MAX_PARAMS];
	u32 npin;
	struct completion c;
};

static struct {
	struct tee_device *teedev;
	struct tee_shm_pool pool;
	struct mutex lock;          /* everything below */
	struct tee_context *ctx;    /* the supplicant; NULL none */
	u64 gen;
	unsigned int held;          /* shm of ctx the module holds */
	unsigned int pinned;        /* pin[] of received requests */
	struct list_head gone;      /* pinned requests to free after the lock */
	struct idr idr;             /* id -> request */
	struct list_head queue;     /* not yet received */
	int sync_id;                /* received without a meta param, or -1 */
	wait_queue_head_t recvq;
	bool enumerated;            /* supp_enum: the StMM device was asked for */
} supp;

/* ---- shared memory: physically contiguous whole pages (mmap()able) ---- */

static int supp_pool_alloc(struct tee_shm_pool *pool, struct tee_shm *shm,
			   size_t size, size_t align)
{
	return tee_dyn_shm_alloc_helper(shm, size, align, NULL);
}

static void supp_pool_free(struct tee_shm_pool *pool, struct tee_shm *shm)
{
	tee_dyn_shm_free_helper(shm, NULL);
}

static void supp_pool_destroy(struct tee_shm_pool *pool)
{
}

static const struct tee_shm_pool_ops supp_pool_ops = {
	.alloc = supp_pool_alloc,
	.free = supp_pool_free,
	.destroy_pool = supp_pool_destroy,
};

/* ---- the supplicant comes and goes ---- */

/* Fail everything the supplicant had or would get; it is gone. */
static void supp_abort_locked(void)
{
	struct vtee_supp_req *req;
	int id;

	idr_for_each_entry(&supp.idr, req, id) {
		idr_remove(&supp.idr, id);
		if (req->in_queue) {
			list_del(&req->node);
			req->in_queue = false;
		}
		if (req->abandoned || req->orphan) {
			if (req->npin) /* freed by supp_unlock(), after the lock */
				list_add_tail(&req->node, &supp.gone);
			else
				kfree(req);
			continue;
		}
		/* A caller waits: it puts the pins (vtee_supp_call). */
		req->processed = true;
		req->aborted = true;
		req->ret = TEEC_ERROR_COMMUNICATION;
		complete(&req->c);
	}
	supp.ctx = NULL;
	supp.sync_id = -1;
	supp.held = 0;
	supp.pinned = 0;
	supp.gen++;
}

static void supp_put_pins(struct vtee_supp_req *req)
{
	while (req->npin)
		tee_shm_put(req->pin[--req->npin]);
}

/*
 * Unlock supp.lock, then put the pins of the abandoned requests an abort
 * dropped (the last put may release the supplicant's context, which takes
 * supp.lock) and free them.
 */
static void supp_unlock(void)
{
	struct vtee_supp_req *req, *tmp;
	LIST_HEAD(gone);

	list_splice_init(&supp.gone, &gone);
	mutex_unlock(&supp.lock);
	list_for_each_entry_safe(req, tmp, &gone, node) {
		supp_put_pins(req);
		kfree(req);
	}
}

/*
 * Has the supplicant gone while the module still holds some of its memory
 * (SHM_ALLOC'd memory a request keeps, or the pins of requests it received)?
 * Its context then counts one reference per live tee_shm and none for the
 * file (tee_shm_alloc/register are the only teedev_ctx_get callers): it has
 * no more references than it has shm in the device's idr (a shm being
 * allocated or released only makes it count more, for a moment). Holding any
 * keeps the context alive, so it can be looked at.
 */
static bool supp_dead_locked(void)
{
	struct tee_device *teedev = supp.teedev;
	unsigned int live = 0;
	struct tee_shm *shm;
	int id;

	if (!supp.ctx || (!supp.held && !supp.pinned))
		return false;
	mutex_lock(&teedev->mutex);
	idr_for_each_entry(&teedev->idr, shm, id)
		if (shm->ctx == supp.ctx)
			live++;
	mutex_unlock(&teedev->mutex);
	return kref_read(&supp.ctx->refcount) <= live;
}

static void supp_reap_locked(void)
{
	if (supp_dead_locked()) {
		pr_info(VTEE_NAME ": the supplicant went away\n");
		supp_abort_locked();
	}
}

u64 vtee_supp_gen(void)
{
	u64 gen;

	mutex_lock(&supp.lock);
	supp_reap_locked();
	gen = supp.ctx ? supp.gen : 0;
	supp_unlock();
	return gen;
}

static void supp_get_version(struct tee_device *teedev,
			     struct tee_ioctl_version_data *vers)
{
	struct tee_ioctl_version_data v = {
		.impl_id = TEE_IMPL_ID_OPTEE,
		.impl_caps = TEE_OPTEE_CAP_TZ,
		.gen_caps = TEE_GEN_CAP_GP, /* no REG_MEM: SHM_ALLOC + mmap */
	};

	*vers = v;
}

static int supp_open(struct tee_context *ctx)
{
	bool first = false;

	mutex_lock(&supp.lock);
	supp_reap_locked();
	if (supp.ctx) {
		supp_unlock();
		return -EBUSY;
	}
	supp.ctx = ctx;
	supp.gen++;
	if (vtee_supp_enum && !supp.enumerated) {
		supp.enumerated = true;
		first = true;
	}
	supp_unlock();
	if (first)
		vtee_stmm_schedule();
	return 0;
}

static void supp_release(struct tee_context *ctx)
{
	mutex_lock(&supp.lock);
	if (supp.ctx == ctx)
		supp_abort_locked();
	supp_unlock();
}

/* ---- TEE_IOC_SUPPL_RECV / SEND ---- */

static int supp_recv(struct tee_context *ctx, u32 *func, u32 *num_params,
		     struct tee_param *param)
{
	u32 n = *num_params, num_meta, i;
	struct vtee_supp_req *req;
	int rc;

	if (!n)
		return -EINVAL;
	/* The TEE core took a reference for every memref; none is expected. */
	for (i = 0; i < n; i++)
		if (tee_param_is_memref(param + i) && param[i].u.memref.shm)
			tee_shm_put(param[i].u.memref.shm);
	for (i = 0; i < n; i++)
		if (param[i].attr && param[i].attr != TEE_IOCTL_PARAM_ATTR_META)
			return -EINVAL;
	num_meta = param[0].attr == TEE_IOCTL_PARAM_ATTR_META;

	for (;;) {
		mutex_lock(&supp.lock);
		if (supp.ctx != ctx || supp.sync_id != -1) {
			rc = -EINVAL; /* one request at a time without meta */
			goto out;
		}
		req = list_first_entry_or_null(&supp.queue, struct vtee_supp_req, node);
		if (req)
			break;
		mutex_unlock(&supp.lock);
		/* Interruptible: the supplicant waits here most of the time. */
		if (wait_event_interruptible(supp.recvq, !list_empty(&supp.queue)))
			return -ERESTARTSYS;
	}
	if (n - num_meta < req->num_params) {
		rc = -EINVAL; /* no room for its params: never more than offered */
		goto out;
	}
	list_del(&req->node);
	req->in_queue = false;
	req->gen = supp.gen;
	/*
	 * The core reads the memrefs' shm (params_to_supp: shm->id) after this
	 * returns and the lock is gone: each gets a reference of the
	 * supplicant's side, kept until it answers or goes, even if the caller
	 * gives up and drops its own meanwhile. (Its caller's hold keeps the
	 * shm alive now; 6.12 exports no tee_shm_get.)
	 */
	for (i = 0; i < req->num_params; i++) {
		struct tee_shm *shm = req->param[i].u.memref.shm;

		if (!tee_param_is_memref(req->param + i) || !shm)
			continue;
		refcount_inc(&shm->refcount);
		req->pin[req->npin++] = shm;
		supp.pinned++;
	}
	if (num_meta) {
		param[0].attr = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT |
				TEE_IOCTL_PARAM_ATTR_META;
		param[0].u.value.a = req->id;
		param[0].u.value.b = 0;
		param[0].u.value.c = 0;
	} else {
		supp.sync_id = req->id;
	}
	*func = req->func;
	*num_params = req->num_params + num_meta;
	memcpy(param + num_meta, req->param, sizeof(*param) * req->num_params);
	rc = 0;
out:
	mutex_unlock(&supp.lock);
	return rc;
}

/*
 * The late answer of an abandoned request: dropped, but memory a late
 * SHM_ALLOC gave goes back at once (SHM_FREE, answered to nobody).
 */
static void supp_late_locked(struct vtee_supp_req *req, u32 ret, u32 num_params,
			     const struct tee_param *param)
{
	struct vtee_supp_req *f;
	int id;

	if (req->func != VTEE_RPC_SHM_ALLOC || ret != TEEC_SUCCESS || num_params != 1 ||
	    (param->attr & TEE_IOCTL_PARAM_ATTR_TYPE_MASK) != TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT ||
	    param->u.value.c > INT_MAX)
		return;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return;
	f->orphan = true;
	f->func = VTEE_RPC_SHM_FREE;
	f->num_params = 1;
	f->param = &f->own;
	f->own.attr = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
	f->own.u.value.b = param->u.value.c;
	id = idr_alloc(&supp.idr, f, 1, 0, GFP_KERNEL);
	if (id < 0) {
		kfree(f);
		return;
	}
	f->id = id;
	f->in_queue = true;
	list_add_tail(&f->node, &supp.queue);
	supp_requests++;
	wake_up_interruptible(&supp.recvq);
}

static int supp_send(struct tee_context *ctx, u32 ret, u32 num_params,
		     struct tee_param *param)
{
	const u64 meta = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT |
			 TEE_IOCTL_PARAM_ATTR_META;
	struct vtee_supp_req *req, *unpin = NULL;
	u32 nm, i;
	int id, rc = 0;

	mutex_lock(&supp.lock);
	if (supp.ctx != ctx || !num_params) {
		rc = -EINVAL;
		goto out;
	}
	if (supp.sync_id == -1) {
		if (param[0].attr != meta) {
			rc = -EINVAL;
			goto out;
		}
		if (param[0].u.value.a > INT_MAX) {
			rc = -ENOENT;
			goto out;
		}
		id = param[0].u.value.a;
		nm = 1;
	} else {
		id = supp.sync_id;
		nm = 0;
	}
	req = idr_find(&supp.idr, id);
	if (!req) {
		rc = -ENOENT;
		goto out;
	}
	if (req->in_queue || num_params - nm != req->num_params) {
		rc = -EINVAL;
		goto out;
	}
	idr_remove(&supp.idr, id);
	supp.sync_id = -1;
	/* Answered: the supplicant is done with its memrefs (put below). */
	supp.pinned -= req->npin;
	if (req->abandoned || req->orphan) {
		/* Its caller gave up: the answer is dropped, not an error. */
		if (req->abandoned)
			supp_late_locked(req, ret, num_params - nm, param + nm);
		unpin = req; /* freed after the lock */
		goto out;
	}
	/* The outputs, by the request's own parameter types. */
	for (i = 0; i < req->num_params; i++) {
		struct tee_param *p = req->param + i;
		const struct tee_param *s = param + nm + i;

		switch (p->attr & TEE_IOCTL_PARAM_ATTR_TYPE_MASK) {
		case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT:
		case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT:
			p->u.value = s->u.value;
			break;
		case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT:
		case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT:
			p->u.memref.size = s->u.memref.size;
			break;
		default:
			break;
		}
	}
	req->ret = ret;
	req->processed = true;
	complete(&req->c); /* its caller puts the pins */
out:
	supp_unlock();
	if (unpin) {
		supp_put_pins(unpin);
		kfree(unpin);
	}
	return rc;
}

/* ---- the module's requests ---- */

int vtee_supp_call(struct tee_context *cctx, u64 *gen, u32 func, u32 num_params,
		   struct tee_param *param, unsigned long deadline, u32 *ret)
{
	struct vtee_supp_req *req = kzalloc(sizeof(*req), GFP_KERNEL);
	int id, rc = 0;

	if (!req)
		return -ENOMEM;
	if (num_params > VTEE_SUPP_MAX_PARAMS) {
		kfree(req);
		return -EINVAL;
	}
	init_completion(&req->c);
	req->func = func;
	req->num_params = num_params;
	req->param = param;

	mutex_lock(&supp.lock);
	supp_reap_locked();
	if (*gen && (*gen != supp.gen || !supp.ctx))
		rc = -EPIPE;     /* the supplicant it was meant for is gone */
	else if (!supp.ctx && cctx->supp_nowait)
		rc = -ENOTCONN;  /* a kernel client does not wait for one */
	if (rc) {
		supp_unlock();
		kfree(req);
		return rc;
	}
	id = idr_alloc(&supp.idr, req, 1, 0, GFP_KERNEL);
	if (id < 0) {
		supp_unlock();
		kfree(req);
		return -ENOMEM;
	}
	req->id = id;
	req->in_queue = true;
	list_add_tail(&req->node, &supp.queue);
	supp_requests++;
	supp_unlock();
	wake_up_interruptible(&supp.recvq);

	/* Killable (only SIGKILL ends it early, as OP-TEE's 6.12.y driver);
	 * woken every 100 ms to notice a supplicant that died holding memory. */
	for (;;) {
		long left = (long)(deadline - jiffies), w;

		if (left <= 0) {
			rc = -ETIMEDOUT;
			break;
		}
		w = wait_for_completion_killable_timeout(&req->c,
							 min_t(long, left, HZ / 10));
		if (w > 0)
			break;
		if (w < 0) {
			rc = -EINTR;
			break;
		}
		mutex_lock(&supp.lock);
		supp_reap_locked();
		supp_unlock();
	}

	mutex_lock(&supp.lock);
	if (req->processed) {
		rc = req->aborted ? -EPIPE : 0;
		*ret = req->ret;
		*gen = req->gen;
	} else if (req->in_queue) {
		list_del(&req->node);
		idr_remove(&supp.idr, req->id);
	} else {
		/*
		 * Received, unanswered: the id stays busy for its late answer,
		 * and the pins stay until then (the supplicant may still be
		 * copying the memrefs out).
		 */
		req->abandoned = true;
		req->param = NULL;
		req = NULL;
	}
	supp_unlock();
	if (req) {
		supp_put_pins(req); /* processed (answered or aborted): ours to put */
		kfree(req);
	}
	return rc;
}

struct tee_shm *vtee_supp_hold(u64 gen, int id)
{
	struct tee_shm *shm = ERR_PTR(-EPIPE);

	mutex_lock(&supp.lock);
	if (supp.ctx && gen == supp.gen) {
		shm = tee_shm_get_from_id(supp.ctx, id);
		if (!IS_ERR(shm))
			supp.held++;
	}
	mutex_unlock(&supp.lock);
	return shm;
}

bool vtee_supp_drop(struct tee_shm *shm, u64 gen)
{
	bool current_gen;

	mutex_lock(&supp.lock);
	current_gen = supp.ctx && gen == supp.gen;
	if (current_gen)
		supp.held--;
	mutex_unlock(&supp.lock);
	/* Outside the lock: the last put may release the context (supp_release). */
	tee_shm_put(shm);
	return current_gen;
}

/* ---- the device ---- */

static const struct tee_driver_ops supp_ops = {
	.get_version = supp_get_version,
	.open = supp_open,
	.release = supp_release,
	.supp_recv = supp_recv,
	.supp_send = supp_send,
};

static const struct tee_desc supp_desc = {
	.name = VTEE_NAME "-supp",
	.ops = &supp_ops,
	.owner = THIS_MODULE,
	.flags = TEE_DESC_PRIVILEGED,
};

int vtee_supp_init(struct device *parent)
{
	int rc;

	mutex_init(&supp.lock);
	idr_init(&supp.idr);
	INIT_LIST_HEAD(&supp.queue);
	INIT_LIST_HEAD(&supp.gone);
	init_waitqueue_head(&supp.recvq);
	supp.sync_id = -1;
	supp.pool.ops = &supp_pool_ops;

	supp.teedev = tee_device_alloc(&supp_desc, parent, &supp.pool, NULL);
	if (IS_ERR(supp.teedev))
		return PTR_ERR(supp.teedev);
	rc = tee_device_register(supp.teedev);
	if (rc) {
		tee_device_unregister(supp.teedev);
		return rc;
	}
	return 0;
}

void vtee_supp_exit(void)
{
	/* No supplicant, no caller: what is left (abandoned requests of a
	 * supplicant that died unnoticed, orphans) goes, with its pins, which
	 * would keep the device from unregistering. */
	mutex_lock(&supp.lock);
	supp_abort_locked();
	supp_unlock();
	tee_device_unregister(supp.teedev);
	idr_destroy(&supp.idr);
}

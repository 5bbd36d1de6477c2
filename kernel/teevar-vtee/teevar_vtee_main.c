// SPDX-License-Identifier: GPL-2.0-only
/*
 * teevar-vtee: a virtual TEE that lets Linux's own tee_stmm_efi driver talk to
 * teevar's secure core.
 *
 * It registers a TEE device that reports OP-TEE's implementation id (what
 * tee_stmm_efi's context match asks for) and, on the TEE bus, a client device
 * with the StMM UUID, which tee_stmm_efi binds to. Every open/close session and
 * invoke is passed as one message (teevar_vtee.h) to the process that holds
 * /dev/teevar-vtee (teevar-vtee-bridge), which carries it to the secure core;
 * its answer goes back to the caller as OP-TEE would give it: the memref
 * bytes, the value outputs, the TEE result and origin.
 *
 * The module never parses what the buffers hold; it only checks that an answer
 * matches its request (id, op, parameter types, sizes), so a confused or
 * hostile bridge can fail a call but cannot corrupt the caller's memory.
 * While the bridge serves a request it may write TVV_OP_RPC messages for it:
 * the waiting caller runs each against the supplicant (teevar_vtee_rpc.c,
 * teevar_vtee_supp.c) and queues the answer for the bridge's read().
 * GPL-2.0-only because it uses the TEE subsystem's GPL-only symbols.
 */

#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/tee_core.h>
#include <linux/uaccess.h>
#include <linux/uuid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "teevar_vtee_priv.h"

static unsigned int timeout_ms = 15000;
module_param(timeout_ms, uint, 0644);
MODULE_PARM_DESC(timeout_ms, "how long a call waits for the bridge's answer");

/* ed32d533-99e6-4209-9cc0-2d72cdd998a7: the StMM pseudo-TA */
static const uuid_t stmm_uuid = UUID_INIT(0xed32d533, 0x99e6, 0x4209, 0x9c, 0xc0,
					  0x2d, 0x72, 0xcd, 0xd9, 0x98, 0xa7);

enum vtee_req_state { VTEE_QUEUED, VTEE_INFLIGHT, VTEE_DONE };

/* What the request's RPC is doing (one at a time). */
enum vtee_rpc_state {
	VTEE_RPC_NONE,
	VTEE_RPC_PENDING,           /* written by the bridge, for the caller to run */
	VTEE_RPC_RUNNING,           /* the caller runs it */
	VTEE_RPC_ANSWERED,          /* its answer waits for the bridge's read() */
};

/* A message for the bridge's read(): a request or an RPC's answer. */
struct vtee_out {
	struct list_head node;      /* in vtee.queued; empty when not */
	struct vtee_req *req;
	bool rpc;                   /* req->rpc_answer, not req->msg */
};

/* One call waiting for the bridge. */
struct vtee_req {
	struct list_head node;      /* in vtee.inflight once read */
	struct vtee_out out;        /* the request in vtee.queued */
	wait_queue_head_t wq;       /* the caller waits for kick */
	bool kick;
	enum vtee_req_state state;
	int err;                    /* when DONE: 0 (resp valid) or -errno */
	unsigned long deadline;     /* jiffies; stopped while an RPC runs */
	struct tvv_msg *msg;        /* request: header, then payload */
	size_t msg_len;
	struct tvv_msg *resp;       /* the bridge's answer, checked */
	enum vtee_rpc_state rpc_state;
	struct tvv_msg *rpc_msg;    /* the bridge's RPC, checked */
	struct tvv_msg *rpc_answer;
	size_t rpc_answer_len;
	struct vtee_out rpc_out;    /* rpc_answer in vtee.queued */
	struct vtee_rpc_shm rpc_shm; /* the supplicant's memory for its RPMB RPCs */
};

/* A session this context opened (closed for it at release). */
struct vtee_session {
	struct list_head node;
	u32 id;
	u8 uuid[TEE_IOCTL_UUID_LEN];
	u32 login;
};

struct vtee_ctx {
	struct mutex lock;
	struct list_head sessions;
};

static struct {
	struct platform_device *pdev;
	struct tee_device *teedev;
	struct tee_shm_pool pool;
	struct tee_client_device *stmm;
	struct work_struct stmm_work; /* registers stmm */
	struct miscdevice misc;
	struct mutex read_lock;     /* one bridge read() at a time; before lock */
	struct mutex lock;          /* everything below */
	struct list_head queued;    /* vtee_out not yet read by the bridge */
	struct list_head inflight;  /* read, answer pending */
	wait_queue_head_t readq;
	bool bridge_open;
	u32 next_id;
	u32 next_session;           /* session ids are the module's */
} vtee;

/* ---- shared memory: pool buffers (kaddr) and registered pages ---- */

int vtee_shm_copy(struct tee_shm *shm, size_t offs, void *buf, size_t len,
		  bool to_shm)
{
	if (shm->kaddr) {
		if (to_shm)
			memcpy((u8 *)shm->kaddr + offs, buf, len);
		else
			memcpy(buf, (u8 *)shm->kaddr + offs, len);
		return 0;
	}
	if (!shm->pages)
		return -EINVAL;
	offs += shm->offset;
	while (len) {
		size_t pg = offs >> PAGE_SHIFT, in = offs & ~PAGE_MASK;
		size_t n = min_t(size_t, len, PAGE_SIZE - in);
		u8 *p;

		if (pg >= shm->num_pages)
			return -EINVAL;
		p = kmap_local_page(shm->pages[pg]);
		if (to_shm)
			memcpy(p + in, buf, n);
		else
			memcpy(buf, p + in, n);
		kunmap_local(p);
		buf = (u8 *)buf + n;
		offs += n;
		len -= n;
	}
	return 0;
}

static int vtee_pool_alloc(struct tee_shm_pool *pool, struct tee_shm *shm,
			   size_t size, size_t align)
{
	size_t sz = PAGE_ALIGN(size);
	void *p = alloc_pages_exact(sz, GFP_KERNEL | __GFP_ZERO);

	if (!p)
		return -ENOMEM;
	shm->kaddr = p;
	shm->paddr = virt_to_phys(p);
	shm->size = sz;
	return 0;
}

static void vtee_pool_free(struct tee_shm_pool *pool, struct tee_shm *shm)
{
	free_pages_exact(shm->kaddr, shm->size);
	shm->kaddr = NULL;
}

static void vtee_pool_destroy(struct tee_shm_pool *pool)
{
}

static const struct tee_shm_pool_ops vtee_pool_ops = {
	.alloc = vtee_pool_alloc,
	.free = vtee_pool_free,
	.destroy_pool = vtee_pool_destroy,
};

/* Registered memory stays pinned by the TEE core; bytes are copied per call. */
static int vtee_shm_register(struct tee_context *ctx, struct tee_shm *shm,
			     struct page **pages, size_t num_pages,
			     unsigned long start)
{
	return 0;
}

static int vtee_shm_unregister(struct tee_context *ctx, struct tee_shm *shm)
{
	return 0;
}

/* ---- messages ---- */

static bool attr_is_memref(u64 attr)
{
	return attr >= TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT &&
	       attr <= TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT;
}

static bool attr_is_value(u64 attr)
{
	return attr >= TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT &&
	       attr <= TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
}

static bool attr_sends(u64 attr)
{
	return attr == TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT ||
	       attr == TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT;
}

static bool attr_returns(u64 attr)
{
	return attr == TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT ||
	       attr == TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT;
}

/* Build the request for num_params TEE params (at most TVV_NUM_PARAMS). */
static int vtee_req_build(struct vtee_req *req, u16 op, u32 num_params,
			  const struct tee_param *param)
{
	struct tvv_msg hdr = {
		.magic = TVV_MAGIC, .version = TVV_VERSION, .op = op,
		.num_params = TVV_NUM_PARAMS,
	};
	size_t payload = 0, off;
	u32 i;
	int rc;

	if (num_params > TVV_NUM_PARAMS)
		return -EINVAL;
	for (i = 0; i < num_params; i++) {
		u64 attr = param[i].attr & TEE_IOCTL_PARAM_ATTR_TYPE_MASK;
		struct tvv_param *p = &hdr.params[i];

		if (param[i].attr & ~TEE_IOCTL_PARAM_ATTR_TYPE_MASK)
			return -EINVAL; /* meta/other flags: not for this TEE */
		p->attr = attr;
		if (attr_is_value(attr)) {
			p->a = param[i].u.value.a;
			p->b = param[i].u.value.b;
			p->c = param[i].u.value.c;
		} else if (attr_is_memref(attr)) {
			const struct tee_param_memref *m = &param[i].u.memref;

			if (!m->shm || m->shm_offs > m->shm->size ||
			    m->size > m->shm->size - m->shm_offs)
				return -EINVAL;
			p->a = m->size;
			if (attr_sends(attr))
				payload += m->size;
		} else if (attr != TEE_IOCTL_PARAM_ATTR_TYPE_NONE) {
			return -EINVAL;
		}
		if (payload > TVV_MAX_PAYLOAD)
			return -E2BIG;
	}
	hdr.payload_len = payload;

	req->msg_len = TVV_MSG_SIZE + payload;
	req->msg = kvmalloc(req->msg_len, GFP_KERNEL);
	if (!req->msg)
		return -ENOMEM;
	*req->msg = hdr;
	off = TVV_MSG_SIZE;
	for (i = 0; i < num_params; i++) {
		const struct tee_param_memref *m = &param[i].u.memref;

		if (!attr_sends(hdr.params[i].attr))
			continue;
		rc = vtee_shm_copy(m->shm, m->shm_offs, (u8 *)req->msg + off,
				   m->size, false);
		if (rc)
			return rc;
		off += m->size;
	}
	return 0;
}

static void vtee_req_free(struct vtee_req *req)
{
	kvfree(req->msg);
	kvfree(req->resp);
	kvfree(req->rpc_msg);
	kvfree(req->rpc_answer);
}

/* Wake the caller: its request changed. Called with vtee.lock. */
static void vtee_kick(struct vtee_req *req)
{
	WRITE_ONCE(req->kick, true);
	wake_up(&req->wq);
}

static unsigned long vtee_deadline(void)
{
	return jiffies + msecs_to_jiffies(timeout_ms);
}

/* The request is over (answered, timed out, the bridge gone). With vtee.lock. */
static void vtee_finish_locked(struct vtee_req *req, int err)
{
	list_del_init(&req->node);
	list_del_init(&req->out.node);
	list_del_init(&req->rpc_out.node);
	req->state = VTEE_DONE;
	req->err = err;
	vtee_kick(req);
}

/*
 * Run the RPC the bridge wrote for req (in the caller's context: its
 * supp_nowait decides whether to wait for a supplicant) and queue the answer.
 * Called with vtee.lock, which it drops while the RPC runs.
 */
static void vtee_run_rpc_locked(struct tee_context *ctx, struct vtee_req *req)
{
	struct tvv_msg *q = req->rpc_msg, *a;
	size_t alen;

	req->rpc_state = VTEE_RPC_RUNNING;
	req->rpc_msg = NULL;
	mutex_unlock(&vtee.lock);
	a = vtee_rpc_run(ctx, &req->rpc_shm, q, &alen);
	if (!a) { /* out of memory: the RPC's own message says COMMUNICATION */
		a = q;
		q = NULL;
		a->op = TVV_OP_RPC | TVV_RESPONSE;
		a->ret = TEEC_ERROR_COMMUNICATION;
		a->ret_origin = TEEC_ORIGIN_COMMS;
		a->params[1].a = 0;
		a->payload_len = 0;
		alen = TVV_MSG_SIZE;
	}
	kvfree(q);
	mutex_lock(&vtee.lock);
	if (req->state == VTEE_DONE) { /* the bridge went away meanwhile */
		kvfree(a);
		req->rpc_state = VTEE_RPC_NONE;
		return;
	}
	req->rpc_answer = a;
	req->rpc_answer_len = alen;
	req->rpc_state = VTEE_RPC_ANSWERED;
	list_add_tail(&req->rpc_out.node, &vtee.queued);
	/* The request's time runs again (in full once the bridge reads it). */
	req->deadline = vtee_deadline();
	wake_up_interruptible(&vtee.readq);
}

/*
 * Queue the request for the bridge and wait for its answer, running the RPCs
 * the bridge asks for meanwhile. 0: req->resp holds a checked answer;
 * -ENOTCONN: no bridge; -ETIMEDOUT: none in time.
 */
static int vtee_call(struct tee_context *ctx, struct vtee_req *req)
{
	int err;

	init_waitqueue_head(&req->wq);
	INIT_LIST_HEAD(&req->node);
	INIT_LIST_HEAD(&req->out.node);
	INIT_LIST_HEAD(&req->rpc_out.node);
	req->out.req = req;
	req->rpc_out.req = req;
	req->rpc_out.rpc = true;
	mutex_lock(&vtee.lock);
	if (!vtee.bridge_open) {
		mutex_unlock(&vtee.lock);
		return -ENOTCONN;
	}
	req->msg->id = ++vtee.next_id;
	req->state = VTEE_QUEUED;
	req->deadline = vtee_deadline();
	list_add_tail(&req->out.node, &vtee.queued);
	wake_up_interruptible(&vtee.readq);

	while (req->state != VTEE_DONE) {
		long left;

		if (req->rpc_state == VTEE_RPC_PENDING) {
			vtee_run_rpc_locked(ctx, req);
			continue;
		}
		left = (long)(req->deadline - jiffies);
		if (left <= 0) {
			vtee_finish_locked(req, -ETIMEDOUT);
			break;
		}
		req->kick = false;
		mutex_unlock(&vtee.lock);
		wait_event_timeout(req->wq, READ_ONCE(req->kick), left);
		mutex_lock(&vtee.lock);
	}
	err = req->err;
	mutex_unlock(&vtee.lock);
	/* The kernel request is over: so is the supplicant memory it used. */
	vtee_rpc_shm_end(ctx, &req->rpc_shm);
	return err;
}

/* Fail every waiting call (the bridge went away). Called with vtee.lock. */
static void vtee_fail_all(void)
{
	struct vtee_out *out, *otmp;
	struct vtee_req *req, *tmp;

	list_for_each_entry_safe(out, otmp, &vtee.queued, node) {
		if (out->rpc) {
			list_del_init(&out->node);
			continue; /* its request is in vtee.inflight */
		}
		vtee_finish_locked(out->req, -ENOTCONN);
	}
	list_for_each_entry_safe(req, tmp, &vtee.inflight, node)
		vtee_finish_locked(req, -ENOTCONN);
}

/* A result the module gives itself (origin COMMS): the TEE was not reached. */
static void comms_result(u32 *ret, u32 *origin, u32 code)
{
	*ret = code;
	*origin = TEEC_ORIGIN_COMMS;
}

/* Give the answer's outputs to the caller's params (answer already checked). */
static int vtee_apply(const struct vtee_req *req, u32 num_params,
		      struct tee_param *param)
{
	const struct tvv_msg *r = req->resp;
	size_t off = TVV_MSG_SIZE;
	u32 i;
	int rc;

	for (i = 0; i < num_params; i++) {
		const struct tvv_param *p = &r->params[i];
		u64 attr = p->attr;

		if (attr == TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT ||
		    attr == TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT) {
			param[i].u.value.a = p->a;
			param[i].u.value.b = p->b;
			param[i].u.value.c = p->c;
		} else if (attr_returns(attr)) {
			struct tee_param_memref *m = &param[i].u.memref;

			if (r->ret == TEEC_SUCCESS) {
				rc = vtee_shm_copy(m->shm, m->shm_offs, (u8 *)r + off,
						   p->a, true);
				if (rc)
					return rc;
				off += p->a;
			}
			m->size = p->a;
		}
	}
	return 0;
}

/* ---- the TEE driver ---- */

static void vtee_get_version(struct tee_device *teedev,
			     struct tee_ioctl_version_data *vers)
{
	struct tee_ioctl_version_data v = {
		.impl_id = TEE_IMPL_ID_OPTEE,
		.impl_caps = TEE_OPTEE_CAP_TZ,
		.gen_caps = TEE_GEN_CAP_GP | TEE_GEN_CAP_REG_MEM,
	};

	*vers = v;
}

static int vtee_open(struct tee_context *ctx)
{
	struct vtee_ctx *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (!c)
		return -ENOMEM;
	mutex_init(&c->lock);
	INIT_LIST_HEAD(&c->sessions);
	ctx->data = c;
	return 0;
}

/* Tell the secure side a session is over; its answer does not matter. */
static void vtee_close_remote(struct tee_context *ctx, u32 session)
{
	struct vtee_req req = {};

	if (vtee_req_build(&req, TVV_OP_CLOSE_SESSION, 0, NULL) == 0) {
		req.msg->session = session;
		vtee_call(ctx, &req);
	}
	vtee_req_free(&req);
}

static void vtee_release(struct tee_context *ctx)
{
	struct vtee_ctx *c = ctx->data;
	struct vtee_session *s, *tmp;

	list_for_each_entry_safe(s, tmp, &c->sessions, node) {
		vtee_close_remote(ctx, s->id);
		list_del(&s->node);
		kfree(s);
	}
	kfree(c);
	ctx->data = NULL;
}

static struct vtee_session *vtee_find_session(struct vtee_ctx *c, u32 id)
{
	struct vtee_session *s;

	list_for_each_entry(s, &c->sessions, node)
		if (s->id == id)
			return s;
	return NULL;
}

static int vtee_open_session(struct tee_context *ctx,
			     struct tee_ioctl_open_session_arg *arg,
			     struct tee_param *param)
{
	struct vtee_ctx *c = ctx->data;
	struct vtee_session *s;
	struct vtee_req req = {};
	int rc;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	rc = vtee_req_build(&req, TVV_OP_OPEN_SESSION, arg->num_params, param);
	if (rc == -EINVAL || rc == -E2BIG) { /* params this TEE cannot carry */
		comms_result(&arg->ret, &arg->ret_origin, TEEC_ERROR_BAD_PARAMETERS);
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	memcpy(req.msg->uuid, arg->uuid, sizeof(req.msg->uuid));
	req.msg->login = arg->clnt_login;
	/*
	 * The module names the session, so that ids stay unique whichever
	 * bridge serves them (a restarted bridge takes sessions over by id).
	 */
	mutex_lock(&vtee.lock);
	if (++vtee.next_session == 0) /* 0 is never a session */
		vtee.next_session = 1;
	req.msg->session = vtee.next_session;
	mutex_unlock(&vtee.lock);

	if (vtee_call(ctx, &req)) {
		comms_result(&arg->ret, &arg->ret_origin, TEEC_ERROR_COMMUNICATION);
		goto out;
	}
	rc = vtee_apply(&req, arg->num_params, param);
	if (rc)
		goto out;
	arg->ret = req.resp->ret;
	arg->ret_origin = req.resp->ret_origin;
	if (arg->ret == TEEC_SUCCESS) {
		arg->session = req.resp->session;
		s->id = arg->session;
		memcpy(s->uuid, arg->uuid, sizeof(s->uuid));
		s->login = arg->clnt_login;
		mutex_lock(&c->lock);
		list_add_tail(&s->node, &c->sessions);
		mutex_unlock(&c->lock);
		s = NULL;
	}
out:
	kfree(s);
	vtee_req_free(&req);
	return rc;
}

static int vtee_close_session(struct tee_context *ctx, u32 session)
{
	struct vtee_ctx *c = ctx->data;
	struct vtee_session *s;

	mutex_lock(&c->lock);
	s = vtee_find_session(c, session);
	if (s)
		list_del(&s->node);
	mutex_unlock(&c->lock);
	if (!s)
		return -EINVAL;
	kfree(s);
	vtee_close_remote(ctx, session);
	return 0;
}

static int vtee_invoke_func(struct tee_context *ctx,
			    struct tee_ioctl_invoke_arg *arg,
			    struct tee_param *param)
{
	struct vtee_ctx *c = ctx->data;
	struct vtee_req req = {};
	struct vtee_session *s, sess;
	int rc;

	mutex_lock(&c->lock);
	s = vtee_find_session(c, arg->session);
	if (s)
		sess = *s;
	mutex_unlock(&c->lock);
	if (!s)
		return -EINVAL;

	rc = vtee_req_build(&req, TVV_OP_INVOKE, arg->num_params, param);
	if (rc == -EINVAL || rc == -E2BIG) { /* params this TEE cannot carry */
		comms_result(&arg->ret, &arg->ret_origin, TEEC_ERROR_BAD_PARAMETERS);
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	req.msg->session = arg->session;
	req.msg->func = arg->func;
	/* The session's TA, so that a restarted bridge can open it anew. */
	memcpy(req.msg->uuid, sess.uuid, sizeof(req.msg->uuid));
	req.msg->login = sess.login;

	if (vtee_call(ctx, &req)) {
		comms_result(&arg->ret, &arg->ret_origin, TEEC_ERROR_COMMUNICATION);
		goto out;
	}
	rc = vtee_apply(&req, arg->num_params, param);
	if (rc)
		goto out;
	arg->ret = req.resp->ret;
	arg->ret_origin = req.resp->ret_origin;
out:
	vtee_req_free(&req);
	return rc;
}

static const struct tee_driver_ops vtee_ops = {
	.get_version = vtee_get_version,
	.open = vtee_open,
	.release = vtee_release,
	.open_session = vtee_open_session,
	.close_session = vtee_close_session,
	.invoke_func = vtee_invoke_func,
	.shm_register = vtee_shm_register,
	.shm_unregister = vtee_shm_unregister,
};

static const struct tee_desc vtee_desc = {
	.name = VTEE_NAME,
	.ops = &vtee_ops,
	.owner = THIS_MODULE,
};

/* ---- the StMM client device on the TEE bus ---- */

static void vtee_stmm_release(struct device *dev)
{
	kfree(to_tee_client_device(dev));
}

/* As OP-TEE's devices found with PTA_CMD_GET_DEVICES_SUPP: empty. */
static ssize_t need_supplicant_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return 0;
}
static DEVICE_ATTR_RO(need_supplicant);

static struct attribute *vtee_stmm_supp_attrs[] = {
	&dev_attr_need_supplicant.attr,
	NULL
};
ATTRIBUTE_GROUPS(vtee_stmm_supp);

static int vtee_stmm_register(void)
{
	struct tee_client_device *d;
	int rc;

	if (vtee.stmm)
		return 0;
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->dev.bus = &tee_bus_type;
	d->dev.release = vtee_stmm_release;
	if (vtee_supp_enum)
		d->dev.groups = vtee_stmm_supp_groups;
	uuid_copy(&d->id.uuid, &stmm_uuid);
	rc = dev_set_name(&d->dev, VTEE_NAME "-ta-%pUb", &stmm_uuid);
	if (rc) {
		kfree(d);
		return rc;
	}
	rc = device_register(&d->dev);
	if (rc) {
		put_device(&d->dev);
		return rc;
	}
	vtee.stmm = d;
	return 0;
}

static void vtee_stmm_work(struct work_struct *work)
{
	int rc = vtee_stmm_register();

	if (rc)
		pr_err(VTEE_NAME ": registering the StMM device failed: %d\n", rc);
}

/*
 * Register the StMM device (if not yet there) from a work item: tee_stmm_efi
 * opens its session in its probe, which must not run inside the open() that
 * made the device appear (the bridge's, or with supp_enum the supplicant's:
 * it waits for them).
 */
void vtee_stmm_schedule(void)
{
	schedule_work(&vtee.stmm_work);
}

/* ---- /dev/teevar-vtee: the bridge's end ---- */

static int vtee_bridge_open(struct inode *inode, struct file *file)
{
	mutex_lock(&vtee.lock);
	if (vtee.bridge_open) {
		mutex_unlock(&vtee.lock);
		return -EBUSY;
	}
	vtee.bridge_open = true;
	mutex_unlock(&vtee.lock);

	/*
	 * The StMM device appears once a bridge is there: tee_stmm_efi opens its
	 * session in probe and never retries, so it must find a way through.
	 * With supp_enum it appears when a supplicant first opens teepriv0.
	 */
	if (!vtee_supp_enum)
		vtee_stmm_schedule();
	return 0;
}

static int vtee_bridge_release(struct inode *inode, struct file *file)
{
	mutex_lock(&vtee.lock);
	vtee.bridge_open = false;
	vtee_fail_all();
	mutex_unlock(&vtee.lock);
	return 0;
}

/*
 * One message for the bridge. It is copied to user space without vtee.lock
 * (a buffer that faults slowly must not stall the callers): under the lock
 * the first queued message is copied to a bounce buffer; after copy_to_user
 * the lock is taken again and the message leaves the queue only if it is
 * still there. read_lock keeps readers in turn, so the only way it can have
 * left meanwhile is that its request ended (its caller timed out): the bytes
 * are returned anyway, and the bridge's answer gets ENOENT, as after a
 * timeout that follows a read. On EFAULT (or EMSGSIZE) nothing changes.
 */
static ssize_t vtee_bridge_read(struct file *file, char __user *buf, size_t len,
				loff_t *ppos)
{
	struct vtee_out *out, *first;
	struct vtee_req *req;
	void *bounce;
	size_t msg_len;
	bool rpc;
	u32 id;

	for (;;) {
		if (file->f_flags & O_NONBLOCK) {
			if (!mutex_trylock(&vtee.read_lock))
				return -EAGAIN;
		} else if (mutex_lock_interruptible(&vtee.read_lock)) {
			return -ERESTARTSYS;
		}
		mutex_lock(&vtee.lock);
		out = list_first_entry_or_null(&vtee.queued, struct vtee_out, node);
		if (out)
			break;
		mutex_unlock(&vtee.lock);
		mutex_unlock(&vtee.read_lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(vtee.readq, !list_empty(&vtee.queued)))
			return -ERESTARTSYS;
	}
	req = out->req;
	rpc = out->rpc;
	id = req->msg->id;
	msg_len = rpc ? req->rpc_answer_len : req->msg_len;
	if (len < msg_len) {
		mutex_unlock(&vtee.lock);
		mutex_unlock(&vtee.read_lock);
		return -EMSGSIZE;
	}
	bounce = kvmalloc(msg_len, GFP_KERNEL);
	if (!bounce) {
		mutex_unlock(&vtee.lock);
		mutex_unlock(&vtee.read_lock);
		return -ENOMEM;
	}
	memcpy(bounce, rpc ? (const void *)req->rpc_answer : req->msg, msg_len);
	mutex_unlock(&vtee.lock);
	req = NULL; /* it may end (and be gone) while unlocked */

	if (copy_to_user(buf, bounce, msg_len)) {
		kvfree(bounce);
		mutex_unlock(&vtee.read_lock);
		return -EFAULT; /* it stays queued */
	}
	kvfree(bounce);

	mutex_lock(&vtee.lock);
	/* Still the first, for the same request? (out is only compared.) */
	first = list_first_entry_or_null(&vtee.queued, struct vtee_out, node);
	if (first && first == out && first->rpc == rpc && first->req->msg->id == id) {
		req = first->req;
		list_del_init(&first->node);
		if (rpc) {
			kvfree(req->rpc_answer);
			req->rpc_answer = NULL;
			req->rpc_state = VTEE_RPC_NONE;
			req->deadline = vtee_deadline(); /* restarts in full */
			vtee_kick(req);
		} else {
			list_add_tail(&req->node, &vtee.inflight);
			req->state = VTEE_INFLIGHT;
		}
	}
	mutex_unlock(&vtee.lock);
	mutex_unlock(&vtee.read_lock);
	return msg_len;
}

static struct vtee_req *vtee_find_inflight(u32 id)
{
	struct vtee_req *req;

	list_for_each_entry(req, &vtee.inflight, node)
		if (req->msg->id == id)
			return req;
	return NULL;
}

/* Does the answer fit its request? Sizes, types and payload. */
static bool vtee_resp_ok(const struct tvv_msg *q, const struct tvv_msg *r, size_t len)
{
	size_t payload = 0;
	u32 i;

	if (r->op != (q->op | TVV_RESPONSE) || r->num_params != TVV_NUM_PARAMS ||
	    r->session != q->session)
		return false;
	for (i = 0; i < TVV_NUM_PARAMS; i++) {
		const struct tvv_param *rp = &r->params[i], *qp = &q->params[i];

		if (rp->attr != qp->attr || rp->reserved)
			return false;
		if (!attr_returns(rp->attr))
			continue;
		if (r->ret != TEEC_SUCCESS)
			continue; /* a.k.a. the size the TEE reported; no bytes */
		if (rp->a > qp->a)
			return false;
		payload += rp->a;
	}
	return r->payload_len == payload && len == TVV_MSG_SIZE + payload;
}

static bool uuid_zero(const u8 *u)
{
	return !memchr_inv(u, 0, TEE_IOCTL_UUID_LEN);
}

/*
 * An RPC for a request the bridge serves (TVV_OP_RPC): checked, handed to the
 * waiting caller to run. Takes r.
 */
static ssize_t vtee_rpc_write(struct tvv_msg *r, size_t len)
{
	struct vtee_req *req;
	const struct tvv_msg *q;
	ssize_t rc;

	if (!vtee_rpc_msg_ok(r, len)) {
		kvfree(r);
		return -EINVAL;
	}
	mutex_lock(&vtee.lock);
	req = vtee_find_inflight(r->id);
	q = req ? req->msg : NULL;
	if (!req) {
		rc = -ENOENT;
	} else if (q->op == TVV_OP_CLOSE_SESSION || r->session != q->session ||
		   (memcmp(r->uuid, q->uuid, sizeof(r->uuid)) && !uuid_zero(r->uuid)) ||
		   (r->login != q->login && r->login)) {
		rc = -EINVAL;
	} else if (req->rpc_state != VTEE_RPC_NONE) {
		rc = -EBUSY;
	} else {
		req->rpc_msg = r;
		r = NULL;
		req->rpc_state = VTEE_RPC_PENDING;
		vtee_kick(req);
		rc = len;
	}
	mutex_unlock(&vtee.lock);
	kvfree(r);
	return rc;
}

static ssize_t vtee_bridge_write(struct file *file, const char __user *buf,
				 size_t len, loff_t *ppos)
{
	struct tvv_msg *r;
	struct vtee_req *req;
	ssize_t rc;

	if (len < TVV_MSG_SIZE || len > TVV_MSG_SIZE + TVV_MAX_PAYLOAD)
		return -EINVAL;
	r = kvmalloc(len, GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	if (copy_from_user(r, buf, len)) {
		kvfree(r);
		return -EFAULT;
	}
	if (r->magic != TVV_MAGIC || r->version != TVV_VERSION) {
		kvfree(r);
		return -EINVAL;
	}

	if (r->op == TVV_OP_RPC)
		return vtee_rpc_write(r, len);

	mutex_lock(&vtee.lock);
	req = vtee_find_inflight(r->id);
	if (!req) {
		rc = -ENOENT;
	} else if (!vtee_resp_ok(req->msg, r, len)) {
		rc = -EINVAL;
	} else {
		req->resp = r;
		r = NULL;
		vtee_finish_locked(req, 0);
		rc = len;
	}
	mutex_unlock(&vtee.lock);
	kvfree(r);
	return rc;
}

static __poll_t vtee_bridge_poll(struct file *file, poll_table *wait)
{
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &vtee.readq, wait);
	mutex_lock(&vtee.lock);
	if (!list_empty(&vtee.queued))
		mask |= EPOLLIN | EPOLLRDNORM;
	mutex_unlock(&vtee.lock);
	return mask;
}

static const struct file_operations vtee_bridge_fops = {
	.owner = THIS_MODULE,
	.open = vtee_bridge_open,
	.release = vtee_bridge_release,
	.read = vtee_bridge_read,
	.write = vtee_bridge_write,
	.poll = vtee_bridge_poll,
	.llseek = noop_llseek,
};

/* ---- module ---- */

static int __init vtee_init(void)
{
	int rc;

	BUILD_BUG_ON(sizeof(struct tvv_msg) != TVV_MSG_SIZE);
	mutex_init(&vtee.read_lock);
	mutex_init(&vtee.lock);
	INIT_LIST_HEAD(&vtee.queued);
	INIT_LIST_HEAD(&vtee.inflight);
	init_waitqueue_head(&vtee.readq);
	vtee.pool.ops = &vtee_pool_ops;
	INIT_WORK(&vtee.stmm_work, vtee_stmm_work);

	vtee.pdev = platform_device_register_simple(VTEE_NAME, -1, NULL, 0);
	if (IS_ERR(vtee.pdev))
		return PTR_ERR(vtee.pdev);
	vtee.teedev = tee_device_alloc(&vtee_desc, &vtee.pdev->dev, &vtee.pool, NULL);
	if (IS_ERR(vtee.teedev)) {
		rc = PTR_ERR(vtee.teedev);
		goto err_pdev;
	}
	rc = tee_device_register(vtee.teedev);
	if (rc)
		goto err_teedev;
	/* teepriv0 after tee0: kernel clients open the first OP-TEE they find. */
	rc = vtee_supp_init(&vtee.pdev->dev);
	if (rc)
		goto err_teedev;

	vtee.misc.minor = MISC_DYNAMIC_MINOR;
	vtee.misc.name = VTEE_NAME;
	vtee.misc.fops = &vtee_bridge_fops;
	vtee.misc.mode = 0600;
	rc = misc_register(&vtee.misc);
	if (rc)
		goto err_supp;
	pr_info(VTEE_NAME ": virtual OP-TEE ready; StMM appears when %s\n",
		vtee_supp_enum ? "a supplicant opens teepriv0" :
				 "a bridge opens /dev/" VTEE_NAME);
	return 0;

err_supp:
	vtee_supp_exit();
err_teedev:
	tee_device_unregister(vtee.teedev);
err_pdev:
	platform_device_unregister(vtee.pdev);
	return rc;
}

static void __exit vtee_exit(void)
{
	flush_work(&vtee.stmm_work);
	if (vtee.stmm)
		device_unregister(&vtee.stmm->dev);
	misc_deregister(&vtee.misc);
	vtee_supp_exit();
	tee_device_unregister(vtee.teedev);
	platform_device_unregister(vtee.pdev);
}

module_init(vtee_init);
module_exit(vtee_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("teevar virtual TEE: tee_stmm_efi served by teevar's secure core");

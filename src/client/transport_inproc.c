/* SPDX-License-Identifier: BSD-2-Clause */
/* The in-process transport: the secure core's StMM entry called directly. */
#include <teevar/store_info.h>
#include <teevar/transport.h>
#include <teevar/var_transfer.h>

#include <errno.h>
#include <string.h>

#include "secure_core.h"
#include "stmm.h"
#include "transport_unix.h"
#include "tv_err.h"
#include "var_import.h"

static uint32_t stmm_open(void *ctx, const uint8_t uuid[16], uint32_t *session, uint32_t *origin)
{
	return tv_stmm_open_session(ctx, uuid, session, origin);
}

static uint32_t stmm_invoke(void *ctx, uint32_t session, uint32_t cmd,
			    struct tv_tee_param params[TV_TEE_NUM_PARAMS], uint32_t *origin)
{
	return tv_stmm_invoke(ctx, session, cmd, params, origin);
}

static void stmm_close(void *ctx, uint32_t session)
{
	tv_stmm_close_session(ctx, session);
}

static const struct tv_transport_ops wrap_ops = {
	.open_session = stmm_open,
	.invoke = stmm_invoke,
	.close_session = stmm_close,
	.destroy = NULL,
};

/* The owning variant: ctx is the secure core, its StMM looked up per call. */
static uint32_t core_open(void *ctx, const uint8_t uuid[16], uint32_t *session, uint32_t *origin)
{
	return tv_stmm_open_session(tv_secure_stmm(ctx), uuid, session, origin);
}

static uint32_t core_invoke(void *ctx, uint32_t session, uint32_t cmd,
			    struct tv_tee_param params[TV_TEE_NUM_PARAMS], uint32_t *origin)
{
	tv_err_clear_detail(); /* tv_last_error_detail() is about this call */
	return tv_stmm_invoke(tv_secure_stmm(ctx), session, cmd, params, origin);
}

static void core_close(void *ctx, uint32_t session)
{
	tv_stmm_close_session(tv_secure_stmm(ctx), session);
}

static void core_destroy(void *ctx)
{
	tv_secure_close(ctx);
}

static const struct tv_transport_ops core_ops = {
	.open_session = core_open,
	.invoke = core_invoke,
	.close_session = core_close,
	.destroy = core_destroy,
};

static void init_inproc(struct tv_transport *out, const struct tv_transport_ops *ops, void *ctx)
{
	memset(out, 0, sizeof(*out));
	out->ops = ops;
	out->ctx = ctx;
	out->foreign_stmm = false;
	out->ffa_codes = false;
	out->name = "inproc";
}

static int errno_of(int tv_err)
{
	switch (tv_err) {
	case TV_OK: return 0;
	case TV_EINVAL: return -EINVAL;
	case TV_ENOMEM: return -ENOMEM;
	case TV_EAUTH: return -EBADMSG;
	case TV_EKEY: return -EKEYREJECTED;
	case TV_EEXPIRED: return -EROFS;
	case TV_ENOSPC: return -ENOSPC;
	case TV_ENOENT: return -ENOENT;
	case TV_ECORRUPT: return -EUCLEAN;
	case TV_EDAMAGED: return -EUCLEAN; /* "structure needs cleaning": recover it */
	case TV_EBUSY: return -EBUSY;
	case TV_ERANGE: return -ERANGE;
	default: return -EIO; /* TV_EIO, TV_EDEVICE */
	}
}

int tv_transport_inproc_open_opts(const char *state_dir, const struct tv_inproc_options *opts,
				  struct tv_transport *out)
{
	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!state_dir || !*state_dir)
		return -EINVAL;
	struct tv_secure_config cfg;
	tv_secure_config_default(&cfg);
	if (opts) {
		cfg.format = opts->format;
		cfg.warn = opts->warn;
		cfg.warn_arg = opts->warn_arg;
	}
	struct tv_secure *sec;
	tv_err_clear_detail();
	int rc = tv_secure_open(state_dir, &cfg, &sec);
	if (rc != TV_OK)
		return errno_of(rc);
	init_inproc(out, &core_ops, sec);
	return 0;
}

int tv_transport_inproc_open(const char *state_dir, struct tv_transport *out)
{
	return tv_transport_inproc_open_opts(state_dir, NULL, out);
}

const char *tv_last_error_detail(void)
{
	return tv_err_detail();
}

void tv_transport_inproc_wrap(struct tv_stmm *stmm, struct tv_transport *out)
{
	init_inproc(out, &wrap_ops, stmm);
}

/* The owning in-process variant asks the secure core; a unix: transport asks
 * teevard. A wrapped StMM or a foreign StMM cannot tell. */
int tv_transport_store_info(const struct tv_transport *t, struct tv_store_info *out)
{
	if (!t || !out)
		return -EINVAL;
	if (tv_transport_is_unix(t))
		return tv_transport_unix_store_info(t, out);
	if (t->ops != &core_ops)
		return -ENOTSUP;
	tv_secure_store_info(t->ctx, out);
	return 0;
}

/* The errnos of the store requests, the same over inproc: as through teevard
 * (its store_result, turned back by transport_unix.c): anything that makes
 * the device's content unusable is -EUCLEAN. */
static int store_errno_of(int tv_err)
{
	switch (tv_err) {
	case TV_OK: return 0;
	case TV_ENOENT: return -ENOENT;
	case TV_ENOMEM: return -ENOMEM;
	case TV_ECORRUPT:
	case TV_EAUTH:
	case TV_EKEY: return -EUCLEAN;
	case TV_ENOSPC: return -ENOSPC;
	case TV_EEXPIRED: return -EROFS;
	default: return -EIO;
	}
}

int tv_transport_store_check(const struct tv_transport *t, struct tv_store_check_report *out)
{
	if (!t || !out)
		return -EINVAL;
	if (tv_transport_is_unix(t))
		return tv_transport_unix_store_check(t, out);
	if (t->ops != &core_ops)
		return -ENOTSUP;
	return store_errno_of(tv_secure_store_check(t->ctx, out));
}

int tv_transport_store_recover(const struct tv_transport *t, struct tv_store_recovery *out)
{
	if (!t || !out)
		return -EINVAL;
	if (tv_transport_is_unix(t))
		return tv_transport_unix_store_recover(t, out);
	if (t->ops != &core_ops)
		return -ENOTSUP;
	return store_errno_of(tv_secure_store_recover(t->ctx, out));
}

/* Import and export: the owning in-process transport only. Whoever holds the
 * state directory owns the store; a client of teevard or of a board's OP-TEE
 * must never write authenticated variables without their signatures. */
static struct tv_varsvc *owned_varsvc(const struct tv_transport *t, int *err)
{
	if (t->ops != &core_ops) {
		*err = -ENOTSUP;
		return NULL;
	}
	struct tv_varsvc *svc = tv_secure_varsvc(t->ctx);
	if (!svc) {
		tv_err_set_detail("the store is not mounted");
		*err = -EIO;
	}
	return svc;
}

int tv_transport_import(const struct tv_transport *t, const struct tv_xfer_var *v, size_t n,
			enum tv_import_conflict policy, bool dry_run,
			struct tv_import_result *results, struct tv_import_summary *sum)
{
	if (sum)
		memset(sum, 0, sizeof(*sum));
	if (!t)
		return -EINVAL;
	tv_err_clear_detail();
	int err = 0;
	struct tv_varsvc *svc = owned_varsvc(t, &err);
	if (!svc)
		return err;
	return tv_varsvc_import(svc, v, n, policy, dry_run, results, sum);
}

int tv_transport_export(const struct tv_transport *t, tv_export_cb cb, void *arg)
{
	if (!t || !cb)
		return -EINVAL;
	tv_err_clear_detail();
	int err = 0;
	struct tv_varsvc *svc = owned_varsvc(t, &err);
	if (!svc)
		return err;
	return tv_varsvc_export(svc, cb, arg);
}

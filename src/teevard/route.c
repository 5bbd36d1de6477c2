/* SPDX-License-Identifier: BSD-2-Clause */
#include "route.h"

#include <stdio.h>
#include <sys/stat.h>

#include <teevar/store_info.h>

#include "log.h"
#include "tv_err.h"

static void log_warning(void *arg, const char *msg)
{
	(void)arg;
	tvd_log("%s", msg);
}

static void secure_config(const struct tvd_config *cfg, struct tv_secure_config *sc)
{
	tv_secure_config_default(sc);
	sc->format = cfg->format;
	sc->warn = log_warning;
	sc->sync = cfg->sync;
	sc->emu.write_latency_us = cfg->write_latency_us;
	sc->emu.read_latency_us = cfg->read_latency_us;
	if (cfg->size_mult)
		sc->emu.size_mult = cfg->size_mult;
	sc->stmm.multi_session = true; /* every client gets its own session */
}

static bool image_exists(const char *state_dir)
{
	char path[4096];
	struct stat st;
	int n = snprintf(path, sizeof(path), "%s/rpmb.img", state_dir);
	return n > 0 && (size_t)n < sizeof(path) && stat(path, &st) == 0;
}

/* What failed, where: the error detail the secure core left (a path and its
 * errno, what is missing), else the code's own text. */
static const char *reason(int rc)
{
	const char *d = tv_err_detail();
	return *d ? d : tv_strerror(rc);
}

static void log_busy(const struct tvd_config *cfg)
{
	tvd_log("cannot open the secure core: the state directory %s is in use by another "
		"teevard or teevar", cfg->state_dir);
}

static int open_inproc(const struct tvd_config *cfg, struct tv_secure **out)
{
	struct tv_secure_config sc;
	secure_config(cfg, &sc);
	sc.route = TV_STORE_ROUTE_INPROC;
	tv_err_clear_detail();
	int rc = tv_secure_open(cfg->state_dir, &sc, out);
	if (rc == TV_EBUSY)
		log_busy(cfg);
	else if (rc != TV_OK)
		tvd_log("cannot open the secure core on %s (rpmb.img in process): %s",
			cfg->state_dir, reason(rc));
	return rc;
}

static int open_supplicant(const struct tvd_config *cfg, struct tv_secure **out)
{
	struct rpmb_dev dev;
	int rc = tvd_supplicant_dev(cfg->supplicant, &dev);
	if (rc != TV_OK)
		return rc;
	struct tv_secure_config sc;
	secure_config(cfg, &sc);
	sc.allow_key_program = cfg->provision_key; /* the route could fake "no key" */
	sc.route = TV_STORE_ROUTE_SUPPLICANT;
	tv_err_clear_detail();
	rc = tv_secure_open_dev(cfg->state_dir, &sc, dev, out);
	if (rc == TV_EBUSY)
		log_busy(cfg);
	else if (rc == TV_EKEY && !cfg->provision_key)
		tvd_log("cannot open the secure core through the supplicant at %s: %s (a device "
			"that is not keyed yet needs --provision-rpmb-key, once)", cfg->supplicant,
			tv_strerror(rc));
	else if (rc != TV_OK)
		tvd_log("cannot open the secure core through the supplicant at %s: %s",
			cfg->supplicant, reason(rc));
	return rc;
}

/* Deferred: the device is reached only while a client's request is handled. */
static int open_rpc(const struct tvd_config *cfg, struct tv_secure **out,
		    struct tvd_rpc_route **rpc)
{
	struct tvd_rpc_route *r;
	int rc = tvd_rpc_route_new(cfg->rpc_timeout_ms, &r);
	if (rc != TV_OK) {
		tvd_log("cannot set up the RPC route: %s", tv_strerror(rc));
		return rc;
	}
	struct tv_secure_config sc;
	secure_config(cfg, &sc);
	sc.allow_key_program = cfg->provision_key; /* the normal world could fake "no key" */
	sc.max_write_blocks = 1; /* tee-supplicant 3.19's emulation: one frame per write */
	sc.route = TV_STORE_ROUTE_RPC;
	tv_err_clear_detail();
	rc = tv_secure_open_deferred(cfg->state_dir, &sc, tvd_rpc_route_dev(r), out);
	if (rc == TV_EBUSY)
		log_busy(cfg);
	else if (rc != TV_OK)
		tvd_log("cannot open the secure core on %s: %s", cfg->state_dir, reason(rc));
	else
		*rpc = r; /* owned by the secure core from here on */
	return rc;
}

/* --rpmb rpc --kernel-route: the in-kernel route first, as a normal world
 * offers it (its model: the image in process), else the RPCs. */
static int open_rpc_or_kernel(const struct tvd_config *cfg, struct tv_secure **out,
			      enum tvd_route *used, struct tvd_rpc_route **rpc)
{
	if (cfg->kernel_route && image_exists(cfg->state_dir)) {
		tvd_log("--kernel-route: %s/rpmb.img is there: the in-kernel RPMB route (its "
			"model: the image in process) carries the device; no RPC will be sent",
			cfg->state_dir);
		*used = TVD_ROUTE_INPROC;
		return open_inproc(cfg, out);
	}
	if (cfg->kernel_route)
		tvd_log("--kernel-route: no %s/rpmb.img: the RPMB RPC through the clients' "
			"normal world carries the device", cfg->state_dir);
	return open_rpc(cfg, out, rpc);
}

/* An unreadable or damaged image is what the supplicant fallback is for; a busy
 * state directory or a wrong key is not. */
static bool image_unusable(int rc)
{
	return rc == TV_ECORRUPT || rc == TV_EIO;
}

int tvd_route_open(const struct tvd_config *cfg, struct tv_secure **out, enum tvd_route *used,
		   struct tvd_rpc_route **rpc)
{
	enum tvd_route r = cfg->route;
	*rpc = NULL;
	if (r == TVD_ROUTE_RPC) {
		*used = r;
		return open_rpc_or_kernel(cfg, out, used, rpc);
	}
	if (r == TVD_ROUTE_AUTO)
		r = cfg->supplicant && !image_exists(cfg->state_dir) ? TVD_ROUTE_SUPPLICANT
								     : TVD_ROUTE_INPROC;
	*used = r;
	if (r == TVD_ROUTE_SUPPLICANT)
		return open_supplicant(cfg, out);
	int rc = open_inproc(cfg, out);
	if (rc != TV_OK && cfg->route == TVD_ROUTE_AUTO && cfg->supplicant && image_unusable(rc)) {
		tvd_log("falling back to the supplicant at %s", cfg->supplicant);
		*used = TVD_ROUTE_SUPPLICANT;
		rc = open_supplicant(cfg, out);
	}
	return rc;
}

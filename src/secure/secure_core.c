/* SPDX-License-Identifier: BSD-2-Clause */
#include "secure_core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <teevar/store_info.h>

#include "huk.h"
#include "rpmb_auth.h"
#include "state_dir.h"
#include "tv_err.h"

struct tv_secure {
	int lock_fd;
	char *state_dir;
	struct tv_secure_config cfg;
	struct rpmb_emu *emu;     /* the in-process emulated device, if used */
	struct rpmb_dev dev;      /* the route to the device */
	uint32_t route;           /* enum tv_store_route, for store info */
	bool keep_dev;            /* deferred: dev outlives a failed mount */
	bool new_image;           /* the emulated image was created by this open */
	struct tv_rpmb rpmb;
	bool rpmb_open;
	struct tv_store *store;
	struct tv_varsvc *vars;
	struct tv_stmm *stmm;
};

void tv_secure_config_default(struct tv_secure_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	rpmb_emu_config_default(&cfg->emu);
	cfg->store.format_blank = true;
	tv_varsvc_config_default(&cfg->vars);
	cfg->sync = true;
	cfg->allow_key_program = true;
}

static int take_lock(struct tv_secure *sec, const char *dir)
{
	char path[4096];
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		tv_err_set_detail("creating the state directory %s: %s", dir, strerror(errno));
		return TV_EIO;
	}
	int rc = tv_state_path(path, sizeof(path), dir, TV_STATE_LOCK);
	if (rc != TV_OK)
		return rc;
	sec->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (sec->lock_fd < 0) {
		tv_err_set_detail("opening %s: %s", path, strerror(errno));
		return TV_EIO;
	}
	if (flock(sec->lock_fd, LOCK_EX | LOCK_NB) == 0)
		return TV_OK;
	if (errno == EWOULDBLOCK) {
		tv_err_set_detail("the state directory %s is in use by another process", dir);
		return TV_EBUSY;
	}
	tv_err_set_detail("locking %s: %s", path, strerror(errno));
	return TV_EIO;
}

static int open_device(struct tv_secure *sec, const char *dir, const struct tv_secure_config *cfg)
{
	char path[4096];
	int rc = tv_state_path(path, sizeof(path), dir, TV_STATE_IMAGE);
	if (rc != TV_OK)
		return rc;
	struct rpmb_emu_config ec = cfg->emu;
	ec.sync = cfg->sync;
	rc = rpmb_emu_open(path, &ec, &sec->emu);
	if (rc == TV_ENOENT) { /* tv_state_check allowed a new image */
		rc = rpmb_emu_create(path, &ec, &sec->emu);
		sec->new_image = rc == TV_OK;
	}
	if (rc == TV_OK)
		sec->dev = rpmb_emu_dev(sec->emu);
	return rc;
}

/* A deferred core lends its device to each mount: tv_rpmb_close() must not
 * close it, a later mount needs it again. */
static int lent_info(void *ctx, struct rpmb_dev_info *info)
{
	return rpmb_dev_get_info(ctx, info);
}

static int lent_route(void *ctx, const uint8_t *req, size_t nreq, uint8_t *resp, size_t nresp)
{
	return rpmb_dev_route(ctx, req, nreq, resp, nresp);
}

static bool lent_ready(void *ctx)
{
	return rpmb_dev_ready(ctx);
}

static const struct rpmb_dev_ops lent_ops = {.get_info = lent_info, .route = lent_route,
					     .ready = lent_ready};

/* Just before the key leaves: from now on the state directory has keyed a
 * device, whatever happens to this open, so the key leaves at most once. */
static int mark_before_key(void *arg, const uint8_t cid[16])
{
	return tv_state_mark_provisioned(arg, cid);
}

static int open_rpmb(struct tv_secure *sec, const char *dir, const struct tv_secure_config *cfg,
		     const uint8_t huk[TV_HUK_SIZE])
{
	/* An image this open just created is a new device on a trusted route. */
	bool was_provisioned = tv_state_provisioned(dir) && !sec->new_image;
	struct tv_rpmb_config rcfg = {.allow_key_program = cfg->allow_key_program &&
							    !was_provisioned,
				      .before_key_program = mark_before_key,
				      .before_key_arg = (void *)dir,
				      .max_write_blocks = cfg->max_write_blocks};
	struct rpmb_dev dev = sec->dev;
	if (sec->keep_dev)
		dev = (struct rpmb_dev){.ops = &lent_ops, .ctx = &sec->dev};
	else
		sec->dev.ops = NULL; /* tv_rpmb_open owns (or closes) the route */
	int rc = tv_rpmb_open(&sec->rpmb, dev, huk, &rcfg);
	sec->rpmb_open = rc == TV_OK;
	if (rc == TV_OK && !was_provisioned)
		rc = tv_state_mark_provisioned(dir, sec->rpmb.info.cid);
	return rc;
}

static int open_store(struct tv_secure *sec, const char *dir, const struct tv_secure_config *cfg)
{
	char path[4096];
	uint8_t huk[TV_HUK_SIZE], key[TV_KEY_SIZE];
	/* tv_state_check has refused a missing HUK where a store exists. */
	int rc = tv_state_path(path, sizeof(path), dir, TV_STATE_HUK);
	if (rc == TV_OK)
		rc = tv_huk_load_or_create(path, huk);
	if (rc == TV_OK)
		rc = open_rpmb(sec, dir, cfg, huk);
	if (rc == TV_OK)
		rc = tv_store_key_derive(huk, sec->rpmb.info.cid, key);
	struct tv_store_config store = cfg->store;
	store.force_format = store.force_format || cfg->format;
	if (rc == TV_OK)
		rc = tv_store_open(&sec->rpmb, key, &store, &sec->store);
	OPENSSL_cleanse(huk, sizeof(huk));
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/* Everything above the device: RPMB access, store, variable service, StMM. On
 * failure, what was opened is closed again (the device and the lock stay). */
static int mount(struct tv_secure *sec)
{
	const struct tv_secure_config *cfg = &sec->cfg;
	int rc = open_store(sec, sec->state_dir, cfg);
	if (rc == TV_OK)
		rc = tv_varsvc_create(sec->store, &cfg->vars, &sec->vars);
	if (rc == TV_OK)
		rc = tv_stmm_create(sec->vars, &cfg->stmm, &sec->stmm);
	if (rc == TV_OK)
		return TV_OK;
	tv_stmm_destroy(sec->stmm);
	tv_varsvc_destroy(sec->vars);
	tv_store_close(sec->store);
	if (sec->rpmb_open)
		tv_rpmb_close(&sec->rpmb);
	sec->stmm = NULL;
	sec->vars = NULL;
	sec->store = NULL;
	sec->rpmb_open = false;
	return rc;
}

/* Lock, state directory check, the emulated image when there is no dev. */
static int prepare(const char *state_dir, const struct tv_secure_config *cfg,
		   struct rpmb_dev *dev, struct tv_secure **out)
{
	struct tv_secure *sec = calloc(1, sizeof(*sec));
	char *dir = strdup(state_dir);
	if (!sec || !dir) {
		free(sec);
		free(dir);
		if (dev)
			rpmb_dev_close(dev);
		return TV_ENOMEM;
	}
	*out = sec;
	sec->lock_fd = -1;
	sec->state_dir = dir;
	if (cfg)
		sec->cfg = *cfg;
	else
		tv_secure_config_default(&sec->cfg);
	cfg = &sec->cfg;
	sec->route = cfg->route ? cfg->route : dev ? TV_STORE_ROUTE_UNKNOWN : TV_STORE_ROUTE_INPROC;
	if (dev)
		sec->dev = *dev;
	int rc = take_lock(sec, state_dir);
	if (rc == TV_OK)
		rc = tv_state_check(state_dir, !dev, cfg->format);
	if (rc == TV_OK)
		tv_state_warn_perms(state_dir, !dev, cfg->warn, cfg->warn_arg);
	if (rc == TV_OK && !dev)
		rc = open_device(sec, state_dir, cfg);
	return rc;
}

static int secure_open(const char *state_dir, const struct tv_secure_config *cfg,
		       struct rpmb_dev *dev, struct tv_secure **out)
{
	struct tv_secure *sec = NULL;
	int rc = prepare(state_dir, cfg, dev, &sec);
	if (rc == TV_OK)
		rc = mount(sec);
	if (rc != TV_OK) {
		tv_secure_close(sec);
		return rc;
	}
	*out = sec;
	return TV_OK;
}

int tv_secure_open(const char *state_dir, const struct tv_secure_config *cfg,
		   struct tv_secure **out)
{
	if (!state_dir || !out)
		return TV_EINVAL;
	return secure_open(state_dir, cfg, NULL, out);
}

int tv_secure_open_dev(const char *state_dir, const struct tv_secure_config *cfg,
		       struct rpmb_dev dev, struct tv_secure **out)
{
	if (!state_dir || !out || !dev.ops) {
		rpmb_dev_close(&dev);
		return TV_EINVAL;
	}
	return secure_open(state_dir, cfg, &dev, out);
}

int tv_secure_open_deferred(const char *state_dir, const struct tv_secure_config *cfg,
			    struct rpmb_dev dev, struct tv_secure **out)
{
	if (!state_dir || !out || !dev.ops) {
		rpmb_dev_close(&dev);
		return TV_EINVAL;
	}
	struct tv_secure *sec = NULL;
	int rc = prepare(state_dir, cfg, &dev, &sec);
	if (rc != TV_OK) {
		tv_secure_close(sec);
		return rc;
	}
	sec->keep_dev = true;
	*out = sec;
	return TV_OK;
}

bool tv_secure_mounted(const struct tv_secure *sec)
{
	return sec && sec->stmm != NULL;
}

int tv_secure_mount(struct tv_secure *sec)
{
	if (!sec)
		return TV_EINVAL;
	return tv_secure_mounted(sec) ? TV_OK : mount(sec);
}

void tv_secure_close(struct tv_secure *sec)
{
	if (!sec)
		return;
	tv_stmm_destroy(sec->stmm);
	tv_varsvc_destroy(sec->vars);
	tv_store_close(sec->store);
	if (sec->rpmb_open)
		tv_rpmb_close(&sec->rpmb);
	if (sec->dev.ops) /* not handed to tv_rpmb_open, or only lent to it */
		rpmb_dev_close(&sec->dev);
	rpmb_emu_free(sec->emu);
	if (sec->lock_fd >= 0)
		close(sec->lock_fd);
	free(sec->state_dir);
	free(sec);
}

struct tv_stmm *tv_secure_stmm(struct tv_secure *sec) { return sec->stmm; }
struct tv_varsvc *tv_secure_varsvc(struct tv_secure *sec) { return sec->vars; }
struct tv_store *tv_secure_store(struct tv_secure *sec) { return sec->store; }
struct rpmb_emu *tv_secure_emu(struct tv_secure *sec) { return sec->emu; }
struct tv_rpmb *tv_secure_rpmb(struct tv_secure *sec) { return &sec->rpmb; }
uint32_t tv_secure_route(const struct tv_secure *sec) { return sec->route; }

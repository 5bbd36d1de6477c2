/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The whole secure world on a state directory: HUK, emulated RPMB image, the
 * authenticated RPMB access, the store, the variable service and the StMM entry.
 * Opening takes an exclusive lock on the directory so that two processes never
 * run a secure core on the same store.
 *
 *   <state>/huk       32-byte HUK, mode 0600
 *   <state>/rpmb.img  emulated eMMC RPMB (docs/rpmb-image.md), created if missing
 *                     in a new state directory (state_dir.h: a missing image or
 *                     HUK of an existing store is refused unless `format`)
 *   <state>/lock      flock()ed while open
 *   <state>/rpmb-provisioned  the CID of the device this HUK has keyed: once it
 *                     exists, a device that answers "no key" is refused instead of
 *                     being sent the key again (a route can fake that answer)
 */
#ifndef TV_SECURE_CORE_H
#define TV_SECURE_CORE_H

#include <stdbool.h>

#include "rpmb_auth.h"
#include "rpmb_emu.h"
#include "stmm.h"
#include "store.h"
#include "var_service.h"

struct tv_secure_config {
	struct rpmb_emu_config emu;       /* for a new image */
	struct tv_store_config store;
	struct tv_varsvc_config vars;
	struct tv_stmm_config stmm;
	bool sync;                        /* fdatasync the image on every write */
	/* Program the RPMB key when the device answers "no key" and this state
	 * directory never keyed a device. The key then crosses the route in clear:
	 * allow it only over a trusted route. Default: true (tv_secure_open's
	 * in-process emulator); teevard clears it for a supplicant route unless told. */
	bool allow_key_program;
	/* Start over on purpose: give up the store. The emulated image is
	 * replaced by a new one (keyed, formatted; a missing HUK is created);
	 * through a route the store on the device is formatted whatever block 0
	 * holds (store.force_format). Without it, nothing of an existing store is
	 * ever recreated: a missing piece is TV_ECORRUPT with an error detail. */
	bool format;
	/* Told about a state directory or image that group or others may read or
	 * write (nothing is refused for it); NULL: not told. */
	void (*warn)(void *arg, const char *msg);
	void *warn_arg;
	/* Blocks per RPMB write operation at most (tv_rpmb_config.max_write_blocks):
	 * 1 for a route that carries one frame per write. 0: what the device takes. */
	uint32_t max_write_blocks;
	/* What tv_secure_store_info reports as the route (enum tv_store_route);
	 * 0: the in-process image says INPROC, a device given to open_dev UNKNOWN. */
	uint32_t route;
};
void tv_secure_config_default(struct tv_secure_config *cfg);

struct tv_secure;

/* TV_EBUSY if another process holds the state directory. */
int tv_secure_open(const char *state_dir, const struct tv_secure_config *cfg,
		   struct tv_secure **out);
/* The same, with the RPMB device reached through `dev` (a supplicant route, a
 * Linux eMMC...) instead of <state>/rpmb.img; the state directory then holds the
 * HUK and the lock only. Takes ownership of dev, also on failure. */
int tv_secure_open_dev(const char *state_dir, const struct tv_secure_config *cfg,
		       struct rpmb_dev dev, struct tv_secure **out);
void tv_secure_close(struct tv_secure *sec);

/*
 * A deferred open, for a device that can be reached only later (teevard's
 * --rpmb rpc: through a client's normal world, while it makes a request):
 * takes the lock and checks the state directory as tv_secure_open_dev does,
 * but sends nothing to dev. tv_secure_mount() then opens the RPMB access, the
 * store, the variable service and StMM; a mount that fails leaves nothing
 * half-open and can be tried again. Until a mount succeeds, tv_secure_stmm(),
 * tv_secure_varsvc() and tv_secure_store() are NULL, tv_secure_store_info()
 * reports zeros, and the store check and recovery fail with TV_EIO (an error
 * detail says why). The secure core owns dev (also on failure) and closes it
 * with tv_secure_close(); the config is copied.
 */
int tv_secure_open_deferred(const char *state_dir, const struct tv_secure_config *cfg,
			    struct rpmb_dev dev, struct tv_secure **out);
/* TV_OK (also when already mounted), or the error of the part that failed. */
int tv_secure_mount(struct tv_secure *sec);
bool tv_secure_mounted(const struct tv_secure *sec);

struct tv_stmm *tv_secure_stmm(struct tv_secure *sec);
struct tv_varsvc *tv_secure_varsvc(struct tv_secure *sec);
struct tv_store *tv_secure_store(struct tv_secure *sec);
struct rpmb_emu *tv_secure_emu(struct tv_secure *sec); /* NULL with open_dev */
struct tv_rpmb *tv_secure_rpmb(struct tv_secure *sec);
uint32_t tv_secure_route(const struct tv_secure *sec); /* enum tv_store_route */

/* teevar's own view of the store (capacity, use, RPMB counter, phase), for
 * `teevar info` through the in-process transport or teevard (secure_info.c). */
struct tv_store_info;
void tv_secure_store_info(struct tv_secure *sec, struct tv_store_info *out);

/* `teevar check` and `teevar recover` (secure_check.c): the store's full
 * verification and its explicit recovery, as the public reports say.
 * tv_secure_store_check: TV_OK when the check ran (out->detail names the first
 * damage), else the store's error (out->detail: why, if known).
 * tv_secure_store_recover: TV_ENOENT when the store is not damaged. */
struct tv_store_check_report;
struct tv_store_recovery;
int tv_secure_store_check(struct tv_secure *sec, struct tv_store_check_report *out);
int tv_secure_store_recover(struct tv_secure *sec, struct tv_store_recovery *out);

#endif

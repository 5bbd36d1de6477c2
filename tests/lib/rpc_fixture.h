/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fixture for teevard --rpmb rpc: a temporary directory, the teevard process
 * (tvd_harness.h) and, in this process, the RPMB device the guest's
 * supplicant would carry: tee-supplicant 3.19's emulated one (256 KiB,
 * rel_wr_sec_c 1, its fixed CID, in RAM, so it outlives teevard restarts).
 * The state directory gets its HUK up front, so that the tests know the RPMB
 * key and can play the emulation's host-order block counts. Clients are
 * rpc_peer.h connections serving RPCs from that device.
 */
#ifndef RPC_FIXTURE_H
#define RPC_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <teevar/client.h>

#include "rpc_peer.h"
#include "rpmb_emu.h"
#include "tvd_harness.h"

/* Room for a loaded machine (sanitizers, 2 cores shared with a kernel build or
 * three other test suites): an honest RPC must never take this long. 1500 ms
 * was not enough once (load average 7: an honest RPC before the attacked one
 * timed out, so the attack never came). */
#define RFX_RPC_TIMEOUT_MS 4000
#define RFX_RPC_TIMEOUT "4000"

struct rfx {
	char *dir;
	char state[300];
	struct tvd_proc d;
	bool running;
	struct rpmb_emu *emu;
	uint8_t key[32];          /* the RPMB key the secure core derives */
};

/* cmocka setup / teardown; *state is a struct rfx. teardown stops teevard and
 * checks its log for sanitizer reports. */
int rfx_setup(void **state);
int rfx_teardown(void **state);

/* teevard --rpmb rpc --provision-rpmb-key --rpc-timeout-ms 1500, then extra
 * (NULL-terminated; with base false, only extra after the state and socket). */
void rfx_start(struct rfx *f, bool base, const char *const *extra);
/* SIGTERM: exit 0 and a clean log. */
void rfx_stop(struct rfx *f);
/* A new RAM device in place of the old one (a supplicant restarted: no key,
 * counter 0, nothing stored). */
void rfx_new_device(struct rfx *f);

/* The peer configuration of the guest: RPC_ENABLE, probe answered
 * NOT_SUPPORTED, tee-supplicant's emulation quirks. */
struct rpcp_config rfx_peer_config(struct rfx *f);
/* A client library over a new peer (asserts the open). *peer stays valid until
 * tv_client_close. */
struct tv_client *rfx_client(struct rfx *f, struct rpc_peer **peer);

/* Variables "R<n>", n < RFX_VARS: fill bytes of a given size. */
#define RFX_VARS 12
struct rfx_model {
	bool present[RFX_VARS];
	size_t size[RFX_VARS];
	uint8_t fill[RFX_VARS];
};
efi_status_t rfx_set(struct tv_client *c, unsigned n, uint8_t fill, size_t size);
/* Sets through the client; on success the model follows. */
efi_status_t rfx_set_model(struct tv_client *c, struct rfx_model *m, unsigned n, uint8_t fill,
			   size_t size);
/* Asserts the service holds exactly the model's variables R0..R11. */
void rfx_assert_model(struct tv_client *c, const struct rfx_model *m);

#endif

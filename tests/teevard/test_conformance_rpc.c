/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The conformance suite through teevard --rpmb rpc: client library -> an RPC
 * client (tests/lib/rpc_peer.c) -> teevard -> secure core -> RPCs back to
 * that client -> an RPMB device in this process with tee-supplicant 3.19's
 * quirks (one frame per write, host-order block counts). A restart stops the
 * daemon and starts it again; the device, like a guest's supplicant, lives on.
 * 1 MiB, so that the suite's largest variables fit a segment. argv[1]: the
 * teevard binary.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <teevar/client.h>

#include "conformance_client.h"
#include "huk.h"
#include "rpc_peer.h"
#include "rpmb_emu.h"
#include "tv_err.h"
#include "tvd_harness.h"

/* The device of each directory the suite opens, kept across its restarts. */
#define MAX_DEVICES 64
static struct {
	char dir[256];
	struct rpmb_emu *emu;
	uint8_t key[32];
} devices[MAX_DEVICES];

struct cctx {
	struct tvd_proc d;
	struct tv_client *c;
};

/* The device for dir: a new one (with the state directory's HUK made here, so
 * that the RPMB key is known) the first time: its index, or -1. */
static int device_of(const char *dir)
{
	int i = 0;
	for (; i < MAX_DEVICES && devices[i].emu; i++)
		if (strcmp(devices[i].dir, dir) == 0)
			return i;
	if (i == MAX_DEVICES || strlen(dir) >= sizeof(devices[i].dir))
		return -1;
	char path[400];
	uint8_t huk[TV_HUK_SIZE];
	struct rpmb_emu_config ec;
	rpmb_emu_config_default(&ec);
	ec.size_mult = 8;
	ec.rel_wr_sec_c = 1;
	snprintf(path, sizeof(path), "%s/state", dir);
	if (mkdir(path, 0700) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/state/huk", dir);
	if (tv_huk_load_or_create(path, huk) != TV_OK ||
	    tv_rpmb_key_derive(huk, ec.cid, devices[i].key) != TV_OK ||
	    rpmb_emu_new_mem(&ec, &devices[i].emu) != TV_OK)
		return -1;
	strcpy(devices[i].dir, dir);
	return i;
}

static void *c_open(const char *dir)
{
	static const char *const extra[] = {"--rpmb", "rpc", "--provision-rpmb-key",
					    "--rpc-timeout-ms", "5000", NULL};
	int dev = device_of(dir);
	struct cctx *x = calloc(1, sizeof(*x));
	if (dev < 0 || !x || tvd_start(&x->d, dir, extra) != 0) {
		free(x);
		return NULL;
	}
	struct rpcp_config cfg = {.dev = rpmb_emu_dev(devices[dev].emu), .send_enable = true,
				  .probe_ret = TEE_ERROR_NOT_SUPPORTED, .debian = true,
				  .read_key = devices[dev].key};
	struct rpc_peer *p;
	struct tv_transport t;
	if (rpcp_connect(x->d.sock, &cfg, &p) == 0) {
		rpcp_transport(p, &t);
		if (tv_client_open(t, &x->c) != EFI_SUCCESS)
			x->c = NULL;
	}
	if (!x->c) {
		tvd_stop(&x->d, SIGKILL);
		free(x);
		return NULL;
	}
	return x;
}

static void c_close(void *ctx)
{
	struct cctx *x = ctx;
	tv_client_close(x->c);
	int rc = tvd_stop(&x->d, SIGTERM);
	if (rc != 0 || !tvd_log_clean(&x->d)) {
		fprintf(stderr, "# teevard exited with %d (log %s)\n", rc, x->d.log);
		abort();
	}
	free(x);
}

static struct tv_client *cl(void *ctx)
{
	return ((struct cctx *)ctx)->c;
}

int main(int argc, char **argv)
{
	struct conf_ops ops = {.name = "conformance (client -> RPC client -> teevard --rpmb rpc)",
				.open = c_open, .close = c_close};
	conformance_client_ops(&ops, cl);
	tvd_harness_init(argc > 1 ? argv[1] : NULL);
	if (!tvd_harness_binary()) {
		fprintf(stderr, "usage: test_conformance_rpc TEEVARD\n");
		return 1;
	}
	int rc = conformance_run(&ops);
	for (int i = 0; i < MAX_DEVICES; i++)
		rpmb_emu_free(devices[i].emu);
	return rc;
}

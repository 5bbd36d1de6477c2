/* SPDX-License-Identifier: BSD-2-Clause */
/* The conformance suite through the whole path: client library -> MM buffer ->
 * StMM TEE entry -> variable service -> store -> emulated RPMB. */
#include <stdlib.h>
#include <string.h>

#include <teevar/client.h>
#include <teevar/transport.h>

#include "conformance_client.h"
#include "secure_core.h"

struct cctx {
	struct tv_secure *sec;
	struct tv_client *c;
};

static void *c_open(const char *dir)
{
	struct cctx *x = calloc(1, sizeof(*x));
	struct tv_secure_config cfg;
	tv_secure_config_default(&cfg);
	cfg.emu.size_mult = 8; /* 64 KiB segments hold a 40 KiB db */
	cfg.sync = false;
	if (!x || tv_secure_open(dir, &cfg, &x->sec) != 0) {
		free(x);
		return NULL;
	}
	struct tv_transport t;
	tv_transport_inproc_wrap(tv_secure_stmm(x->sec), &t);
	if (tv_client_open(t, &x->c) != EFI_SUCCESS) {
		tv_secure_close(x->sec);
		free(x);
		return NULL;
	}
	return x;
}

static void c_close(void *ctx)
{
	struct cctx *x = ctx;
	tv_client_close(x->c);
	tv_secure_close(x->sec);
	free(x);
}

static struct tv_client *cl(void *ctx)
{
	return ((struct cctx *)ctx)->c;
}

int main(void)
{
	struct conf_ops ops = {.name = "conformance (client -> MM -> secure core)",
				.open = c_open, .close = c_close};
	conformance_client_ops(&ops, cl);
	return conformance_run(&ops);
}

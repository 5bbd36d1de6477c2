/* SPDX-License-Identifier: BSD-2-Clause */
/* The conformance suite over the unix: transport against a real teevard
 * process: client library -> socket -> teevard -> secure core -> emulated RPMB.
 * A restart stops the daemon and starts it again. argv[1]: the teevard binary. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <teevar/client.h>

#include "conformance_client.h"
#include "tvd_harness.h"

struct cctx {
	struct tvd_proc d;
	struct tv_client *c;
};

static void *c_open(const char *dir)
{
	static const char *const extra[] = {"--emu-size-mult", "8", NULL}; /* 1 MiB: 64 KiB segments */
	struct cctx *x = calloc(1, sizeof(*x));
	if (!x || tvd_start(&x->d, dir, extra) != 0) {
		free(x);
		return NULL;
	}
	x->c = tvd_client(&x->d);
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
	if (rc != 0) {
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
	struct conf_ops ops = {.name = "conformance (client -> unix socket -> teevard)",
				.open = c_open, .close = c_close};
	conformance_client_ops(&ops, cl);
	tvd_harness_init(argc > 1 ? argv[1] : NULL);
	if (!tvd_harness_binary()) {
		fprintf(stderr, "usage: test_conformance_unix TEEVARD\n");
		return 1;
	}
	return conformance_run(&ops);
}

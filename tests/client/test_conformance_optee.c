/* SPDX-License-Identifier: BSD-2-Clause */
/* The conformance suite over the optee: transport: client library -> MM buffer
 * -> TEE ioctls (shared memory, sessions, invoke) -> a fake /dev/tee0 that
 * checks them as Linux does -> StMM entry -> variable service -> store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <teevar/client.h>
#include <teevar/transport.h>

#include "conformance_client.h"
#include "fake_tee.h"
#include "secure_core.h"

struct cctx {
	struct tv_secure *sec;
	struct fake_tee *fake;
	struct tv_client *c;
};

static void c_free(struct cctx *x)
{
	fake_tee_free(x->fake);
	if (x->sec)
		tv_secure_close(x->sec);
	free(x);
}

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
	x->fake = fake_tee_new(tv_secure_stmm(x->sec), NULL);
	struct tv_transport t;
	if (!x->fake || tv_transport_optee_open_with("/dev/tee0", &fake_tee_ops, x->fake, &t) ||
	    tv_client_open(t, &x->c) != EFI_SUCCESS) {
		c_free(x);
		return NULL;
	}
	return x;
}

/* Every call was one Linux accepts, and nothing is left behind. */
static void c_close(void *ctx)
{
	struct cctx *x = ctx;
	tv_client_close(x->c);
	assert_int_equal(fake_tee_held(x->fake), 0);
	assert_int_equal(fake_tee_sessions(x->fake), 0);
	assert_int_equal(fake_tee_refused(x->fake), 0);
	c_free(x);
}

static struct tv_client *cl(void *ctx)
{
	return ((struct cctx *)ctx)->c;
}

int main(void)
{
	struct conf_ops ops = {.name = "conformance (client -> optee: -> fake /dev/tee0 -> secure core)",
				.open = c_open, .close = c_close};
	conformance_client_ops(&ops, cl);
	return conformance_run(&ops);
}

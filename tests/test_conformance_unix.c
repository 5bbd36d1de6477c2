/* SPDX-License-Identifier: BSD-2-Clause */
/* The conformance suite over the unix: transport against a real teevard
 * process: client library -> socket -> teevard -> secure core -> emulated RPMB.
 * A restart stops the daemon and starts it again. argv[1]: the teevard binary. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <teevar/client.h>

#include "conformance.h"
#include "tvd_harness.h"

struct cctx {
	struct tvd_proc d;
	struct tv_client *c;
};

static void *c_open(const char *dir)
{
	static const char *const extra[] = {"--emu-size-mult", "2", NULL}; /* 256 KiB */
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

static efi_status_t c_get(void *ctx, const efi_char16_t *name, const efi_guid_t *guid,
			  uint32_t *attrs, uint64_t *size, void *data)
{
	size_t sz = (size_t)*size;
	efi_status_t s = tv_get_variable(cl(ctx), name, guid, attrs, &sz, data);
	*size = sz;
	return s;
}

static efi_status_t c_next(void *ctx, uint64_t *size, efi_char16_t *name, efi_guid_t *guid)
{
	size_t sz = (size_t)*size;
	efi_status_t s = tv_get_next_variable(cl(ctx), &sz, name, guid);
	*size = sz;
	return s;
}

static efi_status_t c_set(void *ctx, const efi_char16_t *name, const efi_guid_t *guid,
			  uint32_t attrs, uint64_t size, const void *data)
{
	return tv_set_variable(cl(ctx), name, guid, attrs, (size_t)size, data);
}

static efi_status_t c_query(void *ctx, uint32_t attrs, uint64_t *m, uint64_t *r, uint64_t *s)
{
	return tv_query_variable_info(cl(ctx), attrs, m, r, s);
}

static efi_status_t c_rtb(void *ctx) { return tv_ready_to_boot(cl(ctx)); }
static efi_status_t c_ebs(void *ctx) { return tv_exit_boot_services(cl(ctx)); }

static efi_status_t c_lock(void *ctx, const efi_char16_t *name, const efi_guid_t *guid)
{
	return tv_lock_variable(cl(ctx), name, guid);
}

static efi_status_t c_pset(void *ctx, const efi_char16_t *name, const efi_guid_t *guid,
			   const var_check_property_t *p)
{
	return tv_var_check_property_set(cl(ctx), name, guid, p);
}

static efi_status_t c_pget(void *ctx, const efi_char16_t *name, const efi_guid_t *guid,
			   var_check_property_t *p)
{
	return tv_var_check_property_get(cl(ctx), name, guid, p);
}

int main(int argc, char **argv)
{
	static const struct conf_ops ops = {
		.name = "conformance (client -> unix socket -> teevard)", .open = c_open,
		.close = c_close, .get = c_get, .next = c_next, .set = c_set, .query = c_query,
		.ready_to_boot = c_rtb, .exit_boot_services = c_ebs, .lock = c_lock,
		.property_set = c_pset, .property_get = c_pget, .direct = 0,
	};
	tvd_harness_init(argc > 1 ? argv[1] : NULL);
	if (!tvd_harness_binary()) {
		fprintf(stderr, "usage: test_conformance_unix TEEVARD\n");
		return 1;
	}
	return conformance_run(&ops);
}

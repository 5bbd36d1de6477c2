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

#include "conformance.h"
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
	cfg.emu.size_mult = 2;
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

int main(void)
{
	static const struct conf_ops ops = {
		.name = "conformance (client -> optee: -> fake /dev/tee0 -> secure core)",
		.open = c_open, .close = c_close, .get = c_get, .next = c_next, .set = c_set,
		.query = c_query, .ready_to_boot = c_rtb, .exit_boot_services = c_ebs,
		.lock = c_lock, .property_set = c_pset, .property_get = c_pget, .direct = 0,
	};
	return conformance_run(&ops);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* The conformance suite against the secure core's variable service API. */
#include <stdlib.h>
#include <string.h>

#include "conformance.h"
#include "secure_core.h"

static size_t name_size(const efi_char16_t *name)
{
	if (!name)
		return 0;
	size_t n = 0;
	while (name[n])
		n++;
	return 2 * (n + 1);
}

static void *c_open(const char *dir)
{
	struct tv_secure_config cfg;
	tv_secure_config_default(&cfg);
	cfg.emu.size_mult = 8; /* 1 MiB: 64 KiB segments hold a 40 KiB db */
	cfg.sync = false;
	struct tv_secure *sec;
	return tv_secure_open(dir, &cfg, &sec) == 0 ? sec : NULL;
}

static void c_close(void *ctx)
{
	tv_secure_close(ctx);
}

static struct tv_varsvc *svc(void *ctx)
{
	return tv_secure_varsvc(ctx);
}

static efi_status_t c_get(void *ctx, const efi_char16_t *name, const efi_guid_t *guid,
			  uint32_t *attrs, uint64_t *size, void *data)
{
	return tv_varsvc_get(svc(ctx), (const uint8_t *)name, name_size(name), guid, attrs, size,
			     data);
}

static efi_status_t c_next(void *ctx, uint64_t *size, efi_char16_t *name, efi_guid_t *guid)
{
	return tv_varsvc_get_next(svc(ctx), size, (uint8_t *)name, guid);
}

static efi_status_t c_set(void *ctx, const efi_char16_t *name, const efi_guid_t *guid,
			  uint32_t attrs, uint64_t size, const void *data)
{
	return tv_varsvc_set(svc(ctx), (const uint8_t *)name, name_size(name), guid, attrs, size,
			     data);
}

static efi_status_t c_query(void *ctx, uint32_t attrs, uint64_t *m, uint64_t *r, uint64_t *s)
{
	return tv_varsvc_query(svc(ctx), attrs, m, r, s);
}

static efi_status_t c_rtb(void *ctx) { return tv_varsvc_ready_to_boot(svc(ctx)); }
static efi_status_t c_ebs(void *ctx) { return tv_varsvc_exit_boot_services(svc(ctx)); }

static efi_status_t c_lock(void *ctx, const efi_char16_t *name, const efi_guid_t *guid)
{
	return tv_varsvc_lock(svc(ctx), (const uint8_t *)name, name_size(name), guid);
}

static efi_status_t c_pset(void *ctx, const efi_char16_t *name, const efi_guid_t *guid,
			   const var_check_property_t *p)
{
	return tv_varsvc_property_set(svc(ctx), (const uint8_t *)name, name_size(name), guid, p);
}

static efi_status_t c_pget(void *ctx, const efi_char16_t *name, const efi_guid_t *guid,
			   var_check_property_t *p)
{
	return tv_varsvc_property_get(svc(ctx), (const uint8_t *)name, name_size(name), guid, p);
}

int main(void)
{
	static const struct conf_ops ops = {
		.name = "conformance (secure core API)", .open = c_open, .close = c_close,
		.get = c_get, .next = c_next, .set = c_set, .query = c_query,
		.ready_to_boot = c_rtb, .exit_boot_services = c_ebs, .lock = c_lock,
		.property_set = c_pset, .property_get = c_pget, .direct = 1,
	};
	return conformance_run(&ops);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* The conformance operations over the client library, for every transport. */
#include "conformance_client.h"

static struct tv_client *(*client_of)(void *ctx);

static struct tv_client *cl(void *ctx)
{
	return client_of(ctx);
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

void conformance_client_ops(struct conf_ops *ops, struct tv_client *(*client)(void *ctx))
{
	client_of = client;
	ops->get = c_get;
	ops->next = c_next;
	ops->set = c_set;
	ops->query = c_query;
	ops->ready_to_boot = c_rtb;
	ops->exit_boot_services = c_ebs;
	ops->lock = c_lock;
	ops->property_set = c_pset;
	ops->property_get = c_pget;
	ops->direct = 0; /* a NULL pointer cannot cross an MM buffer */
}

/* SPDX-License-Identifier: BSD-2-Clause */
#include "var_policy.h"

#include <stdlib.h>
#include <string.h>

#include "var_service.h"

void tv_var_policy_init(struct tv_var_policy *p)
{
	p->head = NULL;
	p->count = 0;
}

void tv_var_policy_free(struct tv_var_policy *p)
{
	while (p->head) {
		struct tv_var_policy_entry *e = p->head;
		p->head = e->next;
		free(e->name);
		free(e);
	}
	p->count = 0;
}

static struct tv_var_policy_entry *lookup(const struct tv_var_policy *p, const uint8_t *name,
					  size_t size, const efi_guid_t *guid)
{
	for (struct tv_var_policy_entry *e = p->head; e; e = e->next)
		if (e->size == size && memcmp(e->guid, guid->b, 16) == 0 &&
		    memcmp(e->name, name, size) == 0)
			return e;
	return NULL;
}

static struct tv_var_policy_entry *get_or_add(struct tv_var_policy *p, const uint8_t *name,
					      size_t size, const efi_guid_t *guid)
{
	struct tv_var_policy_entry *e = lookup(p, name, size, guid);
	if (e || p->count >= TV_VAR_POLICY_MAX)
		return e; /* NULL when full: OUT_OF_RESOURCES */
	e = calloc(1, sizeof(*e));
	uint8_t *copy = malloc(size);
	if (!e || !copy) {
		free(e);
		free(copy);
		return NULL;
	}
	memcpy(copy, name, size);
	memcpy(e->guid, guid->b, 16);
	e->name = copy;
	e->size = size;
	e->next = p->head;
	p->head = e;
	p->count++;
	return e;
}

efi_status_t tv_var_policy_lock(struct tv_var_policy *p, const uint8_t *name, size_t size,
				const efi_guid_t *guid)
{
	struct tv_var_policy_entry *e = get_or_add(p, name, size, guid);
	if (!e)
		return EFI_OUT_OF_RESOURCES;
	e->locked = true;
	return EFI_SUCCESS;
}

efi_status_t tv_var_policy_set(struct tv_var_policy *p, const uint8_t *name, size_t size,
			       const efi_guid_t *guid, const var_check_property_t *prop)
{
	if (prop->revision != VAR_CHECK_VARIABLE_PROPERTY_REVISION || prop->min_size > prop->max_size)
		return EFI_INVALID_PARAMETER;
	struct tv_var_policy_entry *e = get_or_add(p, name, size, guid);
	if (!e)
		return EFI_OUT_OF_RESOURCES;
	e->prop = *prop;
	e->has_prop = true;
	return EFI_SUCCESS;
}

static bool lock_in_force(const struct tv_var_policy_entry *e, enum tv_phase phase)
{
	return e->locked && phase != TV_PHASE_BOOT;
}

efi_status_t tv_var_policy_get(const struct tv_var_policy *p, const uint8_t *name, size_t size,
			       const efi_guid_t *guid, enum tv_phase phase,
			       var_check_property_t *prop)
{
	const struct tv_var_policy_entry *e = lookup(p, name, size, guid);
	if (!e || (!e->has_prop && !lock_in_force(e, phase)))
		return EFI_NOT_FOUND;
	if (e->has_prop) {
		*prop = e->prop;
	} else {
		memset(prop, 0, sizeof(*prop));
		prop->revision = VAR_CHECK_VARIABLE_PROPERTY_REVISION;
		prop->max_size = UINT64_MAX;
	}
	if (lock_in_force(e, phase))
		prop->property |= VAR_CHECK_VARIABLE_PROPERTY_READ_ONLY;
	return EFI_SUCCESS;
}

efi_status_t tv_var_policy_check(const struct tv_var_policy *p, const uint8_t *name, size_t size,
				 const efi_guid_t *guid, uint32_t attrs, uint64_t data_size,
				 enum tv_phase phase)
{
	const struct tv_var_policy_entry *e = lookup(p, name, size, guid);
	if (!e)
		return EFI_SUCCESS;
	if (lock_in_force(e, phase) ||
	    (e->has_prop && (e->prop.property & VAR_CHECK_VARIABLE_PROPERTY_READ_ONLY)))
		return EFI_WRITE_PROTECTED;
	uint32_t access = attrs & ~EFI_VARIABLE_APPEND_WRITE;
	bool del = access == 0 || (data_size == 0 && !(attrs & EFI_VARIABLE_APPEND_WRITE));
	if (!e->has_prop || del)
		return EFI_SUCCESS;
	if (data_size < e->prop.min_size || data_size > e->prop.max_size)
		return EFI_INVALID_PARAMETER;
	if (e->prop.attributes && access != e->prop.attributes)
		return EFI_INVALID_PARAMETER;
	return EFI_SUCCESS;
}

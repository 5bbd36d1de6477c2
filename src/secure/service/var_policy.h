/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * VarCheck properties (read-only flag, size bounds, required attributes) and
 * variable locks, registered during boot services and frozen at ReadyToBoot.
 * Locks take effect at ReadyToBoot (end of DXE); properties at once.
 */
#ifndef TV_VAR_POLICY_H
#define TV_VAR_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <teevar/efi.h>

enum tv_phase;

struct tv_var_policy_entry {
	struct tv_var_policy_entry *next;
	uint8_t guid[16];
	uint8_t *name; /* UCS-2 with its NUL */
	size_t size;
	bool has_prop;
	bool locked;
	var_check_property_t prop;
};

/* Variables that may carry a lock or a property: a bound on what boot-time
 * callers can make the secure core hold. */
#define TV_VAR_POLICY_MAX 1024u

struct tv_var_policy {
	struct tv_var_policy_entry *head;
	unsigned count;
};

void tv_var_policy_init(struct tv_var_policy *p);
void tv_var_policy_free(struct tv_var_policy *p);

efi_status_t tv_var_policy_lock(struct tv_var_policy *p, const uint8_t *name, size_t size,
				const efi_guid_t *guid);
efi_status_t tv_var_policy_set(struct tv_var_policy *p, const uint8_t *name, size_t size,
			       const efi_guid_t *guid, const var_check_property_t *prop);
/* EFI_NOT_FOUND when the variable has no property (a lock in force reads as
 * the READ_ONLY property). */
efi_status_t tv_var_policy_get(const struct tv_var_policy *p, const uint8_t *name, size_t size,
			       const efi_guid_t *guid, enum tv_phase phase,
			       var_check_property_t *prop);
/* May this SetVariable go ahead? WRITE_PROTECTED or INVALID_PARAMETER if not. */
efi_status_t tv_var_policy_check(const struct tv_var_policy *p, const uint8_t *name, size_t size,
				 const efi_guid_t *guid, uint32_t attrs, uint64_t data_size,
				 enum tv_phase phase);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the variable service's parts share (var_service.c, var_update.c and the
 * Secure Boot code in ../auth/): the service's state, lookups, the store step
 * (EDK2's UpdateVariable) and the service's own trusted writes.
 */
#ifndef TV_VAR_INTERNAL_H
#define TV_VAR_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "secure_boot.h"
#include "store_index.h"
#include "var_policy.h"
#include "var_service.h"

#define NV EFI_VARIABLE_NON_VOLATILE
#define BS EFI_VARIABLE_BOOTSERVICE_ACCESS
#define RT EFI_VARIABLE_RUNTIME_ACCESS
#define HR EFI_VARIABLE_HARDWARE_ERROR_RECORD
#define AW EFI_VARIABLE_AUTHENTICATED_WRITE_ACCESS
#define AT EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS
#define AP EFI_VARIABLE_APPEND_WRITE

struct tv_varsvc {
	struct tv_store *nv;
	struct tv_varsvc_config cfg;
	enum tv_phase phase;
	struct tv_index vol;      /* volatile variables */
	uint64_t vol_used;
	uint64_t vol_seq;         /* NV use is the store's own count (tv_store_used) */
	struct tv_var_policy policy;
	struct tv_sb sb;          /* Secure Boot mode (../auth/secure_boot.c) */
};

/* A variable found in either class. */
struct tv_found {
	const struct tv_store_var *v;
	bool nv;
};

struct tv_found tv_varsvc_find(const struct tv_varsvc *svc, const uint8_t *name, size_t size,
			       const efi_guid_t *guid);

/* One change for the store step, as AuthVariableLib hands it to EDK2's
 * UpdateVariable: the payload (descriptor removed) and, for a time-based
 * authenticated variable, its timestamp and signer binding. */
struct tv_update {
	const uint8_t *name;       /* UCS-2 with its NUL */
	size_t name_size;
	const efi_guid_t *guid;
	uint32_t attrs;            /* as passed: APPEND included */
	const uint8_t *data;
	uint64_t data_size;
	const uint8_t *timestamp;  /* AT: the descriptor's EFI_TIME, else NULL */
	const uint8_t *signer;     /* AT: the signer binding of a new (or unbound) private variable, or NULL */
	bool filter;               /* APPEND to KEK/db/dbx/dbt/dbr: drop entries already there */
};

/* EDK2's UpdateVariable: runtime rules for existing variables, delete, append
 * (merged size, duplicate filtering, the later timestamp), "same value: no
 * write", runtime creation, room, then the store. *deleted (may be NULL) tells
 * whether the variable was deleted. */
efi_status_t tv_varsvc_update(struct tv_varsvc *svc, const struct tv_update *u, bool *deleted);

/* The service's own writes (status variables, mode records): no checks, no
 * policy. data NULL/size 0 with del deletes (absent is fine). */
efi_status_t tv_varsvc_put_trusted(struct tv_varsvc *svc, const efi_guid_t *guid,
				   const char *ascii_name, uint32_t attrs, const uint8_t *data,
				   size_t size);
efi_status_t tv_varsvc_del_trusted(struct tv_varsvc *svc, const efi_guid_t *guid,
				   const char *ascii_name);
/* A stored variable by ASCII name (NULL if absent). */
const struct tv_store_var *tv_varsvc_lookup(const struct tv_varsvc *svc, const efi_guid_t *guid,
					    const char *ascii_name);

/* The bytes a class (NV, HR or volatile, by attrs) uses now, and its room. */
uint64_t tv_varsvc_class_used(const struct tv_varsvc *svc, uint32_t attrs, uint64_t *room);
/* The largest name + data of a class: HR, authenticated (0x10/0x20), others. */
uint64_t tv_varsvc_class_max(const struct tv_varsvc *svc, uint32_t attrs);

/* UCS-2 name (NUL included, size bytes) equals the ASCII string s. */
bool tv_name_is(const uint8_t *name, size_t size, const char *s);

efi_status_t tv_status_from_tv(int rc);

#endif

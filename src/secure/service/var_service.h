/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The UEFI variable service of the secure core: GetVariable,
 * GetNextVariableName, SetVariable, QueryVariableInfo with the semantics of UEFI
 * 2.10 section 8.2 (checks in the order of shared/spec/variable-semantics.md),
 * boot phases, VarCheck properties and variable locks. Non-volatile variables
 * live in the RPMB store; volatile ones in RAM and are gone at restart.
 *
 * Names are UCS-2 LE byte strings: `name` points to name_size bytes that hold a
 * NUL-terminated string (the NUL included in name_size). This is the MM buffer's
 * convention. Pointers may be NULL where the UEFI API allows callers to pass
 * NULL; the functions then answer as the specification says.
 */
#ifndef TV_VAR_SERVICE_H
#define TV_VAR_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include <teevar/efi.h>

#include "store.h"

enum tv_phase {
	TV_PHASE_BOOT = 0,     /* boot services, before end of DXE */
	TV_PHASE_READY = 1,    /* after ReadyToBoot: locks frozen */
	TV_PHASE_RUNTIME = 2,  /* after ExitBootServices */
};

struct tv_varsvc_config {
	uint64_t max_var_size;       /* name + data of an NV or volatile variable */
	uint64_t max_auth_var_size;  /* name + data of an authenticated variable */
	uint64_t max_hwerr_var_size; /* name + data of a HwErrRec variable */
	uint64_t volatile_storage;   /* bytes for volatile variables */
	uint64_t hwerr_storage;      /* NV bytes set aside for HwErrRec variables */
};
/* Defaults: 64 KiB - 64 per variable (auth too), 32 KiB per HwErrRec, 256 KiB
 * volatile, 64 KiB for HwErrRec. */
void tv_varsvc_config_default(struct tv_varsvc_config *cfg);

struct tv_varsvc;

/* nv may be NULL (volatile-only service, for tests). */
int tv_varsvc_create(struct tv_store *nv, const struct tv_varsvc_config *cfg,
		     struct tv_varsvc **out);
void tv_varsvc_destroy(struct tv_varsvc *svc);

efi_status_t tv_varsvc_get(struct tv_varsvc *svc, const uint8_t *name, size_t name_size,
			   const efi_guid_t *guid, uint32_t *attrs, uint64_t *data_size,
			   uint8_t *data);
/* name is a buffer of *name_size bytes holding the previous name (empty to start). */
efi_status_t tv_varsvc_get_next(struct tv_varsvc *svc, uint64_t *name_size, uint8_t *name,
				efi_guid_t *guid);
efi_status_t tv_varsvc_set(struct tv_varsvc *svc, const uint8_t *name, size_t name_size,
			   const efi_guid_t *guid, uint32_t attrs, uint64_t data_size,
			   const uint8_t *data);
efi_status_t tv_varsvc_query(struct tv_varsvc *svc, uint32_t attrs, uint64_t *max_storage,
			     uint64_t *remaining, uint64_t *max_var_size);

efi_status_t tv_varsvc_ready_to_boot(struct tv_varsvc *svc);
efi_status_t tv_varsvc_exit_boot_services(struct tv_varsvc *svc);
enum tv_phase tv_varsvc_phase(const struct tv_varsvc *svc);

efi_status_t tv_varsvc_lock(struct tv_varsvc *svc, const uint8_t *name, size_t name_size,
			    const efi_guid_t *guid);
efi_status_t tv_varsvc_property_set(struct tv_varsvc *svc, const uint8_t *name,
				    size_t name_size, const efi_guid_t *guid,
				    const var_check_property_t *prop);
efi_status_t tv_varsvc_property_get(struct tv_varsvc *svc, const uint8_t *name,
				    size_t name_size, const efi_guid_t *guid,
				    var_check_property_t *prop);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The authenticated-variable step of SetVariable, as EDK2's AuthVariableLib
 * (AuthVariableLibProcessVariable) takes it after the front end's checks:
 *   PK          signed by PK (user/deployed mode); unsigned in setup/audit mode
 *   KEK         signed by PK; unsigned in setup/audit mode
 *   db dbx dbt dbr (image-security GUID)  signed by PK, else by a KEK X.509
 *               certificate; unsigned in setup/audit mode
 *   AuditMode, DeployedMode   the mode transitions (secure_boot.c)
 *   other 0x20 variables      private: the first signer is bound
 *   everything else           plain; a variable stored with 0x20 cannot be
 *               rewritten without it (WRITE_PROTECTED)
 * Then the store step (tv_varsvc_update). docs/variable-service.md has the
 * statuses in order.
 */
#ifndef TV_AUTH_VAR_H
#define TV_AUTH_VAR_H

#include <stddef.h>
#include <stdint.h>

#include <teevar/efi.h>

#include "auth_descriptor.h"

struct tv_varsvc;

/* A SetVariable that passed the front end. */
struct tv_set_req {
	const uint8_t *name;       /* UCS-2 with its NUL */
	size_t name_size;
	const efi_guid_t *guid;
	uint32_t attrs;
	const uint8_t *data;       /* as passed */
	uint64_t data_size;
	struct tv_auth2 desc;      /* attrs & 0x20: the descriptor, split */
	const uint8_t *payload;    /* the data after any descriptor */
	uint64_t payload_size;
};

efi_status_t tv_auth_process(struct tv_varsvc *svc, const struct tv_set_req *r);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libteevar: the efivar operations over the MM communicate protocol, with the
 * behaviour of Linux's tee_stmm_efi driver (see docs/client.md).
 *
 * Names are NUL-terminated UCS-2 strings (at most 1024 characters, as Linux).
 * Every call returns an EFI status; a transport failure is EFI_DEVICE_ERROR.
 */
#ifndef TEEVAR_CLIENT_H
#define TEEVAR_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <teevar/efi.h>
#include <teevar/tee.h>

struct tv_client;

/* Opens a session to the StMM service over t (the client takes ownership of t,
 * also on failure) and asks for the payload size. On failure *out is NULL.
 * EFI_ACCESS_DENIED with tv_client_last_tee_result(NULL) == TEE_ERROR_BUSY: the
 * single StMM session is taken; on a board that is the kernel's tee_stmm_efi
 * driver, which owns StMM: use efivarfs. Other TEE failures: EFI_DEVICE_ERROR.
 * A payload size below 72 bytes: EFI_DEVICE_ERROR.
 * A client is not thread-safe: one thread at a time per client. */
efi_status_t tv_client_open(struct tv_transport t, struct tv_client **out);
void tv_client_close(struct tv_client *c);
/* The largest payload the service accepts (after the work-around, if any). */
size_t tv_client_payload_size(const struct tv_client *c);
/* TEE result and origin of c's last failed invoke (TEE_SUCCESS if none),
 * for error messages. With c == NULL: the same for this thread's last
 * tv_client_open (TEE_SUCCESS if it did not fail at the TEE level). */
uint32_t tv_client_last_tee_result(const struct tv_client *c, uint32_t *origin);

/* *data_size in: the buffer size; out (on SUCCESS and BUFFER_TOO_SMALL): the
 * data size. The request is trimmed to what fits the payload, as Linux does.
 * *attrs (may be NULL) is sent as given and written back on SUCCESS and
 * BUFFER_TOO_SMALL (UEFI 2.10; Linux: on SUCCESS only). data NULL
 * with a variable that fits: size written, EFI_INVALID_PARAMETER (as Linux). */
efi_status_t tv_get_variable(struct tv_client *c, const efi_char16_t *name,
			     const efi_guid_t *guid, uint32_t *attrs, size_t *data_size, void *data);
/* name: a buffer of *name_size bytes holding the previous name (empty to
 * start); out: the next name and *name_size (also on BUFFER_TOO_SMALL). */
efi_status_t tv_get_next_variable(struct tv_client *c, size_t *name_size, efi_char16_t *name,
				  efi_guid_t *guid);
/* Asks VAR_CHECK_VARIABLE_PROPERTY_GET first: a READ_ONLY variable gives
 * EFI_WRITE_PROTECTED without a SetVariable call. */
efi_status_t tv_set_variable(struct tv_client *c, const efi_char16_t *name,
			     const efi_guid_t *guid, uint32_t attrs, size_t data_size,
			     const void *data);
efi_status_t tv_query_variable_info(struct tv_client *c, uint32_t attrs, uint64_t *max_storage,
				    uint64_t *remaining, uint64_t *max_size);

/* Firmware-side calls (a boot loader or the platform would make them). */
efi_status_t tv_ready_to_boot(struct tv_client *c);
efi_status_t tv_exit_boot_services(struct tv_client *c);
efi_status_t tv_lock_variable(struct tv_client *c, const efi_char16_t *name,
			      const efi_guid_t *guid);
efi_status_t tv_var_check_property_set(struct tv_client *c, const efi_char16_t *name,
				       const efi_guid_t *guid, const var_check_property_t *p);
efi_status_t tv_var_check_property_get(struct tv_client *c, const efi_char16_t *name,
				       const efi_guid_t *guid, var_check_property_t *p);

#endif

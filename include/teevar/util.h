/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers for the normal world: status names, errno mapping, GUIDs, UCS-2. */
#ifndef TEEVAR_UTIL_H
#define TEEVAR_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <teevar/efi.h>

/* "EFI_NOT_FOUND", ...; for unknown codes "EFI_STATUS(0x%016llx)", written to a
 * buffer per thread that the next unknown code in that thread overwrites. */
const char *tv_status_name(efi_status_t s);
/* efivarfs's mapping: INVALID_PARAMETER -EINVAL, OUT_OF_RESOURCES -ENOSPC,
 * DEVICE_ERROR -EIO, WRITE_PROTECTED -EROFS, SECURITY_VIOLATION -EACCES,
 * NOT_FOUND -ENOENT, ABORTED -EINTR, SUCCESS 0, anything else -EINVAL. */
int tv_status_to_errno(efi_status_t s);

/* "8be4df61-93ca-11d2-aa0d-00e098032b8c" (exactly 36 chars, any case, NUL right
 * after) -> EFI byte order. Returns 0, or -1 (NULL argument, malformed text)
 * leaving *guid untouched. */
int tv_guid_parse(const char *text, efi_guid_t *guid);
/* out must hold 37 bytes; writes lower case. A NULL guid writes "", a NULL out
 * nothing. */
void tv_guid_format(const efi_guid_t *guid, char out[37]);
/* False if either is NULL. */
bool tv_guid_equal(const efi_guid_t *a, const efi_guid_t *b);

/* UTF-8 -> UCS-2 (NUL-terminated). Characters outside the BMP, invalid UTF-8
 * (overlong forms, surrogates, truncated sequences), NULL arguments or a result
 * longer than max units (NUL included) give -1, leaving out empty if max > 0;
 * else the number of units written, NUL included. */
long tv_utf8_to_ucs2(const char *in, efi_char16_t *out, size_t max);
/* UCS-2 (NUL-terminated, at most max_units read) -> UTF-8 (NUL-terminated).
 * Returns bytes written without the NUL, or -1 (no room, surrogate, no NUL,
 * NULL argument), leaving out empty if out_size > 0. */
long tv_ucs2_to_utf8(const efi_char16_t *in, size_t max_units, char *out, size_t out_size);
/* Length in units, without the NUL, looking at most max units; max if none,
 * 0 for NULL. */
size_t tv_ucs2_strnlen(const efi_char16_t *s, size_t max);

/* "TEE_ERROR_BUSY", ...; "TEE_RESULT(0x%08x)" for unknown codes (a per-thread
 * buffer, as tv_status_name). */
const char *tv_tee_result_name(uint32_t res);
/* What a TEE result (tv_client_last_tee_result) means for the user, or NULL if
 * there is nothing specific to say. transport is the transport's name ("optee",
 * ...; NULL is fine): TEE_ERROR_BUSY on optee: is "StMM is in use by the
 * kernel's tee_stmm_efi driver: use efivarfs (/sys/firmware/efi/efivars)". */
const char *tv_tee_result_hint(const char *transport, uint32_t res);

#endif

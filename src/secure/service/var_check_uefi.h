/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The checks EDK2 applies to UEFI-defined variables (VarCheckLib's generic
 * property check plus VarCheckUefiLib's handler), as a pure module: a fixed
 * table of the variables UEFI defines under the global, image-security and
 * hardware-error GUIDs, and the SetVariable check an untrusted caller (the MM
 * communicate buffer) meets after EndOfDxe. No state; the caller decides when
 * the check is in force and who is trusted.
 *
 * Names are UCS-2 LE byte strings of name_size bytes with their NUL included
 * ("Boot0001" is 18 bytes). As EDK2 compares with StrCmp/StrLen, a name ends
 * at its first NUL character; a name without one within name_size bytes is
 * taken whole.
 */
#ifndef TV_VAR_CHECK_UEFI_H
#define TV_VAR_CHECK_UEFI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <teevar/efi.h>

/* The hardware-error-record GUID 414e6bdd-e47b-47cc-b244-bb61020cf516
 * (EFI_HARDWARE_ERROR_VARIABLE, EFI byte order). */
extern const efi_guid_t tv_hwerr_guid;

/*
 * EDK2 IsHwErrRecVariable: the GUID is tv_hwerr_guid and the name is exactly
 * "HwErrRec" followed by four characters of 0-9 or A-F. Uppercase only, as
 * EDK2's VarCheckUefiIsHexaDecimalDigitCharacter ("HwErrRec000a" is not one).
 */
bool tv_is_hwerr_rec(const uint8_t *name, size_t name_size, const efi_guid_t *guid);

/*
 * The built-in property of a UEFI-defined variable: VarCheckUefiLib's table
 * plus teevar's additions (AuditMode, DeployedMode, dbr). Names are matched
 * exactly, or against a "####" entry (Boot####, Driver####, SysPrep####,
 * Key####, PlatformRecovery####, HwErrRec####) with four uppercase hex digits
 * in place of "####". As in EDK2's VarCheckLib, the literal name "Boot####"
 * (etc.) also has the entry's property.
 *
 * Fills prop (revision VAR_CHECK_VARIABLE_PROPERTY_REVISION, property
 * VAR_CHECK_VARIABLE_PROPERTY_READ_ONLY or 0, attributes, min_size, max_size
 * with UINT64_MAX for "no bound") and returns true; returns false, prop
 * untouched, when name/guid is not in the table.
 */
bool tv_uefi_var_property(const uint8_t *name, size_t name_size, const efi_guid_t *guid,
			  var_check_property_t *prop);

/*
 * EDK2 VarCheckLibSetVariableCheck with VarCheckUefiLib's handler as the only
 * handler, as it runs after EndOfDxe for an untrusted request.
 * payload/payload_size: the data after any authentication descriptor (payload
 * may be NULL when payload_size is 0). A delete is
 * (!(attrs & APPEND) && payload_size == 0) || attrs == 0.
 *
 *  1. The name has a built-in property with READ_ONLY: EFI_WRITE_PROTECTED,
 *     deletes included.
 *  2. Not a delete and the name has a property: its attributes are non-zero
 *     and differ from attrs & ~APPEND, or payload_size != 0 lies outside
 *     [min_size, max_size]: EFI_INVALID_PARAMETER.
 *  3. VarCheckUefiLib's handler: a delete is EFI_SUCCESS (no more checks);
 *     HARDWARE_ERROR_RECORD set and !tv_is_hwerr_rec: EFI_INVALID_PARAMETER;
 *     GUID global, image-security or hardware-error and the name not in the
 *     table: EFI_INVALID_PARAMETER; payload_size 0 (an empty APPEND):
 *     EFI_SUCCESS; then the entry's content check (NUL-terminated ASCII
 *     string, array of min_size items, device path, load option, key option),
 *     EFI_INVALID_PARAMETER if it fails.
 *
 * Names under other GUIDs are not checked beyond the HARDWARE_ERROR_RECORD
 * rule. Returns EFI_SUCCESS when the write may go ahead.
 */
efi_status_t tv_uefi_var_check(const uint8_t *name, size_t name_size, const efi_guid_t *guid,
			       uint32_t attrs, uint64_t payload_size, const uint8_t *payload);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel's variable table (Linux 6.12 fs/efivarfs/vars.c
 * variable_validate): which variables efivarfs creates without the immutable
 * flag (the "removable" list) and which writes it checks before SetVariable.
 */
#ifndef TV_EFIVARFS_VALIDATE_H
#define TV_EFIVARFS_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <teevar/efi.h>

/* 8be4df61-93ca-11d2-aa0d-00e098032b8c (EFI global variables). */
extern const efi_guid_t tv_efivarfs_global_guid;
/* cfc8fc79-be2e-4ddc-97f0-9f98bfe298a0 (Linux pstore crash records). */
extern const efi_guid_t tv_efivarfs_crash_guid;
/* 1ce1e5bc-7ceb-42f2-81e5-8aadf180f57b (Linux random seed): hidden. */
extern const efi_guid_t tv_efivarfs_random_seed_guid;

/* Removable (created without the immutable flag): name is the file name's
 * name part, len bytes (no NUL needed), matched as the kernel does. */
bool tv_efivarfs_is_removable(const efi_guid_t *guid, const char *name, size_t len);

/* Whether a write of data (without the 4 attribute bytes) to the variable
 * passes the kernel's efivar_validate. name is NUL-terminated UCS-2. */
bool tv_efivarfs_validate(const efi_guid_t *guid, const efi_char16_t *name, const uint8_t *data,
			  size_t len);

/* The table's checks, one by one. match is the number of characters of the
 * table's name before its '*' ("Boot*": 4). */
bool tv_efivarfs_valid_device_path(const uint8_t *buf, size_t len);
bool tv_efivarfs_valid_boot_order(const uint8_t *buf, size_t len);
bool tv_efivarfs_valid_load_option(const efi_char16_t *name, size_t match, const uint8_t *buf,
				   size_t len);
bool tv_efivarfs_valid_uint16(const uint8_t *buf, size_t len);
bool tv_efivarfs_valid_ascii_string(const uint8_t *buf, size_t len);

#endif

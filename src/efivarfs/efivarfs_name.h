/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * efivarfs file names: "Name-GUID". The checks and conversions are the ones
 * Linux 6.12's efivarfs makes (inode.c efivarfs_valid_name and create,
 * super.c's listing), so that teevarfs shows and accepts the same names.
 */
#ifndef TV_EFIVARFS_NAME_H
#define TV_EFIVARFS_NAME_H

#include <stdbool.h>
#include <stddef.h>

#include <teevar/efi.h>

#define TV_EFIVARFS_GUID_LEN 36
/* Longest file name (NAME_MAX) and the longest variable name we handle, in
 * UCS-2 units with the NUL (Linux's EFI_VAR_NAME_LEN is 1024 bytes). */
#define TV_EFIVARFS_FNAME_MAX 255
#define TV_EFIVARFS_VARNAME_UNITS 512

/* Length >= 38, a '-' right before the last 36 characters, and those a UUID
 * (any case). len is the name's length (no NUL needed). */
bool tv_efivarfs_valid_name(const char *fname, size_t len);

/* A new file's variable, as the kernel's create makes it: every byte of the
 * part before "-GUID" becomes one UCS-2 unit (no UTF-8 decoding, '!' stays).
 * name holds max_units (NUL included). Returns the units written with the
 * NUL, or -EINVAL (not a valid name, NUL byte) or -ENAMETOOLONG. */
long tv_efivarfs_name_parse(const char *fname, efi_char16_t *name, size_t max_units,
			    efi_guid_t *guid);

/* A variable's file name as the kernel lists it: the name in UTF-8 (each unit
 * encoded on its own, as ucs2_as_utf8), '/' shown as '!', '-', the GUID in
 * lower case. name is NUL-terminated within max_units. Returns the length
 * (without the NUL), -ENAMETOOLONG if out (or NAME_MAX) is too small, -EINVAL
 * without a NUL. */
long tv_efivarfs_name_format(const efi_char16_t *name, size_t max_units, const efi_guid_t *guid,
			     char *out, size_t out_size);

/* UCS-2 -> UTF-8 as the kernel's ucs2_as_utf8 (each unit on its own,
 * surrogates too), up to the NUL or max_units; stops before a unit that would
 * not fit out_size with the NUL. Returns the bytes written without the NUL. */
size_t tv_efivarfs_ucs2_to_utf8_raw(const efi_char16_t *name, size_t max_units, char *out,
				    size_t out_size);

/* The key of a name: the same name with its GUID part in lower case (the
 * name part is case-sensitive, the GUID not). out_size >= len + 1. Returns 0
 * or -EINVAL (not a valid name) / -ENAMETOOLONG. */
int tv_efivarfs_name_normalize(const char *fname, char *out, size_t out_size);

/* Whether the name part needs the listing to be found: it holds '!' (maybe a
 * '/' in the variable's name) or a byte >= 0x80 (UTF-8, which the kernel's
 * create does not decode). */
bool tv_efivarfs_name_needs_scan(const char *fname, size_t len);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* UEFI types and constants that cross teevar's interfaces (UEFI 2.10, section 8.2). */
#ifndef TEEVAR_EFI_H
#define TEEVAR_EFI_H

#include <stdint.h>

typedef uint64_t efi_status_t;
typedef uint16_t efi_char16_t; /* UCS-2, little-endian on the wire */

/* A GUID in EFI byte order: u32 LE, u16 LE, u16 LE, 8 bytes. */
typedef struct {
	uint8_t b[16];
} efi_guid_t;

#define EFI_ERROR_BIT (1ull << 63)
#define EFI_ERR(n) (EFI_ERROR_BIT | (uint64_t)(n))
#define EFI_IS_ERROR(s) (((s) & EFI_ERROR_BIT) != 0)

#define EFI_SUCCESS 0ull
#define EFI_INVALID_PARAMETER EFI_ERR(2)
#define EFI_UNSUPPORTED EFI_ERR(3)
#define EFI_BAD_BUFFER_SIZE EFI_ERR(4)
#define EFI_BUFFER_TOO_SMALL EFI_ERR(5)
#define EFI_NOT_READY EFI_ERR(6)
#define EFI_DEVICE_ERROR EFI_ERR(7)
#define EFI_WRITE_PROTECTED EFI_ERR(8)
#define EFI_OUT_OF_RESOURCES EFI_ERR(9)
#define EFI_NOT_FOUND EFI_ERR(14)
#define EFI_ACCESS_DENIED EFI_ERR(15)
#define EFI_ABORTED EFI_ERR(21)
#define EFI_SECURITY_VIOLATION EFI_ERR(26)

/* Variable attributes. */
#define EFI_VARIABLE_NON_VOLATILE 0x01u
#define EFI_VARIABLE_BOOTSERVICE_ACCESS 0x02u
#define EFI_VARIABLE_RUNTIME_ACCESS 0x04u
#define EFI_VARIABLE_HARDWARE_ERROR_RECORD 0x08u
#define EFI_VARIABLE_AUTHENTICATED_WRITE_ACCESS 0x10u /* deprecated */
#define EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS 0x20u
#define EFI_VARIABLE_APPEND_WRITE 0x40u
#define EFI_VARIABLE_ENHANCED_AUTHENTICATED_ACCESS 0x80u
#define EFI_VARIABLE_ATTRIBUTES_MASK 0x7Fu

/* VarCheck property (EDK2 VAR_CHECK_VARIABLE_PROPERTY). */
#define VAR_CHECK_VARIABLE_PROPERTY_REVISION 0x0001u
#define VAR_CHECK_VARIABLE_PROPERTY_READ_ONLY 0x0001u
typedef struct {
	uint16_t revision;
	uint16_t property;
	uint32_t attributes;
	uint64_t min_size;
	uint64_t max_size;
} var_check_property_t;

/* Well-known GUIDs (EFI byte order). */
#define EFI_GLOBAL_VARIABLE_GUID                                                            \
	{{0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11, 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, \
	  0x2b, 0x8c}}
#define EFI_IMAGE_SECURITY_DATABASE_GUID                                                    \
	{{0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d, 0x96, 0x45, 0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, \
	  0x65, 0x6f}}
#define EFI_SMM_VARIABLE_PROTOCOL_GUID                                                      \
	{{0x33, 0xd5, 0x32, 0xed, 0xe6, 0x99, 0x09, 0x42, 0x9c, 0xc0, 0x2d, 0x72, 0xcd, 0xd9, \
	  0x98, 0xa7}}

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * EFI_VARIABLE_AUTHENTICATION_2, the descriptor in front of the payload of a
 * time-based authenticated SetVariable (attribute 0x20), little-endian:
 *
 *   0  16  TimeStamp: EFI_TIME { u16 Year; u8 Month, Day, Hour, Minute, Second,
 *          Pad1; u32 Nanosecond; i16 TimeZone; u8 Daylight, Pad2 }
 *  16  u32 AuthInfo.Hdr.dwLength   (the WIN_CERTIFICATE header, 24, + CertData)
 *  20  u16 AuthInfo.Hdr.wRevision  (0x0200; never checked, as in EDK2)
 *  22  u16 AuthInfo.Hdr.wCertificateType (WIN_CERT_TYPE_EFI_GUID 0x0EF1)
 *  24  16  AuthInfo.CertType       (EFI_CERT_TYPE_PKCS7_GUID)
 *  40      CertData: DER PKCS#7 SignedData, dwLength - 24 bytes
 *  16 + dwLength: the payload
 *
 * The signed bytes (EDK2 VerifyTimeBasedPayload, UEFI 2.10 8.2.2):
 * name without its NUL || vendor GUID || u32 attributes as passed || TimeStamp ||
 * payload.
 */
#ifndef TV_AUTH_DESCRIPTOR_H
#define TV_AUTH_DESCRIPTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <teevar/efi.h>

#define TV_EFI_TIME_SIZE 16u
#define TV_WIN_CERT_HDR_SIZE 24u  /* dwLength, wRevision, wCertificateType, CertType */
#define TV_AUTH2_MIN_SIZE 40u     /* TimeStamp + WIN_CERTIFICATE_UEFI_GUID header */
#define TV_WIN_CERT_TYPE_EFI_GUID 0x0EF1u
/* EFI_VARIABLE_AUTHENTICATION (count-based, deprecated): MonotonicCount,
 * WIN_CERTIFICATE_UEFI_GUID header, EFI_CERT_BLOCK_RSA_2048_SHA256: EDK2's
 * AUTHINFO_SIZE, the one DataSize it lets past its first check of 0x10. */
#define TV_AUTHINFO_SIZE (8u + 24u + 16u + 256u + 256u)

extern const uint8_t tv_cert_type_pkcs7_guid[16]; /* 4aafd29d-68df-49ee-8aa9-347d375665a7 */

struct tv_auth2 {
	const uint8_t *timestamp;  /* 16 bytes */
	uint32_t dw_length;
	uint16_t cert_type;
	const uint8_t *cert_guid;  /* 16 bytes */
	const uint8_t *cert;       /* CertData */
	size_t cert_size;
	const uint8_t *payload;
	size_t payload_size;
};

/* Splits data into descriptor and payload with EDK2's only checks at this
 * stage (VariableServiceSetVariable): DataSize >= 40, 24 <= dwLength <=
 * DataSize - 16. EFI_SECURITY_VIOLATION otherwise. */
efi_status_t tv_auth2_split(const uint8_t *data, uint64_t size, struct tv_auth2 *out);
/* Pad1, Nanosecond, TimeZone, Daylight and Pad2 all zero. */
bool tv_efi_time_pads_zero(const uint8_t t[16]);
/* EDK2 AuthServiceInternalCompareTimeStamp: a <= b by Year, Month, Day, Hour,
 * Minute, Second (the other fields are ignored). */
bool tv_efi_time_not_later(const uint8_t a[16], const uint8_t b[16]);
/* The bytes the signature covers, in a new buffer (NULL when out of memory).
 * name_size includes the NUL, which is left out. */
uint8_t *tv_auth2_signed_bytes(const uint8_t *name, size_t name_size, const efi_guid_t *guid,
			       uint32_t attrs, const struct tv_auth2 *d, size_t *out_size);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Key files for teevar secureboot enroll: an .auth (EFI_VARIABLE_AUTHENTICATION_2
 * descriptor + signature lists, as sign-efi-sig-list writes it) or a bare .esl
 * (signature lists, as cert-to-efi-sig-list writes it); and the unsigned
 * descriptor that lets setup mode take an .esl (efitools' efi-updatevar -e).
 *
 * EFI_VARIABLE_AUTHENTICATION_2, little-endian:
 *    0  16  EFI_TIME TimeStamp (u16 Year, u8 Month, Day, Hour, Minute, Second,
 *           Pad1, u32 Nanosecond, i16 TimeZone, u8 Daylight, Pad2)
 *   16  u32 dwLength (the WIN_CERTIFICATE_UEFI_GUID, 24 + CertData)
 *   20  u16 wRevision 0x0200
 *   22  u16 wCertificateType 0x0EF1 (WIN_CERT_TYPE_EFI_GUID)
 *   24  16  CertType EFI_CERT_TYPE_PKCS7_GUID
 *   40      CertData (PKCS#7 SignedData), then the payload at 16 + dwLength
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "efi_siglist.h"
#include "tv_bytes.h"

#define AUTH_TIME_SIZE 16u
#define AUTH_CERT_HDR_SIZE 24u          /* dwLength, wRevision, wCertificateType, CertType */
#define AUTH_MIN_SIZE (AUTH_TIME_SIZE + AUTH_CERT_HDR_SIZE)
#define WIN_CERT_REVISION 0x0200u
#define WIN_CERT_TYPE_EFI_GUID 0x0EF1u

/* 4aafd29d-68df-49ee-8aa9-347d375665a7 in EFI byte order */
static const uint8_t pkcs7_guid[16] = {0x9d, 0xd2, 0xaf, 0x4a, 0xdf, 0x68, 0xee, 0x49,
				       0x8a, 0xa9, 0x34, 0x7d, 0x37, 0x56, 0x65, 0xa7};

/* The descriptor's signature: WIN_CERT_TYPE_EFI_GUID with the PKCS7 GUID. */
static bool looks_like_auth(const uint8_t *p, size_t n)
{
	return n >= AUTH_MIN_SIZE && tv_get_le32(p + 16) >= AUTH_CERT_HDR_SIZE &&
	       tv_get_le16(p + 22) == WIN_CERT_TYPE_EFI_GUID && memcmp(p + 24, pkcs7_guid, 16) == 0;
}

static int malformed(const char *cmd, const char *opt, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int malformed(const char *cmd, const char *opt, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "teevar: %s: --%s %s: ", cmd, opt, path);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return EXIT_MALFORMED;
}

/* The descriptor's dwLength, checked against the file; 0 or EXIT_MALFORMED. */
static int split_auth(const char *cmd, const char *opt, struct key_file *k)
{
	const uint8_t *p = k->raw.p;
	size_t n = k->raw.n;
	uint32_t dw = tv_get_le32(p + 16);
	k->is_auth = true;
	if (dw > n - AUTH_TIME_SIZE)
		return malformed(cmd, opt, k->path, "an .auth whose descriptor's dwLength %u runs "
				 "past the end of the file (%zu bytes)", dw, n);
	k->esl = p + AUTH_TIME_SIZE + dw;
	k->esl_size = n - AUTH_TIME_SIZE - dw;
	return 0;
}

int key_file_load(const char *cmd, const char *opt, const char *path, struct key_file *k)
{
	memset(k, 0, sizeof(*k));
	k->path = path;
	int rc = input_read_file(cmd, path, &k->raw);
	if (rc != 0)
		return rc;
	if (k->raw.n == 0)
		return malformed(cmd, opt, path, "the file is empty (expected an .auth or an .esl)");
	if (looks_like_auth(k->raw.p, k->raw.n)) {
		rc = split_auth(cmd, opt, k);
		if (rc != 0)
			return rc;
	} else {
		k->esl = k->raw.p;
		k->esl_size = k->raw.n;
	}
	struct tv_esl_iter it;
	struct tv_esl_list l;
	tv_esl_iter_init(&it, k->esl, k->esl_size);
	while (tv_esl_next_list(&it, &l) == 1)
		k->entries += l.count;
	size_t at = (size_t)(k->esl - k->raw.p);
	if (it.error && k->is_auth)
		return malformed(cmd, opt, path, "an .auth, but the signature lists after its "
				 "descriptor are malformed: at offset %zu of the file (the payload "
				 "starts at %zu): %s", at + it.error_offset, at, it.error);
	if (it.error)
		return malformed(cmd, opt, path, "neither an .auth (no EFI_VARIABLE_AUTHENTICATION_2 "
				 "descriptor: WIN_CERT_TYPE_EFI_GUID 0x0EF1 and the PKCS7 GUID at "
				 "offsets 22 and 24) nor an .esl (not a signature list at offset %zu: "
				 "%s)", it.error_offset, it.error);
	if (k->entries == 0)
		return malformed(cmd, opt, path, "the %s holds no signature (an empty list deletes "
				 "the variable: teevar set does that on purpose)",
				 k->is_auth ? ".auth" : ".esl");
	return 0;
}

void key_file_free(struct key_file *k)
{
	bytes_free(&k->raw);
}

int auth_wrap_unsigned(const uint8_t *esl, size_t n, const struct tm *utc, struct bytes *out)
{
	out->n = AUTH_MIN_SIZE + n;
	out->p = calloc(1, out->n);
	if (!out->p) {
		out->n = 0;
		return -1;
	}
	uint8_t *p = out->p;
	tv_put_le16(p, (uint16_t)(utc->tm_year + 1900));
	p[2] = (uint8_t)(utc->tm_mon + 1);
	p[3] = (uint8_t)utc->tm_mday;
	p[4] = (uint8_t)utc->tm_hour;
	p[5] = (uint8_t)utc->tm_min;
	p[6] = (uint8_t)(utc->tm_sec > 59 ? 59 : utc->tm_sec); /* a leap second */
	/* Pad1, Nanosecond, TimeZone, Daylight, Pad2 stay 0 */
	tv_put_le32(p + 16, AUTH_CERT_HDR_SIZE);
	tv_put_le16(p + 20, WIN_CERT_REVISION);
	tv_put_le16(p + 22, WIN_CERT_TYPE_EFI_GUID);
	memcpy(p + 24, pkcs7_guid, sizeof(pkcs7_guid));
	if (n)
		memcpy(p + AUTH_MIN_SIZE, esl, n);
	return 0;
}

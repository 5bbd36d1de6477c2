/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness: the parsers of authenticated variables that see what the
 * normal world writes, before any signature is known to be good: the
 * EFI_VARIABLE_AUTHENTICATION_2 descriptor, the PKCS#7 SignedData in it, the
 * signature-list checks and the APPEND filter, and the UEFI-defined variables'
 * content checks.
 *
 * Byte 0 selects the mode (mod 4), the rest is the input:
 *   0  descriptor + PKCS#7: tv_auth2_split, then tv_p7_parse on its CertData,
 *      the signer's DER and identity, and a verification of the payload
 *      against the signer itself (which must simply fail or pass, never crash)
 *   1  tv_esl_check_format (byte 1 bit 0: as PK), and the walker
 *   2  tv_esl_filter: byte 1..2 (LE) split the rest into old and new lists
 *   3  tv_uefi_var_check: byte 1 picks a UEFI-defined name, byte 2..5 the
 *      attributes, the rest is the payload
 * Invariants: a format-checked payload walks to its end; the filter's output is
 * no larger than the new lists and walks too, and holds no entry of old; an
 * accepted descriptor's parts lie inside the input.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <teevar/efi.h>

#include "auth_descriptor.h"
#include "auth_pkcs7.h"
#include "efi_siglist.h"
#include "sig_list.h"
#include "tv_bytes.h"
#include "var_check_uefi.h"

static void fuzz_descriptor(const uint8_t *d, size_t n)
{
	struct tv_auth2 a;
	if (tv_auth2_split(d, n, &a) != EFI_SUCCESS)
		return;
	if (a.payload + a.payload_size != d + n || a.cert + a.cert_size > d + n)
		abort();
	struct tv_p7 *p7 = NULL;
	if (tv_p7_parse(a.cert, a.cert_size, &p7) != EFI_SUCCESS) {
		if (p7)
			abort(); /* NULL on every failure */
		return;
	}
	size_t ds = tv_p7_digest_size(p7);
	if (ds != 32 && ds != 48 && ds != 64)
		abort();
	const uint8_t *signer;
	size_t signer_size;
	uint8_t id[32];
	(void)tv_p7_signer_id(p7, id);
	if (tv_p7_signer_der(p7, &signer, &signer_size))
		(void)tv_p7_verify(p7, signer, signer_size, a.payload, a.payload_size);
	tv_p7_free(p7);
}

static void fuzz_format(const uint8_t *d, size_t n)
{
	if (n < 1)
		return;
	bool pk = d[0] & 1;
	if (tv_esl_check_format(d + 1, n - 1, pk) == EFI_SUCCESS) {
		long count = tv_esl_count(d + 1, n - 1);
		if (count < 0 || (pk && count > 1))
			abort();
	}
}

static void fuzz_filter(const uint8_t *d, size_t n)
{
	if (n < 2)
		return;
	size_t split = tv_get_le16(d);
	d += 2, n -= 2;
	if (split > n)
		split = n;
	const uint8_t *old = d, *new_data = d + split;
	size_t old_size = split, new_size = n - split;
	uint8_t *out = malloc(new_size + 1);
	size_t out_size = 0;
	if (out && tv_esl_filter(old, old_size, new_data, new_size, out, &out_size) == EFI_SUCCESS) {
		if (out_size > new_size || tv_esl_count(out, out_size) < 0)
			abort();
		/* nothing that is in old survives */
		struct tv_esl_iter it;
		struct tv_esl_entry e;
		tv_esl_iter_init(&it, out, out_size);
		while (tv_esl_next_entry(&it, &e) == 1) {
			struct tv_esl_iter io;
			struct tv_esl_entry o;
			tv_esl_iter_init(&io, old, old_size);
			while (tv_esl_next_entry(&io, &o) == 1)
				if (o.list->sig_size == e.list->sig_size &&
				    memcmp(o.list->type, e.list->type, 16) == 0 &&
				    memcmp(o.owner, e.owner, e.list->sig_size) == 0)
					abort();
		}
	}
	free(out);
}

static void fuzz_uefi(const uint8_t *d, size_t n)
{
	static const char *const names[] = {"BootOrder", "Boot0001", "Timeout", "Lang", "ConOut",
					    "Key0001", "SetupMode", "db", "HwErrRec0001",
					    "OsIndications", "Driver00A0", "SysPrepOrder"};
	static const efi_guid_t global = EFI_GLOBAL_VARIABLE_GUID;
	static const efi_guid_t image = EFI_IMAGE_SECURITY_DATABASE_GUID;
	if (n < 5)
		return;
	const char *name = names[d[0] % (sizeof(names) / sizeof(names[0]))];
	uint8_t ucs2[64];
	size_t len = strlen(name);
	for (size_t i = 0; i <= len; i++)
		ucs2[2 * i] = (uint8_t)name[i], ucs2[2 * i + 1] = 0;
	const efi_guid_t *g = strcmp(name, "db") == 0 ? &image
			      : strncmp(name, "HwErr", 5) == 0 ? &tv_hwerr_guid : &global;
	uint32_t attrs = tv_get_le32(d + 1);
	uint8_t *payload = malloc(n - 5 + 1); /* exactly sized for ASan */
	if (!payload)
		return;
	memcpy(payload, d + 5, n - 5);
	(void)tv_uefi_var_check(ucs2, 2 * (len + 1), g, attrs, n - 5, payload);
	free(payload);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* a private, exactly sized copy, so that ASan sees every overread */
	uint8_t *d = malloc(size - 1 + 1);
	if (!d)
		return 0;
	memcpy(d, data + 1, size - 1);
	switch (data[0] % 4) {
	case 0: fuzz_descriptor(d, size - 1); break;
	case 1: fuzz_format(d, size - 1); break;
	case 2: fuzz_filter(d, size - 1); break;
	default: fuzz_uefi(d, size - 1); break;
	}
	free(d);
	return 0;
}

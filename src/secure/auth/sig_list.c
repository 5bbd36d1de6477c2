/* SPDX-License-Identifier: BSD-2-Clause */
#include "sig_list.h"

#include <limits.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "efi_siglist.h"
#include "tv_bytes.h"

/*
 * EDK2 RsaGetPublicKeyFromX509: d2i_X509 over the entry's data and a key of
 * type EVP_PKEY_RSA (so EC and RSA-PSS keys are refused). Like EDK2, bytes
 * after the certificate inside the entry are not looked at.
 */
static bool is_rsa_cert(const uint8_t *der, size_t size)
{
	const unsigned char *q = der;
	X509 *x = size <= INT_MAX ? d2i_X509(NULL, &q, (long)size) : NULL;
	const EVP_PKEY *key = x ? X509_get0_pubkey(x) : NULL;
	bool ok = key && EVP_PKEY_get_id(key) == EVP_PKEY_RSA;

	X509_free(x);
	if (!ok)
		ERR_clear_error();
	return ok;
}

static efi_status_t check_list(const struct tv_esl_list *l)
{
	const struct tv_esl_type *type = tv_esl_type_find(l->type);

	if (!type || l->header_size != 0)
		return EFI_INVALID_PARAMETER;
	if (type->data_size != 0 && l->sig_size - TV_ESL_OWNER_SIZE != type->data_size)
		return EFI_INVALID_PARAMETER;
	/* Only the first certificate is parsed, as in EDK2. SignatureSize 16
	 * is EDK2's "empty X.509 list" (commit b980aa0719). A list with no
	 * entry is skipped too: EDK2 would read its "first entry" from the
	 * bytes after the list. */
	if (type->data_size == 0 && l->sig_size > TV_ESL_OWNER_SIZE && l->count > 0 &&
	    !is_rsa_cert(l->entries + TV_ESL_OWNER_SIZE, l->sig_size - TV_ESL_OWNER_SIZE))
		return EFI_INVALID_PARAMETER;
	return EFI_SUCCESS;
}

efi_status_t tv_esl_check_format(const uint8_t *payload, size_t size, bool is_pk)
{
	struct tv_esl_iter it;
	struct tv_esl_list l;
	uint64_t entries = 0;
	int rc;

	if (size == 0)
		return EFI_SUCCESS;
	if (!payload)
		return EFI_INVALID_PARAMETER;
	/* The walker stops at the end of the payload only when the lists fill
	 * it exactly; trailing bytes are a malformed list (-1). */
	tv_esl_iter_init(&it, payload, size);
	while ((rc = tv_esl_next_list(&it, &l)) == 1) {
		if (check_list(&l) != EFI_SUCCESS)
			return EFI_INVALID_PARAMETER;
		entries += l.count;
	}
	if (rc < 0)
		return EFI_INVALID_PARAMETER;
	/* PK holds at most one certificate; no entry at all passes (EDK2). */
	if (is_pk && entries > 1)
		return EFI_INVALID_PARAMETER;
	return EFI_SUCCESS;
}

/* Is entry e (of a list of type/sig_size) already somewhere in old? */
static bool in_old(const uint8_t *old, size_t old_size, const uint8_t *type, uint32_t sig_size,
		   const uint8_t *e)
{
	struct tv_esl_iter it;
	struct tv_esl_list l;

	tv_esl_iter_init(&it, old, old_size);
	while (tv_esl_next_list(&it, &l) == 1) {
		if (l.sig_size != sig_size || memcmp(l.type, type, 16) != 0)
			continue;
		for (uint32_t i = 0; i < l.count; i++)
			if (memcmp(l.entries + (size_t)i * sig_size, e, sig_size) == 0)
				return true;
	}
	return false;
}

efi_status_t tv_esl_filter(const uint8_t *old, size_t old_size, const uint8_t *new_data,
			   size_t new_size, uint8_t *out, size_t *out_size)
{
	struct tv_esl_iter it;
	struct tv_esl_list l;
	size_t tail = 0;
	int rc;

	*out_size = 0;
	/* Both sides whole first (EDK2: GetSignatureListEntryCount), so a
	 * malformed tail cannot leave a half-filtered result. */
	if ((old_size && !old) || (new_size && (!new_data || !out)) ||
	    tv_esl_count(old, old_size) < 0 || tv_esl_count(new_data, new_size) < 0)
		return EFI_INVALID_PARAMETER;

	tv_esl_iter_init(&it, new_data, new_size);
	while ((rc = tv_esl_next_list(&it, &l)) == 1) {
		size_t head = TV_ESL_HDR_SIZE + l.header_size;
		size_t start = tail;
		uint32_t kept = 0;

		for (uint32_t i = 0; i < l.count; i++) {
			const uint8_t *e = l.entries + (size_t)i * l.sig_size;

			/* Compared with old only: two equal new entries both stay (EDK2). */
			if (in_old(old, old_size, l.type, l.sig_size, e))
				continue;
			if (kept++ == 0) {
				memcpy(out + tail, new_data + l.offset, head);
				tail += head;
			}
			memcpy(out + tail, e, l.sig_size);
			tail += l.sig_size;
		}
		/* Fits: the kept bytes are a part of this list's. */
		if (kept)
			tv_put_le32(out + start + 16, (uint32_t)(tail - start));
	}
	if (rc < 0)
		return EFI_INVALID_PARAMETER;
	*out_size = tail;
	return EFI_SUCCESS;
}

bool tv_esl_first_data(const uint8_t *buf, size_t size, const uint8_t **data, size_t *data_size)
{
	struct tv_esl_iter it;
	struct tv_esl_list l;

	tv_esl_iter_init(&it, buf, size);
	if (tv_esl_next_list(&it, &l) != 1 || l.count == 0)
		return false;
	*data = l.entries + TV_ESL_OWNER_SIZE;
	*data_size = l.sig_size - TV_ESL_OWNER_SIZE;
	return true;
}

/* SPDX-License-Identifier: BSD-2-Clause */
#include "kek_trust.h"

#include <string.h>

#include "auth_pkcs7.h"
#include "efi_siglist.h"

/* EDK2 VerifyTimeBasedPayload, AuthVarTypeKek: the first success wins. */
bool tv_esl_verify_any_x509(const uint8_t *kek, size_t kek_size, struct tv_p7 *p7,
			    const uint8_t *data, size_t data_size)
{
	struct tv_esl_iter it;
	struct tv_esl_entry e;

	if (!p7)
		return false;
	tv_esl_iter_init(&it, kek, kek_size);
	while (tv_esl_next_entry(&it, &e) == 1) {
		if (memcmp(e.list->type, tv_cert_x509_guid, 16) != 0)
			continue;
		if (tv_p7_verify(p7, e.data, e.data_size, data, data_size))
			return true;
	}
	return false;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* The KEK trust walk of a db/dbx/dbt update (EDK2 AuthVarTypeKek). */
#ifndef TV_KEK_TRUST_H
#define TV_KEK_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tv_p7;

/*
 * true when some entry of some EFI_CERT_X509 list in kek, used as the one
 * trusted certificate, verifies p7 over data (tv_p7_verify; chains and
 * partial chains allowed). Entries of other types (RSA2048, hashes) are
 * ignored, as in EDK2. A malformed list ends the walk: entries before it
 * have been tried.
 */
bool tv_esl_verify_any_x509(const uint8_t *kek, size_t kek_size, struct tv_p7 *p7,
			    const uint8_t *data, size_t data_size);

#endif

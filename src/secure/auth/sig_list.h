/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the secure core requires of the EFI_SIGNATURE_LIST payloads of PK,
 * KEK, db, dbx, dbt (and dbr), and the duplicate filter of an APPEND to them:
 * EDK2 AuthService.c CheckSignatureListFormat and FilterSignatureList, on top
 * of the structural walker in efi_siglist.h.
 */
#ifndef TV_SIG_LIST_H
#define TV_SIG_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <teevar/efi.h>

/*
 * EDK2 CheckSignatureListFormat: size 0 -> EFI_SUCCESS; each list's type is
 * one of the twelve, SignatureHeaderSize == 0, SignatureSize - 16 == the
 * type's size (X.509: any); in an X.509 list the FIRST entry must parse as an
 * X.509 certificate with an RSA public key (skipped when SignatureSize == 16
 * or the list has no entry); the lists consume the payload exactly; is_pk:
 * at most one entry in all. SignatureListSize < 28 and SignatureSize < 16 are
 * refused up front (the walker does). Anything wrong -> EFI_INVALID_PARAMETER.
 */
efi_status_t tv_esl_check_format(const uint8_t *payload, size_t size, bool is_pk);

/*
 * EDK2 FilterSignatureList for an APPEND to KEK/db/dbx/dbt/dbr: out gets the
 * lists of new_data without the entries that already exist in old (same
 * SignatureType, same SignatureSize, same SignatureSize bytes including the
 * owner GUID). A kept entry's list header (and SignatureHeader) is copied
 * once per list with SignatureListSize rewritten; a list with no survivor is
 * dropped. out has room for new_size bytes and overlaps neither input;
 * *out_size = bytes written (0 if all were duplicates). Malformed old or
 * new_data -> EFI_INVALID_PARAMETER.
 */
efi_status_t tv_esl_filter(const uint8_t *old, size_t old_size, const uint8_t *new_data,
			   size_t new_size, uint8_t *out, size_t *out_size);

/*
 * The first entry of the first list (PK's certificate): its data (after the
 * owner GUID) and size. false if the first list is malformed or has no entry.
 */
bool tv_esl_first_data(const uint8_t *buf, size_t size, const uint8_t **data, size_t *data_size);

#endif

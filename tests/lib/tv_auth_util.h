/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Test keys and authenticated-variable data made at test time with OpenSSL:
 * RSA-2048 certificates (self-signed or issued), EFI_SIGNATURE_LISTs, and
 * EFI_VARIABLE_AUTHENTICATION_2 descriptors signed the way efitools'
 * sign-efi-sig-list signs them (a bare PKCS#7 SignedData, detached, SHA-256,
 * no authenticated attributes). No key is ever written to disk.
 */
#ifndef TV_AUTH_UTIL_H
#define TV_AUTH_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <teevar/efi.h>

struct tv_test_key;

/* A new RSA-2048 key with a certificate CN=cn, issued by issuer (NULL:
 * self-signed). Never NULL (aborts the test on failure). */
struct tv_test_key *tv_test_key_new(const char *cn, const struct tv_test_key *issuer);
/* Another certificate (CN=cn, self-signed) on the key pair of `key` (fast:
 * no key generation). */
struct tv_test_key *tv_test_key_reuse(const char *cn, const struct tv_test_key *key);
void tv_test_key_free(struct tv_test_key *k);
/* The certificate's DER (owned by k). */
const uint8_t *tv_test_key_cert(const struct tv_test_key *k, size_t *size);

extern const uint8_t tv_test_owner[16];

/* One EFI_SIGNATURE_LIST with one X.509 entry (k's certificate) / one SHA-256
 * entry; malloc()ed. */
uint8_t *tv_test_esl_x509(const struct tv_test_key *k, const uint8_t owner[16], size_t *size);
uint8_t *tv_test_esl_sha256(const uint8_t hash[32], const uint8_t owner[16], size_t *size);
/* One SHA-256 list of n entries, entry i's hash made from (seed, i). */
uint8_t *tv_test_esl_hashes(unsigned n, unsigned seed, size_t *size);

/* EFI_TIME of the date and time given (pads zero). */
void tv_test_efi_time(uint8_t out[16], unsigned year, unsigned month, unsigned day,
		      unsigned hour, unsigned minute, unsigned second);

/* EFI_VARIABLE_AUTHENTICATION_2 + payload for SetVariable(name, guid, attrs):
 * signed by `signer` over name (UCS-2 from ASCII, no NUL) || guid || attrs ||
 * time || payload; signer NULL gives an unsigned descriptor (dwLength 24, as
 * efi-updatevar -e writes in setup mode). md: NULL for SHA-256, else an
 * EVP_MD such as EVP_sha384(). malloc()ed. */
uint8_t *tv_test_auth2(const struct tv_test_key *signer, const void *md, const char *name,
		       const efi_guid_t *guid, uint32_t attrs, const uint8_t time[16],
		       const uint8_t *payload, size_t payload_size, size_t *out_size);

#endif

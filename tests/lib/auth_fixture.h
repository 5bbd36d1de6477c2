/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Keys, certificates and PKCS#7 signatures made at test time with the
 * OpenSSL C API (no private key is committed). Every helper prints the
 * failed step and aborts on error (which fails a running cmocka test); no
 * cmocka needed, so the benchmarks use them too.
 */
#ifndef TV_AUTH_FIXTURE_H
#define TV_AUTH_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

EVP_PKEY *fx_rsa_key(void); /* RSA-2048 */
EVP_PKEY *fx_ec_key(void);  /* EC P-256 */

/* A long CN (over the 64 characters X.520 allows) is stored as a raw
 * UTF8String so that the 127-byte cut can be tested. */
struct fx_cert_opts {
	const char *cn;     /* NULL: no commonName (the subject still has an O) */
	size_t cn_len;      /* 0: strlen(cn); else cn may hold a NUL */
	X509 *issuer;       /* NULL: self-signed */
	EVP_PKEY *issuer_key;
	bool ca;            /* basicConstraints CA:TRUE */
	long from_days;     /* validity, in days from now */
	long to_days;
};
X509 *fx_cert(EVP_PKEY *key, const struct fx_cert_opts *o);
/* A self-signed certificate valid from yesterday for ten years. */
X509 *fx_self_signed(EVP_PKEY *key, const char *cn);

/* DER of a certificate, malloc'ed. */
uint8_t *fx_cert_der(X509 *x, size_t *len);

/*
 * A detached signature of data (PKCS7_DETACHED | PKCS7_BINARY |
 * PKCS7_NOATTR) by signer/key with md, the certificates in extra (may be
 * NULL) added, as a ContentInfo (bare false) or a bare SignedData (bare true,
 * i2d_PKCS7_SIGNED, what efitools emits). malloc'ed.
 */
uint8_t *fx_sign(X509 *signer, EVP_PKEY *key, STACK_OF(X509) *extra, const EVP_MD *md,
		 const uint8_t *data, size_t data_len, bool bare, size_t *out_len);

/* One EFI_SIGNATURE_LIST of the given type with count entries of data_size
 * bytes each (entry i: owner GUID filled with owner[i], then data[i]), no
 * SignatureHeader. Appended at buf + *len; returns the list's size. */
size_t fx_esl(uint8_t *buf, size_t *len, const uint8_t type[16], uint32_t data_size,
	      uint32_t count, const uint8_t *const *data, const uint8_t *owner);

#endif

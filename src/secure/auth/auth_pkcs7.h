/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The PKCS#7 half of a time-based authenticated variable write: the SignedData
 * in an EFI_VARIABLE_AUTHENTICATION_2 descriptor's CertData, its signer, and a
 * detached verification of the serialized data against one trusted
 * certificate, as EDK2's AuthVariableLib does with BaseCryptLib (Pkcs7Verify,
 * Pkcs7GetSigners, X509GetCommonName, X509GetTBSCert).
 */
#ifndef TV_AUTH_PKCS7_H
#define TV_AUTH_PKCS7_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <teevar/efi.h>

struct tv_p7; /* a parsed PKCS#7 SignedData from an EFI_VARIABLE_AUTHENTICATION_2 CertData */

/*
 * Parses CertData: a DER ContentInfo (contentType signedData) or a bare
 * SignedData (the form efitools emits). EFI_SECURITY_VIOLATION when it does
 * not parse, is not signedData, has no SignerInfo, or the digest algorithm of
 * its first SignerInfo is not SHA-256, SHA-384 or SHA-512;
 * EFI_OUT_OF_RESOURCES on allocation failure.
 */
efi_status_t tv_p7_parse(const uint8_t *der, size_t size, struct tv_p7 **out);
void tv_p7_free(struct tv_p7 *p7);

/* The signature's digest size: 32, 48 or 64. */
size_t tv_p7_digest_size(const struct tv_p7 *p7);

/*
 * DER of the first signer certificate (the first of PKCS7_get0_signers: the
 * certificate of the first SignerInfo, found in the SignedData's
 * certificates), owned by p7; false if there is none.
 */
bool tv_p7_signer_der(struct tv_p7 *p7, const uint8_t **der, size_t *size);

/*
 * Detached verification of data against exactly one trusted certificate
 * (DER), as EDK2 Pkcs7Verify: X509_V_FLAG_PARTIAL_CHAIN |
 * X509_V_FLAG_NO_CHECK_TIME, purpose ANY, PKCS7_BINARY, intermediates only
 * from the SignedData's certificates. false on any failure. p7 may be
 * verified any number of times (the KEK walk tries one anchor after another).
 */
bool tv_p7_verify(struct tv_p7 *p7, const uint8_t *trusted_der, size_t trusted_size,
		  const uint8_t *data, size_t data_size);

/*
 * The signer identity that binds a private authenticated variable. EDK2 keeps
 * HASH(CN || tbsCertificate) of the signer certificate in its certdb, HASH
 * being the signature's digest algorithm; teevar keeps 32 bytes in the
 * record's extension:
 *
 *   SHA-256( u8 digest_size || CN (UTF-8, at most 127 bytes, no NUL) || DER tbsCertificate )
 *
 * Including the digest size keeps EDK2's rule that an update must use the
 * same digest size as the write that created the variable. false if the
 * signer has no CN or anything fails.
 */
bool tv_p7_signer_id(struct tv_p7 *p7, uint8_t out[32]);

#endif

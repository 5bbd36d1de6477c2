/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tv_p7_signer_id: who signed a private authenticated variable, as 32 bytes.
 *
 * EDK2 (CalculatePrivAuthVarSignChainSHADigest) keeps HASH(CN || TBS) in its
 * certdb, HASH being the SignedData's digest algorithm, CN the signer's
 * X509GetCommonName and TBS X509GetTBSCert of what it calls the top-level
 * certificate, which Pkcs7GetSigners makes the signer certificate itself.
 * An update must give the same hash, and a stored hash of another length
 * (another digest size) is compared as a legacy blob and never matches.
 * teevar stores a fixed 32 bytes instead and puts the digest size into the
 * hash, which keeps that rule:
 *
 *   SHA-256( u8 digest_size || CN || DER tbsCertificate )
 *
 * Only auth_pkcs7.h's interface is used here.
 */
#include "auth_pkcs7.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

/* EDK2 reads the CN into CHAR8[128]: at most 127 bytes and a NUL. */
#define CN_MAX 127

/*
 * The first commonName of the subject, as UTF-8, cut to 127 bytes and then
 * at its first NUL: EDK2 hashes AsciiStrLen() bytes of the NUL-terminated
 * copy. A CN that is present but empty is a CN (EDK2 hashes "" || TBS).
 */
static bool signer_cn(const uint8_t *der, size_t size, uint8_t cn[CN_MAX], size_t *cn_len)
{
	const unsigned char *q = der;
	X509 *x = d2i_X509(NULL, &q, (long)size);
	unsigned char *utf8 = NULL;
	const X509_NAME *subject;
	const ASN1_STRING *value;
	int idx, n = -1;
	size_t len = 0;

	if (!x)
		return false;
	subject = X509_get_subject_name(x);
	idx = subject ? X509_NAME_get_index_by_NID(subject, NID_commonName, -1) : -1;
	if (idx >= 0) {
		value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx));
		n = value ? ASN1_STRING_to_UTF8(&utf8, value) : -1;
	}
	if (n >= 0) {
		while (len < (size_t)n && len < CN_MAX && utf8[len] != 0) {
			cn[len] = utf8[len];
			len++;
		}
		*cn_len = len;
	}
	OPENSSL_free(utf8);
	X509_free(x);
	return n >= 0;
}

/*
 * The tbsCertificate element of a certificate's DER, its tag and length
 * included (EDK2 X509GetTBSCert: the SEQUENCE inside the outer SEQUENCE).
 * An indefinite length is refused: EDK2 would hash the bare header.
 */
static bool tbs_of(const uint8_t *der, size_t size, const uint8_t **tbs, size_t *tbs_len)
{
	const unsigned char *p = der;
	long len = 0;
	int tag, cls, r;

	r = ASN1_get_object(&p, &len, &tag, &cls, (long)size);
	if ((r & 0x80) || (r & 0x01) || !(r & V_ASN1_CONSTRUCTED) || tag != V_ASN1_SEQUENCE)
		return false;
	*tbs = p;
	r = ASN1_get_object(&p, &len, &tag, &cls, len);
	if ((r & 0x80) || (r & 0x01) || !(r & V_ASN1_CONSTRUCTED) || tag != V_ASN1_SEQUENCE)
		return false;
	*tbs_len = (size_t)(p - *tbs) + (size_t)len;
	return true;
}

bool tv_p7_signer_id(struct tv_p7 *p7, uint8_t out[32])
{
	uint8_t cn[CN_MAX];
	uint8_t digest_size;
	const uint8_t *der, *tbs;
	size_t size, cn_len, tbs_len;
	unsigned int md_len = 0;
	EVP_MD_CTX *md;
	bool ok;

	if (!p7 || !tv_p7_signer_der(p7, &der, &size))
		return false;
	if (!signer_cn(der, size, cn, &cn_len) || !tbs_of(der, size, &tbs, &tbs_len)) {
		ERR_clear_error();
		return false;
	}
	digest_size = (uint8_t)tv_p7_digest_size(p7);
	md = EVP_MD_CTX_new();
	ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(md, &digest_size, 1) == 1 &&
	     EVP_DigestUpdate(md, cn, cn_len) == 1 &&
	     EVP_DigestUpdate(md, tbs, tbs_len) == 1 &&
	     EVP_DigestFinal_ex(md, out, &md_len) == 1 && md_len == 32;
	EVP_MD_CTX_free(md);
	if (!ok)
		ERR_clear_error();
	return ok;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * CertData of an EFI_VARIABLE_AUTHENTICATION_2 as an OpenSSL PKCS7 object:
 * parse (with the ContentInfo wrap EDK2's WrapPkcs7Data does), the first
 * signer, and EDK2 Pkcs7Verify's detached verification.
 */
#include "auth_pkcs7.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

/* d2i_* take a long and BIO_new_mem_buf an int; EDK2 caps every size at
 * INT_MAX as well. Room is left for the header a wrap adds (22 bytes at most). */
#define P7_MAX_SIZE ((size_t)INT_MAX - 64)

struct tv_p7 {
	PKCS7 *p7;
	size_t digest_size;
	unsigned char *signer; /* i2d of the first signer, made on first use */
	size_t signer_size;
};

/* signedData, 1.2.840.113549.1.7.2: the content octets of the OID. */
static const uint8_t oid_signed_data[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02};

/*
 * ContentInfo is SEQUENCE { contentType OBJECT IDENTIFIER, content [0] ... },
 * SignedData is SEQUENCE { version INTEGER, ... }: the tag of the first
 * element inside the outer SEQUENCE tells the two apart, whatever form the
 * lengths take. EDK2 (WrapPkcs7Data) instead matches fixed bytes that only
 * hold when both ContentInfo lengths are in the 2-byte (0x82) form, so there
 * a small or a very large ContentInfo is wrapped a second time and fails.
 * Anything that is not a SEQUENCE is left to d2i to refuse.
 */
static bool is_content_info(const uint8_t *der, size_t size)
{
	if (size < 2 || der[0] != 0x30)
		return false;
	size_t hdr = 2;
	if (der[1] > 0x80)
		hdr += der[1] & 0x7f; /* long form: that many length bytes follow */
	return hdr < size && der[hdr] == 0x06;
}

/* DER length octets of len at out (if out is not NULL); returns their count. */
static size_t der_length(uint8_t *out, size_t len)
{
	size_t n = 0;

	if (len < 0x80) {
		if (out)
			out[0] = (uint8_t)len;
		return 1;
	}
	for (size_t v = len; v; v >>= 8)
		n++;
	if (out) {
		out[0] = (uint8_t)(0x80 | n);
		for (size_t i = 0; i < n; i++)
			out[1 + i] = (uint8_t)(len >> (8 * (n - 1 - i)));
	}
	return 1 + n;
}

/*
 * ContentInfo { signedData, [0] EXPLICIT <sd> } around a bare SignedData,
 * with minimal DER lengths of any size. EDK2 always writes 2-byte lengths
 * truncated to 16 bits, so a bare SignedData of 64 KiB or more cannot verify
 * there; teevar does not copy that limit. The [0] length is the whole of
 * size, as in EDK2: bytes after the SignedData make the parse fail.
 */
static uint8_t *wrap_signed_data(const uint8_t *sd, size_t size, size_t *out_size)
{
	size_t inner = 2 + sizeof(oid_signed_data) + 1 + der_length(NULL, size) + size;
	size_t total = 1 + der_length(NULL, inner) + inner;
	uint8_t *buf = malloc(total);
	uint8_t *p = buf;

	if (!buf)
		return NULL;
	*p++ = 0x30; /* SEQUENCE */
	p += der_length(p, inner);
	*p++ = 0x06; /* OBJECT IDENTIFIER */
	*p++ = (uint8_t)sizeof(oid_signed_data);
	memcpy(p, oid_signed_data, sizeof(oid_signed_data));
	p += sizeof(oid_signed_data);
	*p++ = 0xa0; /* [0] constructed */
	p += der_length(p, size);
	memcpy(p, sd, size);
	*out_size = total;
	return buf;
}

/*
 * 32, 48 or 64 for SHA-256/384/512, else 0. EDK2 (FindHashAlgorithmIndex)
 * byte-matches the OID of the first entry of SignedData.digestAlgorithms at
 * a fixed offset; that set is only an unsigned hint of what the signers used,
 * while the SignerInfo's own digestAlgorithm is what PKCS7_verify hashes the
 * data with. For what signing tools produce (PKCS7_sign, efitools, signtool:
 * one SignerInfo, digestAlgorithms = { its algorithm }) the two are the same;
 * where a crafted message makes them differ teevar judges the algorithm
 * actually used, so a SHA-1 SignerInfo cannot pass behind a SHA-256 entry.
 * Further SignerInfos are not checked here: PKCS7_verify requires every one
 * of them to verify, so extra signers can only make acceptance harder.
 */
static size_t signer_digest_size(PKCS7_SIGNER_INFO *si)
{
	X509_ALGOR *dig = NULL;
	const ASN1_OBJECT *oid = NULL;

	PKCS7_SIGNER_INFO_get0_algs(si, NULL, &dig, NULL);
	if (!dig)
		return 0;
	X509_ALGOR_get0(&oid, NULL, NULL, dig);
	switch (OBJ_obj2nid(oid)) {
	case NID_sha256:
		return 32;
	case NID_sha384:
		return 48;
	case NID_sha512:
		return 64;
	default:
		return 0;
	}
}

efi_status_t tv_p7_parse(const uint8_t *der, size_t size, struct tv_p7 **out)
{
	STACK_OF(PKCS7_SIGNER_INFO) *infos;
	const unsigned char *q;
	uint8_t *wrapped = NULL;
	size_t in_size = size;
	struct tv_p7 *p;

	*out = NULL;
	if (!der || size == 0 || size > P7_MAX_SIZE)
		return EFI_SECURITY_VIOLATION;
	p = calloc(1, sizeof(*p));
	if (!p)
		return EFI_OUT_OF_RESOURCES;
	q = der;
	if (!is_content_info(der, size)) {
		wrapped = wrap_signed_data(der, size, &in_size);
		if (!wrapped) {
			free(p);
			return EFI_OUT_OF_RESOURCES;
		}
		q = wrapped;
	}
	/* Bytes after a ContentInfo are ignored, as by EDK2's d2i_PKCS7 call:
	 * the signature covers the serialized variable, not CertData. */
	p->p7 = d2i_PKCS7(NULL, &q, (long)in_size);
	free(wrapped);
	if (!p->p7 || !PKCS7_type_is_signed(p->p7))
		goto bad;
	infos = PKCS7_get_signer_info(p->p7); /* NULL if the [0] content is absent */
	if (!infos || sk_PKCS7_SIGNER_INFO_num(infos) < 1)
		goto bad;
	p->digest_size = signer_digest_size(sk_PKCS7_SIGNER_INFO_value(infos, 0));
	if (p->digest_size == 0)
		goto bad;
	*out = p;
	return EFI_SUCCESS;
bad:
	ERR_clear_error();
	tv_p7_free(p);
	return EFI_SECURITY_VIOLATION;
}

void tv_p7_free(struct tv_p7 *p7)
{
	if (!p7)
		return;
	PKCS7_free(p7->p7);
	OPENSSL_free(p7->signer);
	free(p7);
}

size_t tv_p7_digest_size(const struct tv_p7 *p7)
{
	return p7->digest_size;
}

bool tv_p7_signer_der(struct tv_p7 *p7, const uint8_t **der, size_t *size)
{
	if (!p7->signer) {
		/* EDK2 Pkcs7GetSigners: PKCS7_get0_signers finds each
		 * SignerInfo's certificate (issuer + serial) among the
		 * SignedData's certificates; it fails if one is missing. */
		STACK_OF(X509) *signers = PKCS7_get0_signers(p7->p7, NULL, PKCS7_BINARY);
		X509 *first = sk_X509_num(signers) > 0 ? sk_X509_value(signers, 0) : NULL;
		unsigned char *buf = NULL;
		/* A parsed certificate re-encodes to the bytes it was read from,
		 * which the PK comparison (byte for byte) depends on. */
		int n = first ? i2d_X509(first, &buf) : -1;

		sk_X509_free(signers); /* the certificates belong to p7 */
		if (n <= 0) {
			OPENSSL_free(buf);
			ERR_clear_error();
			return false;
		}
		p7->signer = buf;
		p7->signer_size = (size_t)n;
	}
	*der = p7->signer;
	*size = p7->signer_size;
	return true;
}

bool tv_p7_verify(struct tv_p7 *p7, const uint8_t *trusted_der, size_t trusted_size,
		  const uint8_t *data, size_t data_size)
{
	static const uint8_t nothing[1];
	const unsigned char *q = trusted_der;
	X509_STORE *store = NULL;
	X509 *anchor = NULL;
	BIO *in = NULL;
	bool ok = false;

	if (!p7 || !trusted_der || trusted_size == 0 || trusted_size > P7_MAX_SIZE ||
	    (!data && data_size) || data_size > P7_MAX_SIZE)
		return false;
	anchor = d2i_X509(NULL, &q, (long)trusted_size);
	store = X509_STORE_new();
	/* EDK2 fills a memory BIO with BIO_write, which refuses 0 bytes; the
	 * serialized data is never empty (name, GUID, attributes, time). */
	in = BIO_new(BIO_f_buffer());
	BIO *mem = BIO_new_mem_buf(data ? data : nothing, (int)data_size);
	if (!anchor || !store || !in || !mem) {
		BIO_free(mem);
		goto out;
	}
	/* Not a memory BIO on top: OpenSSL 3.0's PKCS7_verify copies a memory BIO
	 * into one of its own and leaks it when the SignedData's digests cannot
	 * be set up (found by fuzz_auth). */
	BIO_push(in, mem);
	/* The store holds this one certificate and nothing else: no default
	 * paths, no CRLs. PARTIAL_CHAIN lets a non-self-signed certificate end
	 * the chain; NO_CHECK_TIME because firmware has no trusted clock;
	 * purpose ANY overrides PKCS7_verify's S/MIME default. */
	if (X509_STORE_add_cert(store, anchor) != 1 ||
	    X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN |
					X509_V_FLAG_NO_CHECK_TIME) != 1 ||
	    X509_STORE_set_purpose(store, X509_PURPOSE_ANY) != 1)
		goto out;
	/* An embedded content is dropped first: EDK2 verifies the supplied data
	 * whatever the SignedData carries (it passes no PKCS7_NO_DUAL_CONTENT),
	 * and OpenSSL's dual-content path leaks memory (found by fuzz_auth). */
	if (!PKCS7_get_detached(p7->p7) && PKCS7_set_detached(p7->p7, 1) != 1)
		goto out;
	/* certs NULL: intermediates come only from the SignedData. */
	ok = PKCS7_verify(p7->p7, NULL, store, in, NULL, PKCS7_BINARY) == 1;
out:
	if (!ok)
		ERR_clear_error();
	BIO_free_all(in);
	X509_STORE_free(store);
	X509_free(anchor); /* the store holds its own reference */
	return ok;
}

/* SPDX-License-Identifier: BSD-2-Clause */
#include "auth_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pkcs7.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

/*
 * No cmocka here: the benchmarks (built with -Dtests=false) use these helpers
 * too. A failure prints where it happened and aborts, which a cmocka test
 * reports as a failure (a crash) as well.
 */
#define FX_CHECK(cond) ((cond) ? (void)0 : fx_fail(#cond, __FILE__, __LINE__))

static _Noreturn void fx_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "%s:%d: auth fixture: %s failed\n", file, line, what);
	ERR_print_errors_fp(stderr);
	abort();
}

EVP_PKEY *fx_rsa_key(void)
{
	EVP_PKEY *k = EVP_RSA_gen(2048);

	FX_CHECK(k);
	return k;
}

EVP_PKEY *fx_ec_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	FX_CHECK(k);
	return k;
}

static void add_name(X509_NAME *n, int nid, const char *text, size_t len)
{
	/* A plain V_ASN1_UTF8STRING skips OpenSSL's per-attribute length
	 * table (CN <= 64) and takes the bytes as they are; MBSTRING_UTF8
	 * would apply the table. */
	int type = len > 64 || memchr(text, 0, len) ? V_ASN1_UTF8STRING : MBSTRING_UTF8;

	FX_CHECK(X509_NAME_add_entry_by_NID(n, nid, type, (const unsigned char *)text, (int)len,
					    -1, 0) == 1);
}

X509 *fx_cert(EVP_PKEY *key, const struct fx_cert_opts *o)
{
	static long serial = 1000;
	X509 *x = X509_new();
	X509_NAME *subject;

	FX_CHECK(x);
	FX_CHECK(X509_set_version(x, X509_VERSION_3) == 1);
	FX_CHECK(ASN1_INTEGER_set(X509_get_serialNumber(x), serial++) == 1);
	FX_CHECK(X509_gmtime_adj(X509_getm_notBefore(x), o->from_days * 86400L));
	FX_CHECK(X509_gmtime_adj(X509_getm_notAfter(x), o->to_days * 86400L));
	FX_CHECK(X509_set_pubkey(x, key) == 1);
	subject = X509_get_subject_name(x);
	add_name(subject, NID_organizationName, "teevar tests", 12);
	if (o->cn)
		add_name(subject, NID_commonName, o->cn, o->cn_len ? o->cn_len : strlen(o->cn));
	FX_CHECK(X509_set_issuer_name(x, o->issuer ? X509_get_subject_name(o->issuer) : subject) ==
		 1);
	if (o->ca) {
		X509_EXTENSION *ext =
			X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints, "critical,CA:TRUE");
		FX_CHECK(ext);
		FX_CHECK(X509_add_ext(x, ext, -1) == 1);
		X509_EXTENSION_free(ext);
	}
	FX_CHECK(X509_sign(x, o->issuer_key ? o->issuer_key : key, EVP_sha256()) > 0);
	return x;
}

X509 *fx_self_signed(EVP_PKEY *key, const char *cn)
{
	struct fx_cert_opts o = {.cn = cn, .from_days = -1, .to_days = 3650};

	return fx_cert(key, &o);
}

uint8_t *fx_cert_der(X509 *x, size_t *len)
{
	int n = i2d_X509(x, NULL);
	uint8_t *buf, *p;

	FX_CHECK(n > 0);
	buf = malloc((size_t)n);
	FX_CHECK(buf);
	p = buf;
	FX_CHECK(i2d_X509(x, &p) == n);
	*len = (size_t)n;
	return buf;
}

uint8_t *fx_sign(X509 *signer, EVP_PKEY *key, STACK_OF(X509) *extra, const EVP_MD *md,
		 const uint8_t *data, size_t data_len, bool bare, size_t *out_len)
{
	const int flags = PKCS7_DETACHED | PKCS7_BINARY | PKCS7_NOATTR;
	BIO *in = BIO_new_mem_buf(data, (int)data_len);
	PKCS7 *p7;
	unsigned char *der = NULL;
	uint8_t *out;
	int n;

	FX_CHECK(in);
	/* PKCS7_PARTIAL: the signer goes in with its own digest below. */
	p7 = PKCS7_sign(NULL, NULL, extra, NULL, flags | PKCS7_PARTIAL);
	FX_CHECK(p7);
	FX_CHECK(PKCS7_sign_add_signer(p7, signer, key, md, flags));
	FX_CHECK(PKCS7_final(p7, in, flags) == 1);
	if (bare)
		n = i2d_PKCS7_SIGNED(p7->d.sign, &der);
	else
		n = i2d_PKCS7(p7, &der);
	FX_CHECK(n > 0);
	out = malloc((size_t)n);
	FX_CHECK(out);
	memcpy(out, der, (size_t)n);
	*out_len = (size_t)n;
	OPENSSL_free(der);
	PKCS7_free(p7);
	BIO_free(in);
	return out;
}

size_t fx_esl(uint8_t *buf, size_t *len, const uint8_t type[16], uint32_t data_size,
	      uint32_t count, const uint8_t *const *data, const uint8_t *owner)
{
	uint8_t *p = buf + *len;
	uint32_t sig_size = 16 + data_size;
	uint32_t list_size = 28 + count * sig_size;

	memcpy(p, type, 16);
	for (int i = 0; i < 4; i++) {
		p[16 + i] = (uint8_t)(list_size >> (8 * i));
		p[20 + i] = 0;
		p[24 + i] = (uint8_t)(sig_size >> (8 * i));
	}
	for (uint32_t i = 0; i < count; i++) {
		uint8_t *e = p + 28 + i * sig_size;
		memset(e, owner[i], 16);
		memcpy(e + 16, data[i], data_size);
	}
	*len += list_size;
	return list_size;
}

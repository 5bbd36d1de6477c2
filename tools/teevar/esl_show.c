/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * EFI_SIGNATURE_LISTs (PK, KEK, db, dbx, dbt, the *Default copies, .esl
 * files) shown readably: one line (or JSON object) per entry with its list,
 * type and owner, and for X.509 the certificate's subject, issuer and SHA-256
 * fingerprint, for hashes the hex. The walk is src/common/efi_siglist.c's.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <teevar/util.h>

#include "cli.h"
#include "efi_siglist.h"
#include "tv_bytes.h"

#define EFI_TIME_SIZE 16u
#define SHA256_LEN 32u

enum entry_kind {
	ENTRY_X509,       /* a certificate that parsed */
	ENTRY_X509_BAD,   /* X509 type, but not DER X.509 */
	ENTRY_HASH,       /* SHA1, SHA224, ..., SHA512 */
	ENTRY_TBS_HASH,   /* X509_SHA256/384/512: hash of a TBSCertificate + time of revocation */
	ENTRY_DATA,       /* RSA2048 types, unknown types, or a size that does not fit the type */
};

struct entry_info {
	const struct tv_esl_type *type;   /* NULL: not one of the twelve */
	char owner[37];
	enum entry_kind kind;
	char *subject, *issuer;           /* ENTRY_X509 */
	uint8_t fingerprint[SHA256_LEN];  /* ENTRY_X509 */
	size_t cert_size, trailing;       /* ENTRY_X509: DER bytes, bytes after them */
	const uint8_t *bytes;             /* the hash, or the data */
	size_t bytes_len;
	char revoked[32];                 /* ENTRY_TBS_HASH */
	bool size_mismatch;               /* the type wants another size (ENTRY_DATA) */
};

static void guid_text(const uint8_t *raw, char out[37])
{
	efi_guid_t g;
	memcpy(g.b, raw, sizeof(g.b));
	tv_guid_format(&g, out);
}

/* A distinguished name as one RFC 2253 line (non-ASCII and control bytes escaped). */
static char *name_text(const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	if (!b)
		return NULL;
	char *out = NULL;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
		char *p;
		long n = BIO_get_mem_data(b, &p);
		if (n >= 0 && (out = malloc((size_t)n + 1)) != NULL) {
			memcpy(out, p, (size_t)n);
			out[n] = '\0';
		}
	}
	BIO_free(b);
	return out;
}

static void parse_x509(struct entry_info *e, const uint8_t *data, size_t size)
{
	const unsigned char *p = data;
	X509 *x = size <= LONG_MAX ? d2i_X509(NULL, &p, (long)size) : NULL;
	if (!x) {
		e->kind = ENTRY_X509_BAD;
		return;
	}
	e->cert_size = (size_t)(p - data);
	e->trailing = size - e->cert_size;
	e->subject = name_text(X509_get_subject_name(x));
	e->issuer = name_text(X509_get_issuer_name(x));
	unsigned int md_len = 0;
	bool ok = EVP_Digest(data, e->cert_size, e->fingerprint, &md_len, EVP_sha256(), NULL) == 1;
	X509_free(x);
	if (!ok || md_len != SHA256_LEN || !e->subject || !e->issuer) {
		free(e->subject);
		free(e->issuer);
		e->subject = e->issuer = NULL;
		e->kind = ENTRY_X509_BAD;
		return;
	}
	e->kind = ENTRY_X509;
}

/* EFI_TIME as "YYYY-MM-DDThh:mm:ss" (UTC when the zone is unspecified). */
static void efi_time_text(const uint8_t *t, char *out, size_t size)
{
	snprintf(out, size, "%04u-%02u-%02uT%02u:%02u:%02u", tv_get_le16(t), t[2], t[3], t[4],
		 t[5], t[6]);
}

static void describe(const struct tv_esl_list *l, const uint8_t *entry, struct entry_info *e)
{
	memset(e, 0, sizeof(*e));
	e->type = tv_esl_type_find(l->type);
	guid_text(entry, e->owner);
	const uint8_t *data = entry + TV_ESL_OWNER_SIZE;
	size_t size = l->sig_size - TV_ESL_OWNER_SIZE;
	e->bytes = data;
	e->bytes_len = size;
	e->kind = ENTRY_DATA;
	if (!e->type)
		return;
	if (e->type->data_size == 0) {
		parse_x509(e, data, size);
		return;
	}
	if (size != e->type->data_size) {
		e->size_mismatch = true;
		return;
	}
	const char *n = e->type->name;
	if (strncmp(n, "X509_SHA", 8) == 0) {
		e->kind = ENTRY_TBS_HASH;
		e->bytes_len = size - EFI_TIME_SIZE;
		efi_time_text(data + e->bytes_len, e->revoked, sizeof(e->revoked));
	} else if (strncmp(n, "SHA", 3) == 0) {
		e->kind = ENTRY_HASH;
	}
}

static void entry_free(struct entry_info *e)
{
	free(e->subject);
	free(e->issuer);
}

static void hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

static void type_label(FILE *f, const struct tv_esl_list *l)
{
	const struct tv_esl_type *t = tv_esl_type_find(l->type);
	char g[37];
	if (t) {
		fputs(t->name, f);
		return;
	}
	guid_text(l->type, g);
	fprintf(f, "unknown-type(%s)", g);
}

/* A DN between quotes; RFC 2253 already escaped '"' and '\'. */
static void print_entry_human(FILE *f, const struct tv_esl_list *l, size_t list_index,
			      uint32_t index, const struct entry_info *e)
{
	fprintf(f, "list %zu entry %u: ", list_index, index);
	type_label(f, l);
	fprintf(f, " owner=%s", e->owner);
	switch (e->kind) {
	case ENTRY_X509:
		fprintf(f, " subject=\"%s\" issuer=\"%s\" sha256=", e->subject, e->issuer);
		hex(f, e->fingerprint, sizeof(e->fingerprint));
		if (e->trailing)
			fprintf(f, " (%zu bytes after the certificate)", e->trailing);
		break;
	case ENTRY_X509_BAD:
		fprintf(f, " not a DER X.509 certificate (%zu bytes)", e->bytes_len);
		break;
	case ENTRY_HASH:
		fputs(" hash=", f);
		hex(f, e->bytes, e->bytes_len);
		break;
	case ENTRY_TBS_HASH:
		fputs(" tbs-hash=", f);
		hex(f, e->bytes, e->bytes_len);
		fprintf(f, " revoked=%s", e->revoked);
		break;
	case ENTRY_DATA:
		fputs(" data=", f);
		hex(f, e->bytes, e->bytes_len);
		if (e->size_mismatch)
			fprintf(f, " (%zu bytes; %s entries have %u)", e->bytes_len, e->type->name,
				e->type->data_size);
		break;
	}
	fputc('\n', f);
}

void esl_show_human(FILE *f, const uint8_t *p, size_t n, struct esl_walk *w)
{
	struct tv_esl_iter it;
	struct tv_esl_list l;
	memset(w, 0, sizeof(*w));
	tv_esl_iter_init(&it, p, n);
	while (tv_esl_next_list(&it, &l) == 1) {
		if (l.count == 0 || l.header_size != 0) {
			fprintf(f, "list %zu: ", w->lists);
			type_label(f, &l);
			if (l.header_size)
				fprintf(f, ", a SignatureHeader of %u bytes", l.header_size);
			fprintf(f, "%s\n", l.count ? "" : ", no entries");
		}
		for (uint32_t i = 0; i < l.count; i++) {
			struct entry_info e;
			describe(&l, l.entries + (size_t)i * l.sig_size, &e);
			print_entry_human(f, &l, w->lists, i, &e);
			entry_free(&e);
			w->entries++;
		}
		w->lists++;
	}
	if (n == 0)
		fputs("no signature lists (empty)\n", f);
	w->error = it.error;
	w->error_offset = it.error_offset;
}

static void print_entry_json(FILE *f, uint32_t index, const struct entry_info *e)
{
	fprintf(f, "{\"index\": %u, \"owner\": \"%s\"", index, e->owner);
	switch (e->kind) {
	case ENTRY_X509:
		fputs(", \"subject\": ", f);
		json_string(f, e->subject);
		fputs(", \"issuer\": ", f);
		json_string(f, e->issuer);
		fputs(", \"sha256\": ", f);
		json_hex(f, e->fingerprint, sizeof(e->fingerprint));
		fprintf(f, ", \"certificate_size\": %zu, \"trailing_bytes\": %zu", e->cert_size,
			e->trailing);
		break;
	case ENTRY_X509_BAD:
		fputs(", \"error\": \"not a DER X.509 certificate\", \"data\": ", f);
		json_hex(f, e->bytes, e->bytes_len);
		break;
	case ENTRY_HASH:
		fputs(", \"hash\": ", f);
		json_hex(f, e->bytes, e->bytes_len);
		break;
	case ENTRY_TBS_HASH:
		fputs(", \"tbs_hash\": ", f);
		json_hex(f, e->bytes, e->bytes_len);
		fprintf(f, ", \"revocation_time\": \"%s\"", e->revoked);
		break;
	case ENTRY_DATA:
		fputs(", \"data\": ", f);
		json_hex(f, e->bytes, e->bytes_len);
		if (e->size_mismatch)
			fprintf(f, ", \"error\": \"%s entries have %u bytes\"", e->type->name,
				e->type->data_size);
		break;
	}
	fputc('}', f);
}

static void print_list_json(FILE *f, const struct tv_esl_list *l, size_t index, size_t *entries)
{
	const struct tv_esl_type *t = tv_esl_type_find(l->type);
	char g[37];
	guid_text(l->type, g);
	fprintf(f, "%s\n  {\"index\": %zu, \"offset\": %zu, \"type\": ", index ? "," : "", index,
		l->offset);
	if (t)
		fprintf(f, "\"%s\"", t->name);
	else
		fputs("null", f);
	fprintf(f, ", \"type_guid\": \"%s\", \"header_size\": %u, \"signature_size\": %u, "
		"\"entries\": [", g, l->header_size, l->sig_size);
	for (uint32_t i = 0; i < l->count; i++) {
		struct entry_info e;
		describe(l, l->entries + (size_t)i * l->sig_size, &e);
		fputs(i ? ",\n    " : "\n    ", f);
		print_entry_json(f, i, &e);
		entry_free(&e);
		(*entries)++;
	}
	fputs("]}", f);
}

void esl_show_json(FILE *f, const uint8_t *p, size_t n, struct esl_walk *w)
{
	struct tv_esl_iter it;
	struct tv_esl_list l;
	memset(w, 0, sizeof(*w));
	tv_esl_iter_init(&it, p, n);
	fputs("\"lists\": [", f);
	while (tv_esl_next_list(&it, &l) == 1)
		print_list_json(f, &l, w->lists++, &w->entries);
	fputs(w->lists ? "\n], \"error\": " : "], \"error\": ", f);
	w->error = it.error;
	w->error_offset = it.error_offset;
	if (!w->error) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"offset\": %zu, \"reason\": ", w->error_offset);
	json_string(f, w->error);
	fputc('}', f);
}

int esl_report_malformed(const char *what, const char *label, const struct esl_walk *w)
{
	fprintf(stderr, "teevar: %s %s: not a well-formed signature list at offset %zu: %s "
		"(%zu entr%s in %zu list%s before it)\n", what, label, w->error_offset, w->error,
		w->entries, w->entries == 1 ? "y" : "ies", w->lists, w->lists == 1 ? "" : "s");
	return EXIT_MALFORMED;
}

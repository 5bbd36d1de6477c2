/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A signed Secure Boot APPEND through the secure core in process: one new
 * X.509 certificate appended to a db that holds 50, signed by a KEK
 * certificate, in user mode (tv_varsvc_set on tv_secure_varsvc()).
 *   BENCH auth_db_append_ms          median of the whole SetVariable
 *   BENCH auth_db_append_verify_ms   median of the PKCS#7 verification the
 *                                    service does for it (tv_p7_parse and the
 *                                    KEK walk, on the same payloads)
 *   BENCH auth_overhead_share        (append - verify) / append: the share
 *                                    spent outside PKCS#7 verification
 * `bench_auth --breakdown` then replays the service's steps one by one on the
 * same payloads (with the internal APIs the service calls) and prints their
 * medians, in lines that start with '#'.
 *
 * Keys and certificates are made at run time (tests/lib/tv_auth_util.c), and
 * every .auth payload is made and signed before the timing: signing is the
 * client's cost, not the service's.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/x509.h>

#include "auth_descriptor.h"
#include "auth_pkcs7.h"
#include "bench_util.h"
#include "kek_trust.h"
#include "rpmb_dev.h"
#include "rpmb_frame.h"
#include "secure_boot.h"
#include "secure_core.h"
#include "sig_list.h"
#include "store.h"
#include "store_format.h"
#include "tv_auth_util.h"
#include "tv_test_util.h"

#define N_ITER 31
#define DB_START 50     /* certificates in db before an append */
#define DB_MAX 70       /* past this, db goes back to its DB_START certificates */
/* NV | BS | RT | TIME_BASED_AUTHENTICATED_WRITE_ACCESS, and with APPEND_WRITE */
#define ATTRS_SET 0x27u
#define ATTRS_APPEND 0x67u

static const uint8_t db_name[] = {'d', 0, 'b', 0, 0, 0};
static const uint8_t pk_name[] = {'P', 0, 'K', 0, 0, 0};
static const uint8_t kek_name[] = {'K', 0, 'E', 0, 'K', 0, 0, 0};

/* One timed append: the .auth data, and what the verification is timed on. */
struct payload {
	uint8_t *auth;
	size_t auth_size;
	size_t esl_size;        /* the new EFI_SIGNATURE_LIST (one certificate) */
	struct tv_auth2 desc;   /* points into auth */
	uint8_t *bytes;         /* the signed bytes, as the service builds them */
	size_t bytes_size;
};

struct bench {
	char *dir;
	struct tv_secure *sec;
	struct tv_varsvc *svc;
	struct tv_test_key *pk, *kek, *dbkey;
	uint8_t *db_start;      /* the DB_START certificates, one list each */
	size_t db_start_size;
	uint8_t *kek_esl;
	size_t kek_esl_size;
	unsigned clock;         /* seconds after the base time: each descriptor is later */
	unsigned count;         /* certificates in db */
	struct payload p[N_ITER];
};

static void die(const char *what)
{
	fprintf(stderr, "bench_auth: %s failed\n", what);
	exit(1);
}

static void check(efi_status_t s, const char *what)
{
	if (s != EFI_SUCCESS) {
		fprintf(stderr, "bench_auth: %s: EFI status 0x%llx\n", what, (unsigned long long)s);
		exit(1);
	}
}

static void next_time(struct bench *b, uint8_t t[16])
{
	unsigned s = b->clock++;
	tv_test_efi_time(t, 2025, 1, 1 + s / 86400, s / 3600 % 24, s / 60 % 60, s % 60);
}

static uint8_t *cat(uint8_t *buf, size_t *size, const uint8_t *more, size_t more_size)
{
	uint8_t *n = realloc(buf, *size + more_size);
	if (!n)
		die("realloc");
	memcpy(n + *size, more, more_size);
	*size += more_size;
	return n;
}

/* A new certificate (on the db key pair, so no key generation) as one list. */
static uint8_t *new_cert_esl(const struct bench *b, const char *prefix, unsigned n, size_t *size)
{
	char cn[48];
	snprintf(cn, sizeof(cn), "teevar bench %s %u", prefix, n);
	struct tv_test_key *k = tv_test_key_reuse(cn, b->dbkey);
	uint8_t *esl = tv_test_esl_x509(k, tv_test_owner, size);
	tv_test_key_free(k);
	return esl;
}

/* SetVariable of a key variable with a new timestamp; signer NULL: unsigned
 * descriptor (setup mode). The payload is signed here, outside any timing. */
static efi_status_t set_key_var(struct bench *b, const char *ascii, const uint8_t *name,
				size_t name_size, const efi_guid_t *guid,
				const struct tv_test_key *signer, const uint8_t *esl,
				size_t esl_size)
{
	uint8_t t[16];
	size_t size;
	next_time(b, t);
	uint8_t *auth = tv_test_auth2(signer, NULL, ascii, guid, ATTRS_SET, t, esl, esl_size, &size);
	efi_status_t s = tv_varsvc_set(b->svc, name, name_size, guid, ATTRS_SET, size, auth);
	free(auth);
	return s;
}

static uint64_t db_size(struct bench *b)
{
	uint64_t size = 0;
	uint32_t attrs;
	efi_status_t s = tv_varsvc_get(b->svc, db_name, sizeof(db_name), &tv_image_security_guid,
				       &attrs, &size, NULL);
	if (s != EFI_BUFFER_TOO_SMALL)
		die("db size");
	return size;
}

/* db back to its DB_START certificates: a KEK-signed write (not timed). */
static void db_restart(struct bench *b)
{
	check(set_key_var(b, "db", db_name, sizeof(db_name), &tv_image_security_guid, b->kek,
			  b->db_start, b->db_start_size),
	      "db restart");
	if (db_size(b) != b->db_start_size)
		die("db restart size");
	b->count = DB_START;
}

static void setup(struct bench *b)
{
	memset(b, 0, sizeof(*b));
	b->dir = tv_test_tmpdir();
	struct tv_secure_config cfg;
	tv_secure_config_default(&cfg);
	/* The service is measured, not the disk: no fdatasync of the emulated
	 * RPMB image. A 8 MiB image (64 x 128 KiB, twice the default) leaves the
	 * store plenty of free segments for a db of up to 70 certificates
	 * (about 55 KiB) rewritten on every append. */
	cfg.sync = false;
	cfg.emu.size_mult = 64;
	if (!b->dir || tv_secure_open(b->dir, &cfg, &b->sec) != 0)
		die("secure core");
	b->svc = tv_secure_varsvc(b->sec);

	b->pk = tv_test_key_new("teevar bench PK", NULL);
	b->kek = tv_test_key_new("teevar bench KEK", NULL);
	b->dbkey = tv_test_key_new("teevar bench db key", NULL);
	for (unsigned i = 0; i < DB_START; i++) {
		size_t size;
		uint8_t *esl = new_cert_esl(b, "db", i, &size);
		b->db_start = cat(b->db_start, &b->db_start_size, esl, size);
		free(esl);
	}
	b->kek_esl = tv_test_esl_x509(b->kek, tv_test_owner, &b->kek_esl_size);
	size_t pk_size;
	uint8_t *pk_esl = tv_test_esl_x509(b->pk, tv_test_owner, &pk_size);

	/* Setup mode (a fresh store): unsigned writes; PK last enters user mode. */
	if (!tv_sb_setup_mode(b->svc))
		die("setup mode at start");
	check(set_key_var(b, "db", db_name, sizeof(db_name), &tv_image_security_guid, NULL,
			  b->db_start, b->db_start_size),
	      "db enrol");
	check(set_key_var(b, "KEK", kek_name, sizeof(kek_name), &tv_global_guid, NULL,
			  b->kek_esl, b->kek_esl_size),
	      "KEK enrol");
	check(set_key_var(b, "PK", pk_name, sizeof(pk_name), &tv_global_guid, NULL, pk_esl,
			  pk_size),
	      "PK enrol");
	free(pk_esl);
	if (tv_sb_setup_mode(b->svc))
		die("user mode after PK");
	/* The verification below is timed against b->kek_esl: KEK as stored. */
	uint8_t kek[2048];
	uint64_t kek_size = sizeof(kek);
	uint32_t attrs;
	if (tv_varsvc_get(b->svc, kek_name, sizeof(kek_name), &tv_global_guid, &attrs, &kek_size,
			  kek) != EFI_SUCCESS ||
	    kek_size != b->kek_esl_size || memcmp(kek, b->kek_esl, kek_size) != 0)
		die("KEK as enrolled");
	b->count = DB_START;

	/* Every append's payload, made and signed now. */
	for (unsigned i = 0; i < N_ITER; i++) {
		struct payload *p = &b->p[i];
		uint8_t t[16];
		uint8_t *esl = new_cert_esl(b, "new", i, &p->esl_size);
		next_time(b, t);
		p->auth = tv_test_auth2(b->kek, NULL, "db", &tv_image_security_guid, ATTRS_APPEND, t,
					esl, p->esl_size, &p->auth_size);
		free(esl);
		check(tv_auth2_split(p->auth, p->auth_size, &p->desc), "descriptor");
		p->bytes = tv_auth2_signed_bytes(db_name, sizeof(db_name), &tv_image_security_guid,
						 ATTRS_APPEND, &p->desc, &p->bytes_size);
		if (!p->bytes)
			die("signed bytes");
	}
}

static void teardown(struct bench *b)
{
	for (unsigned i = 0; i < N_ITER; i++) {
		free(b->p[i].auth);
		free(b->p[i].bytes);
	}
	tv_secure_close(b->sec);
	tv_test_rmtree(b->dir);
	free(b->dir);
	tv_test_key_free(b->pk);
	tv_test_key_free(b->kek);
	tv_test_key_free(b->dbkey);
	free(b->db_start);
	free(b->kek_esl);
}

/* The verification the service does for an append to db in user mode
 * (auth_var.c: the PK attempt fails at its byte compare, then the KEK walk):
 * the PKCS#7 parse and tv_esl_verify_any_x509 against KEK, freed after. */
static double verify_us(const struct bench *b, const struct payload *p)
{
	struct tv_p7 *p7 = NULL;
	double t0 = bench_now_us();
	efi_status_t s = tv_p7_parse(p->desc.cert, p->desc.cert_size, &p7);
	bool ok = s == EFI_SUCCESS &&
		  tv_esl_verify_any_x509(b->kek_esl, b->kek_esl_size, p7, p->bytes, p->bytes_size);
	tv_p7_free(p7);
	double t = bench_now_us() - t0;
	if (!ok)
		die("KEK verification");
	return t;
}

static void bench_append(struct bench *b, double *append_ms, double *verify_ms)
{
	double ta[N_ITER], tv[N_ITER];
	for (unsigned i = 0; i < N_ITER; i++) {
		const struct payload *p = &b->p[i];
		if (b->count > DB_MAX)
			db_restart(b);
		uint64_t before = db_size(b);
		double t0 = bench_now_us();
		efi_status_t s = tv_varsvc_set(b->svc, db_name, sizeof(db_name),
					       &tv_image_security_guid, ATTRS_APPEND, p->auth_size,
					       p->auth);
		ta[i] = (bench_now_us() - t0) / 1e3;
		check(s, "db append");
		if (db_size(b) != before + p->esl_size)
			die("db append size (no new entry)");
		b->count++;
		tv[i] = verify_us(b, p) / 1e3;
	}
	*append_ms = bench_median(ta, N_ITER);
	*verify_ms = bench_median(tv, N_ITER);
}

/* ---- --breakdown: the service's path step by step ---- */

#define ROUNDS 3 /* the breakdown goes over the payloads ROUNDS times */
#define NS (ROUNDS * N_ITER)

enum step {
	S_PK_TRY,     /* first attempt, PK as signer: the signer DER compared with PK */
	S_PARSE,      /* tv_p7_parse, shared by both attempts */
	S_BYTES,      /* tv_auth2_signed_bytes */
	S_KEK_WALK,   /* tv_esl_verify_any_x509 */
	S_FORMAT,     /* tv_esl_check_format of the payload */
	S_MERGE,      /* appended(): copy of db + tv_esl_filter against db */
	S_STORE,      /* tv_store_set of the merged db */
	S_SUM,        /* the steps above */
	S_ENCODE,     /* inside S_STORE: tv_rec_encode of the record (its MACs), apart */
	S_DEVICE,     /* inside S_STORE: in the RPMB device (the emulator) */
	S_DUP,        /* tv_varsvc_set of the same payload again: the whole path, no write */
	S_COUNT
};
static const char *const step_name[S_COUNT] = {
	"PK attempt: the signer compared with PK",
	"tv_p7_parse (one for both attempts)",
	"tv_auth2_signed_bytes",
	"KEK attempt: tv_esl_verify_any_x509",
	"tv_esl_check_format (the new list)",
	"appended(): copy + tv_esl_filter",
	"tv_store_set (the merged db)",
	"sum of the steps above",
	"  in tv_store_set: tv_rec_encode alone",
	"  in tv_store_set: the RPMB device (emulator)",
	"the same append again (all of it but the write)"};

/* The RPMB device (here the emulator: its MACs, two pwrite()s per write) is
 * not the secure side's cost: its share of tv_store_set is timed apart. */
static const struct rpmb_dev_ops *real_ops;
static struct rpmb_dev_ops timed_ops;
static double dev_us;
static unsigned long dev_calls;

static int timed_route(void *ctx, const uint8_t *req, size_t nreq, uint8_t *resp, size_t nresp)
{
	double t0 = bench_now_us();
	int rc = real_ops->route(ctx, req, nreq, resp, nresp);
	dev_us += bench_now_us() - t0;
	dev_calls++;
	return rc;
}

/* One d2i_X509 of a certificate (what every certificate parse costs). */
static double d2i_us(const uint8_t *der, size_t size)
{
	double t[N_ITER];
	for (unsigned i = 0; i < N_ITER; i++) {
		const unsigned char *q = der;
		double t0 = bench_now_us();
		X509 *x = d2i_X509(NULL, &q, (long)size);
		X509_free(x);
		t[i] = bench_now_us() - t0;
		if (!x)
			die("d2i_X509");
	}
	return bench_median(t, N_ITER);
}

/* The MAC of one 2-block RPMB write request as the store computes it
 * (rpmb_mac_compute: a new HMAC context, key and digest set up each time), and
 * the same MAC from a context keyed once (EVP_MAC_CTX_dup per MAC). */
static void hmac_us(double *fresh, double *reused)
{
	enum { N = 2001 };
	static double t[N];
	static uint8_t frames[2 * RPMB_FRAME_SIZE];
	uint8_t key[32] = {1}, mac[32];
	for (unsigned i = 0; i < N; i++) {
		double t0 = bench_now_us();
		if (rpmb_mac_compute(key, frames, 2, mac) != 0)
			die("rpmb_mac_compute");
		t[i] = bench_now_us() - t0;
	}
	*fresh = bench_median(t, N);
	EVP_MAC *alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *keyed = alg ? EVP_MAC_CTX_new(alg) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	if (!keyed || !EVP_MAC_init(keyed, key, sizeof(key), params))
		die("HMAC context");
	for (unsigned i = 0; i < N; i++) {
		size_t len = 0;
		double t0 = bench_now_us();
		EVP_MAC_CTX *c = EVP_MAC_CTX_dup(keyed);
		bool ok = c && EVP_MAC_update(c, frames + RPMB_OFF_DATA, RPMB_MAC_SPAN) &&
			  EVP_MAC_update(c, frames + RPMB_FRAME_SIZE + RPMB_OFF_DATA, RPMB_MAC_SPAN) &&
			  EVP_MAC_final(c, mac, &len, sizeof(mac));
		EVP_MAC_CTX_free(c);
		t[i] = bench_now_us() - t0;
		if (!ok)
			die("HMAC");
	}
	*reused = bench_median(t, N);
	EVP_MAC_CTX_free(keyed);
	EVP_MAC_free(alg);
}

/* The first attempt of an append to db in user mode (auth_var.c process_db
 * with PK as the signer class, on the SignedData both attempts share): the
 * byte compare of the signer with PK's certificate, which fails. */
static void pk_attempt(struct tv_store *st, struct tv_p7 *p7)
{
	const uint8_t *signer, *cert;
	size_t signer_size, cert_size;
	const struct tv_store_var *pk = tv_store_get(st, tv_global_guid.b, pk_name, sizeof(pk_name));
	bool same = tv_p7_signer_der(p7, &signer, &signer_size) && pk &&
		    tv_esl_first_data(pk->data, pk->data_size, &cert, &cert_size) &&
		    cert_size == signer_size && memcmp(cert, signer, cert_size) == 0;
	if (same)
		die("PK signed the append");
}

/* Replays one append step by step (i: the sample). */
static void replay(struct bench *b, const struct payload *p, double t[S_COUNT][NS], unsigned i,
		   uint64_t *written)
{
	struct tv_store *st = tv_secure_store(b->sec);
	struct tv_p7 *p7 = NULL;
	size_t n = 0;
	double t0 = bench_now_us();
	check(tv_p7_parse(p->desc.cert, p->desc.cert_size, &p7), "parse");
	t[S_PARSE][i] = bench_now_us() - t0;
	t0 = bench_now_us();
	uint8_t *bytes = tv_auth2_signed_bytes(db_name, sizeof(db_name), &tv_image_security_guid,
					       ATTRS_APPEND, &p->desc, &n);
	t[S_BYTES][i] = bench_now_us() - t0;
	t0 = bench_now_us();
	pk_attempt(st, p7);
	t[S_PK_TRY][i] = bench_now_us() - t0;
	t0 = bench_now_us();
	bool ok = bytes && tv_esl_verify_any_x509(b->kek_esl, b->kek_esl_size, p7, bytes, n);
	t[S_KEK_WALK][i] = bench_now_us() - t0;
	free(bytes);
	tv_p7_free(p7);
	if (!ok)
		die("KEK walk");

	t0 = bench_now_us();
	check(tv_esl_check_format(p->desc.payload, p->desc.payload_size, false), "format");
	t[S_FORMAT][i] = bench_now_us() - t0;

	/* appended(): the old value, then the entries it does not hold yet. */
	const struct tv_store_var *old =
		tv_store_get(st, tv_image_security_guid.b, db_name, sizeof(db_name));
	if (!old)
		die("db lookup");
	t0 = bench_now_us();
	uint8_t *merged = malloc(old->data_size + p->desc.payload_size + 1);
	if (!merged)
		die("malloc");
	memcpy(merged, old->data, old->data_size);
	size_t added = 0;
	check(tv_esl_filter(old->data, old->data_size, p->desc.payload, p->desc.payload_size,
			    merged + old->data_size, &added),
	      "filter");
	t[S_MERGE][i] = bench_now_us() - t0;
	if (added != p->esl_size)
		die("filter dropped the new certificate");
	struct tv_store_var nv = *old;
	nv.data = merged;
	nv.data_size = (uint32_t)(old->data_size + added);
	memcpy(nv.ext.timestamp, p->desc.timestamp, 16); /* later than the stored one */
	*written += nv.data_size;

	/* The record's encoding (its two MACs over the whole record) alone. */
	struct tv_rec rec = {.type = TV_REC_AUTHVAR, .attrs = nv.attrs, .name = nv.name,
			     .name_size = nv.name_size, .data = nv.data, .data_size = nv.data_size,
			     .ext = nv.ext};
	memcpy(rec.guid, nv.guid, 16);
	uint8_t *enc = malloc(tv_rec_size(rec.type, rec.name_size, rec.data_size));
	uint8_t key[32] = {0};
	if (!enc)
		die("malloc");
	t0 = bench_now_us();
	int rc = tv_rec_encode(key, &rec, enc);
	t[S_ENCODE][i] = bench_now_us() - t0;
	free(enc);
	if (rc != 0)
		die("record encode");

	dev_us = 0;
	t0 = bench_now_us();
	rc = tv_store_set(st, &nv);
	t[S_STORE][i] = bench_now_us() - t0;
	t[S_DEVICE][i] = dev_us;
	free(merged);
	if (rc != 0)
		die("store set");
	b->count++;
	t[S_SUM][i] = 0;
	for (int k = 0; k < S_SUM; k++)
		t[S_SUM][i] += t[k][i];

	/* The same payload again: every step, the filter drops the certificate
	 * and the value (timestamp included) is unchanged, so nothing is written. */
	uint64_t before = db_size(b);
	t0 = bench_now_us();
	efi_status_t s = tv_varsvc_set(b->svc, db_name, sizeof(db_name), &tv_image_security_guid,
				       ATTRS_APPEND, p->auth_size, p->auth);
	t[S_DUP][i] = bench_now_us() - t0;
	check(s, "duplicate append");
	if (db_size(b) != before)
		die("duplicate append grew db");
}

static void breakdown(struct bench *b, double append_ms)
{
	static double t[S_COUNT][NS];
	struct tv_store *st = tv_secure_store(b->sec);
	struct tv_rpmb *rpmb = tv_secure_rpmb(b->sec);
	struct tv_store_stats s0, s1, k0, k1;
	uint64_t written = 0, ops = 0, blocks = 0, ckpts = 0, calls = 0;
	real_ops = rpmb->dev.ops;
	timed_ops = *real_ops;
	timed_ops.route = timed_route;
	rpmb->dev.ops = &timed_ops;
	for (unsigned r = 0; r < ROUNDS; r++) {
		db_restart(b);
		for (unsigned i = 0; i < N_ITER; i++) {
			if (b->count > DB_MAX)
				db_restart(b);
			/* counted around the append's store write only */
			struct tv_rpmb_stats r0 = rpmb->stats;
			unsigned long c0 = dev_calls;
			tv_store_get_stats(st, &k0);
			replay(b, &b->p[i], t, r * N_ITER + i, &written);
			tv_store_get_stats(st, &k1);
			ops += rpmb->stats.write_ops - r0.write_ops;
			blocks += rpmb->stats.blocks_written - r0.blocks_written;
			ckpts += k1.ckpt_writes - k0.ckpt_writes;
			calls += dev_calls - c0;
		}
	}
	rpmb->dev.ops = real_ops;
	tv_store_get_stats(st, &s1);
	(void)s0;
	printf("# breakdown of one append, medians over %d replays in us (the full append's "
	       "median above: %.1f us)\n",
	       NS, append_ms * 1e3);
	for (int k = 0; k < S_COUNT; k++)
		printf("#   %-50s %8.1f\n", step_name[k], bench_median(t[k], NS));
	printf("#   per append: db value %.0f bytes written, %.1f RPMB write operations "
	       "(%.1f blocks, %u per operation at most), %.1f device requests; "
	       "%.2f checkpoints\n",
	       (double)written / NS, (double)ops / NS, (double)blocks / NS,
	       tv_rpmb_write_blocks(rpmb), (double)calls / NS, (double)ckpts / NS);
	printf("#   cleaner over the run: %llu segments, %llu bytes moved, %llu compactions\n",
	       (unsigned long long)s1.gc_segments, (unsigned long long)s1.gc_bytes,
	       (unsigned long long)s1.compactions);
	double fresh, reused;
	hmac_us(&fresh, &reused);
	printf("#   one RPMB write MAC (2 frames): %.2f us as rpmb_mac_compute does it, %.2f us "
	       "from a context keyed once\n",
	       fresh, reused);
	printf("#   one d2i_X509 (the KEK certificate, %zu bytes): %.1f us\n",
	       b->kek_esl_size - 44, d2i_us(b->kek_esl + 44, b->kek_esl_size - 44));
}

int main(int argc, char **argv)
{
	bool want_breakdown = argc > 1 && strcmp(argv[1], "--breakdown") == 0;
	static struct bench b;
	setup(&b);
	double append_ms, verify_ms;
	bench_append(&b, &append_ms, &verify_ms);
	printf("BENCH auth_db_append_ms %.3f ms\n", append_ms);
	printf("BENCH auth_db_append_verify_ms %.3f ms\n", verify_ms);
	printf("BENCH auth_overhead_share %.3f ratio\n", (append_ms - verify_ms) / append_ms);
	if (want_breakdown)
		breakdown(&b, append_ms);
	teardown(&b);
	return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Secure Boot against a hostile caller, a hostile RPMB route, a full store and
 * a store from an earlier release: each test is a finding of the review of the
 * Secure Boot code, kept as its regression test (docs/threat-model.md,
 * "Authenticated variables and Secure Boot"). Keys are made at test time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store.h"
#include "rpmb_frame.h"
#include "store_harness.h"
#include "tv_auth_util.h"
#include "tv_err.h"
#include "var_service.h"

#define NV EFI_VARIABLE_NON_VOLATILE
#define BS EFI_VARIABLE_BOOTSERVICE_ACCESS
#define RT EFI_VARIABLE_RUNTIME_ACCESS
#define AT EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS
#define AP EFI_VARIABLE_APPEND_WRITE
#define KEYVAR (NV | BS | RT | AT)

static const efi_guid_t GLOBAL = EFI_GLOBAL_VARIABLE_GUID;
static const efi_guid_t IMAGE = EFI_IMAGE_SECURITY_DATABASE_GUID;
static const efi_guid_t VENDOR = {{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
				   0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00}};
static const efi_guid_t PLATFORM = {{0xb8, 0x99, 0x1c, 0x17, 0x21, 0x43, 0x75, 0x47, 0xaa, 0xca,
				     0xd8, 0xec, 0x51, 0xff, 0xa0, 0x51}};

static size_t ucs2(const char *s, uint8_t *out)
{
	size_t n = strlen(s);
	for (size_t i = 0; i <= n; i++)
		out[2 * i] = (uint8_t)s[i], out[2 * i + 1] = 0;
	return 2 * (n + 1);
}

static efi_status_t set(struct tv_varsvc *svc, const char *name, const efi_guid_t *g,
			uint32_t attrs, const void *data, size_t size)
{
	uint8_t n[128];
	size_t ns = ucs2(name, n);
	return tv_varsvc_set(svc, n, ns, g, attrs, size, data);
}

static int u8var(struct tv_varsvc *svc, const char *name)
{
	uint8_t n[128], buf[8];
	size_t ns = ucs2(name, n);
	uint64_t size = sizeof(buf);
	efi_status_t s = tv_varsvc_get(svc, n, ns, &GLOBAL, NULL, &size, buf);
	return s == EFI_SUCCESS && size == 1 ? buf[0] : -1;
}

static uint64_t varsize(struct tv_varsvc *svc, const char *name, const efi_guid_t *g)
{
	uint8_t n[128], buf[65536];
	size_t ns = ucs2(name, n);
	uint64_t size = sizeof(buf);
	efi_status_t s = tv_varsvc_get(svc, n, ns, g, NULL, &size, buf);
	return s == EFI_SUCCESS ? size : 0;
}

static const uint8_t *ts(unsigned d)
{
	static uint8_t ring[8][16];
	static unsigned next;
	uint8_t *t = ring[next++ % 8];
	tv_test_efi_time(t, 2021, 1, d, 0, 0, 0);
	return t;
}

/* SetVariable of an EFI_SIGNATURE_LIST with k's certificate, signed by signer (NULL: unsigned). */
static efi_status_t set_cert(struct tv_varsvc *svc, const char *name, const efi_guid_t *g,
			     uint32_t attrs, const struct tv_test_key *signer, unsigned day,
			     const struct tv_test_key *k, const uint8_t owner[16], uint8_t **keep,
			     size_t *keep_n)
{
	size_t e, n;
	uint8_t *esl = tv_test_esl_x509(k, owner ? owner : tv_test_owner, &e);
	uint8_t *d = tv_test_auth2(signer, NULL, name, g, attrs, ts(day), esl, e, &n);
	efi_status_t s = set(svc, name, g, attrs, d, n);
	free(esl);
	if (keep) {
		*keep = d;
		*keep_n = n;
	} else {
		free(d);
	}
	return s;
}

/* Fills the NV store with plain NV|BS|RT variables until even a 1-byte one fails. */
static void fill(struct tv_varsvc *svc)
{
	static uint8_t junk[4096];
	static unsigned id;
	size_t size = sizeof(junk);
	char name[32];
	while (size >= 1) {
		snprintf(name, sizeof(name), "F%u", id++);
		efi_status_t s = set(svc, name, &VENDOR, NV | BS | RT, junk, size);
		if (s != EFI_SUCCESS)
			size /= 2;
	}
	uint64_t max, rem, largest;
	tv_varsvc_query(svc, NV | BS | RT, &max, &rem, &largest);
	assert_true(largest < 8);
}

static struct tv_varsvc *restart(struct harness *h, struct tv_varsvc *svc)
{
	tv_varsvc_destroy(svc);
	h_unmount(h);
	assert_int_equal(h_mount(h), TV_OK);
	assert_int_equal(tv_varsvc_create(h->st, NULL, &svc), TV_OK);
	return svc;
}

/* A fresh device and store, and the service on it. */
static struct tv_varsvc *start(struct harness *h)
{
	struct tv_varsvc *svc;
	h_init(h, 2, 2, 16);
	assert_int_equal(tv_varsvc_create(h->st, NULL, &svc), TV_OK);
	return svc;
}

static void stop(struct harness *h, struct tv_varsvc *svc)
{
	tv_varsvc_destroy(svc);
	h_fini(h);
}

static struct tv_test_key *pk, *kek, *db1, *db2, *evil;

/* KEK, then PK (unsigned: Setup mode): User mode. */
static void enroll(struct tv_varsvc *svc)
{
	assert_int_equal(set_cert(svc, "KEK", &GLOBAL, KEYVAR, NULL, 1, kek, NULL, NULL, NULL),
			 EFI_SUCCESS);
	assert_int_equal(set_cert(svc, "PK", &GLOBAL, KEYVAR, NULL, 1, pk, NULL, NULL, NULL),
			 EFI_SUCCESS);
}

static int keys_up(void **state)
{
	(void)state;
	pk = tv_test_key_new("R PK", NULL);
	kek = tv_test_key_new("R KEK", NULL);
	db1 = tv_test_key_new("R db1", NULL);
	db2 = tv_test_key_new("R db2", NULL);
	evil = tv_test_key_new("Evil", NULL);
	return 0;
}

/* User -> Deployed on a full store: the mode record cannot be stored, so the
 * write fails and the mode stays User, before and after a restart. */
static void test_deployed_not_persisted(void **state)
{
	(void)state;
	struct harness h;
	struct tv_varsvc *svc = start(&h);
	assert_int_equal(set_cert(svc, "PK", &GLOBAL, KEYVAR, NULL, 1, pk, NULL, NULL, NULL),
			 EFI_SUCCESS);
	assert_int_equal(u8var(svc, "SetupMode"), 0);
	fill(svc);
	uint8_t one = 1;
	efi_status_t s = set(svc, "DeployedMode", &GLOBAL, BS | RT, &one, 1);
	assert_int_equal(s, EFI_OUT_OF_RESOURCES);
	assert_int_equal(u8var(svc, "DeployedMode"), 0);
	svc = restart(&h, svc);
	assert_int_equal(u8var(svc, "DeployedMode"), 0);
	assert_int_equal(u8var(svc, "SetupMode"), 0);
	stop(&h, svc);
}

/* An unsigned key change at runtime on a full store: VendorKeys = 0 is stored
 * before the key, so the key write is refused when it cannot be, and a key
 * that changed is never seen with VendorKeys 1, restart or not. */
static void test_vendorkeys_not_persisted(void **state)
{
	(void)state;
	struct harness h;
	struct tv_varsvc *svc = start(&h);
	assert_int_equal(set_cert(svc, "KEK", &GLOBAL, KEYVAR, NULL, 1, kek, NULL, NULL, NULL),
			 EFI_SUCCESS);
	assert_int_equal(u8var(svc, "VendorKeys"), 1);
	tv_varsvc_ready_to_boot(svc);
	tv_varsvc_exit_boot_services(svc);
	fill(svc);
	static const uint8_t owner2[16] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
	uint64_t kek_before = varsize(svc, "KEK", &GLOBAL);
	/* an OS replaces KEK (same size: another owner) without a signature in Setup mode */
	efi_status_t s = set_cert(svc, "KEK", &GLOBAL, KEYVAR, NULL, 2, kek, owner2, NULL, NULL);
	assert_int_equal(s, EFI_OUT_OF_RESOURCES);
	assert_int_equal(u8var(svc, "VendorKeys"), 1);
	assert_int_equal(varsize(svc, "KEK", &GLOBAL), kek_before);
	svc = restart(&h, svc);
	assert_int_equal(u8var(svc, "VendorKeys"), 1);
	stop(&h, svc);
}

/* A plain (not authenticated) PK left by an earlier release, where PK was an
 * ordinary variable anyone could write: it is dropped at start and counts for
 * nothing; the store is in Setup mode and a real PK can be enrolled. */
static void test_legacy_plain_pk(void **state)
{
	(void)state;
	struct harness h;
	struct tv_varsvc *svc;
	h_init(&h, 2, 2, 16);
	size_t e;
	uint8_t *esl = tv_test_esl_x509(evil, tv_test_owner, &e);
	uint8_t name[16];
	struct tv_store_var v = {.name = name, .name_size = (uint16_t)ucs2("PK", name),
				 .attrs = NV | BS | RT, .data = esl, .data_size = (uint32_t)e};
	memcpy(v.guid, GLOBAL.b, 16);
	assert_int_equal(tv_store_set(h.st, &v), TV_OK); /* as the old release would */
	free(esl);
	assert_int_equal(tv_varsvc_create(h.st, NULL, &svc), TV_OK);
	assert_int_equal(u8var(svc, "SecureBoot"), 0);
	assert_int_equal(u8var(svc, "SetupMode"), 1);
	assert_int_equal(varsize(svc, "PK", &GLOBAL), 0);
	assert_int_equal(set_cert(svc, "PK", &GLOBAL, KEYVAR, NULL, 4, pk, NULL, NULL, NULL),
			 EFI_SUCCESS);
	assert_int_equal(u8var(svc, "SetupMode"), 0);
	/* the old holder's key is nothing now */
	assert_int_equal(set_cert(svc, "KEK", &GLOBAL, KEYVAR, evil, 5, evil, NULL, NULL, NULL),
			 EFI_SECURITY_VIOLATION);
	stop(&h, svc);
}

/* The factory defaults' copies are made while the store may reload (a legacy
 * NV copy to delete, then an apply that fails): no pointer into store RAM is
 * kept across the write (AddressSanitizer would see it). */
static void test_mirror_defaults_uaf(void **state)
{
	(void)state;
	struct harness h;
	struct tv_varsvc *svc;
	h_init(&h, 2, 2, 16);
	size_t e;
	uint8_t *esl = tv_test_esl_x509(pk, tv_test_owner, &e);
	uint8_t name[32];
	struct tv_store_var v = {.name = name, .name_size = (uint16_t)ucs2("PKDefault", name),
				 .attrs = NV | BS, .data = esl, .data_size = (uint32_t)e};
	memcpy(v.guid, PLATFORM.b, 16);
	assert_int_equal(tv_store_set(h.st, &v), TV_OK); /* the factory default */
	v.attrs = NV | BS | RT;                              /* a legacy global NV copy */
	memcpy(v.guid, GLOBAL.b, 16);
	assert_int_equal(tv_store_set(h.st, &v), TV_OK);
	free(esl);
	/* the store must reload RAM after its next write (as after an uncertain
	 * write on a hostile route, or an allocation failure) */
	tv_store_test_fail_next_apply(h.st);
	assert_int_equal(tv_varsvc_create(h.st, NULL, &svc), TV_OK);
	assert_int_equal(varsize(svc, "PKDefault", &GLOBAL), e);
	stop(&h, svc);
}

/* A known limit, as in UEFI and EDK2 (docs/threat-model.md): an APPEND is not
 * checked against the stored timestamp, so an old signed APPEND can be replayed
 * after a signed full write removed its entries. Revocation belongs in dbx. */
static void test_append_replay(void **state)
{
	(void)state;
	struct harness h;
	struct tv_varsvc *svc = start(&h);
	enroll(svc);
	assert_int_equal(set_cert(svc, "db", &IMAGE, KEYVAR, kek, 4, db1, NULL, NULL, NULL),
			 EFI_SUCCESS);
	uint64_t only_db1 = varsize(svc, "db", &IMAGE);
	uint8_t *blob;
	size_t blob_n;
	assert_int_equal(set_cert(svc, "db", &IMAGE, KEYVAR | AP, kek, 5, db2, NULL, &blob, &blob_n),
			 EFI_SUCCESS);
	assert_true(varsize(svc, "db", &IMAGE) > only_db1);
	/* the owner removes db2 */
	assert_int_equal(set_cert(svc, "db", &IMAGE, KEYVAR, kek, 6, db1, NULL, NULL, NULL),
			 EFI_SUCCESS);
	assert_int_equal(varsize(svc, "db", &IMAGE), only_db1);
	tv_varsvc_ready_to_boot(svc);
	tv_varsvc_exit_boot_services(svc);
	/* anyone replays the old append */
	efi_status_t s = set(svc, "db", &IMAGE, KEYVAR | AP, blob, blob_n);
	assert_int_equal(s, EFI_SUCCESS);
	assert_true(varsize(svc, "db", &IMAGE) > only_db1);
	free(blob);
	stop(&h, svc);
}

/* After READY_TO_BOOT the caller is not the platform: AuditMode = 1 (which
 * clears PK unsigned from User mode) is refused, so nobody takes User mode
 * over through Audit mode. */
static void test_ready_phase_takeover(void **state)
{
	(void)state;
	struct harness h;
	struct tv_varsvc *svc = start(&h);
	enroll(svc);
	tv_varsvc_ready_to_boot(svc);
	uint8_t one = 1;
	assert_int_equal(set(svc, "AuditMode", &GLOBAL, BS | RT, &one, 1), EFI_WRITE_PROTECTED);
	assert_int_equal(set_cert(svc, "KEK", &GLOBAL, KEYVAR, NULL, 2, evil, NULL, NULL, NULL),
			 EFI_SECURITY_VIOLATION);
	assert_int_equal(u8var(svc, "SetupMode"), 0);
	assert_int_equal(u8var(svc, "AuditMode"), 0);
	stop(&h, svc);
}

/* Statuses pinned as docs/variable-service.md lists them. */
static void test_status_order(void **state)
{
	(void)state;
	struct harness h;
	struct tv_varsvc *svc = start(&h);
	uint8_t one = 1, two[2] = {1, 1};
	/* the attribute mismatch with the existing status variable comes first */
	assert_int_equal(set(svc, "SetupMode", &GLOBAL, NV | BS | RT, &one, 1),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(set(svc, "SetupMode", &GLOBAL, BS | RT, &one, 1), EFI_WRITE_PROTECTED);
	assert_int_equal(set(svc, "AuditMode", &GLOBAL, BS | RT, &one, 1), EFI_SUCCESS);
	/* read-only in the current mode comes before the size and delete rules */
	assert_int_equal(set(svc, "AuditMode", &GLOBAL, BS | RT, two, 2), EFI_WRITE_PROTECTED);
	assert_int_equal(set(svc, "AuditMode", &GLOBAL, 0, NULL, 0), EFI_WRITE_PROTECTED);
	assert_int_equal(set_cert(svc, "PK", &GLOBAL, KEYVAR, NULL, 1, pk, NULL, NULL, NULL),
			 EFI_SUCCESS);
	assert_int_equal(u8var(svc, "DeployedMode"), 1);
	uint8_t v2 = 2;
	assert_int_equal(set(svc, "DeployedMode", &GLOBAL, BS | RT, &v2, 1), EFI_INVALID_PARAMETER);
	/* a PK-signed APPEND to PK is taken and leaves two entries, as in EDK2 */
	uint64_t pk1 = varsize(svc, "PK", &GLOBAL);
	assert_int_equal(set_cert(svc, "PK", &GLOBAL, KEYVAR | AP, pk, 2, evil, NULL, NULL, NULL),
			 EFI_SUCCESS);
	assert_true(varsize(svc, "PK", &GLOBAL) > pk1);
	/* PKDefault holds one entry: no APPEND */
	size_t e1, e2;
	uint8_t *a = tv_test_esl_x509(pk, tv_test_owner, &e1);
	uint8_t *b = tv_test_esl_x509(evil, tv_test_owner, &e2);
	assert_int_equal(set(svc, "PKDefault", &PLATFORM, NV | BS, a, e1), EFI_SUCCESS);
	assert_int_equal(set(svc, "PKDefault", &PLATFORM, NV | BS | AP, b, e2),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(varsize(svc, "PKDefault", &GLOBAL), e1);
	free(a);
	free(b);
	stop(&h, svc);
}


/* A route that drops every write request after the first `pass` ones while armed. */
struct dropper {
	struct rpmb_dev inner;
	struct rpmb_emu *emu;
	bool armed;
	int pass;
	int seen;
	bool hold;                 /* keep the next write request instead of sending it */
	bool inject;               /* deliver the held request before the next write */
	uint8_t held[64 * 512];
	size_t held_n;
	int hold_skip;             /* writes let through before the hold */
	int inject_read;           /* deliver the held request at this counter read (1-based) */
	int drop_writes;           /* drop this many writes */
};

static int drop_info(void *ctx, struct rpmb_dev_info *info)
{
	struct dropper *d = ctx;
	return rpmb_dev_get_info(&d->inner, info);
}

static int drop_route(void *ctx, const uint8_t *req, size_t nreq, uint8_t *resp, size_t nresp)
{
	struct dropper *d = ctx;
	if (d->inject_read && rpmb_frame_type(req) == RPMB_REQ_READ_COUNTER && --d->inject_read == 0) {
		uint8_t r[512];
		uint32_t before = rpmb_emu_counter(d->emu);
		(void)rpmb_dev_route(&d->inner, d->held, d->held_n, r, 1);
		assert_int_equal(rpmb_emu_counter(d->emu), before + 1);
	}
	if (d->drop_writes && rpmb_frame_type(req) == RPMB_REQ_WRITE) {
		d->drop_writes--;
		return TV_EIO;
	}
	if (d->hold && rpmb_frame_type(req) == RPMB_REQ_WRITE && d->hold_skip > 0) {
		d->hold_skip--;
		return rpmb_dev_route(&d->inner, req, nreq, resp, nresp);
	}
	if (d->hold && rpmb_frame_type(req) == RPMB_REQ_WRITE) {
		memcpy(d->held, req, nreq * 512);
		d->held_n = nreq;
		d->hold = false;
		return TV_EIO;
	}
	if (d->inject && rpmb_frame_type(req) == RPMB_REQ_WRITE) {
		uint32_t before = rpmb_emu_counter(d->emu);
		uint8_t r[512];
		d->inject = false;
		(void)rpmb_dev_route(&d->inner, d->held, d->held_n, r, 1);
		assert_int_equal(rpmb_emu_counter(d->emu), before + 1);
	}
	if (d->armed && rpmb_frame_type(req) == RPMB_REQ_WRITE && d->seen++ >= d->pass)
		return TV_EIO;
	return rpmb_dev_route(&d->inner, req, nreq, resp, nresp);
}

static const struct rpmb_dev_ops drop_ops = {.get_info = drop_info, .route = drop_route};

/* From now on the route lets `pass` writes through and drops the rest. */
static void arm(struct dropper *d, int pass)
{
	d->armed = true;
	d->pass = pass;
	d->seen = 0;
}

/* start() with the device reached through the dropper d. */
static struct tv_varsvc *start_routed(struct harness *h, struct dropper *d)
{
	struct tv_varsvc *svc;
	h_init(h, 2, 2, 16);
	h_unmount(h);
	d->inner = rpmb_emu_dev(h->emu);
	d->emu = h->emu;
	assert_int_equal(h_mount_dev(h, (struct rpmb_dev){.ops = &drop_ops, .ctx = d}), TV_OK);
	assert_int_equal(tv_varsvc_create(h->st, NULL, &svc), TV_OK);
	return svc;
}

static int mode_rec(struct tv_store *st)
{
	uint8_t n[64];
	const struct tv_store_var *v = tv_store_get(st, PLATFORM.b, n, ucs2("SecureBootMode", n));
	return v && v->data_size == 1 ? v->data[0] : -1;
}

static bool pk_in_store(struct tv_store *st)
{
	uint8_t n[8];
	return tv_store_get(st, GLOBAL.b, n, ucs2("PK", n)) != NULL;
}

/* PK enrolled (User), then AuditMode = 1 with the route dropping every write
 * after the first `pass`: did that leave PK with the intent record (the request
 * failed, and so did its undo)? */
static bool failed_audit_request(struct harness *h, struct dropper *d, struct tv_varsvc *svc,
				 int pass)
{
	assert_int_equal(set_cert(svc, "PK", &GLOBAL, KEYVAR, NULL, 1, pk, NULL, NULL, NULL),
			 EFI_SUCCESS);
	uint8_t one = 1;
	arm(d, pass);
	efi_status_t s = set(svc, "AuditMode", &GLOBAL, BS | RT, &one, 1);
	d->armed = false;
	return s != EFI_SUCCESS && pk_in_store(h->st) && mode_rec(h->st) == 3;
}

/* AuditMode = 1 in User mode fails (the route drops the PK delete and the
 * undo): the caller is told so and stays in User mode, and so does the next
 * start, which undoes the recorded intent while PK is still there. */
static void test_failed_audit_request_applied_later(void **state)
{
	(void)state;
	bool shown = false;
	for (int pass = 0; pass < 6 && !shown; pass++) {
		struct harness h;
		struct dropper d = {0};
		struct tv_varsvc *svc = start_routed(&h, &d);
		if (failed_audit_request(&h, &d, svc, pass)) {
			assert_int_equal(u8var(svc, "SetupMode"), 0);
			tv_varsvc_destroy(svc);
			h_unmount(&h);
			assert_int_equal(h_mount(&h), TV_OK);
			assert_int_equal(tv_varsvc_create(h.st, NULL, &svc), TV_OK);
			assert_int_equal(u8var(svc, "AuditMode"), 0);
			assert_int_equal(u8var(svc, "SetupMode"), 0);
			assert_true(pk_in_store(h.st));
			assert_int_equal(set_cert(svc, "KEK", &GLOBAL, KEYVAR, NULL, 2, evil, NULL, NULL,
						  NULL),
					 EFI_SECURITY_VIOLATION);
			shown = true;
		}
		tv_varsvc_destroy(svc);
		h_fini(&h);
	}
	assert_true(shown);
}

/* A PK enrolment the route withheld (SetVariable failed, Setup mode kept)
 * lands later: the next SetVariable reloads the store and the mode with it,
 * so unsigned key writes are refused from then on. */
static void test_mode_not_rederived_after_reload(void **state)
{
	(void)state;
	struct harness h;
	struct dropper d = {0};
	struct tv_varsvc *svc;
	svc = start_routed(&h, &d);
	d.hold = true;
	efi_status_t s = set_cert(svc, "PK", &GLOBAL, KEYVAR, NULL, 1, pk, NULL, NULL, NULL);
	assert_int_not_equal(s, EFI_SUCCESS);
	uint8_t resp[512];
	assert_int_equal(rpmb_dev_route(&d.inner, d.held, d.held_n, resp, 1), TV_OK); /* lands */
	s = set_cert(svc, "KEK", &GLOBAL, KEYVAR, NULL, 2, evil, NULL, NULL, NULL);
	assert_true(pk_in_store(h.st));
	assert_int_equal(s, EFI_SECURITY_VIOLATION);
	assert_int_equal(u8var(svc, "SetupMode"), 0);
	assert_int_equal(set_cert(svc, "PK", &GLOBAL, KEYVAR, NULL, 3, evil, NULL, NULL, NULL),
			 EFI_SECURITY_VIOLATION);
	stop(&h, svc);
}

static efi_status_t set_blob(struct tv_varsvc *svc, const char *name, const efi_guid_t *g,
			     uint32_t attrs, const uint8_t *b, size_t n)
{
	return set(svc, name, g, attrs, b, n);
}

static uint8_t *make_db(const struct tv_test_key *signer, const struct tv_test_key *k, unsigned day,
			size_t *n)
{
	size_t e;
	uint8_t *esl = tv_test_esl_x509(k, tv_test_owner, &e);
	uint8_t *d = tv_test_auth2(signer, NULL, "db", &IMAGE, KEYVAR, ts(day), esl, e, n);
	free(esl);
	return d;
}

/* db's two attempts (PK, then KEK) share one parse, but not the timestamp
 * check: when the route lands a withheld newer db under the first attempt's
 * write, the second attempt sees it and refuses the older update. */
static void test_process_db_stale_timestamp(void **state)
{
	(void)state;
	struct harness h;
	struct dropper d = {0};
	struct tv_varsvc *svc;
	svc = start_routed(&h, &d);
	/* PK's certificate is also a KEK anchor */
	assert_int_equal(set_cert(svc, "KEK", &GLOBAL, KEYVAR, NULL, 1, pk, NULL, NULL, NULL),
			 EFI_SUCCESS);
	assert_int_equal(set_cert(svc, "PK", &GLOBAL, KEYVAR, NULL, 1, pk, NULL, NULL, NULL),
			 EFI_SUCCESS);
	size_t n4, n5, n6;
	uint8_t *b4 = make_db(pk, db1, 4, &n4), *b5 = make_db(pk, db2, 5, &n5),
		*b6 = make_db(pk, evil, 6, &n6);
	assert_int_equal(set_blob(svc, "db", &IMAGE, KEYVAR, b4, n4), EFI_SUCCESS);
	uint64_t sz_db1 = varsize(svc, "db", &IMAGE);
	/* the owner's T6 update: the route keeps its write back */
	d.hold = true;
	arm(&d, 0); /* and drop the KEK attempt's write */
	assert_int_not_equal(set_blob(svc, "db", &IMAGE, KEYVAR, b6, n6), EFI_SUCCESS);
	d.armed = false;
	/* the T5 update arrives; the route lands T6 just before its first write */
	d.inject = true;
	efi_status_t s = set_blob(svc, "db", &IMAGE, KEYVAR, b5, n5);
	uint8_t nm[8];
	const struct tv_store_var *v = tv_store_get(h.st, IMAGE.b, nm, ucs2("db", nm));
	(void)s;
	/* a fresh mount tells what is on the media: never rolled back to day 5 */
	tv_varsvc_destroy(svc);
	h_unmount(&h);
	assert_int_equal(h_mount(&h), TV_OK);
	v = tv_store_get(h.st, IMAGE.b, nm, ucs2("db", nm));
	assert_non_null(v);
	assert_int_equal(v->ext.timestamp[3], 6);
	(void)sz_db1;
	free(b4);
	free(b5);
	free(b6);
	h_fini(&h);
}

/* ---- a second review ---- */

static efi_status_t signed_pk_delete(struct tv_varsvc *svc, unsigned day)
{
	size_t n;
	uint8_t *d = tv_test_auth2(pk, NULL, "PK", &GLOBAL, KEYVAR, ts(day), NULL, 0, &n);
	efi_status_t s = set(svc, "PK", &GLOBAL, KEYVAR, d, n);
	free(d);
	return s;
}

/* Any SetVariable: the mode is derived from the store again. */
static void poke(struct tv_varsvc *svc)
{
	uint8_t b = 1;
	(void)set(svc, "Poke", &VENDOR, BS | RT, &b, 1);
}

/* A key variable must be written NV|BS|RT|AT, in every phase (EDK2 leaves the
 * rest to VarCheckUefiLib, not in force before EndOfDxe): a PK without RT
 * would be stored, yet not count as a key. */
static void test_key_without_rt(void **state)
{
	(void)state;
	struct harness h;
	struct tv_varsvc *svc = start(&h);
	assert_int_equal(set_cert(svc, "PK", &GLOBAL, NV | BS | AT, NULL, 1, pk, NULL, NULL, NULL),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(set_cert(svc, "KEK", &GLOBAL, NV | BS | AT, NULL, 1, kek, NULL, NULL, NULL),
			 EFI_INVALID_PARAMETER);
	poke(svc);
	assert_int_equal(u8var(svc, "SetupMode"), 1);
	assert_int_equal(varsize(svc, "PK", &GLOBAL), 0);
	stop(&h, svc);
}

/* A failed AuditMode request leaves the intent record with PK (User). The
 * owner then deletes PK with a signature: Setup, also at the next
 * SetVariable; a new PK gives User, not Deployed. */
static void test_stale_audit_record(void **state)
{
	(void)state;
	bool shown = false;
	for (int pass = 0; pass < 6 && !shown; pass++) {
		struct harness h;
		struct dropper d = {0};
		struct tv_varsvc *svc = start_routed(&h, &d);
		if (failed_audit_request(&h, &d, svc, pass)) {
			shown = true;
			assert_int_equal(u8var(svc, "SetupMode"), 0);
			assert_int_equal(signed_pk_delete(svc, 3), EFI_SUCCESS);
			poke(svc);
			assert_int_equal(u8var(svc, "SetupMode"), 1);
			assert_int_equal(u8var(svc, "AuditMode"), 0);
			assert_int_equal(set_cert(svc, "PK", &GLOBAL, KEYVAR, NULL, 4, pk, NULL, NULL,
						  NULL),
					 EFI_SUCCESS);
			poke(svc);
			assert_int_equal(u8var(svc, "DeployedMode"), 0);
			assert_int_equal(u8var(svc, "SetupMode"), 0);
		}
		stop(&h, svc);
	}
	assert_true(shown);
}

/* Deployed, the owner deletes PK (signed) and the route drops the record's
 * delete: Setup. A new PK then gives User, at once and at the next
 * SetVariable (the record left behind is replaced). */
static void test_stale_deployed_record(void **state)
{
	(void)state;
	bool shown = false;
	for (int pass = 0; pass < 6 && !shown; pass++) {
		struct harness h;
		struct dropper d = {0};
		struct tv_varsvc *svc = start_routed(&h, &d);
		assert_int_equal(set_cert(svc, "PK", &GLOBAL, KEYVAR, NULL, 1, pk, NULL, NULL, NULL),
				 EFI_SUCCESS);
		uint8_t one = 1;
		assert_int_equal(set(svc, "DeployedMode", &GLOBAL, BS | RT, &one, 1), EFI_SUCCESS);
		arm(&d, pass);
		efi_status_t s = signed_pk_delete(svc, 3);
		d.armed = false;
		if (s == EFI_SUCCESS && !pk_in_store(h.st) && mode_rec(h.st) == 2) {
			shown = true;
			assert_int_equal(u8var(svc, "SetupMode"), 1);
			assert_int_equal(set_cert(svc, "PK", &GLOBAL, KEYVAR, NULL, 4, pk, NULL, NULL,
						  NULL),
					 EFI_SUCCESS);
			assert_int_equal(u8var(svc, "DeployedMode"), 0);
			poke(svc);
			assert_int_equal(u8var(svc, "DeployedMode"), 0);
			svc = restart(&h, svc);
			assert_int_equal(u8var(svc, "DeployedMode"), 0);
		}
		stop(&h, svc);
	}
	assert_true(shown);
}

/* A failed AuditMode request whose PK delete the route held back and lands
 * at runtime: the mode only gets stricter after the boot-services phase, so
 * the OS is not handed Setup-mode (unsigned) key writes. */
static void test_late_audit_at_runtime(void **state)
{
	(void)state;
	bool shown = false;
	for (int skip = 0; skip < 6 && !shown; skip++) {
		struct harness h;
		struct dropper d = {0};
		struct tv_varsvc *svc = start_routed(&h, &d);
		enroll(svc);
		uint8_t one = 1;
		d.hold = true, d.hold_skip = skip;
		arm(&d, 0); /* and drop what follows the hold */
		efi_status_t s = set(svc, "AuditMode", &GLOBAL, BS | RT, &one, 1);
		d.armed = false, d.hold = false;
		if (s != EFI_SUCCESS && pk_in_store(h.st) && mode_rec(h.st) == 3 && d.held_n) {
			assert_int_equal(u8var(svc, "SetupMode"), 0);
			tv_varsvc_ready_to_boot(svc);
			tv_varsvc_exit_boot_services(svc);
			uint8_t resp[512];
			if (rpmb_dev_route(&d.inner, d.held, d.held_n, resp, 1) == TV_OK) {
				shown = true;
				uint8_t b = 1;
				(void)set(svc, "Poke", &VENDOR, NV | BS | RT, &b, 1);
				assert_int_equal(u8var(svc, "SetupMode"), 0);
				assert_int_equal(set_cert(svc, "KEK", &GLOBAL, KEYVAR, NULL, 7, evil, NULL,
							  NULL, NULL),
						 EFI_SECURITY_VIOLATION);
				assert_int_equal(set_cert(svc, "PK", &GLOBAL, KEYVAR, NULL, 7, evil, NULL,
							  NULL, NULL),
						 EFI_SECURITY_VIOLATION);
			}
		}
		stop(&h, svc);
	}
	assert_true(shown);
}

/* db's second attempt: the route lands a withheld newer db at a counter read
 * of the store step (the first attempt's write was dropped, so its outcome is
 * open). The older update never replaces it on the media. */
static void test_db_rollback_at_counter_read(void **state)
{
	(void)state;
	for (int nread = 1; nread <= 4; nread++) {
		struct harness h;
		struct dropper d = {0};
		struct tv_varsvc *svc = start_routed(&h, &d);
		assert_int_equal(set_cert(svc, "KEK", &GLOBAL, KEYVAR, NULL, 1, pk, NULL, NULL, NULL),
				 EFI_SUCCESS);
		assert_int_equal(set_cert(svc, "PK", &GLOBAL, KEYVAR, NULL, 1, pk, NULL, NULL, NULL),
				 EFI_SUCCESS);
		size_t n4, n5, n6;
		uint8_t *b4 = make_db(pk, db1, 4, &n4), *b5 = make_db(pk, db2, 5, &n5),
			*b6 = make_db(pk, evil, 6, &n6);
		assert_int_equal(set_blob(svc, "db", &IMAGE, KEYVAR, b4, n4), EFI_SUCCESS);
		d.hold = true; /* the owner's T6: its first write held, the rest dropped */
		arm(&d, 0);
		assert_int_not_equal(set_blob(svc, "db", &IMAGE, KEYVAR, b6, n6), EFI_SUCCESS);
		d.armed = false, d.hold = false;
		d.drop_writes = 1; /* T5: its PK attempt's write dropped */
		d.inject_read = nread;
		(void)set_blob(svc, "db", &IMAGE, KEYVAR, b5, n5);
		d.inject_read = 0, d.drop_writes = 0;
		tv_varsvc_destroy(svc);
		h_unmount(&h);
		assert_int_equal(h_mount(&h), TV_OK);
		uint8_t nm[8];
		const struct tv_store_var *v = tv_store_get(h.st, IMAGE.b, nm, ucs2("db", nm));
		assert_non_null(v);
		assert_int_not_equal(v->ext.timestamp[3], 5);
		free(b4), free(b5), free(b6);
		h_fini(&h);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deployed_not_persisted),
		cmocka_unit_test(test_vendorkeys_not_persisted),
		cmocka_unit_test(test_legacy_plain_pk),
		cmocka_unit_test(test_append_replay),
		cmocka_unit_test(test_ready_phase_takeover),
		cmocka_unit_test(test_status_order),
		cmocka_unit_test(test_failed_audit_request_applied_later),
		cmocka_unit_test(test_mode_not_rederived_after_reload),
		cmocka_unit_test(test_process_db_stale_timestamp),
		cmocka_unit_test(test_mirror_defaults_uaf),
		cmocka_unit_test(test_key_without_rt),
		cmocka_unit_test(test_stale_audit_record),
		cmocka_unit_test(test_stale_deployed_record),
		cmocka_unit_test(test_late_audit_at_runtime),
		cmocka_unit_test(test_db_rollback_at_counter_read),
	};
	return cmocka_run_group_tests(tests, keys_up, NULL);
}


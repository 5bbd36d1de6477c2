/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Time-based authenticated variables and Secure Boot through any
 * implementation (shared/spec/secure-boot-edk2.md, variable-semantics.md "Time-
 * based authenticated variables", the UEFI SCT authenticated checklist, U-Boot's
 * test_authvar cases). Keys are made at test time (tv_auth_util.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "conformance_priv.h"
#include "tv_auth_util.h"

#define NV EFI_VARIABLE_NON_VOLATILE
#define BS EFI_VARIABLE_BOOTSERVICE_ACCESS
#define RT EFI_VARIABLE_RUNTIME_ACCESS
#define AT EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS
#define AP EFI_VARIABLE_APPEND_WRITE
#define KEYVAR (NV | BS | RT | AT)

static const efi_guid_t GLOBAL = EFI_GLOBAL_VARIABLE_GUID;
static const efi_guid_t IMAGE = EFI_IMAGE_SECURITY_DATABASE_GUID;
static const efi_guid_t G1 = {{0x51, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
			       0xcc, 0xdd, 0xee, 0xff, 0x01}};

/* Made once for the group: generating RSA keys is the slow part. */
static struct tv_test_key *pk, *kek, *db1, *db2, *other, *priv_a, *priv_b;

static int keys_up(void **state)
{
	(void)state;
	pk = tv_test_key_new("Test PK", NULL);
	kek = tv_test_key_new("Test KEK", NULL);
	db1 = tv_test_key_new("Test db1", NULL);
	db2 = tv_test_key_new("Test db2", NULL);
	other = tv_test_key_new("Test PK", NULL); /* same name, another key */
	priv_a = tv_test_key_new("Private A", NULL);
	priv_b = tv_test_key_new("Private B", NULL);
	return 0;
}

static int keys_down(void **state)
{
	(void)state;
	struct tv_test_key **all[] = {&pk, &kek, &db1, &db2, &other, &priv_a, &priv_b};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		tv_test_key_free(*all[i]);
		*all[i] = NULL;
	}
	return 0;
}

/* 2020-04-dd hh:00:00 */
static const uint8_t *day(unsigned d, unsigned h)
{
	static uint8_t ring[8][16];
	static unsigned next;
	uint8_t *t = ring[next++ % 8];
	tv_test_efi_time(t, 2020, 4, d, h, 0, 0);
	return t;
}

/* SetVariable(name, guid, attrs) with a descriptor signed by signer (NULL:
 * unsigned) over payload. */
static efi_status_t set_auth(void *c, const char *name, const efi_guid_t *g, uint32_t attrs,
			     const struct tv_test_key *signer, const uint8_t *time,
			     const uint8_t *payload, size_t size)
{
	size_t n;
	uint8_t *d = tv_test_auth2(signer, NULL, name, g, attrs, time, payload, size, &n);
	efi_status_t s = ops->set(c, u(name), g, attrs, n, d);
	free(d);
	return s;
}

/* The same with an EFI_SIGNATURE_LIST of k's certificate as the payload. */
static efi_status_t set_cert(void *c, const char *name, const efi_guid_t *g, uint32_t attrs,
			     const struct tv_test_key *signer, const uint8_t *time,
			     const struct tv_test_key *k)
{
	size_t n;
	uint8_t *esl = tv_test_esl_x509(k, tv_test_owner, &n);
	efi_status_t s = set_auth(c, name, g, attrs, signer, time, esl, n);
	free(esl);
	return s;
}

/* A variable's value (malloc()ed) or NULL with *st set. */
static uint8_t *get(void *c, const char *name, const efi_guid_t *g, uint32_t *attrs,
		    uint64_t *size, efi_status_t *st)
{
	uint8_t *buf = malloc(64 * 1024);
	*size = 64 * 1024;
	efi_status_t s = ops->get(c, u(name), g, attrs, size, buf);
	if (st)
		*st = s;
	if (s != EFI_SUCCESS) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int u8var(void *c, const char *name)
{
	uint64_t size;
	efi_status_t st;
	uint8_t *v = get(c, name, &GLOBAL, NULL, &size, &st);
	int r = v && size == 1 ? v[0] : -1;
	free(v);
	return r;
}

static void assert_mode(void *c, int setup, int secure_boot, int audit, int deployed)
{
	assert_int_equal(u8var(c, "SetupMode"), setup);
	assert_int_equal(u8var(c, "SecureBoot"), secure_boot);
	assert_int_equal(u8var(c, "AuditMode"), audit);
	assert_int_equal(u8var(c, "DeployedMode"), deployed);
}

static long entries(void *c, const char *name, const efi_guid_t *g)
{
	uint64_t size;
	uint8_t *v = get(c, name, g, NULL, &size, NULL);
	if (!v)
		return -1;
	long n = 0;
	for (uint64_t off = 0; off + 28 <= size;) {
		uint32_t ls = v[off + 16] | v[off + 17] << 8 | v[off + 18] << 16 | (uint32_t)v[off + 19] << 24;
		uint32_t ss = v[off + 24] | v[off + 25] << 8 | v[off + 26] << 16 | (uint32_t)v[off + 27] << 24;
		if (ls < 28 || ss == 0 || off + ls > size)
			break;
		n += (ls - 28) / ss;
		off += ls;
	}
	free(v);
	return n;
}

/* db (by KEK), KEK (by PK), then PK: the enrolment recipe of
 * efivarfs-and-tools.md. In setup mode none of the signatures is checked. */
static void enroll(void *c)
{
	assert_int_equal(set_cert(c, "db", &IMAGE, KEYVAR, kek, day(4, 0), db1), EFI_SUCCESS);
	assert_int_equal(set_cert(c, "KEK", &GLOBAL, KEYVAR, pk, day(3, 0), kek), EFI_SUCCESS);
	assert_int_equal(set_cert(c, "PK", &GLOBAL, KEYVAR, pk, day(1, 0), pk), EFI_SUCCESS);
}

static void test_setup_mode_enrolment(void **state)
{
	void *c = ctx_of(state);
	assert_mode(c, 1, 0, 0, 0);
	assert_int_equal(u8var(c, "VendorKeys"), 1);
	uint64_t size;
	uint8_t *sup = get(c, "SignatureSupport", &GLOBAL, NULL, &size, NULL);
	assert_non_null(sup);
	assert_int_equal(size, 6 * 16);
	free(sup);
	/* U-Boot test_authvar 1b, 2b, 1d: attributes without 0x20, a raw list */
	assert_int_equal(set_cert(c, "PK", &GLOBAL, NV | BS | RT, pk, day(1, 0), pk),
			 EFI_INVALID_PARAMETER);
	size_t n;
	uint8_t *esl = tv_test_esl_x509(pk, tv_test_owner, &n);
	assert_int_equal(ops->set(c, u("PK"), &GLOBAL, KEYVAR, n, esl), EFI_SECURITY_VIOLATION);
	/* PK holds one signature; a list must be well formed even in setup mode */
	uint8_t *two = malloc(2 * n);
	memcpy(two, esl, n), memcpy(two + n, esl, n);
	assert_int_equal(set_auth(c, "PK", &GLOBAL, KEYVAR, NULL, day(1, 0), two, 2 * n),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(set_auth(c, "db", &IMAGE, KEYVAR, NULL, day(1, 0), esl, n - 1),
			 EFI_INVALID_PARAMETER);
	free(two);
	/* db under the global GUID is just a variable that needs its signer */
	enroll(c);
	assert_mode(c, 0, 1, 0, 0); /* before ExitBootServices SecureBoot follows at once */
	uint32_t attrs = 0;
	uint8_t *got = get(c, "PK", &GLOBAL, &attrs, &size, NULL);
	assert_non_null(got);
	assert_int_equal(attrs, KEYVAR);
	assert_int_equal(size, n);
	assert_memory_equal(got, esl, n); /* the list, without the descriptor */
	free(got);
	free(esl);
	assert_int_equal(entries(c, "db", &IMAGE), 1);
	assert_int_equal(entries(c, "db", &GLOBAL), -1); /* 6b */
	assert_int_equal(u8var(c, "VendorKeys"), 1); /* the firmware stage's own keys */
}

static void test_user_mode_signers(void **state)
{
	void *c = ctx_of(state);
	enroll(c);
	/* unsigned, wrongly signed, signed by a certificate with the PK's name */
	assert_int_equal(set_cert(c, "db", &IMAGE, KEYVAR, NULL, day(5, 0), db2),
			 EFI_SECURITY_VIOLATION);
	assert_int_equal(set_cert(c, "db", &IMAGE, KEYVAR, db1, day(5, 0), db2),
			 EFI_SECURITY_VIOLATION);
	assert_int_equal(set_cert(c, "KEK", &GLOBAL, KEYVAR, other, day(5, 0), db2),
			 EFI_SECURITY_VIOLATION);
	assert_int_equal(set_cert(c, "PK", &GLOBAL, KEYVAR, other, day(5, 0), other),
			 EFI_SECURITY_VIOLATION);
	/* KEK is signed by PK only */
	assert_int_equal(set_cert(c, "KEK", &GLOBAL, KEYVAR, kek, day(5, 0), db2),
			 EFI_SECURITY_VIOLATION);
	/* db by KEK (2c) or by PK */
	assert_int_equal(set_cert(c, "db", &IMAGE, KEYVAR, kek, day(5, 0), db2), EFI_SUCCESS);
	assert_int_equal(entries(c, "db", &IMAGE), 1);
	assert_int_equal(set_cert(c, "db", &IMAGE, KEYVAR, pk, day(6, 0), db1), EFI_SUCCESS);
	assert_int_equal(set_cert(c, "dbx", &IMAGE, KEYVAR, kek, day(6, 0), db2), EFI_SUCCESS);
	assert_int_equal(set_cert(c, "dbt", &IMAGE, KEYVAR, kek, day(6, 0), db2), EFI_SUCCESS);
	/* not a signature list, signed by KEK: INVALID_PARAMETER after the signature */
	uint8_t junk[40] = {1, 2, 3};
	assert_int_equal(set_auth(c, "db", &IMAGE, KEYVAR, kek, day(7, 0), junk, sizeof(junk)),
			 EFI_INVALID_PARAMETER);
	/* 4a, 4b: deletes without a descriptor */
	assert_int_equal(ops->set(c, u("db"), &IMAGE, NV | BS | RT, 0, NULL), EFI_INVALID_PARAMETER);
	assert_int_equal(ops->set(c, u("db"), &IMAGE, KEYVAR, 0, NULL), EFI_SECURITY_VIOLATION);
	assert_int_equal(ops->set(c, u("db"), &IMAGE, 0, 0, NULL), EFI_INVALID_PARAMETER);
	assert_int_equal(entries(c, "db", &IMAGE), 1);
	assert_mode(c, 0, 1, 0, 0);
}

static void test_timestamps_and_tampering(void **state)
{
	void *c = ctx_of(state);
	enroll(c);
	size_t n, d;
	uint8_t *esl = tv_test_esl_x509(db2, tv_test_owner, &n);
	uint8_t *good = tv_test_auth2(kek, NULL, "db", &IMAGE, KEYVAR, day(10, 0), esl, n, &d);
	assert_int_equal(ops->set(c, u("db"), &IMAGE, KEYVAR, d, good), EFI_SUCCESS);
	/* the same descriptor again, an equal and an older timestamp */
	assert_int_equal(ops->set(c, u("db"), &IMAGE, KEYVAR, d, good), EFI_SECURITY_VIOLATION);
	assert_int_equal(set_auth(c, "db", &IMAGE, KEYVAR, kek, day(10, 0), esl, n),
			 EFI_SECURITY_VIOLATION);
	assert_int_equal(set_auth(c, "db", &IMAGE, KEYVAR, kek, day(9, 23), esl, n),
			 EFI_SECURITY_VIOLATION);
	/* a flipped payload byte, a changed timestamp, a changed attribute */
	uint8_t *bad = tv_test_auth2(kek, NULL, "db", &IMAGE, KEYVAR, day(11, 0), esl, n, &d);
	bad[d - 1] ^= 1;
	assert_int_equal(ops->set(c, u("db"), &IMAGE, KEYVAR, d, bad), EFI_SECURITY_VIOLATION);
	bad[d - 1] ^= 1;
	bad[3] = 12; /* day 12: not what was signed */
	assert_int_equal(ops->set(c, u("db"), &IMAGE, KEYVAR, d, bad), EFI_SECURITY_VIOLATION);
	bad[3] = 11;
	bad[8] = 1; /* Nanosecond */
	assert_int_equal(ops->set(c, u("db"), &IMAGE, KEYVAR, d, bad), EFI_SECURITY_VIOLATION);
	bad[8] = 0;
	bad[22] = 0x02; /* wCertificateType */
	assert_int_equal(ops->set(c, u("db"), &IMAGE, KEYVAR, d, bad), EFI_SECURITY_VIOLATION);
	bad[22] = 0xf1;
	assert_int_equal(ops->set(c, u("db"), &IMAGE, KEYVAR | AP, d, bad), EFI_SECURITY_VIOLATION);
	assert_int_equal(ops->set(c, u("db"), &IMAGE, KEYVAR, d, bad), EFI_SUCCESS);
	free(bad);
	/* an append may be older (3c); the stored time stays the later one */
	assert_int_equal(set_cert(c, "db", &IMAGE, KEYVAR | AP, kek, day(2, 0), db1), EFI_SUCCESS);
	assert_int_equal(entries(c, "db", &IMAGE), 2);
	assert_int_equal(set_auth(c, "db", &IMAGE, KEYVAR, kek, day(10, 12), esl, n),
			 EFI_SECURITY_VIOLATION); /* not later than day 11 */
	/* a restart keeps the timestamp: the replay still fails */
	restart(state);
	c = ctx_of(state);
	assert_int_equal(ops->set(c, u("db"), &IMAGE, KEYVAR, d, good), EFI_SECURITY_VIOLATION);
	assert_int_equal(set_auth(c, "db", &IMAGE, KEYVAR, kek, day(12, 0), esl, n), EFI_SUCCESS);
	assert_int_equal(entries(c, "db", &IMAGE), 1);
	free(good);
	free(esl);
}

static void test_append_filters_duplicates(void **state)
{
	void *c = ctx_of(state);
	enroll(c);
	/* 3a, 3b */
	assert_int_equal(set_cert(c, "db", &IMAGE, NV | BS | AP, kek, day(5, 0), db2),
			 EFI_INVALID_PARAMETER);
	size_t n;
	uint8_t *esl1 = tv_test_esl_x509(db1, tv_test_owner, &n);
	assert_int_equal(ops->set(c, u("db"), &IMAGE, KEYVAR | AP, n, esl1), EFI_SECURITY_VIOLATION);
	/* db1 again and db2 new: only db2 is added */
	size_t m;
	uint8_t *esl2 = tv_test_esl_x509(db2, tv_test_owner, &m);
	uint8_t *both = malloc(n + m);
	memcpy(both, esl1, n), memcpy(both + n, esl2, m);
	assert_int_equal(set_auth(c, "db", &IMAGE, KEYVAR | AP, kek, day(5, 0), both, n + m),
			 EFI_SUCCESS);
	assert_int_equal(entries(c, "db", &IMAGE), 2);
	/* everything already there: success, nothing added */
	assert_int_equal(set_auth(c, "db", &IMAGE, KEYVAR | AP, kek, day(6, 0), both, n + m),
			 EFI_SUCCESS);
	uint64_t size;
	uint8_t *db = get(c, "db", &IMAGE, NULL, &size, NULL);
	assert_int_equal(size, n + m);
	assert_memory_equal(db, both, n + m);
	free(db);
	/* the same certificate under another owner is another entry */
	uint8_t owner2[16] = {0x22};
	free(esl1);
	esl1 = tv_test_esl_x509(db1, owner2, &n);
	assert_int_equal(set_auth(c, "db", &IMAGE, KEYVAR | AP, kek, day(7, 0), esl1, n),
			 EFI_SUCCESS);
	assert_int_equal(entries(c, "db", &IMAGE), 3);
	/* a hash appended to dbx that does not exist yet creates it */
	uint8_t hash[32] = {7};
	uint8_t *h = tv_test_esl_sha256(hash, tv_test_owner, &m);
	assert_int_equal(set_auth(c, "dbx", &IMAGE, KEYVAR | AP, kek, day(7, 0), h, m), EFI_SUCCESS);
	assert_int_equal(set_auth(c, "dbx", &IMAGE, KEYVAR | AP, kek, day(7, 0), h, m), EFI_SUCCESS);
	assert_int_equal(entries(c, "dbx", &IMAGE), 1);
	/* PK appends are not filtered and only the new part is checked: EDK2 */
	free(h);
	free(both);
	free(esl1);
	free(esl2);
}

static void test_pk_delete_returns_to_setup(void **state)
{
	void *c = ctx_of(state);
	enroll(c);
	/* 5a: an empty write without descriptor; an unsigned empty one */
	assert_int_equal(ops->set(c, u("PK"), &GLOBAL, KEYVAR, 0, NULL), EFI_SECURITY_VIOLATION);
	assert_int_equal(set_auth(c, "PK", &GLOBAL, KEYVAR, NULL, day(2, 0), NULL, 0),
			 EFI_SECURITY_VIOLATION);
	assert_int_equal(set_auth(c, "PK", &GLOBAL, KEYVAR, other, day(2, 0), NULL, 0),
			 EFI_SECURITY_VIOLATION);
	/* 5b: signed by PK, a later timestamp */
	assert_int_equal(set_auth(c, "PK", &GLOBAL, KEYVAR, pk, day(2, 0), NULL, 0), EFI_SUCCESS);
	assert_int_equal(entries(c, "PK", &GLOBAL), -1);
	assert_mode(c, 1, 0, 0, 0);
	assert_int_equal(entries(c, "KEK", &GLOBAL), 1); /* KEK and db stay */
	assert_int_equal(entries(c, "db", &IMAGE), 1);
	/* setup mode again: KEK is replaced without a signature */
	assert_int_equal(set_cert(c, "KEK", &GLOBAL, KEYVAR, NULL, day(1, 0), db2), EFI_SUCCESS);
	restart(state);
	assert_mode(ctx_of(state), 1, 0, 0, 0);
}

static void test_runtime_enrolment(void **state)
{
	void *c = ctx_of(state);
	to_runtime(c);
	enroll(c);
	/* EDK2: SetupMode follows at once, SecureBoot at the next boot */
	assert_int_equal(u8var(c, "SetupMode"), 0);
	assert_int_equal(u8var(c, "SecureBoot"), 0);
	/* a key change by the OS without the platform's signature */
	assert_int_equal(u8var(c, "VendorKeys"), 0);
	/* read-only at runtime comes first (VarCheckLib; a Linux client asks too) */
	assert_int_equal(set_cert(c, "AuditMode", &GLOBAL, BS | RT, NULL, day(1, 0), pk),
			 EFI_WRITE_PROTECTED);
	assert_int_equal(ops->set(c, u("AuditMode"), &GLOBAL, BS | RT, 1, "\1"),
			 EFI_WRITE_PROTECTED);
	assert_int_equal(ops->set(c, u("SetupMode"), &GLOBAL, BS | RT, 1, "\1"),
			 EFI_WRITE_PROTECTED);
	restart(state);
	c = ctx_of(state);
	assert_mode(c, 0, 1, 0, 0);
	assert_int_equal(u8var(c, "VendorKeys"), 0);
}

static void test_audit_and_deployed_modes(void **state)
{
	void *c = ctx_of(state);
	/* Setup -> Audit */
	assert_int_equal(ops->set(c, u("DeployedMode"), &GLOBAL, BS | RT, 1, "\1"),
			 EFI_WRITE_PROTECTED);
	assert_int_equal(ops->set(c, u("AuditMode"), &GLOBAL, BS | RT, 1, "\2"),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(ops->set(c, u("AuditMode"), &GLOBAL, BS | RT, 0, NULL),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(ops->set(c, u("AuditMode"), &GLOBAL, BS | RT, 1, "\1"), EFI_SUCCESS);
	assert_mode(c, 1, 0, 1, 0);
	assert_int_equal(ops->set(c, u("AuditMode"), &GLOBAL, BS | RT, 1, "\0"),
			 EFI_WRITE_PROTECTED);
	var_check_property_t p;
	assert_int_equal(ops->property_get(c, u("AuditMode"), &GLOBAL, &p), EFI_SUCCESS);
	assert_true(p.property & VAR_CHECK_VARIABLE_PROPERTY_READ_ONLY);
	restart(state);
	c = ctx_of(state);
	assert_mode(c, 1, 0, 1, 0);
	/* Audit -> Deployed by enrolling PK */
	enroll(c);
	assert_mode(c, 0, 1, 0, 1);
	restart(state);
	c = ctx_of(state);
	assert_mode(c, 0, 1, 0, 1);
	assert_int_equal(ops->set(c, u("AuditMode"), &GLOBAL, BS | RT, 1, "\1"),
			 EFI_WRITE_PROTECTED);
	/* Deployed -> User: the platform's method, in the boot-services phase */
	assert_int_equal(ops->set(c, u("DeployedMode"), &GLOBAL, BS | RT, 1, "\0"), EFI_SUCCESS);
	assert_mode(c, 0, 1, 0, 0);
	/* User -> Deployed, and back to User */
	assert_int_equal(ops->set(c, u("DeployedMode"), &GLOBAL, BS | RT, 1, "\1"), EFI_SUCCESS);
	assert_mode(c, 0, 1, 0, 1);
	assert_int_equal(ops->set(c, u("DeployedMode"), &GLOBAL, BS | RT, 1, "\0"), EFI_SUCCESS);
	/* User -> Audit clears PK */
	assert_int_equal(ops->set(c, u("AuditMode"), &GLOBAL, BS | RT, 1, "\1"), EFI_SUCCESS);
	assert_mode(c, 1, 0, 1, 0);
	assert_int_equal(entries(c, "PK", &GLOBAL), -1);
	assert_int_equal(entries(c, "KEK", &GLOBAL), 1);
	/* from ready-to-boot on DeployedMode = 0 is not the platform any more */
	enroll(c);
	assert_int_equal(ops->ready_to_boot(c), EFI_SUCCESS);
	assert_int_equal(ops->set(c, u("DeployedMode"), &GLOBAL, BS | RT, 1, "\0"),
			 EFI_WRITE_PROTECTED);
	assert_int_equal(ops->exit_boot_services(c), EFI_SUCCESS);
	assert_int_equal(ops->set(c, u("DeployedMode"), &GLOBAL, BS | RT, 1, "\0"),
			 EFI_WRITE_PROTECTED);
	/* PK deleted (signed) in Deployed mode: Setup mode */
	assert_int_equal(set_auth(c, "PK", &GLOBAL, KEYVAR, pk, day(2, 0), NULL, 0), EFI_SUCCESS);
	assert_int_equal(u8var(c, "SetupMode"), 1);
	assert_int_equal(u8var(c, "DeployedMode"), 0);
	restart(state);
	assert_mode(ctx_of(state), 1, 0, 0, 0);
}

static void test_private_variables(void **state)
{
	void *c = ctx_of(state);
	const uint8_t data1[] = "first", data2[] = "second";
	assert_int_equal(set_auth(c, "Priv", &G1, KEYVAR, priv_a, day(5, 0), data1, 5), EFI_SUCCESS);
	uint64_t size;
	uint32_t attrs;
	uint8_t *v = get(c, "Priv", &G1, &attrs, &size, NULL);
	assert_int_equal(size, 5);
	assert_int_equal(attrs, KEYVAR);
	assert_memory_equal(v, data1, 5);
	free(v);
	/* the first signer is bound, across a restart too */
	assert_int_equal(set_auth(c, "Priv", &G1, KEYVAR, priv_b, day(6, 0), data2, 6),
			 EFI_SECURITY_VIOLATION);
	restart(state);
	c = ctx_of(state);
	assert_int_equal(set_auth(c, "Priv", &G1, KEYVAR, priv_b, day(6, 0), data2, 6),
			 EFI_SECURITY_VIOLATION);
	assert_int_equal(set_auth(c, "Priv", &G1, KEYVAR, priv_a, day(6, 0), data2, 6), EFI_SUCCESS);
	/* the same certificate with another digest size is refused, as in EDK2 */
	size_t n;
	uint8_t *d = tv_test_auth2(priv_a, EVP_sha384(), "Priv", &G1, KEYVAR, day(7, 0), data1, 5,
				   &n);
	assert_int_equal(ops->set(c, u("Priv"), &G1, KEYVAR, n, d), EFI_SECURITY_VIOLATION);
	free(d);
	assert_int_equal(set_auth(c, "Priv", &G1, KEYVAR | AP, priv_a, day(1, 0), data1, 5),
			 EFI_SUCCESS);
	v = get(c, "Priv", &G1, NULL, &size, NULL);
	assert_int_equal(size, 11);
	free(v);
	/* a plain write over it: mismatch; attributes 0: write-protected */
	assert_int_equal(ops->set(c, u("Priv"), &G1, NV | BS | RT, 1, "x"), EFI_INVALID_PARAMETER);
	assert_int_equal(ops->set(c, u("Priv"), &G1, 0, 0, NULL), EFI_WRITE_PROTECTED);
	/* delete: by its signer only, then NOT_FOUND; a new one may start over */
	assert_int_equal(set_auth(c, "Priv", &G1, KEYVAR, priv_b, day(8, 0), NULL, 0),
			 EFI_SECURITY_VIOLATION);
	assert_int_equal(set_auth(c, "Priv", &G1, KEYVAR, priv_a, day(8, 0), NULL, 0), EFI_SUCCESS);
	assert_int_equal(entries(c, "Priv", &G1), -1);
	assert_int_equal(set_auth(c, "Priv", &G1, KEYVAR, priv_a, day(9, 0), NULL, 0),
			 EFI_NOT_FOUND);
	assert_int_equal(set_auth(c, "Priv", &G1, KEYVAR, priv_b, day(1, 0), data1, 5), EFI_SUCCESS);
	/* volatile private variables too */
	assert_int_equal(set_auth(c, "PrivV", &G1, BS | RT | AT, priv_a, day(1, 0), data1, 5),
			 EFI_SUCCESS);
	assert_int_equal(set_auth(c, "PrivV", &G1, BS | RT | AT, priv_b, day(2, 0), data2, 6),
			 EFI_SECURITY_VIOLATION);
}

/* Real Secure Boot sizes through the transport: a db of 50 certificates and a
 * dbx of 40 KiB, set, appended and read back. */
static void test_secure_boot_sizes(void **state)
{
	void *c = ctx_of(state);
	enroll(c);
	uint8_t *db = NULL;
	size_t db_size = 0;
	for (int i = 0; i < 50; i++) {
		char cn[32];
		snprintf(cn, sizeof(cn), "Test db certificate %02d", i);
		struct tv_test_key *k = tv_test_key_reuse(cn, db1);
		size_t n;
		uint8_t *esl = tv_test_esl_x509(k, tv_test_owner, &n);
		db = realloc(db, db_size + n);
		memcpy(db + db_size, esl, n);
		db_size += n;
		free(esl);
		tv_test_key_free(k);
	}
	efi_status_t big = set_auth(c, "db", &IMAGE, KEYVAR, kek, day(10, 0), db, db_size);
	if (big != EFI_SUCCESS)
		fprintf(stderr, "# db of %zu bytes: 0x%llx\n", db_size, (unsigned long long)big);
	assert_int_equal(big,
			 EFI_SUCCESS);
	assert_int_equal(entries(c, "db", &IMAGE), 50);
	assert_int_equal(set_cert(c, "db", &IMAGE, KEYVAR | AP, kek, day(11, 0), db2), EFI_SUCCESS);
	assert_int_equal(entries(c, "db", &IMAGE), 51);
	uint64_t size;
	uint8_t *back = get(c, "db", &IMAGE, NULL, &size, NULL);
	assert_true(size > db_size);
	assert_memory_equal(back, db, db_size);
	free(back);
	free(db);
	size_t xn;
	uint8_t *dbx = tv_test_esl_hashes(853, 1, &xn); /* 28 + 853 * 48 = 40,972 bytes */
	assert_true(xn >= 40 * 1024);
	assert_int_equal(set_auth(c, "dbx", &IMAGE, KEYVAR, kek, day(10, 0), dbx, xn), EFI_SUCCESS);
	size_t an;
	uint8_t *more = tv_test_esl_hashes(860, 1, &an); /* 853 known + 7 new */
	assert_int_equal(set_auth(c, "dbx", &IMAGE, KEYVAR | AP, kek, day(11, 0), more, an),
			 EFI_SUCCESS);
	assert_int_equal(entries(c, "dbx", &IMAGE), 860);
	back = get(c, "dbx", &IMAGE, NULL, &size, NULL);
	assert_int_equal(size, xn + 28 + 7 * 48);
	assert_memory_equal(back, dbx, xn);
	free(back);
	free(more);
	free(dbx);
}

static const struct CMUnitTest auth_tests[] = {
	cmocka_unit_test_setup_teardown(test_setup_mode_enrolment, setup, teardown),
	cmocka_unit_test_setup_teardown(test_user_mode_signers, setup, teardown),
	cmocka_unit_test_setup_teardown(test_timestamps_and_tampering, setup, teardown),
	cmocka_unit_test_setup_teardown(test_append_filters_duplicates, setup, teardown),
	cmocka_unit_test_setup_teardown(test_pk_delete_returns_to_setup, setup, teardown),
	cmocka_unit_test_setup_teardown(test_runtime_enrolment, setup, teardown),
	cmocka_unit_test_setup_teardown(test_audit_and_deployed_modes, setup, teardown),
	cmocka_unit_test_setup_teardown(test_private_variables, setup, teardown),
	cmocka_unit_test_setup_teardown(test_secure_boot_sizes, setup, teardown),
};

const struct CMUnitTest *conformance_auth_tests(size_t *n)
{
	*n = sizeof(auth_tests) / sizeof(auth_tests[0]);
	return auth_tests;
}

int conformance_auth_keys_up(void **state)
{
	return keys_up(state);
}

int conformance_auth_keys_down(void **state)
{
	return keys_down(state);
}

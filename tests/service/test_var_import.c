/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The import and export of whole stores (include/teevar/var_transfer.h):
 * what an import stores is read back through the MM path (tv_client over
 * inproc:), the times it keeps decide later signed writes, the Secure Boot
 * mode follows an imported PK, every refusal stores nothing, and
 * export -> import -> export is the identity. argv[1]: the teevard binary
 * (for the unix: refusal).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <teevar/client.h>
#include <teevar/store_info.h>
#include <teevar/transport.h>
#include <teevar/var_transfer.h>

#include "fake_tee.h"
#include "rpmb_emu.h"
#include "secure_core.h"
#include "transport_optee.h"
#include "tv_auth_util.h"
#include "tv_test_util.h"
#include "tvd_harness.h"
#include "var_import.h"

#define NV 0x1u
#define BS 0x2u
#define RT 0x4u
#define HR 0x8u
#define AT 0x20u
#define KEYATTRS (NV | BS | RT | AT)

static const efi_guid_t global = EFI_GLOBAL_VARIABLE_GUID;
static const efi_guid_t imgsec = EFI_IMAGE_SECURITY_DATABASE_GUID;
static const efi_guid_t vendor = {{0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x01, 0x23,
				   0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}};
/* teevar's platform GUID 171c99b8-4321-4775-aaca-d8ec51ffa051 */
static const efi_guid_t platform = {{0xb8, 0x99, 0x1c, 0x17, 0x21, 0x43, 0x75, 0x47, 0xaa, 0xca,
				     0xd8, 0xec, 0x51, 0xff, 0xa0, 0x51}};
/* EDK2 AuthVariableLib's d9bee56e-75dc-49d9-b4d7-b534210f637a (certdb) */
static const efi_guid_t edk2_auth = {{0x6e, 0xe5, 0xbe, 0xd9, 0xdc, 0x75, 0xd9, 0x49, 0xb4, 0xd7,
				      0xb5, 0x34, 0x21, 0x0f, 0x63, 0x7a}};
/* 414e6bdd-e47b-47cc-b244-bb61020cf516 */
static const efi_guid_t hwerr = {{0xdd, 0x6b, 0x4e, 0x41, 0x7b, 0xe4, 0xcc, 0x47, 0xb2, 0x44,
				  0xbb, 0x61, 0x02, 0x0c, 0xf5, 0x16}};

/* ---- names and variables ---- */

#define MAX_NAMES 256
static efi_char16_t names[MAX_NAMES][64];
static unsigned names_used;

static const efi_char16_t *u16(const char *ascii)
{
	assert_true(names_used < MAX_NAMES);
	efi_char16_t *n = names[names_used++];
	tvd_ucs2(n, ascii);
	return n;
}

static struct tv_xfer_var xv(const char *name, const efi_guid_t *g, uint32_t attrs,
			     const void *data, size_t size, const uint8_t *time)
{
	struct tv_xfer_var v = {.guid = *g, .name = u16(name), .name_size = 2 * (strlen(name) + 1),
				.attrs = attrs, .data = data, .data_size = size};
	if (time) {
		v.has_time = true;
		memcpy(v.time, time, 16);
	}
	return v;
}

/* A Boot#### load option: active, description "T", the End device path. */
static const uint8_t boot_opt[] = {1, 0, 0, 0, 4, 0, 'T', 0, 0, 0, 0x7f, 0xff, 4, 0};
static const uint8_t boot_order[] = {1, 0};

/* ---- the fixture: a fresh state directory, a client over inproc: ---- */

struct fix {
	char *dir;
	struct tv_transport t;   /* a copy: the client owns it */
	struct tv_client *c;
	struct tv_test_key *pk, *kek, *other;
	uint8_t *pk_esl, *kek_esl, *db_esl, *dbx_esl;
	size_t pk_n, kek_n, db_n, dbx_n;
	uint8_t t2020[16], t2021[16], t2022[16], t2019[16];
};

static struct tv_test_key *pk_key, *kek_key, *other_key; /* made once: RSA is slow */

static void open_core(struct fix *x, const char *dir)
{
	assert_int_equal(tv_transport_inproc_open(dir, &x->t), 0);
	assert_int_equal(tv_client_open(x->t, &x->c), EFI_SUCCESS);
}

static void reopen(struct fix *x)
{
	tv_client_close(x->c);
	open_core(x, x->dir);
}

static int setup(void **state)
{
	struct fix *x = calloc(1, sizeof(*x));
	if (!x)
		return -1;
	names_used = 0;
	x->dir = tv_test_tmpdir();
	open_core(x, x->dir);
	x->pk = pk_key;
	x->kek = kek_key;
	x->other = other_key;
	x->pk_esl = tv_test_esl_x509(x->pk, tv_test_owner, &x->pk_n);
	x->kek_esl = tv_test_esl_x509(x->kek, tv_test_owner, &x->kek_n);
	x->db_esl = tv_test_esl_hashes(3, 1, &x->db_n);
	x->dbx_esl = tv_test_esl_hashes(2, 2, &x->dbx_n);
	tv_test_efi_time(x->t2019, 2019, 1, 1, 0, 0, 0);
	tv_test_efi_time(x->t2020, 2020, 6, 1, 12, 0, 0);
	tv_test_efi_time(x->t2021, 2021, 1, 1, 0, 0, 0);
	tv_test_efi_time(x->t2022, 2022, 1, 1, 0, 0, 0);
	tv_import_test_fail_write(0);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fix *x = *state;
	tv_import_test_fail_write(0);
	tv_client_close(x->c);
	tv_test_rmtree(x->dir);
	free(x->dir);
	free(x->pk_esl);
	free(x->kek_esl);
	free(x->db_esl);
	free(x->dbx_esl);
	free(x);
	return 0;
}

/* ---- reading back ---- */

static void expect_var(struct fix *x, const struct tv_xfer_var *v)
{
	uint8_t buf[70000];
	size_t size = sizeof(buf);
	uint32_t attrs = 0;
	assert_int_equal(tv_get_variable(x->c, v->name, &v->guid, &attrs, &size, buf), EFI_SUCCESS);
	assert_int_equal(attrs, v->attrs);
	assert_int_equal(size, v->data_size);
	assert_memory_equal(buf, v->data, size);
}

static void expect_absent(struct fix *x, const struct tv_xfer_var *v)
{
	uint8_t buf[16];
	size_t size = sizeof(buf);
	efi_status_t s = tv_get_variable(x->c, v->name, &v->guid, NULL, &size, buf);
	assert_int_equal(s, EFI_NOT_FOUND);
}

static uint8_t get_u8(struct fix *x, const char *name)
{
	uint8_t b = 0xee;
	size_t size = 1;
	assert_int_equal(tv_get_variable(x->c, u16(name), &global, NULL, &size, &b), EFI_SUCCESS);
	return b;
}

/* Every variable GetNextVariableName walks: a digest of names and GUIDs. */
static unsigned list_count(struct fix *x, uint64_t *digest)
{
	efi_char16_t name[1024] = {0};
	efi_guid_t g = {{0}};
	unsigned n = 0;
	*digest = 1469598103934665603ull;
	for (;;) {
		size_t size = sizeof(name);
		efi_status_t s = tv_get_next_variable(x->c, &size, name, &g);
		if (s == EFI_NOT_FOUND)
			return n;
		assert_int_equal(s, EFI_SUCCESS);
		n++;
		const uint8_t *p = (const uint8_t *)name;
		for (size_t i = 0; i < size; i++)
			*digest = (*digest ^ p[i]) * 1099511628211ull;
		for (size_t i = 0; i < 16; i++)
			*digest = (*digest ^ g.b[i]) * 1099511628211ull;
	}
}

static uint32_t write_counter(struct fix *x)
{
	struct tv_store_info info;
	assert_int_equal(tv_transport_store_info(&x->t, &info), 0);
	return info.write_counter;
}

/* ---- export lists ---- */

struct xlist {
	size_t n;
	struct tv_xfer_var v[128];
	uint8_t *buf[128];
};

static int collect(void *arg, const struct tv_xfer_var *v)
{
	struct xlist *l = arg;
	assert_true(l->n < 128);
	uint8_t *b = malloc(v->name_size + v->data_size + 1);
	assert_non_null(b);
	memcpy(b, v->name, v->name_size);
	memcpy(b + v->name_size, v->data, v->data_size);
	l->buf[l->n] = b;
	l->v[l->n] = *v;
	l->v[l->n].name = (const efi_char16_t *)(void *)b;
	l->v[l->n].data = b + v->name_size;
	l->n++;
	return 0;
}

static void xlist_free(struct xlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->buf[i]);
	l->n = 0;
}

static const struct tv_xfer_var *xlist_find(const struct xlist *l, const struct tv_xfer_var *v)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].name_size == v->name_size && !memcmp(&l->v[i].guid, &v->guid, 16) &&
		    !memcmp(l->v[i].name, v->name, v->name_size))
			return &l->v[i];
	return NULL;
}

static void assert_same_var(const struct tv_xfer_var *a, const struct tv_xfer_var *b)
{
	assert_int_equal(a->name_size, b->name_size);
	assert_memory_equal(a->name, b->name, a->name_size);
	assert_memory_equal(&a->guid, &b->guid, 16);
	assert_int_equal(a->attrs, b->attrs);
	assert_int_equal(a->data_size, b->data_size);
	assert_memory_equal(a->data, b->data, a->data_size);
	assert_int_equal(a->has_time, b->has_time);
	if (a->has_time)
		assert_memory_equal(a->time, b->time, 16);
}

/* ---- the set most tests import ---- */

static size_t typical(struct fix *x, struct tv_xfer_var *v, bool with_pk)
{
	size_t n = 0;
	v[n++] = xv("Boot0001", &global, NV | BS | RT, boot_opt, sizeof(boot_opt), NULL);
	v[n++] = xv("BootOrder", &global, NV | BS | RT, boot_order, sizeof(boot_order), NULL);
	v[n++] = xv("VendorRt", &vendor, NV | BS | RT, "rt-data", 7, NULL);
	v[n++] = xv("VendorBsOnly", &vendor, NV | BS, "bs-only", 7, NULL);
	v[n++] = xv("PKDefault", &platform, NV | BS, x->pk_esl, x->pk_n, NULL);
	v[n++] = xv("dbDefault", &platform, NV | BS, x->db_esl, x->db_n, NULL);
	v[n++] = xv("HwErrRec0001", &hwerr, NV | BS | RT | HR, "err", 3, NULL);
	v[n++] = xv("Private", &vendor, KEYATTRS, "private", 7, x->t2020);
	if (with_pk)
		v[n++] = xv("PK", &global, KEYATTRS, x->pk_esl, x->pk_n, x->t2020);
	v[n++] = xv("KEK", &global, KEYATTRS, x->kek_esl, x->kek_n, x->t2020);
	v[n++] = xv("db", &imgsec, KEYATTRS, x->db_esl, x->db_n, x->t2020);
	v[n++] = xv("dbx", &imgsec, KEYATTRS, x->dbx_esl, x->dbx_n, x->t2020);
	return n;
}

/* ---- tests ---- */

static void test_import_reads_back(void **state)
{
	struct fix *x = *state;
	struct tv_xfer_var v[16];
	struct tv_import_result r[16];
	struct tv_import_summary sum;
	size_t n = typical(x, v, false);
	assert_int_equal(tv_transport_import(&x->t, v, n, TV_IMPORT_REFUSE, false, r, &sum), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(r[i].action, TV_IMPORT_NEW);
		assert_string_equal(r[i].why, "");
	}
	assert_int_equal(sum.added, n);
	assert_int_equal(sum.replaced + sum.same + sum.skipped + sum.ignored, 0);
	assert_string_equal(sum.mode, "setup");
	for (size_t i = 0; i < n; i++)
		expect_var(x, &v[i]);
	/* the factory default's global copy follows */
	struct tv_xfer_var copy = xv("dbDefault", &global, BS | RT, x->db_esl, x->db_n, NULL);
	expect_var(x, &copy);
	assert_int_equal(get_u8(x, "SetupMode"), 1);
	assert_int_equal(get_u8(x, "SecureBoot"), 0);
	/* and after a restart, from the store */
	reopen(x);
	for (size_t i = 0; i < n; i++)
		expect_var(x, &v[i]);
	assert_int_equal(get_u8(x, "SetupMode"), 1);
}

static efi_status_t signed_set(struct fix *x, const struct tv_test_key *k, const char *name,
			       const efi_guid_t *g, const uint8_t time[16], const uint8_t *payload,
			       size_t size)
{
	size_t n;
	uint8_t *d = tv_test_auth2(k, NULL, name, g, KEYATTRS, time, payload, size, &n);
	efi_status_t s = tv_set_variable(x->c, u16(name), g, KEYATTRS, n, d);
	free(d);
	return s;
}

static void test_pk_gives_user_mode_and_times_count(void **state)
{
	struct fix *x = *state;
	struct tv_xfer_var v[16];
	struct tv_import_result r[16];
	struct tv_import_summary sum;
	size_t n = typical(x, v, true);
	assert_int_equal(tv_transport_import(&x->t, v, n, TV_IMPORT_REFUSE, false, r, &sum), 0);
	assert_string_equal(sum.mode, "user");
	assert_int_equal(get_u8(x, "SetupMode"), 0);
	assert_int_equal(get_u8(x, "SecureBoot"), 1);
	reopen(x);
	assert_int_equal(get_u8(x, "SetupMode"), 0);
	assert_int_equal(get_u8(x, "SecureBoot"), 1);
	/* An unsigned key write is refused now: user mode. */
	assert_int_equal(signed_set(x, NULL, "db", &imgsec, x->t2022, x->db_esl, x->db_n),
			 EFI_SECURITY_VIOLATION);
	/* db carries the imported time: a PK-signed write older than it is a
	 * replay, a newer one goes through. */
	uint8_t *esl;
	size_t esl_n;
	esl = tv_test_esl_hashes(1, 9, &esl_n);
	assert_int_equal(signed_set(x, x->pk, "db", &imgsec, x->t2019, esl, esl_n),
			 EFI_SECURITY_VIOLATION);
	assert_int_equal(signed_set(x, x->pk, "db", &imgsec, x->t2020, esl, esl_n),
			 EFI_SECURITY_VIOLATION); /* not later: equal */
	assert_int_equal(signed_set(x, x->pk, "db", &imgsec, x->t2021, esl, esl_n), EFI_SUCCESS);
	struct tv_xfer_var db = xv("db", &imgsec, KEYATTRS, esl, esl_n, NULL);
	expect_var(x, &db);
	/* KEK signs db: the imported KEK is a key */
	assert_int_equal(signed_set(x, x->kek, "db", &imgsec, x->t2022, x->db_esl, x->db_n),
			 EFI_SUCCESS);
	free(esl);
}

static void test_private_variable_time_and_binding(void **state)
{
	struct fix *x = *state;
	struct tv_xfer_var v = xv("Private", &vendor, KEYATTRS, "private", 7, x->t2020);
	struct tv_import_result r;
	assert_int_equal(tv_transport_import(&x->t, &v, 1, TV_IMPORT_REFUSE, false, &r, NULL), 0);
	const uint8_t *p2 = (const uint8_t *)"second";
	assert_int_equal(signed_set(x, x->other, "Private", &vendor, x->t2019, p2, 6),
			 EFI_SECURITY_VIOLATION);
	/* no binding yet: the first signed write binds its signer */
	assert_int_equal(signed_set(x, x->other, "Private", &vendor, x->t2021, p2, 6), EFI_SUCCESS);
	struct tv_xfer_var now = xv("Private", &vendor, KEYATTRS, p2, 6, NULL);
	expect_var(x, &now);
	assert_int_equal(signed_set(x, x->kek, "Private", &vendor, x->t2022, p2, 5),
			 EFI_SECURITY_VIOLATION);
	assert_int_equal(signed_set(x, x->other, "Private", &vendor, x->t2022, p2, 5), EFI_SUCCESS);
}

static void set_plain(struct fix *x, const char *name, const char *data)
{
	assert_int_equal(tv_set_variable(x->c, u16(name), &vendor, NV | BS | RT, strlen(data), data),
			 EFI_SUCCESS);
}

static void test_conflict_policies(void **state)
{
	struct fix *x = *state;
	set_plain(x, "X", "old-x");
	set_plain(x, "Y", "same-y");
	struct tv_xfer_var v[3] = {xv("X", &vendor, NV | BS | RT, "new-x", 5, NULL),
				   xv("Y", &vendor, NV | BS | RT, "same-y", 6, NULL),
				   xv("Z", &vendor, NV | BS | RT, "z", 1, NULL)};
	struct tv_xfer_var old_x = xv("X", &vendor, NV | BS | RT, "old-x", 5, NULL);
	struct tv_import_result r[3];
	struct tv_import_summary sum;
	uint32_t wc = write_counter(x);
	/* refuse: a conflict stores nothing */
	assert_int_equal(tv_transport_import(&x->t, v, 3, TV_IMPORT_REFUSE, false, r, &sum), -EINVAL);
	assert_int_equal(r[0].action, TV_IMPORT_CONFLICT);
	assert_string_equal(r[0].why, "exists with other content");
	assert_int_equal(r[1].action, TV_IMPORT_SAME);
	assert_int_equal(r[2].action, TV_IMPORT_NEW);
	assert_int_equal(sum.same, 1);
	assert_int_equal(write_counter(x), wc);
	expect_var(x, &old_x);
	expect_absent(x, &v[2]);
	/* skip: X kept, Z added */
	assert_int_equal(tv_transport_import(&x->t, v, 3, TV_IMPORT_SKIP, false, r, &sum), 0);
	assert_int_equal(r[0].action, TV_IMPORT_SKIPPED);
	assert_int_equal(r[1].action, TV_IMPORT_SAME);
	assert_int_equal(r[2].action, TV_IMPORT_NEW);
	assert_int_equal(sum.skipped, 1);
	assert_int_equal(sum.added, 1);
	expect_var(x, &old_x);
	expect_var(x, &v[2]);
	/* replace: X replaced, Z the same now */
	assert_int_equal(tv_transport_import(&x->t, v, 3, TV_IMPORT_REPLACE, false, r, &sum), 0);
	assert_int_equal(r[0].action, TV_IMPORT_REPLACED);
	assert_int_equal(r[2].action, TV_IMPORT_SAME);
	assert_int_equal(sum.replaced, 1);
	assert_int_equal(sum.same, 2);
	expect_var(x, &v[0]);
	/* a time-based variable is the same only with the same time */
	struct tv_xfer_var a = xv("Auth", &vendor, KEYATTRS, "a", 1, x->t2020);
	assert_int_equal(tv_transport_import(&x->t, &a, 1, TV_IMPORT_REFUSE, false, r, NULL), 0);
	assert_int_equal(tv_transport_import(&x->t, &a, 1, TV_IMPORT_REFUSE, false, r, NULL), 0);
	assert_int_equal(r[0].action, TV_IMPORT_SAME);
	memcpy(a.time, x->t2021, 16);
	assert_int_equal(tv_transport_import(&x->t, &a, 1, TV_IMPORT_REFUSE, false, r, NULL),
			 -EINVAL);
	assert_int_equal(r[0].action, TV_IMPORT_CONFLICT);
	/* different attributes are other content too */
	struct tv_xfer_var y_bs = xv("Y", &vendor, NV | BS, "same-y", 6, NULL);
	assert_int_equal(tv_transport_import(&x->t, &y_bs, 1, TV_IMPORT_REFUSE, false, r, NULL),
			 -EINVAL);
	assert_int_equal(r[0].action, TV_IMPORT_CONFLICT);
}

struct bad_case {
	struct tv_xfer_var v;
	const char *why;
};

static void test_invalid_reasons(void **state)
{
	struct fix *x = *state;
	static const efi_char16_t odd_name[] = {'A', 'B', 0};
	static const efi_char16_t no_nul[] = {'A', 'B'};
	static const efi_char16_t inner_nul[] = {'A', 0, 'B', 0};
	static const uint8_t bad_pads[16] = {0xe4, 0x07, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
	static uint8_t big[70000];
	uint8_t two[4096];
	size_t two_n = x->pk_n;
	memcpy(two, x->pk_esl, x->pk_n);
	size_t kek2_n;
	uint8_t *kek2 = tv_test_esl_x509(x->kek, tv_test_owner, &kek2_n);
	memcpy(two + two_n, kek2, kek2_n);
	two_n += kek2_n;
	free(kek2);
	uint8_t bad_boot[] = {1, 0, 0, 0, 40, 0, 'T', 0, 0, 0, 0x7f, 0xff, 4, 0};
	struct bad_case cases[] = {
		{xv("A", &vendor, NV | BS | RT | 0x40, "d", 1, NULL), "APPEND_WRITE"},
		{xv("A", &vendor, NV | BS | RT | 0x10, "d", 1, NULL), "0x10"},
		{xv("A", &vendor, NV | BS | RT | 0x80, "d", 1, NULL), "ENHANCED"},
		{xv("A", &vendor, NV | BS | RT | 0x100, "d", 1, NULL), "unknown attribute"},
		{xv("A", &vendor, KEYATTRS, "d", 1, NULL), "without a timestamp"},
		{xv("A", &vendor, KEYATTRS, "d", 1, bad_pads), "non-zero Pad1"},
		{xv("A", &vendor, BS | RT, "d", 1, NULL), "volatile"},
		{xv("A", &vendor, NV | RT, "d", 1, NULL), "without BOOTSERVICE"},
		{xv("A", &vendor, NV | BS | RT | HR, "d", 1, NULL), "HARDWARE_ERROR_RECORD"},
		{xv("HwErrRec0001", &hwerr, NV | BS | HR, "d", 1, NULL), "HARDWARE_ERROR_RECORD"},
		{xv("A", &vendor, NV | BS | RT, "", 0, NULL), "no data"},
		{xv("SetupMode", &global, NV | BS | RT, "\1", 1, NULL), "status variable"},
		{xv("AuditMode", &global, NV | BS | RT, "\1", 1, NULL), "status variable"},
		{xv("Other", &platform, NV | BS, "\1", 1, NULL), "platform GUID"},
		{xv("db", &imgsec, NV | BS | RT, x->db_esl, x->db_n, NULL), "NV|BS|RT|AT"},
		{xv("dbDefault", &platform, NV | BS | RT, x->db_esl, x->db_n, NULL), "NV|BS (0x3)"},
		{xv("PK", &global, KEYATTRS, two, two_n, x->t2020), "at most one entry"},
		{xv("PKDefault", &platform, NV | BS, two, two_n, NULL), "at most one entry"},
		{xv("KEK", &global, KEYATTRS, x->pk_esl, x->pk_n - 1, x->t2020), "EFI_SIGNATURE_LIST"},
		{xv("A", &vendor, NV | BS | RT, big, sizeof(big), NULL), "more than"},
		{xv("Boot0002", &global, NV | BS | RT, bad_boot, sizeof(bad_boot), NULL),
		 "content fails EDK2"},
		{xv("Boot0002", &global, NV | BS, boot_opt, sizeof(boot_opt), NULL), "attributes 0x3"},
		{xv("Timeout", &global, NV | BS | RT, "\1\0\0", 3, NULL), "outside the size"},
		{xv("NoSuchVar", &global, NV | BS | RT, "\1", 1, NULL), "not a variable UEFI defines"},
		{xv("PlatformLangCodes", &global, NV | BS | RT, "en\0", 3, NULL), "UEFI defines 0x6"},
		{xv("A", &vendor, NV | BS | RT, NULL, 5, NULL), "no data"},
		{xv("A", &vendor, NV | BS | RT, "d", 1, NULL), "name too long"},
		{xv("A", &vendor, NV | BS | RT, "d", 1, NULL), "no name"},
		{xv("A", &vendor, NV | BS | RT, "d", 1, NULL), "odd"},
		{xv("A", &vendor, NV | BS | RT, "d", 1, NULL), "not NUL-terminated"},
		{xv("A", &vendor, NV | BS | RT, "d", 1, NULL), "NUL character inside"},
		{xv("A", &vendor, NV | BS | RT, "d", 1, NULL), "empty name"},
	};
	size_t nc = sizeof(cases) / sizeof(cases[0]);
	cases[nc - 6].v.name_size = 70000; /* never read: refused on its size */
	cases[nc - 5].v.name = NULL;
	cases[nc - 4].v.name = odd_name;
	cases[nc - 4].v.name_size = 5;
	cases[nc - 3].v.name = no_nul;
	cases[nc - 3].v.name_size = 4;
	cases[nc - 2].v.name = inner_nul;
	cases[nc - 2].v.name_size = 8;
	cases[nc - 1].v.name = inner_nul + 1;
	cases[nc - 1].v.name_size = 2;
	(void)odd_name;
	uint64_t d0, d1;
	unsigned n0 = list_count(x, &d0);
	uint32_t wc = write_counter(x);
	struct tv_xfer_var good = xv("Good", &vendor, NV | BS | RT, "g", 1, NULL);
	for (size_t i = 0; i < nc; i++) {
		struct tv_xfer_var v[2] = {good, cases[i].v};
		struct tv_import_result r[2];
		struct tv_import_summary sum;
		int rc = tv_transport_import(&x->t, v, 2, TV_IMPORT_REPLACE, false, r, &sum);
		if (rc != -EINVAL || r[1].action != TV_IMPORT_INVALID || !strstr(r[1].why, cases[i].why))
			fail_msg("case %zu: rc %d action %d why \"%s\" (wanted \"%s\")", i, rc,
				 r[1].action, r[1].why, cases[i].why);
		assert_int_equal(r[0].action, TV_IMPORT_NEW);
		assert_int_equal(sum.added, 1);
	}
	/* the same name twice in one import */
	struct tv_xfer_var dup[2] = {good, good};
	struct tv_import_result r[2];
	assert_int_equal(tv_transport_import(&x->t, dup, 2, TV_IMPORT_REPLACE, false, r, NULL),
			 -EINVAL);
	assert_int_equal(r[0].action, TV_IMPORT_NEW);
	assert_int_equal(r[1].action, TV_IMPORT_INVALID);
	assert_non_null(strstr(r[1].why, "more than once"));
	/* nothing of it was stored */
	assert_int_equal(write_counter(x), wc);
	assert_int_equal(list_count(x, &d1), n0);
	assert_true(d0 == d1);
	expect_absent(x, &good);
	/* bad arguments */
	assert_int_equal(tv_transport_import(&x->t, NULL, 1, TV_IMPORT_REFUSE, false, r, NULL),
			 -EINVAL);
	assert_int_equal(tv_transport_import(&x->t, &good, 1, TV_IMPORT_REFUSE, false, NULL, NULL),
			 -EINVAL);
	assert_int_equal(tv_transport_import(&x->t, &good, 1, (enum tv_import_conflict)7, false, r,
					     NULL),
			 -EINVAL);
	assert_int_equal(tv_transport_import(NULL, &good, 1, TV_IMPORT_REFUSE, false, r, NULL),
			 -EINVAL);
	assert_int_equal(tv_transport_export(&x->t, NULL, NULL), -EINVAL);
	assert_int_equal(tv_transport_export(NULL, collect, NULL), -EINVAL);
	/* an empty import is fine */
	struct tv_import_summary sum;
	assert_int_equal(tv_transport_import(&x->t, NULL, 0, TV_IMPORT_REFUSE, false, NULL, &sum),
			 0);
	assert_string_equal(sum.mode, "setup");
}

static void test_ignored(void **state)
{
	struct fix *x = *state;
	struct tv_xfer_var v[4] = {
		xv("certdb", &edk2_auth, KEYATTRS, "\4\0\0\0", 4, x->t2020),
		xv("SecureBootMode", &platform, NV | BS, "\2", 1, NULL),
		xv("VendorKeys", &platform, NV | BS, "\0", 1, NULL),
		xv("Kept", &vendor, NV | BS, "k", 1, NULL),
	};
	struct tv_import_result r[4];
	struct tv_import_summary sum;
	assert_int_equal(tv_transport_import(&x->t, v, 4, TV_IMPORT_REFUSE, false, r, &sum), 0);
	assert_int_equal(r[0].action, TV_IMPORT_IGNORED);
	assert_non_null(strstr(r[0].why, "EDK2's own Secure Boot bookkeeping"));
	assert_int_equal(r[1].action, TV_IMPORT_IGNORED);
	assert_non_null(strstr(r[1].why, "teevar's own"));
	assert_int_equal(r[2].action, TV_IMPORT_IGNORED);
	assert_int_equal(r[3].action, TV_IMPORT_NEW);
	assert_int_equal(sum.ignored, 3);
	assert_int_equal(sum.added, 1);
	expect_absent(x, &v[0]);
	expect_absent(x, &v[1]); /* SecureBootMode 2 (Deployed) would have been taken */
	assert_string_equal(sum.mode, "setup");
	assert_int_equal(get_u8(x, "DeployedMode"), 0);
	assert_int_equal(get_u8(x, "VendorKeys"), 1);
	expect_var(x, &v[3]);
}

static void test_malformed_db_refuses_all(void **state)
{
	struct fix *x = *state;
	struct tv_xfer_var v[16];
	struct tv_import_result r[16];
	size_t n = typical(x, v, true);
	size_t db = 0;
	while (!(v[db].name_size == 6 && v[db].name[0] == 'd' && v[db].name[1] == 'b'))
		db++;
	uint8_t bad[512];
	memcpy(bad, x->db_esl, x->db_n);
	bad[16] ^= 0x40; /* SignatureListSize no longer matches */
	v[db].data = bad;
	uint64_t d0, d1;
	unsigned n0 = list_count(x, &d0);
	uint32_t wc = write_counter(x);
	assert_int_equal(tv_transport_import(&x->t, v, n, TV_IMPORT_REFUSE, false, r, NULL), -EINVAL);
	assert_int_equal(r[db].action, TV_IMPORT_INVALID);
	assert_non_null(strstr(r[db].why, "EFI_SIGNATURE_LIST"));
	assert_string_equal(tv_last_error_detail(),
			    "import refused: 1 invalid, 0 in conflict; nothing stored");
	assert_int_equal(list_count(x, &d1), n0);
	assert_true(d0 == d1);
	assert_int_equal(write_counter(x), wc);
	for (size_t i = 0; i < n; i++)
		expect_absent(x, &v[i]);
	assert_int_equal(get_u8(x, "SetupMode"), 1);
	/* a Boot#### that fails EDK2's check refuses everything too */
	uint8_t boot[sizeof(boot_opt)];
	memcpy(boot, boot_opt, sizeof(boot));
	boot[4] = 8; /* FilePathListLength beyond the data */
	v[db].data = x->db_esl;
	v[0].data = boot;
	assert_int_equal(tv_transport_import(&x->t, v, n, TV_IMPORT_REFUSE, false, r, NULL), -EINVAL);
	assert_int_equal(r[0].action, TV_IMPORT_INVALID);
	assert_non_null(strstr(r[0].why, "VarCheckUefiLib"));
	assert_int_equal(list_count(x, &d1), n0);
	assert_int_equal(write_counter(x), wc);
}

static void test_enospc_before_any_write(void **state)
{
	struct fix *x = *state;
	struct tv_store_info info;
	assert_int_equal(tv_transport_store_info(&x->t, &info), 0);
	size_t big = 60000, n = (size_t)(info.remaining / big) + 2;
	assert_true(n <= 100);
	uint8_t *data = calloc(1, big);
	assert_non_null(data);
	struct tv_xfer_var v[100];
	struct tv_import_result r[100];
	struct tv_import_summary sum;
	char name[32];
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "Big%zu", i);
		v[i] = xv(name, &vendor, NV | BS, data, big, NULL);
	}
	uint32_t wc = write_counter(x);
	assert_int_equal(tv_transport_import(&x->t, v, n, TV_IMPORT_REFUSE, false, r, &sum), -ENOSPC);
	assert_non_null(strstr(tv_last_error_detail(), "the import needs"));
	assert_int_equal(sum.added, n);
	assert_int_equal(write_counter(x), wc);
	expect_absent(x, &v[0]);
	/* half of it fits */
	size_t fits = n / 2;
	assert_int_equal(tv_transport_import(&x->t, v, fits, TV_IMPORT_REFUSE, true, r, &sum), 0);
	assert_int_equal(write_counter(x), wc);
	free(data);
}

static void test_after_ready_to_boot(void **state)
{
	struct fix *x = *state;
	struct tv_xfer_var v = xv("Late", &vendor, NV | BS | RT, "l", 1, NULL);
	struct tv_import_result r;
	assert_int_equal(tv_ready_to_boot(x->c), EFI_SUCCESS);
	assert_int_equal(tv_transport_import(&x->t, &v, 1, TV_IMPORT_REFUSE, true, &r, NULL), -EPERM);
	assert_int_equal(tv_transport_import(&x->t, &v, 1, TV_IMPORT_REFUSE, false, &r, NULL), -EPERM);
	assert_non_null(strstr(tv_last_error_detail(), "boot-services phase"));
	expect_absent(x, &v);
	assert_int_equal(tv_exit_boot_services(x->c), EFI_SUCCESS);
	assert_int_equal(tv_transport_import(&x->t, &v, 1, TV_IMPORT_REFUSE, false, &r, NULL), -EPERM);
	/* export works in any phase, runtime-hidden variables included */
	struct xlist l = {0};
	assert_int_equal(tv_transport_export(&x->t, collect, &l), 0);
	xlist_free(&l);
}

static void test_dry_run_stores_nothing(void **state)
{
	struct fix *x = *state;
	struct tv_xfer_var v[16];
	struct tv_import_result r[16];
	struct tv_import_summary sum;
	size_t n = typical(x, v, true);
	uint32_t wc = write_counter(x);
	assert_int_equal(tv_transport_import(&x->t, v, n, TV_IMPORT_REFUSE, true, r, &sum), 0);
	assert_string_equal(sum.mode, "user");
	assert_int_equal(sum.added, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(r[i].action, TV_IMPORT_NEW);
		expect_absent(x, &v[i]);
	}
	assert_int_equal(write_counter(x), wc);
	assert_int_equal(get_u8(x, "SetupMode"), 1);
	/* without PK it would stay in setup mode */
	assert_int_equal(tv_transport_import(&x->t, v, 3, TV_IMPORT_REFUSE, true, r, &sum), 0);
	assert_string_equal(sum.mode, "setup");
}

static int count_cb(void *arg, const struct tv_xfer_var *v)
{
	(void)v;
	return ++*(int *)arg == 2 ? 42 : 0;
}

static void test_export_import_export(void **state)
{
	struct fix *x = *state;
	struct tv_xfer_var v[16];
	struct tv_import_result r[16];
	size_t n = typical(x, v, true);
	assert_int_equal(tv_transport_import(&x->t, v, n, TV_IMPORT_REFUSE, false, r, NULL), 0);
	struct xlist a = {0}, b = {0};
	assert_int_equal(tv_transport_export(&x->t, collect, &a), 0);
	/* exactly what was imported: no status variable, no mode record */
	assert_int_equal(a.n, n);
	for (size_t i = 0; i < n; i++) {
		const struct tv_xfer_var *e = xlist_find(&a, &v[i]);
		assert_non_null(e);
		struct tv_xfer_var want = v[i];
		if (!(want.attrs & AT))
			want.has_time = false;
		assert_same_var(e, &want);
	}
	/* into another fresh state */
	struct fix y = {0};
	y.dir = tv_test_tmpdir();
	open_core(&y, y.dir);
	struct tv_import_summary sum;
	assert_int_equal(tv_transport_import(&y.t, a.v, a.n, TV_IMPORT_REFUSE, false, r, &sum), 0);
	assert_int_equal(sum.added, a.n);
	assert_string_equal(sum.mode, "user");
	assert_int_equal(tv_transport_export(&y.t, collect, &b), 0);
	assert_int_equal(b.n, a.n);
	for (size_t i = 0; i < a.n; i++)
		assert_same_var(&a.v[i], &b.v[i]); /* the same order too */
	/* importing it again is all SAME */
	assert_int_equal(tv_transport_import(&y.t, b.v, b.n, TV_IMPORT_REFUSE, false, r, &sum), 0);
	assert_int_equal(sum.same, b.n);
	/* a callback's non-zero return stops the export and is returned */
	int calls = 0;
	assert_int_equal(tv_transport_export(&y.t, count_cb, &calls), 42);
	assert_int_equal(calls, 2);
	xlist_free(&a);
	xlist_free(&b);
	tv_client_close(y.c);
	tv_test_rmtree(y.dir);
	free(y.dir);
}

static void test_audit_mode_records_stay_out(void **state)
{
	struct fix *x = *state;
	/* AuditMode makes the service store its mode record */
	uint8_t one = 1;
	assert_int_equal(tv_set_variable(x->c, u16("AuditMode"), &global, BS | RT, 1, &one),
			 EFI_SUCCESS);
	struct xlist l = {0};
	assert_int_equal(tv_transport_export(&x->t, collect, &l), 0);
	assert_int_equal(l.n, 0);
	/* an imported PK is an enrolment: Audit -> Deployed */
	struct tv_xfer_var pk = xv("PK", &global, KEYATTRS, x->pk_esl, x->pk_n, x->t2020);
	struct tv_import_result r;
	struct tv_import_summary sum;
	assert_int_equal(tv_transport_import(&x->t, &pk, 1, TV_IMPORT_REFUSE, true, &r, &sum), 0);
	assert_string_equal(sum.mode, "deployed");
	assert_int_equal(tv_transport_import(&x->t, &pk, 1, TV_IMPORT_REFUSE, false, &r, &sum), 0);
	assert_string_equal(sum.mode, "deployed");
	assert_int_equal(get_u8(x, "DeployedMode"), 1);
	assert_int_equal(get_u8(x, "SetupMode"), 0);
	assert_int_equal(tv_transport_export(&x->t, collect, &l), 0);
	assert_int_equal(l.n, 1);
	assert_same_var(&l.v[0], &pk);
	xlist_free(&l);
}


/* A refusal of the whole store: damaged (writes refused until recovery) or
 * its RPMB write counter expired. */
static void flip_in_image(const char *dir, const char *pattern)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/rpmb.img", dir);
	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long size = ftell(f);
	assert_true(size > 0);
	uint8_t *buf = malloc((size_t)size);
	assert_non_null(buf);
	rewind(f);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	size_t plen = strlen(pattern), at = SIZE_MAX;
	for (size_t i = 0; i + plen <= (size_t)size; i++)
		if (!memcmp(buf + i, pattern, plen)) {
			assert_true(at == SIZE_MAX); /* exactly once */
			at = i;
		}
	assert_true(at != SIZE_MAX);
	uint8_t b = buf[at + plen / 2] ^ 0x10;
	assert_int_equal(fseek(f, (long)(at + plen / 2), SEEK_SET), 0);
	assert_int_equal(fwrite(&b, 1, 1, f), 1);
	assert_int_equal(fclose(f), 0);
	free(buf);
}

static void test_damaged_store(void **state)
{
	struct fix *x = *state;
	static const char damage[] = "DAMAGE-ME-0f1e2d3c4b5a69788796a5b4c3d2e1f0";
	set_plain(x, "Lead", "lead-value");
	set_plain(x, "Damaged", damage);
	set_plain(x, "Keep1", "keep-value-1");
	set_plain(x, "Keep2", "keep-value-2");
	tv_client_close(x->c);
	flip_in_image(x->dir, damage);
	open_core(x, x->dir);
	struct tv_xfer_var v = xv("New", &vendor, NV | BS | RT, "n", 1, NULL);
	struct tv_import_result r;
	struct tv_import_summary sum;
	assert_int_equal(tv_transport_import(&x->t, &v, 1, TV_IMPORT_REFUSE, false, &r, &sum),
			 -EUCLEAN);
	assert_non_null(strstr(tv_last_error_detail(), "damaged"));
	assert_int_equal(r.action, TV_IMPORT_NEW); /* checked all the same */
	assert_int_equal(tv_transport_import(&x->t, &v, 1, TV_IMPORT_REFUSE, true, &r, &sum),
			 -EUCLEAN);
	expect_absent(x, &v);
	/* export serves what verifies */
	struct xlist l = {0};
	assert_int_equal(tv_transport_export(&x->t, collect, &l), 0);
	assert_int_equal(l.n, 3);
	struct tv_xfer_var lead = xv("Lead", &vendor, NV | BS | RT, "lead-value", 10, NULL);
	assert_non_null(xlist_find(&l, &lead));
	xlist_free(&l);
}

static void test_expired_counter(void **state)
{
	struct fix *x = *state;
	set_plain(x, "A", "a");
	/* the device at the end of its write counter: read-only */
	tv_client_close(x->c);
	char path[4200];
	snprintf(path, sizeof(path), "%s/rpmb.img", x->dir);
	struct rpmb_emu_config ec;
	rpmb_emu_config_default(&ec);
	struct rpmb_emu *emu;
	assert_int_equal(rpmb_emu_open(path, &ec, &emu), 0);
	rpmb_emu_set_counter(emu, UINT32_MAX);
	rpmb_emu_free(emu);
	open_core(x, x->dir);
	struct tv_xfer_var v = xv("New", &vendor, NV | BS | RT, "n", 1, NULL);
	struct tv_import_result r;
	assert_int_equal(tv_transport_import(&x->t, &v, 1, TV_IMPORT_REFUSE, false, &r, NULL),
			 -EROFS);
	assert_non_null(strstr(tv_last_error_detail(), "expired"));
	assert_int_equal(tv_transport_import(&x->t, &v, 1, TV_IMPORT_REFUSE, true, &r, NULL),
			 -EROFS);
	expect_absent(x, &v);
}

/* What the store holds besides the import, and what a plain variable's
 * time is. */
static void test_store_context(void **state)
{
	struct fix *x = *state;
	struct tv_import_result r[3];
	/* a volatile variable of the same name, made in this boot */
	assert_int_equal(tv_set_variable(x->c, u16("Vol"), &vendor, BS | RT, 1, "v"), EFI_SUCCESS);
	struct tv_xfer_var vol = xv("Vol", &vendor, NV | BS | RT, "v", 1, NULL);
	assert_int_equal(tv_transport_import(&x->t, &vol, 1, TV_IMPORT_REPLACE, false, r, NULL),
			 -EINVAL);
	assert_int_equal(r[0].action, TV_IMPORT_INVALID);
	assert_non_null(strstr(r[0].why, "volatile variable of this name exists"));
	/* a VarCheck property registered in this boot */
	var_check_property_t p = {.revision = VAR_CHECK_VARIABLE_PROPERTY_REVISION,
				  .attributes = NV | BS | RT, .min_size = 1, .max_size = 2};
	assert_int_equal(tv_var_check_property_set(x->c, u16("Prop"), &vendor, &p), EFI_SUCCESS);
	struct tv_xfer_var prop = xv("Prop", &vendor, NV | BS | RT, "abc", 3, NULL);
	assert_int_equal(tv_transport_import(&x->t, &prop, 1, TV_IMPORT_REFUSE, false, r, NULL),
			 -EINVAL);
	assert_non_null(strstr(r[0].why, "VarCheck property or lock"));
	prop.data_size = 2;
	assert_int_equal(tv_transport_import(&x->t, &prop, 1, TV_IMPORT_REFUSE, false, r, NULL), 0);
	/* a plain variable's time (U-Boot has one for every variable) is not kept */
	struct tv_xfer_var timed = xv("Timed", &vendor, NV | BS, "t", 1, x->t2020);
	assert_int_equal(tv_transport_import(&x->t, &timed, 1, TV_IMPORT_REFUSE, false, r, NULL), 0);
	struct xlist l = {0};
	assert_int_equal(tv_transport_export(&x->t, collect, &l), 0);
	const struct tv_xfer_var *e = xlist_find(&l, &timed);
	assert_non_null(e);
	assert_false(e->has_time);
	xlist_free(&l);
	/* same: the time of a plain variable does not count */
	assert_int_equal(tv_transport_import(&x->t, &timed, 1, TV_IMPORT_REFUSE, false, r, NULL), 0);
	assert_int_equal(r[0].action, TV_IMPORT_SAME);
	/* HwErrRec records have their own, smaller room */
	static uint8_t rec[30000];
	struct tv_xfer_var hw[3] = {
		xv("HwErrRec0001", &hwerr, NV | BS | RT | HR, rec, sizeof(rec), NULL),
		xv("HwErrRec0002", &hwerr, NV | BS | RT | HR, rec, sizeof(rec), NULL),
		xv("HwErrRec0003", &hwerr, NV | BS | RT | HR, rec, sizeof(rec), NULL),
	};
	assert_int_equal(tv_transport_import(&x->t, hw, 3, TV_IMPORT_REFUSE, false, r, NULL),
			 -ENOSPC);
	assert_non_null(strstr(tv_last_error_detail(), "HwErrRec room"));
	assert_int_equal(tv_transport_import(&x->t, hw, 2, TV_IMPORT_REFUSE, false, r, NULL), 0);
}

/* A write that fails midway: what was written is put back. */
static void test_rollback(void **state)
{
	struct fix *x = *state;
	set_plain(x, "X", "old-x");
	struct tv_xfer_var v[16];
	struct tv_import_result r[16];
	struct tv_import_summary sum;
	size_t n = typical(x, v, true);
	v[n++] = xv("X", &vendor, NV | BS | RT, "new-x", 5, NULL);
	struct tv_xfer_var old_x = xv("X", &vendor, NV | BS | RT, "old-x", 5, NULL);
	uint64_t d0, d1;
	unsigned n0 = list_count(x, &d0);
	/* fail at each write in turn (PK's is the last) */
	for (unsigned k = 1; k <= n; k++) {
		tv_import_test_fail_write(k);
		assert_int_equal(tv_transport_import(&x->t, v, n, TV_IMPORT_REPLACE, false, r, &sum),
				 -EIO);
		assert_non_null(strstr(tv_last_error_detail(), "was put back"));
		for (size_t i = 0; i + 1 < n; i++)
			expect_absent(x, &v[i]);
		expect_var(x, &old_x);
		assert_int_equal(get_u8(x, "SetupMode"), 1);
		assert_string_equal(sum.mode, "setup");
		assert_int_equal(list_count(x, &d1), n0);
		assert_true(d0 == d1);
	}
	/* the store's RAM update failing after a verified write: the store
	 * rebuilds from the media and the import completes */
	tv_store_test_fail_next_apply(tv_secure_store(x->t.ctx));
	assert_int_equal(tv_transport_import(&x->t, v, n, TV_IMPORT_REPLACE, false, r, &sum), 0);
	for (size_t i = 0; i < n; i++)
		expect_var(x, &v[i]);
	assert_string_equal(sum.mode, "user");
}

/* A power cut midway leaves a prefix of the write order, PK last: a store
 * without every key is in setup mode. */
static void test_power_cut_prefix(void **state)
{
	struct fix *x = *state;
	struct tv_xfer_var v[16];
	struct tv_import_result r[16];
	size_t n = typical(x, v, true);
	for (uint64_t k = 1; k < 200; k++) {
		tv_client_close(x->c);
		tv_test_rmtree(x->dir);
		free(x->dir);
		x->dir = tv_test_tmpdir();
		open_core(x, x->dir);
		rpmb_emu_fault_power_cut(tv_secure_emu(x->t.ctx), k, 0);
		int rc = tv_transport_import(&x->t, v, n, TV_IMPORT_REFUSE, false, r, NULL);
		char detail[256];
		snprintf(detail, sizeof(detail), "%s", tv_last_error_detail());
		reopen(x);
		uint8_t buf[4096];
		size_t size = sizeof(buf);
		bool pk = tv_get_variable(x->c, v[8].name, &global, NULL, &size, buf) == EFI_SUCCESS;
		if (rc == 0) {
			assert_true(pk);
			assert_int_equal(get_u8(x, "SetupMode"), 0);
			assert_true(k > 5);
			printf("# import: %u power cuts checked, each left a prefix of the write "
			       "order in setup mode\n", (unsigned)(k - 1));
			return;
		}
		assert_int_equal(rc, -EIO);
		/* the device is gone: not even the failed write could be undone */
		assert_non_null(strstr(detail, "could not be put back"));
		/* what is there is a prefix of the order: once something is
		 * missing, nothing later in the order is there */
		static const size_t order[] = {0, 1, 2, 3, 4, 5, 6, 7, 11, 10, 9, 8};
		bool gap = false;
		for (size_t i = 0; i < n; i++) {
			size = sizeof(buf);
			bool here = tv_get_variable(x->c, v[order[i]].name, &v[order[i]].guid, NULL,
						    &size, buf) == EFI_SUCCESS;
			assert_false(gap && here);
			gap = gap || !here;
		}
		assert_false(pk);
		assert_int_equal(get_u8(x, "SetupMode"), 1);
	}
	fail_msg("the import never completed");
}

static void test_other_transports_refuse(void **state)
{
	struct fix *x = *state;
	struct tv_xfer_var v = xv("A", &vendor, NV | BS | RT, "a", 1, NULL);
	struct tv_import_result r;
	struct tv_import_summary sum;
	struct xlist l = {0};
	/* a wrapped StMM */
	struct tv_transport w;
	tv_transport_inproc_wrap(tv_secure_stmm(x->t.ctx), &w);
	assert_int_equal(tv_transport_import(&w, &v, 1, TV_IMPORT_REFUSE, false, &r, &sum),
			 -ENOTSUP);
	assert_int_equal(tv_transport_export(&w, collect, &l), -ENOTSUP);
	/* optee: (a fake Linux TEE driver in front of the same StMM) */
	struct fake_tee *f = fake_tee_new(tv_secure_stmm(x->t.ctx), NULL);
	assert_non_null(f);
	struct tv_transport o;
	assert_int_equal(tv_transport_optee_open_with("/dev/tee0", &fake_tee_ops, f, &o), 0);
	assert_int_equal(tv_transport_import(&o, &v, 1, TV_IMPORT_REFUSE, false, &r, &sum),
			 -ENOTSUP);
	assert_int_equal(tv_transport_export(&o, collect, &l), -ENOTSUP);
	tv_transport_destroy(&o);
	fake_tee_free(f);
	/* unix: (teevard) */
	if (!tvd_harness_binary())
		skip();
	char *dir = tv_test_tmpdir();
	struct tvd_proc p;
	assert_int_equal(tvd_start(&p, dir, NULL), 0);
	struct tv_transport u;
	assert_int_equal(tv_transport_unix_open(p.sock, &u), 0);
	assert_int_equal(tv_transport_import(&u, &v, 1, TV_IMPORT_REFUSE, false, &r, &sum),
			 -ENOTSUP);
	assert_int_equal(tv_transport_import(&u, &v, 1, TV_IMPORT_REFUSE, true, &r, &sum),
			 -ENOTSUP);
	assert_int_equal(tv_transport_export(&u, collect, &l), -ENOTSUP);
	tv_transport_destroy(&u);
	assert_int_equal(tvd_stop(&p, SIGTERM), 0);
	assert_int_equal(tvd_log_clean(&p), 1);
	tv_test_rmtree(dir);
	free(dir);
	assert_int_equal(l.n, 0);
	expect_absent(x, &v);
}

int main(int argc, char **argv)
{
	tvd_harness_init(argc > 1 ? argv[1] : NULL);
	pk_key = tv_test_key_new("import PK", NULL);
	kek_key = tv_test_key_new("import KEK", NULL);
	other_key = tv_test_key_new("import other", NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import_reads_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pk_gives_user_mode_and_times_count, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_private_variable_time_and_binding, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_conflict_policies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_reasons, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_db_refuses_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enospc_before_any_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_after_ready_to_boot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dry_run_stores_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_import_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_mode_records_stay_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_counter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_context, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_power_cut_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_transports_refuse, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tv_test_key_free(pk_key);
	tv_test_key_free(kek_key);
	tv_test_key_free(other_key);
	return rc;
}

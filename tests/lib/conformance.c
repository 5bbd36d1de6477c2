/* SPDX-License-Identifier: BSD-2-Clause */
#include "conformance.h"
#include "conformance_priv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tv_test_util.h"

#define NV EFI_VARIABLE_NON_VOLATILE
#define BS EFI_VARIABLE_BOOTSERVICE_ACCESS
#define RT EFI_VARIABLE_RUNTIME_ACCESS
#define HR EFI_VARIABLE_HARDWARE_ERROR_RECORD
#define AW EFI_VARIABLE_AUTHENTICATED_WRITE_ACCESS
#define AT EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS
#define AP EFI_VARIABLE_APPEND_WRITE

const struct conf_ops *ops;
static const efi_guid_t G1 = {{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
			       0xcc, 0xdd, 0xee, 0xff, 0x01}};
/* the hardware-error-record GUID 414e6bdd-e47b-47cc-b244-bb61020cf516 */
static const efi_guid_t HWERR = {{0xdd, 0x6b, 0x4e, 0x41, 0x7b, 0xe4, 0xcc, 0x47, 0xb2, 0x44,
				  0xbb, 0x61, 0x02, 0x0c, 0xf5, 0x16}};
static const efi_guid_t GLOBAL = EFI_GLOBAL_VARIABLE_GUID;
static const efi_guid_t G2 = {{0x21, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
			       0xcc, 0xdd, 0xee, 0xff, 0x02}};


/* "text" as UCS-2 in a static ring of buffers (tests use a few at a time). */
efi_char16_t *u(const char *text)
{
	static efi_char16_t ring[8][128];
	static unsigned next;
	efi_char16_t *s = ring[next++ % 8];
	size_t i = 0;
	for (; text[i] && i < 127; i++)
		s[i] = (efi_char16_t)(unsigned char)text[i];
	s[i] = 0;
	return s;
}

int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->dir = tv_test_tmpdir();
	f->ctx = ops->open(f->dir);
	*state = f;
	return f->ctx ? 0 : -1;
}

int teardown(void **state)
{
	struct fixture *f = *state;
	if (f->ctx)
		ops->close(f->ctx);
	tv_test_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

void *ctx_of(void **state)
{
	return ((struct fixture *)*state)->ctx;
}

void restart(void **state)
{
	struct fixture *f = *state;
	ops->close(f->ctx);
	f->ctx = ops->open(f->dir);
	assert_non_null(f->ctx);
}

void to_runtime(void *c)
{
	assert_int_equal(ops->ready_to_boot(c), EFI_SUCCESS);
	assert_int_equal(ops->exit_boot_services(c), EFI_SUCCESS);
}

static efi_status_t set_str(void *c, const char *name, const efi_guid_t *g, uint32_t attrs,
			    const char *data)
{
	return ops->set(c, u(name), g, attrs, strlen(data), data);
}

/* Reads a variable; returns its size (or -1 with the status in *st). */
static long get_val(void *c, const char *name, const efi_guid_t *g, uint32_t *attrs,
		    uint8_t *buf, efi_status_t *st)
{
	uint64_t size = 4096;
	efi_status_t s = ops->get(c, u(name), g, attrs, &size, buf);
	if (st)
		*st = s;
	return s == EFI_SUCCESS ? (long)size : -1;
}

/* ---- GetVariable ---- */

static void test_get_variable(void **state)
{
	void *c = ctx_of(state);
	assert_int_equal(set_str(c, "Var", &G1, NV | BS | RT, "hello"), EFI_SUCCESS);
	uint8_t buf[64];
	uint32_t attrs = 0;
	uint64_t size = sizeof(buf);
	if (ops->direct) {
		assert_int_equal(ops->get(c, NULL, &G1, &attrs, &size, buf), EFI_INVALID_PARAMETER);
		assert_int_equal(ops->get(c, u("Var"), NULL, &attrs, &size, buf), EFI_INVALID_PARAMETER);
		assert_int_equal(ops->get(c, u("Var"), &G1, &attrs, NULL, buf), EFI_INVALID_PARAMETER);
	}
	size = 100; /* big enough, but no buffer */
	assert_int_equal(ops->get(c, u("Var"), &G1, &attrs, &size, NULL), EFI_INVALID_PARAMETER);
	size = sizeof(buf);
	assert_int_equal(ops->get(c, u("Vax"), &G1, &attrs, &size, buf), EFI_NOT_FOUND);
	assert_int_equal(ops->get(c, u("var"), &G1, &attrs, &size, buf), EFI_NOT_FOUND);
	assert_int_equal(ops->get(c, u("Var"), &G2, &attrs, &size, buf), EFI_NOT_FOUND);
	assert_int_equal(ops->get(c, u(""), &G1, &attrs, &size, buf), EFI_NOT_FOUND);
	for (uint64_t small = 0; small < 5; small += 4) { /* size 0 and size - 1 */
		size = small;
		attrs = 0;
		assert_int_equal(ops->get(c, u("Var"), &G1, &attrs, &size, buf), EFI_BUFFER_TOO_SMALL);
		assert_int_equal(size, 5);
		assert_int_equal(attrs, NV | BS | RT);
	}
	size = 5;
	assert_int_equal(ops->get(c, u("Var"), &G1, &attrs, &size, buf), EFI_SUCCESS);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(size, 5);
	size = sizeof(buf); /* attributes pointer may be NULL */
	assert_int_equal(ops->get(c, u("Var"), &G1, NULL, &size, buf), EFI_SUCCESS);
}

/* ---- GetNextVariableName ---- */

static int walk(void *c, int *seen_a, int *seen_b)
{
	efi_char16_t name[128] = {0};
	efi_guid_t g = {{0}};
	int n = 0;
	for (;;) {
		uint64_t size = sizeof(name);
		efi_status_t s = ops->next(c, &size, name, &g);
		if (s == EFI_NOT_FOUND)
			return n;
		assert_int_equal(s, EFI_SUCCESS);
		/* the test's own GUIDs only: the service has variables of its own
		 * (SetupMode, SecureBoot...) */
		n += memcmp(&g, &G1, 16) == 0 || memcmp(&g, &G2, 16) == 0;
		if (memcmp(name, u("A1"), 6) == 0 && memcmp(&g, &G1, 16) == 0)
			(*seen_a)++;
		if (memcmp(name, u("B22"), 8) == 0 && memcmp(&g, &G2, 16) == 0)
			(*seen_b)++;
	}
}

static void test_get_next_variable_name(void **state)
{
	void *c = ctx_of(state);
	assert_int_equal(set_str(c, "A1", &G1, BS | RT, "x"), EFI_SUCCESS);
	assert_int_equal(set_str(c, "B22", &G2, NV | BS | RT, "y"), EFI_SUCCESS);
	int a = 0, b = 0;
	assert_int_equal(walk(c, &a, &b), 2);
	assert_int_equal(a, 1);
	assert_int_equal(b, 1);

	efi_char16_t name[64] = {0};
	efi_guid_t g = G1;
	uint64_t size;
	if (ops->direct) {
		size = sizeof(name);
		assert_int_equal(ops->next(c, NULL, name, &g), EFI_INVALID_PARAMETER);
		assert_int_equal(ops->next(c, &size, NULL, &g), EFI_INVALID_PARAMETER);
		assert_int_equal(ops->next(c, &size, name, NULL), EFI_INVALID_PARAMETER);
		/* A short size with no NUL in range. */
		memcpy(name, u("A1"), 6);
		size = 2;
		assert_int_equal(ops->next(c, &size, name, &g), EFI_INVALID_PARAMETER);
		size = 0;
		assert_int_equal(ops->next(c, &size, name, &g), EFI_INVALID_PARAMETER);
	}
	/* Size 2 at the start: the first name does not fit. */
	name[0] = 0;
	size = 2;
	assert_int_equal(ops->next(c, &size, name, &g), EFI_BUFFER_TOO_SMALL);
	assert_true(size >= 6);
	assert_int_equal(name[0], 0);
	/* A name or GUID that is not a variable. */
	memcpy(name, u("A2"), 6);
	g = G1;
	size = sizeof(name);
	assert_int_equal(ops->next(c, &size, name, &g), EFI_INVALID_PARAMETER);
	memcpy(name, u("A1"), 6);
	g = G2;
	size = sizeof(name);
	assert_int_equal(ops->next(c, &size, name, &g), EFI_INVALID_PARAMETER);
}

static void test_get_next_stable_order(void **state)
{
	void *c = ctx_of(state);
	char n[16];
	for (int i = 0; i < 12; i++) {
		snprintf(n, sizeof(n), "Order%d", i);
		assert_int_equal(set_str(c, n, &G1, NV | BS | RT, "v"), EFI_SUCCESS);
	}
	/* Walk, updating every variable as we pass it: each is returned once. */
	efi_char16_t name[64] = {0};
	efi_guid_t g = {{0}};
	int seen = 0;
	uint64_t size = sizeof(name);
	while (ops->next(c, &size, name, &g) == EFI_SUCCESS) {
		size = sizeof(name);
		if (memcmp(&g, &G1, 16) != 0)
			continue; /* the service's own */
		seen++;
		assert_int_equal(ops->set(c, name, &g, NV | BS | RT, 3, "new"), EFI_SUCCESS);
		size = sizeof(name);
		assert_true(seen <= 12);
	}
	assert_int_equal(seen, 12);
}

/* ---- SetVariable ---- */

static void test_set_variable_attribute_rules(void **state)
{
	void *c = ctx_of(state);
	assert_int_equal(set_str(c, "", &G1, NV | BS | RT, "x"), EFI_INVALID_PARAMETER);
	assert_int_equal(set_str(c, "X", &G1, RT, "x"), EFI_INVALID_PARAMETER);
	assert_int_equal(set_str(c, "X", &G1, NV | RT, "x"), EFI_INVALID_PARAMETER);
	assert_int_equal(set_str(c, "X", &G1, NV, "x"), EFI_INVALID_PARAMETER);
	assert_int_equal(set_str(c, "X", &G1, NV | BS | RT | 0x80, "x"), EFI_INVALID_PARAMETER);
	assert_int_equal(set_str(c, "X", &G1, 0x100 | BS, "x"), EFI_INVALID_PARAMETER);
	assert_int_equal(set_str(c, "X", &G1, RT | AW, "x"), EFI_UNSUPPORTED);
	assert_int_equal(set_str(c, "X", &G1, NV | BS | RT | AW, "x"), EFI_UNSUPPORTED);
	assert_int_equal(set_str(c, "X", &G1, BS | AW, "x"), EFI_UNSUPPORTED);
	/* A time-based authenticated write whose descriptor does not fit. */
	assert_int_equal(set_str(c, "X", &G1, NV | BS | RT | AT, "x"), EFI_SECURITY_VIOLATION);
	if (ops->direct)
		assert_int_equal(ops->set(c, u("X"), &G1, BS, 4, NULL), EFI_INVALID_PARAMETER);
	assert_int_equal(ops->get(c, u("X"), &G1, NULL, &(uint64_t){0}, NULL), EFI_NOT_FOUND);
}

static void test_set_variable_attribute_changes(void **state)
{
	void *c = ctx_of(state);
	const uint32_t combos[] = {BS, NV | BS, BS | RT, NV | BS | RT};
	for (int i = 0; i < 4; i++) {
		char name[8];
		snprintf(name, sizeof(name), "C%d", i);
		assert_int_equal(set_str(c, name, &G1, combos[i], "orig"), EFI_SUCCESS);
		for (int j = 0; j < 4; j++) {
			if (j == i)
				continue;
			assert_int_equal(set_str(c, name, &G1, combos[j], "changed"),
					 EFI_INVALID_PARAMETER);
			uint8_t buf[16];
			uint32_t attrs = 0;
			assert_int_equal(get_val(c, name, &G1, &attrs, buf, NULL), 4);
			assert_memory_equal(buf, "orig", 4);
			assert_int_equal(attrs, combos[i]);
		}
	}
}

static void test_set_variable_sizes_and_delete(void **state)
{
	void *c = ctx_of(state);
	uint8_t byte = 1;
	assert_int_equal(ops->set(c, u("S"), &G1, NV | BS | RT, UINT64_MAX, &byte),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(ops->set(c, u("S"), &G1, NV | BS | RT, UINT64_MAX - 1, &byte),
			 EFI_INVALID_PARAMETER);
	uint64_t max_storage, remaining, max_size;
	assert_int_equal(ops->query(c, NV | BS | RT, &max_storage, &remaining, &max_size), EFI_SUCCESS);
	/* Larger than anything that fits now: refused, and nothing is stored. */
	uint8_t *big = calloc(1, 1u << 20);
	efi_status_t over = ops->set(c, u("S"), &G1, NV | BS | RT, max_size + 64, big);
	assert_true(over == EFI_INVALID_PARAMETER || over == EFI_OUT_OF_RESOURCES);
	/* Larger than any variable may be: INVALID_PARAMETER. */
	assert_int_equal(ops->set(c, u("S"), &G1, NV | BS | RT, 1u << 20, big),
			 EFI_INVALID_PARAMETER);
	free(big);
	assert_int_equal(set_str(c, "S", &G1, NV | BS | RT, "abc"), EFI_SUCCESS);
	assert_int_equal(ops->set(c, u("S"), &G1, NV | BS | RT, 0, NULL), EFI_SUCCESS);
	efi_status_t st;
	uint8_t buf[8];
	assert_int_equal(get_val(c, "S", &G1, NULL, buf, &st), -1);
	assert_int_equal(st, EFI_NOT_FOUND);
	assert_int_equal(ops->set(c, u("S"), &G1, NV | BS | RT, 0, NULL), EFI_NOT_FOUND);
	/* Attributes 0 deletes whatever the size. */
	assert_int_equal(set_str(c, "S", &G1, BS, "abc"), EFI_SUCCESS);
	assert_int_equal(set_str(c, "S", &G1, 0, "zz"), EFI_SUCCESS);
	assert_int_equal(get_val(c, "S", &G1, NULL, buf, &st), -1);
	assert_int_equal(set_str(c, "S", &G1, 0, "zz"), EFI_NOT_FOUND);
	if (ops->direct) { /* a size no MM buffer could carry: EDK2 checks it first */
		assert_int_equal(set_str(c, "S", &G1, BS, "abc"), EFI_SUCCESS);
		assert_int_equal(ops->set(c, u("S"), &G1, 0, UINT64_MAX, &byte),
				 EFI_INVALID_PARAMETER);
		assert_int_equal(get_val(c, "S", &G1, NULL, buf, &st), 3);
	}
}

static void test_set_variable_append(void **state)
{
	void *c = ctx_of(state);
	/* APPEND with no data on a missing variable: success, nothing created. */
	assert_int_equal(ops->set(c, u("Ap"), &G1, NV | BS | RT | AP, 0, NULL), EFI_SUCCESS);
	efi_status_t st;
	uint8_t buf[32];
	assert_int_equal(get_val(c, "Ap", &G1, NULL, buf, &st), -1);
	assert_int_equal(st, EFI_NOT_FOUND);
	/* APPEND on a missing variable with data creates it. */
	assert_int_equal(set_str(c, "Ap", &G1, NV | BS | RT | AP, "ab"), EFI_SUCCESS);
	assert_int_equal(set_str(c, "Ap", &G1, NV | BS | RT | AP, "cd"), EFI_SUCCESS);
	assert_int_equal(ops->set(c, u("Ap"), &G1, NV | BS | RT | AP, 0, NULL), EFI_SUCCESS);
	uint32_t attrs = 0;
	assert_int_equal(get_val(c, "Ap", &G1, &attrs, buf, NULL), 4);
	assert_memory_equal(buf, "abcd", 4);
	assert_int_equal(attrs, NV | BS | RT); /* APPEND is never stored */
	assert_int_equal(set_str(c, "Ap", &G1, BS | RT | AP, "ef"), EFI_INVALID_PARAMETER);
	/* Merged size over the maximum. */
	uint64_t max_storage, remaining, max_size;
	assert_int_equal(ops->query(c, NV | BS | RT, &max_storage, &remaining, &max_size), EFI_SUCCESS);
	uint64_t n = max_size - 8;
	uint8_t *big = calloc(1, n);
	if (ops->set(c, u("Ap"), &G1, NV | BS | RT | AP, n, big) != EFI_OUT_OF_RESOURCES)
		assert_int_equal(ops->set(c, u("Ap"), &G1, NV | BS | RT | AP, n, big),
				 EFI_INVALID_PARAMETER);
	free(big);
	assert_int_equal(get_val(c, "Ap", &G1, NULL, buf, NULL) >= 4, 1);
}

static void test_query_variable_info(void **state)
{
	void *c = ctx_of(state);
	uint64_t m, r, s;
	const uint32_t bad[] = {0, NV, RT, NV | RT, HR | BS | RT};
	for (int i = 0; i < 5; i++)
		assert_int_equal(ops->query(c, bad[i], &m, &r, &s), EFI_INVALID_PARAMETER);
	assert_int_equal(ops->query(c, NV | BS | RT | AW, &m, &r, &s), EFI_UNSUPPORTED);
	if (ops->direct)
		assert_int_equal(ops->query(c, NV | BS | RT, NULL, &r, &s), EFI_INVALID_PARAMETER);
	uint64_t m0, r0, s0, m1, r1, s1, m2, r2, s2;
	assert_int_equal(ops->query(c, NV | BS | RT, &m0, &r0, &s0), EFI_SUCCESS);
	assert_true(m0 >= r0 && r0 > 0 && s0 > 0 && s0 <= r0);
	uint8_t data[500] = {0};
	assert_int_equal(ops->set(c, u("Q"), &G1, NV | BS | RT, sizeof(data), data), EFI_SUCCESS);
	assert_int_equal(ops->query(c, NV | BS | RT, &m1, &r1, &s1), EFI_SUCCESS);
	assert_int_equal(m1, m0);
	assert_true(r0 - r1 >= 500 + 4 && r0 - r1 <= 500 + 4 + 128);
	assert_int_equal(ops->set(c, u("Q"), &G1, NV | BS | RT, 0, NULL), EFI_SUCCESS);
	assert_int_equal(ops->query(c, NV | BS | RT, &m2, &r2, &s2), EFI_SUCCESS);
	assert_int_equal(r2, r0);
	assert_int_equal(s2, s0);
	/* Volatile and HwErrRec classes have their own storage. */
	uint64_t vm, vr, vs, hm, hr, hs;
	assert_int_equal(ops->query(c, BS | RT, &vm, &vr, &vs), EFI_SUCCESS);
	assert_int_equal(ops->query(c, NV | BS | RT | HR, &hm, &hr, &hs), EFI_SUCCESS);
	assert_true(vm > 0 && hm > 0 && hm != m0);
	assert_int_equal(ops->set(c, u("Vol"), &G1, BS, 100, data), EFI_SUCCESS);
	assert_int_equal(ops->query(c, BS | RT, &vm, &r1, &vs), EFI_SUCCESS);
	assert_true(r1 < vr);
	assert_int_equal(ops->query(c, NV | BS | RT, &m1, &r1, &s1), EFI_SUCCESS);
	assert_int_equal(r1, r0);
}

static void test_hwerr_records(void **state)
{
	void *c = ctx_of(state);
	assert_int_equal(set_str(c, "HwErrRec0001", &HWERR, HR | RT, "e"), EFI_INVALID_PARAMETER);
	assert_int_equal(set_str(c, "HwErrRec0001", &HWERR, HR | RT | NV, "e"),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(set_str(c, "NotHwErr0001", &HWERR, HR | NV | BS | RT, "e"),
			 EFI_INVALID_PARAMETER);
	/* EDK2 IsHwErrRecVariable: the name counts under the hardware-error GUID only */
	assert_int_equal(set_str(c, "HwErrRec0001", &G1, HR | NV | BS | RT, "e"),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(set_str(c, "HwErrRec0001", &HWERR, HR | NV | BS | RT, "err"), EFI_SUCCESS);
	uint64_t m, r0, r1, s;
	assert_int_equal(ops->query(c, HR | NV | BS | RT, &m, &r1, &s), EFI_SUCCESS);
	assert_int_equal(set_str(c, "HwErrRec0001", &HWERR, HR | NV | BS | RT, ""), EFI_SUCCESS);
	assert_int_equal(ops->query(c, HR | NV | BS | RT, &m, &r0, &s), EFI_SUCCESS);
	assert_true(r0 > r1);
	efi_status_t st;
	uint8_t buf[8];
	assert_int_equal(get_val(c, "HwErrRec0001", &HWERR, NULL, buf, &st), -1);
	assert_int_equal(st, EFI_NOT_FOUND);
}

/* The order of SetVariable's checks where it decides the answer (EDK2's
 * VariableServiceSetVariable and UpdateVariable; found by differential tests). */
static void test_set_variable_check_order(void **state)
{
	void *c = ctx_of(state);
	uint8_t buf[16];
	efi_status_t st;
	assert_int_equal(set_str(c, "X", &G1, NV | BS | RT, "abc"), EFI_SUCCESS);
	/* APPEND alone is not attributes 0: an attribute mismatch, value unchanged */
	assert_int_equal(set_str(c, "X", &G1, AP, "zz"), EFI_INVALID_PARAMETER);
	assert_int_equal(ops->set(c, u("X"), &G1, AP, 0, NULL), EFI_INVALID_PARAMETER);
	assert_int_equal(get_val(c, "X", &G1, NULL, buf, NULL), 3);
	assert_memory_equal(buf, "abc", 3);
	/* on a missing variable: empty is SUCCESS with nothing created, data NOT_FOUND */
	assert_int_equal(ops->set(c, u("Missing"), &G1, AP, 0, NULL), EFI_SUCCESS);
	assert_int_equal(set_str(c, "Missing", &G1, AP, "d"), EFI_NOT_FOUND);
	assert_int_equal(get_val(c, "Missing", &G1, NULL, buf, &st), -1);
	assert_int_equal(st, EFI_NOT_FOUND);
	assert_int_equal(set_str(c, "Vol", &G1, BS | RT, "v"), EFI_SUCCESS);
	to_runtime(c);
	/* delete and no-op decisions come before the runtime creation rule */
	assert_int_equal(ops->set(c, u("Missing"), &G1, NV | BS | RT, 0, NULL), EFI_NOT_FOUND);
	assert_int_equal(ops->set(c, u("Missing"), &G1, BS | RT, 0, NULL), EFI_NOT_FOUND);
	assert_int_equal(ops->set(c, u("Missing"), &G1, BS | RT | AP, 0, NULL), EFI_SUCCESS);
	assert_int_equal(set_str(c, "Missing", &G1, BS | RT, "d"), EFI_INVALID_PARAMETER);
	/* a volatile BS|RT variable at runtime: mismatch first, then read-only */
	assert_int_equal(set_str(c, "Vol", &G1, NV | BS | RT, "v2"), EFI_INVALID_PARAMETER);
	assert_int_equal(set_str(c, "Vol", &G1, BS | RT, "v2"), EFI_WRITE_PROTECTED);
	assert_int_equal(set_str(c, "Vol", &G1, 0, ""), EFI_WRITE_PROTECTED);
	assert_int_equal(get_val(c, "Vol", &G1, NULL, buf, NULL), 1);
	assert_int_equal(set_str(c, "X", &G1, AP, "zz"), EFI_INVALID_PARAMETER);
	assert_int_equal(get_val(c, "X", &G1, NULL, buf, NULL), 3);
}

/* 0x10 (count-based authentication, deprecated): EDK2's answer for each
 * combination; UNSUPPORTED for every one the UEFI SCT tries. */
static void test_deprecated_count_based(void **state)
{
	void *c = ctx_of(state);
	static const struct {
		uint32_t attrs;
		efi_status_t want;
	} cases[] = {
		{AW, EFI_UNSUPPORTED},
		{NV | AW, EFI_INVALID_PARAMETER}, /* NV alone: EDK2's mask has no 0x10 */
		{BS | AW, EFI_UNSUPPORTED},
		{NV | BS | AW, EFI_UNSUPPORTED},
		{RT | AW, EFI_UNSUPPORTED},       /* RT without BS, with 0x10 */
		{NV | RT | AW, EFI_UNSUPPORTED},
		{BS | RT | AW, EFI_UNSUPPORTED},
		{NV | BS | RT | AW, EFI_UNSUPPORTED},
		{HR | AW, EFI_UNSUPPORTED},       /* before any HwErrRec name rule */
		{NV | BS | RT | HR | AW, EFI_UNSUPPORTED},
		{AW | AT, EFI_UNSUPPORTED},
		{NV | BS | RT | AW | AT, EFI_UNSUPPORTED},
		{AW | AP, EFI_UNSUPPORTED},
		{NV | BS | RT | AW | AP, EFI_UNSUPPORTED},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		efi_status_t got = set_str(c, "X", &G1, cases[i].attrs, "x");
		if (got != cases[i].want)
			fprintf(stderr, "attrs 0x%x: got 0x%llx\n", cases[i].attrs,
				(unsigned long long)got);
		assert_int_equal(got, cases[i].want);
	}
	/* EDK2 lets exactly AUTHINFO_SIZE (560) bytes past its first check; then
	 * AuthVariableLib refuses: UNSUPPORTED, or INVALID_PARAMETER for a key
	 * variable (it must carry NV and 0x20). */
	uint8_t *info = calloc(1, 560);
	assert_int_equal(ops->set(c, u("X"), &G1, NV | BS | RT | AW, 560, info), EFI_UNSUPPORTED);
	assert_int_equal(ops->set(c, u("PK"), &GLOBAL, NV | BS | RT | AW, 560, info),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(ops->set(c, u("X"), &G1, NV | AW, 560, info), EFI_INVALID_PARAMETER);
	free(info);
	assert_int_equal(get_val(c, "X", &G1, NULL, (uint8_t[8]){0}, NULL), -1);
}

/* EDK2's VarCheckUefiLib: the UEFI-defined variables, from ready-to-boot on. */
static void test_uefi_defined_variables(void **state)
{
	void *c = ctx_of(state);
	/* before ready-to-boot (the firmware's own DXE phase) nothing is checked */
	assert_int_equal(set_str(c, "BootOrder", &GLOBAL, NV | BS | RT, "odd"), EFI_SUCCESS);
	to_runtime(c);
	assert_int_equal(set_str(c, "BootOrder", &GLOBAL, NV | BS | RT, "odd"),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(set_str(c, "BootOrder", &GLOBAL, NV | BS | RT, "\1\0\2"),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(ops->set(c, u("BootOrder"), &GLOBAL, NV | BS | RT, 4, "\1\0\2\0"),
			 EFI_SUCCESS);
	assert_int_equal(set_str(c, "Timeout", &GLOBAL, NV | BS | RT, "\5"), EFI_INVALID_PARAMETER);
	assert_int_equal(ops->set(c, u("Timeout"), &GLOBAL, NV | BS | RT, 2, "\5\0"), EFI_SUCCESS);
	assert_int_equal(ops->set(c, u("BootNext"), &GLOBAL, BS | RT, 2, "\1\0"),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(set_str(c, "Boot0001", &GLOBAL, NV | BS | RT, "not a load option"),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(set_str(c, "NoSuchThing", &GLOBAL, NV | BS | RT, "x"),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(set_str(c, "SetupMode", &GLOBAL, BS | RT, "\1"), EFI_WRITE_PROTECTED);
	/* deletes are not content-checked */
	assert_int_equal(ops->set(c, u("BootOrder"), &GLOBAL, NV | BS | RT, 0, NULL), EFI_SUCCESS);
	var_check_property_t p;
	assert_int_equal(ops->property_get(c, u("BootOrder"), &GLOBAL, &p), EFI_SUCCESS);
	assert_int_equal(p.attributes, NV | BS | RT);
	assert_int_equal(p.min_size, 2);
	assert_int_equal(p.property, 0);
	assert_int_equal(ops->property_get(c, u("SecureBoot"), &GLOBAL, &p), EFI_SUCCESS);
	assert_true(p.property & VAR_CHECK_VARIABLE_PROPERTY_READ_ONLY);
}

static void test_same_value_and_runtime_rules(void **state)
{
	void *c = ctx_of(state);
	assert_int_equal(set_str(c, "BsOnly", &G1, NV | BS, "b"), EFI_SUCCESS);
	assert_int_equal(set_str(c, "Vol", &G1, BS | RT, "v"), EFI_SUCCESS);
	assert_int_equal(set_str(c, "Nv", &G1, NV | BS | RT, "n"), EFI_SUCCESS);
	assert_int_equal(set_str(c, "Nv", &G1, NV | BS | RT, "n"), EFI_SUCCESS); /* same value */
	to_runtime(c);
	assert_int_equal(ops->ready_to_boot(c), EFI_UNSUPPORTED);
	efi_status_t st;
	uint8_t buf[8];
	assert_int_equal(get_val(c, "BsOnly", &G1, NULL, buf, &st), -1);
	assert_int_equal(st, EFI_NOT_FOUND); /* BS-only: invisible */
	assert_int_equal(get_val(c, "Vol", &G1, NULL, buf, NULL), 1);
	assert_int_equal(set_str(c, "Vol", &G1, BS | RT, "w"), EFI_WRITE_PROTECTED);
	assert_int_equal(set_str(c, "BsOnly", &G1, NV | BS, "c"), EFI_WRITE_PROTECTED);
	assert_int_equal(set_str(c, "New", &G1, BS | RT, "x"), EFI_INVALID_PARAMETER);
	assert_int_equal(set_str(c, "New", &G1, NV | BS, "x"), EFI_INVALID_PARAMETER);
	assert_int_equal(set_str(c, "New", &G1, NV | BS | RT, "x"), EFI_SUCCESS);
	int a = 0, b = 0;
	assert_int_equal(walk(c, &a, &b), 3); /* Vol, Nv, New */
	uint64_t m, r, s;
	assert_int_equal(ops->query(c, NV | BS, &m, &r, &s), EFI_INVALID_PARAMETER);
}

static void test_locks_and_properties(void **state)
{
	void *c = ctx_of(state);
	var_check_property_t p = {.revision = VAR_CHECK_VARIABLE_PROPERTY_REVISION,
				  .property = 0, .attributes = NV | BS | RT, .min_size = 2,
				  .max_size = 4};
	var_check_property_t got;
	assert_int_equal(ops->property_get(c, u("P"), &G1, &got), EFI_NOT_FOUND);
	assert_int_equal(ops->property_set(c, u("P"), &G1, &p), EFI_SUCCESS);
	assert_int_equal(ops->property_get(c, u("P"), &G1, &got), EFI_SUCCESS);
	assert_int_equal(got.max_size, 4);
	assert_int_equal(got.attributes, NV | BS | RT);
	assert_int_equal(set_str(c, "P", &G1, NV | BS | RT, "a"), EFI_INVALID_PARAMETER);
	assert_int_equal(set_str(c, "P", &G1, NV | BS | RT, "abcde"), EFI_INVALID_PARAMETER);
	assert_int_equal(set_str(c, "P", &G1, BS | RT, "abc"), EFI_INVALID_PARAMETER);
	assert_int_equal(set_str(c, "P", &G1, NV | BS | RT, "abc"), EFI_SUCCESS);
	p.property = VAR_CHECK_VARIABLE_PROPERTY_READ_ONLY;
	assert_int_equal(ops->property_set(c, u("Ro"), &G1, &p), EFI_SUCCESS);
	assert_int_equal(set_str(c, "Ro", &G1, NV | BS | RT, "abc"), EFI_WRITE_PROTECTED);
	assert_int_equal(set_str(c, "L", &G1, NV | BS | RT, "lk"), EFI_SUCCESS);
	assert_int_equal(ops->lock(c, u("L"), &G1), EFI_SUCCESS);
	assert_int_equal(set_str(c, "L", &G1, NV | BS | RT, "l2"), EFI_SUCCESS); /* not yet */
	assert_int_equal(ops->ready_to_boot(c), EFI_SUCCESS);
	assert_int_equal(set_str(c, "L", &G1, NV | BS | RT, "l3"), EFI_WRITE_PROTECTED);
	assert_int_equal(set_str(c, "L", &G1, 0, ""), EFI_WRITE_PROTECTED);
	assert_int_equal(ops->lock(c, u("M"), &G1), EFI_ACCESS_DENIED);
	assert_int_equal(ops->property_set(c, u("M"), &G1, &p), EFI_ACCESS_DENIED);
	assert_int_equal(ops->property_get(c, u("L"), &G1, &got), EFI_SUCCESS);
	assert_true(got.property & VAR_CHECK_VARIABLE_PROPERTY_READ_ONLY);
}

static void test_persistence(void **state)
{
	void *c = ctx_of(state);
	assert_int_equal(set_str(c, "Keep", &G1, NV | BS | RT, "nv"), EFI_SUCCESS);
	assert_int_equal(set_str(c, "Gone", &G1, BS | RT, "vol"), EFI_SUCCESS);
	to_runtime(c);
	restart(state);
	c = ctx_of(state);
	uint8_t buf[8];
	efi_status_t st;
	assert_int_equal(get_val(c, "Keep", &G1, NULL, buf, NULL), 2);
	assert_int_equal(get_val(c, "Gone", &G1, NULL, buf, &st), -1);
	assert_int_equal(st, EFI_NOT_FOUND);
	/* The phase is back to boot services: BS-only variables can be created. */
	assert_int_equal(set_str(c, "BsAgain", &G1, BS, "b"), EFI_SUCCESS);
}

static void test_fill_until_full(void **state)
{
	void *c = ctx_of(state);
	uint8_t data[700];
	memset(data, 0x5A, sizeof(data));
	int n = 0;
	efi_status_t s;
	char name[32];
	for (;; n++) {
		snprintf(name, sizeof(name), "TestVariable_%d", n);
		s = ops->set(c, u(name), &G1, NV | BS, sizeof(data), data);
		if (s != EFI_SUCCESS)
			break;
		assert_true(n < 100000);
	}
	assert_int_equal(s, EFI_OUT_OF_RESOURCES);
	assert_true(n > 10);
	restart(state);
	c = ctx_of(state);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "TestVariable_%d", i);
		uint8_t buf[800];
		assert_int_equal(get_val(c, name, &G1, NULL, buf, NULL), (long)sizeof(data));
		assert_memory_equal(buf, data, sizeof(data));
		assert_int_equal(ops->set(c, u(name), &G1, NV | BS, 0, NULL), EFI_SUCCESS);
	}
	int a = 0, b = 0;
	assert_int_equal(walk(c, &a, &b), 0);
	assert_int_equal(ops->set(c, u("After"), &G1, NV | BS, sizeof(data), data), EFI_SUCCESS);
}

int conformance_run(const struct conf_ops *o)
{
	ops = o;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_get_variable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_next_variable_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_next_stable_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_variable_attribute_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_variable_attribute_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_variable_sizes_and_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_variable_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_variable_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hwerr_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_variable_check_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deprecated_count_based, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uefi_defined_variables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_value_and_runtime_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locks_and_properties, setup, teardown),
		cmocka_unit_test_setup_teardown(test_persistence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fill_until_full, setup, teardown),
	};
	/* one group, one TAP plan: the UEFI checklist, then authenticated variables */
	size_t na, nb = sizeof(tests) / sizeof(tests[0]);
	const struct CMUnitTest *auth = conformance_auth_tests(&na);
	struct CMUnitTest *all = calloc(na + nb, sizeof(*all));
	assert_non_null(all);
	memcpy(all, tests, sizeof(tests));
	memcpy(all + nb, auth, na * sizeof(*all));
	int failed = _cmocka_run_group_tests(o->name, all, na + nb, conformance_auth_keys_up,
					     conformance_auth_keys_down);
	free(all);
	return failed;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Power cuts during Secure Boot's changes: enrolment of db, KEK and PK, the
 * mode transitions (User -> Audit clears PK, Audit -> Deployed enrols it,
 * Deployed -> User), a signed append and the PK delete. For every step, the
 * device loses power at each of its write operations in turn (nothing, part or
 * all of the operation persisted); the secure core then starts again on the
 * same device and must show the state before the step or the state after it,
 * never a mix (shared/spec/secure-boot-edk2.md, variable-semantics.md; the
 * store's own guarantees: docs/store-format.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

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

/* One SetVariable of the sequence, made once (signing is done up front). */
struct step {
	const char *what;
	const char *name;
	const efi_guid_t *guid;
	uint32_t attrs;
	uint8_t *data;
	size_t size;
};

static struct step steps[8];
static size_t nsteps;

static void add(const char *what, const char *name, const efi_guid_t *g, uint32_t attrs,
		uint8_t *data, size_t size)
{
	steps[nsteps++] = (struct step){what, name, g, attrs, data, size};
}

static uint8_t *cert_auth(const struct tv_test_key *signer, const struct tv_test_key *k,
			  const char *name, const efi_guid_t *g, uint32_t attrs, unsigned day,
			  size_t *n)
{
	size_t e;
	uint8_t t[16], *esl = tv_test_esl_x509(k, tv_test_owner, &e);
	tv_test_efi_time(t, 2021, 1, day, 0, 0, 0);
	uint8_t *d = tv_test_auth2(signer, NULL, name, g, attrs, t, esl, e, n);
	free(esl);
	return d;
}

static size_t ucs2(const char *s, uint8_t *out)
{
	size_t n = strlen(s);
	for (size_t i = 0; i <= n; i++)
		out[2 * i] = (uint8_t)s[i], out[2 * i + 1] = 0;
	return 2 * (n + 1);
}

static efi_status_t run_step(struct tv_varsvc *svc, const struct step *s)
{
	uint8_t name[64];
	size_t ns = ucs2(s->name, name);
	return tv_varsvc_set(svc, name, ns, s->guid, s->attrs, s->size, s->data);
}

/* What Secure Boot looks like: the mode variables and the key variables'
 * attributes and bytes, as one comparable string of bytes. */
struct view {
	uint8_t bytes[8192];
	size_t size;
};

static void view_add(struct tv_varsvc *svc, struct view *v, const char *name, const efi_guid_t *g)
{
	uint8_t n[64], buf[4096];
	size_t ns = ucs2(name, n);
	uint64_t size = sizeof(buf);
	uint32_t attrs = 0;
	efi_status_t s = tv_varsvc_get(svc, n, ns, g, &attrs, &size, buf);
	if (s != EFI_SUCCESS)
		size = 0, attrs = 0xffffffffu;
	assert_true(v->size + 12 + size <= sizeof(v->bytes));
	memcpy(v->bytes + v->size, &attrs, 4);
	memcpy(v->bytes + v->size + 4, &size, 8);
	memcpy(v->bytes + v->size + 12, buf, (size_t)size);
	v->size += 12 + (size_t)size;
}

static void view_of(struct tv_varsvc *svc, struct view *v)
{
	v->size = 0;
	const char *modes[] = {"SetupMode", "SecureBoot", "AuditMode", "DeployedMode"};
	for (size_t i = 0; i < 4; i++)
		view_add(svc, v, modes[i], &GLOBAL);
	view_add(svc, v, "PK", &GLOBAL);
	view_add(svc, v, "KEK", &GLOBAL);
	view_add(svc, v, "db", &IMAGE);
}

static bool view_equal(const struct view *a, const struct view *b)
{
	return a->size == b->size && memcmp(a->bytes, b->bytes, a->size) == 0;
}

/* A new device and service; steps [0, upto) applied. */
static struct tv_varsvc *start(struct harness *h, size_t upto)
{
	h_init(h, 2, 2, 16);
	struct tv_varsvc *svc;
	assert_int_equal(tv_varsvc_create(h->st, NULL, &svc), TV_OK);
	for (size_t i = 0; i < upto; i++)
		assert_int_equal(run_step(svc, &steps[i]), EFI_SUCCESS);
	return svc;
}

static struct tv_varsvc *restart(struct harness *h, struct tv_varsvc *svc)
{
	tv_varsvc_destroy(svc);
	h_unmount(h);
	rpmb_emu_power_on(h->emu);
	assert_int_equal(h_mount(h), TV_OK);
	assert_int_equal(tv_varsvc_create(h->st, NULL, &svc), TV_OK);
	return svc;
}

static void test_power_cut_every_write(void **state)
{
	(void)state;
	struct tv_test_key *pk = tv_test_key_new("Cut PK", NULL);
	struct tv_test_key *kek = tv_test_key_new("Cut KEK", NULL);
	struct tv_test_key *db = tv_test_key_new("Cut db", NULL);
	size_t n;
	uint8_t *d;
	d = cert_auth(kek, db, "db", &IMAGE, KEYVAR, 4, &n);
	add("enrol db", "db", &IMAGE, KEYVAR, d, n);
	d = cert_auth(pk, kek, "KEK", &GLOBAL, KEYVAR, 3, &n);
	add("enrol KEK", "KEK", &GLOBAL, KEYVAR, d, n);
	d = cert_auth(pk, pk, "PK", &GLOBAL, KEYVAR, 1, &n);
	add("enrol PK: Setup -> User", "PK", &GLOBAL, KEYVAR, d, n);
	d = malloc(1), d[0] = 1;
	add("User -> Audit (PK cleared)", "AuditMode", &GLOBAL, BS | RT, d, 1);
	d = cert_auth(pk, pk, "PK", &GLOBAL, KEYVAR, 2, &n);
	add("enrol PK: Audit -> Deployed", "PK", &GLOBAL, KEYVAR, d, n);
	d = malloc(1), d[0] = 0;
	add("Deployed -> User", "DeployedMode", &GLOBAL, BS | RT, d, 1);
	d = cert_auth(kek, pk, "db", &IMAGE, KEYVAR | AP, 5, &n);
	add("signed db append", "db", &IMAGE, KEYVAR | AP, d, n);
	uint8_t t[16];
	tv_test_efi_time(t, 2021, 1, 9, 0, 0, 0);
	d = tv_test_auth2(pk, NULL, "PK", &GLOBAL, KEYVAR, t, NULL, 0, &n);
	add("PK delete: User -> Setup", "PK", &GLOBAL, KEYVAR, d, n);

	unsigned cuts = 0, old_seen = 0, new_seen = 0;
	for (size_t i = 0; i < nsteps; i++) {
		/* the clean run: the views before and after, and the writes it takes */
		struct harness h;
		struct tv_varsvc *svc = start(&h, i);
		struct view before, after, got;
		view_of(svc, &before);
		struct rpmb_emu_stats s0, s1;
		rpmb_emu_stats(h.emu, &s0);
		assert_int_equal(run_step(svc, &steps[i]), EFI_SUCCESS);
		rpmb_emu_stats(h.emu, &s1);
		svc = restart(&h, svc);
		view_of(svc, &after);
		assert_false(view_equal(&before, &after));
		tv_varsvc_destroy(svc);
		h_fini(&h);
		uint64_t writes = s1.write_ops - s0.write_ops;
		assert_true(writes >= 1);
		for (uint64_t k = 1; k <= writes; k++) {
			for (uint32_t persist = 0; persist <= 2; persist++) {
				svc = start(&h, i);
				rpmb_emu_fault_power_cut(h.emu, k, persist);
				efi_status_t st = run_step(svc, &steps[i]);
				assert_true(st != EFI_SUCCESS || k == writes);
				svc = restart(&h, svc);
				view_of(svc, &got);
				bool is_old = view_equal(&got, &before), is_new = view_equal(&got, &after);
				if (!is_old && !is_new)
					fprintf(stderr, "# step '%s', cut at write %llu of %llu (%u blocks "
						"kept): neither the old nor the new state\n",
						steps[i].what, (unsigned long long)k,
						(unsigned long long)writes, persist);
				assert_true(is_old || is_new);
				old_seen += is_old, new_seen += is_new;
				cuts++;
				tv_varsvc_destroy(svc);
				h_fini(&h);
			}
		}
	}
	printf("# %u power cuts over %zu Secure Boot steps: %u left the old state, %u the new\n",
	       cuts, nsteps, old_seen, new_seen);
	assert_true(old_seen > 0 && new_seen > 0);
	for (size_t i = 0; i < nsteps; i++)
		free(steps[i].data);
	tv_test_key_free(pk);
	tv_test_key_free(kek);
	tv_test_key_free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_power_cut_every_write)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

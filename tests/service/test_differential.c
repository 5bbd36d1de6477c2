/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Randomized differential test: long random sequences of operations, valid and
 * invalid (bad attribute combinations, appends, deletes of missing variables,
 * runtime rules, restarts), run against the secure core's variable service and
 * against a small independent model of the UEFI semantics written from
 * shared/spec/variable-semantics.md. Statuses, contents and the enumeration set
 * must agree after every step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "secure_core.h"
#include "tv_test_util.h"

#define NV 0x1u
#define BS 0x2u
#define RT 0x4u
#define HR 0x8u
#define AW 0x10u
#define AT 0x20u
#define AP 0x40u

static const char *const names[] = {"Boot0000", "BootOrder", "Lang", "X", "HwErrRec0001",
				    "HwErrRecZZZZ", "a-longer-variable-name", "Timeout"};
#define NNAMES (sizeof(names) / sizeof(names[0]))
#define NGUIDS 3
#define MAXDATA 300

/* ---- the model ---- */
struct mvar {
	bool present;
	uint32_t attrs;
	uint32_t size;
	uint8_t data[2 * MAXDATA * 8];
};
struct model {
	struct mvar v[NNAMES][NGUIDS];
	int phase; /* 0 boot, 1 ready, 2 runtime */
};

static bool m_visible(const struct model *m, const struct mvar *v)
{
	return v->present && (m->phase != 2 || (v->attrs & RT));
}

static bool hwerr_name(const char *n)
{
	if (strlen(n) != 12 || strncmp(n, "HwErrRec", 8) != 0)
		return false;
	for (int i = 8; i < 12; i++)
		if (!strchr("0123456789abcdefABCDEF", n[i]))
			return false;
	return true;
}

#define HWERR_GI 2 /* the model's third GUID is the hardware-error-record GUID */
#define AUTHINFO_SIZE 560u

/* SetVariable in the order of EDK2's VariableServiceSetVariable (front end),
 * VarCheckUefiLib (from ready-to-boot on: under the HwErr GUID only
 * HwErrRec#### with NV|BS|RT|HR), AuthVariableLib's ProcessVariable and
 * UpdateVariable (shared/spec/secure-boot-edk2.md sections 1 and 8,
 * variable-semantics.md). AT data is made so that its descriptor never fits. */
static efi_status_t m_set(struct model *m, int ni, int gi, uint32_t attrs, const uint8_t *d,
			  uint32_t size)
{
	struct mvar *v = &m->v[ni][gi];
	(void)d;
	if (attrs & ~0x7Fu)
		return EFI_INVALID_PARAMETER;
	if ((attrs & RT) && !(attrs & BS))
		return (attrs & AW) ? EFI_UNSUPPORTED : EFI_INVALID_PARAMETER;
	if ((attrs & ~AW) == NV)
		return EFI_INVALID_PARAMETER;
	if ((attrs & AW) && (attrs & AT))
		return EFI_UNSUPPORTED;
	if ((attrs & AW) && size != AUTHINFO_SIZE)
		return EFI_UNSUPPORTED;
	if (attrs & AT)
		return EFI_SECURITY_VIOLATION; /* the descriptor does not fit */
	bool hwerr = hwerr_name(names[ni]) && gi == HWERR_GI;
	if ((attrs & HR) && ((attrs & (NV | BS | RT)) != (NV | BS | RT) || !hwerr))
		return EFI_INVALID_PARAMETER;
	bool del = (!(attrs & AP) && size == 0) || attrs == 0;
	if (m->phase >= 1 && gi == HWERR_GI && !del) {
		if (!hwerr)
			return EFI_INVALID_PARAMETER; /* not in the namespace */
		if ((attrs & ~AP) != (NV | BS | RT | HR))
			return EFI_INVALID_PARAMETER; /* the table's attributes */
	}
	if (v->present) {
		if (m->phase == 2 && !(v->attrs & RT))
			return EFI_WRITE_PROTECTED;
		if (attrs != 0 && (attrs & ~AP) != v->attrs)
			return EFI_INVALID_PARAMETER; /* APPEND alone is a mismatch */
	}
	/* UpdateVariable */
	del = (!(attrs & AP) && size == 0) || (attrs & (BS | RT)) == 0;
	if (v->present) {
		if (m->phase == 2 && !(v->attrs & NV))
			return EFI_WRITE_PROTECTED;
		if (del) {
			v->present = false;
			return EFI_SUCCESS;
		}
		if (attrs & AP) {
			memcpy(v->data + v->size, d, size);
			v->size += size;
			return EFI_SUCCESS;
		}
	} else {
		if (size == 0 && (attrs & AP))
			return EFI_SUCCESS;
		if (del)
			return EFI_NOT_FOUND;
		if (m->phase == 2 && (!(attrs & RT) || !(attrs & NV)))
			return EFI_INVALID_PARAMETER;
	}
	v->present = true;
	v->attrs = attrs & ~AP;
	v->size = size;
	memcpy(v->data, d, size);
	return EFI_SUCCESS;
}

static void m_restart(struct model *m)
{
	m->phase = 0;
	for (size_t n = 0; n < NNAMES; n++)
		for (int g = 0; g < NGUIDS; g++)
			if (!(m->v[n][g].attrs & NV))
				m->v[n][g].present = false;
}

/* ---- the implementation under test ---- */
struct dut {
	char *dir;
	struct tv_secure *sec;
};

static struct tv_varsvc *svc(struct dut *d)
{
	return tv_secure_varsvc(d->sec);
}

static void dut_open(struct dut *d)
{
	struct tv_secure_config cfg;
	tv_secure_config_default(&cfg);
	cfg.emu.size_mult = 4;
	cfg.sync = false;
	assert_int_equal(tv_secure_open(d->dir, &cfg, &d->sec), 0);
}

static size_t ucs2(const char *s, uint8_t *out)
{
	size_t n = strlen(s);
	for (size_t i = 0; i <= n; i++) {
		out[2 * i] = (uint8_t)s[i];
		out[2 * i + 1] = 0;
	}
	return 2 * (n + 1);
}

static efi_guid_t guid_of(int gi)
{
	efi_guid_t g = {{0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0,
			 0xd0, 0xe0, 0xf0, 0x00}};
	static const efi_guid_t hwerr = {{0xdd, 0x6b, 0x4e, 0x41, 0x7b, 0xe4, 0xcc, 0x47, 0xb2,
					  0x44, 0xbb, 0x61, 0x02, 0x0c, 0xf5, 0x16}};
	g.b[15] = (uint8_t)gi;
	return gi == HWERR_GI ? hwerr : g;
}

/* The implementation and the model agree on every variable and on the walk. */
static void compare_all(struct dut *d, const struct model *m)
{
	uint8_t name[64], buf[sizeof(m->v[0][0].data)];
	int visible = 0;
	for (size_t n = 0; n < NNAMES; n++) {
		for (int g = 0; g < NGUIDS; g++) {
			const struct mvar *v = &m->v[n][g];
			size_t ns = ucs2(names[n], name);
			efi_guid_t guid = guid_of(g);
			uint64_t size = sizeof(buf);
			uint32_t attrs = 0;
			efi_status_t s = tv_varsvc_get(svc(d), name, ns, &guid, &attrs, &size, buf);
			if (!m_visible(m, v)) {
				assert_int_equal(s, EFI_NOT_FOUND);
				continue;
			}
			visible++;
			assert_int_equal(s, EFI_SUCCESS);
			assert_int_equal(attrs, v->attrs);
			assert_int_equal(size, v->size);
			assert_memory_equal(buf, v->data, v->size);
		}
	}
	int walked = 0;
	uint64_t size = sizeof(name);
	efi_guid_t g;
	memset(name, 0, sizeof(name));
	while (tv_varsvc_get_next(svc(d), &size, name, &g) == EFI_SUCCESS) {
		for (int gi = 0; gi < NGUIDS; gi++) {
			efi_guid_t mg = guid_of(gi);
			walked += memcmp(mg.b, g.b, 16) == 0; /* not the service's own */
		}
		size = sizeof(name);
		assert_true(walked <= visible);
	}
	assert_int_equal(walked, visible);
}

static uint32_t pick_attrs(uint64_t *rng)
{
	static const uint32_t pool[] = {
		NV | BS | RT, NV | BS | RT, NV | BS, BS | RT, BS, 0, RT, NV, NV | RT, NV | BS | RT | AP,
		BS | RT | AP, AP, NV | BS | RT | HR, HR | RT, NV | BS | RT | AW, BS | AW,
		NV | BS | RT | AT, NV | BS | RT | AT | AP, 0x80 | NV | BS | RT, 0x100 | BS, AW,
		HR | AW, NV | AW, NV | BS | RT | HR | AP, HR | NV | BS | RT | AW};
	return pool[tv_test_rand(rng) % (sizeof(pool) / sizeof(pool[0]))];
}

static void run(uint64_t seed, int steps)
{
	struct dut d = {.dir = tv_test_tmpdir()};
	dut_open(&d);
	struct model *m = calloc(1, sizeof(*m));
	uint64_t rng = seed;
	uint8_t data[MAXDATA], name[64];
	int stats[4] = {0};
	for (int i = 0; i < steps; i++) {
		uint32_t dice = (uint32_t)(tv_test_rand(&rng) % 100);
		int ni = (int)(tv_test_rand(&rng) % NNAMES), gi = (int)(tv_test_rand(&rng) % NGUIDS);
		efi_guid_t guid = guid_of(gi);
		size_t ns = ucs2(names[ni], name);
		if (dice < 80) {
			uint32_t attrs = pick_attrs(&rng);
			uint32_t size = (uint32_t)(tv_test_rand(&rng) % 4 == 0 ? 0 : tv_test_rand(&rng) % MAXDATA);
			if ((attrs & AP) && m->v[ni][gi].size + size > sizeof(m->v[0][0].data) / 2)
				size = 0;
			for (uint32_t k = 0; k < size; k++)
				data[k] = (uint8_t)tv_test_rand(&rng);
			if ((attrs & AT) && size >= 20)
				data[19] = 0xff; /* dwLength past the data */
			efi_status_t want = m_set(m, ni, gi, attrs, data, size);
			efi_status_t got = tv_varsvc_set(svc(&d), name, ns, &guid, attrs, size, data);
			if (got != want)
				fprintf(stderr, "step %d: set %s/%d attrs 0x%x size %u: got 0x%llx want 0x%llx\n",
					i, names[ni], gi, attrs, size, (unsigned long long)got,
					(unsigned long long)want);
			assert_int_equal(got, want);
			stats[want == EFI_SUCCESS]++;
		} else if (dice < 90) {
			/* GetVariable with a random buffer size. */
			uint64_t asked = tv_test_rand(&rng) % 64, size = asked;
			uint8_t buf[64];
			uint32_t attrs;
			const struct mvar *v = &m->v[ni][gi];
			efi_status_t got = tv_varsvc_get(svc(&d), name, ns, &guid, &attrs, &size, buf);
			efi_status_t want = !m_visible(m, v) ? EFI_NOT_FOUND
				: asked < v->size ? EFI_BUFFER_TOO_SMALL : EFI_SUCCESS;
			assert_int_equal(got, want);
			if (want != EFI_NOT_FOUND)
				assert_int_equal(size, v->size);
		} else if (dice < 94 && m->phase < 2) {
			m->phase = m->phase == 0 ? 1 : 2;
			efi_status_t s = m->phase == 1 ? tv_varsvc_ready_to_boot(svc(&d))
						       : tv_varsvc_exit_boot_services(svc(&d));
			assert_int_equal(s, EFI_SUCCESS);
			stats[2]++;
		} else if (dice < 97) {
			tv_secure_close(d.sec);
			dut_open(&d);
			m_restart(m);
			stats[3]++;
		}
		compare_all(&d, m);
	}
	printf("# seed %llu: %d steps, %d successful sets, %d refused, %d phase changes, "
	       "%d restarts\n", (unsigned long long)seed, steps, stats[1], stats[0], stats[2],
	       stats[3]);
	free(m);
	tv_secure_close(d.sec);
	tv_test_rmtree(d.dir);
	free(d.dir);
}

static void test_differential(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 4; seed++)
		run(seed * 7919, 3000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_differential)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

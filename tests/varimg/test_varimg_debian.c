/* SPDX-License-Identifier: BSD-2-Clause */
/* Debian's OVMF and AAVMF variable images (packages ovmf, qemu-efi-aarch64),
 * read from /usr/share when installed, skipped otherwise: names, attributes,
 * sizes, the Secure Boot keys and their timestamps, the blank AAVMF_VARS.fd, the
 * FTW header CRC, and exports that keep the template's other bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "varimg.h"
#include "varimg_test.h"

#define OVMF "/usr/share/OVMF/"
#define AAVMF "/usr/share/AAVMF/"

static uint8_t *load(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p;
	long k;

	if (!f)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	k = ftell(f);
	assert_true(k > 0);
	rewind(f);
	p = malloc((size_t)k);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)k, f), (size_t)k);
	fclose(f);
	*n = (size_t)k;
	return p;
}

#define LOAD_OR_SKIP(var, n, path)                                                          \
	do {                                                                                \
		var = load(path, &n);                                                       \
		if (!var) {                                                                 \
			print_message("# %s is not installed\n", path);                     \
			skip();                                                             \
			return;                                                             \
		}                                                                           \
	} while (0)

static void parse_ok(const uint8_t *p, size_t n, struct tv_img *m)
{
	struct tv_img_error e;
	int rc = tv_img_parse(p, n, TV_IMG_AUTO, m, &e);

	if (rc != 0)
		print_message("# %s\n", e.msg);
	assert_int_equal(rc, 0);
	assert_int_equal(m->format, TV_IMG_EDK2);
}

static const struct tv_img_var *find(const struct tv_img *m, const char *name, const uint8_t *guid)
{
	uint8_t nb[128];
	uint32_t ns = vt_ucs2(name, nb);

	for (size_t i = 0; i < m->count; i++)
		if (m->vars[i].name_size == ns && !memcmp(m->vars[i].name, nb, ns) &&
		    !memcmp(m->vars[i].guid.b, guid, 16))
			return &m->vars[i];
	return NULL;
}

/* The FTW working block header's CRC, recomputed by the test (zlib) and by
 * varimg, equals the stored one. */
static void check_ftw(const uint8_t *p, size_t off, uint64_t queue)
{
	static const uint8_t sig[16] = {0x2b, 0x29, 0x58, 0x9e, 0x68, 0x7c, 0x7d, 0x49,
					0xa0, 0xce, 0x65, 0x00, 0xfd, 0x9f, 0x1b, 0x95};
	uint8_t h[32];

	assert_memory_equal(p + off, sig, 16);
	memcpy(h, p + off, 32);
	memset(h + 16, 0xFF, 5);
	assert_int_equal((uint32_t)crc32(0L, h, 32), vt_get32(p + off + 16));
	assert_int_equal(tv_edk2_ftw_header_crc(p + off), vt_get32(p + off + 16));
	assert_int_equal(p[off + 20], 0xFE);
	assert_int_equal(vt_get32(p + off + 24), queue);
}

struct key {
	const char *name;
	const uint8_t *guid;
	uint32_t size;
};

static void check_keys(const struct tv_img *m, const struct key *k, unsigned hms)
{
	for (int i = 0; i < 4; i++) {
		const struct tv_img_var *v = find(m, k[i].name, k[i].guid);
		uint8_t t[16] = {0xe9, 0x07, 3, 10, (uint8_t)(hms / 10000), (uint8_t)(hms / 100 % 100),
				 (uint8_t)(hms % 100)};

		assert_non_null(v);
		assert_int_equal(v->attrs, 0x27);
		assert_int_equal(v->data_size, k[i].size);
		assert_true(v->has_time);
		assert_memory_equal(v->time, t, 16);
	}
}

static const uint8_t certdb_guid[16] = {0x6e, 0xe5, 0xbe, 0xd9, 0xdc, 0x75, 0xd9, 0x49,
					0xb4, 0xd7, 0xb5, 0x34, 0x21, 0x0f, 0x63, 0x7a};
static const uint8_t custom_guid[16] = {0x0c, 0xec, 0x76, 0xc0, 0x28, 0x70, 0x99, 0x43,
					0xa0, 0x72, 0x71, 0xee, 0x5c, 0x44, 0x8b, 0x9f};
static const uint8_t sbe_guid[16] = {0xc7, 0x0b, 0xa3, 0xf0, 0x08, 0xaf, 0x56, 0x45,
				     0x99, 0xc4, 0x00, 0x10, 0x09, 0xc9, 0x3a, 0x44};

static void check_common(const struct tv_img *m)
{
	const struct tv_img_var *v;

	assert_true(m->edk2_authenticated);
	assert_true(m->edk2_has_ftw);
	assert_false(m->edk2_ftw_queue_used);
	/* The bookkeeping variables teevar import ignores are there. */
	v = find(m, "certdb", certdb_guid);
	assert_non_null(v);
	assert_int_equal(v->attrs, 0x27);
	assert_int_equal(v->data_size, 4);
	assert_false(v->has_time); /* a zero TimeStamp */
	v = find(m, "CustomMode", custom_guid);
	assert_non_null(v);
	assert_int_equal(v->attrs, 3);
	v = find(m, "SecureBootEnable", sbe_guid);
	assert_non_null(v);
	assert_int_equal(v->data_size, 1);
	/* Boot entries. */
	v = find(m, "Boot0000", vt_global_guid);
	assert_non_null(v);
	assert_int_equal(v->attrs, 7);
	assert_int_equal(v->data_size, 62);
	assert_non_null(find(m, "Timeout", vt_global_guid));
	assert_null(find(m, "BootOrder", vt_global_guid)); /* deleted, never re-written */
}

static void test_ovmf_4m(void **state)
{
	struct tv_img m;
	uint8_t *p;
	size_t n;
	(void)state;

	LOAD_OR_SKIP(p, n, OVMF "OVMF_VARS_4M.fd");
	assert_int_equal(n, 540672);
	parse_ok(p, n, &m);
	assert_false(m.blank);
	assert_true(m.edk2_authenticated);
	assert_int_equal(m.count, 0);
	assert_int_equal(m.edk2_dead, 0);
	assert_true(m.edk2_has_ftw);
	check_ftw(p, 0x41000, 0xfe0);
	tv_img_free(&m);
	free(p);
}

static void test_ovmf_4m_keys(const char *path, const struct key *k, unsigned hms)
{
	struct tv_img m;
	uint8_t *p;
	size_t n;

	LOAD_OR_SKIP(p, n, path);
	assert_int_equal(n, 540672);
	parse_ok(p, n, &m);
	assert_int_equal(m.count, 31);
	assert_int_equal(m.edk2_dead, 26);
	check_common(&m);
	check_keys(&m, k, hms);
	assert_int_equal(find(&m, "MemoryTypeInformation",
			      (const uint8_t[16]){0x9f, 0x04, 0x19, 0x4c, 0x37, 0x41, 0xd3, 0x4d,
						  0x9c, 0x10, 0x8b, 0x97, 0xa8, 0x3f, 0xfd, 0xfa})
				 ->data_size,
			 48);
	check_ftw(p, 0x41000, 0xfe0);
	tv_img_free(&m);
	free(p);
}

static const struct key ms_keys[] = {
	{"PK", vt_global_guid, 1005}, {"KEK", vt_global_guid, 2565},
	{"db", vt_db_guid, 3143},     {"dbx", vt_db_guid, 76}};
static const struct key snakeoil_keys[] = {
	{"PK", vt_global_guid, 935}, {"KEK", vt_global_guid, 935},
	{"db", vt_db_guid, 935},     {"dbx", vt_db_guid, 76}};

static void test_ovmf_4m_ms(void **state)
{
	(void)state;
	test_ovmf_4m_keys(OVMF "OVMF_VARS_4M.ms.fd", ms_keys, 25339);
}

static void test_ovmf_4m_snakeoil(void **state)
{
	(void)state;
	test_ovmf_4m_keys(OVMF "OVMF_VARS_4M.snakeoil.fd", snakeoil_keys, 25348);
}

static void test_aavmf_keys(const char *path, const struct key *k, unsigned hms)
{
	struct tv_img m;
	uint8_t *p;
	size_t n;

	LOAD_OR_SKIP(p, n, path);
	assert_int_equal(n, 64u << 20);
	parse_ok(p, n, &m);
	assert_int_equal(m.count, 22);
	assert_int_equal(m.edk2_dead, 7);
	check_common(&m);
	check_keys(&m, k, hms);
	check_ftw(p, 0x40000, 0x3ffe0);
	tv_img_free(&m);
	free(p);
}

static void test_aavmf_ms(void **state)
{
	(void)state;
	test_aavmf_keys(AAVMF "AAVMF_VARS.ms.fd", ms_keys, 24637);
}

static void test_aavmf_snakeoil(void **state)
{
	(void)state;
	test_aavmf_keys(AAVMF "AAVMF_VARS.snakeoil.fd", snakeoil_keys, 24647);
}

static void test_aavmf_blank(void **state)
{
	struct tv_img m;
	uint8_t *p;
	size_t n;
	(void)state;

	LOAD_OR_SKIP(p, n, AAVMF "AAVMF_VARS.fd");
	assert_int_equal(n, 64u << 20);
	parse_ok(p, n, &m);
	assert_true(m.blank);
	assert_int_equal(m.count, 0);
	assert_null(m.vars);
	tv_img_free(&m);
	free(p);
}

/* An export with OVMF_VARS_4M.fd as the template: the live variables of the .ms
 * image; every byte outside the variable store and the FTW header is the
 * template's; the export parses back to the same variables. */
static void test_export_ovmf_template(void **state)
{
	struct tv_img src, back;
	struct tv_edk2_layout l;
	struct tv_img_error e;
	uint8_t *t, *ms, *out;
	size_t tn, msn, on;
	(void)state;

	LOAD_OR_SKIP(t, tn, OVMF "OVMF_VARS_4M.fd");
	ms = load(OVMF "OVMF_VARS_4M.ms.fd", &msn);
	if (!ms) {
		free(t);
		skip();
		return;
	}
	parse_ok(ms, msn, &src);
	assert_int_equal(tv_edk2_layout_from_template(t, tn, &l, &e), 0);
	assert_int_equal(l.store_offset, 0x48);
	assert_int_equal(l.store_size, 0x3ffb8);
	assert_int_equal(l.ftw_offset, 0x41000);
	assert_int_equal(l.ftw_queue_size, 0xfe0);
	assert_int_equal(l.fv_length, 0x84000);
	assert_int_equal(tv_img_write_edk2(src.vars, src.count, &l, t, tn, &out, &on, &e), 0);
	assert_int_equal(on, 540672);
	for (size_t i = 0; i < on; i++) {
		if (i >= 0x48 && i < 0x48 + 0x3ffb8)
			continue;
		if (i >= 0x41000 && i < 0x41020)
			continue;
		if (out[i] != t[i])
			print_message("# byte 0x%zx differs\n", i);
		assert_int_equal(out[i], t[i]);
	}
	/* The FTW header is the template's too (the same queue size). */
	assert_memory_equal(out + 0x41000, t + 0x41000, 32);
	parse_ok(out, on, &back);
	assert_int_equal(back.count, src.count);
	assert_int_equal(back.edk2_dead, 0);
	for (size_t i = 0; i < src.count; i++) {
		assert_int_equal(back.vars[i].name_size, src.vars[i].name_size);
		assert_memory_equal(back.vars[i].name, src.vars[i].name, src.vars[i].name_size);
		assert_int_equal(back.vars[i].data_size, src.vars[i].data_size);
		assert_memory_equal(back.vars[i].data, src.vars[i].data, src.vars[i].data_size);
		assert_int_equal(back.vars[i].has_time, src.vars[i].has_time);
		assert_memory_equal(back.vars[i].time, src.vars[i].time, 16);
	}
	tv_img_free(&src);
	tv_img_free(&back);
	free(out);
	free(ms);
	free(t);
}

/* AAVMF's default layout (no template) matches Debian's AAVMF_VARS.ms.fd byte for
 * byte outside the variable records. */
static void test_aavmf_default_layout(void **state)
{
	struct tv_img src;
	struct tv_edk2_layout l, lt;
	struct tv_img_error e;
	uint8_t *ms, *out;
	size_t msn, on;
	(void)state;

	LOAD_OR_SKIP(ms, msn, AAVMF "AAVMF_VARS.ms.fd");
	parse_ok(ms, msn, &src);
	tv_edk2_layout_aavmf(&l);
	assert_int_equal(tv_edk2_layout_from_template(ms, msn, &lt, &e), 0);
	assert_memory_equal(&l, &lt, sizeof(l));
	assert_int_equal(tv_img_write_edk2(src.vars, src.count, &l, NULL, 0, &out, &on, &e), 0);
	assert_int_equal(on, msn);
	assert_memory_equal(out, ms, 0x64);                     /* FV + store headers */
	assert_memory_equal(out + 0x40000, ms + 0x40000, on - 0x40000); /* FTW, spare, zeros */
	tv_img_free(&src);
	free(out);
	free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ovmf_4m),
		cmocka_unit_test(test_ovmf_4m_ms),
		cmocka_unit_test(test_ovmf_4m_snakeoil),
		cmocka_unit_test(test_aavmf_ms),
		cmocka_unit_test(test_aavmf_snakeoil),
		cmocka_unit_test(test_aavmf_blank),
		cmocka_unit_test(test_export_ovmf_template),
		cmocka_unit_test(test_aavmf_default_layout),
	};
	return cmocka_run_group_tests_name("varimg_debian", tests, NULL, NULL);
}

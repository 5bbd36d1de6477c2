/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevard --rpmb rpc against a hostile or broken normal world (the client
 * that carries the RPCs, tests/lib/rpc_peer.c).
 *
 * Broken answers (another frame, a wrong size, an error with bytes, garbage,
 * too late, never, a hang-up): the RPC fails, the request fails, the
 * connection is dropped after its answer, and the next client finds the store
 * consistent (the attacked write landed or not, nothing else changed). An
 * error answer is an answer: the request fails, the connection stays.
 *
 * The attacks of tests/supplicant/test_supplicant_hostile.c, through this
 * route: a forged MAC (a bit flipped under it) on read, counter and write
 * answers, a replayed read answer, reordered frames, a replayed write answer
 * (the wrong write counter). Every one is rejected, never served as data:
 * what is served afterwards, and what a fresh mount finds, is the model.
 * argv[1]: the teevard binary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <cmocka.h>

#include <teevar/client.h>

#include "rpc_fixture.h"
#include "rpc_peer.h"
#include "tv_err.h"
#include "tvd_wire.h"

static const uint8_t stmm_uuid[16] = TV_STMM_UUID;

/* teevard may log after the client saw its side fail: wait a little. */
static void assert_log(struct rfx *f, const char *text)
{
	for (int i = 0; i < 300 && !tvd_log_contains(&f->d, text); i++)
		usleep(10000);
	if (!tvd_log_contains(&f->d, text))
		fail_msg("the log %s lacks \"%s\"", f->d.log, text);
}

static struct rpc_peer *peer(struct rfx *f)
{
	struct rpcp_config cfg = rfx_peer_config(f);
	struct rpc_peer *p;
	assert_int_equal(rpcp_connect(f->d.sock, &cfg, &p), 0);
	return p;
}

static struct tvd_status open_raw(struct rpc_peer *p)
{
	struct tvd_open_req r = {.login = 0};
	memcpy(r.uuid, stmm_uuid, 16);
	struct tvd_frame fr;
	assert_int_equal(tvd_enc_open_req(&r, &fr), TV_OK);
	uint8_t *body;
	size_t len;
	if (rpcp_request(p, fr.buf, fr.len, TVD_OP_OPEN_SESSION, &body, &len) != 0)
		return (struct tvd_status){.result = TEE_ERROR_COMMUNICATION, .origin = 0};
	struct tvd_open_resp a;
	assert_int_equal(tvd_dec_open_resp(body, len, &a), TV_OK);
	free(body);
	return a.st;
}

/* Variable n holds one of two values: the model then says which. */
static void settle(struct tv_client *c, struct rfx_model *m, unsigned n, uint8_t fill,
		   size_t size)
{
	struct rfx_model with_new = *m;
	with_new.present[n] = true;
	with_new.size[n] = size;
	with_new.fill[n] = fill;
	uint8_t data[4096];
	size_t got = sizeof(data);
	efi_char16_t name[64];
	char ascii[16];
	snprintf(ascii, sizeof(ascii), "R%u", n);
	tvd_ucs2(name, ascii);
	static const efi_guid_t g = {{0x72, 0x70, 0x63, 0x2d, 0x74, 0x76, 0x64, 0x00, 0x01, 0x02,
				      0x03, 0x04, 0x05, 0x06, 0x07, 0x08}};
	uint32_t attrs;
	if (tv_get_variable(c, name, &g, &attrs, &got, data) == EFI_SUCCESS && got == size &&
	    data[0] == fill)
		*m = with_new;
	rfx_assert_model(c, m);
}

/* ---- broken answers ---- */

/* Each with the RPC it breaks during a mount. */
static const struct {
	enum rpcp_mode mode;
	const char *log;
	int at_mount;
} broken[] = {
	{RPCP_WRONG_OP, "an RPC answered with another frame", RPCP_PROBE},
	{RPCP_SHORT, "an RPC answered with the wrong size", RPCP_INFO},
	{RPCP_LONG, "an RPC answered with more bytes than asked for", RPCP_KEY},
	{RPCP_ERRDATA, "an RPC answer that does not decode", RPCP_COUNTER},
	{RPCP_GARBAGE, "an RPC answered with something that is not a frame", RPCP_READ},
	{RPCP_LATE, "no answer to an RPC in time", RPCP_WRITE},
	{RPCP_SILENT, "no answer to an RPC in time", RPCP_READ},
	{RPCP_HANGUP, "hung up instead of answering an RPC", RPCP_COUNTER},
};
#define N_BROKEN (sizeof(broken) / sizeof(broken[0]))

/* A write's RPC answered wrongly: the SetVariable fails, the connection goes;
 * the store is consistent for the next client. */
static void test_broken_answers_on_write(void **state)
{
	struct rfx *f = *state;
	rfx_start(f, true, NULL);
	static struct rfx_model m;
	memset(&m, 0, sizeof(m));
	struct tv_client *c = rfx_client(f, NULL);
	for (unsigned n = 0; n < 4; n++)
		assert_int_equal(rfx_set_model(c, &m, n, (uint8_t)(0x40 + n), 200 + 300 * n),
				 EFI_SUCCESS);
	tv_client_close(c);
	for (size_t i = 0; i < N_BROKEN; i++) {
		struct rpc_peer *p;
		c = rfx_client(f, &p);
		rpcp_set_late_ms(p, RFX_RPC_TIMEOUT_MS + 700);
		rpcp_attack(p, broken[i].mode, RPCP_WRITE, 0, 1);
		uint8_t fill = (uint8_t)(0x80 + i);
		assert_int_equal(rfx_set(c, 4, fill, 700), EFI_DEVICE_ERROR);
		if (rpcp_attacks(p) != 1)
			fail_msg("%zu (%s): the write failed before its RPC was attacked", i,
				 broken[i].log);
		if (broken[i].mode != RPCP_HANGUP)
			assert_true(rpcp_closed(p)); /* dropped after the answer */
		tv_client_close(c);
		assert_log(f, broken[i].log);
		c = rfx_client(f, NULL);
		settle(c, &m, 4, fill, 700); /* the write may have landed */
		assert_int_equal(rfx_set_model(c, &m, 5, fill, 64), EFI_SUCCESS);
		tv_client_close(c);
	}
	/* an error answer is an answer: the request fails, the connection stays */
	struct rpc_peer *p;
	c = rfx_client(f, &p);
	rpcp_attack(p, RPCP_DOWN, RPCP_WRITE, 0, 1);
	assert_int_equal(rfx_set(c, 6, 0x66, 10), EFI_DEVICE_ERROR);
	assert_int_equal(rfx_set_model(c, &m, 6, 0x67, 10), EFI_SUCCESS);
	assert_false(rpcp_closed(p));
	rfx_assert_model(c, &m);
	tv_client_close(c);
	rfx_stop(f); /* a fresh mount finds the model */
	rfx_start(f, true, NULL);
	c = rfx_client(f, NULL);
	rfx_assert_model(c, &m);
	tv_client_close(c);
}

/* The mount's RPCs answered wrongly: the session fails with COMMUNICATION
 * (origin COMMS), the connection goes; the next session mounts. */
static void test_broken_answers_at_mount(void **state)
{
	struct rfx *f = *state;
	rfx_start(f, true, NULL);
	for (size_t i = 0; i < N_BROKEN; i++) {
		struct rpc_peer *p = peer(f);
		rpcp_set_late_ms(p, RFX_RPC_TIMEOUT_MS + 700);
		rpcp_attack(p, broken[i].mode, broken[i].at_mount, 0, 1);
		struct tvd_status st = open_raw(p);
		if (rpcp_attacks(p) != 1)
			fail_msg("%zu: no attack at mount (result 0x%x)", i, st.result);
		assert_int_equal(st.result, TEE_ERROR_COMMUNICATION);
		if (broken[i].mode != RPCP_HANGUP) {
			assert_int_equal(st.origin, TEE_ORIGIN_COMMS);
			assert_true(rpcp_closed(p));
		}
		rpcp_free(p);
		assert_log(f, broken[i].log);
	}
	struct tv_client *c = rfx_client(f, NULL);
	static struct rfx_model m;
	memset(&m, 0, sizeof(m));
	assert_int_equal(rfx_set_model(c, &m, 0, 0x11, 11), EFI_SUCCESS);
	rfx_assert_model(c, &m);
	tv_client_close(c);
}

/* ---- hostile frames ---- */

/* A store with data in several places: mounts read multi-frame answers. */
static void fill(struct rfx *f, struct rfx_model *m)
{
	memset(m, 0, sizeof(*m));
	struct tv_client *c = rfx_client(f, NULL);
	for (unsigned n = 0; n < 8; n++)
		assert_int_equal(rfx_set_model(c, m, n, (uint8_t)(0x20 + n), 300 + 450 * n),
				 EFI_SUCCESS);
	assert_int_equal(rfx_set_model(c, m, 2, 0x99, 2500), EFI_SUCCESS);
	tv_client_close(c);
}

/* A mount through an attacker fails; an honest one then finds the model. */
static void mount_attack(struct rfx *f, const struct rfx_model *m, enum rpcp_mode mode,
			 int target, unsigned skip)
{
	rfx_stop(f);
	rfx_start(f, true, NULL);
	struct rpc_peer *p = peer(f);
	rpcp_attack(p, mode, target, skip, 1);
	struct tvd_status st = open_raw(p);
	if (rpcp_attacks(p) != 1)
		fail_msg("mode %d on kind %d: no attack was made", (int)mode, target);
	if (st.result != TEE_ERROR_COMMUNICATION)
		fail_msg("mode %d on kind %d: the mount succeeded", (int)mode, target);
	assert_false(rpcp_closed(p)); /* a well-formed answer: the connection stays */
	rpcp_free(p);
	struct tv_client *c = rfx_client(f, NULL);
	rfx_assert_model(c, m);
	tv_client_close(c);
}

static void test_hostile_mount(void **state)
{
	struct rfx *f = *state;
	rfx_start(f, true, NULL);
	static struct rfx_model m;
	fill(f, &m);
	mount_attack(f, &m, RPCP_FLIP, RPCP_READ, 0);    /* forged MAC: the superblock */
	mount_attack(f, &m, RPCP_FLIP, RPCP_READ, 3);    /* ... a later read */
	mount_attack(f, &m, RPCP_FLIP, RPCP_COUNTER, 0); /* ... the counter */
	mount_attack(f, &m, RPCP_REPLAY, RPCP_READ, 1);  /* an earlier read answer */
	mount_attack(f, &m, RPCP_REORDER, RPCP_READ, 0); /* frames of a read swapped */
	mount_attack(f, &m, RPCP_FLIP, RPCP_INFO, 0);    /* another CID: another key */
}

/* A write attacked: the SetVariable reports what the device proves (the new
 * value read back, or an error with the old one); never bad data. With
 * unsettle, a write whose answer was lost first: the next one reads the
 * counter again and reads its blocks back, which can be attacked then. */
static void write_attack(struct rfx *f, struct rfx_model *m, bool unsettle, enum rpcp_mode mode,
			 int target, unsigned skip, uint8_t val)
{
	struct rpc_peer *p;
	struct tv_client *c = rfx_client(f, &p);
	assert_int_equal(rfx_set_model(c, m, 9, val, 30), EFI_SUCCESS); /* for replays */
	if (unsettle) {
		rpcp_attack(p, RPCP_DOWN, RPCP_WRITE, 0, 1);
		assert_int_equal(rfx_set(c, 10, (uint8_t)~val, 20), EFI_DEVICE_ERROR);
	}
	rpcp_attack(p, mode, target, skip, 1);
	efi_status_t s = rfx_set(c, 10, val, 600);
	if (rpcp_attacks(p) != (unsettle ? 2u : 1u))
		fail_msg("mode %d on kind %d: no attack was made", (int)mode, target);
	assert_true(s == EFI_SUCCESS || s == EFI_DEVICE_ERROR);
	if (s == EFI_SUCCESS) {
		m->present[10] = true;
		m->size[10] = 600;
		m->fill[10] = val;
	}
	rfx_assert_model(c, m);
	rpcp_attack(p, RPCP_HONEST, RPCP_ANY, 0, 0);
	assert_int_equal(rfx_set_model(c, m, 11, val, 40), EFI_SUCCESS);
	rfx_assert_model(c, m);
	tv_client_close(c);
}

static void test_hostile_writes(void **state)
{
	struct rfx *f = *state;
	rfx_start(f, true, NULL);
	static struct rfx_model m;
	fill(f, &m);
	write_attack(f, &m, false, RPCP_FLIP, RPCP_WRITE, 0, 0xA1);   /* forged MAC on the result */
	write_attack(f, &m, false, RPCP_REPLAY, RPCP_WRITE, 0, 0xA2); /* old result: wrong counter */
	write_attack(f, &m, true, RPCP_FLIP, RPCP_COUNTER, 0, 0xA3);  /* the counter read first */
	write_attack(f, &m, true, RPCP_FLIP, RPCP_READ, 0, 0xA4);     /* the read-back */
	write_attack(f, &m, true, RPCP_REPLAY, RPCP_READ, 0, 0xA5);
	write_attack(f, &m, true, RPCP_REPLAY, RPCP_COUNTER, 0, 0xA6);
	rfx_stop(f);
	rfx_start(f, true, NULL);
	struct tv_client *c = rfx_client(f, NULL);
	rfx_assert_model(c, &m); /* a fresh mount agrees */
	tv_client_close(c);
}

int main(int argc, char **argv)
{
	tvd_harness_init(argc > 1 ? argv[1] : NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_broken_answers_on_write, rfx_setup,
						rfx_teardown),
		cmocka_unit_test_setup_teardown(test_broken_answers_at_mount, rfx_setup,
						rfx_teardown),
		cmocka_unit_test_setup_teardown(test_hostile_mount, rfx_setup, rfx_teardown),
		cmocka_unit_test_setup_teardown(test_hostile_writes, rfx_setup, rfx_teardown),
	};
	return cmocka_run_group_tests_name("teevard_rpc_hostile", tests, NULL, NULL);
}

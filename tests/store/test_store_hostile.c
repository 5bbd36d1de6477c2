/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A hostile route between the secure side and the device: it flips bits,
 * replays old responses, changes addresses and nonces, drops requests or
 * responses. Every attack must be detected (an error, never bad data), and the
 * store must stay consistent: what it serves equals what a fresh mount finds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store_harness.h"
#include "var_service.h"
#include "tv_bytes.h"
#include "tv_err.h"

enum attack {
	NONE,
	FLIP_BIT,      /* flip one bit of the response */
	REPLAY,        /* answer with an earlier response of the same kind; drop the request */
	WRONG_ADDRESS, /* send the request for another address */
	WRONG_NONCE,   /* send the request with another nonce */
	DROP_REQUEST,  /* never deliver; report an error */
	DROP_RESPONSE, /* deliver, then report an error */
	LAND_THEN_FAIL, /* deliver, deliver again, answer with the signed failure */
	WITHHOLD,      /* keep the first request, deliver it in place of the second */
};

struct evil {
	struct rpmb_dev inner;
	enum attack attack;
	uint16_t target;       /* request type to attack */
	uint32_t hits;         /* attacks carried out */
	uint8_t saved[4][256 * RPMB_FRAME_SIZE];
	size_t saved_n[4];
	uint8_t held[64 * RPMB_FRAME_SIZE]; /* WITHHOLD: the request kept back */
	size_t held_n;
};

static int evil_info(void *ctx, struct rpmb_dev_info *info)
{
	struct evil *e = ctx;
	return rpmb_dev_get_info(&e->inner, info);
}

static int forward(struct evil *e, const uint8_t *req, size_t nreq, uint8_t *resp, size_t nresp)
{
	uint16_t type = rpmb_frame_type(req);
	int rc = rpmb_dev_route(&e->inner, req, nreq, resp, nresp);
	if (rc == TV_OK && type >= 1 && type <= 4 && nresp <= 256) {
		memcpy(e->saved[type - 1], resp, nresp * RPMB_FRAME_SIZE);
		e->saved_n[type - 1] = nresp;
	}
	return rc;
}

static int attack(struct evil *e, const uint8_t *req, size_t nreq, uint8_t *resp, size_t nresp)
{
	uint16_t type = rpmb_frame_type(req);
	uint8_t *copy = malloc(nreq * RPMB_FRAME_SIZE);
	memcpy(copy, req, nreq * RPMB_FRAME_SIZE);
	int rc = TV_OK;
	switch (e->attack) {
	case FLIP_BIT:
		rc = rpmb_dev_route(&e->inner, req, nreq, resp, nresp);
		resp[(nresp - 1) * RPMB_FRAME_SIZE + 300 + e->hits % 200] ^= 0x10;
		break;
	case REPLAY:
		if (e->saved_n[type - 1] != nresp) {
			rc = forward(e, req, nreq, resp, nresp);
			e->hits--; /* nothing to replay yet */
		} else {
			memcpy(resp, e->saved[type - 1], nresp * RPMB_FRAME_SIZE);
		}
		break;
	case WRONG_ADDRESS:
		tv_put_be16(copy + RPMB_OFF_ADDRESS, (uint16_t)(tv_get_be16(copy + RPMB_OFF_ADDRESS) ^ 1));
		rc = rpmb_dev_route(&e->inner, copy, nreq, resp, nresp);
		break;
	case WRONG_NONCE:
		copy[RPMB_OFF_NONCE] ^= 1;
		rc = rpmb_dev_route(&e->inner, copy, nreq, resp, nresp);
		break;
	case DROP_REQUEST:
		rc = TV_EIO;
		break;
	case DROP_RESPONSE:
		rpmb_dev_route(&e->inner, req, nreq, resp, nresp);
		rc = TV_EIO;
		break;
	case LAND_THEN_FAIL:
		rpmb_dev_route(&e->inner, req, nreq, resp, nresp);
		rc = rpmb_dev_route(&e->inner, req, nreq, resp, nresp);
		break;
	case WITHHOLD:
		if (e->held_n == 0) {
			memcpy(e->held, req, nreq * RPMB_FRAME_SIZE);
			e->held_n = nreq;
			rc = TV_EIO;
		} else {
			rc = rpmb_dev_route(&e->inner, e->held, e->held_n, resp, nresp);
			e->attack = NONE;
		}
		break;
	case NONE:
		break;
	}
	free(copy);
	return rc;
}

static int evil_route(void *ctx, const uint8_t *req, size_t nreq, uint8_t *resp, size_t nresp)
{
	struct evil *e = ctx;
	if (e->attack == NONE || rpmb_frame_type(req) != e->target)
		return forward(e, req, nreq, resp, nresp);
	e->hits++;
	return attack(e, req, nreq, resp, nresp);
}

static const struct rpmb_dev_ops evil_ops = {.get_info = evil_info, .route = evil_route};

/* RAM state == what a fresh mount of the device finds. */
static void assert_consistent(struct harness *h)
{
	struct harness t = {.emu = h->emu, .cfg = h->cfg};
	memcpy(t.huk, h->huk, sizeof(t.huk));
	assert_int_equal(h_mount(&t), TV_OK);
	uint32_t n1 = 0, n2 = 0;
	for (const struct tv_store_var *v = tv_store_first(h->st); v; v = tv_store_next(h->st, v)) {
		const struct tv_store_var *w = tv_store_get(t.st, v->guid, v->name, v->name_size);
		assert_non_null(w);
		assert_int_equal(w->data_size, v->data_size);
		if (v->data_size)
			assert_memory_equal(w->data, v->data, v->data_size);
		n1++;
	}
	for (const struct tv_store_var *v = tv_store_first(t.st); v; v = tv_store_next(t.st, v))
		n2++;
	assert_int_equal(n1, n2);
	h_unmount(&t);
}

static void setup(struct harness *h, struct evil *e)
{
	h_init(h, 1, 1, 32);
	uint8_t buf[300];
	for (uint32_t n = 0; n < 10; n++) {
		memset(buf, (int)n, sizeof(buf));
		assert_int_equal(h_set(h->st, n, buf, sizeof(buf)), TV_OK);
	}
	h_unmount(h);
	memset(e, 0, sizeof(*e));
	e->inner = rpmb_emu_dev(h->emu);
	assert_int_equal(h_mount_dev(h, (struct rpmb_dev){.ops = &evil_ops, .ctx = e}), TV_OK);
	/* Prime the replay memory with one write and its responses. */
	memset(buf, 0xEE, sizeof(buf));
	assert_int_equal(h_set(h->st, 20, buf, 10), TV_OK);
}

/* Writes under attack: an error or the new value, never a mix; consistent after. */
static void write_attack_sized(enum attack a, bool may_land, uint32_t size)
{
	struct harness h;
	struct evil e;
	setup(&h, &e);
	e.attack = a;
	e.target = RPMB_REQ_WRITE;
	uint8_t buf[700];
	memset(buf, 0x5A, sizeof(buf));
	int rc = h_set(h.st, 3, buf, size);
	assert_true(e.hits > 0);
	e.attack = NONE;
	const struct tv_store_var *v = h_get(h.st, 3);
	assert_non_null(v);
	if (rc == TV_OK) {
		assert_true(may_land);
		assert_int_equal(v->data_size, size);
	} else {
		assert_true(rc == TV_EAUTH || rc == TV_EIO || rc == TV_EDEVICE);
		assert_int_equal(v->data_size, 300);
		assert_int_equal(v->data[0], 3);
	}
	assert_consistent(&h);
	/* Once the route behaves, writes work again. */
	assert_int_equal(h_set(h.st, 4, buf, 100), TV_OK);
	assert_consistent(&h);
	h_fini(&h);
}

static void write_attack(enum attack a, bool may_land)
{
	write_attack_sized(a, may_land, 700); /* a record of two write operations */
}

static void test_write_flipped_bit(void **s) { (void)s; write_attack(FLIP_BIT, true); }
static void test_write_replayed_response(void **s) { (void)s; write_attack(REPLAY, false); }
static void test_write_wrong_address(void **s) { (void)s; write_attack(WRONG_ADDRESS, false); }
static void test_write_dropped_request(void **s) { (void)s; write_attack(DROP_REQUEST, false); }
static void test_write_dropped_response(void **s) { (void)s; write_attack(DROP_RESPONSE, true); }

/* One write operation: it lands, and the answer is a replayed signed failure. */
static void test_write_landed_then_failure_replayed(void **s)
{
	(void)s;
	write_attack_sized(LAND_THEN_FAIL, true, 100);
	write_attack(LAND_THEN_FAIL, true);
}

/* The route keeps a signed write back and delivers it in place of the next one
 * (same counter, same address): the read-back after an unsettled write sees it. */
static void test_write_withheld_then_substituted(void **state)
{
	(void)state;
	struct harness h;
	struct evil e;
	setup(&h, &e);
	e.attack = WITHHOLD;
	e.target = RPMB_REQ_WRITE;
	uint8_t a[40], b[40];
	memset(a, 0xAA, sizeof(a));
	memset(b, 0xBB, sizeof(b));
	assert_int_not_equal(h_set(h.st, 6, a, sizeof(a)), TV_OK); /* withheld */
	assert_int_equal(h_get(h.st, 6)->data[0], 6);
	int rc = h_set(h.st, 7, b, sizeof(b)); /* answered by the withheld write */
	assert_int_equal(e.attack, NONE);
	assert_int_not_equal(rc, TV_OK);
	assert_int_equal(h_get(h.st, 7)->data[0], 7); /* b is not there */
	assert_int_equal(h_get(h.st, 6)->data[0], 0xAA); /* a landed after all */
	assert_consistent(&h);
	assert_int_equal(h_set(h.st, 7, b, sizeof(b)), TV_OK);
	assert_consistent(&h);
	h_fini(&h);
}

/* Remounts the store through the same hostile route: a restart of the secure core. */
static void restart(struct harness *h, struct evil *e)
{
	h_unmount(h);
	assert_int_equal(h_mount_dev(h, (struct rpmb_dev){.ops = &evil_ops, .ctx = e}), TV_OK);
}

/* Every acknowledged value is there: var n holds `data[0]` x size bytes. */
static void assert_var(struct harness *h, uint32_t n, uint8_t fill, uint32_t size)
{
	const struct tv_store_var *v = h_get(h->st, n);
	assert_non_null(v);
	assert_int_equal(v->data_size, size);
	for (uint32_t i = 0; i < size; i++)
		assert_int_equal(v->data[i], fill);
}

/* The route withholds W1 (refused to the caller), the secure core restarts, and
 * the route delivers W1 in place of the first write after the restart (same
 * counter, same address): that write must not be acknowledged. */
static void test_restart_substitution(void **state)
{
	(void)state;
	struct harness h;
	struct evil e;
	setup(&h, &e);
	e.attack = WITHHOLD;
	e.target = RPMB_REQ_WRITE;
	uint8_t a[40], b[40];
	memset(a, 0xAA, sizeof(a));
	memset(b, 0xBB, sizeof(b));
	assert_int_not_equal(h_set(h.st, 6, a, sizeof(a)), TV_OK); /* W1, withheld */
	restart(&h, &e);
	assert_var(&h, 6, 6, 300);
	int rc = h_set(h.st, 7, b, sizeof(b)); /* W2: the route lands W1 instead */
	assert_int_equal(e.attack, NONE);
	assert_int_not_equal(rc, TV_OK);
	assert_var(&h, 7, 7, 300);  /* W2 was not acknowledged, and is not there */
	assert_var(&h, 6, 0xAA, 40); /* W1 landed after all: served as the media has it */
	assert_consistent(&h);
	assert_int_equal(h_set(h.st, 7, b, sizeof(b)), TV_OK);
	restart(&h, &e);
	assert_var(&h, 7, 0xBB, 40);
	assert_consistent(&h);
	h_fini(&h);
}

/* A replayed success answer for the first write after a restart proves nothing. */
static void test_restart_replayed_answer(void **state)
{
	(void)state;
	struct harness h;
	struct evil e;
	setup(&h, &e);
	restart(&h, &e);
	e.attack = REPLAY; /* the saved answer of setup()'s last write */
	e.target = RPMB_REQ_WRITE;
	uint8_t b[40];
	memset(b, 0xBB, sizeof(b));
	assert_int_not_equal(h_set(h.st, 7, b, sizeof(b)), TV_OK);
	e.attack = NONE;
	assert_var(&h, 7, 7, 300);
	assert_consistent(&h);
	assert_int_equal(h_set(h.st, 7, b, sizeof(b)), TV_OK);
	assert_consistent(&h);
	h_fini(&h);
}

/* The route withholds W1, the store reloads and sees W1 did not land; the route
 * delivers W1 just before the next write's counter read. RAM must learn of W1
 * before writing: a counter that moved since the last reload means something
 * landed. */
static void late_delivery(bool with_restart)
{
	struct harness h;
	struct evil e;
	setup(&h, &e);
	e.attack = WITHHOLD;
	e.target = RPMB_REQ_WRITE;
	uint8_t a[40], b[40], resp[RPMB_FRAME_SIZE];
	memset(a, 0xAA, sizeof(a));
	memset(b, 0xBB, sizeof(b));
	assert_int_not_equal(h_set(h.st, 6, a, sizeof(a)), TV_OK); /* W1, withheld */
	assert_var(&h, 6, 6, 300);
	if (with_restart)
		restart(&h, &e);
	e.attack = NONE;
	assert_int_equal(rpmb_dev_route(&e.inner, e.held, e.held_n, resp, 1), TV_OK); /* lands */
	int rc = h_set(h.st, 7, b, sizeof(b));
	if (with_restart && rc != TV_OK) {
		/* The counter read at mount came before the delivery: the write is
		 * refused by the device, and the store reloads instead of guessing. */
		assert_var(&h, 7, 7, 300);
		assert_consistent(&h);
		rc = h_set(h.st, 7, b, sizeof(b));
	}
	assert_int_equal(rc, TV_OK);
	assert_var(&h, 6, 0xAA, 40); /* learned before writing */
	assert_var(&h, 7, 0xBB, 40);
	assert_consistent(&h);
	restart(&h, &e);
	assert_var(&h, 6, 0xAA, 40);
	assert_var(&h, 7, 0xBB, 40);
	h_fini(&h);
}

static void test_late_delivery(void **s) { (void)s; late_delivery(false); }
static void test_late_delivery_after_restart(void **s) { (void)s; late_delivery(true); }

/* QueryVariableInfo's remaining NV space, and what the store really holds. */
static void assert_accounting(struct tv_varsvc *svc, struct tv_store *st)
{
	uint64_t max, remaining, largest, held = 0;
	for (const struct tv_store_var *v = tv_store_first(st); v; v = tv_store_next(st, v))
		held += tv_store_var_cost(v->name_size, v->data_size, v->has_ext);
	assert_int_equal(tv_varsvc_query(svc, 7, &max, &remaining, &largest), EFI_SUCCESS);
	assert_int_equal(remaining, max - held);
}

static efi_status_t svc_set(struct tv_varsvc *svc, uint32_t n, uint32_t attrs, uint8_t fill,
			    uint32_t size)
{
	uint8_t name[32], data[64];
	efi_guid_t guid;
	h_guid((uint8_t)(n % 3), guid.b);
	memset(data, fill, sizeof(data));
	return tv_varsvc_set(svc, name, h_name(n, name), &guid, attrs, size, data);
}

/* setup(), and the variable service on the store. */
static struct tv_varsvc *svc_setup(struct harness *h, struct evil *e)
{
	setup(h, e);
	struct tv_varsvc *svc;
	assert_int_equal(tv_varsvc_create(h->st, NULL, &svc), TV_OK);
	return svc;
}

/* After a check that a fresh mount equals RAM, the end of the test. */
static void svc_teardown(struct harness *h, struct tv_varsvc *svc)
{
	assert_consistent(h);
	tv_varsvc_destroy(svc);
	h_fini(h);
}

/* The variable service's use counts come from the store, so a reload that
 * reveals another state (a write that was refused, landed late) leaves them
 * right: deleting the variable the service never saw created must not wrap. */
static void test_accounting_after_reload(void **state)
{
	(void)state;
	struct harness h;
	struct evil e;
	struct tv_varsvc *svc = svc_setup(&h, &e);
	e.attack = WITHHOLD;
	e.target = RPMB_REQ_WRITE;
	assert_int_not_equal(svc_set(svc, 30, 7, 0xAA, 40), EFI_SUCCESS); /* withheld */
	assert_accounting(svc, h.st);
	e.attack = NONE;
	uint8_t resp[RPMB_FRAME_SIZE];
	assert_int_equal(rpmb_dev_route(&e.inner, e.held, e.held_n, resp, 1), TV_OK); /* lands */
	assert_int_equal(svc_set(svc, 30, 0, 0, 0), EFI_SUCCESS); /* the delete finds it */
	assert_null(h_get(h.st, 30));
	assert_accounting(svc, h.st);
	assert_int_equal(svc_set(svc, 31, 7, 0x31, 60), EFI_SUCCESS);
	assert_accounting(svc, h.st);
	svc_teardown(&h, svc);
}

/* RAM cannot take a record the device verified (out of memory): the value is
 * stored, so SetVariable succeeds, and RAM is rebuilt from the media. */
static void test_nomem_after_verified_write(void **state)
{
	(void)state;
	struct harness h;
	struct evil e;
	struct tv_varsvc *svc = svc_setup(&h, &e);
	tv_store_test_fail_next_apply(h.st);
	assert_int_equal(svc_set(svc, 32, 7, 0x32, 50), EFI_SUCCESS);
	assert_var(&h, 32, 0x32, 50);
	assert_accounting(svc, h.st);
	assert_consistent(&h);
	tv_store_test_fail_next_apply(h.st);
	assert_int_equal(svc_set(svc, 32, 0, 0, 0), EFI_SUCCESS); /* a delete, likewise */
	assert_null(h_get(h.st, 32));
	assert_accounting(svc, h.st);
	svc_teardown(&h, svc);
}

/* A stale counter: the route replays an old counter response. */
static void test_stale_counter(void **state)
{
	(void)state;
	struct harness h;
	struct evil e;
	setup(&h, &e);
	h.rpmb.counter_known = false; /* force a counter read before the next write */
	e.attack = REPLAY;
	e.target = RPMB_REQ_READ_COUNTER;
	uint8_t buf[8] = {1};
	int rc = h_set(h.st, 5, buf, 8);
	assert_true(e.hits > 0);
	assert_true(rc == TV_EAUTH || rc == TV_EKEY);
	e.attack = NONE;
	assert_int_equal(h_get(h.st, 5)->data_size, 300);
	assert_int_equal(h_set(h.st, 5, buf, 8), TV_OK);
	assert_consistent(&h);
	h_fini(&h);
}

/* Reads under attack (mount): refused with an error, never served. */
static void read_attack(enum attack a)
{
	struct harness h;
	struct evil e;
	setup(&h, &e);
	h_unmount(&h);
	e.attack = a;
	e.target = RPMB_REQ_READ;
	int rc = h_mount_dev(&h, (struct rpmb_dev){.ops = &evil_ops, .ctx = &e});
	assert_true(e.hits > 0);
	assert_true(rc == TV_EAUTH || rc == TV_EIO);
	e.attack = NONE;
	assert_int_equal(h_mount_dev(&h, (struct rpmb_dev){.ops = &evil_ops, .ctx = &e}), TV_OK);
	assert_int_equal(h_get(h.st, 7)->data[0], 7);
	h_fini(&h);
}

static void test_read_flipped_bit(void **s) { (void)s; read_attack(FLIP_BIT); }
static void test_read_replayed(void **s) { (void)s; read_attack(REPLAY); }
static void test_read_wrong_address(void **s) { (void)s; read_attack(WRONG_ADDRESS); }
static void test_read_wrong_nonce(void **s) { (void)s; read_attack(WRONG_NONCE); }
static void test_read_dropped(void **s) { (void)s; read_attack(DROP_RESPONSE); }

/* The route lies that the key is not programmed: we must not send the key again. */
static void test_fake_no_key(void **state)
{
	(void)state;
	struct harness h;
	h_init(&h, 1, 1, 32);
	h_unmount(&h);
	struct rpmb_dev dev = rpmb_emu_dev(h.emu);
	struct tv_rpmb r;
	struct tv_rpmb_config cfg = {.allow_key_program = false};
	assert_int_equal(tv_rpmb_open(&r, dev, h.huk, &cfg), TV_OK); /* programmed: fine */
	tv_rpmb_close(&r);
	h_fini(&h);

	h_init(&h, 1, 1, 32);
	h_fini(&h);
	struct rpmb_emu_config ec;
	rpmb_emu_config_default(&ec);
	ec.size_mult = 1;
	struct rpmb_emu *blank;
	assert_int_equal(rpmb_emu_new_mem(&ec, &blank), TV_OK);
	uint8_t huk[32] = {0};
	assert_int_equal(tv_rpmb_open(&r, rpmb_emu_dev(blank), huk, &cfg), TV_EKEY);
	rpmb_emu_free(blank);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_flipped_bit),
		cmocka_unit_test(test_write_replayed_response),
		cmocka_unit_test(test_write_wrong_address),
		cmocka_unit_test(test_write_dropped_request),
		cmocka_unit_test(test_write_dropped_response),
		cmocka_unit_test(test_write_landed_then_failure_replayed),
		cmocka_unit_test(test_write_withheld_then_substituted),
		cmocka_unit_test(test_stale_counter),
		cmocka_unit_test(test_restart_substitution),
		cmocka_unit_test(test_restart_replayed_answer),
		cmocka_unit_test(test_late_delivery),
		cmocka_unit_test(test_late_delivery_after_restart),
		cmocka_unit_test(test_accounting_after_reload),
		cmocka_unit_test(test_nomem_after_verified_write),
		cmocka_unit_test(test_read_flipped_bit),
		cmocka_unit_test(test_read_replayed),
		cmocka_unit_test(test_read_wrong_address),
		cmocka_unit_test(test_read_wrong_nonce),
		cmocka_unit_test(test_read_dropped),
		cmocka_unit_test(test_fake_no_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

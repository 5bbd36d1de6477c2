/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevard --rpmb rpc as a process: the secure core reaches its RPMB device
 * through the normal world of the client making a request, as OP-TEE does with
 * RPCs. The client here (tests/lib/rpc_peer.c) plays the QEMU guest: it sends
 * RPC_ENABLE, opens a session to StMM and serves the RPCs from a device in this
 * process that behaves like tee-supplicant 3.19's emulation (256 KiB, one frame
 * per write, host-order block counts in read answers).
 *
 * The store is mounted by the first session; before, everything that needs it
 * answers STORAGE_NOT_AVAILABLE; a failed mount is retried by the next
 * session; the probe (RPC 22) decides nothing but the log; the supplicant
 * going away and coming back; key provisioning only when allowed and once;
 * --kernel-route with and without rpmb.img; --boot-phase runtime; a client
 * without RPC_ENABLE. argv[1]: the teevard binary.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <unistd.h>

#include <cmocka.h>

#include <teevar/client.h>
#include <teevar/store_info.h>
#include <teevar/transport.h>

#include "rpc_fixture.h"
#include "rpc_peer.h"
#include "tv_err.h"
#include "tvd_wire.h"

static const uint8_t stmm_uuid[16] = TV_STMM_UUID;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A connection that does not send RPC_ENABLE (raw requests through rpcp). */
static struct rpc_peer *plain(struct rfx *f)
{
	struct rpcp_config cfg = rfx_peer_config(f);
	cfg.send_enable = false;
	struct rpc_peer *p;
	assert_int_equal(rpcp_connect(f->d.sock, &cfg, &p), 0);
	return p;
}

/* Sends the encoded frame f (taken) as op; the answer's body (free it). */
static uint8_t *ask(struct rpc_peer *p, int enc_rc, struct tvd_frame f, uint16_t op, size_t *len)
{
	assert_int_equal(enc_rc, TV_OK);
	uint8_t *body = NULL;
	assert_int_equal(rpcp_request(p, f.buf, f.len, op, &body, len), 0);
	return body;
}

static struct tvd_status open_raw(struct rpc_peer *p)
{
	struct tvd_open_req r = {.login = 0};
	memcpy(r.uuid, stmm_uuid, 16);
	struct tvd_frame fr;
	size_t len;
	int rc = tvd_enc_open_req(&r, &fr);
	uint8_t *body = ask(p, rc, fr, TVD_OP_OPEN_SESSION, &len);
	struct tvd_open_resp a;
	assert_int_equal(tvd_dec_open_resp(body, len, &a), TV_OK);
	free(body);
	return a.st;
}

static struct tvd_info_resp info_raw(struct rpc_peer *p)
{
	struct tvd_info_req q = {.layout = TVD_INFO_ROUTE};
	struct tvd_frame fr;
	size_t len;
	int rc = tvd_enc_info_req(&q, &fr);
	uint8_t *body = ask(p, rc, fr, TVD_OP_STORE_INFO, &len);
	struct tvd_info_resp a;
	assert_int_equal(tvd_dec_info_resp(body, len, &a), TV_OK);
	free(body);
	return a;
}

static struct tvd_check_resp check_raw(struct rpc_peer *p)
{
	struct tvd_frame fr;
	size_t len;
	int rc = tvd_enc_empty_req(TVD_OP_STORE_CHECK, &fr);
	uint8_t *body = ask(p, rc, fr, TVD_OP_STORE_CHECK, &len);
	struct tvd_check_resp a;
	assert_int_equal(tvd_dec_check_resp(body, len, &a), TV_OK);
	free(body);
	return a;
}

static struct tvd_status recover_raw(struct rpc_peer *p)
{
	struct tvd_frame fr;
	size_t len;
	int rc = tvd_enc_empty_req(TVD_OP_STORE_RECOVER, &fr);
	uint8_t *body = ask(p, rc, fr, TVD_OP_STORE_RECOVER, &len);
	struct tvd_recover_resp a;
	assert_int_equal(tvd_dec_recover_resp(body, len, &a), TV_OK);
	free(body);
	return a.st;
}

/* teevard may log after the client saw its side fail: wait a little. */
static void assert_log(struct rfx *f, const char *text)
{
	for (int i = 0; i < 300 && !tvd_log_contains(&f->d, text); i++)
		usleep(10000);
	if (!tvd_log_contains(&f->d, text))
		fail_msg("the log %s lacks \"%s\"", f->d.log, text);
}

/* ---- before the mount, the mount, and serving ---- */

static void test_mount_and_serve(void **state)
{
	struct rfx *f = *state;
	rfx_start(f, true, NULL);
	/* nothing is mounted: every store request says so */
	struct rpc_peer *raw = plain(f);
	struct tvd_info_resp info = info_raw(raw);
	assert_int_equal(info.st.result, TVD_TEE_ERROR_STORAGE_NOT_AVAILABLE);
	assert_int_equal(info.st.origin, TEE_ORIGIN_TEE);
	struct tvd_check_resp chk = check_raw(raw);
	assert_int_equal(chk.st.result, TVD_TEE_ERROR_STORAGE_NOT_AVAILABLE);
	assert_int_equal(chk.st.origin, TEE_ORIGIN_TEE);
	assert_non_null(strstr(chk.report.detail, "not mounted"));
	assert_int_equal(recover_raw(raw).result, TVD_TEE_ERROR_STORAGE_NOT_AVAILABLE);
	/* a session of a client that carries no RPCs cannot mount it */
	struct tvd_status st = open_raw(raw);
	assert_int_equal(st.result, TVD_TEE_ERROR_STORAGE_NOT_AVAILABLE);
	assert_int_equal(st.origin, TEE_ORIGIN_COMMS);
	assert_log(f, "not mounted yet");
	assert_int_equal(rpmb_emu_counter(f->emu), 0); /* nothing reached the device */

	/* RPC_ENABLE with a body is malformed; the connection stays */
	uint8_t *fr = malloc(TVD_HDR_SIZE + 1), *body;
	size_t len;
	tvd_hdr_encode(fr, TVD_OP_RPC_ENABLE, 1);
	fr[TVD_HDR_SIZE] = 0;
	assert_int_equal(rpcp_request(raw, fr, TVD_HDR_SIZE + 1, TVD_OP_RPC_ENABLE, &body, &len), 0);
	struct tvd_status es;
	assert_int_equal(tvd_dec_status(body, len, &es), TV_OK);
	free(body);
	assert_int_equal(es.result, TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(es.origin, TEE_ORIGIN_COMMS);

	/* the first session of the guest mounts it: probe, key, format */
	struct rpc_peer *peer;
	struct tv_client *c = rfx_client(f, &peer);
	assert_int_equal(rpcp_seen(peer, RPCP_PROBE), 1);
	assert_int_equal(rpcp_seen(peer, RPCP_INFO), 1);
	assert_int_equal(rpcp_seen(peer, RPCP_KEY), 1);
	assert_true(rpcp_seen(peer, RPCP_WRITE) > 0 && rpcp_seen(peer, RPCP_READ) > 0);
	assert_log(f, "RPMB_PROBE_RESET answered 0xffff000a");
	assert_log(f, "store mounted through");
	static struct rfx_model m;
	memset(&m, 0, sizeof(m));
	assert_int_equal(rfx_set_model(c, &m, 0, 0xA0, 10), EFI_SUCCESS);
	assert_int_equal(rfx_set_model(c, &m, 1, 0xA1, 3000), EFI_SUCCESS); /* 12 blocks */
	assert_int_equal(rfx_set_model(c, &m, 2, 0xA2, 15000), EFI_SUCCESS); /* ~a segment */
	assert_int_equal(rfx_set_model(c, &m, 1, 0xB1, 100), EFI_SUCCESS);
	rfx_assert_model(c, &m);
	assert_int_equal(rpcp_multi_frame_writes(peer), 0); /* one frame per write, always */

	/* what the store says now, to anyone with read access */
	info = info_raw(raw);
	assert_int_equal(info.st.result, TEE_SUCCESS);
	assert_int_equal(info.layout, TVD_INFO_ROUTE);
	assert_int_equal(info.info.route, TV_STORE_ROUTE_RPC);
	assert_int_equal(info.info.rpmb_blocks, 1024);
	assert_int_equal(info.info.blocks_per_write, 1);
	assert_int_equal(info.info.var_count, 3);
	assert_int_equal(info.info.phase, 0);
	assert_int_equal(info.info.write_counter, rpmb_emu_counter(f->emu));
	/* check and recover need a route of teevard's own */
	chk = check_raw(raw);
	assert_int_equal(chk.st.result, TVD_TEE_ERROR_STORAGE_NOT_AVAILABLE);
	assert_non_null(strstr(chk.report.detail, "--rpmb rpc"));
	assert_int_equal(recover_raw(raw).result, TVD_TEE_ERROR_STORAGE_NOT_AVAILABLE);
	rpcp_free(raw);

	/* a client without RPC_ENABLE: reads from RAM, writes fail (no route) */
	struct tv_transport t;
	assert_int_equal(tv_transport_unix_open(f->d.sock, &t), 0);
	struct tv_client *u;
	assert_int_equal(tv_client_open(t, &u), EFI_SUCCESS);
	rfx_assert_model(u, &m);
	assert_int_equal(rfx_set(u, 3, 0x33, 20), EFI_DEVICE_ERROR);
	tv_client_close(u);
	assert_log(f, "only a client that sent RPC_ENABLE carries");
	/* the guest's writes are unharmed, and cost no more: nothing left for the
	 * refused write, so there is nothing uncertain to read back */
	unsigned reads = rpcp_seen(peer, RPCP_READ);
	assert_int_equal(rfx_set_model(c, &m, 3, 0xC3, 20), EFI_SUCCESS);
	assert_int_equal(rpcp_seen(peer, RPCP_READ), reads);
	rfx_assert_model(c, &m);
	tv_client_close(c);

	/* a restart of teevard: the device (in the guest) keeps it all */
	rfx_stop(f);
	rfx_start(f, true, NULL);
	c = rfx_client(f, &peer);
	assert_int_equal(rpcp_seen(peer, RPCP_KEY), 0); /* keyed already */
	rfx_assert_model(c, &m);
	assert_int_equal(rfx_set_model(c, &m, 4, 0xC4, 700), EFI_SUCCESS);
	rfx_assert_model(c, &m);
	tv_client_close(c);
}

/* ---- the probe ---- */

static void test_probe_success_is_logged(void **state)
{
	struct rfx *f = *state;
	rfx_start(f, true, NULL);
	struct rpcp_config cfg = rfx_peer_config(f);
	cfg.probe_ret = TEE_SUCCESS; /* a kernel that routes RPMB itself */
	struct rpc_peer *p;
	assert_int_equal(rpcp_connect(f->d.sock, &cfg, &p), 0);
	struct tv_transport t;
	rpcp_transport(p, &t);
	struct tv_client *c;
	assert_int_equal(tv_client_open(t, &c), EFI_SUCCESS);
	assert_log(f, "in-kernel RPMB route offered by the normal world; teevar's secure core "
		      "carries only the legacy RPC");
	assert_int_equal(rpcp_seen(p, RPCP_PROBE), 1);
	assert_true(rpcp_seen(p, RPCP_INFO) == 1 && rpcp_seen(p, RPCP_WRITE) > 0);
	assert_int_equal(rpcp_seen(p, RPCP_OTHER), 0); /* no RPC 23 or 24 */
	assert_int_equal(rfx_set(c, 0, 1, 1), EFI_SUCCESS);
	tv_client_close(c);
}

/* No answer to the probe: the mount fails with COMMUNICATION, the connection
 * is dropped after that answer; the next session mounts. */
static void test_probe_never_answered(void **state)
{
	struct rfx *f = *state;
	rfx_start(f, true, NULL);
	struct rpcp_config cfg = rfx_peer_config(f);
	struct rpc_peer *p;
	assert_int_equal(rpcp_connect(f->d.sock, &cfg, &p), 0);
	rpcp_attack(p, RPCP_SILENT, RPCP_PROBE, 0, 1);
	int64_t t0 = now_ms();
	struct tvd_status st = open_raw(p);
	int64_t took = now_ms() - t0;
	assert_int_equal(st.result, TEE_ERROR_COMMUNICATION);
	assert_int_equal(st.origin, TEE_ORIGIN_COMMS);
	assert_true(took >= RFX_RPC_TIMEOUT_MS - 50 && took < RFX_RPC_TIMEOUT_MS + 5000);
	assert_true(rpcp_closed(p));
	rpcp_free(p);
	assert_log(f, "no answer to an RPC in time");
	assert_log(f, "the next session tries again");
	struct rpc_peer *q;
	struct tv_client *c = rfx_client(f, &q);
	assert_int_equal(rpcp_seen(q, RPCP_PROBE), 1); /* not decided before: asked again */
	tv_client_close(c);
}

/* The probe answered, then the mount failed: the legacy route stays decided;
 * an error answer keeps the connection, whose next session mounts. */
static void test_mount_retried(void **state)
{
	struct rfx *f = *state;
	rfx_start(f, true, NULL);
	struct rpcp_config cfg = rfx_peer_config(f);
	struct rpc_peer *p;
	assert_int_equal(rpcp_connect(f->d.sock, &cfg, &p), 0);
	rpcp_attack(p, RPCP_DOWN, RPCP_INFO, 0, 1);
	struct tvd_status st = open_raw(p);
	assert_int_equal(st.result, TEE_ERROR_COMMUNICATION);
	assert_int_equal(st.origin, TEE_ORIGIN_COMMS);
	assert_false(rpcp_closed(p));
	st = open_raw(p);
	assert_int_equal(st.result, TEE_SUCCESS);
	assert_int_equal(rpcp_seen(p, RPCP_PROBE), 1); /* decided for the process's life */
	assert_int_equal(rpcp_seen(p, RPCP_INFO), 2);
	rpcp_free(p);
	/* the client library sees the failed mount as a device error */
	assert_int_equal(rpcp_connect(f->d.sock, &cfg, &p), 0);
	struct tv_client *c;
	struct tv_transport t;
	rpcp_transport(p, &t);
	assert_int_equal(tv_client_open(t, &c), EFI_SUCCESS); /* mounted: no RPC needed */
	assert_int_equal(rpcp_seen(p, RPCP_PROBE) + rpcp_seen(p, RPCP_INFO), 0);
	tv_client_close(c);
}

/* ---- the supplicant goes away and comes back ---- */

static void test_supplicant_restart(void **state)
{
	struct rfx *f = *state;
	static const char *const args[] = {"--rpmb", "rpc", "--provision-rpmb-key", NULL};
	rfx_start(f, false, args); /* the default RPC timeout: 8 s */
	struct rpc_peer *p;
	struct tv_client *c = rfx_client(f, &p);
	static struct rfx_model m;
	memset(&m, 0, sizeof(m));
	for (unsigned n = 0; n < 5; n++)
		assert_int_equal(rfx_set_model(c, &m, n, (uint8_t)(0x10 + n), 100 + 400 * n),
				 EFI_SUCCESS);
	/* no supplicant: the module answers COMMUNICATION at once */
	rpcp_attack(p, RPCP_DOWN, RPCP_ANY, 0, 0);
	for (unsigned n = 0; n < 3; n++) {
		int64_t t0 = now_ms();
		assert_int_equal(rfx_set(c, n, 0xEE, 50), EFI_DEVICE_ERROR);
		assert_true(now_ms() - t0 < 2000); /* fails fast */

	}
	rfx_assert_model(c, &m); /* reads from RAM; nothing acknowledged lost */
	size_t ns = 128;
	efi_char16_t name[64] = {0};
	efi_guid_t g;
	assert_int_equal(tv_get_next_variable(c, &ns, name, &g), EFI_SUCCESS);
	assert_false(rpcp_closed(p)); /* error answers are answers */
	/* it is back */
	rpcp_attack(p, RPCP_HONEST, RPCP_ANY, 0, 0);
	assert_int_equal(rfx_set_model(c, &m, 1, 0x99, 900), EFI_SUCCESS);
	assert_int_equal(rfx_set_model(c, &m, 7, 0x77, 77), EFI_SUCCESS);
	rfx_assert_model(c, &m);
	tv_client_close(c);
	/* and the device holds what was acknowledged */
	rfx_stop(f);
	rfx_start(f, false, args);
	c = rfx_client(f, NULL);
	rfx_assert_model(c, &m);
	tv_client_close(c);
}

/* ---- key provisioning ---- */

static void test_key_provisioning(void **state)
{
	struct rfx *f = *state;
	static const char *const no_prov[] = {"--rpmb", "rpc", "--rpc-timeout-ms", RFX_RPC_TIMEOUT,
					      NULL};
	rfx_start(f, false, no_prov);
	struct rpcp_config cfg = rfx_peer_config(f);
	struct rpc_peer *p;
	assert_int_equal(rpcp_connect(f->d.sock, &cfg, &p), 0);
	struct tvd_status st = open_raw(p);
	assert_int_equal(st.result, TEE_ERROR_COMMUNICATION);
	assert_int_equal(rpcp_seen(p, RPCP_KEY), 0); /* the key never left */
	assert_log(f, "needs --provision-rpmb-key");
	rpcp_free(p);
	rfx_stop(f);

	rfx_start(f, true, NULL); /* allowed: keyed once */
	struct tv_client *c = rfx_client(f, &p);
	assert_int_equal(rpcp_seen(p, RPCP_KEY), 1);
	assert_int_equal(rfx_set(c, 0, 1, 10), EFI_SUCCESS);
	tv_client_close(c);
	rfx_stop(f);

	/* the guest's supplicant restarted (its RAM device is blank again): the
	 * state directory keyed a device already, so the key is not sent again,
	 * even with --provision-rpmb-key */
	rfx_new_device(f);
	rfx_start(f, true, NULL);
	cfg = rfx_peer_config(f);
	assert_int_equal(rpcp_connect(f->d.sock, &cfg, &p), 0);
	st = open_raw(p);
	assert_int_equal(st.result, TEE_ERROR_COMMUNICATION);
	assert_int_equal(rpcp_seen(p, RPCP_KEY), 0);
	rpcp_free(p);
	assert_log(f, "the key is not sent again");
}

/* The key leaves at most once per state directory, even when the mount that
 * sent it fails afterwards (the signed counter read that proves the key does
 * not come back) and the next session mounts again, on a device that says
 * "no key" once more. */
static void test_key_sent_once_when_the_mount_fails_after_it(void **state)
{
	struct rfx *f = *state;
	rfx_start(f, true, NULL);
	struct rpcp_config cfg = rfx_peer_config(f);
	struct rpc_peer *p;
	assert_int_equal(rpcp_connect(f->d.sock, &cfg, &p), 0);
	/* the counter read after the key programming: no supplicant */
	rpcp_attack(p, RPCP_DOWN, RPCP_COUNTER, 1, 1);
	struct tvd_status st = open_raw(p);
	assert_int_equal(st.result, TEE_ERROR_COMMUNICATION);
	assert_int_equal(rpcp_seen(p, RPCP_KEY), 1);
	rpcp_free(p);

	rfx_new_device(f); /* a route that answers "no key" again */
	cfg = rfx_peer_config(f);
	assert_int_equal(rpcp_connect(f->d.sock, &cfg, &p), 0);
	st = open_raw(p);
	assert_int_equal(st.result, TEE_ERROR_COMMUNICATION);
	assert_int_equal(rpcp_seen(p, RPCP_KEY), 0); /* not sent twice */
	rpcp_free(p);
	assert_log(f, "the key is not sent again");
}

/* ---- --kernel-route ---- */

static void test_kernel_route_with_image(void **state)
{
	struct rfx *f = *state;
	static const char *const inproc[] = {"--rpmb", "inproc", "--emu-size-mult", "2", NULL};
	rfx_start(f, false, inproc); /* makes DIR/rpmb.img */
	struct tv_client *c = tvd_client(&f->d);
	assert_non_null(c);
	assert_int_equal(rfx_set(c, 5, 0x55, 55), EFI_SUCCESS);
	tv_client_close(c);
	rfx_stop(f);

	static const char *const kr[] = {"--rpmb", "rpc", "--kernel-route", NULL};
	rfx_start(f, false, kr);
	assert_log(f, "no RPC will be sent");
	struct rpc_peer *p;
	c = rfx_client(f, &p);
	static struct rfx_model m;
	memset(&m, 0, sizeof(m));
	m.present[5] = true;
	m.size[5] = 55;
	m.fill[5] = 0x55;
	rfx_assert_model(c, &m);
	assert_int_equal(rfx_set_model(c, &m, 6, 0x66, 600), EFI_SUCCESS);
	for (int k = 0; k < RPCP_KINDS; k++)
		assert_int_equal(rpcp_seen(p, (enum rpcp_kind)k), 0);
	struct rpc_peer *raw = plain(f);
	struct tvd_info_resp info = info_raw(raw);
	assert_int_equal(info.st.result, TEE_SUCCESS);
	assert_int_equal(info.info.route, TV_STORE_ROUTE_INPROC);
	rpcp_free(raw);
	tv_client_close(c);
	assert_int_equal(rpmb_emu_counter(f->emu), 0); /* the guest's device untouched */
}

static void test_kernel_route_without_image(void **state)
{
	struct rfx *f = *state;
	static const char *const kr[] = {"--kernel-route", NULL};
	rfx_start(f, true, kr);
	assert_log(f, "--kernel-route: no ");
	struct rpc_peer *p;
	struct tv_client *c = rfx_client(f, &p);
	assert_true(rpcp_seen(p, RPCP_WRITE) > 0);
	assert_int_equal(rfx_set(c, 1, 1, 1), EFI_SUCCESS);
	struct rpc_peer *raw = plain(f);
	assert_int_equal(info_raw(raw).info.route, TV_STORE_ROUTE_RPC);
	rpcp_free(raw);
	tv_client_close(c);
	char path[400];
	struct stat st;
	snprintf(path, sizeof(path), "%s/rpmb.img", f->state);
	assert_int_equal(stat(path, &st), -1); /* nothing made in its place */
}

/* ---- --boot-phase ---- */

static void test_boot_phase_runtime(void **state)
{
	struct rfx *f = *state;
	static const char *const rt[] = {"--boot-phase", "runtime", NULL};
	rfx_start(f, true, rt);
	struct tv_client *c = rfx_client(f, NULL);
	assert_log(f, "--boot-phase runtime");
	struct rpc_peer *raw = plain(f);
	assert_int_equal(info_raw(raw).info.phase, 2);
	rpcp_free(raw);
	/* runtime rules: a boot-services-only variable cannot be made */
	efi_char16_t name[64];
	tvd_ucs2(name, "BsOnly");
	static const efi_guid_t g = {{9}};
	uint8_t v = 1;
	assert_int_equal(tv_set_variable(c, name, &g, 0x3, 1, &v), EFI_INVALID_PARAMETER);
	assert_int_equal(rfx_set(c, 0, 1, 1), EFI_SUCCESS);
	tv_client_close(c);
}

int main(int argc, char **argv)
{
	tvd_harness_init(argc > 1 ? argv[1] : NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mount_and_serve, rfx_setup, rfx_teardown),
		cmocka_unit_test_setup_teardown(test_probe_success_is_logged, rfx_setup,
						rfx_teardown),
		cmocka_unit_test_setup_teardown(test_probe_never_answered, rfx_setup, rfx_teardown),
		cmocka_unit_test_setup_teardown(test_mount_retried, rfx_setup, rfx_teardown),
		cmocka_unit_test_setup_teardown(test_supplicant_restart, rfx_setup, rfx_teardown),
		cmocka_unit_test_setup_teardown(test_key_provisioning, rfx_setup, rfx_teardown),
		cmocka_unit_test_setup_teardown(test_key_sent_once_when_the_mount_fails_after_it,
						rfx_setup, rfx_teardown),
		cmocka_unit_test_setup_teardown(test_kernel_route_with_image, rfx_setup,
						rfx_teardown),
		cmocka_unit_test_setup_teardown(test_kernel_route_without_image, rfx_setup,
						rfx_teardown),
		cmocka_unit_test_setup_teardown(test_boot_phase_runtime, rfx_setup, rfx_teardown),
	};
	return cmocka_run_group_tests_name("teevard_rpc", tests, NULL, NULL);
}

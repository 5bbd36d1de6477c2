/* SPDX-License-Identifier: BSD-2-Clause */
/* The secure core on a state directory: key provisioning happens once and only
 * where allowed, oversized devices are refused, boot-time policy is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <teevar/store_info.h>

#include "secure_core.h"
#include "tv_err.h"
#include "tv_test_util.h"

static struct rpmb_emu *blank_device(uint8_t size_mult)
{
	struct rpmb_emu_config ec;
	rpmb_emu_config_default(&ec);
	ec.size_mult = size_mult;
	struct rpmb_emu *emu;
	assert_int_equal(rpmb_emu_new_mem(&ec, &emu), TV_OK);
	return emu;
}

static void config(struct tv_secure_config *cfg)
{
	tv_secure_config_default(cfg);
	cfg->sync = false;
}

static void test_provisioning_once(void **state)
{
	(void)state;
	char *dir = tv_test_tmpdir();
	struct tv_secure_config cfg;
	config(&cfg);
	struct rpmb_emu *dev = blank_device(1);
	struct tv_secure *sec;
	/* Not allowed: a blank device stays blank. */
	cfg.allow_key_program = false;
	assert_int_equal(tv_secure_open_dev(dir, &cfg, rpmb_emu_dev(dev), &sec), TV_EKEY);
	/* Allowed: keyed, formatted, and the state directory remembers it. */
	cfg.allow_key_program = true;
	assert_int_equal(tv_secure_open_dev(dir, &cfg, rpmb_emu_dev(dev), &sec), TV_OK);
	tv_secure_close(sec);
	char path[4200];
	snprintf(path, sizeof(path), "%s/rpmb-provisioned", dir);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 33);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* A route that answers "no key" (here: another, blank device) never gets
	 * the key from this state directory again, even when allowed. */
	struct rpmb_emu *other = blank_device(1);
	assert_int_equal(tv_secure_open_dev(dir, &cfg, rpmb_emu_dev(other), &sec), TV_EKEY);
	/* That device was not keyed: a fresh state directory can still key it. */
	char *dir2 = tv_test_tmpdir();
	assert_int_equal(tv_secure_open_dev(dir2, &cfg, rpmb_emu_dev(other), &sec), TV_OK);
	tv_secure_close(sec);
	/* The first device reopens fine through its own state directory. */
	assert_int_equal(tv_secure_open_dev(dir, &cfg, rpmb_emu_dev(dev), &sec), TV_OK);
	tv_secure_close(sec);
	rpmb_emu_free(dev);
	rpmb_emu_free(other);
	tv_test_rmtree(dir);
	tv_test_rmtree(dir2);
	free(dir);
	free(dir2);
}

/* With the in-process emulator, a new image made on purpose (the old one
 * deleted, then --format) is a new device on a trusted route: it is keyed even
 * though the directory keyed one. (Without format: test_state_dir.c.) */
static void test_new_image_is_keyed(void **state)
{
	(void)state;
	char *dir = tv_test_tmpdir();
	struct tv_secure_config cfg;
	config(&cfg);
	cfg.emu.size_mult = 1;
	struct tv_secure *sec;
	assert_int_equal(tv_secure_open(dir, &cfg, &sec), TV_OK);
	tv_secure_close(sec);
	char path[4200];
	snprintf(path, sizeof(path), "%s/rpmb.img", dir);
	assert_int_equal(unlink(path), 0);
	cfg.format = true;
	assert_int_equal(tv_secure_open(dir, &cfg, &sec), TV_OK);
	tv_secure_close(sec);
	tv_test_rmtree(dir);
	free(dir);
}

static void test_oversized_device(void **state)
{
	(void)state;
	char *dir = tv_test_tmpdir();
	struct tv_secure_config cfg;
	config(&cfg);
	struct rpmb_emu *dev = blank_device(129); /* 16 MiB + 128 KiB: beyond 16-bit addresses */
	struct tv_secure *sec;
	assert_int_equal(tv_secure_open_dev(dir, &cfg, rpmb_emu_dev(dev), &sec), TV_EINVAL);
	rpmb_emu_free(dev);
	dev = blank_device(128); /* exactly 16 MiB: the last block is address 65535 */
	assert_int_equal(tv_secure_open_dev(dir, &cfg, rpmb_emu_dev(dev), &sec), TV_OK);
	tv_secure_close(sec);
	rpmb_emu_free(dev);
	tv_test_rmtree(dir);
	free(dir);
}

static void test_policy_is_bounded(void **state)
{
	(void)state;
	char *dir = tv_test_tmpdir();
	struct tv_secure_config cfg;
	config(&cfg);
	cfg.emu.size_mult = 1;
	struct tv_secure *sec;
	assert_int_equal(tv_secure_open(dir, &cfg, &sec), TV_OK);
	struct tv_varsvc *svc = tv_secure_varsvc(sec);
	efi_guid_t g = {{1}};
	uint8_t name[16];
	efi_status_t s = EFI_SUCCESS;
	unsigned n = 0;
	for (; n < 5000 && s == EFI_SUCCESS; n++) {
		char t[8];
		int len = snprintf(t, sizeof(t), "L%u", n);
		for (int i = 0; i <= len; i++) {
			name[2 * i] = (uint8_t)t[i];
			name[2 * i + 1] = 0;
		}
		s = tv_varsvc_lock(svc, name, (size_t)(2 * (len + 1)), &g);
	}
	assert_int_equal(s, EFI_OUT_OF_RESOURCES);
	assert_int_equal(n, 1025); /* 1024 accepted, the next refused */
	/* An entry that exists can still get its property. */
	var_check_property_t p = {.revision = 1, .max_size = 8};
	assert_int_equal(tv_varsvc_property_set(svc, (const uint8_t *)"L\0" "0\0\0", 6, &g, &p),
			 EFI_SUCCESS);
	tv_secure_close(sec);
	tv_test_rmtree(dir);
	free(dir);
}

/* A device that counts what reaches it, fails on demand and, like
 * tee-supplicant 3.19's emulation, refuses writes of more than one frame. */
struct probe_dev {
	struct rpmb_dev inner;
	unsigned calls, closes, multi_writes;
	bool fail;
};

static int probe_info(void *ctx, struct rpmb_dev_info *info)
{
	struct probe_dev *d = ctx;
	d->calls++;
	return d->fail ? TV_EIO : rpmb_dev_get_info(&d->inner, info);
}

static int probe_route(void *ctx, const uint8_t *req, size_t nreq, uint8_t *resp, size_t nresp)
{
	struct probe_dev *d = ctx;
	d->calls++;
	if (rpmb_frame_type(req) == RPMB_REQ_WRITE && nreq > 1) {
		d->multi_writes++;
		return TV_EIO;
	}
	return d->fail ? TV_EIO : rpmb_dev_route(&d->inner, req, nreq, resp, nresp);
}

static void probe_close(void *ctx)
{
	((struct probe_dev *)ctx)->closes++;
}

static const struct rpmb_dev_ops probe_ops = {
	.get_info = probe_info, .route = probe_route, .close = probe_close};

static efi_status_t set_var(struct tv_secure *sec, const char *ascii, size_t size, uint8_t fill)
{
	static uint8_t data[20000];
	uint8_t name[64];
	size_t n = 0;
	for (; ascii[n]; n++) {
		name[2 * n] = (uint8_t)ascii[n];
		name[2 * n + 1] = 0;
	}
	name[2 * n] = name[2 * n + 1] = 0;
	memset(data, fill, size);
	efi_guid_t g = {{7}};
	return tv_varsvc_set(tv_secure_varsvc(sec), name, 2 * n + 2, &g,
			     EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS, size, data);
}

/* Deferred: nothing reaches the device before the mount; a failed mount keeps
 * nothing and is retried; the device is closed once, with the core. */
static void test_deferred_mount(void **state)
{
	(void)state;
	char *dir = tv_test_tmpdir();
	struct tv_secure_config cfg;
	config(&cfg);
	cfg.route = TV_STORE_ROUTE_RPC;
	struct rpmb_emu *emu = blank_device(4);
	struct probe_dev d = {.inner = rpmb_emu_dev(emu), .fail = true};
	struct rpmb_dev dev = {.ops = &probe_ops, .ctx = &d};
	struct tv_secure *sec;
	assert_int_equal(tv_secure_open_deferred(dir, &cfg, dev, &sec), TV_OK);
	assert_int_equal(d.calls, 0);
	assert_false(tv_secure_mounted(sec));
	assert_null(tv_secure_stmm(sec));
	assert_null(tv_secure_varsvc(sec));
	struct tv_store_info si;
	memset(&si, 0xff, sizeof(si));
	tv_secure_store_info(sec, &si);
	assert_int_equal(si.route, TV_STORE_ROUTE_RPC);
	assert_int_equal(si.capacity, 0);
	assert_int_equal(si.rpmb_blocks, 0);
	struct tv_store_check_report rep;
	assert_int_equal(tv_secure_store_check(sec, &rep), TV_EIO);
	assert_non_null(strstr(rep.detail, "not mounted"));
	struct tv_store_recovery rec;
	assert_int_equal(tv_secure_store_recover(sec, &rec), TV_EIO);
	assert_int_equal(d.calls, 0);

	/* the state directory is held from the deferred open on */
	struct probe_dev d2 = {.inner = rpmb_emu_dev(emu)};
	struct tv_secure *sec2;
	assert_int_equal(tv_secure_open_deferred(dir, &cfg,
						 (struct rpmb_dev){.ops = &probe_ops, .ctx = &d2},
						 &sec2), TV_EBUSY);
	assert_int_equal(d2.closes, 1);
	assert_int_equal(d2.calls, 0);

	/* the device fails: the mount fails, nothing stays open, nothing is marked */
	assert_int_equal(tv_secure_mount(sec), TV_EIO);
	assert_false(tv_secure_mounted(sec));
	assert_null(tv_secure_store(sec));
	assert_int_equal(d.closes, 0);
	char path[4200];
	struct stat st;
	snprintf(path, sizeof(path), "%s/rpmb-provisioned", dir);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(tv_secure_mount(sec), TV_EIO);

	/* back: the next mount works, and a second one changes nothing */
	d.fail = false;
	assert_int_equal(tv_secure_mount(sec), TV_OK);
	assert_true(tv_secure_mounted(sec));
	assert_non_null(tv_secure_stmm(sec));
	assert_int_equal(stat(path, &st), 0);
	unsigned calls = d.calls;
	assert_int_equal(tv_secure_mount(sec), TV_OK);
	assert_int_equal(d.calls, calls);
	assert_int_equal(set_var(sec, "A", 100, 0xA1), EFI_SUCCESS);
	tv_secure_store_info(sec, &si);
	assert_int_equal(si.route, TV_STORE_ROUTE_RPC);
	assert_int_equal(si.var_count, 1);
	assert_int_equal(tv_secure_store_check(sec, &rep), TV_OK);
	assert_true(rep.matches_ram);
	tv_secure_close(sec);
	assert_int_equal(d.closes, 1);

	/* bad arguments: the device is closed all the same */
	d.closes = 0;
	assert_int_equal(tv_secure_open_deferred(NULL, &cfg, dev, &sec), TV_EINVAL);
	assert_int_equal(d.closes, 1);
	assert_int_equal(tv_secure_mount(NULL), TV_EINVAL);
	assert_false(tv_secure_mounted(NULL));
	rpmb_emu_free(emu);
	tv_test_rmtree(dir);
	free(dir);
}

/* tee-supplicant 3.19's emulated device: 256 KiB (size_mult 2), rel_wr_sec_c 1,
 * one frame per write. A fresh store formats there with the default store
 * configuration and works: small segments, one block per write operation. */
static void test_small_device_one_frame_writes(void **state)
{
	(void)state;
	char *dir = tv_test_tmpdir();
	struct tv_secure_config cfg;
	config(&cfg);
	cfg.max_write_blocks = 1;
	struct rpmb_emu *emu = blank_device(2);
	struct probe_dev d = {.inner = rpmb_emu_dev(emu)};
	struct rpmb_dev dev = {.ops = &probe_ops, .ctx = &d};
	struct tv_secure *sec;
	assert_int_equal(tv_secure_open_deferred(dir, &cfg, dev, &sec), TV_OK);
	assert_int_equal(tv_secure_mount(sec), TV_OK);
	struct tv_store_info si;
	tv_secure_store_info(sec, &si);
	assert_int_equal(si.rpmb_blocks, 1024);
	assert_int_equal(si.blocks_per_write, 1);
	assert_int_equal(si.seg_bytes, 16384); /* 64 blocks: 1024 / 16 */
	assert_int_equal(si.seg_count, 15);
	assert_true(si.capacity >= 100 * 1024);
	/* values up to what a segment holds, many times over the capacity */
	assert_int_equal(set_var(sec, "Big", 16000, 0xB0), EFI_SUCCESS);
	for (unsigned i = 0; i < 60; i++) {
		char name[16];
		snprintf(name, sizeof(name), "V%u", i % 12);
		assert_int_equal(set_var(sec, name, 500 + 37 * i, (uint8_t)i), EFI_SUCCESS);
	}
	assert_int_equal(set_var(sec, "TooBig", 17000, 1), EFI_OUT_OF_RESOURCES);
	assert_int_equal(d.multi_writes, 0);
	struct tv_store_check_report rep;
	assert_int_equal(tv_secure_store_check(sec, &rep), TV_OK);
	assert_true(rep.matches_ram);
	assert_int_equal(rep.live_vars, 13);
	tv_secure_close(sec);

	/* a fresh mount finds it all, and the superblock keeps one block per write
	 * even for a route without the cap */
	cfg.max_write_blocks = 0;
	d.multi_writes = 0;
	assert_int_equal(tv_secure_open_dev(dir, &cfg, dev, &sec), TV_OK);
	tv_secure_store_info(sec, &si);
	assert_int_equal(si.var_count, 13);
	assert_int_equal(set_var(sec, "V3", 3000, 0x33), EFI_SUCCESS);
	assert_int_equal(d.multi_writes, 0);
	tv_secure_close(sec);
	rpmb_emu_free(emu);
	tv_test_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_provisioning_once),
		cmocka_unit_test(test_new_image_is_keyed),
		cmocka_unit_test(test_oversized_device),
		cmocka_unit_test(test_policy_is_bounded),
		cmocka_unit_test(test_deferred_mount),
		cmocka_unit_test(test_small_device_one_frame_writes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_provisioning_once),
		cmocka_unit_test(test_new_image_is_keyed),
		cmocka_unit_test(test_oversized_device),
		cmocka_unit_test(test_policy_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

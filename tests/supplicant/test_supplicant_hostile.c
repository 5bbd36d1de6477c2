/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A hostile supplicant process (tests/supplicant/hostile_supplicant.c) between the secure
 * core and the device: it flips bits, replays old answers, reorders the frames
 * of multi-frame answers, stalls past the route's timeout, answers with wrong
 * sizes and lies in GET_DEV_INFO. Every attack must be detected (an error, never
 * bad data), and the secure core must stay up and consistent: once an honest
 * supplicant is back, what it serves from RAM is what a fresh mount finds.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "supp_fixture.h"
#include "tv_err.h"

#define TIMEOUT_MS 400 /* the route's timeout: a stall costs this much */

static unsigned detected, landed;

/* Replaces the running supplicant by a hostile one. */
static pid_t go_hostile(struct fx *fx, pid_t pid, const char *mode, const char *target,
			const char *skip)
{
	fx_stop(fx, pid, SIGTERM);
	const char *const args[] = {"--mode", mode, "--target", target, "--skip", skip,
				    "--count", "1", NULL};
	return fx_hostile_start(fx, args);
}

static pid_t go_honest(struct fx *fx, pid_t pid)
{
	fx_stop(fx, pid, SIGKILL);
	return fx_supp_start(fx, NULL);
}

/* An honest start: a secure core with six variables. */
static pid_t start(struct fx *fx, struct fx_model *m)
{
	memset(m, 0, sizeof(*m));
	fx_core_close(fx);
	fx_stop_all(fx);
	pid_t pid = fx_supp_start(fx, NULL);
	assert_int_equal(fx_core_open(fx, TIMEOUT_MS), TV_OK);
	uint8_t val[FX_VMAX];
	size_t size;
	for (uint32_t n = 0; n < 6; n++)
		assert_int_equal(fx_set_random(fx, m, n, val, &size), EFI_SUCCESS);
	return pid;
}

static void set_exact(struct fx *fx, struct fx_model *m, uint32_t n, uint8_t fill, size_t size)
{
	uint8_t val[FX_VMAX];
	memset(val, fill, size);
	assert_int_equal(fx_set(fx, n, val, size), EFI_SUCCESS);
	m->present[n] = true;
	m->size[n] = size;
	memcpy(m->data[n], val, size);
}

/* One write operation attacked: the new value (verified) or an error with the
 * old value; consistent after; writes work again. */
static void write_attack(struct fx *fx, const char *mode)
{
	static struct fx_model m;
	pid_t pid = start(fx, &m);
	pid = go_hostile(fx, pid, mode, "write", "1");
	set_exact(fx, &m, 0, 0x11, 10); /* one honest write, remembered for replay */
	uint8_t val[300];
	memset(val, 0xA7, sizeof(val));
	efi_status_t s = fx_set(fx, 1, val, sizeof(val));
	if (s == EFI_SUCCESS) {
		assert_true(fx_var_equals(fx, 1, val, sizeof(val)));
		memcpy(m.data[1], val, sizeof(val));
		m.size[1] = sizeof(val);
		landed++;
	} else {
		assert_int_equal(s, EFI_DEVICE_ERROR);
		detected++;
	}
	fx_assert_model(fx, &m);
	set_exact(fx, &m, 2, 0x22, 40); /* the attack is over: the hostile one serves */
	pid = go_honest(fx, pid);
	set_exact(fx, &m, 3, 0x33, 700);
	fx_assert_remount(fx, &m);
}

static void test_write_attacks(void **state)
{
	static const char *const modes[] = {"flip", "replay", "stall", "short", "long",
					    "truncate", "errdata"};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		write_attack(*state, modes[i]);
}

/* A mount through a hostile supplicant fails; then an honest one works. With
 * prime, one honest mount through it first (for replays). */
static void mount_attack(struct fx *fx, const char *mode, const char *target, bool prime)
{
	static struct fx_model m;
	pid_t pid = start(fx, &m);
	fx_core_close(fx);
	/* a mount reads the counter twice: before and after it loads the store */
	pid = go_hostile(fx, pid, mode, target, !prime ? "0" : strcmp(target, "counter") == 0 ? "2" : "1");
	if (prime) {
		assert_int_equal(fx_core_open(fx, TIMEOUT_MS), TV_OK);
		fx_core_close(fx);
	}
	int rc = fx_core_open(fx, TIMEOUT_MS);
	if (rc == TV_OK)
		fail_msg("%s on %s: the mount succeeded", mode, target);
	assert_true(rc == TV_EAUTH || rc == TV_EIO || rc == TV_EKEY || rc == TV_ECORRUPT);
	detected++;
	go_honest(fx, pid);
	assert_int_equal(fx_core_open(fx, TIMEOUT_MS), TV_OK);
	fx_assert_model(fx, &m);
	fx_core_close(fx);
}

static void test_read_attacks(void **state)
{
	/* replay: an earlier answer of the same size (the hostile supplicant keeps
	 * the last one of each size), from the same mount */
	static const char *const modes[] = {"flip", "reorder", "stall", "short", "long",
					    "truncate", "errdata", "replay"};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		mount_attack(*state, modes[i], "read", false);
}

static void test_counter_attacks(void **state)
{
	static const char *const modes[] = {"flip", "short", "long", "errdata", "stall"};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		mount_attack(*state, modes[i], "counter", false);
	mount_attack(*state, "replay", "counter", true); /* the first mount's are remembered */
}

static void test_dev_info_lies(void **state)
{
	static const char *const modes[] = {"lie-cid", "flip", "lie-ret", "lie-mult", "short",
					    "long", "errdata", "truncate"};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		mount_attack(*state, modes[i], "info", false);
}

/* A bigger reliable-write count than the device has: the store keeps cutting
 * its writes as its superblock fixed (so a mount's counting stays right), and
 * they keep working; nothing else changes. */
static void test_dev_info_rel_wr_lie(void **state)
{
	struct fx *fx = *state;
	static struct fx_model m;
	pid_t pid = start(fx, &m);
	fx_core_close(fx);
	pid = go_hostile(fx, pid, "lie-rel", "info", "0");
	assert_int_equal(fx_core_open(fx, TIMEOUT_MS), TV_OK);
	set_exact(fx, &m, 0, 0x44, 100);
	set_exact(fx, &m, 1, 0x55, 900); /* more blocks than the device takes at once */
	fx_assert_model(fx, &m);
	uint8_t val[900];
	memset(val, 0x77, sizeof(val));
	/* The route remembers what it was told: an honest supplicant now reports
	 * another device, so the route refuses it until the secure core restarts. */
	pid = go_honest(fx, pid);
	assert_int_equal(fx_set(fx, 1, val, 10), EFI_DEVICE_ERROR);
	fx_assert_model(fx, &m);
	fx_core_close(fx);
	assert_int_equal(fx_core_open(fx, TIMEOUT_MS), TV_OK);
	fx_assert_model(fx, &m);
	set_exact(fx, &m, 1, 0x66, 900);
	fx_assert_remount(fx, &m);
}

/* After a reconnect the supplicant reports another device: refused; reads go on
 * from RAM; the right device back, writes work again. */
static void test_dev_info_changes_on_reconnect(void **state)
{
	struct fx *fx = *state;
	static const char *const modes[] = {"lie-cid", "lie-mult", "lie-rel", "lie-ret"};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		static struct fx_model m;
		pid_t pid = start(fx, &m);
		pid = go_hostile(fx, pid, modes[i], "info", "0");
		uint8_t val[64] = {1};
		assert_int_equal(fx_set(fx, 2, val, sizeof(val)), EFI_DEVICE_ERROR);
		fx_assert_model(fx, &m);
		detected++;
		go_honest(fx, pid);
		set_exact(fx, &m, 2, 0x77, 64);
		fx_assert_remount(fx, &m);
	}
	printf("# hostile supplicant: %u attacks detected, %u writes verified after an attack "
	       "on their answer; consistent after every one (checked)\n", detected, landed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_attacks, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_read_attacks, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_counter_attacks, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_dev_info_lies, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_dev_info_rel_wr_lie, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_dev_info_changes_on_reconnect, fx_setup,
						fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

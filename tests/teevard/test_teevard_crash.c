/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kill -9 of teevard at random moments of a write workload, 30 times over one
 * store: after every restart each variable holds its last acknowledged value,
 * except the one whose write was in flight, which holds its old or its new
 * value; no other variable appears. argv[1]: the teevard binary.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <teevar/client.h>

#include "tv_test_util.h"
#include "tvd_harness.h"

#define NV_BS_RT 0x7u
#define NVARS 12
#define MAX_LEN 1500u
#define ROUNDS 30

static const efi_guid_t guid = {{0x63, 0x72, 0x61, 0x73, 0x68, 0x2d, 0x74, 0x65, 0x73, 0x74,
				 0x00, 0x00, 0x00, 0x00, 0x00, 0x09}};

struct var {
	bool present;
	uint32_t gen;
	uint32_t len;
};

static unsigned landed; /* in-flight writes found done after the restart */

struct op {
	bool active;
	int var;
	struct var after; /* what the variable becomes if the op landed */
};

static void value_of(int v, const struct var *x, uint8_t *out)
{
	for (uint32_t i = 0; i < x->len; i++)
		out[i] = (uint8_t)(x->gen * 31u + (uint32_t)v * 7u + i);
	if (x->len >= 8) {
		memcpy(out, &v, 4);
		memcpy(out + 4, &x->gen, 4);
	}
}

static void name_of(int v, efi_char16_t out[64])
{
	char s[16];
	snprintf(s, sizeof(s), "K%d", v);
	tvd_ucs2(out, s);
}

static bool holds(struct tv_client *c, int v, const struct var *x)
{
	static uint8_t got[MAX_LEN], want[MAX_LEN];
	efi_char16_t u[64];
	name_of(v, u);
	size_t n = sizeof(got);
	uint32_t attrs = 0;
	efi_status_t st = tv_get_variable(c, u, &guid, &attrs, &n, got);
	if (!x->present)
		return st == EFI_NOT_FOUND;
	value_of(v, x, want);
	return st == EFI_SUCCESS && n == x->len && attrs == NV_BS_RT && memcmp(got, want, n) == 0;
}

/* Every variable as acknowledged (the in-flight one: old or new), and the
 * enumeration is exactly the present ones. Updates the model. */
static void verify(struct tv_client *c, struct var *model, struct op *inflight)
{
	for (int v = 0; v < NVARS; v++) {
		if (holds(c, v, &model[v]))
			continue;
		assert_true(inflight->active && inflight->var == v);
		assert_true(holds(c, v, &inflight->after));
		model[v] = inflight->after;
		landed++;
	}
	inflight->active = false;
	int seen = 0, present = 0;
	efi_char16_t name[64] = {0};
	efi_guid_t g = {{0}};
	for (;;) {
		size_t size = sizeof(name);
		efi_status_t st = tv_get_next_variable(c, &size, name, &g);
		if (st == EFI_NOT_FOUND)
			break;
		assert_int_equal(st, EFI_SUCCESS);
		if (memcmp(&g, &guid, sizeof(g)) != 0)
			continue; /* the service's own (SetupMode...) */
		assert_int_equal(name[0], 'K');
		seen++;
	}
	for (int v = 0; v < NVARS; v++)
		present += model[v].present;
	assert_int_equal(seen, present);
}

static efi_status_t apply(struct tv_client *c, int v, const struct var *x)
{
	static uint8_t buf[MAX_LEN];
	efi_char16_t u[64];
	name_of(v, u);
	value_of(v, x, buf);
	return tv_set_variable(c, u, &guid, NV_BS_RT, x->present ? x->len : 0, buf);
}

/* Writes until teevard dies under it; the failed op stays in *inflight. */
static void workload(struct tv_client *c, struct var *model, struct op *inflight, uint64_t *seed,
		     uint32_t *gen)
{
	for (int i = 0; i < 1000000; i++) {
		int v = (int)(tv_test_rand(seed) % NVARS);
		struct var after = {.present = tv_test_rand(seed) % 5 != 0, .gen = ++*gen,
				    .len = 1 + (uint32_t)(tv_test_rand(seed) % MAX_LEN)};
		if (!after.present)
			after.len = 0;
		*inflight = (struct op){.active = true, .var = v, .after = after};
		efi_status_t st = apply(c, v, &after);
		if (st == EFI_NOT_FOUND && !model[v].present)
			st = EFI_SUCCESS; /* deleting nothing */
		if (st != EFI_SUCCESS)
			return;
		model[v] = after;
		inflight->active = false;
	}
	fail_msg("teevard was not killed");
}

static pid_t kill_later(pid_t daemon, long ms)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
		kill(daemon, SIGKILL);
		_exit(0);
	}
	return pid;
}

static void test_kill9_during_writes(void **state)
{
	(void)state;
	static const char *const extra[] = {"--emu-size-mult", "4", NULL};
	char *dir = tv_test_tmpdir();
	struct var model[NVARS] = {{0}};
	struct op inflight = {0};
	uint64_t seed = 2024;
	uint32_t gen = 0;
	struct tvd_proc d;
	for (int round = 0; round <= ROUNDS; round++) {
		assert_int_equal(tvd_start(&d, dir, extra), 0);
		struct tv_client *c = tvd_client(&d);
		assert_non_null(c);
		verify(c, model, &inflight);
		if (round == ROUNDS) {
			tv_client_close(c);
			break;
		}
		pid_t killer = kill_later(d.pid, 1 + (long)(tv_test_rand(&seed) % 80));
		workload(c, model, &inflight, &seed, &gen);
		tv_client_close(c);
		waitpid(killer, NULL, 0);
		assert_int_equal(tvd_stop(&d, SIGKILL), 128 + SIGKILL);
	}
	assert_int_equal(tvd_stop(&d, SIGTERM), 0);
	assert_true(tvd_log_clean(&d));
	printf("# kill -9 survived %d times, %u writes, %u cut writes found landed\n", ROUNDS,
	       gen, landed);
	tv_test_rmtree(dir);
	free(dir);
}

int main(int argc, char **argv)
{
	tvd_harness_init(argc > 1 ? argv[1] : NULL);
	if (!tvd_harness_binary()) {
		fprintf(stderr, "usage: test_teevard_crash TEEVARD\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill9_during_writes),
	};
	return cmocka_run_group_tests_name("teevard kill -9", tests, NULL, NULL);
}

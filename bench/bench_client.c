/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The full in-process path: client library -> MM buffer -> StMM entry ->
 * variable service -> store -> emulated RPMB (no latency model, no fdatasync).
 *   BENCH get_variable_inproc_median_us, set_variable_inproc_median_us
 *   BENCH getnext_walk_1000_ms, getnext_walk_10000_ms (and their ratio)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <teevar/client.h>
#include <teevar/transport.h>

#include "bench_util.h"
#include "secure_core.h"
#include "tv_test_util.h"

struct env {
	char *dir;
	struct tv_secure *sec;
	struct tv_client *c;
};

static void die(const char *what)
{
	fprintf(stderr, "bench_client: %s failed\n", what);
	exit(1);
}

static void env_open(struct env *e)
{
	e->dir = tv_test_tmpdir();
	struct tv_secure_config cfg;
	tv_secure_config_default(&cfg);
	cfg.sync = false;
	if (!e->dir || tv_secure_open(e->dir, &cfg, &e->sec) != 0)
		die("secure core");
	struct tv_transport t;
	tv_transport_inproc_wrap(tv_secure_stmm(e->sec), &t);
	if (tv_client_open(t, &e->c) != EFI_SUCCESS)
		die("client");
}

static void env_close(struct env *e)
{
	tv_client_close(e->c);
	tv_secure_close(e->sec);
	tv_test_rmtree(e->dir);
	free(e->dir);
}

static void name_of(efi_char16_t *out, const char *prefix, unsigned n)
{
	char s[32];
	int len = snprintf(s, sizeof(s), "%s%u", prefix, n);
	for (int i = 0; i <= len; i++)
		out[i] = (efi_char16_t)(unsigned char)s[i];
}

static const efi_guid_t guid = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
#define ATTRS (EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS | \
	       EFI_VARIABLE_RUNTIME_ACCESS)

static void bench_get_set(void)
{
	struct env e;
	env_open(&e);
	enum { N = 2000 };
	static double t[N];
	efi_char16_t name[32];
	uint8_t data[100];
	for (unsigned i = 0; i < N; i++) {
		name_of(name, "Set", i % 50);
		memset(data, (int)i, sizeof(data));
		double t0 = bench_now_us();
		if (tv_set_variable(e.c, name, &guid, ATTRS, sizeof(data), data) != EFI_SUCCESS)
			die("set");
		t[i] = bench_now_us() - t0;
	}
	printf("BENCH set_variable_inproc_median_us %.1f us\n", bench_median(t, N));
	for (unsigned i = 0; i < N; i++) {
		name_of(name, "Set", i % 50);
		size_t size = sizeof(data);
		uint32_t attrs;
		double t0 = bench_now_us();
		if (tv_get_variable(e.c, name, &guid, &attrs, &size, data) != EFI_SUCCESS)
			die("get");
		t[i] = bench_now_us() - t0;
	}
	printf("BENCH get_variable_inproc_median_us %.1f us\n", bench_median(t, N));
	env_close(&e);
}

/* Median time of a full GetNextVariableName walk over n variables. */
static double walk_ms(unsigned n)
{
	struct env e;
	env_open(&e);
	efi_char16_t name[64];
	uint8_t data[8] = {0};
	for (unsigned i = 0; i < n; i++) {
		name_of(name, "Walk", i);
		if (tv_set_variable(e.c, name, &guid, ATTRS, sizeof(data), data) != EFI_SUCCESS)
			die("fill");
	}
	double t[11];
	for (int r = 0; r < 11; r++) {
		unsigned seen = 0;
		efi_guid_t g;
		name[0] = 0;
		double t0 = bench_now_us();
		for (;;) {
			size_t size = sizeof(name);
			efi_status_t s = tv_get_next_variable(e.c, &size, name, &g);
			if (s == EFI_NOT_FOUND)
				break;
			if (s != EFI_SUCCESS)
				die("walk");
			seen += memcmp(&g, &guid, sizeof(g)) == 0; /* not the service's own */
		}
		t[r] = (bench_now_us() - t0) / 1e3;
		if (seen != n)
			die("walk count");
	}
	env_close(&e);
	return bench_median(t, 11);
}

int main(void)
{
	bench_get_set();
	double a = walk_ms(1000), b = walk_ms(10000);
	printf("BENCH getnext_walk_1000_ms %.2f ms\n", a);
	printf("BENCH getnext_walk_10000_ms %.2f ms\n", b);
	printf("BENCH getnext_walk_ratio_10000_1000 %.2f ratio\n", b / a);
	return 0;
}

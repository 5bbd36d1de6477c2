/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The embedded default: client library -> unix socket -> teevard -> secure
 * core -> emulated RPMB in teevard's process. Starts its own teevard.
 *   BENCH get_variable_socket_median_us, set_variable_socket_median_us
 *     (teevard --no-sync, no latency model; 100-byte variable)
 *   BENCH set_variable_device_time_ratio: with the latency model at 2 ms per
 *     RPMB write operation (0.5 ms per read), the median SetVariable time of a
 *     100-byte variable over the socket divided by the modelled device time it
 *     needs (2 ms per write operation it caused, counted from the RPMB write
 *     counter that STORE_INFO reports). 1.0 is the device's own time.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <teevar/client.h>
#include <teevar/store_info.h>
#include <teevar/transport.h>

#include "bench_util.h"
#include "tv_test_util.h"
#include "tvd_harness.h"

#define ATTRS 0x7u
#define WRITE_US 2000
#define DATA_SIZE 100

static const efi_guid_t guid = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17}};

struct env {
	char *dir;
	struct tvd_proc d;
	struct tv_transport t; /* a copy of what the client owns, for STORE_INFO */
	struct tv_client *c;
};

static void die(const char *what)
{
	fprintf(stderr, "bench_teevard: %s failed\n", what);
	exit(1);
}

static void env_open(struct env *e, const char *const *extra)
{
	e->dir = tv_test_tmpdir();
	if (!e->dir || tvd_start(&e->d, e->dir, extra) != 0)
		die("starting teevard");
	struct tv_transport t;
	if (tv_transport_unix_open(e->d.sock, &t) != 0)
		die("connecting");
	e->t = t;
	if (tv_client_open(t, &e->c) != EFI_SUCCESS)
		die("opening a session");
}

static void env_close(struct env *e)
{
	tv_client_close(e->c);
	if (tvd_stop(&e->d, SIGTERM) != 0)
		die("stopping teevard");
	tv_test_rmtree(e->dir);
	free(e->dir);
}

/* A 100-byte value that differs from the previous one (no write is skipped). */
static double timed_set(struct env *e, const efi_char16_t *name, unsigned i)
{
	uint8_t data[DATA_SIZE];
	memset(data, (int)(i & 0xff), sizeof(data));
	memcpy(data, &i, sizeof(i));
	double t0 = bench_now_us();
	if (tv_set_variable(e->c, name, &guid, ATTRS, sizeof(data), data) != EFI_SUCCESS)
		die("set");
	return bench_now_us() - t0;
}

static void bench_socket(void)
{
	static const char *const extra[] = {NULL};
	enum { N = 2000 };
	static double t[N];
	struct env e;
	efi_char16_t name[64];
	tvd_ucs2(name, "BenchVar");
	env_open(&e, extra);
	for (unsigned i = 0; i < N; i++)
		t[i] = timed_set(&e, name, i);
	double set = bench_median(t, N);
	for (unsigned i = 0; i < N; i++) {
		uint8_t data[DATA_SIZE];
		size_t size = sizeof(data);
		uint32_t attrs = 0;
		double t0 = bench_now_us();
		if (tv_get_variable(e.c, name, &guid, &attrs, &size, data) != EFI_SUCCESS)
			die("get");
		t[i] = bench_now_us() - t0;
	}
	printf("BENCH get_variable_socket_median_us %.1f us\n", bench_median(t, N));
	printf("BENCH set_variable_socket_median_us %.1f us\n", set);
	env_close(&e);
}

static uint32_t write_counter(struct env *e)
{
	struct tv_store_info info;
	if (tv_transport_store_info(&e->t, &info) != 0)
		die("store info");
	return info.write_counter;
}

static void bench_device_ratio(void)
{
	static const char *const extra[] = {"--emu-write-latency-us", "2000",
					    "--emu-read-latency-us", "500", NULL};
	enum { N = 300 };
	static double t[N], dev[N];
	struct env e;
	efi_char16_t name[64];
	tvd_ucs2(name, "BenchDev");
	env_open(&e, extra);
	for (unsigned i = 0; i < N; i++) {
		uint32_t before = write_counter(&e);
		t[i] = timed_set(&e, name, i);
		dev[i] = (double)(write_counter(&e) - before) * WRITE_US;
	}
	double m_dev = bench_median(dev, N);
	if (m_dev <= 0)
		die("counting write operations");
	printf("BENCH set_variable_device_time_ratio %.3f ratio\n", bench_median(t, N) / m_dev);
	env_close(&e);
}

int main(void)
{
	tvd_harness_init(TEEVARD_PATH);
	bench_socket();
	bench_device_ratio();
	return 0;
}

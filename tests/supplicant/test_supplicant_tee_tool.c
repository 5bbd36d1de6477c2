/* SPDX-License-Identifier: BSD-2-Clause */
/* teevar-supplicant --tee-dev as a process: the shipped binary on a TEE
 * device played by an LD_PRELOAD shim (tee_shim.c) with real descriptors, a
 * RECV that blocks in the kernel until a signal, and memfd shared memory. Exit
 * statuses: 0 after SIGTERM / SIGINT in a blocked RECV, 1 when RECV or SEND
 * fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "supp_fixture.h"

#define DEV "/dev/teevar-test-teepriv"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);
	assert_non_null(buf);
	if (f) {
		size_t n = fread(buf, 1, 65535, f);
		buf[n] = '\0';
		fclose(f);
	}
	return buf;
}

static bool contains(const char *path, const char *what)
{
	char *s = slurp(path);
	bool yes = strstr(s, what) != NULL;
	free(s);
	return yes;
}

/* Waits up to 10 s for `what` in the file. */
static bool wait_for(const char *path, const char *what)
{
	for (int i = 0; i < 1000; i++) {
		if (contains(path, what))
			return true;
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
	}
	return false;
}

/* Starts teevar-supplicant --tee-dev DEV under the shim in `mode`; the
 * process's stderr goes to out, the shim's SEND log to sends. */
static pid_t start(struct fx *fx, const char *mode, char *out, char *sends)
{
	const char *shim = getenv("TEEVAR_TEE_SHIM");
	assert_non_null(shim);
	snprintf(out, FX_PATH, "%s/%s.out", fx->dir, mode);
	snprintf(sends, FX_PATH, "%s/%s.sends", fx->dir, mode);
	/* The children inherit this environment; the test process is not affected. */
	const char *asan = getenv("ASAN_OPTIONS");
	char asan_opts[512];
	snprintf(asan_opts, sizeof(asan_opts), "%s%sverify_asan_link_order=0", asan ? asan : "",
		 asan && *asan ? ":" : "");
	setenv("ASAN_OPTIONS", asan_opts, 1);
	setenv("LD_PRELOAD", shim, 1);
	setenv("TEE_SHIM_DEV", DEV, 1);
	setenv("TEE_SHIM_MODE", mode, 1);
	setenv("TEE_SHIM_LOG", sends, 1);
	const char *argv[] = {fx_tool(), "--image", fx->image, "--no-sync", "--tee-dev", DEV, NULL};
	pid_t pid = fx_spawn(fx, argv, out, false);
	unsetenv("LD_PRELOAD");
	if (asan)
		setenv("ASAN_OPTIONS", asan, 1);
	else
		unsetenv("ASAN_OPTIONS");
	assert_true(pid > 0);
	return pid;
}

static void expect_exit(struct fx *fx, pid_t pid, int code, const char *out)
{
	int status = fx_wait_exit(fx, pid, 10000);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != code) {
		char *s = slurp(out);
		fail_msg("status %#x, want exit %d; output:\n%s", status, code, s);
	}
}

/* 22: NOT_SUPPORTED; SHM_ALLOC: 0; RPMB GET_DEV_INFO: 0 and its 19 bytes (the
 * image's CID, size_mult 32, rel_wr 1, ret_code 0); SHM_FREE: 0. */
static const char exchange[] = "send 0xffff000a 2\n"
			       "send 0 2\n"
			       "send 0 3 1501005445455641521012345678c965200100\n"
			       "send 0 2\n";

/* A whole exchange, then SIGTERM (or SIGINT) while RECV waits: exit 0. */
static void stop_in_recv(struct fx *fx, int sig)
{
	char out[FX_PATH], sends[FX_PATH];
	pid_t pid = start(fx, "serve", out, sends);
	if (!wait_for(sends, exchange)) {
		char *o = slurp(out), *d = slurp(sends);
		fail_msg("answers:\n%s\noutput:\n%s", d, o);
	}
	/* All four answered: the supplicant is in (or entering) its fifth RECV,
	 * which blocks until the signal. */
	nanosleep(&(struct timespec){.tv_nsec = 100 * 1000 * 1000}, NULL);
	assert_int_equal(kill(pid, sig), 0);
	expect_exit(fx, pid, 0, out);
	char *d = slurp(sends);
	assert_string_equal(d, exchange); /* nothing more */
	free(d);
	assert_true(contains(out, "serving"));
	assert_true(contains(out, "on " DEV));
	assert_true(contains(out, "func 22 not supported"));
	assert_true(contains(out, "stopped"));
}

static void test_sigterm_in_recv(void **state)
{
	stop_in_recv(*state, SIGTERM);
}

static void test_sigint_in_recv(void **state)
{
	stop_in_recv(*state, SIGINT);
}

static void test_recv_fails(void **state)
{
	struct fx *fx = *state;
	char out[FX_PATH], sends[FX_PATH];
	pid_t pid = start(fx, "fail-recv", out, sends);
	expect_exit(fx, pid, 1, out);
	assert_true(contains(out, "TEE_IOC_SUPPL_RECV failed: Invalid argument"));
	assert_true(contains(out, "the TEE driver failed a request"));
	assert_true(contains(sends, "send 0xffff000a 2"));
}

static void test_send_fails(void **state)
{
	struct fx *fx = *state;
	char out[FX_PATH], sends[FX_PATH];
	pid_t pid = start(fx, "fail-send", out, sends);
	expect_exit(fx, pid, 1, out);
	assert_true(contains(out, "TEE_IOC_SUPPL_SEND failed: Input/output error"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sigterm_in_recv, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_sigint_in_recv, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_recv_fails, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_send_fails, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

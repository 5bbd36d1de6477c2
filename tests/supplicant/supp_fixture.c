/* SPDX-License-Identifier: BSD-2-Clause */
#include "supp_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "rpmb_route_client.h"
#include "sock_io.h"
#include "tv_err.h"
#include "tv_test_util.h"

static const efi_guid_t fx_guid = {{0x5e, 0x1f, 0x2a, 0x3b, 0x4c, 0x5d, 0x6e, 0x7f, 0x80, 0x91,
				    0xa2, 0xb3, 0xc4, 0xd5, 0xe6, 0xf7}};
#define FX_ATTRS (EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS | \
		  EFI_VARIABLE_RUNTIME_ACCESS)

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	if (!fx || !(fx->dir = tv_test_tmpdir())) {
		free(fx);
		return -1;
	}
	snprintf(fx->image, FX_PATH, "%s/rpmb.img", fx->dir);
	snprintf(fx->sock, FX_PATH, "%s/supp.sock", fx->dir);
	snprintf(fx->state, FX_PATH, "%s/state", fx->dir);
	snprintf(fx->log, FX_PATH, "%s/supplicant.log", fx->dir);
	fx->rng = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 20;
	*state = fx;
	return 0;
}

int fx_teardown(void **state)
{
	struct fx *fx = *state;
	fx_core_close(fx);
	fx_stop_all(fx);
	tv_test_rmtree(fx->dir);
	free(fx->dir);
	free(fx);
	return 0;
}

/* ---------------------------------------------------------------- processes */

const char *fx_tool(void)
{
	const char *p = getenv("TEEVAR_SUPPLICANT");
	return p ? p : "../tools/teevar-supplicant";
}

const char *fx_hostile(void)
{
	const char *p = getenv("TEEVAR_HOSTILE_SUPPLICANT");
	return p ? p : "./hostile_supplicant";
}

static void track(struct fx *fx, pid_t pid, bool add)
{
	for (int i = 0; i < FX_MAX_PROCS; i++) {
		if (add ? fx->procs[i] == 0 : fx->procs[i] == pid) {
			fx->procs[i] = add ? pid : 0;
			return;
		}
	}
	assert_true(!add); /* too many children */
}

static void child_exec(const char *const *argv, const char *log)
{
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	execv(argv[0], (char *const *)(uintptr_t)argv);
	_exit(127);
}

bool fx_wait_ready(struct fx *fx, pid_t pid)
{
	for (int i = 0; i < 5000; i++) {
		int fd = sock_connect_unix(fx->sock);
		if (fd >= 0) {
			close(fd);
			return true;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			track(fx, pid, false);
			return false;
		}
		sleep_ms(2);
	}
	return false;
}

pid_t fx_fork(struct fx *fx)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* dies with the test, even a killed one */
	else
		track(fx, pid, true);
	return pid;
}

pid_t fx_spawn(struct fx *fx, const char *const *argv, const char *log, bool wait)
{
	pid_t pid = fx_fork(fx);
	if (pid == 0)
		child_exec(argv, log ? log : fx->log);
	if (wait && !fx_wait_ready(fx, pid))
		return -1;
	return pid;
}

static pid_t start_with(struct fx *fx, const char *prog, const char *const *extra)
{
	const char *argv[32] = {prog, "--image", fx->image, "--socket", fx->sock, "--no-sync",
				"--size-mult", "4"};
	size_t n = 8;
	for (; extra && *extra; extra++) {
		assert_true(n < 31);
		argv[n++] = *extra;
	}
	argv[n] = NULL;
	pid_t pid = fx_spawn(fx, argv, NULL, true);
	assert_true(pid > 0);
	return pid;
}

pid_t fx_supp_start(struct fx *fx, const char *const *extra)
{
	return start_with(fx, fx_tool(), extra);
}

pid_t fx_hostile_start(struct fx *fx, const char *const *extra)
{
	return start_with(fx, fx_hostile(), extra);
}

int fx_wait_exit(struct fx *fx, pid_t pid, int timeout_ms)
{
	int status;
	for (int waited = 0; waited <= timeout_ms; waited += 2) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			track(fx, pid, false);
			return status;
		}
		sleep_ms(2);
	}
	return -1;
}

int fx_stop(struct fx *fx, pid_t pid, int sig)
{
	kill(pid, sig);
	int status = fx_wait_exit(fx, pid, 10000);
	if (status == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		track(fx, pid, false);
	}
	return status;
}

void fx_stop_all(struct fx *fx)
{
	for (int i = 0; i < FX_MAX_PROCS; i++)
		if (fx->procs[i] > 0)
			fx_stop(fx, fx->procs[i], SIGKILL);
}

/* ---------------------------------------------------------------- secure core */

int fx_core_open(struct fx *fx, int timeout_ms)
{
	struct rpmb_route_client_config rc = {.socket_path = fx->sock, .timeout_ms = timeout_ms};
	struct rpmb_dev dev;
	assert_int_equal(rpmb_route_client_open_cfg(&rc, &dev), TV_OK);
	struct tv_secure_config cfg;
	tv_secure_config_default(&cfg);
	assert_null(fx->sec);
	return tv_secure_open_dev(fx->state, &cfg, dev, &fx->sec);
}

void fx_core_close(struct fx *fx)
{
	tv_secure_close(fx->sec);
	fx->sec = NULL;
}

static size_t var_name(uint32_t n, uint8_t *out)
{
	char s[16];
	int len = snprintf(s, sizeof(s), "V%u", n);
	for (int i = 0; i <= len; i++) {
		out[2 * i] = (uint8_t)(i < len ? s[i] : 0);
		out[2 * i + 1] = 0;
	}
	return (size_t)(len + 1) * 2;
}

efi_status_t fx_set(struct fx *fx, uint32_t n, const uint8_t *data, size_t size)
{
	uint8_t name[32];
	size_t len = var_name(n, name);
	return tv_varsvc_set(tv_secure_varsvc(fx->sec), name, len, &fx_guid, FX_ATTRS, size, data);
}

efi_status_t fx_get(struct fx *fx, uint32_t n, uint8_t *data, size_t *size)
{
	uint8_t name[32];
	size_t len = var_name(n, name);
	uint32_t attrs;
	uint64_t sz = *size;
	efi_status_t s = tv_varsvc_get(tv_secure_varsvc(fx->sec), name, len, &fx_guid, &attrs, &sz,
				       data);
	*size = (size_t)sz;
	return s;
}

/* ---------------------------------------------------------------- model */

efi_status_t fx_set_random(struct fx *fx, struct fx_model *m, uint32_t n, uint8_t *val,
			   size_t *size)
{
	*size = 1 + tv_test_rand(&fx->rng) % FX_VMAX;
	uint8_t b = (uint8_t)tv_test_rand(&fx->rng);
	for (size_t i = 0; i < *size; i++)
		val[i] = (uint8_t)(b + i * 7);
	efi_status_t s = fx_set(fx, n, val, *size);
	if (s == EFI_SUCCESS) {
		m->present[n] = true;
		m->size[n] = *size;
		memcpy(m->data[n], val, *size);
	}
	return s;
}

static const struct tv_store_var *store_var(struct fx *fx, uint32_t n)
{
	uint8_t name[32];
	size_t len = var_name(n, name);
	return tv_store_get(tv_secure_store(fx->sec), fx_guid.b, name, len);
}

bool fx_var_equals(struct fx *fx, uint32_t n, const uint8_t *data, size_t size)
{
	const struct tv_store_var *v = store_var(fx, n);
	return v && v->data_size == size && memcmp(v->data, data, size) == 0;
}

bool fx_var_is(struct fx *fx, const struct fx_model *m, uint32_t n)
{
	if (!m->present[n])
		return store_var(fx, n) == NULL;
	return fx_var_equals(fx, n, m->data[n], m->size[n]);
}

void fx_assert_model(struct fx *fx, const struct fx_model *m)
{
	uint32_t want = 0, have = 0;
	for (uint32_t n = 0; n < FX_VARS; n++) {
		assert_true(fx_var_is(fx, m, n));
		want += m->present[n];
	}
	const struct tv_store *st = tv_secure_store(fx->sec);
	for (const struct tv_store_var *v = tv_store_first(st); v; v = tv_store_next(st, v))
		have++;
	assert_int_equal(have, want);
}

void fx_assert_remount(struct fx *fx, const struct fx_model *m)
{
	fx_assert_model(fx, m);
	fx_core_close(fx);
	assert_int_equal(fx_core_open(fx, 0), TV_OK);
	fx_assert_model(fx, m);
}

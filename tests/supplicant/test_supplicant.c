/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The split topology's route: a secure core in this process mounts its store
 * through the route client and teevar-supplicant in a child process. Persistence,
 * secure-core (teevard) restarts and crashes, a supplicant that goes away and
 * comes back, one client at a time, and the serving path through the Linux eMMC
 * backend with an injected ioctl.
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
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/mmc/ioctl.h>

#include "rpmb_emu.h"
#include "rpmb_mmc.h"
#include "rpmb_route_client.h"
#include "sock_io.h"
#include "supp_fixture.h"
#include "supplicant.h"
#include "tv_err.h"

static void fill_model(struct fx *fx, struct fx_model *m, uint32_t nvars)
{
	uint8_t val[FX_VMAX];
	size_t size;
	for (uint32_t n = 0; n < nvars; n++)
		assert_int_equal(fx_set_random(fx, m, n, val, &size), EFI_SUCCESS);
}

static void test_persist_and_core_restarts(void **state)
{
	struct fx *fx = *state;
	static struct fx_model m;
	memset(&m, 0, sizeof(m));
	pid_t pid = fx_supp_start(fx, NULL);
	assert_int_equal(fx_core_open(fx, 0), TV_OK);
	fill_model(fx, &m, 8);
	uint8_t buf[FX_VMAX];
	size_t size = sizeof(buf);
	assert_int_equal(fx_get(fx, 3, buf, &size), EFI_SUCCESS);
	assert_int_equal(size, m.size[3]);
	assert_memory_equal(buf, m.data[3], size);
	/* teevard restarts: the same supplicant serves every new secure core. */
	for (int i = 0; i < 3; i++) {
		fx_assert_remount(fx, &m);
		fill_model(fx, &m, 2);
	}
	assert_int_equal(kill(pid, 0), 0);
	fx_core_close(fx);
	/* A clean stop: exit 0, socket gone; the image keeps everything. */
	int status = fx_stop(fx, pid, SIGTERM);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	struct stat st;
	assert_int_equal(stat(fx->sock, &st), -1);
	fx_supp_start(fx, NULL);
	assert_int_equal(fx_core_open(fx, 0), TV_OK);
	fx_assert_model(fx, &m);
}

static int64_t elapsed_ms(int64_t since)
{
	return sock_now_ms() - since;
}

static void test_supplicant_gone_and_back(void **state)
{
	struct fx *fx = *state;
	static struct fx_model m;
	memset(&m, 0, sizeof(m));
	pid_t pid = fx_supp_start(fx, NULL);
	assert_int_equal(fx_core_open(fx, 0), TV_OK);
	fill_model(fx, &m, 6);
	for (int round = 0; round < 3; round++) {
		fx_stop(fx, pid, round == 1 ? SIGTERM : SIGKILL);
		/* Reads are served from RAM; writes fail fast with a device error. */
		fx_assert_model(fx, &m);
		uint8_t buf[FX_VMAX], val[FX_VMAX];
		size_t size = sizeof(buf);
		assert_int_equal(fx_get(fx, 2, buf, &size), EFI_SUCCESS);
		assert_int_equal(size, m.size[2]);
		int64_t t0 = sock_now_ms();
		for (int i = 0; i < 3; i++)
			assert_int_equal(fx_set_random(fx, &m, 1, val, &size), EFI_DEVICE_ERROR);
		assert_true(elapsed_ms(t0) < 1000);
		fx_assert_model(fx, &m);
		/* Back: the next write resynchronizes and works. */
		pid = fx_supp_start(fx, NULL);
		assert_int_equal(fx_set_random(fx, &m, 1, val, &size), EFI_SUCCESS);
		assert_int_equal(fx_set_random(fx, &m, 7, val, &size), EFI_SUCCESS);
		fx_assert_remount(fx, &m);
	}
	/* Restarted while the secure core was idle: the first write already works. */
	for (int round = 0; round < 2; round++) {
		fx_stop(fx, pid, round ? SIGKILL : SIGTERM);
		pid = fx_supp_start(fx, NULL);
		uint8_t val[FX_VMAX];
		size_t size;
		assert_int_equal(fx_set_random(fx, &m, 4, val, &size), EFI_SUCCESS);
	}
	fx_assert_remount(fx, &m);
}

/* A secure core in a child process, writing V0 = 0, 1, 2, ... until killed. */
static void child_writer(struct fx *fx)
{
	if (fx_core_open(fx, 0) != TV_OK)
		_exit(1);
	for (uint32_t k = 0;; k++) {
		uint8_t v[4] = {(uint8_t)k, (uint8_t)(k >> 8), (uint8_t)(k >> 16), 0xC5};
		fx_set(fx, 0, v, sizeof(v));
	}
}

static void test_teevard_killed(void **state)
{
	struct fx *fx = *state;
	static struct fx_model m;
	memset(&m, 0, sizeof(m));
	pid_t supp = fx_supp_start(fx, NULL);
	assert_int_equal(fx_core_open(fx, 0), TV_OK);
	fill_model(fx, &m, 5);
	fx_core_close(fx);
	for (int i = 0; i < 4; i++) {
		pid_t child = fx_fork(fx);
		if (child == 0)
			child_writer(fx);
		struct timespec ts = {.tv_nsec = (20 + 15 * i) * 1000000L};
		nanosleep(&ts, NULL);
		fx_stop(fx, child, SIGKILL);
		assert_int_equal(kill(supp, 0), 0); /* the supplicant is still there */
		assert_int_equal(fx_core_open(fx, 0), TV_OK);
		/* V0 holds its old value or one the child wrote; the rest did not move. */
		uint8_t v[FX_VMAX];
		size_t size = sizeof(v);
		assert_int_equal(fx_get(fx, 0, v, &size), EFI_SUCCESS);
		if (!fx_var_is(fx, &m, 0)) {
			assert_int_equal(size, 4);
			assert_int_equal(v[3], 0xC5);
			m.size[0] = 4;
			memcpy(m.data[0], v, 4);
		}
		fx_assert_remount(fx, &m);
		fx_core_close(fx);
	}
}

/* While a client is served, a second connection is closed at once. */
static void test_one_client_at_a_time(void **state)
{
	struct fx *fx = *state;
	fx_supp_start(fx, NULL);
	assert_int_equal(fx_core_open(fx, 0), TV_OK);
	int fd = sock_connect_unix(fx->sock);
	assert_true(fd >= 0);
	uint8_t b;
	assert_int_equal(sock_read_full(fd, &b, 1, sock_deadline(5000)), TV_ENOENT);
	close(fd);
	static struct fx_model m;
	memset(&m, 0, sizeof(m));
	fill_model(fx, &m, 3);
	fx_core_close(fx);
	/* The slot is free again. */
	struct rpmb_dev dev;
	struct rpmb_dev_info info;
	assert_int_equal(rpmb_route_client_open(fx->sock, &dev), TV_OK);
	assert_int_equal(rpmb_dev_get_info(&dev, &info), TV_OK);
	assert_int_equal(info.size_mult, 4);
	assert_int_equal(info.rel_wr_sec_c, 1);
	rpmb_dev_close(&dev);
}

/* The route client on its own: lazy connect, fail fast, reconnect. */
static void test_route_client_reconnects(void **state)
{
	struct fx *fx = *state;
	struct rpmb_dev dev;
	struct rpmb_dev_info info;
	assert_int_equal(rpmb_route_client_open(fx->sock, &dev), TV_OK); /* nobody there yet */
	int64_t t0 = sock_now_ms();
	assert_int_equal(rpmb_dev_get_info(&dev, &info), TV_EIO);
	assert_true(elapsed_ms(t0) < 500);
	pid_t pid = fx_supp_start(fx, NULL);
	assert_int_equal(rpmb_dev_get_info(&dev, &info), TV_OK);
	uint8_t req[RPMB_FRAME_SIZE] = {0}, resp[2 * RPMB_FRAME_SIZE];
	req[RPMB_OFF_TYPE + 1] = RPMB_REQ_READ_COUNTER;
	assert_int_equal(rpmb_dev_route(&dev, req, 1, resp, 1), TV_OK);
	assert_int_equal(rpmb_frame_type(resp), 0x0200);
	/* Shapes the route never sends are refused before they leave. */
	assert_int_equal(rpmb_dev_route(&dev, req, 1, resp, 2), TV_EINVAL);
	assert_int_equal(rpmb_dev_route(&dev, req, 0, resp, 1), TV_EINVAL);
	fx_stop(fx, pid, SIGKILL);
	assert_int_equal(rpmb_dev_route(&dev, req, 1, resp, 1), TV_EIO);
	assert_int_equal(rpmb_dev_route(&dev, req, 1, resp, 1), TV_EIO);
	fx_supp_start(fx, NULL);
	assert_int_equal(rpmb_dev_route(&dev, req, 1, resp, 1), TV_OK);
	rpmb_dev_close(&dev);

	struct rpmb_route_client_config cfg = {.socket_path = fx->sock, .timeout_ms = -1};
	assert_int_equal(rpmb_route_client_open_cfg(&cfg, &dev), TV_EINVAL);
	char longp[200];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(rpmb_route_client_open(longp, &dev), TV_EINVAL);
	assert_int_equal(rpmb_route_client_open("", &dev), TV_EINVAL);
	assert_int_equal(rpmb_route_client_open(NULL, &dev), TV_EINVAL);
}

/* ------------------------------------------------ the eMMC serving path */

#define CARD_CID "150100523158454d4201f1a4c7a8e300"

static void put(const char *dir, const char *name, const char *text)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void make_card(struct fx *fx, char *sysfs, char *devroot, size_t size)
{
	char dir[1024];
	snprintf(sysfs, size, "%s/sys", fx->dir);
	snprintf(devroot, size, "%s/dev", fx->dir);
	const char *parts[] = {"", "/class", "/class/mmc_host", "/class/mmc_host/mmc0",
			       "/class/mmc_host/mmc0/mmc0:0001", "/class/mmc_host/mmc0/mmc0:0001/block",
			       "/class/mmc_host/mmc0/mmc0:0001/block/mmcblk0"};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		snprintf(dir, sizeof(dir), "%s%s", sysfs, parts[i]);
		mkdir(dir, 0755);
	}
	snprintf(dir, sizeof(dir), "%s/class/mmc_host/mmc0/mmc0:0001", sysfs);
	put(dir, "type", "MMC\n");
	put(dir, "raw_rpmb_size_mult", "0x4\n");
	put(dir, "rel_sectors", "0x1\n");
	put(dir, "cid", CARD_CID "\n");
	mkdir(devroot, 0755);
	put(devroot, "mmcblk0rpmb", "");
}

/* The MMC_IOC_MULTI_CMD the backend issues, played by the emulator. */
static int fake_ioctl(void *arg, int fd, unsigned long request, void *data)
{
	struct mmc_ioc_multi_cmd *m = data;
	(void)fd;
	if (request != MMC_IOC_MULTI_CMD) {
		errno = ENOTTY;
		return -1;
	}
	for (uint64_t i = 0; i < m->num_of_cmds; i++) {
		struct mmc_ioc_cmd *c = &m->cmds[i];
		void *buf = (void *)(uintptr_t)c->data_ptr;
		int rc = c->opcode == 25 ? rpmb_emu_cmd_write(arg, buf, c->blocks,
							      ((uint32_t)c->write_flag >> 31) != 0)
					 : rpmb_emu_cmd_read(arg, buf, c->blocks);
		if (rc != TV_OK) {
			errno = EIO;
			return -1;
		}
	}
	return 0;
}

static volatile sig_atomic_t child_stop;
static void on_term(int sig)
{
	(void)sig;
	child_stop = 1;
}

/* Child: the serving logic over rpmb_mmc, whose ioctl reaches an emulator. */
static void child_mmc_supplicant(struct fx *fx, const char *sysfs, const char *devroot)
{
	struct rpmb_emu_config ec;
	struct rpmb_emu *emu;
	rpmb_emu_config_default(&ec);
	ec.size_mult = 4;
	uint8_t cid[RPMB_CID_SIZE];
	struct rpmb_dev dev;
	struct rpmb_mmc_config mc = {.cid = cid, .sysfs_root = sysfs, .dev_root = devroot,
				     .ioctl = fake_ioctl};
	if (rpmb_emu_new_mem(&ec, &emu) != TV_OK || rpmb_cid_parse(CARD_CID, cid) != TV_OK)
		_exit(3);
	mc.ioctl_arg = emu;
	if (rpmb_mmc_open(&mc, &dev) != TV_OK)
		_exit(4);
	struct sigaction sa = {.sa_handler = on_term};
	sigaction(SIGTERM, &sa, NULL);
	sigset_t block, wait_mask;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	int lfd = sock_listen_unix(fx->sock, 0600);
	struct supplicant_config cfg = {.stop = &child_stop, .wait_mask = &wait_mask};
	_exit(lfd >= 0 && supplicant_serve(lfd, &dev, &cfg) == TV_OK ? 0 : 5);
}

static void test_serving_through_mmc_backend(void **state)
{
	struct fx *fx = *state;
	char sysfs[FX_PATH], devroot[FX_PATH];
	make_card(fx, sysfs, devroot, sizeof(sysfs));
	pid_t pid = fx_fork(fx);
	if (pid == 0)
		child_mmc_supplicant(fx, sysfs, devroot);
	assert_true(fx_wait_ready(fx, pid));
	assert_int_equal(fx_core_open(fx, 0), TV_OK);
	struct rpmb_dev_info *info = &tv_secure_rpmb(fx->sec)->info;
	assert_int_equal(info->cid[0], 0x15);
	assert_int_equal(info->size_mult, 4);
	static struct fx_model m;
	memset(&m, 0, sizeof(m));
	fill_model(fx, &m, 6);
	fx_assert_remount(fx, &m);
	fx_core_close(fx);
	int status = fx_stop(fx, pid, SIGTERM);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_persist_and_core_restarts, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_supplicant_gone_and_back, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_teevard_killed, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_one_client_at_a_time, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_route_client_reconnects, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_serving_through_mmc_backend, fx_setup,
						fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

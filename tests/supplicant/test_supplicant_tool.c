/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevar-supplicant as a program: it trusts nothing on its socket (malformed,
 * truncated, stalled and random messages are answered with an error and the
 * connection dropped, and it keeps serving), SIGTERM never cuts a request, its
 * command line, and the choice of a Linux eMMC by CID on a fake sysfs tree.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <teevar/tee.h>

#include "rpmb_route_client.h"
#include "rpmb_rpc.h"
#include "sock_io.h"
#include "supp_fixture.h"
#include "supp_wire.h"
#include "tv_bytes.h"
#include "tv_err.h"
#include "tv_test_util.h"

/* ------------------------------------------------------------ raw client */

static size_t req_msg(uint8_t *buf, uint32_t magic, uint32_t cmd, uint32_t out_len,
		      uint16_t rcmd, uint16_t dev, uint16_t count, size_t nframes, uint16_t type)
{
	size_t in_len = RPMB_RPC_REQ_HDR_SIZE + nframes * RPMB_FRAME_SIZE;
	struct supp_req_hdr h = {.magic = magic, .cmd = cmd, .in_len = (uint32_t)in_len,
				 .out_len = out_len};
	supp_req_hdr_encode(&h, buf);
	rpmb_rpc_req_encode(rcmd, dev, count, buf + SUPP_REQ_HDR_SIZE);
	uint8_t *f = buf + SUPP_REQ_HDR_SIZE + RPMB_RPC_REQ_HDR_SIZE;
	memset(f, 0, nframes * RPMB_FRAME_SIZE);
	for (size_t i = 0; i < nframes; i++)
		tv_put_be16(f + i * RPMB_FRAME_SIZE + RPMB_OFF_TYPE, type);
	return SUPP_REQ_HDR_SIZE + in_len;
}

static size_t info_msg(uint8_t *buf)
{
	return req_msg(buf, SUPP_MAGIC, SUPP_CMD_RPMB, RPMB_RPC_DEV_INFO_SIZE,
		       RPMB_RPC_CMD_GET_DEV_INFO, 0, 0, 0, 0);
}

static int raw_connect(struct fx *fx)
{
	int fd = sock_connect_unix(fx->sock);
	assert_true(fd >= 0);
	return fd;
}

/* Reads one answer: its result; the body (out_len bytes) into out. */
static uint32_t raw_answer(int fd, uint8_t *out, uint32_t *out_len)
{
	uint8_t h[SUPP_RESP_HDR_SIZE];
	assert_int_equal(sock_read_full(fd, h, sizeof(h), sock_deadline(5000)), TV_OK);
	uint32_t result = tv_get_le32(h), len = tv_get_le32(h + 4);
	assert_true(len <= SUPP_MAX_OUT);
	if (len)
		assert_int_equal(sock_read_full(fd, out, len, sock_deadline(5000)), TV_OK);
	*out_len = len;
	return result;
}

/* The peer closes (a reset when it left part of our request unread), well
 * before the deadline. */
static void expect_eof(int fd)
{
	uint8_t b;
	int64_t t0 = sock_now_ms();
	int rc = sock_read_full(fd, &b, 1, sock_deadline(5000));
	assert_true(rc == TV_ENOENT || (rc == TV_EIO && sock_now_ms() - t0 < 4000));
}

/* A good GET_DEV_INFO on a new connection: the supplicant still serves. */
static void expect_serving(struct fx *fx)
{
	uint8_t buf[64], out[64];
	uint32_t len;
	int fd = raw_connect(fx);
	assert_int_equal(sock_write_full(fd, buf, info_msg(buf), -1), TV_OK);
	assert_int_equal(raw_answer(fd, out, &len), TEE_SUCCESS);
	assert_int_equal(len, RPMB_RPC_DEV_INFO_SIZE);
	assert_int_equal(out[16], 4);  /* size_mult */
	assert_int_equal(out[18], 0);  /* ret_code OK */
	close(fd);
}

/* ------------------------------------------------------------ malformed */

struct bad_case {
	const char *what;
	uint32_t magic, cmd, out_len;
	uint16_t rcmd, dev, count;
	size_t nframes;
	uint16_t type;
	uint32_t want;
};

static void test_malformed_refused(void **state)
{
	struct fx *fx = *state;
	fx_supp_start(fx, NULL);
	const uint32_t bp = TEE_ERROR_BAD_PARAMETERS;
	const struct bad_case cases[] = {
		{"magic", 0x12345678, 1, 19, 1, 0, 0, 0, 0, bp},
		{"command", SUPP_MAGIC, 2, 19, 1, 0, 0, 0, 0, TEE_ERROR_NOT_SUPPORTED},
		{"out too big", SUPP_MAGIC, 1, SUPP_MAX_OUT + 1, 0, 0, 1, 1, 2, bp},
		{"info size", SUPP_MAGIC, 1, 18, 1, 0, 0, 0, 0, bp},
		{"info with frames", SUPP_MAGIC, 1, 19, 1, 0, 1, 1, 2, bp},
		{"other device", SUPP_MAGIC, 1, 19, 1, 1, 0, 0, 0, TEE_ERROR_ITEM_NOT_FOUND},
		{"count", SUPP_MAGIC, 1, 512, 0, 0, 2, 1, 2, bp},
		{"count zero", SUPP_MAGIC, 1, 512, 0, 0, 0, 0, 2, bp},
		{"result read", SUPP_MAGIC, 1, 512, 0, 0, 1, 1, 5, bp},
		{"no type", SUPP_MAGIC, 1, 512, 0, 0, 1, 1, 0, bp},
		{"write, 2 back", SUPP_MAGIC, 1, 1024, 0, 0, 1, 1, 3, bp},
		{"counter, 2 in", SUPP_MAGIC, 1, 512, 0, 0, 2, 2, 2, bp},
		{"not whole frames", SUPP_MAGIC, 1, 700, 0, 0, 1, 1, 4, bp},
		{"rpc command", SUPP_MAGIC, 1, 19, 5, 0, 0, 0, 0, bp},
	};
	static uint8_t buf[8192];
	uint8_t out[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];
		int fd = raw_connect(fx);
		size_t n = req_msg(buf, c->magic, c->cmd, c->out_len, c->rcmd, c->dev, c->count,
				   c->nframes, c->type);
		assert_int_equal(sock_write_full(fd, buf, n, -1), TV_OK);
		uint32_t len = 99;
		uint32_t result = raw_answer(fd, out, &len);
		if (result != c->want)
			fail_msg("%s: result %#x", c->what, result);
		assert_int_equal(len, 0);
		expect_eof(fd);
		close(fd);
	}
	expect_serving(fx);
}

/* Lengths out of bounds are refused from the header alone. */
static void test_bad_lengths_refused(void **state)
{
	struct fx *fx = *state;
	fx_supp_start(fx, NULL);
	static const uint32_t in_lens[] = {0, 5, SUPP_MAX_IN + 1, 0xFFFFFFFFu};
	uint8_t buf[SUPP_REQ_HDR_SIZE], out[64];
	for (size_t i = 0; i < 4; i++) {
		int fd = raw_connect(fx);
		struct supp_req_hdr h = {SUPP_MAGIC, SUPP_CMD_RPMB, in_lens[i], 19};
		supp_req_hdr_encode(&h, buf);
		assert_int_equal(sock_write_full(fd, buf, SUPP_REQ_HDR_SIZE, -1), TV_OK);
		uint32_t len;
		assert_int_equal(raw_answer(fd, out, &len), TEE_ERROR_BAD_PARAMETERS);
		expect_eof(fd);
		close(fd);
	}
	expect_serving(fx);
}

/* A request that stops half-way is dropped after the timeout; no answer. */
static void test_truncated_and_stalled(void **state)
{
	struct fx *fx = *state;
	const char *const extra[] = {"--timeout-ms", "200", NULL};
	fx_supp_start(fx, extra);
	uint8_t buf[1024];
	size_t n = req_msg(buf, SUPP_MAGIC, 1, 512, 0, 0, 1, 1, RPMB_REQ_READ_COUNTER);
	const size_t cut[] = {1, 15, 16, 21, n - 1};
	for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		int fd = raw_connect(fx);
		assert_int_equal(sock_write_full(fd, buf, cut[i], -1), TV_OK);
		int64_t t0 = sock_now_ms();
		expect_eof(fd);
		int64_t took = sock_now_ms() - t0;
		assert_true(took >= 150 && took < 3000);
		close(fd);
	}
	/* A peer that hangs up half-way is dropped at once. */
	int fd = raw_connect(fx);
	assert_int_equal(sock_write_full(fd, buf, n / 2, -1), TV_OK);
	shutdown(fd, SHUT_WR);
	expect_eof(fd);
	close(fd);
	expect_serving(fx);
}

/* Random bytes, and valid requests with random damage: never a crash. */
static void test_fuzzed_messages(void **state)
{
	struct fx *fx = *state;
	fx_supp_start(fx, NULL);
	assert_int_equal(fx_core_open(fx, 0), TV_OK);
	static struct fx_model m;
	memset(&m, 0, sizeof(m));
	uint8_t val[FX_VMAX];
	size_t size;
	for (uint32_t k = 0; k < 4; k++)
		assert_int_equal(fx_set_random(fx, &m, k, val, &size), EFI_SUCCESS);
	fx_core_close(fx);
	uint64_t rng = 42;
	uint8_t buf[1100], out[1100];
	for (int i = 0; i < 400; i++) {
		size_t n = req_msg(buf, SUPP_MAGIC, 1, 512, 0, 0, 1, 1, RPMB_REQ_READ_COUNTER);
		int flips = 1 + (int)(tv_test_rand(&rng) % 4);
		for (int j = 0; j < flips; j++) {
			size_t at = i % 3 == 0 ? tv_test_rand(&rng) % n : tv_test_rand(&rng) % 24;
			buf[at] ^= (uint8_t)(1u << (tv_test_rand(&rng) % 8));
		}
		if (i % 5 == 0)
			for (size_t j = 0; j < 32; j++)
				buf[j] = (uint8_t)tv_test_rand(&rng);
		int fd = raw_connect(fx);
		sock_write_full(fd, buf, 1 + tv_test_rand(&rng) % n, -1);
		shutdown(fd, SHUT_WR); /* whatever is missing never comes */
		while (sock_read_full(fd, out, 1, sock_deadline(5000)) == TV_OK)
			;
		close(fd);
	}
	expect_serving(fx);
	assert_int_equal(fx_core_open(fx, 0), TV_OK);
	fx_assert_model(fx, &m);
}

/* SIGTERM in the middle of a request: the request is finished, then it stops. */
static void test_sigterm_finishes_request(void **state)
{
	struct fx *fx = *state;
	pid_t pid = fx_supp_start(fx, NULL);
	uint8_t buf[64], out[64];
	size_t n = info_msg(buf);
	int fd = raw_connect(fx);
	assert_int_equal(sock_write_full(fd, buf, n - 3, -1), TV_OK);
	struct timespec ts = {.tv_nsec = 50 * 1000000L};
	nanosleep(&ts, NULL);
	kill(pid, SIGTERM);
	nanosleep(&ts, NULL);
	assert_int_equal(waitpid(pid, NULL, WNOHANG), 0); /* still running */
	assert_int_equal(sock_write_full(fd, buf + n - 3, 3, -1), TV_OK);
	uint32_t len;
	assert_int_equal(raw_answer(fd, out, &len), TEE_SUCCESS);
	assert_int_equal(len, RPMB_RPC_DEV_INFO_SIZE);
	expect_eof(fd);
	close(fd);
	int status = fx_wait_exit(fx, pid, 5000);
	assert_true(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	struct stat st;
	assert_int_equal(stat(fx->sock, &st), -1); /* socket removed */

	/* SIGINT while idle, with a client connected. */
	pid = fx_supp_start(fx, NULL);
	fd = raw_connect(fx);
	kill(pid, SIGINT);
	status = fx_wait_exit(fx, pid, 5000);
	assert_true(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
}

/* ------------------------------------------------------------ command line */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *s = calloc(1, 16384);
	size_t n = fread(s, 1, 16383, f);
	s[n] = '\0';
	fclose(f);
	return s;
}

/* Runs the tool to its end: asserts the exit code and that the output holds `want`. */
static void run_tool(struct fx *fx, const char *const *args, int code, const char *want)
{
	static int seq;
	char log[FX_PATH];
	snprintf(log, sizeof(log), "%s/run%d.log", fx->dir, seq++);
	const char *argv[24] = {fx_tool()};
	size_t n = 1;
	for (; *args; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	pid_t pid = fx_spawn(fx, argv, log, false);
	int status = fx_wait_exit(fx, pid, 10000);
	char *out = slurp(log);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != code ||
	    !strstr(out, want))
		fail_msg("%s %s...: status %#x, output:\n%s", argv[1], argv[2] ? argv[2] : "",
			 status, out);
	free(out);
}

/* Usage errors: exit status 2. */
static void test_command_line(void **state)
{
	struct fx *fx = *state;
	const char *img = fx->image;
	run_tool(fx, (const char *[]){"--help", NULL}, 0, "usage: teevar-supplicant");
	run_tool(fx, (const char *[]){"-h", NULL}, 0, "--rpmb-cid HEX");
	run_tool(fx, (const char *[]){NULL}, 2, "give either --image or --rpmb-dev");
	run_tool(fx, (const char *[]){"--image", img, "--rpmb-dev", "/dev/x", NULL}, 2,
		 "give either");
	run_tool(fx, (const char *[]){"--image", img, "--size-mult", "0", NULL}, 2, "1..128");
	run_tool(fx, (const char *[]){"--image", img, "--size-mult", "129", NULL}, 2, "1..128");
	run_tool(fx, (const char *[]){"--image", img, "--rel-wr", "33", NULL}, 2, "1..32");
	run_tool(fx, (const char *[]){"--image", img, "--socket-mode", "999", NULL}, 2, "octal");
	run_tool(fx, (const char *[]){"--image", img, "--timeout-ms", "-5", NULL}, 2, "timeout");
	run_tool(fx, (const char *[]){"--image", img, "--bogus", NULL}, 2, "unknown option");
	run_tool(fx, (const char *[]){"--image", NULL}, 2, "missing argument");
	run_tool(fx, (const char *[]){"--image", img, "extra", NULL}, 2, "unexpected argument");
	run_tool(fx, (const char *[]){"-h", NULL}, 0, "--tee-dev PATH");
	run_tool(fx, (const char *[]){"--image", img, "--tee", "--tee-dev", "/dev/x", NULL}, 2,
		 "either --tee or --tee-dev");
	run_tool(fx, (const char *[]){"--image", img, "--tee", "--socket", "s", NULL}, 2,
		 "do not go with --tee");
	run_tool(fx, (const char *[]){"--image", img, "--tee-dev", "/dev/x", "--socket-mode", "0644",
				      NULL}, 2, "do not go with --tee");
	run_tool(fx, (const char *[]){"--tee", NULL}, 2, "give either --image");
}

/* The TEE front end without an OP-TEE device: exit status 1, a clear message
 * (the host has no /dev/teepriv*; the front end itself: test_supp_tee*.c). */
static void test_tee_without_device(void **state)
{
	struct fx *fx = *state;
	const char *img = fx->image;
	char missing[FX_PATH];
	snprintf(missing, sizeof(missing), "%s/teepriv0", fx->dir);
	run_tool(fx, (const char *[]){"--image", img, "--tee-dev", missing, NULL}, 1,
		 "no OP-TEE supplicant device");
	run_tool(fx, (const char *[]){"--image", img, "--tee-dev", "/dev/null", NULL}, 1,
		 "/dev/null: not a TEE device");
	if (access("/dev/teepriv0", F_OK) != 0)
		run_tool(fx, (const char *[]){"--image", img, "--tee", NULL}, 1,
			 "no OP-TEE supplicant device: /dev/teepriv0..9 do not exist");
	/* The device is opened first: a bad image fails before any TEE device. */
	char none[FX_PATH];
	snprintf(none, sizeof(none), "%s/none.img", fx->dir);
	run_tool(fx, (const char *[]){"--image", none, "--no-create", "--tee", NULL}, 1,
		 "no such image");
}

/* Runtime errors: exit status 1 and a clear message; a running supplicant owns
 * its image and its socket. */
static void test_command_line_errors(void **state)
{
	struct fx *fx = *state;
	const char *img = fx->image, *sock = fx->sock;
	run_tool(fx, (const char *[]){"--image", img, "--no-create", "--socket", sock, NULL}, 1,
		 "no such image");
	run_tool(fx, (const char *[]){"--rpmb-cid", "abc", NULL}, 1, "32 hex digits");

	char bad[FX_PATH];
	snprintf(bad, sizeof(bad), "%s/garbage.img", fx->dir);
	FILE *f = fopen(bad, "w");
	fputs("not an image", f);
	fclose(f);
	run_tool(fx, (const char *[]){"--image", bad, "--socket", sock, NULL}, 1,
		 "not a valid RPMB image");
	char cli_img[FX_PATH];
	snprintf(cli_img, sizeof(cli_img), "%s/cli.img", fx->dir);
	run_tool(fx, (const char *[]){"--image", cli_img, "--socket", bad, NULL}, 1, "not usable");
	char longsock[200];
	memset(longsock, 's', sizeof(longsock) - 1);
	longsock[sizeof(longsock) - 1] = '\0';
	run_tool(fx, (const char *[]){"--image", cli_img, "--socket", longsock, NULL}, 1,
		 "not usable");

	fx_supp_start(fx, NULL);
	char other_sock[FX_PATH], other_img[FX_PATH];
	snprintf(other_sock, sizeof(other_sock), "%s/other.sock", fx->dir);
	snprintf(other_img, sizeof(other_img), "%s/other.img", fx->dir);
	run_tool(fx, (const char *[]){"--image", img, "--socket", other_sock, NULL}, 1,
		 "in use by another process");
	run_tool(fx, (const char *[]){"--image", other_img, "--socket", sock, NULL}, 1,
		 "already serving");
	expect_serving(fx);
	struct stat st;
	assert_int_equal(stat(fx->sock, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

/* ------------------------------------------------------------ eMMC by CID */

#define CID_A "150100523158454d4201f1a4c7a8e300"
#define CID_B "fe014a4d4d43303247a0112233445500"

static void mkdirs(const char *path)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	}
	mkdir(buf, 0755);
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void add_card(const char *root, int host, const char *cid, const char *mult)
{
	char dir[1024], blk[1100];
	snprintf(dir, sizeof(dir), "%s/sys/class/mmc_host/mmc%d/mmc%d:0001", root, host, host);
	snprintf(blk, sizeof(blk), "%s/block/mmcblk%d", dir, host);
	mkdirs(blk);
	put(dir, "type", "MMC\n");
	put(dir, "raw_rpmb_size_mult", mult);
	put(dir, "rel_sectors", "0x2\n");
	put(dir, "cid", cid);
	snprintf(dir, sizeof(dir), "%s/dev", root);
	mkdirs(dir);
	snprintf(blk, sizeof(blk), "mmcblk%drpmb", host);
	put(dir, blk, ""); /* a regular file: opens, but no MMC ioctl works on it */
}

/* argv (from [0]) for the tool on the fake tree at root: --rpmb-cid cid (when
 * given), --rpmb-dev node (when given), the roots, the socket; NULL-terminated. */
static void tool_args(struct fx *fx, const char *root, const char **argv, const char *cid,
		      const char *node)
{
	static char sys[FX_PATH], dev[FX_PATH];
	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(dev, sizeof(dev), "%s/dev", root);
	size_t n = 0;
	argv[n++] = fx_tool();
	if (cid) {
		argv[n++] = "--rpmb-cid";
		argv[n++] = cid;
	}
	if (node) {
		argv[n++] = "--rpmb-dev";
		argv[n++] = node;
	}
	const char *rest[] = {"--sysfs-root", sys, "--dev-root", dev, "--socket", fx->sock, NULL};
	memcpy(argv + n, rest, sizeof(rest));
}

/* Two cards: a fake tree under DIR/two. */
static void two_cards(struct fx *fx, char *root, size_t size)
{
	snprintf(root, size, "%s/two", fx->dir);
	add_card(root, 0, CID_A "\n", "0x4\n");
	add_card(root, 1, CID_B "\n", "0x8\n");
}

static void expect_info(struct fx *fx, const char *cid_hex, uint8_t size_mult)
{
	struct rpmb_dev dev;
	struct rpmb_dev_info info;
	uint8_t cid[RPMB_CID_SIZE];
	assert_int_equal(rpmb_route_client_open(fx->sock, &dev), TV_OK);
	assert_int_equal(rpmb_dev_get_info(&dev, &info), TV_OK);
	assert_int_equal(tv_test_hex(cid_hex, cid, sizeof(cid)), RPMB_CID_SIZE);
	assert_memory_equal(info.cid, cid, RPMB_CID_SIZE);
	assert_int_equal(info.size_mult, size_mult);
	assert_int_equal(info.rel_wr_sec_c, 2);
	rpmb_dev_close(&dev);
}

static void test_emmc_by_cid(void **state)
{
	struct fx *fx = *state;
	char root[FX_PATH];
	const char *argv[16];
	two_cards(fx, root, sizeof(root));
	tool_args(fx, root, argv, CID_B, NULL);
	pid_t pid = fx_spawn(fx, argv, NULL, true);
	assert_true(pid > 0);
	expect_info(fx, CID_B, 8); /* from the chosen card's sysfs entry */
	/* The node is no eMMC: the request fails and is reported as an error. */
	struct rpmb_dev dev;
	struct rpmb_dev_info info;
	uint8_t req[RPMB_FRAME_SIZE] = {0}, resp[RPMB_FRAME_SIZE];
	tv_put_be16(req + RPMB_OFF_TYPE, RPMB_REQ_READ_COUNTER);
	assert_int_equal(rpmb_route_client_open(fx->sock, &dev), TV_OK);
	assert_int_equal(rpmb_dev_get_info(&dev, &info), TV_OK);
	assert_int_equal(rpmb_dev_route(&dev, req, 1, resp, 1), TV_EIO);
	assert_int_equal(rpmb_dev_get_info(&dev, &info), TV_OK); /* still serving */
	rpmb_dev_close(&dev);
	int status = fx_stop(fx, pid, SIGTERM);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	char *log = slurp(fx->log);
	assert_non_null(strstr(log, "device request failed"));
	free(log);
}

static void test_emmc_by_path(void **state)
{
	struct fx *fx = *state;
	char root[FX_PATH], node[FX_PATH + 32];
	const char *argv[16];
	two_cards(fx, root, sizeof(root));
	snprintf(node, sizeof(node), "%s/dev/mmcblk0rpmb", root);
	tool_args(fx, root, argv, NULL, node);
	pid_t pid = fx_spawn(fx, argv, NULL, true);
	assert_true(pid > 0);
	expect_info(fx, CID_A, 4); /* the card that owns the node */
	fx_stop(fx, pid, SIGTERM);
	tool_args(fx, root, argv, CID_A, node);
	pid = fx_spawn(fx, argv, NULL, true); /* both, agreeing */
	assert_true(pid > 0);
	fx_stop(fx, pid, SIGTERM);
	tool_args(fx, root, argv, CID_B, node);
	run_tool(fx, argv + 1, 1, "is not the card with CID");
}

static void test_emmc_selection_errors(void **state)
{
	struct fx *fx = *state;
	char root[FX_PATH], node[FX_PATH + 32];
	const char *argv[16];
	/* No such CID: the cards found are listed. */
	two_cards(fx, root, sizeof(root));
	tool_args(fx, root, argv, "00112233445566778899aabbccddeeff", NULL);
	run_tool(fx, argv + 1, 1, "no eMMC card with CID 00112233445566778899aabbccddeeff");
	run_tool(fx, argv + 1, 1, "mmcblk1: CID " CID_B);
	/* Two cards with one CID: refuse to guess. */
	snprintf(root, sizeof(root), "%s/dup", fx->dir);
	add_card(root, 0, CID_A "\n", "0x4\n");
	add_card(root, 3, CID_A "\n", "0x4\n");
	tool_args(fx, root, argv, CID_A, NULL);
	run_tool(fx, argv + 1, 1, "matches 2 cards; refusing to guess");
	run_tool(fx, argv + 1, 1, "mmcblk3: CID " CID_A);
	/* The card without its device node; no cards at all. */
	snprintf(root, sizeof(root), "%s/nonode", fx->dir);
	add_card(root, 0, CID_A "\n", "0x4\n");
	snprintf(node, sizeof(node), "%s/dev/mmcblk0rpmb", root);
	unlink(node);
	tool_args(fx, root, argv, CID_A, NULL);
	run_tool(fx, argv + 1, 1, "device node is missing");
	snprintf(root, sizeof(root), "%s/empty", fx->dir);
	tool_args(fx, root, argv, CID_A, NULL);
	run_tool(fx, argv + 1, 1, "(0 cards with RPMB found)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_malformed_refused, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bad_lengths_refused, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_truncated_and_stalled, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fuzzed_messages, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_sigterm_finishes_request, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_command_line, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_tee_without_device, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_command_line_errors, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_emmc_by_cid, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_emmc_by_path, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_emmc_selection_errors, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

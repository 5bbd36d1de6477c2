/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevard as a process, through its socket: STORE_INFO, framing errors
 * (bad magic, oversized, unknown op, bad bodies), the largest frame, sessions
 * (limit per connection, closed with the connection, not usable from another
 * connection), partial frames and stalled readers timing out while others are
 * served, clients killed mid-request, --max-clients, random and mutated
 * frames, and SIGTERM in the middle of a write workload. Every test ends with
 * a clean SIGTERM stop (exit 0) and a log free of sanitizer reports.
 * argv[1]: the teevard binary.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <teevar/client.h>
#include <teevar/store_info.h>
#include <teevar/transport.h>

#include "mm_wire.h"
#include "tv_err.h"
#include "tv_test_util.h"
#include "tvd_harness.h"
#include "tvd_wire.h"

#define NV_BS_RT 0x7u
#define IO_TIMEOUT "1500"
#define IO_TIMEOUT_MS 1500
#define PROMPT_MS 700 /* well below the I/O timeout, with room for a loaded machine */

static const efi_guid_t guid = {{0x74, 0x65, 0x73, 0x74, 0x2d, 0x74, 0x76, 0x64, 0x01, 0x02, 0x03,
				 0x04, 0x05, 0x06, 0x07, 0x08}};
static const uint8_t stmm_uuid[16] = TV_STMM_UUID;

struct fix {
	char *dir;
	struct tvd_proc d;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int start(struct fix *f, const char *const *extra)
{
	static const char *const def[] = {"--io-timeout-ms", IO_TIMEOUT, NULL};
	return tvd_start(&f->d, f->dir, extra ? extra : def);
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	f->dir = tv_test_tmpdir();
	*state = f;
	return f->dir && start(f, NULL) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	if (f->d.pid > 0)
		tvd_stop(&f->d, SIGKILL);
	if (getenv("TVD_KEEP"))
		fprintf(stderr, "# kept %s\n", f->dir);
	else
		tv_test_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* The daemon is still up, stops cleanly and logged no sanitizer report. */
static void finish(struct fix *f)
{
	assert_true(tvd_alive(&f->d));
	assert_int_equal(tvd_stop(&f->d, SIGTERM), 0);
	assert_true(tvd_log_clean(&f->d));
	assert_true(tvd_log_contains(&f->d, "stopped"));
}

/* ---- raw protocol helpers ---- */

static int send_frame(int fd, struct tvd_frame *fr)
{
	int rc = tv_test_send_all(fd, fr->buf, fr->len);
	tvd_frame_free(fr);
	return rc;
}

/* One answer frame; *body malloc'ed. 0 or -1 (EOF, timeout, garbage). */
static int read_frame(int fd, struct tvd_hdr *h, uint8_t **body)
{
	uint8_t hb[TVD_HDR_SIZE];
	*body = NULL;
	if (tv_test_recv_all(fd, hb, sizeof(hb)) != 0 || tvd_hdr_decode(hb, h) != TV_OK)
		return -1;
	*body = malloc(h->length + 1);
	return tv_test_recv_all(fd, *body, h->length);
}

/* Reads the answer to op and returns its status (result or ~0u on failure). */
static uint32_t read_status(int fd, uint16_t op, struct tvd_status *st)
{
	struct tvd_hdr h;
	uint8_t *body;
	uint32_t res = ~0u;
	if (read_frame(fd, &h, &body) == 0 && h.op == (TVD_RESPONSE | op) &&
	    h.length >= 8 && tvd_dec_status(body, 8, st) == TV_OK)
		res = st->result;
	free(body);
	return res;
}

static bool at_eof(int fd)
{
	uint8_t b[4096];
	for (;;) {
		ssize_t k = recv(fd, b, sizeof(b), 0);
		if (k == 0 || (k < 0 && errno == ECONNRESET))
			return true; /* ECONNRESET: teevard closed with our requests unread */
		if (k < 0)
			return false; /* timeout: still open */
	}
}

static uint32_t raw_open(int fd, uint32_t *session, uint32_t *origin)
{
	struct tvd_open_req r = {.login = 0};
	memcpy(r.uuid, stmm_uuid, 16);
	struct tvd_frame fr;
	assert_int_equal(tvd_enc_open_req(&r, &fr), TV_OK);
	assert_int_equal(send_frame(fd, &fr), 0);
	struct tvd_hdr h;
	uint8_t *body;
	struct tvd_open_resp a = {.st.result = ~0u};
	if (read_frame(fd, &h, &body) == 0 && h.op == (TVD_RESPONSE | TVD_OP_OPEN_SESSION) &&
	    tvd_dec_open_resp(body, h.length, &a) == TV_OK) {
		*session = a.session;
		*origin = a.st.origin;
	}
	free(body);
	return a.st.result;
}

/* An INVOKE of COMMUNICATE with mm as the MEMREF_INOUT. */
static struct tvd_frame invoke_frame(uint32_t session, const uint8_t *mm, size_t len)
{
	struct tvd_invoke_req r = {.session = session, .cmd = TV_STMM_CMD_COMMUNICATE};
	r.params[0] = (struct tvd_param){.type = TV_TEE_PARAM_MEMREF_INOUT, .size = len,
					 .data = mm};
	r.params[1] = (struct tvd_param){.type = TV_TEE_PARAM_VALUE_OUTPUT};
	struct tvd_frame fr;
	assert_int_equal(tvd_enc_invoke_req(&r, &fr), TV_OK);
	return fr;
}

static void set_var(struct tv_client *c, const char *name, const void *data, size_t n)
{
	efi_char16_t u[64];
	tvd_ucs2(u, name);
	assert_int_equal(tv_set_variable(c, u, &guid, NV_BS_RT, n, data), EFI_SUCCESS);
}

static size_t get_var(struct tv_client *c, const char *name, void *data, size_t max)
{
	efi_char16_t u[64];
	tvd_ucs2(u, name);
	size_t n = max;
	uint32_t attrs = 0;
	assert_int_equal(tv_get_variable(c, u, &guid, &attrs, &n, data), EFI_SUCCESS);
	return n;
}

/* A few quick operations by a well-behaved client; each must be prompt. */
static void others_served(struct fix *f, int64_t max_ms)
{
	struct tv_client *c = tvd_client(&f->d);
	assert_non_null(c);
	for (int i = 0; i < 5; i++) {
		int64_t t0 = now_ms();
		set_var(c, "Other", &i, sizeof(i));
		int v = -1;
		assert_int_equal(get_var(c, "Other", &v, sizeof(v)), sizeof(v));
		assert_int_equal(v, i);
		assert_true(now_ms() - t0 < max_ms);
	}
	tv_client_close(c);
}

/* ---- tests ---- */

static void test_store_info(void **state)
{
	struct fix *f = *state;
	struct tv_transport t, copy;
	assert_int_equal(tv_transport_unix_open(f->d.sock, &t), 0);
	copy = t;
	struct tv_client *c;
	assert_int_equal(tv_client_open(t, &c), EFI_SUCCESS);
	struct tv_store_info a, b;
	assert_int_equal(tv_transport_store_info(&copy, &a), 0);
	assert_int_equal(a.rpmb_blocks, 16384);
	assert_int_equal(a.blocks_per_write, 2);
	assert_int_equal(a.phase, 0);
	assert_int_equal(a.route, TV_STORE_ROUTE_INPROC);
	set_var(c, "Info", "x", 1);
	assert_int_equal(tv_transport_store_info(&copy, &b), 0);
	assert_int_equal(b.write_counter, a.write_counter + 1);
	assert_int_equal(b.var_count, a.var_count + 1);
	assert_true(b.format_version >= 1);
	assert_false(b.damaged);
	assert_false(b.read_only);
	/* the whole store verifies and holds what is served */
	struct tv_store_check_report r;
	assert_int_equal(tv_transport_store_check(&copy, &r), 0);
	assert_int_equal(r.format_version, b.format_version);
	assert_int_equal(r.live_vars, b.var_count);
	assert_true(r.records >= b.var_count && r.blocks_read > 0);
	assert_false(r.damaged);
	assert_true(r.matches_ram);
	struct tv_store_recovery rec;
	assert_int_equal(tv_transport_store_recover(&copy, &rec), -ENOENT);
	tv_client_close(c);

	/* an older client's STORE_INFO (empty body) gets the layout it knows */
	int fd = tvd_connect_raw(&f->d);
	struct tvd_frame fr;
	struct tvd_info_req q = {.layout = TVD_INFO_BASIC};
	assert_int_equal(tvd_enc_info_req(&q, &fr), TV_OK);
	assert_int_equal(send_frame(fd, &fr), 0);
	struct tvd_hdr h;
	uint8_t *body;
	assert_int_equal(read_frame(fd, &h, &body), 0);
	assert_int_equal(h.op, TVD_RESPONSE | TVD_OP_STORE_INFO);
	assert_int_equal(h.length, 8 + 60);
	struct tvd_info_resp old;
	assert_int_equal(tvd_dec_info_resp(body, h.length, &old), TV_OK);
	assert_int_equal(old.layout, TVD_INFO_BASIC);
	assert_int_equal(old.info.var_count, b.var_count);
	free(body);
	close(fd);
	finish(f);
}

static void test_bad_magic(void **state)
{
	struct fix *f = *state;
	int fd = tvd_connect_raw(&f->d);
	assert_true(fd >= 0);
	assert_int_equal(tv_test_send_all(fd, "GET / HTTP/1.0\r\n\r\n", 18), 0);
	struct tvd_status st;
	assert_int_equal(read_status(fd, TVD_OP_ERROR, &st), TVD_TEE_ERROR_BAD_FORMAT);
	assert_int_equal(st.origin, TEE_ORIGIN_COMMS);
	assert_true(at_eof(fd));
	close(fd);
	others_served(f, 1000);
	assert_true(tvd_log_contains(&f->d, "not a teevard frame"));
	finish(f);
}

static void test_oversized(void **state)
{
	struct fix *f = *state;
	int fd = tvd_connect_raw(&f->d);
	uint8_t h[TVD_HDR_SIZE];
	tvd_hdr_encode(h, TVD_OP_INVOKE, TVD_MAX_BODY + 1);
	assert_int_equal(tv_test_send_all(fd, h, sizeof(h)), 0);
	struct tvd_status st;
	assert_int_equal(read_status(fd, TVD_OP_ERROR, &st), TEE_ERROR_EXCESS_DATA);
	assert_true(at_eof(fd));
	close(fd);
	others_served(f, 1000);
	finish(f);
}

static void test_unknown_op_and_bad_bodies(void **state)
{
	struct fix *f = *state;
	int fd = tvd_connect_raw(&f->d);
	uint8_t h[TVD_HDR_SIZE + 3] = {0};
	tvd_hdr_encode(h, 9, 3);
	assert_int_equal(tv_test_send_all(fd, h, sizeof(h)), 0);
	struct tvd_status st;
	assert_int_equal(read_status(fd, TVD_OP_ERROR, &st), TEE_ERROR_NOT_SUPPORTED);
	tvd_hdr_encode(h, TVD_RESPONSE | TVD_OP_OPEN_SESSION, 0); /* a response as a request */
	assert_int_equal(tv_test_send_all(fd, h, TVD_HDR_SIZE), 0);
	assert_int_equal(read_status(fd, TVD_OP_ERROR, &st), TEE_ERROR_NOT_SUPPORTED);
	tvd_hdr_encode(h, TVD_OP_OPEN_SESSION, 3); /* a body far too short */
	assert_int_equal(tv_test_send_all(fd, h, sizeof(h)), 0);
	assert_int_equal(read_status(fd, TVD_OP_OPEN_SESSION, &st), TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(st.origin, TEE_ORIGIN_COMMS);
	tvd_hdr_encode(h, TVD_OP_STORE_INFO, 1);
	assert_int_equal(tv_test_send_all(fd, h, TVD_HDR_SIZE + 1), 0);
	assert_int_equal(read_status(fd, TVD_OP_STORE_INFO, &st), TEE_ERROR_BAD_PARAMETERS);
	tvd_hdr_encode(h, TVD_OP_STORE_CHECK, 1);
	assert_int_equal(tv_test_send_all(fd, h, TVD_HDR_SIZE + 1), 0);
	assert_int_equal(read_status(fd, TVD_OP_STORE_CHECK, &st), TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(st.origin, TEE_ORIGIN_COMMS);
	tvd_hdr_encode(h, TVD_OP_STORE_RECOVER, 1);
	assert_int_equal(tv_test_send_all(fd, h, TVD_HDR_SIZE + 1), 0);
	assert_int_equal(read_status(fd, TVD_OP_STORE_RECOVER, &st), TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(st.origin, TEE_ORIGIN_COMMS);
	/* the connection still works */
	uint32_t s = 0, origin = 0;
	assert_int_equal(raw_open(fd, &s, &origin), TEE_SUCCESS);
	struct tvd_frame fr;
	assert_int_equal(tvd_enc_close_req(s, &fr), TV_OK);
	assert_int_equal(send_frame(fd, &fr), 0);
	assert_int_equal(read_status(fd, TVD_OP_CLOSE_SESSION, &st), TEE_SUCCESS);
	close(fd);
	finish(f);
}

/* The largest memref a frame may carry crosses; the core says EXCESS_DATA. */
static void test_largest_frame(void **state)
{
	struct fix *f = *state;
	int fd = tvd_connect_raw(&f->d);
	uint32_t s = 0, origin = 0;
	assert_int_equal(raw_open(fd, &s, &origin), TEE_SUCCESS);
	uint8_t *mm = calloc(1, TVD_MAX_MEMREF);
	struct tvd_frame fr = invoke_frame(s, mm, TVD_MAX_MEMREF);
	free(mm);
	assert_int_equal(send_frame(fd, &fr), 0);
	struct tvd_hdr h;
	uint8_t *body;
	assert_int_equal(read_frame(fd, &h, &body), 0);
	struct tvd_invoke_resp a;
	assert_int_equal(tvd_dec_invoke_resp(body, h.length, &a), TV_OK);
	free(body);
	assert_int_equal(a.st.result, TEE_ERROR_EXCESS_DATA);
	assert_int_equal(a.params[0].size, 64 * 1024);
	close(fd);
	finish(f);
}

static void test_sessions(void **state)
{
	struct fix *f = *state;
	/* two per connection; they die with it (the core has 64 slots in all) */
	for (int i = 0; i < 100; i++) {
		int fd = tvd_connect_raw(&f->d);
		uint32_t s = 0, origin = 0;
		assert_int_equal(raw_open(fd, &s, &origin), TEE_SUCCESS);
		assert_int_equal(raw_open(fd, &s, &origin), TEE_SUCCESS);
		assert_int_equal(raw_open(fd, &s, &origin), TEE_ERROR_BUSY);
		assert_int_equal(origin, TEE_ORIGIN_COMMS);
		close(fd);
	}
	/* a session of another connection is not reachable */
	int a = tvd_connect_raw(&f->d), b = tvd_connect_raw(&f->d);
	uint32_t sa = 0, sb = 0, origin = 0;
	assert_int_equal(raw_open(a, &sa, &origin), TEE_SUCCESS);
	assert_int_equal(raw_open(b, &sb, &origin), TEE_SUCCESS);
	size_t len;
	uint8_t *mm = tvd_mm_access(MM_VAR_GET_VARIABLE, "X", &guid, 0, NULL, 0, &len);
	struct tvd_frame fr = invoke_frame(sa, mm, len);
	free(mm);
	assert_int_equal(send_frame(b, &fr), 0);
	struct tvd_status st;
	assert_int_equal(read_status(b, TVD_OP_INVOKE, &st), TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(st.origin, TEE_ORIGIN_COMMS);
	assert_int_equal(tvd_enc_close_req(sa, &fr), TV_OK);
	assert_int_equal(send_frame(b, &fr), 0);
	assert_int_equal(read_status(b, TVD_OP_CLOSE_SESSION, &st), TEE_ERROR_BAD_PARAMETERS);
	close(a);
	close(b);
	others_served(f, 1000);
	finish(f);
}

static void test_partial_frames_time_out(void **state)
{
	struct fix *f = *state;
	int a = tvd_connect_raw(&f->d), b = tvd_connect_raw(&f->d);
	uint8_t h[TVD_HDR_SIZE + 50] = {0};
	tvd_hdr_encode(h, TVD_OP_INVOKE, 100);
	assert_int_equal(tv_test_send_all(a, h, 5), 0);        /* half a header */
	assert_int_equal(tv_test_send_all(b, h, sizeof(h)), 0); /* half a body */
	int64_t t0 = now_ms();
	others_served(f, PROMPT_MS); /* not held up by the stalled peers */
	assert_true(at_eof(a));
	assert_true(at_eof(b));
	int64_t waited = now_ms() - t0;
	assert_true(waited >= IO_TIMEOUT_MS - 50);
	assert_true(waited < 5000);
	close(a);
	close(b);
	assert_true(tvd_log_contains(&f->d, "partial request timed out"));
	finish(f);
}

/* A client that sends requests but never reads the (large) answers: teevard
 * can hold about three of them in its socket, so the fourth stalls it. */
static void test_stalled_reader(void **state)
{
	struct fix *f = *state;
	static uint8_t big[60000];
	struct tv_client *c = tvd_client(&f->d);
	memset(big, 0x5a, sizeof(big));
	set_var(c, "Big", big, sizeof(big));
	tv_client_close(c);

	int fd = tvd_connect_raw(&f->d);
	struct timeval tv = {.tv_usec = 300000};
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	uint32_t s = 0, origin = 0;
	assert_int_equal(raw_open(fd, &s, &origin), TEE_SUCCESS);
	size_t len;
	uint8_t *mm = tvd_mm_access(MM_VAR_GET_VARIABLE, "Big", &guid, 0, big, sizeof(big), &len);
	for (int i = 0; i < 6; i++) {
		struct tvd_frame fr = invoke_frame(s, mm, len);
		if (send_frame(fd, &fr) != 0)
			break;
	}
	free(mm);
	others_served(f, PROMPT_MS);
	sleep_ms(IO_TIMEOUT_MS + 300);
	assert_true(at_eof(fd)); /* whatever was sent, then the end */
	close(fd);
	assert_true(tvd_log_contains(&f->d, "did not read its answer in time"));
	finish(f);
}

/* Clients killed at random points of a SetVariable stream harm nothing. */
static void test_client_killed_mid_request(void **state)
{
	struct fix *f = *state;
	uint64_t seed = 7;
	static uint8_t val[30000];
	for (int round = 0; round < 20; round++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct tv_client *c = tvd_client(&f->d);
			for (uint8_t g = 0; c; g++) {
				efi_char16_t u[64];
				tvd_ucs2(u, "Killed");
				memset(val, g, sizeof(val));
				if (tv_set_variable(c, u, &guid, NV_BS_RT, sizeof(val), val))
					_exit(1);
			}
			_exit(2);
		}
		sleep_ms((long)(tv_test_rand(&seed) % 40));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	struct tv_client *c = tvd_client(&f->d);
	assert_non_null(c);
	efi_char16_t u[64];
	tvd_ucs2(u, "Killed");
	size_t n = sizeof(val);
	uint32_t attrs = 0;
	efi_status_t st = tv_get_variable(c, u, &guid, &attrs, &n, val);
	if (st == EFI_SUCCESS) { /* one whole value */
		assert_int_equal(n, sizeof(val));
		for (size_t i = 1; i < n; i++)
			assert_int_equal(val[i], val[0]);
	} else {
		assert_int_equal(st, EFI_NOT_FOUND);
	}
	tv_client_close(c);
	finish(f);
}

static void test_max_clients(void **state)
{
	struct fix *f = *state;
	static const char *const extra[] = {"--max-clients", "2", NULL};
	assert_int_equal(tvd_stop(&f->d, SIGTERM), 0);
	assert_int_equal(start(f, extra), 0);
	struct tv_client *a = tvd_client(&f->d), *b = tvd_client(&f->d);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(tvd_client(&f->d));
	assert_true(tvd_log_contains(&f->d, "too many clients"));
	tv_client_close(a);
	struct tv_client *c = NULL;
	for (int i = 0; i < 100 && !c; i++) { /* once teevard has seen the close */
		c = tvd_client(&f->d);
		if (!c)
			sleep_ms(10);
	}
	assert_non_null(c);
	tv_client_close(b);
	tv_client_close(c);
	finish(f);
}

/* ---- random and mutated frames ---- */

static void fuzz_one(struct fix *f, uint64_t *seed, const uint8_t *mm, size_t mm_len)
{
	int fd = tvd_connect_raw(&f->d);
	assert_true(fd >= 0);
	struct timeval tv = {.tv_usec = 200000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	uint8_t buf[512];
	size_t n = tv_test_rand(seed) % 300;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)tv_test_rand(seed);
	uint32_t s = 0, origin = 0;
	switch (tv_test_rand(seed) % 6) {
	case 0: /* noise */
		break;
	case 1: /* a valid header, any op, a random body */
		tvd_hdr_encode(buf, (uint16_t)(tv_test_rand(seed) % 6), (uint32_t)n);
		n += TVD_HDR_SIZE;
		break;
	case 2: /* a mutated INVOKE (random MM buffers reach the secure core) */
	case 3: {
		if (raw_open(fd, &s, &origin) != TEE_SUCCESS)
			break;
		struct tvd_frame fr = invoke_frame(s, mm, mm_len);
		for (int k = 0; k < 3; k++) {
			size_t at = TVD_HDR_SIZE + tv_test_rand(seed) % (fr.len - TVD_HDR_SIZE);
			fr.buf[at] = (uint8_t)tv_test_rand(seed);
		}
		tv_test_send_all(fd, fr.buf, fr.len);
		tvd_frame_free(&fr);
		n = 0;
		break;
	}
	case 4: /* a header promising more than comes */
		tvd_hdr_encode(buf, TVD_OP_INVOKE, (uint32_t)(n + 1 + tv_test_rand(seed) % 1000));
		n += TVD_HDR_SIZE;
		break;
	default: /* a truncated valid frame */
		n = tv_test_rand(seed) % (TVD_HDR_SIZE + 20);
		tvd_hdr_encode(buf, TVD_OP_OPEN_SESSION, 20);
		memcpy(buf + TVD_HDR_SIZE, stmm_uuid, 16);
		break;
	}
	if (n)
		tv_test_send_all(fd, buf, n);
	if (tv_test_rand(seed) & 1)
		(void)!recv(fd, buf, sizeof(buf), 0);
	close(fd);
}

static void test_fuzz(void **state)
{
	struct fix *f = *state;
	struct tv_client *c = tvd_client(&f->d);
	set_var(c, "Sentinel", "keep", 4);
	tv_client_close(c);
	size_t mm_len;
	uint8_t *mm = tvd_mm_access(MM_VAR_SET_VARIABLE, "Fuzz", &guid, NV_BS_RT, "data", 4,
				    &mm_len);
	uint64_t seed = 1234;
	for (int i = 0; i < 400; i++)
		fuzz_one(f, &seed, mm, mm_len);
	free(mm);
	assert_true(tvd_alive(&f->d));
	c = tvd_client(&f->d);
	assert_non_null(c);
	char v[8] = {0};
	assert_int_equal(get_var(c, "Sentinel", v, sizeof(v)), 4);
	assert_memory_equal(v, "keep", 4);
	tv_client_close(c);
	finish(f);
}

/* ---- SIGTERM during writes ---- */

struct killer {
	pid_t pid;
	long after_ms;
};

static void *kill_later(void *arg)
{
	struct killer *k = arg;
	sleep_ms(k->after_ms);
	kill(k->pid, SIGTERM);
	return NULL;
}

static void test_sigterm_during_writes(void **state)
{
	struct fix *f = *state;
	uint64_t seed = 99;
	for (int round = 0; round < 3; round++) {
		if (f->d.pid <= 0)
			assert_int_equal(start(f, NULL), 0);
		struct tv_client *c = tvd_client(&f->d);
		assert_non_null(c);
		uint64_t acked = 0, next = 0;
		if (round > 0) /* continue from what survived */
			assert_int_equal(get_var(c, "Gen", &acked, sizeof(acked)), sizeof(acked));
		next = acked + 1;
		struct killer k = {.pid = f->d.pid, .after_ms = 30 + (long)(tv_test_rand(&seed) % 150)};
		pthread_t th;
		assert_int_equal(pthread_create(&th, NULL, kill_later, &k), 0);
		efi_char16_t u[64];
		tvd_ucs2(u, "Gen");
		while (tv_set_variable(c, u, &guid, NV_BS_RT, sizeof(next), &next) == EFI_SUCCESS)
			acked = next++;
		pthread_join(th, NULL);
		tv_client_close(c);
		assert_int_equal(tvd_stop(&f->d, SIGTERM), 0);
		assert_true(tvd_log_contains(&f->d, "stopping on SIGTERM"));
		assert_int_equal(start(f, NULL), 0);
		c = tvd_client(&f->d);
		uint64_t got = 0;
		assert_int_equal(get_var(c, "Gen", &got, sizeof(got)), sizeof(got));
		assert_true(got == acked || got == acked + 1); /* acknowledged writes kept */
		tv_client_close(c);
	}
	finish(f);
}

int main(int argc, char **argv)
{
	tvd_harness_init(argc > 1 ? argv[1] : NULL);
	if (!tvd_harness_binary()) {
		fprintf(stderr, "usage: test_teevard TEEVARD\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_magic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_op_and_bad_bodies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_largest_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_frames_time_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stalled_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_killed_mid_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuzz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigterm_during_writes, setup, teardown),
	};
	return cmocka_run_group_tests_name("teevard", tests, NULL, NULL);
}

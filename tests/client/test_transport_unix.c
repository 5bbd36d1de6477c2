/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The unix: transport against a fake, hostile teevard (a thread on a socket
 * that answers what each test scripts): outputs larger than sent, types not
 * echoed, wrong ops, oversized, truncated and missing answers, error frames,
 * refusals, TEE failures, random garbage. The caller's buffers are never
 * touched beyond what it sent, and a bad answer ends the connection.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <teevar/store_info.h>
#include <teevar/transport.h>

#include "transport_unix.h"
#include "tv_err.h"
#include "tv_test_util.h"
#include "tvd_wire.h"

#define BUF 64
#define SENT 16
#define CANARY 0xAA

/* Answers one request; false closes the connection. */
typedef bool (*responder)(int fd, const struct tvd_hdr *h, const uint8_t *body);

struct fake {
	char *dir;
	char path[200];
	int lfd;
	pthread_t th;
	responder answer;
	int requests;
	struct tv_transport t;
	uint8_t buf[BUF];
	struct tv_tee_param p[TV_TEE_NUM_PARAMS];
};

static uint64_t seed = 77;

static void send_raw(int fd, const void *p, size_t n)
{
	(void)!send(fd, p, n, MSG_NOSIGNAL);
}

static void send_hex(int fd, const char *hex)
{
	uint8_t b[512];
	long n = tv_test_hex(hex, b, sizeof(b));
	assert_true(n >= 0);
	send_raw(fd, b, (size_t)n);
}

static void send_frame(int fd, int rc, struct tvd_frame *f)
{
	assert_int_equal(rc, TV_OK);
	send_raw(fd, f->buf, f->len);
	tvd_frame_free(f);
}

static void serve_conn(struct fake *f, int fd)
{
	for (;;) {
		uint8_t hb[TVD_HDR_SIZE];
		struct tvd_hdr h;
		if (tv_test_recv_all(fd, hb, sizeof(hb)) != 0 || tvd_hdr_decode(hb, &h) != TV_OK)
			break;
		uint8_t *body = malloc(h.length + 1);
		if (tv_test_recv_all(fd, body, h.length) != 0) {
			free(body);
			break;
		}
		f->requests++;
		bool more = f->answer(fd, &h, body);
		free(body);
		if (!more)
			break;
	}
	close(fd);
}

static void *serve(void *arg)
{
	struct fake *f = arg;
	for (;;) {
		int fd = accept(f->lfd, NULL, NULL);
		if (fd < 0)
			break;
		serve_conn(f, fd);
	}
	return NULL;
}

/* Open sessions answered well; anything else as the test says. */
static bool open_ok(int fd, const struct tvd_hdr *h)
{
	if (h->op != TVD_OP_OPEN_SESSION)
		return false;
	struct tvd_open_resp a = {.st = {.origin = TEE_ORIGIN_TRUSTED_APP}, .session = 5};
	struct tvd_frame fr;
	send_frame(fd, tvd_enc_open_resp(&a, &fr), &fr);
	return true;
}

static int setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	f->dir = tv_test_tmpdir();
	snprintf(f->path, sizeof(f->path), "%s/fake.sock", f->dir);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memcpy(sa.sun_path, f->path, strlen(f->path));
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(f->lfd, 8) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fake *f = *state;
	tv_transport_destroy(&f->t);
	shutdown(f->lfd, SHUT_RDWR); /* wakes accept() */
	pthread_join(f->th, NULL);
	close(f->lfd);
	tv_test_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Starts the fake with this responder, connects and opens session 5. */
static void begin(struct fake *f, responder answer)
{
	f->answer = answer;
	assert_int_equal(pthread_create(&f->th, NULL, serve, f), 0);
	assert_int_equal(tv_transport_unix_open(f->path, &f->t), 0);
	tv_transport_unix_set_timeout(&f->t, 300);
	static const uint8_t uuid[16] = TV_STMM_UUID;
	uint32_t s = 0, origin = 0;
	assert_int_equal(f->t.ops->open_session(f->t.ctx, uuid, &s, &origin), TEE_SUCCESS);
	assert_int_equal(s, 5);
}

/* An INVOKE as the client library sends it: 16 bytes of a 64-byte buffer. */
static uint32_t invoke(struct fake *f, uint32_t *origin)
{
	memset(f->buf, CANARY, sizeof(f->buf));
	memset(f->p, 0, sizeof(f->p));
	f->p[0].type = TV_TEE_PARAM_MEMREF_INOUT;
	f->p[0].u.memref.buf = f->buf;
	f->p[0].u.memref.size = SENT;
	f->p[1].type = TV_TEE_PARAM_VALUE_OUTPUT;
	return f->t.ops->invoke(f->t.ctx, 5, 0, f->p, origin);
}

static void assert_untouched(const struct fake *f)
{
	for (size_t i = 0; i < BUF; i++)
		assert_int_equal(f->buf[i], CANARY);
	assert_int_equal(f->p[0].u.memref.size, SENT);
	assert_int_equal(f->p[1].u.value.a, 0);
}

/* The connection is over: the next call fails without reaching the peer. */
static void assert_broken(struct fake *f)
{
	int before = f->requests;
	uint32_t origin = 0;
	assert_int_equal(invoke(f, &origin), TEE_ERROR_COMMUNICATION);
	assert_int_equal(origin, TEE_ORIGIN_COMMS);
	assert_int_equal(f->requests, before);
}

/* A well-formed INVOKE answer: memref of n bytes (01 02 ...), value.a. */
static void answer_invoke(int fd, uint32_t result, uint64_t n, uint32_t type1)
{
	static uint8_t data[BUF * 2];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i + 1);
	struct tvd_invoke_resp a = {.st = {.result = result, .origin = TEE_ORIGIN_TRUSTED_APP}};
	a.params[0] = (struct tvd_param){.type = TV_TEE_PARAM_MEMREF_INOUT, .size = n,
					 .data = result == TEE_SUCCESS ? data : NULL};
	a.params[1] = (struct tvd_param){.type = type1, .a = 0xfffffffe};
	struct tvd_frame fr;
	send_frame(fd, tvd_enc_invoke_resp(&a, &fr), &fr);
}

/* ---- good answers ---- */

static bool r_good(int fd, const struct tvd_hdr *h, const uint8_t *body)
{
	(void)body;
	if (h->op == TVD_OP_INVOKE)
		answer_invoke(fd, TEE_SUCCESS, 8, TV_TEE_PARAM_VALUE_OUTPUT);
	return h->op == TVD_OP_INVOKE || open_ok(fd, h);
}

static void test_good_answer(void **state)
{
	struct fake *f = *state;
	begin(f, r_good);
	uint32_t origin = 0;
	assert_int_equal(invoke(f, &origin), TEE_SUCCESS);
	assert_int_equal(origin, TEE_ORIGIN_TRUSTED_APP);
	assert_int_equal(f->p[0].u.memref.size, 8);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(f->buf[i], i + 1);
	for (size_t i = 8; i < BUF; i++)
		assert_int_equal(f->buf[i], CANARY);
	assert_int_equal(f->p[1].u.value.a, 0xfffffffe);
	assert_int_equal(invoke(f, &origin), TEE_SUCCESS); /* and again */
}

static bool r_excess(int fd, const struct tvd_hdr *h, const uint8_t *body)
{
	(void)body;
	if (h->op == TVD_OP_INVOKE)
		answer_invoke(fd, TEE_ERROR_EXCESS_DATA, 65536, TV_TEE_PARAM_VALUE_OUTPUT);
	return h->op == TVD_OP_INVOKE || open_ok(fd, h);
}

/* A TEE failure reports a size (here: what the TEE accepts) and no bytes. */
static void test_tee_failure_size(void **state)
{
	struct fake *f = *state;
	begin(f, r_excess);
	uint32_t origin = 0;
	assert_int_equal(invoke(f, &origin), TEE_ERROR_EXCESS_DATA);
	assert_int_equal(f->p[0].u.memref.size, 65536);
	for (size_t i = 0; i < BUF; i++)
		assert_int_equal(f->buf[i], CANARY);
}

/* ---- hostile answers ---- */

static bool r_too_much(int fd, const struct tvd_hdr *h, const uint8_t *body)
{
	(void)body;
	if (h->op == TVD_OP_INVOKE)
		answer_invoke(fd, TEE_SUCCESS, SENT + 1, TV_TEE_PARAM_VALUE_OUTPUT);
	return h->op == TVD_OP_INVOKE || open_ok(fd, h);
}

static void test_output_larger_than_sent(void **state)
{
	struct fake *f = *state;
	begin(f, r_too_much);
	uint32_t origin = 0;
	assert_int_equal(invoke(f, &origin), TEE_ERROR_COMMUNICATION);
	assert_int_equal(origin, TEE_ORIGIN_COMMS);
	assert_untouched(f);
	assert_broken(f);
}

static bool r_type(int fd, const struct tvd_hdr *h, const uint8_t *body)
{
	(void)body;
	if (h->op == TVD_OP_INVOKE)
		answer_invoke(fd, TEE_SUCCESS, 4, TV_TEE_PARAM_VALUE_INOUT);
	return h->op == TVD_OP_INVOKE || open_ok(fd, h);
}

static void test_type_not_echoed(void **state)
{
	struct fake *f = *state;
	begin(f, r_type);
	uint32_t origin = 0;
	assert_int_equal(invoke(f, &origin), TEE_ERROR_COMMUNICATION);
	assert_untouched(f);
	assert_broken(f);
}

static bool r_wrong_op(int fd, const struct tvd_hdr *h, const uint8_t *body)
{
	(void)body;
	if (h->op == TVD_OP_INVOKE) /* the answer to another question */
		send_hex(fd, "54564450 0100 0180 0c000000 00000000 04000000 05000000");
	return h->op == TVD_OP_INVOKE || open_ok(fd, h);
}

static void test_wrong_op(void **state)
{
	struct fake *f = *state;
	begin(f, r_wrong_op);
	uint32_t origin = 0;
	assert_int_equal(invoke(f, &origin), TEE_ERROR_COMMUNICATION);
	assert_untouched(f);
	assert_broken(f);
}

static bool r_oversized(int fd, const struct tvd_hdr *h, const uint8_t *body)
{
	(void)body;
	if (h->op == TVD_OP_INVOKE)
		send_hex(fd, "54564450 0100 0280 01011000 00000000");
	return h->op == TVD_OP_INVOKE || open_ok(fd, h);
}

static void test_oversized_answer(void **state)
{
	struct fake *f = *state;
	begin(f, r_oversized);
	uint32_t origin = 0;
	assert_int_equal(invoke(f, &origin), TEE_ERROR_COMMUNICATION);
	assert_untouched(f);
	assert_broken(f);
}

static bool r_truncated(int fd, const struct tvd_hdr *h, const uint8_t *body)
{
	(void)body;
	if (h->op != TVD_OP_INVOKE)
		return open_ok(fd, h);
	send_hex(fd, "54564450 0100 0280 32000000 00000000 04000000");
	return false; /* and hang up */
}

static void test_truncated_answer(void **state)
{
	struct fake *f = *state;
	begin(f, r_truncated);
	uint32_t origin = 0;
	assert_int_equal(invoke(f, &origin), TEE_ERROR_COMMUNICATION);
	assert_untouched(f);
	assert_broken(f);
}

static bool r_silent(int fd, const struct tvd_hdr *h, const uint8_t *body)
{
	(void)body;
	return h->op == TVD_OP_INVOKE || open_ok(fd, h);
}

static void test_silent_daemon(void **state)
{
	struct fake *f = *state;
	begin(f, r_silent);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uint32_t origin = 0;
	assert_int_equal(invoke(f, &origin), TEE_ERROR_COMMUNICATION);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(s >= 0.25 && s < 3.0); /* the 300 ms limit */
	assert_untouched(f);
	assert_broken(f);
}

static bool r_error_frame(int fd, const struct tvd_hdr *h, const uint8_t *body)
{
	(void)body;
	if (h->op != TVD_OP_INVOKE)
		return open_ok(fd, h);
	send_hex(fd, "54564450 0100 0080 08000000 0500ffff 02000000");
	return false;
}

static void test_error_frame(void **state)
{
	struct fake *f = *state;
	begin(f, r_error_frame);
	uint32_t origin = 0;
	assert_int_equal(invoke(f, &origin), TVD_TEE_ERROR_BAD_FORMAT);
	assert_int_equal(origin, TEE_ORIGIN_COMMS);
	assert_untouched(f);
	assert_broken(f);
}

static bool r_denied(int fd, const struct tvd_hdr *h, const uint8_t *body)
{
	(void)body;
	if (h->op == TVD_OP_INVOKE) /* uid 1234, a write, allowed: group */
		send_hex(fd, "54564450 0100 0280 14000000 0100ffff 02000000 d2040000 02000000 "
			     "01000000");
	return h->op == TVD_OP_INVOKE || open_ok(fd, h);
}

static void test_refusal(void **state)
{
	struct fake *f = *state;
	begin(f, r_denied);
	uint32_t origin = 0;
	assert_int_equal(invoke(f, &origin), TEE_ERROR_ACCESS_DENIED);
	assert_int_equal(origin, TEE_ORIGIN_COMMS);
	assert_untouched(f);
	struct tv_access_denial d;
	assert_int_equal(tv_transport_last_denial(&d), 0);
	assert_int_equal(d.uid, 1234);
	assert_true(d.write);
	assert_string_equal(d.allowed, "group");
	/* a refusal is an answer: the connection goes on */
	assert_int_equal(invoke(f, &origin), TEE_ERROR_ACCESS_DENIED);
}

static bool r_bad_info(int fd, const struct tvd_hdr *h, const uint8_t *body)
{
	(void)body;
	if (h->op == TVD_OP_STORE_INFO) /* phase 7 */
		send_hex(fd, "54564450 0100 0480 44000000 00000000 03000000"
			     "0010000000000000 1000000000000000 f00f000000000000"
			     "01000000 40000000 00000100 3f000000 05000000 00000000"
			     "00400000 02000000 07000000");
	return h->op == TVD_OP_STORE_INFO || open_ok(fd, h);
}

static void test_bad_store_info(void **state)
{
	struct fake *f = *state;
	begin(f, r_bad_info);
	struct tv_store_info info;
	memset(&info, 0x5a, sizeof(info));
	assert_int_equal(tv_transport_store_info(&f->t, &info), -EIO);
	assert_int_equal(info.capacity, 0x5a5a5a5a5a5a5a5aull);
	assert_broken(f);
}

/* A valid layout-1 answer to the layout-2 request the library sends. */
static bool r_basic_info(int fd, const struct tvd_hdr *h, const uint8_t *body)
{
	(void)body;
	if (h->op == TVD_OP_STORE_INFO)
		send_hex(fd, "54564450 0100 0480 44000000 00000000 03000000"
			     "0010000000000000 1000000000000000 f00f000000000000"
			     "01000000 40000000 00000100 3f000000 05000000 00000000"
			     "00400000 02000000 02000000");
	return h->op == TVD_OP_STORE_INFO || open_ok(fd, h);
}

static void test_store_info_wrong_layout(void **state)
{
	struct fake *f = *state;
	begin(f, r_basic_info);
	struct tv_store_info info;
	memset(&info, 0x5a, sizeof(info));
	assert_int_equal(tv_transport_store_info(&f->t, &info), -EIO);
	assert_int_equal(info.capacity, 0x5a5a5a5a5a5a5a5aull);
	assert_broken(f);
	struct tv_store_check_report r;
	assert_int_equal(tv_transport_store_check(&f->t, &r), -ECONNRESET);
}

/* STORE_CHECK: a detail with an escape sequence for the user's terminal. */
static bool r_bad_check(int fd, const struct tvd_hdr *h, const uint8_t *body)
{
	(void)body;
	if (h->op == TVD_OP_STORE_CHECK)
		send_hex(fd, "54564450 0100 0580 0f000000 010010f0 03000000 03000000 1b5b32");
	return h->op == TVD_OP_STORE_CHECK || open_ok(fd, h);
}

static void test_bad_store_check(void **state)
{
	struct fake *f = *state;
	begin(f, r_bad_check);
	struct tv_store_check_report r;
	assert_int_equal(tv_transport_store_check(&f->t, &r), -EIO);
	assert_broken(f);
}

/* STORE_CHECK and STORE_RECOVER answers a library takes: the store's results. */
static bool r_store_results(int fd, const struct tvd_hdr *h, const uint8_t *body)
{
	(void)body;
	if (h->op == TVD_OP_STORE_CHECK) /* could not run: no teevar store, and why */
		send_hex(fd, "54564450 0100 0580 0d000000 010010f0 03000000 01000000 78");
	else if (h->op == TVD_OP_STORE_RECOVER) /* not damaged */
		send_hex(fd, "54564450 0100 0680 08000000 0800ffff 03000000");
	return h->op == TVD_OP_STORE_CHECK || h->op == TVD_OP_STORE_RECOVER || open_ok(fd, h);
}

static void test_store_results(void **state)
{
	struct fake *f = *state;
	begin(f, r_store_results);
	struct tv_store_check_report r;
	assert_int_equal(tv_transport_store_check(&f->t, &r), -EUCLEAN);
	assert_string_equal(r.detail, "x");
	struct tv_store_recovery rec;
	assert_int_equal(tv_transport_store_recover(&f->t, &rec), -ENOENT);
	/* answers, not failures: the connection goes on */
	assert_int_equal(tv_transport_store_recover(&f->t, &rec), -ENOENT);
}

/* Random answers (and random answers behind a valid header). */
static bool r_garbage(int fd, const struct tvd_hdr *h, const uint8_t *body)
{
	(void)body;
	if (h->op != TVD_OP_INVOKE)
		return open_ok(fd, h);
	uint8_t b[400];
	size_t n = tv_test_rand(&seed) % 300;
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)tv_test_rand(&seed);
	if (tv_test_rand(&seed) & 1) {
		tvd_hdr_encode(b, TVD_RESPONSE | TVD_OP_INVOKE, (uint32_t)n);
		n += TVD_HDR_SIZE;
	}
	send_raw(fd, b, n);
	return false;
}

static void test_garbage_answers(void **state)
{
	struct fake *f = *state;
	begin(f, r_garbage);
	for (int i = 0; i < 300; i++) {
		uint32_t origin = 0;
		uint32_t res = invoke(f, &origin);
		for (size_t k = SENT; k < BUF; k++) /* never written past what was sent */
			assert_int_equal(f->buf[k], CANARY);
		if (res == TEE_SUCCESS)
			assert_true(f->p[0].u.memref.size <= SENT);
		tv_transport_destroy(&f->t);
		assert_int_equal(tv_transport_unix_open(f->path, &f->t), 0);
		tv_transport_unix_set_timeout(&f->t, 300);
		static const uint8_t uuid[16] = TV_STMM_UUID;
		uint32_t s = 0;
		assert_int_equal(f->t.ops->open_session(f->t.ctx, uuid, &s, &origin), TEE_SUCCESS);
	}
}

/* An older teevard: layout 4 is a malformed request (BAD_PARAMETERS, COMMS,
 * the connection stays); layout 3 is answered. */
static bool r_old_teevard(int fd, const struct tvd_hdr *h, const uint8_t *body)
{
	if (h->op != TVD_OP_STORE_INFO)
		return open_ok(fd, h);
	if (h->length == 4 && body[0] == 4) {
		send_hex(fd, "54564450 0100 0480 08000000 0600ffff 02000000");
		return true;
	}
	assert_int_equal(h->length, 4);
	assert_int_equal(body[0], 3);
	send_hex(fd, "54564450 0100 0480 64000000 00000000 03000000"
		     "0010000000000000 1000000000000000 f00f000000000000"
		     "01000000 40000000 00000100 3f000000 05000000 00000000"
		     "00400000 02000000 02000000"
		     "01000000 00000000 00000000 0040000000000000 8000000000000000"
		     "02000000");
	return true;
}

static void test_store_info_older_teevard(void **state)
{
	struct fake *f = *state;
	begin(f, r_old_teevard);
	struct tv_store_info info;
	memset(&info, 0x5a, sizeof(info));
	assert_int_equal(tv_transport_store_info(&f->t, &info), 0);
	assert_int_equal(info.capacity, 0x1000);
	assert_int_equal(info.route, TV_STORE_ROUTE_SUPPLICANT);
	assert_int_equal(info.clients, 0); /* not told */
	assert_int_equal(f->requests, 3);  /* open, layout 4, layout 3 */
	uint32_t origin = 0;
	assert_int_equal(invoke(f, &origin), TEE_ERROR_COMMUNICATION); /* r_old_teevard: no INVOKE */
}

/* teevard over --max-clients: an ERROR frame with TEE_ERROR_BUSY at once, then
 * closed, before the client's first request went out (so its send fails). */
static void *serve_full(void *arg)
{
	struct fake *f = arg;
	int fd = accept(f->lfd, NULL, NULL);
	if (fd >= 0) {
		send_hex(fd, "54564450 0100 0080 08000000 0d00ffff 02000000");
		close(fd);
	}
	return NULL;
}

static bool r_busy_frame(int fd, const struct tvd_hdr *h, const uint8_t *body)
{
	(void)body;
	(void)h;
	send_hex(fd, "54564450 0100 0080 08000000 0d00ffff 02000000");
	return false;
}

static bool r_format_frame(int fd, const struct tvd_hdr *h, const uint8_t *body)
{
	(void)body;
	(void)h;
	send_hex(fd, "54564450 0100 0080 08000000 0500ffff 02000000");
	return false;
}

static void test_too_many_clients(void **state)
{
	struct fake *f = *state;
	assert_int_equal(pthread_create(&f->th, NULL, serve_full, f), 0);
	assert_int_equal(tv_transport_unix_open(f->path, &f->t), 0);
	pthread_join(f->th, NULL); /* the refusal is sent and the socket closed */
	static const uint8_t uuid[16] = TV_STMM_UUID;
	uint32_t s = 0, origin = 0;
	assert_int_equal(f->t.ops->open_session(f->t.ctx, uuid, &s, &origin), TEE_ERROR_BUSY);
	assert_int_equal(origin, TEE_ORIGIN_COMMS);
	assert_true(tv_transport_last_too_many_clients());
	tv_transport_destroy(&f->t);
	/* the same refusal read as the answer to the request */
	f->answer = r_busy_frame;
	assert_int_equal(pthread_create(&f->th, NULL, serve, f), 0);
	assert_int_equal(tv_transport_unix_open(f->path, &f->t), 0);
	origin = 0;
	assert_int_equal(f->t.ops->open_session(f->t.ctx, uuid, &s, &origin), TEE_ERROR_BUSY);
	assert_int_equal(origin, TEE_ORIGIN_COMMS);
	assert_true(tv_transport_last_too_many_clients());
	/* another ERROR frame is not that refusal */
	tv_transport_destroy(&f->t);
	assert_int_equal(tv_transport_unix_open(f->path, &f->t), 0);
	f->answer = r_format_frame;
	assert_int_equal(f->t.ops->open_session(f->t.ctx, uuid, &s, &origin),
			 TVD_TEE_ERROR_BAD_FORMAT);
	assert_false(tv_transport_last_too_many_clients());
}

static void test_connect_errors(void **state)
{
	struct fake *f = *state;
	struct tv_transport t;
	char path[400];
	snprintf(path, sizeof(path), "%s/none.sock", f->dir);
	assert_int_equal(tv_transport_unix_open(path, &t), -ENOENT);
	assert_null(t.ops);
	memset(path, 'x', 200);
	path[200] = 0;
	assert_int_equal(tv_transport_unix_open(path, &t), -ENAMETOOLONG);
	assert_int_equal(tv_transport_unix_open("", &t), -EINVAL);
	assert_int_equal(tv_transport_open("unix:", &t), -EINVAL);
	begin(f, r_good); /* the fixture's socket works */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tee_failure_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_larger_than_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_type_not_echoed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_op, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_daemon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_store_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_info_wrong_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_store_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_results, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_info_older_teevard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_clients, setup, teardown),
	};
	return cmocka_run_group_tests_name("transport unix", tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* The TEE front end's device probe and its RECV / SEND loop against a fake
 * kernel: the buffer it offers, the meta echo, a whole RPMB exchange, RECV
 * interrupted by signals (with and without SA_RESTART, before, inside and
 * after the call), stops between requests, RECV and SEND failures. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <teevar/tee.h>

#include "fake_teepriv.h"
#include "rpmb_emu.h"
#include "rpmb_rpc.h"
#include "supp_tee.h"
#include "tv_bytes.h"
#include "tv_err.h"

#define META TEE_IOCTL_PARAM_ATTR_META
#define V_INOUT TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT
#define FS RPMB_FRAME_SIZE
#define RESP_OFF 4096u

static volatile sig_atomic_t g_stop;

struct lfx {
	struct fake_kernel fk;
	struct rpmb_emu *emu;
	struct rpmb_dev dev;
	struct supp_tee *t;
	char *log;
	size_t log_len;
	FILE *logf;
};

static int setup(void **state)
{
	struct lfx *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	fake_init(&x->fk);
	x->fk.devs[0] = (struct fake_dev){.path = "/dev/teepriv0", .impl_id = 1};
	x->fk.ndevs = 1;
	x->fk.stop = &g_stop;
	g_stop = 0;
	assert_int_equal(rpmb_emu_new_mem(NULL, &x->emu), 0);
	x->dev = rpmb_emu_dev(x->emu);
	x->logf = open_memstream(&x->log, &x->log_len);
	assert_non_null(x->logf);
	struct supp_tee_config cfg = {.ops = &fake_tee_ops, .arg = &x->fk, .fd = FAKE_DEV_FD,
				      .dev = &x->dev, .log = x->logf};
	assert_int_equal(supp_tee_new(&cfg, &x->t), 0);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct lfx *x = *state;
	supp_tee_free(x->t);
	for (size_t i = 0; i < x->fk.nshm; i++)
		assert_true(x->fk.shm[i].closed && x->fk.shm[i].mapped == 0);
	fake_fini(&x->fk);
	rpmb_emu_free(x->emu);
	fclose(x->logf);
	free(x->log);
	free(x);
	signal(SIGUSR1, SIG_DFL);
	return 0;
}

static bool logged(struct lfx *x, const char *what)
{
	fflush(x->logf);
	return x->log && strstr(x->log, what) != NULL;
}

static int serve(struct lfx *x, const struct fake_step *steps, size_t n, const sigset_t *mask)
{
	x->fk.steps = steps;
	x->fk.nsteps = n;
	struct supp_tee_loop l = {.stop = &g_stop, .wait_mask = mask};
	return supp_tee_serve(x->t, &l);
}

#define SERVE(x, steps, mask) serve(x, steps, sizeof(steps) / sizeof(steps[0]), mask)

static void on_usr1(int sig)
{
	(void)sig;
	g_stop = 1;
	supp_tee_on_signal();
}

static void catch_usr1(int flags)
{
	struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = flags};
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, NULL), 0);
}

/* A request with the meta param the driver puts first (request id). */
#define STEP(f, ...)                                                                        \
	{.func = (f), .num_params = 1 + (sizeof((struct tee_ioctl_param[]){__VA_ARGS__}) /   \
					 sizeof(struct tee_ioctl_param)),                    \
	 .params = {{.attr = META | V_INOUT, .a = 0x70}, __VA_ARGS__}}
#define VAL(v) {.attr = V_INOUT, .b = (v)}

/* ------------------------------------------------------------ the device */

static void test_open_dev_probe(void **state)
{
	struct lfx *x = *state;
	struct fake_kernel fk;
	char used[64];
	fake_init(&fk);
	fk.devs[0] = (struct fake_dev){.path = "/dev/teepriv0", .open_errno = EBUSY};
	fk.devs[1] = (struct fake_dev){.path = "/dev/teepriv1", .impl_id = 2}; /* AMD-TEE */
	fk.devs[2] = (struct fake_dev){.path = "/dev/teepriv2", .version_errno = ENOTTY};
	fk.devs[3] = (struct fake_dev){.path = "/dev/teepriv3", .impl_id = 1};
	fk.devs[4] = (struct fake_dev){.path = "/dev/teepriv4", .impl_id = 1};
	fk.ndevs = 5;
	assert_int_equal(supp_tee_open_dev(&fake_tee_ops, &fk, NULL, used, sizeof(used)),
			 FAKE_DEV_FD + 30);
	assert_string_equal(used, "/dev/teepriv3");
	assert_int_equal(fk.dev_opens, 3);
	assert_int_equal(fk.dev_closes, 2); /* the two that were not OP-TEE */

	tv_err_clear_detail();
	assert_int_equal(supp_tee_open_dev(&fake_tee_ops, &fk, "/dev/teepriv1", used, sizeof(used)),
			 TV_ENOENT);
	assert_non_null(strstr(tv_err_detail(), "/dev/teepriv1: not OP-TEE (impl_id 2)"));
	assert_int_equal(fk.dev_closes, 3);
	assert_int_equal(supp_tee_open_dev(&fake_tee_ops, &fk, "/dev/teepriv2", used, sizeof(used)),
			 TV_ENOENT);
	assert_non_null(strstr(tv_err_detail(), "not a TEE device"));
	assert_int_equal(supp_tee_open_dev(&fake_tee_ops, &fk, "/dev/teepriv4", used, sizeof(used)),
			 FAKE_DEV_FD + 40);
	assert_string_equal(used, "/dev/teepriv4");
	assert_int_equal(supp_tee_open_dev(&fake_tee_ops, &fk, "/dev/nope", used, sizeof(used)),
			 TV_ENOENT);

	/* Nothing usable: the first reason that is not "missing" is reported. */
	fk.ndevs = 3;
	tv_err_clear_detail();
	assert_int_equal(supp_tee_open_dev(&fake_tee_ops, &fk, NULL, used, sizeof(used)), TV_ENOENT);
	assert_non_null(strstr(tv_err_detail(), "/dev/teepriv0: Device or resource busy"));
	fk.ndevs = 0;
	assert_int_equal(supp_tee_open_dev(&fake_tee_ops, &fk, NULL, used, sizeof(used)), TV_ENOENT);
	assert_non_null(strstr(tv_err_detail(), "/dev/teepriv0..9 do not exist"));
	assert_int_equal(supp_tee_open_dev(&fake_tee_ops, &fk, NULL, NULL, 0), TV_EINVAL);
	fake_fini(&fk);

	struct supp_tee *t = (struct supp_tee *)(uintptr_t)1;
	struct supp_tee_config bad = {.ops = &fake_tee_ops, .fd = -1, .dev = &x->dev};
	assert_int_equal(supp_tee_new(&bad, &t), TV_EINVAL);
	assert_null(t);
	bad.fd = FAKE_DEV_FD;
	bad.dev = NULL;
	assert_int_equal(supp_tee_new(&bad, &t), TV_EINVAL);
	assert_int_equal(supp_tee_new(NULL, &t), TV_EINVAL);
	assert_int_equal(supp_tee_serve(NULL, NULL), TV_EINVAL);
}

/* ---------------------------------------------------- a whole exchange */

static void fill_rpmb(struct fake_kernel *fk, struct supp_tee_msg *m, bool info)
{
	struct fake_shm *s = fake_shm_get(fk, fk->last_id);
	assert_non_null(s);
	size_t in = 6, out = 19;
	if (info) {
		rpmb_rpc_req_encode(RPMB_RPC_CMD_GET_DEV_INFO, 0, 0, s->mem);
	} else {
		rpmb_rpc_req_encode(RPMB_RPC_CMD_DATA_REQ, 0, 1, s->mem);
		memset(s->mem + 6, 0, FS);
		tv_put_be16(s->mem + 6 + RPMB_OFF_TYPE, RPMB_REQ_READ_COUNTER);
		in += FS;
		out = FS;
	}
	m->func = SUPP_TEE_FUNC_RPMB;
	m->num_params = 3;
	m->params[0] = (struct tee_ioctl_param){.attr = META | V_INOUT, .a = fk->req_id++};
	m->params[1] = (struct tee_ioctl_param){.attr = TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT,
						.a = 0, .b = in, .c = (uint64_t)fk->last_id};
	m->params[2] = (struct tee_ioctl_param){.attr = TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT,
						.a = RESP_OFF, .b = out, .c = (uint64_t)fk->last_id};
}

static void fill_info(struct fake_kernel *fk, struct supp_tee_msg *m)
{
	fill_rpmb(fk, m, true);
}

static void fill_counter(struct fake_kernel *fk, struct supp_tee_msg *m)
{
	fill_rpmb(fk, m, false);
}

static void fill_free(struct fake_kernel *fk, struct supp_tee_msg *m)
{
	m->func = SUPP_TEE_FUNC_SHM_FREE;
	m->num_params = 2;
	m->params[0] = (struct tee_ioctl_param){.attr = META | V_INOUT, .a = fk->req_id++};
	m->params[1] = (struct tee_ioctl_param){.attr = V_INOUT, .b = (uint64_t)fk->last_id};
}

/* As the module serves one kernel request: SHM_ALLOC, GET_DEV_INFO, a counter
 * read, SHM_FREE; and the probe 22 before them. */
static void test_loop_rpmb_exchange(void **state)
{
	struct lfx *x = *state;
	const struct fake_step steps[] = {
		STEP(22, VAL(0)),
		STEP(SUPP_TEE_FUNC_SHM_ALLOC, VAL(RESP_OFF + FS)),
		{.fill = fill_info},
		{.fill = fill_counter},
		{.fill = fill_free},
	};
	assert_int_equal(SERVE(x, steps, NULL), TV_OK);
	assert_int_equal(x->fk.recv_calls, 6); /* the last one: stop */
	assert_true(x->fk.recv_abi_ok);        /* 168 bytes, 5 params, META first */
	assert_int_equal(x->fk.nsent, 5);
	uint32_t rets[] = {TEE_ERROR_NOT_SUPPORTED, 0, 0, 0, 0};
	uint32_t nums[] = {2, 2, 3, 3, 2};
	for (size_t i = 0; i < 5; i++) {
		const struct fake_sent *s = &x->fk.sent[i];
		assert_int_equal(s->ret, rets[i]);
		assert_int_equal(s->num_params, nums[i]);
		assert_int_equal(s->len, 8 + 32 * nums[i]);
		assert_int_equal(s->params[0].attr, META | V_INOUT); /* the meta echo */
		assert_int_equal(s->params[0].a, i < 2 ? 0x70 : 0x40 + (i - 2));
	}
	assert_int_equal(x->fk.sent[1].params[1].b, RESP_OFF + FS);
	assert_int_equal(x->fk.sent[1].params[1].c, (uint64_t)x->fk.last_id);
	assert_int_equal(x->fk.sent[2].params[2].b, 19); /* sizes echoed */
	assert_int_equal(x->fk.sent[3].params[2].b, FS);
	const uint8_t *r = x->fk.shm[0].mem + RESP_OFF;
	assert_int_equal(tv_get_be16(r + RPMB_OFF_TYPE), 0x0200);
	assert_int_equal(tv_get_be16(r + RPMB_OFF_RESULT), RPMB_RES_NO_KEY);
	assert_true(x->fk.shm[0].closed);
	assert_int_equal(supp_tee_shm_count(x->t), 0);
}

/* A driver that gives no meta param, or more params than offered. */
static void test_loop_without_meta(void **state)
{
	struct lfx *x = *state;
	const struct fake_step steps[] = {
		{.func = SUPP_TEE_FUNC_SHM_ALLOC, .num_params = 1, .params = {VAL(100)}},
		{.func = 22, .num_params = 6},
	};
	assert_int_equal(SERVE(x, steps, NULL), TV_OK);
	assert_int_equal(x->fk.nsent, 2);
	assert_int_equal(x->fk.sent[0].ret, 0);
	assert_int_equal(x->fk.sent[0].num_params, 1);
	assert_int_equal(x->fk.sent[0].params[0].c, (uint64_t)x->fk.last_id);
	assert_int_equal(x->fk.sent[1].ret, TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(x->fk.sent[1].num_params, SUPP_TEE_NUM_PARAMS);
	assert_int_equal(x->fk.sent[1].len, SUPP_TEE_MSG_SIZE);
}

/* ---------------------------------------------------- stops and failures */

static void test_loop_interrupted_recv(void **state)
{
	struct lfx *x = *state;
	/* EINTR without a stop: RECV again (a signal that is not a stop). */
	const struct fake_step steps[] = {
		{.err = EINTR},
		{.err = EINTR},
		STEP(22, VAL(0)),
		{.err = EINTR, .set_stop = true},
		STEP(22, VAL(0)),
	};
	assert_int_equal(SERVE(x, steps, NULL), TV_OK);
	assert_int_equal(x->fk.recv_calls, 4);
	assert_int_equal(x->fk.nsent, 1);
	/* Stopped already: no RECV at all. */
	x->fk.recv_calls = 0;
	assert_int_equal(SERVE(x, steps, NULL), TV_OK);
	assert_int_equal(x->fk.recv_calls, 0);
}

static void test_loop_recv_fails(void **state)
{
	struct lfx *x = *state;
	int errs[] = {EINVAL, ENOENT, EFAULT, EBUSY, ENOMEM};
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		const struct fake_step steps[] = {STEP(22, VAL(0)), {.err = errs[i]}, STEP(22, VAL(0))};
		x->fk.next = 0;
		x->fk.nsent = 0;
		assert_int_equal(SERVE(x, steps, NULL), TV_EIO);
		assert_int_equal(x->fk.nsent, 1);
		assert_int_equal(x->fk.next, 2); /* nothing after the failure */
	}
	assert_true(logged(x, "TEE_IOC_SUPPL_RECV failed: Invalid argument"));
}

static void test_loop_send_fails(void **state)
{
	struct lfx *x = *state;
	const struct fake_step steps[] = {STEP(SUPP_TEE_FUNC_SHM_ALLOC, VAL(64)), STEP(22, VAL(0))};
	x->fk.send_errno = EINVAL;
	assert_int_equal(SERVE(x, steps, NULL), TV_EIO);
	assert_int_equal(x->fk.recv_calls, 1);
	assert_true(logged(x, "TEE_IOC_SUPPL_SEND failed"));
	/* The buffer it allocated is still released at the end (teardown). */
	assert_int_equal(supp_tee_shm_count(x->t), 1);
}

/* A stop signal at the very start of a RECV (between the stop check and the
 * system call, or inside it): it abandons the RECV, with or without
 * SA_RESTART, and nothing is lost. */
static void test_loop_signal_abandons_recv(void **state)
{
	struct lfx *x = *state;
	int flags[] = {0, SA_RESTART};
	for (size_t i = 0; i < 2; i++) {
		catch_usr1(flags[i]);
		const struct fake_step steps[] = {
			STEP(22, VAL(0)),
			{.raise_first = true, .func = 22, .num_params = 1},
			STEP(22, VAL(0)),
		};
		g_stop = 0;
		x->fk.next = 0;
		x->fk.nsent = 0;
		x->fk.returned_after_raise = false;
		assert_int_equal(SERVE(x, steps, NULL), TV_OK);
		assert_false(x->fk.returned_after_raise);
		assert_int_equal(x->fk.next, 2);
		assert_int_equal(x->fk.nsent, 1);
	}
}

/* The signal lands after the driver handed a request over: it is answered. */
static void test_loop_signal_after_request(void **state)
{
	struct lfx *x = *state;
	catch_usr1(0);
	const struct fake_step steps[] = {
		{.raise_after = true, .func = SUPP_TEE_FUNC_SHM_ALLOC, .num_params = 2,
		 .params = {{.attr = META | V_INOUT, .a = 9}, VAL(64)}},
		STEP(22, VAL(0)),
	};
	assert_int_equal(SERVE(x, steps, NULL), TV_OK);
	assert_int_equal(x->fk.recv_calls, 1);
	assert_int_equal(x->fk.nsent, 1);
	assert_int_equal(x->fk.sent[0].ret, 0);
	assert_int_equal(x->fk.sent[0].params[0].a, 9);
	assert_int_equal(supp_tee_shm_count(x->t), 1);
}

/* During a request: with the stop signal blocked outside RECV (wait_mask), it
 * waits until the answer is sent, then stops the loop before the next RECV
 * reaches the driver; without a mask the handler runs at once and the loop
 * stops after the answer all the same. */
static void test_loop_signal_during_request(void **state)
{
	struct lfx *x = *state;
	catch_usr1(0);
	const struct fake_step steps[] = {STEP(SUPP_TEE_FUNC_SHM_ALLOC, VAL(64)), STEP(22, VAL(0))};
	x->fk.raise_in_alloc = true;
	sigset_t block, held, wait_mask;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	assert_int_equal(sigprocmask(SIG_BLOCK, &block, &held), 0);
	wait_mask = held;
	sigdelset(&wait_mask, SIGUSR1);
	assert_int_equal(SERVE(x, steps, &wait_mask), TV_OK);
	sigset_t now;
	sigprocmask(SIG_SETMASK, NULL, &now);
	assert_true(sigismember(&now, SIGUSR1)); /* still blocked after the loop */
	assert_int_equal(sigprocmask(SIG_SETMASK, &held, NULL), 0);
	assert_int_equal(x->fk.recv_calls, 1);
	assert_int_equal(x->fk.nsent, 1);
	assert_int_equal(x->fk.sent[0].ret, 0);

	g_stop = 0;
	x->fk.next = 0;
	x->fk.nsent = 0;
	x->fk.recv_calls = 0;
	assert_int_equal(SERVE(x, steps, NULL), TV_OK);
	assert_int_equal(x->fk.recv_calls, 1);
	assert_int_equal(x->fk.nsent, 1);
	assert_int_equal(x->fk.sent[0].ret, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_dev_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_rpmb_exchange, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_without_meta, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_interrupted_recv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_recv_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_send_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_signal_abandons_recv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_signal_after_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_signal_during_request, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

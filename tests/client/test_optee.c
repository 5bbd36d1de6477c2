/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The optee: transport against a fake Linux TEE driver (fake_tee.c): opening
 * (device, implementation id), the single StMM session (BUSY), EXCESS_DATA,
 * every system call failing once, the minus-2 payload work-around, and a
 * driver that lies about sizes. Also checks that the fake refuses what Linux
 * refuses, so that the conformance run over it means something.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/tee.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include <teevar/client.h>
#include <teevar/transport.h>
#include <teevar/util.h>

#include <teevar/store_info.h>

#include "fake_tee.h"
#include "secure_core.h"
#include "tv_test_util.h"

#define BUFFER_LIMIT (64u * 1024)
#define MM_HDRS 40u /* MM communicate header + SMM variable header */

struct fix {
	char *dir;
	struct tv_secure *sec;
	struct fake_tee *fake;
};

static const efi_guid_t vendor = {{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
				   0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00}};
static const efi_char16_t name_a[] = {'A', 0};
static const efi_char16_t name_big[] = {'B', 'i', 'g', 0};
#define NV_BS_RT 0x7u

static int setup(void **state)
{
	struct fix *x = calloc(1, sizeof(*x));
	struct tv_secure_config cfg;
	tv_secure_config_default(&cfg);
	cfg.emu.size_mult = 8; /* room for many updates of a 20000-byte variable */
	cfg.sync = false;
	x->dir = tv_test_tmpdir();
	if (!x->dir || tv_secure_open(x->dir, &cfg, &x->sec) != 0)
		return -1;
	x->fake = fake_tee_new(tv_secure_stmm(x->sec), NULL);
	*state = x;
	return x->fake ? 0 : -1;
}

static int teardown(void **state)
{
	struct fix *x = *state;
	fake_tee_free(x->fake);
	tv_secure_close(x->sec);
	tv_test_rmtree(x->dir);
	free(x->dir);
	free(x);
	return 0;
}

static struct fake_tee *fake_of(void **state)
{
	return ((struct fix *)*state)->fake;
}

/* A new fake on the same secure core (after the fixture's, which stays unused). */
static struct fake_tee *refake(void **state, const struct fake_tee_config *cfg)
{
	struct fix *x = *state;
	fake_tee_free(x->fake);
	x->fake = fake_tee_new(tv_secure_stmm(x->sec), cfg);
	assert_non_null(x->fake);
	return x->fake;
}

static int open_transport(struct fake_tee *f, struct tv_transport *t)
{
	return tv_transport_optee_open_with("/dev/tee0", &fake_tee_ops, f, t);
}

static struct tv_client *open_client(struct fake_tee *f)
{
	struct tv_transport t;
	assert_int_equal(open_transport(f, &t), 0);
	struct tv_client *c = NULL;
	assert_int_equal(tv_client_open(t, &c), EFI_SUCCESS);
	return c;
}

static void assert_clean(struct fake_tee *f)
{
	assert_int_equal(fake_tee_held(f), 0);
	assert_int_equal(fake_tee_sessions(f), 0);
	assert_int_equal(fake_tee_refused(f), 0);
}

/* ---- opening ------------------------------------------------------------ */

static void test_open(void **state)
{
	struct fake_tee *f = fake_of(state);
	struct tv_transport t;
	assert_int_equal(open_transport(f, &t), 0);
	assert_string_equal(t.name, "optee");
	assert_true(t.foreign_stmm);
	assert_false(t.ffa_codes);
	/* a board's StMM keeps its store to itself: teevar's own store requests */
	struct tv_store_info info;
	struct tv_store_check_report report;
	struct tv_store_recovery rec;
	assert_int_equal(tv_transport_store_info(&t, &info), -ENOTSUP);
	assert_int_equal(tv_transport_store_check(&t, &report), -ENOTSUP);
	assert_int_equal(tv_transport_store_recover(&t, &rec), -ENOTSUP);
	assert_int_equal(fake_tee_held(f), 3); /* device, shared memory, its mapping */
	assert_int_equal(fake_tee_fds(f), 1);  /* the shared memory's fd is closed once mapped */
	tv_transport_destroy(&t);
	assert_clean(f);

	assert_int_equal(tv_transport_optee_open_with("/dev/tee1", &fake_tee_ops, f, &t), -ENOENT);
	assert_null(t.ops);
	assert_int_equal(tv_transport_optee_open_with("", &fake_tee_ops, f, &t), -EINVAL);
	assert_int_equal(tv_transport_optee_open_with("/dev/tee0", NULL, f, &t), -EINVAL);
	assert_int_equal(tv_transport_optee_open_with("/dev/tee0", &fake_tee_ops, f, NULL),
			 -EINVAL);
	assert_clean(f);
}

static void test_open_real_device_errors(void **state)
{
	(void)state;
	struct tv_transport t;
	assert_int_equal(tv_transport_open("optee:/nonexistent/tee0", &t), -ENOENT);
	assert_int_equal(tv_transport_open("optee:/dev/null", &t), -ENOTTY);
	assert_int_equal(tv_transport_open("optee:", &t), -EINVAL);
	assert_null(t.ops);
	assert_non_null(strstr(tv_transport_optee_strerror(-ENOTTY), "not a TEE device"));
	assert_non_null(strstr(tv_transport_optee_strerror(-ENOENT), "no such TEE device"));
	assert_string_equal(tv_transport_optee_strerror(-EIO), strerror(EIO));
}

static void test_wrong_impl_id(void **state)
{
	struct fake_tee_config cfg = {.impl_id = TEE_IMPL_ID_AMDTEE};
	struct fake_tee *f = refake(state, &cfg);
	struct tv_transport t;
	assert_int_equal(open_transport(f, &t), -ENODEV);
	assert_null(t.ops);
	assert_clean(f);
	assert_non_null(strstr(tv_transport_optee_strerror(-ENODEV), "not OP-TEE"));
}

/* ---- the single StMM session -------------------------------------------- */

static void test_busy(void **state)
{
	struct fake_tee *f = fake_of(state);
	struct tv_client *first = open_client(f); /* in the kernel's place */

	struct tv_transport t;
	assert_int_equal(open_transport(f, &t), 0);
	struct tv_client *second = (struct tv_client *)1;
	assert_int_equal(tv_client_open(t, &second), EFI_ACCESS_DENIED);
	assert_null(second);
	uint32_t origin = 0;
	assert_int_equal(tv_client_last_tee_result(NULL, &origin), TEE_ERROR_BUSY);
	assert_int_equal(origin, TEE_ORIGIN_TEE);
	const char *hint = tv_tee_result_hint(t.name, TEE_ERROR_BUSY);
	assert_string_equal(hint, "StMM is in use by the kernel's tee_stmm_efi driver: use "
				  "efivarfs (/sys/firmware/efi/efivars)");
	assert_int_equal(fake_tee_held(f), 3); /* the second transport is gone */
	assert_int_equal(fake_tee_sessions(f), 1);

	tv_client_close(first);
	second = open_client(f); /* free again */
	tv_client_close(second);
	assert_clean(f);
}

/* Closing the device releases a session that was never closed (the driver's job). */
static void test_device_close_ends_session(void **state)
{
	struct fake_tee *f = fake_of(state);
	static const uint8_t uuid[16] = TV_STMM_UUID;
	struct tv_transport t;
	assert_int_equal(open_transport(f, &t), 0);
	uint32_t session = 0, origin = 0;
	assert_int_equal(t.ops->open_session(t.ctx, uuid, &session, &origin), TEE_SUCCESS);
	assert_int_equal(fake_tee_sessions(f), 1);
	tv_transport_destroy(&t);
	assert_clean(f);
	tv_client_close(open_client(f));
}

static void test_unknown_uuid(void **state)
{
	struct fake_tee *f = fake_of(state);
	static const uint8_t uuid[16] = {1, 2, 3};
	struct tv_transport t;
	assert_int_equal(open_transport(f, &t), 0);
	uint32_t session = 0, origin = 0;
	assert_int_equal(t.ops->open_session(t.ctx, uuid, &session, &origin),
			 TEE_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(origin, TEE_ORIGIN_TEE);
	tv_transport_destroy(&t);
	assert_clean(f);
}

/* ---- sizes -------------------------------------------------------------- */

static void test_minus_two(void **state)
{
	struct fix *x = *state;
	struct tv_transport t;
	struct tv_client *c;
	tv_transport_inproc_wrap(tv_secure_stmm(x->sec), &t);
	assert_int_equal(tv_client_open(t, &c), EFI_SUCCESS);
	size_t own = tv_client_payload_size(c);
	tv_client_close(c);
	assert_int_equal(own, BUFFER_LIMIT - MM_HDRS);

	c = open_client(x->fake);
	assert_int_equal(tv_client_payload_size(c), own - 2);
	/* the largest GetVariable buffer a client sends: 2 bytes short of the limit */
	static uint8_t data[BUFFER_LIMIT];
	size_t size = sizeof(data);
	assert_int_equal(tv_get_variable(c, name_a, &vendor, NULL, &size, data), EFI_NOT_FOUND);
	assert_int_equal(fake_tee_max_memref(x->fake), BUFFER_LIMIT - 2);
	/* a SetVariable one byte over the payload is refused before it is sent */
	size_t over = own - 2 - 40 - sizeof(name_a) + 1;
	assert_int_equal(tv_set_variable(c, name_a, &vendor, NV_BS_RT, over, data),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(fake_tee_max_memref(x->fake), BUFFER_LIMIT - 2);
	tv_client_close(c);
	assert_clean(x->fake);
}

/* OP-TEE's own limit (16 KiB) below what StMM announced (64 KiB buffers). */
static void test_excess_data(void **state)
{
	struct fake_tee_config cfg = {.tee_limit = 16u * 1024};
	struct fake_tee *f = refake(state, &cfg);
	struct tv_client *c = open_client(f);
	static uint8_t data[20000];
	memset(data, 0x5a, sizeof(data));
	assert_int_equal(tv_set_variable(c, name_a, &vendor, NV_BS_RT, 16, data), EFI_SUCCESS);
	assert_int_equal(tv_set_variable(c, name_big, &vendor, NV_BS_RT, sizeof(data), data),
			 EFI_DEVICE_ERROR);
	uint32_t origin = 0;
	assert_int_equal(tv_client_last_tee_result(c, &origin), TEE_ERROR_EXCESS_DATA);
	assert_int_equal(origin, TEE_ORIGIN_TEE);
	assert_non_null(tv_tee_result_hint("optee", TEE_ERROR_EXCESS_DATA));
	size_t size = sizeof(data);
	assert_int_equal(tv_get_variable(c, name_big, &vendor, NULL, &size, data),
			 EFI_DEVICE_ERROR);
	tv_client_close(c);
	assert_clean(f);
}

/* The transport reports the size the TEE accepts in memref.size. */
static void test_excess_data_size(void **state)
{
	struct fake_tee_config cfg = {.tee_limit = 4096};
	struct fake_tee *f = refake(state, &cfg);
	static const uint8_t uuid[16] = TV_STMM_UUID;
	struct tv_transport t;
	assert_int_equal(open_transport(f, &t), 0);
	uint32_t session = 0, origin = 0;
	assert_int_equal(t.ops->open_session(t.ctx, uuid, &session, &origin), TEE_SUCCESS);
	static uint8_t buf[6000];
	struct tv_tee_param p[TV_TEE_NUM_PARAMS] = {
		{.type = TV_TEE_PARAM_MEMREF_INOUT, .u.memref = {buf, sizeof(buf)}},
		{.type = TV_TEE_PARAM_VALUE_OUTPUT},
	};
	assert_int_equal(t.ops->invoke(t.ctx, session, TV_STMM_CMD_COMMUNICATE, p, &origin),
			 TEE_ERROR_EXCESS_DATA);
	assert_int_equal(origin, TEE_ORIGIN_TEE);
	assert_int_equal(p[0].u.memref.size, 4096);
	t.ops->close_session(t.ctx, session);
	tv_transport_destroy(&t);
	assert_clean(f);
}

/* Parameters the transport refuses itself, and results passed through. */
static void test_params(void **state)
{
	struct fake_tee *f = fake_of(state);
	static const uint8_t uuid[16] = TV_STMM_UUID;
	struct tv_transport t;
	assert_int_equal(open_transport(f, &t), 0);
	uint32_t session = 0, origin = 0;
	assert_int_equal(t.ops->open_session(t.ctx, uuid, &session, &origin), TEE_SUCCESS);
	struct tv_tee_param p[TV_TEE_NUM_PARAMS] = {{.type = 4}};
	assert_int_equal(t.ops->invoke(t.ctx, session, 0, p, &origin), TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(origin, TEE_ORIGIN_API);
	p[0] = (struct tv_tee_param){.type = TV_TEE_PARAM_MEMREF_INPUT, .u.memref = {NULL, 8}};
	assert_int_equal(t.ops->invoke(t.ctx, session, 0, p, &origin), TEE_ERROR_BAD_PARAMETERS);
	static uint8_t big[TV_OPTEE_SHM_MAX + 1];
	p[0] = (struct tv_tee_param){.type = TV_TEE_PARAM_MEMREF_INOUT,
				     .u.memref = {big, sizeof(big)}};
	assert_int_equal(t.ops->invoke(t.ctx, session, 0, p, &origin), TEE_ERROR_EXCESS_DATA);
	assert_int_equal(origin, TEE_ORIGIN_API);
	/* value parameters and a second memref go through; StMM refuses the shape */
	uint8_t small[8] = {0};
	p[0] = (struct tv_tee_param){.type = TV_TEE_PARAM_MEMREF_INOUT, .u.memref = {small, 8}};
	p[1] = (struct tv_tee_param){.type = TV_TEE_PARAM_VALUE_INOUT, .u.value = {1, 2, 3}};
	p[2] = (struct tv_tee_param){.type = TV_TEE_PARAM_MEMREF_OUTPUT, .u.memref = {small, 4}};
	assert_int_equal(t.ops->invoke(t.ctx, session, 0, p, &origin), TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(origin, TEE_ORIGIN_TRUSTED_APP);
	assert_int_equal(t.ops->invoke(t.ctx, session, 7, p, &origin), TEE_ERROR_NOT_SUPPORTED);
	assert_int_equal(t.ops->invoke(t.ctx, session + 1, 0, p, &origin), TEE_ERROR_COMMUNICATION);
	assert_int_equal(origin, TEE_ORIGIN_COMMS);
	assert_int_equal(fake_tee_refused(f), 1); /* the unknown session */
	t.ops->close_session(t.ctx, session);
	tv_transport_destroy(&t);
	assert_int_equal(fake_tee_held(f), 0);
}

/* ---- failures ----------------------------------------------------------- */

/* Open, set a variable big enough to grow the shared memory, read it back. */
static int scenario(struct fake_tee *f, uint8_t fill)
{
	static uint8_t data[20000], back[20000];
	memset(data, fill, sizeof(data));
	struct tv_transport t;
	int rc = open_transport(f, &t);
	if (rc != 0) {
		assert_true(rc < 0);
		return 1;
	}
	struct tv_client *c;
	efi_status_t st = tv_client_open(t, &c);
	if (st != EFI_SUCCESS) {
		assert_int_equal(st, EFI_DEVICE_ERROR);
		assert_int_equal(tv_client_last_tee_result(NULL, NULL) & 0xFFFF0000u, 0xFFFF0000u);
		return 2;
	}
	st = tv_set_variable(c, name_big, &vendor, NV_BS_RT, sizeof(data), data);
	size_t size = sizeof(back);
	efi_status_t st2 = tv_get_variable(c, name_big, &vendor, NULL, &size, back);
	tv_client_close(c);
	assert_true(st == EFI_SUCCESS || st == EFI_DEVICE_ERROR);
	assert_true(st2 == EFI_SUCCESS || st2 == EFI_DEVICE_ERROR || st2 == EFI_NOT_FOUND);
	if (st2 == EFI_SUCCESS) { /* the old value or the new one, never a mix */
		assert_int_equal(size, sizeof(data));
		for (size_t i = 1; i < size; i++)
			assert_int_equal(back[i], back[0]);
		if (st == EFI_SUCCESS)
			assert_int_equal(back[0], fill);
	}
	return st == EFI_SUCCESS && st2 == EFI_SUCCESS ? 0 : 3;
}

static void fail_each_call(void **state, int err)
{
	struct fake_tee *f = fake_of(state);
	unsigned n = 1, failures = 0;
	for (;; n++) {
		unsigned before = fake_tee_calls(f);
		fake_tee_fail_call(f, n, err);
		int rc = scenario(f, (uint8_t)n);
		assert_clean(f);
		if (fake_tee_calls(f) - before < n)
			break; /* the n-th call never came: every call has failed once */
		failures += rc != 0; /* a failed CLOSE_SESSION goes unnoticed, harmlessly */
	}
	assert_true(failures >= 10);
	printf("# %u system calls failed once (%s), each checked\n", n - 1, strerror(err));
	fake_tee_fail_call(f, 0, 0);
	assert_int_equal(scenario(f, 0xee), 0);
	assert_clean(f);
}

static void test_each_call_fails_eio(void **state)
{
	fail_each_call(state, EIO);
}

static void test_each_call_fails_enomem(void **state)
{
	fail_each_call(state, ENOMEM);
}

/* ---- a driver that lies -------------------------------------------------- */

static void test_hostile_shm_size(void **state)
{
	struct fake_tee *f = fake_of(state);
	fake_tee_set_hostile(f, FAKE_TEE_SHM_SHORT);
	struct tv_transport t;
	assert_int_equal(open_transport(f, &t), -EIO);
	assert_int_equal(fake_tee_held(f), 0);

	/* the same when the shared memory has to grow */
	fake_tee_set_hostile(f, 0);
	struct tv_client *c = open_client(f);
	fake_tee_set_hostile(f, FAKE_TEE_SHM_SHORT);
	static uint8_t data[20000];
	assert_int_equal(tv_set_variable(c, name_big, &vendor, NV_BS_RT, sizeof(data), data),
			 EFI_DEVICE_ERROR);
	assert_int_equal(tv_client_last_tee_result(c, NULL), TEE_ERROR_COMMUNICATION);
	tv_client_close(c);
	assert_clean(f);
}

static void hostile_out(void **state, unsigned flags, uint32_t expect)
{
	struct fake_tee *f = fake_of(state);
	struct tv_client *c = open_client(f);
	uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	assert_int_equal(tv_set_variable(c, name_a, &vendor, NV_BS_RT, 4, data), EFI_SUCCESS);
	fake_tee_set_hostile(f, flags);
	uint8_t back[8] = {9, 9, 9, 9, 9, 9, 9, 9};
	size_t size = sizeof(back);
	uint32_t attrs = 0xabcd;
	assert_int_equal(tv_get_variable(c, name_a, &vendor, &attrs, &size, back),
			 EFI_DEVICE_ERROR);
	assert_int_equal(tv_client_last_tee_result(c, NULL), expect);
	assert_int_equal(size, sizeof(back)); /* outputs untouched */
	assert_int_equal(attrs, 0xabcd);
	assert_int_equal(back[0], 9);
	fake_tee_set_hostile(f, 0);
	assert_int_equal(tv_get_variable(c, name_a, &vendor, &attrs, &size, back), EFI_SUCCESS);
	assert_memory_equal(back, data, 4);
	tv_client_close(c);
	assert_clean(f);
}

static void test_hostile_out_grows(void **state)
{
	hostile_out(state, FAKE_TEE_OUT_GROWS, TEE_ERROR_COMMUNICATION);
}

static void test_hostile_out_huge(void **state)
{
	hostile_out(state, FAKE_TEE_OUT_HUGE, TEE_ERROR_COMMUNICATION);
}

static void test_hostile_excess_huge(void **state)
{
	hostile_out(state, FAKE_TEE_EXCESS_HUGE, TEE_ERROR_EXCESS_DATA);
}

/* ---- the fake refuses what Linux refuses --------------------------------- */

struct dev {
	struct fake_tee *f;
	int fd, shm_fd;
	int32_t shm_id;
	uint32_t session;
};

static int dev_ioctl(struct dev *d, unsigned long req, void *arg)
{
	return fake_tee_ops.ioctl(d->f, d->fd, req, arg);
}

static void dev_open(struct fake_tee *f, struct dev *d)
{
	*d = (struct dev){.f = f};
	d->fd = fake_tee_ops.open(f, "/dev/tee0", O_RDWR);
	assert_true(d->fd >= 0);
	struct tee_ioctl_shm_alloc_data a = {.size = 100};
	d->shm_fd = dev_ioctl(d, TEE_IOC_SHM_ALLOC, &a);
	assert_true(d->shm_fd >= 0);
	assert_int_equal(a.size, 4096); /* whole pages, as OP-TEE's pool */
	d->shm_id = a.id;
}

static void dev_close(struct dev *d)
{
	assert_int_equal(fake_tee_ops.close(d->f, d->shm_fd), 0);
	assert_int_equal(fake_tee_ops.close(d->f, d->fd), 0);
}

/* Expects ioctl(req, arg) to fail with err and one more refusal. */
static void refused(struct dev *d, unsigned long req, void *arg, int err)
{
	unsigned before = fake_tee_refused(d->f);
	errno = 0;
	assert_int_equal(dev_ioctl(d, req, arg), -1);
	assert_int_equal(errno, err);
	assert_int_equal(fake_tee_refused(d->f), before + 1);
}

#define PARAM_SIZE sizeof(struct tee_ioctl_param)

union open_buf {
	struct tee_ioctl_open_session_arg arg;
	uint8_t bytes[sizeof(struct tee_ioctl_open_session_arg) + 2 * PARAM_SIZE];
};

static void test_fake_open_session_checks(void **state)
{
	struct dev d;
	dev_open(fake_of(state), &d);
	static const uint8_t uuid[16] = TV_STMM_UUID;
	union open_buf ob;
	memset(&ob, 0, sizeof(ob));
	memcpy(ob.arg.uuid, uuid, 16);
	struct tee_ioctl_buf_data buf = {(uintptr_t)&ob, sizeof(ob.arg) - 1};
	refused(&d, TEE_IOC_OPEN_SESSION, &buf, EINVAL); /* too short */
	buf.buf_len = sizeof(ob.arg) + sizeof(struct tee_ioctl_param);
	refused(&d, TEE_IOC_OPEN_SESSION, &buf, EINVAL); /* num_params 0 */
	buf = (struct tee_ioctl_buf_data){0, sizeof(ob.arg)};
	refused(&d, TEE_IOC_OPEN_SESSION, &buf, EFAULT);
	buf = (struct tee_ioctl_buf_data){(uintptr_t)&ob, sizeof(ob.arg)};
	ob.arg.clnt_login = TEE_IOCTL_LOGIN_REE_KERNEL;
	refused(&d, TEE_IOC_OPEN_SESSION, &buf, EPERM);
	ob.arg.clnt_login = TEE_IOCTL_LOGIN_USER;
	refused(&d, TEE_IOC_OPEN_SESSION, &buf, EINVAL);
	ob.arg.clnt_login = TEE_IOCTL_LOGIN_PUBLIC;
	ob.arg.num_params = 1;
	buf.buf_len = sizeof(ob.arg) + sizeof(struct tee_ioctl_param);
	ob.arg.params[0].attr = TEE_IOCTL_PARAM_ATTR_META;
	refused(&d, TEE_IOC_OPEN_SESSION, &buf, EINVAL);
	ob.arg.params[0].attr = 4; /* no such type */
	refused(&d, TEE_IOC_OPEN_SESSION, &buf, EINVAL);
	ob.arg.params[0].attr = TEE_IOCTL_PARAM_ATTR_TYPE_NONE;
	assert_int_equal(dev_ioctl(&d, TEE_IOC_OPEN_SESSION, &buf), 0);
	assert_int_equal(ob.arg.ret, TEE_SUCCESS);
	struct tee_ioctl_close_session_arg cl = {ob.arg.session + 1};
	refused(&d, TEE_IOC_CLOSE_SESSION, &cl, EINVAL);
	cl.session = ob.arg.session;
	assert_int_equal(dev_ioctl(&d, TEE_IOC_CLOSE_SESSION, &cl), 0);
	refused(&d, TEE_IOC_CLOSE_SESSION, &cl, EINVAL);
	dev_close(&d);
	assert_int_equal(fake_tee_held(d.f), 0);
}

union invoke_buf {
	struct tee_ioctl_invoke_arg arg;
	uint8_t bytes[sizeof(struct tee_ioctl_invoke_arg) + 4 * PARAM_SIZE];
};

static void open_session(struct dev *d)
{
	static const uint8_t uuid[16] = TV_STMM_UUID;
	struct tee_ioctl_open_session_arg a;
	memset(&a, 0, sizeof(a));
	memcpy(a.uuid, uuid, 16);
	struct tee_ioctl_buf_data buf = {(uintptr_t)&a, sizeof(a)};
	assert_int_equal(dev_ioctl(d, TEE_IOC_OPEN_SESSION, &buf), 0);
	assert_int_equal(a.ret, TEE_SUCCESS);
	d->session = a.session;
}

static void invoke_refused(struct dev *d, union invoke_buf *ib, int err)
{
	struct tee_ioctl_buf_data buf = {(uintptr_t)ib, sizeof(*ib)};
	refused(d, TEE_IOC_INVOKE, &buf, err);
	memset(ib, 0, sizeof(*ib));
	ib->arg.session = d->session;
	ib->arg.num_params = 4;
	ib->arg.params[0] = (struct tee_ioctl_param){TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT, 0, 64,
						      (uint64_t)d->shm_id};
	ib->arg.params[1].attr = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
}

static void test_fake_invoke_checks(void **state)
{
	struct dev d, other;
	dev_open(fake_of(state), &d);
	dev_open(fake_of(state), &other);
	open_session(&d);
	union invoke_buf ib;
	memset(&ib, 0, sizeof(ib));
	invoke_refused(&d, &ib, EINVAL); /* num_params 0 with room for 4 */
	ib.arg.params[0].b = 4097;
	invoke_refused(&d, &ib, EINVAL); /* beyond the shared memory */
	ib.arg.params[0].a = UINT64_MAX;
	invoke_refused(&d, &ib, EINVAL); /* offset + size wraps */
	ib.arg.params[0].c = (uint64_t)other.shm_id;
	invoke_refused(&d, &ib, EINVAL); /* another context's shared memory */
	ib.arg.params[0].c = 999;
	invoke_refused(&d, &ib, EINVAL);
	ib.arg.params[3].attr = 1u << 9;
	invoke_refused(&d, &ib, EINVAL); /* unknown attribute bits */
	ib.arg.session = d.session + 1;
	invoke_refused(&d, &ib, EINVAL);
	struct tee_ioctl_buf_data buf = {(uintptr_t)&ib, sizeof(ib)};
	assert_int_equal(dev_ioctl(&d, TEE_IOC_INVOKE, &buf), 0);
	assert_int_equal(ib.arg.ret, TEE_SUCCESS); /* an MM buffer of zeros: SPM code */
	assert_int_not_equal(ib.arg.params[1].a, 0);
	assert_int_equal(ib.arg.params[0].b, 64);

	struct tee_ioctl_shm_alloc_data a = {.size = 100, .flags = 1};
	refused(&d, TEE_IOC_SHM_ALLOC, &a, EINVAL);
	refused(&d, _IO(TEE_IOC_MAGIC, 99), &a, EINVAL); /* no such ioctl */
	unsigned before = fake_tee_refused(d.f);
	assert_int_equal(fake_tee_ops.ioctl(d.f, d.shm_fd, TEE_IOC_VERSION, &a), -1);
	assert_int_equal(errno, ENOTTY);
	assert_ptr_equal(fake_tee_ops.mmap(d.f, 8192, PROT_READ, MAP_SHARED, d.shm_fd, 0),
			 MAP_FAILED); /* beyond the shared memory */
	assert_ptr_equal(fake_tee_ops.mmap(d.f, 4096, PROT_READ, MAP_SHARED, d.fd, 0), MAP_FAILED);
	assert_int_equal(fake_tee_refused(d.f), before + 3);
	dev_close(&other);
	dev_close(&d); /* closes the session too */
	assert_int_equal(fake_tee_held(d.f), 0);
	assert_int_equal(fake_tee_sessions(d.f), 0);
}

/* ---- names and hints ------------------------------------------------------ */

static void test_result_names_and_hints(void **state)
{
	(void)state;
	assert_string_equal(tv_tee_result_name(TEE_ERROR_BUSY), "TEE_ERROR_BUSY");
	assert_string_equal(tv_tee_result_name(TEE_SUCCESS), "TEE_SUCCESS");
	assert_string_equal(tv_tee_result_name(0x12345678u), "TEE_RESULT(0x12345678)");
	assert_non_null(strstr(tv_tee_result_hint("optee", TEE_ERROR_BUSY), "tee_stmm_efi"));
	assert_null(strstr(tv_tee_result_hint("unix", TEE_ERROR_BUSY), "tee_stmm_efi"));
	assert_null(strstr(tv_tee_result_hint(NULL, TEE_ERROR_BUSY), "tee_stmm_efi"));
	assert_non_null(tv_tee_result_hint("optee", TEE_ERROR_COMMUNICATION));
	assert_null(tv_tee_result_hint("optee", TEE_SUCCESS));
	assert_non_null(strstr(tv_tee_result_hint("unix", 0xF0100003u), "--rpmb rpc"));
	assert_null(strstr(tv_tee_result_hint("optee", 0xF0100003u), "--rpmb rpc"));
	assert_string_equal(tv_tee_result_name(0xF0100003u), "TEE_ERROR_STORAGE_NOT_AVAILABLE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open, setup, teardown),
		cmocka_unit_test(test_open_real_device_errors),
		cmocka_unit_test_setup_teardown(test_wrong_impl_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_close_ends_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_uuid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_minus_two, setup, teardown),
		cmocka_unit_test_setup_teardown(test_excess_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_excess_data_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_params, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_call_fails_eio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_call_fails_enomem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_shm_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_out_grows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_out_huge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_excess_huge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fake_open_session_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fake_invoke_checks, setup, teardown),
		cmocka_unit_test(test_result_names_and_hints),
	};
	return cmocka_run_group_tests_name("optee: transport over a fake /dev/tee0", tests, NULL,
					   NULL);
}

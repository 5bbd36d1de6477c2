// SPDX-License-Identifier: BSD-2-Clause
/*
 * vtee_rpc_check's own supplicant: this program opens /dev/teepriv0 and
 * serves the module's requests with TEE_IOC_SUPPL_RECV / SEND by hand, to
 * check the rules Debian's tee-supplicant never breaks: the version it
 * reports, never more parameters than offered, the meta parameter and
 * request ids, SEND matched by id, one request at a time without meta, an
 * interrupted RECV, a late answer (a late SHM_ALLOC's memory freed), a
 * supplicant that closes with a request in hand, and the memory of an RPMB RPC (SHM_ALLOC, the memrefs' offsets
 * and ids, SHM_FREE) byte by byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/tee.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include "vtee_rpc_check.h"

#define META TEE_IOCTL_PARAM_ATTR_META
#define INOUT TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT

/* The supplicant's buffer, as tee-supplicant's: header and 5 params. */
struct sbuf {
	uint32_t func_or_ret;
	uint32_t num_params;
	struct tee_ioctl_param p[5];
};

static int sfd;

/* RECV offering num params (the first META when meta); 0 or -errno. */
static int recv_req(uint32_t num, int meta, struct sbuf *b)
{
	struct tee_ioctl_buf_data buf = { (uintptr_t)b, 8 + num * sizeof(b->p[0]) };

	memset(b, 0, sizeof(*b));
	b->num_params = num;
	if (meta)
		b->p[0].attr = META;
	return ioctl(sfd, TEE_IOC_SUPPL_RECV, &buf) ? -errno : 0;
}

/* SEND ret with b's first num params; 0 or -errno. */
static int send_ans(uint32_t ret, uint32_t num, struct sbuf *b)
{
	struct tee_ioctl_buf_data buf = { (uintptr_t)b, 8 + num * sizeof(b->p[0]) };

	b->func_or_ret = ret;
	b->num_params = num;
	return ioctl(sfd, TEE_IOC_SUPPL_SEND, &buf) ? -errno : 0;
}

static const char *err_name(int rc)
{
	return rc ? strerror(-rc) : "ok";
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* RECV, SEND and their errors, one func-22 RPC at a time. */
static void protocol(const struct tvv_msg *q)
{
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	struct itimerval it = { .it_value = { 0, 300000 } };
	struct rpc_res r;
	struct sbuf b;
	uint32_t id;
	long t0, late;
	int rc;

	t0 = now_ms();
	rpc_write(rpc_build(q, 22, NULL, 0, 0));
	rc = recv_req(1, 1, &b);
	result(rc == -EINVAL, "RECV with room for the meta parameter only: EINVAL, never "
	       "more parameters than offered (%s)", err_name(rc));
	rc = recv_req(5, 1, &b);
	id = (uint32_t)b.p[0].a;
	result(!rc && b.func_or_ret == 22 && b.num_params == 2 && b.p[0].attr == (META | INOUT) &&
	       id > 0 && b.p[1].attr == INOUT && !b.p[1].a && !b.p[1].b && !b.p[1].c,
	       "RECV with a meta parameter: func 22, the request id in VALUE_INOUT|META, one "
	       "VALUE_INOUT of zeros (%s, func %u, %u params)", err_name(rc), b.func_or_ret,
	       b.num_params);
	b.p[0].a = id + 1000;
	rc = send_ans(0x1234, 2, &b);
	result(rc == -ENOENT, "SEND for an id that is not waiting: ENOENT (%s)", err_name(rc));
	b.p[0].a = id;
	rc = send_ans(0x1234, 3, &b);
	result(rc == -EINVAL, "SEND with more parameters than received: EINVAL (%s)",
	       err_name(rc));
	b.p[0].attr = INOUT;
	rc = send_ans(0x1234, 2, &b);
	result(rc == -EINVAL, "SEND without the meta parameter after a RECV with one: EINVAL (%s)",
	       err_name(rc));
	b.p[0].attr = META | INOUT;
	rc = send_ans(0x1234, 2, &b);
	rpc_wait(q, &r, t0);
	result(!rc && r.got && r.ret == 0x1234 && r.origin == 0,
	       "SEND matched by the id: its result is the RPC's answer (%#x, origin %u)", r.ret,
	       r.origin);

	t0 = now_ms();
	rpc_write(rpc_build(q, 22, NULL, 0, 0));
	rc = recv_req(2, 0, &b);
	result(!rc && b.func_or_ret == 22 && b.num_params == 1 && b.p[0].attr == INOUT,
	       "RECV without a meta parameter: the request alone (%s)", err_name(rc));
	rc = recv_req(2, 0, &b);
	result(rc == -EINVAL, "a second RECV before its SEND, without meta: EINVAL (%s)",
	       err_name(rc));
	memset(&b.p[0], 0, sizeof(b.p[0]));
	b.p[0].attr = INOUT;
	rc = send_ans(0x5678, 1, &b);
	rpc_wait(q, &r, t0);
	result(!rc && r.got && r.ret == 0x5678, "and its SEND answers it (%#x)", r.ret);

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	t0 = now_ms();
	rc = recv_req(5, 1, &b);
	result(rc == -EINTR && now_ms() - t0 >= 250,
	       "a RECV waiting for work is interrupted by a signal (ERESTARTSYS: EINTR for a "
	       "handler without SA_RESTART) (%s after %ld ms)", err_name(rc), now_ms() - t0);

	set_param("rpc_timeout_ms", 500);
	t0 = now_ms();
	rpc_write(rpc_build(q, 22, NULL, 0, 0));
	rc = recv_req(5, 1, &b);
	{
		struct pollfd p = { .fd = bfd, .events = POLLIN };

		poll(&p, 1, 3000); /* the answer is queued: the RPC gave up */
	}
	late = now_ms() - t0;
	rc = rc ? rc : send_ans(0, 2, &b);
	rpc_wait(q, &r, t0);
	result(!rc && r.got && r.ret == TEEC_ERROR_COMMUNICATION && late >= 450 && late < 1500,
	       "a request received and not answered within rpc_timeout_ms (500) fails (%#x after "
	       "%ld ms); its late SEND is taken and dropped (%s)", r.ret, late, err_name(rc));

	/* A late SHM_ALLOC answer: that memory goes back at once. */
	t0 = now_ms();
	rpc_write(rpc_build(q, 1, devinfo_req, 6, 19));
	rc = recv_req(5, 1, &b);
	{
		struct pollfd p = { .fd = bfd, .events = POLLIN };

		poll(&p, 1, 3000);
	}
	rpc_wait(q, &r, t0);
	result(!rc && b.func_or_ret == 6 && r.got && r.ret == TEEC_ERROR_COMMUNICATION,
	       "an SHM_ALLOC received and not answered in time fails the RPMB RPC (%#x)", r.ret);
	b.p[1].c = 77;
	rc = send_ans(0, 2, &b);
	rc = rc ? rc : recv_req(5, 1, &b);
	result(!rc && b.func_or_ret == 7 && b.num_params == 2 && b.p[1].attr == INOUT &&
	       b.p[1].b == 77,
	       "its late answer (shm id 77) is taken and that memory freed: SHM_FREE b = 77 "
	       "(%s, func %u, b %llu)", err_name(rc), b.func_or_ret, (unsigned long long)b.p[1].b);
	rc = send_ans(0, 2, &b);
	result(!rc, "the module takes the answer to its own SHM_FREE (%s)", err_name(rc));
	set_param("rpc_timeout_ms", 4000);

	t0 = now_ms();
	rpc_write(rpc_build(q, 22, NULL, 0, 0));
	rc = recv_req(5, 1, &b);
	sleep_ms(200);
	close(sfd);
	rpc_wait(q, &r, t0);
	result(!rc && r.got && r.ret == TEEC_ERROR_COMMUNICATION && r.origin == ORIGIN_COMMS &&
	       r.ms < 1500,
	       "a supplicant that closes teepriv0 with a request in hand: COMMUNICATION at once "
	       "(%ld ms)", r.ms);
}

/* An RPMB RPC served by hand: the supplicant memory, byte by byte. */
static void memory(const struct tvv_msg *q)
{
	static const char resp[19] = "teevar-rpmb-answer";
	struct tee_ioctl_shm_alloc_data data = { 0 };
	unsigned char *map = MAP_FAILED;
	struct rpc_res r;
	struct sbuf b;
	uint32_t id;
	int rc, fd = -1;
	long t0 = now_ms();

	rpc_write(rpc_build(q, 1, devinfo_req, 6, 19));
	rc = recv_req(5, 1, &b);
	result(!rc && b.func_or_ret == 6 && b.num_params == 2 && b.p[1].attr == INOUT &&
	       b.p[1].a == 0 && b.p[1].b == 8192 && b.p[1].c == 0,
	       "RPC 1 starts with SHM_ALLOC: VALUE_INOUT a 0, b 8192 (4 KiB for the request, "
	       "4 KiB for the response) (func %u, b %llu)", b.func_or_ret,
	       (unsigned long long)b.p[1].b);
	data.size = b.p[1].b;
	fd = ioctl(sfd, TEE_IOC_SHM_ALLOC, &data);
	if (fd >= 0)
		map = mmap(NULL, data.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	result(fd >= 0 && map != MAP_FAILED && data.size == 8192,
	       "TEE_IOC_SHM_ALLOC on teepriv0 and its mmap (the pool's contiguous pages)");
	if (map == MAP_FAILED)
		return;
	memset(map, 0xa5, data.size);
	id = (uint32_t)data.id;
	b.p[1].c = id;
	rc = send_ans(0, 2, &b);
	result(!rc, "SHM_ALLOC answered with the shm id in c (%s)", err_name(rc));

	rc = recv_req(5, 1, &b);
	result(!rc && b.func_or_ret == 1 && b.num_params == 3 &&
	       b.p[1].attr == TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT && b.p[1].a == 0 &&
	       b.p[1].b == 6 && b.p[1].c == id &&
	       b.p[2].attr == TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT && b.p[2].a == 4096 &&
	       b.p[2].b == 19 && b.p[2].c == id,
	       "then func 1: [MEMREF_INPUT offset 0, 6 bytes] [MEMREF_OUTPUT offset 4096, 19 "
	       "bytes] in that memory");
	result(!memcmp(map, devinfo_req, 6) && map[4096] == 0 && map[4096 + 18] == 0 &&
	       map[4096 + 19] == 0xa5,
	       "the request's bytes at offset 0, the response area zeroed");
	memcpy(map + 4096, resp, sizeof(resp));
	rc = send_ans(0, 3, &b);
	rpc_wait(q, &r, t0);
	result(!rc && r.got && r.ret == 0 && r.payload_len == 19 && !memcmp(r.out, resp, 19),
	       "the response bytes the supplicant wrote are the RPC's answer");

	/* The kernel request ends: its memory goes back (SHM_FREE). */
	rc = answer(q, 0);
	rc = rc ? -rc : recv_req(5, 1, &b);
	result(!rc && b.func_or_ret == 7 && b.num_params == 2 && b.p[1].attr == INOUT &&
	       b.p[1].b == id,
	       "when the request is over: SHM_FREE with the id in b (%s, func %u)",
	       err_name(rc), b.func_or_ret);
	munmap(map, data.size);
	close(fd);
	rc = send_ans(0, 2, &b);
	result(!rc && client_done() && c_rc == 0 && c_ret == 0,
	       "SHM_FREE answered; the client gets the request's answer");
}

void own_supplicant_checks(void)
{
	struct tee_ioctl_version_data v = { 0 };
	struct tvv_msg *q;
	int rc;

	sfd = open("/dev/teepriv0", O_RDWR);
	rc = sfd < 0 ? -errno : ioctl(sfd, TEE_IOC_VERSION, &v) ? -errno : 0;
	result(!rc && v.impl_id == TEE_IMPL_ID_OPTEE && v.impl_caps == TEE_OPTEE_CAP_TZ &&
	       v.gen_caps == (TEE_GEN_CAP_GP | TEE_GEN_CAP_PRIVILEGED),
	       "teepriv0's version: OP-TEE, GP, privileged, no REG_MEM (%s, %u %#x %#x)",
	       err_name(rc), v.impl_id, v.impl_caps, v.gen_caps);
	if (rc)
		return;
	q = step_begin(6);
	if (!q)
		return;
	protocol(q);
	rc = answer(q, 0);
	result(!rc && client_done() && c_rc == 0 && c_ret == 0,
	       "own supplicant: the request's answer reaches the client");
	free(q);

	sfd = open("/dev/teepriv0", O_RDWR);
	result(sfd >= 0, "teepriv0 opens again after its supplicant closed it");
	if (sfd < 0)
		return;
	q = step_begin(7);
	if (!q)
		return;
	memory(q);
	free(q);
	close(sfd);
}

// SPDX-License-Identifier: BSD-2-Clause
/*
 * vtee_rpc_check: the teevar-vtee module's supplicant side in the QEMU guest
 * (qemu/guest/teevar/supp-module.sh; the module loaded with supp_enum=1).
 * It holds /dev/teevar-vtee as a fake bridge and is a user client of
 * /dev/tee0 (a thread: open session, invokes), so that the fake bridge
 * receives requests and, while serving them, writes TVV_OP_RPC messages that
 * the module runs against Debian's tee-supplicant 3.19 (started, stopped,
 * killed and restarted here): func 22, RPMB GET_DEV_INFO and a counter read
 * through the supplicant's SHM_ALLOC'd memory, malformed RPCs, no supplicant
 * (a user client waits rpc_timeout_ms, tee_stmm_efi's kernel context fails at
 * once), a supplicant killed while the module holds its memory, a slow one;
 * then it plays the supplicant itself (vtee_rpc_supp.c). Prints TAP lines with the "TV: " prefix (the host renumbers them).
 * Cross-built static for the guest.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/tee.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vtee_rpc_check.h"

#define SUPP "/usr/sbin/tee-supplicant"
#define STMM_DEV "/sys/bus/tee/devices/teevar-vtee-ta-ed32d533-99e6-4209-9cc0-2d72cdd998a7"
#define STMM_UUID "\xed\x32\xd5\x33\x99\xe6\x42\x09\x9c\xc0\x2d\x72\xcd\xd9\x98\xa7"
/* a TA only this test talks to */
#define TEST_UUID "\x7e\x57\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd"


#define RPMB_CID "\xfe\x01\x4e\x4d\x4d\x43\x30\x34\x47\x42\xc8\xf6\x55\x2a\x61\x15"

static int n, fails;

void result(int good, const char *fmt, ...)
{
	va_list ap;

	n++;
	if (!good)
		fails++;
	printf("TV: %sok %d - ", good ? "" : "not ", n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- module parameters ---- */

void set_param(const char *name, unsigned int v)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%u\n", v) < 0 || fclose(f))
		printf("TV: # setting %s failed: %s\n", name, strerror(errno));
}

long get_param(const char *name)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* ---- Debian's tee-supplicant ---- */

static pid_t supp_pid;

/* Does pid hold /dev/teepriv0 open? */
static int holds_teepriv0(pid_t pid)
{
	char dir[64], path[PATH_MAX], link[PATH_MAX];
	struct dirent *e;
	int found = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		ssize_t len;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len > 0) {
			link[len] = 0;
			found = !strcmp(link, "/dev/teepriv0");
		}
	}
	closedir(d);
	return found;
}

/* Start tee-supplicant as its unit does (no argument); 0 once it holds
 * /dev/teepriv0. */
static int supp_start(void)
{
	pid_t pid = fork();
	long t0 = now_ms();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/tmp/tee-supplicant.log", O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(SUPP, SUPP, (char *)NULL);
		_exit(127);
	}
	supp_pid = pid;
	while (now_ms() - t0 < 5000) {
		if (holds_teepriv0(pid))
			return 0;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			supp_pid = 0;
			return -1;
		}
		sleep_ms(20);
	}
	return -1;
}

static void supp_signal(int sig)
{
	if (supp_pid > 0) /* never kill(0, ...) */
		kill(supp_pid, sig);
}

/*
 * Stop the supplicant and wait until every one of its threads has stopped.
 * kill() returns before that: it wakes one thread, which then stops the
 * others, and tee-supplicant runs a thread per waiting RECV. Another thread
 * woken meanwhile by a new request would take it and answer it. The parent
 * hears of the stop (WUNTRACED) once the whole group has stopped.
 */
static void supp_stop(void)
{
	int st;

	if (supp_pid <= 0)
		return;
	kill(supp_pid, SIGSTOP);
	while (waitpid(supp_pid, &st, WUNTRACED) < 0 && errno == EINTR)
		;
}

static void supp_kill(void)
{
	if (supp_pid <= 0)
		return;
	kill(supp_pid, SIGKILL);
	waitpid(supp_pid, NULL, 0);
	supp_pid = 0;
}

/* ---- the fake bridge ---- */

int bfd;
static unsigned char rbuf[TVV_MSG_SIZE + TVV_MAX_PAYLOAD];
static unsigned char wbuf[TVV_MSG_SIZE + TVV_RPC_MAX_IN + 16];
static struct tvv_msg *backlog[8];
static int nback;

/* One message from the module into rbuf within ms; its length or -1. */
static ssize_t bridge_read(int ms)
{
	struct pollfd p = { .fd = bfd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return -1;
	return read(bfd, rbuf, sizeof(rbuf));
}

static struct tvv_msg *copy_msg(size_t len)
{
	struct tvv_msg *m = malloc(len);

	if (m)
		memcpy(m, rbuf, len);
	return m;
}

/* The next kernel request (kept ones first), malloc'd; NULL none within ms. */
static struct tvv_msg *next_request(int ms)
{
	ssize_t len;

	if (nback) {
		struct tvv_msg *m = backlog[0];

		memmove(backlog, backlog + 1, sizeof(backlog[0]) * (size_t)--nback);
		return m;
	}
	len = bridge_read(ms);
	return len >= (ssize_t)TVV_MSG_SIZE ? copy_msg((size_t)len) : NULL;
}

/*
 * A read() whose buffer faults partway (the header straddles a page with no
 * access) fails with EFAULT and leaves the message queued, for the next
 * read(): the module copies it out without its lock and commits after.
 */
static void efault_read_check(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct pollfd p = { .fd = bfd, .events = POLLIN };
	unsigned char *m;
	ssize_t len;
	int e;

	if (poll(&p, 1, 5000) != 1) {
		result(0, "a request is queued for the fake bridge");
		return;
	}
	m = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || mprotect(m + pg, (size_t)pg, PROT_NONE)) {
		result(0, "a buffer with a page it cannot write: %s", strerror(errno));
		return;
	}
	len = read(bfd, m + pg - 100, sizeof(rbuf));
	e = errno;
	p.revents = 0;
	result(len < 0 && e == EFAULT && poll(&p, 1, 0) == 1 && (p.revents & POLLIN),
	       "a read() into a buffer that faults after 100 bytes: EFAULT, and the "
	       "message stays queued (%zd, %s)", len, len < 0 ? strerror(e) : "-");
	munmap(m, (size_t)pg * 2);
}

/* Answer kernel request q with ret (no parameters to give back). */
int answer(const struct tvv_msg *q, uint32_t ret)
{
	struct tvv_msg a;

	memcpy(&a, q, TVV_MSG_SIZE);
	a.op = (uint16_t)(q->op | TVV_RESPONSE);
	a.ret = ret;
	a.ret_origin = ret ? ORIGIN_TA : 0;
	a.payload_len = 0;
	return write(bfd, &a, TVV_MSG_SIZE) == TVV_MSG_SIZE ? 0 : errno;
}

/* A well-formed RPC for q in wbuf; its length. */
size_t rpc_build(const struct tvv_msg *q, uint32_t func, const void *in,
			uint32_t in_len, uint32_t out_len)
{
	struct tvv_msg *m = (struct tvv_msg *)wbuf;

	memset(m, 0, TVV_MSG_SIZE);
	m->magic = TVV_MAGIC;
	m->version = TVV_VERSION;
	m->op = TVV_OP_RPC;
	m->id = q->id;
	m->session = q->session;
	m->func = func;
	m->payload_len = in_len;
	memcpy(m->uuid, q->uuid, sizeof(m->uuid));
	m->login = q->login;
	m->num_params = TVV_NUM_PARAMS;
	m->params[0].attr = TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT;
	m->params[0].a = in_len;
	m->params[1].attr = TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT;
	m->params[1].a = out_len;
	if (in_len)
		memcpy(wbuf + TVV_MSG_SIZE, in, in_len);
	return TVV_MSG_SIZE + in_len;
}

/* write() wbuf; 0 taken, else its errno. */
int rpc_write(size_t len)
{
	ssize_t w = write(bfd, wbuf, len);

	if (w == (ssize_t)len)
		return 0;
	return w < 0 ? errno : EIO;
}

/* Wait for the answer to the RPC of request q (kernel requests that come
 * first are kept for next_request). */
void rpc_wait(const struct tvv_msg *q, struct rpc_res *r, long t0)
{
	for (;;) {
		ssize_t len = bridge_read(20000);
		const struct tvv_msg *m = (const struct tvv_msg *)rbuf;

		if (len < (ssize_t)TVV_MSG_SIZE)
			break;
		if (m->op == (TVV_OP_RPC | TVV_RESPONSE) && m->id == q->id) {
			r->got = m->session == q->session && m->params[0].attr == 5 &&
				 m->params[1].attr == 6 &&
				 len == (ssize_t)(TVV_MSG_SIZE + m->payload_len);
			r->ret = m->ret;
			r->origin = m->ret_origin;
			r->payload_len = m->payload_len;
			r->out_a = m->params[1].a;
			memcpy(r->out, rbuf + TVV_MSG_SIZE,
			       m->payload_len < sizeof(r->out) ? m->payload_len : sizeof(r->out));
			break;
		}
		if (nback < 8)
			backlog[nback++] = copy_msg((size_t)len);
	}
	r->ms = now_ms() - t0;
}

void rpc(const struct tvv_msg *q, uint32_t func, const void *in,
		uint32_t in_len, uint32_t out_len, struct rpc_res *r)
{
	long t0 = now_ms();

	memset(r, 0, sizeof(*r));
	r->werr = rpc_write(rpc_build(q, func, in, in_len, out_len));
	if (!r->werr)
		rpc_wait(q, r, t0);
}

/* ---- the user client of /dev/tee0 (a thread) ---- */

static int go[2], done[2];
uint32_t c_ret, c_origin;
int c_rc;

static int client_open(int fd, uint32_t *session)
{
	struct tee_ioctl_open_session_arg arg;
	struct tee_ioctl_buf_data buf = { (uintptr_t)&arg, sizeof(arg) };

	memset(&arg, 0, sizeof(arg));
	memcpy(arg.uuid, TEST_UUID, 16);
	arg.clnt_login = TEE_IOCTL_LOGIN_PUBLIC;
	if (ioctl(fd, TEE_IOC_OPEN_SESSION, &buf))
		return -errno;
	c_ret = arg.ret;
	c_origin = arg.ret_origin;
	*session = arg.session;
	return 0;
}

static int client_invoke(int fd, uint32_t session, uint32_t func)
{
	struct tee_ioctl_invoke_arg arg;
	struct tee_ioctl_buf_data buf = { (uintptr_t)&arg, sizeof(arg) };

	memset(&arg, 0, sizeof(arg));
	arg.func = func;
	arg.session = session;
	if (ioctl(fd, TEE_IOC_INVOKE, &buf))
		return -errno;
	c_ret = arg.ret;
	c_origin = arg.ret_origin;
	return 0;
}

/* Opens a session, then invokes the func main() writes to go[] (0: close). */
static void *client(void *unused)
{
	int fd = open("/dev/tee0", O_RDWR);
	uint32_t session = 0, func;

	(void)unused;
	c_rc = fd < 0 ? -errno : client_open(fd, &session);
	if (write(done[1], "o", 1) != 1)
		return NULL;
	while (read(go[0], &func, sizeof(func)) == sizeof(func) && func) {
		c_rc = client_invoke(fd, session, func);
		if (write(done[1], "i", 1) != 1)
			return NULL;
	}
	if (fd >= 0) {
		struct tee_ioctl_close_session_arg c = { .session = session };

		ioctl(fd, TEE_IOC_CLOSE_SESSION, &c);
		close(fd);
	}
	if (write(done[1], "c", 1) != 1)
		return NULL;
	return NULL;
}

int client_done(void)
{
	struct pollfd p = { .fd = done[0], .events = POLLIN };
	char c;

	return poll(&p, 1, 10000) == 1 && read(done[0], &c, 1) == 1;
}

/* The client invokes func; the INVOKE the fake bridge then serves. */
struct tvv_msg *step_begin(uint32_t func)
{
	struct tvv_msg *q;

	if (write(go[1], &func, sizeof(func)) != sizeof(func))
		return NULL;
	q = next_request(5000);
	if (!q || q->op != TVV_OP_INVOKE || q->func != func) {
		result(0, "the client's INVOKE %u reaches the fake bridge", func);
		free(q);
		return NULL;
	}
	return q;
}

/* Answer it; the client must get the answer. */
static void step_end(struct tvv_msg *q, const char *what)
{
	int err = answer(q, 0);

	result(!err && client_done() && c_rc == 0 && c_ret == 0,
	       "%s: the request's answer is taken (%s) and reaches the client", what,
	       err ? strerror(err) : "ok");
	free(q);
}

/* ---- RPMB requests (rpmb_req + frames, as OP-TEE's legacy RPC) ---- */

const unsigned char devinfo_req[6] = { 1, 0, 0, 0, 0, 0 };
static unsigned char counter_req[6 + 512];

static int devinfo_ok(const struct rpc_res *r)
{
	return r->got && r->ret == 0 && r->origin == 0 && r->out_a == 19 &&
	       r->payload_len == 19 && !memcmp(r->out, RPMB_CID, 16) &&
	       r->out[16] == 2 && r->out[17] == 1 && r->out[18] == 0;
}

/* ---- the checks ---- */

/* Malformed RPC messages for q: each refused, none reaching the supplicant. */
static void malformed(const struct tvv_msg *q)
{
	struct tvv_msg *m = (struct tvv_msg *)wbuf;
	long base = get_param("supp_requests");
	size_t len;
	int e;

#define BAD(want, what, edit, length)                                               \
	do {                                                                        \
		len = rpc_build(q, 22, devinfo_req, 6, 0);                          \
		edit;                                                               \
		e = rpc_write(length);                                              \
		result(e == (want), "the module refuses an RPC %s (%s)", what,      \
		       e ? strerror(e) : "taken");                                  \
	} while (0)

	BAD(EINVAL, "shorter than a header", (void)0, TVV_MSG_SIZE - 1);
	BAD(EINVAL, "with a bad magic", m->magic ^= 1, len);
	BAD(EINVAL, "with the response bit", m->op |= TVV_RESPONSE, len);
	BAD(EINVAL, "whose params[0] is not MEMREF_INPUT", m->params[0].attr = 7, len);
	BAD(EINVAL, "whose params[1] is not MEMREF_OUTPUT", m->params[1].attr = 5, len);
	BAD(EINVAL, "with a third parameter", m->params[2].attr = 1, len);
	BAD(EINVAL, "with a reserved field set", m->params[0].reserved = 1, len);
	BAD(EINVAL, "with a memref's b set", m->params[1].b = 1, len);
	BAD(EINVAL, "with ret set", m->ret = 1, len);
	BAD(EINVAL, "whose payload_len is not in_len", m->payload_len = 5, len - 1);
	BAD(EINVAL, "shorter than its payload_len", (void)0, len - 1);
	BAD(EINVAL, "longer than its payload_len", (void)0, len + 1);
	BAD(EINVAL, "with an in_len over the limit",
	    (m->params[0].a = m->payload_len = TVV_RPC_MAX_IN + 1),
	    TVV_MSG_SIZE + TVV_RPC_MAX_IN + 1);
	BAD(EINVAL, "with an out_len over the limit", m->params[1].a = TVV_RPC_MAX_OUT + 1, len);
	BAD(EINVAL, "for SHM_ALLOC (the module's own)", m->func = 6, len);
	BAD(EINVAL, "for SHM_FREE (the module's own)", m->func = 7, len);
	BAD(EINVAL, "for RPMB with no output", m->func = 1, len);
	BAD(EINVAL, "naming another session", m->session++, len);
	BAD(EINVAL, "naming another TA", m->uuid[0] ^= 0xff, len);
	BAD(EINVAL, "naming another login", m->login = 7, len);
	BAD(ENOENT, "for no waiting request", m->id += 1000, len);
#undef BAD
	result(get_param("supp_requests") == base,
	       "none of them reached the supplicant (supp_requests %ld)", base);
}

/* No supplicant: a user client's RPC waits for one, then fails. One RPC at a
 * time per request (EBUSY); uuid and login may be zero. */
static void no_supplicant(const struct tvv_msg *q)
{
	struct tvv_msg *m = (struct tvv_msg *)wbuf;
	struct rpc_res r;
	size_t len;
	long t0;
	int e;

	rpc(q, 22, NULL, 0, 0, &r);
	result(!r.werr && r.got && r.ret == TEEC_ERROR_COMMUNICATION &&
	       r.origin == ORIGIN_COMMS && r.ms >= 900 && r.ms < 3000,
	       "no supplicant: a user client's RPC waits rpc_timeout_ms (1000) and fails "
	       "with COMMUNICATION, origin COMMS (%#x %u after %ld ms)", r.ret, r.origin, r.ms);

	len = rpc_build(q, 23, NULL, 0, 0);
	memset(m->uuid, 0, sizeof(m->uuid));
	m->login = 0;
	t0 = now_ms();
	e = rpc_write(len);
	result(!e, "an RPC naming no TA and no login is taken (%s)", e ? strerror(e) : "ok");
	e = rpc_write(rpc_build(q, 22, NULL, 0, 0));
	result(e == EBUSY, "a second RPC for the same request while the first runs: EBUSY (%s)",
	       e ? strerror(e) : "taken");
	memset(&r, 0, sizeof(r));
	rpc_wait(q, &r, t0);
	result(r.got && r.ret == TEEC_ERROR_COMMUNICATION && r.ms >= 900,
	       "and the first is answered (%#x after %ld ms)", r.ret, r.ms);
}

/* func 22 and RPMB through Debian's tee-supplicant in one request. */
static void debian_supplicant(const struct tvv_msg *q)
{
	long base = get_param("supp_requests");
	struct rpc_res r;

	rpc(q, 22, NULL, 0, 0, &r);
	result(r.got && r.ret == TEEC_ERROR_NOT_SUPPORTED && r.origin == 0 && r.payload_len == 0,
	       "RPC 22 (RPMB_PROBE_RESET): Debian's tee-supplicant answers NOT_SUPPORTED (%#x)",
	       r.ret);
	rpc(q, 1, devinfo_req, 6, 19, &r);
	result(devinfo_ok(&r),
	       "RPC 1 GET_DEV_INFO: the emulated eMMC's CID fe014e4d4d4330344742c8f6552a6115, "
	       "size_mult 2, rel_wr 1, ret_code 0 (ret %#x, %u bytes)", r.ret, r.payload_len);
	rpc(q, 1, counter_req, sizeof(counter_req), 512, &r);
	result(r.got && r.ret == 0 && r.payload_len == 512 && r.out[508] == 0 &&
	       r.out[509] == 7 && r.out[510] == 2 && r.out[511] == 0,
	       "RPC 1 counter read before a key: op_result 0x0007, msg_type 0x0200 in the "
	       "response frame (%02x%02x %02x%02x)", r.out[508], r.out[509], r.out[510], r.out[511]);
	rpc(q, 1, devinfo_req, 6, 18, &r);
	result(r.got && r.ret == TEEC_ERROR_BAD_PARAMETERS && r.origin == 0 && r.payload_len == 0,
	       "GET_DEV_INFO with 18 output bytes: the supplicant's BAD_PARAMETERS relayed (%#x)",
	       r.ret);
	rpc(q, 1, devinfo_req, 6, 19, &r);
	result(devinfo_ok(&r), "GET_DEV_INFO again in the same request");
	result(get_param("supp_requests") - base == 6,
	       "one SHM_ALLOC for the request's four RPMB RPCs: its memory is reused "
	       "(%ld requests to the supplicant)", get_param("supp_requests") - base);
}

int main(void)
{
	struct tvv_msg *q, *kq;
	struct rpc_res r;
	sigset_t alrm;
	pthread_t th;
	long base, t0;
	int fd, e;

	counter_req[0] = 0;            /* RPMB_CMD_DATA_REQ */
	counter_req[4] = 1;            /* block_count 1 */
	counter_req[6 + 510] = 0;      /* msg_type 0x0002 (big-endian): read counter */
	counter_req[6 + 511] = 2;
	memcpy(counter_req + 6 + 484, "teevar-nonce-016", 16);

	bfd = open("/dev/teevar-vtee", O_RDWR);
	if (bfd < 0) {
		perror("vtee_rpc_check: /dev/teevar-vtee");
		return 2;
	}
	/* The client thread never takes SIGALRM (vtee_rpc_supp.c's RECV does). */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, NULL);
	if (pipe(go) || pipe(done) || pthread_create(&th, NULL, client, NULL)) {
		perror("vtee_rpc_check");
		return 2;
	}
	pthread_sigmask(SIG_UNBLOCK, &alrm, NULL);
	set_param("rpc_timeout_ms", 1000);

	efault_read_check();
	q = next_request(5000);
	result(q && q->op == TVV_OP_OPEN_SESSION && !memcmp(q->uuid, TEST_UUID, 16),
	       "the client's OPEN_SESSION on /dev/tee0 reaches the fake bridge");
	if (!q)
		return 1;
	e = answer(q, 0);
	result(!e && client_done() && c_rc == 0 && c_ret == 0, "the session opens");
	free(q);
	sleep_ms(300);
	result(access(STMM_DEV, F_OK) != 0,
	       "supp_enum=1: no StMM device while no supplicant has opened teepriv0");

	/* No supplicant yet; the module's checks on the RPC message. */
	q = step_begin(1);
	if (!q)
		return 1;
	malformed(q);
	no_supplicant(q);
	step_end(q, "no supplicant");

	/* Debian's tee-supplicant opens teepriv0: the StMM device appears. */
	result(supp_start() == 0, "Debian's tee-supplicant opens /dev/teepriv0");
	fd = open("/dev/teepriv0", O_RDWR);
	result(fd < 0 && errno == EBUSY, "a second opener of teepriv0 gets EBUSY");
	if (fd >= 0)
		close(fd);
	kq = next_request(10000);
	result(kq && kq->op == TVV_OP_OPEN_SESSION && !memcmp(kq->uuid, STMM_UUID, 16),
	       "supp_enum=1: the StMM device appears with the supplicant, and "
	       "tee_stmm_efi's probe opens its session");
	result(access(STMM_DEV "/need_supplicant", F_OK) == 0,
	       "the StMM device carries need_supplicant");
	if (kq) {
		/* Serving tee_stmm_efi (a kernel context): no supplicant, no wait. */
		supp_kill();
		set_param("rpc_timeout_ms", 3000);
		rpc(kq, 22, NULL, 0, 0, &r);
		result(r.got && r.ret == TEEC_ERROR_COMMUNICATION && r.origin == ORIGIN_COMMS &&
		       r.ms < 1000,
		       "a kernel client's RPC with no supplicant fails at once with COMMUNICATION "
		       "(%ld ms; rpc_timeout_ms 3000)", r.ms);
		answer(kq, TEEC_ERROR_ITEM_NOT_FOUND); /* tee_stmm_efi's probe fails */
		free(kq);
	}
	result(supp_start() == 0, "a new tee-supplicant opens teepriv0 after the first was killed");

	/* Through the supplicant; SHM_FREE once the request is over. */
	base = get_param("supp_requests");
	q = step_begin(2);
	if (!q)
		return 1;
	debian_supplicant(q);
	step_end(q, "RPMB through the supplicant");
	result(get_param("supp_requests") - base == 7,
	       "SHM_FREE when the request is over (%ld requests)", get_param("supp_requests") - base);

	/* The supplicant killed while the request holds its memory. */
	q = step_begin(3);
	if (!q)
		return 1;
	rpc(q, 1, devinfo_req, 6, 19, &r);
	result(devinfo_ok(&r), "GET_DEV_INFO: the request now holds the supplicant's memory");
	supp_kill();
	result(supp_start() == 0,
	       "a supplicant killed (SIGKILL) while the module held its memory: a restarted "
	       "one opens teepriv0 at once");
	rpc(q, 1, devinfo_req, 6, 19, &r);
	result(devinfo_ok(&r), "and serves the same request's next RPMB RPC (new memory)");
	/* Killed again, holding memory, with an RPC waiting for it: its context
	 * is not released (the module holds a tee_shm), yet the RPC fails now. */
	supp_stop();
	t0 = now_ms();
	e = rpc_write(rpc_build(q, 22, NULL, 0, 0));
	sleep_ms(300);
	supp_kill();
	memset(&r, 0, sizeof(r));
	if (!e)
		rpc_wait(q, &r, t0);
	result(r.got && r.ret == TEEC_ERROR_COMMUNICATION && r.origin == ORIGIN_COMMS &&
	       r.ms < 1500,
	       "a supplicant killed holding the request's memory while an RPC waits for it: "
	       "COMMUNICATION at once (%ld ms; rpc_timeout_ms 3000)", r.ms);
	result(supp_start() == 0, "tee-supplicant restarted once more");
	rpc(q, 1, devinfo_req, 6, 19, &r);
	result(devinfo_ok(&r), "and serves the request's next RPMB RPC");
	step_end(q, "supplicant restarted");

	/* A slow supplicant: the request's own timeout is stopped. */
	set_param("timeout_ms", 1000);
	set_param("rpc_timeout_ms", 4000);
	q = step_begin(4);
	if (!q)
		return 1;
	supp_stop();
	t0 = now_ms();
	e = rpc_write(rpc_build(q, 22, NULL, 0, 0));
	sleep_ms(2000);
	supp_signal(SIGCONT);
	memset(&r, 0, sizeof(r));
	if (!e)
		rpc_wait(q, &r, t0);
	result(r.got && r.ret == TEEC_ERROR_NOT_SUPPORTED && r.ms >= 1900,
	       "an RPC the supplicant answers after 2 s (SIGSTOP, SIGCONT): answered (%#x, %ld ms)",
	       r.ret, r.ms);
	step_end(q, "timeout_ms 1000 stopped while its RPC ran");
	set_param("timeout_ms", 15000);

	/* rpc_timeout_ms; a supplicant killed while an RPC waits for it. */
	set_param("rpc_timeout_ms", 1000);
	q = step_begin(5);
	if (!q)
		return 1;
	supp_stop();
	rpc(q, 22, NULL, 0, 0, &r);
	result(r.got && r.ret == TEEC_ERROR_COMMUNICATION && r.origin == ORIGIN_COMMS &&
	       r.ms >= 900 && r.ms < 2500,
	       "rpc_timeout_ms (1000) bounds an RPC the stopped supplicant does not take (%ld ms)",
	       r.ms);
	set_param("rpc_timeout_ms", 4000);
	t0 = now_ms();
	e = rpc_write(rpc_build(q, 22, NULL, 0, 0));
	sleep_ms(300);
	supp_kill();
	memset(&r, 0, sizeof(r));
	if (!e)
		rpc_wait(q, &r, t0);
	result(r.got && r.ret == TEEC_ERROR_COMMUNICATION && r.origin == ORIGIN_COMMS &&
	       r.ms < 1500,
	       "a supplicant killed while an RPC waits for it: COMMUNICATION at once (%ld ms)",
	       r.ms);
	result(supp_start() == 0, "tee-supplicant restarted");
	rpc(q, 22, NULL, 0, 0, &r);
	result(r.got && r.ret == TEEC_ERROR_NOT_SUPPORTED, "and it serves the next RPC (%#x)", r.ret);
	step_end(q, "supplicant killed mid-RPC");

	/* This program as the supplicant: the rules Debian's never breaks. */
	supp_kill();
	own_supplicant_checks();
	set_param("rpc_timeout_ms", 5000);

	/* The client closes its session. */
	e = write(go[1], &(uint32_t){ 0 }, sizeof(uint32_t)) != sizeof(uint32_t);
	q = next_request(5000);
	result(!e && q && q->op == TVV_OP_CLOSE_SESSION && !answer(q, 0) && client_done(),
	       "the client closes its session");
	free(q);
	pthread_join(th, NULL);
	supp_kill();
	close(bfd);
	printf("TV-RPC-CHECK-DONE %d %d\n", n, fails);
	return fails ? 1 : 0;
}

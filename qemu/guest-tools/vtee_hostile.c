// SPDX-License-Identifier: BSD-2-Clause
/*
 * vtee_hostile: a lying bridge, to test the teevar-vtee module's checks in the
 * QEMU guest (qemu/guest/teevar/hostile.sh). It holds /dev/teevar-vtee, so
 * tee_stmm_efi's probe talks to it, and answers every request with malformed
 * messages first, each of which the module must refuse with the right errno,
 * and then as the scenario needs: OPEN_SESSION succeeds, the first INVOKE gets
 * no answer at all (the module's timeout_ms must fail it) and a late answer
 * (ENOENT). Prints TAP lines with the "TV: " prefix (the host renumbers
 * them). Cross-built static for the guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "teevar_vtee.h"

#define STMM_UUID "\xed\x32\xd5\x33\x99\xe6\x42\x09\x9c\xc0\x2d\x72\xcd\xd9\x98\xa7"

static int n, fails;
static unsigned char req[TVV_MSG_SIZE + TVV_MAX_PAYLOAD];
static unsigned char resp[TVV_MSG_SIZE + TVV_MAX_PAYLOAD + 16];

static void result(int good, const char *what)
{
	n++;
	if (!good)
		fails++;
	printf("TV: %sok %d - %s\n", good ? "" : "not ", n, what);
	fflush(stdout);
}

/* Write LEN bytes of resp; the module must refuse them with errno WANT. */
static void refused(int fd, size_t len, int want, const char *what)
{
	char line[160];
	ssize_t r = write(fd, resp, len);
	int err = r < 0 ? errno : 0;

	snprintf(line, sizeof(line), "module refuses %s (%s)", what,
		 err ? strerror(err) : "accepted");
	result(r < 0 && err == want, line);
}

static struct tvv_msg *answer_of(const struct tvv_msg *q)
{
	struct tvv_msg *a = (struct tvv_msg *)resp;

	memcpy(a, q, TVV_MSG_SIZE);
	a->op = (__u16)(q->op | TVV_RESPONSE);
	a->payload_len = 0;
	a->ret = 0;
	a->ret_origin = 4; /* TRUSTED_APP */
	return a;
}

static ssize_t next_request(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, timeout_ms) != 1)
		return -1;
	return read(fd, req, sizeof(req));
}

static void open_session(int fd, const struct tvv_msg *q)
{
	struct tvv_msg *a = answer_of(q);

	result(memcmp(q->uuid, STMM_UUID, 16) == 0 && q->session != 0,
	       "the first request opens the StMM session, named by the module");

	refused(fd, TVV_MSG_SIZE - 1, EINVAL, "a short answer");
	a->magic = 0x12345678;
	refused(fd, TVV_MSG_SIZE, EINVAL, "a bad magic");
	a = answer_of(q);
	a->id = q->id + 1000;
	refused(fd, TVV_MSG_SIZE, ENOENT, "an answer to no request");
	a = answer_of(q);
	a->op = q->op;
	refused(fd, TVV_MSG_SIZE, EINVAL, "an answer without the response bit");
	a = answer_of(q);
	a->params[0].attr = 2;
	refused(fd, TVV_MSG_SIZE, EINVAL, "changed parameter types");
	a = answer_of(q);
	a->params[0].reserved = 1;
	refused(fd, TVV_MSG_SIZE, EINVAL, "a reserved field set");
	a = answer_of(q);
	a->payload_len = 8;
	refused(fd, TVV_MSG_SIZE + 8, EINVAL, "bytes no output parameter asked for");
	refused(fd, sizeof(resp), EINVAL, "a message over the size limit");

	a = answer_of(q);
	a->session = q->session + 1;
	refused(fd, TVV_MSG_SIZE, EINVAL, "an answer that renames the session");

	answer_of(q);
	result(write(fd, resp, TVV_MSG_SIZE) == TVV_MSG_SIZE, "a correct answer is taken");
}

static void invoke_no_answer(int fd, const struct tvv_msg *q)
{
	struct tvv_msg *a = answer_of(q);
	__u64 sent = q->params[0].a;

	result(q->params[0].attr == 7 && q->params[1].attr == 2 &&
	       q->payload_len == sent, "the INVOKE carries an MM buffer (MEMREF_INOUT) and a VALUE_OUTPUT");

	a->params[0].a = sent + 1;
	a->payload_len = (__u32)(sent + 1);
	refused(fd, TVV_MSG_SIZE + sent + 1, EINVAL, "an output memref larger than sent");
	a = answer_of(q);
	a->payload_len = (__u32)sent;
	refused(fd, TVV_MSG_SIZE + sent - 1, EINVAL, "a message shorter than its payload_len");
	a->payload_len = (__u32)(sent - 1);
	refused(fd, TVV_MSG_SIZE + sent - 1, EINVAL, "a payload_len that does not add up");

	/* No answer: the module must give up after timeout_ms (the scenario
	 * sets 2000). */
	sleep(3);
	a = answer_of(q);
	a->payload_len = (__u32)sent;
	refused(fd, TVV_MSG_SIZE + sent, ENOENT, "an answer after the caller's timeout");
}

int main(void)
{
	int fd = open("/dev/teevar-vtee", O_RDWR);
	int fd2;
	ssize_t len;

	if (fd < 0) {
		perror("vtee_hostile: /dev/teevar-vtee");
		return 2;
	}
	fd2 = open("/dev/teevar-vtee", O_RDWR);
	result(fd2 < 0 && errno == EBUSY, "a second opener gets EBUSY");
	if (fd2 >= 0)
		close(fd2);

	len = next_request(fd, 10000);
	result(len >= (ssize_t)TVV_MSG_SIZE && ((struct tvv_msg *)req)->op == TVV_OP_OPEN_SESSION,
	       "tee_stmm_efi's probe sends OPEN_SESSION");
	if (len < (ssize_t)TVV_MSG_SIZE)
		goto out;
	open_session(fd, (struct tvv_msg *)req);

	len = next_request(fd, 10000);
	if (len < (ssize_t)TVV_MSG_SIZE || ((struct tvv_msg *)req)->op != TVV_OP_INVOKE) {
		result(0, "then an INVOKE");
		goto out;
	}
	invoke_no_answer(fd, (struct tvv_msg *)req);

	/* The failed probe closes its session; that CLOSE may have timed out
	 * too while we slept, so it is answered if still there, not tested. */
	len = next_request(fd, 0);
	if (len >= (ssize_t)TVV_MSG_SIZE && ((struct tvv_msg *)req)->op == TVV_OP_CLOSE_SESSION) {
		answer_of((struct tvv_msg *)req);
		if (write(fd, resp, TVV_MSG_SIZE) != TVV_MSG_SIZE)
			perror("vtee_hostile: answering CLOSE_SESSION");
	}
out:
	close(fd);
	printf("TV-HOSTILE-DONE %d %d\n", n, fails);
	return fails ? 1 : 0;
}

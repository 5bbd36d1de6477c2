/* SPDX-License-Identifier: BSD-2-Clause */
/* kill -9 of a process writing through the file-backed emulator: after an
 * acknowledged SetVariable the value is never lost, and the image stays usable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_harness.h"
#include "tv_err.h"
#include "tv_test_util.h"

static int open_file(struct harness *h, const char *path)
{
	memset(h, 0, sizeof(*h));
	memset(h->huk, 0x33, sizeof(h->huk));
	h->cfg.format_blank = true;
	h->cfg.seg_blocks = 16;
	int rc = rpmb_emu_open(path, NULL, &h->emu);
	return rc == TV_OK ? h_mount(h) : rc;
}

/* The child: counts up in variable V1 (and churns V2 so that segments are
 * reused), acknowledging each value on the pipe after tv_store_set returned. */
static void writer(const char *path, int ack)
{
	struct harness h;
	if (open_file(&h, path) != TV_OK)
		_exit(3);
	const struct tv_store_var *v = h_get(h.st, 1);
	uint32_t i = v ? *(const uint32_t *)(const void *)v->data : 0;
	uint8_t churn[600] = {0};
	for (;;) {
		i++;
		churn[0] = (uint8_t)i;
		if (h_set(h.st, 2, churn, sizeof(churn)) != TV_OK ||
		    h_set(h.st, 1, (const uint8_t *)&i, 4) != TV_OK)
			_exit(4);
		if (write(ack, &i, 4) != 4)
			_exit(5);
	}
}

static void test_kill9_after_ack(void **state)
{
	(void)state;
	char *dir = tv_test_tmpdir();
	char path[4200];
	snprintf(path, sizeof(path), "%s/rpmb.img", dir);
	struct rpmb_emu_config ec;
	rpmb_emu_config_default(&ec);
	ec.size_mult = 1;
	struct rpmb_emu *emu;
	assert_int_equal(rpmb_emu_create(path, &ec, &emu), TV_OK);
	rpmb_emu_free(emu);
	uint64_t rng = 5;
	for (int round = 0; round < 12; round++) {
		int fds[2];
		assert_int_equal(pipe(fds), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			writer(path, fds[1]);
		}
		close(fds[1]);
		uint32_t want = 20 + (uint32_t)(tv_test_rand(&rng) % 200), got = 0, acked = 0;
		while (got < want && read(fds[0], &acked, 4) == 4)
			got++;
		kill(pid, SIGKILL);
		int status;
		waitpid(pid, &status, 0);
		uint32_t more;
		while (read(fds[0], &more, 4) == 4)
			acked = more;
		close(fds[0]);
		assert_true(WIFSIGNALED(status));
		assert_int_equal(got, want);

		struct harness h;
		assert_int_equal(open_file(&h, path), TV_OK);
		const struct tv_store_var *v = h_get(h.st, 1);
		assert_non_null(v);
		uint32_t now;
		memcpy(&now, v->data, 4);
		assert_true(now == acked || now == acked + 1);
		h_fini(&h);
	}
	printf("# 12 kill -9 rounds checked\n");
	tv_test_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill9_after_ack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

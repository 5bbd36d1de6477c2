/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kill -9 of teevar-supplicant at random moments of a write workload, many
 * times. While it is gone the secure core serves reads from RAM and fails
 * writes with EFI_DEVICE_ERROR; after it is restarted every variable holds its
 * old or its new value, nothing else changed, and a fresh mount of the media
 * finds exactly that.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "supp_fixture.h"
#include "tv_bytes.h"
#include "tv_err.h"
#include "tv_test_util.h"

#define CYCLES 30
#define NVARS 10

struct tally {
	unsigned landed, lost, ops;
};

static void killer_after(pid_t victim, long delay_us)
{
	struct timespec ts = {.tv_sec = delay_us / 1000000, .tv_nsec = (delay_us % 1000000) * 1000};
	nanosleep(&ts, NULL);
	kill(victim, SIGKILL);
	_exit(0);
}

/* Kills as soon as the device has committed `writes` more write operations,
 * watching the image header's write counter (docs/rpmb-image.md) through a
 * shared mapping: mostly before the answer leaves (a write that landed). */
static void killer_on_commit(struct fx *fx, pid_t victim, uint32_t writes)
{
	int fd = open(fx->image, O_RDONLY | O_CLOEXEC);
	const volatile uint8_t *h = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (fd < 0 || h == MAP_FAILED)
		_exit(1);
	uint32_t start = tv_get_le32((const uint8_t *)(uintptr_t)h + 36);
	for (long spins = 0; spins < 2000000000L; spins++)
		if (tv_get_le32((const uint8_t *)(uintptr_t)h + 36) - start >= writes)
			break;
	kill(victim, SIGKILL);
	_exit(0);
}

/* Writes until one fails (the supplicant died); returns the variable in flight. */
static uint32_t write_until_failure(struct fx *fx, struct fx_model *m, uint8_t *val, size_t *size,
				    struct tally *t)
{
	for (;;) {
		uint32_t n = (uint32_t)(tv_test_rand(&fx->rng) % NVARS);
		efi_status_t s = fx_set_random(fx, m, n, val, size);
		t->ops++;
		if (s != EFI_SUCCESS) {
			assert_int_equal(s, EFI_DEVICE_ERROR);
			return n;
		}
	}
}

static void one_cycle(struct fx *fx, struct fx_model *m, pid_t *supp, struct tally *t)
{
	uint8_t val[FX_VMAX], other[FX_VMAX];
	size_t size, osize;
	uint64_t r = tv_test_rand(&fx->rng);
	pid_t k = fx_fork(fx);
	if (k == 0 && r % 2)
		killer_after(*supp, (long)(r / 2 % 15000));
	if (k == 0)
		killer_on_commit(fx, *supp, (uint32_t)(1 + r / 2 % 40));
	uint32_t n = write_until_failure(fx, m, val, &size, t);
	fx_wait_exit(fx, k, 10000);
	fx_stop(fx, *supp, SIGKILL); /* reap it */
	/* Gone: reads from RAM, with the interrupted write not applied there. */
	fx_assert_model(fx, m);
	assert_int_equal(fx_set(fx, (n + 1) % NVARS, val, 8), EFI_DEVICE_ERROR);
	*supp = fx_supp_start(fx, NULL);
	/* The next write resynchronizes from the media. */
	assert_int_equal(fx_set_random(fx, m, (n + 1) % NVARS, other, &osize), EFI_SUCCESS);
	if (fx_var_equals(fx, n, val, size)) {
		t->landed++;
		m->present[n] = true;
		m->size[n] = size;
		memcpy(m->data[n], val, size);
	} else {
		assert_true(fx_var_is(fx, m, n));
		t->lost++;
	}
	fx_assert_remount(fx, m);
}

static void test_kill9_during_writes(void **state)
{
	struct fx *fx = *state;
	static struct fx_model m;
	memset(&m, 0, sizeof(m));
	uint64_t seed = fx->rng;
	pid_t supp = fx_supp_start(fx, NULL);
	assert_int_equal(fx_core_open(fx, 0), TV_OK);
	uint8_t val[FX_VMAX];
	size_t size;
	for (uint32_t n = 0; n < NVARS; n++)
		assert_int_equal(fx_set_random(fx, &m, n, val, &size), EFI_SUCCESS);
	struct tally t = {0};
	for (int i = 0; i < CYCLES; i++)
		one_cycle(fx, &m, &supp, &t);
	printf("# supplicant kill -9: %d restarts survived, %u writes, in-flight write landed %u, "
	       "lost %u (seed %llu)\n",
	       CYCLES, t.ops, t.landed, t.lost, (unsigned long long)seed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kill9_during_writes, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

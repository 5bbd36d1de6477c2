/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * 8 concurrent clients x 2,000 mixed operations (set, delete, get, list) on
 * shared variables and on variables of their own, through one teevard. Each
 * client records its last acknowledged write to every variable. Afterwards
 * every variable holds the last acknowledged write of some client (its own
 * variables: exactly the owner's), every value read on the way was whole, and
 * the enumeration is complete. argv[1]: the teevard binary.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <teevar/client.h>
#include <teevar/util.h>

#include "tv_test_util.h"
#include "tvd_harness.h"

#define NV_BS_RT 0x7u
#define CLIENTS 8
#define OPS 2000
#define SHARED 6
#define OWN 4
#define NVARS (SHARED + CLIENTS * OWN)
#define MAX_LEN 208u

static const efi_guid_t guid = {{0x6c, 0x6f, 0x61, 0x64, 0x2d, 0x74, 0x65, 0x73, 0x74, 0x00,
				 0x00, 0x00, 0x00, 0x00, 0x00, 0x08}};

/* A write as its value's identity: who, which of its writes, how long. */
struct write {
	bool done;      /* this client has an acknowledged write to the variable */
	bool present;   /* a set (else a delete) */
	uint32_t client, seq, len;
};

struct worker {
	int id;
	const struct tvd_proc *d;
	uint64_t seed;
	uint32_t seq;
	struct write last[NVARS];
	unsigned counts[5];    /* sets, deletes, gets, lists, list restarts */
	char error[256];       /* the first failed check */
};

static void name_of(int v, efi_char16_t out[64])
{
	char s[16];
	if (v < SHARED)
		snprintf(s, sizeof(s), "S%d", v);
	else
		snprintf(s, sizeof(s), "C%d_%d", (v - SHARED) / OWN, (v - SHARED) % OWN);
	tvd_ucs2(out, s);
}

static int owner_of(int v)
{
	return v < SHARED ? -1 : (v - SHARED) / OWN;
}

static void value_of(const struct write *w, uint8_t *out)
{
	memcpy(out, &w->client, 4);
	memcpy(out + 4, &w->seq, 4);
	for (uint32_t i = 8; i < w->len; i++)
		out[i] = (uint8_t)(w->client * 13u + w->seq * 7u + i);
}

/* The write a value came from, if it is a whole value of this test. */
static bool parse_value(const uint8_t *p, size_t n, struct write *w)
{
	if (n < 8 || n > MAX_LEN)
		return false;
	*w = (struct write){.done = true, .present = true, .len = (uint32_t)n};
	memcpy(&w->client, p, 4);
	memcpy(&w->seq, p + 4, 4);
	if (w->client >= CLIENTS)
		return false;
	uint8_t want[MAX_LEN];
	value_of(w, want);
	return memcmp(p, want, n) == 0;
}

static bool same_write(const struct write *a, const struct write *b)
{
	if (a->present != b->present)
		return false;
	return !a->present || (a->client == b->client && a->seq == b->seq && a->len == b->len);
}

#define WCHECK(w, cond)                                                                   \
	do {                                                                              \
		if (!(cond) && !(w)->error[0])                                            \
			snprintf((w)->error, sizeof((w)->error), "client %d: %s (line %d)", \
				 (w)->id, #cond, __LINE__);                               \
	} while (0)

/* Reads v: *out is absent or the write the value came from. */
static efi_status_t read_var(struct tv_client *c, int v, struct write *out)
{
	uint8_t buf[MAX_LEN + 16];
	efi_char16_t u[64];
	name_of(v, u);
	size_t n = sizeof(buf);
	uint32_t attrs = 0;
	efi_status_t st = tv_get_variable(c, u, &guid, &attrs, &n, buf);
	*out = (struct write){.present = false};
	if (st == EFI_SUCCESS && (attrs != NV_BS_RT || !parse_value(buf, n, out)))
		return EFI_DEVICE_ERROR; /* not a whole value of this test */
	return st;
}

static void do_write(struct worker *w, struct tv_client *c, int v, bool present)
{
	uint8_t buf[MAX_LEN];
	struct write x = {.done = true, .present = present, .client = (uint32_t)w->id,
			  .seq = ++w->seq, .len = present ? 8 + (uint32_t)(tv_test_rand(&w->seed) % 200) : 0};
	efi_char16_t u[64];
	name_of(v, u);
	if (present)
		value_of(&x, buf);
	efi_status_t st = tv_set_variable(c, u, &guid, NV_BS_RT, x.len, buf);
	if (!present && st == EFI_NOT_FOUND) { /* nothing to delete: no write happened */
		WCHECK(w, owner_of(v) < 0 || !w->last[v].present);
		return;
	}
	WCHECK(w, st == EFI_SUCCESS);
	if (st == EFI_SUCCESS)
		w->last[v] = x;
	w->counts[present ? 0 : 1]++;
}

static void do_read(struct worker *w, struct tv_client *c, int v)
{
	struct write got;
	efi_status_t st = read_var(c, v, &got);
	WCHECK(w, st == EFI_SUCCESS || st == EFI_NOT_FOUND);
	if (owner_of(v) == w->id) /* nobody else writes it: read your writes */
		WCHECK(w, same_write(&got, &w->last[v]));
	w->counts[2]++;
}

/* A walk while others change the store: a name deleted under the walk ends
 * it with INVALID_PARAMETER, which a caller handles by starting again. */
static void do_list(struct worker *w, struct tv_client *c)
{
	efi_char16_t name[64] = {0};
	efi_guid_t g = {{0}};
	for (int steps = 0; steps < 10 * NVARS; steps++) {
		size_t size = sizeof(name);
		efi_status_t st = tv_get_next_variable(c, &size, name, &g);
		if (st == EFI_NOT_FOUND)
			break;
		if (st == EFI_INVALID_PARAMETER) {
			w->counts[4]++;
			break;
		}
		WCHECK(w, st == EFI_SUCCESS);
		if (st != EFI_SUCCESS)
			break;
	}
	w->counts[3]++;
}

static void *run_worker(void *arg)
{
	struct worker *w = arg;
	struct tv_client *c = tvd_client(w->d);
	WCHECK(w, c != NULL);
	for (int i = 0; c && i < OPS && !w->error[0]; i++) {
		unsigned r = (unsigned)(tv_test_rand(&w->seed) % 100);
		int shared = (int)(tv_test_rand(&w->seed) % SHARED);
		int own = SHARED + w->id * OWN + (int)(tv_test_rand(&w->seed) % OWN);
		if (r < 35)
			do_write(w, c, shared, true);
		else if (r < 45)
			do_write(w, c, shared, false);
		else if (r < 60)
			do_write(w, c, own, true);
		else if (r < 65)
			do_write(w, c, own, false);
		else if (r < 90)
			do_read(w, c, r & 1 ? shared : own);
		else
			do_list(w, c);
	}
	tv_client_close(c);
	return NULL;
}

/* The final value must be the last acknowledged write of some client. */
static void check_final(struct tv_client *c, const struct worker *w, int v, bool *present)
{
	struct write got;
	efi_status_t st = read_var(c, v, &got);
	assert_true(st == EFI_SUCCESS || st == EFI_NOT_FOUND);
	*present = st == EFI_SUCCESS;
	int owner = owner_of(v);
	if (owner >= 0) {
		assert_true(same_write(&got, &w[owner].last[v]));
		return;
	}
	bool any = false, match = false;
	for (int k = 0; k < CLIENTS; k++) {
		if (!w[k].last[v].done)
			continue;
		any = true;
		match = match || same_write(&got, &w[k].last[v]);
	}
	assert_true(any ? match : !*present);
}

static void check_enumeration(struct tv_client *c, const bool *present)
{
	bool seen[NVARS] = {false};
	efi_char16_t name[64] = {0}, want[64];
	efi_guid_t g = {{0}};
	for (;;) {
		size_t size = sizeof(name);
		efi_status_t st = tv_get_next_variable(c, &size, name, &g);
		if (st == EFI_NOT_FOUND)
			break;
		assert_int_equal(st, EFI_SUCCESS);
		if (memcmp(&g, &guid, sizeof(g)) != 0)
			continue; /* the service's own (SetupMode...) */
		int v = 0;
		for (; v < NVARS; v++) {
			name_of(v, want);
			size_t want_size = (tv_ucs2_strnlen(want, 64) + 1) * 2;
			if (want_size == size && memcmp(want, name, size) == 0)
				break;
		}
		assert_true(v < NVARS);
		assert_false(seen[v]); /* no duplicates */
		seen[v] = true;
	}
	for (int v = 0; v < NVARS; v++)
		assert_int_equal(seen[v], present[v]); /* complete */
}

static void test_concurrent_clients(void **state)
{
	(void)state;
	static const char *const extra[] = {"--max-clients", "16", NULL};
	char *dir = tv_test_tmpdir();
	struct tvd_proc d;
	assert_int_equal(tvd_start(&d, dir, extra), 0);
	static struct worker w[CLIENTS];
	pthread_t th[CLIENTS];
	for (int i = 0; i < CLIENTS; i++) {
		w[i] = (struct worker){.id = i, .d = &d, .seed = 1000 + (uint64_t)i};
		assert_int_equal(pthread_create(&th[i], NULL, run_worker, &w[i]), 0);
	}
	unsigned totals[5] = {0};
	for (int i = 0; i < CLIENTS; i++) {
		pthread_join(th[i], NULL);
		if (w[i].error[0])
			fail_msg("%s", w[i].error);
		for (int k = 0; k < 5; k++)
			totals[k] += w[i].counts[k];
	}
	struct tv_client *c = tvd_client(&d);
	assert_non_null(c);
	bool present[NVARS];
	for (int v = 0; v < NVARS; v++)
		check_final(c, w, v, &present[v]);
	check_enumeration(c, present);
	tv_client_close(c);
	assert_int_equal(tvd_stop(&d, SIGTERM), 0);
	assert_true(tvd_log_clean(&d));
	printf("# %d clients x %d ops checked: %u sets, %u deletes, %u gets, %u lists (%u cut "
	       "short by a concurrent delete)\n", CLIENTS, OPS, totals[0], totals[1], totals[2],
	       totals[3], totals[4]);
	tv_test_rmtree(dir);
	free(dir);
}

int main(int argc, char **argv)
{
	tvd_harness_init(argc > 1 ? argv[1] : NULL);
	if (!tvd_harness_binary()) {
		fprintf(stderr, "usage: test_teevard_load TEEVARD\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_clients),
	};
	return cmocka_run_group_tests_name("teevard load", tests, NULL, NULL);
}

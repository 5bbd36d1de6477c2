/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Store benchmarks on the default emulated RPMB (4 MiB). One line per metric:
 *   BENCH <metric> <value> <unit>
 * Write-operation ratios count authenticated write operations (cleaning
 * included) against the minimum ceil((16 + 4 + name + data + 32) / (256 x
 * blocks per write)) per SetVariable, summed over the workload.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "huk.h"
#include "rpmb_auth.h"
#include "rpmb_emu.h"
#include "store.h"
#include "tv_err.h"

struct bench {
	struct rpmb_emu *emu;
	struct tv_rpmb rpmb;
	struct tv_store *st;
	uint8_t huk[32];
	uint32_t bpw;       /* blocks per write */
	uint64_t min_ops;   /* sum of per-SetVariable minimums */
	uint64_t rng;
};

static uint64_t rnd(struct bench *b)
{
	b->rng ^= b->rng << 13;
	b->rng ^= b->rng >> 7;
	b->rng ^= b->rng << 17;
	return b->rng;
}

static uint32_t rnd_range(struct bench *b, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(rnd(b) % (hi - lo + 1));
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench: %s: %s\n", what, tv_strerror(rc));
	exit(1);
}

static void mount(struct bench *b)
{
	struct tv_rpmb_config rc = {.allow_key_program = true};
	struct tv_store_config sc = {.format_blank = true};
	uint8_t key[32];
	int r = tv_rpmb_open(&b->rpmb, rpmb_emu_dev(b->emu), b->huk, &rc);
	if (r == TV_OK)
		r = tv_store_key_derive(b->huk, b->rpmb.info.cid, key);
	if (r == TV_OK)
		r = tv_store_open(&b->rpmb, key, &sc, &b->st);
	if (r != TV_OK)
		die("mount", r);
}

static void unmount(struct bench *b)
{
	tv_store_close(b->st);
	tv_rpmb_close(&b->rpmb);
}

static void bench_init(struct bench *b, uint8_t rel_wr, uint64_t seed)
{
	memset(b, 0, sizeof(*b));
	memset(b->huk, 0x5A, sizeof(b->huk));
	struct rpmb_emu_config ec;
	rpmb_emu_config_default(&ec);
	ec.rel_wr_sec_c = rel_wr;
	if (rpmb_emu_new_mem(&ec, &b->emu) != TV_OK)
		die("emulator", TV_ENOMEM);
	b->bpw = 2u * rel_wr;
	b->rng = seed;
	mount(b);
}

static void bench_fini(struct bench *b)
{
	unmount(b);
	rpmb_emu_free(b->emu);
}

/* Sets variable <prefix><n> to size bytes of fresh data. */
static int set_var(struct bench *b, char prefix, uint32_t n, uint32_t size)
{
	static uint8_t data[8192];
	uint8_t name[2 * 16];
	char s[16];
	int len = snprintf(s, sizeof(s), "%c%u", prefix, n);
	if (len < 0 || len > 15)
		die("name", TV_EINVAL);
	memset(name, 0, sizeof(name));
	for (int i = 0; i < len; i++)
		name[2 * i] = (uint8_t)s[i];
	for (uint32_t i = 0; i < size; i++)
		data[i] = (uint8_t)rnd(b);
	struct tv_store_var v = {.name = name, .name_size = (uint16_t)(2 * (len + 1)), .attrs = 7,
				 .data = data, .data_size = size};
	v.guid[0] = 0x8B;
	int rc = tv_store_set(b->st, &v);
	if (rc == TV_OK) {
		uint64_t bytes = 16 + 4 + v.name_size + size + 32;
		uint64_t per_op = 256u * b->bpw;
		b->min_ops += (bytes + per_op - 1) / per_op;
	}
	return rc;
}

static uint64_t store_used(struct bench *b)
{
	struct tv_store_stats s;
	tv_store_get_stats(b->st, &s);
	return s.used;
}

static uint64_t store_capacity(struct bench *b)
{
	struct tv_store_stats s;
	tv_store_get_stats(b->st, &s);
	return s.capacity;
}

/* Cold variables of 16..4096 bytes until `target` bytes are used. */
static void cold_fill(struct bench *b, uint64_t target)
{
	for (uint32_t n = 0; store_used(b) < target; n++) {
		int rc = set_var(b, 'C', n, rnd_range(b, 16, 4096));
		if (rc != TV_OK)
			die("cold fill", rc);
	}
}

static double write_ratio(struct bench *b)
{
	struct tv_store_stats s;
	tv_store_get_stats(b->st, &s);
	fprintf(stderr, "bench: %llu write operations for a minimum of %llu; %llu segments "
		"reused, %llu cleaned (%llu bytes copied), %llu checkpoints, %llu compactions\n",
		(unsigned long long)b->rpmb.stats.write_ops, (unsigned long long)b->min_ops,
		(unsigned long long)s.reused_segments, (unsigned long long)s.gc_segments,
		(unsigned long long)s.gc_bytes, (unsigned long long)s.ckpt_writes,
		(unsigned long long)s.compactions);
	return (double)b->rpmb.stats.write_ops / (double)b->min_ops;
}

static void check_capacity_rule(struct bench *b)
{
	/* reported NV capacity >= a quarter of the RPMB area the store uses */
	uint64_t area = (uint64_t)tv_rpmb_blocks(&b->rpmb) * 256;
	if (store_capacity(b) * 4 < area)
		die("capacity below a quarter of the area", TV_EINVAL);
}

static void bench_hotcold(uint8_t rel_wr, const char *suffix)
{
	struct bench b;
	bench_init(&b, rel_wr, 0x1234567ull);
	check_capacity_rule(&b);
	uint64_t write_ops0 = b.rpmb.stats.write_ops; /* the superblock */
	cold_fill(&b, store_capacity(&b) / 2);
	for (uint32_t i = 0; i < 20000; i++) {
		int rc = set_var(&b, 'H', (uint32_t)(rnd(&b) % 20), rnd_range(&b, 8, 64));
		if (rc != TV_OK)
			die("hot update", rc);
	}
	b.rpmb.stats.write_ops -= write_ops0;
	printf("BENCH rpmb_write_ops_ratio_hotcold%s %.3f ratio\n", suffix, write_ratio(&b));
	bench_fini(&b);
}

static void bench_uniform(uint8_t rel_wr, const char *suffix)
{
	struct bench b;
	bench_init(&b, rel_wr, 0xBEEFull);
	uint64_t write_ops0 = b.rpmb.stats.write_ops;
	for (uint32_t n = 0; n < 200; n++)
		if (set_var(&b, 'U', n, rnd_range(&b, 16, 1024)) != TV_OK)
			die("uniform create", TV_EIO);
	cold_fill(&b, store_capacity(&b) / 2);
	for (uint32_t i = 0; i < 20000; i++) {
		int rc = set_var(&b, 'U', (uint32_t)(rnd(&b) % 200), rnd_range(&b, 16, 1024));
		if (rc != TV_OK)
			die("uniform update", rc);
	}
	b.rpmb.stats.write_ops -= write_ops0;
	printf("BENCH rpmb_write_ops_ratio_uniform%s %.3f ratio\n", suffix, write_ratio(&b));
	bench_fini(&b);
}

/* The cleaner's worst case: every variable is updated uniformly at random and
 * together they fill 95% of the reported capacity (no cold data to leave alone). */
static void bench_uniform_full(uint8_t rel_wr, const char *suffix)
{
	struct bench b;
	bench_init(&b, rel_wr, 0xF00Dull);
	uint64_t write_ops0 = b.rpmb.stats.write_ops;
	uint32_t n = 0;
	while (store_used(&b) < store_capacity(&b) * 95 / 100)
		if (set_var(&b, 'W', n++, rnd_range(&b, 16, 1024)) != TV_OK)
			die("full create", TV_EIO);
	for (uint32_t i = 0; i < 20000; i++) {
		/* a same-size update keeps the store at 95% */
		uint32_t k = (uint32_t)(rnd(&b) % n);
		int rc = set_var(&b, 'W', k, 16 + (uint32_t)(rnd(&b) % 64));
		if (rc == TV_OK)
			rc = set_var(&b, 'W', k, rnd_range(&b, 16, 1024));
		if (rc != TV_OK && rc != TV_ENOSPC)
			die("full update", rc);
	}
	b.rpmb.stats.write_ops -= write_ops0;
	printf("BENCH rpmb_write_ops_ratio_uniform_full95%s %.3f ratio\n", suffix, write_ratio(&b));
	bench_fini(&b);
}

static void bench_gets(void)
{
	struct bench b;
	bench_init(&b, 1, 77);
	for (uint32_t n = 0; n < 100; n++)
		set_var(&b, 'G', n, 100);
	unmount(&b);
	mount(&b);
	rpmb_emu_stats_reset(b.emu);
	uint8_t name[8] = {'G', 0, '7', 0, 0, 0};
	uint8_t guid[16] = {0x8B};
	uint32_t found = 0;
	for (int i = 0; i < 10000; i++)
		found += tv_store_get(b.st, guid, name, 6) != NULL;
	struct rpmb_emu_stats es;
	rpmb_emu_stats(b.emu, &es);
	if (found != 10000)
		die("get", TV_ENOENT);
	printf("BENCH rpmb_ops_per_get %llu ops\n",
	       (unsigned long long)(es.read_ops + es.write_ops + es.counter_reads));
	bench_fini(&b);
}

static void bench_mount(void)
{
	struct bench b;
	bench_init(&b, 1, 5);
	uint32_t n = 0;
	while (set_var(&b, 'F', n, rnd_range(&b, 16, 4096)) == TV_OK)
		n++;
	double t[7];
	for (int i = 0; i < 7; i++) {
		unmount(&b);
		double t0 = bench_now_us();
		mount(&b);
		t[i] = (bench_now_us() - t0) / 1e3;
	}
	printf("BENCH store_mount_ms %.2f ms\n", bench_median(t, 7));
	bench_fini(&b);
}

/* Mount cost on a 16 MiB RPMB (the largest): 100 variables of 16..4096 bytes,
 * 20,000 updates of random ones to random sizes, then a mount with the latency
 * model at 1 ms per read operation (counter reads included) plus 20 us per
 * block read. Also the write cost of keeping the mount small there. */
static void bench_mount_live(void)
{
	struct bench b;
	memset(&b, 0, sizeof(b));
	memset(b.huk, 0x5A, sizeof(b.huk));
	struct rpmb_emu_config ec;
	rpmb_emu_config_default(&ec);
	ec.size_mult = 128;
	if (rpmb_emu_new_mem(&ec, &b.emu) != TV_OK)
		die("emulator", TV_ENOMEM);
	b.bpw = 2;
	b.rng = 0x5EEDull;
	mount(&b);
	uint64_t ops0 = b.rpmb.stats.write_ops;
	for (uint32_t n = 0; n < 100; n++)
		if (set_var(&b, 'M', n, rnd_range(&b, 16, 4096)) != TV_OK)
			die("mount bench create", TV_EIO);
	for (uint32_t i = 0; i < 20000; i++)
		if (set_var(&b, 'M', (uint32_t)(rnd(&b) % 100), rnd_range(&b, 16, 4096)) != TV_OK)
			die("mount bench update", TV_EIO);
	b.rpmb.stats.write_ops -= ops0;
	double wr = write_ratio(&b);
	uint64_t live = tv_store_live_blocks(b.st);
	unmount(&b);
	rpmb_emu_set_latency(b.emu, 0, 1000);
	rpmb_emu_set_read_block_latency(b.emu, 20);
	rpmb_emu_stats_reset(b.emu);
	mount(&b);
	struct rpmb_emu_stats es;
	rpmb_emu_stats(b.emu, &es);
	fprintf(stderr, "bench: mount read %llu blocks in %llu operations (+%llu counter "
		"reads) for %llu blocks of live records\n", (unsigned long long)es.blocks_read,
		(unsigned long long)es.read_ops, (unsigned long long)es.counter_reads,
		(unsigned long long)live);
	printf("BENCH store_mount_read_ratio %.3f ratio\n", (double)es.blocks_read / (double)live);
	printf("BENCH store_mount_modelled_ms %.1f ms\n", (double)es.modelled_us / 1e3);
	printf("BENCH rpmb_write_ops_ratio_mount_bench %.3f ratio\n", wr);
	bench_fini(&b);
}

int main(void)
{
	bench_hotcold(1, "");
	bench_hotcold(16, "_b32");
	bench_uniform(1, "");
	bench_uniform(16, "_b32");
	bench_uniform_full(1, "");
	bench_gets();
	bench_mount();
	bench_mount_live();
	return 0;
}

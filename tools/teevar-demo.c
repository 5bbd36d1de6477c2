/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevar-demo: the storage layer end to end, on a state directory.
 * Formats an emulated 4 MiB RPMB image on first use, stores a few variables,
 * reads them back and prints the store's statistics. Each run bumps a counter
 * variable, so a second run shows that the values persisted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "huk.h"
#include "rpmb_auth.h"
#include "rpmb_emu.h"
#include "store.h"
#include "tv_err.h"

static const uint8_t global_guid[16] = { /* 8be4df61-93ca-11d2-aa0d-00e098032b8c */
	0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
	0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c};

struct demo {
	struct rpmb_emu *emu;
	struct tv_rpmb rpmb;
	struct tv_store *st;
};

static size_t ucs2(const char *s, uint8_t *out, size_t max)
{
	size_t n = strlen(s);
	if (2 * (n + 1) > max)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		out[2 * i] = (uint8_t)s[i];
		out[2 * i + 1] = 0;
	}
	return 2 * (n + 1);
}

static int open_device(const char *dir, struct rpmb_emu **emu)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/rpmb.img", dir);
	struct rpmb_emu_config cfg;
	rpmb_emu_config_default(&cfg);
	cfg.sync = true;
	int rc = rpmb_emu_open(path, &cfg, emu);
	if (rc == TV_ENOENT) {
		printf("creating emulated RPMB image %s (4 MiB)\n", path);
		rc = rpmb_emu_create(path, &cfg, emu);
	}
	return rc;
}

static int demo_open(const char *dir, struct demo *d)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return TV_EIO;
	char path[4096];
	uint8_t huk[TV_HUK_SIZE], key[TV_KEY_SIZE];
	snprintf(path, sizeof(path), "%s/huk", dir);
	int rc = tv_huk_load_or_create(path, huk);
	if (rc == TV_OK)
		rc = open_device(dir, &d->emu);
	struct tv_rpmb_config rcfg = {.allow_key_program = true};
	if (rc == TV_OK)
		rc = tv_rpmb_open(&d->rpmb, rpmb_emu_dev(d->emu), huk, &rcfg);
	if (rc == TV_OK && d->rpmb.key_programmed_now)
		printf("programmed the RPMB key (derived from the HUK and the eMMC CID)\n");
	if (rc == TV_OK)
		rc = tv_store_key_derive(huk, d->rpmb.info.cid, key);
	struct tv_store_config scfg = {.format_blank = true};
	if (rc == TV_OK)
		rc = tv_store_open(&d->rpmb, key, &scfg, &d->st);
	return rc;
}

static int put(struct demo *d, const char *name, const void *data, uint32_t size)
{
	struct tv_store_var v = {.attrs = 0x7, .data = data, .data_size = size};
	uint8_t n[128];
	memcpy(v.guid, global_guid, 16);
	v.name = n;
	v.name_size = (uint16_t)ucs2(name, n, sizeof(n));
	int rc = tv_store_set(d->st, &v);
	printf("  set %-12s %4u bytes: %s\n", name, size, tv_strerror(rc));
	return rc;
}

static uint32_t run_count(struct demo *d)
{
	uint8_t n[64];
	size_t ns = ucs2("DemoRuns", n, sizeof(n));
	const struct tv_store_var *v = tv_store_get(d->st, global_guid, n, ns);
	uint32_t count = 0;
	if (v && v->data_size == 4)
		memcpy(&count, v->data, 4);
	return count;
}

static void list(struct demo *d)
{
	printf("variables (read from RAM, no RPMB access):\n");
	for (const struct tv_store_var *v = tv_store_first(d->st); v; v = tv_store_next(d->st, v)) {
		char name[64];
		size_t i;
		for (i = 0; i + 1 < sizeof(name) && 2 * i < v->name_size && v->name[2 * i]; i++)
			name[i] = (char)v->name[2 * i];
		name[i] = '\0';
		printf("  %-12s attrs 0x%02x, %u bytes:", name, v->attrs, v->data_size);
		for (uint32_t b = 0; b < v->data_size && b < 16; b++)
			printf(" %02x", v->data[b]);
		printf("%s\n", v->data_size > 16 ? " ..." : "");
	}
}

static void stats(struct demo *d)
{
	struct tv_store_stats s;
	tv_store_get_stats(d->st, &s);
	printf("store: %u variables, %llu of %llu bytes used, %llu remaining, "
	       "largest new variable %llu bytes\n", s.var_count, (unsigned long long)s.used,
	       (unsigned long long)s.capacity, (unsigned long long)s.remaining,
	       (unsigned long long)s.max_var_now);
	printf("layout: %u segments of %u bytes, %u free\n", s.seg_count, s.seg_bytes,
	       s.free_segs);
	printf("rpmb: write counter %u, this run: %llu authenticated writes, %llu reads "
	       "(%llu blocks)\n", s.write_counter, (unsigned long long)d->rpmb.stats.write_ops,
	       (unsigned long long)d->rpmb.stats.read_ops,
	       (unsigned long long)d->rpmb.stats.blocks_read);
}

int main(int argc, char **argv)
{
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: teevar-demo [STATE_DIR]\n"
				"Stores and reads back UEFI variables on an emulated RPMB image in\n"
				"STATE_DIR (default ./teevar-state), then prints statistics.\n");
		return argc == 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
	}
	const char *dir = argc == 2 ? argv[1] : "teevar-state";
	struct demo d = {0};
	int rc = demo_open(dir, &d);
	if (rc != TV_OK) {
		fprintf(stderr, "teevar-demo: cannot open the store in %s: %s\n", dir, tv_strerror(rc));
		return 1;
	}
	uint32_t runs = run_count(&d) + 1;
	printf("mounted the store in %s (run %u)\n", dir, runs);
	static const uint8_t boot_order[] = {0x01, 0x00, 0x00, 0x00};
	static const uint8_t timeout[] = {0x05, 0x00};
	static const char lang[] = "en-US";
	put(&d, "BootOrder", boot_order, sizeof(boot_order));
	put(&d, "Timeout", timeout, sizeof(timeout));
	put(&d, "PlatformLang", lang, sizeof(lang));
	rc = put(&d, "DemoRuns", &runs, sizeof(runs));
	list(&d);
	stats(&d);
	tv_store_close(d.st);
	tv_rpmb_close(&d.rpmb);
	rpmb_emu_free(d.emu);
	return rc == TV_OK ? 0 : 1;
}

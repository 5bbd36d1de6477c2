/* SPDX-License-Identifier: BSD-2-Clause */
/* The secure core's state directory: a missing piece of an existing store is
 * refused and never recreated, --format starts over on purpose, loose
 * permissions are warned about, and file-system failures name their path and
 * cause (tv_err_detail). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "huk.h"
#include "secure_core.h"
#include "tv_err.h"
#include "tv_test_util.h"

static void config(struct tv_secure_config *cfg)
{
	tv_secure_config_default(cfg);
	cfg->sync = false;
	cfg->emu.size_mult = 1;
}

static char *path_of(const char *dir, const char *name)
{
	char *p;
	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

static bool exists(const char *dir, const char *name)
{
	char *p = path_of(dir, name);
	struct stat st;
	bool yes = lstat(p, &st) == 0;
	free(p);
	return yes;
}

static void remove_file(const char *dir, const char *name)
{
	char *p = path_of(dir, name);
	assert_int_equal(unlink(p), 0);
	free(p);
}

static void assert_detail_has(const char *text)
{
	if (!strstr(tv_err_detail(), text))
		fail_msg("detail '%s' lacks '%s'", tv_err_detail(), text);
}

/* One variable "A" in the store, so that a new store can be told apart. */
static void put_variable(struct tv_secure *sec)
{
	static const uint8_t name[] = {'A', 0, 0, 0};
	static const uint8_t data[] = {0x42};
	struct tv_store_var v = {.name = name, .name_size = sizeof(name), .attrs = 7,
				 .data = data, .data_size = sizeof(data)};
	assert_int_equal(tv_store_set(tv_secure_store(sec), &v), TV_OK);
}

static uint32_t variables(struct tv_secure *sec)
{
	struct tv_store_stats st;
	tv_store_get_stats(tv_secure_store(sec), &st);
	return st.var_count;
}

/* A state directory with a store that holds one variable. */
/* A state directory with one variable in its store, less `file` if given. */
static char *store_with_variable(const struct tv_secure_config *cfg, const char *file)
{
	char *dir = tv_test_tmpdir();
	struct tv_secure *sec;
	assert_int_equal(tv_secure_open(dir, cfg, &sec), TV_OK);
	put_variable(sec);
	tv_secure_close(sec);
	if (file)
		remove_file(dir, file);
	return dir;
}

static void drop_dir(char *dir)
{
	tv_test_rmtree(dir);
	free(dir);
}

static void test_missing_image_refused(void **state)
{
	(void)state;
	struct tv_secure_config cfg;
	config(&cfg);
	char *dir = store_with_variable(&cfg, "rpmb.img");
	struct tv_secure *sec;
	tv_err_clear_detail();
	assert_int_equal(tv_secure_open(dir, &cfg, &sec), TV_ECORRUPT);
	assert_detail_has("rpmb.img is missing, but");
	assert_detail_has("rpmb-provisioned");
	assert_detail_has("teevard --format or teevar --format");
	assert_false(exists(dir, "rpmb.img")); /* nothing recreated */
	assert_true(exists(dir, "rpmb-provisioned"));
	/* On purpose: a new image, keyed and formatted, empty. */
	cfg.format = true;
	assert_int_equal(tv_secure_open(dir, &cfg, &sec), TV_OK);
	assert_int_equal(variables(sec), 0);
	tv_secure_close(sec);
	/* And from then on it opens as usual. */
	cfg.format = false;
	assert_int_equal(tv_secure_open(dir, &cfg, &sec), TV_OK);
	tv_secure_close(sec);
	drop_dir(dir);
}

static void test_missing_huk_refused(void **state)
{
	(void)state;
	struct tv_secure_config cfg;
	config(&cfg);
	char *dir = store_with_variable(&cfg, "huk");
	struct tv_secure *sec;
	tv_err_clear_detail();
	assert_int_equal(tv_secure_open(dir, &cfg, &sec), TV_ECORRUPT);
	assert_detail_has("huk is missing, but");
	assert_detail_has("rpmb.img exists");
	assert_detail_has("restore huk from its backup");
	assert_detail_has("--format");
	assert_false(exists(dir, "huk"));
	/* Only the marker left (no image either): still refused. */
	remove_file(dir, "rpmb.img");
	assert_int_equal(tv_secure_open(dir, &cfg, &sec), TV_ECORRUPT);
	assert_false(exists(dir, "huk"));
	assert_false(exists(dir, "rpmb.img"));
	drop_dir(dir);
}

/* --format with a lost HUK: the old image, keyed with it, cannot be used
 * again; it is replaced by a new device keyed with a new HUK. */
static void test_format_replaces_image_of_lost_huk(void **state)
{
	(void)state;
	struct tv_secure_config cfg;
	config(&cfg);
	char *dir = store_with_variable(&cfg, "huk");
	cfg.format = true;
	struct tv_secure *sec;
	assert_int_equal(tv_secure_open(dir, &cfg, &sec), TV_OK);
	assert_int_equal(variables(sec), 0);
	put_variable(sec);
	tv_secure_close(sec);
	assert_true(exists(dir, "huk"));
	cfg.format = false;
	assert_int_equal(tv_secure_open(dir, &cfg, &sec), TV_OK);
	assert_int_equal(variables(sec), 1);
	tv_secure_close(sec);
	drop_dir(dir);
}

/* Through a route the directory does not own: a lost HUK stays refused, even
 * with --format (the device keeps its key), and no HUK is created. */
static void test_route_lost_huk_refused(void **state)
{
	(void)state;
	struct tv_secure_config cfg;
	config(&cfg);
	struct rpmb_emu *dev;
	assert_int_equal(rpmb_emu_new_mem(&cfg.emu, &dev), TV_OK);
	char *dir = tv_test_tmpdir();
	struct tv_secure *sec;
	assert_int_equal(tv_secure_open_dev(dir, &cfg, rpmb_emu_dev(dev), &sec), TV_OK);
	tv_secure_close(sec);
	remove_file(dir, "huk");
	tv_err_clear_detail();
	assert_int_equal(tv_secure_open_dev(dir, &cfg, rpmb_emu_dev(dev), &sec), TV_ECORRUPT);
	assert_detail_has("huk is missing, but");
	assert_detail_has("rpmb-provisioned exists");
	cfg.format = true;
	assert_int_equal(tv_secure_open_dev(dir, &cfg, rpmb_emu_dev(dev), &sec), TV_ECORRUPT);
	assert_detail_has("--format cannot help");
	assert_false(exists(dir, "huk"));
	assert_true(exists(dir, "rpmb-provisioned"));
	rpmb_emu_free(dev);
	drop_dir(dir);
}

/* --format on the emulated device gives up a store in use: a new image. */
static void test_format_gives_up_store(void **state)
{
	(void)state;
	struct tv_secure_config cfg;
	config(&cfg);
	char *dir = store_with_variable(&cfg, NULL);
	struct tv_secure *sec;
	cfg.format = true;
	assert_int_equal(tv_secure_open(dir, &cfg, &sec), TV_OK);
	assert_int_equal(variables(sec), 0);
	put_variable(sec);
	tv_secure_close(sec);
	cfg.format = false;
	assert_int_equal(tv_secure_open(dir, &cfg, &sec), TV_OK);
	assert_int_equal(variables(sec), 1); /* the new store is kept */
	tv_secure_close(sec);
	drop_dir(dir);
}

/* Block 0 zeroed on a device that has been written: a lost store, refused by
 * the store; through a route --format writes a new superblock anyway. */
static void test_format_lost_store_on_route(void **state)
{
	(void)state;
	struct tv_secure_config cfg;
	config(&cfg);
	struct rpmb_emu *dev;
	assert_int_equal(rpmb_emu_new_mem(&cfg.emu, &dev), TV_OK);
	char *dir = tv_test_tmpdir();
	struct tv_secure *sec;
	assert_int_equal(tv_secure_open_dev(dir, &cfg, rpmb_emu_dev(dev), &sec), TV_OK);
	tv_secure_close(sec);
	uint8_t zero[256] = {0};
	assert_int_equal(rpmb_emu_poke(dev, 0, 1, zero), TV_OK);
	tv_err_clear_detail();
	assert_int_equal(tv_secure_open_dev(dir, &cfg, rpmb_emu_dev(dev), &sec), TV_ECORRUPT);
	assert_detail_has("blank");
	cfg.format = true;
	assert_int_equal(tv_secure_open_dev(dir, &cfg, rpmb_emu_dev(dev), &sec), TV_OK);
	tv_secure_close(sec);
	cfg.format = false;
	assert_int_equal(tv_secure_open_dev(dir, &cfg, rpmb_emu_dev(dev), &sec), TV_OK);
	tv_secure_close(sec);
	rpmb_emu_free(dev);
	drop_dir(dir);
}

struct warnings {
	unsigned n;
	char last[4096];
	bool dir, image;
};

static void collect(void *arg, const char *msg)
{
	struct warnings *w = arg;
	w->n++;
	snprintf(w->last, sizeof(w->last), "%s", msg);
	w->dir |= strstr(msg, "the state directory") != NULL;
	w->image |= strstr(msg, "the RPMB image") != NULL && strstr(msg, "in clear") != NULL;
}

static void test_permission_warnings(void **state)
{
	(void)state;
	struct tv_secure_config cfg;
	config(&cfg);
	struct warnings w = {0};
	cfg.warn = collect;
	cfg.warn_arg = &w;
	char *dir = tv_test_tmpdir();
	struct tv_secure *sec;
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(tv_secure_open(dir, &cfg, &sec), TV_OK);
	tv_secure_close(sec);
	assert_int_equal(w.n, 0); /* 0700 and a new 0600 image: quiet */
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(tv_secure_open(dir, &cfg, &sec), TV_OK); /* warned, not refused */
	tv_secure_close(sec);
	assert_int_equal(w.n, 1);
	assert_true(w.dir);
	assert_non_null(strstr(w.last, "0755"));
	assert_int_equal(chmod(dir, 0700), 0);
	char *img = path_of(dir, "rpmb.img");
	assert_int_equal(chmod(img, 0660), 0);
	w = (struct warnings){0};
	assert_int_equal(tv_secure_open(dir, &cfg, &sec), TV_OK);
	tv_secure_close(sec);
	assert_int_equal(w.n, 1);
	assert_true(w.image);
	assert_non_null(strstr(w.last, "0660"));
	free(img);
	drop_dir(dir);
}

static void test_missing_parent_directory(void **state)
{
	(void)state;
	struct tv_secure_config cfg;
	config(&cfg);
	char *dir = tv_test_tmpdir();
	char *sub = path_of(dir, "no/such/state");
	struct tv_secure *sec;
	tv_err_clear_detail();
	assert_int_equal(tv_secure_open(sub, &cfg, &sec), TV_EIO);
	assert_detail_has("creating the state directory");
	assert_detail_has("no/such/state: No such file or directory");
	free(sub);
	drop_dir(dir);
}

/* The lock and the HUK: a path that cannot be opened names itself. */
static void test_lock_and_huk_errors(void **state)
{
	(void)state;
	struct tv_secure_config cfg;
	config(&cfg);
	char *dir = tv_test_tmpdir();
	char *lock = path_of(dir, "lock");
	assert_int_equal(mkdir(lock, 0700), 0);
	struct tv_secure *sec;
	tv_err_clear_detail();
	assert_int_equal(tv_secure_open(dir, &cfg, &sec), TV_EIO);
	assert_detail_has("/lock: Is a directory");
	assert_int_equal(rmdir(lock), 0);
	char *huk = path_of(dir, "huk");
	assert_int_equal(mkdir(huk, 0700), 0); /* not a file */
	uint8_t k[TV_HUK_SIZE];
	assert_int_equal(tv_huk_load(huk, k), TV_ECORRUPT);
	assert_detail_has("is not a regular file of 32 bytes");
	assert_int_equal(rmdir(huk), 0);
	assert_int_equal(tv_huk_load(huk, k), TV_ENOENT); /* load alone never creates */
	assert_detail_has("huk is missing");
	assert_false(exists(dir, "huk"));
	assert_int_equal(tv_huk_load_or_create(huk, k), TV_OK);
	assert_int_equal(chmod(huk, 0640), 0);
	assert_int_equal(tv_huk_load(huk, k), TV_EINVAL);
	assert_detail_has("mode 0640");
	free(huk);
	free(lock);
	drop_dir(dir);
}

/* A full file system, simulated with RLIMIT_FSIZE (it holds for root too):
 * each file the secure core writes names itself and the cause. */
static void limit_file_size(rlim_t max, struct rlimit *old)
{
	signal(SIGXFSZ, SIG_IGN); /* the write fails with EFBIG instead */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, old), 0);
	struct rlimit r = {.rlim_cur = max, .rlim_max = old->rlim_max};
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &r), 0);
}

static void test_file_writes_name_their_cause(void **state)
{
	(void)state;
	struct tv_secure_config cfg;
	config(&cfg);
	struct rlimit old;
	struct tv_secure *sec;
	/* The image: 128 KiB + 512 bytes do not fit under 64 KiB. */
	char *dir = tv_test_tmpdir();
	limit_file_size(64 * 1024, &old);
	tv_err_clear_detail();
	int rc = tv_secure_open(dir, &cfg, &sec);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(rc, TV_EIO);
	assert_detail_has("rpmb.img: File too large");
	assert_false(exists(dir, "rpmb.img")); /* a failed creation leaves nothing */
	/* The HUK (through a route, so no image comes first). */
	struct rpmb_emu *dev;
	assert_int_equal(rpmb_emu_new_mem(&cfg.emu, &dev), TV_OK);
	limit_file_size(0, &old);
	tv_err_clear_detail();
	rc = tv_secure_open_dev(dir, &cfg, rpmb_emu_dev(dev), &sec);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(rc, TV_EIO);
	assert_detail_has("writing the HUK");
	assert_detail_has("huk: File too large");
	assert_false(exists(dir, "huk"));
	/* The marker: the HUK exists, the device gets keyed, the note fails. */
	uint8_t k[TV_HUK_SIZE];
	char *huk = path_of(dir, "huk");
	assert_int_equal(tv_huk_load_or_create(huk, k), TV_OK);
	limit_file_size(0, &old);
	tv_err_clear_detail();
	rc = tv_secure_open_dev(dir, &cfg, rpmb_emu_dev(dev), &sec);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(rc, TV_EIO);
	assert_detail_has("writing");
	assert_detail_has("rpmb-provisioned: File too large");
	free(huk);
	rpmb_emu_free(dev);
	drop_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_image_refused),
		cmocka_unit_test(test_missing_huk_refused),
		cmocka_unit_test(test_format_replaces_image_of_lost_huk),
		cmocka_unit_test(test_route_lost_huk_refused),
		cmocka_unit_test(test_format_gives_up_store),
		cmocka_unit_test(test_format_lost_store_on_route),
		cmocka_unit_test(test_permission_warnings),
		cmocka_unit_test(test_missing_parent_directory),
		cmocka_unit_test(test_lock_and_huk_errors),
		cmocka_unit_test(test_file_writes_name_their_cause),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

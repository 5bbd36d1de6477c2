/* SPDX-License-Identifier: BSD-2-Clause */
/* Where an emulated RPMB image lives (docs/rpmb-image.md): a regular file of
 * exactly the image's size, or a block device of at least that size, formatted
 * only when its first 512 bytes are zero. The block-device cases run on a loop
 * device and are skipped when the test cannot get one (not root, no loop). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rpmb_emu.h"
#include "tv_bytes.h"
#include "tv_err.h"
#include "tv_test_util.h"

#define BS RPMB_BLOCK_SIZE
#define HDR 512u
#define MIB (1024u * 1024u)
/* size_mult 1: 512 blocks, 512 + 128 KiB bytes */
#define SMALL_IMAGE (HDR + 512u * BS)

struct fx {
	char *dir;
	char loop[64]; /* the attached loop device, "" when none */
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	fx->dir = tv_test_tmpdir();
	assert_non_null(fx->dir);
	*state = fx;
	return 0;
}

static void loop_detach(struct fx *fx)
{
	if (!fx->loop[0])
		return;
	int fd = open(fx->loop, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		ioctl(fd, LOOP_CLR_FD, 0);
		close(fd);
	}
	fx->loop[0] = '\0';
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	loop_detach(fx);
	tv_test_rmtree(fx->dir);
	free(fx->dir);
	free(fx);
	return 0;
}

static char *path_in(const struct fx *fx, const char *name)
{
	size_t len = strlen(fx->dir) + strlen(name) + 2;
	char *p = malloc(len);
	assert_non_null(p);
	snprintf(p, len, "%s/%s", fx->dir, name);
	return p;
}

/* A file of len bytes: zero, then `header` bytes of 0xA5 at 0 and `tail` bytes
 * of 0x5A right after the header (junk a format must clear). */
static char *make_file(const struct fx *fx, const char *name, size_t len, size_t header,
		       size_t tail)
{
	char *p = path_in(fx, name);
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)len), 0);
	uint8_t *junk = malloc(header + tail + 1);
	assert_non_null(junk);
	memset(junk, 0xA5, header);
	memset(junk + header, 0x5A, tail);
	if (header + tail > 0)
		assert_int_equal(pwrite(fd, junk, header + tail, 0), (ssize_t)(header + tail));
	free(junk);
	close(fd);
	return p;
}

static uint8_t *read_all(const char *path, size_t *len)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	uint8_t *buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

/* Attaches file to a free loop device (fx->loop); false when none can be had. */
static bool loop_attach(struct fx *fx, const char *file)
{
	if (geteuid() != 0)
		return false;
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return false;
	bool ok = false;
	for (int tries = 0; tries < 10 && !ok; tries++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0)
			break;
		snprintf(fx->loop, sizeof(fx->loop), "/dev/loop%d", n);
		int lfd = open(fx->loop, O_RDWR | O_CLOEXEC);
		int ffd = open(file, O_RDWR | O_CLOEXEC);
		if (lfd >= 0 && ffd >= 0)
			ok = ioctl(lfd, LOOP_SET_FD, ffd) == 0; /* EBUSY: taken meanwhile */
		if (lfd >= 0)
			close(lfd);
		if (ffd >= 0)
			close(ffd);
		if (lfd < 0 || ffd < 0)
			break;
	}
	close(ctl);
	if (!ok)
		fx->loop[0] = '\0';
	return ok;
}

#define NEED_LOOP(fx, file)                                                                  \
	do {                                                                                 \
		if (!loop_attach(fx, file)) {                                                \
			print_message("# skipped: needs root and a free loop device\n");     \
			free(file);                                                          \
			skip();                                                              \
		}                                                                            \
	} while (0)

static uint16_t program_key(struct rpmb_emu *emu)
{
	uint8_t f[RPMB_FRAME_SIZE] = {0}, resp[RPMB_FRAME_SIZE];
	tv_put_be16(f + RPMB_OFF_TYPE, RPMB_REQ_PROGRAM_KEY);
	memset(f + RPMB_OFF_KEY_MAC, 0x42, RPMB_KEY_SIZE);
	struct rpmb_dev d = rpmb_emu_dev(emu);
	assert_int_equal(rpmb_dev_route(&d, f, 1, resp, 1), 0);
	return rpmb_frame_result(resp);
}

static struct rpmb_emu_config small_cfg(void)
{
	struct rpmb_emu_config cfg;
	rpmb_emu_config_default(&cfg);
	cfg.size_mult = 1;
	cfg.rel_wr_sec_c = 2;
	cfg.sync = true;
	return cfg;
}

/* Some state to find again: key, counter 7, block 5 = 0x33, block 511 = 0x44. */
static void put_state(struct rpmb_emu *emu)
{
	uint8_t b[BS];
	assert_int_equal(program_key(emu), RPMB_RES_OK);
	rpmb_emu_set_counter(emu, 7);
	memset(b, 0x33, BS);
	assert_int_equal(rpmb_emu_poke(emu, 5, 1, b), 0);
	memset(b, 0x44, BS);
	assert_int_equal(rpmb_emu_poke(emu, 511, 1, b), 0);
}

static void check_state(const char *path)
{
	struct rpmb_emu *emu = NULL;
	struct rpmb_dev_info info;
	assert_int_equal(rpmb_emu_open(path, NULL, &emu), 0);
	rpmb_emu_info(emu, &info);
	assert_int_equal(info.size_mult, 1);
	assert_int_equal(info.rel_wr_sec_c, 2);
	assert_int_equal(rpmb_emu_counter(emu), 7);
	assert_int_equal(rpmb_emu_peek(emu, 5)[0], 0x33);
	assert_int_equal(rpmb_emu_peek(emu, 511)[BS - 1], 0x44);
	assert_int_equal(rpmb_emu_peek(emu, 6)[0], 0);
	assert_int_equal(program_key(emu), RPMB_RES_GENERAL_FAILURE); /* keyed already */
	rpmb_emu_free(emu);
}

/* ---------------------------------------------------------- plain files */

static void test_file_exact_size_only(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu_config cfg = small_cfg();
	struct rpmb_emu *emu = NULL;
	char *img = path_in(fx, "rpmb.img");
	assert_int_equal(rpmb_emu_create(img, &cfg, &emu), 0);
	put_state(emu);
	rpmb_emu_free(emu);
	check_state(img);

	/* A file one block longer than the image is not an image. */
	int fd = open(img, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, SMALL_IMAGE + 512), 0);
	close(fd);
	emu = (struct rpmb_emu *)(uintptr_t)1;
	assert_int_equal(rpmb_emu_open(img, NULL, &emu), TV_ECORRUPT);
	assert_null(emu);
	free(img);
}

static void test_file_blank_is_not_formatted(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu_config cfg = small_cfg();
	struct rpmb_emu *emu = NULL;
	/* A zero file is corrupt, not "no image yet", and create never writes an
	 * existing file: only block devices are formatted in place. */
	char *zero = make_file(fx, "zero.img", SMALL_IMAGE, 0, 0);
	assert_int_equal(rpmb_emu_open(zero, NULL, &emu), TV_ECORRUPT);
	assert_int_equal(rpmb_emu_create(zero, &cfg, &emu), TV_EINVAL);
	assert_null(emu);
	size_t len = 0;
	uint8_t *b = read_all(zero, &len);
	assert_int_equal(len, SMALL_IMAGE);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(b[i], 0);
	free(b);
	free(zero);
	/* Neither a file nor a block device. */
	assert_int_equal(rpmb_emu_open("/dev/null", NULL, &emu), TV_ECORRUPT);
	assert_int_equal(rpmb_emu_create("/dev/null", &cfg, &emu), TV_EINVAL);
	assert_null(emu);
}

/* -------------------------------------------------------- block devices */

static void test_block_blank_formatted(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu_config cfg = small_cfg();
	struct rpmb_emu *emu = (struct rpmb_emu *)(uintptr_t)1, *other = NULL;
	/* 1 MiB disk, zero header, junk where the blocks go: the format clears it. */
	char *disk = make_file(fx, "disk.raw", MIB, 0, 0);
	int fd = open(disk, O_RDWR | O_CLOEXEC);
	uint8_t junk[4096];
	memset(junk, 0x5A, sizeof(junk));
	assert_int_equal(pwrite(fd, junk, sizeof(junk), HDR), (ssize_t)sizeof(junk));
	assert_int_equal(pwrite(fd, junk, sizeof(junk), SMALL_IMAGE - sizeof(junk)),
			 (ssize_t)sizeof(junk));
	close(fd);
	NEED_LOOP(fx, disk);

	tv_err_clear_detail();
	assert_int_equal(rpmb_emu_open(fx->loop, NULL, &emu), TV_ENOENT); /* no image yet */
	assert_null(emu);
	assert_non_null(strstr(tv_err_detail(), "no RPMB image yet"));
	assert_int_equal(rpmb_emu_create(fx->loop, &cfg, &emu), 0);
	for (uint16_t a = 0; a < 512; a++)
		assert_int_equal(rpmb_emu_peek(emu, a)[0], 0);
	/* Exclusive: a second open (or create) is refused while it is open. */
	assert_int_equal(rpmb_emu_open(fx->loop, NULL, &other), TV_EBUSY);
	assert_int_equal(rpmb_emu_create(fx->loop, &cfg, &other), TV_EBUSY);
	assert_null(other);
	put_state(emu);
	rpmb_emu_free(emu);
	check_state(fx->loop);

	/* Formatted: create refuses to format it again. */
	assert_int_equal(rpmb_emu_create(fx->loop, &cfg, &emu), TV_EINVAL);
	assert_null(emu);
	check_state(fx->loop);
	loop_detach(fx);

	/* On the disk: the header, the blocks, the junk past the image untouched. */
	size_t len = 0;
	uint8_t *b = read_all(disk, &len);
	assert_int_equal(len, MIB);
	assert_memory_equal(b, "TVRPMBIM", 8);
	assert_int_equal(b[32], 1);                 /* size_mult */
	assert_int_equal(tv_get_le32(b + 36), 7);   /* counter */
	assert_int_equal(b[HDR + 5 * BS], 0x33);
	assert_int_equal(b[HDR + 4 * BS], 0);       /* the junk was cleared */
	assert_int_equal(b[HDR], 0);
	assert_int_equal(b[SMALL_IMAGE - 1], 0x44); /* block 511 */
	assert_int_equal(b[SMALL_IMAGE], 0);
	free(b);
	free(disk);
}

static void test_block_not_blank_refused(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu_config cfg = small_cfg();
	struct rpmb_emu *emu = NULL;
	/* One non-zero byte in the header is enough to leave the disk alone. */
	char *disk = make_file(fx, "disk.raw", MIB, 0, 0);
	int fd = open(disk, O_RDWR | O_CLOEXEC);
	assert_int_equal(pwrite(fd, "\x01", 1, 511), 1);
	close(fd);
	NEED_LOOP(fx, disk);
	tv_err_clear_detail();
	assert_int_equal(rpmb_emu_create(fx->loop, &cfg, &emu), TV_EINVAL);
	assert_non_null(strstr(tv_err_detail(), "not blank"));
	assert_int_equal(rpmb_emu_open(fx->loop, NULL, &emu), TV_ECORRUPT);
	assert_null(emu);
	loop_detach(fx);
	size_t len = 0;
	uint8_t *b = read_all(disk, &len);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(b[i], i == 511 ? 1 : 0);
	free(b);
	free(disk);
}

static void test_block_too_small(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu_config cfg = small_cfg();
	struct rpmb_emu *emu = NULL;
	/* 64 KiB cannot hold 128 KiB of blocks. */
	char *disk = make_file(fx, "small.raw", 64 * 1024, 0, 0);
	NEED_LOOP(fx, disk);
	tv_err_clear_detail();
	assert_int_equal(rpmb_emu_create(fx->loop, &cfg, &emu), TV_ENOSPC);
	assert_non_null(strstr(tv_err_detail(), "too small"));
	assert_null(emu);
	assert_int_equal(rpmb_emu_open(fx->loop, NULL, &emu), TV_ENOENT); /* still blank */
	loop_detach(fx);

	/* A valid header for a bigger image on the small disk: refused. */
	char *img = path_in(fx, "rpmb.img");
	assert_int_equal(rpmb_emu_create(img, &cfg, &emu), 0);
	rpmb_emu_free(emu);
	size_t len = 0;
	uint8_t *b = read_all(img, &len);
	int fd = open(disk, O_RDWR | O_CLOEXEC);
	assert_int_equal(pwrite(fd, b, HDR, 0), (ssize_t)HDR);
	close(fd);
	free(b);
	free(img);
	assert_true(loop_attach(fx, disk));
	assert_int_equal(rpmb_emu_open(fx->loop, NULL, &emu), TV_ECORRUPT);
	assert_null(emu);
	free(disk);
}

static void test_block_from_host_file(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu_config cfg = small_cfg();
	struct rpmb_emu *emu = NULL;
	/* The host makes the image in a file, which becomes the guest's disk,
	 * exactly sized or padded to a larger disk. */
	char *img = path_in(fx, "rpmb.img");
	assert_int_equal(rpmb_emu_create(img, &cfg, &emu), 0);
	put_state(emu);
	rpmb_emu_free(emu);
	NEED_LOOP(fx, img);
	check_state(fx->loop);
	loop_detach(fx);
	int fd = open(img, O_RDWR | O_CLOEXEC);
	assert_int_equal(ftruncate(fd, 2 * MIB), 0);
	close(fd);
	assert_true(loop_attach(fx, img));
	check_state(fx->loop);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_file_exact_size_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_blank_is_not_formatted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_block_blank_formatted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_block_not_blank_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_block_too_small, setup, teardown),
		cmocka_unit_test_setup_teardown(test_block_from_host_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

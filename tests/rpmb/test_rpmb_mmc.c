/* SPDX-License-Identifier: BSD-2-Clause */
/* Linux eMMC RPMB backend: sysfs discovery on a fake tree, the exact MMC_IOC_MULTI_CMD
 * sequences (checked by an injected ioctl), and a full flow with the emulator behind
 * that ioctl at the JEDEC command level. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <linux/mmc/ioctl.h>

#include "rpmb_emu.h"
#include "rpmb_frame.h"
#include "rpmb_mmc.h"
#include "tv_bytes.h"
#include "tv_err.h"
#include "tv_test_util.h"

/* MMC_RSP_R1 | MMC_CMD_ADTC as the kernel defines them: (1|4|16) | 32. */
#define EXP_FLAGS 0x35u
#define RELIABLE 0x80000000u

static const char cid0_hex[] = "150100523158454d4201f1a4c7a8e300";
static const char cid1_hex[] = "FE014A4D4D43303247A0112233445500";
static const char cid_unknown_hex[] = "00112233445566778899aabbccddeeff";

struct fx {
	char *tmp;
	char sysfs[512];
	char devroot[512];
};

/* ------------------------------------------------------------ fake sysfs */

static void mkdirs(const char *path)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(buf, 0755);
		*p = '/';
	}
	mkdir(buf, 0755);
}

static void put_bytes(const char *dir, const char *name, const void *data, size_t len)
{
	char path[1024];
	mkdirs(dir);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void put(const char *dir, const char *name, const char *text)
{
	if (text)
		put_bytes(dir, name, text, strlen(text));
}

struct card_spec {
	const char *host, *rca, *type, *size_mult, *rel_sectors, *cid, *block;
};

static void add_card(const char *sysfs, const struct card_spec *c, char *dir, size_t size)
{
	char block[1024];
	snprintf(dir, size, "%s/class/mmc_host/%s/%s:%s", sysfs, c->host, c->host, c->rca);
	mkdirs(dir);
	put(dir, "type", c->type);
	put(dir, "raw_rpmb_size_mult", c->size_mult);
	put(dir, "rel_sectors", c->rel_sectors);
	put(dir, "cid", c->cid);
	if (c->block) {
		snprintf(block, sizeof(block), "%s/block/%s", dir, c->block);
		mkdirs(block);
	}
}

static const struct card_spec good_card = {
	"mmc0", "0001", "MMC\n", "0x20\n", "0x1\n", "150100523158454d4201f1a4c7a8e300\n", "mmcblk0",
};

static void build_tree(struct fx *fx)
{
	char dir[1024];
	const struct card_spec cards[] = {
		good_card,
		{"mmc1", "aaaa", "MMC\n", "4\n", "2", "FE014A4D4D43303247A0112233445500", "mmcblk1"},
		{"mmc2", "0007", "SD\n", "0x20\n", "0x1\n", "0300000000000000000000000000000", "mmcblk2"},
		{"mmc3", "0001", "MMC\n", "0\n", "0x1\n", "11111111111111111111111111111111\n",
		 "mmcblk3"},
		{"mmc4", "0001", "MMC\n", NULL, "0x1\n", "22222222222222222222222222222222\n",
		 "mmcblk4"},
	};
	for (size_t i = 0; i < sizeof(cards) / sizeof(cards[0]); i++)
		add_card(fx->sysfs, &cards[i], dir, sizeof(dir));
	/* Non-card entries next to the cards, as in real sysfs. */
	snprintf(dir, sizeof(dir), "%s/class/mmc_host/mmc0", fx->sysfs);
	put(dir, "uevent", "MMC_NAME=x\n");
	snprintf(dir, sizeof(dir), "%s/class/mmc_host/mmc0/power", fx->sysfs);
	mkdirs(dir);
	snprintf(dir, sizeof(dir), "%s/class/mmc_host/mmc0/mmc0:0001/block/mmcblk0/mmcblk0boot0",
		 fx->sysfs);
	mkdirs(dir);
	put(fx->devroot, "mmcblk0rpmb", "");
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	if (!fx || !(fx->tmp = tv_test_tmpdir())) {
		free(fx);
		return -1;
	}
	snprintf(fx->sysfs, sizeof(fx->sysfs), "%s/sys", fx->tmp);
	snprintf(fx->devroot, sizeof(fx->devroot), "%s/dev", fx->tmp);
	build_tree(fx);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	tv_test_rmtree(fx->tmp);
	free(fx->tmp);
	free(fx);
	return 0;
}

static void cid_of(const char *hex, uint8_t cid[RPMB_CID_SIZE])
{
	assert_int_equal(tv_test_hex(hex, cid, RPMB_CID_SIZE), RPMB_CID_SIZE);
}

/* ------------------------------------------------------------ fake ioctl */

struct fake {
	struct rpmb_emu *emu; /* NULL: only record */
	int fail_errno;
	int calls;
	uint64_t ncmds;
	struct mmc_ioc_cmd cmds[3];
	uint8_t result_req[RPMB_FRAME_SIZE];
};

static void *cmd_buf(const struct mmc_ioc_cmd *c)
{
	return (void *)(uintptr_t)c->data_ptr;
}

static void check_cmd(const struct mmc_ioc_cmd *c, uint32_t opcode, uint32_t write_flag)
{
	assert_int_equal(c->opcode, opcode);
	assert_int_equal((uint32_t)c->write_flag, write_flag);
	assert_int_equal(c->blksz, 512);
	assert_int_equal(c->flags, EXP_FLAGS);
	assert_int_equal(c->is_acmd, 0);
	assert_int_equal(c->arg, 0);
	assert_non_null(cmd_buf(c));
}

/* The only two shapes the backend may issue. */
static void check_shape(const struct mmc_ioc_multi_cmd *m)
{
	if (m->num_of_cmds == 3) {
		check_cmd(&m->cmds[0], 25, 1 | RELIABLE);
		check_cmd(&m->cmds[1], 25, 1);
		assert_int_equal(m->cmds[1].blocks, 1);
		check_cmd(&m->cmds[2], 18, 0);
		assert_int_equal(m->cmds[2].blocks, 1);
	} else {
		assert_int_equal(m->num_of_cmds, 2);
		check_cmd(&m->cmds[0], 25, 1);
		assert_int_equal(m->cmds[0].blocks, 1);
		check_cmd(&m->cmds[1], 18, 0);
	}
}

static int forward_to_emu(struct rpmb_emu *emu, struct mmc_ioc_multi_cmd *m)
{
	for (uint64_t i = 0; i < m->num_of_cmds; i++) {
		const struct mmc_ioc_cmd *c = &m->cmds[i];
		int rc = c->opcode == 25
				 ? rpmb_emu_cmd_write(emu, cmd_buf(c), c->blocks,
						      ((uint32_t)c->write_flag & RELIABLE) != 0)
				 : rpmb_emu_cmd_read(emu, cmd_buf(c), c->blocks);
		if (rc != 0) {
			errno = EIO;
			return -1;
		}
	}
	return 0;
}

static int fake_ioctl(void *arg, int fd, unsigned long request, void *data)
{
	struct fake *f = arg;
	struct mmc_ioc_multi_cmd *m = data;

	f->calls++;
	assert_true(fd >= 0);
	assert_int_equal(request, MMC_IOC_MULTI_CMD);
	check_shape(m);
	f->ncmds = m->num_of_cmds;
	memcpy(f->cmds, m->cmds, m->num_of_cmds * sizeof(m->cmds[0]));
	if (m->num_of_cmds == 3)
		memcpy(f->result_req, cmd_buf(&m->cmds[1]), RPMB_FRAME_SIZE);
	if (f->fail_errno) {
		errno = f->fail_errno;
		return -1;
	}
	return f->emu ? forward_to_emu(f->emu, m) : 0;
}

static int open_dev(const struct fx *fx, const char *cid_hex, const char *dev_path,
		    struct fake *fk, struct rpmb_dev *dev)
{
	uint8_t cid[RPMB_CID_SIZE];
	struct rpmb_mmc_config cfg = {
		.dev_path = dev_path, .sysfs_root = fx->sysfs, .dev_root = fx->devroot,
		.ioctl = fake_ioctl, .ioctl_arg = fk,
	};
	if (cid_hex) {
		cid_of(cid_hex, cid);
		cfg.cid = cid;
	}
	return rpmb_mmc_open(&cfg, dev);
}

static void make_req(uint8_t *frame, uint16_t type)
{
	memset(frame, 0, RPMB_FRAME_SIZE);
	tv_put_be16(frame + RPMB_OFF_TYPE, type);
}

/* ------------------------------------------------------------ cid parse */

static void test_cid_parse(void **state)
{
	(void)state;
	uint8_t cid[RPMB_CID_SIZE], want[RPMB_CID_SIZE];

	cid_of(cid0_hex, want);
	assert_int_equal(rpmb_cid_parse(cid0_hex, cid), 0);
	assert_memory_equal(cid, want, RPMB_CID_SIZE);
	assert_int_equal(rpmb_cid_parse("150100523158454D4201F1A4C7A8E300\n", cid), 0);
	assert_memory_equal(cid, want, RPMB_CID_SIZE);

	const char *bad[] = {
		"", "\n", "150100523158454d4201f1a4c7a8e30",      /* 31 */
		"150100523158454d4201f1a4c7a8e3000",               /* 33 */
		"150100523158454d4201f1a4c7a8e30g",                /* non-hex */
		"150100523158454d4201f1a4c7a8e300\n\n",            /* two newlines */
		"150100523158454d4201f1a4c7a8e300 ",               /* trailing space */
		" 150100523158454d4201f1a4c7a8e30",                /* leading space */
		"0x0100523158454d4201f1a4c7a8e300",                /* prefix */
		"15010052315845\n4d4201f1a4c7a8e30",               /* inner newline */
		"150100523158454d4201f1a4c7a8e300\r",
	};
	memset(cid, 0x5A, sizeof(cid));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(rpmb_cid_parse(bad[i], cid), TV_EINVAL);
	for (size_t i = 0; i < sizeof(cid); i++)
		assert_int_equal(cid[i], 0x5A); /* untouched on error */
	assert_int_equal(rpmb_cid_parse(NULL, cid), TV_EINVAL);
	assert_int_equal(rpmb_cid_parse(cid0_hex, NULL), TV_EINVAL);
}

/* ------------------------------------------------------------ scan */

static void test_scan(void **state)
{
	struct fx *fx = *state;
	struct rpmb_mmc_card cards[4];
	uint8_t cid[RPMB_CID_SIZE];
	char want_dir[1024];

	assert_int_equal(rpmb_mmc_scan(fx->sysfs, cards, 4), 2);
	assert_string_equal(cards[0].block_name, "mmcblk0");
	snprintf(want_dir, sizeof(want_dir), "%s/class/mmc_host/mmc0/mmc0:0001", fx->sysfs);
	assert_string_equal(cards[0].card_dir, want_dir);
	cid_of(cid0_hex, cid);
	assert_memory_equal(cards[0].info.cid, cid, RPMB_CID_SIZE);
	assert_int_equal(cards[0].info.size_mult, 0x20);
	assert_int_equal(cards[0].info.rel_wr_sec_c, 1);

	assert_string_equal(cards[1].block_name, "mmcblk1");
	cid_of(cid1_hex, cid);
	assert_memory_equal(cards[1].info.cid, cid, RPMB_CID_SIZE);
	assert_int_equal(cards[1].info.size_mult, 4);
	assert_int_equal(cards[1].info.rel_wr_sec_c, 2);
}

static void test_scan_limits(void **state)
{
	struct fx *fx = *state;
	struct rpmb_mmc_card cards[2];
	char root[1024];

	memset(cards, 0, sizeof(cards));
	assert_int_equal(rpmb_mmc_scan(fx->sysfs, cards, 1), 2); /* total, one filled */
	assert_string_equal(cards[0].block_name, "mmcblk0");
	assert_string_equal(cards[1].block_name, "");
	assert_int_equal(rpmb_mmc_scan(fx->sysfs, NULL, 0), 2);
	snprintf(root, sizeof(root), "%s/nothing-here", fx->tmp);
	assert_int_equal(rpmb_mmc_scan(root, cards, 2), 0);
}

/* One card built from good_card with one file replaced; the scan must fail cleanly. */
static void expect_garbage(const struct fx *fx, const char *file, const void *data, size_t len,
			   int want)
{
	static int seq;
	char root[1024], dir[1024];
	struct rpmb_mmc_card card;

	snprintf(root, sizeof(root), "%s/garbage%d", fx->tmp, seq++);
	add_card(root, &good_card, dir, sizeof(dir));
	put_bytes(dir, file, data, len);
	assert_int_equal(rpmb_mmc_scan(root, &card, 1), want);
}

static void test_scan_garbage(void **state)
{
	struct fx *fx = *state;
	static const struct { const char *file, *text; } cases[] = {
		{"cid", "0123\n"},
		{"cid", "150100523158454d4201f1a4c7a8e30\n"},
		{"cid", "150100523158454d4201f1a4c7a8e3000\n"},
		{"cid", "150100523158454d4201f1a4c7a8e3zz\n"},
		{"cid", ""},
		{"raw_rpmb_size_mult", "0x100\n"},
		{"raw_rpmb_size_mult", "99999999999999999999999999999999\n"},
		{"raw_rpmb_size_mult", "-1\n"},
		{"raw_rpmb_size_mult", "0x\n"},
		{"raw_rpmb_size_mult", " 32\n"},
		{"raw_rpmb_size_mult", "32 \n"},
		{"raw_rpmb_size_mult", "\n"},
		{"rel_sectors", "abc\n"},
		{"rel_sectors", "0\n"},
		{"rel_sectors", "256\n"},
		{"rel_sectors", "0x1\n\n"},
		{"rel_sectors", "0x1f1"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_garbage(fx, cases[i].file, cases[i].text, strlen(cases[i].text), TV_EINVAL);

	char big[4096];
	memset(big, 'a', sizeof(big));
	expect_garbage(fx, "cid", big, sizeof(big), TV_EINVAL);
	memset(big, 'M', sizeof(big));
	expect_garbage(fx, "type", big, sizeof(big), TV_EINVAL);
	memset(big, '1', sizeof(big));
	expect_garbage(fx, "raw_rpmb_size_mult", big, sizeof(big), TV_EINVAL);
	expect_garbage(fx, "rel_sectors", "1\0", 2, TV_EINVAL);
	expect_garbage(fx, "cid", "150100523158454d\0" "4201f1a4c7a8e300", 33, TV_EINVAL);
}

static void test_scan_skips_and_bad_cards(void **state)
{
	struct fx *fx = *state;
	char root[1024], dir[1024];
	struct rpmb_mmc_card card;
	struct card_spec c = good_card;

	snprintf(root, sizeof(root), "%s/skip", fx->tmp);
	c.block = NULL; /* mmc_block not bound: no block device, nothing to open */
	add_card(root, &c, dir, sizeof(dir));
	c = good_card;
	c.host = "mmc1";
	c.type = NULL; /* no type attribute */
	add_card(root, &c, dir, sizeof(dir));
	c = good_card;
	c.host = "mmc2";
	c.rca = "zz01"; /* not a card directory name */
	add_card(root, &c, dir, sizeof(dir));
	assert_int_equal(rpmb_mmc_scan(root, &card, 1), 0);

	/* An eMMC with RPMB must have rel_sectors and cid. */
	snprintf(root, sizeof(root), "%s/norel", fx->tmp);
	c = good_card;
	c.rel_sectors = NULL;
	add_card(root, &c, dir, sizeof(dir));
	assert_int_equal(rpmb_mmc_scan(root, &card, 1), TV_EINVAL);
	snprintf(root, sizeof(root), "%s/nocid", fx->tmp);
	c = good_card;
	c.cid = NULL;
	add_card(root, &c, dir, sizeof(dir));
	assert_int_equal(rpmb_mmc_scan(root, &card, 1), TV_EINVAL);

	/* Two whole-disk block devices under one card: inconsistent. */
	snprintf(root, sizeof(root), "%s/twoblk", fx->tmp);
	add_card(root, &good_card, dir, sizeof(dir));
	strcat(dir, "/block/mmcblk9");
	mkdirs(dir);
	assert_int_equal(rpmb_mmc_scan(root, &card, 1), TV_EINVAL);

	/* An attribute that cannot be read (a directory). */
	snprintf(root, sizeof(root), "%s/dirattr", fx->tmp);
	add_card(root, &good_card, dir, sizeof(dir));
	strcat(dir, "/rel_sectors");
	remove(dir);
	mkdirs(dir);
	assert_int_equal(rpmb_mmc_scan(root, &card, 1), TV_EIO);
}

/* ------------------------------------------------------------ open */

static void test_open_by_cid(void **state)
{
	struct fx *fx = *state;
	struct fake fk = {0};
	struct rpmb_dev dev;
	struct rpmb_dev_info info;
	uint8_t cid[RPMB_CID_SIZE];

	/* The sysfs cid is lowercase; the match is on bytes, so case does not matter. */
	char upper[40];
	for (size_t i = 0; i <= strlen(cid0_hex); i++)
		upper[i] = (char)(cid0_hex[i] >= 'a' ? cid0_hex[i] - 32 : cid0_hex[i]);
	assert_int_equal(open_dev(fx, upper, NULL, &fk, &dev), 0);
	assert_int_equal(rpmb_dev_get_info(&dev, &info), 0);
	cid_of(cid0_hex, cid);
	assert_memory_equal(info.cid, cid, RPMB_CID_SIZE);
	assert_int_equal(info.size_mult, 0x20);
	assert_int_equal(info.rel_wr_sec_c, 1);
	assert_int_equal(rpmb_info_blocks(&info), 0x20 * 512);
	rpmb_dev_close(&dev);
	assert_null(dev.ops);
	assert_int_equal(fk.calls, 0);
}

static void test_open_selection(void **state)
{
	struct fx *fx = *state;
	struct fake fk = {0};
	struct rpmb_dev dev;
	char node0[1024], node1[1024], node7[1024], dirnode[1024];

	snprintf(node0, sizeof(node0), "%s/mmcblk0rpmb", fx->devroot);
	snprintf(node1, sizeof(node1), "%s/mmcblk1rpmb", fx->devroot);
	snprintf(node7, sizeof(node7), "%s/mmcblk7rpmb", fx->devroot);
	snprintf(dirnode, sizeof(dirnode), "%s/d/mmcblk0rpmb", fx->devroot);
	mkdirs(dirnode);

	assert_int_equal(open_dev(fx, NULL, node0, &fk, &dev), 0); /* by dev_path */
	rpmb_dev_close(&dev);
	assert_int_equal(open_dev(fx, cid0_hex, node0, &fk, &dev), 0); /* both, agreeing */
	rpmb_dev_close(&dev);
	assert_int_equal(open_dev(fx, cid1_hex, node0, &fk, &dev), TV_EINVAL); /* disagree */
	assert_int_equal(open_dev(fx, cid_unknown_hex, NULL, &fk, &dev), TV_ENOENT);
	assert_int_equal(open_dev(fx, cid_unknown_hex, node0, &fk, &dev), TV_ENOENT);
	assert_int_equal(open_dev(fx, NULL, node7, &fk, &dev), TV_ENOENT); /* no such card */
	assert_int_equal(open_dev(fx, cid1_hex, NULL, &fk, &dev), TV_ENOENT); /* no node */
	assert_int_equal(open_dev(fx, NULL, dirnode, &fk, &dev), TV_EIO); /* not openable */
	assert_int_equal(open_dev(fx, NULL, NULL, &fk, &dev), TV_EINVAL);
	assert_int_equal(open_dev(fx, NULL, "", &fk, &dev), TV_EINVAL);
	assert_int_equal(open_dev(fx, NULL, "/dev/", &fk, &dev), TV_EINVAL);
	assert_int_equal(open_dev(fx, NULL, "mmcblk0rpmbx", &fk, &dev), TV_ENOENT);
	assert_int_equal(rpmb_mmc_open(NULL, &dev), TV_EINVAL);
	struct rpmb_mmc_config cfg = {.dev_path = node0, .sysfs_root = fx->sysfs};
	assert_int_equal(rpmb_mmc_open(&cfg, NULL), TV_EINVAL);
	assert_int_equal(fk.calls, 0);
}

/* ------------------------------------------------------------ sequences */

static void test_write_sequence(void **state)
{
	struct fx *fx = *state;
	struct fake fk = {0};
	struct rpmb_dev dev;
	uint8_t req[3 * RPMB_FRAME_SIZE], resp[RPMB_FRAME_SIZE], want_rr[RPMB_FRAME_SIZE];

	assert_int_equal(open_dev(fx, cid0_hex, NULL, &fk, &dev), 0);
	for (int i = 0; i < 3; i++)
		make_req(req + i * RPMB_FRAME_SIZE, RPMB_REQ_WRITE);
	assert_int_equal(rpmb_dev_route(&dev, req, 3, resp, 1), 0);
	assert_int_equal(fk.calls, 1);
	assert_int_equal(fk.ncmds, 3);
	assert_int_equal(fk.cmds[0].blocks, 3);
	assert_ptr_equal(cmd_buf(&fk.cmds[0]), req);
	assert_ptr_equal(cmd_buf(&fk.cmds[2]), resp);
	make_req(want_rr, RPMB_REQ_RESULT_READ);
	assert_memory_equal(fk.result_req, want_rr, RPMB_FRAME_SIZE);

	make_req(req, RPMB_REQ_PROGRAM_KEY);
	assert_int_equal(rpmb_dev_route(&dev, req, 1, resp, 1), 0);
	assert_int_equal(fk.ncmds, 3);
	assert_int_equal(fk.cmds[0].blocks, 1);
	assert_ptr_equal(cmd_buf(&fk.cmds[0]), req);
	rpmb_dev_close(&dev);
}

static void test_read_sequence(void **state)
{
	struct fx *fx = *state;
	struct fake fk = {0};
	struct rpmb_dev dev;
	uint8_t req[RPMB_FRAME_SIZE], resp[4 * RPMB_FRAME_SIZE];

	assert_int_equal(open_dev(fx, cid0_hex, NULL, &fk, &dev), 0);
	make_req(req, RPMB_REQ_READ_COUNTER);
	assert_int_equal(rpmb_dev_route(&dev, req, 1, resp, 1), 0);
	assert_int_equal(fk.ncmds, 2);
	assert_ptr_equal(cmd_buf(&fk.cmds[0]), req);
	assert_int_equal(fk.cmds[1].blocks, 1);
	assert_ptr_equal(cmd_buf(&fk.cmds[1]), resp);

	make_req(req, RPMB_REQ_READ);
	assert_int_equal(rpmb_dev_route(&dev, req, 1, resp, 4), 0);
	assert_int_equal(fk.calls, 2);
	assert_int_equal(fk.ncmds, 2);
	assert_int_equal(fk.cmds[1].blocks, 4);
	assert_ptr_equal(cmd_buf(&fk.cmds[1]), resp);
	rpmb_dev_close(&dev);
}

static void test_route_invalid(void **state)
{
	struct fx *fx = *state;
	struct fake fk = {0};
	struct rpmb_dev dev;
	uint8_t req[2 * RPMB_FRAME_SIZE], resp[2 * RPMB_FRAME_SIZE];
	static const struct { uint16_t type; size_t nreq, nresp; } bad[] = {
		{RPMB_REQ_PROGRAM_KEY, 2, 1}, {RPMB_REQ_PROGRAM_KEY, 1, 2},
		{RPMB_REQ_READ_COUNTER, 2, 1}, {RPMB_REQ_READ_COUNTER, 1, 2},
		{RPMB_REQ_READ, 2, 1}, {RPMB_REQ_WRITE, 1, 2}, {RPMB_REQ_WRITE, 0, 1},
		{RPMB_REQ_READ, 1, 0}, {RPMB_REQ_RESULT_READ, 1, 1}, {0x0000, 1, 1},
		{0x0006, 1, 1}, {0x0100, 1, 1}, {0xFFFF, 1, 1},
	};

	assert_int_equal(open_dev(fx, cid0_hex, NULL, &fk, &dev), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make_req(req, bad[i].type);
		make_req(req + RPMB_FRAME_SIZE, bad[i].type);
		assert_int_equal(rpmb_dev_route(&dev, req, bad[i].nreq, resp, bad[i].nresp),
				 TV_EINVAL);
	}
	make_req(req, RPMB_REQ_READ_COUNTER);
	assert_int_equal(rpmb_dev_route(&dev, NULL, 1, resp, 1), TV_EINVAL);
	assert_int_equal(rpmb_dev_route(&dev, req, 1, NULL, 1), TV_EINVAL);

	/* More than one ioctl may carry (MMC_IOC_MAX_BYTES). */
	size_t too_many = MMC_IOC_MAX_BYTES / RPMB_FRAME_SIZE + 1;
	uint8_t *big = calloc(too_many, RPMB_FRAME_SIZE);
	assert_non_null(big);
	make_req(big, RPMB_REQ_WRITE);
	assert_int_equal(rpmb_dev_route(&dev, big, too_many, resp, 1), TV_EINVAL);
	make_req(req, RPMB_REQ_READ);
	assert_int_equal(rpmb_dev_route(&dev, req, 1, big, too_many), TV_EINVAL);
	free(big);
	assert_int_equal(fk.calls, 0);
	rpmb_dev_close(&dev);
}

static void test_ioctl_failure(void **state)
{
	struct fx *fx = *state;
	struct fake fk = {.fail_errno = EIO};
	struct rpmb_dev dev;
	uint8_t req[RPMB_FRAME_SIZE], resp[RPMB_FRAME_SIZE];

	assert_int_equal(open_dev(fx, cid0_hex, NULL, &fk, &dev), 0);
	make_req(req, RPMB_REQ_READ_COUNTER);
	assert_int_equal(rpmb_dev_route(&dev, req, 1, resp, 1), TV_EIO);
	make_req(req, RPMB_REQ_WRITE);
	fk.fail_errno = ETIMEDOUT;
	assert_int_equal(rpmb_dev_route(&dev, req, 1, resp, 1), TV_EIO);
	assert_int_equal(fk.calls, 2);
	rpmb_dev_close(&dev);
}

/* ------------------------------------------------------------ emulator flow */

static const uint8_t test_key[RPMB_KEY_SIZE] = {
	0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
	0xcd, 0xef, 0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b,
	0x3c, 0x2d, 0x1e, 0x0f,
};

static void check_resp(const uint8_t *resp, uint16_t req_type)
{
	assert_int_equal(rpmb_frame_type(resp), RPMB_RESP_TYPE(req_type));
	assert_int_equal(rpmb_frame_result(resp), RPMB_RES_OK);
}

static void flow_program_key(struct rpmb_dev *dev)
{
	uint8_t req[RPMB_FRAME_SIZE], resp[RPMB_FRAME_SIZE];

	make_req(req, RPMB_REQ_PROGRAM_KEY);
	memcpy(req + RPMB_OFF_KEY_MAC, test_key, RPMB_KEY_SIZE);
	assert_int_equal(rpmb_dev_route(dev, req, 1, resp, 1), 0);
	check_resp(resp, RPMB_REQ_PROGRAM_KEY);
}

static uint32_t flow_counter(struct rpmb_dev *dev, uint8_t seed)
{
	uint8_t req[RPMB_FRAME_SIZE], resp[RPMB_FRAME_SIZE];

	make_req(req, RPMB_REQ_READ_COUNTER);
	memset(req + RPMB_OFF_NONCE, seed, RPMB_NONCE_SIZE);
	assert_int_equal(rpmb_dev_route(dev, req, 1, resp, 1), 0);
	check_resp(resp, RPMB_REQ_READ_COUNTER);
	assert_memory_equal(resp + RPMB_OFF_NONCE, req + RPMB_OFF_NONCE, RPMB_NONCE_SIZE);
	assert_true(rpmb_mac_verify(test_key, resp, 1));
	return tv_get_be32(resp + RPMB_OFF_COUNTER);
}

/* An authenticated write of two blocks at addr with counter ctr; returns the route's rc. */
static int flow_route_write(struct rpmb_dev *dev, uint16_t addr, const uint8_t *data,
			    uint32_t ctr, uint8_t resp[RPMB_FRAME_SIZE])
{
	uint8_t req[2 * RPMB_FRAME_SIZE];

	for (int i = 0; i < 2; i++) {
		uint8_t *f = req + i * RPMB_FRAME_SIZE;
		make_req(f, RPMB_REQ_WRITE);
		memcpy(f + RPMB_OFF_DATA, data + i * RPMB_BLOCK_SIZE, RPMB_BLOCK_SIZE);
		tv_put_be32(f + RPMB_OFF_COUNTER, ctr);
		tv_put_be16(f + RPMB_OFF_ADDRESS, addr);
		tv_put_be16(f + RPMB_OFF_BLOCK_COUNT, 2);
	}
	assert_int_equal(rpmb_mac_sign(test_key, req, 2), 0);
	return rpmb_dev_route(dev, req, 2, resp, 1);
}

static void flow_write(struct rpmb_dev *dev, uint16_t addr, const uint8_t *data, uint32_t ctr)
{
	uint8_t resp[RPMB_FRAME_SIZE];

	assert_int_equal(flow_route_write(dev, addr, data, ctr, resp), 0);
	check_resp(resp, RPMB_REQ_WRITE);
	assert_int_equal(tv_get_be32(resp + RPMB_OFF_COUNTER), ctr + 1);
	assert_int_equal(tv_get_be16(resp + RPMB_OFF_ADDRESS), addr);
	assert_true(rpmb_mac_verify(test_key, resp, 1));
}

static void flow_read(struct rpmb_dev *dev, uint16_t addr, const uint8_t *want)
{
	uint8_t req[RPMB_FRAME_SIZE], resp[2 * RPMB_FRAME_SIZE];

	make_req(req, RPMB_REQ_READ);
	memset(req + RPMB_OFF_NONCE, 0xC5, RPMB_NONCE_SIZE);
	tv_put_be16(req + RPMB_OFF_ADDRESS, addr);
	assert_int_equal(rpmb_dev_route(dev, req, 1, resp, 2), 0);
	assert_true(rpmb_mac_verify(test_key, resp, 2));
	for (int i = 0; i < 2; i++) {
		const uint8_t *f = resp + i * RPMB_FRAME_SIZE;
		check_resp(f, RPMB_REQ_READ);
		assert_memory_equal(f + RPMB_OFF_NONCE, req + RPMB_OFF_NONCE, RPMB_NONCE_SIZE);
		assert_int_equal(tv_get_be16(f + RPMB_OFF_ADDRESS), addr);
		assert_memory_equal(f + RPMB_OFF_DATA, want + i * RPMB_BLOCK_SIZE, RPMB_BLOCK_SIZE);
	}
}

static void test_flow_with_emulator(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu_config ecfg;
	struct rpmb_emu *emu;
	struct rpmb_dev dev;
	uint8_t data[2 * RPMB_BLOCK_SIZE];

	rpmb_emu_config_default(&ecfg);
	assert_int_equal(rpmb_emu_new_mem(&ecfg, &emu), 0);
	struct fake fk = {.emu = emu};
	assert_int_equal(open_dev(fx, cid0_hex, NULL, &fk, &dev), 0);

	flow_program_key(&dev);
	uint32_t ctr = flow_counter(&dev, 0x11);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	flow_write(&dev, 6, data, ctr);
	assert_int_equal(flow_counter(&dev, 0x22), ctr + 1);
	assert_int_equal(rpmb_emu_counter(emu), ctr + 1);
	flow_read(&dev, 6, data);
	assert_int_equal(fk.calls, 5);

	/* A device that loses power mid-write fails the ioctl: TV_EIO, nothing written. */
	uint8_t resp[RPMB_FRAME_SIZE];
	rpmb_emu_fault_power_cut(emu, 1, 0);
	uint8_t junk[2 * RPMB_BLOCK_SIZE];
	memset(junk, 0xEE, sizeof(junk));
	assert_int_equal(flow_route_write(&dev, 6, junk, ctr + 1, resp), TV_EIO);
	rpmb_emu_power_on(emu);
	assert_int_equal(flow_counter(&dev, 0x33), ctr + 1);
	flow_read(&dev, 6, data);
	rpmb_dev_close(&dev);
	rpmb_emu_free(emu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cid_parse),
		cmocka_unit_test_setup_teardown(test_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_skips_and_bad_cards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_by_cid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_selection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ioctl_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flow_with_emulator, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

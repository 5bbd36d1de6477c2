/* SPDX-License-Identifier: BSD-2-Clause */
#include "rpmb_mmc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/mmc/ioctl.h>

#include "tv_bytes.h"
#include "tv_err.h"
#include "tv_hex.h"

/* From the kernel's include/linux/mmc/core.h (not part of the uapi), as in mmc-utils. */
#define MMC_RSP_PRESENT (1u << 0)
#define MMC_RSP_CRC (1u << 2)
#define MMC_RSP_OPCODE (1u << 4)
#define MMC_RSP_R1 (MMC_RSP_PRESENT | MMC_RSP_CRC | MMC_RSP_OPCODE)
#define MMC_CMD_ADTC (1u << 5)

#define MMC_READ_MULTIPLE_BLOCK 18u
#define MMC_WRITE_MULTIPLE_BLOCK 25u
#define MMC_WRITE_FLAG_W 1u
#define MMC_WRITE_FLAG_RELW (1u << 31)

/* The kernel refuses a single command moving more than MMC_IOC_MAX_BYTES. */
#define MMC_MAX_FRAMES ((size_t)MMC_IOC_MAX_BYTES / RPMB_FRAME_SIZE)

#define SYSFS_ATTR_MAX 128u   /* longer sysfs attribute contents are garbage */
#define PATH_BUF 1024u

/* ------------------------------------------------------------------ route */

struct mmc_ctx {
	int fd;
	struct rpmb_dev_info info;
	rpmb_mmc_ioctl_fn ioctl;
	void *ioctl_arg;
};

/* A mmc_ioc_multi_cmd with room for up to three commands, without allocation. */
union multi_cmd3 {
	struct mmc_ioc_multi_cmd m;
	uint8_t raw[sizeof(struct mmc_ioc_multi_cmd) + 3 * sizeof(struct mmc_ioc_cmd)];
};

static void set_cmd(struct mmc_ioc_cmd *c, uint32_t opcode, unsigned int write_flag,
		    const void *buf, size_t nframes)
{
	memset(c, 0, sizeof(*c));
	c->opcode = opcode;
	c->write_flag = (int)write_flag;
	c->flags = MMC_RSP_R1 | MMC_CMD_ADTC;
	c->blksz = RPMB_FRAME_SIZE;
	c->blocks = (unsigned int)nframes;
	mmc_ioc_cmd_set_data((*c), buf);
}

static int mmc_issue(struct mmc_ctx *c, union multi_cmd3 *mc, size_t ncmds)
{
	mc->m.num_of_cmds = ncmds;
	if (c->ioctl(c->ioctl_arg, c->fd, MMC_IOC_MULTI_CMD, &mc->m) < 0)
		return TV_EIO;
	return 0;
}

/* Program key / authenticated write: request frames, result-read request, response. */
static int mmc_write_seq(struct mmc_ctx *c, const uint8_t *req, size_t nreq, uint8_t *resp)
{
	uint8_t result_req[RPMB_FRAME_SIZE] = {0};
	union multi_cmd3 mc;

	memset(&mc, 0, sizeof(mc));
	tv_put_be16(result_req + RPMB_OFF_TYPE, RPMB_REQ_RESULT_READ);
	set_cmd(&mc.m.cmds[0], MMC_WRITE_MULTIPLE_BLOCK, MMC_WRITE_FLAG_W | MMC_WRITE_FLAG_RELW,
		req, nreq);
	set_cmd(&mc.m.cmds[1], MMC_WRITE_MULTIPLE_BLOCK, MMC_WRITE_FLAG_W, result_req, 1);
	set_cmd(&mc.m.cmds[2], MMC_READ_MULTIPLE_BLOCK, 0, resp, 1);
	return mmc_issue(c, &mc, 3);
}

/* Counter read / authenticated read: request frame, then nresp response frames. */
static int mmc_read_seq(struct mmc_ctx *c, const uint8_t *req, uint8_t *resp, size_t nresp)
{
	union multi_cmd3 mc;

	memset(&mc, 0, sizeof(mc));
	set_cmd(&mc.m.cmds[0], MMC_WRITE_MULTIPLE_BLOCK, MMC_WRITE_FLAG_W, req, 1);
	set_cmd(&mc.m.cmds[1], MMC_READ_MULTIPLE_BLOCK, 0, resp, nresp);
	return mmc_issue(c, &mc, 2);
}

static int mmc_route(void *ctx, const uint8_t *req, size_t nreq, uint8_t *resp, size_t nresp)
{
	struct mmc_ctx *c = ctx;

	if (!c || !req || !resp || nreq == 0 || nresp == 0 || nreq > MMC_MAX_FRAMES ||
	    nresp > MMC_MAX_FRAMES)
		return TV_EINVAL;
	switch (rpmb_frame_type(req)) {
	case RPMB_REQ_PROGRAM_KEY:
		if (nreq != 1 || nresp != 1)
			return TV_EINVAL;
		return mmc_write_seq(c, req, nreq, resp);
	case RPMB_REQ_WRITE:
		if (nresp != 1)
			return TV_EINVAL;
		return mmc_write_seq(c, req, nreq, resp);
	case RPMB_REQ_READ_COUNTER:
		if (nreq != 1 || nresp != 1)
			return TV_EINVAL;
		return mmc_read_seq(c, req, resp, nresp);
	case RPMB_REQ_READ:
		if (nreq != 1)
			return TV_EINVAL;
		return mmc_read_seq(c, req, resp, nresp);
	default:
		return TV_EINVAL;
	}
}

static int mmc_get_info(void *ctx, struct rpmb_dev_info *info)
{
	struct mmc_ctx *c = ctx;

	if (!c || !info)
		return TV_EINVAL;
	*info = c->info;
	return 0;
}

static void mmc_close(void *ctx)
{
	struct mmc_ctx *c = ctx;

	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

static const struct rpmb_dev_ops mmc_ops = {
	.get_info = mmc_get_info,
	.route = mmc_route,
	.close = mmc_close,
};

static int real_ioctl(void *arg, int fd, unsigned long request, void *data)
{
	(void)arg;
	return ioctl(fd, request, data);
}

/* ------------------------------------------------------------------ sysfs */

int rpmb_cid_parse(const char *hex, uint8_t cid[RPMB_CID_SIZE])
{
	uint8_t tmp[RPMB_CID_SIZE];

	if (!hex || !cid)
		return TV_EINVAL;
	size_t len = strnlen(hex, 2 * RPMB_CID_SIZE + 2);
	if (len == 2 * RPMB_CID_SIZE + 1 && hex[len - 1] == '\n')
		len--;
	else if (len != 2 * RPMB_CID_SIZE)
		return TV_EINVAL;
	for (size_t i = 0; i < RPMB_CID_SIZE; i++) {
		int hi = tv_hex_digit(hex[2 * i]), lo = tv_hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return TV_EINVAL;
		tmp[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(cid, tmp, sizeof(tmp));
	return 0;
}

/* "0x.." hex or decimal, no sign or spaces, value 0..max. */
static int parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	unsigned int base = 10, v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return TV_EINVAL;
	for (; *s; s++) {
		int d = tv_hex_digit(*s);
		if (d < 0 || (unsigned int)d >= base)
			return TV_EINVAL;
		v = v * base + (unsigned int)d;
		if (v > max)
			return TV_EINVAL;
	}
	*out = v;
	return 0;
}

static int path_join(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= size ? TV_EINVAL : 0;
}

static int read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;

	for (;;) {
		ssize_t n = read(fd, buf + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return TV_EIO;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == size)
			return TV_EINVAL; /* no room left: the attribute is too long */
	}
	buf[len] = '\0';
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	return strlen(buf) == len ? 0 : TV_EINVAL; /* embedded NUL */
}

/* Reads a small sysfs attribute with its trailing newline removed. */
static int read_attr(const char *dir, const char *name, char *buf, size_t size)
{
	char path[PATH_BUF];

	if (path_join(path, sizeof(path), dir, name) < 0)
		return TV_EINVAL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? TV_ENOENT : TV_EIO;
	int rc = read_all(fd, buf, size);
	close(fd);
	return rc;
}

static int read_attr_u8(const char *dir, const char *name, uint8_t *out)
{
	char buf[SYSFS_ATTR_MAX];
	unsigned int v;

	int rc = read_attr(dir, name, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	if (parse_uint(buf, 255, &v) < 0)
		return TV_EINVAL;
	*out = (uint8_t)v;
	return 0;
}

/* Matches prefix followed by 1..max_digits decimal (or hex) digits. */
static bool name_is(const char *name, const char *prefix, size_t max_digits, bool hex)
{
	size_t plen = strlen(prefix), n = 0;

	if (strncmp(name, prefix, plen) != 0)
		return false;
	for (name += plen; name[n]; n++) {
		int d = tv_hex_digit(name[n]);
		if (d < 0 || (!hex && d > 9) || n >= max_digits)
			return false;
	}
	return n > 0;
}

static int host_filter(const struct dirent *d)
{
	return name_is(d->d_name, "mmc", 9, false);
}

static int block_filter(const struct dirent *d)
{
	return name_is(d->d_name, "mmcblk", 9, false);
}

/* A card directory is named <host>:<RCA in hex>. */
static bool card_name_ok(const char *host, const char *name)
{
	char prefix[32];
	int n = snprintf(prefix, sizeof(prefix), "%s:", host);

	return n > 0 && (size_t)n < sizeof(prefix) && name_is(name, prefix, 8, true);
}

static void free_dirents(struct dirent **list, int n)
{
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

#define CARD_SKIP 1

/* The card's block device (mmcblkN); a card without one (mmc_block not bound) is skipped. */
static int read_block_name(const char *card_dir, char *out, size_t size)
{
	char dir[PATH_BUF];
	struct dirent **list;

	if (path_join(dir, sizeof(dir), card_dir, "block") < 0)
		return TV_EINVAL;
	int n = scandir(dir, &list, block_filter, versionsort);
	if (n < 0)
		return errno == ENOENT ? CARD_SKIP : TV_EIO;
	int rc = n == 0 ? CARD_SKIP : n > 1 ? TV_EINVAL : 0;
	if (rc == 0 && snprintf(out, size, "%s", list[0]->d_name) >= (int)size)
		rc = TV_EINVAL;
	free_dirents(list, n);
	return rc;
}

static int read_cid_attr(const char *card_dir, uint8_t cid[RPMB_CID_SIZE])
{
	char buf[SYSFS_ATTR_MAX];

	int rc = read_attr(card_dir, "cid", buf, sizeof(buf));
	if (rc < 0)
		return rc == TV_ENOENT ? TV_EINVAL : rc;
	return rpmb_cid_parse(buf, cid);
}

/* Fills card from card_dir: 0, CARD_SKIP (not an eMMC with RPMB) or TV_E*. */
static int read_card(const char *card_dir, struct rpmb_mmc_card *card)
{
	char type[SYSFS_ATTR_MAX];

	int rc = read_attr(card_dir, "type", type, sizeof(type));
	if (rc == TV_ENOENT || (rc == 0 && strcmp(type, "MMC") != 0))
		return CARD_SKIP;
	if (rc < 0)
		return rc;
	rc = read_attr_u8(card_dir, "raw_rpmb_size_mult", &card->info.size_mult);
	if (rc == TV_ENOENT || (rc == 0 && card->info.size_mult == 0))
		return CARD_SKIP;
	if (rc < 0)
		return rc;
	rc = read_attr_u8(card_dir, "rel_sectors", &card->info.rel_wr_sec_c);
	if (rc == TV_ENOENT || (rc == 0 && card->info.rel_wr_sec_c == 0))
		return TV_EINVAL;
	if (rc < 0)
		return rc;
	rc = read_cid_attr(card_dir, card->info.cid);
	if (rc < 0)
		return rc;
	rc = read_block_name(card_dir, card->block_name, sizeof(card->block_name));
	if (rc != 0)
		return rc;
	return snprintf(card->card_dir, sizeof(card->card_dir), "%s", card_dir) <
			       (int)sizeof(card->card_dir) ? 0 : TV_EINVAL;
}

/* Visitor: 0 to continue, WALK_STOP to stop, or a negative TV_E* code. */
#define WALK_STOP 1
typedef int (*card_visit_fn)(void *arg, const struct rpmb_mmc_card *card);

static int walk_host(const char *hosts_dir, const char *host, card_visit_fn fn, void *arg)
{
	char dir[PATH_BUF], card_dir[PATH_BUF];
	struct dirent **list;
	struct rpmb_mmc_card card;

	if (path_join(dir, sizeof(dir), hosts_dir, host) < 0)
		return TV_EINVAL;
	int n = scandir(dir, &list, NULL, versionsort);
	if (n < 0)
		return TV_EIO;
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		if (!card_name_ok(host, list[i]->d_name))
			continue;
		memset(&card, 0, sizeof(card));
		rc = path_join(card_dir, sizeof(card_dir), dir, list[i]->d_name);
		if (rc == 0)
			rc = read_card(card_dir, &card);
		if (rc == 0)
			rc = fn(arg, &card);
		else if (rc == CARD_SKIP)
			rc = 0;
	}
	free_dirents(list, n);
	return rc;
}

static int walk_cards(const char *sysfs_root, card_visit_fn fn, void *arg)
{
	char hosts_dir[PATH_BUF];
	struct dirent **list;

	if (path_join(hosts_dir, sizeof(hosts_dir), sysfs_root ? sysfs_root : "/sys",
		      "class/mmc_host") < 0)
		return TV_EINVAL;
	int n = scandir(hosts_dir, &list, host_filter, versionsort);
	if (n < 0)
		return errno == ENOENT ? 0 : TV_EIO; /* no MMC host at all: no cards */
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++)
		rc = walk_host(hosts_dir, list[i]->d_name, fn, arg);
	free_dirents(list, n);
	return rc < 0 ? rc : 0;
}

struct scan_state {
	struct rpmb_mmc_card *cards;
	size_t max;
	size_t found;
};

static int scan_visit(void *arg, const struct rpmb_mmc_card *card)
{
	struct scan_state *s = arg;

	if (s->found < s->max)
		s->cards[s->found] = *card;
	s->found++;
	return 0;
}

/* Returns the total number of cards, which may exceed max (only max are filled). */
int rpmb_mmc_scan(const char *sysfs_root, struct rpmb_mmc_card *cards, size_t max)
{
	struct scan_state s = {.cards = cards, .max = cards ? max : 0};

	int rc = walk_cards(sysfs_root, scan_visit, &s);
	if (rc < 0)
		return rc;
	return s.found > (size_t)INT32_MAX ? TV_ERANGE : (int)s.found;
}

/* ------------------------------------------------------------------ open */

struct find_state {
	const uint8_t *cid;   /* match by cid when set, else by rpmb node name */
	const char *node;     /* basename of dev_path, or NULL */
	struct rpmb_mmc_card card;
	bool hit;
};

static bool node_matches(const struct rpmb_mmc_card *card, const char *node)
{
	size_t n = strlen(card->block_name);

	return strncmp(node, card->block_name, n) == 0 && strcmp(node + n, "rpmb") == 0;
}

static int find_visit(void *arg, const struct rpmb_mmc_card *card)
{
	struct find_state *s = arg;

	if (s->cid ? memcmp(s->cid, card->info.cid, RPMB_CID_SIZE) != 0
		   : !node_matches(card, s->node))
		return 0;
	s->card = *card;
	s->hit = true;
	return WALK_STOP;
}

static int find_card(const struct rpmb_mmc_config *cfg, struct rpmb_mmc_card *card)
{
	struct find_state s = {.cid = cfg->cid};

	if (cfg->dev_path) {
		const char *slash = strrchr(cfg->dev_path, '/');
		s.node = slash ? slash + 1 : cfg->dev_path;
		if (!*s.node)
			return TV_EINVAL;
	}
	int rc = walk_cards(cfg->sysfs_root, find_visit, &s);
	if (rc < 0)
		return rc;
	if (!s.hit)
		return TV_ENOENT;
	if (s.cid && s.node && !node_matches(&s.card, s.node))
		return TV_EINVAL; /* the CID names another card than dev_path */
	*card = s.card;
	return 0;
}

static int open_node(const struct rpmb_mmc_config *cfg, const struct rpmb_mmc_card *card)
{
	char path[PATH_BUF];
	const char *node = cfg->dev_path;

	if (!node) {
		int n = snprintf(path, sizeof(path), "%s/%srpmb",
				 cfg->dev_root ? cfg->dev_root : "/dev", card->block_name);
		if (n < 0 || (size_t)n >= sizeof(path))
			return TV_EINVAL;
		node = path;
	}
	int fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? TV_ENOENT : TV_EIO;
	return fd;
}

int rpmb_mmc_open(const struct rpmb_mmc_config *cfg, struct rpmb_dev *out)
{
	struct rpmb_mmc_card card;

	if (!cfg || !out || (!cfg->dev_path && !cfg->cid))
		return TV_EINVAL;
	int rc = find_card(cfg, &card);
	if (rc < 0)
		return rc;
	struct mmc_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return TV_ENOMEM;
	c->fd = open_node(cfg, &card);
	if (c->fd < 0) {
		rc = c->fd;
		free(c);
		return rc;
	}
	c->info = card.info;
	c->ioctl = cfg->ioctl ? cfg->ioctl : real_ioctl;
	c->ioctl_arg = cfg->ioctl_arg;
	out->ops = &mmc_ops;
	out->ctx = c;
	return 0;
}

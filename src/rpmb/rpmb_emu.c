/* SPDX-License-Identifier: BSD-2-Clause */
#include "rpmb_emu.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "tv_bytes.h"
#include "tv_err.h"

#define EMU_DEFAULT_SIZE_MULT 32u
#define EMU_MAX_REL_WR 32u
#define EMU_MAX_WRITE_BLOCKS (2u * EMU_MAX_REL_WR)
/* The block count field is 16 bits: no legal transfer carries more frames. */
#define EMU_MAX_FRAMES 0xFFFFu
#define EMU_COUNTER_MAX UINT32_MAX

/* Image file layout, little-endian (docs/rpmb-image.md). */
#define IMG_MAGIC "TVRPMBIM"
#define IMG_MAGIC_SIZE 8u
#define IMG_VERSION 1u
#define IMG_HDR_SIZE 512u
#define IMG_OFF_VERSION 8u
#define IMG_OFF_HDR_SIZE 12u
#define IMG_OFF_CID 16u
#define IMG_OFF_SIZE_MULT 32u
#define IMG_OFF_REL_WR 33u
#define IMG_OFF_KEY_SET 34u
#define IMG_OFF_RESERVED1 35u
#define IMG_OFF_COUNTER 36u
#define IMG_OFF_KEY 40u
#define IMG_OFF_RESERVED2 72u
#define IMG_OFF_CHECKSUM 480u /* SHA-256 of bytes 0..479 */

#define RESP_PROGRAM_KEY RPMB_RESP_TYPE(RPMB_REQ_PROGRAM_KEY)
#define RESP_READ_COUNTER RPMB_RESP_TYPE(RPMB_REQ_READ_COUNTER)
#define RESP_WRITE RPMB_RESP_TYPE(RPMB_REQ_WRITE)
#define RESP_READ RPMB_RESP_TYPE(RPMB_REQ_READ)

/* The persistent, non-block state (what the image header stores). */
struct emu_meta {
	bool key_set;
	uint8_t key[RPMB_KEY_SIZE];
	uint32_t counter;
};

enum pend_kind { PEND_NONE, PEND_FRAME, PEND_READ, PEND_REJECT };

/* The response the next cmd_read delivers. */
struct emu_pending {
	enum pend_kind kind;
	uint8_t frame[RPMB_FRAME_SIZE]; /* PEND_FRAME: prepared response */
	uint16_t type;                  /* PEND_REJECT: response type to report */
	uint16_t address;               /* PEND_READ: the request's fields */
	uint16_t block_count;
	uint8_t nonce[RPMB_NONCE_SIZE];
};

/* The result register: outcome of the last key programming or write. */
struct emu_result {
	uint16_t type; /* response type; 0 when there was no such request yet */
	uint16_t result;
	uint16_t address;
};

struct rpmb_emu {
	struct rpmb_dev_info info;
	uint32_t nblocks;
	uint8_t *blocks;
	struct emu_meta meta;
	int fd; /* image file, -1 when RAM-only */
	char *path; /* the image's path, for error details; NULL when RAM-only */
	bool sync;
	uint32_t write_us;
	uint32_t read_us;
	uint32_t read_block_us; /* per block of a data read, on top of read_us */
	bool powered;
	uint64_t cut_countdown; /* 0: no power cut armed */
	uint32_t cut_keep;
	rpmb_emu_write_hook hook;
	void *hook_arg;
	struct emu_pending pend;
	struct emu_result reg;
	struct rpmb_emu_stats stats;
};

static const uint8_t default_cid[RPMB_CID_SIZE] = {
	0x15, 0x01, 0x00, 'T', 'E', 'E', 'V', 'A', 'R', 0x10, 0x12, 0x34, 0x56, 0x78, 0xC9, 0x65,
};

void rpmb_emu_config_default(struct rpmb_emu_config *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	memcpy(cfg->cid, default_cid, RPMB_CID_SIZE);
	cfg->size_mult = EMU_DEFAULT_SIZE_MULT;
	cfg->rel_wr_sec_c = 1;
}

/* ---------------------------------------------------------------- state */

static void reset_volatile(struct rpmb_emu *e)
{
	memset(&e->pend, 0, sizeof(e->pend));
	e->reg = (struct emu_result){ 0, RPMB_RES_GENERAL_FAILURE, 0 };
	e->cut_countdown = 0;
}

static struct rpmb_emu *emu_alloc(const uint8_t cid[RPMB_CID_SIZE], uint8_t size_mult,
				  uint8_t rel_wr_sec_c)
{
	struct rpmb_emu *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->nblocks = (uint32_t)size_mult * RPMB_BLOCKS_PER_MULT;
	e->blocks = calloc(e->nblocks, RPMB_BLOCK_SIZE);
	if (!e->blocks) {
		free(e);
		return NULL;
	}
	memcpy(e->info.cid, cid, RPMB_CID_SIZE);
	e->info.size_mult = size_mult;
	e->info.rel_wr_sec_c = rel_wr_sec_c;
	e->fd = -1;
	e->powered = true;
	reset_volatile(e);
	return e;
}

static bool geometry_valid(uint8_t size_mult, uint8_t rel_wr_sec_c)
{
	return size_mult >= 1 && rel_wr_sec_c >= 1 && rel_wr_sec_c <= EMU_MAX_REL_WR;
}

static int resolve_config(const struct rpmb_emu_config *in, struct rpmb_emu_config *out)
{
	if (in)
		*out = *in;
	else
		rpmb_emu_config_default(out);
	if (out->size_mult == 0)
		out->size_mult = EMU_DEFAULT_SIZE_MULT;
	if (out->rel_wr_sec_c == 0)
		out->rel_wr_sec_c = 1;
	return geometry_valid(out->size_mult, out->rel_wr_sec_c) ? TV_OK : TV_EINVAL;
}

static void apply_runtime_config(struct rpmb_emu *e, const struct rpmb_emu_config *cfg)
{
	if (!cfg)
		return;
	e->sync = cfg->sync;
	e->write_us = cfg->write_latency_us;
	e->read_us = cfg->read_latency_us;
}

int rpmb_emu_new_mem(const struct rpmb_emu_config *cfg, struct rpmb_emu **out)
{
	if (!out)
		return TV_EINVAL;
	*out = NULL;
	struct rpmb_emu_config c;
	if (resolve_config(cfg, &c) != TV_OK)
		return TV_EINVAL;
	struct rpmb_emu *e = emu_alloc(c.cid, c.size_mult, c.rel_wr_sec_c);
	if (!e)
		return TV_ENOMEM;
	apply_runtime_config(e, &c);
	*out = e;
	return TV_OK;
}

int rpmb_emu_clone(const struct rpmb_emu *emu, struct rpmb_emu **out)
{
	if (!out)
		return TV_EINVAL;
	*out = NULL;
	if (!emu)
		return TV_EINVAL;
	struct rpmb_emu *c = emu_alloc(emu->info.cid, emu->info.size_mult, emu->info.rel_wr_sec_c);
	if (!c)
		return TV_ENOMEM;
	memcpy(c->blocks, emu->blocks, (size_t)emu->nblocks * RPMB_BLOCK_SIZE);
	c->meta = emu->meta;
	*out = c;
	return TV_OK;
}

void rpmb_emu_free(struct rpmb_emu *emu)
{
	if (!emu)
		return;
	if (emu->fd >= 0)
		close(emu->fd); /* also releases the flock */
	free(emu->path);
	OPENSSL_cleanse(&emu->meta, sizeof(emu->meta));
	free(emu->blocks);
	free(emu);
}

/* ----------------------------------------------------------- image file */

static int pread_all(int fd, uint8_t *buf, size_t len, off_t off)
{
	while (len > 0) {
		ssize_t r = pread(fd, buf, len, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return TV_EIO;
		if (r == 0)
			return TV_ECORRUPT; /* the file is shorter than its header says */
		buf += r;
		len -= (size_t)r;
		off += r;
	}
	return TV_OK;
}

static int pwrite_all(int fd, const uint8_t *buf, size_t len, off_t off)
{
	while (len > 0) {
		ssize_t r = pwrite(fd, buf, len, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			errno = ENOSPC; /* a write that makes no progress */
		if (r <= 0)
			return TV_EIO;
		buf += r;
		len -= (size_t)r;
		off += r;
	}
	return TV_OK;
}

static off_t block_offset(uint32_t address)
{
	return (off_t)IMG_HDR_SIZE + (off_t)address * RPMB_BLOCK_SIZE;
}

static int header_checksum(const uint8_t *h, uint8_t out[EVP_MAX_MD_SIZE])
{
	unsigned int len = 0;
	if (EVP_Digest(h, IMG_OFF_CHECKSUM, out, &len, EVP_sha256(), NULL) != 1 || len != 32)
		return TV_EIO;
	return TV_OK;
}

static int header_encode(const struct rpmb_emu *e, const struct emu_meta *m,
			 uint8_t h[IMG_HDR_SIZE])
{
	uint8_t sum[EVP_MAX_MD_SIZE];
	memset(h, 0, IMG_HDR_SIZE);
	memcpy(h, IMG_MAGIC, IMG_MAGIC_SIZE);
	tv_put_le32(h + IMG_OFF_VERSION, IMG_VERSION);
	tv_put_le32(h + IMG_OFF_HDR_SIZE, IMG_HDR_SIZE);
	memcpy(h + IMG_OFF_CID, e->info.cid, RPMB_CID_SIZE);
	h[IMG_OFF_SIZE_MULT] = e->info.size_mult;
	h[IMG_OFF_REL_WR] = e->info.rel_wr_sec_c;
	h[IMG_OFF_KEY_SET] = m->key_set ? 1 : 0;
	tv_put_le32(h + IMG_OFF_COUNTER, m->counter);
	if (m->key_set)
		memcpy(h + IMG_OFF_KEY, m->key, RPMB_KEY_SIZE);
	int rc = header_checksum(h, sum);
	if (rc == TV_OK)
		memcpy(h + IMG_OFF_CHECKSUM, sum, 32);
	return rc;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

/* Everything but the file length; the checksum is verified first so that
 * a field error means a deliberately forged or future-version header. */
static int header_validate(const uint8_t h[IMG_HDR_SIZE])
{
	uint8_t sum[EVP_MAX_MD_SIZE];
	if (memcmp(h, IMG_MAGIC, IMG_MAGIC_SIZE) != 0 ||
	    tv_get_le32(h + IMG_OFF_VERSION) != IMG_VERSION ||
	    tv_get_le32(h + IMG_OFF_HDR_SIZE) != IMG_HDR_SIZE)
		return TV_ECORRUPT;
	if (header_checksum(h, sum) != TV_OK)
		return TV_EIO;
	if (CRYPTO_memcmp(sum, h + IMG_OFF_CHECKSUM, 32) != 0)
		return TV_ECORRUPT;
	uint8_t key_set = h[IMG_OFF_KEY_SET];
	if (!geometry_valid(h[IMG_OFF_SIZE_MULT], h[IMG_OFF_REL_WR]) || key_set > 1 ||
	    h[IMG_OFF_RESERVED1] != 0 ||
	    !all_zero(h + IMG_OFF_RESERVED2, IMG_OFF_CHECKSUM - IMG_OFF_RESERVED2) ||
	    (!key_set && !all_zero(h + IMG_OFF_KEY, RPMB_KEY_SIZE)))
		return TV_ECORRUPT;
	return TV_OK;
}

/* What the image lives on: a regular file (its length must be the image's
 * exactly) or a block device (at least the image's size; the rest is unused). */
struct media {
	bool block;
	uint64_t size;
};

static int media_probe(int fd, struct media *m)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return TV_EIO;
	if (S_ISREG(st.st_mode)) {
		*m = (struct media){.block = false, .size = (uint64_t)st.st_size};
		return TV_OK;
	}
	if (!S_ISBLK(st.st_mode))
		return TV_ECORRUPT;
	uint64_t size = 0;
	if (ioctl(fd, BLKGETSIZE64, &size) != 0)
		return TV_EIO;
	*m = (struct media){.block = true, .size = size};
	return TV_OK;
}

static bool media_fits(const struct media *m, uint32_t nblocks)
{
	uint64_t need = (uint64_t)block_offset(nblocks);
	return m->block ? m->size >= need : m->size == need;
}

/* TV_ENOENT: a block device whose header is all zero holds no image yet
 * (rpmb_emu_create formats it). */
static int image_load(int fd, struct rpmb_emu **out)
{
	struct media md;
	uint8_t h[IMG_HDR_SIZE];
	int rc = media_probe(fd, &md);
	if (rc != TV_OK)
		return rc;
	if (md.size < IMG_HDR_SIZE)
		return TV_ECORRUPT;
	rc = pread_all(fd, h, IMG_HDR_SIZE, 0);
	if (rc == TV_OK && md.block && all_zero(h, IMG_HDR_SIZE))
		return TV_ENOENT;
	if (rc == TV_OK)
		rc = header_validate(h);
	if (rc != TV_OK)
		return rc;
	uint32_t nblocks = (uint32_t)h[IMG_OFF_SIZE_MULT] * RPMB_BLOCKS_PER_MULT;
	if (!media_fits(&md, nblocks))
		return TV_ECORRUPT;
	struct rpmb_emu *e = emu_alloc(h + IMG_OFF_CID, h[IMG_OFF_SIZE_MULT], h[IMG_OFF_REL_WR]);
	if (!e)
		return TV_ENOMEM;
	e->meta.key_set = h[IMG_OFF_KEY_SET] == 1;
	memcpy(e->meta.key, h + IMG_OFF_KEY, RPMB_KEY_SIZE);
	e->meta.counter = tv_get_le32(h + IMG_OFF_COUNTER);
	OPENSSL_cleanse(h, sizeof(h));
	rc = pread_all(fd, e->blocks, (size_t)nblocks * RPMB_BLOCK_SIZE, block_offset(0));
	if (rc != TV_OK) {
		rpmb_emu_free(e);
		return rc;
	}
	*out = e;
	return TV_OK;
}

/* The image file failed (errno says why): tell what and where (tv_err.h). */
static int image_error(const struct rpmb_emu *e, const char *what)
{
	tv_err_set_detail("%s %s: %s", what, e->path ? e->path : "the RPMB image",
			  strerror(errno));
	return TV_EIO;
}

static int sync_fd(const struct rpmb_emu *e)
{
	if (e->sync && fdatasync(e->fd) != 0)
		return image_error(e, "fdatasync of");
	return TV_OK;
}

static int write_header(const struct rpmb_emu *e, const struct emu_meta *m)
{
	uint8_t h[IMG_HDR_SIZE];
	int rc = header_encode(e, m, h);
	if (rc == TV_OK && pwrite_all(e->fd, h, IMG_HDR_SIZE, 0) != TV_OK)
		rc = image_error(e, "writing the header of");
	OPENSSL_cleanse(h, sizeof(h));
	return rc == TV_OK ? sync_fd(e) : rc;
}

/* Writes n blocks at address, then (if m) the header: the header is the commit
 * point of the counter, so the blocks must reach the file before it. */
static int persist(const struct rpmb_emu *e, const struct emu_meta *m, uint32_t address,
		   uint32_t n, const uint8_t *data)
{
	if (e->fd < 0)
		return TV_OK;
	int rc = TV_OK;
	if (n > 0) {
		rc = pwrite_all(e->fd, data, (size_t)n * RPMB_BLOCK_SIZE, block_offset(address));
		if (rc != TV_OK)
			rc = image_error(e, "writing blocks to");
		else
			rc = sync_fd(e);
	}
	if (rc == TV_OK && m)
		rc = write_header(e, m);
	return rc;
}

static int lock_image(int fd, const char *path)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return TV_OK;
	tv_err_set_detail("locking %s: %s", path,
			  errno == EWOULDBLOCK ? "in use by another process" : strerror(errno));
	return errno == EWOULDBLOCK ? TV_EBUSY : TV_EIO;
}

static int open_errno(int err)
{
	switch (err) {
	case EEXIST: return TV_EINVAL;
	case ENOENT: return TV_ENOENT;
	default: return TV_EIO;
	}
}

/* Makes a new image's directory entry durable (only with sync). */
static int sync_parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	if (!dir)
		return TV_ENOMEM;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = fd >= 0 && fsync(fd) == 0 ? TV_OK : TV_EIO;
	if (rc != TV_OK)
		tv_err_set_detail("syncing the directory %s: %s", dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

static int image_init(struct rpmb_emu *e, const char *path)
{
	if (ftruncate(e->fd, block_offset(e->nblocks)) != 0)
		return image_error(e, "sizing the new image");
	int rc = write_header(e, &e->meta);
	if (rc == TV_OK && e->sync)
		rc = fsync(e->fd) == 0 ? sync_parent_dir(path) : image_error(e, "fsync of");
	return rc;
}

/* A block device is opened with O_EXCL: it must not be mounted or claimed. */
static bool is_block_device(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISBLK(st.st_mode);
}

static int open_media(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | (is_block_device(path) ? O_EXCL : 0));
	if (fd >= 0)
		return fd;
	tv_err_set_detail("opening %s: %s", path, strerror(errno));
	return errno == EBUSY ? TV_EBUSY : open_errno(errno);
}

/* Zeroes the data area of a new image on a block device (a file gets its zeros
 * from ftruncate): the blocks must read back as the RAM state, all zero. */
static int zero_blocks(const struct rpmb_emu *e)
{
	static const uint8_t zeros[64 * 1024];
	size_t left = (size_t)e->nblocks * RPMB_BLOCK_SIZE;
	off_t off = block_offset(0);
	while (left > 0) {
		size_t n = left < sizeof(zeros) ? left : sizeof(zeros);
		if (pwrite_all(e->fd, zeros, n, off) != TV_OK)
			return image_error(e, "clearing the blocks of");
		left -= n;
		off += (off_t)n;
	}
	return TV_OK;
}

/* Formats a block device whose header is all zero: blocks first, flushed, then
 * the header (the commit point: an interrupted format leaves a blank header and
 * can be done again). Anything else on the device is refused, never overwritten. */
static int format_block(struct rpmb_emu *e)
{
	struct media md;
	uint8_t h[IMG_HDR_SIZE];
	int rc = media_probe(e->fd, &md);
	if (rc == TV_OK)
		rc = pread_all(e->fd, h, IMG_HDR_SIZE, 0);
	if (rc != TV_OK)
		return image_error(e, "reading");
	if (!media_fits(&md, e->nblocks)) {
		tv_err_set_detail("%s is too small for the image: %llu bytes, %llu needed", e->path,
				  (unsigned long long)md.size,
				  (unsigned long long)block_offset(e->nblocks));
		return TV_ENOSPC;
	}
	if (!all_zero(h, IMG_HDR_SIZE)) {
		tv_err_set_detail("%s is not blank (its first 512 bytes are not zero): refusing "
				  "to format it", e->path);
		return TV_EINVAL;
	}
	rc = zero_blocks(e);
	if (rc == TV_OK)
		rc = fdatasync(e->fd) == 0 ? write_header(e, &e->meta) : image_error(e, "fdatasync of");
	if (rc == TV_OK && fsync(e->fd) != 0)
		rc = image_error(e, "fsync of");
	return rc;
}

static int create_on_block(const char *path, const struct rpmb_emu_config *c,
			   struct rpmb_emu **out)
{
	int fd = open_media(path);
	if (fd < 0)
		return fd;
	struct rpmb_emu *e = NULL;
	int rc = lock_image(fd, path);
	if (rc == TV_OK)
		rc = rpmb_emu_new_mem(c, &e);
	if (rc != TV_OK) {
		close(fd);
		return rc;
	}
	e->fd = fd;
	e->path = strdup(path);
	rc = e->path ? format_block(e) : TV_ENOMEM;
	if (rc != TV_OK) {
		rpmb_emu_free(e);
		return rc;
	}
	*out = e;
	return TV_OK;
}

int rpmb_emu_create(const char *path, const struct rpmb_emu_config *cfg, struct rpmb_emu **out)
{
	if (!path || !out)
		return TV_EINVAL;
	*out = NULL;
	struct rpmb_emu_config c;
	if (resolve_config(cfg, &c) != TV_OK)
		return TV_EINVAL;
	if (is_block_device(path))
		return create_on_block(path, &c, out);
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		tv_err_set_detail("creating %s: %s", path, strerror(errno));
		return open_errno(errno);
	}
	struct rpmb_emu *e = NULL;
	int rc = lock_image(fd, path);
	if (rc == TV_OK)
		rc = rpmb_emu_new_mem(&c, &e);
	if (rc == TV_OK) {
		e->fd = fd;
		e->path = strdup(path);
		rc = e->path ? image_init(e, path) : TV_ENOMEM;
	}
	if (rc != TV_OK) {
		unlink(path); /* ours: O_EXCL created it */
		if (e)
			rpmb_emu_free(e);
		else
			close(fd);
		return rc;
	}
	*out = e;
	return TV_OK;
}

int rpmb_emu_open(const char *path, const struct rpmb_emu_config *cfg, struct rpmb_emu **out)
{
	if (!path || !out)
		return TV_EINVAL;
	*out = NULL;
	int fd = open_media(path);
	if (fd < 0)
		return fd;
	struct rpmb_emu *e = NULL;
	int rc = lock_image(fd, path);
	if (rc == TV_OK) {
		rc = image_load(fd, &e);
		if (rc == TV_EIO)
			tv_err_set_detail("reading %s: %s", path, strerror(errno));
		else if (rc == TV_ECORRUPT)
			tv_err_set_detail("%s is not a valid RPMB image (damaged header or "
					  "wrong size)", path);
		else if (rc == TV_ENOENT)
			tv_err_set_detail("%s holds no RPMB image yet (its first 512 bytes are "
					  "zero)", path);
	}
	if (rc != TV_OK) {
		close(fd);
		return rc;
	}
	e->fd = fd;
	e->path = strdup(path);
	if (!e->path) {
		rpmb_emu_free(e);
		return TV_ENOMEM;
	}
	apply_runtime_config(e, cfg);
	*out = e;
	return TV_OK;
}

/* ------------------------------------------------------------- helpers */

/* Every result carries the expired bit once the counter is at its maximum. */
static uint16_t with_status(const struct rpmb_emu *e, uint16_t result)
{
	if (e->meta.counter == EMU_COUNTER_MAX)
		result |= RPMB_RES_COUNTER_EXPIRED;
	return result;
}

static void count_result(struct rpmb_emu *e, uint16_t result)
{
	if (result & RPMB_RES_MASK)
		e->stats.failed_ops++;
}

static void charge_latency(struct rpmb_emu *e, uint32_t us)
{
	if (us == 0)
		return;
	e->stats.modelled_us += us;
	struct timespec ts = { .tv_sec = us / 1000000u, .tv_nsec = (long)(us % 1000000u) * 1000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void set_result(struct rpmb_emu *e, uint16_t type, uint16_t result, uint16_t address)
{
	e->reg = (struct emu_result){ type, result, address };
	count_result(e, result);
}

/* Makes f the pending response, MAC'ed with the device key when sign is set. */
static int prepare_frame(struct rpmb_emu *e, const struct rpmb_frame *f, bool sign)
{
	rpmb_frame_encode(f, e->pend.frame);
	if (sign && rpmb_mac_sign(e->meta.key, e->pend.frame, 1) != TV_OK)
		return TV_EIO;
	e->pend.kind = PEND_FRAME;
	return TV_OK;
}

static int reject(struct rpmb_emu *e, uint16_t resp_type)
{
	e->pend.kind = PEND_REJECT;
	e->pend.type = resp_type;
	count_result(e, RPMB_RES_GENERAL_FAILURE);
	return TV_OK;
}

/* ------------------------------------------------------------ requests */

static int req_program_key(struct rpmb_emu *e, const uint8_t *f, size_t n, bool reliable)
{
	if (n != 1 || !reliable || e->meta.key_set) {
		set_result(e, RESP_PROGRAM_KEY, RPMB_RES_GENERAL_FAILURE, 0);
		return TV_OK;
	}
	struct emu_meta m = e->meta;
	m.key_set = true;
	memcpy(m.key, f + RPMB_OFF_KEY_MAC, RPMB_KEY_SIZE);
	int rc = persist(e, &m, 0, 0, NULL);
	if (rc == TV_OK)
		e->meta = m;
	OPENSSL_cleanse(&m, sizeof(m));
	set_result(e, RESP_PROGRAM_KEY, rc == TV_OK ? RPMB_RES_OK : RPMB_RES_WRITE_FAILURE, 0);
	return rc;
}

static uint16_t write_check(const struct rpmb_emu *e, const uint8_t *f, size_t n, bool reliable)
{
	uint32_t address = tv_get_be16(f + RPMB_OFF_ADDRESS);
	if (!reliable || tv_get_be16(f + RPMB_OFF_BLOCK_COUNT) != n ||
	    n > rpmb_info_write_blocks(&e->info))
		return RPMB_RES_GENERAL_FAILURE;
	if (!e->meta.key_set)
		return RPMB_RES_NO_KEY;
	if (e->meta.counter == EMU_COUNTER_MAX)
		return RPMB_RES_WRITE_FAILURE;
	if (!rpmb_mac_verify(e->meta.key, f, n))
		return RPMB_RES_AUTH_FAILURE;
	if (tv_get_be32(f + RPMB_OFF_COUNTER) != e->meta.counter)
		return RPMB_RES_COUNTER_FAILURE;
	if (address + n > e->nblocks)
		return RPMB_RES_ADDRESS_FAILURE;
	return RPMB_RES_OK;
}

static bool power_cut_due(struct rpmb_emu *e)
{
	return e->cut_countdown != 0 && --e->cut_countdown == 0;
}

/* Applies a checked write: file first, then RAM, so a failed pwrite leaves the
 * RAM state (and the acknowledged history) untouched. */
static int write_apply(struct rpmb_emu *e, const uint8_t *f, uint16_t n, uint16_t address)
{
	uint8_t data[EMU_MAX_WRITE_BLOCKS * RPMB_BLOCK_SIZE];
	for (size_t i = 0; i < n; i++)
		memcpy(data + i * RPMB_BLOCK_SIZE, f + i * RPMB_FRAME_SIZE + RPMB_OFF_DATA,
		       RPMB_BLOCK_SIZE);
	if (e->hook)
		e->hook(e->hook_arg, e, address, n, data);
	bool cut = power_cut_due(e);
	uint16_t keep = cut && e->cut_keep < n ? (uint16_t)e->cut_keep : n;
	struct emu_meta m = e->meta;
	if (keep == n)
		m.counter++;
	int rc = persist(e, &m, address, keep, data);
	if (rc != TV_OK)
		return rc;
	memcpy(e->blocks + (size_t)address * RPMB_BLOCK_SIZE, data, (size_t)keep * RPMB_BLOCK_SIZE);
	e->meta.counter = m.counter;
	e->stats.blocks_written += keep;
	if (keep == n)
		e->stats.write_ops++;
	if (cut) {
		e->powered = false;
		return TV_EIO;
	}
	return TV_OK;
}

static int req_write(struct rpmb_emu *e, const uint8_t *f, size_t n, bool reliable)
{
	uint16_t address = tv_get_be16(f + RPMB_OFF_ADDRESS);
	charge_latency(e, e->write_us);
	uint16_t res = write_check(e, f, n, reliable);
	if (res != RPMB_RES_OK) {
		set_result(e, RESP_WRITE, res, address);
		return TV_OK;
	}
	int rc = write_apply(e, f, (uint16_t)n, address);
	if (rc != TV_OK) {
		if (e->powered) /* an image I/O error, not a simulated power cut */
			set_result(e, RESP_WRITE, RPMB_RES_WRITE_FAILURE, address);
		return rc;
	}
	set_result(e, RESP_WRITE, RPMB_RES_OK, address);
	return TV_OK;
}

static int req_read_counter(struct rpmb_emu *e, const uint8_t *f)
{
	struct rpmb_frame r = { 0 };
	memcpy(r.nonce, f + RPMB_OFF_NONCE, RPMB_NONCE_SIZE);
	r.write_counter = e->meta.counter;
	r.result = with_status(e, e->meta.key_set ? RPMB_RES_OK : RPMB_RES_NO_KEY);
	r.type = RESP_READ_COUNTER;
	charge_latency(e, e->read_us);
	e->stats.counter_reads++;
	count_result(e, r.result);
	return prepare_frame(e, &r, e->meta.key_set);
}

static int req_result_read(struct rpmb_emu *e)
{
	struct rpmb_frame r = { 0 };
	r.type = e->reg.type;
	r.result = with_status(e, e->reg.result);
	r.address = e->reg.address;
	r.write_counter = e->meta.counter;
	return prepare_frame(e, &r, e->meta.key_set && r.type == RESP_WRITE);
}

/* The read is answered in cmd_read, once the host says how many frames it wants. */
static int req_read(struct rpmb_emu *e, const uint8_t *f)
{
	e->pend.kind = PEND_READ;
	e->pend.address = tv_get_be16(f + RPMB_OFF_ADDRESS);
	e->pend.block_count = tv_get_be16(f + RPMB_OFF_BLOCK_COUNT);
	memcpy(e->pend.nonce, f + RPMB_OFF_NONCE, RPMB_NONCE_SIZE);
	return TV_OK;
}

int rpmb_emu_cmd_write(struct rpmb_emu *emu, const uint8_t *frames, size_t n, bool reliable)
{
	if (!emu || !frames || n == 0 || n > EMU_MAX_FRAMES)
		return TV_EINVAL;
	if (!emu->powered)
		return TV_EIO;
	emu->pend.kind = PEND_NONE;
	switch (rpmb_frame_type(frames)) {
	case RPMB_REQ_PROGRAM_KEY:
		return req_program_key(emu, frames, n, reliable);
	case RPMB_REQ_WRITE:
		return req_write(emu, frames, n, reliable);
	case RPMB_REQ_READ_COUNTER:
		return n == 1 ? req_read_counter(emu, frames) : reject(emu, RESP_READ_COUNTER);
	case RPMB_REQ_READ:
		return n == 1 ? req_read(emu, frames) : reject(emu, RESP_READ);
	case RPMB_REQ_RESULT_READ:
		return n == 1 ? req_result_read(emu) : reject(emu, 0);
	default:
		return reject(emu, 0);
	}
}

/* ----------------------------------------------------------- responses */

static uint16_t read_check(const struct rpmb_emu *e, size_t n)
{
	if (e->pend.block_count != 0 && e->pend.block_count != n)
		return RPMB_RES_GENERAL_FAILURE;
	if (!e->meta.key_set)
		return RPMB_RES_NO_KEY;
	if (e->pend.address + n > e->nblocks)
		return RPMB_RES_ADDRESS_FAILURE;
	return RPMB_RES_OK;
}

static int read_respond(struct rpmb_emu *e, uint8_t *frames, size_t n)
{
	uint16_t res = read_check(e, n);
	struct rpmb_frame r = { 0 };
	memcpy(r.nonce, e->pend.nonce, RPMB_NONCE_SIZE);
	r.address = e->pend.address;
	r.block_count = (uint16_t)n;
	r.result = with_status(e, res);
	r.type = RESP_READ;
	charge_latency(e, e->read_us + (uint32_t)n * e->read_block_us);
	for (size_t i = 0; i < n; i++) {
		if (res == RPMB_RES_OK)
			memcpy(r.data, e->blocks + (r.address + i) * RPMB_BLOCK_SIZE, RPMB_BLOCK_SIZE);
		rpmb_frame_encode(&r, frames + i * RPMB_FRAME_SIZE);
	}
	count_result(e, res);
	if (res == RPMB_RES_OK) {
		e->stats.read_ops++;
		e->stats.blocks_read += n;
	}
	if (e->meta.key_set && rpmb_mac_sign(e->meta.key, frames, n) != TV_OK)
		return TV_EIO;
	return TV_OK;
}

static void reject_respond(const struct rpmb_emu *e, uint8_t *frames, size_t n)
{
	struct rpmb_frame r = { 0 };
	r.type = e->pend.type;
	r.result = with_status(e, RPMB_RES_GENERAL_FAILURE);
	for (size_t i = 0; i < n; i++)
		rpmb_frame_encode(&r, frames + i * RPMB_FRAME_SIZE);
}

int rpmb_emu_cmd_read(struct rpmb_emu *emu, uint8_t *frames, size_t n)
{
	if (!emu || !frames || n == 0 || n > EMU_MAX_FRAMES)
		return TV_EINVAL;
	if (!emu->powered)
		return TV_EIO;
	int rc = TV_OK;
	switch (emu->pend.kind) {
	case PEND_FRAME:
		if (n != 1)
			return TV_EINVAL;
		memcpy(frames, emu->pend.frame, RPMB_FRAME_SIZE);
		break;
	case PEND_READ:
		rc = read_respond(emu, frames, n);
		break;
	case PEND_REJECT:
		reject_respond(emu, frames, n);
		break;
	default:
		return TV_EINVAL;
	}
	emu->pend.kind = PEND_NONE;
	return rc;
}

/* --------------------------------------------------------------- route */

static int route_write(struct rpmb_emu *e, const uint8_t *req, size_t nreq, uint8_t *resp,
		       size_t nresp)
{
	if (nresp != 1)
		return TV_EINVAL;
	uint8_t result_read[RPMB_FRAME_SIZE] = { 0 };
	tv_put_be16(result_read + RPMB_OFF_TYPE, RPMB_REQ_RESULT_READ);
	int rc = rpmb_emu_cmd_write(e, req, nreq, true);
	if (rc == TV_OK)
		rc = rpmb_emu_cmd_write(e, result_read, 1, false);
	if (rc == TV_OK)
		rc = rpmb_emu_cmd_read(e, resp, 1);
	return rc;
}

static int route_read(struct rpmb_emu *e, const uint8_t *req, uint8_t *resp, size_t nresp)
{
	int rc = rpmb_emu_cmd_write(e, req, 1, false);
	return rc == TV_OK ? rpmb_emu_cmd_read(e, resp, nresp) : rc;
}

static int emu_route(void *ctx, const uint8_t *req, size_t nreq, uint8_t *resp, size_t nresp)
{
	struct rpmb_emu *e = ctx;
	if (!e || !req || !resp || nreq == 0 || nresp == 0)
		return TV_EINVAL;
	switch (rpmb_frame_type(req)) {
	case RPMB_REQ_PROGRAM_KEY:
	case RPMB_REQ_WRITE:
		return route_write(e, req, nreq, resp, nresp);
	case RPMB_REQ_READ_COUNTER:
		if (nreq != 1 || nresp != 1)
			return TV_EINVAL;
		return route_read(e, req, resp, 1);
	case RPMB_REQ_READ:
		return nreq == 1 ? route_read(e, req, resp, nresp) : TV_EINVAL;
	default:
		return TV_EINVAL;
	}
}

void rpmb_emu_info(const struct rpmb_emu *emu, struct rpmb_dev_info *info)
{
	if (emu && info)
		*info = emu->info;
}

static int emu_get_info(void *ctx, struct rpmb_dev_info *info)
{
	if (!ctx || !info)
		return TV_EINVAL;
	rpmb_emu_info(ctx, info);
	return TV_OK;
}

static void emu_close(void *ctx)
{
	(void)ctx; /* the emulator is freed with rpmb_emu_free() */
}

static const struct rpmb_dev_ops emu_ops = {
	.get_info = emu_get_info,
	.route = emu_route,
	.close = emu_close,
};

struct rpmb_dev rpmb_emu_dev(struct rpmb_emu *emu)
{
	return (struct rpmb_dev){ .ops = &emu_ops, .ctx = emu };
}

/* ------------------------------------------------ faults and inspection */

void rpmb_emu_fault_power_cut(struct rpmb_emu *emu, uint64_t nth_write, uint32_t persist_blocks)
{
	if (!emu)
		return;
	emu->cut_countdown = nth_write;
	emu->cut_keep = persist_blocks;
}

void rpmb_emu_power_on(struct rpmb_emu *emu)
{
	if (!emu)
		return;
	emu->powered = true;
	reset_volatile(emu);
}

bool rpmb_emu_powered(const struct rpmb_emu *emu)
{
	return emu && emu->powered;
}

void rpmb_emu_set_counter(struct rpmb_emu *emu, uint32_t counter)
{
	if (!emu)
		return;
	struct emu_meta m = emu->meta;
	m.counter = counter;
	(void)persist(emu, &m, 0, 0, NULL); /* test helper: best effort on the image */
	emu->meta.counter = counter;
	OPENSSL_cleanse(&m, sizeof(m));
}

uint32_t rpmb_emu_counter(const struct rpmb_emu *emu)
{
	return emu ? emu->meta.counter : 0;
}

void rpmb_emu_set_read_block_latency(struct rpmb_emu *emu, uint32_t us)
{
	emu->read_block_us = us;
}

void rpmb_emu_set_latency(struct rpmb_emu *emu, uint32_t write_us, uint32_t read_us)
{
	if (!emu)
		return;
	emu->write_us = write_us;
	emu->read_us = read_us;
}

void rpmb_emu_set_write_hook(struct rpmb_emu *emu, rpmb_emu_write_hook hook, void *arg)
{
	if (!emu)
		return;
	emu->hook = hook;
	emu->hook_arg = arg;
}

int rpmb_emu_poke(struct rpmb_emu *emu, uint16_t address, uint16_t nblocks, const uint8_t *blocks)
{
	if (!emu || (!blocks && nblocks > 0))
		return TV_EINVAL;
	if ((uint32_t)address + nblocks > emu->nblocks)
		return TV_ERANGE;
	if (nblocks == 0)
		return TV_OK;
	int rc = persist(emu, NULL, address, nblocks, blocks);
	if (rc == TV_OK)
		memcpy(emu->blocks + (size_t)address * RPMB_BLOCK_SIZE, blocks,
		       (size_t)nblocks * RPMB_BLOCK_SIZE);
	return rc;
}

const uint8_t *rpmb_emu_peek(const struct rpmb_emu *emu, uint16_t address)
{
	if (!emu || address >= emu->nblocks)
		return NULL;
	return emu->blocks + (size_t)address * RPMB_BLOCK_SIZE;
}

void rpmb_emu_stats(const struct rpmb_emu *emu, struct rpmb_emu_stats *st)
{
	if (!st)
		return;
	if (emu)
		*st = emu->stats;
	else
		memset(st, 0, sizeof(*st));
}

void rpmb_emu_stats_reset(struct rpmb_emu *emu)
{
	if (emu)
		memset(&emu->stats, 0, sizeof(emu->stats));
}

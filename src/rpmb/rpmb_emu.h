/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Emulated eMMC RPMB device.
 *
 * It models the device at the JEDEC command level (CMD25 writes request frames,
 * CMD18 reads response frames) and offers the rpmb_dev route on top of it.
 * State lives in RAM and, optionally, in an image file (format: docs/rpmb-image.md)
 * that is updated before a write is acknowledged, so a kill -9 after an
 * acknowledged write never loses it (and fdatasync'ed when `sync` is set).
 *
 * Fault injection for tests: power cut at a chosen write operation (optionally
 * persisting only its first k blocks), counter preset, latency model, and a hook
 * called before each authenticated write is applied.
 */
#ifndef RPMB_EMU_H
#define RPMB_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpmb_dev.h"

struct rpmb_emu;

struct rpmb_emu_config {
	uint8_t cid[RPMB_CID_SIZE];
	uint8_t size_mult;          /* 1..255 (x 128 KiB); 0 means default 32 (4 MiB) */
	uint8_t rel_wr_sec_c;       /* 1..32; 0 means default 1 (2 blocks per write) */
	bool sync;                  /* fdatasync the image before acknowledging a write */
	uint32_t write_latency_us;  /* latency model: per write operation */
	uint32_t read_latency_us;   /* per read operation (counter read, data read) */
};

/* Fills a config with defaults: 4 MiB, rel_wr_sec_c 1, a fixed test CID, no sync. */
void rpmb_emu_config_default(struct rpmb_emu_config *cfg);

/*
 * The image lives in a regular file of exactly its size, or on a block device
 * (e.g. a guest's raw virtio disk) of at least its size, opened with O_EXCL.
 *
 * Creates a new image file (fails with TV_EINVAL if it exists) and opens it.
 * On a block device it formats the device instead, but only when its first 512
 * bytes are all zero (else TV_EINVAL; TV_ENOSPC when it is too small).
 */
int rpmb_emu_create(const char *path, const struct rpmb_emu_config *cfg, struct rpmb_emu **out);
/* Opens an existing image. Only sync and the latency fields of cfg are used
 * (cfg may be NULL). A malformed image gives TV_ECORRUPT; a missing file, or a
 * block device whose first 512 bytes are zero (no image yet), TV_ENOENT; a
 * locked image or a busy (mounted) block device TV_EBUSY. */
int rpmb_emu_open(const char *path, const struct rpmb_emu_config *cfg, struct rpmb_emu **out);
/* A device that lives in RAM only (tests, benchmarks). */
int rpmb_emu_new_mem(const struct rpmb_emu_config *cfg, struct rpmb_emu **out);
/* A RAM-only deep copy of the device state (not of the faults or hooks). */
int rpmb_emu_clone(const struct rpmb_emu *emu, struct rpmb_emu **out);
void rpmb_emu_free(struct rpmb_emu *emu);

/* The device as an rpmb_dev. close() on it does nothing: the emulator is freed
 * with rpmb_emu_free(). */
struct rpmb_dev rpmb_emu_dev(struct rpmb_emu *emu);
void rpmb_emu_info(const struct rpmb_emu *emu, struct rpmb_dev_info *info);

/*
 * JEDEC command level (used by the route and by the fake MMC ioctl in tests).
 * cmd_write: CMD25 of n request frames; `reliable` is the reliable-write flag
 *   (required for key programming and authenticated writes, else general failure).
 *   Returns 0 when the frames were accepted by the bus (the operation's own
 *   outcome is in the result register), TV_EINVAL for malformed bus use, TV_EIO
 *   when the device has lost power.
 * cmd_read: CMD18 of n frames: the response to the last request.
 */
int rpmb_emu_cmd_write(struct rpmb_emu *emu, const uint8_t *frames, size_t n, bool reliable);
int rpmb_emu_cmd_read(struct rpmb_emu *emu, uint8_t *frames, size_t n);

/* --- fault injection and inspection (tests) --- */

/* Power cut during the nth authenticated write operation from now (1 = the next):
 * that operation persists only its first `persist_blocks` blocks (persisting all
 * of them means the write landed and the counter moved, but no response came).
 * Afterwards every command fails with TV_EIO until rpmb_emu_power_on(). */
void rpmb_emu_fault_power_cut(struct rpmb_emu *emu, uint64_t nth_write, uint32_t persist_blocks);
void rpmb_emu_power_on(struct rpmb_emu *emu);
bool rpmb_emu_powered(const struct rpmb_emu *emu);
void rpmb_emu_set_counter(struct rpmb_emu *emu, uint32_t counter);
uint32_t rpmb_emu_counter(const struct rpmb_emu *emu);
void rpmb_emu_set_latency(struct rpmb_emu *emu, uint32_t write_us, uint32_t read_us);
/* Latency model: time per block of a data read, on top of the per-operation time. */
void rpmb_emu_set_read_block_latency(struct rpmb_emu *emu, uint32_t us);

/* Called before an authenticated write that passed every check is applied. */
typedef void (*rpmb_emu_write_hook)(void *arg, const struct rpmb_emu *emu, uint16_t address,
				    uint16_t nblocks, const uint8_t *blocks);
void rpmb_emu_set_write_hook(struct rpmb_emu *emu, rpmb_emu_write_hook hook, void *arg);

/* Applies a write directly (no MAC, no counter change): for crash simulation on clones. */
int rpmb_emu_poke(struct rpmb_emu *emu, uint16_t address, uint16_t nblocks, const uint8_t *blocks);
/* Raw view of block contents (tests only). */
const uint8_t *rpmb_emu_peek(const struct rpmb_emu *emu, uint16_t address);

struct rpmb_emu_stats {
	uint64_t write_ops;       /* authenticated write operations applied */
	uint64_t blocks_written;
	uint64_t read_ops;        /* authenticated read operations */
	uint64_t blocks_read;
	uint64_t counter_reads;
	uint64_t failed_ops;      /* requests answered with a failure result */
	uint64_t modelled_us;     /* time charged by the latency model */
};
void rpmb_emu_stats(const struct rpmb_emu *emu, struct rpmb_emu_stats *st);
void rpmb_emu_stats_reset(struct rpmb_emu *emu);

#endif

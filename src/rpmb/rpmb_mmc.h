/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Linux eMMC RPMB backend: /dev/mmcblkNrpmb driven with MMC_IOC_MULTI_CMD.
 *
 *   write / program key: CMD25 (request frames, reliable-write flag),
 *                        CMD25 (result-read request), CMD18 (1 response frame)
 *   read / counter read: CMD25 (request frame), CMD18 (n response frames)
 *
 * Device information (CID, RPMB size multiple, reliable-write sectors) comes from
 * sysfs under a configurable root: <root>/class/mmc_host/mmcN/mmcN:RCA/{cid,
 * raw_rpmb_size_mult, rel_sectors}. The ioctl function is injectable so that the
 * exact command sequences can be tested against the emulator.
 */
#ifndef RPMB_MMC_H
#define RPMB_MMC_H

#include <stddef.h>
#include <stdint.h>

#include "rpmb_dev.h"

/* Same contract as ioctl(2): returns -1 and sets errno on failure. */
typedef int (*rpmb_mmc_ioctl_fn)(void *arg, int fd, unsigned long request, void *data);

struct rpmb_mmc_config {
	const char *dev_path;      /* e.g. /dev/mmcblk0rpmb; NULL: find it by cid */
	const uint8_t *cid;        /* 16 bytes: select the card by CID (may be NULL) */
	const char *sysfs_root;    /* NULL means "/sys" */
	const char *dev_root;      /* where device nodes live; NULL means "/dev" */
	rpmb_mmc_ioctl_fn ioctl;   /* NULL means the real ioctl(2) */
	void *ioctl_arg;
};

/* Opens the device and reads its information from sysfs. With only a cid, the card
 * is found by scanning sysfs; with only a dev_path, the sysfs entry of the card that
 * owns that block device is used; with both, they must agree. */
int rpmb_mmc_open(const struct rpmb_mmc_config *cfg, struct rpmb_dev *out);

/* One card found in sysfs. */
struct rpmb_mmc_card {
	char card_dir[512];   /* <root>/class/mmc_host/mmcN/mmcN:RCA */
	char block_name[64];  /* mmcblkN */
	struct rpmb_dev_info info;
};

/* Scans sysfs for eMMC cards with an RPMB partition. Fills up to max entries,
 * returns the number found (>= 0) or a negative TV_E* code. */
int rpmb_mmc_scan(const char *sysfs_root, struct rpmb_mmc_card *cards, size_t max);

/* Parses 32 hex characters into a 16-byte CID (as sysfs prints it). */
int rpmb_cid_parse(const char *hex, uint8_t cid[RPMB_CID_SIZE]);

#endif

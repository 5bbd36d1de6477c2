/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The secure core's state directory as a whole: which of its files exist and
 * what that says. A missing piece of an existing store (the image while
 * rpmb-provisioned says a device was keyed, or the HUK beside a keyed device)
 * is never recreated silently: without `format` it is refused with an error
 * detail (tv_err.h) that says what is missing and how to start over; with
 * `format` the old store is given up on purpose.
 */
#ifndef TV_STATE_DIR_H
#define TV_STATE_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TV_STATE_HUK "huk"
#define TV_STATE_IMAGE "rpmb.img"
#define TV_STATE_LOCK "lock"
#define TV_STATE_MARKER "rpmb-provisioned"

/* "<dir>/<name>" in out; TV_EINVAL (with a detail) if it does not fit. */
int tv_state_path(char *out, size_t size, const char *dir, const char *name);

/*
 * Run with the directory locked, before anything is opened or created.
 * emulated: the device is <dir>/rpmb.img (else a route the directory does not
 * own). Without format: TV_ECORRUPT when a piece of an existing store is
 * missing. With format and an emulated device: the image and the
 * rpmb-provisioned marker are removed, so that open creates, keys and formats a
 * new device (a HUK that is missing is created then). With format and another
 * route a lost HUK is still refused: the device stays keyed with it.
 */
int tv_state_check(const char *dir, bool emulated, bool format);

/* Has this state directory keyed a device before? */
bool tv_state_provisioned(const char *dir);
/* Notes the CID of the device this directory's HUK has keyed. */
int tv_state_mark_provisioned(const char *dir, const uint8_t cid[16]);

/* Calls warn once for the directory and once for the image (when emulated) if
 * group or others may read or write them: the image holds the emulated
 * device's RPMB key in clear. Nothing is refused. */
typedef void (*tv_state_warn_fn)(void *arg, const char *msg);
void tv_state_warn_perms(const char *dir, bool emulated, tv_state_warn_fn warn, void *arg);

#endif

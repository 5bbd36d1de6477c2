/* SPDX-License-Identifier: BSD-2-Clause */
#include "state_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tv_err.h"

#define START_OVER "start over with an empty store on purpose: teevard --format or " \
		   "teevar --format"

int tv_state_path(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);
	if (n >= 0 && (size_t)n < size)
		return TV_OK;
	tv_err_set_detail("state directory path too long: %s", dir);
	return TV_EINVAL;
}

/* lstat: a symlink planted at a name counts as present, and is never followed. */
static bool exists(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;
	return tv_state_path(path, sizeof(path), dir, name) == TV_OK && lstat(path, &st) == 0;
}

static int remove_file(const char *dir, const char *name)
{
	char path[4096];
	int rc = tv_state_path(path, sizeof(path), dir, name);
	if (rc == TV_OK && unlink(path) != 0 && errno != ENOENT) {
		tv_err_set_detail("removing %s: %s", path, strerror(errno));
		rc = TV_EIO;
	}
	return rc;
}

static int refuse_lost_huk(const char *dir, const char *beside, bool format)
{
	if (format) /* a route's device stays keyed with the lost HUK */
		tv_err_set_detail("%s/huk is missing, but %s/%s says this directory keyed the "
				  "device behind the route with it: a device keeps its key for "
				  "good, so --format cannot help; restore huk from its backup",
				  dir, dir, beside);
	else
		tv_err_set_detail("%s/huk is missing, but %s/%s exists: the store is keyed "
				  "with the lost HUK (restore huk from its backup, or "
				  START_OVER ")", dir, dir, beside);
	return TV_ECORRUPT;
}

int tv_state_check(const char *dir, bool emulated, bool format)
{
	bool huk = exists(dir, TV_STATE_HUK);
	bool image = emulated && exists(dir, TV_STATE_IMAGE);
	bool marker = exists(dir, TV_STATE_MARKER);
	if (!emulated)
		return huk || !marker ? TV_OK : refuse_lost_huk(dir, TV_STATE_MARKER, format);
	if (!format) {
		if (!image && marker) {
			tv_err_set_detail("%s/rpmb.img is missing, but %s/rpmb-provisioned says "
					  "this directory keyed a device: the store is gone "
					  "(restore rpmb.img from a backup, or " START_OVER ")",
					  dir, dir);
			return TV_ECORRUPT;
		}
		if (!huk && (image || marker))
			return refuse_lost_huk(dir, image ? TV_STATE_IMAGE : TV_STATE_MARKER,
					       false);
		return TV_OK;
	}
	/* --format on the emulated device: a new device. An image keyed with a
	 * lost HUK could never be written again; one keyed with this HUK would
	 * keep the old store's records beside a new superblock. */
	int rc = image ? remove_file(dir, TV_STATE_IMAGE) : TV_OK;
	if (rc == TV_OK && marker)
		rc = remove_file(dir, TV_STATE_MARKER);
	return rc;
}

bool tv_state_provisioned(const char *dir)
{
	return exists(dir, TV_STATE_MARKER);
}

int tv_state_mark_provisioned(const char *dir, const uint8_t cid[16])
{
	char path[4096], hex[34];
	int rc = tv_state_path(path, sizeof(path), dir, TV_STATE_MARKER);
	if (rc != TV_OK)
		return rc;
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", cid[i]);
	hex[32] = '\n';
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		tv_err_set_detail("creating %s: %s", path, strerror(errno));
		return TV_EIO;
	}
	ssize_t n = write(fd, hex, 33);
	bool ok = n == 33 && fsync(fd) == 0;
	if (!ok) {
		if (n >= 0 && n != 33)
			errno = ENOSPC; /* a short write: the file system is full */
		tv_err_set_detail("writing %s: %s", path, strerror(errno));
	}
	close(fd);
	return ok ? TV_OK : TV_EIO;
}

static void warn_if_open(const char *path, const char *what, const char *why,
			 tv_state_warn_fn warn, void *arg)
{
	struct stat st;
	char msg[4600];
	if (stat(path, &st) != 0 || !(st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)))
		return;
	snprintf(msg, sizeof(msg), "warning: %s %s is mode %04o: group or others may read or "
		 "change it, and %s (chmod %s it)", what, path, (unsigned)(st.st_mode & 07777),
		 why, S_ISDIR(st.st_mode) ? "700" : "600");
	warn(arg, msg);
}

void tv_state_warn_perms(const char *dir, bool emulated, tv_state_warn_fn warn, void *arg)
{
	char path[4096];
	if (!warn)
		return;
	warn_if_open(dir, "the state directory",
		     emulated ? "it holds the HUK and rpmb.img, the emulated device with its "
				"RPMB key in clear"
			      : "it holds the HUK and rpmb-provisioned",
		     warn, arg);
	if (emulated && tv_state_path(path, sizeof(path), dir, TV_STATE_IMAGE) == TV_OK)
		warn_if_open(path, "the RPMB image",
			     "it holds the emulated device's RPMB key in clear", warn, arg);
}

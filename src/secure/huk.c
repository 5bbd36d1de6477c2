/* SPDX-License-Identifier: BSD-2-Clause */
#include "huk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "tv_err.h"
#include "tv_hmac.h"

static int huk_read(int fd, const char *path, uint8_t huk[TV_HUK_SIZE])
{
	struct stat st;
	if (fstat(fd, &st) != 0) {
		tv_err_set_detail("reading the HUK %s: %s", path, strerror(errno));
		return TV_EIO;
	}
	if (!S_ISREG(st.st_mode) || st.st_size != TV_HUK_SIZE) {
		tv_err_set_detail("the HUK %s is not a regular file of %u bytes", path,
				  TV_HUK_SIZE);
		return TV_ECORRUPT;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		tv_err_set_detail("the HUK %s is mode %04o: group or others may use it (chmod "
				  "600 it, if nobody else has read it)", path,
				  (unsigned)(st.st_mode & 07777));
		return TV_EINVAL; /* a secret others can read is no secret */
	}
	ssize_t n = pread(fd, huk, TV_HUK_SIZE, 0);
	if (n == TV_HUK_SIZE)
		return TV_OK;
	tv_err_set_detail("reading the HUK %s: %s", path, n < 0 ? strerror(errno) : "short read");
	return TV_EIO;
}

static int huk_create(const char *path, uint8_t huk[TV_HUK_SIZE])
{
	if (RAND_priv_bytes(huk, TV_HUK_SIZE) != 1) {
		tv_err_set_detail("no random bytes for a new HUK");
		return TV_EIO;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return TV_EBUSY;
		tv_err_set_detail("creating the HUK %s: %s", path, strerror(errno));
		return TV_EIO;
	}
	int rc = TV_OK;
	ssize_t n = write(fd, huk, TV_HUK_SIZE);
	if (n != TV_HUK_SIZE || fsync(fd) != 0) {
		if (n >= 0 && n != TV_HUK_SIZE)
			errno = ENOSPC; /* a short write: the file system is full */
		tv_err_set_detail("writing the HUK %s: %s", path, strerror(errno));
		rc = TV_EIO;
	}
	close(fd);
	if (rc != TV_OK)
		unlink(path);
	return rc;
}

static int huk_open(const char *path, bool create, uint8_t huk[TV_HUK_SIZE])
{
	if (!path || !huk)
		return TV_EINVAL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT && !create) {
		tv_err_set_detail("the HUK %s is missing", path);
		return TV_ENOENT;
	}
	if (fd < 0) {
		if (errno != ENOENT) {
			tv_err_set_detail("opening the HUK %s: %s", path, strerror(errno));
			return TV_EIO;
		}
		int rc = huk_create(path, huk);
		if (rc != TV_EBUSY)
			return rc;
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW); /* lost a creation race */
		if (fd < 0) {
			tv_err_set_detail("opening the HUK %s: %s", path, strerror(errno));
			return TV_EIO;
		}
	}
	int rc = huk_read(fd, path, huk);
	close(fd);
	if (rc != TV_OK)
		OPENSSL_cleanse(huk, TV_HUK_SIZE);
	return rc;
}

int tv_huk_load_or_create(const char *path, uint8_t huk[TV_HUK_SIZE])
{
	return huk_open(path, true, huk);
}

int tv_huk_load(const char *path, uint8_t huk[TV_HUK_SIZE])
{
	return huk_open(path, false, huk);
}

/* The CID without the fields an eMMC firmware update may change. */
static void stable_cid(const uint8_t cid[16], uint8_t out[16])
{
	memcpy(out, cid, 16);
	out[9] = 0;  /* product revision */
	out[15] = 0; /* CRC7 + stop bit */
}

int tv_rpmb_key_derive(const uint8_t huk[TV_HUK_SIZE], const uint8_t cid[16],
		       uint8_t key[TV_KEY_SIZE])
{
	uint8_t msg[16];
	stable_cid(cid, msg);
	return tv_hmac_sha256(huk, TV_HUK_SIZE, msg, sizeof(msg), key);
}

int tv_store_key_derive(const uint8_t huk[TV_HUK_SIZE], const uint8_t cid[16],
			uint8_t key[TV_KEY_SIZE])
{
	static const char label[] = "teevar store record key v1";
	uint8_t msg[sizeof(label) - 1 + 16];
	memcpy(msg, label, sizeof(label) - 1);
	stable_cid(cid, msg + sizeof(label) - 1);
	return tv_hmac_sha256(huk, TV_HUK_SIZE, msg, sizeof(msg), key);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* Error codes used inside teevar. Functions return 0 or a negative TV_E* value. */
#ifndef TV_ERR_H
#define TV_ERR_H

enum tv_err {
	TV_OK = 0,
	TV_EINVAL = -1,     /* bad argument or malformed input */
	TV_ENOMEM = -2,     /* allocation failed */
	TV_EIO = -3,        /* the route or device failed to answer */
	TV_EAUTH = -4,      /* a response failed verification (MAC, nonce, counter...) */
	TV_EKEY = -5,       /* device programmed with a different key */
	TV_EEXPIRED = -6,   /* RPMB write counter expired: device read-only */
	TV_ENOSPC = -7,     /* store full */
	TV_ENOENT = -8,     /* no such variable */
	TV_ECORRUPT = -9,   /* stored data is not a teevar store / is unreadable */
	TV_EDEVICE = -10,   /* device reported a failure result */
	TV_EBUSY = -11,     /* resource in use (lock held) */
	TV_ERANGE = -12,    /* address or size out of range */
	TV_EDAMAGED = -13,  /* the store is damaged: writes refused until recovery */
};

const char *tv_strerror(int err);

/*
 * A sentence for the last error of the calling thread that says what failed
 * where: a path and its errno ("creating teevar-state/rpmb.img: No space left on
 * device"), what is missing and how to start over. Functions that fail for a
 * reason the code alone cannot tell set it; callers that print an error add it.
 * tv_err_detail() returns "" when nothing was recorded since the last clear.
 */
void tv_err_set_detail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *tv_err_detail(void);
void tv_err_clear_detail(void);

#endif

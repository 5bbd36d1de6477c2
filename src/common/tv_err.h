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
};

const char *tv_strerror(int err);

#endif

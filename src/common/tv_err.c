/* SPDX-License-Identifier: BSD-2-Clause */
#include "tv_err.h"

const char *tv_strerror(int err)
{
	switch (err) {
	case TV_OK: return "success";
	case TV_EINVAL: return "invalid argument";
	case TV_ENOMEM: return "out of memory";
	case TV_EIO: return "RPMB route or device I/O error";
	case TV_EAUTH: return "RPMB response failed verification";
	case TV_EKEY: return "RPMB device is programmed with a different key";
	case TV_EEXPIRED: return "RPMB write counter expired (device is read-only)";
	case TV_ENOSPC: return "variable store is full";
	case TV_ENOENT: return "not found";
	case TV_ECORRUPT: return "RPMB content is not a usable teevar store";
	case TV_EDEVICE: return "RPMB device reported a failure";
	case TV_EBUSY: return "resource busy";
	case TV_ERANGE: return "address or size out of range";
	default: return "unknown error";
	}
}

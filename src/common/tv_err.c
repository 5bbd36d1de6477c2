/* SPDX-License-Identifier: BSD-2-Clause */
#include "tv_err.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char detail[512];

void tv_err_set_detail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
}

const char *tv_err_detail(void)
{
	return detail;
}

void tv_err_clear_detail(void)
{
	detail[0] = '\0';
}

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
	case TV_EDAMAGED: return "the variable store is damaged: writes are refused until it is recovered";
	default: return "unknown error";
	}
}

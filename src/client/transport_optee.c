/* SPDX-License-Identifier: BSD-2-Clause */
/* optee: transport through /dev/teeN (being written). */
#include <teevar/transport.h>

#include <errno.h>

int tv_transport_optee_open(const char *device, struct tv_transport *out)
{
	(void)device;
	(void)out;
	return -EPROTONOSUPPORT;
}

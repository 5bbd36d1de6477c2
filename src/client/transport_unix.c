/* SPDX-License-Identifier: BSD-2-Clause */
/* unix: transport to teevard (being written). */
#include <teevar/transport.h>

#include <errno.h>

int tv_transport_unix_open(const char *socket_path, struct tv_transport *out)
{
	(void)socket_path;
	(void)out;
	return -EPROTONOSUPPORT;
}

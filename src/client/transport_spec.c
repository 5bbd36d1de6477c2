/* SPDX-License-Identifier: BSD-2-Clause */
/* Transport specs ("inproc:DIR", "unix:SOCKET", "optee:DEVICE"): the one place
 * that knows every transport (and so pulls in the secure core for inproc:). */
#include <teevar/transport.h>

#include <errno.h>
#include <string.h>

static const char *after_prefix(const char *spec, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(spec, prefix, n) == 0 ? spec + n : NULL;
}

int tv_transport_open(const char *spec, struct tv_transport *out)
{
	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!spec)
		return -EINVAL;
	const char *rest;
	if ((rest = after_prefix(spec, "inproc:")))
		return tv_transport_inproc_open(rest, out);
	if ((rest = after_prefix(spec, "unix:")))
		return tv_transport_unix_open(rest, out);
	if ((rest = after_prefix(spec, "optee:")))
		return tv_transport_optee_open(rest, out);
	return -EINVAL;
}

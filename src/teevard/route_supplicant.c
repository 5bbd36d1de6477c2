/* SPDX-License-Identifier: BSD-2-Clause */
/* The RPMB route through teevar-supplicant (src/rpmb/rpmb_route_client.h). */
#include "route.h"

#include "log.h"
#include "rpmb_route_client.h"
#include "tv_err.h"

int tvd_supplicant_dev(const char *socket_path, struct rpmb_dev *out)
{
	int rc = rpmb_route_client_open(socket_path, out);
	if (rc != TV_OK)
		tvd_log("--supplicant %s: %s", socket_path, tv_strerror(rc));
	return rc;
}

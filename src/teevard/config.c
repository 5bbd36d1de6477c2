/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void tvd_config_default(struct tvd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	const char *env = getenv("TEEVAR_STATE");
	cfg->state_dir = env && *env ? env : "teevar-state";
	cfg->route = TVD_ROUTE_AUTO;
	cfg->sync = true;
	cfg->policy.owner = geteuid();
	cfg->policy.read = TVD_LEVEL_OWNER;
	cfg->policy.write = TVD_LEVEL_OWNER;
	cfg->io_timeout_ms = TVD_DEFAULT_IO_TIMEOUT_MS;
	cfg->max_clients = TVD_DEFAULT_MAX_CLIENTS;
	cfg->rpc_timeout_ms = TVD_DEFAULT_RPC_TIMEOUT_MS;
	cfg->boot_phase = TVD_BOOT_PHASE_BOOT;
}

const char *tvd_route_name(enum tvd_route r)
{
	switch (r) {
	case TVD_ROUTE_INPROC: return "inproc";
	case TVD_ROUTE_SUPPLICANT: return "supplicant";
	case TVD_ROUTE_RPC: return "rpc";
	default: return "auto";
	}
}

int tvd_boot_phase_parse(const char *s)
{
	if (strcmp(s, "boot") == 0)
		return TVD_BOOT_PHASE_BOOT;
	if (strcmp(s, "runtime") == 0)
		return TVD_BOOT_PHASE_RUNTIME;
	return -1;
}

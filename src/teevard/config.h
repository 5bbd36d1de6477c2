/* SPDX-License-Identifier: BSD-2-Clause */
/* teevard's configuration (set from the command line in tools/teevard.c). */
#ifndef TVD_CONFIG_H
#define TVD_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "access.h"
#include "rpc_route.h"

enum tvd_route {
	TVD_ROUTE_AUTO,       /* in-process image if usable, else the supplicant */
	TVD_ROUTE_INPROC,     /* emulated RPMB image <state>/rpmb.img, in this process */
	TVD_ROUTE_SUPPLICANT, /* teevar-supplicant's socket */
	TVD_ROUTE_RPC,        /* RPCs through the normal world of the caller (rpc_route.h) */
};

/* Where the variable service is once the store is mounted (--boot-phase). */
enum tvd_boot_phase {
	TVD_BOOT_PHASE_BOOT,     /* boot services: what a firmware would start in */
	TVD_BOOT_PHASE_RUNTIME,  /* ready-to-boot and exit-boot-services already run */
};

#define TVD_DEFAULT_IO_TIMEOUT_MS 5000
#define TVD_DEFAULT_MAX_CLIENTS 32u
#define TVD_SOCKET_NAME "teevard.sock"

struct tvd_config {
	const char *state_dir;
	const char *socket_path;      /* NULL: <state_dir>/teevard.sock */
	enum tvd_route route;
	const char *supplicant;       /* supplicant socket, or NULL */
	bool provision_key;           /* may program the RPMB key through the supplicant */
	bool format;                  /* start over: give up the old store (--format) */
	bool sync;                    /* fdatasync the emulated image on every write */
	uint32_t write_latency_us;    /* emulator latency model */
	uint32_t read_latency_us;
	uint8_t size_mult;            /* a new image: x 128 KiB; 0 = default (4 MiB) */
	struct tvd_policy policy;
	int io_timeout_ms;            /* partial frames, unread answers, peers with no access */
	unsigned max_clients;
	bool kernel_route;            /* --rpmb rpc: <state>/rpmb.img in process if it is there */
	int rpc_timeout_ms;           /* one RPC through a client (--rpmb rpc) */
	enum tvd_boot_phase boot_phase;
};

/* Defaults: ./teevar-state (or $TEEVAR_STATE), route auto, sync on, reads and
 * writes for the daemon's own uid (and root) only. */
void tvd_config_default(struct tvd_config *cfg);
const char *tvd_route_name(enum tvd_route r);
/* "boot", "runtime" -> phase; -1 if unknown. */
int tvd_boot_phase_parse(const char *s);

#endif

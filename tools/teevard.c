/* SPDX-License-Identifier: BSD-2-Clause */
/* teevard: the secure world as a daemon (docs/teevard-protocol.md, README). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include <teevar/store_info.h>

#include "config.h"
#include "listen.h"
#include "log.h"
#include "mount.h"
#include "route.h"
#include "server.h"
#include "tv_signals.h"
#include "tv_err.h"

#ifndef TEEVAR_VERSION
#define TEEVAR_VERSION "unknown"
#endif

enum { EXIT_USAGE = 1, EXIT_START = 2 };

static const char usage_text[] =
	"usage: teevard [OPTIONS]\n"
	"Runs the secure core (the StMM variable service on its RPMB store) and serves\n"
	"clients (teevar --tee unix:SOCKET, libteevar) on a Unix socket. Stops cleanly\n"
	"on SIGTERM or SIGINT.\n"
	"\n"
	"State and socket:\n"
	"  --state DIR            state directory: huk, rpmb.img, lock (default:\n"
	"                         $TEEVAR_STATE, else ./teevar-state)\n"
	"  --socket PATH          socket (default: DIR/teevard.sock; as a system\n"
	"                         service: /run/teevar/teevard.sock)\n"
	"  --format               start over on purpose: give up the store and format\n"
	"                         it; a missing rpmb.img or huk is then created anew\n"
	"                         (never without this option)\n"
	"RPMB route:\n"
	"  --rpmb MODE            inproc: the emulated image DIR/rpmb.img in this process\n"
	"                         (the model of Linux's in-kernel RPMB routing);\n"
	"                         supplicant: the device behind --supplicant;\n"
	"                         rpc: through the normal world of the client making a\n"
	"                         request (OP-TEE's RPMB RPC, a QEMU guest's supplicant):\n"
	"                         the store is mounted by the first session of a client\n"
	"                         that sent RPC_ENABLE, one RPMB frame per write;\n"
	"                         auto (default): inproc, unless --supplicant is given\n"
	"                         and DIR has no usable rpmb.img\n"
	"  --supplicant SOCKET    teevar-supplicant's socket\n"
	"  --kernel-route         with --rpmb rpc: use DIR/rpmb.img in process when it\n"
	"                         exists (the in-kernel route's model) and send no RPC\n"
	"  --rpc-timeout-ms N     one RPC through a client must be answered within N ms\n"
	"                         (default 8000)\n"
	"  --provision-rpmb-key   allow programming the RPMB key through the supplicant\n"
	"                         or an RPC client (the key crosses the route once, in\n"
	"                         clear: only on a trusted first boot); never done twice\n"
	"                         from one DIR\n"
	"  --boot-phase PHASE     boot (default) or runtime: run ready-to-boot and\n"
	"                         exit-boot-services right after the store is mounted\n"
	"                         (no firmware stage ever reaches it, e.g. --rpmb rpc)\n"
	"  --no-sync              do not fdatasync the image on every write\n"
	"  --emu-write-latency-us N, --emu-read-latency-us N\n"
	"                         emulated device time per RPMB write / read operation\n"
	"  --emu-size-mult N      size of a new image in 128 KiB units (1-128; default 32)\n"
	"Access (from the peer's SO_PEERCRED; root may always do everything):\n"
	"  --owner USER|UID       the owner (default: the uid teevard runs as)\n"
	"  --group GROUP|GID      the group for 'group' access\n"
	"  --read-access LEVEL    owner (default), group or all: sessions, reads, info\n"
	"  --write-access LEVEL   owner (default), group or all: SetVariable, phase\n"
	"                         changes, locks, property sets (never wider than reads)\n"
	"Limits:\n"
	"  --io-timeout-ms N      a partial request or an unread answer must complete\n"
	"                         within N ms; peers with no access are dropped after it\n"
	"                         (default 5000)\n"
	"  --max-clients N        connections at once (default 32)\n"
	"  --help, --version\n"
	"\n"
	"Exit: 0 after a clean stop, 1 usage error, 2 could not start or serve.\n";

enum {
	O_STATE = 256, O_SOCKET, O_RPMB, O_SUPPLICANT, O_NO_SYNC, O_WLAT, O_RLAT, O_SIZE,
	O_OWNER, O_GROUP, O_READ, O_WRITE, O_TIMEOUT, O_MAX_CLIENTS, O_HELP, O_VERSION,
	O_PROVISION, O_FORMAT, O_KERNEL_ROUTE, O_RPC_TIMEOUT, O_BOOT_PHASE,
};

static const struct option long_opts[] = {
	{"state", required_argument, NULL, O_STATE},
	{"socket", required_argument, NULL, O_SOCKET},
	{"rpmb", required_argument, NULL, O_RPMB},
	{"supplicant", required_argument, NULL, O_SUPPLICANT},
	{"provision-rpmb-key", no_argument, NULL, O_PROVISION},
	{"format", no_argument, NULL, O_FORMAT},
	{"no-sync", no_argument, NULL, O_NO_SYNC},
	{"emu-write-latency-us", required_argument, NULL, O_WLAT},
	{"emu-read-latency-us", required_argument, NULL, O_RLAT},
	{"emu-size-mult", required_argument, NULL, O_SIZE},
	{"owner", required_argument, NULL, O_OWNER},
	{"group", required_argument, NULL, O_GROUP},
	{"read-access", required_argument, NULL, O_READ},
	{"write-access", required_argument, NULL, O_WRITE},
	{"io-timeout-ms", required_argument, NULL, O_TIMEOUT},
	{"max-clients", required_argument, NULL, O_MAX_CLIENTS},
	{"kernel-route", no_argument, NULL, O_KERNEL_ROUTE},
	{"rpc-timeout-ms", required_argument, NULL, O_RPC_TIMEOUT},
	{"boot-phase", required_argument, NULL, O_BOOT_PHASE},
	{"help", no_argument, NULL, O_HELP},
	{"version", no_argument, NULL, O_VERSION},
	{NULL, 0, NULL, 0},
};

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("teevard: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs(" (teevard --help)\n", stderr);
	va_end(ap);
	return EXIT_USAGE;
}

/* A decimal number in [min, max]; -1 if not. */
static long number(const char *s, long min, long max)
{
	char *end;
	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	long v = strtol(s, &end, 10);
	return errno || *end || v < min || v > max ? -1 : v;
}

static int set_owner(const char *s, struct tvd_config *cfg)
{
	struct passwd *pw = getpwnam(s);
	long v = pw ? (long)pw->pw_uid : number(s, 0, INT_MAX);
	if (v < 0)
		return usage("--owner: no such user '%s'", s);
	cfg->policy.owner = (uid_t)v;
	return 0;
}

static int set_group(const char *s, struct tvd_config *cfg)
{
	struct group *gr = getgrnam(s);
	long v = gr ? (long)gr->gr_gid : number(s, 0, INT_MAX);
	if (v < 0)
		return usage("--group: no such group '%s'", s);
	cfg->policy.group = (gid_t)v;
	cfg->policy.has_group = true;
	return 0;
}

static int set_level(const char *opt, const char *s, enum tvd_level *out)
{
	int l = tvd_level_parse(s);
	if (l < 0)
		return usage("%s: '%s' is not owner, group or all", opt, s);
	*out = (enum tvd_level)l;
	return 0;
}

static int set_route(const char *s, struct tvd_config *cfg)
{
	if (strcmp(s, "inproc") == 0)
		cfg->route = TVD_ROUTE_INPROC;
	else if (strcmp(s, "supplicant") == 0)
		cfg->route = TVD_ROUTE_SUPPLICANT;
	else if (strcmp(s, "rpc") == 0)
		cfg->route = TVD_ROUTE_RPC;
	else if (strcmp(s, "auto") == 0)
		cfg->route = TVD_ROUTE_AUTO;
	else
		return usage("--rpmb: '%s' is not inproc, supplicant, rpc or auto", s);
	return 0;
}

static int set_boot_phase(const char *s, struct tvd_config *cfg)
{
	int p = tvd_boot_phase_parse(s);
	if (p < 0)
		return usage("--boot-phase: '%s' is not boot or runtime", s);
	cfg->boot_phase = (enum tvd_boot_phase)p;
	return 0;
}

static const struct {
	int id;
	const char *name;
	long min, max;
} number_opts[] = {
	{O_WLAT, "--emu-write-latency-us", 0, 10000000},
	{O_RLAT, "--emu-read-latency-us", 0, 10000000},
	{O_SIZE, "--emu-size-mult", 1, 128},
	{O_TIMEOUT, "--io-timeout-ms", 10, 600000},
	{O_MAX_CLIENTS, "--max-clients", 1, 1000},
	{O_RPC_TIMEOUT, "--rpc-timeout-ms", 10, 600000},
};

static void store_number(int id, long v, struct tvd_config *cfg)
{
	switch (id) {
	case O_WLAT: cfg->write_latency_us = (uint32_t)v; break;
	case O_RLAT: cfg->read_latency_us = (uint32_t)v; break;
	case O_SIZE: cfg->size_mult = (uint8_t)v; break;
	case O_TIMEOUT: cfg->io_timeout_ms = (int)v; break;
	case O_RPC_TIMEOUT: cfg->rpc_timeout_ms = (int)v; break;
	default: cfg->max_clients = (unsigned)v; break;
	}
}

/* The options that take a number; EXIT_USAGE for anything else. */
static int number_option(int id, const char *arg, struct tvd_config *cfg)
{
	for (size_t i = 0; i < sizeof(number_opts) / sizeof(number_opts[0]); i++) {
		if (number_opts[i].id != id)
			continue;
		long v = number(arg, number_opts[i].min, number_opts[i].max);
		if (v < 0)
			return usage("%s: '%s' is not a number in %ld..%ld", number_opts[i].name,
				     arg, number_opts[i].min, number_opts[i].max);
		store_number(id, v, cfg);
		return 0;
	}
	return EXIT_USAGE; /* getopt printed the message */
}

static int one_option(int c, const char *arg, struct tvd_config *cfg)
{
	switch (c) {
	case O_STATE: cfg->state_dir = arg; return 0;
	case O_SOCKET: cfg->socket_path = arg; return 0;
	case O_RPMB: return set_route(arg, cfg);
	case O_SUPPLICANT: cfg->supplicant = arg; return 0;
	case O_PROVISION: cfg->provision_key = true; return 0;
	case O_FORMAT: cfg->format = true; return 0;
	case O_KERNEL_ROUTE: cfg->kernel_route = true; return 0;
	case O_BOOT_PHASE: return set_boot_phase(arg, cfg);
	case O_NO_SYNC: cfg->sync = false; return 0;
	case O_OWNER: return set_owner(arg, cfg);
	case O_GROUP: return set_group(arg, cfg);
	case O_READ: return set_level("--read-access", arg, &cfg->policy.read);
	case O_WRITE: return set_level("--write-access", arg, &cfg->policy.write);
	default: return number_option(c, arg, cfg);
	}
}

static int check_config(const struct tvd_config *cfg)
{
	const struct tvd_policy *p = &cfg->policy;
	if (!*cfg->state_dir)
		return usage("--state: empty directory name");
	if (cfg->route == TVD_ROUTE_SUPPLICANT && !cfg->supplicant)
		return usage("--rpmb supplicant needs --supplicant SOCKET");
	if (cfg->route == TVD_ROUTE_RPC && cfg->supplicant)
		return usage("--supplicant is not used with --rpmb rpc");
	if (cfg->kernel_route && cfg->route != TVD_ROUTE_RPC)
		return usage("--kernel-route goes with --rpmb rpc");
	if ((p->read == TVD_LEVEL_GROUP || p->write == TVD_LEVEL_GROUP) && !p->has_group)
		return usage("group access needs --group");
	if (p->write > p->read)
		return usage("--write-access is wider than --read-access (%s)",
			     tvd_level_name(p->read));
	return 0;
}

/* 0: run; -1: done (help, version); else an exit code. */
static int parse_args(int argc, char **argv, struct tvd_config *cfg)
{
	int c;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		if (c == O_HELP) {
			fputs(usage_text, stdout);
			return -1;
		}
		if (c == O_VERSION) {
			printf("teevard %s\n", TEEVAR_VERSION);
			return -1;
		}
		int rc = one_option(c, optarg, cfg);
		if (rc)
			return rc;
	}
	if (optind < argc)
		return usage("unexpected argument '%s'", argv[optind]);
	return check_config(cfg);
}

static int run(const struct tvd_config *cfg, const char *socket_path, const sigset_t *mask)
{
	struct tv_secure *sec;
	enum tvd_route used;
	struct tvd_rpc_route *rpc;
	if (tvd_route_open(cfg, &sec, &used, &rpc) != TV_OK)
		return EXIT_START;
	struct tvd_listener l;
	if (tvd_listen(socket_path, (int)cfg->max_clients, &l) != 0) {
		tv_secure_close(sec);
		return EXIT_START;
	}
	tvd_log("serving %s (state %s, rpmb route %s, read access %s, write access %s)%s",
		socket_path, cfg->state_dir, tvd_route_name(used),
		tvd_level_name(cfg->policy.read), tvd_level_name(cfg->policy.write),
		rpc ? "; the store is mounted at the first session of a client that sent "
		      "RPC_ENABLE" : "");
	struct tv_store_info si;
	tv_secure_store_info(sec, &si);
	if (si.damaged) /* an administrator reads this log first */
		tvd_log("the variable store is damaged (%u place(s), the first at RPMB block %u): "
			"what verifies is served, writes are refused until `teevar recover`",
			si.damage_count, si.first_damage_block);
	if (tv_secure_mounted(sec))
		tvd_after_mount(cfg, sec);
	int rc = tvd_serve(cfg, sec, rpc, l.fd, mask);
	tvd_unlisten(&l);
	tv_secure_close(sec);
	tvd_log(rc == 0 ? "stopped" : "stopped after an error");
	return rc;
}

int main(int argc, char **argv)
{
	struct tvd_config cfg;
	tvd_config_default(&cfg);
	int rc = parse_args(argc, argv, &cfg);
	if (rc)
		return rc < 0 ? 0 : rc;
	char sock[PATH_MAX];
	const char *path = cfg.socket_path;
	if (!path) {
		snprintf(sock, sizeof(sock), "%s/%s", cfg.state_dir, TVD_SOCKET_NAME);
		path = sock;
	}
	/* The emulator's modelled device time should be what it says, not that
	 * plus the kernel's default 50 us of timer slack per sleep. */
	if (cfg.write_latency_us || cfg.read_latency_us)
		prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	sigset_t mask;
	if (tv_signals_setup(&mask) != 0) {
		tvd_log("cannot install signal handlers");
		return EXIT_START;
	}
	return run(&cfg, path, &mask);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevar-vtee-bridge: runs in the guest, holds /dev/teevar-vtee (the virtual
 * TEE of kernel/teevar-vtee) and carries its requests to teevard on the host,
 * over a virtio-serial port (or, for tests, teevard's Unix socket), and the
 * answers back, and the secure core's RPCs (for the supplicant) the other
 * way. The logic is in src/vtee_bridge/; docs/qemu.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tool_util.h"
#include "bridge.h"
#include "port.h"
#include "tv_err.h"
#include "tv_signals.h"

#ifndef TEEVAR_VERSION
#define TEEVAR_VERSION "unknown"
#endif

#define PROG "teevar-vtee-bridge"
#define EXIT_USAGE 1
#define usage_error(...) tool_usage_error(PROG, EXIT_USAGE, __VA_ARGS__)
#define EXIT_START 2
#define EXIT_DEVICE 3
#define DEFAULT_DEVICE "/dev/teevar-vtee"
#define DEFAULT_PORT_NAME "org.teevar.tvdp"
#define RETRY_MS 500           /* waiting for teevard before the device is opened */
#define WAIT_LOG_EVERY_MS 30000

struct opts {
	const char *device;
	const char *port, *port_name, *connect;
	unsigned long timeout_ms, rpc_timeout_ms;
	bool verbose;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--device PATH] [--port PATH | --port-name NAME | --connect SOCKET]\n"
		"                          [--timeout-ms N] [--rpc-timeout-ms N] [--verbose]\n"
		"Carries the requests of the virtual TEE (" DEFAULT_DEVICE ", module teevar-vtee)\n"
		"to teevard in teevard's socket protocol, and its answers back; the secure\n"
		"core's RPCs during a request go to the module (and the supplicant) and back.\n"
		"\n"
		"  --device PATH      the virtual TEE's device (default " DEFAULT_DEVICE ")\n"
		"  --port PATH        reach teevard through this virtio-serial port, e.g. /dev/vport0p1\n"
		"  --port-name NAME   ... through the port QEMU named NAME, found in\n"
		"                     " VTEE_PORT_SYSFS "/*/name (default: --port-name\n"
		"                     " DEFAULT_PORT_NAME ")\n"
		"  --connect SOCKET   ... through teevard's Unix socket instead (host tests)\n"
		"  --timeout-ms N     the longest one request may take, every round trip to\n"
		"                     teevard included, 1..600000 (default %d); keep it below\n"
		"                     the module's timeout_ms (15000). It starts again after\n"
		"                     each RPC of teevard, as the module's does\n"
		"  --rpc-timeout-ms N the longest the module may take to answer one RPC,\n"
		"                     1..600000 (default %d); keep it above the module's\n"
		"                     rpc_timeout_ms (5000) and below teevard's (8000)\n"
		"  --verbose          log every request\n"
		"  --help, --version\n"
		"\n"
		"The device is opened once teevard answers (the module registers the StMM\n"
		"device, and tee_stmm_efi opens its session, at that moment). When teevard\n"
		"is unreachable, requests fail with TEE_ERROR_COMMUNICATION at once; sessions\n"
		"are re-opened when it is back. Logs go to stderr. SIGTERM or SIGINT stop it\n"
		"after the request in progress. Exit: 0 stopped, 1 usage, 2 cannot start,\n"
		"3 the device failed.\n",
		BRIDGE_DEFAULT_TIMEOUT_MS, BRIDGE_DEFAULT_RPC_TIMEOUT_MS);
}

__attribute__((format(printf, 1, 2))) static void logmsg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, PROG ": ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void log_cb(void *ctx, enum bridge_log_level level, const char *msg)
{
	const bool *verbose = ctx;
	if (level == BRIDGE_LOG_INFO || *verbose)
		logmsg("%s", msg);
}

enum {
	O_DEVICE = 256, O_PORT, O_PORT_NAME, O_CONNECT, O_TIMEOUT, O_RPC_TIMEOUT, O_VERBOSE, O_HELP,
	O_VERSION
};

static const struct option long_opts[] = {
	{"device", required_argument, NULL, O_DEVICE},
	{"port", required_argument, NULL, O_PORT},
	{"port-name", required_argument, NULL, O_PORT_NAME},
	{"connect", required_argument, NULL, O_CONNECT},
	{"timeout-ms", required_argument, NULL, O_TIMEOUT},
	{"rpc-timeout-ms", required_argument, NULL, O_RPC_TIMEOUT},
	{"verbose", no_argument, NULL, O_VERBOSE},
	{"help", no_argument, NULL, O_HELP},
	{"version", no_argument, NULL, O_VERSION},
	{NULL, 0, NULL, 0},
};

static int parse_opt(int opt, const char *arg, struct opts *o)
{
	switch (opt) {
	case O_DEVICE: o->device = arg; return 0;
	case O_PORT: o->port = arg; return 0;
	case O_PORT_NAME: o->port_name = arg; return 0;
	case O_CONNECT: o->connect = arg; return 0;
	case O_VERBOSE: o->verbose = true; return 0;
	case O_TIMEOUT:
		return tool_parse_ulong(arg, 10, 1, 600000, &o->timeout_ms)
			       ? 0 : usage_error("--timeout-ms wants 1..600000, not '%s'", arg);
	case O_RPC_TIMEOUT:
		return tool_parse_ulong(arg, 10, 1, 600000, &o->rpc_timeout_ms)
			       ? 0 : usage_error("--rpc-timeout-ms wants 1..600000, not '%s'", arg);
	default: return usage_error("unknown option or missing argument");
	}
}

/* 0 to run, -1 after --help or --version, or an exit code. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){.device = DEFAULT_DEVICE, .timeout_ms = BRIDGE_DEFAULT_TIMEOUT_MS,
			   .rpc_timeout_ms = BRIDGE_DEFAULT_RPC_TIMEOUT_MS};
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		if (opt == O_HELP) {
			usage(stdout);
			return -1;
		}
		if (opt == O_VERSION) {
			printf(PROG " %s\n", TEEVAR_VERSION);
			return -1;
		}
		if (opt == '?')
			return usage_error("unknown option or missing argument: '%s'", argv[optind - 1]);
		int rc = parse_opt(opt, optarg, o);
		if (rc)
			return rc;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if ((o->port != NULL) + (o->port_name != NULL) + (o->connect != NULL) > 1)
		return usage_error("give one of --port, --port-name and --connect");
	if (!o->port && !o->connect && !o->port_name)
		o->port_name = DEFAULT_PORT_NAME;
	return 0;
}

/* The port's fd (non-blocking), or -1 (logged). */
static int open_port(const struct opts *o)
{
	char path[4096];
	const char *p = o->port;
	if (!p) {
		int rc = vtee_port_find(VTEE_PORT_SYSFS, VTEE_PORT_DEV, o->port_name, path,
					sizeof(path));
		if (rc != TV_OK) {
			logmsg("no virtio-serial port named '%s' in " VTEE_PORT_SYSFS, o->port_name);
			return -1;
		}
		p = path;
	}
	int fd = open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		logmsg("%s: %s", p, strerror(errno));
	else if (o->verbose)
		logmsg("port %s", p);
	return fd;
}

/* Sleeps ms unless a stop signal comes. */
static void pause_ms(int ms, const sigset_t *wait_mask)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	ppoll(NULL, 0, &ts, wait_mask);
}

/* Waits until teevard answers (the device must not appear before). 0, or -1
 * when stopped by a signal. */
static int wait_for_teevard(struct bridge *b, const sigset_t *wait_mask)
{
	int waited = 0;
	while (!tv_stop_signal() && bridge_connect(b) != TV_OK) {
		if (waited % WAIT_LOG_EVERY_MS == 0)
			logmsg("waiting for teevard%s", waited ? " (still)" : "");
		pause_ms(RETRY_MS, wait_mask);
		waited += RETRY_MS;
	}
	return tv_stop_signal() ? -1 : 0;
}

/* The request loop: 0 on a stop signal, else EXIT_DEVICE. Requests kept
 * while an RPC ran are served without waiting for the device. */
static int serve(struct bridge *b, int dev, const sigset_t *wait_mask)
{
	static const struct timespec now = {0};
	while (!tv_stop_signal()) {
		struct pollfd p[2] = {{.fd = dev, .events = POLLIN},
				      {.fd = bridge_watch_fd(b), .events = POLLIN}};
		bool kept = bridge_backlog(b) > 0;
		int n = ppoll(p, 2, kept ? &now : NULL, wait_mask);
		if (n < 0 && errno != EINTR) {
			logmsg("poll: %s", strerror(errno));
			return EXIT_DEVICE;
		}
		if (n < 0 || (n == 0 && !kept))
			continue;
		if (p[1].fd >= 0 && p[1].revents)
			bridge_watch_event(b, p[1].revents);
		if (!kept && !(p[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
			continue;
		int rc = bridge_serve(b, dev);
		if (rc == 0 || rc == -EAGAIN)
			continue;
		logmsg("device: %s", rc == -EPIPE ? "end of file" : strerror(-rc));
		return EXIT_DEVICE;
	}
	return 0;
}

static int run(const struct opts *o, const sigset_t *wait_mask)
{
	int port = o->connect ? -1 : open_port(o);
	if (!o->connect && port < 0)
		return EXIT_START;
	bool verbose = o->verbose;
	struct bridge_config cfg = {.socket_path = o->connect, .port_fd = port,
				    .timeout_ms = (int)o->timeout_ms,
				    .rpc_timeout_ms = (int)o->rpc_timeout_ms, .log = log_cb,
				    .log_ctx = &verbose};
	struct bridge *b;
	if (bridge_new(&cfg, &b) != TV_OK) {
		logmsg("cannot set up the bridge");
		if (port >= 0)
			close(port);
		return EXIT_START;
	}
	int rc = 0, dev = -1;
	if (wait_for_teevard(b, wait_mask) == 0) {
		dev = open(o->device, O_RDWR | O_CLOEXEC);
		if (dev < 0) {
			logmsg("%s: %s", o->device, strerror(errno));
			rc = EXIT_START;
		} else {
			logmsg("serving %s", o->device);
			rc = serve(b, dev, wait_mask);
		}
	}
	if (tv_stop_signal())
		logmsg("stopping on %s", tv_stop_signal() == SIGTERM ? "SIGTERM" : "SIGINT");
	if (dev >= 0)
		close(dev);
	bridge_free(b);
	if (port >= 0)
		close(port);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o;
	int rc = parse_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	sigset_t wait_mask;
	if (tv_signals_setup(&wait_mask) != 0) {
		logmsg("signals: %s", strerror(errno));
		return EXIT_START;
	}
	return run(&o, &wait_mask);
}

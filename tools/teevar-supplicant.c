/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevar-supplicant: owns one RPMB device (an emulated image or a Linux eMMC
 * RPMB partition) and serves the secure core's RPMB requests on a Unix socket,
 * or, with --tee / --tee-dev, as the OP-TEE supplicant of a Linux TEE device
 * (docs/supplicant.md). It never holds the RPMB key.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tool_util.h"
#include "rpmb_emu.h"
#include "rpmb_mmc.h"
#include "sock_io.h"
#include "supp_tee.h"
#include "supplicant.h"
#include "tv_err.h"

#define PROG "teevar-supplicant"
#define EXIT_USAGE 2
#define usage_error(...) tool_usage_error(PROG, EXIT_USAGE, __VA_ARGS__)
#define MAX_CARDS 16

struct opts {
	const char *socket;
	mode_t socket_mode;
	bool socket_given, tee;
	const char *tee_dev; /* --tee-dev, or NULL with --tee: probe */
	const char *image;
	unsigned long size_mult, rel_wr;
	bool no_create, no_sync, quiet;
	const char *rpmb_dev, *rpmb_cid, *sysfs_root, *dev_root;
	unsigned long timeout_ms;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [options] (--image FILE | --rpmb-dev DEV | --rpmb-cid HEX)\n"
		"                         [--tee | --tee-dev PATH]\n"
		"Serves one RPMB device to teevard (--supplicant SOCKET) on a Unix socket, or\n"
		"as the OP-TEE supplicant of a Linux TEE device, as tee-supplicant does.\n"
		"\n"
		"  --socket PATH       socket to listen on (default ./teevar-supplicant.sock;\n"
		"                      a system service uses /run/teevar/supplicant.sock)\n"
		"  --socket-mode MODE  permissions of the socket file, octal (default 0600)\n"
		"  --tee               no socket: serve the first OP-TEE supplicant device of\n"
		"                      /dev/teepriv0..9 (RPC RPMB, SHM_ALLOC, SHM_FREE; other\n"
		"                      functions are answered NOT_SUPPORTED)\n"
		"  --tee-dev PATH      ... that device, e.g. /dev/teepriv0\n"
		"  --image FILE        serve an emulated RPMB image (created if missing); a\n"
		"                      block device is formatted only if its first 512\n"
		"                      bytes are zero\n"
		"  --size-mult N       new image: RPMB size in 128 KiB units, 1..128 (default 32)\n"
		"  --rel-wr N          new image: reliable-write sector count, 1..32 (default 1)\n"
		"  --no-create         refuse to create a missing image\n"
		"  --no-sync           do not fdatasync the image on writes (tests, benchmarks)\n"
		"  --rpmb-dev DEV      serve a Linux eMMC RPMB partition, e.g. /dev/mmcblk0rpmb\n"
		"  --rpmb-cid HEX      ... the eMMC whose CID (32 hex digits) matches, as\n"
		"                      tee-supplicant --rpmb-cid\n"
		"  --sysfs-root DIR    where to find the cards (default /sys)\n"
		"  --dev-root DIR      where the device nodes are (default /dev)\n"
		"  --timeout-ms N      a started request must complete within N ms (default 5000;\n"
		"                      socket only)\n"
		"  -q, --quiet         log errors only\n"
		"  -h, --help          this text\n"
		"SIGTERM or SIGINT stop it after the request in progress. Exit status: 0 after\n"
		"a stop, 1 when the device, the socket or the TEE device cannot be used (or\n"
		"the TEE driver fails a request), 2 for a bad command line.\n");
}

enum { OPT_SOCKET = 256, OPT_MODE, OPT_IMAGE, OPT_SIZE, OPT_REL, OPT_NOCREATE, OPT_NOSYNC, OPT_DEV, OPT_CID,
       OPT_SYSFS, OPT_DEVROOT, OPT_TIMEOUT, OPT_TEE, OPT_TEE_DEV };

static const struct option long_opts[] = {
	{"socket", required_argument, NULL, OPT_SOCKET},
	{"socket-mode", required_argument, NULL, OPT_MODE},
	{"image", required_argument, NULL, OPT_IMAGE},
	{"size-mult", required_argument, NULL, OPT_SIZE},
	{"rel-wr", required_argument, NULL, OPT_REL},
	{"no-create", no_argument, NULL, OPT_NOCREATE},
	{"no-sync", no_argument, NULL, OPT_NOSYNC},
	{"rpmb-dev", required_argument, NULL, OPT_DEV},
	{"rpmb-cid", required_argument, NULL, OPT_CID},
	{"sysfs-root", required_argument, NULL, OPT_SYSFS},
	{"dev-root", required_argument, NULL, OPT_DEVROOT},
	{"timeout-ms", required_argument, NULL, OPT_TIMEOUT},
	{"tee", no_argument, NULL, OPT_TEE},
	{"tee-dev", required_argument, NULL, OPT_TEE_DEV},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* Numeric options: 0 or an exit code. */
static int parse_number(int opt, const char *arg, struct opts *o)
{
	unsigned long mode;
	switch (opt) {
	case OPT_MODE:
		if (!tool_parse_ulong(arg, 8, 0, 0777, &mode))
			return usage_error("--socket-mode wants an octal mode, not '%s'", arg);
		o->socket_mode = (mode_t)mode;
		o->socket_given = true;
		return 0;
	case OPT_SIZE:
		return tool_parse_ulong(arg, 10, 1, 128, &o->size_mult)
			       ? 0 : usage_error("--size-mult wants 1..128, not '%s'", arg);
	case OPT_REL:
		return tool_parse_ulong(arg, 10, 1, 32, &o->rel_wr)
			       ? 0 : usage_error("--rel-wr wants 1..32, not '%s'", arg);
	default:
		return tool_parse_ulong(arg, 10, 1, 3600000, &o->timeout_ms)
			       ? 0 : usage_error("--timeout-ms wants 1..3600000, not '%s'", arg);
	}
}

static int parse_opt(int opt, const char *arg, struct opts *o)
{
	switch (opt) {
	case OPT_SOCKET: o->socket = arg; o->socket_given = true; return 0;
	case OPT_TEE: o->tee = true; return 0;
	case OPT_TEE_DEV: o->tee_dev = arg; return 0;
	case OPT_IMAGE: o->image = arg; return 0;
	case OPT_NOCREATE: o->no_create = true; return 0;
	case OPT_NOSYNC: o->no_sync = true; return 0;
	case OPT_DEV: o->rpmb_dev = arg; return 0;
	case OPT_CID: o->rpmb_cid = arg; return 0;
	case OPT_SYSFS: o->sysfs_root = arg; return 0;
	case OPT_DEVROOT: o->dev_root = arg; return 0;
	case 'q': o->quiet = true; return 0;
	case OPT_MODE: case OPT_SIZE: case OPT_REL: case OPT_TIMEOUT: return parse_number(opt, arg, o);
	default: return usage_error("%s", "unknown option");
	}
}

/* 0 to go on, -1 after --help, or an exit code. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){.socket = "./teevar-supplicant.sock", .socket_mode = 0600,
			   .size_mult = 32, .rel_wr = 1, .timeout_ms = SUPPLICANT_DEFAULT_TIMEOUT_MS};
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "qh", long_opts, NULL)) != -1) {
		if (opt == 'h')
			return -1;
		if (opt == '?')
			return usage_error("unknown option or missing argument: '%s'", argv[optind - 1]);
		int rc = parse_opt(opt, optarg, o);
		if (rc)
			return rc;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	bool mmc = o->rpmb_dev || o->rpmb_cid;
	if (!o->image == !mmc)
		return usage_error("%s", "give either --image or --rpmb-dev / --rpmb-cid");
	if (o->tee && o->tee_dev)
		return usage_error("%s", "give either --tee or --tee-dev");
	if ((o->tee || o->tee_dev) && o->socket_given)
		return usage_error("%s", "--socket and --socket-mode do not go with --tee / --tee-dev");
	return 0;
}

/* ------------------------------------------------------------------ devices */

static int open_image(const struct opts *o, struct rpmb_emu **emu)
{
	struct rpmb_emu_config cfg;
	rpmb_emu_config_default(&cfg);
	cfg.size_mult = (uint8_t)o->size_mult;
	cfg.rel_wr_sec_c = (uint8_t)o->rel_wr;
	cfg.sync = !o->no_sync;
	tv_err_clear_detail();
	int rc = rpmb_emu_open(o->image, &cfg, emu);
	struct stat st;
	bool block = stat(o->image, &st) == 0 && S_ISBLK(st.st_mode);
	if (rc == TV_ENOENT && !o->no_create) {
		rc = rpmb_emu_create(o->image, &cfg, emu);
		if (rc == TV_OK && !o->quiet)
			fprintf(stderr, PROG ": %s %s\n", block ? "formatted" : "created", o->image);
	}
	if (rc == TV_ENOENT && block)
		fprintf(stderr, PROG ": %s: no image on this disk yet (and --no-create)\n", o->image);
	else if (rc == TV_ENOENT)
		fprintf(stderr, PROG ": %s: no such image (and --no-create)\n", o->image);
	else if (rc == TV_EBUSY)
		fprintf(stderr, PROG ": %s: image in use by another process%s\n", o->image,
			block ? " (or the disk is mounted)" : "");
	else if (rc == TV_ECORRUPT)
		fprintf(stderr, PROG ": %s: not a valid RPMB image\n", o->image);
	else if (rc != TV_OK && *tv_err_detail())
		fprintf(stderr, PROG ": %s\n", tv_err_detail());
	else if (rc != TV_OK)
		fprintf(stderr, PROG ": %s: %s\n", o->image, tv_strerror(rc));
	return rc;
}

static void cid_hex(const uint8_t *cid, char out[2 * RPMB_CID_SIZE + 1])
{
	for (size_t i = 0; i < RPMB_CID_SIZE; i++)
		snprintf(out + 2 * i, 3, "%02x", cid[i]);
}

static void list_cards(const struct rpmb_mmc_card *cards, size_t n, const uint8_t *cid)
{
	char hex[2 * RPMB_CID_SIZE + 1];
	for (size_t i = 0; i < n; i++) {
		if (cid && memcmp(cards[i].info.cid, cid, RPMB_CID_SIZE) != 0)
			continue;
		cid_hex(cards[i].info.cid, hex);
		fprintf(stderr, "  %s: CID %s\n", cards[i].block_name, hex);
	}
}

/* The CID must name exactly one card: refuse to guess between two. */
static int check_cid_unique(const struct opts *o, const uint8_t *cid)
{
	struct rpmb_mmc_card cards[MAX_CARDS];
	int n = rpmb_mmc_scan(o->sysfs_root, cards, MAX_CARDS);
	if (n < 0) {
		fprintf(stderr, PROG ": scanning eMMC cards in sysfs: %s\n", tv_strerror(n));
		return n;
	}
	size_t shown = (size_t)n < MAX_CARDS ? (size_t)n : MAX_CARDS, hits = 0;
	for (size_t i = 0; i < shown; i++)
		hits += memcmp(cards[i].info.cid, cid, RPMB_CID_SIZE) == 0;
	if (hits == 1)
		return TV_OK;
	if (hits == 0) {
		fprintf(stderr, PROG ": no eMMC card with CID %s (%d card%s with RPMB found)\n",
			o->rpmb_cid, n, n == 1 ? "" : "s");
		list_cards(cards, shown, NULL);
		return TV_ENOENT;
	}
	fprintf(stderr, PROG ": CID %s matches %zu cards; refusing to guess\n", o->rpmb_cid, hits);
	list_cards(cards, shown, cid);
	return TV_EINVAL;
}

static int open_mmc(const struct opts *o, struct rpmb_dev *dev)
{
	uint8_t cid[RPMB_CID_SIZE];
	struct rpmb_mmc_config cfg = {.dev_path = o->rpmb_dev, .sysfs_root = o->sysfs_root,
				      .dev_root = o->dev_root};
	if (o->rpmb_cid) {
		if (rpmb_cid_parse(o->rpmb_cid, cid) != TV_OK) {
			fprintf(stderr, PROG ": --rpmb-cid wants 32 hex digits, not '%s'\n", o->rpmb_cid);
			return TV_EINVAL;
		}
		int rc = check_cid_unique(o, cid);
		if (rc != TV_OK)
			return rc;
		cfg.cid = cid;
	}
	int rc = rpmb_mmc_open(&cfg, dev);
	if (rc == TV_EINVAL && o->rpmb_cid && o->rpmb_dev)
		fprintf(stderr, PROG ": %s is not the card with CID %s\n", o->rpmb_dev, o->rpmb_cid);
	else if (rc == TV_ENOENT && o->rpmb_dev)
		fprintf(stderr, PROG ": %s: no such device, or no eMMC card in sysfs owns it\n",
			o->rpmb_dev);
	else if (rc == TV_ENOENT)
		fprintf(stderr, PROG ": the card's RPMB device node is missing under %s\n",
			o->dev_root ? o->dev_root : "/dev");
	else if (rc != TV_OK)
		fprintf(stderr, PROG ": opening the eMMC RPMB device: %s\n", tv_strerror(rc));
	return rc;
}

struct device {
	struct rpmb_emu *emu;
	struct rpmb_dev dev;
};

static int open_device(const struct opts *o, struct device *d)
{
	if (!o->image)
		return open_mmc(o, &d->dev);
	int rc = open_image(o, &d->emu);
	if (rc == TV_OK)
		d->dev = rpmb_emu_dev(d->emu);
	return rc;
}

static void close_device(struct device *d)
{
	if (d->emu)
		rpmb_emu_free(d->emu);
	else
		rpmb_dev_close(&d->dev);
}

static void describe(const struct opts *o, const struct device *d, const char *where)
{
	struct rpmb_dev_info info;
	char hex[2 * RPMB_CID_SIZE + 1];
	if (o->quiet || rpmb_dev_get_info(&d->dev, &info) != TV_OK)
		return;
	cid_hex(info.cid, hex);
	fprintf(stderr, PROG ": serving %s (CID %s, %u KiB, rel_wr_sec_c %u) on %s\n",
		o->image ? o->image : o->rpmb_dev ? o->rpmb_dev : "eMMC", hex,
		info.size_mult * 128u, info.rel_wr_sec_c, where);
}

/* ------------------------------------------------------------------ service */

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
	supp_tee_on_signal(); /* abandons a RECV that is about to block */
}

/* Stop signals are blocked except while waiting, so they never cut a request.
 * No SA_RESTART: a wait they interrupt returns EINTR. */
static void setup_signals(sigset_t *wait_mask)
{
	struct sigaction sa = {.sa_handler = on_stop};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, wait_mask);
	sigdelset(wait_mask, SIGTERM);
	sigdelset(wait_mask, SIGINT);
}

/* systemd Type=notify readiness (a no-op without NOTIFY_SOCKET). */
static void notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t len = path ? strlen(path) : 0;
	if (len == 0 || len >= sizeof(a.sun_path) || (path[0] != '/' && path[0] != '@'))
		return;
	memcpy(a.sun_path, path, len);
	if (path[0] == '@')
		a.sun_path[0] = '\0'; /* abstract namespace */
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&a, alen);
	close(fd);
}

static int listen_on(const struct opts *o)
{
	int fd = sock_listen_unix(o->socket, o->socket_mode);
	if (fd == TV_EBUSY)
		fprintf(stderr, PROG ": %s: another process is already serving there\n", o->socket);
	else if (fd == TV_EINVAL)
		fprintf(stderr, PROG ": %s: not usable as a socket path (too long, or not a socket)\n",
			o->socket);
	else if (fd < 0)
		fprintf(stderr, PROG ": %s: cannot listen: %s\n", o->socket, strerror(errno));
	return fd;
}

static int serve(const struct opts *o, struct device *d)
{
	sigset_t wait_mask;
	setup_signals(&wait_mask);
	int lfd = listen_on(o);
	if (lfd < 0)
		return 1;
	describe(o, d, o->socket);
	notify("READY=1");
	struct supplicant_config cfg = {.io_timeout_ms = (int)o->timeout_ms, .stop = &stop_flag,
					.wait_mask = &wait_mask, .log = o->quiet ? NULL : stderr};
	int rc = supplicant_serve(lfd, &d->dev, &cfg);
	notify("STOPPING=1");
	close(lfd);
	unlink(o->socket);
	if (rc != TV_OK)
		fprintf(stderr, PROG ": %s\n", tv_strerror(rc));
	else if (!o->quiet)
		fprintf(stderr, PROG ": stopped\n");
	return rc == TV_OK ? 0 : 1;
}

/* The OP-TEE supplicant of a TEE device (src/rpmb/supp_tee.h). */
static int serve_tee(const struct opts *o, struct device *d)
{
	sigset_t wait_mask;
	setup_signals(&wait_mask);
	char used[64];
	tv_err_clear_detail();
	int fd = supp_tee_open_dev(NULL, NULL, o->tee_dev, used, sizeof(used));
	if (fd < 0) {
		fprintf(stderr, PROG ": no OP-TEE supplicant device: %s\n", tv_err_detail());
		return 1;
	}
	struct supp_tee *t = NULL;
	struct supp_tee_config cfg = {.fd = fd, .dev = &d->dev, .log = o->quiet ? NULL : stderr};
	if (supp_tee_new(&cfg, &t) != TV_OK) {
		close(fd);
		fprintf(stderr, PROG ": %s\n", tv_strerror(TV_ENOMEM));
		return 1;
	}
	describe(o, d, used);
	notify("READY=1");
	struct supp_tee_loop loop = {.stop = &stop_flag, .wait_mask = &wait_mask};
	int rc = supp_tee_serve(t, &loop);
	notify("STOPPING=1");
	supp_tee_free(t);
	if (rc != TV_OK)
		fprintf(stderr, PROG ": the TEE driver failed a request on %s: stopping\n", used);
	else if (!o->quiet)
		fprintf(stderr, PROG ": stopped\n");
	return rc == TV_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct opts o;
	int rc = parse_args(argc, argv, &o);
	if (rc < 0) {
		usage(stdout);
		return 0;
	}
	if (rc)
		return rc;
	struct device d = {0};
	if (open_device(&o, &d) != TV_OK)
		return 1;
	rc = o.tee || o.tee_dev ? serve_tee(&o, &d) : serve(&o, &d);
	close_device(&d);
	return rc;
}

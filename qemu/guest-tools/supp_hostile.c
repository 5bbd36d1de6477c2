/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * supp_hostile: a lying OP-TEE supplicant for the guest (tests only; built by
 * qemu/build-supplicant.sh, never installed). The TEE front end of
 * teevar-supplicant (src/rpmb/supp_tee.h) over an emulated RPMB device in
 * memory or in an image (file or block device), wrapped in the lying device
 * of tests/supplicant/rpmb_liar.h:
 *
 *   supp_hostile --mode forge|replay|reorder|honest [--after N]
 *                [--image FILE] [--tee-dev PATH] [-q]
 *
 * The first N requests (route calls) are served honestly. SIGTERM / SIGINT
 * stop it between requests; it then prints how many requests it saw and how
 * many answers it forged. Exit status: 0 after a stop, 1 when a device cannot
 * be opened or the TEE driver fails, 2 for a bad command line.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rpmb_emu.h"
#include "rpmb_liar.h"
#include "supp_tee.h"
#include "tv_err.h"

#define PROG "supp_hostile"

struct opts {
	enum rpmb_liar_mode mode;
	uint64_t after;
	const char *image, *tee_dev;
	int quiet;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " --mode forge|replay|reorder|honest [--after N]\n"
		   "                    [--image FILE] [--tee-dev PATH] [-q]\n"
		   "A lying OP-TEE supplicant (tests only): the emulated RPMB device is in\n"
		   "memory, or in FILE (created, or a blank block device formatted); the TEE\n"
		   "device is PATH or the first OP-TEE /dev/teepriv0..9.\n");
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"mode", required_argument, NULL, 'm'},  {"after", required_argument, NULL, 'a'},
		{"image", required_argument, NULL, 'i'}, {"tee-dev", required_argument, NULL, 't'},
		{"quiet", no_argument, NULL, 'q'},       {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int have_mode = 0, c;
	char *end;
	*o = (struct opts){.mode = RPMB_LIAR_HONEST};
	while ((c = getopt_long(argc, argv, "qh", lo, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (rpmb_liar_mode_parse(optarg, &o->mode) != 0) {
				fprintf(stderr, PROG ": unknown mode '%s'\n", optarg);
				return 2;
			}
			have_mode = 1;
			break;
		case 'a':
			errno = 0;
			o->after = strtoull(optarg, &end, 10);
			if (errno || *end || !*optarg || optarg[0] == '-') {
				fprintf(stderr, PROG ": --after wants a count, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'i': o->image = optarg; break;
		case 't': o->tee_dev = optarg; break;
		case 'q': o->quiet = 1; break;
		case 'h': usage(stdout); return -1;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || !have_mode) {
		usage(stderr);
		return 2;
	}
	return 0;
}

static int open_emu(const struct opts *o, struct rpmb_emu **emu)
{
	struct rpmb_emu_config cfg;
	rpmb_emu_config_default(&cfg);
	cfg.sync = o->image != NULL;
	if (!o->image)
		return rpmb_emu_new_mem(&cfg, emu);
	int rc = rpmb_emu_open(o->image, &cfg, emu);
	if (rc == TV_ENOENT)
		rc = rpmb_emu_create(o->image, &cfg, emu);
	if (rc != TV_OK)
		fprintf(stderr, PROG ": %s: %s (%s)\n", o->image, tv_strerror(rc), tv_err_detail());
	return rc;
}

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
	supp_tee_on_signal();
}

/* As teevar-supplicant: the stop signals open only while waiting in RECV. */
static void setup_signals(sigset_t *wait_mask)
{
	struct sigaction sa = {.sa_handler = on_stop};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, wait_mask);
	sigdelset(wait_mask, SIGTERM);
	sigdelset(wait_mask, SIGINT);
}

static int serve(const struct opts *o, const struct rpmb_dev *dev, struct rpmb_liar *liar)
{
	sigset_t wait_mask;
	setup_signals(&wait_mask);
	char used[64];
	int fd = supp_tee_open_dev(NULL, NULL, o->tee_dev, used, sizeof(used));
	if (fd < 0) {
		fprintf(stderr, PROG ": no OP-TEE supplicant device: %s\n", tv_err_detail());
		return 1;
	}
	struct supp_tee *t = NULL;
	struct supp_tee_config cfg = {.fd = fd, .dev = dev, .log = o->quiet ? NULL : stderr};
	if (supp_tee_new(&cfg, &t) != TV_OK) {
		close(fd);
		return 1;
	}
	if (!o->quiet)
		fprintf(stderr, PROG ": serving %s on %s, lying after %" PRIu64 " requests\n",
			o->image ? o->image : "a device in memory", used, o->after);
	struct supp_tee_loop loop = {.stop = &stop_flag, .wait_mask = &wait_mask};
	int rc = supp_tee_serve(t, &loop);
	supp_tee_free(t);
	fprintf(stderr, PROG ": %s: %" PRIu64 " requests, %" PRIu64 " answers forged\n",
		rc == TV_OK ? "stopped" : "the TEE driver failed a request",
		rpmb_liar_requests(liar), rpmb_liar_lies(liar));
	return rc == TV_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct opts o;
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	struct rpmb_emu *emu = NULL;
	if (open_emu(&o, &emu) != TV_OK)
		return 1;
	struct rpmb_dev inner = rpmb_emu_dev(emu);
	struct rpmb_liar *liar = NULL;
	if (rpmb_liar_new(&inner, o.mode, o.after, &liar) != TV_OK) {
		rpmb_emu_free(emu);
		return 1;
	}
	struct rpmb_dev dev = rpmb_liar_dev(liar);
	rc = serve(&o, &dev, liar);
	rpmb_liar_free(liar);
	rpmb_emu_free(emu);
	return rc;
}

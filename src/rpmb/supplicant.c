/* SPDX-License-Identifier: BSD-2-Clause */
#include "supplicant.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "supp_handler.h"
#include "supp_wire.h"
#include "tv_err.h"

#define WAIT_READY 0
#define WAIT_AGAIN 1 /* interrupted by a signal: look at the stop flag */

static bool stopping(const struct supplicant_config *cfg)
{
	return cfg->stop && *cfg->stop;
}

static void note(const struct supplicant_config *cfg, const char *what)
{
	if (cfg->log) {
		fprintf(cfg->log, "supplicant: %s\n", what);
		fflush(cfg->log);
	}
}

static int wait_ready(struct pollfd *p, nfds_t n, const struct supplicant_config *cfg)
{
	int r = ppoll(p, n, NULL, cfg->wait_mask);
	if (r > 0)
		return WAIT_READY;
	return r < 0 && errno != EINTR ? TV_EIO : WAIT_AGAIN;
}

/* A new connection, or -1 (none waiting, or a failure worth a short pause). */
static int accept_one(int listen_fd, const struct supplicant_config *cfg)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd >= 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
	    errno == ECONNABORTED)
		return fd;
	note(cfg, "accept failed; retrying");
	nanosleep(&(struct timespec){.tv_nsec = 100 * 1000 * 1000}, NULL); /* e.g. EMFILE */
	return -1;
}

static void serve_conn(int conn, int listen_fd, const struct rpmb_dev *dev,
		       const struct supp_bufs *b, const struct supplicant_config *cfg)
{
	while (!stopping(cfg)) {
		struct pollfd p[2] = {{.fd = conn, .events = POLLIN},
				      {.fd = listen_fd, .events = POLLIN}};
		int rc = wait_ready(p, 2, cfg);
		if (rc == TV_EIO)
			return;
		if (rc == WAIT_AGAIN)
			continue;
		/* The connection first: a client that went away frees the slot. */
		if (p[0].revents) {
			if (supp_handle_request(conn, dev, b, cfg->io_timeout_ms, cfg->log) != SUPP_KEEP)
				return;
			continue;
		}
		int extra = accept_one(listen_fd, cfg);
		if (extra >= 0) {
			note(cfg, "second connection refused: one client at a time");
			close(extra);
		}
	}
}

int supplicant_serve(int listen_fd, const struct rpmb_dev *dev,
		     const struct supplicant_config *cfg_in)
{
	struct supplicant_config cfg = *cfg_in;
	if (cfg.io_timeout_ms <= 0)
		cfg.io_timeout_ms = SUPPLICANT_DEFAULT_TIMEOUT_MS;
	struct supp_bufs b = {.in = malloc(SUPP_MAX_IN), .out = malloc(SUPP_MAX_OUT)};
	int rc = b.in && b.out ? TV_OK : TV_ENOMEM;
	while (rc == TV_OK && !stopping(&cfg)) {
		struct pollfd p = {.fd = listen_fd, .events = POLLIN};
		int w = wait_ready(&p, 1, &cfg);
		if (w != WAIT_READY) {
			rc = w == TV_EIO ? TV_EIO : TV_OK;
			continue;
		}
		int conn = accept_one(listen_fd, &cfg);
		if (conn < 0)
			continue;
		note(&cfg, "client connected");
		serve_conn(conn, listen_fd, dev, &b, &cfg);
		close(conn);
		note(&cfg, "client gone");
	}
	free(b.in);
	free(b.out);
	return rc;
}

/* SPDX-License-Identifier: BSD-2-Clause */
#include "server.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "dispatch.h"
#include "log.h"
#include "notify.h"
#include "tv_err.h"
#include "tv_signals.h"

#define STOP_FLUSH_MS 1000

struct server {
	const struct tvd_config *cfg;
	struct tvd_service svc;
	int listen_fd;
	struct tvd_conn **conns;
	unsigned n;
	struct pollfd *pfds;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* STORE_INFO's client count: the connections of peers that may read. A peer
 * without rights is dropped at its idle deadline; until then it must not be
 * able to make teevar --runtime refuse (or count as a client at all). */
static void count_clients(struct server *s)
{
	unsigned k = 0;
	for (unsigned i = 0; i < s->n; i++)
		if (tvd_allowed(s->svc.policy, &s->conns[i]->peer, TVD_ACCESS_READ))
			k++;
	s->svc.clients = k;
}

static void drop(struct server *s, unsigned i)
{
	tvd_drop_sessions(&s->svc, s->conns[i]);
	tvd_conn_free(s->conns[i]);
	s->conns[i] = s->conns[--s->n];
	count_clients(s);
}

/* A connection over --max-clients: an ERROR frame with TEE_ERROR_BUSY, so the
 * client can say why (docs/teevard-protocol.md), then closed. The socket is
 * new and its buffer empty: the 20 bytes go out at once or not at all. */
static void refuse_full(int fd)
{
	struct tvd_status st = {.result = TEE_ERROR_BUSY, .origin = TEE_ORIGIN_COMMS};
	struct tvd_frame f;
	if (tvd_enc_status(TVD_OP_ERROR, &st, &f) == TV_OK) {
		ssize_t n = send(fd, f.buf, f.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)n;
		tvd_frame_free(&f);
	}
	close(fd);
}

static void drop_logged(struct server *s, unsigned i, const char *why)
{
	const struct tvd_peer *p = &s->conns[i]->peer;
	tvd_log("dropped uid %u pid %d: %s", (unsigned)p->uid, (int)p->pid, why);
	drop(s, i);
}

static void add_client(struct server *s, int fd, int64_t now)
{
	struct tvd_peer peer;
	int rc = tvd_peer_get(fd, &peer);
	if (rc != 0 || s->n >= s->cfg->max_clients) {
		if (rc != 0)
			tvd_log("no peer credentials: %s", strerror(-rc));
		else
			tvd_log("refused uid %u pid %d: too many clients (--max-clients %u)",
				(unsigned)peer.uid, (int)peer.pid, s->cfg->max_clients);
		if (rc == 0)
			refuse_full(fd);
		else
			close(fd);
		return;
	}
	struct tvd_conn *c = tvd_conn_new(fd, &peer);
	if (!c) {
		close(fd);
		return;
	}
	if (!tvd_allowed(s->svc.policy, &peer, TVD_ACCESS_READ))
		c->idle_deadline = now + s->cfg->io_timeout_ms;
	s->conns[s->n++] = c;
	count_clients(s);
}

static void accept_clients(struct server *s, int64_t now)
{
	for (;;) {
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			add_client(s, fd, now);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			tvd_log("accept: %s", strerror(errno));
		return;
	}
}

static void framing_error(struct tvd_conn *c, enum tvd_rx rx)
{
	static const char *const why[] = {
		[TVD_RX_BAD_MAGIC] = "not a teevard frame (magic or version)",
		[TVD_RX_TOO_BIG] = "frame too large",
		[TVD_RX_NOMEM] = "no memory for the frame",
	};
	tvd_log("uid %u pid %d: %s; closing", (unsigned)c->peer.uid, (int)c->peer.pid, why[rx]);
	tvd_answer_framing_error(c, rx == TVD_RX_TOO_BIG ? TEE_ERROR_EXCESS_DATA
				 : rx == TVD_RX_NOMEM ? TEE_ERROR_OUT_OF_MEMORY
						       : TVD_TEE_ERROR_BAD_FORMAT);
}

/* Reads at most one request and answers it. False: drop the connection. */
static bool serve_input(struct server *s, struct tvd_conn *c)
{
	enum tvd_rx rx = tvd_conn_receive(c);
	switch (rx) {
	case TVD_RX_MORE:
		return true;
	case TVD_RX_CLOSED:
		return false;
	case TVD_RX_FRAME:
		tvd_dispatch(&s->svc, c);
		tvd_conn_frame_done(c);
		break;
	default:
		framing_error(c, rx);
		break;
	}
	return true;
}

static bool conn_event(struct server *s, struct tvd_conn *c, short revents)
{
	if (!tvd_conn_sending(c) && (revents & (POLLIN | POLLERR | POLLHUP)) &&
	    !serve_input(s, c))
		return false;
	if (tvd_conn_sending(c) && tvd_conn_send(c) < 0)
		return false;
	return tvd_conn_sending(c) || !c->close_after_send;
}

static void update_deadline(struct server *s, struct tvd_conn *c, int64_t now)
{
	bool busy = tvd_conn_mid_frame(c) || tvd_conn_sending(c);
	if (!busy)
		c->io_deadline = 0;
	else if (!c->io_deadline)
		c->io_deadline = now + s->cfg->io_timeout_ms;
}

static int64_t deadline_of(const struct tvd_conn *c)
{
	if (!c->io_deadline || (c->idle_deadline && c->idle_deadline < c->io_deadline))
		return c->idle_deadline;
	return c->io_deadline;
}

static void expire(struct server *s, int64_t now)
{
	for (unsigned i = s->n; i-- > 0;) {
		struct tvd_conn *c = s->conns[i];
		int64_t d = deadline_of(c);
		if (!d || d > now)
			continue;
		drop_logged(s, i, d == c->idle_deadline ? "no access, idle past the I/O timeout"
			    : tvd_conn_sending(c)       ? "did not read its answer in time"
							: "partial request timed out");
	}
}

/* The poll set: the listener first, then one entry per connection. */
static struct timespec *build_poll(struct server *s, int64_t now, struct timespec *ts)
{
	int64_t next = 0;
	s->pfds[0] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
	for (unsigned i = 0; i < s->n; i++) {
		struct tvd_conn *c = s->conns[i];
		s->pfds[i + 1] = (struct pollfd){.fd = c->fd,
						 .events = tvd_conn_sending(c) ? POLLOUT : POLLIN};
		int64_t d = deadline_of(c);
		if (d && (!next || d < next))
			next = d;
	}
	if (!next)
		return NULL;
	int64_t left = next > now ? next - now : 0;
	ts->tv_sec = (time_t)(left / 1000);
	ts->tv_nsec = (long)(left % 1000) * 1000000L;
	return ts;
}

static void serve_ready(struct server *s, unsigned nconns, int64_t now)
{
	/* Connections keep their pfds slot; walk down so drops do not shift them. */
	for (unsigned i = nconns; i-- > 0;) {
		short rev = s->pfds[i + 1].revents;
		if (rev && !conn_event(s, s->conns[i], rev)) {
			drop(s, i);
			continue;
		}
		update_deadline(s, s->conns[i], now_ms());
	}
	if (s->pfds[0].revents & POLLIN)
		accept_clients(s, now);
}

static int loop(struct server *s, const sigset_t *wait_mask)
{
	while (!tv_stop_signal()) {
		struct timespec ts;
		int64_t now = now_ms();
		struct timespec *tp = build_poll(s, now, &ts);
		unsigned nconns = s->n;
		int k = ppoll(s->pfds, nconns + 1, tp, wait_mask);
		if (k < 0 && errno != EINTR) {
			tvd_log("ppoll: %s", strerror(errno));
			return 2;
		}
		if (tv_stop_signal())
			break; /* requests that arrived meanwhile are not started */
		if (k > 0)
			serve_ready(s, nconns, now_ms());
		expire(s, now_ms());
	}
	return 0;
}

/* Answers already computed still go out, for a short while. */
static void flush_answers(struct server *s)
{
	int64_t end = now_ms() + STOP_FLUSH_MS;
	for (;;) {
		unsigned waiting = 0;
		for (unsigned i = 0; i < s->n; i++) {
			struct tvd_conn *c = s->conns[i];
			bool pending = tvd_conn_sending(c) && tvd_conn_send(c) > 0;
			s->pfds[waiting] = (struct pollfd){.fd = c->fd, .events = POLLOUT};
			waiting += pending;
		}
		int64_t left = end - now_ms();
		if (!waiting || left <= 0 || poll(s->pfds, waiting, (int)left) <= 0)
			return;
	}
}

int tvd_serve(const struct tvd_config *cfg, struct tv_secure *sec, struct tvd_rpc_route *rpc,
	      int listen_fd, const sigset_t *wait_mask)
{
	struct server s = {.cfg = cfg, .listen_fd = listen_fd,
			   .svc = {.sec = sec, .policy = &cfg->policy, .cfg = cfg, .rpc = rpc}};
	s.conns = calloc(cfg->max_clients + 1, sizeof(*s.conns));
	s.pfds = calloc(cfg->max_clients + 2, sizeof(*s.pfds));
	int rc = 2;
	if (s.conns && s.pfds) {
		tvd_notify("READY=1");
		rc = loop(&s, wait_mask);
		tvd_notify("STOPPING=1");
		int sig = tv_stop_signal();
		if (sig)
			tvd_log("stopping on %s (%u clients connected)",
				sig == SIGTERM ? "SIGTERM" : "SIGINT", s.n);
		flush_answers(&s);
	}
	while (s.n)
		drop(&s, s.n - 1);
	free(s.conns);
	free(s.pfds);
	return rc;
}

/* SPDX-License-Identifier: BSD-2-Clause */
#include "conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tv_err.h"

struct tvd_conn *tvd_conn_new(int fd, const struct tvd_peer *peer)
{
	struct tvd_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->fd = fd;
	c->peer = *peer;
	return c;
}

void tvd_conn_free(struct tvd_conn *c)
{
	if (!c)
		return;
	close(c->fd);
	free(c->body);
	tvd_frame_free(&c->out);
	free(c);
}

/* 1 when n bytes arrived, 0 when the socket has nothing now, -1 closed. */
static int recv_some(struct tvd_conn *c, uint8_t *p, size_t n, size_t *got)
{
	while (*got < n) {
		ssize_t k = recv(c->fd, p + *got, n - *got, 0);
		if (k > 0) {
			*got += (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return -1;
	}
	return 1;
}

static enum tvd_rx header_done(struct tvd_conn *c)
{
	int rc = tvd_hdr_decode(c->hdr, &c->h);
	if (rc == TV_ERANGE)
		return TVD_RX_TOO_BIG;
	if (rc != TV_OK)
		return TVD_RX_BAD_MAGIC;
	if (c->h.length == 0)
		return TVD_RX_FRAME;
	c->body = malloc(c->h.length);
	return c->body ? TVD_RX_MORE : TVD_RX_NOMEM;
}

enum tvd_rx tvd_conn_receive(struct tvd_conn *c)
{
	if (c->hdr_got < TVD_HDR_SIZE) {
		int rc = recv_some(c, c->hdr, TVD_HDR_SIZE, &c->hdr_got);
		if (rc <= 0)
			return rc < 0 ? TVD_RX_CLOSED : TVD_RX_MORE;
		enum tvd_rx rx = header_done(c);
		if (rx != TVD_RX_MORE)
			return rx;
	}
	int rc = recv_some(c, c->body, c->h.length, &c->body_got);
	if (rc <= 0)
		return rc < 0 ? TVD_RX_CLOSED : TVD_RX_MORE;
	return TVD_RX_FRAME;
}

bool tvd_conn_mid_frame(const struct tvd_conn *c)
{
	return c->hdr_got > 0;
}

void tvd_conn_frame_done(struct tvd_conn *c)
{
	free(c->body);
	c->body = NULL;
	c->body_got = 0;
	c->hdr_got = 0;
	memset(&c->h, 0, sizeof(c->h));
}

bool tvd_conn_sending(const struct tvd_conn *c)
{
	return c->out.buf != NULL;
}

int tvd_conn_send(struct tvd_conn *c)
{
	while (c->out.buf && c->out_sent < c->out.len) {
		ssize_t k = send(c->fd, c->out.buf + c->out_sent, c->out.len - c->out_sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k > 0) {
			c->out_sent += (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 1;
		return -1;
	}
	tvd_frame_free(&c->out);
	c->out_sent = 0;
	return 0;
}

void tvd_conn_queue(struct tvd_conn *c, struct tvd_frame *f)
{
	tvd_frame_free(&c->out);
	c->out = *f;
	c->out_sent = 0;
	f->buf = NULL;
	f->len = 0;
}

bool tvd_conn_owns(const struct tvd_conn *c, uint32_t session)
{
	for (unsigned i = 0; session && i < TVD_CONN_SESSIONS; i++)
		if (c->sessions[i] == session)
			return true;
	return false;
}

bool tvd_conn_session_room(const struct tvd_conn *c)
{
	for (unsigned i = 0; i < TVD_CONN_SESSIONS; i++)
		if (c->sessions[i] == 0)
			return true;
	return false;
}

bool tvd_conn_add_session(struct tvd_conn *c, uint32_t session)
{
	for (unsigned i = 0; i < TVD_CONN_SESSIONS; i++) {
		if (c->sessions[i] == 0) {
			c->sessions[i] = session;
			return true;
		}
	}
	return false;
}

void tvd_conn_remove_session(struct tvd_conn *c, uint32_t session)
{
	for (unsigned i = 0; session && i < TVD_CONN_SESSIONS; i++)
		if (c->sessions[i] == session)
			c->sessions[i] = 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One client connection: a non-blocking socket, the request frame being read,
 * the answer being written, and the sessions it opened. Reads stop at the end
 * of the current frame, so a pipelined request waits in the socket until the
 * answer to the previous one has left.
 */
#ifndef TVD_CONN_H
#define TVD_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "access.h"
#include "tvd_wire.h"

#define TVD_CONN_SESSIONS 2u

struct tvd_conn {
	int fd;
	struct tvd_peer peer;
	uint8_t hdr[TVD_HDR_SIZE];
	size_t hdr_got;
	struct tvd_hdr h;          /* valid once hdr_got == TVD_HDR_SIZE */
	uint8_t *body;
	size_t body_got;
	struct tvd_frame out;      /* the answer being sent */
	size_t out_sent;
	bool close_after_send;     /* a framing error was answered, or the RPCs failed */
	bool refusal_logged;
	bool rpc_enabled;          /* sent RPC_ENABLE: answers TVD_OP_RPC during its requests */
	bool unmounted_logged;     /* told the log once that the store is not mounted */
	bool unattached_logged;    /* ... that its request needed RPCs it does not carry */
	int64_t io_deadline;       /* a partial frame or an unsent answer; 0 none */
	int64_t idle_deadline;     /* peers with no access at all; 0 none */
	uint32_t sessions[TVD_CONN_SESSIONS]; /* 0 = free */
};

enum tvd_rx {
	TVD_RX_MORE,       /* no whole frame yet */
	TVD_RX_FRAME,      /* c->h and c->body hold a request */
	TVD_RX_CLOSED,     /* end of file or a socket error */
	TVD_RX_BAD_MAGIC,  /* not this protocol or version */
	TVD_RX_TOO_BIG,    /* length over TVD_MAX_BODY */
	TVD_RX_NOMEM,
};

/* NULL if out of memory (fd is not closed then). */
struct tvd_conn *tvd_conn_new(int fd, const struct tvd_peer *peer);
/* Closes the socket and frees the connection (not its sessions: see dispatch). */
void tvd_conn_free(struct tvd_conn *c);

enum tvd_rx tvd_conn_receive(struct tvd_conn *c);
bool tvd_conn_mid_frame(const struct tvd_conn *c);
/* Forgets the request just handled. */
void tvd_conn_frame_done(struct tvd_conn *c);

/* Queues an answer (takes f) and sends what the socket takes now. */
void tvd_conn_queue(struct tvd_conn *c, struct tvd_frame *f);
bool tvd_conn_sending(const struct tvd_conn *c);
/* 0 when everything is sent, 1 when some is left, -1 on a socket error. */
int tvd_conn_send(struct tvd_conn *c);

bool tvd_conn_owns(const struct tvd_conn *c, uint32_t session);
bool tvd_conn_add_session(struct tvd_conn *c, uint32_t session);
void tvd_conn_remove_session(struct tvd_conn *c, uint32_t session);
bool tvd_conn_session_room(const struct tvd_conn *c);

#endif

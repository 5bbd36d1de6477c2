/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevar-vtee-bridge's core: answers the virtual TEE's requests
 * (/dev/teevar-vtee, vtee_msg.h) by carrying them to teevard over a byte
 * stream in teevard's socket protocol (tvd_wire.h), and the answers back.
 * docs/qemu.md (section teevar-vtee-bridge) describes the behaviour; in short:
 *
 * - Sessions: the kernel's session ids (named by the module in OPEN; the
 *   bridge picks one only when OPEN names none) each map to a teevard session
 *   on the current connection. After a reconnect every live session is
 *   re-opened (same UUID and login) before anything is forwarded, so a
 *   long-lived session survives a teevard restart; an INVOKE of a session the
 *   bridge does not know, naming its UUID, is taken over (a restarted bridge).
 * - Stream down (hang-up, end of stream, refused connect, timeout, anything
 *   that does not decode): the request is answered TEE_ERROR_COMMUNICATION,
 *   origin COMMS, at once, and the stream is marked down. The next request
 *   first brings it up: unix mode connects again; port mode (a virtio-serial
 *   port, which the bridge cannot reconnect) waits for no POLLHUP, discards
 *   input until the peer has been quiet for quiet_ms, then sends a STORE_INFO
 *   and skips every frame before its answer (a barrier: whatever a late
 *   teevard still sent is consumed; a late RPC is answered COMMUNICATION so
 *   that teevard can finish), and closes the teevard sessions it may still
 *   hold on that connection.
 * - RPCs: on every new connection, before sessions are re-opened, the bridge
 *   sends RPC_ENABLE (an older teevard's refusal is logged once and
 *   tolerated). A TVD_OP_RPC frame while it waits for the answer to an
 *   OPEN_SESSION or INVOKE is carried to the module as a TVV_OP_RPC message of
 *   the kernel request being served, and the module's answer back; kernel
 *   requests read meanwhile wait in a backlog (FIFO, BRIDGE_MAX_BACKLOG),
 *   served before the device is read again. No answer within rpc_timeout_ms,
 *   a write() the module refuses or an answer that does not fit: teevard gets
 *   TEE_ERROR_COMMUNICATION.
 * - One request takes at most timeout_ms between teevard's RPCs: the time
 *   restarts after each RPC round trip.
 *
 * No globals: several bridges may live in one process (tests).
 */
#ifndef VTEE_BRIDGE_H
#define VTEE_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BRIDGE_DEFAULT_TIMEOUT_MS 10000
#define BRIDGE_DEFAULT_RPC_TIMEOUT_MS 7000 /* module's rpc_timeout_ms 5000 < this < teevard's 8000 */
#define BRIDGE_MAX_BACKLOG 16    /* kernel requests read while an RPC runs */
#define BRIDGE_DEFAULT_QUIET_MS 100
#define BRIDGE_MAX_SESSIONS 16   /* virtual sessions (teevard allows 2 per connection) */

enum bridge_log_level { BRIDGE_LOG_INFO, BRIDGE_LOG_DEBUG };
typedef void (*bridge_log_fn)(void *ctx, enum bridge_log_level level, const char *msg);

struct bridge_config {
	const char *socket_path; /* unix mode: teevard's socket, (re)connected by the bridge */
	int port_fd;             /* port mode (socket_path NULL): the stream; the caller owns it */
	int timeout_ms;          /* per request; 0: BRIDGE_DEFAULT_TIMEOUT_MS */
	int quiet_ms;            /* port resync; 0: BRIDGE_DEFAULT_QUIET_MS */
	int rpc_timeout_ms;      /* the module's answer to an RPC; 0: BRIDGE_DEFAULT_RPC_TIMEOUT_MS */
	bridge_log_fn log;       /* NULL: silent */
	void *log_ctx;
};

struct bridge_stats {
	unsigned long requests;     /* messages answered */
	unsigned long round_trips;  /* frames sent to teevard */
	unsigned long comm_errors;  /* requests answered TEE_ERROR_COMMUNICATION */
	unsigned long ups;          /* times the stream came up (connect or resync) */
	unsigned long reopens;      /* sessions re-opened on a new connection */
	unsigned long retries;      /* INVOKEs re-sent after teevard forgot the session */
	unsigned long discarded;    /* stale bytes thrown away (port mode) */
	unsigned long rpc_enables;  /* RPC_ENABLEs teevard accepted */
	unsigned long rpc_refusals; /* RPC_ENABLEs teevard refused (an older teevard) */
	unsigned long rpcs;         /* teevard's RPCs written to the module */
	unsigned long rpc_failures; /* teevard's RPCs answered COMMUNICATION by the bridge */
	unsigned long stale_rpcs;   /* ... of them: stale ones met at a port resync */
	unsigned long late_answers; /* the module's answers to RPCs given up, dropped */
	unsigned long backlogged;   /* kernel requests kept while an RPC ran */
	unsigned long busy;         /* ... answered TEE_ERROR_BUSY instead (backlog full) */
};

struct bridge;

/* TV_OK, TV_EINVAL (no stream given) or TV_ENOMEM. Port mode sets O_NONBLOCK
 * on port_fd. */
int bridge_new(const struct bridge_config *cfg, struct bridge **out);
void bridge_free(struct bridge *b);

/* Answers one request message: TV_OK with *resp (malloc'ed), TV_EINVAL when
 * there is nothing to answer (no readable header, or the module's late answer
 * to an RPC; logged), or TV_ENOMEM. Without a device (only bridge_serve gives
 * one), teevard's RPCs are answered TEE_ERROR_COMMUNICATION. */
int bridge_handle(struct bridge *b, const uint8_t *msg, size_t len, uint8_t **resp,
		  size_t *resp_len);

/* Takes one message, the oldest of the backlog or else one read from the
 * device, answers it and writes the answer (an answer the kernel refuses,
 * ENOENT or EINVAL, is logged). RPCs of teevard meanwhile go through devfd.
 * 0, -EAGAIN when there was nothing to read, -EPIPE at the device's end, or
 * -errno. */
int bridge_serve(struct bridge *b, int devfd);

/* Kernel requests waiting in the backlog: call bridge_serve without waiting
 * for the device while there are any. */
size_t bridge_backlog(const struct bridge *b);

/* Brings the stream up now if it is down: TV_OK or TV_EIO. */
int bridge_connect(struct bridge *b);
bool bridge_is_up(const struct bridge *b);

/* Between requests: the fd to poll for POLLIN (-1: none), and what to do when
 * it reports something (input nobody asked for or a hang-up: mark it down). */
int bridge_watch_fd(const struct bridge *b);
void bridge_watch_event(struct bridge *b, short revents);

const struct bridge_stats *bridge_get_stats(const struct bridge *b);

#endif

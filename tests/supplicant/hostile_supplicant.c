/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A hostile teevar-supplicant, for tests only: it serves an emulated image like
 * the real one, but attacks the requests it is told to.
 *
 *   hostile_supplicant --image FILE --socket PATH --mode MODE --target TARGET
 *                      [--skip N] [--count N] [other options, ignored]
 *
 *   TARGET: info (GET_DEV_INFO), key, counter, write, read
 *   MODE:   honest    serve faithfully
 *           flip      flip one bit of the answer (for info: of the CID)
 *           replay    answer with an earlier answer of the same size to the same
 *                     kind of request;
 *                     the request itself is dropped
 *           reorder   swap the first and last frames of a multi-frame answer
 *           stall     carry the request to the device, never answer
 *           short / long   announce and send one frame (info: one byte) less / more
 *           truncate  announce the right size, send half, hang up
 *           errdata   an error result that carries data
 *           lie-cid / lie-mult / lie-rel / lie-ret   (info) change that field
 *
 * The first `skip` matching requests are served faithfully (and remembered for
 * replay); the next `count` (0: all) are attacked; the rest served faithfully.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <teevar/tee.h>

#include "rpmb_emu.h"
#include "rpmb_rpc.h"
#include "sock_io.h"
#include "supp_wire.h"
#include "tv_err.h"

#define TARGET_INFO 0 /* request kinds 1..4 are the RPMB request types */

struct hostile {
	const char *mode;
	int target;
	long skip, count;
	long seen, hits;
	struct rpmb_dev dev;
	uint8_t *in, *out;
	/* answers served, for replays: per kind, the last one of each size */
#define SAVED_SIZES 8
	uint8_t *saved[5][SAVED_SIZES];
	size_t saved_len[5][SAVED_SIZES];
};

static int parse_target(const char *t)
{
	static const char *const names[] = {"info", "key", "counter", "write", "read"};
	for (int i = 0; i < 5; i++)
		if (strcmp(t, names[i]) == 0)
			return i;
	fprintf(stderr, "hostile: unknown target %s\n", t);
	exit(2);
}

static int kind_of(const struct rpmb_rpc_req *r)
{
	return r->cmd == RPMB_RPC_CMD_GET_DEV_INFO ? TARGET_INFO : rpmb_frame_type(r->frames);
}

static bool mode_is(const struct hostile *h, const char *m)
{
	return strcmp(h->mode, m) == 0;
}

static int send_answer(int fd, uint32_t result, const uint8_t *out, size_t announced, size_t len)
{
	uint8_t hdr[SUPP_RESP_HDR_SIZE];
	struct supp_resp_hdr rh = {.result = result, .out_len = (uint32_t)announced};
	supp_resp_hdr_encode(&rh, hdr);
	if (sock_write_full(fd, hdr, sizeof(hdr), -1) != TV_OK)
		return -1;
	return sock_write_full(fd, out, len, -1) == TV_OK ? 0 : -1;
}

/* Faithful service into h->out; returns 0 or -1 (device failure). */
static int serve(struct hostile *h, const struct rpmb_rpc_req *r)
{
	if (r->cmd == RPMB_RPC_CMD_GET_DEV_INFO) {
		struct rpmb_dev_info info;
		rpmb_dev_get_info(&h->dev, &info);
		rpmb_rpc_dev_info_encode(&info, RPMB_RPC_DEV_INFO_OK, h->out);
		return 0;
	}
	return rpmb_dev_route(&h->dev, r->frames, r->block_count, h->out, r->nresp) == TV_OK ? 0
												: -1;
}

static void remember(struct hostile *h, int kind, size_t len)
{
	int slot = SAVED_SIZES - 1; /* all sizes taken: the last one gives way */
	for (int i = SAVED_SIZES - 1; i >= 0; i--)
		if (h->saved_len[kind][i] == len || !h->saved[kind][i])
			slot = i;
	for (int i = 0; i < SAVED_SIZES; i++)
		if (h->saved_len[kind][i] == len)
			slot = i;
	free(h->saved[kind][slot]);
	h->saved[kind][slot] = malloc(len);
	memcpy(h->saved[kind][slot], h->out, len);
	h->saved_len[kind][slot] = len;
}

static void lie(struct hostile *h)
{
	if (mode_is(h, "flip") || mode_is(h, "lie-cid"))
		h->out[3] ^= 0x04;
	else if (mode_is(h, "lie-mult"))
		h->out[16] = (uint8_t)(h->out[16] == 1 ? 2 : h->out[16] / 2);
	else if (mode_is(h, "lie-rel"))
		h->out[17] = (uint8_t)(h->out[17] + 1);
	else if (mode_is(h, "lie-ret"))
		h->out[18] = 7;
}

/* Waits for the client to hang up (a stalled answer). */
static void stall(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	uint8_t sink[4096];
	while (poll(&p, 1, 60000) > 0 && recv(fd, sink, sizeof(sink), 0) > 0)
		;
}

/* Attacks one request; returns 0 to keep the connection, -1 to drop it. */
static int attack(struct hostile *h, int fd, const struct rpmb_rpc_req *r, int kind, size_t len)
{
	if (mode_is(h, "replay")) {
		for (int i = 0; i < SAVED_SIZES; i++)
			if (h->saved_len[kind][i] == len)
				return send_answer(fd, TEE_SUCCESS, h->saved[kind][i], len, len);
		return -2; /* nothing of that size to replay yet: serve faithfully */
	}
	if (mode_is(h, "reorder") && len < 2 * RPMB_FRAME_SIZE)
		return -2;
	if (mode_is(h, "errdata"))
		return send_answer(fd, TEE_ERROR_GENERIC, h->out, len, len);
	if (serve(h, r) != 0)
		return send_answer(fd, TEE_ERROR_GENERIC, NULL, 0, 0);
	if (mode_is(h, "stall")) {
		stall(fd);
		return -1;
	}
	if (mode_is(h, "reorder")) {
		uint8_t tmp[RPMB_FRAME_SIZE];
		uint8_t *last = h->out + len - RPMB_FRAME_SIZE;
		memcpy(tmp, h->out, RPMB_FRAME_SIZE);
		memcpy(h->out, last, RPMB_FRAME_SIZE);
		memcpy(last, tmp, RPMB_FRAME_SIZE);
	} else if (kind == TARGET_INFO) {
		lie(h);
	} else if (mode_is(h, "flip")) {
		h->out[len - RPMB_FRAME_SIZE + 300 + h->hits % 200] ^= 0x10;
	}
	size_t unit = kind == TARGET_INFO ? 1 : RPMB_FRAME_SIZE;
	if (mode_is(h, "short"))
		return send_answer(fd, TEE_SUCCESS, h->out, len - unit, len - unit);
	if (mode_is(h, "long"))
		return send_answer(fd, TEE_SUCCESS, h->out, len + unit, len + unit);
	if (mode_is(h, "truncate")) {
		send_answer(fd, TEE_SUCCESS, h->out, len, len / 2);
		return -1;
	}
	return send_answer(fd, TEE_SUCCESS, h->out, len, len);
}

static int handle(struct hostile *h, int fd, const struct rpmb_rpc_req *r, size_t len)
{
	int kind = kind_of(r);
	bool match = kind == h->target && !mode_is(h, "honest");
	if (match && h->seen++ >= h->skip && (h->count == 0 || h->hits < h->count)) {
		h->hits++;
		int rc = attack(h, fd, r, kind, len);
		if (rc != -2)
			return rc;
		h->hits--;
	}
	if (serve(h, r) != 0)
		return send_answer(fd, TEE_ERROR_GENERIC, NULL, 0, 0);
	if (kind >= 0 && kind <= 4)
		remember(h, kind, len);
	return send_answer(fd, TEE_SUCCESS, h->out, len, len);
}

static void serve_conn(struct hostile *h, int fd)
{
	for (;;) {
		uint8_t raw[SUPP_REQ_HDR_SIZE];
		struct supp_req_hdr hdr;
		struct rpmb_rpc_req r;
		if (sock_read_full(fd, raw, sizeof(raw), -1) != TV_OK ||
		    supp_req_hdr_decode(raw, &hdr) != TV_OK ||
		    sock_read_full(fd, h->in, hdr.in_len, -1) != TV_OK ||
		    rpmb_rpc_req_decode(h->in, hdr.in_len, hdr.out_len, 0, &r) != TV_OK)
			return;
		if (handle(h, fd, &r, hdr.out_len) != 0)
			return;
	}
}

static int open_image(const char *path, struct rpmb_emu **emu)
{
	struct rpmb_emu_config cfg;
	rpmb_emu_config_default(&cfg);
	cfg.size_mult = 4;
	int rc = rpmb_emu_open(path, &cfg, emu);
	return rc == TV_ENOENT ? rpmb_emu_create(path, &cfg, emu) : rc;
}

static void parse(int argc, char **argv, struct hostile *h, const char **image,
		  const char **sock)
{
	for (int i = 1; i + 1 < argc; i++) {
		const char *a = argv[i], *v = argv[i + 1];
		if (strcmp(a, "--image") == 0)
			*image = v;
		else if (strcmp(a, "--socket") == 0)
			*sock = v;
		else if (strcmp(a, "--mode") == 0)
			h->mode = v;
		else if (strcmp(a, "--target") == 0)
			h->target = parse_target(v);
		else if (strcmp(a, "--skip") == 0)
			h->skip = atol(v);
		else if (strcmp(a, "--count") == 0)
			h->count = atol(v);
		else
			continue;
		i++;
	}
}

int main(int argc, char **argv)
{
	struct hostile h = {.mode = "honest", .target = -1};
	const char *image = NULL, *sock = NULL;
	parse(argc, argv, &h, &image, &sock);
	struct rpmb_emu *emu;
	signal(SIGPIPE, SIG_IGN);
	if (!image || !sock || open_image(image, &emu) != TV_OK) {
		fprintf(stderr, "hostile: cannot open the image\n");
		return 1;
	}
	h.dev = rpmb_emu_dev(emu);
	h.in = malloc(SUPP_MAX_IN);
	h.out = malloc(SUPP_MAX_OUT + RPMB_FRAME_SIZE);
	int lfd = sock_listen_unix(sock, 0600);
	if (lfd < 0 || !h.in || !h.out) {
		fprintf(stderr, "hostile: cannot listen\n");
		return 1;
	}
	for (;;) {
		struct pollfd p = {.fd = lfd, .events = POLLIN};
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return 1;
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		serve_conn(&h, fd);
		close(fd);
	}
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevard's listening socket. The socket file is mode 0666: who may do what is
 * decided per request from the peer's credentials, so that every refused
 * client gets teevard's reason rather than EACCES; it is created with that mode
 * (umask), never chmod()ed by name. A socket file left by a dead teevard is
 * replaced; one that still answers is an error; anything else at the path (a
 * symlink included) is refused and never followed.
 */
#ifndef TVD_LISTEN_H
#define TVD_LISTEN_H

#include <sys/types.h>

struct tvd_listener {
	int fd;
	char path[108];
	dev_t dev;
	ino_t ino;
};

/* 0, or -1 (logged). */
int tvd_listen(const char *path, int backlog, struct tvd_listener *l);
/* Closes, and removes the socket file if it is still the one bound here
 * (lstat: same device and inode, not a symlink to it). */
void tvd_unlisten(struct tvd_listener *l);

#endif

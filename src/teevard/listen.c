/* SPDX-License-Identifier: BSD-2-Clause */
#include "listen.h"

#include <errno.h>
#include <libgen.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

static int make_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		tvd_log("socket path too long (at most %zu bytes): %s", sizeof(sa->sun_path) - 1,
			path);
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

/* One missing level is created (/run/teevar without systemd's RuntimeDirectory). */
static void make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	strcpy(dir, path);
	if (mkdir(dirname(dir), 0755) != 0 && errno != EEXIST)
		tvd_log("cannot create the directory of %s: %s", path, strerror(errno));
}

/* 0 when path is free to bind (absent, or a socket nobody answers on). */
static int clear_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	if (lstat(sa->sun_path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		tvd_log("%s exists and is not a socket", sa->sun_path);
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	int err = errno;
	close(fd);
	if (rc == 0 || err != ECONNREFUSED) {
		tvd_log("%s is in use (another teevard?)", sa->sun_path);
		return -1;
	}
	return unlink(sa->sun_path);
}

/* bind() with the socket file created 0666 through the umask: a chmod() by name
 * after bind() would follow a symlink swapped in at the path. teevard is still
 * single-threaded here, so the process-wide umask change is safe. */
static int bind_0666(int fd, const struct sockaddr_un *sa)
{
	mode_t old = umask(0111); /* bind() creates the file 0777 & ~umask */
	int rc = bind(fd, (const struct sockaddr *)sa, sizeof(*sa));
	int err = errno;
	umask(old);
	errno = err;
	return rc;
}

int tvd_listen(const char *path, int backlog, struct tvd_listener *l)
{
	struct sockaddr_un sa;
	struct stat st;
	l->fd = -1;
	if (make_addr(path, &sa) != 0)
		return -1;
	make_parent(path);
	if (clear_stale(&sa) != 0)
		return -1;
	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (l->fd < 0 || bind_0666(l->fd, &sa) != 0 || listen(l->fd, backlog) != 0 ||
	    lstat(path, &st) != 0) {
		tvd_log("cannot listen on %s: %s", path, strerror(errno));
		if (l->fd >= 0)
			close(l->fd);
		l->fd = -1;
		return -1;
	}
	strcpy(l->path, path);
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	return 0;
}

void tvd_unlisten(struct tvd_listener *l)
{
	struct stat st;
	if (l->fd < 0)
		return;
	close(l->fd);
	l->fd = -1;
	/* lstat: a symlink (or anything else) put in the socket's place is not ours. */
	if (lstat(l->path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == l->dev &&
	    st.st_ino == l->ino)
		unlink(l->path);
	else
		tvd_log("%s is no longer the socket teevard bound: left in place", l->path);
}

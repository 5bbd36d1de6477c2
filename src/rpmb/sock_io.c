/* SPDX-License-Identifier: BSD-2-Clause */
#include "sock_io.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tv_err.h"

int64_t sock_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sock_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : sock_now_ms() + timeout_ms;
}

/* Waits until fd is ready for `events` (or has an error or hang-up to report). */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int timeout = -1;
		if (deadline >= 0) {
			int64_t left = deadline - sock_now_ms();
			if (left <= 0)
				return TV_EIO;
			timeout = left > INT_MAX ? INT_MAX : (int)left;
		}
		struct pollfd p = {.fd = fd, .events = events};
		int n = poll(&p, 1, timeout);
		if (n > 0)
			return TV_OK;
		if (n == 0 || errno != EINTR)
			return TV_EIO;
	}
}

static bool would_block(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK;
}

int sock_read_full(int fd, void *buf, size_t len, int64_t deadline)
{
	uint8_t *p = buf;
	size_t got = 0;
	while (got < len) {
		ssize_t n = recv(fd, p + got, len - got, 0);
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n == 0)
			return got == 0 ? TV_ENOENT : TV_EIO;
		if (errno == EINTR)
			continue;
		if (!would_block(errno) || wait_fd(fd, POLLIN, deadline) != TV_OK)
			return TV_EIO;
	}
	return TV_OK;
}

static void iov_advance(struct iovec **iov, int *iovcnt, size_t n)
{
	while (n > 0 && *iovcnt > 0) {
		size_t take = n < (*iov)->iov_len ? n : (*iov)->iov_len;
		(*iov)->iov_base = (uint8_t *)(*iov)->iov_base + take;
		(*iov)->iov_len -= take;
		n -= take;
		if ((*iov)->iov_len == 0) {
			(*iov)++;
			(*iovcnt)--;
		}
	}
}

int sock_writev_full(int fd, struct iovec *iov, int iovcnt, int64_t deadline)
{
	while (iovcnt > 0) {
		if (iov->iov_len == 0) {
			iov++;
			iovcnt--;
			continue;
		}
		struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)iovcnt};
		ssize_t n = sendmsg(fd, &m, MSG_NOSIGNAL);
		if (n >= 0) {
			iov_advance(&iov, &iovcnt, (size_t)n);
			continue;
		}
		if (errno == EINTR)
			continue;
		if (!would_block(errno) || wait_fd(fd, POLLOUT, deadline) != TV_OK)
			return TV_EIO;
	}
	return TV_OK;
}

int sock_write_full(int fd, const void *buf, size_t len, int64_t deadline)
{
	struct iovec iov = {.iov_base = (void *)(uintptr_t)buf, .iov_len = len};
	return sock_writev_full(fd, &iov, 1, deadline);
}

static int fill_addr(struct sockaddr_un *a, const char *path)
{
	size_t len = path ? strlen(path) : 0;
	if (len == 0 || len >= sizeof(a->sun_path))
		return TV_EINVAL;
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path, path, len + 1);
	return TV_OK;
}

/* A connected socket, or -errno. */
static int try_connect(const struct sockaddr_un *a)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) != 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

int sock_connect_unix(const char *path)
{
	struct sockaddr_un a;
	if (fill_addr(&a, path) != TV_OK)
		return TV_EINVAL;
	int fd = try_connect(&a);
	return fd >= 0 ? fd : TV_EIO;
}

/* Removes a socket file nobody listens on; leaves a live one alone. */
static int remove_stale(const struct sockaddr_un *a)
{
	struct stat st;
	if (lstat(a->sun_path, &st) != 0)
		return errno == ENOENT ? TV_OK : TV_EIO;
	if (!S_ISSOCK(st.st_mode))
		return TV_EINVAL;
	int fd = try_connect(a);
	if (fd >= 0) {
		close(fd);
		return TV_EBUSY;
	}
	if (fd != -ECONNREFUSED && fd != -ENOENT)
		return TV_EBUSY; /* e.g. a full accept queue: someone is there */
	return unlink(a->sun_path) == 0 || errno == ENOENT ? TV_OK : TV_EIO;
}

int sock_listen_unix(const char *path, mode_t mode)
{
	struct sockaddr_un a;
	if (fill_addr(&a, path) != TV_OK)
		return TV_EINVAL;
	int rc = remove_stale(&a);
	if (rc != TV_OK)
		return rc;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return TV_EIO;
	mode_t old = umask(~mode & 0777); /* the socket file is created with 0777 & ~umask */
	rc = bind(fd, (const struct sockaddr *)&a, sizeof(a));
	int err = errno;
	umask(old);
	if (rc != 0) {
		close(fd);
		return err == EADDRINUSE ? TV_EBUSY : TV_EIO;
	}
	if (listen(fd, 8) != 0) {
		close(fd);
		unlink(path);
		return TV_EIO;
	}
	return fd;
}

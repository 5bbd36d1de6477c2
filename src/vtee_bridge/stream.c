/* SPDX-License-Identifier: BSD-2-Clause */
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int64_t vs_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool vs_hup(short revents)
{
	return (revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

/* Waits for ev (or a hang-up) until the deadline, at most cap_ms (-1: no cap).
 * The revents, 0 when the wait ran out, or -errno. */
static int wait_fd(int fd, short ev, int64_t deadline, int cap_ms)
{
	for (;;) {
		int64_t left = deadline - vs_now_ms();
		if (left < 0)
			left = 0;
		if (cap_ms >= 0 && left > cap_ms)
			left = cap_ms;
		struct pollfd p = {.fd = fd, .events = ev};
		int n = poll(&p, 1, (int)left);
		if (n > 0)
			return p.revents;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

int vs_wait_readable(int fd, int64_t deadline)
{
	int ev = wait_fd(fd, POLLIN, deadline, -1);
	if (ev < 0)
		return ev;
	return ev == 0 ? -ETIMEDOUT : 0;
}

short vs_revents(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int n;
	do
		n = poll(&p, 1, 0);
	while (n < 0 && errno == EINTR);
	return n > 0 ? p.revents : 0;
}

static ssize_t write_some(int fd, bool is_socket, const uint8_t *p, size_t n)
{
	if (is_socket)
		return send(fd, p, n, MSG_NOSIGNAL);
	return write(fd, p, n);
}

int vs_write_all(int fd, bool is_socket, const uint8_t *p, size_t n, int64_t deadline)
{
	while (n > 0) {
		ssize_t k = write_some(fd, is_socket, p, n);
		if (k > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if (k < 0 && errno == EPIPE)
			return -EPIPE;
		if (k < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		int ev = wait_fd(fd, POLLOUT, deadline, -1);
		if (ev < 0)
			return ev;
		if (ev == 0)
			return -ETIMEDOUT;
		if (vs_hup((short)ev))
			return -EPIPE;
	}
	return 0;
}

/* One read(): bytes read (> 0), 0 to wait, or -errno (-EPIPE at the end). */
static ssize_t read_some(int fd, uint8_t *p, size_t n)
{
	ssize_t k = read(fd, p, n);
	if (k > 0)
		return k;
	if (k == 0)
		return -EPIPE;
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	return errno == ECONNRESET ? -EPIPE : -errno;
}

/* Waits for input: 0 when there is some, -EPIPE on a hang-up without data,
 * -ETIMEDOUT, or -errno. */
static int wait_input(int fd, int64_t deadline)
{
	int ev = wait_fd(fd, POLLIN, deadline, -1);
	if (ev < 0)
		return ev;
	if (ev == 0)
		return -ETIMEDOUT;
	if (ev & POLLIN)
		return 0;
	return -EPIPE;
}

int vs_read_all(int fd, uint8_t *p, size_t n, int64_t deadline)
{
	while (n > 0) {
		int rc = wait_input(fd, deadline);
		if (rc)
			return rc;
		ssize_t k = read_some(fd, p, n);
		if (k < 0)
			return (int)k;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int vs_drain(int fd, int quiet_ms, int64_t deadline, size_t *discarded)
{
	uint8_t scratch[4096];
	*discarded = 0;
	for (;;) {
		int ev = wait_fd(fd, POLLIN, deadline, quiet_ms);
		if (ev < 0)
			return ev;
		if (ev == 0) /* quiet for quiet_ms, or the deadline */
			return vs_now_ms() < deadline ? 0 : -ETIMEDOUT;
		if (!(ev & POLLIN))
			return -EPIPE;
		ssize_t k = read_some(fd, scratch, sizeof(scratch));
		if (k < 0)
			return (int)k;
		*discarded += (size_t)k;
	}
}

int vs_connect_unix(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	if (n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, n);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	int err = errno == EINPROGRESS ? EAGAIN : errno;
	close(fd);
	return -err;
}

int vs_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

bool vs_is_socket(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

// SPDX-License-Identifier: BSD-2-Clause
/*
 * efivarfs_write: time writes of a variable through efivarfs, end to end
 * (open, one write() = one SetVariable, close), in the QEMU guest.
 *   efivarfs_write PATH SIZE COUNT
 * Creates PATH (attributes nv,bs,rt), clears the immutable flag efivarfs puts
 * on vendor variables, rewrites it COUNT times with SIZE data bytes and prints
 * "median_ms MEDIAN min_ms MIN max_ms MAX". Cross-built static for the guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int write_var(const char *path, const unsigned char *buf, size_t len, int flags)
{
	int fd = open(path, O_WRONLY | flags, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, buf, len);
	if (close(fd) != 0 || n != (ssize_t)len)
		return -1;
	return 0;
}

static int clear_immutable(const char *path)
{
	int fd = open(path, O_RDONLY);
	int flags;
	int rc = -1;

	if (fd < 0)
		return -1;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
		flags &= ~FS_IMMUTABLE_FL;
		rc = ioctl(fd, FS_IOC_SETFLAGS, &flags);
	}
	close(fd);
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	unsigned char buf[4 + 4096];
	size_t size;
	int count;
	double *t;

	if (argc != 4 || (size = strtoul(argv[2], NULL, 10)) > 4096 ||
	    (count = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: efivarfs_write PATH SIZE(<=4096) COUNT\n");
		return 1;
	}
	t = calloc((size_t)count, sizeof(*t));
	if (!t)
		return 1;
	buf[0] = 7; /* nv,bs,rt, little-endian u32 */
	buf[1] = buf[2] = buf[3] = 0;
	for (size_t i = 0; i < size; i++)
		buf[4 + i] = (unsigned char)i;
	if (write_var(argv[1], buf, 4 + size, O_CREAT) != 0 || clear_immutable(argv[1]) != 0) {
		fprintf(stderr, "efivarfs_write: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (int i = 0; i < count; i++) {
		double t0 = now_ms();

		buf[4] = (unsigned char)i; /* a new value every time */
		if (write_var(argv[1], buf, 4 + size, 0) != 0) {
			fprintf(stderr, "efivarfs_write: write %d: %s\n", i, strerror(errno));
			return 1;
		}
		t[i] = now_ms() - t0;
	}
	qsort(t, (size_t)count, sizeof(*t), cmp_double);
	printf("median_ms %.3f min_ms %.3f max_ms %.3f\n", t[count / 2], t[0], t[count - 1]);
	free(t);
	return 0;
}

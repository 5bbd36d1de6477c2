// SPDX-License-Identifier: BSD-2-Clause
/*
 * efivarfs_bench: the work of bench/bench_teevarfs.sh (teevarfs on the host)
 * on the QEMU guest's real efivarfs, for orientation (TCG-emulated arm64).
 *   efivarfs_bench DIR RUNS READS
 * Fills DIR as bench_teevarfs.sh fills its mount: 50 boot entries
 * Boot0000-Boot0031 (an HD() and a file path each, as efibootmgr -c makes
 * them), BootOrder, and 100-byte vendor variables BenchVar0000... up to 1,000
 * variables in all, each by one open(O_WRONLY|O_CREAT) and one write(). Then
 * times, as there:
 *   ls_1000_ms          `ls -l DIR` (the ls process included), median of RUNS
 *   read_median_us      open, read to EOF, close of one 100-byte variable,
 *                       in this process, median of READS
 *   efibootmgr_list_ms  `efibootmgr` (EFIVARFS_PATH=DIR/), median of RUNS
 * and prints one line "variables N entries M ls_1000_ms X read_median_us Y
 * efibootmgr_list_ms Z". Cross-built static for the guest (qemu/prepare.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GLOBAL "8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define TG "5e0f1d2c-3b4a-4f69-8e7d-6c5b4a392817"

static const char *dir;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, v & 0xFFFF);
	put16(p + 2, v >> 16);
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* ASCII to UCS-2 LE with its NUL; the byte count. */
static size_t ucs2(unsigned char *p, const char *s)
{
	size_t n = 0;

	do {
		put16(p + n, (unsigned char)*s);
		n += 2;
	} while (*s++);
	return n;
}

/* One variable: attributes 7 + DATA, one open(O_WRONLY|O_CREAT), one write(). */
static int put(const char *name, const unsigned char *data, size_t len)
{
	unsigned char buf[4 + 512];
	char path[512];
	int fd;
	ssize_t n;

	put32(buf, 7);
	memcpy(buf + 4, data, len);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		return -1;
	n = write(fd, buf, 4 + len);
	if (close(fd) != 0 || n != (ssize_t)(4 + len))
		return -1;
	return 0;
}

/* Boot%04X: as bench_teevarfs.sh's python makes them. */
static int boot_entry(int i)
{
	/* GPT partition 3c1b2a09-8f7e-4d6c-b5a4-9e8d7c6b5a40, as bytes_le */
	static const unsigned char part[16] = {0x09, 0x2a, 0x1b, 0x3c, 0x7e, 0x8f, 0x6c, 0x4d,
					       0xb5, 0xa4, 0x9e, 0x8d, 0x7c, 0x6b, 0x5a, 0x40};
	unsigned char dp[256], opt[512];
	char s[64];
	size_t n = 0, k;

	/* HD(): type 4, subtype 1, partition 1, start 2048, size 126976, GPT */
	dp[n] = 4, dp[n + 1] = 1, put16(dp + n + 2, 42);
	put32(dp + n + 4, 1);
	put64(dp + n + 8, 2048);
	put64(dp + n + 16, 126976);
	memcpy(dp + n + 24, part, 16);
	dp[n + 40] = 2, dp[n + 41] = 2;
	n += 42;
	/* file path */
	snprintf(s, sizeof(s), "\\EFI\\bench\\entry%02d.efi", i);
	k = ucs2(dp + n + 4, s);
	dp[n] = 4, dp[n + 1] = 4, put16(dp + n + 2, (unsigned)(4 + k));
	n += 4 + k;
	dp[n] = 0x7F, dp[n + 1] = 0xFF, put16(dp + n + 2, 4); /* end */
	n += 4;

	put32(opt, 1);
	put16(opt + 4, (unsigned)n);
	snprintf(s, sizeof(s), "Bench entry %02d", i);
	k = 6 + ucs2(opt + 6, s);
	memcpy(opt + k, dp, n);
	snprintf(s, sizeof(s), "Boot%04X-" GLOBAL, i);
	return put(s, opt, k + n);
}

static int count_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Run ARGV with stdout to /dev/null; its exit status, or -1. */
static int run(char *const argv[])
{
	pid_t p = fork();
	int st;

	if (p < 0)
		return -1;
	if (p == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0)
			dup2(fd, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(p, &st, 0) != p)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Median time of RUNS runs of ARGV, in ms; negative on a failed run. */
static double time_runs(char *const argv[], int runs)
{
	double t[64];

	if (runs > 64)
		runs = 64;
	run(argv); /* warm-up */
	for (int i = 0; i < runs; i++) {
		double t0 = now_us();

		if (run(argv) != 0)
			return -1;
		t[i] = (now_us() - t0) / 1e3;
	}
	return median(t, runs);
}

int main(int argc, char **argv)
{
	int runs, reads, present;
	unsigned char data[100], order[100];
	char name[128], path[512], envp[512];
	double *t;

	if (argc != 4 || (runs = atoi(argv[2])) < 1 || (reads = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: efivarfs_bench DIR RUNS READS\n");
		return 1;
	}
	dir = argv[1];
	for (int i = 0; i < 50; i++) {
		if (boot_entry(i) != 0) {
			fprintf(stderr, "efivarfs_bench: Boot%04X: %s\n", i, strerror(errno));
			return 1;
		}
		put16(order + 2 * i, (unsigned)i);
	}
	if (put("BootOrder-" GLOBAL, order, 100) != 0) {
		fprintf(stderr, "efivarfs_bench: BootOrder: %s\n", strerror(errno));
		return 1;
	}
	present = count_dir();
	for (int i = 0; i < 1000 - present; i++) {
		for (int j = 0; j < 100; j++)
			data[j] = (unsigned char)(i + j);
		snprintf(name, sizeof(name), "BenchVar%04d-" TG, i);
		if (put(name, data, 100) != 0) {
			fprintf(stderr, "efivarfs_bench: %s: %s\n", name, strerror(errno));
			return 1;
		}
	}

	char *ls[] = {"ls", "-l", (char *)dir, NULL};
	double ls_ms = time_runs(ls, runs);

	t = calloc((size_t)reads, sizeof(*t));
	if (!t)
		return 1;
	snprintf(path, sizeof(path), "%s/BenchVar0000-" TG, dir);
	for (int i = 0; i < reads; i++) {
		unsigned char buf[4096];
		size_t got = 0;
		ssize_t n;
		double t0 = now_us();
		int fd = open(path, O_RDONLY);

		if (fd < 0) {
			fprintf(stderr, "efivarfs_bench: %s: %s\n", path, strerror(errno));
			return 1;
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			got += (size_t)n;
		close(fd);
		t[i] = now_us() - t0;
		if (got != 104) {
			fprintf(stderr, "efivarfs_bench: read %zu bytes, not 104\n", got);
			return 1;
		}
	}
	double read_us = median(t, reads);
	free(t);

	snprintf(envp, sizeof(envp), "%s/", dir);
	setenv("EFIVARFS_PATH", envp, 1);
	char *ebm[] = {"efibootmgr", NULL};
	double ebm_ms = time_runs(ebm, runs);

	int entries = 0;
	FILE *f = popen("efibootmgr", "r");
	if (f) {
		char line[256];

		while (fgets(line, sizeof(line), f))
			entries += strncmp(line, "Boot00", 6) == 0 && line[8] == '*';
		pclose(f);
	}
	printf("variables %d entries %d ls_1000_ms %.1f read_median_us %.1f efibootmgr_list_ms %.1f\n",
	       count_dir(), entries, ls_ms, read_us, ebm_ms);
	return ls_ms < 0 || ebm_ms < 0;
}

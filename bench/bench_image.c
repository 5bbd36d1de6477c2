/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevar import and export as users run them (the teevar binary, a fresh
 * process each time, the in-process secure core on a state directory):
 *   BENCH import_aavmf_ms_ms: the median of importing Debian's
 *         /usr/share/AAVMF/AAVMF_VARS.ms.fd (64 MiB, 22 variables with the
 *         Microsoft keys) into a fresh state directory, in ms
 *   BENCH export_edk2_ms: the median of exporting that store to the default
 *         64 MiB EDK2 layout (AAVMF's), in ms
 * Skipped (a "#" line, no BENCH) when the image is not installed (Debian:
 * qemu-efi-aarch64).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "tv_test_util.h"

#define RUNS 9
#define IMAGE "/usr/share/AAVMF/AAVMF_VARS.ms.fd"

/* teevar ARGS with stdout to /dev/null; its exit status. */
static int run_teevar(const char *const argv[])
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execv(TEEVAR_PATH, (char *const *)argv);
		_exit(127);
	}
	int st = 0;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_image: %s failed\n", what);
	exit(1);
}

int main(void)
{
	if (access(IMAGE, R_OK) != 0) {
		printf("# bench_image: %s not installed (qemu-efi-aarch64): skipped\n", IMAGE);
		return 0;
	}
	double imp[RUNS], exp[RUNS];
	char *keep = NULL;
	for (int i = 0; i < RUNS; i++) {
		char *dir = tv_test_tmpdir();
		if (!dir)
			die("tmpdir");
		const char *argv[] = {"teevar", "--state", dir, "import", IMAGE, NULL};
		double t0 = bench_now_us();
		if (run_teevar(argv) != 0)
			die("teevar import");
		imp[i] = (bench_now_us() - t0) / 1e3;
		if (!keep) {
			keep = dir;
		} else {
			tv_test_rmtree(dir);
			free(dir);
		}
	}
	char out[4096];
	snprintf(out, sizeof(out), "%s/export.fd", keep);
	for (int i = 0; i < RUNS; i++) {
		const char *argv[] = {"teevar", "--state", keep, "export", out, "--force", NULL};
		double t0 = bench_now_us();
		if (run_teevar(argv) != 0)
			die("teevar export");
		exp[i] = (bench_now_us() - t0) / 1e3;
	}
	tv_test_rmtree(keep);
	free(keep);
	printf("BENCH import_aavmf_ms_ms %.1f ms\n", bench_median(imp, RUNS));
	printf("BENCH export_edk2_ms %.1f ms\n", bench_median(exp, RUNS));
	return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
#include "tvd_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <teevar/transport.h>

#include "mm_wire.h"
#include "tv_bytes.h"

#define START_TIMEOUT_MS 30000
#define STOP_TIMEOUT_MS 30000

static const char *binary;

void tvd_harness_init(const char *teevard_path)
{
	binary = teevard_path && *teevard_path ? teevard_path : getenv("TEEVARD");
}

const char *tvd_harness_binary(void)
{
	return binary;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void exec_daemon(const struct tvd_proc *p, const char *const *extra)
{
	const char *argv[64];
	char state[300];
	int n = 0;
	snprintf(state, sizeof(state), "%s/state", p->dir);
	argv[n++] = binary;
	argv[n++] = "--state";
	argv[n++] = state;
	argv[n++] = "--socket";
	argv[n++] = p->sock;
	argv[n++] = "--no-sync";
	for (int i = 0; extra && extra[i] && n < 62; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	int fd = open(p->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || nul < 0 || dup2(fd, 2) < 0 || dup2(nul, 0) < 0)
		_exit(126);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(binary, (char *const *)argv);
	_exit(127);
}

static int connect_once(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	if (n >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, n);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

int tvd_start(struct tvd_proc *p, const char *dir, const char *const *extra)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	snprintf(p->sock, sizeof(p->sock), "%s/teevard.sock", dir);
	snprintf(p->log, sizeof(p->log), "%s/teevard.log", dir);
	if (!binary)
		return -1;
	p->pid = fork();
	if (p->pid < 0)
		return -1;
	if (p->pid == 0)
		exec_daemon(p, extra);
	for (int waited = 0; waited < START_TIMEOUT_MS; waited += 10) {
		int fd = connect_once(p->sock);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (!tvd_alive(p)) {
			fprintf(stderr, "# teevard exited during start-up (log %s)\n", p->log);
			return -1;
		}
		sleep_ms(10);
	}
	tvd_stop(p, SIGKILL);
	return -1;
}

bool tvd_alive(struct tvd_proc *p)
{
	if (p->pid <= 0 || p->exited)
		return false;
	if (waitpid(p->pid, &p->status, WNOHANG) == 0)
		return true;
	p->exited = true;
	return false;
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int tvd_stop(struct tvd_proc *p, int sig)
{
	if (p->pid <= 0)
		return -1;
	if (p->exited) {
		p->pid = 0;
		return exit_code(p->status);
	}
	kill(p->pid, sig);
	int status = 0;
	pid_t r = 0;
	for (int waited = 0; waited < STOP_TIMEOUT_MS; waited += 5) {
		r = waitpid(p->pid, &status, WNOHANG);
		if (r != 0)
			break;
		sleep_ms(5);
	}
	if (r == 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, &status, 0);
		p->pid = 0;
		return -1;
	}
	p->pid = 0;
	return r < 0 ? -1 : exit_code(status);
}

struct tv_client *tvd_client(const struct tvd_proc *p)
{
	struct tv_transport t;
	struct tv_client *c = NULL;
	if (tv_transport_unix_open(p->sock, &t) != 0)
		return NULL;
	return tv_client_open(t, &c) == EFI_SUCCESS ? c : NULL;
}

int tvd_connect_raw(const struct tvd_proc *p)
{
	int fd = connect_once(p->sock);
	struct timeval tv = {.tv_sec = 10};
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

int tvd_log_contains(const struct tvd_proc *p, const char *text)
{
	FILE *f = fopen(p->log, "r");
	char line[1024];
	int found = 0;
	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, text) != NULL;
	if (f)
		fclose(f);
	return found;
}

int tvd_log_clean(const struct tvd_proc *p)
{
	return !tvd_log_contains(p, "AddressSanitizer") && !tvd_log_contains(p, "runtime error");
}

void tvd_ucs2(efi_char16_t out[64], const char *ascii)
{
	size_t i = 0;
	for (; ascii[i] && i < 63; i++)
		out[i] = (efi_char16_t)(unsigned char)ascii[i];
	out[i] = 0;
}

uint8_t *tvd_mm_access(uint64_t function, const char *name, const efi_guid_t *guid,
		       uint32_t attrs, const void *data, size_t data_size, size_t *len)
{
	static const efi_guid_t hdr_guid = EFI_SMM_VARIABLE_PROTOCOL_GUID;
	size_t name_size = (strlen(name) + 1) * 2;
	size_t payload = MM_ACCESS_HDR_SIZE + name_size + data_size;
	uint8_t *b = calloc(1, MM_PAYLOAD_OFF + payload);
	if (!b)
		return NULL;
	memcpy(b + MM_OFF_GUID, hdr_guid.b, 16);
	tv_put_le64(b + MM_OFF_MSG_LEN, MM_VAR_HDR_SIZE + payload);
	tv_put_le64(b + MM_OFF_FUNCTION, function);
	uint8_t *p = b + MM_PAYLOAD_OFF;
	memcpy(p + MM_ACCESS_OFF_GUID, guid->b, 16);
	tv_put_le64(p + MM_ACCESS_OFF_DATA_SIZE, data_size);
	tv_put_le64(p + MM_ACCESS_OFF_NAME_SIZE, name_size);
	tv_put_le32(p + MM_ACCESS_OFF_ATTRS, attrs);
	for (size_t i = 0; name[i]; i++)
		tv_put_le16(p + MM_ACCESS_OFF_NAME + 2 * i, (uint8_t)name[i]);
	if (data_size)
		memcpy(p + MM_ACCESS_OFF_NAME + name_size, data, data_size);
	*len = MM_PAYLOAD_OFF + payload;
	return b;
}

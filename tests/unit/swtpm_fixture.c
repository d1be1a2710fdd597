/* SPDX-License-Identifier: Apache-2.0 */
/*
 * swtpm as a test's child (swtpm_fixture.h). The fixture speaks two raw
 * TPM 2.0 commands itself (TPM2_GetRandom to see that the TPM answers,
 * TPM2_Shutdown for an orderly stop) so it needs no TSS: they are fixed
 * byte strings, and only the response header is checked.
 */
#define _GNU_SOURCE /* nftw */
#include "swtpm_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* TPM_ST_NO_SESSIONS, size 12, TPM_CC_GetRandom, bytesRequested 8 */
static const uint8_t cmd_getrandom[] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x7b, 0, 8 };
/* TPM_ST_NO_SESSIONS, size 12, TPM_CC_Shutdown, TPM_SU_CLEAR */
static const uint8_t cmd_shutdown[] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x45, 0, 0 };

#define START_DEADLINE_S 30
#define IO_TIMEOUT_S     10

static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (path == NULL)
		path = "/usr/bin:/bin";
	while (*path != '\0') {
		size_t n = strcspn(path, ":");

		if (n > 0 && snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog) <
				     (int)sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return true;
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

bool swtpm_fixture_available(void)
{
	return on_path("swtpm");
}

void swtpm_fixture_require(void)
{
	if (swtpm_fixture_available())
		return;
	fprintf(stderr, "SKIP: swtpm is not installed (apt-get install swtpm swtpm-tools, "
			"scripts/deps.sh): the TPM 2.0 tests need a software TPM\n");
	exit(77);
}

int swtpm_fixture_init(struct swtpm_fixture *f, const char *name)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	memset(f, 0, sizeof(*f));
	n = snprintf(f->dir, sizeof(f->dir), "%s/mayday-swtpm-%s-XXXXXX",
		     tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp", name);
	if (n < 0 || (size_t)n >= sizeof(f->dir)) {
		fprintf(stderr, "swtpm_fixture: TMPDIR is too long for a UNIX socket path\n");
		return -1;
	}
	if (mkdtemp(f->dir) == NULL) {
		fprintf(stderr, "swtpm_fixture: mkdtemp %s: %s\n", f->dir, strerror(errno));
		return -1;
	}
	snprintf(f->state, sizeof(f->state), "%s/state", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/swtpm.log", f->dir);
	snprintf(f->sock, sizeof(f->sock), "%s/tpm.sock", f->dir);
	snprintf(f->tcti, sizeof(f->tcti), "swtpm:path=%s", f->sock);
	snprintf(f->spec, sizeof(f->spec), "tpm2:swtpm:path=%s", f->sock);
	if (mkdir(f->state, 0700) != 0) {
		fprintf(stderr, "swtpm_fixture: mkdir %s: %s\n", f->state, strerror(errno));
		return -1;
	}
	return 0;
}

/* One command, one response; 0 if the response's header says success. */
static int transact(const char *sock, const uint8_t *cmd, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	uint8_t rsp[64];
	size_t got = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc = -1;

	if (fd < 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    write(fd, cmd, len) != (ssize_t)len)
		goto out;
	while (got < 10) {
		ssize_t n = read(fd, rsp + got, sizeof(rsp) - got);

		if (n <= 0)
			goto out;
		got += (size_t)n;
	}
	/* tag 0x8001, then size (4), then responseCode (4) == TPM_RC_SUCCESS */
	if (rsp[0] == 0x80 && rsp[1] == 0x01 && rsp[6] == 0 && rsp[7] == 0 && rsp[8] == 0 &&
	    rsp[9] == 0)
		rc = 0;
out:
	close(fd);
	return rc;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int swtpm_fixture_start(struct swtpm_fixture *f)
{
	char state_arg[PATH_MAX + 16], server_arg[PATH_MAX + 32], ctrl_arg[PATH_MAX + 48],
		log_arg[PATH_MAX + 32];
	double deadline;
	pid_t pid;

	if (f->pid != 0) {
		fprintf(stderr, "swtpm_fixture: already running (pid %d)\n", (int)f->pid);
		return -1;
	}
	snprintf(state_arg, sizeof(state_arg), "dir=%s", f->state);
	snprintf(server_arg, sizeof(server_arg), "type=unixio,path=%s", f->sock);
	snprintf(ctrl_arg, sizeof(ctrl_arg), "type=unixio,path=%s.ctrl", f->sock);
	snprintf(log_arg, sizeof(log_arg), "file=%s", f->log);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "swtpm_fixture: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		prctl(PR_SET_PDEATHSIG, SIGKILL); /* the test died: so does its TPM */
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
		}
		execlp("swtpm", "swtpm", "socket", "--tpm2", "--tpmstate", state_arg, "--server",
		       server_arg, "--ctrl", ctrl_arg, "--flags", "not-need-init,startup-clear",
		       "--log", log_arg, (char *)NULL);
		fprintf(stderr, "swtpm_fixture: exec swtpm: %s\n", strerror(errno));
		_exit(127);
	}
	f->pid = pid;
	deadline = now_s() + START_DEADLINE_S;
	for (;;) {
		int status;

		if (transact(f->sock, cmd_getrandom, sizeof(cmd_getrandom)) == 0)
			return 0;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			f->pid = 0;
			fprintf(stderr, "swtpm_fixture: swtpm exited (status %d) before it "
					"answered; see %s\n", status, f->log);
			return -1;
		}
		if (now_s() > deadline)
			break;
		usleep(10000);
	}
	fprintf(stderr, "swtpm_fixture: swtpm did not answer within %d s\n", START_DEADLINE_S);
	swtpm_fixture_power_cut(f);
	return -1;
}

static int end(struct swtpm_fixture *f, int sig)
{
	int status;

	if (f->pid == 0) {
		fprintf(stderr, "swtpm_fixture: not running\n");
		return -1;
	}
	kill(f->pid, sig);
	while (waitpid(f->pid, &status, 0) < 0 && errno == EINTR)
		;
	f->pid = 0;
	/* swtpm removes its sockets on a clean exit only */
	unlink(f->sock);
	return 0;
}

int swtpm_fixture_stop(struct swtpm_fixture *f)
{
	int rc = 0;

	if (f->pid != 0 && transact(f->sock, cmd_shutdown, sizeof(cmd_shutdown)) != 0) {
		fprintf(stderr, "swtpm_fixture: TPM2_Shutdown failed or timed out (is the TPM "
				"still in use?)\n");
		rc = -1;
	}
	if (end(f, SIGTERM) != 0)
		rc = -1;
	return rc;
}

int swtpm_fixture_power_cut(struct swtpm_fixture *f)
{
	return end(f, SIGKILL);
}

int swtpm_fixture_restart(struct swtpm_fixture *f)
{
	return swtpm_fixture_stop(f) == 0 ? swtpm_fixture_start(f) : -1;
}

int swtpm_fixture_restart_unclean(struct swtpm_fixture *f)
{
	return swtpm_fixture_power_cut(f) == 0 ? swtpm_fixture_start(f) : -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void swtpm_fixture_destroy(struct swtpm_fixture *f)
{
	if (f == NULL)
		return;
	if (f->pid != 0)
		end(f, SIGKILL);
	if (f->dir[0] != '\0')
		nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	f->dir[0] = '\0';
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Starting partition programs (hal_spawn.h says what the child gets and why).
 * Every wait is bounded by its caller's deadline and every child reaped.
 */
#define _GNU_SOURCE
#include "hal_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

uint64_t hal_spawn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void hal_spawn_nap_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void child_fail(const struct hal_spawn *s, const char *what)
{
	dprintf(STDERR_FILENO, "%s: %s: %s\n", s->tag, what, strerror(errno));
	_exit(127);
}

/* In the child: nothing of the parent but stderr (and keep_fd), default
 * signal handling. */
static void child_exec(const struct hal_spawn *s)
{
	sigset_t none;
	long max_fd = sysconf(_SC_OPEN_MAX);

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0)
		child_fail(s, "PR_SET_PDEATHSIG");
	if (s->private_mounts) {
		if (unshare(CLONE_NEWNS) != 0)
			child_fail(s, "unshare(CLONE_NEWNS)");
		/* Nothing mounted here may leak back to the device's namespace. */
		if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
			child_fail(s, "making / private");
		if (s->bind_src && mount(s->bind_src, s->bind_dst, NULL, MS_BIND, NULL) != 0)
			child_fail(s, "bind mount");
		if (mount("tmpfs", "/etc", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "size=4k,mode=0555") != 0)
			child_fail(s, "mounting an empty /etc");
	}
	/* First: keep_fd may be one of the descriptors stdout is made from. */
	if (s->keep_fd >= 0 && s->keep_fd != HAL_SPAWN_FD) {
		if (dup2(s->keep_fd, HAL_SPAWN_FD) < 0)
			child_fail(s, "dup2");
	} else if (s->keep_fd == HAL_SPAWN_FD) {
		/* dup2 onto itself would keep FD_CLOEXEC set */
		if (fcntl(HAL_SPAWN_FD, F_SETFD, 0) != 0)
			child_fail(s, "fcntl");
	}
	if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		child_fail(s, "dup2");
	for (long fd = s->keep_fd >= 0 ? HAL_SPAWN_FD + 1 : HAL_SPAWN_FD;
	     fd < (max_fd > 0 && max_fd < 65536 ? max_fd : 1024); fd++)
		close((int)fd);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(s->argv[0], (char *const *)s->argv, (char *const *)s->envp);
	child_fail(s, s->argv[0]);
}

pid_t hal_spawn(const struct hal_spawn *s)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0)
		child_exec(s);
	if (pid < 0)
		log_warn("%s: fork", s->tag);
	return pid;
}

int hal_spawn_wait_until(pid_t pid, uint64_t deadline_ms, int *status)
{
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return 1;
		if (hal_spawn_now_ms() >= deadline_ms)
			return 0;
		hal_spawn_nap_ms(10);
	}
}

void hal_spawn_kill(const char *tag, pid_t pid, uint32_t grace_ms)
{
	int status;

	kill(pid, SIGTERM);
	if (!hal_spawn_wait_until(pid, hal_spawn_now_ms() + grace_ms, &status)) {
		log_info("%s: pid %ld ignored SIGTERM for %u ms: killed", tag, (long)pid, grace_ms);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
}

void hal_spawn_log_exit(const char *tag, const char *what, int status)
{
	if (WIFEXITED(status))
		log_info("%s: %s exited %d", tag, what, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		log_info("%s: %s killed by signal %d", tag, what, WTERMSIG(status));
}

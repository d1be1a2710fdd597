/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The readiness pipe: one byte 'R' from the child means "serving". The
 * parent reads until it gets it or the pipe closes (the child exited, or
 * closed it on failure), and in the second case reaps the child for its
 * exit status. The child is a session leader with no controlling terminal;
 * it keeps the working directory, since configuration paths may be relative.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "srv_detach.h"

#define READY_BYTE 'R'

static void parent_wait(int fd, pid_t child)
{
	char c = 0;
	ssize_t n;
	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1 && c == READY_BYTE)
		_exit(0);
	int status = 0;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		_exit(WEXITSTATUS(status));
	fprintf(stderr, "maydayd: the daemon did not start (see its log)\n");
	_exit(1);
}

enum mayday_err srv_detach_begin(struct srv_detach *d)
{
	int p[2];
	d->fd = -1;
	if (pipe2(p, O_CLOEXEC) != 0) {
		log_warn("pipe");
		return MAYDAY_E_IO;
	}
	pid_t pid = fork();
	if (pid < 0) {
		log_warn("fork");
		close(p[0]);
		close(p[1]);
		return MAYDAY_E_IO;
	}
	if (pid > 0) {
		close(p[1]);
		parent_wait(p[0], pid);
	}
	close(p[0]);
	if (setsid() < 0) {
		log_warn("setsid");
		close(p[1]);
		return MAYDAY_E_IO;
	}
	d->fd = p[1];
	return MAYDAY_OK;
}

void srv_detach_ready(struct srv_detach *d, int keep_stderr)
{
	if (d->fd < 0)
		return;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		(void)dup2(null, STDIN_FILENO);
		(void)dup2(null, STDOUT_FILENO);
		if (!keep_stderr)
			(void)dup2(null, STDERR_FILENO);
		close(null);
	}
	char c = READY_BYTE;
	ssize_t w = write(d->fd, &c, 1);
	(void)w;
	close(d->fd);
	d->fd = -1;
}

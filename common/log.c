/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging: one write(2) per line so lines from several threads never
 * interleave. A file destination keeps one descriptor number for its whole
 * life: log_reopen opens the path anew and dup2()s it over that number,
 * which the kernel does atomically, so writers need no lock. Rate limiting
 * is a per-kind "last second logged" slot claimed with compare-and-swap, so
 * at most one thread logs per second.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_FILE_MODE 0640

enum log_dest { DEST_STDERR, DEST_SYSLOG, DEST_FILE };

static const char *log_prog = "maydayd";
static int log_verbose;
static enum log_dest log_dest = DEST_STDERR;
static int log_fd = STDERR_FILENO;
static char log_path[4096];

void log_init(const char *progname, int verbose)
{
	log_prog = progname;
	log_verbose = verbose;
}

static int open_file(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, LOG_FILE_MODE);
}

int log_open(const char *dest, char *err, size_t err_cap)
{
	if (strcmp(dest, "stderr") == 0) {
		log_dest = DEST_STDERR;
		log_fd = STDERR_FILENO;
		return 0;
	}
	if (strcmp(dest, "syslog") == 0) {
		openlog(log_prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		log_dest = DEST_SYSLOG;
		return 0;
	}
	if (dest[0] != '/' || strlen(dest) >= sizeof(log_path)) {
		snprintf(err, err_cap, "log '%s': stderr, syslog or an absolute path", dest);
		return -1;
	}
	int fd = open_file(dest);
	if (fd < 0) {
		snprintf(err, err_cap, "log %s: %s", dest, strerror(errno));
		return -1;
	}
	strcpy(log_path, dest);
	log_fd = fd;
	log_dest = DEST_FILE;
	return 0;
}

int log_reopen(void)
{
	if (log_dest != DEST_FILE)
		return 0;
	int fd = open_file(log_path);
	if (fd < 0)
		return -1;
	int rc = dup3(fd, log_fd, O_CLOEXEC) < 0 ? -1 : 0;
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int log_to_stderr(void)
{
	return log_dest == DEST_STDERR;
}

__attribute__((format(printf, 4, 0)))
static void vlog(int prio, const char *level, const char *suffix, const char *fmt, va_list ap)
{
	char line[1024];
	int n = log_dest == DEST_SYSLOG ? 0 :
		snprintf(line, sizeof(line), "%s[%ld]: %s: ", log_prog, (long)getpid(), level);
	if (n < 0)
		return;
	size_t len = (size_t)n;
	if (len < sizeof(line)) {
		n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
		if (n > 0)
			len += (size_t)n;
	}
	if (suffix != NULL && len < sizeof(line)) {
		n = snprintf(line + len, sizeof(line) - len, ": %s", suffix);
		if (n > 0)
			len += (size_t)n;
	}
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	if (log_dest == DEST_SYSLOG) {
		line[len] = '\0';
		syslog(prio, "%s", line);
		return;
	}
	line[len++] = '\n';
	ssize_t w = write(log_fd, line, len);
	(void)w;
}

void log_warn(const char *fmt, ...)
{
	char buf[128];
	const char *e = strerror_r(errno, buf, sizeof(buf));
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_WARNING, "warning", e, fmt, ap);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_WARNING, "warning", NULL, fmt, ap);
	va_end(ap);
}

void log_notice(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_NOTICE, "notice", NULL, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_INFO, "info", NULL, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;
	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, "debug", NULL, fmt, ap);
	va_end(ap);
}

void log_limited(struct log_limit *lim, const char *fmt, ...)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t now = (int64_t)ts.tv_sec, last = atomic_load(&lim->last_sec);
	if (last == now || !atomic_compare_exchange_strong(&lim->last_sec, &last, now)) {
		atomic_fetch_add(&lim->suppressed, 1);
		return;
	}
	uint64_t dropped = atomic_exchange(&lim->suppressed, 0);
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (dropped)
		log_warnx("%s (%llu similar suppressed)", msg, (unsigned long long)dropped);
	else
		log_warnx("%s", msg);
}

/*
 * Logging to stderr, one write(2) per line so lines from several threads
 * never interleave. Rate limiting is a per-kind "last second logged" slot
 * claimed with compare-and-swap, so at most one thread logs per second.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *log_prog = "maydayd";
static int log_verbose;

void log_init(const char *progname, int verbose)
{
	log_prog = progname;
	log_verbose = verbose;
}

__attribute__((format(printf, 3, 0)))
static void vlog(const char *level, const char *suffix, const char *fmt, va_list ap)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "%s[%ld]: %s: ", log_prog, (long)getpid(), level);
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
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}

void log_warn(const char *fmt, ...)
{
	char buf[128];
	const char *e = strerror_r(errno, buf, sizeof(buf));
	va_list ap;
	va_start(ap, fmt);
	vlog("warning", e, fmt, ap);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("warning", NULL, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("info", NULL, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;
	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog("debug", NULL, fmt, ap);
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

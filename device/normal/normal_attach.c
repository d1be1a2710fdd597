/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stand-in's attach probe and its record (contract in normal_attach.h).
 * Every wait is bounded by the configured timeout (poll on a non-blocking
 * socket); the SeGW's answer is read into a fixed buffer and only its first
 * line, cut and made printable, ever reaches the record.
 */
#include "normal_attach.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "boot_attach.h"
#include "log.h"

#define ANSWER_MAX 128  /* bytes of the SeGW's answer read */

void normal_attach_cfg_init(struct normal_attach_cfg *c)
{
	memset(c, 0, sizeof *c);
	c->tries = 3;
	c->timeout_s = 10;
	c->interval_s = 5;
}

static bool parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* "HOST:PORT" (HOST may be "[v6]"), of length n. */
static bool parse_endpoint(const char *s, size_t n, struct normal_attach_endpoint *e)
{
	const char *host = s, *colon = NULL;
	size_t hlen, plen;
	uint32_t port;
	char pbuf[8];

	for (size_t i = 0; i < n; i++)
		if (s[i] == ':')
			colon = s + i;
	if (!colon)
		return false;
	hlen = (size_t)(colon - s);
	plen = n - hlen - 1;
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen > NORMAL_ATTACH_HOST_MAX || plen == 0 || plen >= sizeof pbuf)
		return false;
	for (size_t i = 0; i < hlen; i++)
		if (host[i] <= 0x20 || host[i] > 0x7e || host[i] == '[' || host[i] == ']')
			return false;
	memcpy(pbuf, colon + 1, plen);
	pbuf[plen] = '\0';
	if (!parse_u32(pbuf, 1, 65535, &port))
		return false;
	memcpy(e->host, host, hlen);
	e->host[hlen] = '\0';
	snprintf(e->port, sizeof e->port, "%u", port);
	return true;
}

enum mayday_err normal_attach_cfg_parse(struct normal_attach_cfg *c,
					const char *(*get)(const char *name), char *err,
					size_t cap)
{
	struct normal_attach_cfg t;
	const char *v;

	normal_attach_cfg_init(&t);
	v = get("MAYDAY_SEGW");
	if (v && *v) {
		size_t len = strnlen(v, NORMAL_ATTACH_ENV_MAX + 1);
		const char *p = v;

		if (len > NORMAL_ATTACH_ENV_MAX) {
			snprintf(err, cap, "MAYDAY_SEGW: longer than %d bytes", NORMAL_ATTACH_ENV_MAX);
			return MAYDAY_E_INVALID;
		}
		for (;;) {
			const char *comma = strchr(p, ',');
			size_t n = comma ? (size_t)(comma - p) : strlen(p);

			if (t.n_segw == NORMAL_ATTACH_SEGW_MAX) {
				snprintf(err, cap, "MAYDAY_SEGW: more than %d endpoints",
					 NORMAL_ATTACH_SEGW_MAX);
				return MAYDAY_E_INVALID;
			}
			if (!parse_endpoint(p, n, &t.segw[t.n_segw])) {
				snprintf(err, cap, "MAYDAY_SEGW: endpoint %u is not HOST:PORT",
					 t.n_segw + 1);
				return MAYDAY_E_INVALID;
			}
			t.n_segw++;
			if (!comma)
				break;
			p = comma + 1;
		}
	}
	v = get("MAYDAY_ATTACH_TRIES");
	if (v && !parse_u32(v, 1, 1000, &t.tries)) {
		snprintf(err, cap, "MAYDAY_ATTACH_TRIES: not a number in 1..1000");
		return MAYDAY_E_INVALID;
	}
	v = get("MAYDAY_ATTACH_TIMEOUT_S");
	if (v && !parse_u32(v, 1, 3600, &t.timeout_s)) {
		snprintf(err, cap, "MAYDAY_ATTACH_TIMEOUT_S: not a number in 1..3600");
		return MAYDAY_E_INVALID;
	}
	v = get("MAYDAY_ATTACH_INTERVAL_S");
	if (v && !parse_u32(v, 0, 3600, &t.interval_s)) {
		snprintf(err, cap, "MAYDAY_ATTACH_INTERVAL_S: not a number in 0..3600");
		return MAYDAY_E_INVALID;
	}
	*c = t;
	return MAYDAY_OK;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for `events` on fd until `deadline` (ms, monotonic). 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { fd, events, 0 };
		int64_t left = deadline - now_ms();
		int n;

		if (left <= 0)
			return 0;
		n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static void set_error(struct normal_attach_result *res, uint32_t stage, const char *what)
{
	size_t i;

	res->stage = stage;
	memset(res->last_error, 0, sizeof res->last_error);
	for (i = 0; what[i] && i < MAYDAY_ATTACH_ERROR_MAX; i++)
		res->last_error[i] = what[i] >= 0x20 && what[i] <= 0x7e ? what[i] : '?';
}

/* Connect to one address within the deadline: the fd, or -1 with errno. */
static int connect_one(const struct addrinfo *ai, int64_t deadline)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			ai->ai_protocol);
	int soerr = 0;
	socklen_t sl = sizeof soerr;

	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS)
		goto fail;
	switch (wait_fd(fd, POLLOUT, deadline)) {
	case 0:
		errno = ETIMEDOUT;
		goto fail;
	case -1:
		goto fail;
	default:
		break;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
		goto fail;
	if (soerr == 0)
		return fd;
	errno = soerr;
fail:
	soerr = errno;
	close(fd);
	errno = soerr;
	return -1;
}

/* Send the request, read the answer's first line. true: attached. */
static bool exchange(int fd, const char *device_id, int64_t deadline,
		     struct normal_attach_result *res)
{
	char req[MAYDAY_DEVICE_ID_MAX + 16];
	char ans[ANSWER_MAX + 1];
	size_t have = 0, sent = 0;
	int n = snprintf(req, sizeof req, "ATTACH %s\n", device_id);

	while (sent < (size_t)n) {
		ssize_t w = send(fd, req + sent, (size_t)n - sent, MSG_NOSIGNAL);

		if (w > 0) {
			sent += (size_t)w;
			continue;
		}
		if (w < 0 && (errno == EAGAIN || errno == EINTR) &&
		    wait_fd(fd, POLLOUT, deadline) == 1)
			continue;
		set_error(res, MAYDAY_ATTACH_SEGW_UNREACHABLE,
			  w < 0 ? strerror(errno) : "send failed");
		return false;
	}
	while (have < ANSWER_MAX && !memchr(ans, '\n', have)) {
		int ready = wait_fd(fd, POLLIN, deadline);
		ssize_t r;

		if (ready == 0) {
			set_error(res, MAYDAY_ATTACH_SEGW_UNREACHABLE, "no answer from the SeGW");
			return false;
		}
		if (ready < 0) {
			set_error(res, MAYDAY_ATTACH_SEGW_UNREACHABLE, strerror(errno));
			return false;
		}
		r = recv(fd, ans + have, ANSWER_MAX - have, 0);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			set_error(res, MAYDAY_ATTACH_SEGW_UNREACHABLE, strerror(errno));
			return false;
		}
		have += (size_t)r;
	}
	ans[have] = '\0';
	ans[strcspn(ans, "\r\n")] = '\0';
	if (strncmp(ans, "OK", 2) == 0)
		return true;
	/* The SeGW answered and said no (or hung up): its credentials check. */
	set_error(res, MAYDAY_ATTACH_AUTH_REFUSED, have ? ans : "closed by the SeGW");
	return false;
}

static bool try_endpoint(const struct normal_attach_endpoint *e, uint32_t timeout_s,
			 const char *device_id, struct normal_attach_result *res)
{
	struct addrinfo hints, *ai = NULL;
	int64_t deadline = now_ms() + (int64_t)timeout_s * 1000;
	bool ok = false;
	int fd = -1, gai;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	gai = getaddrinfo(e->host, e->port, &hints, &ai);
	if (gai != 0) {
		set_error(res, MAYDAY_ATTACH_SEGW_UNREACHABLE, gai_strerror(gai));
		return false;
	}
	for (const struct addrinfo *p = ai; p && fd < 0; p = p->ai_next)
		fd = connect_one(p, deadline);
	if (fd < 0)
		set_error(res, MAYDAY_ATTACH_SEGW_UNREACHABLE, strerror(errno));
	else
		ok = exchange(fd, device_id, deadline, res);
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	log_info("attach: SeGW %s port %s: %s", e->host, e->port, ok ? "attached" : res->last_error);
	return ok;
}

void normal_attach_try(const struct normal_attach_cfg *c, uint32_t tries, const char *device_id,
		       struct normal_attach_result *res)
{
	memset(res, 0, sizeof *res);
	if (c->n_segw == 0) {
		res->attached = true;
		return;
	}
	for (uint32_t t = 0; t < tries; t++) {
		if (t > 0 && c->interval_s > 0) {
			struct timespec ts = { (time_t)c->interval_s, 0 };

			while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
				;
		}
		res->tries = t + 1;
		for (unsigned i = 0; i < c->n_segw; i++) {
			if (try_endpoint(&c->segw[i], c->timeout_s, device_id, res)) {
				res->attached = true;
				res->stage = 0;
				memset(res->last_error, 0, sizeof res->last_error);
				return;
			}
		}
	}
}

bool normal_attach_run(struct hal_flash *f, const struct normal_attach_cfg *c,
		       const char *device_id)
{
	struct normal_attach_result res;
	struct boot_attach a;
	uint32_t tries;
	enum mayday_err rc;

	if (c->n_segw == 0)
		return true; /* nothing to attach to: not watched */
	rc = boot_attach_load(f, &a, NULL);
	if (rc != MAYDAY_OK && rc != MAYDAY_E_MALFORMED && rc != MAYDAY_E_UNSUPPORTED)
		log_info("attach state unreadable: %s; no backoff", mayday_strerror(rc));
	tries = boot_attach_backoff(c->tries, a.episodes);
	normal_attach_try(c, tries, device_id, &res);
	if (res.attached) {
		rc = boot_attach_report_ok(f);
		log_info("attached (try %u of %u)", res.tries, tries);
	} else {
		rc = boot_attach_report_failed(f, res.stage, res.tries, res.last_error);
		log_info("cannot attach: %s after %u tr%s (%s); recorded: the next start-up runs the DCF",
			 mayday_attach_stage_name(res.stage), res.tries, res.tries == 1 ? "y" : "ies",
			 res.last_error);
	}
	if (rc != MAYDAY_OK)
		log_info("attach state: cannot record the outcome: %s", mayday_strerror(rc));
	return res.attached;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The RoT agent protocol (rot_wire.h has the layout and why). A small
 * parser of our own: the format is ours, twelve bytes and one payload per
 * message, and it runs in the static DCF, which may link no library that
 * would parse it. One table says what each op's payloads must be, so the
 * decoder and the encoder cannot disagree about a size.
 */
#include "rot_wire.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mayday/psk.h"

/* Payload sizes by op: min..max for a request, and for a status-0 response. */
struct shape {
	const char *name;
	uint32_t req_min, req_max;
	uint32_t resp_min, resp_max;
};

#define PSK_KEYS_FIXED (2 * MAYDAY_PSK_KEY_LEN + MAYDAY_PSK_IV_LEN)

static const struct shape shapes[ROT_WIRE_OP__END] = {
	[ROT_WIRE_HELLO]           = { "hello", 0, 0, 0, 0 },
	[ROT_WIRE_DEVICE_ID]       = { "device-id", 0, 0, 1, MAYDAY_DEVICE_ID_MAX },
	[ROT_WIRE_SIGN]            = { "sign", 1, ROT_WIRE_TBS_MAX, MAYDAY_ES256_SIG_LEN,
				       MAYDAY_ES256_SIG_LEN },
	[ROT_WIRE_DISTRESS_PUBLIC] = { "distress-public", 0, 0, 1, ROT_WIRE_SPKI_MAX },
	[ROT_WIRE_ANCHOR]          = { "anchor", 1, 1, 1, ROT_WIRE_SPKI_MAX },
	[ROT_WIRE_PSK_KEYS]        = { "psk-keys", 0, 0, PSK_KEYS_FIXED + MAYDAY_PSK_KID_MIN,
				       PSK_KEYS_FIXED + MAYDAY_PSK_KID_MAX },
	[ROT_WIRE_EXTEND]          = { "extend", HAL_ROT_REG_LEN, HAL_ROT_REG_LEN, 0, 0 },
	[ROT_WIRE_UNSEAL]          = { "unseal", 0, 0, 1, HAL_ROT_CREDS_MAX },
	[ROT_WIRE_COUNTER_READ]    = { "counter-read", 1, 1, 8, 8 },
	[ROT_WIRE_COUNTER_NEXT]    = { "counter-next", 1, 1, 8, 8 },
	[ROT_WIRE_COUNTER_ADVANCE] = { "counter-advance", 9, 9, 0, 0 },
	[ROT_WIRE_TLS_KEY]         = { "tls-key", 0, 0, 0, 0 },
};

_Static_assert(ROT_WIRE_TBS_MAX <= ROT_WIRE_PAYLOAD_MAX, "a sign request fits");
_Static_assert(HAL_ROT_CREDS_MAX <= ROT_WIRE_PAYLOAD_MAX, "the credentials fit");

const char *rot_wire_op_name(enum rot_wire_op op)
{
	return op >= ROT_WIRE_HELLO && op < ROT_WIRE_OP__END ? shapes[op].name : "?";
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static int role_ok(uint32_t r)
{
	return r == HAL_ROT_ROLE_TRE || r == HAL_ROT_ROLE_DCF || r == HAL_ROT_ROLE_NORMAL;
}

/* The index a request's first payload byte names, range-checked. */
static int which_ok(enum rot_wire_op op, uint32_t which)
{
	if (op == ROT_WIRE_ANCHOR)
		return which < HAL_ROT_ANCHOR__COUNT;
	return which < HAL_ROT_COUNTER__COUNT;
}

static int has_which(enum rot_wire_op op)
{
	return op == ROT_WIRE_ANCHOR || op == ROT_WIRE_COUNTER_READ ||
	       op == ROT_WIRE_COUNTER_NEXT || op == ROT_WIRE_COUNTER_ADVANCE;
}

/* Device IDs are printable ASCII without spaces (rot.h). */
static int id_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] <= 0x20 || p[i] >= 0x7f)
			return 0;
	return 1;
}

enum mayday_err rot_wire_payload_len(const uint8_t hdr[ROT_WIRE_HDR_LEN], size_t *len)
{
	uint32_t n = get32(hdr + 8);

	*len = 0;
	if (n > ROT_WIRE_PAYLOAD_MAX)
		return MAYDAY_E_TOOBIG;
	*len = n;
	return MAYDAY_OK;
}

/* The payload of a well-formed header, checked against its op. */
static enum mayday_err decode_payload(const uint8_t *p, size_t n, struct rot_wire_msg *m)
{
	const struct shape *s = &shapes[m->op];

	if (m->kind == ROT_WIRE_REQUEST) {
		if (n < s->req_min || n > s->req_max)
			return MAYDAY_E_MALFORMED;
		if (has_which(m->op)) {
			m->which = p[0];
			if (!which_ok(m->op, m->which))
				return MAYDAY_E_MALFORMED;
			if (m->op == ROT_WIRE_COUNTER_ADVANCE)
				m->value = get64(p + 1);
			return MAYDAY_OK;
		}
		m->data = n ? p : NULL;
		m->len = n;
		return MAYDAY_OK;
	}
	if (m->status != MAYDAY_OK)
		return n == 0 ? MAYDAY_OK : MAYDAY_E_MALFORMED;
	if (n < s->resp_min || n > s->resp_max)
		return MAYDAY_E_MALFORMED;
	if (m->op == ROT_WIRE_COUNTER_READ || m->op == ROT_WIRE_COUNTER_NEXT) {
		m->value = get64(p);
		return MAYDAY_OK;
	}
	if (m->op == ROT_WIRE_DEVICE_ID && !id_ok(p, n))
		return MAYDAY_E_MALFORMED;
	m->data = n ? p : NULL;
	m->len = n;
	return MAYDAY_OK;
}

enum mayday_err rot_wire_decode(const uint8_t *in, size_t len, enum rot_wire_kind kind,
				struct rot_wire_msg *out)
{
	struct rot_wire_msg m = { 0 };
	size_t n;
	uint32_t status;
	enum mayday_err err;

	memset(out, 0, sizeof(*out));
	if (in == NULL || len < ROT_WIRE_HDR_LEN)
		return MAYDAY_E_MALFORMED;
	err = rot_wire_payload_len(in, &n);
	if (err != MAYDAY_OK)
		return err;
	if (len != ROT_WIRE_HDR_LEN + n || in[0] != ROT_WIRE_VERSION || in[1] != kind ||
	    in[2] < ROT_WIRE_HELLO || in[2] >= ROT_WIRE_OP__END || !role_ok(in[3]))
		return MAYDAY_E_MALFORMED;
	status = get32(in + 4);
	if (kind == ROT_WIRE_REQUEST ? status != 0 : status >= MAYDAY_E__COUNT)
		return MAYDAY_E_MALFORMED;
	/* The agent sends HELLO; nobody asks for it. */
	if (kind == ROT_WIRE_REQUEST && in[2] == ROT_WIRE_HELLO)
		return MAYDAY_E_MALFORMED;
	m.kind = kind;
	m.op = (enum rot_wire_op)in[2];
	m.role = (enum hal_rot_role)in[3];
	m.status = (enum mayday_err)status;
	err = decode_payload(in + ROT_WIRE_HDR_LEN, n, &m);
	if (err == MAYDAY_OK)
		*out = m;
	return err;
}

enum mayday_err rot_wire_encode(const struct rot_wire_msg *m, uint8_t *out, size_t cap,
				size_t *len)
{
	uint8_t *p = out + ROT_WIRE_HDR_LEN;
	size_t n = 0;
	struct rot_wire_msg check;
	enum mayday_err err;

	*len = 0;
	if (m->op < ROT_WIRE_HELLO || m->op >= ROT_WIRE_OP__END ||
	    (m->kind != ROT_WIRE_REQUEST && m->kind != ROT_WIRE_RESPONSE))
		return MAYDAY_E_INVALID;
	if (m->kind == ROT_WIRE_REQUEST && has_which(m->op))
		n = m->op == ROT_WIRE_COUNTER_ADVANCE ? 9 : 1;
	else if (m->kind == ROT_WIRE_RESPONSE && m->status == MAYDAY_OK &&
		 (m->op == ROT_WIRE_COUNTER_READ || m->op == ROT_WIRE_COUNTER_NEXT))
		n = 8;
	else if (m->kind == ROT_WIRE_REQUEST || m->status == MAYDAY_OK)
		n = m->len;
	if (n > ROT_WIRE_PAYLOAD_MAX)
		return MAYDAY_E_INVALID;
	if (cap < ROT_WIRE_HDR_LEN + n)
		return MAYDAY_E_TOOBIG;
	out[0] = ROT_WIRE_VERSION;
	out[1] = (uint8_t)m->kind;
	out[2] = (uint8_t)m->op;
	out[3] = (uint8_t)m->role;
	put32(out + 4, m->kind == ROT_WIRE_RESPONSE ? (uint32_t)m->status : 0);
	put32(out + 8, (uint32_t)n);
	if (m->kind == ROT_WIRE_REQUEST && has_which(m->op)) {
		p[0] = (uint8_t)m->which;
		if (m->op == ROT_WIRE_COUNTER_ADVANCE)
			put64(p + 1, m->value);
	} else if (n == 8 && m->kind == ROT_WIRE_RESPONSE &&
		   (m->op == ROT_WIRE_COUNTER_READ || m->op == ROT_WIRE_COUNTER_NEXT)) {
		put64(p, m->value);
	} else if (n) {
		memcpy(p, m->data, n);
	}
	/* What we send is what the other side's decoder takes, or nothing. */
	err = rot_wire_decode(out, ROT_WIRE_HDR_LEN + n, m->kind, &check);
	if (err != MAYDAY_OK)
		return MAYDAY_E_INVALID;
	*len = ROT_WIRE_HDR_LEN + n;
	return MAYDAY_OK;
}

uint64_t rot_wire_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wait for `events` on fd until deadline_ms. */
static enum mayday_err wait_fd(int fd, short events, uint64_t deadline_ms)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		uint64_t now = rot_wire_now_ms();
		int r;

		if (now >= deadline_ms)
			return MAYDAY_E_TIMEOUT;
		r = poll(&pfd, 1, deadline_ms - now > 60000 ? 60000 : (int)(deadline_ms - now));
		if (r > 0)
			return MAYDAY_OK;
		if (r < 0 && errno != EINTR)
			return MAYDAY_E_IO;
	}
}

enum mayday_err rot_wire_send(int fd, const uint8_t *msg, size_t len, uint64_t deadline_ms)
{
	size_t done = 0;

	while (done < len) {
		enum mayday_err err = wait_fd(fd, POLLOUT, deadline_ms);
		ssize_t n;

		if (err != MAYDAY_OK)
			return err;
		n = send(fd, msg + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n <= 0)
			return MAYDAY_E_IO;
		done += (size_t)n;
	}
	return MAYDAY_OK;
}

static enum mayday_err read_full(int fd, uint8_t *buf, size_t len, uint64_t deadline_ms)
{
	size_t done = 0;

	while (done < len) {
		enum mayday_err err = wait_fd(fd, POLLIN, deadline_ms);
		ssize_t n;

		if (err != MAYDAY_OK)
			return err;
		n = recv(fd, buf + done, len - done, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n <= 0)
			return MAYDAY_E_IO;
		done += (size_t)n;
	}
	return MAYDAY_OK;
}

enum mayday_err rot_wire_recv(int fd, enum rot_wire_kind kind, uint8_t *buf,
			      uint64_t deadline_ms, struct rot_wire_msg *out)
{
	size_t n = 0;
	enum mayday_err err;

	memset(out, 0, sizeof(*out));
	err = read_full(fd, buf, ROT_WIRE_HDR_LEN, deadline_ms);
	if (err == MAYDAY_OK)
		err = rot_wire_payload_len(buf, &n);
	if (err == MAYDAY_OK)
		err = read_full(fd, buf + ROT_WIRE_HDR_LEN, n, deadline_ms);
	if (err == MAYDAY_OK)
		err = rot_wire_decode(buf, ROT_WIRE_HDR_LEN + n, kind, out);
	return err;
}

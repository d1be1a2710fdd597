/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The response parser (see net_http_parse.h for what it accepts and why it
 * is our own). One byte-at-a-time state machine for the line-shaped parts
 * (status line, fields, chunk-size lines, the CRLF after chunk data,
 * trailers), each line collected into a fixed buffer whose bound is the
 * head bound (or the chunk-line bound), and a bulk path for body bytes,
 * which are never copied: they are handed back as a span of the input.
 * Every check fails with a static reason and the offset of the answer's
 * byte where it went wrong.
 */
#include "net_http_parse.h"

#include <string.h>

enum {
	S_STATUS,
	S_FIELDS,
	S_BODY_LEN,      /* Content-Length bytes */
	S_CHUNK_SIZE,
	S_CHUNK_DATA,
	S_CHUNK_CRLF,
	S_TRAILER,
	S_BODY_CLOSE,    /* until the end of the connection */
	S_DONE,
	S_ERROR
};

static enum mayday_err fail(struct net_http_parse *p, enum mayday_err rc, const char *what)
{
	p->state = S_ERROR;
	p->diag.what = what;
	p->diag.offset = p->offset;
	p->err = rc; /* later calls repeat it */
	return rc;
}

void net_http_parse_init(struct net_http_parse *p, int head_request)
{
	memset(p, 0, sizeof(*p));
	p->state = S_STATUS;
	p->head_request = head_request != 0;
}

int net_http_parse_have_head(const struct net_http_parse *p)
{
	return p->state != S_STATUS && p->state != S_FIELDS && p->state != S_ERROR;
}

int net_http_parse_done(const struct net_http_parse *p)
{
	return p->state == S_DONE;
}

const struct net_http_head *net_http_parse_head(const struct net_http_parse *p)
{
	return &p->head;
}

struct mayday_diag net_http_parse_diag(const struct net_http_parse *p)
{
	return p->diag;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* tchar (RFC 9110 §5.6.2) */
static int is_tchar(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int ieq(const char *a, size_t alen, const char *b)
{
	size_t n = strlen(b);

	if (alen != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* Decimal digits only; 0 if not, or above max. */
static int parse_dec(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return 0;
		if (v > (max - (uint64_t)(s[i] - '0')) / 10)
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 1;
}

static int two(const char *s, int *out)
{
	if (!is_digit((unsigned char)s[0]) || !is_digit((unsigned char)s[1]))
		return 0;
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	return 1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

int64_t net_http_parse_date(const char *s, size_t len)
{
	static const char days[] = "MonTueWedThuFriSatSun";
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int day, year_hi, year_lo, hh, mm, ss, mon = -1, dname = -1;

	/* "Sun, 06 Nov 1994 08:49:37 GMT" */
	if (len != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
	    s[16] != ' ' || s[19] != ':' || s[22] != ':' || s[25] != ' ' ||
	    memcmp(s + 26, "GMT", 3) != 0)
		return 0;
	for (int i = 0; i < 7; i++)
		if (memcmp(s, days + 3 * i, 3) == 0)
			dname = i;
	for (int i = 0; i < 12; i++)
		if (memcmp(s + 8, months + 3 * i, 3) == 0)
			mon = i + 1;
	if (dname < 0 || mon < 0 || !two(s + 5, &day) || !two(s + 12, &year_hi) ||
	    !two(s + 14, &year_lo) || !two(s + 17, &hh) || !two(s + 20, &mm) ||
	    !two(s + 23, &ss))
		return 0;
	int year = year_hi * 100 + year_lo;
	if (year < 1970 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return 0;
	int64_t t = days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss;
	return t > 0 ? t : 0;
}

/* "HTTP/1.x SP 3DIGIT [SP reason]" */
static enum mayday_err status_line(struct net_http_parse *p, const char *l, size_t n)
{
	uint64_t code;

	if (n < 12 || memcmp(l, "HTTP/1.", 7) != 0 || (l[7] != '0' && l[7] != '1') ||
	    l[8] != ' ' || !parse_dec(l + 9, 3, 999, &code) || (n > 12 && l[12] != ' '))
		return fail(p, MAYDAY_E_MALFORMED, "not an HTTP/1.x status line");
	if (code < 100 || code > 599)
		return fail(p, MAYDAY_E_MALFORMED, "status code out of range");
	for (size_t i = 13; i < n; i++) {
		unsigned char c = (unsigned char)l[i];
		if (c < 0x20 && c != '\t')
			return fail(p, MAYDAY_E_MALFORMED, "control character in the reason");
		if (c == 0x7f)
			return fail(p, MAYDAY_E_MALFORMED, "control character in the reason");
	}
	p->head.status = (int)code;
	p->head.minor = l[7] - '0';
	p->state = S_FIELDS;
	return MAYDAY_OK;
}

/* Splits "name: value" and checks its syntax; value trimmed of OWS. */
static enum mayday_err split_field(struct net_http_parse *p, const char *l, size_t n,
				   size_t *name_len, const char **value, size_t *value_len)
{
	size_t i = 0;

	if (l[0] == ' ' || l[0] == '\t')
		return fail(p, MAYDAY_E_MALFORMED, "obsolete line folding");
	while (i < n && is_tchar((unsigned char)l[i]))
		i++;
	if (i == 0 || i == n || l[i] != ':')
		return fail(p, MAYDAY_E_MALFORMED, "bad field name");
	*name_len = i;
	i++;
	while (i < n && (l[i] == ' ' || l[i] == '\t'))
		i++;
	size_t end = n;
	while (end > i && (l[end - 1] == ' ' || l[end - 1] == '\t'))
		end--;
	for (size_t k = i; k < end; k++) {
		unsigned char c = (unsigned char)l[k];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(p, MAYDAY_E_MALFORMED, "control character in a field value");
	}
	*value = l + i;
	*value_len = end - i;
	return MAYDAY_OK;
}

static void connection_tokens(struct net_http_parse *p, const char *v, size_t n)
{
	size_t i = 0;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t s = i;
		while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
			i++;
		if (ieq(v + s, i - s, "close"))
			p->head.close = 1;
		else if (ieq(v + s, i - s, "keep-alive"))
			p->keep_alive = 1;
	}
}

static enum mayday_err set_cookie(struct net_http_parse *p, const char *v, size_t n)
{
	size_t end = 0, name = 0;

	while (end < n && v[end] != ';')
		end++;
	while (end > 0 && (v[end - 1] == ' ' || v[end - 1] == '\t'))
		end--;
	while (name < end && is_tchar((unsigned char)v[name]))
		name++;
	if (name == 0 || name == end || v[name] != '=')
		return MAYDAY_OK; /* not a cookie: ignored (RFC 6265 §5.2) */
	for (size_t i = name + 1; i < end; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c <= 0x20 || c >= 0x7f || c == ',' || c == '\\')
			return MAYDAY_OK;
	}
	if (end > NET_HTTP_COOKIE_MAX)
		return fail(p, MAYDAY_E_TOOBIG, "Set-Cookie too long");
	if (p->head.n_cookies == NET_HTTP_COOKIES_MAX)
		return fail(p, MAYDAY_E_TOOBIG, "too many Set-Cookie fields");
	memcpy(p->head.cookies[p->head.n_cookies], v, end);
	p->head.cookies[p->head.n_cookies][end] = '\0';
	p->head.n_cookies++;
	return MAYDAY_OK;
}

/* The fields the device uses, of the final answer. */
static enum mayday_err field(struct net_http_parse *p, const char *name, size_t nl,
			     const char *v, size_t vl)
{
	struct net_http_head *h = &p->head;

	if (ieq(name, nl, "content-length")) {
		if (p->seen_length)
			return fail(p, MAYDAY_E_MALFORMED, "Content-Length twice");
		p->seen_length = 1;
		if (!parse_dec(v, vl, NET_HTTP_LENGTH_MAX, &h->content_length))
			return fail(p, MAYDAY_E_MALFORMED, "Content-Length not one number in range");
		h->has_length = 1;
	} else if (ieq(name, nl, "transfer-encoding")) {
		if (p->seen_te)
			return fail(p, MAYDAY_E_MALFORMED, "Transfer-Encoding twice");
		p->seen_te = 1;
		if (!ieq(v, vl, "chunked"))
			return fail(p, MAYDAY_E_UNSUPPORTED, "Transfer-Encoding other than chunked");
		h->chunked = 1;
	} else if (ieq(name, nl, "connection")) {
		connection_tokens(p, v, vl);
	} else if (ieq(name, nl, "content-type")) {
		if (p->seen_type)
			return fail(p, MAYDAY_E_MALFORMED, "Content-Type twice");
		p->seen_type = 1;
		if (vl > NET_HTTP_TYPE_MAX)
			return fail(p, MAYDAY_E_TOOBIG, "Content-Type too long");
		memcpy(h->content_type, v, vl);
		h->content_type[vl] = '\0';
	} else if (ieq(name, nl, "retry-after")) {
		size_t k = 0;
		if (h->has_retry_after)
			return MAYDAY_OK; /* the first one counts */
		while (k < vl && is_digit((unsigned char)v[k]))
			k++;
		if (vl > 0 && k == vl) { /* delta-seconds, saturating */
			uint64_t s = 0;
			for (k = 0; k < vl && s <= UINT32_MAX; k++)
				s = s * 10 + (uint64_t)(v[k] - '0');
			h->retry_after_s = s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
			h->has_retry_after = 1;
		}
		if (!h->has_retry_after && (h->retry_after_at = net_http_parse_date(v, vl)) != 0)
			h->has_retry_after = 1;
	} else if (ieq(name, nl, "set-cookie")) {
		return set_cookie(p, v, vl);
	}
	return MAYDAY_OK;
}

/* The empty line after the fields. */
static enum mayday_err end_of_head(struct net_http_parse *p)
{
	struct net_http_head *h = &p->head;

	if (h->status < 200) {
		if (h->status == 101)
			return fail(p, MAYDAY_E_UNSUPPORTED, "101 Switching Protocols");
		if (++p->informational > NET_HTTP_INFORMATIONAL_MAX)
			return fail(p, MAYDAY_E_TOOBIG, "too many 1xx answers");
		memset(h, 0, sizeof(*h));
		p->seen_length = p->seen_te = p->seen_type = p->keep_alive = 0;
		p->fields = 0;
		p->head_bytes = 0;
		p->state = S_STATUS;
		return MAYDAY_OK;
	}
	if (h->has_length && h->chunked)
		return fail(p, MAYDAY_E_MALFORMED, "both Content-Length and chunked");
	if (h->minor == 0 && !p->keep_alive)
		h->close = 1;
	if (p->head_request || h->status == 204 || h->status == 304) {
		p->state = S_DONE;
	} else if (h->chunked) {
		p->state = S_CHUNK_SIZE;
	} else if (h->has_length) {
		p->remaining = h->content_length;
		p->state = h->content_length ? S_BODY_LEN : S_DONE;
	} else {
		h->until_close = 1;
		h->close = 1;
		p->state = S_BODY_CLOSE;
	}
	return MAYDAY_OK;
}

static enum mayday_err chunk_size_line(struct net_http_parse *p, const char *l, size_t n)
{
	uint64_t v = 0;
	size_t i = 0;

	while (i < n) {
		int c = lower((unsigned char)l[i]), d;
		if (is_digit(c))
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			break;
		v = v * 16 + (uint64_t)d;
		if (v > NET_HTTP_CHUNK_MAX)
			return fail(p, MAYDAY_E_TOOBIG, "chunk size too large");
		i++;
	}
	if (i == 0)
		return fail(p, MAYDAY_E_MALFORMED, "bad chunk size");
	while (i < n && (l[i] == ' ' || l[i] == '\t'))
		i++;
	if (i < n && l[i] != ';')
		return fail(p, MAYDAY_E_MALFORMED, "bad chunk size");
	if (v == 0) {
		p->head_bytes = 0;
		p->fields = 0;
		p->state = S_TRAILER;
	} else {
		p->remaining = v;
		p->state = S_CHUNK_DATA;
	}
	return MAYDAY_OK;
}

/* A complete line (CR LF or LF stripped) in the current state. */
static enum mayday_err line_done(struct net_http_parse *p, const char *l, size_t n)
{
	size_t nl, vl;
	const char *v;
	enum mayday_err rc;

	switch (p->state) {
	case S_STATUS:
		return status_line(p, l, n);
	case S_FIELDS:
	case S_TRAILER:
		if (n == 0) {
			if (p->state == S_TRAILER) {
				p->state = S_DONE;
				return MAYDAY_OK;
			}
			return end_of_head(p);
		}
		if (++p->fields > NET_HTTP_FIELDS_MAX)
			return fail(p, MAYDAY_E_TOOBIG, "too many header fields");
		rc = split_field(p, l, n, &nl, &v, &vl);
		if (rc != MAYDAY_OK || p->state == S_TRAILER)
			return rc;
		return field(p, l, nl, v, vl);
	case S_CHUNK_SIZE:
		return chunk_size_line(p, l, n);
	case S_CHUNK_CRLF:
		if (n != 0)
			return fail(p, MAYDAY_E_MALFORMED, "chunk data not followed by CRLF");
		p->state = S_CHUNK_SIZE;
		return MAYDAY_OK;
	default:
		return fail(p, MAYDAY_E_INTERNAL, "parser state");
	}
}

/* One byte of a line-shaped state. */
static enum mayday_err line_byte(struct net_http_parse *p, uint8_t c)
{
	int in_head = p->state == S_STATUS || p->state == S_FIELDS || p->state == S_TRAILER;
	size_t cap = in_head ? NET_HTTP_HEAD_MAX : NET_HTTP_CHUNK_LINE_MAX;

	if (in_head && ++p->head_bytes > NET_HTTP_HEAD_MAX)
		return fail(p, MAYDAY_E_TOOBIG, p->state == S_TRAILER ? "trailers too large"
								  : "head too large");
	if (c == '\n') {
		size_t n = p->line_len, at = p->offset;
		enum mayday_err rc;
		if (n > 0 && p->line[n - 1] == '\r')
			n--;
		/* a line's errors are reported at its first byte */
		p->offset -= p->line_len;
		p->line_len = 0;
		if (memchr(p->line, '\r', n))
			rc = fail(p, MAYDAY_E_MALFORMED, "CR not followed by LF");
		else
			rc = line_done(p, p->line, n);
		p->offset = at;
		return rc;
	}
	if (c == '\0')
		return fail(p, MAYDAY_E_MALFORMED, "NUL byte in a line");
	if (p->line_len >= cap)
		return fail(p, in_head ? MAYDAY_E_TOOBIG : MAYDAY_E_MALFORMED,
			    in_head ? "head too large" : "chunk-size line too long");
	p->line[p->line_len++] = (char)c;
	return MAYDAY_OK;
}

enum mayday_err net_http_parse_feed(struct net_http_parse *p, const uint8_t *in, size_t len,
				    size_t *used, const uint8_t **body, size_t *body_len)
{
	size_t i = 0;
	enum mayday_err rc = MAYDAY_OK;

	*used = 0;
	*body = NULL;
	*body_len = 0;
	if (p->state == S_ERROR)
		return p->err;
	while (i < len && p->state != S_DONE) {
		if (p->state == S_BODY_LEN || p->state == S_CHUNK_DATA ||
		    p->state == S_BODY_CLOSE) {
			if (*body_len)
				break; /* one span per call */
			size_t n = len - i;
			if (p->state != S_BODY_CLOSE && n > p->remaining)
				n = (size_t)p->remaining;
			*body = in + i;
			*body_len = n;
			i += n;
			p->offset += n;
			if (p->state == S_BODY_CLOSE)
				continue;
			p->remaining -= n;
			if (p->remaining == 0)
				p->state = p->state == S_BODY_LEN ? S_DONE : S_CHUNK_CRLF;
			continue;
		}
		rc = line_byte(p, in[i]);
		if (rc != MAYDAY_OK)
			break;
		i++;
		p->offset++;
	}
	*used = i;
	if (rc != MAYDAY_OK)
		*body_len = 0; /* nothing of a failed answer is handed out */
	return rc;
}

enum mayday_err net_http_parse_eof(struct net_http_parse *p)
{
	switch (p->state) {
	case S_DONE:
		return MAYDAY_OK;
	case S_BODY_CLOSE:
		p->state = S_DONE;
		return MAYDAY_OK;
	case S_ERROR:
		return p->err;
	case S_STATUS:
	case S_FIELDS:
		return fail(p, MAYDAY_E_MALFORMED, "connection closed mid-head");
	default:
		return fail(p, MAYDAY_E_MALFORMED, "connection closed mid-body");
	}
}

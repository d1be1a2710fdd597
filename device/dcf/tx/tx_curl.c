/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libcurl easy handle per channel, one blocking exchange per send (the DCF
 * does one thing at a time, so the multi interface would buy nothing).
 *
 * The answer's body is collected into a fixed MAYDAY_ACK_MAX buffer by the
 * write callback, which refuses anything larger (libcurl then aborts the
 * transfer), so a hostile server can make the DCF hold at most that much.
 * CURLOPT_MAXFILESIZE rejects an announced larger body before it is read.
 */
#include "tx_curl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hal/clock.h"
#include "log.h"
#include "mayday/limits.h"

#define RETRY_AFTER_MAX_S 86400u  /* the session bounds it further (unsigned: its backoff cap) */
#define MEDIA_TYPE        "application/cose"

struct tx_curl {
	CURL *easy;
	const char *method;
	struct curl_slist *headers;
	void *res;                       /* transport's resource, see tx_curl_own */
	void (*release)(void *res);
	char errbuf[CURL_ERROR_SIZE];
	uint8_t body[MAYDAY_ACK_MAX];
	size_t body_len;
	int body_overflow;
	int have_reply;
	uint32_t retry_after_s;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
	struct tx_curl *c = user;
	size_t n = size * nmemb;

	if (n > sizeof(c->body) - c->body_len) {
		c->body_overflow = 1;
		return 0; /* anything but n aborts the transfer */
	}
	memcpy(c->body + c->body_len, data, n);
	c->body_len += n;
	return n;
}

enum mayday_err tx_curl_open(const char *method, const char *protocol, const char *url,
			     uint32_t timeout_ms, struct tx_curl **out)
{
	struct tx_curl *c = calloc(1, sizeof(*c));
	struct curl_slist *h;
	CURLcode rc = CURLE_OK;

	*out = NULL;
	if (!c)
		return MAYDAY_E_NOMEM;
	c->method = method;
	c->easy = curl_easy_init();
	if (!c->easy)
		goto nomem;
	/* Expect: 100-continue would cost a round trip (or a second's wait on a
	 * server that ignores it) for every indication over 1 KiB. */
	static const char *const header_lines[] = {
		"Content-Type: " MEDIA_TYPE, "Accept: " MEDIA_TYPE, "Expect:",
	};
	for (size_t i = 0; i < sizeof(header_lines) / sizeof(header_lines[0]); i++) {
		h = curl_slist_append(c->headers, header_lines[i]);
		if (!h)
			goto nomem;
		c->headers = h;
	}
	if ((rc = curl_easy_setopt(c->easy, CURLOPT_URL, url)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->easy, CURLOPT_PROTOCOLS_STR, protocol)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->easy, CURLOPT_REDIR_PROTOCOLS_STR, protocol)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->easy, CURLOPT_FOLLOWLOCATION, 0L)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->easy, CURLOPT_PROXY, "")) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->easy, CURLOPT_HTTP_VERSION,
				   (long)CURL_HTTP_VERSION_1_1)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->easy, CURLOPT_TIMEOUT_MS, (long)timeout_ms)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->easy, CURLOPT_CONNECTTIMEOUT_MS,
				   (long)timeout_ms)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, c->headers)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->easy, CURLOPT_USERAGENT, "mayday-dcf")) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->easy, CURLOPT_POST, 1L)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, on_body)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, c)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->easy, CURLOPT_MAXFILESIZE_LARGE,
				   (curl_off_t)MAYDAY_ACK_MAX)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER, c->errbuf)) != CURLE_OK) {
		log_info("%s: cannot set up the HTTP client: %s", method, curl_easy_strerror(rc));
		tx_curl_close(c);
		return MAYDAY_E_INTERNAL;
	}
	*out = c;
	return MAYDAY_OK;
nomem:
	tx_curl_close(c);
	return MAYDAY_E_NOMEM;
}

enum mayday_err tx_curl_url(char *out, size_t cap, const char *scheme, const char *host,
			    int host_is_ip6, uint16_t port, const char *path)
{
	int n = snprintf(out, cap, "%s://%s%s%s:%u%s", scheme, host_is_ip6 ? "[" : "", host,
			 host_is_ip6 ? "]" : "", (unsigned)port, path);

	return n >= 0 && (size_t)n < cap ? MAYDAY_OK : MAYDAY_E_TOOBIG;
}

CURL *tx_curl_easy(struct tx_curl *c)
{
	return c->easy;
}

void tx_curl_own(struct tx_curl *c, void *res, void (*release_fn)(void *res))
{
	c->res = res;
	c->release = release_fn;
}

/* The media type, without parameters, compared case-insensitively (RFC 9110 §8.3.1). */
static int is_cose(const char *content_type)
{
	size_t n = strlen(MEDIA_TYPE);

	return content_type && strncasecmp(content_type, MEDIA_TYPE, n) == 0 &&
	       (content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ');
}

/* After a completed exchange: what the server's answer means. */
static enum mayday_err judge_answer(struct tx_curl *c)
{
	long status = 0;
	char *type = NULL;
	curl_off_t retry = 0;

	if (curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK ||
	    curl_easy_getinfo(c->easy, CURLINFO_CONTENT_TYPE, &type) != CURLE_OK)
		return MAYDAY_E_INTERNAL;
	if (status == 200 && is_cose(type)) {
		c->have_reply = 1;
		return MAYDAY_OK;
	}
	if (status == 503 && curl_easy_getinfo(c->easy, CURLINFO_RETRY_AFTER, &retry) == CURLE_OK &&
	    retry > 0) {
		c->retry_after_s = retry > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : (uint32_t)retry;
		/* A COSE body is maydayd's signed RETRY_AFTER ack (admission
		 * control): handed on like any answer, the session verifies it and
		 * may then honour a longer wait than the unsigned header gets. */
		c->have_reply = is_cose(type);
		log_info("%s: server busy (503%s), retry after %u s", c->method,
			 c->have_reply ? ", signed answer" : "", c->retry_after_s);
		return MAYDAY_OK;
	}
	if (status == 200)
		log_info("%s: answer 200 is not %s (Content-Type %s)", c->method, MEDIA_TYPE,
			 type ? type : "absent");
	else
		log_info("%s: answer status %ld", c->method, status);
	return MAYDAY_E_IO;
}

enum mayday_err tx_curl_send(void *state, const uint8_t *msg, size_t len)
{
	struct tx_curl *c = state;
	CURLcode rc;

	c->body_len = 0;
	c->body_overflow = 0;
	c->have_reply = 0;
	c->retry_after_s = 0;
	c->errbuf[0] = '\0';
	if (curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, msg) != CURLE_OK ||
	    curl_easy_setopt(c->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len) != CURLE_OK)
		return MAYDAY_E_INTERNAL;
	rc = curl_easy_perform(c->easy);
	/* The body must not outlive the caller's buffer inside the handle. */
	if (curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, NULL) != CURLE_OK)
		return MAYDAY_E_INTERNAL;
	if (rc == CURLE_OK)
		return judge_answer(c);
	if (c->body_overflow || rc == CURLE_FILESIZE_EXCEEDED) {
		log_info("%s: answer larger than %d bytes", c->method, MAYDAY_ACK_MAX);
		return MAYDAY_E_TOOBIG;
	}
	log_info("%s: %s", c->method, c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
	return rc == CURLE_OPERATION_TIMEDOUT ? MAYDAY_E_TIMEOUT : MAYDAY_E_IO;
}

enum mayday_err tx_curl_recv(void *state, uint8_t *buf, size_t cap, size_t *len,
			     uint32_t timeout_ms)
{
	struct tx_curl *c = state;

	if (!c->have_reply) {
		/* Request/response: nothing more will arrive on this exchange;
		 * a plain sleep, so it goes through the clock HAL. */
		hal_clock_sleep_ms(timeout_ms > 60000 ? 60000 : timeout_ms);
		return MAYDAY_E_TIMEOUT;
	}
	c->have_reply = 0;
	if (c->body_len > cap)
		return MAYDAY_E_TOOBIG;
	memcpy(buf, c->body, c->body_len);
	*len = c->body_len;
	return MAYDAY_OK;
}

uint32_t tx_curl_retry_after_s(void *state)
{
	const struct tx_curl *c = state;

	return c->retry_after_s;
}

void tx_curl_close(void *state)
{
	struct tx_curl *c = state;

	if (!c)
		return;
	if (c->easy)
		curl_easy_cleanup(c->easy);
	curl_slist_free_all(c->headers);
	if (c->release)
		c->release(c->res);
	free(c);
}

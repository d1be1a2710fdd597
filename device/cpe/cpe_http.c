/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One libcurl easy handle per session: libcurl keeps the connection alive
 * between performs on the same handle, and its cookie engine (enabled with
 * an empty COOKIEFILE: in memory, nothing read or written on disk) returns
 * the ACS's cookies. The answer is written straight into the caller's reply
 * buffer; the write callback refuses anything beyond it, so a hostile ACS
 * can make the device hold at most that much.
 */
#include "cpe_http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>

#include "hal/clock.h"
#include "log.h"
#include "tx_mtls.h"

struct cpe_http {
	CURL *easy;
	struct tx_mtls *tls;
	struct curl_slist *xml_headers, *empty_headers;
	long connections;
	uint32_t timeout_ms;
	uint64_t deadline_ms;           /* monotonic; 0: none */
	char errbuf[CURL_ERROR_SIZE];
	/* the answer being received */
	char *reply;
	size_t cap, len;
	int overflow;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
	struct cpe_http *h = user;
	size_t n = size * nmemb;

	if (n > h->cap - h->len) {
		h->overflow = 1;
		return 0; /* anything but n aborts the transfer */
	}
	memcpy(h->reply + h->len, data, n);
	h->len += n;
	return n;
}

static enum mayday_err headers(struct curl_slist **list, const char *const *lines, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct curl_slist *l = curl_slist_append(*list, lines[i]);

		if (!l)
			return MAYDAY_E_NOMEM;
		*list = l;
	}
	return MAYDAY_OK;
}

static enum mayday_err options(struct cpe_http *h, const struct cpe_http_params *p)
{
	CURL *e = h->easy;
	CURLcode rc;

	if ((rc = curl_easy_setopt(e, CURLOPT_URL, p->url)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https")) ||
	    (rc = curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https")) ||
	    (rc = curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_PROXY, "")) ||
	    (rc = curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)p->timeout_ms)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)p->timeout_ms)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_MAXCONNECTS, 1L)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_COOKIEFILE, "")) ||
	    (rc = curl_easy_setopt(e, CURLOPT_USERAGENT, "mayday-cpe")) ||
	    (rc = curl_easy_setopt(e, CURLOPT_POST, 1L)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_WRITEDATA, h)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_ERRORBUFFER, h->errbuf))) {
		log_info("cpe: cannot set up the HTTP client: %s", curl_easy_strerror(rc));
		return MAYDAY_E_INTERNAL;
	}
	return tx_mtls_apply(h->tls, e, p->pin_sha256, NULL);
}

enum mayday_err cpe_http_open(const struct cpe_http_params *p, struct cpe_http **out)
{
	/* Expect: 100-continue would cost a round trip per envelope. */
	static const char *const xml[] = { "Content-Type: text/xml; charset=utf-8",
					   "SOAPAction:", "Expect:" };
	static const char *const empty[] = { "Content-Type:", "Expect:" };
	struct cpe_http *h;
	enum mayday_err rc;

	*out = NULL;
	if (strncasecmp(p->url, "https://", 8) != 0 || strlen(p->url) >= CPE_HTTP_URL_MAX) {
		log_info("cpe: the ACS URL is not a usable https:// URL");
		return MAYDAY_E_INVALID;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		log_info("cpe: out of memory");
		return MAYDAY_E_NOMEM;
	}
	h->timeout_ms = p->timeout_ms;
	if (p->session_ms)
		h->deadline_ms = hal_clock_mono_ms() + p->session_ms;
	rc = p->tls ? tx_mtls_dup(p->tls, &h->tls) /* ADAPTER: normal code's credentials */
		    : tx_mtls_load("cpe", p->flash, p->rot, p->ca, p->cert, &h->tls);
	if (rc != MAYDAY_OK)
		goto out;
	rc = MAYDAY_E_NOMEM;
	h->easy = curl_easy_init();
	if (!h->easy || headers(&h->xml_headers, xml, 3) != MAYDAY_OK ||
	    headers(&h->empty_headers, empty, 2) != MAYDAY_OK) {
		log_info("cpe: out of memory");
		goto out;
	}
	rc = options(h, p);
	if (rc == MAYDAY_OK) {
		*out = h;
		h = NULL;
	}
out:
	cpe_http_close(h);
	return rc;
}

enum mayday_err cpe_http_post(void *ctx, const char *body, size_t len, char *reply, size_t cap,
			      size_t *reply_len)
{
	struct cpe_http *h = ctx;
	long status = 0, opened = 0;
	uint64_t timeout = h->timeout_ms;
	CURLcode rc;

	*reply_len = 0;
	if (h->deadline_ms) {
		uint64_t now = hal_clock_mono_ms();
		if (now >= h->deadline_ms) {
			log_info("cpe: the CWMP session took longer than allowed");
			return MAYDAY_E_TIMEOUT;
		}
		if (h->deadline_ms - now < timeout)
			timeout = h->deadline_ms - now;
	}
	h->reply = reply;
	h->cap = cap;
	h->len = 0;
	h->overflow = 0;
	h->errbuf[0] = '\0';
	if (curl_easy_setopt(h->easy, CURLOPT_HTTPHEADER,
			     len ? h->xml_headers : h->empty_headers) != CURLE_OK ||
	    curl_easy_setopt(h->easy, CURLOPT_POSTFIELDS, len ? body : "") != CURLE_OK ||
	    curl_easy_setopt(h->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len) != CURLE_OK ||
	    curl_easy_setopt(h->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cap) != CURLE_OK ||
	    curl_easy_setopt(h->easy, CURLOPT_TIMEOUT_MS, (long)timeout) != CURLE_OK) {
		log_info("cpe: cannot set up the request");
		return MAYDAY_E_INTERNAL;
	}
	rc = curl_easy_perform(h->easy);
	/* The body must not outlive the caller's buffer inside the handle. */
	if (curl_easy_setopt(h->easy, CURLOPT_POSTFIELDS, NULL) != CURLE_OK) {
		log_info("cpe: cannot reset the request");
		return MAYDAY_E_INTERNAL;
	}
	if (curl_easy_getinfo(h->easy, CURLINFO_NUM_CONNECTS, &opened) == CURLE_OK)
		h->connections += opened;
	if (rc != CURLE_OK) {
		if (h->overflow || rc == CURLE_FILESIZE_EXCEEDED) {
			log_info("cpe: ACS answer larger than %zu bytes", cap);
			return MAYDAY_E_TOOBIG;
		}
		log_info("cpe: %s", h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
		return rc == CURLE_OPERATION_TIMEDOUT ? MAYDAY_E_TIMEOUT : MAYDAY_E_IO;
	}
	if (curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK) {
		log_info("cpe: no HTTP status");
		return MAYDAY_E_INTERNAL;
	}
	if (status == 204 || (status == 200 && h->len == 0))
		return MAYDAY_OK;
	if (status != 200) {
		log_info("cpe: ACS answer status %ld", status);
		return MAYDAY_E_IO;
	}
	*reply_len = h->len;
	return MAYDAY_OK;
}

long cpe_http_connections(const struct cpe_http *h)
{
	return h->connections;
}

void cpe_http_close(struct cpe_http *h)
{
	if (!h)
		return;
	if (h->easy)
		curl_easy_cleanup(h->easy);
	curl_slist_free_all(h->xml_headers);
	curl_slist_free_all(h->empty_headers);
	tx_mtls_free(h->tls);
	free(h);
}

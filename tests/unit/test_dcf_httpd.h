/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An H(e)MS stand-in for the DCF's HTTP and TLS transport tests: one thread
 * on 127.0.0.1 answering POSTs one connection at a time (Connection: close),
 * plain or over an OpenSSL server context the test configures. It verifies
 * each indication with the device key and answers as scripted.
 */
#ifndef MAYDAY_TEST_DCF_HTTPD_H
#define MAYDAY_TEST_DCF_HTTPD_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "mayday/limits.h"

#define HTTPD_SCRIPT_MAX 16

enum httpd_answer {
	HTTPD_ACK = 0,       /* 200, application/cose, ack signed by `hems` */
	HTTPD_ACK_PARAMS,    /* the same with a media type parameter */
	HTTPD_BUSY,          /* 503, Retry-After: retry_after */
	HTTPD_BUSY_BARE,     /* 503 without Retry-After */
	HTTPD_NOT_FOUND,     /* 404 */
	HTTPD_WRONG_TYPE,    /* 200, text/plain */
	HTTPD_TOO_BIG,       /* 200, application/cose, MAYDAY_ACK_MAX + 1 bytes */
	HTTPD_TOO_BIG_UNANNOUNCED, /* the same without Content-Length (ends at close) */
	HTTPD_SILENT,        /* reads the request, never answers (until stopped) */
	HTTPD_BUSY_SIGNED    /* 503, Retry-After: retry_after, and the body maydayd's
			      * admission control sends: a RETRY_AFTER ack signed by
			      * `hems` asking for signed_retry_after s */
};

struct httpd {
	/* set by the test before httpd_start */
	SSL_CTX *tls;                 /* NULL: plain HTTP; borrowed */
	EVP_PKEY *hems, *device_pub;  /* borrowed */
	enum httpd_answer script[HTTPD_SCRIPT_MAX]; /* answer to request i */
	unsigned retry_after;
	unsigned signed_retry_after;
	/* set by httpd_start */
	uint16_t port;
	/* what it saw (read after httpd_stop, or under the test's own timing) */
	int connections;              /* accepted TCP connections */
	int handshakes_failed;
	int requests;
	char method[8], path[64], content_type[64];
	char client_cn[80];           /* subject CN of the client certificate, "" if none */
	int tls_version;              /* SSL_version() of the last handshake */
	int verified;                 /* the last indication verified with device_pub */
	uint64_t counter;
	uint32_t transport;
	/* private */
	int fd;
	volatile int stop;
	pthread_t thread;
};

/* Listen on 127.0.0.1 (an ephemeral port, in h->port) and serve until stopped. */
void httpd_start(struct httpd *h);
void httpd_stop(struct httpd *h);

#endif

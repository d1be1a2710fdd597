/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An ACS stand-in for the CPE transport tests: one thread on 127.0.0.1
 * serving HTTPS (OpenSSL server context set by the test, which should demand
 * a client certificate) with keep-alive, answering request i with script[i].
 * The first answer sets a session cookie; every request's method, size,
 * Content-Type and whether it carried the cookie are recorded, and so is the
 * body of each POST (for the test to parse with cwmp_parse).
 */
#ifndef MAYDAY_TEST_CPE_ACS_H
#define MAYDAY_TEST_CPE_ACS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/ssl.h>

#define ACS_STEPS_MAX 16
#define ACS_COOKIE    "MAYDAYSID=s3ss10n"

struct acs_step {
	int status;          /* 200, 204, 500 ... */
	const char *body;    /* borrowed; NULL: none */
	size_t len;          /* of body */
	int no_length;       /* 1: no Content-Length, the connection closes after the body */
};

struct acs_seen {
	char method[8];
	char content_type[64];
	int cookie;          /* the request carried ACS_COOKIE */
	size_t len;          /* body bytes */
	char *body;          /* heap, NUL-terminated; freed by acs_clear */
};

struct acs {
	SSL_CTX *tls;                       /* borrowed */
	struct acs_step script[ACS_STEPS_MAX];
	unsigned n_script;
	uint16_t port;
	int connections;
	unsigned requests;
	struct acs_seen seen[ACS_STEPS_MAX];
	char client_cn[80];
	int tls_version;
	/* private */
	int fd;
	volatile int stop;
	pthread_t thread;
};

void acs_start(struct acs *a);
void acs_stop(struct acs *a);   /* joins; what it saw stays readable */
void acs_clear(struct acs *a);  /* frees the recorded bodies */

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tcp transport: HTTP/1.1 to maydayd's management listener, --api URL
 * (http:// or https://, net_url.h's strict form; a path in the URL
 * prefixes every request's, for a listener behind a reverse proxy).
 *
 * Authentication: a bearer token read from --token-file (never from the
 * command line, where `ps` shows it to every user; the file must be 0600
 * like any secret), and/or a client certificate (--cert/--key) on https.
 * A token goes over plain http only to a loopback address.
 *
 * TLS through device/net's net_tls (TLS 1.3, the server's name or address
 * verified, trust only from the CA file given: --cacert, else the system's
 * bundle). The host name is resolved here (getaddrinfo; net_conn connects
 * to numeric addresses only), each address tried in turn.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "ctl_call.h"
#include "mayday/file.h"
#include "net_conn.h"
#include "net_tls.h"
#include "net_url.h"

#define SYSTEM_CA "/etc/ssl/certs/ca-certificates.crt"
#define PEM_FILE_MAX (1u << 20)

struct tcp_state {
	struct net_url url;
	char prefix[NET_URL_PATH_MAX + 1]; /* the URL's path without its trailing '/' */
	char host_header[NET_URL_HOST_MAX + 16];
	char token[CTL_TOKEN_MAX + 1];     /* "" for none; wiped at close */
	struct net_tls *tls;
};

static enum mayday_err read_file(const char *path, char **out, size_t *len, char *why, size_t cap)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0;
	if (f == NULL) {
		snprintf(why, cap, "%s: %s", path, strerror(errno));
		return MAYDAY_E_IO;
	}
	if ((buf = malloc(PEM_FILE_MAX + 1)) == NULL ||
	    (n = fread(buf, 1, PEM_FILE_MAX + 1, f), ferror(f)) || n > PEM_FILE_MAX) {
		snprintf(why, cap, "%s: unreadable or larger than %u bytes", path, PEM_FILE_MAX);
		fclose(f);
		free(buf);
		return MAYDAY_E_IO;
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return MAYDAY_OK;
}

/* The token file: one line, printable ASCII, the file 0600. */
static enum mayday_err read_token(const char *path, char tok[CTL_TOKEN_MAX + 1], char *why,
				  size_t cap)
{
	FILE *f = NULL;
	char buf[CTL_TOKEN_MAX + 3];
	enum mayday_err rc = mayday_file_open_secret(path, &f);
	if (rc != MAYDAY_OK) {
		snprintf(why, cap, "token file %s: %s", path, mayday_strerror(rc));
		return rc;
	}
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	n = strcspn(buf, "\r\n");
	rc = MAYDAY_OK;
	if (n == 0 || n > CTL_TOKEN_MAX || strspn(buf + n, "\r\n") != strlen(buf + n))
		rc = MAYDAY_E_MALFORMED;
	for (size_t i = 0; i < n && rc == MAYDAY_OK; i++)
		if ((unsigned char)buf[i] <= ' ' || (unsigned char)buf[i] >= 0x7f)
			rc = MAYDAY_E_MALFORMED;
	if (rc == MAYDAY_OK) {
		memcpy(tok, buf, n);
		tok[n] = '\0';
	} else {
		snprintf(why, cap, "token file %s: not one line of 1..%u printable characters",
			 path, CTL_TOKEN_MAX);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

static bool loopback(const struct net_url *u)
{
	return strcmp(u->host, "localhost") == 0 || strncmp(u->host, "127.", 4) == 0 ||
	       strcmp(u->host, "::1") == 0;
}

static enum mayday_err tls_setup(struct tcp_state *s, const struct ctl_target *t, char *why,
				 size_t cap)
{
	const char *ca_path = t->cacert ? t->cacert : SYSTEM_CA;
	char *ca = NULL, *cert = NULL;
	size_t ca_len = 0, cert_len = 0;
	EVP_PKEY *key = NULL;
	FILE *kf = NULL;
	enum mayday_err rc = read_file(ca_path, &ca, &ca_len, why, cap);
	if (rc == MAYDAY_OK && t->cert != NULL)
		rc = read_file(t->cert, &cert, &cert_len, why, cap);
	if (rc == MAYDAY_OK && t->key != NULL) {
		rc = mayday_file_open_secret(t->key, &kf);
		if (rc == MAYDAY_OK) {
			key = PEM_read_PrivateKey(kf, NULL, NULL, NULL);
			fclose(kf);
			if (key == NULL)
				rc = MAYDAY_E_KEY;
		}
		if (rc != MAYDAY_OK)
			snprintf(why, cap, "client key %s: %s", t->key,
				 rc == MAYDAY_E_KEY ? "not a PEM private key" : mayday_strerror(rc));
	}
	if (rc == MAYDAY_OK) {
		/* takes the key's reference; logs (to stderr) why it failed */
		rc = net_tls_new("maydayctl", key, cert, cert_len, ca, ca_len, NULL, &s->tls);
		key = NULL;
		if (rc != MAYDAY_OK)
			snprintf(why, cap, "TLS setup failed (--cert, --key, --cacert %s)", ca_path);
	}
	EVP_PKEY_free(key);
	free(ca);
	free(cert);
	return rc;
}

static void tcp_close(void *state)
{
	struct tcp_state *s = state;
	if (s == NULL)
		return;
	net_tls_free(s->tls);
	OPENSSL_cleanse(s->token, sizeof(s->token));
	free(s);
}

static enum mayday_err tcp_open(const struct ctl_target *t, void **state, char *why, size_t cap)
{
	struct tcp_state *s = calloc(1, sizeof(*s));
	enum mayday_err rc = MAYDAY_E_INVALID;
	const char *bad;
	if (s == NULL)
		return MAYDAY_E_NOMEM;
	if ((bad = net_url_parse(t->api, NULL, &s->url)) != NULL) {
		snprintf(why, cap, "--api %s: %s", t->api, bad);
		goto fail;
	}
	snprintf(s->prefix, sizeof(s->prefix), "%s", s->url.path);
	size_t pl = strlen(s->prefix);
	while (pl > 0 && s->prefix[pl - 1] == '/')
		s->prefix[--pl] = '\0';
	snprintf(s->host_header, sizeof(s->host_header), "%s%s%s:%u", s->url.host_is_ip6 ? "[" : "",
		 s->url.host, s->url.host_is_ip6 ? "]" : "", (unsigned)s->url.port);
	if ((t->cert == NULL) != (t->key == NULL)) {
		snprintf(why, cap, "--cert and --key go together");
		goto fail;
	}
	if (t->cert != NULL && !s->url.https) {
		snprintf(why, cap, "a client certificate needs an https:// --api");
		goto fail;
	}
	if (t->token_file != NULL) {
		if ((rc = read_token(t->token_file, s->token, why, cap)) != MAYDAY_OK)
			goto fail;
		rc = MAYDAY_E_INVALID;
		if (!s->url.https && !loopback(&s->url)) {
			snprintf(why, cap, "a token goes over plain http only to loopback: use https://");
			goto fail;
		}
	}
	if (s->url.https && (rc = tls_setup(s, t, why, cap)) != MAYDAY_OK)
		goto fail;
	*state = s;
	return MAYDAY_OK;
fail:
	tcp_close(s);
	return rc;
}

/* Each address of the URL's host in turn, until one connects. */
static enum mayday_err connect_tcp(struct tcp_state *s, uint64_t deadline, int *fd, char *why,
				   size_t cap)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG}, *res, *ai;
	int gai = getaddrinfo(s->url.host, NULL, &hints, &res);
	enum mayday_err rc = MAYDAY_E_IO;
	if (gai != 0) {
		snprintf(why, cap, "%s: %s", s->url.host, gai_strerror(gai));
		return MAYDAY_E_IO;
	}
	snprintf(why, cap, "%s: no address", s->url.host);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		char addr[NI_MAXHOST];
		const char *what = NULL;
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof(addr), NULL, 0,
				NI_NUMERICHOST) != 0)
			continue;
		rc = net_conn_open(addr, s->url.port, deadline, fd, &what);
		if (rc == MAYDAY_OK)
			break;
		snprintf(why, cap, "cannot connect to %s port %u: %s", addr, (unsigned)s->url.port,
			 what ? what : mayday_strerror(rc));
	}
	freeaddrinfo(res);
	return rc;
}

static enum mayday_err tcp_call(void *state, const struct ctl_request *r, struct ctl_answer *a,
				char *why, size_t cap)
{
	struct tcp_state *s = state;
	struct ctl_stream st = {.fd = -1, .deadline_ms = net_conn_deadline(CTL_TIMEOUT_MS)};
	SSL *ssl = NULL;
	enum mayday_err rc = connect_tcp(s, st.deadline_ms, &st.fd, why, cap);
	if (rc != MAYDAY_OK)
		return rc;
	if (s->tls != NULL) {
		char twhy[CTL_WHY_MAX];
		rc = net_tls_connect(s->tls, st.fd, s->url.host, st.deadline_ms, &ssl, twhy,
				     sizeof(twhy));
		if (rc != MAYDAY_OK) {
			snprintf(why, cap, "TLS with %s: %s", s->url.host, twhy);
			close(st.fd);
			return rc;
		}
		st.ssl = ssl;
	}
	rc = ctl_http_exchange(&st, s->host_header, s->token[0] ? s->token : NULL, s->prefix, r, a,
			       why, cap);
	net_tls_close(ssl);
	close(st.fd);
	return rc;
}

const struct ctl_transport ctl_transport_tcp = {
	.name = "tcp",
	.open = tcp_open,
	.call = tcp_call,
	.close = tcp_close,
};

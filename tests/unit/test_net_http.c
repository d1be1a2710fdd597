/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net_http, the device's HTTP client, against a scripted server on
 * 127.0.0.1 (a thread writing raw answers, so the answers can be anything:
 * chunked in odd pieces, cut off, too large, silent). What a caller relies
 * on: one connection reused for several requests, a cookie sent back, a new
 * connection when the server closes, a request retried once when the server
 * dropped the idle connection, bodies bounded (announced or not), a cut
 * answer and a silent server reported as such, a streamed GET within its
 * maximum, a refused connection. Time is only ever a deadline that must
 * pass (a silent server), never a duration to beat. Over TLS (a self-signed
 * certificate for 127.0.0.1 made here; the device's mutual TLS is exercised
 * by test_dcf_tls and test_cpe_http): the address verified, a wrong name or
 * pin refused, and a server that hangs up while the client writes does not
 * kill the process with SIGPIPE (which this test leaves at its default).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "net_conn.h"
#include "net_http.h"

#define STEPS_MAX 8

struct step {
	const char *answer;   /* written whole, in pieces of `piece` bytes (0: at once) */
	size_t piece;
	int close_after;      /* close the connection after answering */
	int silent;           /* read the request, answer nothing, wait for the client to go */
};

struct server {
	struct step steps[STEPS_MAX];
	unsigned n_steps;
	int lfd;
	uint16_t port;
	pthread_t th;
	/* seen */
	int connections;
	int requests;
	char last_head[1024];
	char cookie[256];
};

/* One request head (and its Content-Length body) from fd; 0 at EOF. */
static int read_request(struct server *s, int fd)
{
	char buf[4096];
	size_t n = 0;
	char *end = NULL;

	while (!end) {
		ssize_t k = recv(fd, buf + n, sizeof(buf) - 1 - n, 0);
		if (k <= 0)
			return 0;
		n += (size_t)k;
		buf[n] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	size_t head = (size_t)(end + 4 - buf);
	snprintf(s->last_head, sizeof(s->last_head), "%.*s", (int)head, buf);
	const char *cl = strstr(s->last_head, "Content-Length: ");
	size_t body = cl ? strtoul(cl + 16, NULL, 10) : 0;
	const char *ck = strstr(s->last_head, "Cookie: ");
	if (ck)
		snprintf(s->cookie, sizeof(s->cookie), "%.*s", (int)strcspn(ck + 8, "\r"), ck + 8);
	size_t have = n - head;
	while (have < body) {
		ssize_t k = recv(fd, buf, sizeof(buf), 0);
		if (k <= 0)
			return 0;
		have += (size_t)k;
	}
	return 1;
}

static void *serve(void *arg)
{
	struct server *s = arg;
	unsigned i = 0;

	while (i < s->n_steps) {
		int fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			break;
		s->connections++;
		while (i < s->n_steps && read_request(s, fd)) {
			const struct step *st = &s->steps[i++];
			s->requests++;
			if (st->silent) {
				char c;
				while (recv(fd, &c, 1, 0) > 0)
					;
				break;
			}
			size_t len = strlen(st->answer), piece = st->piece ? st->piece : len;
			for (size_t at = 0; at < len; at += piece) {
				if (send(fd, st->answer + at, len - at < piece ? len - at : piece,
					 MSG_NOSIGNAL) < 0)
					break;
				if (st->piece)
					usleep(1000);
			}
			if (st->close_after)
				break;
		}
		close(fd);
	}
	return NULL;
}

static void server_start(struct server *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int one = 1;

	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->lfd >= 0);
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->lfd, 4), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&a, &al), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->th, NULL, serve, s), 0);
}

static void server_join(struct server *s)
{
	shutdown(s->lfd, SHUT_RDWR);
	pthread_join(s->th, NULL);
	close(s->lfd);
}

static struct net_http *client(struct server *s)
{
	struct net_http *h = NULL;
	const struct net_http_params p = { .who = "test", .addr = "127.0.0.1", .port = s->port,
					   .host = "hems.example", .user_agent = "t" };

	assert_int_equal(net_http_new(&p, &h), MAYDAY_OK);
	return h;
}

static enum mayday_err post(struct net_http *h, uint8_t *buf, size_t cap, size_t *len,
			    struct net_http_head *hd)
{
	const struct net_http_request r = { .method = "POST", .path = "/x",
					    .content_type = "application/cose",
					    .body = (const uint8_t *)"abc", .body_len = 3,
					    .deadline_ms = net_conn_deadline(20000) };

	return net_http_exchange(h, &r, buf, cap, len, hd);
}

#define OK_ANSWER(body) "HTTP/1.1 200 OK\r\nContent-Length: " #body "\r\n\r\n"

static void test_keep_alive_and_cookie(void **state)
{
	struct server s = { .n_steps = 3 };
	struct net_http_head hd;
	uint8_t buf[64];
	size_t len;

	(void)state;
	s.steps[0].answer = "HTTP/1.1 200 OK\r\nSet-Cookie: sid=42; Path=/\r\nContent-Length: 2\r\n"
			    "\r\nhi";
	s.steps[1].answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			    "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
	s.steps[1].piece = 3; /* the chunks split across reads */
	s.steps[2].answer = "HTTP/1.1 204 No Content\r\n\r\n";
	server_start(&s);
	struct net_http *h = client(&s);
	assert_int_equal(post(h, buf, sizeof(buf), &len, &hd), MAYDAY_OK);
	assert_int_equal(hd.status, 200);
	assert_int_equal(len, 2);
	assert_memory_equal(buf, "hi", 2);
	assert_int_equal(post(h, buf, sizeof(buf), &len, &hd), MAYDAY_OK);
	assert_int_equal(len, 5);
	assert_memory_equal(buf, "abcde", 5);
	assert_string_equal(s.cookie, "sid=42");
	assert_int_equal(post(h, buf, sizeof(buf), &len, &hd), MAYDAY_OK);
	assert_int_equal(hd.status, 204);
	assert_int_equal(len, 0);
	assert_int_equal(net_http_connections(h), 1);
	net_http_free(h);
	server_join(&s);
	assert_int_equal(s.connections, 1);
	assert_int_equal(s.requests, 3);
	assert_non_null(strstr(s.last_head, "POST /x HTTP/1.1\r\n"));
	assert_non_null(strstr(s.last_head, "Host: hems.example:"));
	assert_non_null(strstr(s.last_head, "Content-Length: 3\r\n"));
	assert_null(strstr(s.last_head, "Expect"));
}

/* Connection: close -> the next request opens a new connection; a server
 * that drops an idle kept-alive connection gets the request again. */
static void test_reconnects(void **state)
{
	struct server s = { .n_steps = 3 };
	struct net_http_head hd;
	uint8_t buf[64];
	size_t len;

	(void)state;
	s.steps[0].answer = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\na";
	s.steps[0].close_after = 1;
	s.steps[1].answer = OK_ANSWER(1) "b";
	s.steps[1].close_after = 1; /* closes without saying so */
	s.steps[2].answer = OK_ANSWER(1) "c";
	server_start(&s);
	struct net_http *h = client(&s);
	assert_int_equal(post(h, buf, sizeof(buf), &len, &hd), MAYDAY_OK);
	assert_int_equal(post(h, buf, sizeof(buf), &len, &hd), MAYDAY_OK);
	assert_memory_equal(buf, "b", 1);
	usleep(100000); /* let the close arrive; with or without, the answer is "c" */
	assert_int_equal(post(h, buf, sizeof(buf), &len, &hd), MAYDAY_OK);
	assert_memory_equal(buf, "c", 1);
	assert_int_equal(net_http_connections(h), 3);
	net_http_free(h);
	server_join(&s);
	assert_int_equal(s.requests, 3);
}

static void test_bounded_bodies(void **state)
{
	struct server s = { .n_steps = 3 };
	struct net_http_head hd;
	uint8_t buf[4];
	size_t len;

	(void)state;
	s.steps[0].answer = OK_ANSWER(5) "12345"; /* announced too large */
	s.steps[0].close_after = 1;
	s.steps[1].answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			    "3\r\n123\r\n2\r\n45\r\n0\r\n\r\n"; /* unannounced */
	s.steps[1].close_after = 1;
	s.steps[2].answer = OK_ANSWER(4) "1234"; /* fits exactly */
	server_start(&s);
	struct net_http *h = client(&s);
	assert_int_equal(post(h, buf, sizeof(buf), &len, &hd), MAYDAY_E_TOOBIG);
	assert_int_equal(post(h, buf, sizeof(buf), &len, &hd), MAYDAY_E_TOOBIG);
	assert_int_equal(post(h, buf, sizeof(buf), &len, &hd), MAYDAY_OK);
	assert_int_equal(len, 4);
	net_http_free(h);
	server_join(&s);
}

static void test_cut_and_malformed(void **state)
{
	struct server s = { .n_steps = 2 };
	struct net_http_head hd;
	uint8_t buf[64];
	size_t len;

	(void)state;
	s.steps[0].answer = OK_ANSWER(10) "12345";
	s.steps[0].close_after = 1;
	s.steps[1].answer = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na";
	server_start(&s);
	struct net_http *h = client(&s);
	assert_int_equal(post(h, buf, sizeof(buf), &len, &hd), MAYDAY_E_MALFORMED);
	assert_int_equal(net_http_failed_at(h), NET_HTTP_STAGE_EXCHANGE);
	assert_int_equal(post(h, buf, sizeof(buf), &len, &hd), MAYDAY_E_MALFORMED);
	net_http_free(h);
	server_join(&s);
}

static void test_silent_server_times_out(void **state)
{
	struct server s = { .n_steps = 1 };
	struct net_http_head hd;
	uint8_t buf[8];
	size_t len;

	(void)state;
	s.steps[0].silent = 1;
	server_start(&s);
	struct net_http *h = client(&s);
	const struct net_http_request r = { .method = "GET", .path = "/",
					    .deadline_ms = net_conn_deadline(300) };
	assert_int_equal(net_http_exchange(h, &r, buf, sizeof(buf), &len, &hd), MAYDAY_E_TIMEOUT);
	net_http_free(h); /* closes: the server's read ends */
	server_join(&s);
}

struct sink {
	size_t total;
	int calls;
};

static enum mayday_err count(void *ctx, const uint8_t *data, size_t len)
{
	struct sink *k = ctx;

	(void)data;
	k->total += len;
	k->calls++;
	return MAYDAY_OK;
}

static void test_streamed_get(void **state)
{
	static char big[200100];
	struct server s = { .n_steps = 3 };
	struct net_http_head hd;
	struct sink k = { 0 };
	int n = snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n");

	(void)state;
	memset(big + n, 'z', 200000);
	big[n + 200000] = '\0';
	s.steps[0].answer = big;
	s.steps[1].answer = big; /* more than the maximum: refused when announced */
	s.steps[1].close_after = 1;
	s.steps[2].answer = "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno!";
	server_start(&s);
	struct net_http *h = client(&s);
	const struct net_http_request r = { .method = "GET", .path = "/bundle",
					    .deadline_ms = net_conn_deadline(20000) };
	assert_int_equal(net_http_get(h, &r, 200000, count, &k, &hd), MAYDAY_OK);
	assert_int_equal(k.total, 200000);
	assert_true(k.calls >= 4); /* in pieces of at most 64 KiB: constant memory */
	k.total = 0;
	assert_int_equal(net_http_get(h, &r, 199999, count, &k, &hd), MAYDAY_E_TOOBIG);
	assert_int_equal(k.total, 0);
	assert_int_equal(net_http_get(h, &r, 30000, count, &k, &hd), MAYDAY_OK);
	assert_int_equal(hd.status, 404);
	assert_int_equal(k.total, 0);
	net_http_free(h);
	server_join(&s);
}

static void test_refused_and_invalid(void **state)
{
	struct server s = { .n_steps = 0 };
	struct net_http_head hd;
	struct net_http *h = NULL;
	uint8_t buf[8];
	size_t len;

	(void)state;
	server_start(&s); /* serves nothing: its port is then free */
	uint16_t port = s.port;
	server_join(&s);
	const struct net_http_params p = { .who = "test", .addr = "127.0.0.1", .port = port };
	assert_int_equal(net_http_new(&p, &h), MAYDAY_OK);
	assert_int_equal(post(h, buf, sizeof(buf), &len, &hd), MAYDAY_E_IO);
	assert_int_equal(net_http_failed_at(h), NET_HTTP_STAGE_CONNECT);
	assert_int_equal(net_http_connections(h), 0);
	net_http_free(h);

	int fd = -1;
	const char *why = NULL;
	assert_int_equal(net_conn_open("localhost", 80, net_conn_deadline(1000), &fd, &why),
			 MAYDAY_E_INVALID); /* no name lookups */
	assert_int_equal(fd, -1);
}

/* A TLS server: one connection, handshake, then either one answer to one
 * request, or (hang_up) a close right after the handshake. */
struct tls_server {
	SSL_CTX *ctx;
	int lfd, hang_up, handshakes;
	uint16_t port;
	pthread_t th;
};

static void *tls_serve(void *arg)
{
	struct tls_server *s = arg;
	int fd = accept(s->lfd, NULL, NULL);
	SSL *ssl;
	char buf[4096];
	size_t n;
	static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	sigset_t pipe;

	/* the server's own writes to a client that left: not what is tested */
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, NULL);
	if (fd < 0)
		return NULL;
	ssl = SSL_new(s->ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) == 1) {
		s->handshakes++;
		if (!s->hang_up && SSL_read_ex(ssl, buf, sizeof(buf), &n) == 1)
			(void)SSL_write_ex(ssl, answer, sizeof(answer) - 1, &n);
		if (!s->hang_up)
			while (SSL_read_ex(ssl, buf, sizeof(buf), &n) == 1)
				;
	}
	SSL_free(ssl);
	close(fd);
	return NULL;
}

/* A P-256 key and a self-signed certificate for IP 127.0.0.1, as PEM. */
static void self_signed(EVP_PKEY **key, char **pem, size_t *len)
{
	X509 *x = X509_new();
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;

	*key = EVP_EC_gen("P-256");
	assert_non_null(*key);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"test server", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, *key);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "IP:127.0.0.1");
	assert_non_null(ext);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, *key, EVP_sha256()) > 0);
	assert_int_equal(PEM_write_bio_X509(bio, x), 1);
	*len = (size_t)BIO_get_mem_data(bio, &p);
	*pem = malloc(*len);
	memcpy(*pem, p, *len);
	BIO_free(bio);
	X509_free(x);
}

static void tls_start(struct tls_server *s, EVP_PKEY *key, const char *pem, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);

	BIO_free(bio);
	s->ctx = SSL_CTX_new(TLS_server_method());
	assert_int_equal(SSL_CTX_use_certificate(s->ctx, x), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(s->ctx, key), 1);
	X509_free(x);
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->lfd, 4), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&a, &al), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->th, NULL, tls_serve, s), 0);
}

static void tls_join(struct tls_server *s)
{
	shutdown(s->lfd, SHUT_RDWR);
	pthread_join(s->th, NULL);
	close(s->lfd);
	SSL_CTX_free(s->ctx);
}

static enum mayday_err tls_post(struct tls_server *s, const char *host, const uint8_t *pin,
				const char *pem, size_t len, size_t body_len,
				enum net_http_stage *stage)
{
	struct net_tls *tls = NULL;
	struct net_http *h = NULL;
	struct net_http_head hd;
	uint8_t buf[16];
	size_t n = 0;
	static uint8_t body[4u << 20];

	assert_int_equal(net_tls_new("test", NULL, NULL, 0, pem, len, pin, &tls), MAYDAY_OK);
	const struct net_http_params p = { .who = "test", .addr = "127.0.0.1", .port = s->port,
					   .host = host, .tls = tls };
	assert_int_equal(net_http_new(&p, &h), MAYDAY_OK);
	const struct net_http_request r = { .method = "POST", .path = "/", .body = body,
					    .body_len = body_len,
					    .deadline_ms = net_conn_deadline(20000) };
	enum mayday_err rc = net_http_exchange(h, &r, buf, sizeof(buf), &n, &hd);
	if (rc == MAYDAY_OK)
		assert_memory_equal(buf, "ok", 2);
	*stage = net_http_failed_at(h);
	net_http_free(h);
	net_tls_free(tls);
	return rc;
}

static void test_tls(void **state)
{
	EVP_PKEY *key;
	char *pem;
	size_t len;
	enum net_http_stage stage;
	uint8_t wrong_pin[32] = { 1 };
	struct tls_server s = { 0 };

	(void)state;
	self_signed(&key, &pem, &len);
	tls_start(&s, key, pem, len);
	assert_int_equal(tls_post(&s, NULL, NULL, pem, len, 3, &stage), MAYDAY_OK);
	tls_join(&s);
	assert_int_equal(s.handshakes, 1);

	memset(&s, 0, sizeof(s));
	tls_start(&s, key, pem, len);
	assert_int_equal(tls_post(&s, "hems.example", NULL, pem, len, 3, &stage), MAYDAY_E_KEY);
	assert_int_equal(stage, NET_HTTP_STAGE_TLS);
	tls_join(&s);

	memset(&s, 0, sizeof(s));
	tls_start(&s, key, pem, len);
	assert_int_equal(tls_post(&s, NULL, wrong_pin, pem, len, 3, &stage), MAYDAY_E_KEY);
	assert_int_equal(stage, NET_HTTP_STAGE_TLS);
	tls_join(&s);

	/* the server hangs up while 4 MiB are being written: an error, no SIGPIPE */
	memset(&s, 0, sizeof(s));
	s.hang_up = 1;
	tls_start(&s, key, pem, len);
	assert_int_equal(tls_post(&s, NULL, NULL, pem, len, 4u << 20, &stage), MAYDAY_E_IO);
	assert_int_equal(stage, NET_HTTP_STAGE_EXCHANGE);
	tls_join(&s);

	EVP_PKEY_free(key);
	free(pem);
}

/* The credentials: a certificate that does not certify the key, or a CA
 * bundle without a certificate, are refused (and the key's reference is
 * taken either way: ASan's leak check would see it otherwise). */
static void test_tls_credentials(void **state)
{
	EVP_PKEY *key, *other;
	char *pem, *other_pem;
	size_t len, other_len;
	struct net_tls *t = (struct net_tls *)1;

	(void)state;
	self_signed(&key, &pem, &len);
	self_signed(&other, &other_pem, &other_len);
	assert_int_equal(net_tls_new("test", other, pem, len, pem, len, NULL, &t), MAYDAY_E_KEY);
	assert_null(t);
	assert_true(EVP_PKEY_up_ref(key));
	assert_int_equal(net_tls_new("test", key, pem, len, "not PEM", 7, NULL, &t), MAYDAY_E_KEY);
	assert_int_equal(net_tls_new("test", key, "junk", 4, pem, len, NULL, &t), MAYDAY_E_KEY);
	assert_int_equal(net_tls_new("test", NULL, NULL, 0, other_pem, other_len, NULL, &t),
			 MAYDAY_OK);
	net_tls_free(t);
	net_tls_free(NULL);
	free(pem);
	free(other_pem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_alive_and_cookie),
		cmocka_unit_test(test_reconnects),
		cmocka_unit_test(test_bounded_bodies),
		cmocka_unit_test(test_cut_and_malformed),
		cmocka_unit_test(test_silent_server_times_out),
		cmocka_unit_test(test_streamed_get),
		cmocka_unit_test(test_refused_and_invalid),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_tls_credentials),
	};

	/* SIGPIPE stays at its default: the client must never raise it */
	return cmocka_run_group_tests(tests, NULL, NULL);
}

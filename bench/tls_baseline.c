/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The footprint bench's baseline (bench/footprint.sh, issue 11): the least a
 * static program that links OpenSSL does to reach an H(e)MS over mutual
 * TLS 1.3 -- one handshake with a client certificate, nothing sent. Its
 * stripped size and peak RSS are what the static DCF is measured against.
 * Numeric IPv4 address only (no name resolution), no configuration file.
 *
 * usage: bench_tls_baseline ADDRESS PORT CA CERT KEY
 * exit 0 once the handshake completed and the server's certificate verified.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static int connect_to(const char *addr, const char *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char *end;
	unsigned long p = strtoul(port, &end, 10);
	int fd;

	if (*end != '\0' || p == 0 || p > 65535 || inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		return -1;
	sin.sin_port = htons((uint16_t)p);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	int fd = -1, rc = 1;

	if (argc != 6) {
		fprintf(stderr, "usage: %s ADDRESS PORT CA CERT KEY\n", argv[0]);
		return 2;
	}
	if (OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) != 1)
		goto out;
	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_load_verify_file(ctx, argv[3]) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, argv[4]) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, argv[5], SSL_FILETYPE_PEM) != 1)
		goto out;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	fd = connect_to(argv[1], argv[2]);
	if (fd < 0) {
		perror("connect");
		goto out;
	}
	ssl = SSL_new(ctx);
	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1 || SSL_connect(ssl) != 1)
		goto out;
	(void)SSL_shutdown(ssl);
	rc = 0;
out:
	if (rc != 0)
		ERR_print_errors_fp(stderr);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (fd >= 0)
		close(fd);
	return rc;
}

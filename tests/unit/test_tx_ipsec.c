/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of device/dcf/tx/tx_ipsec.c against a scripted fake charon
 * (vici_fake.c) and a UDP endpoint on 127.0.0.1 standing in for the H(e)MS's
 * inner address: the CHILD_SA is asked for before anything is sent, an
 * established one is reused, and a refused one means no socket at all. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "dcf_config.h"
#include "tx/dcf_tx.h"
#include "vici_fake.h"

struct endpoint {
	int fd;
	uint16_t port;
};

static void endpoint_open(struct endpoint *ep)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);

	ep->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(ep->fd >= 0);
	assert_int_equal(bind(ep->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(ep->fd, (struct sockaddr *)&sin, &len), 0);
	ep->port = ntohs(sin.sin_port);
}

/* dcf.conf with the ipsec method pointing at the fake and the endpoint. */
static void config(struct dcf_config *cfg, const char *vici, uint16_t port)
{
	char text[1024];
	struct dcf_config_error err;
	int n = snprintf(text, sizeof(text),
			 "[dcf]\nversion = 0.1.0\nproduct_class = femto-x1\nmax_image_size = 1024\n"
			 "[hems]\nmethods = ipsec\n"
			 "[ipsec]\nvici = %s\nchild = distress\nendpoint = 127.0.0.1:%u\n"
			 "initiate_timeout_ms = 2000\n",
			 vici, (unsigned)port);

	assert_true(n > 0 && (size_t)n < sizeof(text));
	if (dcf_config_parse(text, (size_t)n, cfg, &err) != MAYDAY_OK)
		fail_msg("dcf.conf rejected: %s at %s", err.what, err.key);
}

static void test_registered(void **state)
{
	const struct dcf_tx_ops *ops = dcf_tx_find("ipsec");
	struct dcf_config cfg;

	(void)state;
	assert_non_null(ops);
	assert_int_equal(ops->transport, 4);   /* MAYDAY_TRANSPORT_IPSEC */
	config(&cfg, "/run/charon.vici", 7701);
	assert_true(ops->configured(&cfg));
	cfg.ipsec_endpoint.set = 0;
	assert_false(ops->configured(&cfg));
}

static void test_initiates_then_sends_inside(void **state)
{
	const struct dcf_tx_ops *ops = dcf_tx_find("ipsec");
	struct vici_fake f = { .connections = 2, .initiate_ok = 1 };  /* no SA yet */
	struct endpoint ep;
	struct dcf_config cfg;
	void *tx = NULL;
	uint8_t buf[64];
	size_t len = 0;
	struct sockaddr_storage from;
	socklen_t from_len = sizeof(from);

	(void)state;
	endpoint_open(&ep);
	assert_int_equal(vici_fake_start(&f), 0);
	config(&cfg, f.path, ep.port);
	struct dcf_tx_env env = { .cfg = &cfg };
	assert_int_equal(ops->open(&env, &tx), MAYDAY_OK);
	vici_fake_stop(&f);
	assert_string_equal(f.commands, "list-sas initiate");
	assert_false(f.protocol_error);

	assert_int_equal(ops->send(tx, (const uint8_t *)"indication", 10), MAYDAY_OK);
	ssize_t n = recvfrom(ep.fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &from_len);
	assert_int_equal(n, 10);
	assert_memory_equal(buf, "indication", 10);
	assert_int_equal(sendto(ep.fd, "ack", 3, 0, (struct sockaddr *)&from, from_len), 3);
	assert_int_equal(ops->recv(tx, buf, sizeof(buf), &len, 1000), MAYDAY_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(buf, "ack", 3);
	assert_int_equal(ops->recv(tx, buf, sizeof(buf), &len, 50), MAYDAY_E_TIMEOUT);
	ops->close(tx);
	close(ep.fd);
}

static void test_reuses_established_child(void **state)
{
	const struct dcf_tx_ops *ops = dcf_tx_find("ipsec");
	uint8_t ev[1024];
	struct vici_fake_sa sa = { .state = "ESTABLISHED", .remote_id = "segw.mayday.test",
				   .vip = NULL, .child_state = "INSTALLED",
				   .remote_ts = "10.99.0.1/32[udp/7701]" };
	struct vici_fake f = { .connections = 1, .n_events = 1 };
	struct endpoint ep;
	struct dcf_config cfg;
	void *tx = NULL;

	(void)state;
	f.event_len[0] = vici_fake_list_sa(&sa, ev, sizeof(ev));
	assert_true(f.event_len[0] > 0);
	f.events[0] = ev;
	endpoint_open(&ep);
	assert_int_equal(vici_fake_start(&f), 0);
	config(&cfg, f.path, ep.port);
	struct dcf_tx_env env = { .cfg = &cfg };
	assert_int_equal(ops->open(&env, &tx), MAYDAY_OK);
	vici_fake_stop(&f);
	/* charon would refuse a duplicate: no initiate was asked for. */
	assert_string_equal(f.commands, "list-sas");
	ops->close(tx);
	close(ep.fd);
}

static void test_refused_child_opens_nothing(void **state)
{
	const struct dcf_tx_ops *ops = dcf_tx_find("ipsec");
	struct vici_fake f = { .connections = 2, .initiate_ok = 0,
			       .errmsg = "establishing CHILD_SA 'distress' failed" };
	struct endpoint ep;
	struct dcf_config cfg;
	void *tx = NULL;
	uint8_t buf[16];

	(void)state;
	endpoint_open(&ep);
	assert_int_equal(vici_fake_start(&f), 0);
	config(&cfg, f.path, ep.port);
	struct dcf_tx_env env = { .cfg = &cfg };
	assert_int_equal(ops->open(&env, &tx), MAYDAY_E_IO);
	vici_fake_stop(&f);
	assert_null(tx);
	assert_string_equal(f.commands, "list-sas initiate");
	/* Nothing reached the endpoint outside a tunnel. */
	struct pollfd pfd = { .fd = ep.fd, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 100), 0);
	assert_int_equal(recv(ep.fd, buf, sizeof(buf), MSG_DONTWAIT), -1);

	/* No charon at all. */
	config(&cfg, "/nonexistent/charon.vici", ep.port);
	assert_int_equal(ops->open(&env, &tx), MAYDAY_E_IO);
	assert_null(tx);
	close(ep.fd);
	ops->close(NULL);   /* NULL-safe */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registered),
		cmocka_unit_test(test_initiates_then_sends_inside),
		cmocka_unit_test(test_reuses_established_child),
		cmocka_unit_test(test_refused_child_opens_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

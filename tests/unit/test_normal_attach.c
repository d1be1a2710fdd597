/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mayday-normal's attach step (normal_attach.h) against SeGW stand-ins on
 * loopback: a closed port, one that answers OK, one that refuses, one that
 * never answers; its settings; and what it records for the TrE, with the
 * backoff. No timing is asserted: the silent SeGW only shows that the wait
 * ends.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "boot_attach.h"
#include "boot_fixture.h"
#include "normal_attach.h"

/* ---- SeGW stand-ins ---- */

struct segw {
	int fd;
	unsigned port;
	const char *answer;  /* NULL: say nothing, hold the connection until closed */
	int accepted;
	char request[128];
	pthread_t th;
};

static void *segw_main(void *arg)
{
	struct segw *s = arg;

	for (;;) {
		int c = accept(s->fd, NULL, NULL);
		ssize_t n;

		if (c < 0)
			return NULL;
		s->accepted++;
		n = recv(c, s->request, sizeof s->request - 1, 0);
		if (n > 0)
			s->request[n] = '\0';
		if (s->answer) {
			if (send(c, s->answer, strlen(s->answer), MSG_NOSIGNAL) < 0)
				break;
		} else {
			char b;

			(void)recv(c, &b, 1, 0); /* until the device gives up */
		}
		close(c);
	}
	return NULL;
}

static int listen_any(unsigned *port)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void segw_start(struct segw *s, const char *answer)
{
	memset(s, 0, sizeof *s);
	s->fd = listen_any(&s->port);
	s->answer = answer;
	assert_int_equal(listen(s->fd, 8), 0);
	assert_int_equal(pthread_create(&s->th, NULL, segw_main, s), 0);
}

static void segw_stop(struct segw *s)
{
	shutdown(s->fd, SHUT_RDWR);
	close(s->fd);
	pthread_join(s->th, NULL);
}

/* A loopback port nobody listens on. */
static unsigned closed_port(void)
{
	unsigned port;
	int fd = listen_any(&port);

	close(fd);
	return port;
}

/* ---- settings ---- */

static const char *env_names[8];
static const char *env_values[8];

static const char *fake_get(const char *name)
{
	for (size_t i = 0; i < 8 && env_names[i]; i++)
		if (strcmp(env_names[i], name) == 0)
			return env_values[i];
	return NULL;
}

static void env_set(const char *name, const char *value)
{
	size_t i = 0;

	while (i < 7 && env_names[i] && strcmp(env_names[i], name) != 0)
		i++;
	env_names[i] = name;
	env_values[i] = value;
}

static void env_clear(void)
{
	memset(env_names, 0, sizeof env_names);
	memset(env_values, 0, sizeof env_values);
}

static void cfg_for(struct normal_attach_cfg *c, unsigned port, uint32_t tries)
{
	static char v[64]; /* outlives the call: fake_get hands it out */
	char err[64];

	env_clear();
	snprintf(v, sizeof v, "127.0.0.1:%u", port);
	env_set("MAYDAY_SEGW", v);
	env_set("MAYDAY_ATTACH_INTERVAL_S", "0");
	env_set("MAYDAY_ATTACH_TIMEOUT_S", "5");
	assert_int_equal(normal_attach_cfg_parse(c, fake_get, err, sizeof err), MAYDAY_OK);
	c->tries = tries;
}

static void test_settings(void **state)
{
	struct normal_attach_cfg c;
	char err[128];
	static const char *const bad[][2] = {
		{ "MAYDAY_SEGW", "127.0.0.1" },
		{ "MAYDAY_SEGW", "127.0.0.1:0" },
		{ "MAYDAY_SEGW", "127.0.0.1:65536" },
		{ "MAYDAY_SEGW", ":80" },
		{ "MAYDAY_SEGW", "a:1,b:2,c:3,d:4,e:5" },
		{ "MAYDAY_SEGW", "a b:1" },
		{ "MAYDAY_SEGW", "a:1," },
		{ "MAYDAY_ATTACH_TRIES", "0" },
		{ "MAYDAY_ATTACH_TRIES", "1001" },
		{ "MAYDAY_ATTACH_TRIES", "3x" },
		{ "MAYDAY_ATTACH_TIMEOUT_S", "0" },
		{ "MAYDAY_ATTACH_TIMEOUT_S", "-1" },
		{ "MAYDAY_ATTACH_INTERVAL_S", "3601" },
	};

	(void)state;
	env_clear();
	assert_int_equal(normal_attach_cfg_parse(&c, fake_get, err, sizeof err), MAYDAY_OK);
	assert_int_equal(c.n_segw, 0);
	assert_int_equal(c.tries, 3);
	assert_int_equal(c.timeout_s, 10);
	assert_int_equal(c.interval_s, 5);

	env_set("MAYDAY_SEGW", "segw.example:4500,[::1]:500");
	env_set("MAYDAY_ATTACH_TRIES", "7");
	env_set("MAYDAY_ATTACH_TIMEOUT_S", "2");
	env_set("MAYDAY_ATTACH_INTERVAL_S", "0");
	assert_int_equal(normal_attach_cfg_parse(&c, fake_get, err, sizeof err), MAYDAY_OK);
	assert_int_equal(c.n_segw, 2);
	assert_string_equal(c.segw[0].host, "segw.example");
	assert_string_equal(c.segw[0].port, "4500");
	assert_string_equal(c.segw[1].host, "::1");
	assert_string_equal(c.segw[1].port, "500");
	assert_int_equal(c.tries, 7);
	assert_int_equal(c.timeout_s, 2);
	assert_int_equal(c.interval_s, 0);

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct normal_attach_cfg before = c;

		env_clear();
		env_set(bad[i][0], bad[i][1]);
		err[0] = '\0';
		assert_int_equal(normal_attach_cfg_parse(&c, fake_get, err, sizeof err),
				 MAYDAY_E_INVALID);
		assert_non_null(strstr(err, bad[i][0]));
		assert_memory_equal(&c, &before, sizeof c); /* unchanged */
	}
}

/* ---- the probe ---- */

static void test_closed_port_unreachable(void **state)
{
	struct normal_attach_cfg c;
	struct normal_attach_result r;

	(void)state;
	cfg_for(&c, closed_port(), 4);
	normal_attach_try(&c, c.tries, FX_DEVICE_ID, &r);
	assert_false(r.attached);
	assert_int_equal(r.stage, MAYDAY_ATTACH_SEGW_UNREACHABLE);
	assert_int_equal(r.tries, 4);
	assert_string_equal(r.last_error, "Connection refused");
}

static void test_segw_ok_attaches(void **state)
{
	struct normal_attach_cfg c;
	struct normal_attach_result r;
	struct segw s;

	(void)state;
	segw_start(&s, "OK welcome\n");
	cfg_for(&c, s.port, 3);
	normal_attach_try(&c, c.tries, FX_DEVICE_ID, &r);
	segw_stop(&s);
	assert_true(r.attached);
	assert_int_equal(r.tries, 1);
	assert_int_equal(s.accepted, 1);
	assert_string_equal(s.request, "ATTACH " FX_DEVICE_ID "\n");
}

static void test_second_endpoint_attaches(void **state)
{
	struct normal_attach_cfg c;
	struct normal_attach_result r;
	struct segw s;
	char list[64], err[64];

	(void)state;
	segw_start(&s, "OK\n");
	env_clear();
	snprintf(list, sizeof list, "127.0.0.1:%u,127.0.0.1:%u", closed_port(), s.port);
	env_set("MAYDAY_SEGW", list);
	assert_int_equal(normal_attach_cfg_parse(&c, fake_get, err, sizeof err), MAYDAY_OK);
	normal_attach_try(&c, 1, FX_DEVICE_ID, &r);
	segw_stop(&s);
	assert_true(r.attached);
}

static void test_segw_refuses(void **state)
{
	struct normal_attach_cfg c;
	struct normal_attach_result r;
	struct segw s;

	(void)state;
	segw_start(&s, "DENIED bad certificate\r\n");
	cfg_for(&c, s.port, 2);
	normal_attach_try(&c, c.tries, FX_DEVICE_ID, &r);
	segw_stop(&s);
	assert_false(r.attached);
	assert_int_equal(r.stage, MAYDAY_ATTACH_AUTH_REFUSED);
	assert_int_equal(r.tries, 2);
	assert_int_equal(s.accepted, 2);
	assert_string_equal(r.last_error, "DENIED bad certificate");
}

static void test_segw_silent_times_out(void **state)
{
	struct normal_attach_cfg c;
	struct normal_attach_result r;
	struct segw s;

	(void)state;
	segw_start(&s, NULL);
	cfg_for(&c, s.port, 1);
	c.timeout_s = 2;
	normal_attach_try(&c, c.tries, FX_DEVICE_ID, &r);
	segw_stop(&s);
	assert_false(r.attached);
	assert_int_equal(r.stage, MAYDAY_ATTACH_SEGW_UNREACHABLE);
	assert_string_equal(r.last_error, "no answer from the SeGW");
}

/* ---- what is recorded ---- */

static void test_run_records_and_backs_off(void **state)
{
	struct fx *fx = *state;
	struct normal_attach_cfg c;
	struct boot_attach a;
	struct boot_decision d;
	struct segw s;

	/* No SeGW configured: not checked, nothing written. */
	env_clear();
	normal_attach_cfg_init(&c);
	assert_true(normal_attach_run(fx->flash, &c, FX_DEVICE_ID));
	assert_int_equal(boot_attach_load(fx->flash, &a, NULL), MAYDAY_OK);
	assert_int_equal(a.flags, 0);

	cfg_for(&c, closed_port(), 2);
	assert_false(normal_attach_run(fx->flash, &c, FX_DEVICE_ID));
	assert_int_equal(boot_attach_load(fx->flash, &a, NULL), MAYDAY_OK);
	assert_int_equal(a.flags, BOOT_ATTACH_WATCH | BOOT_ATTACH_FAILED);
	assert_int_equal(a.stage, MAYDAY_ATTACH_SEGW_UNREACHABLE);
	assert_int_equal(a.tries, 2);
	assert_string_equal(a.last_error, "Connection refused");

	/* The TrE reports it (episode 1) ... */
	fx_decide(fx, &d);
	assert_int_equal(d.action, BOOT_START_DCF);
	assert_int_equal(d.evidence.attach.tries, 2);
	/* ... and the next failure comes only after twice the tries. */
	fx_decide(fx, &d);
	assert_int_equal(d.action, BOOT_START_NORMAL);
	assert_false(normal_attach_run(fx->flash, &c, FX_DEVICE_ID));
	assert_int_equal(boot_attach_load(fx->flash, &a, NULL), MAYDAY_OK);
	assert_int_equal(a.tries, 4);
	fx_decide(fx, &d);
	assert_int_equal(d.action, BOOT_START_DCF);
	assert_int_equal(d.evidence.attach.episodes, 2);

	/* The SeGW comes back: attached, counts cleared, normal from now on. */
	segw_start(&s, "OK\n");
	cfg_for(&c, s.port, 2);
	for (int i = 0; i < 3; i++) {
		fx_decide(fx, &d);
		assert_int_equal(d.action, BOOT_START_NORMAL);
		assert_true(normal_attach_run(fx->flash, &c, FX_DEVICE_ID));
	}
	segw_stop(&s);
	assert_int_equal(boot_attach_load(fx->flash, &a, NULL), MAYDAY_OK);
	assert_int_equal(a.flags, BOOT_ATTACH_WATCH);
	assert_int_equal(a.episodes, 0);
	assert_int_equal(a.unattached, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_closed_port_unreachable),
		cmocka_unit_test(test_segw_ok_attaches),
		cmocka_unit_test(test_second_endpoint_attaches),
		cmocka_unit_test(test_segw_refuses),
		cmocka_unit_test(test_segw_silent_times_out),
		T(test_run_records_and_backs_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

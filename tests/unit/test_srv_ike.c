/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of server/srv_ike.c: configuration checks and the inner
 * address -> IKE identity lookup against a scripted fake charon. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "srv_ike.h"
#include "vici.h"
#include "vici_fake.h"

static struct sockaddr_in v4(const char *text)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(53211) };

	assert_int_equal(inet_pton(AF_INET, text, &sin.sin_addr), 1);
	return sin;
}

/* An IKE SA for the fake's list-sa events. */
static struct vici_fake_sa sa(const char *state, const char *remote_id, const char *vip,
			      const char *child_state, const char *remote_ts)
{
	struct vici_fake_sa s = { .state = state, .remote_id = remote_id, .vip = vip,
				  .child_state = child_state, .remote_ts = remote_ts };

	return s;
}

static void test_init_checks(void **state)
{
	struct srv_ike ike;
	char long_path[SRV_IKE_VICI_MAX + 2];

	(void)state;
	memset(long_path, 'p', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	assert_int_equal(srv_ike_init(&ike, "/run/charon.vici", "distress", 1000), MAYDAY_OK);
	assert_string_equal(ike.vici, "/run/charon.vici");
	assert_string_equal(ike.conn, "distress");
	assert_int_equal(ike.timeout_ms, 1000);
	assert_int_equal(srv_ike_init(&ike, "/run/charon.vici", NULL, 1000), MAYDAY_OK);
	assert_string_equal(ike.conn, "");

	assert_int_equal(srv_ike_init(&ike, "run/charon.vici", NULL, 1000), MAYDAY_E_INVALID);
	assert_int_equal(srv_ike_init(&ike, NULL, NULL, 1000), MAYDAY_E_INVALID);
	assert_int_equal(srv_ike_init(&ike, long_path, NULL, 1000), MAYDAY_E_INVALID);
	long_path[sizeof(long_path) - 2] = '\0';   /* exactly SRV_IKE_VICI_MAX */
	assert_int_equal(srv_ike_init(&ike, long_path, NULL, 1000), MAYDAY_OK);
	assert_int_equal(srv_ike_init(&ike, "/x", "dis tress", 1000), MAYDAY_E_INVALID);
	assert_int_equal(srv_ike_init(&ike, "/x", "dis\ntress", 1000), MAYDAY_E_INVALID);
	assert_int_equal(srv_ike_init(&ike, "/x", NULL, SRV_IKE_TIMEOUT_MIN - 1), MAYDAY_E_INVALID);
	assert_int_equal(srv_ike_init(&ike, "/x", NULL, SRV_IKE_TIMEOUT_MAX + 1), MAYDAY_E_INVALID);
	assert_string_equal(ike.vici, "");   /* a refused init leaves nothing usable */
}

struct two_events {
	uint8_t ev[2][1024];
	struct vici_fake f;
};

static void setup_fleet(struct two_events *t)
{
	struct vici_fake_sa a = sa("ESTABLISHED", "hnb-0001", "10.99.1.1", "INSTALLED", "10.99.1.1/32");
	struct vici_fake_sa b = sa("ESTABLISHED", "hnb-0002", "10.99.1.2", "INSTALLED", "10.99.1.2/32");

	memset(&t->f, 0, sizeof(t->f));
	t->f.event_len[0] = vici_fake_list_sa(&a, t->ev[0], sizeof(t->ev[0]));
	t->f.event_len[1] = vici_fake_list_sa(&b, t->ev[1], sizeof(t->ev[1]));
	assert_true(t->f.event_len[0] > 0 && t->f.event_len[1] > 0);
	t->f.events[0] = t->ev[0];
	t->f.events[1] = t->ev[1];
	t->f.n_events = 2;
}

struct has_key {
	const char *key;
	char value[64];
	int n;
};

static enum mayday_err look_for(void *user, const struct vici_elem *e)
{
	struct has_key *h = user;

	if (e->type == VICI_KEY_VALUE && strcmp(e->name, h->key) == 0) {
		snprintf(h->value, sizeof(h->value), "%.*s", (int)e->value_len, e->value);
		h->n++;
	}
	return MAYDAY_OK;
}

static void test_identity_found(void **state)
{
	struct two_events t;
	struct srv_ike ike;
	char id[64];
	struct sockaddr_in src = v4("10.99.1.2");

	(void)state;
	setup_fleet(&t);
	assert_int_equal(vici_fake_start(&t.f), 0);
	assert_int_equal(srv_ike_init(&ike, t.f.path, "distress", 2000), MAYDAY_OK);
	assert_int_equal(srv_ike_identity(&ike, (struct sockaddr *)&src, id, sizeof(id)), MAYDAY_OK);
	vici_fake_stop(&t.f);
	assert_string_equal(id, "hnb-0002");
	assert_string_equal(t.f.command, "list-sas");
	struct has_key k = { .key = "ike" };
	assert_int_equal(vici_decode(t.f.request, t.f.request_len, look_for, &k, NULL), MAYDAY_OK);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.value, "distress");

	/* Without a connection name the lookup covers every IKE SA. */
	struct sockaddr_in one = v4("10.99.1.1");
	assert_int_equal(vici_fake_start(&t.f), 0);
	assert_int_equal(srv_ike_init(&ike, t.f.path, NULL, 2000), MAYDAY_OK);
	assert_int_equal(srv_ike_identity(&ike, (struct sockaddr *)&one, id, sizeof(id)), MAYDAY_OK);
	vici_fake_stop(&t.f);
	assert_string_equal(id, "hnb-0001");
	struct has_key none = { .key = "ike" };
	assert_int_equal(vici_decode(t.f.request, t.f.request_len, look_for, &none, NULL),
			 MAYDAY_OK);
	assert_int_equal(none.n, 0);
}

static void test_identity_absent(void **state)
{
	struct two_events t;
	struct srv_ike ike;
	char id[64] = "stale";
	struct sockaddr_in outside = v4("192.0.2.1");   /* not through any tunnel */

	(void)state;
	setup_fleet(&t);
	assert_int_equal(vici_fake_start(&t.f), 0);
	assert_int_equal(srv_ike_init(&ike, t.f.path, NULL, 2000), MAYDAY_OK);
	assert_int_equal(srv_ike_identity(&ike, (struct sockaddr *)&outside, id, sizeof(id)),
			 MAYDAY_E_NOTFOUND);
	vici_fake_stop(&t.f);
	assert_string_equal(id, "");
}

static void test_identity_failures_leave_nothing(void **state)
{
	struct srv_ike ike;
	char id[64];
	struct sockaddr_in src = v4("10.99.1.1");
	struct timespec t0, t1;

	(void)state;
	/* No daemon at the path. */
	assert_int_equal(srv_ike_init(&ike, "/nonexistent/charon.vici", NULL, 500), MAYDAY_OK);
	strcpy(id, "stale");
	assert_int_equal(srv_ike_identity(&ike, (struct sockaddr *)&src, id, sizeof(id)),
			 MAYDAY_E_IO);
	assert_string_equal(id, "");

	/* A daemon that never answers costs the timeout, not more. */
	struct vici_fake silent = { .mode = VICI_FAKE_SILENT };
	assert_int_equal(vici_fake_start(&silent), 0);
	assert_int_equal(srv_ike_init(&ike, silent.path, NULL, 200), MAYDAY_OK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	strcpy(id, "stale");
	assert_int_equal(srv_ike_identity(&ike, (struct sockaddr *)&src, id, sizeof(id)),
			 MAYDAY_E_TIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	vici_fake_stop(&silent);
	assert_string_equal(id, "");
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 190 && ms < 2000);

	/* An identity larger than the caller's buffer. */
	struct two_events t;
	setup_fleet(&t);
	assert_int_equal(vici_fake_start(&t.f), 0);
	assert_int_equal(srv_ike_init(&ike, t.f.path, NULL, 2000), MAYDAY_OK);
	assert_int_equal(srv_ike_identity(&ike, (struct sockaddr *)&src, id, 4), MAYDAY_E_TOOBIG);
	vici_fake_stop(&t.f);
	assert_string_equal(id, "");

	/* Arguments. */
	struct sockaddr unix_src = { .sa_family = AF_UNIX };
	assert_int_equal(srv_ike_identity(&ike, &unix_src, id, sizeof(id)), MAYDAY_E_INVALID);
	assert_int_equal(srv_ike_identity(&ike, NULL, id, sizeof(id)), MAYDAY_E_INVALID);
	assert_int_equal(srv_ike_identity(NULL, (struct sockaddr *)&src, id, sizeof(id)),
			 MAYDAY_E_INVALID);
	assert_int_equal(srv_ike_identity(&ike, (struct sockaddr *)&src, id, 0), MAYDAY_E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_checks),
		cmocka_unit_test(test_identity_found),
		cmocka_unit_test(test_identity_absent),
		cmocka_unit_test(test_identity_failures_leave_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

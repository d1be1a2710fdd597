/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The events outbox (store_events.h): events are written in the
 * transaction of the change (a rolled-back batch leaves none, a committed
 * one its incident.opened), read in id order past each consumer's cursor,
 * the cursor never moves back, consumers are independent, and the outbox
 * survives a reopen (a restart). And the webhook signature (srv_events.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "srv_events.h"
#include "store_events.h"
#include "store_ingest.h"
#include "store_remed.h"
#include "test_store_fixture.h"

static void put(struct fx *fx, const char *dev, uint64_t counter, bool commit)
{
	uint8_t raw[MAYDAY_INDICATION_MAX];
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	fx_indication(&ind, dev, counter);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(store_ingest_begin(fx->st), MAYDAY_OK);
	assert_int_equal(store_ingest_put(fx->st, &rec), MAYDAY_OK);
	if (commit)
		assert_int_equal(store_ingest_commit(fx->st), MAYDAY_OK);
	else
		store_ingest_rollback(fx->st);
}

static void test_outbox(void **state)
{
	(void)state;
	struct fx fx;
	struct store_event ev;
	char pem[1024];
	fx_open(&fx);
	EVP_PKEY *k1 = fx_key(pem, sizeof(pem));
	assert_int_equal(store_enrol(fx.st, "hnb-1", "femto-a", pem), MAYDAY_OK);
	EVP_PKEY *k2 = fx_key(pem, sizeof(pem));
	assert_int_equal(store_enrol(fx.st, "hnb-2", "femto-a", pem), MAYDAY_OK);
	/* each enrolment is an event (schema 12) */
	int64_t enrolled[2];
	for (int i = 0; i < 2; i++) {
		assert_int_equal(store_events_next(fx.st, "a", &ev), MAYDAY_OK);
		assert_string_equal(ev.type, "device.enrolled");
		enrolled[i] = ev.id;
		assert_int_equal(store_events_ack(fx.st, "a", ev.id), MAYDAY_OK);
	}
	assert_int_equal(store_events_next(fx.st, "a", &ev), MAYDAY_E_NOTFOUND);

	/* rolled back: the incident and its event both gone */
	put(&fx, "hnb-1", 1, false);
	assert_int_equal(store_events_next(fx.st, "a", &ev), MAYDAY_E_NOTFOUND);

	put(&fx, "hnb-1", 2, true);
	put(&fx, "hnb-1", 3, true);   /* same incident: no new event */
	put(&fx, "hnb-2", 1, true);
	bool was = false;
	assert_int_equal(store_remed_class_resume(fx.st, "femto-a", 100, &was), MAYDAY_OK);

	const char *want[] = {"incident.opened", "incident.opened", "class.resumed"};
	int64_t ids[3];
	for (int i = 0; i < 3; i++) {
		assert_int_equal(store_events_next(fx.st, "a", &ev), MAYDAY_OK);
		assert_string_equal(ev.type, want[i]);
		assert_int_equal(ev.json_len, strlen(ev.json));
		assert_non_null(strstr(ev.json, "\"type\":\""));
		ids[i] = ev.id;
		if (i > 0)
			assert_true(ids[i] > ids[i - 1]);
		/* not yet acknowledged: the same event again */
		assert_int_equal(store_events_next(fx.st, "a", &ev), MAYDAY_OK);
		assert_int_equal(ev.id, ids[i]);
		assert_int_equal(store_events_ack(fx.st, "a", ev.id), MAYDAY_OK);
	}
	assert_non_null(strstr(ev.json, "\"product_class\":\"femto-a\""));
	assert_int_equal(store_events_next(fx.st, "a", &ev), MAYDAY_E_NOTFOUND);

	/* another consumer starts at the beginning; a cursor never moves back */
	assert_int_equal(store_events_next(fx.st, "b", &ev), MAYDAY_OK);
	assert_int_equal(ev.id, enrolled[0]);
	assert_int_equal(store_events_ack(fx.st, "b", enrolled[1]), MAYDAY_OK);
	assert_int_equal(store_events_next(fx.st, "b", &ev), MAYDAY_OK);
	assert_int_equal(ev.id, ids[0]);
	assert_non_null(strstr(ev.json, "\"device_id\":\"hnb-1\""));
	assert_int_equal(store_events_ack(fx.st, "b", ids[1]), MAYDAY_OK);
	assert_int_equal(store_events_ack(fx.st, "b", ids[0]), MAYDAY_OK);
	assert_int_equal(store_events_next(fx.st, "b", &ev), MAYDAY_OK);
	assert_int_equal(ev.id, ids[2]);

	/* a restart keeps the outbox and the cursors */
	fx_reopen(&fx);
	assert_int_equal(store_events_next(fx.st, "a", &ev), MAYDAY_E_NOTFOUND);
	assert_int_equal(store_events_next(fx.st, "b", &ev), MAYDAY_OK);
	assert_int_equal(ev.id, ids[2]);

	/* not inside an ingest batch */
	assert_int_equal(store_ingest_begin(fx.st), MAYDAY_OK);
	assert_int_equal(store_events_next(fx.st, "b", &ev), MAYDAY_E_INVALID);
	store_ingest_rollback(fx.st);

	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	fx_close(&fx);
}

/* The webhook signature: RFC 4231 test case 2. */
static void test_sign(void **state)
{
	(void)state;
	char sig[80];
	const char *body = "what do ya want for nothing?";
	srv_events_sign((const uint8_t *)"Jefe", 4, body, strlen(body), sig, sizeof(sig));
	assert_string_equal(sig, "sha256=5bdcc146bf60754e6a042426089575c7"
				 "5a003f089d2739839dec58b964ec3843");
	srv_events_sign((const uint8_t *)"Jefe", 4, body, strlen(body), sig, 70);
	assert_string_equal(sig, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outbox),
		cmocka_unit_test(test_sign),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

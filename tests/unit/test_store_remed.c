/* Remediation records (store_remed.h) on a real temporary store: the
 * incident state machine of remediation, attempts, tokens, approvals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "store_remed.h"
#include "test_store_fixture.h"

#define NOW 1700000600

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char pem[1024];
	assert_non_null(fx);
	fx_open(fx);
	EVP_PKEY *k = fx_key(pem, sizeof(pem));
	EVP_PKEY_free(k);
	assert_int_equal(store_enrol(fx->st, "hnb-1", "femto-a", pem), MAYDAY_OK);
	assert_int_equal(store_enrol(fx->st, "hnb-2", "femto-a", pem), MAYDAY_OK);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fx_close(*state);
	free(*state);
	return 0;
}

static void distress(struct fx *fx, const char *id, uint64_t counter, enum store_trust trust)
{
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	uint8_t raw[4096];
	fx_indication(&ind, id, counter);
	fx_rec(&rec, &ind, trust, raw, sizeof(raw));
	rec.received_at = NOW + (int64_t)counter;
	assert_int_equal(fx_put1(fx->st, &rec), MAYDAY_OK);
}

static bool schedule(struct fx *fx, const char *id, bool need_approval, uint32_t max)
{
	bool yes = true;
	assert_int_equal(store_ingest_begin(fx->st), MAYDAY_OK);
	assert_int_equal(store_remed_schedule(fx->st, id, need_approval, max, NOW, &yes),
			 MAYDAY_OK);
	assert_int_equal(store_ingest_commit(fx->st), MAYDAY_OK);
	return yes;
}

static void expect_state(struct fx *fx, const char *id, const char *state)
{
	struct store_remed_status rs;
	struct store_device_row d;
	assert_int_equal(store_remed_status(fx->st, id, &rs), MAYDAY_OK);
	assert_int_equal(store_get_device(fx->st, id, &d), MAYDAY_OK);
	assert_string_equal(d.state, state);
	if (rs.incident_id != 0)
		assert_string_equal(rs.state, state);
}

static struct store_remed_attempt begin(struct fx *fx, const char *id, const char *token)
{
	struct store_remed_attempt a;
	memset(&a, 0, sizeof(a));
	snprintf(a.token, sizeof(a.token), "%s", token);
	snprintf(a.bundle, sizeof(a.bundle), "/b/femto-a.bundle");
	a.bundle_size = 1000;
	a.free_space = 5000;
	a.max_image_size = 4000;
	assert_int_equal(store_remed_begin(fx->st, id, &a, NOW), MAYDAY_OK);
	return a;
}

static void test_outside_batch_refused(void **state)
{
	struct fx *fx = *state;
	bool yes = true;
	distress(fx, "hnb-1", 1, STORE_TRUST_SIGNED);
	assert_int_equal(store_remed_schedule(fx->st, "hnb-1", false, 3, NOW, &yes),
			 MAYDAY_E_INVALID);
	assert_false(yes);
	/* nothing scheduled: no attempt can begin */
	struct store_remed_attempt a = {.bundle_size = 1};
	assert_int_equal(store_remed_begin(fx->st, "hnb-1", &a, NOW), MAYDAY_E_NOTFOUND);
}

static void test_approval(void **state)
{
	struct fx *fx = *state;
	struct store_remed_status rs;
	assert_int_equal(store_remed_approve(fx->st, "hnb-1", NOW), MAYDAY_E_NOTFOUND);
	distress(fx, "hnb-1", 1, STORE_TRUST_SIGNED);
	assert_false(schedule(fx, "hnb-1", true, 3));
	expect_state(fx, "hnb-1", "in_distress");
	assert_int_equal(store_remed_approve(fx->st, "hnb-1", NOW), MAYDAY_OK);
	assert_int_equal(store_remed_approve(fx->st, "hnb-1", NOW), MAYDAY_OK);
	assert_int_equal(store_remed_status(fx->st, "hnb-1", &rs), MAYDAY_OK);
	assert_true(rs.approved);
	assert_true(schedule(fx, "hnb-1", true, 3));
	expect_state(fx, "hnb-1", "remediation_scheduled");
	/* asked again while scheduled: still remediate, no second move */
	assert_true(schedule(fx, "hnb-1", true, 3));
}

static void test_last_indication_unverified(void **state)
{
	struct fx *fx = *state;
	struct store_remed_status rs;
	distress(fx, "hnb-1", 1, STORE_TRUST_SIGNED);
	distress(fx, "hnb-1", 2, STORE_TRUST_UNVERIFIED);
	assert_int_equal(store_remed_status(fx->st, "hnb-1", &rs), MAYDAY_OK);
	assert_false(rs.last_signed);
	assert_false(schedule(fx, "hnb-1", false, 3));
	expect_state(fx, "hnb-1", "in_distress");
	distress(fx, "hnb-1", 3, STORE_TRUST_SIGNED);
	assert_true(schedule(fx, "hnb-1", false, 3));
}

static void test_recovered(void **state)
{
	struct fx *fx = *state;
	struct store_remed_attempt a, got;
	struct store_counts c0, c1;
	uint32_t n = 9;
	distress(fx, "hnb-1", 1, STORE_TRUST_SIGNED);
	assert_true(schedule(fx, "hnb-1", false, 3));
	assert_int_equal(store_count(fx->st, &c0), MAYDAY_OK);
	a = begin(fx, "hnb-1", "tok1");
	assert_int_equal(a.attempt, 1);
	char key[40];
	snprintf(key, sizeof(key), "rem-%lld-1", (long long)a.incident_id);
	assert_string_equal(a.command_key, key);
	expect_state(fx, "hnb-1", "remediation_in_progress");
	assert_int_equal(store_remed_in_flight(fx->st, NOW - 3600, &n), MAYDAY_OK);
	assert_int_equal(n, 1);
	/* started before the window: no longer holds a download slot */
	assert_int_equal(store_remed_in_flight(fx->st, NOW + 1, &n), MAYDAY_OK);
	assert_int_equal(n, 0);

	/* the token serves its own device once; another identity gets nothing */
	assert_int_equal(store_remed_take_token(fx->st, "tok1", "hnb-2", &got), MAYDAY_E_MISMATCH);
	assert_int_equal(store_remed_take_token(fx->st, "tok1", "hnb-1", &got), MAYDAY_OK);
	assert_string_equal(got.bundle, "/b/femto-a.bundle");
	assert_int_equal(got.bundle_size, 1000);
	assert_int_equal(store_remed_take_token(fx->st, "tok1", "hnb-1", &got), MAYDAY_E_NOTFOUND);
	assert_int_equal(store_remed_take_token(fx->st, "nope", "hnb-1", &got), MAYDAY_E_NOTFOUND);

	/* another device cannot complete this attempt */
	assert_int_equal(store_remed_recovered(fx->st, "hnb-2", a.command_key, NOW),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(store_remed_installed(fx->st, "hnb-1", a.command_key, NOW), MAYDAY_OK);
	expect_state(fx, "hnb-1", "installed");
	assert_int_equal(store_remed_recovered(fx->st, "hnb-1", a.command_key, NOW + 5), MAYDAY_OK);
	expect_state(fx, "hnb-1", "healthy");
	assert_int_equal(store_remed_in_flight(fx->st, NOW - 3600, &n), MAYDAY_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_remed_recovered(fx->st, "hnb-1", a.command_key, NOW),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(store_count(fx->st, &c1), MAYDAY_OK);
	assert_int_equal(c1.incident_events, c0.incident_events + 3);  /* history kept */
}

static int first_incident(void *ctx, const struct store_incident_row *r)
{
	*(struct store_incident_row *)ctx = *r;
	return 1;
}

static int collect(void *ctx, const struct store_remed_attempt *a)
{
	struct store_remed_attempt *arr = ctx;
	for (int i = 0; i < 4; i++) {
		if (arr[i].id == 0) {
			arr[i] = *a;
			return 0;
		}
	}
	return 1;
}

static void test_failures_until_given_up(void **state)
{
	struct fx *fx = *state;
	struct store_remed_attempt a, list[4];
	struct store_incident_row inc;
	bool gave_up = true;
	distress(fx, "hnb-1", 1, STORE_TRUST_SIGNED);
	assert_true(schedule(fx, "hnb-1", false, 2));
	a = begin(fx, "hnb-1", "t1");
	assert_int_equal(store_remed_fail(fx->st, "hnb-1", a.command_key, 9019, "auth", 2, NOW,
					  &gave_up), MAYDAY_OK);
	assert_false(gave_up);
	expect_state(fx, "hnb-1", "in_distress");
	/* a failed attempt cannot fail (or complete) twice */
	assert_int_equal(store_remed_fail(fx->st, "hnb-1", a.command_key, 9019, "auth", 2, NOW,
					  &gave_up), MAYDAY_E_NOTFOUND);
	assert_true(schedule(fx, "hnb-1", false, 2));
	/* refused before any download (image too big): a failed attempt too */
	assert_int_equal(store_remed_fail(fx->st, "hnb-1", NULL, 0, "image-too-big", 2, NOW,
					  &gave_up), MAYDAY_OK);
	assert_true(gave_up);
	expect_state(fx, "hnb-1", "remediation_failed");
	/* left for a human: more distress neither reschedules nor reopens */
	distress(fx, "hnb-1", 2, STORE_TRUST_SIGNED);
	expect_state(fx, "hnb-1", "remediation_failed");
	assert_false(schedule(fx, "hnb-1", false, 2));
	memset(list, 0, sizeof(list));
	assert_int_equal(store_remed_list(fx->st, "hnb-1", collect, list), MAYDAY_OK);
	assert_int_equal(list[0].attempt, 2);
	assert_string_equal(list[0].result, "failed");
	assert_string_equal(list[0].detail, "image-too-big");
	assert_int_equal(list[1].attempt, 1);
	assert_int_equal(list[1].fault_code, 9019);
	assert_int_equal(list[2].id, 0);
	assert_int_equal(store_list_incidents(fx->st, "hnb-1", first_incident, &inc), MAYDAY_OK);
	assert_string_equal(inc.state, "remediation_failed");
	assert_int_equal(inc.closed_at, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_outside_batch_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_approval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_indication_unverified, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recovered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures_until_given_up, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

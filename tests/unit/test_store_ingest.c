/* Store ingest: new, duplicate, conflict, trust separation, incidents,
 * batches and rollback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "test_store_fixture.h"

struct t {
	struct fx fx;
	EVP_PKEY *key;
};

static int setup(void **state)
{
	static struct t t;
	char pem[1024];
	fx_open(&t.fx);
	t.key = fx_key(pem, sizeof(pem));
	assert_int_equal(store_enrol(t.fx.st, "hnb-1", "femto-a", pem), MAYDAY_OK);
	*state = &t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	EVP_PKEY_free(t->key);
	fx_close(&t->fx);
	return 0;
}

static struct store_counts counts(struct store *st)
{
	struct store_counts c;
	assert_int_equal(store_count(st, &c), MAYDAY_OK);
	return c;
}

static void test_signed_opens_incident(void **state)
{
	struct t *t = *state;
	uint8_t raw[MAYDAY_INDICATION_MAX];
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	fx_indication(&ind, "hnb-1", 1);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_NEW);
	assert_true(rec.indication_id > 0);
	assert_true(rec.incident_id > 0);

	struct store_counts c = counts(t->fx.st);
	assert_int_equal(c.indications_signed, 1);
	assert_int_equal(c.failed_components, 1);
	assert_int_equal(c.incidents, 1);
	assert_int_equal(c.incident_events, 2);   /* opened (healthy -> in_distress) + indication */
	struct store_device_row d;
	assert_int_equal(store_get_device(t->fx.st, "hnb-1", &d), MAYDAY_OK);
	assert_string_equal(d.state, "in_distress");

	/* A second, different report joins the same incident. */
	int64_t incident = rec.incident_id;
	fx_indication(&ind, "hnb-1", 2);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_NEW);
	assert_int_equal(rec.incident_id, incident);
	c = counts(t->fx.st);
	assert_int_equal(c.incidents, 1);
	assert_int_equal(c.incident_events, 3);
}

static void test_duplicate_and_conflict(void **state)
{
	struct t *t = *state;
	uint8_t raw[MAYDAY_INDICATION_MAX];
	struct mayday_indication ind;
	struct store_ingest_rec rec, again;
	fx_indication(&ind, "hnb-1", 5);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	struct store_counts before = counts(t->fx.st);

	/* Identical claims: the original's ids, nothing written. */
	fx_rec(&again, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &again), MAYDAY_OK);
	assert_int_equal(again.outcome, STORE_DUPLICATE);
	assert_int_equal(again.indication_id, rec.indication_id);
	assert_int_equal(again.incident_id, rec.incident_id);
	struct store_counts after = counts(t->fx.st);
	assert_memory_equal(&before, &after, sizeof(before));

	/* Same (device, counter), other claims: a replay conflict, nothing written. */
	ind.time += 60;
	fx_rec(&again, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &again), MAYDAY_OK);
	assert_int_equal(again.outcome, STORE_CONFLICT);
	assert_int_equal(again.indication_id, 0);
	assert_int_equal(again.incident_id, 0);
	after = counts(t->fx.st);
	assert_memory_equal(&before, &after, sizeof(before));
}

static void test_unverified_never_touches_device(void **state)
{
	struct t *t = *state;
	uint8_t raw[MAYDAY_INDICATION_MAX], raw2[MAYDAY_INDICATION_MAX];
	struct mayday_indication ind, forged;
	struct store_ingest_rec rec;
	struct store_device_row d;

	/* A forgery for an enrolled, healthy device: recorded, device untouched. */
	fx_indication(&forged, "hnb-1", 9);
	fx_rec(&rec, &forged, STORE_TRUST_UNVERIFIED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_NEW);
	assert_int_equal(rec.incident_id, 0);
	assert_int_equal(store_get_device(t->fx.st, "hnb-1", &d), MAYDAY_OK);
	assert_string_equal(d.state, "healthy");
	assert_false(d.has_reason);
	assert_int_equal(d.n_unverified, 1);
	struct store_counts c = counts(t->fx.st);
	assert_int_equal(c.incidents, 0);
	assert_int_equal(c.incident_events, 0);

	/* The forger took counter 9 first; the authentic report still gets it. */
	fx_indication(&ind, "hnb-1", 9);
	ind.time += 1;
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw2, sizeof(raw2));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_NEW);
	assert_true(rec.incident_id > 0);
	assert_int_equal(store_get_device(t->fx.st, "hnb-1", &d), MAYDAY_OK);
	assert_string_equal(d.state, "in_distress");
	assert_int_equal(d.n_signed, 1);

	/* Later forgeries change nothing of the device's state or incident. */
	int64_t since = d.state_since;
	fx_indication(&forged, "hnb-1", 10);
	fx_rec(&rec, &forged, STORE_TRUST_UNVERIFIED, raw, sizeof(raw));
	struct store_counts before = counts(t->fx.st);
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	c = counts(t->fx.st);
	assert_int_equal(c.incidents, before.incidents);
	assert_int_equal(c.incident_events, before.incident_events);
	assert_int_equal(c.indications_signed, before.indications_signed);
	assert_int_equal(c.indications_unverified, before.indications_unverified + 1);
	assert_int_equal(store_get_device(t->fx.st, "hnb-1", &d), MAYDAY_OK);
	assert_int_equal(d.state_since, since);

	/* Unknown devices are recorded unverified too; a signed row for one is refused. */
	fx_indication(&forged, "never-enrolled", 1);
	fx_rec(&rec, &forged, STORE_TRUST_UNVERIFIED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	assert_int_equal(rec.outcome, STORE_NEW);
	fx_rec(&rec, &forged, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_E_INVALID);
}

static void test_batch_rollback_and_dups_in_batch(void **state)
{
	struct t *t = *state;
	uint8_t raw[3][MAYDAY_INDICATION_MAX];
	struct mayday_indication ind[3];
	struct store_ingest_rec rec[3];
	struct store_counts before = counts(t->fx.st);

	for (int i = 0; i < 3; i++)
		fx_indication(&ind[i], "hnb-1", 20 + (uint64_t)i);
	for (int i = 0; i < 3; i++)
		fx_rec(&rec[i], &ind[i], STORE_TRUST_SIGNED, raw[i], sizeof(raw[i]));
	assert_int_equal(store_ingest_begin(t->fx.st), MAYDAY_OK);
	assert_int_equal(store_ingest_begin(t->fx.st), MAYDAY_E_INVALID);
	for (int i = 0; i < 3; i++)
		assert_int_equal(store_ingest_put(t->fx.st, &rec[i]), MAYDAY_OK);
	store_ingest_rollback(t->fx.st);
	struct store_counts after = counts(t->fx.st);
	assert_memory_equal(&before, &after, sizeof(before));

	/* The same record twice in one batch: the second is a duplicate. */
	struct store_ingest_rec twin;
	fx_rec(&twin, &ind[0], STORE_TRUST_SIGNED, raw[0], sizeof(raw[0]));
	assert_int_equal(store_ingest_begin(t->fx.st), MAYDAY_OK);
	assert_int_equal(store_ingest_put(t->fx.st, &rec[0]), MAYDAY_OK);
	assert_int_equal(store_ingest_put(t->fx.st, &twin), MAYDAY_OK);
	assert_int_equal(store_ingest_commit(t->fx.st), MAYDAY_OK);
	assert_int_equal(rec[0].outcome, STORE_NEW);
	assert_int_equal(twin.outcome, STORE_DUPLICATE);
	assert_int_equal(twin.indication_id, rec[0].indication_id);
	after = counts(t->fx.st);
	assert_int_equal(after.indications, before.indications + 1);

	/* Puts outside a batch and bad records are refused. */
	assert_int_equal(store_ingest_put(t->fx.st, &rec[1]), MAYDAY_E_INVALID);
	assert_int_equal(store_ingest_commit(t->fx.st), MAYDAY_E_INVALID);
	rec[1].raw_len = 0;
	assert_int_equal(fx_put1(t->fx.st, &rec[1]), MAYDAY_E_INVALID);
	ind[2].evidence.n_failed = MAYDAY_MAX_COMPONENTS + 1;
	assert_int_equal(fx_put1(t->fx.st, &rec[2]), MAYDAY_E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_signed_opens_incident, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_and_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unverified_never_touches_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_rollback_and_dups_in_batch, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

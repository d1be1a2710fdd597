/* SPDX-License-Identifier: Apache-2.0 */
/* Remediation policy end to end on a real temporary store: verify stage,
 * group commit with the policy (srv_writer_commit_remed), signed ack. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "mayday/file.h"
#include "mayday/keys.h"
#include "srv_ack.h"
#include "srv_acs_policy.h"
#include "srv_ingest.h"
#include "srv_writer.h"
#include "store_fleet.h"
#include "store_remed.h"
#include "test_store_fixture.h"

#define URL "https://127.0.0.1:7443/cwmp"

struct t {
	struct fx fx;
	EVP_PKEY *dev, *other, *hems;
	struct mayday_signer hems_signer;
	struct mayday_cose_verifier *ver;
	struct srv_keycache kc;
	struct srv_ratelimit rl;
	struct srv_stats stats;
	struct srv_ingest ing;
	struct srv_acs_policy pol;
	char bundle[400];
	struct srv_slot *slot;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	char pem[1024], unused[1024];
	assert_non_null(t);
	t->slot = calloc(1, sizeof(*t->slot));
	assert_non_null(t->slot);
	fx_open(&t->fx);
	t->dev = fx_key(pem, sizeof(pem));
	t->other = fx_key(unused, sizeof(unused));
	t->hems = fx_key(unused, sizeof(unused));
	assert_int_equal(store_enrol(t->fx.st, "hnb-1", "femto-a", pem), MAYDAY_OK);
	assert_int_equal(store_enrol(t->fx.st, "hnb-9", "femto-z", pem), MAYDAY_OK);
	assert_int_equal(store_enrol(t->fx.st, "hnb-2", "femto-a", pem), MAYDAY_OK);
	assert_int_equal(mayday_signer_open(&t->hems_signer, t->hems, NULL, 0), MAYDAY_OK);
	assert_int_equal(mayday_cose_verifier_new(&t->ver, 4), MAYDAY_OK);
	assert_int_equal(srv_keycache_init(&t->kc, 64), MAYDAY_OK);
	assert_int_equal(srv_ratelimit_init(&t->rl, 64, 100, 100, 100, 100), MAYDAY_OK);
	t->ing = (struct srv_ingest){.keys = &t->kc, .limit = &t->rl, .stats = &t->stats,
				     .max_datagram = MAYDAY_INDICATION_MAX};
	snprintf(t->bundle, sizeof(t->bundle), "%s/femto-a.bundle", t->fx.dir);
	FILE *f = fopen(t->bundle, "wb");
	assert_non_null(f);
	fputs("MDYB bundle bytes", f);
	fclose(f);
	t->pol = (struct srv_acs_policy){.acs_url = URL, .bundle_dir = t->fx.dir,
					 .max_attempts = 3, .max_in_flight = 4,
					 .download_window_s = 3600};
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	unlink(t->bundle);
	srv_keycache_fini(&t->kc);
	mayday_cose_verifier_free(t->ver);
	mayday_signer_close(&t->hems_signer);
	srv_ratelimit_fini(&t->rl);
	EVP_PKEY_free(t->dev);
	EVP_PKEY_free(t->other);
	EVP_PKEY_free(t->hems);
	fx_close(&t->fx);
	free(t->slot);
	free(t);
	return 0;
}

/* One indication of `id` signed with `key` through verify, commit, ack. */
static void deliver(struct t *t, EVP_PKEY *key, const char *id, uint64_t counter,
		    struct mayday_ack *ack)
{
	struct srv_slot *s = t->slot;
	struct mayday_indication ind;
	struct mayday_signer signer;
	struct mayday_diag diag;
	memset(s, 0, sizeof(*s));
	fx_indication(&ind, id, counter);
	assert_int_equal(mayday_signer_from_pkey(&signer, key, NULL, 0), MAYDAY_OK);
	assert_int_equal(mayday_indication_sign(&ind, &signer, s->buf, MAYDAY_INDICATION_MAX,
						&s->len), MAYDAY_OK);
	s->method = MAYDAY_TRANSPORT_PLAIN_UDP;
	struct sockaddr_in *a = (struct sockaddr_in *)&s->peer;
	a->sin_family = AF_INET;
	a->sin_port = htons(4000);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->peer_len = sizeof(*a);
	s->received_at = 1700000500 + (int64_t)counter;
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_STORE);
	assert_int_equal(srv_writer_commit_remed(t->fx.st, &s, 1, &t->stats, &t->pol), MAYDAY_OK);
	assert_int_equal(s->committed, 1);
	assert_int_equal(srv_ack_build(&t->hems_signer, s), MAYDAY_OK);
	assert_int_equal(mayday_ack_verify(s->ack, s->ack_len, t->hems, ack, &diag), MAYDAY_OK);
}

static const char *state_of(struct t *t, const char *id, char out[STORE_STATE_NAME_MAX + 1])
{
	struct store_device_row d;
	assert_int_equal(store_get_device(t->fx.st, id, &d), MAYDAY_OK);
	memcpy(out, d.state, sizeof(d.state));
	return out;
}

static void test_auto(void **state)
{
	struct t *t = *state;
	struct mayday_ack ack;
	char st[STORE_STATE_NAME_MAX + 1];
	deliver(t, t->dev, "hnb-1", 1, &ack);
	assert_int_equal(ack.status, MAYDAY_ACK_STORED);
	assert_int_equal(ack.action, MAYDAY_ACTION_REMEDIATE);
	assert_string_equal(ack.acs_url, URL);
	assert_string_equal(state_of(t, "hnb-1", st), "remediation_scheduled");
	/* the identical retransmission gets the same answer */
	deliver(t, t->dev, "hnb-1", 1, &ack);
	assert_int_equal(ack.action, MAYDAY_ACTION_REMEDIATE);
}

static void test_unverified_never(void **state)
{
	struct t *t = *state;
	struct mayday_ack ack;
	char st[STORE_STATE_NAME_MAX + 1];
	deliver(t, t->other, "hnb-1", 1, &ack);
	assert_int_equal(ack.status, MAYDAY_ACK_STORED_UNVERIFIED);
	assert_int_equal(ack.action, MAYDAY_ACTION_NONE);
	assert_string_equal(ack.acs_url, "");
	assert_string_equal(state_of(t, "hnb-1", st), "healthy");
}

static void test_no_bundle_or_off(void **state)
{
	struct t *t = *state;
	struct mayday_ack ack;
	char st[STORE_STATE_NAME_MAX + 1];
	deliver(t, t->dev, "hnb-9", 1, &ack);          /* femto-z: no golden bundle */
	assert_int_equal(ack.status, MAYDAY_ACK_STORED);
	assert_int_equal(ack.action, MAYDAY_ACTION_NONE);
	assert_string_equal(state_of(t, "hnb-9", st), "in_distress");
	t->pol.acs_url = "";                           /* [acs] off */
	deliver(t, t->dev, "hnb-1", 1, &ack);
	assert_int_equal(ack.action, MAYDAY_ACTION_NONE);
	assert_string_equal(state_of(t, "hnb-1", st), "in_distress");
}

static void test_approve(void **state)
{
	struct t *t = *state;
	struct mayday_ack ack;
	char st[STORE_STATE_NAME_MAX + 1];
	t->pol.need_approval = true;
	t->pol.wait_s = 600;
	deliver(t, t->dev, "hnb-1", 1, &ack);
	/* Pending approval: the device is told to come back, not let go. */
	assert_int_equal(ack.status, MAYDAY_ACK_STORED);
	assert_int_equal(ack.action, MAYDAY_ACTION_WAIT);
	assert_int_equal(ack.retry_after, 600);
	assert_string_equal(ack.acs_url, "");
	assert_string_equal(state_of(t, "hnb-1", st), "in_distress");
	/* Its retransmission gets the same answer. */
	deliver(t, t->dev, "hnb-1", 1, &ack);
	assert_int_equal(ack.action, MAYDAY_ACTION_WAIT);
	assert_int_equal(store_remed_approve(t->fx.st, "hnb-1", 1700000600), MAYDAY_OK);
	deliver(t, t->dev, "hnb-1", 2, &ack);
	assert_int_equal(ack.action, MAYDAY_ACTION_REMEDIATE);
	assert_string_equal(state_of(t, "hnb-1", st), "remediation_scheduled");
}

/* The counter rule with the policy: an older row retransmitted (or
 * replayed) is answered as stored but decides nothing; a lower counter
 * never stored is rejected and moves nothing; the retransmission of the
 * latest row decides as a new one would. */
static void test_counter_rule(void **state)
{
	struct t *t = *state;
	struct mayday_ack ack;
	char st[STORE_STATE_NAME_MAX + 1];
	t->pol.need_approval = true;
	deliver(t, t->dev, "hnb-1", 5, &ack);
	uint64_t incident = ack.incident_id;
	deliver(t, t->dev, "hnb-1", 6, &ack);
	assert_int_equal(ack.action, MAYDAY_ACTION_NONE);
	assert_string_equal(state_of(t, "hnb-1", st), "in_distress");
	assert_int_equal(store_remed_approve(t->fx.st, "hnb-1", 1700000600), MAYDAY_OK);
	deliver(t, t->dev, "hnb-1", 5, &ack);
	assert_int_equal(ack.status, MAYDAY_ACK_STORED);
	assert_int_equal(ack.incident_id, incident);
	assert_int_equal(ack.action, MAYDAY_ACTION_NONE);
	assert_string_equal(state_of(t, "hnb-1", st), "in_distress");
	deliver(t, t->dev, "hnb-1", 3, &ack);
	assert_int_equal(ack.status, MAYDAY_ACK_REJECTED);
	assert_int_equal(ack.incident_id, 0);
	assert_int_equal(ack.action, MAYDAY_ACTION_NONE);
	assert_string_equal(state_of(t, "hnb-1", st), "in_distress");
	assert_int_equal(t->stats.stale, 1);
	deliver(t, t->dev, "hnb-1", 6, &ack);
	assert_int_equal(ack.action, MAYDAY_ACTION_REMEDIATE);
	assert_string_equal(state_of(t, "hnb-1", st), "remediation_scheduled");
}

static void test_max_attempts(void **state)
{
	struct t *t = *state;
	struct mayday_ack ack;
	bool gave_up = false;
	char st[STORE_STATE_NAME_MAX + 1];
	t->pol.max_attempts = 1;
	deliver(t, t->dev, "hnb-1", 1, &ack);
	assert_int_equal(ack.action, MAYDAY_ACTION_REMEDIATE);
	assert_int_equal(store_remed_fail(t->fx.st, "hnb-1", NULL, 9010, "download-failure", 1,
					  1700000600, &gave_up), MAYDAY_OK);
	assert_true(gave_up);
	deliver(t, t->dev, "hnb-1", 2, &ack);
	assert_int_equal(ack.status, MAYDAY_ACK_STORED);
	assert_int_equal(ack.action, MAYDAY_ACTION_NONE);
	assert_string_equal(state_of(t, "hnb-1", st), "remediation_failed");
}

/* A remediation the ACS would not start now is answered "wait": downloads
 * at max_in_flight, or the class paused; an attempt under way is not held
 * back; once the class is resumed the device is told to remediate. */
static void test_held_back(void **state)
{
	struct t *t = *state;
	struct mayday_ack ack;
	struct store_remed_attempt a;
	bool gave_up = false, was = false;
	char st[STORE_STATE_NAME_MAX + 1];
	t->pol.max_in_flight = 1;
	t->pol.wait_s = 120;
	deliver(t, t->dev, "hnb-1", 1, &ack);
	assert_int_equal(ack.action, MAYDAY_ACTION_REMEDIATE);
	memset(&a, 0, sizeof(a));
	snprintf(a.token, sizeof(a.token), "tok-1");
	snprintf(a.bundle, sizeof(a.bundle), "/b/femto-a.bundle");
	a.bundle_size = 17;
	a.free_space = a.max_image_size = 1 << 20;
	assert_int_equal(store_remed_begin(t->fx.st, "hnb-1", &a, 0, UINT32_MAX, 1700000550),
			 MAYDAY_OK);
	/* one download in flight: hnb-2 waits, though scheduled */
	deliver(t, t->dev, "hnb-2", 1, &ack);
	assert_int_equal(ack.status, MAYDAY_ACK_STORED);
	assert_int_equal(ack.action, MAYDAY_ACTION_WAIT);
	assert_int_equal(ack.retry_after, 120);
	assert_string_equal(state_of(t, "hnb-2", st), "remediation_scheduled");
	/* hnb-1's own attempt is not held back by itself */
	deliver(t, t->dev, "hnb-1", 2, &ack);
	assert_int_equal(ack.action, MAYDAY_ACTION_REMEDIATE);
	/* it fails; one failure pauses the class (recorded by the ACS's check) */
	assert_int_equal(store_remed_fail(t->fx.st, "hnb-1", a.command_key, 9010,
					  "download-failure", 1, 1700000600, &gave_up), MAYDAY_OK);
	t->pol.pause_after_failures = 1;
	assert_true(srv_acs_policy_paused(&t->pol, t->fx.st, "femto-a", 1700000600));
	deliver(t, t->dev, "hnb-2", 2, &ack);
	assert_int_equal(ack.action, MAYDAY_ACTION_WAIT);
	/* resumed: remediate */
	assert_int_equal(store_remed_class_resume(t->fx.st, "femto-a", 1700000700, &was), MAYDAY_OK);
	assert_true(was);
	deliver(t, t->dev, "hnb-2", 3, &ack);
	assert_int_equal(ack.action, MAYDAY_ACTION_REMEDIATE);
	assert_string_equal(ack.acs_url, URL);
	/* With failures never pausing, a fleet anomaly's pause still holds. */
	t->pol.pause_after_failures = 0;
	assert_false(srv_acs_policy_paused(&t->pol, t->fx.st, "femto-a", 1700000800));
	struct store_fleet_rule r = {.product_class = "femto-a", .devices = 1,
				     .window_s = 1700000800, .auto_pause = true};
	struct store_fleet_anomaly an[2];
	size_t n = 0;
	assert_int_equal(store_fleet_anomalies(t->fx.st, &r, 1700000800, an, 2, &n), MAYDAY_OK);
	assert_true(n >= 1);
	assert_true(an[0].paused);
	assert_true(srv_acs_policy_paused(&t->pol, t->fx.st, "femto-a", 1700000800));
	deliver(t, t->dev, "hnb-2", 4, &ack);
	assert_int_equal(ack.action, MAYDAY_ACTION_WAIT);
}

static void test_bundle_names(void **state)
{
	struct t *t = *state;
	char path[300];
	uint64_t size = 1;
	assert_int_equal(srv_acs_policy_bundle(&t->pol, "femto-a", path, sizeof(path), &size),
			 MAYDAY_OK);
	assert_int_equal(size, strlen("MDYB bundle bytes"));
	assert_int_equal(srv_acs_policy_bundle(&t->pol, "../femto-a", path, sizeof(path), &size),
			 MAYDAY_E_INVALID);
	assert_int_equal(srv_acs_policy_bundle(&t->pol, "a/b", path, sizeof(path), &size),
			 MAYDAY_E_INVALID);
	assert_int_equal(srv_acs_policy_bundle(&t->pol, "femto-q", path, sizeof(path), &size),
			 MAYDAY_E_NOTFOUND);
	assert_int_equal(srv_acs_policy_bundle(&t->pol, "femto-a", path, 8, &size),
			 MAYDAY_E_INVALID);
}

/* With [acs] vendor_key only a bundle that passes the check is offered,
 * and a changed file is checked again. */
static void test_bundle_checked(void **state)
{
	struct t *t = *state;
	char path[300], vendor_pub[400], why[256];
	uint64_t size = 0;
	size_t len = 0;
	EVP_PKEY *vendor = NULL;
	assert_int_equal(mayday_key_generate(&vendor), MAYDAY_OK);
	snprintf(vendor_pub, sizeof(vendor_pub), "%s/vendor.pub", t->fx.dir);
	assert_int_equal(mayday_key_save_public(vendor, vendor_pub), MAYDAY_OK);
	t->pol.vendor_key = vendor_pub;
	/* the setup's bundle is no bundle at all */
	assert_int_equal(srv_acs_policy_bundle(&t->pol, "femto-a", path, sizeof(path), &size),
			 MAYDAY_E_INVALID);
	uint8_t *good = fx_bundle(vendor, "femto-a", 2, false, &len);
	assert_int_equal(mayday_file_write_durable(t->bundle, good, len, 0644), MAYDAY_OK);
	assert_int_equal(srv_acs_policy_bundle(&t->pol, "femto-a", path, sizeof(path), &size),
			 MAYDAY_OK);
	assert_int_equal(size, len);
	assert_int_equal(srv_acs_policy_check_bundles(&t->pol, why, sizeof(why)), MAYDAY_OK);
	/* replaced by one signed with another key: refused from then on */
	uint8_t *bad = fx_bundle(t->other, "femto-a", 3, false, &len);
	assert_int_equal(mayday_file_write_durable(t->bundle, bad, len, 0644), MAYDAY_OK);
	assert_int_equal(srv_acs_policy_bundle(&t->pol, "femto-a", path, sizeof(path), &size),
			 MAYDAY_E_INVALID);
	/* and nothing is scheduled with it; with the good one back, it is */
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	uint8_t raw[4096];
	bool remediate = true, pending = true;
	fx_indication(&ind, "hnb-1", 1);
	fx_rec(&rec, &ind, STORE_TRUST_SIGNED, raw, sizeof(raw));
	assert_int_equal(fx_put1(t->fx.st, &rec), MAYDAY_OK);
	assert_true(rec.incident_id > 0);
	assert_int_equal(store_ingest_begin(t->fx.st), MAYDAY_OK);
	assert_int_equal(srv_acs_policy_apply(&t->pol, t->fx.st, "hnb-1", 1700000000, &remediate,
					      &pending), MAYDAY_OK);
	assert_int_equal(store_ingest_commit(t->fx.st), MAYDAY_OK);
	assert_false(remediate);
	uint8_t *again = fx_bundle(vendor, "femto-a", 2, false, &len);
	assert_int_equal(mayday_file_write_durable(t->bundle, again, len, 0644), MAYDAY_OK);
	free(again);
	assert_int_equal(store_ingest_begin(t->fx.st), MAYDAY_OK);
	assert_int_equal(srv_acs_policy_apply(&t->pol, t->fx.st, "hnb-1", 1700000001, &remediate,
					      &pending), MAYDAY_OK);
	assert_int_equal(store_ingest_commit(t->fx.st), MAYDAY_OK);
	assert_true(remediate);
	/* an unreadable vendor key stops maydayd at start */
	t->pol.vendor_key = "/nonexistent/vendor.pub";
	assert_int_equal(srv_acs_policy_check_bundles(&t->pol, why, sizeof(why)), MAYDAY_E_KEY);
	assert_non_null(strstr(why, "vendor_key"));
	free(good);
	free(bad);
	EVP_PKEY_free(vendor);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_auto, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unverified_never, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_bundle_or_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_approve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counter_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_attempts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bundle_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bundle_checked, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

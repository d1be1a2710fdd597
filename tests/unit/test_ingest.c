/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's ingest decisions end to end on a real temporary store:
 * verify stage (srv_ingest), group commit (srv_writer), acks (srv_ack). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "mayday/keys.h"
#include "srv_ack.h"
#include "srv_ingest.h"
#include "srv_writer.h"
#include "test_store_fixture.h"

struct t {
	struct fx fx;
	EVP_PKEY *dev, *other, *hems;
	struct mayday_signer hems_signer;
	struct mayday_cose_verifier *ver;
	struct srv_keycache kc;
	struct srv_ratelimit rl;
	struct srv_stats stats;
	struct srv_ingest ing;
	struct srv_slot *slot;   /* big: on the heap */
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	char pem[1024], unused[1024];
	assert_non_null(t);
	t->slot = calloc(4, sizeof(*t->slot));
	assert_non_null(t->slot);
	fx_open(&t->fx);
	t->dev = fx_key(pem, sizeof(pem));
	t->other = fx_key(unused, sizeof(unused));
	t->hems = fx_key(unused, sizeof(unused));
	assert_int_equal(store_enrol(t->fx.st, "hnb-1", "femto-a", pem), MAYDAY_OK);
	/* as the pipeline's workers have them; one key slot, so re-enrolment
	 * (a new key for the same device) also replaces the cached context */
	assert_int_equal(mayday_signer_open(&t->hems_signer, t->hems, NULL, 0), MAYDAY_OK);
	assert_int_equal(mayday_cose_verifier_new(&t->ver, 1), MAYDAY_OK);
	assert_int_equal(srv_keycache_init(&t->kc, 64), MAYDAY_OK);
	assert_int_equal(srv_ratelimit_init(&t->rl, 64, 1, 2, 100, 100), MAYDAY_OK);
	t->ing = (struct srv_ingest){.keys = &t->kc, .limit = &t->rl, .stats = &t->stats,
				     .max_datagram = MAYDAY_INDICATION_MAX};
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
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

/* A signed indication from `id` (counter, time tweak) into a slot from `port`. */
static void make(struct srv_slot *s, EVP_PKEY *key, const char *id, uint64_t counter,
		 uint64_t time_add, uint16_t port)
{
	struct mayday_indication ind;
	struct mayday_signer signer;
	memset(s, 0, sizeof(*s));
	fx_indication(&ind, id, counter);
	ind.time += time_add;
	assert_int_equal(mayday_signer_from_pkey(&signer, key, NULL, 0), MAYDAY_OK);
	assert_int_equal(mayday_indication_sign(&ind, &signer, s->buf, MAYDAY_INDICATION_MAX, &s->len),
			 MAYDAY_OK);
	s->method = MAYDAY_TRANSPORT_PLAIN_UDP;
	struct sockaddr_in *a = (struct sockaddr_in *)&s->peer;
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->peer_len = sizeof(*a);
	s->received_at = 1700000500;
}

/* Commit one slot and return its verified ack claims. */
static void commit_and_ack(struct t *t, struct srv_slot *s, struct mayday_ack *ack)
{
	struct mayday_diag diag;
	assert_int_equal(srv_writer_commit(t->fx.st, &s, 1, &t->stats), MAYDAY_OK);
	assert_int_equal(s->committed, 1);
	assert_int_equal(srv_ack_build(&t->hems_signer, s), MAYDAY_OK);
	assert_true(s->ack_len > 0 && s->ack_len <= MAYDAY_ACK_MAX);
	assert_int_equal(mayday_ack_verify(s->ack, s->ack_len, t->hems, ack, &diag), MAYDAY_OK);
	assert_string_equal(ack->device_id, s->ind.device_id);
	assert_int_equal(ack->counter, s->ind.counter);
	assert_int_equal(ack->action, MAYDAY_ACTION_NONE);
}

static struct store_counts counts(struct t *t)
{
	struct store_counts c;
	assert_int_equal(store_count(t->fx.st, &c), MAYDAY_OK);
	return c;
}

static void test_verified(void **state)
{
	struct t *t = *state;
	struct srv_slot *s = &t->slot[0];
	struct mayday_ack ack;
	make(s, t->dev, "hnb-1", 1, 0, 5000);
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_STORE);
	assert_int_equal(s->rec.trust, STORE_TRUST_SIGNED);
	assert_string_equal(s->peer_text, "127.0.0.1:5000");
	commit_and_ack(t, s, &ack);
	assert_int_equal(ack.status, MAYDAY_ACK_STORED);
	assert_true(ack.incident_id > 0);
	assert_int_equal(ack.incident_id, (uint64_t)s->rec.incident_id);
	assert_int_equal(atomic_load(&t->stats.verified), 1);
	assert_int_equal(atomic_load(&t->stats.stored), 1);
	struct store_device_row d;
	assert_int_equal(store_get_device(t->fx.st, "hnb-1", &d), MAYDAY_OK);
	assert_string_equal(d.state, "in_distress");
}

static void test_unknown_and_bad_signature(void **state)
{
	struct t *t = *state;
	struct srv_slot *s = &t->slot[0];
	struct mayday_ack ack;

	make(s, t->other, "stranger", 1, 0, 5001);
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_STORE);
	assert_int_equal(s->rec.trust, STORE_TRUST_UNVERIFIED);
	commit_and_ack(t, s, &ack);
	assert_int_equal(ack.status, MAYDAY_ACK_STORED_UNVERIFIED);
	assert_int_equal(ack.incident_id, 0);
	assert_int_equal(atomic_load(&t->stats.unknown_device), 1);

	/* Claims to be the enrolled device, signed with another key. */
	make(s, t->other, "hnb-1", 1, 0, 5002);
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_STORE);
	assert_int_equal(s->rec.trust, STORE_TRUST_UNVERIFIED);
	commit_and_ack(t, s, &ack);
	assert_int_equal(ack.status, MAYDAY_ACK_STORED_UNVERIFIED);
	assert_int_equal(atomic_load(&t->stats.bad_signature), 1);
	struct store_device_row d;
	assert_int_equal(store_get_device(t->fx.st, "hnb-1", &d), MAYDAY_OK);
	assert_string_equal(d.state, "healthy");
	assert_int_equal(d.n_signed, 0);
	assert_int_equal(d.n_unverified, 1);
	assert_int_equal(counts(t).incidents, 0);
}

static void test_malformed(void **state)
{
	struct t *t = *state;
	struct srv_slot *s = &t->slot[0];
	struct store_counts before = counts(t);
	size_t good_len;

	make(s, t->dev, "hnb-1", 3, 0, 5003);
	good_len = s->len;
	for (size_t l = 0; l < good_len; l += 7) {   /* truncations */
		s->len = l;
		assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_DROP_MALFORMED);
	}
	s->len = good_len;
	s->buf[0] ^= 0x40;                              /* not a COSE_Sign1 tag */
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_DROP_MALFORMED);
	s->buf[0] ^= 0x40;
	s->len = good_len + 1;                          /* trailing byte */
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_DROP_MALFORMED);
	s->len = MAYDAY_INDICATION_MAX + 1;             /* oversized */
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_DROP_OVERSIZED);
	s->len = good_len;
	s->truncated = 1;                               /* the kernel cut it */
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_DROP_OVERSIZED);
	s->truncated = 0;
	t->ing.max_datagram = (unsigned)good_len - 1;   /* a configured lower limit */
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_DROP_OVERSIZED);
	t->ing.max_datagram = MAYDAY_INDICATION_MAX;
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_STORE);

	assert_true(atomic_load(&t->stats.malformed) >= 3);
	assert_int_equal(atomic_load(&t->stats.oversized), 3);
	struct store_counts after = counts(t);
	assert_memory_equal(&before, &after, sizeof(before));
}

static void test_replay(void **state)
{
	struct t *t = *state;
	struct srv_slot *s = &t->slot[0];
	struct mayday_ack first, again;
	make(s, t->dev, "hnb-1", 7, 0, 5004);
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_STORE);
	commit_and_ack(t, s, &first);
	struct store_counts before = counts(t);

	/* The identical datagram: the same ack, no second row. */
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_STORE);
	commit_and_ack(t, s, &again);
	assert_int_equal(s->rec.outcome, STORE_DUPLICATE);
	assert_int_equal(again.status, first.status);
	assert_int_equal(again.incident_id, first.incident_id);

	/* Authentic, but different claims under a stored counter: REJECTED. */
	make(s, t->dev, "hnb-1", 7, 30, 5004);
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_STORE);
	commit_and_ack(t, s, &again);
	assert_int_equal(s->rec.outcome, STORE_CONFLICT);
	assert_int_equal(again.status, MAYDAY_ACK_REJECTED);
	assert_int_equal(again.incident_id, 0);
	assert_int_equal(atomic_load(&t->stats.conflicts), 1);
	assert_int_equal(atomic_load(&t->stats.duplicates), 1);
	struct store_counts after = counts(t);
	assert_memory_equal(&before, &after, sizeof(before));
}

static void test_rate_limit_unverified_only(void **state)
{
	struct t *t = *state;
	struct srv_slot *s = &t->slot[0];
	/* burst 2 per source: the third unverified one from the same address is dropped */
	for (uint64_t i = 1; i <= 2; i++) {
		make(s, t->other, "stranger", i, 0, 6000);
		assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_STORE);
	}
	make(s, t->other, "stranger", 3, 0, 6000);
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_DROP_LIMITED);
	assert_int_equal(atomic_load(&t->stats.limited), 1);
	/* verified traffic from the same source is never limited */
	for (uint64_t i = 1; i <= 5; i++) {
		make(s, t->dev, "hnb-1", i, 0, 6000);
		assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_STORE);
		assert_int_equal(s->rec.trust, STORE_TRUST_SIGNED);
	}
	/* another source has its own bucket */
	make(s, t->other, "stranger", 4, 0, 6000);
	((struct sockaddr_in *)&s->peer)->sin_addr.s_addr = htonl(0x7f000002);
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_STORE);
}

static void from(struct srv_slot *s, uint32_t addr)
{
	((struct sockaddr_in *)&s->peer)->sin_addr.s_addr = htonl(addr);
}

/* Forgeries naming an enrolled device cost a verification only until the
 * device's and their source's failure budgets are spent; the device itself
 * still gets through (srv_sigguard.h). */
static void test_bad_signature_guard(void **state)
{
	struct t *t = *state;
	struct srv_slot *s = &t->slot[0];
	struct srv_sigguard g;
	assert_int_equal(srv_sigguard_init(&g, 64, 0, 3, 1), MAYDAY_OK);
	t->ing.guard = &g;
	for (uint64_t i = 1; i <= 3; i++) {
		make(s, t->other, "hnb-1", i, 0, 6000);
		from(s, 0x7f000002);
		assert_int_not_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_DROP_MALFORMED);
	}
	assert_int_equal(atomic_load(&t->stats.bad_signature), 3);
	uint64_t limited = atomic_load(&t->stats.limited);
	for (uint64_t i = 4; i <= 20; i++) {
		make(s, t->other, "hnb-1", i, 0, 6000);
		from(s, 0x7f000002);
		assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_DROP_LIMITED);
	}
	/* dropped before any verification */
	assert_int_equal(atomic_load(&t->stats.bad_signature), 3);
	assert_int_equal(atomic_load(&t->stats.limited), limited + 17);
	/* the device, from a source with a clean record: the one probe */
	make(s, t->dev, "hnb-1", 100, 0, 6001);
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_STORE);
	assert_int_equal(s->rec.trust, STORE_TRUST_SIGNED);
	/* ... and from there again and again: its last good address */
	for (uint64_t i = 101; i <= 105; i++) {
		make(s, t->dev, "hnb-1", i, 0, 6001);
		assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_STORE);
		assert_int_equal(s->rec.trust, STORE_TRUST_SIGNED);
	}
	/* probes spent: a third source with a clean record waits */
	make(s, t->dev, "hnb-1", 106, 0, 6002);
	from(s, 0x7f000003);
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_DROP_LIMITED);
	/* the trade-off: a forgery spoofing the good address is verified */
	make(s, t->other, "hnb-1", 200, 0, 6000);
	assert_int_not_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_DROP_MALFORMED);
	assert_int_equal(atomic_load(&t->stats.bad_signature), 4);
	/* a source's record is only held against a failing device: an unknown
	 * device is not verified, and the unverified limiter alone decides */
	make(s, t->other, "stranger", 1, 0, 6000);
	from(s, 0x7f000004);
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_STORE);
	t->ing.guard = NULL;
	srv_sigguard_fini(&g);
}

static void test_writer_drops_only_the_bad_row(void **state)
{
	struct t *t = *state;
	struct srv_slot *s[3] = {&t->slot[0], &t->slot[1], &t->slot[2]};
	make(s[0], t->dev, "hnb-1", 40, 0, 7000);
	make(s[1], t->dev, "hnb-1", 41, 0, 7000);
	make(s[2], t->dev, "hnb-1", 42, 0, 7000);
	for (int i = 0; i < 3; i++)
		assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s[i]), SRV_STORE);
	/* A row the store can never take (signed, but for no enrolled device). */
	strcpy(s[1]->ind.device_id, "gone");
	assert_int_equal(srv_writer_commit(t->fx.st, s, 3, &t->stats), MAYDAY_OK);
	assert_int_equal(s[0]->committed, 1);
	assert_int_equal(s[1]->committed, 0);
	assert_int_equal(s[2]->committed, 1);
	assert_int_equal(counts(t).indications, 2);
	assert_int_equal(srv_ack_build(&t->hems_signer, s[1]), MAYDAY_E_INVALID);
	assert_int_equal(s[1]->ack_len, 0);
}

static void test_enrolment_while_running(void **state)
{
	struct t *t = *state;
	struct srv_slot *s = &t->slot[0];
	char pem[1024];
	EVP_PKEY *newkey = fx_key(pem, sizeof(pem));

	make(s, newkey, "late", 1, 0, 8000);            /* not enrolled yet: cached as unknown */
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_STORE);
	assert_int_equal(s->rec.trust, STORE_TRUST_UNVERIFIED);
	make(s, t->dev, "hnb-1", 50, 0, 8000);          /* cache the old key of hnb-1 */
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_STORE);

	assert_int_equal(store_enrol(t->fx.st, "late", "femto-a", pem), MAYDAY_OK);
	assert_int_equal(store_enrol(t->fx.st, "hnb-1", "femto-a", pem), MAYDAY_OK); /* new key */
	usleep((SRV_KEYCACHE_NEG_MS > SRV_KEYCACHE_REFRESH_MS ? SRV_KEYCACHE_NEG_MS
							       : SRV_KEYCACHE_REFRESH_MS) * 1000 + 100000);
	make(s, newkey, "late", 2, 0, 8000);
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_STORE);
	assert_int_equal(s->rec.trust, STORE_TRUST_SIGNED);
	make(s, newkey, "hnb-1", 51, 0, 8000);
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_STORE);
	assert_int_equal(s->rec.trust, STORE_TRUST_SIGNED);
	make(s, t->dev, "hnb-1", 52, 0, 8000);          /* the replaced key no longer verifies */
	assert_int_equal(srv_ingest_check(&t->ing, t->fx.st, t->ver, s), SRV_STORE);
	assert_int_equal(s->rec.trust, STORE_TRUST_UNVERIFIED);
	EVP_PKEY_free(newkey);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_verified, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_and_bad_signature, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit_unverified_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_signature_guard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_drops_only_the_bad_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enrolment_while_running, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

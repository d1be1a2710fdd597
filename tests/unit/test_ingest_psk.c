/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PSK method's ingest decisions on a real temporary store: opening the
 * seal (srv_psk via srv_ingest_check), the writer's window decision
 * (srv_writer), and the sealed answer (srv_ack) as the device opens it.
 * Also the channel identity rule for the other channel-authenticated
 * method that needs no network here (mTLS: the certificate's CN).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "mayday/keys.h"
#include "srv_ack.h"
#include "srv_ingest.h"
#include "srv_psk.h"
#include "srv_writer.h"
#include "test_store_fixture.h"

static const uint8_t kid1[8] = {0xa0, 0xb1, 0xc2, 0xd3, 0xe4, 0xf5, 0x06, 0x17};
static const uint8_t kid2[8] = {1, 2, 3, 4, 5, 6, 7, 8};

struct t {
	struct fx fx;
	EVP_PKEY *dev1, *dev2, *hems;
	uint8_t psk1[MAYDAY_PSK_LEN], psk2[MAYDAY_PSK_LEN];
	struct mayday_psk_keys keys1;     /* what device hnb-1 holds */
	struct mayday_signer hems_signer;
	struct mayday_cose_verifier *ver;
	struct srv_keycache kc;
	struct srv_ratelimit rl;
	struct srv_stats stats;
	struct srv_ingest ing;
	struct srv_slot *slot;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	char pem1[1024], pem2[1024], unused[1024];
	assert_non_null(t);
	assert_non_null(t->slot = calloc(1, sizeof(*t->slot)));
	fx_open(&t->fx);
	t->dev1 = fx_key(pem1, sizeof(pem1));
	t->dev2 = fx_key(pem2, sizeof(pem2));
	t->hems = fx_key(unused, sizeof(unused));
	assert_int_equal(store_enrol(t->fx.st, "hnb-1", "femto-a", pem1), MAYDAY_OK);
	assert_int_equal(store_enrol(t->fx.st, "hnb-2", "femto-a", pem2), MAYDAY_OK);
	memset(t->psk1, 0x31, sizeof(t->psk1));
	memset(t->psk2, 0x32, sizeof(t->psk2));
	assert_int_equal(store_enrol_psk(t->fx.st, "hnb-1", kid1, sizeof(kid1), t->psk1, 32),
			 MAYDAY_OK);
	assert_int_equal(store_enrol_psk(t->fx.st, "hnb-2", kid2, sizeof(kid2), t->psk2, 32),
			 MAYDAY_OK);
	assert_int_equal(mayday_psk_derive(t->psk1, 32, kid1, sizeof(kid1), &t->keys1), MAYDAY_OK);
	assert_int_equal(mayday_signer_open(&t->hems_signer, t->hems, NULL, 0), MAYDAY_OK);
	assert_int_equal(mayday_cose_verifier_new(&t->ver, 4), MAYDAY_OK);
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
	srv_ratelimit_fini(&t->rl);
	mayday_cose_verifier_free(t->ver);
	mayday_signer_close(&t->hems_signer);
	mayday_psk_keys_wipe(&t->keys1);
	EVP_PKEY_free(t->dev1);
	EVP_PKEY_free(t->dev2);
	EVP_PKEY_free(t->hems);
	fx_close(&t->fx);
	free(t->slot);
	free(t);
	return 0;
}

/* A slot holding what arrives: `id`'s indication (signed with `key`, claims
 * counter `claim`, time tweaked by time_add) sealed with `keys` under
 * partial IV `piv`. */
static void sealed(struct srv_slot *s, const struct mayday_psk_keys *keys, EVP_PKEY *key,
		   const char *id, uint64_t claim, uint64_t piv, uint64_t time_add)
{
	struct mayday_indication ind;
	struct mayday_signer signer;
	uint8_t pt[MAYDAY_INDICATION_MAX];
	size_t pt_len;
	srv_slot_reset(s, NULL, MAYDAY_TRANSPORT_PSK);
	fx_indication(&ind, id, claim);
	ind.transport = MAYDAY_TRANSPORT_PSK;
	ind.time += time_add;
	assert_int_equal(mayday_signer_from_pkey(&signer, key, NULL, 0), MAYDAY_OK);
	assert_int_equal(mayday_indication_sign(&ind, &signer, pt, sizeof(pt), &pt_len), MAYDAY_OK);
	assert_int_equal(mayday_psk_seal_request(keys, piv, pt, pt_len, s->buf, sizeof(s->buf),
						 &s->len), MAYDAY_OK);
	struct sockaddr_in *a = (struct sockaddr_in *)&s->peer;
	a->sin_family = AF_INET;
	a->sin_port = htons(4242);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->peer_len = sizeof(*a);
	s->received_at = 1700000600;
}

static enum srv_verdict check(struct t *t)
{
	return srv_ingest_check(&t->ing, t->fx.st, t->ver, t->slot);
}

static int wiped(const struct mayday_psk_keys *k)
{
	static const struct mayday_psk_keys zero;
	return memcmp(k, &zero, sizeof(zero)) == 0;
}

/* Commits the slot, builds the answer and opens it as the device would. */
static enum mayday_err commit_and_answer(struct t *t, struct mayday_ack *ack)
{
	struct srv_slot *s = t->slot;
	uint8_t pt[MAYDAY_ACK_MAX];
	size_t pt_len = 0;
	struct mayday_diag diag;
	assert_int_equal(srv_writer_commit(t->fx.st, &s, 1, &t->stats), MAYDAY_OK);
	assert_int_equal(s->committed, 1);
	enum mayday_err err = srv_ack_build(&t->hems_signer, s);
	assert_true(wiped(&s->psk));    /* the keys never outlive the answer */
	if (err != MAYDAY_OK)
		return err;
	assert_int_equal(mayday_psk_open_response(&t->keys1, s->psk_hdr.counter, s->ack,
						  s->ack_len, pt, sizeof(pt), &pt_len, &diag),
			 MAYDAY_OK);
	assert_int_equal(mayday_ack_verify(pt, pt_len, t->hems, ack, &diag), MAYDAY_OK);
	return MAYDAY_OK;
}

static struct store_counts counts(struct t *t)
{
	struct store_counts c;
	assert_int_equal(store_count(t->fx.st, &c), MAYDAY_OK);
	return c;
}

static void test_good_and_retransmission(void **state)
{
	struct t *t = *state;
	struct srv_slot *s = t->slot;
	struct mayday_ack ack, again;
	sealed(s, &t->keys1, t->dev1, "hnb-1", 5, 5, 0);
	assert_int_equal(check(t), SRV_STORE);
	assert_int_equal(s->rec.trust, STORE_TRUST_SIGNED);
	assert_int_equal(s->rec.channel_auth, STORE_CHANNEL_PSK);
	assert_int_equal(s->rec.transport, MAYDAY_TRANSPORT_PSK);
	assert_string_equal(s->rec.peer_identity, "a0b1c2d3e4f50617");
	assert_memory_equal(s->rec.psk_kid, kid1, sizeof(kid1));
	assert_int_equal(s->buf[0], 0xd2);  /* the stored raw: the COSE_Sign1, tag 18 */
	assert_false(wiped(&s->psk));
	assert_int_equal(commit_and_answer(t, &ack), MAYDAY_OK);
	assert_int_equal(ack.status, MAYDAY_ACK_STORED);
	assert_int_equal(ack.counter, 5);
	assert_string_equal(ack.device_id, "hnb-1");
	assert_true(ack.incident_id > 0);
	struct store_counts before = counts(t);

	/* The identical datagram again: the window refuses 5, the seal opens,
	 * the store finds the row: the same answer, freshly sealed. */
	sealed(s, &t->keys1, t->dev1, "hnb-1", 5, 5, 0);
	assert_int_equal(check(t), SRV_STORE);
	assert_int_equal(commit_and_answer(t, &again), MAYDAY_OK);
	assert_int_equal(s->rec.outcome, STORE_DUPLICATE);
	assert_int_equal(again.incident_id, ack.incident_id);
	assert_int_equal(again.status, ack.status);
	/* Other claims under 5: nothing to answer, nothing written. */
	sealed(s, &t->keys1, t->dev1, "hnb-1", 5, 5, 30);
	assert_int_equal(check(t), SRV_STORE);
	assert_int_equal(commit_and_answer(t, &again), MAYDAY_E_REPLAY);
	assert_int_equal(s->rec.outcome, STORE_REPLAY);
	assert_int_equal(s->ack_len, 0);
	struct store_counts after = counts(t);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(atomic_load(&t->stats.psk_replays), 1);

	/* The window is the store's: a new connection (a restart) sees it. */
	fx_reopen(&t->fx);
	sealed(s, &t->keys1, t->dev1, "hnb-1", 5, 5, 31);
	assert_int_equal(check(t), SRV_STORE);
	assert_int_equal(commit_and_answer(t, &again), MAYDAY_E_REPLAY);
	sealed(s, &t->keys1, t->dev1, "hnb-1", 6, 6, 0);
	assert_int_equal(check(t), SRV_STORE);
	assert_int_equal(commit_and_answer(t, &again), MAYDAY_OK);
	assert_int_equal(s->rec.outcome, STORE_NEW);
}

static void test_rejections(void **state)
{
	struct t *t = *state;
	struct srv_slot *s = t->slot;
	struct mayday_psk_keys wrong, other_kid;
	uint8_t bad_psk[MAYDAY_PSK_LEN];
	struct store_counts before = counts(t);
	memset(bad_psk, 0x99, sizeof(bad_psk));

	/* A wrong PSK under the right kid: the seal does not open. */
	assert_int_equal(mayday_psk_derive(bad_psk, 32, kid1, sizeof(kid1), &wrong), MAYDAY_OK);
	sealed(s, &wrong, t->dev1, "hnb-1", 7, 7, 0);
	assert_int_equal(check(t), SRV_DROP_KEY);
	assert_int_equal(atomic_load(&t->stats.psk_bad_seal), 1);
	assert_true(wiped(&s->psk));
	/* A kid nobody has. */
	static const uint8_t nobody[8] = {9, 9, 9, 9, 9, 9, 9, 9};
	assert_int_equal(mayday_psk_derive(bad_psk, 32, nobody, sizeof(nobody), &other_kid),
			 MAYDAY_OK);
	sealed(s, &other_kid, t->dev1, "hnb-1", 7, 7, 0);
	assert_int_equal(check(t), SRV_DROP_KEY);
	assert_int_equal(atomic_load(&t->stats.psk_unknown_kid), 1);
	/* Every changed byte of a good datagram. */
	sealed(s, &t->keys1, t->dev1, "hnb-1", 7, 7, 0);
	uint8_t good[SRV_SLOT_BUF];
	size_t len = s->len;
	memcpy(good, s->buf, len);
	for (size_t i = 0; i < len; i++) {
		srv_slot_reset(s, NULL, MAYDAY_TRANSPORT_PSK);
		memcpy(s->buf, good, len);
		s->buf[i] ^= 0x04;
		s->len = len;
		enum srv_verdict v = check(t);
		if (v == SRV_STORE)
			fail_msg("byte %zu flipped was accepted", i);
		assert_true(wiped(&s->psk));
	}
	/* Truncations, a trailing byte, oversized, cut by the kernel. */
	for (size_t l = 0; l < len; l += 5) {
		srv_slot_reset(s, NULL, MAYDAY_TRANSPORT_PSK);
		memcpy(s->buf, good, len);
		s->len = l;
		assert_int_not_equal(check(t), SRV_STORE);
	}
	s->len = len + 1;
	memcpy(s->buf, good, len);
	s->buf[len] = 0;
	assert_int_equal(check(t), SRV_DROP_MALFORMED);
	s->len = MAYDAY_PSK_DATAGRAM_MAX + 1;
	assert_int_equal(check(t), SRV_DROP_OVERSIZED);
	s->len = len;
	s->truncated = 1;
	assert_int_equal(check(t), SRV_DROP_OVERSIZED);
	/* The counter claim must be the partial IV. */
	sealed(s, &t->keys1, t->dev1, "hnb-1", 7, 8, 0);
	assert_int_equal(check(t), SRV_DROP_MALFORMED);
	/* hnb-2's own, signed indication under hnb-1's kid. */
	sealed(s, &t->keys1, t->dev2, "hnb-2", 7, 7, 0);
	assert_int_equal(check(t), SRV_DROP_IDENTITY);
	assert_int_equal(atomic_load(&t->stats.identity_mismatch), 1);
	assert_true(wiped(&s->psk));

	struct store_counts after = counts(t);
	assert_memory_equal(&before, &after, sizeof(before));
	/* None of that used counter 7 up. */
	struct mayday_ack ack;
	sealed(s, &t->keys1, t->dev1, "hnb-1", 7, 7, 0);
	assert_int_equal(check(t), SRV_STORE);
	assert_int_equal(commit_and_answer(t, &ack), MAYDAY_OK);
	assert_int_equal(ack.status, MAYDAY_ACK_STORED);

	/* Far below the window and not opening: a replay, not a bad seal. */
	sealed(s, &t->keys1, t->dev1, "hnb-1", 200, 200, 0);
	assert_int_equal(check(t), SRV_STORE);
	assert_int_equal(commit_and_answer(t, &ack), MAYDAY_OK);
	sealed(s, &wrong, t->dev1, "hnb-1", 100, 100, 0);
	uint64_t seals = atomic_load(&t->stats.psk_bad_seal);
	assert_int_equal(check(t), SRV_DROP_REPLAY);
	assert_int_equal(atomic_load(&t->stats.psk_bad_seal), seals);
	mayday_psk_keys_wipe(&wrong);
	mayday_psk_keys_wipe(&other_kid);
}

/* srv_psk_open with the key cache on an injected clock: a request opened
 * with cached keys needs no store; a PSK re-enrolled under the same kid is
 * taken as soon as the cached keys fail, and the old PSK no longer opens;
 * a kid that is gone keeps opening only until the TTL, and the ingest
 * transaction refuses what it opens meanwhile. */
static void test_key_cache(void **state)
{
	struct t *t = *state;
	struct srv_slot *s = t->slot;
	struct srv_pskcache *pc = &t->kc.psk;
	struct mayday_psk_keys cached, keys_new;
	uint8_t psk_new[MAYDAY_PSK_LEN];
	static const uint8_t kid3[8] = {3, 3, 3, 3, 3, 3, 3, 3};
	char dev[MAYDAY_DEVICE_ID_MAX + 1];
	uint64_t t0 = srv_ingest_now_ns() / 1000000u;
	struct store_counts before;

	/* A miss: read, derived, cached with its device. */
	assert_int_equal(srv_pskcache_get(pc, kid1, sizeof(kid1), t0, &cached, dev), 0);
	sealed(s, &t->keys1, t->dev1, "hnb-1", 5, 5, 0);
	assert_int_equal(srv_psk_open(&t->stats, t->fx.st, pc, t0, s), SRV_STORE);
	assert_string_equal(s->channel_id, "hnb-1");
	assert_int_equal(srv_pskcache_get(pc, kid1, sizeof(kid1), t0, &cached, dev), 1);
	assert_memory_equal(&cached, &t->keys1, sizeof(cached));
	assert_string_equal(dev, "hnb-1");
	mayday_psk_keys_wipe(&cached);
	srv_psk_forget(s);

	/* Re-enrolled with another PSK under the same kid: the cached keys do
	 * not open its request, the row's do, and the cache takes them. */
	memset(psk_new, 0x41, sizeof(psk_new));
	assert_int_equal(store_enrol_psk(t->fx.st, "hnb-1", kid1, sizeof(kid1), psk_new, 32),
			 MAYDAY_OK);
	assert_int_equal(mayday_psk_derive(psk_new, 32, kid1, sizeof(kid1), &keys_new), MAYDAY_OK);
	sealed(s, &keys_new, t->dev1, "hnb-1", 6, 6, 0);
	assert_int_equal(srv_psk_open(&t->stats, t->fx.st, pc, t0 + 1, s), SRV_STORE);
	assert_string_equal(s->channel_id, "hnb-1");
	srv_psk_forget(s);
	assert_int_equal(srv_pskcache_get(pc, kid1, sizeof(kid1), t0 + 1, &cached, dev), 1);
	assert_memory_equal(&cached, &keys_new, sizeof(cached));
	mayday_psk_keys_wipe(&cached);
	/* The old PSK is refused at once, a bad seal. */
	uint64_t bad = atomic_load(&t->stats.psk_bad_seal);
	sealed(s, &t->keys1, t->dev1, "hnb-1", 7, 7, 0);
	assert_int_equal(srv_psk_open(&t->stats, t->fx.st, pc, t0 + 2, s), SRV_DROP_KEY);
	assert_int_equal(atomic_load(&t->stats.psk_bad_seal), bad + 1);
	assert_true(wiped(&s->psk));

	/* Re-enrolled under a new kid: kid1's row is gone. Until the TTL the
	 * cache still opens kid1's requests, and the ingest transaction, which
	 * checks the kid is the device's, refuses them: nothing stored. */
	assert_int_equal(store_enrol_psk(t->fx.st, "hnb-1", kid3, sizeof(kid3), psk_new, 32),
			 MAYDAY_OK);
	before = counts(t);
	sealed(s, &keys_new, t->dev1, "hnb-1", 8, 8, 0);
	assert_int_equal(check(t), SRV_STORE);
	assert_int_equal(srv_writer_commit(t->fx.st, &s, 1, &t->stats), MAYDAY_OK);
	assert_int_equal(s->committed, 0);
	assert_int_not_equal(s->verdict, SRV_STORE);
	srv_psk_forget(s);
	struct store_counts after = counts(t);
	assert_memory_equal(&before, &after, sizeof(before));
	/* After it, the kid is looked up again: unknown, and uncached. */
	uint64_t unknown = atomic_load(&t->stats.psk_unknown_kid);
	sealed(s, &keys_new, t->dev1, "hnb-1", 9, 9, 0);
	assert_int_equal(srv_psk_open(&t->stats, t->fx.st, pc, t0 + SRV_KEYCACHE_TTL_MS + 10, s),
			 SRV_DROP_KEY);
	assert_int_equal(atomic_load(&t->stats.psk_unknown_kid), unknown + 1);
	assert_int_equal(srv_pskcache_get(pc, kid1, sizeof(kid1), t0 + SRV_KEYCACHE_TTL_MS + 10,
					  &cached, dev), 0);
	mayday_psk_keys_wipe(&keys_new);
}

/* A sealed indication that does not verify with the device's key: the
 * channel says hnb-1, the message cannot prove it: stored unverified. */
static void test_seal_ok_signature_bad(void **state)
{
	struct t *t = *state;
	struct srv_slot *s = t->slot;
	struct mayday_ack ack;
	sealed(s, &t->keys1, t->dev2, "hnb-1", 9, 9, 0);
	assert_int_equal(check(t), SRV_STORE);
	assert_int_equal(s->rec.trust, STORE_TRUST_UNVERIFIED);
	assert_int_equal(s->rec.channel_auth, STORE_CHANNEL_PSK);
	assert_int_equal(commit_and_answer(t, &ack), MAYDAY_OK);
	assert_int_equal(ack.status, MAYDAY_ACK_STORED_UNVERIFIED);
	struct store_device_row d;
	assert_int_equal(store_get_device(t->fx.st, "hnb-1", &d), MAYDAY_OK);
	assert_string_equal(d.state, "healthy");
}

/* mTLS: the listener puts the certificate's CN in channel_id. */
static void test_mtls_identity(void **state)
{
	struct t *t = *state;
	struct srv_slot *s = t->slot;
	struct mayday_indication ind;
	struct mayday_signer signer;
	struct store_counts before = counts(t);
	for (int round = 0; round < 2; round++) {
		srv_slot_reset(s, NULL, MAYDAY_TRANSPORT_TLS);
		fx_indication(&ind, "hnb-1", 11);
		assert_int_equal(mayday_signer_from_pkey(&signer, t->dev1, NULL, 0), MAYDAY_OK);
		assert_int_equal(mayday_indication_sign(&ind, &signer, s->buf, MAYDAY_INDICATION_MAX,
							&s->len), MAYDAY_OK);
		s->peer.ss_family = AF_INET;
		s->channel = STORE_CHANNEL_MTLS;
		strcpy(s->channel_id, round == 0 ? "hnb-2" : "hnb-1");
		strcpy(s->peer_identity, round == 0 ? "CN=hnb-2" : "CN=hnb-1,O=op");
		if (round == 0) {
			assert_int_equal(check(t), SRV_DROP_IDENTITY);
			assert_int_equal(atomic_load(&t->stats.identity_mismatch), 1);
			struct store_counts after = counts(t);
			assert_memory_equal(&before, &after, sizeof(before));
		} else {
			assert_int_equal(check(t), SRV_STORE);
			assert_int_equal(s->rec.channel_auth, STORE_CHANNEL_MTLS);
			assert_string_equal(s->rec.peer_identity, "CN=hnb-1,O=op");
			assert_int_equal(s->rec.transport, MAYDAY_TRANSPORT_TLS);
			assert_int_equal(s->rec.trust, STORE_TRUST_SIGNED);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_and_retransmission, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seal_ok_signature_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mtls_identity, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server/srv_ikemap.c: which identities name a device, the per-address
 * cache in front of the VICI lookup (against the scripted fake charon of
 * vici_fake.c), and the ipsec method's verify stage using it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "srv_ikemap.h"
#include "srv_ingest.h"
#include "test_store_fixture.h"
#include "vici_fake.h"

static void test_names(void **state)
{
	(void)state;
	assert_true(srv_ikemap_names("hnb-0001", "hnb-0001"));
	assert_true(srv_ikemap_names("CN=hnb-0001", "hnb-0001"));
	assert_true(srv_ikemap_names("C=DE, O=operator, CN=hnb-0001", "hnb-0001"));
	assert_true(srv_ikemap_names("cn = hnb-0001 ,O=x", "hnb-0001"));
	assert_false(srv_ikemap_names("hnb-00011", "hnb-0001"));
	assert_false(srv_ikemap_names("HNB-0001", "hnb-0001"));
	assert_false(srv_ikemap_names("CN=hnb-0002", "hnb-0001"));
	assert_false(srv_ikemap_names("CN=hnb-0001, CN=hnb-0002", "hnb-0001"));
	assert_false(srv_ikemap_names("CN=hnb-0001, CN=hnb-0001", "hnb-0001"));
	assert_false(srv_ikemap_names("O=hnb-0001", "hnb-0001"));
	assert_false(srv_ikemap_names("CN=hnb-0001x", "hnb-0001"));
	assert_false(srv_ikemap_names("O=a\\,CN=hnb-0001", "hnb-0001"));   /* escaped: one RDN */
	assert_false(srv_ikemap_names("CN=hnb-0001,garbage", "hnb-0001"));
	assert_false(srv_ikemap_names("", "hnb-0001"));
	assert_false(srv_ikemap_names("hnb-0001", ""));
	assert_false(srv_ikemap_names("CN=", ""));
}

struct fleet {
	uint8_t ev[2][1024];
	struct vici_fake f;
};

static void fleet(struct fleet *t, const char *id1, const char *id2)
{
	struct vici_fake_sa a = {.state = "ESTABLISHED", .remote_id = id1, .vip = "10.99.1.1",
				 .child_state = "INSTALLED", .remote_ts = "10.99.1.1/32"};
	struct vici_fake_sa b = {.state = "ESTABLISHED", .remote_id = id2, .vip = "10.99.1.2",
				 .child_state = "INSTALLED", .remote_ts = "10.99.1.2/32"};
	memset(&t->f, 0, sizeof(t->f));
	t->f.event_len[0] = vici_fake_list_sa(&a, t->ev[0], sizeof(t->ev[0]));
	t->f.event_len[1] = vici_fake_list_sa(&b, t->ev[1], sizeof(t->ev[1]));
	assert_true(t->f.event_len[0] > 0 && t->f.event_len[1] > 0);
	t->f.events[0] = t->ev[0];
	t->f.events[1] = t->ev[1];
	t->f.n_events = 2;
}

static struct sockaddr_storage v4(const char *text, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;
	memset(&ss, 0, sizeof(ss));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, text, &a->sin_addr), 1);
	return ss;
}

static void test_cache(void **state)
{
	struct fleet t;
	struct srv_ike ike;
	struct srv_ikemap *m = NULL;
	char id[STORE_IDENTITY_MAX + 1];
	struct sockaddr_storage a = v4("10.99.1.2", 5000), outside = v4("192.0.2.7", 1);
	(void)state;

	fleet(&t, "hnb-0001", "CN=hnb-0002");
	t.f.connections = 2;
	assert_int_equal(vici_fake_start(&t.f), 0);
	assert_int_equal(srv_ike_init(&ike, t.f.path, NULL, 2000), MAYDAY_OK);
	assert_int_equal(srv_ikemap_new(&m, &ike, 1000, 16), MAYDAY_OK);
	assert_int_equal(srv_ikemap_identity(m, &a, 100, id, sizeof(id)), MAYDAY_OK);
	assert_string_equal(id, "CN=hnb-0002");
	assert_int_equal(srv_ikemap_identity(m, &outside, 100, id, sizeof(id)), MAYDAY_E_NOTFOUND);
	assert_string_equal(id, "");
	vici_fake_stop(&t.f);   /* charon is gone from here on */

	/* Within the TTL both answers come from the cache (another port too). */
	a = v4("10.99.1.2", 6000);
	assert_int_equal(srv_ikemap_identity(m, &a, 1099, id, sizeof(id)), MAYDAY_OK);
	assert_string_equal(id, "CN=hnb-0002");
	assert_int_equal(srv_ikemap_identity(m, &outside, 1099, id, sizeof(id)), MAYDAY_E_NOTFOUND);
	assert_int_equal(srv_ikemap_identity(m, &a, 1099, id, 4), MAYDAY_E_TOOBIG);
	/* After it, charon is asked again, and an unreachable one is not cached. */
	assert_int_equal(srv_ikemap_identity(m, &a, 1100, id, sizeof(id)), MAYDAY_E_IO);
	assert_string_equal(id, "");
	assert_int_equal(srv_ikemap_identity(m, &a, 1101, id, sizeof(id)), MAYDAY_E_IO);
	struct sockaddr_storage unix_addr = {.ss_family = AF_UNIX};
	assert_int_equal(srv_ikemap_identity(m, &unix_addr, 1, id, sizeof(id)), MAYDAY_E_INVALID);
	srv_ikemap_free(m);

	/* TTL 0: every lookup asks. */
	fleet(&t, "hnb-0001", "hnb-0002");
	assert_int_equal(vici_fake_start(&t.f), 0);
	assert_int_equal(srv_ike_init(&ike, t.f.path, NULL, 2000), MAYDAY_OK);
	assert_int_equal(srv_ikemap_new(&m, &ike, 0, 16), MAYDAY_OK);
	assert_int_equal(srv_ikemap_identity(m, &a, 5, id, sizeof(id)), MAYDAY_OK);
	vici_fake_stop(&t.f);
	assert_int_equal(srv_ikemap_identity(m, &a, 5, id, sizeof(id)), MAYDAY_E_IO);
	srv_ikemap_free(m);
	srv_ikemap_free(NULL);
}

/* The verify stage of the ipsec method: the tunnel's identity must name
 * the indication's device; it is recorded with the row. */
static void test_ingest_ipsec(void **state)
{
	struct fleet t;
	struct fx fx;
	struct srv_ike ike;
	struct srv_ikemap *m = NULL;
	struct srv_keycache kc;
	struct srv_ratelimit rl;
	struct srv_stats stats;
	struct mayday_cose_verifier *ver = NULL;
	struct mayday_indication ind;
	struct mayday_signer signer;
	char pem[1024];
	struct srv_slot *s = calloc(1, sizeof(*s));
	(void)state;
	assert_non_null(s);
	memset(&stats, 0, sizeof(stats));
	fx_open(&fx);
	EVP_PKEY *key = fx_key(pem, sizeof(pem));
	assert_int_equal(store_enrol(fx.st, "hnb-0001", "femto-a", pem), MAYDAY_OK);
	fleet(&t, "hnb-0001", "C=DE, CN=hnb-0009");
	t.f.connections = 3;   /* one lookup per address */
	assert_int_equal(vici_fake_start(&t.f), 0);
	assert_int_equal(srv_ike_init(&ike, t.f.path, NULL, 2000), MAYDAY_OK);
	assert_int_equal(srv_ikemap_new(&m, &ike, 60000, 16), MAYDAY_OK);
	assert_int_equal(srv_keycache_init(&kc, 16), MAYDAY_OK);
	assert_int_equal(srv_ratelimit_init(&rl, 16, 10, 10, 10, 10), MAYDAY_OK);
	assert_int_equal(mayday_cose_verifier_new(&ver, 4), MAYDAY_OK);
	struct srv_ingest ing = {.keys = &kc, .limit = &rl, .stats = &stats, .ike = m,
				 .max_datagram = MAYDAY_INDICATION_MAX};
	assert_int_equal(mayday_signer_from_pkey(&signer, key, NULL, 0), MAYDAY_OK);

	static const char *const from[] = {"10.99.1.1", "10.99.1.2", "192.0.2.9"};
	static const enum srv_verdict want[] = {SRV_STORE, SRV_DROP_IDENTITY, SRV_DROP_IDENTITY};
	for (int i = 0; i < 3; i++) {
		srv_slot_reset(s, NULL, MAYDAY_TRANSPORT_IPSEC);
		fx_indication(&ind, "hnb-0001", 1);
		assert_int_equal(mayday_indication_sign(&ind, &signer, s->buf, MAYDAY_INDICATION_MAX,
							&s->len), MAYDAY_OK);
		s->peer = v4(from[i], 4500);
		assert_int_equal(srv_ingest_check(&ing, fx.st, ver, s), want[i]);
		if (i == 0) {
			assert_int_equal(s->rec.channel_auth, STORE_CHANNEL_IKE);
			assert_string_equal(s->rec.peer_identity, "hnb-0001");
			assert_int_equal(s->rec.trust, STORE_TRUST_SIGNED);
			assert_int_equal(s->rec.transport, MAYDAY_TRANSPORT_IPSEC);
		}
	}
	vici_fake_stop(&t.f);
	assert_int_equal(atomic_load(&stats.identity_mismatch), 1);      /* 10.99.1.2 */
	assert_int_equal(atomic_load(&stats.ike_lookup_failed), 1);      /* 192.0.2.9 */

	/* The SeGW gone (and nothing cached for the address): busy, retry. */
	srv_ikemap_free(m);
	assert_int_equal(srv_ikemap_new(&m, &ike, 60000, 16), MAYDAY_OK);
	ing.ike = m;
	srv_slot_reset(s, NULL, MAYDAY_TRANSPORT_IPSEC);
	fx_indication(&ind, "hnb-0001", 2);
	assert_int_equal(mayday_indication_sign(&ind, &signer, s->buf, MAYDAY_INDICATION_MAX,
						&s->len), MAYDAY_OK);
	s->peer = v4("10.99.1.1", 4500);
	assert_int_equal(srv_ingest_check(&ing, fx.st, ver, s), SRV_DROP_BUSY);

	srv_ikemap_free(m);
	mayday_cose_verifier_free(ver);
	srv_ratelimit_fini(&rl);
	srv_keycache_fini(&kc);
	EVP_PKEY_free(key);
	fx_close(&fx);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_ingest_ipsec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

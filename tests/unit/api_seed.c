/* SPDX-License-Identifier: Apache-2.0 */
/* The API's seeded store (api_seed.h). */
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>

#include "api_seed.h"
#include "mayday/cose.h"
#include "mayday/indication.h"
#include "mayday/keys.h"
#include "store_acs.h"
#include "store_fleet.h"
#include "store_ingest.h"
#include "store_remed.h"

#define CHECK(what, call)                                                              \
	do {                                                                           \
		enum mayday_err e_ = (call);                                           \
		if (e_ != MAYDAY_OK) {                                                 \
			fprintf(stderr, "api_seed: %s: %s\n", what, mayday_strerror(e_)); \
			return -1;                                                     \
		}                                                                      \
	} while (0)

/* The devices' key (all share one) and its public PEM. */
static EVP_PKEY *new_key(char *pem, size_t cap)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	BIO *b = BIO_new(BIO_s_mem());
	int n = -1;
	if (k != NULL && b != NULL && PEM_write_bio_PUBKEY(b, k) == 1)
		n = BIO_read(b, pem, (int)cap - 1);
	if (n > 0)
		pem[n] = '\0';
	BIO_free(b);
	if (n > 0)
		return k;
	EVP_PKEY_free(k);
	return NULL;
}

/* One indication, signed (the stored raw bytes are the COSE message a
 * device sends, so the attach detail reads back from them). */
static enum mayday_err put(struct store *st, EVP_PKEY *key, const char *id, uint64_t counter,
			   int64_t at, const char *image, const char *comp, uint32_t reason,
			   enum store_trust trust)
{
	struct mayday_indication ind;
	struct store_ingest_rec rec;
	uint8_t raw[4096];
	size_t len = 0;
	memset(&ind, 0, sizeof(ind));
	snprintf(ind.device_id, sizeof(ind.device_id), "%s", id);
	ind.counter = counter;
	ind.time = (uint64_t)at - 5;
	snprintf(ind.dcf_version, sizeof(ind.dcf_version), "0.1.0");
	ind.transport = MAYDAY_TRANSPORT_PLAIN_UDP;
	ind.free_space = 1u << 20;
	ind.max_image_size = 1u << 24;
	ind.evidence.reason = reason;
	snprintf(ind.evidence.image_version, sizeof(ind.evidence.image_version), "%s", image);
	ind.evidence.slot = 1;
	ind.evidence.boot_attempts = 2;
	if (reason == MAYDAY_REASON_ATTACH_FAILED) {
		ind.evidence.attach.stage = 1;
		ind.evidence.attach.tries = 3;
		ind.evidence.attach.episodes = 1;
		snprintf(ind.evidence.attach.last_error, sizeof(ind.evidence.attach.last_error),
			 "connection refused");
	} else {
		struct mayday_component_evidence *c = &ind.evidence.failed[0];
		ind.evidence.n_failed = 1;
		snprintf(c->name, sizeof(c->name), "%s", comp);
		c->flags = MAYDAY_COMP_DIGEST_MISMATCH;
		c->expected_size = 100;
		c->measured_size = 100;
		memset(c->expected, 0xaa, sizeof(c->expected));
		memset(c->measured, 0xbb, sizeof(c->measured));
	}
	struct mayday_signer signer;
	enum mayday_err err = mayday_signer_from_pkey(&signer, key, NULL, 0);
	if (err == MAYDAY_OK)
		err = mayday_indication_sign(&ind, &signer, raw, sizeof(raw), &len);
	if (err != MAYDAY_OK)
		return err;
	memset(&rec, 0, sizeof(rec));
	rec.ind = &ind;
	rec.trust = trust;
	rec.transport = MAYDAY_TRANSPORT_PLAIN_UDP;
	rec.received_at = at;
	rec.peer = "127.0.0.1:4000";
	rec.channel_auth = STORE_CHANNEL_NONE;
	rec.peer_identity = "";
	rec.raw = raw;
	rec.raw_len = len;
	mayday_sha256(raw, len, rec.digest);
	if ((err = store_ingest_begin(st)) != MAYDAY_OK)
		return err;
	if ((err = store_ingest_put(st, &rec)) != MAYDAY_OK) {
		store_ingest_rollback(st);
		return err;
	}
	return store_ingest_commit(st);
}

static int seed(struct store *st, EVP_PKEY *key, const char *pem);

int api_seed(struct store *st)
{
	char pem[1024];
	EVP_PKEY *key = new_key(pem, sizeof(pem));
	if (key == NULL) {
		fprintf(stderr, "api_seed: no key\n");
		return -1;
	}
	int rc = seed(st, key, pem);
	EVP_PKEY_free(key);
	return rc;
}

static int seed(struct store *st, EVP_PKEY *key, const char *pem)
{
	const int64_t t0 = API_SEED_NOW - 3000;
	char id[32];
	bool yes = false, gave_up = false, paused = false, newly = false;
	for (int i = 0; i < API_SEED_DEVICES; i++) {
		snprintf(id, sizeof(id), "dev-%02d", i);
		CHECK("enrol", store_enrol(st, id, i % 2 ? "femto-b" : "femto-a", pem));
	}
	for (int i = 0; i < 4; i++) {
		snprintf(id, sizeof(id), "dev-%02d", i);
		CHECK("signed", put(st, key, id, 1, t0 + i, "2.0", "kernel.img",
				    MAYDAY_REASON_COMPONENT_MISMATCH, STORE_TRUST_SIGNED));
	}
	CHECK("attach", put(st, key, "dev-04", 1, t0 + 10, "2.0", "", MAYDAY_REASON_ATTACH_FAILED,
			    STORE_TRUST_SIGNED));
	for (uint64_t c = 1; c <= 3; c++)
		CHECK("unverified", put(st, key, "ghost", c, t0 + 20, "6.6.6", "forged",
					MAYDAY_REASON_COMPONENT_MISMATCH, STORE_TRUST_UNVERIFIED));
	/* dev-01 (femto-b): one attempt, failed; femto-b pauses after one */
	struct store_remed_attempt a;
	CHECK("batch", store_ingest_begin(st));
	CHECK("schedule", store_remed_schedule(st, "dev-01", false, 3, t0 + 30, &yes));
	CHECK("commit", store_ingest_commit(st));
	memset(&a, 0, sizeof(a));
	snprintf(a.bundle, sizeof(a.bundle), "/b/femto-b.bundle");
	a.bundle_size = 1000;
	a.free_space = 5000;
	a.max_image_size = 4000;
	CHECK("begin", store_remed_begin(st, "dev-01", &a, 0, UINT32_MAX, t0 + 40));
	CHECK("fail", store_remed_fail(st, "dev-01", a.command_key, 9018, "bad image", 3, t0 + 50,
				       &gave_up));
	CHECK("pause", store_remed_class_paused(st, "femto-b", 1, t0 + 60, &paused, &newly));
	CHECK("note", store_acs_note(st, "dev-01", t0 + 55, "Download refused: bad image"));
	CHECK("approve", store_remed_approve(st, "dev-00", t0 + 70));
	struct store_fleet_rule rule = {.product_class = "femto-a", .devices = 2,
					.window_s = 86400, .auto_pause = false};
	struct store_fleet_anomaly found[4];
	size_t n = 0;
	CHECK("anomaly", store_fleet_anomalies(st, &rule, API_SEED_NOW - 100, found, 4, &n));
	return 0;
}

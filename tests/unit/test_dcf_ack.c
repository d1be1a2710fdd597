/* SPDX-License-Identifier: Apache-2.0 */
/* dcf_ack_check: only an ack signed by the H(e)MS anchor, for this device
 * and this counter, is valid; a well-formed one for this device and counter
 * under another key is told apart (UNAUTH), and everything else is noise.
 * dcf_ack_meaning: of all those, only a valid ack saying STORED (verified
 * and stored) is an acknowledgement; stored-unverified, rejected and
 * unauthenticated answers are failed attempts. Both forms (docs/protocol.md
 * §7, §7.2): a batch ack whose audit path or root signature fails is exactly
 * a single ack whose signature fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dcf_ack.h"
#include "mayday/ack_batch.h"
#include "mayday/keys.h"

struct keys {
	EVP_PKEY *hems, *other;
};

static int setup(void **state)
{
	static struct keys k;

	if (mayday_key_generate(&k.hems) != MAYDAY_OK || mayday_key_generate(&k.other) != MAYDAY_OK)
		return -1;
	*state = &k;
	return 0;
}

static int teardown(void **state)
{
	struct keys *k = *state;

	EVP_PKEY_free(k->hems);
	EVP_PKEY_free(k->other);
	return 0;
}

static size_t make_ack_as(EVP_PKEY *key, const char *id, uint64_t counter, uint32_t status,
			  uint32_t action, uint8_t *out, size_t cap)
{
	struct mayday_signer signer;
	struct mayday_ack ack = { .counter = counter, .incident_id = 77, .status = status,
				  .action = action };
	size_t len = 0;

	if (action == MAYDAY_ACTION_RETRY_AFTER || action == MAYDAY_ACTION_WAIT)
		ack.retry_after = 3;
	if (action == MAYDAY_ACTION_REMEDIATE)
		strcpy(ack.acs_url, "https://127.0.0.1:7548/cwmp");
	strcpy(ack.device_id, id);
	assert_int_equal(mayday_signer_from_pkey(&signer, key, NULL, 0), MAYDAY_OK);
	assert_int_equal(mayday_ack_sign(&ack, &signer, out, cap, &len), MAYDAY_OK);
	return len;
}

static size_t make_ack(EVP_PKEY *key, const char *id, uint64_t counter, uint8_t *out, size_t cap)
{
	return make_ack_as(key, id, counter, MAYDAY_ACK_STORED, MAYDAY_ACTION_NONE, out, cap);
}

/* The batch acknowledgement of leaf 1 in a tree of three (this device's
 * ack between two others), its root signed with `key`. */
static size_t make_batch_ack(EVP_PKEY *key, const char *id, uint64_t counter, uint32_t status,
			     uint8_t *out, size_t cap)
{
	struct mayday_signer signer;
	struct mayday_ack_tree *t;
	uint8_t claims[3][MAYDAY_ACK_MAX];
	size_t claims_len[3], idx, len = 0;

	assert_int_equal(mayday_signer_from_pkey(&signer, key, NULL, 0), MAYDAY_OK);
	assert_int_equal(mayday_ack_tree_new(&t, 3), MAYDAY_OK);
	for (int i = 0; i < 3; i++) {
		struct mayday_ack a = { .counter = counter + (uint64_t)(i != 1), .incident_id = 77,
					.status = status };

		strcpy(a.device_id, i == 1 ? id : "femto-other");
		assert_int_equal(mayday_ack_encode_claims(&a, claims[i], sizeof(claims[i]),
							  &claims_len[i]), MAYDAY_OK);
		assert_int_equal(mayday_ack_tree_add(t, claims[i], claims_len[i], &idx), MAYDAY_OK);
	}
	assert_int_equal(mayday_ack_tree_sign(t, &signer), MAYDAY_OK);
	assert_int_equal(mayday_ack_tree_encode(t, 1, claims[1], claims_len[1], out, cap, &len),
			 MAYDAY_OK);
	mayday_ack_tree_free(t);
	return len;
}

static enum dcf_ack_verdict check(const uint8_t *buf, size_t len, EVP_PKEY *anchor,
				  const char *id, uint64_t counter, struct mayday_ack *ack,
				  enum mayday_err *err)
{
	struct mayday_diag diag;

	return dcf_ack_check(buf, len, anchor, id, counter, ack, err, &diag);
}

static void test_valid(void **state)
{
	struct keys *k = *state;
	uint8_t buf[MAYDAY_ACK_MAX];
	struct mayday_ack ack;
	enum mayday_err err = MAYDAY_E_INTERNAL;
	size_t len = make_ack(k->hems, "femto-1", 5, buf, sizeof(buf));

	assert_int_equal(check(buf, len, k->hems, "femto-1", 5, &ack, &err), DCF_ACK_VALID);
	assert_int_equal(err, MAYDAY_OK);
	assert_int_equal(ack.incident_id, 77);
	assert_int_equal(ack.status, MAYDAY_ACK_STORED);
}

/* Signed by another key, but otherwise an answer to exactly this indication. */
static void test_wrong_key_is_unauthenticated(void **state)
{
	struct keys *k = *state;
	uint8_t buf[MAYDAY_ACK_MAX];
	struct mayday_ack ack;
	enum mayday_err err = MAYDAY_E_INTERNAL;
	size_t len = make_ack(k->other, "femto-1", 5, buf, sizeof(buf));

	assert_int_equal(check(buf, len, k->hems, "femto-1", 5, &ack, &err), DCF_ACK_UNAUTH);
	assert_int_equal(ack.counter, 5);
	assert_string_equal(ack.device_id, "femto-1");
	/* for another counter or device it is just noise */
	assert_int_equal(check(buf, len, k->hems, "femto-1", 6, &ack, &err), DCF_ACK_INVALID);
	assert_int_equal(err, MAYDAY_E_SIGNATURE);
	assert_int_equal(check(buf, len, k->hems, "femto-2", 5, &ack, &err), DCF_ACK_INVALID);
	assert_int_equal(err, MAYDAY_E_SIGNATURE);
	/* a damaged signature over the right claims: unauthenticated too */
	len = make_ack(k->hems, "femto-1", 5, buf, sizeof(buf));
	buf[len - 1] ^= 0x80;
	assert_int_equal(check(buf, len, k->hems, "femto-1", 5, &ack, &err), DCF_ACK_UNAUTH);
}

static void test_wrong_echo(void **state)
{
	struct keys *k = *state;
	uint8_t buf[MAYDAY_ACK_MAX];
	struct mayday_ack ack;
	enum mayday_err err;
	size_t len = make_ack(k->hems, "femto-1", 4, buf, sizeof(buf));

	assert_int_equal(check(buf, len, k->hems, "femto-1", 5, &ack, &err), DCF_ACK_OTHER);
	len = make_ack(k->hems, "femto-2", 5, buf, sizeof(buf));
	assert_int_equal(check(buf, len, k->hems, "femto-1", 5, &ack, &err), DCF_ACK_OTHER);
}

/* The batch form: valid when its path leads to a root the anchor signed;
 * a broken path, a broken root signature or another key's root is an
 * answer that does not verify (UNAUTH: "does not verify, but echoes"),
 * never a verdict. */
static void test_batch_form(void **state)
{
	struct keys *k = *state;
	uint8_t buf[MAYDAY_ACK_MAX];
	struct mayday_ack ack;
	enum mayday_err err = MAYDAY_E_INTERNAL;
	struct mayday_ack_batch b;
	struct mayday_diag diag;
	size_t len = make_batch_ack(k->hems, "femto-1", 5, MAYDAY_ACK_STORED, buf, sizeof(buf));
	size_t path_at;

	assert_int_equal(check(buf, len, k->hems, "femto-1", 5, &ack, &err), DCF_ACK_VALID);
	assert_int_equal(err, MAYDAY_OK);
	assert_int_equal(dcf_ack_meaning(DCF_ACK_VALID, &ack), DCF_ACK_STORED);
	assert_int_equal(check(buf, len, k->hems, "femto-1", 6, &ack, &err), DCF_ACK_OTHER);
	/* the path: one bit of its one entry */
	assert_int_equal(mayday_ack_batch_decode(buf, len, &b, &diag), MAYDAY_OK);
	assert_int_equal(b.path_len, 2);
	path_at = (size_t)(b.claims - buf) + b.claims_len + 1 /* index */ + 1 /* array */ + 2;
	buf[path_at] ^= 0x01;
	assert_int_equal(check(buf, len, k->hems, "femto-1", 5, &ack, &err), DCF_ACK_UNAUTH);
	assert_int_equal(dcf_ack_meaning(DCF_ACK_UNAUTH, &ack), DCF_ACK_NO_AUTHORITY);
	buf[path_at] ^= 0x01;
	/* the root's signature */
	buf[len - 1] ^= 0x80;
	assert_int_equal(check(buf, len, k->hems, "femto-1", 5, &ack, &err), DCF_ACK_UNAUTH);
	/* the whole batch signed by another key, even saying "stored" */
	len = make_batch_ack(k->other, "femto-1", 5, MAYDAY_ACK_STORED, buf, sizeof(buf));
	assert_int_equal(check(buf, len, k->hems, "femto-1", 5, &ack, &err), DCF_ACK_UNAUTH);
	assert_int_equal(check(buf, len, k->hems, "femto-1", 7, &ack, &err), DCF_ACK_INVALID);
	assert_int_equal(err, MAYDAY_E_SIGNATURE);
	/* a valid batch ack saying stored-unverified is a failed attempt */
	len = make_batch_ack(k->hems, "femto-1", 5, MAYDAY_ACK_STORED_UNVERIFIED, buf, sizeof(buf));
	assert_int_equal(check(buf, len, k->hems, "femto-1", 5, &ack, &err), DCF_ACK_VALID);
	assert_int_equal(dcf_ack_meaning(DCF_ACK_VALID, &ack), DCF_ACK_NOT_VERIFIED);
	/* cut short: malformed, ignored */
	assert_int_equal(check(buf, len - 1, k->hems, "femto-1", 5, &ack, &err), DCF_ACK_INVALID);
	assert_int_equal(err, MAYDAY_E_MALFORMED);
}

static void test_garbage(void **state)
{
	struct keys *k = *state;
	uint8_t buf[MAYDAY_ACK_MAX];
	struct mayday_ack ack;
	enum mayday_err err;
	size_t len = make_ack(k->hems, "femto-1", 5, buf, sizeof(buf));

	/* Every truncation and every single-byte flip is refused: at best it is
	 * an unauthenticated look-alike, never valid. */
	for (size_t n = 0; n < len; n++) {
		assert_int_equal(check(buf, n, k->hems, "femto-1", 5, &ack, &err), DCF_ACK_INVALID);
		assert_int_not_equal(err, MAYDAY_OK);
	}
	for (size_t i = 0; i < len; i++) {
		buf[i] ^= 0x01;
		assert_int_not_equal(check(buf, len, k->hems, "femto-1", 5, &ack, &err),
				     DCF_ACK_VALID);
		buf[i] ^= 0x01;
	}
	assert_int_equal(check(buf, len, k->hems, "femto-1", 5, &ack, &err), DCF_ACK_VALID);
	/* not an ack at all */
	static const uint8_t junk[] = { 0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40 };
	assert_int_equal(check(junk, sizeof(junk), k->hems, "femto-1", 5, &ack, &err),
			 DCF_ACK_INVALID);
}

/* Received bytes all the way to their meaning. */
static enum dcf_ack_meaning meaning_of(const uint8_t *buf, size_t len, EVP_PKEY *anchor)
{
	struct mayday_ack ack;
	enum mayday_err err;
	struct mayday_diag diag;
	enum dcf_ack_verdict v = dcf_ack_check(buf, len, anchor, "femto-1", 5, &ack, &err, &diag);

	return dcf_ack_meaning(v, &ack);
}

/* Every status and action, signed by the anchor and by another key: only
 * (anchor, STORED) is an acknowledgement, whatever the action (a busy
 * server's retry-after excepted, which judges nothing). A "wait" or "stand
 * down" that does not say STORED is a failed attempt like any other. */
static void test_meaning_only_verified_and_stored(void **state)
{
	struct keys *k = *state;
	static const uint32_t statuses[] = { MAYDAY_ACK_STORED, MAYDAY_ACK_STORED_UNVERIFIED,
					     MAYDAY_ACK_REJECTED };
	static const uint32_t actions[] = { MAYDAY_ACTION_NONE, MAYDAY_ACTION_RETRY_AFTER,
					    MAYDAY_ACTION_REMEDIATE, MAYDAY_ACTION_WAIT,
					    MAYDAY_ACTION_STAND_DOWN };
	uint8_t buf[MAYDAY_ACK_MAX];

	for (size_t i = 0; i < 3; i++) {
		for (size_t j = 0; j < sizeof(actions) / sizeof(actions[0]); j++) {
			uint32_t st = statuses[i], act = actions[j];
			enum dcf_ack_meaning want;
			size_t len = make_ack_as(k->hems, "femto-1", 5, st, act, buf, sizeof(buf));

			if (act == MAYDAY_ACTION_RETRY_AFTER)
				want = DCF_ACK_WAIT;
			else if (st == MAYDAY_ACK_STORED)
				want = DCF_ACK_STORED;
			else if (st == MAYDAY_ACK_REJECTED)
				want = DCF_ACK_REFUSED;
			else
				want = DCF_ACK_NOT_VERIFIED;
			assert_int_equal(meaning_of(buf, len, k->hems), want);
			/* the same claims under another key confer nothing */
			len = make_ack_as(k->other, "femto-1", 5, st, act, buf, sizeof(buf));
			assert_int_equal(meaning_of(buf, len, k->hems), DCF_ACK_NO_AUTHORITY);
		}
	}
	/* a late ack of another counter, and junk: ignored, not failures */
	size_t len = make_ack(k->hems, "femto-1", 4, buf, sizeof(buf));
	assert_int_equal(meaning_of(buf, len, k->hems), DCF_ACK_IGNORED);
	assert_int_equal(meaning_of(buf, 3, k->hems), DCF_ACK_IGNORED);
}

/* The table itself, status by status, including a status no decoder
 * admits today: nothing but STORED is ever success. */
static void test_meaning_table(void **state)
{
	struct mayday_ack ack = { .counter = 5, .action = MAYDAY_ACTION_NONE };
	(void)state;

	strcpy(ack.device_id, "femto-1");
	ack.status = MAYDAY_ACK_STORED;
	assert_int_equal(dcf_ack_meaning(DCF_ACK_VALID, &ack), DCF_ACK_STORED);
	assert_int_equal(dcf_ack_meaning(DCF_ACK_UNAUTH, &ack), DCF_ACK_NO_AUTHORITY);
	assert_int_equal(dcf_ack_meaning(DCF_ACK_OTHER, &ack), DCF_ACK_IGNORED);
	assert_int_equal(dcf_ack_meaning(DCF_ACK_INVALID, &ack), DCF_ACK_IGNORED);
	ack.status = MAYDAY_ACK_STORED_UNVERIFIED;
	assert_int_equal(dcf_ack_meaning(DCF_ACK_VALID, &ack), DCF_ACK_NOT_VERIFIED);
	ack.status = MAYDAY_ACK_REJECTED;
	assert_int_equal(dcf_ack_meaning(DCF_ACK_VALID, &ack), DCF_ACK_REFUSED);
	ack.status = 7;
	assert_int_not_equal(dcf_ack_meaning(DCF_ACK_VALID, &ack), DCF_ACK_STORED);
	ack.status = MAYDAY_ACK_STORED_UNVERIFIED;
	ack.action = MAYDAY_ACTION_REMEDIATE;
	assert_int_equal(dcf_ack_meaning(DCF_ACK_VALID, &ack), DCF_ACK_NOT_VERIFIED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_wrong_key_is_unauthenticated),
		cmocka_unit_test(test_wrong_echo),
		cmocka_unit_test(test_batch_form),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_meaning_only_verified_and_stored),
		cmocka_unit_test(test_meaning_table),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

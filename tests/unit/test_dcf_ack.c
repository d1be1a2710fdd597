/* dcf_ack_check: only an ack signed by the H(e)MS anchor, for this device
 * and this counter, is accepted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dcf_ack.h"
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

static size_t make_ack(EVP_PKEY *key, const char *id, uint64_t counter, uint8_t *out, size_t cap)
{
	struct mayday_signer signer;
	struct mayday_ack ack = { .counter = counter, .incident_id = 77,
				  .status = MAYDAY_ACK_STORED, .action = MAYDAY_ACTION_NONE };
	size_t len = 0;

	strcpy(ack.device_id, id);
	assert_int_equal(mayday_signer_from_pkey(&signer, key, NULL, 0), MAYDAY_OK);
	assert_int_equal(mayday_ack_sign(&ack, &signer, out, cap, &len), MAYDAY_OK);
	return len;
}

static void test_valid(void **state)
{
	struct keys *k = *state;
	uint8_t buf[MAYDAY_ACK_MAX];
	struct mayday_ack ack;
	struct mayday_diag diag;
	size_t len = make_ack(k->hems, "femto-1", 5, buf, sizeof(buf));

	assert_int_equal(dcf_ack_check(buf, len, k->hems, "femto-1", 5, &ack, &diag), MAYDAY_OK);
	assert_int_equal(ack.incident_id, 77);
	assert_int_equal(ack.status, MAYDAY_ACK_STORED);
}

static void test_wrong_key(void **state)
{
	struct keys *k = *state;
	uint8_t buf[MAYDAY_ACK_MAX];
	struct mayday_ack ack;
	struct mayday_diag diag;
	size_t len = make_ack(k->other, "femto-1", 5, buf, sizeof(buf));

	assert_int_equal(dcf_ack_check(buf, len, k->hems, "femto-1", 5, &ack, &diag),
			 MAYDAY_E_SIGNATURE);
}

static void test_wrong_echo(void **state)
{
	struct keys *k = *state;
	uint8_t buf[MAYDAY_ACK_MAX];
	struct mayday_ack ack;
	struct mayday_diag diag;
	size_t len = make_ack(k->hems, "femto-1", 4, buf, sizeof(buf));

	assert_int_equal(dcf_ack_check(buf, len, k->hems, "femto-1", 5, &ack, &diag),
			 MAYDAY_E_MISMATCH);
	len = make_ack(k->hems, "femto-2", 5, buf, sizeof(buf));
	assert_int_equal(dcf_ack_check(buf, len, k->hems, "femto-1", 5, &ack, &diag),
			 MAYDAY_E_MISMATCH);
}

static void test_garbage(void **state)
{
	struct keys *k = *state;
	uint8_t buf[MAYDAY_ACK_MAX];
	struct mayday_ack ack;
	struct mayday_diag diag;
	size_t len = make_ack(k->hems, "femto-1", 5, buf, sizeof(buf));

	/* Every truncation and every single-byte flip is refused. */
	for (size_t n = 0; n < len; n++)
		assert_int_not_equal(dcf_ack_check(buf, n, k->hems, "femto-1", 5, &ack, &diag),
				     MAYDAY_OK);
	for (size_t i = 0; i < len; i++) {
		buf[i] ^= 0x01;
		assert_int_not_equal(dcf_ack_check(buf, len, k->hems, "femto-1", 5, &ack, &diag),
				     MAYDAY_OK);
		buf[i] ^= 0x01;
	}
	assert_int_equal(dcf_ack_check(buf, len, k->hems, "femto-1", 5, &ack, &diag), MAYDAY_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_wrong_echo),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Admission control's signed answer (srv_busy.h): it verifies with the
 * H(e)MS key and echoes the indication's device and counter with action
 * RETRY_AFTER; it is never produced for bytes that are not an indication,
 * when off, or beyond the per-second cap (the caller then answers unsigned).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "mayday/indication.h"
#include "srv_busy.h"
#include "test_vectors.h"

static void test_signed_answer_and_cap(void **state)
{
	EVP_PKEY *key = tv_key();
	struct srv_busy b;
	struct mayday_ack ack;
	struct mayday_diag diag;
	uint8_t out[MAYDAY_ACK_MAX];
	size_t len = 0, ind_len = 0;
	uint8_t *ind = tv_unhex(tv_indication_cose_hex, &ind_len);

	(void)state;
	assert_int_equal(srv_busy_init(&b, key, 2, 3), MAYDAY_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(srv_busy_answer(&b, ind, ind_len, 100, out, sizeof(out), &len),
				 MAYDAY_OK);
		assert_int_equal(mayday_ack_verify(out, len, key, &ack, &diag), MAYDAY_OK);
		assert_string_equal(ack.device_id, "hnb-acme-000123");
		assert_int_equal(ack.counter, 42);
		assert_int_equal(ack.action, MAYDAY_ACTION_RETRY_AFTER);
		assert_int_equal(ack.retry_after, 2);
	}
	/* the fourth in the same second: unsigned */
	assert_int_not_equal(srv_busy_answer(&b, ind, ind_len, 100, out, sizeof(out), &len),
			     MAYDAY_OK);
	/* the next second: signed again */
	assert_int_equal(srv_busy_answer(&b, ind, ind_len, 101, out, sizeof(out), &len), MAYDAY_OK);
	/* not an indication: unsigned, and it does not use up the cap */
	assert_int_not_equal(srv_busy_answer(&b, ind, ind_len / 2, 101, out, sizeof(out), &len),
			     MAYDAY_OK);
	assert_int_equal(b.signed_total, 4);
	assert_int_equal(b.unsigned_total, 2);
	srv_busy_fini(&b);
	/* off */
	assert_int_equal(srv_busy_init(&b, NULL, 2, 3), MAYDAY_OK);
	assert_int_not_equal(srv_busy_answer(&b, ind, ind_len, 100, out, sizeof(out), &len),
			     MAYDAY_OK);
	srv_busy_fini(&b);
	free(ind);
	EVP_PKEY_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signed_answer_and_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

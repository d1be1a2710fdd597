/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "plain-http" against the test H(e)MS on 127.0.0.1: the POST it makes, the
 * answers it accepts (200 + application/cose, bounded) and refuses, 503 +
 * Retry-After, timeouts, and the whole session honouring a retry-after.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dcf_ack.h"
#include "dcf_session.h"
#include "exit_codes.h"
#include "hal/clock.h"
#include "hal/rot.h"
#include "mayday/indication.h"
#include "test_dcf_txfx.h"

static int setup(void **state)
{
	struct txfx *fx = txfx_new();

	httpd_start(&fx->srv);
	txfx_config(fx,
		    "[dcf]\nversion = 0.1.0\nproduct_class = femto-a\nmax_image_size = 1\n"
		    "[hems]\nmethods = plain-http\n[http]\nurl = http://127.0.0.1:%u/v1/distress\n"
		    "[retry]\ninitial_ms = 1\nmax_ms = 5\nattempt_timeout_ms = 400\n",
		    (unsigned)fx->srv.port);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct txfx *fx = *state;

	httpd_stop(&fx->srv);
	txfx_free(fx);
	return 0;
}

static void test_acked(void **state)
{
	struct txfx *fx = *state;
	int verdict;
	uint32_t retry;

	assert_int_equal(txfx_exchange(fx, "plain-http", &verdict, &retry), MAYDAY_OK);
	assert_int_equal(verdict, DCF_ACK_VALID);
	assert_int_equal(retry, 0);
	assert_int_equal(fx->srv.requests, 1);
	assert_string_equal(fx->srv.method, "POST");
	assert_string_equal(fx->srv.path, "/v1/distress");
	assert_string_equal(fx->srv.content_type, "application/cose");
	assert_true(fx->srv.verified);
	assert_int_equal(fx->srv.transport, MAYDAY_TRANSPORT_PLAIN_HTTP);
}

static void test_media_type_parameters(void **state)
{
	struct txfx *fx = *state;
	int verdict;
	uint32_t retry;

	fx->srv.script[0] = HTTPD_ACK_PARAMS;
	assert_int_equal(txfx_exchange(fx, "plain-http", &verdict, &retry), MAYDAY_OK);
	assert_int_equal(verdict, DCF_ACK_VALID);
}

static void test_busy(void **state)
{
	struct txfx *fx = *state;
	int verdict;
	uint32_t retry;

	fx->srv.script[0] = HTTPD_BUSY;
	fx->srv.retry_after = 7;
	assert_int_equal(txfx_exchange(fx, "plain-http", &verdict, &retry), MAYDAY_OK);
	assert_int_equal(retry, 7);
	assert_int_equal(verdict, -1); /* no ack to hand back */
	/* 503 without Retry-After is a failed attempt like any other status */
	fx->srv.script[1] = HTTPD_BUSY_BARE;
	assert_int_equal(txfx_exchange(fx, "plain-http", &verdict, &retry), MAYDAY_E_IO);
}

static void test_refused_answers(void **state)
{
	struct txfx *fx = *state;
	int verdict;
	uint32_t retry;

	fx->srv.script[0] = HTTPD_NOT_FOUND;
	fx->srv.script[1] = HTTPD_WRONG_TYPE;
	fx->srv.script[2] = HTTPD_TOO_BIG;
	fx->srv.script[3] = HTTPD_TOO_BIG_UNANNOUNCED;
	assert_int_equal(txfx_exchange(fx, "plain-http", &verdict, &retry), MAYDAY_E_IO);
	assert_int_equal(txfx_exchange(fx, "plain-http", &verdict, &retry), MAYDAY_E_IO);
	assert_int_equal(txfx_exchange(fx, "plain-http", &verdict, &retry), MAYDAY_E_TOOBIG);
	assert_int_equal(verdict, -1);
	assert_int_equal(txfx_exchange(fx, "plain-http", &verdict, &retry), MAYDAY_E_TOOBIG);
	assert_int_equal(verdict, -1);
	assert_int_equal(fx->srv.requests, 4);
}

static void test_timeout(void **state)
{
	struct txfx *fx = *state;
	int verdict;
	uint32_t retry;
	uint64_t t0 = hal_clock_mono_ms();

	fx->srv.script[0] = HTTPD_SILENT;
	assert_int_equal(txfx_exchange(fx, "plain-http", &verdict, &retry), MAYDAY_E_TIMEOUT);
	uint64_t took = hal_clock_mono_ms() - t0;
	assert_true(took >= 390 && took < 2000); /* attempt_timeout_ms = 400 */
}

static void test_nobody_listening(void **state)
{
	struct txfx *fx = *state;
	int verdict;
	uint32_t retry;

	httpd_stop(&fx->srv);
	assert_int_equal(txfx_exchange(fx, "plain-http", &verdict, &retry), MAYDAY_E_IO);
	httpd_start(&fx->srv); /* for the teardown (on another port) */
	assert_int_equal(fx->srv.requests, 0);
}

/* maydayd's signed 503 (admission control): the session verifies the body
 * and honours its wait (3 s), longer than the unsigned header's 1 s, which
 * alone would be held to the backoff cap. */
static void test_session_honours_signed_busy(void **state)
{
	struct txfx *fx = *state;
	const struct dcf_tx_ops *methods[] = { dcf_tx_find("plain-http") };
	struct mayday_signer signer;
	struct mayday_evidence ev = { .reason = MAYDAY_REASON_COMPONENT_MISSING };
	struct dcf_stats st;
	EVP_PKEY *anchor = NULL;

	fx->srv.script[0] = HTTPD_BUSY_SIGNED;
	fx->srv.retry_after = 1;
	fx->srv.signed_retry_after = 3;
	assert_int_equal(hal_rot_signer(fx->rot, &signer), MAYDAY_OK);
	assert_int_equal(hal_rot_anchor(fx->rot, HAL_ROT_ANCHOR_HEMS, &anchor), MAYDAY_OK);
	struct dcf_session s = {
		.env = &fx->env, .methods = methods, .n_methods = 1, .signer = &signer,
		.hems_pub = anchor, .device_id = TXFX_DEVICE_ID, .ev = &ev, .deadline_ms = 20000,
	};
	uint64_t t0 = hal_clock_mono_ms();
	assert_int_equal(dcf_session_run(&s, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_true(hal_clock_mono_ms() - t0 >= 3000);
	EVP_PKEY_free(anchor);
	assert_int_equal(st.sends, 2);
	assert_int_equal(st.messages, 1);   /* the same bytes again: no verdict */
	assert_true(st.retry_after >= 2);   /* the header and the signed ack */
	assert_int_equal(st.ack.action, MAYDAY_ACTION_NONE); /* the final, stored ack */
}

/* The session over the real transport: busy (1 s), then acknowledged. */
static void test_session_honours_retry_after(void **state)
{
	struct txfx *fx = *state;
	const struct dcf_tx_ops *methods[] = { dcf_tx_find("plain-http") };
	struct mayday_signer signer;
	struct mayday_evidence ev = { .reason = MAYDAY_REASON_COMPONENT_MISSING };
	struct dcf_stats st;
	EVP_PKEY *anchor = NULL;

	fx->srv.script[0] = HTTPD_BUSY;
	fx->srv.retry_after = 1;
	assert_int_equal(hal_rot_signer(fx->rot, &signer), MAYDAY_OK);
	assert_int_equal(hal_rot_anchor(fx->rot, HAL_ROT_ANCHOR_HEMS, &anchor), MAYDAY_OK);
	struct dcf_session s = {
		.env = &fx->env, .methods = methods, .n_methods = 1, .signer = &signer,
		.hems_pub = anchor, .device_id = TXFX_DEVICE_ID, .ev = &ev, .deadline_ms = 5000,
	};
	uint64_t t0 = hal_clock_mono_ms();
	assert_int_equal(dcf_session_run(&s, &st), MAYDAY_EXIT_DCF_ACKED);
	assert_true(hal_clock_mono_ms() - t0 >= 1000);
	EVP_PKEY_free(anchor);
	assert_int_equal(st.retry_after, 1);
	assert_int_equal(st.sends, 2);
	assert_int_equal(st.messages, 1);
	assert_int_equal(fx->srv.requests, 2);
	assert_int_equal(fx->srv.counter, 1);
	assert_int_equal(fx->srv.transport, MAYDAY_TRANSPORT_PLAIN_HTTP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_acked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_media_type_parameters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nobody_listening, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_honours_retry_after, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_honours_signed_busy, setup, teardown),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	return failed;
}

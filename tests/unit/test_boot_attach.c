/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attach state (boot_attach.h) and the start-up decisions it drives: a
 * verified image whose normal code cannot attach, or crashes in a loop,
 * goes to the DCF with reason attach-failed; the report is made once, with
 * a backoff, so a device neither loses the failure nor flaps; a device that
 * attaches again stays normal; a power cut at any write leaves a device that
 * still starts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot_attach.h"
#include "boot_fixture.h"
#include "boot_verify.h"
#include "mayday/keys.h"

static struct boot_decision *decide(struct fx *fx)
{
	struct boot_decision *d = calloc(1, sizeof *d);

	assert_non_null(d);
	fx_decide(fx, d);
	return d;
}

static void expect_normal(struct fx *fx)
{
	struct boot_decision *d = decide(fx);

	assert_int_equal(d->action, BOOT_START_NORMAL);
	assert_int_equal(d->slot, BOOT_SLOT_A);
	free(d);
}

static void expect_attach_dcf(struct fx *fx, uint32_t stage, uint32_t tries, uint32_t episodes,
			      const char *last_error)
{
	struct boot_decision *d = decide(fx);

	assert_int_equal(d->action, BOOT_START_DCF);
	assert_int_equal(d->evidence.reason, MAYDAY_REASON_ATTACH_FAILED);
	assert_int_equal(d->evidence.slot, BOOT_SLOT_A);
	assert_int_equal(d->evidence.n_failed, 0);
	/* Every component verified: the evidence names the verified image. */
	assert_string_equal(d->evidence.image_version, "1.0");
	assert_int_equal(d->evidence.manifest_rollback, 1);
	assert_int_equal(d->evidence.attach.stage, stage);
	assert_int_equal(d->evidence.attach.tries, tries);
	assert_int_equal(d->evidence.attach.episodes, episodes);
	assert_string_equal(d->evidence.attach.last_error, last_error);
	assert_string_equal(d->dcf_entry.name, BOOT_DCF_ENTRY);
	free(d);
}

static void attach_get(struct fx *fx, struct boot_attach *a)
{
	assert_int_equal(boot_attach_load(fx->flash, a, NULL), MAYDAY_OK);
}

/* ---- the record ---- */

static void test_record_layout_and_roundtrip(void **state)
{
	struct boot_attach a, b;
	uint8_t rec[BOOT_ATTACH_RECORD_LEN];
	uint8_t d[MAYDAY_DIGEST_LEN];
	struct mayday_diag diag = { 0, NULL };

	(void)state;
	boot_attach_init(&a);
	a.flags = BOOT_ATTACH_WATCH | BOOT_ATTACH_FAILED;
	a.stage = MAYDAY_ATTACH_AUTH_REFUSED;
	a.unattached = 2;
	a.episodes = 3;
	a.tries = 0x01020304;
	strcpy(a.last_error, "DENIED");
	assert_int_equal(boot_attach_encode(&a, rec), MAYDAY_OK);
	assert_memory_equal(rec, "MDAS", 4);
	assert_int_equal(rec[4], BOOT_ATTACH_FORMAT);
	assert_int_equal(rec[5], 3);
	assert_int_equal(rec[6], 2);
	assert_int_equal(rec[7], 2);
	assert_int_equal(rec[8], 3);
	assert_int_equal(rec[9], 1);
	assert_int_equal(rec[12], 4);
	assert_memory_equal(rec + 13, "DENIED\0\0", 8);
	mayday_sha256(rec, 45, d);
	assert_memory_equal(rec + 45, d, 4);
	assert_int_equal(boot_attach_decode(rec, sizeof rec, &b, &diag), MAYDAY_OK);
	assert_int_equal(b.flags, a.flags);
	assert_int_equal(b.stage, a.stage);
	assert_int_equal(b.unattached, 2);
	assert_int_equal(b.episodes, 3);
	assert_int_equal(b.tries, a.tries);
	assert_string_equal(b.last_error, "DENIED");

	/* Any single bit flip is caught. */
	for (size_t bit = 0; bit < sizeof rec * 8; bit++) {
		uint8_t bad[BOOT_ATTACH_RECORD_LEN];

		memcpy(bad, rec, sizeof bad);
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		diag.what = NULL;
		assert_int_not_equal(boot_attach_decode(bad, sizeof bad, &b, &diag), MAYDAY_OK);
		assert_non_null(diag.what);
	}
	assert_int_equal(boot_attach_decode(rec, sizeof rec - 1, &b, &diag), MAYDAY_E_MALFORMED);
}

static void test_record_refuses_invalid(void **state)
{
	struct boot_attach a;
	uint8_t rec[BOOT_ATTACH_RECORD_LEN];

	(void)state;
	boot_attach_init(&a);
	a.flags = 0x4;
	assert_int_equal(boot_attach_encode(&a, rec), MAYDAY_E_INVALID);
	boot_attach_init(&a);
	a.flags = BOOT_ATTACH_WATCH | BOOT_ATTACH_FAILED; /* failure without a stage */
	assert_int_equal(boot_attach_encode(&a, rec), MAYDAY_E_INVALID);
	a.stage = 9;
	assert_int_equal(boot_attach_encode(&a, rec), MAYDAY_E_INVALID);
	boot_attach_init(&a);
	a.tries = 1; /* tries without a failure */
	assert_int_equal(boot_attach_encode(&a, rec), MAYDAY_E_INVALID);
	boot_attach_init(&a);
	a.flags = BOOT_ATTACH_WATCH | BOOT_ATTACH_FAILED;
	a.stage = MAYDAY_ATTACH_SEGW_UNREACHABLE;
	a.last_error[0] = '\n';
	assert_int_equal(boot_attach_encode(&a, rec), MAYDAY_E_INVALID);
}

static void test_backoff(void **state)
{
	(void)state;
	assert_int_equal(boot_attach_backoff(3, 0), 3);
	assert_int_equal(boot_attach_backoff(3, 1), 6);
	assert_int_equal(boot_attach_backoff(3, 4), 48);
	assert_int_equal(boot_attach_backoff(3, 200), 48);
	assert_int_equal(boot_attach_backoff(UINT32_MAX / 2, 2), UINT32_MAX);
}

static void test_report_sanitises_error(void **state)
{
	struct fx *fx = *state;
	struct boot_attach a;
	char longer[80];

	memset(longer, 'x', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	longer[3] = '\t';
	assert_int_equal(boot_attach_report_failed(fx->flash, MAYDAY_ATTACH_AUTH_REFUSED, 2, longer),
			 MAYDAY_OK);
	attach_get(fx, &a);
	assert_int_equal(strlen(a.last_error), MAYDAY_ATTACH_ERROR_MAX);
	assert_int_equal(a.last_error[3], '?');
	/* Only normal code's stages; a crash loop is the TrE's finding. */
	assert_int_equal(boot_attach_report_failed(fx->flash, MAYDAY_ATTACH_CRASH_LOOP, 1, ""),
			 MAYDAY_E_INVALID);
}

/* ---- decisions ---- */

static void test_unwatched_writes_nothing(void **state)
{
	struct fx *fx = *state;
	size_t len = 0;

	/* Normal code that never reported attachment: nothing is counted, a
	 * healthy start-up writes nothing (devices from before this record). */
	fx_reopen(fx, "fault");
	for (int i = 0; i < 5; i++)
		expect_normal(fx);
	assert_int_equal(hal_flash_ops_count(fx->flash), 0);
	assert_null(fx_read(fx, HAL_PART_STATE, BOOT_ATTACH_NAME, &len));
}

static void test_failure_goes_to_dcf_once(void **state)
{
	struct fx *fx = *state;
	struct boot_attach a;
	struct boot_decision *d;
	char line[160];

	assert_int_equal(boot_attach_report_ok(fx->flash), MAYDAY_OK);
	expect_normal(fx);
	assert_int_equal(boot_attach_report_failed(fx->flash, MAYDAY_ATTACH_SEGW_UNREACHABLE, 3,
						   "Connection refused"),
			 MAYDAY_OK);
	d = decide(fx);
	boot_decide_summary(d, line, sizeof line);
	assert_string_equal(line, "decision: dcf reason=attach-failed slot=a stage=segw-unreachable "
				  "tries=3 episode=1");
	free(d);
	/* Cleared when reported: the next start-up tries normal code again. */
	attach_get(fx, &a);
	assert_int_equal(a.flags, BOOT_ATTACH_WATCH);
	assert_int_equal(a.episodes, 1);
	assert_int_equal(a.unattached, 0);
	expect_normal(fx);
	attach_get(fx, &a);
	assert_int_equal(a.unattached, 1);
}

static void test_recover_stays_normal(void **state)
{
	struct fx *fx = *state;
	struct boot_attach a;

	/* fail -> DCF -> recover -> stays normal */
	assert_int_equal(boot_attach_report_failed(fx->flash, MAYDAY_ATTACH_AUTH_REFUSED, 1, "DENIED"),
			 MAYDAY_OK);
	expect_attach_dcf(fx, MAYDAY_ATTACH_AUTH_REFUSED, 1, 1, "DENIED");
	for (int i = 0; i < 20; i++) {
		expect_normal(fx);
		assert_int_equal(boot_attach_report_ok(fx->flash), MAYDAY_OK);
	}
	attach_get(fx, &a);
	assert_int_equal(a.flags, BOOT_ATTACH_WATCH);
	assert_int_equal(a.episodes, 0);
	assert_int_equal(a.unattached, 0);
	/* A later failure is episode 1 again (the backoff restarted). */
	assert_int_equal(boot_attach_report_failed(fx->flash, MAYDAY_ATTACH_SEGW_UNREACHABLE, 3, "x"),
			 MAYDAY_OK);
	expect_attach_dcf(fx, MAYDAY_ATTACH_SEGW_UNREACHABLE, 3, 1, "x");
}

static void test_fail_again_counts_episodes(void **state)
{
	struct fx *fx = *state;

	/* fail -> DCF -> fail -> DCF, with the count */
	for (uint32_t ep = 1; ep <= 6; ep++) {
		assert_int_equal(boot_attach_report_failed(fx->flash, MAYDAY_ATTACH_SEGW_UNREACHABLE,
							   ep, "Connection refused"),
				 MAYDAY_OK);
		expect_attach_dcf(fx, MAYDAY_ATTACH_SEGW_UNREACHABLE, ep, ep, "Connection refused");
		expect_normal(fx); /* never two DCF start-ups in a row for one failure */
	}
}

static void test_crash_loop_with_backoff(void **state)
{
	struct fx *fx = *state;
	uint32_t limit;

	assert_int_equal(boot_attach_report_ok(fx->flash), MAYDAY_OK);
	/* Normal code now never reports: it crashes before attaching. */
	for (uint8_t ep = 0; ep < 6; ep++) {
		limit = boot_attach_backoff(BOOT_ATTACH_CRASH_BOOTS, ep);
		for (uint32_t i = 0; i < limit; i++)
			expect_normal(fx);
		expect_attach_dcf(fx, MAYDAY_ATTACH_CRASH_LOOP, limit, ep + 1u, "");
	}
	/* It comes up and attaches: counts cleared, stays normal. */
	expect_normal(fx);
	assert_int_equal(boot_attach_report_ok(fx->flash), MAYDAY_OK);
	for (int i = 0; i < 10; i++) {
		expect_normal(fx);
		assert_int_equal(boot_attach_report_ok(fx->flash), MAYDAY_OK);
	}
}

static void test_pending_trial_not_diverted(void **state)
{
	struct fx *fx = *state;
	struct boot_decision *d;

	fx_slot_install(fx, BOOT_SLOT_B, "2.0", 2);
	assert_int_equal(boot_attach_report_failed(fx->flash, MAYDAY_ATTACH_SEGW_UNREACHABLE, 3, "x"),
			 MAYDAY_OK);
	fx_state_set(fx, BOOT_SLOT_A, BOOT_SLOT_B, 2, 0);
	/* The trial has its own bound; the recorded failure waits for the
	 * active slot. */
	d = decide(fx);
	assert_int_equal(d->action, BOOT_START_NORMAL);
	assert_int_equal(d->slot, BOOT_SLOT_B);
	free(d);
	fx_state_set(fx, BOOT_SLOT_A, BOOT_SLOT_NONE, 0, 0);
	expect_attach_dcf(fx, MAYDAY_ATTACH_SEGW_UNREACHABLE, 3, 1, "x");
}

static void test_damaged_record_watched_afresh(void **state)
{
	struct fx *fx = *state;
	struct boot_attach a;

	fx_write(fx, HAL_PART_STATE, BOOT_ATTACH_NAME, "MDAS\x01garbage", 12);
	expect_normal(fx); /* never a reason to withhold verified normal code */
	attach_get(fx, &a); /* rewritten whole */
	assert_int_equal(a.flags, BOOT_ATTACH_WATCH);
	assert_int_equal(a.unattached, 1);
}

static void test_dry_run_writes_nothing(void **state)
{
	struct fx *fx = *state;
	struct boot_decision d;

	assert_int_equal(boot_attach_report_failed(fx->flash, MAYDAY_ATTACH_SEGW_UNREACHABLE, 3, "x"),
			 MAYDAY_OK);
	fx_reopen(fx, "fault");
	boot_decide(fx->flash, "file", false, &d);
	assert_int_equal(d.action, BOOT_START_DCF);
	assert_int_equal(d.evidence.reason, MAYDAY_REASON_ATTACH_FAILED);
	assert_int_equal(hal_flash_ops_count(fx->flash), 0);
	fx_reopen(fx, NULL);
	expect_attach_dcf(fx, MAYDAY_ATTACH_SEGW_UNREACHABLE, 3, 1, "x");
}

/* After a start-up cut short at any operation, the device still starts
 * (normal code or the DCF, never a halt), the failure is reported at most
 * once, and a device whose normal code attaches ends up normal. */
static void cut_everywhere(struct fx *fx, void (*prepare)(struct fx *), bool failure)
{
	char spec[32];
	unsigned long total;
	uint8_t saved[BOOT_ATTACH_RECORD_LEN];
	size_t len = 0;
	uint8_t *rec;

	prepare(fx);
	rec = fx_read(fx, HAL_PART_STATE, BOOT_ATTACH_NAME, &len);
	assert_non_null(rec);
	assert_int_equal(len, sizeof saved);
	memcpy(saved, rec, len);
	free(rec);
	fx_reopen(fx, "fault");
	free(decide(fx));
	total = hal_flash_ops_count(fx->flash);
	assert_true(total > 0);
	for (unsigned long cut = 1; cut < total; cut++) {
		struct boot_decision *d;
		int dcf = 0;

		fx_write(fx, HAL_PART_STATE, BOOT_ATTACH_NAME, saved, sizeof saved);
		snprintf(spec, sizeof spec, "fault:cut=%lu", cut);
		fx_reopen(fx, spec);
		d = decide(fx);
		assert_int_equal(d->action, BOOT_HALT);
		assert_string_equal(d->halt_reason, "power-lost");
		free(d);
		fx_reopen(fx, NULL);
		for (int boot = 0; boot < 3; boot++) {
			d = decide(fx);
			assert_int_not_equal(d->action, BOOT_HALT);
			if (d->action == BOOT_START_DCF) {
				assert_int_equal(d->evidence.reason, MAYDAY_REASON_ATTACH_FAILED);
				dcf++;
			} else {
				assert_int_equal(boot_attach_report_ok(fx->flash), MAYDAY_OK);
			}
			free(d);
		}
		/* At most once; none when the cut fell after the clearing write
		 * reached flash but before the DCF ran (normal code fails and
		 * records again: README.md). */
		assert_true(dcf <= (failure ? 1 : 0));
		expect_normal(fx);
	}
	fx_reopen(fx, NULL);
}

static void prep_failed(struct fx *fx)
{
	assert_int_equal(boot_attach_report_failed(fx->flash, MAYDAY_ATTACH_SEGW_UNREACHABLE, 3,
						   "Connection refused"),
			 MAYDAY_OK);
}

static void prep_watched(struct fx *fx)
{
	assert_int_equal(boot_attach_report_ok(fx->flash), MAYDAY_OK);
}

static void test_power_cut_reporting(void **state)
{
	cut_everywhere(*state, prep_failed, true);
}

static void test_power_cut_counting(void **state)
{
	cut_everywhere(*state, prep_watched, false);
}

/* Normal code's own writes cut short: the old record or the new one. */
static void test_power_cut_normal_report(void **state)
{
	struct fx *fx = *state;
	unsigned long total;
	char spec[32];

	fx_reopen(fx, "fault");
	prep_failed(fx);
	total = hal_flash_ops_count(fx->flash);
	for (unsigned long cut = 1; cut < total; cut++) {
		struct boot_decision *d;

		size_t len = 0;
		uint8_t *old = fx_read(fx, HAL_PART_STATE, BOOT_ATTACH_NAME, &len);

		if (old)
			fx_remove(fx, HAL_PART_STATE, BOOT_ATTACH_NAME);
		free(old);
		snprintf(spec, sizeof spec, "fault:cut=%lu", cut);
		fx_reopen(fx, spec);
		assert_int_equal(boot_attach_report_failed(fx->flash,
							   MAYDAY_ATTACH_SEGW_UNREACHABLE, 3, "x"),
				 MAYDAY_E_POWER);
		fx_reopen(fx, NULL);
		/* The old record (none: normal code starts, and reports again) or
		 * the new one (the DCF runs with it). */
		d = decide(fx);
		if (d->action == BOOT_START_DCF)
			assert_int_equal(d->evidence.reason, MAYDAY_REASON_ATTACH_FAILED);
		else
			assert_int_equal(d->action, BOOT_START_NORMAL);
		free(d);
	}
	fx_reopen(fx, NULL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_layout_and_roundtrip),
		cmocka_unit_test(test_record_refuses_invalid),
		cmocka_unit_test(test_backoff),
		T(test_report_sanitises_error),
		T(test_unwatched_writes_nothing),
		T(test_failure_goes_to_dcf_once),
		T(test_recover_stays_normal),
		T(test_fail_again_counts_episodes),
		T(test_crash_loop_with_backoff),
		T(test_pending_trial_not_diverted),
		T(test_damaged_record_watched_afresh),
		T(test_dry_run_writes_nothing),
		T(test_power_cut_reporting),
		T(test_power_cut_counting),
		T(test_power_cut_normal_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

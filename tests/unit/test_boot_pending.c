/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trial of a pending slot: tries are spent durably before each trial, a bad
 * pending image is reported and given up, an unconfirmed one runs out of
 * tries, and a power cut at every flash operation of a trial start-up leaves
 * a device that still starts (MCUboot's "cut at every write" test).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot_decide.h"
#include "boot_fixture.h"
#include "boot_state.h"
#include "boot_verify.h"
#include "exit_codes.h"

static void decide(struct fx *fx, struct boot_decision *d)
{
	fx_decide(fx, d);
}

static void expect_state(struct fx *fx, uint8_t active, uint8_t pending, uint8_t tries,
			 uint32_t attempts)
{
	struct boot_state st;

	fx_reopen(fx, NULL); /* what survives is what is on flash */
	fx_state_get(fx, &st);
	assert_int_equal(st.active, active);
	assert_int_equal(st.pending, pending);
	assert_int_equal(st.tries_left, tries);
	assert_int_equal(st.attempts, attempts);
}

static int setup_pending(void **state)
{
	struct fx *fx;

	fx_setup(state);
	fx = *state;
	fx_slot_install(fx, BOOT_SLOT_B, "2.0", 2);
	fx_state_set(fx, BOOT_SLOT_A, BOOT_SLOT_B, 3, 0);
	return 0;
}

static void test_pending_good_boots_and_spends_tries(void **state)
{
	struct fx *fx = *state;
	struct boot_decision d;

	for (uint8_t i = 1; i <= 3; i++) {
		decide(fx, &d);
		assert_int_equal(d.action, BOOT_START_NORMAL);
		assert_int_equal(d.slot, BOOT_SLOT_B);
		assert_string_equal(d.image_version, "2.0");
		assert_int_equal(d.boot_attempts, i);
		expect_state(fx, BOOT_SLOT_A, BOOT_SLOT_B, (uint8_t)(3 - i), i);
	}
	/* Never confirmed: the fourth start-up gives it up and reports it. */
	decide(fx, &d);
	assert_int_equal(d.action, BOOT_START_DCF);
	assert_int_equal(d.evidence.reason, MAYDAY_REASON_NORMAL_START_FAILED);
	assert_int_equal(d.evidence.slot, BOOT_SLOT_B);
	assert_int_equal(d.evidence.boot_attempts, 3);
	assert_string_equal(d.evidence.image_version, "2.0");
	assert_int_equal(d.evidence.manifest_rollback, 2);
	expect_state(fx, BOOT_SLOT_A, BOOT_SLOT_NONE, 0, 0);
	/* And the device is back on its old image. */
	decide(fx, &d);
	assert_int_equal(d.action, BOOT_START_NORMAL);
	assert_int_equal(d.slot, BOOT_SLOT_A);
	assert_string_equal(d.image_version, "1.0");
}

static void test_pending_bad_goes_to_dcf_and_is_cleared(void **state)
{
	struct fx *fx = *state;
	struct boot_decision d;

	fx_write(fx, HAL_PART_SLOT_B, "radio.bin", "short", 5);
	decide(fx, &d);
	assert_int_equal(d.action, BOOT_START_DCF);
	assert_int_equal(d.evidence.reason, MAYDAY_REASON_COMPONENT_MISMATCH);
	assert_int_equal(d.evidence.slot, BOOT_SLOT_B);
	assert_int_equal(d.evidence.boot_attempts, 1);
	assert_int_equal(d.evidence.n_failed, 1);
	assert_string_equal(d.evidence.failed[0].name, "radio.bin");
	assert_int_equal(d.evidence.failed[0].measured_size, 5);
	assert_string_equal(d.evidence.image_version, "2.0");
	expect_state(fx, BOOT_SLOT_A, BOOT_SLOT_NONE, 0, 0);
	decide(fx, &d);
	assert_int_equal(d.action, BOOT_START_NORMAL);
	assert_int_equal(d.slot, BOOT_SLOT_A);
}

static void test_pending_rollback_or_unsigned(void **state)
{
	struct fx *fx = *state;
	struct boot_decision d;

	fx_rollback_advance(fx, 3);
	/* Slot A (rollback 1) is now also below the counter: reported as such. */
	decide(fx, &d);
	assert_int_equal(d.action, BOOT_START_DCF);
	assert_int_equal(d.evidence.reason, MAYDAY_REASON_ROLLBACK);
	assert_int_equal(d.evidence.slot, BOOT_SLOT_B);
	assert_int_equal(d.evidence.manifest_rollback, 2);
	expect_state(fx, BOOT_SLOT_A, BOOT_SLOT_NONE, 0, 0);

	fx_manifest_install(fx, HAL_PART_SLOT_B, &fx->slot[BOOT_SLOT_B], fx->other);
	fx_state_set(fx, BOOT_SLOT_A, BOOT_SLOT_B, 2, 0);
	decide(fx, &d);
	assert_int_equal(d.evidence.reason, MAYDAY_REASON_MANIFEST_INVALID);
	assert_int_equal(d.evidence.slot, BOOT_SLOT_B);
}

static void test_pending_with_no_tries_left(void **state)
{
	struct fx *fx = *state;
	struct boot_decision d;

	fx_state_set(fx, BOOT_SLOT_A, BOOT_SLOT_B, 0, 7);
	decide(fx, &d);
	assert_int_equal(d.action, BOOT_START_DCF);
	assert_int_equal(d.evidence.reason, MAYDAY_REASON_NORMAL_START_FAILED);
	assert_int_equal(d.evidence.boot_attempts, 7);
	assert_int_equal(d.evidence.slot, BOOT_SLOT_B);
	expect_state(fx, BOOT_SLOT_A, BOOT_SLOT_NONE, 0, 0);

	/* Even a pending slot whose manifest cannot be read is given up. */
	fx_remove(fx, HAL_PART_SLOT_B, BOOT_MANIFEST_NAME);
	fx_state_set(fx, BOOT_SLOT_A, BOOT_SLOT_B, 0, 2);
	decide(fx, &d);
	assert_int_equal(d.evidence.reason, MAYDAY_REASON_NORMAL_START_FAILED);
	assert_string_equal(d.evidence.image_version, "");
	expect_state(fx, BOOT_SLOT_A, BOOT_SLOT_NONE, 0, 0);
}

static void test_dry_run_spends_no_tries(void **state)
{
	struct fx *fx = *state;
	struct boot_decision d;

	boot_decide(fx->flash, "file", false, &d);
	assert_int_equal(d.action, BOOT_START_NORMAL);
	assert_int_equal(d.slot, BOOT_SLOT_B);
	expect_state(fx, BOOT_SLOT_A, BOOT_SLOT_B, 3, 0);
}

/* Count the flash operations of one start-up from the current state, then
 * repeat it with the power cut after each operation 1..N-1 and check that
 * the next start-up (full power) finds a valid record and starts something
 * other than a halt; `check` judges the surviving record. */
typedef void (*survivor_fn)(const struct boot_state *st, const struct boot_decision *next);

static void cut_everywhere(struct fx *fx, const struct boot_state *initial, survivor_fn check)
{
	struct boot_decision d;
	uint64_t total;

	fx_reopen(fx, "fault");
	assert_int_equal(boot_state_store(fx->flash, initial), MAYDAY_OK);
	fx_reopen(fx, "fault");
	decide(fx, &d);
	assert_int_not_equal(d.action, BOOT_HALT);
	total = hal_flash_ops_count(fx->flash);
	assert_true(total >= 2);

	/* cut=N: operation N completes, N+1 fails (cut=0 would be a device
	 * that never powers up: nothing to check). */
	for (uint64_t n = 1; n < total; n++) {
		char spec[64];
		struct boot_state st;

		fx_reopen(fx, NULL);
		assert_int_equal(boot_state_store(fx->flash, initial), MAYDAY_OK);
		snprintf(spec, sizeof spec, "fault:cut=%llu", (unsigned long long)n);
		fx_reopen(fx, spec);
		decide(fx, &d);
		/* Power gone mid-way: the TrE stops, it does not guess. */
		assert_int_equal(d.action, BOOT_HALT);
		assert_int_equal(d.halt_code, MAYDAY_EXIT_HALT_INTERNAL);

		fx_reopen(fx, NULL);
		fx_state_get(fx, &st); /* decodes: old record or new, never a mix */
		decide(fx, &d);
		assert_int_not_equal(d.action, BOOT_HALT);
		check(&st, &d);
	}
}

static void after_trial_cut(const struct boot_state *st, const struct boot_decision *next)
{
	/* Old record (3 tries) or the decremented one (2). */
	assert_int_equal(st->active, BOOT_SLOT_A);
	assert_int_equal(st->pending, BOOT_SLOT_B);
	assert_true(st->tries_left == 3 || st->tries_left == 2);
	assert_int_equal(st->attempts, 3u - st->tries_left);
	assert_int_equal(next->action, BOOT_START_NORMAL);
	assert_int_equal(next->slot, BOOT_SLOT_B);
}

static void test_power_cut_during_trial(void **state)
{
	struct fx *fx = *state;
	const struct boot_state initial = { BOOT_SLOT_A, BOOT_SLOT_B, 3, 0 };

	cut_everywhere(fx, &initial, after_trial_cut);
}

static void after_clear_cut(const struct boot_state *st, const struct boot_decision *next)
{
	assert_int_equal(st->active, BOOT_SLOT_A);
	if (st->pending == BOOT_SLOT_B) {
		/* Cut before the clear: the bad image is tried (and reported) again. */
		assert_true(st->tries_left == 3 || st->tries_left == 2);
		assert_int_equal(next->action, BOOT_START_DCF);
		assert_int_equal(next->evidence.slot, BOOT_SLOT_B);
	} else {
		assert_int_equal(st->pending, BOOT_SLOT_NONE);
		assert_int_equal(next->action, BOOT_START_NORMAL);
		assert_int_equal(next->slot, BOOT_SLOT_A);
	}
}

static void test_power_cut_while_giving_up_a_bad_pending_slot(void **state)
{
	struct fx *fx = *state;
	const struct boot_state initial = { BOOT_SLOT_A, BOOT_SLOT_B, 3, 0 };

	fx_remove(fx, HAL_PART_SLOT_B, "config.db");
	cut_everywhere(fx, &initial, after_clear_cut);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_pending, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pending_good_boots_and_spends_tries),
		T(test_pending_bad_goes_to_dcf_and_is_cleared),
		T(test_pending_rollback_or_unsigned),
		T(test_pending_with_no_tries_left),
		T(test_dry_run_spends_no_tries),
		T(test_power_cut_during_trial),
		T(test_power_cut_while_giving_up_a_bad_pending_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

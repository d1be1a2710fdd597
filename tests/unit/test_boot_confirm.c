/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Confirmation: pending becomes active, then the anti-rollback counter
 * advances; never the other way round, never downwards, never for an
 * unauthentic manifest; a power cut at any step leaves a device that starts
 * and a confirmation that can simply be repeated.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hal_specs.h"
#include "boot_confirm.h"
#include "boot_decide.h"
#include "boot_fixture.h"
#include "boot_state.h"
#include "boot_verify.h"
#include "rot.h"

static enum mayday_err confirm(struct fx *fx, uint8_t slot, struct mayday_manifest *m)
{
	struct hal_rot *rot = NULL;
	enum mayday_err rc;

	assert_int_equal(hal_rot_open(&rot, hal_specs_rot(), fx->flash), MAYDAY_OK);
	rc = boot_confirm(fx->flash, rot, slot, m);
	hal_rot_close(rot);
	return rc;
}

static int setup_pending(void **state)
{
	struct fx *fx;

	fx_setup(state);
	fx = *state;
	fx_slot_install(fx, BOOT_SLOT_B, "2.0", 5);
	fx_state_set(fx, BOOT_SLOT_A, BOOT_SLOT_B, 3, 1);
	return 0;
}

static void test_confirm_pending(void **state)
{
	struct fx *fx = *state;
	struct mayday_manifest m;
	struct boot_decision d;
	struct boot_state st;

	assert_int_equal(confirm(fx, BOOT_SLOT_B, &m), MAYDAY_OK);
	assert_string_equal(m.image_version, "2.0");
	fx_state_get(fx, &st);
	assert_int_equal(st.active, BOOT_SLOT_B);
	assert_int_equal(st.pending, BOOT_SLOT_NONE);
	assert_int_equal(st.tries_left, 0);
	assert_int_equal(st.attempts, 0);
	assert_int_equal(fx_rollback_counter(fx), 5);

	fx_decide(fx, &d);
	assert_int_equal(d.action, BOOT_START_NORMAL);
	assert_int_equal(d.slot, BOOT_SLOT_B);

	/* Idempotent. */
	assert_int_equal(confirm(fx, BOOT_SLOT_B, NULL), MAYDAY_OK);
	assert_int_equal(fx_rollback_counter(fx), 5);

	/* The old image can no longer be made active by editing the state. */
	fx_state_set(fx, BOOT_SLOT_A, BOOT_SLOT_NONE, 0, 0);
	fx_decide(fx, &d);
	assert_int_equal(d.action, BOOT_START_DCF);
	assert_int_equal(d.evidence.reason, MAYDAY_REASON_ROLLBACK);
}

static void test_confirm_active_only_advances(void **state)
{
	struct fx *fx = *state;
	struct boot_state st;

	/* Slot A is active while B is pending (e.g. B could not be tried). */
	assert_int_equal(confirm(fx, BOOT_SLOT_A, NULL), MAYDAY_OK);
	assert_int_equal(fx_rollback_counter(fx), 1);
	fx_state_get(fx, &st);
	assert_int_equal(st.active, BOOT_SLOT_A);
	assert_int_equal(st.pending, BOOT_SLOT_B); /* the trial is left alone */
	assert_int_equal(st.tries_left, 3);
}

static void test_confirm_neither_slot(void **state)
{
	struct fx *fx = *state;
	struct boot_state st;
	size_t len = 0;
	uint8_t *rec;

	fx_state_set(fx, BOOT_SLOT_A, BOOT_SLOT_NONE, 0, 0);
	assert_int_equal(confirm(fx, BOOT_SLOT_B, NULL), MAYDAY_E_INVALID);
	fx_state_get(fx, &st);
	assert_int_equal(st.active, BOOT_SLOT_A);
	assert_int_equal(fx_rollback_counter(fx), 0);

	/* A damaged record is not confirmed over. */
	fx_write(fx, HAL_PART_STATE, BOOT_STATE_NAME, "damaged", 7);
	assert_int_not_equal(confirm(fx, BOOT_SLOT_A, NULL), MAYDAY_OK);
	rec = fx_read(fx, HAL_PART_STATE, BOOT_STATE_NAME, &len);
	assert_non_null(rec);
	assert_int_equal(len, 7);
	free(rec);
}

static void test_confirm_refuses_bad_manifest(void **state)
{
	struct fx *fx = *state;
	struct mayday_manifest forged = fx->slot[BOOT_SLOT_B];
	struct boot_state st;

	/* A forged manifest must not raise the counter (that would brick). */
	forged.rollback = UINT64_MAX;
	fx_manifest_install(fx, HAL_PART_SLOT_B, &forged, fx->other);
	assert_int_not_equal(confirm(fx, BOOT_SLOT_B, NULL), MAYDAY_OK);
	assert_int_equal(fx_rollback_counter(fx), 0);
	fx_state_get(fx, &st);
	assert_int_equal(st.active, BOOT_SLOT_A);
	assert_int_equal(st.pending, BOOT_SLOT_B);
}

static void test_confirm_refuses_rollback(void **state)
{
	struct fx *fx = *state;
	struct boot_state st;

	fx_rollback_advance(fx, 6);
	assert_int_equal(confirm(fx, BOOT_SLOT_B, NULL), MAYDAY_E_ROLLBACK);
	assert_int_equal(fx_rollback_counter(fx), 6);
	fx_state_get(fx, &st);
	assert_int_equal(st.pending, BOOT_SLOT_B);
}

static void test_confirm_never_lowers(void **state)
{
	struct fx *fx = *state;
	struct boot_state st;

	/* Pending image older than the counter but still acceptable (== counter). */
	fx_slot_install(fx, BOOT_SLOT_B, "2.0", 4);
	fx_rollback_advance(fx, 4);
	assert_int_equal(confirm(fx, BOOT_SLOT_B, NULL), MAYDAY_OK);
	assert_int_equal(fx_rollback_counter(fx), 4);
	fx_state_get(fx, &st);
	assert_int_equal(st.active, BOOT_SLOT_B);
}

static void test_power_cut_during_confirm(void **state)
{
	struct fx *fx = *state;
	const struct boot_state initial = { BOOT_SLOT_A, BOOT_SLOT_B, 2, 1 };
	uint64_t total;

	fx_reopen(fx, hal_specs_fault(NULL));
	assert_int_equal(confirm(fx, BOOT_SLOT_B, NULL), MAYDAY_OK);
	total = hal_flash_ops_count(fx->flash);
	assert_true(total >= 2);

	/* cut=N: operation N completes, N+1 fails (cut=0 would be a device
	 * that never powers up: nothing to check). */
	for (uint64_t n = 1; n < total; n++) {
		char spec[64];
		struct boot_decision d;
		struct boot_state st;

		/* Reset: state and counter as before the confirmation. */
		fx_reopen(fx, NULL);
		assert_int_equal(hal_rot_file_provision(fx->flash, FX_DEVICE_ID, fx->device_key,
							fx->vendor, fx->hems),
				 MAYDAY_OK);
		assert_int_equal(boot_state_store(fx->flash, &initial), MAYDAY_OK);

		snprintf(spec, sizeof spec, "%s", hal_specs_fault("cut=%llu", (unsigned long long)n));
		fx_reopen(fx, spec);
		{
			struct hal_rot *rot = NULL;

			/* The RoT may already be gone at open. */
			if (hal_rot_open(&rot, hal_specs_rot(), fx->flash) == MAYDAY_OK) {
				assert_int_not_equal(boot_confirm(fx->flash, rot, BOOT_SLOT_B,
								  NULL),
						     MAYDAY_OK);
				hal_rot_close(rot);
			}
		}

		fx_reopen(fx, NULL);
		fx_state_get(fx, &st);
		if (st.active == BOOT_SLOT_A) {
			/* Cut before the state write: untouched. */
			assert_int_equal(st.pending, BOOT_SLOT_B);
			assert_int_equal(fx_rollback_counter(fx), 0);
		} else {
			assert_int_equal(st.active, BOOT_SLOT_B);
			assert_int_equal(st.pending, BOOT_SLOT_NONE);
			assert_true(fx_rollback_counter(fx) == 0 || fx_rollback_counter(fx) == 5);
		}
		/* The device starts (slot B either way: pending trial or active). */
		fx_decide(fx, &d);
		assert_int_equal(d.action, BOOT_START_NORMAL);
		assert_int_equal(d.slot, BOOT_SLOT_B);
		/* And confirming again completes the job. */
		assert_int_equal(confirm(fx, BOOT_SLOT_B, NULL), MAYDAY_OK);
		fx_state_get(fx, &st);
		assert_int_equal(st.active, BOOT_SLOT_B);
		assert_int_equal(fx_rollback_counter(fx), 5);
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_pending, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_confirm_pending),
		T(test_confirm_active_only_advances),
		T(test_confirm_neither_slot),
		T(test_confirm_refuses_bad_manifest),
		T(test_confirm_refuses_rollback),
		T(test_confirm_never_lowers),
		T(test_power_cut_during_confirm),
	};

	hal_specs_filter();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

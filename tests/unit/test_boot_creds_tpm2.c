/* SPDX-License-Identifier: Apache-2.0 */
/*
 * boot_creds_handoff on the tpm2 backend (swtpm): a TPM's PCR outlives the
 * RoT handle, so when the "released" extend fails after a verified
 * start-up the register may still hold the verified value; handoff must
 * say so (capped false) and mayday-boot then starts nothing (boot_main.c,
 * run_normal).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <unistd.h>

#include "boot_creds.h"
#include "rot_tpm2_testlib.h"

/* Verified start-up, then the TPM goes away before "released". */
static void released_extend_fails(void **state)
{
	struct tpm2_fx *fx = *state;
	struct hal_rot *rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE);
	struct boot_decision d;
	uint8_t ev[HAL_ROT_REG_LEN];
	bool capped = true;
	int fd = -2;

	assert_int_equal(hal_rot_event_verified(fx->vendor, ev), MAYDAY_OK);
	assert_int_equal(hal_rot_extend(rot, ev), MAYDAY_OK);
	memset(&d, 0, sizeof(d));
	d.action = BOOT_START_NORMAL;
	assert_int_equal(swtpm_fixture_power_cut(&fx->tpm), 0);
	assert_int_not_equal(boot_creds_handoff(rot, &d, &fd, &capped), MAYDAY_OK);
	assert_false(capped);
	assert_int_equal(fd, -1);
	hal_rot_close(rot);
}

/* The same start-up with the TPM there: capped, credentials handed over. */
static void released_extend_ok(void **state)
{
	struct tpm2_fx *fx = *state;
	struct hal_rot *rot = tpm2_fx_open(fx, HAL_ROT_ROLE_TRE);
	struct boot_decision d;
	uint8_t ev[HAL_ROT_REG_LEN];
	bool capped = false;
	int fd = -2;

	assert_int_equal(hal_rot_event_verified(fx->vendor, ev), MAYDAY_OK);
	assert_int_equal(hal_rot_extend(rot, ev), MAYDAY_OK);
	memset(&d, 0, sizeof(d));
	d.action = BOOT_START_NORMAL;
	assert_int_equal(boot_creds_handoff(rot, &d, &fd, &capped), MAYDAY_OK);
	assert_true(capped);
	assert_true(fd >= 0);
	close(fd);
	hal_rot_close(rot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(released_extend_ok, tpm2_fx_setup,
						tpm2_fx_teardown),
		cmocka_unit_test_setup_teardown(released_extend_fails, tpm2_fx_setup,
						tpm2_fx_teardown),
	};

	swtpm_fixture_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

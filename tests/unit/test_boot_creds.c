/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TrE's half of the credential split (device/boot/boot_creds.h) on a
 * whole device (boot_fixture): a verified start-up hands normal code the
 * device credentials in a sealed memfd, once; a failed one (a tampered
 * component, a missing one) hands nothing -- no descriptor -- and its
 * register can no longer unseal them, even if the decision were turned
 * into a normal start afterwards; a halt leaves no RoT handle at all;
 * normal code's entry changed after verification is measured as a failure,
 * found before anything was extended (boot_start.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "boot_creds.h"
#include "boot_decide.h"
#include "boot_fixture.h"
#include "boot_start.h"
#include "rot.h"

static const char creds[] = "-----BEGIN PRIVATE KEY-----\nthe device's own\n"
			    "-----END PRIVATE KEY-----\n";

static int setup(void **state)
{
	struct fx *fx;

	fx_setup(state);
	fx = *state;
	assert_int_equal(hal_rot_file_provision_creds(fx->flash, fx->vendor,
						      (const uint8_t *)creds, sizeof(creds) - 1),
			 MAYDAY_OK);
	return 0;
}

static struct hal_rot *decide(struct fx *fx, struct boot_decision *d)
{
	struct hal_rot *rot = NULL;

	boot_decide_rot(fx->flash, "file", NULL, true, d, &rot);
	boot_decide_measure(&rot, d); /* as mayday-boot does once the decision is final */
	return rot;
}

static void test_verified_hands_over_sealed_memfd(void **state)
{
	struct fx *fx = *state;
	struct boot_decision d;
	struct hal_rot *rot = decide(fx, &d);
	char buf[256];
	int fd = -2, again = -2;
	bool capped = false;
	ssize_t n;

	assert_int_equal(d.action, BOOT_START_NORMAL);
	assert_non_null(rot);
	assert_int_equal(hal_rot_role_of(rot), HAL_ROT_ROLE_TRE);
	assert_int_equal(boot_creds_handoff(rot, &d, &fd, &capped), MAYDAY_OK);
	assert_true(capped);
	assert_true(fd >= 0);
	/* inherited across exec, and sealed against every change */
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	int seals = fcntl(fd, F_GET_SEALS);
	assert_true((seals & (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL)) ==
		    (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL));
	assert_int_equal(write(fd, "x", 1), -1);
	assert_int_equal(errno, EPERM);
	n = pread(fd, buf, sizeof(buf), 0);
	assert_int_equal(n, sizeof(creds) - 1);
	assert_memory_equal(buf, creds, (size_t)n);
	close(fd);
	/* once: the register now holds "released" */
	assert_int_equal(boot_creds_handoff(rot, &d, &again, &capped), MAYDAY_E_SIGNATURE);
	assert_int_equal(again, -1);
	hal_rot_close(rot);
}

static void check_failed(struct fx *fx)
{
	struct boot_decision d;
	struct hal_rot *rot = decide(fx, &d);
	uint8_t out[256];
	size_t len;
	int fd = -2;
	bool capped = false;

	assert_int_equal(d.action, BOOT_START_DCF);
	assert_non_null(rot);
	/* the decision path: no descriptor, nothing unsealed */
	assert_int_equal(boot_creds_handoff(rot, &d, &fd, &capped), MAYDAY_OK);
	assert_int_equal(fd, -1);
	/* the register: the failure is in it, so nothing unseals -- not even
	 * if the decision were turned into a normal start */
	assert_int_equal(hal_rot_unseal_creds(rot, out, sizeof(out), &len), MAYDAY_E_SIGNATURE);
	d.action = BOOT_START_NORMAL;
	assert_int_equal(boot_creds_handoff(rot, &d, &fd, &capped), MAYDAY_E_SIGNATURE);
	assert_true(capped);
	assert_int_equal(fd, -1);
	hal_rot_close(rot);
}

static void test_tampered_component_releases_nothing(void **state)
{
	struct fx *fx = *state;
	static const uint8_t junk[] = "tampered";

	fx_write(fx, HAL_PART_SLOT_A, "radio.bin", junk, sizeof(junk));
	check_failed(fx);
}

static void test_missing_component_releases_nothing(void **state)
{
	struct fx *fx = *state;

	fx_remove(fx, HAL_PART_SLOT_A, "config.db");
	check_failed(fx);
}

static void test_manifest_by_another_key_releases_nothing(void **state)
{
	struct fx *fx = *state;
	struct mayday_manifest m = fx->slot[0];

	fx_manifest_install(fx, HAL_PART_SLOT_A, &m, fx->other);
	check_failed(fx);
}

/* mayday-boot's order (boot_start.h): the handle from boot_decide_rot is
 * unmeasured; normal code's entry changed after verification is found
 * while loading it, the decision becomes distress before anything is
 * extended, and the register then holds that failure: nothing unseals. */
static void test_changed_entry_measured_as_failure(void **state)
{
	struct fx *fx = *state;
	struct boot_decision d;
	struct hal_rot *rot = NULL;
	uint8_t out[256];
	char path[4096];
	size_t len;
	int fd = -2, cfd = -2;
	bool capped = false;

	boot_decide_rot(fx->flash, "file", NULL, true, &d, &rot);
	assert_int_equal(d.action, BOOT_START_NORMAL);
	assert_non_null(rot);
	fx_write(fx, HAL_PART_SLOT_A, "mayday-normal", "changed", 7);
	assert_int_equal(boot_start_load_normal(fx->flash, &rot, &d, path, sizeof(path), &fd),
			 MAYDAY_E_MISMATCH);
	assert_int_equal(fd, -1);
	assert_non_null(rot);
	assert_int_equal(d.action, BOOT_START_DCF);
	assert_int_equal(d.evidence.reason, MAYDAY_REASON_COMPONENT_MISMATCH);
	assert_int_equal(boot_creds_handoff(rot, &d, &cfd, &capped), MAYDAY_OK);
	assert_int_equal(cfd, -1);
	assert_int_equal(hal_rot_unseal_creds(rot, out, sizeof(out), &len), MAYDAY_E_SIGNATURE);
	hal_rot_close(rot);
}

/* The same entry intact: loaded, then verified is measured, and the
 * credentials unseal (once). */
static void test_loaded_entry_measured_as_verified(void **state)
{
	struct fx *fx = *state;
	struct boot_decision d;
	struct hal_rot *rot = NULL;
	char path[4096];
	int fd = -2, cfd = -2;
	bool capped = false;

	boot_decide_rot(fx->flash, "file", NULL, true, &d, &rot);
	assert_int_equal(boot_start_load_normal(fx->flash, &rot, &d, path, sizeof(path), &fd),
			 MAYDAY_OK);
	assert_true(fd >= 0);
	assert_int_equal(d.action, BOOT_START_NORMAL);
	assert_int_equal(boot_creds_handoff(rot, &d, &cfd, &capped), MAYDAY_OK);
	assert_true(cfd >= 0);
	close(cfd);
	close(fd);
	hal_rot_close(rot);
}

static void test_halt_hands_no_rot(void **state)
{
	struct fx *fx = *state;
	struct boot_decision d;

	fx_remove(fx, HAL_PART_ROT, "vendor.pub.pem");
	assert_null(decide(fx, &d));
	assert_int_equal(d.action, BOOT_HALT);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_verified_hands_over_sealed_memfd),
		T(test_tampered_component_releases_nothing),
		T(test_missing_component_releases_nothing),
		T(test_manifest_by_another_key_releases_nothing),
		T(test_halt_hands_no_rot),
		T(test_changed_entry_measured_as_failure),
		T(test_loaded_entry_measured_as_verified),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

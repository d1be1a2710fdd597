/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The streaming installer: a good bundle lands in slot B, pending, boots and
 * is confirmed; every kind of bad bundle is refused with its TR-069 fault
 * code and activates nothing. Bundles refused on their manifest must not
 * have touched the device at all.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot_confirm.h"
#include "boot_verify.h"
#include "mayday/bundle.h"
#include "test_update_fixture.h"

#define MAX (1u << 20)

/* Slot B holds an older verifying image, not pending: a refusal before
 * writing must leave it byte for byte. */
static int setup(void **state)
{
	struct fx *fx;

	fx_setup(state);
	fx = *state;
	fx_slot_install(fx, BOOT_SLOT_B, "0.9", 1);
	return 0;
}

static void assert_activates_nothing(struct fx *fx)
{
	struct boot_decision d;
	struct boot_state st;
	bool found = false;
	struct mayday_diag diag = { 0, NULL };

	assert_int_equal(boot_state_load(fx->flash, &st, &found, &diag), MAYDAY_OK);
	assert_int_equal(st.pending, BOOT_SLOT_NONE);
	fx_decide(fx, &d);
	assert_int_equal(d.action, BOOT_START_NORMAL);
	assert_int_equal(d.slot, BOOT_SLOT_A);
	assert_string_equal(d.image_version, "1.0");
}

/* Refused before any write: slot B and the boot state untouched. */
static void refused_untouched(struct fx *fx, const uint8_t *b, size_t len, uint64_t max,
			      enum update_status want, unsigned code)
{
	struct update_result res;
	size_t before_len = 0, after_len = 0;
	uint8_t *before = fx_read(fx, HAL_PART_SLOT_B, BOOT_MANIFEST_NAME, &before_len);
	uint8_t *after;
	unsigned files = tu_count(fx, HAL_PART_SLOT_B);

	assert_non_null(before);
	assert_int_equal(tu_install(fx, b, len, max, &res), want);
	assert_int_equal(update_fault_code(res.status), code);
	assert_true(res.detail[0] != '\0');
	after = fx_read(fx, HAL_PART_SLOT_B, BOOT_MANIFEST_NAME, &after_len);
	assert_non_null(after);
	assert_int_equal(after_len, before_len);
	assert_memory_equal(after, before, before_len);
	assert_int_equal(tu_count(fx, HAL_PART_SLOT_B), files);
	assert_null(fx_read(fx, HAL_PART_STATE, BOOT_STATE_NAME, &after_len));
	free(before);
	free(after);
	assert_activates_nothing(fx);
}

/* Refused while writing: slot B left without a manifest (emptied). */
/* Entries of PART on the host, temporaries included (hal_flash_list skips
 * them, and an installer that left a writer open would leave one). */
static unsigned host_entries(const struct fx *fx, const char *part)
{
	char path[4200];
	struct dirent *de;
	unsigned n = 0;
	DIR *d;

	snprintf(path, sizeof path, "%s/%s", fx->dir, part);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void refused_emptied(struct fx *fx, const uint8_t *b, size_t len,
			    enum update_status want, unsigned code)
{
	struct update_result res;
	size_t n = 0;

	assert_int_equal(tu_install(fx, b, len, MAX, &res), want);
	assert_int_equal(update_fault_code(res.status), code);
	assert_null(fx_read(fx, HAL_PART_SLOT_B, BOOT_MANIFEST_NAME, &n));
	assert_int_equal(tu_count(fx, HAL_PART_SLOT_B), 0);
	assert_int_equal(host_entries(fx, HAL_PART_SLOT_B), 0); /* no temporary either */
	assert_activates_nothing(fx);
}

static void test_good_installs_boots_confirms(void **state)
{
	struct fx *fx = *state;
	struct update_result res;
	struct boot_decision d;
	struct boot_state st;
	struct hal_rot *rot = NULL;
	size_t len = 0;
	uint8_t *b = tu_bundle(TU_CLASS, "2.0", 4, fx->vendor, &len, NULL);

	assert_int_equal(tu_install(fx, b, len, MAX, &res), UPDATE_OK);
	assert_int_equal(update_fault_code(res.status), 0);
	assert_int_equal(res.slot, BOOT_SLOT_B);
	assert_int_equal(res.offset, len);
	assert_string_equal(res.manifest.image_version, "2.0");
	/* Exactly the components and the manifest; the 0.9 image is gone. */
	assert_int_equal(tu_count(fx, HAL_PART_SLOT_B), 5);
	fx_state_get(fx, &st);
	assert_int_equal(st.active, BOOT_SLOT_A);
	assert_int_equal(st.pending, BOOT_SLOT_B);
	assert_int_equal(st.tries_left, 3);
	assert_int_equal(fx_rollback_counter(fx), 0);

	fx_decide(fx, &d);
	assert_int_equal(d.action, BOOT_START_NORMAL);
	assert_int_equal(d.slot, BOOT_SLOT_B);
	assert_string_equal(d.image_version, "2.0");
	assert_int_equal(d.image_rollback, 4);

	assert_int_equal(hal_rot_open(&rot, "file", fx->flash), MAYDAY_OK);
	assert_int_equal(boot_confirm(fx->flash, rot, BOOT_SLOT_B, NULL), MAYDAY_OK);
	hal_rot_close(rot);
	fx_state_get(fx, &st);
	assert_int_equal(st.active, BOOT_SLOT_B);
	assert_int_equal(st.pending, BOOT_SLOT_NONE);
	assert_int_equal(fx_rollback_counter(fx), 4);
	free(b);
}

static void test_bad_signature(void **state)
{
	struct fx *fx = *state;
	size_t len = 0;
	uint8_t *b = tu_bundle(TU_CLASS, "2.0", 4, fx->other, &len, NULL);

	refused_untouched(fx, b, len, MAX, UPDATE_E_AUTH, 9019);
	free(b);
}

static void test_wrong_class(void **state)
{
	struct fx *fx = *state;
	size_t len = 0;
	uint8_t *b = tu_bundle("femto-other", "2.0", 4, fx->vendor, &len, NULL);

	refused_untouched(fx, b, len, MAX, UPDATE_E_PRODUCT_CLASS, 9018);
	free(b);
}

static void test_lower_rollback(void **state)
{
	struct fx *fx = *state;
	size_t len = 0;
	uint8_t *b = tu_bundle(TU_CLASS, "2.0", 0, fx->vendor, &len, NULL);

	/* Slot A (anti-rollback 1) still starts under the raised counter. */
	fx_rollback_advance(fx, 1);
	refused_untouched(fx, b, len, MAX, UPDATE_E_ROLLBACK, 9019);
	free(b);
}

static void test_too_big(void **state)
{
	struct fx *fx = *state;
	struct mayday_manifest m;
	uint64_t total = 0;
	size_t len = 0;
	uint8_t *b = tu_bundle(TU_CLASS, "2.0", 4, fx->vendor, &len, &m);

	assert_int_equal(mayday_bundle_payload_size(&m, &total), MAYDAY_OK);
	refused_untouched(fx, b, len, total - 1, UPDATE_E_TOO_BIG, 9010);
	free(b);
}

static void test_bad_header(void **state)
{
	struct fx *fx = *state;
	size_t len = 0;
	uint8_t *b = tu_bundle(TU_CLASS, "2.0", 4, fx->vendor, &len, NULL);

	b[0] ^= 1;
	refused_untouched(fx, b, len, MAX, UPDATE_E_CORRUPTED, 9018);
	b[0] ^= 1;
	/* Truncated inside the manifest. */
	refused_untouched(fx, b, MAYDAY_BUNDLE_HEADER_LEN + 20, MAX, UPDATE_E_CORRUPTED, 9018);
	free(b);
}

static void test_truncated_payload(void **state)
{
	struct fx *fx = *state;
	size_t len = 0;
	uint8_t *b = tu_bundle(TU_CLASS, "2.0", 4, fx->vendor, &len, NULL);

	refused_emptied(fx, b, len - 1, UPDATE_E_CORRUPTED, 9018);
	free(b);
}

static void test_corrupted_payload(void **state)
{
	struct fx *fx = *state;
	size_t len = 0;
	uint8_t *b = tu_bundle(TU_CLASS, "2.0", 4, fx->vendor, &len, NULL);

	b[len - 800] ^= 0x10; /* inside radio.bin or later */
	refused_emptied(fx, b, len, UPDATE_E_CORRUPTED, 9018);
	free(b);
}

static void test_trailing_bytes(void **state)
{
	struct fx *fx = *state;
	size_t len = 0;
	uint8_t *b = tu_bundle(TU_CLASS, "2.0", 4, fx->vendor, &len, NULL);
	uint8_t *longer = malloc(len + 1);

	assert_non_null(longer);
	memcpy(longer, b, len);
	longer[len] = 0;
	refused_emptied(fx, longer, len + 1, UPDATE_E_CORRUPTED, 9018);
	free(longer);
	free(b);
}

static void test_stream_error(void **state)
{
	struct fx *fx = *state;
	const struct update_params p = {
		.product_class = TU_CLASS, .max_image_size = MAX, .tries = 3,
	};
	struct update_result res;
	struct hal_rot *rot = NULL;
	size_t len = 0, n = 0;
	uint8_t *b = tu_bundle(TU_CLASS, "2.0", 4, fx->vendor, &len, NULL);
	struct tu_stream s = { b, len, 0, 512, len - 100 };

	assert_int_equal(hal_rot_open(&rot, "file", fx->flash), MAYDAY_OK);
	assert_int_equal(update_install(fx->flash, rot, &p, tu_read, &s, &res), UPDATE_E_STREAM);
	hal_rot_close(rot);
	assert_int_equal(update_fault_code(res.status), 9010);
	assert_null(fx_read(fx, HAL_PART_SLOT_B, BOOT_MANIFEST_NAME, &n));
	assert_activates_nothing(fx);
	free(b);
}

/* A pending trial of slot B is withdrawn before B is rewritten, so a refused
 * bundle cannot leave B pending with half an image. */
static void test_pending_withdrawn(void **state)
{
	struct fx *fx = *state;
	size_t len = 0;
	uint8_t *b = tu_bundle(TU_CLASS, "2.0", 4, fx->vendor, &len, NULL);

	fx_state_set(fx, BOOT_SLOT_A, BOOT_SLOT_B, 3, 0);
	b[len - 1] ^= 1; /* ui.tar is not designated, but its digest is still checked */
	refused_emptied(fx, b, len, UPDATE_E_CORRUPTED, 9018);
	free(b);
}

static void test_from_slot_b(void **state)
{
	struct fx *fx = *state;
	struct update_result res;
	struct boot_decision d;
	size_t len = 0;
	uint8_t *b = tu_bundle(TU_CLASS, "3.0", 4, fx->vendor, &len, NULL);

	/* B is active: the inactive slot is A. */
	fx_state_set(fx, BOOT_SLOT_B, BOOT_SLOT_NONE, 0, 0);
	assert_int_equal(tu_install(fx, b, len, MAX, &res), UPDATE_OK);
	assert_int_equal(res.slot, BOOT_SLOT_A);
	fx_decide(fx, &d);
	assert_int_equal(d.action, BOOT_START_NORMAL);
	assert_int_equal(d.slot, BOOT_SLOT_A);
	assert_string_equal(d.image_version, "3.0");
	free(b);
}

static void test_fault_codes(void **state)
{
	(void)state;
	assert_int_equal(update_fault_code(UPDATE_OK), 0);
	assert_int_equal(update_fault_code(UPDATE_E_INTERNAL), 9002);
	assert_int_equal(update_fault_code(UPDATE_E_DENIED), 9001);
	assert_int_equal(update_fault_code((enum update_status)99), 9002);
	assert_string_equal(update_status_name(UPDATE_E_AUTH), "file-authentication-failure");
	assert_string_equal(update_status_name((enum update_status)99), "internal-error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_installs_boots_confirms, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bad_signature, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_wrong_class, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_lower_rollback, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_too_big, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bad_header, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_truncated_payload, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_corrupted_payload, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_trailing_bytes, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_stream_error, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_pending_withdrawn, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_from_slot_b, setup, fx_teardown),
		cmocka_unit_test(test_fault_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

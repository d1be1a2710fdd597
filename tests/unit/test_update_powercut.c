/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Power cut at every write of an installation: count the flash operations of
 * a clean install, then for every N cut the power after operation N on a
 * fresh device, restore power (host backend) and run secure start-up. The
 * device must start the old image (slot A, 1.0), the new one (slot B, 2.0,
 * verified against its new TRVs), or -- when slot B was already pending
 * before the install -- that old trial (0.9); never anything else, never the
 * DCF, never a halt. A device in distress (a component of slot A tampered:
 * the remediation case) starts its DCF with that same evidence, or the new
 * image: a cut never leaves TRVs and code out of step undetected.
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
#include "test_update_fixture.h"

#define MAX (1u << 20)

enum scenario { EMPTY_B, OLD_B, PENDING_B, DISTRESSED_A };

static struct fx *fresh(enum scenario sc)
{
	void *state = NULL;
	struct fx *fx;

	fx_setup(&state);
	fx = state;
	if (sc != EMPTY_B)
		fx_slot_install(fx, BOOT_SLOT_B, "0.9", 1);
	if (sc == PENDING_B)
		fx_state_set(fx, BOOT_SLOT_A, BOOT_SLOT_B, 3, 0);
	if (sc == DISTRESSED_A)
		fx_write(fx, HAL_PART_SLOT_A, "radio.bin", "tampered", 8);
	return fx;
}

static void gone(struct fx *fx)
{
	void *state = fx;

	fx_teardown(&state);
}

/* Install with `spec`; returns the operations the install itself performed,
 * *opened those of opening the flash and the RoT before it. */
static uint64_t install(struct fx *fx, const char *spec, enum update_status *st,
			uint64_t *opened)
{
	struct update_result res;
	const struct update_params p = {
		.product_class = TU_CLASS, .max_image_size = MAX, .tries = 3,
	};
	struct hal_rot *rot = NULL;
	uint64_t base;
	size_t len = 0;
	uint8_t *b = tu_bundle(TU_CLASS, "2.0", 4, fx->vendor, &len, NULL);
	struct tu_stream s = { b, len, 0, 4096, SIZE_MAX };

	fx_reopen(fx, spec);
	assert_int_equal(hal_rot_open(&rot, hal_specs_rot(), fx->flash), MAYDAY_OK);
	base = hal_flash_ops_count(fx->flash);
	*opened = base;
	*st = update_install(fx->flash, rot, &p, tu_read, &s, &res);
	hal_rot_close(rot);
	free(b);
	return hal_flash_ops_count(fx->flash) - base;
}

static void run(enum scenario sc)
{
	struct fx *fx = fresh(sc);
	enum update_status st;
	uint64_t base = 0, ignored = 0, total, n_new = 0, n_old = 0;
	char spec[64];

	/* Opening counts too: cut=N is counted from the open. */
	snprintf(spec, sizeof spec, "%s", hal_specs_fault(NULL));
	total = install(fx, spec, &st, &base);
	assert_int_equal(st, UPDATE_OK);
	assert_true(total > 10);
	gone(fx);

	for (uint64_t n = 1; n <= total; n++) {
		struct boot_decision d;

		fx = fresh(sc);
		snprintf(spec, sizeof spec, "%s", hal_specs_fault("cut=%llu", (unsigned long long)(base + n)));
		(void)install(fx, spec, &st, &ignored);
		if (n < total)
			assert_int_equal(st, UPDATE_E_POWER);
		fx_reopen(fx, hal_specs_flash());
		fx_decide(fx, &d);
		if (sc == DISTRESSED_A && d.action == BOOT_START_DCF) {
			/* The old state: distress about the tampered component. */
			assert_int_equal(d.evidence.reason, MAYDAY_REASON_COMPONENT_MISMATCH);
			assert_int_equal(d.evidence.slot, BOOT_SLOT_A);
			assert_int_equal(d.evidence.n_failed, 1);
			assert_string_equal(d.evidence.failed[0].name, "radio.bin");
			n_old++;
			gone(fx);
			continue;
		}
		if (d.action != BOOT_START_NORMAL)
			fail_msg("cut after op %llu of %llu: no normal start (action %d)",
				 (unsigned long long)n, (unsigned long long)total, d.action);
		if (d.slot == BOOT_SLOT_A) {
			assert_int_not_equal(sc, DISTRESSED_A);
			assert_string_equal(d.image_version, "1.0");
			n_old++;
		} else if (strcmp(d.image_version, "2.0") == 0) {
			assert_int_equal(d.image_rollback, 4);
			n_new++;
		} else {
			/* The trial that was pending before the install began. */
			assert_int_equal(sc, PENDING_B);
			assert_string_equal(d.image_version, "0.9");
			n_old++;
		}
		gone(fx);
	}
	/* Both outcomes occur: the cut points span the whole install. */
	assert_true(n_old > 0);
	assert_true(n_new > 0);
	print_message("%llu cut points: %llu old image, %llu new image\n",
		      (unsigned long long)total, (unsigned long long)n_old,
		      (unsigned long long)n_new);
}

static void test_cut_empty_b(void **state)
{
	(void)state;
	run(EMPTY_B);
}

static void test_cut_old_b(void **state)
{
	(void)state;
	run(OLD_B);
}

static void test_cut_pending_b(void **state)
{
	(void)state;
	run(PENDING_B);
}

static void test_cut_distressed_a(void **state)
{
	(void)state;
	run(DISTRESSED_A);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_empty_b),
		cmocka_unit_test(test_cut_old_b),
		cmocka_unit_test(test_cut_pending_b),
		cmocka_unit_test(test_cut_distressed_a),
	};

	hal_specs_filter();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

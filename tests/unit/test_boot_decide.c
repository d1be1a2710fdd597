/* SPDX-License-Identifier: Apache-2.0 */
/*
 * boot_decide: one test per branch of the secure start-up procedure, each on
 * a complete device built by boot_fixture. The evidence is checked field by
 * field against values computed here from the bytes on flash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "boot_decide.h"
#include "boot_fixture.h"
#include "boot_state.h"
#include "boot_verify.h"
#include "exit_codes.h"
#include "mayday/keys.h"
#include "rot.h"
#include "rot_damage.h"

static struct boot_decision *decide(struct fx *fx)
{
	struct boot_decision *d = calloc(1, sizeof *d);

	assert_non_null(d);
	fx_decide(fx, d);
	return d;
}

static void summary_is(const struct boot_decision *d, const char *want)
{
	char line[160];

	boot_decide_summary(d, line, sizeof line);
	assert_string_equal(line, want);
}

/* Replace a slot A component with `len` bytes derived from its standard
 * content with byte `at` changed (len may differ from the original). */
static void tamper(struct fx *fx, const char *name, size_t len, size_t at,
		   uint8_t digest[MAYDAY_DIGEST_LEN])
{
	uint8_t buf[8192] = { 0 };

	fx_component_content("1.0", name, buf, sizeof buf);
	assert_true(len <= sizeof buf && at < len);
	buf[at] ^= 0x5a;
	fx_write(fx, HAL_PART_SLOT_A, name, buf, len);
	mayday_sha256(buf, len, digest);
}

static const struct mayday_trv *trv(struct fx *fx, const char *name)
{
	const struct mayday_trv *t = mayday_manifest_find(&fx->slot[BOOT_SLOT_A], name);

	assert_non_null(t);
	return t;
}

static void expect_dcf(const struct boot_decision *d, uint32_t reason, uint8_t slot,
		       uint32_t n_failed)
{
	assert_int_equal(d->action, BOOT_START_DCF);
	assert_int_equal(d->evidence.reason, reason);
	assert_int_equal(d->evidence.slot, slot);
	assert_int_equal(d->evidence.n_failed, n_failed);
	/* The DCF to start is the verified one. */
	assert_string_equal(d->dcf_entry.name, BOOT_DCF_ENTRY);
}

static void expect_halt(const struct boot_decision *d, int code, const char *reason)
{
	assert_int_equal(d->action, BOOT_HALT);
	assert_int_equal(d->halt_code, code);
	assert_string_equal(d->halt_reason, reason);
}

static void test_all_good_starts_normal(void **state)
{
	struct fx *fx = *state;
	struct boot_decision *d;
	size_t len = 0;

	fx_reopen(fx, "fault"); /* counts flash operations */
	d = decide(fx);
	assert_int_equal(d->action, BOOT_START_NORMAL);
	assert_int_equal(d->slot, BOOT_SLOT_A);
	assert_string_equal(d->normal_entry.name, "mayday-normal");
	assert_memory_equal(d->normal_entry.digest, trv(fx, "mayday-normal")->digest,
			    MAYDAY_DIGEST_LEN);
	assert_string_equal(d->image_version, "1.0");
	assert_int_equal(d->image_rollback, 1);
	assert_string_equal(d->dcf_entry.name, BOOT_DCF_ENTRY);
	assert_memory_equal(d->dcf_entry.digest, fx->dcf.trv[0].digest, MAYDAY_DIGEST_LEN);
	summary_is(d, "decision: normal slot=a");
	/* A healthy start-up writes nothing. */
	assert_int_equal(hal_flash_ops_count(fx->flash), 0);
	assert_null(fx_read(fx, HAL_PART_STATE, BOOT_STATE_NAME, &len));
	free(d);
}

static void test_one_designated_changed(void **state)
{
	struct fx *fx = *state;
	uint8_t measured[MAYDAY_DIGEST_LEN];
	const struct mayday_component_evidence *ev;
	struct boot_decision *d;
	struct boot_state st;

	tamper(fx, "radio.bin", 5000, 1234, measured);
	d = decide(fx);
	expect_dcf(d, MAYDAY_REASON_COMPONENT_MISMATCH, BOOT_SLOT_A, 1);
	ev = &d->evidence.failed[0];
	assert_string_equal(ev->name, "radio.bin");
	assert_int_equal(ev->flags, MAYDAY_COMP_DIGEST_MISMATCH);
	assert_int_equal(ev->expected_size, 5000);
	assert_int_equal(ev->measured_size, 5000);
	assert_memory_equal(ev->expected, trv(fx, "radio.bin")->digest, MAYDAY_DIGEST_LEN);
	assert_memory_equal(ev->measured, measured, MAYDAY_DIGEST_LEN);
	assert_string_equal(d->evidence.image_version, "1.0");
	assert_int_equal(d->evidence.manifest_rollback, 1);
	assert_int_equal(d->evidence.boot_attempts, 1);
	summary_is(d, "decision: dcf reason=component-mismatch slot=a failed=1");

	/* Consecutive failed start-ups are counted durably. */
	fx_state_get(fx, &st);
	assert_int_equal(st.attempts, 1);
	free(d);
	d = decide(fx);
	assert_int_equal(d->evidence.boot_attempts, 2);
	free(d);

	/* Repaired: normal again, and the count is reset. */
	fx_slot_install(fx, BOOT_SLOT_A, "1.0", 1);
	d = decide(fx);
	assert_int_equal(d->action, BOOT_START_NORMAL);
	fx_state_get(fx, &st);
	assert_int_equal(st.attempts, 0);
	free(d);
}

static void test_two_designated_changed(void **state)
{
	struct fx *fx = *state;
	uint8_t m1[MAYDAY_DIGEST_LEN], m2[MAYDAY_DIGEST_LEN];
	struct boot_decision *d;

	tamper(fx, "mayday-normal", 300, 0, m1);
	tamper(fx, "config.db", 300, 299, m2);
	d = decide(fx);
	expect_dcf(d, MAYDAY_REASON_COMPONENT_MISMATCH, BOOT_SLOT_A, 2);
	/* Manifest order, every failure reported. */
	assert_string_equal(d->evidence.failed[0].name, "mayday-normal");
	assert_memory_equal(d->evidence.failed[0].measured, m1, MAYDAY_DIGEST_LEN);
	assert_memory_equal(d->evidence.failed[0].expected, trv(fx, "mayday-normal")->digest,
			    MAYDAY_DIGEST_LEN);
	assert_string_equal(d->evidence.failed[1].name, "config.db");
	assert_memory_equal(d->evidence.failed[1].measured, m2, MAYDAY_DIGEST_LEN);
	assert_memory_equal(d->evidence.failed[1].expected, trv(fx, "config.db")->digest,
			    MAYDAY_DIGEST_LEN);
	summary_is(d, "decision: dcf reason=component-mismatch slot=a failed=2");
	free(d);
}

static void test_designated_missing(void **state)
{
	struct fx *fx = *state;
	static const uint8_t zero[MAYDAY_DIGEST_LEN];
	const struct mayday_component_evidence *ev;
	struct boot_decision *d;

	fx_remove(fx, HAL_PART_SLOT_A, "config.db");
	d = decide(fx);
	expect_dcf(d, MAYDAY_REASON_COMPONENT_MISSING, BOOT_SLOT_A, 1);
	ev = &d->evidence.failed[0];
	assert_string_equal(ev->name, "config.db");
	assert_int_equal(ev->flags, MAYDAY_COMP_MISSING);
	assert_int_equal(ev->expected_size, 300);
	assert_int_equal(ev->measured_size, 0);
	assert_memory_equal(ev->expected, trv(fx, "config.db")->digest, MAYDAY_DIGEST_LEN);
	assert_memory_equal(ev->measured, zero, MAYDAY_DIGEST_LEN);
	summary_is(d, "decision: dcf reason=component-missing slot=a failed=1");
	free(d);
}

static void test_size_mismatch(void **state)
{
	struct fx *fx = *state;
	uint8_t measured[MAYDAY_DIGEST_LEN];
	const struct mayday_component_evidence *ev;
	struct boot_decision *d;

	tamper(fx, "radio.bin", 5001, 5000, measured); /* one byte appended */
	d = decide(fx);
	expect_dcf(d, MAYDAY_REASON_COMPONENT_MISMATCH, BOOT_SLOT_A, 1);
	ev = &d->evidence.failed[0];
	assert_int_equal(ev->flags, MAYDAY_COMP_SIZE_MISMATCH | MAYDAY_COMP_DIGEST_MISMATCH);
	assert_int_equal(ev->expected_size, 5000);
	assert_int_equal(ev->measured_size, 5001);
	assert_memory_equal(ev->measured, measured, MAYDAY_DIGEST_LEN);
	free(d);
}

static void test_missing_and_changed(void **state)
{
	struct fx *fx = *state;
	uint8_t measured[MAYDAY_DIGEST_LEN];
	struct boot_decision *d;

	fx_remove(fx, HAL_PART_SLOT_A, "mayday-normal");
	tamper(fx, "config.db", 300, 7, measured);
	d = decide(fx);
	/* A present-but-different component is the stronger finding. */
	expect_dcf(d, MAYDAY_REASON_COMPONENT_MISMATCH, BOOT_SLOT_A, 2);
	assert_int_equal(d->evidence.failed[0].flags, MAYDAY_COMP_MISSING);
	assert_int_equal(d->evidence.failed[1].flags, MAYDAY_COMP_DIGEST_MISMATCH);
	free(d);
}

static void test_non_designated_changed_still_normal(void **state)
{
	struct fx *fx = *state;
	uint8_t measured[MAYDAY_DIGEST_LEN];
	struct boot_decision *d;

	tamper(fx, "ui.tar", 700, 3, measured);
	d = decide(fx);
	assert_int_equal(d->action, BOOT_START_NORMAL);
	free(d);
	fx_remove(fx, HAL_PART_SLOT_A, "ui.tar");
	d = decide(fx);
	assert_int_equal(d->action, BOOT_START_NORMAL);
	free(d);
}

static void expect_manifest_invalid(struct fx *fx)
{
	struct boot_decision *d = decide(fx);

	expect_dcf(d, MAYDAY_REASON_MANIFEST_INVALID, BOOT_SLOT_A, 0);
	assert_string_equal(d->evidence.image_version, "");
	assert_int_equal(d->evidence.manifest_rollback, 0);
	summary_is(d, "decision: dcf reason=manifest-invalid slot=a failed=0");
	free(d);
}

static void test_manifest_bad_signature(void **state)
{
	struct fx *fx = *state;

	fx_manifest_install(fx, HAL_PART_SLOT_A, &fx->slot[BOOT_SLOT_A], fx->other);
	expect_manifest_invalid(fx);
}

static void test_manifest_missing(void **state)
{
	struct fx *fx = *state;

	fx_remove(fx, HAL_PART_SLOT_A, BOOT_MANIFEST_NAME);
	expect_manifest_invalid(fx);
}

static void test_manifest_damaged(void **state)
{
	struct fx *fx = *state;
	size_t len = 0;
	uint8_t *m = fx_read(fx, HAL_PART_SLOT_A, BOOT_MANIFEST_NAME, &len);

	assert_non_null(m);
	/* A flipped bit inside the signed payload, then a truncation, then junk. */
	m[len / 2] ^= 0x01;
	fx_write(fx, HAL_PART_SLOT_A, BOOT_MANIFEST_NAME, m, len);
	expect_manifest_invalid(fx);
	fx_write(fx, HAL_PART_SLOT_A, BOOT_MANIFEST_NAME, m, len / 3);
	expect_manifest_invalid(fx);
	fx_write(fx, HAL_PART_SLOT_A, BOOT_MANIFEST_NAME, "\xff\xff\xff", 3);
	expect_manifest_invalid(fx);
	free(m);
}

static void test_manifest_of_kind_dcf_in_slot(void **state)
{
	struct fx *fx = *state;
	struct mayday_manifest m = fx->slot[BOOT_SLOT_A];
	size_t len = 0;
	uint8_t *dcf;

	m.kind = MAYDAY_MANIFEST_DCF;
	fx_manifest_install(fx, HAL_PART_SLOT_A, &m, fx->vendor);
	expect_manifest_invalid(fx);

	/* The genuine DCF manifest copied into the slot is not an image manifest. */
	dcf = fx_read(fx, HAL_PART_DCF, BOOT_MANIFEST_NAME, &len);
	assert_non_null(dcf);
	fx_write(fx, HAL_PART_SLOT_A, BOOT_MANIFEST_NAME, dcf, len);
	expect_manifest_invalid(fx);
	free(dcf);
}

static void test_manifest_entry_rules(void **state)
{
	struct fx *fx = *state;
	struct mayday_manifest m = fx->slot[BOOT_SLOT_A];

	/* Entry not designated: code that would run unchecked. */
	m.trv[0].designated = false;
	fx_manifest_install(fx, HAL_PART_SLOT_A, &m, fx->vendor);
	expect_manifest_invalid(fx);

	/* (An unlisted entry or a name listed twice cannot even be signed or
	 * decoded: libmayday's manifest rules.) */
}

static void test_rollback_below_counter(void **state)
{
	struct fx *fx = *state;
	struct boot_decision *d;

	fx_rollback_advance(fx, 1); /* equal is fine */
	d = decide(fx);
	assert_int_equal(d->action, BOOT_START_NORMAL);
	free(d);

	fx_rollback_advance(fx, 2);
	d = decide(fx);
	expect_dcf(d, MAYDAY_REASON_ROLLBACK, BOOT_SLOT_A, 0);
	assert_string_equal(d->evidence.image_version, "1.0");
	assert_int_equal(d->evidence.manifest_rollback, 1);
	summary_is(d, "decision: dcf reason=rollback slot=a failed=0");
	free(d);
}

static void test_trvs_out_of_step(void **state)
{
	struct fx *fx = *state;
	struct mayday_manifest m;
	struct boot_decision *d;
	uint8_t buf[8192];
	static const char *names[] = { "mayday-normal", "radio.bin", "config.db", "ui.tar" };

	/* A validly signed manifest of image 2.0, over the 1.0 components. */
	fx_manifest_init(&m, MAYDAY_MANIFEST_IMAGE, "2.0", 2, "mayday-normal");
	for (size_t i = 0; i < 4; i++) {
		size_t len = fx_component_content("2.0", names[i], buf, sizeof buf);

		fx_manifest_add(&m, names[i], buf, len, i < 3);
	}
	fx_manifest_install(fx, HAL_PART_SLOT_A, &m, fx->vendor);
	d = decide(fx);
	expect_dcf(d, MAYDAY_REASON_COMPONENT_MISMATCH, BOOT_SLOT_A, 3);
	assert_string_equal(d->evidence.image_version, "2.0");
	assert_int_equal(d->evidence.manifest_rollback, 2);
	for (size_t i = 0; i < 3; i++) {
		uint8_t want[MAYDAY_DIGEST_LEN];
		size_t len = fx_component_content("1.0", names[i], buf, sizeof buf);

		mayday_sha256(buf, len, want);
		assert_string_equal(d->evidence.failed[i].name, names[i]);
		assert_memory_equal(d->evidence.failed[i].expected, m.trv[i].digest,
				    MAYDAY_DIGEST_LEN);
		assert_memory_equal(d->evidence.failed[i].measured, want, MAYDAY_DIGEST_LEN);
	}
	free(d);
}

static void expect_dcf_halt(struct fx *fx)
{
	struct boot_decision *d = decide(fx);

	expect_halt(d, MAYDAY_EXIT_HALT_DCF, "dcf-invalid");
	summary_is(d, "decision: halt code=21 reason=dcf-invalid");
	free(d);
}

static void test_dcf_component_changed(void **state)
{
	struct fx *fx = *state;

	fx_write(fx, HAL_PART_DCF, BOOT_DCF_ENTRY, "another program", 15);
	expect_dcf_halt(fx);
}

static void test_dcf_config_changed_or_missing(void **state)
{
	struct fx *fx = *state;

	fx_write(fx, HAL_PART_DCF, "dcf.conf", "[hems]\nendpoint = plain-udp://10.6.6.6:1\n", 40);
	expect_dcf_halt(fx);
	fx_dcf_install(fx);
	fx_remove(fx, HAL_PART_DCF, "hems.pub.pem");
	expect_dcf_halt(fx);
}

static void test_dcf_manifest_bad(void **state)
{
	struct fx *fx = *state;
	struct mayday_manifest m = fx->dcf;

	fx_manifest_install(fx, HAL_PART_DCF, &fx->dcf, fx->other);
	expect_dcf_halt(fx);
	fx_remove(fx, HAL_PART_DCF, BOOT_MANIFEST_NAME);
	expect_dcf_halt(fx);
	m.kind = MAYDAY_MANIFEST_IMAGE;
	fx_manifest_install(fx, HAL_PART_DCF, &m, fx->vendor);
	expect_dcf_halt(fx);
	/* A vendor-signed DCF manifest that does not list the DCF program. */
	m = fx->dcf;
	m.trv[0] = m.trv[--m.n_trv];
	snprintf(m.entry, sizeof m.entry, "%s", "dcf.conf");
	fx_manifest_install(fx, HAL_PART_DCF, &m, fx->vendor);
	expect_dcf_halt(fx);
}

static void test_dcf_non_designated_flag_is_not_an_escape(void **state)
{
	struct fx *fx = *state;
	struct mayday_manifest m = fx->dcf;

	/* Every DCF component is required, whatever its flag says. */
	m.trv[1].designated = false;
	fx_manifest_install(fx, HAL_PART_DCF, &m, fx->vendor);
	fx_write(fx, HAL_PART_DCF, "dcf.conf", "x", 1);
	expect_dcf_halt(fx);
}

/* The DCF partition holds exactly what its manifest lists (README, "DCF partition"). */
static void test_dcf_partition_exact(void **state)
{
	struct fx *fx = *state;
	struct boot_decision *d = decide(fx);
	char sub[sizeof fx->dir + 32];

	assert_int_not_equal(d->action, BOOT_HALT); /* intact: accepted */
	free(d);

	fx_write(fx, HAL_PART_DCF, "extra.pem", "planted", 7);
	d = decide(fx);
	expect_halt(d, MAYDAY_EXIT_HALT_DCF, "dcf-unlisted-file");
	summary_is(d, "decision: halt code=21 reason=dcf-unlisted-file");
	free(d);
	fx_remove(fx, HAL_PART_DCF, "extra.pem");

	/* A directory is not a file any HAL name reaches: not refused. */
	snprintf(sub, sizeof sub, "%s/%s/sub", fx->dir, HAL_PART_DCF);
	assert_int_equal(mkdir(sub, 0700), 0);
	d = decide(fx);
	assert_int_not_equal(d->action, BOOT_HALT);
	free(d);
	assert_int_equal(rmdir(sub), 0);

	/* A listed file missing: refused as a corrupt DCF. */
	fx_remove(fx, HAL_PART_DCF, "dcf.conf");
	expect_dcf_halt(fx);
	fx_dcf_install(fx);
	d = decide(fx);
	assert_int_not_equal(d->action, BOOT_HALT);
	free(d);
}

struct rot_files {
	char names[16][80];
	int n;
};

static enum mayday_err list_rot(void *ctx, const char *name, uint64_t size)
{
	struct rot_files *rf = ctx;

	(void)size;
	assert_true(rf->n < 16);
	snprintf(rf->names[rf->n++], sizeof rf->names[0], "%s", name);
	return MAYDAY_OK;
}

static void test_rot_missing_or_corrupt(void **state)
{
	struct fx *fx = *state;
	struct rot_files rf = { .n = 0 };
	struct boot_decision *d;

	assert_int_equal(hal_flash_list(fx->flash, HAL_PART_ROT, list_rot, &rf), MAYDAY_OK);
	assert_true(rf.n > 0);
	/* Each RoT item damaged on its own halts the TrE; a damaged key says so. */
	for (int i = 0; i < rf.n; i++) {
		size_t len = 0;
		uint8_t *orig = fx_read(fx, HAL_PART_ROT, rf.names[i], &len);
		bool key = strstr(rf.names[i], ".pem") != NULL;

		assert_non_null(orig);
		fx_write(fx, HAL_PART_ROT, rf.names[i], "\x00garbage\xff", 9);
		d = decide(fx);
		expect_halt(d, MAYDAY_EXIT_HALT_ROT, key ? "rot-key-invalid" : "rot-invalid");
		summary_is(d, key ? "decision: halt code=20 reason=rot-key-invalid"
				  : "decision: halt code=20 reason=rot-invalid");
		free(d);
		fx_remove(fx, HAL_PART_ROT, rf.names[i]);
		d = decide(fx);
		if (strcmp(rf.names[i], "distress.pub.pem") == 0)
			/* the layout of RoTs provisioned before that item existed:
			 * the pairwise check of the key is all there is, and passes */
			assert_int_equal(d->action, BOOT_START_NORMAL);
		else
			expect_halt(d, MAYDAY_EXIT_HALT_ROT, "rot-invalid");
		free(d);
		fx_write(fx, HAL_PART_ROT, rf.names[i], orig, len);
		free(orig);
	}
	d = decide(fx);
	assert_int_equal(d->action, BOOT_START_NORMAL);
	free(d);
}

/* One flipped bit of the distress key's scalar, at several places, with
 * the normal code intact: the TrE halts (20, rot-key-invalid) rather than
 * start a device that could never be heard, and writes nothing. Also when
 * the distress key is otherwise unchecked (older RoT layout: the boot's
 * self-test and the pairwise check), and when only a slot is damaged too
 * (the DCF it would start could not be verified either). */
static void test_damaged_distress_key(void **state)
{
	static const unsigned bits[] = { 0, 31, 128, 255 };
	struct fx *fx = *state;
	struct boot_decision *d;
	size_t len = 0, pub_len = 0;
	uint8_t *orig = fx_read(fx, HAL_PART_ROT, "distress.key.pem", &len);
	uint8_t *pub = fx_read(fx, HAL_PART_ROT, "distress.pub.pem", &pub_len);

	assert_non_null(orig);
	assert_non_null(pub);
	for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++) {
		rot_damage_flip_scalar(fx->flash, bits[i]);
		fx_reopen(fx, "fault"); /* counts flash operations */
		d = decide(fx);
		expect_halt(d, MAYDAY_EXIT_HALT_ROT, "rot-key-invalid");
		summary_is(d, "decision: halt code=20 reason=rot-key-invalid");
		assert_int_equal(hal_flash_ops_count(fx->flash), 0); /* nothing written */
		free(d);
		fx_reopen(fx, NULL);

		fx_remove(fx, HAL_PART_ROT, "distress.pub.pem");
		d = decide(fx);
		expect_halt(d, MAYDAY_EXIT_HALT_ROT, "rot-key-invalid");
		free(d);
		fx_write(fx, HAL_PART_ROT, "distress.pub.pem", pub, pub_len);
		fx_write(fx, HAL_PART_ROT, "distress.key.pem", orig, len);
	}
	tamper(fx, "config.db", 64, 3, (uint8_t[MAYDAY_DIGEST_LEN]){ 0 });
	rot_damage_flip_scalar(fx->flash, 9);
	d = decide(fx);
	expect_halt(d, MAYDAY_EXIT_HALT_ROT, "rot-key-invalid");
	free(d);
	fx_write(fx, HAL_PART_ROT, "distress.key.pem", orig, len);
	d = decide(fx);
	expect_dcf(d, MAYDAY_REASON_COMPONENT_MISMATCH, BOOT_SLOT_A, 1);
	free(d);
	free(orig);
	free(pub);
}

static void test_wrong_vendor_anchor(void **state)
{
	struct fx *fx = *state;

	/* A RoT that trusts another vendor: its DCF is not authentic. */
	assert_int_equal(hal_rot_file_provision(fx->flash, FX_DEVICE_ID, fx->device_key, fx->other,
						fx->hems),
			 MAYDAY_OK);
	expect_dcf_halt(fx);
}

static void test_boot_state_corrupt(void **state)
{
	struct fx *fx = *state;
	static const uint8_t junk[BOOT_STATE_RECORD_LEN] = "MDBS\x01\x00\xff\x00garbage";
	struct boot_decision *d;
	uint8_t *after;
	size_t len = 0;

	fx_write(fx, HAL_PART_STATE, BOOT_STATE_NAME, junk, sizeof junk);
	d = decide(fx);
	expect_dcf(d, MAYDAY_REASON_NO_BOOTABLE_SLOT, BOOT_SLOT_A, 0);
	summary_is(d, "decision: dcf reason=no-bootable-slot slot=a failed=0");
	free(d);
	/* Left as found (for forensics and for the installer to replace),
	 * and the next start-up decides the same. */
	after = fx_read(fx, HAL_PART_STATE, BOOT_STATE_NAME, &len);
	assert_non_null(after);
	assert_int_equal(len, sizeof junk);
	assert_memory_equal(after, junk, sizeof junk);
	free(after);
	d = decide(fx);
	expect_dcf(d, MAYDAY_REASON_NO_BOOTABLE_SLOT, BOOT_SLOT_A, 0);
	free(d);
}

static void test_active_slot_b(void **state)
{
	struct fx *fx = *state;
	struct boot_decision *d;

	fx_slot_install(fx, BOOT_SLOT_B, "1.1", 1);
	fx_state_set(fx, BOOT_SLOT_B, BOOT_SLOT_NONE, 0, 0);
	d = decide(fx);
	assert_int_equal(d->action, BOOT_START_NORMAL);
	assert_int_equal(d->slot, BOOT_SLOT_B);
	assert_string_equal(d->image_version, "1.1");
	summary_is(d, "decision: normal slot=b");
	free(d);
	/* The active slot is B: a good slot A does not rescue a broken B. */
	fx_remove(fx, HAL_PART_SLOT_B, BOOT_MANIFEST_NAME);
	d = decide(fx);
	expect_dcf(d, MAYDAY_REASON_MANIFEST_INVALID, BOOT_SLOT_B, 0);
	free(d);
}

static void test_power_lost(void **state)
{
	struct fx *fx = *state;
	struct boot_decision *d;

	/* A failing slot makes the TrE write (the failure count); the power
	 * goes after the first operation of that write. */
	fx_write(fx, HAL_PART_SLOT_A, "config.db", "x", 1);
	fx_reopen(fx, "fault:cut=1");
	d = decide(fx);
	expect_halt(d, MAYDAY_EXIT_HALT_INTERNAL, "power-lost");
	free(d);
}

static void test_dry_run_writes_nothing(void **state)
{
	struct fx *fx = *state;
	uint8_t measured[MAYDAY_DIGEST_LEN];
	struct boot_decision d;
	size_t len = 0;

	tamper(fx, "radio.bin", 5000, 1, measured);
	fx_reopen(fx, "fault");
	boot_decide(fx->flash, "file", false, &d);
	assert_int_equal(d.action, BOOT_START_DCF);
	assert_int_equal(d.evidence.boot_attempts, 1);
	assert_int_equal(hal_flash_ops_count(fx->flash), 0);
	assert_null(fx_read(fx, HAL_PART_STATE, BOOT_STATE_NAME, &len));
}

static void test_demote(void **state)
{
	struct fx *fx = *state;
	struct boot_decision *d = decide(fx);
	struct mayday_component_evidence ev;

	assert_int_equal(d->action, BOOT_START_NORMAL);
	boot_decide_demote(d, MAYDAY_REASON_NORMAL_START_FAILED, NULL);
	expect_dcf(d, MAYDAY_REASON_NORMAL_START_FAILED, BOOT_SLOT_A, 0);
	assert_string_equal(d->evidence.image_version, "1.0");
	assert_int_equal(d->evidence.manifest_rollback, 1);
	assert_int_equal(d->evidence.boot_attempts, 1);
	free(d);

	d = decide(fx);
	memset(&ev, 0, sizeof ev);
	snprintf(ev.name, sizeof ev.name, "%s", "mayday-normal");
	ev.flags = MAYDAY_COMP_DIGEST_MISMATCH;
	boot_decide_demote(d, MAYDAY_REASON_COMPONENT_MISMATCH, &ev);
	expect_dcf(d, MAYDAY_REASON_COMPONENT_MISMATCH, BOOT_SLOT_A, 1);
	assert_string_equal(d->evidence.failed[0].name, "mayday-normal");
	free(d);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_all_good_starts_normal),
		T(test_one_designated_changed),
		T(test_two_designated_changed),
		T(test_designated_missing),
		T(test_size_mismatch),
		T(test_missing_and_changed),
		T(test_non_designated_changed_still_normal),
		T(test_manifest_bad_signature),
		T(test_manifest_missing),
		T(test_manifest_damaged),
		T(test_manifest_of_kind_dcf_in_slot),
		T(test_manifest_entry_rules),
		T(test_rollback_below_counter),
		T(test_trvs_out_of_step),
		T(test_dcf_component_changed),
		T(test_dcf_config_changed_or_missing),
		T(test_dcf_manifest_bad),
		T(test_dcf_non_designated_flag_is_not_an_escape),
		T(test_dcf_partition_exact),
		T(test_rot_missing_or_corrupt),
		T(test_damaged_distress_key),
		T(test_wrong_vendor_anchor),
		T(test_boot_state_corrupt),
		T(test_active_slot_b),
		T(test_power_lost),
		T(test_dry_run_writes_nothing),
		T(test_demote),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

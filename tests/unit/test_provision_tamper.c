/* SPDX-License-Identifier: Apache-2.0 */
/* `mayday-provision tamper`: each kind makes exactly its intended check
 * fail, and nothing else, checked with libmayday and hashing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hal/flash.h"
#include "hal/rot.h"
#include "mayday/keys.h"
#include "test_provision_util.h"

static int setup(void **state)
{
	struct tp_world *w = calloc(1, sizeof(*w));

	if (!w)
		return -1;
	tp_world_init(w, 1, 1);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct tp_world *w = *state;

	tp_world_free(w);
	free(w);
	return 0;
}

/* Number of TRVs of PART that do not match; the one mismatch's name in *bad. */
static int mismatches(const struct tp_world *w, const char *part, char *bad)
{
	struct mayday_manifest m;
	int n = 0;

	assert_int_equal(tp_manifest(w->dev, part, w->vendor_pub, &m), MAYDAY_OK);
	for (uint32_t i = 0; i < m.n_trv; i++) {
		if (!tp_trv_matches(w->dev, part, &m.trv[i])) {
			n++;
			if (bad)
				strcpy(bad, m.trv[i].name);
		}
	}
	return n;
}

static int rot_usable(const struct tp_world *w)
{
	struct hal_flash *f = NULL;
	struct hal_rot *rot = NULL;
	uint64_t v;
	int ok;

	assert_int_equal(hal_flash_open(&f, w->dev, "host"), MAYDAY_OK);
	ok = hal_rot_open(&rot, "file", f) == MAYDAY_OK &&
	     hal_rot_counter_read(rot, HAL_ROT_COUNTER_MESSAGE, &v) == MAYDAY_OK;
	hal_rot_close(rot);
	hal_flash_close(f);
	return ok;
}

static void file_digest(const struct tp_world *w, const char *part, const char *name,
			uint8_t digest[MAYDAY_DIGEST_LEN])
{
	char path[TP_PATH_MAX];
	uint64_t size;

	tp_path(path, w->dev, part, name);
	tp_digest(path, digest, &size);
}

static void assert_untouched_elsewhere(const struct tp_world *w, int dcf, int slot, int rot)
{
	if (dcf)
		assert_int_equal(mismatches(w, "dcf", NULL), 0);
	if (slot)
		assert_int_equal(mismatches(w, "slot_a", NULL), 0);
	if (rot)
		assert_true(rot_usable(w));
}

static void test_intact_device(void **state)
{
	struct tp_world *w = *state;

	assert_untouched_elsewhere(w, 1, 1, 1);
}

static void test_component(void **state)
{
	struct tp_world *w = *state;
	uint8_t manifest_before[MAYDAY_DIGEST_LEN], manifest_after[MAYDAY_DIGEST_LEN];
	char bad[MAYDAY_NAME_MAX + 1] = "";

	file_digest(w, "slot_a", "manifest.cose", manifest_before);
	assert_int_equal(tp_provision("tamper", "--device", w->dev, "--what", "component", NULL), 0);
	assert_int_equal(mismatches(w, "slot_a", bad), 1);
	assert_string_equal(bad, "comp-0.bin"); /* the first designated component */
	file_digest(w, "slot_a", "manifest.cose", manifest_after);
	assert_memory_equal(manifest_before, manifest_after, MAYDAY_DIGEST_LEN);
	assert_untouched_elsewhere(w, 1, 0, 1);

	/* --name picks another one; exactly one more byte differs */
	assert_int_equal(tp_provision("tamper", "--device", w->dev, "--what", "component",
				      "--name", "comp-2.bin", NULL), 0);
	assert_int_equal(mismatches(w, "slot_a", NULL), 2);
	char path[TP_PATH_MAX];
	size_t len = 0;
	tp_path(path, w->dev, "slot_a", "comp-2.bin");
	uint8_t *data = tp_read(path, &len);
	assert_non_null(data);
	assert_int_equal(len, 5000);
	data[2500] ^= 0xff;
	struct mayday_manifest m;
	uint8_t digest[MAYDAY_DIGEST_LEN];
	assert_int_equal(tp_manifest(w->dev, "slot_a", w->vendor_pub, &m), MAYDAY_OK);
	mayday_sha256(data, len, digest);
	assert_memory_equal(digest, mayday_manifest_find(&m, "comp-2.bin")->digest,
			    MAYDAY_DIGEST_LEN);
	free(data);

	assert_int_equal(tp_provision("tamper", "--device", w->dev, "--what", "component",
				      "--name", "comp-9.bin", NULL), 1);
}

static void test_trv(void **state)
{
	struct tp_world *w = *state;
	uint8_t code_before[MAYDAY_DIGEST_LEN], code_after[MAYDAY_DIGEST_LEN];
	uint8_t manifest_before[MAYDAY_DIGEST_LEN], manifest_after[MAYDAY_DIGEST_LEN];
	char bad[MAYDAY_NAME_MAX + 1] = "";

	file_digest(w, "slot_a", "comp-1.bin", code_before);
	file_digest(w, "slot_a", "manifest.cose", manifest_before);
	/* without the vendor key it cannot re-sign, and changes nothing */
	assert_int_equal(tp_provision("tamper", "--device", w->dev, "--what", "trv", "--name",
				      "comp-1.bin", NULL), 1);
	file_digest(w, "slot_a", "manifest.cose", manifest_after);
	assert_memory_equal(manifest_before, manifest_after, MAYDAY_DIGEST_LEN);

	assert_int_equal(tp_provision("tamper", "--device", w->dev, "--what", "trv", "--name",
				      "comp-1.bin", "--pki", w->pki, NULL), 0);
	/* The manifest is new and still verifies with the vendor key ... */
	file_digest(w, "slot_a", "manifest.cose", manifest_after);
	assert_memory_not_equal(manifest_before, manifest_after, MAYDAY_DIGEST_LEN);
	assert_int_equal(mismatches(w, "slot_a", bad), 1);
	/* ... the code did not change, only its TRV is out of step with it */
	assert_string_equal(bad, "comp-1.bin");
	file_digest(w, "slot_a", "comp-1.bin", code_after);
	assert_memory_equal(code_before, code_after, MAYDAY_DIGEST_LEN);
	struct mayday_manifest m;
	assert_int_equal(tp_manifest(w->dev, "slot_a", w->vendor_pub, &m), MAYDAY_OK);
	const struct mayday_trv *t = mayday_manifest_find(&m, "comp-1.bin");
	assert_non_null(t);
	assert_int_equal(t->size, 5000);
	assert_true(t->designated);
	assert_string_equal(m.image_version, "2.1.0");
	assert_int_equal(m.rollback, 3);
	assert_untouched_elsewhere(w, 1, 0, 1);
}

static void test_dcf(void **state)
{
	struct tp_world *w = *state;
	char bad[MAYDAY_NAME_MAX + 1] = "", path[TP_PATH_MAX];
	struct stat st;

	assert_int_equal(tp_provision("tamper", "--device", w->dev, "--what", "dcf", NULL), 0);
	assert_int_equal(mismatches(w, "dcf", bad), 1);
	assert_string_equal(bad, "mayday-dcf");
	tp_path(path, w->dev, "dcf", "mayday-dcf");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0755);
	assert_untouched_elsewhere(w, 0, 1, 1);
}

static void test_rot(void **state)
{
	struct tp_world *w = *state;

	assert_int_equal(tp_provision("tamper", "--device", w->dev, "--what", "rot", NULL), 0);
	assert_false(rot_usable(w));
	assert_untouched_elsewhere(w, 1, 1, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_intact_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_component, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dcf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rot, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

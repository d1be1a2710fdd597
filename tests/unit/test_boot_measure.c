/* SPDX-License-Identifier: Apache-2.0 */
/* Streaming measurement: digests equal a one-shot SHA-256 at every size that
 * matters (empty, one chunk, exactly one buffer, several buffers), the sink
 * sees every byte, missing files are reported. Measuring many components at
 * once on the workers gives, component by component, what measuring them one
 * after the other gives, and stops at a lost power as that would. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>
#include <cmocka.h>

#include "boot_fixture.h"
#include "boot_measure.h"
#include "mayday/keys.h"

struct sink {
	uint8_t *buf;
	size_t len, cap;
	int calls;
};

static enum mayday_err collect(void *ctx, const uint8_t *data, size_t len)
{
	struct sink *s = ctx;

	assert_true(s->len + len <= s->cap);
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	s->calls++;
	return MAYDAY_OK;
}

static enum mayday_err refuse(void *ctx, const uint8_t *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return MAYDAY_E_IO;
}

static void check_size(struct fx *fx, struct boot_measure *m, size_t len)
{
	uint8_t *data = malloc(len ? len : 1);
	uint8_t want[MAYDAY_DIGEST_LEN], got[MAYDAY_DIGEST_LEN];
	struct sink s = { malloc(len ? len : 1), 0, len, 0 };
	uint64_t size = 12345;

	assert_non_null(data);
	assert_non_null(s.buf);
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 131 + (i >> 9));
	fx_write(fx, HAL_PART_SLOT_B, "blob", data, len);
	mayday_sha256(data, len, want);
	assert_int_equal(boot_measure_file(m, fx->flash, HAL_PART_SLOT_B, "blob", collect, &s,
					   &size, got),
			 MAYDAY_OK);
	assert_int_equal(size, len);
	assert_memory_equal(got, want, sizeof want);
	assert_int_equal(s.len, len);
	if (len)
		assert_memory_equal(s.buf, data, len);
	/* Never more reads than the fixed buffer requires. */
	assert_true((size_t)s.calls <= len / BOOT_MEASURE_BUF + 1);
	free(s.buf);
	free(data);
}

static void test_sizes(void **state)
{
	struct fx *fx = *state;
	struct boot_measure *m = NULL;
	const size_t sizes[] = { 0, 1, 4096, BOOT_MEASURE_BUF - 1, BOOT_MEASURE_BUF,
				 BOOT_MEASURE_BUF + 1, 3 * BOOT_MEASURE_BUF + 77 };

	assert_int_equal(boot_measure_new(&m), MAYDAY_OK);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		check_size(fx, m, sizes[i]);
	boot_measure_free(m);
}

static void test_without_sink_and_missing(void **state)
{
	struct fx *fx = *state;
	struct boot_measure *m = NULL;
	uint8_t got[MAYDAY_DIGEST_LEN], want[MAYDAY_DIGEST_LEN];
	uint8_t content[8192];
	size_t len = fx_component_content("1.0", "radio.bin", content, sizeof content);
	uint64_t size = 0;

	assert_int_equal(boot_measure_new(&m), MAYDAY_OK);
	assert_int_equal(boot_measure_file(m, fx->flash, HAL_PART_SLOT_A, "radio.bin", NULL, NULL,
					   &size, got),
			 MAYDAY_OK);
	mayday_sha256(content, len, want);
	assert_int_equal(size, len);
	assert_memory_equal(got, want, sizeof want);
	assert_int_equal(boot_measure_file(m, fx->flash, HAL_PART_SLOT_A, "absent", NULL, NULL,
					   &size, got),
			 MAYDAY_E_NOTFOUND);
	/* A sink failure stops the measurement and is reported as such. */
	assert_int_equal(boot_measure_file(m, fx->flash, HAL_PART_SLOT_A, "radio.bin", refuse,
					   NULL, &size, got),
			 MAYDAY_E_IO);
	/* The context is still usable after errors. */
	assert_int_equal(boot_measure_file(m, fx->flash, HAL_PART_SLOT_A, "radio.bin", NULL, NULL,
					   &size, got),
			 MAYDAY_OK);
	assert_memory_equal(got, want, sizeof want);
	boot_measure_free(m);
	boot_measure_free(NULL);
}

static void test_bit_flip_changes_digest(void **state)
{
	struct fx *fx = *state;
	struct boot_measure *m = NULL;
	uint8_t clean[MAYDAY_DIGEST_LEN], flipped[MAYDAY_DIGEST_LEN];
	uint64_t s1 = 0, s2 = 0;

	assert_int_equal(boot_measure_new(&m), MAYDAY_OK);
	assert_int_equal(boot_measure_file(m, fx->flash, HAL_PART_SLOT_A, "config.db", NULL, NULL,
					   &s1, clean),
			 MAYDAY_OK);
	fx_reopen(fx, "fault:flip=slot_a/config.db@1000");
	assert_int_equal(boot_measure_file(m, fx->flash, HAL_PART_SLOT_A, "config.db", NULL, NULL,
					   &s2, flipped),
			 MAYDAY_OK);
	assert_int_equal(s1, s2);
	assert_memory_not_equal(clean, flipped, sizeof clean);
	boot_measure_free(m);
}

/* Components of every kind at once: sizes around the buffer, an empty one,
 * one missing, one flipped as read, one not a regular file; more of them than
 * there are workers, so workers take several each. */
static void test_all_matches_one_by_one(void **state)
{
	struct fx *fx = *state;
	static const size_t sizes[] = { 3 * BOOT_MEASURE_BUF + 5, 0, 1, BOOT_MEASURE_BUF,
					2 * BOOT_MEASURE_BUF - 1, 4096, 0, 5 * BOOT_MEASURE_BUF };
	enum { N = sizeof sizes / sizeof sizes[0] + 2 };
	struct mayday_trv trv[N];
	struct boot_measure_result all[N];
	struct boot_measure *m = NULL;
	size_t big = 5 * BOOT_MEASURE_BUF;
	uint8_t *data = malloc(big);
	char path[4200];

	assert_non_null(data);
	memset(trv, 0, sizeof trv);
	for (size_t i = 0; i < N; i++) {
		snprintf(trv[i].name, sizeof trv[i].name, "comp-%zu.bin", i);
		if (i >= sizeof sizes / sizeof sizes[0])
			continue;
		for (size_t k = 0; k < sizes[i]; k++)
			data[k] = (uint8_t)(k * 7 + i * 13 + (k >> 11));
		fx_write(fx, HAL_PART_SLOT_B, trv[i].name, data, sizes[i]);
	}
	/* comp-8.bin is absent; comp-9.bin is a directory. */
	snprintf(path, sizeof path, "%s/%s/%s", fx->dir, HAL_PART_SLOT_B, trv[9].name);
	assert_int_equal(mkdir(path, 0700), 0);
	fx_reopen(fx, "fault:flip=slot_b/comp-4.bin@100000");

	assert_int_equal(boot_measure_new(&m), MAYDAY_OK);
	assert_true(boot_measure_workers(m) >= 1);
	assert_true(boot_measure_workers(m) <= BOOT_MEASURE_WORKERS_MAX);
	assert_int_equal(boot_measure_all(m, fx->flash, HAL_PART_SLOT_B, trv, N, all), MAYDAY_OK);
	for (size_t i = 0; i < N; i++) {
		uint8_t digest[MAYDAY_DIGEST_LEN];
		uint64_t size = 0;
		enum mayday_err rc = boot_measure_file(m, fx->flash, HAL_PART_SLOT_B, trv[i].name,
						       NULL, NULL, &size, digest);

		assert_int_equal(all[i].rc, rc);
		if (rc != MAYDAY_OK)
			continue;
		assert_int_equal(all[i].size, sizes[i]);
		assert_int_equal(all[i].size, size);
		assert_memory_equal(all[i].digest, digest, sizeof digest);
	}
	assert_int_equal(all[8].rc, MAYDAY_E_NOTFOUND);
	assert_int_equal(all[9].rc, MAYDAY_E_IO);
	/* The flip is seen by the worker that hashed comp-4 too. */
	for (size_t k = 0; k < sizes[4]; k++)
		data[k] = (uint8_t)(k * 7 + 4 * 13 + (k >> 11));
	{
		uint8_t clean[MAYDAY_DIGEST_LEN];

		mayday_sha256(data, sizes[4], clean);
		assert_memory_not_equal(all[4].digest, clean, sizeof clean);
		data[100000 / 8] ^= 1u << (100000 % 8);
		mayday_sha256(data, sizes[4], clean);
		assert_memory_equal(all[4].digest, clean, sizeof clean);
	}
	/* More than a manifest can list is refused, not overrun. */
	assert_int_equal(boot_measure_all(m, fx->flash, HAL_PART_SLOT_B, trv,
					  MAYDAY_MANIFEST_FILES_MAX + 1, all),
			 MAYDAY_E_INVALID);
	boot_measure_free(m);
	free(data);
}

/* Power lost before the first component could be opened: its result is
 * E_POWER (a fatal error the caller stops at) and nothing after it is
 * reported as measured. Opening slot A must sweep a temporary (a counted
 * unlink), which the cut forbids. */
static void test_all_power_lost(void **state)
{
	struct fx *fx = *state;
	const struct mayday_manifest *man = &fx->slot[0];
	struct boot_measure_result all[MAYDAY_MANIFEST_FILES_MAX];
	struct boot_measure *m = NULL;
	char path[4200];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s/.tmp-leftover", fx->dir, HAL_PART_SLOT_A);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	/* Opening the handle re-creates slot B: operation 1, the last one with power. */
	snprintf(path, sizeof path, "%s/%s", fx->dir, HAL_PART_SLOT_B);
	assert_int_equal(rmdir(path), 0);
	fx_reopen(fx, "fault:cut=1");
	assert_int_equal(boot_measure_new(&m), MAYDAY_OK);
	assert_true(man->n_trv > 1);
	assert_int_equal(boot_measure_all(m, fx->flash, HAL_PART_SLOT_A, man->trv, man->n_trv, all),
			 MAYDAY_OK);
	assert_int_equal(all[0].rc, MAYDAY_E_POWER);
	assert_true(boot_measure_fatal(all[0].rc));
	for (uint32_t i = 1; i < man->n_trv; i++)
		assert_int_not_equal(all[i].rc, MAYDAY_OK);
	boot_measure_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sizes, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_without_sink_and_missing, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_all_matches_one_by_one, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_all_power_lost, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bit_flip_changes_digest, fx_setup,
						fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

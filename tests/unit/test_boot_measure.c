/* SPDX-License-Identifier: Apache-2.0 */
/* Streaming measurement: digests equal a one-shot SHA-256 at every size that
 * matters (empty, one chunk, exactly one buffer, several buffers), the sink
 * sees every byte, missing files are reported. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sizes, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_without_sink_and_missing, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_bit_flip_changes_digest, fx_setup,
						fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

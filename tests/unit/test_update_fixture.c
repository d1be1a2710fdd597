/* SPDX-License-Identifier: Apache-2.0 */
/* Installer test helpers (see test_update_fixture.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hal_specs.h"
#include "mayday/bundle.h"
#include "mayday/cose.h"
#include "mayday/keys.h"
#include "test_update_fixture.h"

static const struct {
	const char *name;
	bool designated;
} comps[] = {
	{ "mayday-normal", true },
	{ "radio.bin", true },
	{ "config.db", true },
	{ "ui.tar", false },
};

uint8_t *tu_bundle(const char *cls, const char *version, uint64_t rollback, EVP_PKEY *key,
		   size_t *len, struct mayday_manifest *out)
{
	struct mayday_manifest m;
	struct mayday_signer signer;
	uint8_t signed_m[MAYDAY_MANIFEST_MAX], part[8192];
	size_t signed_len = 0, cap = 64 * 1024, n;
	uint8_t *b = malloc(cap);

	assert_non_null(b);
	fx_manifest_init(&m, MAYDAY_MANIFEST_IMAGE, version, rollback, "mayday-normal");
	snprintf(m.product_class, sizeof m.product_class, "%s", cls);
	for (size_t i = 0; i < sizeof comps / sizeof comps[0]; i++) {
		n = fx_component_content(version, comps[i].name, part, sizeof part);
		fx_manifest_add(&m, comps[i].name, part, n, comps[i].designated);
	}
	assert_int_equal(mayday_signer_from_pkey(&signer, key, NULL, 0), MAYDAY_OK);
	assert_int_equal(mayday_manifest_sign(&m, &signer, signed_m, sizeof signed_m, &signed_len),
			 MAYDAY_OK);
	assert_int_equal(mayday_bundle_header_encode(signed_len, b), MAYDAY_OK);
	*len = MAYDAY_BUNDLE_HEADER_LEN;
	memcpy(b + *len, signed_m, signed_len);
	*len += signed_len;
	for (size_t i = 0; i < sizeof comps / sizeof comps[0]; i++) {
		n = fx_component_content(version, comps[i].name, part, sizeof part);
		assert_true(*len + n <= cap);
		memcpy(b + *len, part, n);
		*len += n;
	}
	if (out)
		*out = m;
	return b;
}

enum mayday_err tu_read(void *ctx, uint8_t *buf, size_t cap, size_t *n)
{
	struct tu_stream *s = ctx;
	size_t k = s->len - s->pos;

	if (k > cap)
		k = cap;
	if (k > s->chunk)
		k = s->chunk;
	if (s->fail_at != SIZE_MAX && s->pos + k >= s->fail_at)
		return MAYDAY_E_IO;
	memcpy(buf, s->data + s->pos, k);
	s->pos += k;
	*n = k;
	return MAYDAY_OK;
}

enum update_status tu_install(struct fx *fx, const uint8_t *data, size_t len, uint64_t max,
			      struct update_result *res)
{
	struct tu_stream s = { data, len, 0, 1000, SIZE_MAX };
	const struct update_params p = {
		.product_class = TU_CLASS, .max_image_size = max, .tries = 3,
	};
	struct hal_rot *rot = NULL;
	enum update_status st;

	assert_int_equal(hal_rot_open(&rot, hal_specs_rot(), fx->flash), MAYDAY_OK);
	st = update_install(fx->flash, rot, &p, tu_read, &s, res);
	hal_rot_close(rot);
	assert_int_equal(st, res->status);
	return st;
}

static enum mayday_err count_one(void *ctx, const char *name, uint64_t size)
{
	(void)name;
	(void)size;
	(*(unsigned *)ctx)++;
	return MAYDAY_OK;
}

unsigned tu_count(struct fx *fx, const char *part)
{
	unsigned n = 0;

	assert_int_equal(hal_flash_list(fx->flash, part, count_one, &n), MAYDAY_OK);
	return n;
}

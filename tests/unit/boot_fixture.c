/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Boot test fixture (see boot_fixture.h). Keys are generated per fixture, so
 * no test depends on another's state; the device directory lives under
 * $TMPDIR and is removed with everything in it.
 */
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hal_specs.h"
#include "boot_fixture.h"
#include "boot_verify.h"
#include "mayday/cose.h"
#include "mayday/keys.h"
#include "rot.h"

static void new_key(EVP_PKEY **k)
{
	assert_int_equal(mayday_key_generate(k), MAYDAY_OK);
}

int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);
	const char *tmp = getenv("TMPDIR");

	assert_non_null(fx);
	snprintf(fx->dir, sizeof fx->dir, "%s/mayday-boot-test-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	new_key(&fx->vendor);
	new_key(&fx->other);
	new_key(&fx->device_key);
	new_key(&fx->hems);
	assert_int_equal(hal_flash_open(&fx->flash, fx->dir, hal_specs_flash()), MAYDAY_OK);
	assert_int_equal(hal_rot_file_provision(fx->flash, FX_DEVICE_ID, fx->device_key,
						fx->vendor, fx->hems),
			 MAYDAY_OK);
	fx_dcf_install(fx);
	fx_slot_install(fx, BOOT_SLOT_A, "1.0", 1);
	*state = fx;
	return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int fx_teardown(void **state)
{
	struct fx *fx = *state;

	if (!fx)
		return 0;
	hal_flash_close(fx->flash);
	EVP_PKEY_free(fx->vendor);
	EVP_PKEY_free(fx->other);
	EVP_PKEY_free(fx->device_key);
	EVP_PKEY_free(fx->hems);
	if (fx->dir[0])
		nftw(fx->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	*state = NULL;
	return 0;
}

/* The device's own handle for every partition but the DCF's, which only
 * provisioning may change: the fixture plays provisioning there, through a
 * handle of its own so the device side keeps the handle a device program has. */
static struct hal_flash *writer_for(struct fx *fx, const char *part)
{
	struct hal_flash *p = NULL;

	if (strcmp(part, HAL_PART_DCF) != 0)
		return fx->flash;
	assert_int_equal(hal_flash_open_provisioning(&p, fx->dir, hal_specs_flash()), MAYDAY_OK);
	return p;
}

static void writer_done(struct fx *fx, struct hal_flash *w)
{
	if (w != fx->flash)
		hal_flash_close(w);
}

void fx_write(struct fx *fx, const char *part, const char *name, const void *data, size_t len)
{
	struct hal_flash *w = writer_for(fx, part);

	assert_int_equal(hal_flash_write_atomic(w, part, name, data, len), MAYDAY_OK);
	writer_done(fx, w);
}

void fx_remove(struct fx *fx, const char *part, const char *name)
{
	struct hal_flash *w = writer_for(fx, part);

	assert_int_equal(hal_flash_remove(w, part, name), MAYDAY_OK);
	writer_done(fx, w);
}

uint8_t *fx_read(struct fx *fx, const char *part, const char *name, size_t *len)
{
	size_t cap = 1u << 20;
	uint8_t *buf = malloc(cap);
	enum mayday_err rc;

	assert_non_null(buf);
	rc = hal_flash_read(fx->flash, part, name, buf, cap, len);
	if (rc == MAYDAY_E_NOTFOUND) {
		free(buf);
		return NULL;
	}
	assert_int_equal(rc, MAYDAY_OK);
	return buf;
}

void fx_manifest_init(struct mayday_manifest *m, uint32_t kind, const char *version,
		      uint64_t rollback, const char *entry)
{
	memset(m, 0, sizeof *m);
	m->kind = kind;
	snprintf(m->product_class, sizeof m->product_class, "%s", "femto-test");
	snprintf(m->image_version, sizeof m->image_version, "%s", version);
	m->rollback = rollback;
	snprintf(m->entry, sizeof m->entry, "%s", entry);
}

void fx_manifest_add(struct mayday_manifest *m, const char *name, const void *data, size_t len,
		     bool designated)
{
	struct mayday_trv *t;

	assert_true(m->n_trv < MAYDAY_MAX_COMPONENTS);
	t = &m->trv[m->n_trv++];
	snprintf(t->name, sizeof t->name, "%s", name);
	t->size = len;
	mayday_sha256(data, len, t->digest);
	t->designated = designated;
}

void fx_manifest_install(struct fx *fx, const char *part, const struct mayday_manifest *m,
			 EVP_PKEY *key)
{
	struct mayday_signer signer;
	uint8_t buf[MAYDAY_MANIFEST_MAX];
	size_t len = 0;

	assert_int_equal(mayday_signer_from_pkey(&signer, key, NULL, 0), MAYDAY_OK);
	assert_int_equal(mayday_manifest_sign(m, &signer, buf, sizeof buf, &len), MAYDAY_OK);
	fx_write(fx, part, BOOT_MANIFEST_NAME, buf, len);
}

size_t fx_component_content(const char *version, const char *name, uint8_t *out, size_t cap)
{
	/* Sizes differ per component so a size check cannot pass by accident. */
	size_t len = strcmp(name, "radio.bin") == 0 ? 5000 : strcmp(name, "ui.tar") == 0 ? 700 : 300;
	uint32_t x = 2166136261u;

	assert_true(len <= cap);
	for (const char *p = version; *p; p++)
		x = (x ^ (uint8_t)*p) * 16777619u;
	for (const char *p = name; *p; p++)
		x = (x ^ (uint8_t)*p) * 16777619u;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		out[i] = (uint8_t)x;
	}
	return len;
}

void fx_slot_install(struct fx *fx, uint8_t slot, const char *version, uint64_t rollback)
{
	static const struct {
		const char *name;
		bool designated;
	} comps[] = {
		{ "mayday-normal", true },
		{ "radio.bin", true },
		{ "config.db", true },
		{ "ui.tar", false },
	};
	struct mayday_manifest *m = &fx->slot[slot];
	const char *part = boot_state_slot_part(slot);
	uint8_t buf[8192];

	assert_non_null(part);
	fx_manifest_init(m, MAYDAY_MANIFEST_IMAGE, version, rollback, "mayday-normal");
	for (size_t i = 0; i < sizeof comps / sizeof comps[0]; i++) {
		size_t len = fx_component_content(version, comps[i].name, buf, sizeof buf);

		fx_write(fx, part, comps[i].name, buf, len);
		fx_manifest_add(m, comps[i].name, buf, len, comps[i].designated);
	}
	fx_manifest_install(fx, part, m, fx->vendor);
}

void fx_dcf_install(struct fx *fx)
{
	static const char prog[] = "stand-in for the mayday-dcf executable\n";
	static const char conf[] = "[hems]\nendpoint = plain-udp://127.0.0.1:4433\n";
	char pem[1024];
	size_t pem_len = 0;

	assert_int_equal(mayday_key_public_to_pem(fx->hems, pem, sizeof pem, &pem_len), MAYDAY_OK);
	fx_manifest_init(&fx->dcf, MAYDAY_MANIFEST_DCF, "dcf-1.0", 0, BOOT_DCF_ENTRY);
	fx_write(fx, HAL_PART_DCF, BOOT_DCF_ENTRY, prog, sizeof prog - 1);
	fx_manifest_add(&fx->dcf, BOOT_DCF_ENTRY, prog, sizeof prog - 1, true);
	fx_write(fx, HAL_PART_DCF, "dcf.conf", conf, sizeof conf - 1);
	fx_manifest_add(&fx->dcf, "dcf.conf", conf, sizeof conf - 1, true);
	fx_write(fx, HAL_PART_DCF, "hems.pub.pem", pem, pem_len);
	fx_manifest_add(&fx->dcf, "hems.pub.pem", pem, pem_len, true);
	fx_manifest_install(fx, HAL_PART_DCF, &fx->dcf, fx->vendor);
}

void fx_reopen(struct fx *fx, const char *spec)
{
	hal_flash_close(fx->flash);
	fx->flash = NULL;
	assert_int_equal(hal_flash_open(&fx->flash, fx->dir, spec ? spec : hal_specs_flash()),
			 MAYDAY_OK);
}

void fx_decide(struct fx *fx, struct boot_decision *d)
{
	boot_decide(fx->flash, hal_specs_rot(), true, d);
}

void fx_state_set(struct fx *fx, uint8_t active, uint8_t pending, uint8_t tries,
		  uint32_t attempts)
{
	struct boot_state st = { active, pending, tries, attempts };

	assert_int_equal(boot_state_store(fx->flash, &st), MAYDAY_OK);
}

void fx_state_get(struct fx *fx, struct boot_state *st)
{
	struct mayday_diag diag = { 0, NULL };
	bool found = false;

	assert_int_equal(boot_state_load(fx->flash, st, &found, &diag), MAYDAY_OK);
	assert_true(found);
}

uint64_t fx_rollback_counter(struct fx *fx)
{
	struct hal_rot *rot = NULL;
	uint64_t v = 0;

	assert_int_equal(hal_rot_open(&rot, hal_specs_rot(), fx->flash), MAYDAY_OK);
	assert_int_equal(hal_rot_counter_read(rot, HAL_ROT_COUNTER_ROLLBACK, &v), MAYDAY_OK);
	hal_rot_close(rot);
	return v;
}

void fx_rollback_advance(struct fx *fx, uint64_t to)
{
	struct hal_rot *rot = NULL;

	assert_int_equal(hal_rot_open(&rot, hal_specs_rot(), fx->flash), MAYDAY_OK);
	assert_int_equal(hal_rot_counter_advance(rot, HAL_ROT_COUNTER_ROLLBACK, to), MAYDAY_OK);
	hal_rot_close(rot);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test fixture for the secure start-up tests: a complete device built in a
 * temporary directory directly through the HAL and libmayday APIs (no
 * provisioning tool): a RoT provisioned with fresh keys, a DCF partition with
 * its signed manifest, and slot A with a few components and its signed TRV
 * manifest. Every helper asserts (cmocka) instead of returning errors.
 */
#ifndef MAYDAY_TEST_BOOT_FIXTURE_H
#define MAYDAY_TEST_BOOT_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "boot_decide.h"
#include "boot_state.h"
#include "flash.h"
#include "mayday/manifest.h"

#define FX_DEVICE_ID "femto-0001"

struct fx {
	char dir[4096];                  /* the device directory (removed by fx_free) */
	struct hal_flash *flash;         /* "host" backend, open */
	EVP_PKEY *vendor;                /* vendor signing key (its public half is the RoT anchor) */
	EVP_PKEY *other;                 /* a key the device does not trust */
	EVP_PKEY *device_key;
	EVP_PKEY *hems;
	struct mayday_manifest slot[2];  /* manifests installed by fx_slot_install */
	struct mayday_manifest dcf;      /* manifest installed by fx_dcf_install */
};

/* cmocka group/test setup and teardown: *state becomes a struct fx with a
 * provisioned RoT, a verified DCF partition and slot A (version "1.0",
 * rollback 1) installed. */
int fx_setup(void **state);
int fx_teardown(void **state);

/* Write PART/NAME. */
void fx_write(struct fx *fx, const char *part, const char *name, const void *data, size_t len);
/* Remove PART/NAME (asserts it existed). */
void fx_remove(struct fx *fx, const char *part, const char *name);
/* Read PART/NAME into a fresh buffer (caller frees); *len set. NULL if absent. */
uint8_t *fx_read(struct fx *fx, const char *part, const char *name, size_t *len);

void fx_manifest_init(struct mayday_manifest *m, uint32_t kind, const char *version,
		      uint64_t rollback, const char *entry);
/* Append a TRV for the given content (digest computed here). */
void fx_manifest_add(struct mayday_manifest *m, const char *name, const void *data, size_t len,
		     bool designated);
/* Sign `m` with `key` and write it as PART/manifest.cose. */
void fx_manifest_install(struct fx *fx, const char *part, const struct mayday_manifest *m,
			 EVP_PKEY *key);

/* Standard content of a slot component for an image version (deterministic). */
size_t fx_component_content(const char *version, const char *name, uint8_t *out, size_t cap);
/* Install the standard components of `version` into `slot` and a manifest
 * signed by the vendor: "mayday-normal" (entry), "radio.bin", "config.db"
 * (designated) and "ui.tar" (not designated). Kept in fx->slot[slot]. */
void fx_slot_install(struct fx *fx, uint8_t slot, const char *version, uint64_t rollback);
/* The DCF partition: "mayday-dcf", "dcf.conf", "hems.pub.pem", signed. */
void fx_dcf_install(struct fx *fx);

/* Close and reopen the flash with `spec` (NULL: "host"). */
void fx_reopen(struct fx *fx, const char *spec);
/* boot_decide with the file RoT, committing. */
void fx_decide(struct fx *fx, struct boot_decision *d);

void fx_state_set(struct fx *fx, uint8_t active, uint8_t pending, uint8_t tries,
		  uint32_t attempts);
/* Asserts the record exists and decodes. */
void fx_state_get(struct fx *fx, struct boot_state *st);
uint64_t fx_rollback_counter(struct fx *fx);
void fx_rollback_advance(struct fx *fx, uint64_t to);

#endif

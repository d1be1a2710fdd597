/* SPDX-License-Identifier: Apache-2.0 */
/*
 * normal.conf: normal code's own settings for its CWMP client (periodic
 * Inform, remediation report). Normal code reads nothing of the DCF
 * partition: the DCF's configuration is the DCF's.
 *
 * Where: HAL_PART_STATE/normal.conf, written by mayday-provision. Not a
 * secret and not a trust anchor -- the CA that vouches for the ACS and the
 * device's key and certificate come sealed from the RoT through the TrE
 * (normal_creds.h), the product class from the slot's verified manifest --
 * so a setting here can make a session fail, never make it trust someone
 * else; the pin only narrows whom it trusts. The state partition (not the
 * slot) so that a remediation image, built for a whole class, does not
 * carry one device's settings.
 *
 *   [cwmp]
 *   timeout_ms     = 100..600000   per CWMP request (default 10000)
 *   pin_sha256     = 64 hex digits  optional: the ACS key's SPKI SHA-256
 *   max_image_size = 1..2^40        bytes; the capability it reports (default 256 MiB)
 *   [device]
 *   dcf_version    = the DCF's version it reports (printable, no spaces;
 *                    default "unknown": normal code cannot read the DCF's)
 *
 * Every key at most once, unknown sections or keys refused, at most
 * NORMAL_CONFIG_MAX bytes. inih does the syntax, this file the strictness.
 */
#ifndef MAYDAY_NORMAL_CONFIG_H
#define MAYDAY_NORMAL_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "hal/flash.h"
#include "mayday/error.h"
#include "mayday/limits.h"

#define NORMAL_CONFIG_NAME      "normal.conf"
#define NORMAL_CONFIG_MAX       4096
#define NORMAL_CWMP_MS_MIN      100u
#define NORMAL_CWMP_MS_MAX      600000u
#define NORMAL_MAX_IMAGE_MAX    (UINT64_C(1) << 40)

struct normal_config {
	uint32_t timeout_ms;
	int pin_set;
	uint8_t pin_sha256[MAYDAY_DIGEST_LEN];
	uint64_t max_image_size;
	char dcf_version[MAYDAY_VERSION_STR_MAX + 1];
};

struct normal_config_error {
	const char *what;        /* static text; NULL on success */
	char key[64];            /* "section.key" it concerns, or "" */
};

/* Parses text[0..len) (need not be NUL-terminated) into *cfg (defaults
 * first). MAYDAY_E_TOOBIG over NORMAL_CONFIG_MAX, MAYDAY_E_INVALID with
 * *err saying why, MAYDAY_E_NOMEM. */
MAYDAY_NODISCARD enum mayday_err normal_config_parse(const char *text, size_t len,
						     struct normal_config *cfg,
						     struct normal_config_error *err);

/* HAL_PART_STATE/normal.conf; a missing file is MAYDAY_E_NOTFOUND. */
MAYDAY_NODISCARD enum mayday_err normal_config_load(struct hal_flash *flash,
						    struct normal_config *cfg,
						    struct normal_config_error *err);

#endif

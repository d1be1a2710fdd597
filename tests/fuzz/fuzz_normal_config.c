/* SPDX-License-Identifier: Apache-2.0 */
/* normal.conf (device/normal/normal_config.c): the parser never crashes,
 * and what it accepts is in range. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "normal_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct normal_config cfg;
	struct normal_config_error err;

	if (normal_config_parse((const char *)data, size, &cfg, &err) != MAYDAY_OK) {
		assert(err.what != NULL);
		return 0;
	}
	assert(cfg.timeout_ms >= NORMAL_CWMP_MS_MIN && cfg.timeout_ms <= NORMAL_CWMP_MS_MAX);
	assert(cfg.max_image_size >= 1 && cfg.max_image_size <= NORMAL_MAX_IMAGE_MAX);
	assert(strlen(cfg.dcf_version) >= 1);
	return 0;
}

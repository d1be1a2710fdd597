/* SPDX-License-Identifier: Apache-2.0 */
/*
 * normal.conf (see normal_config.h): inih splits the text into
 * section/key/value; this file checks every value and that no key comes
 * twice (inih would let the last one silently win).
 */
#include "normal_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ini.h>

#define DEFAULT_TIMEOUT_MS 10000u
#define DEFAULT_MAX_IMAGE  (UINT64_C(256) << 20)

enum { K_TIMEOUT, K_PIN, K_MAX_IMAGE, K_DCF_VERSION, K__COUNT };

static const struct {
	const char *section, *name;
} keys[K__COUNT] = {
	[K_TIMEOUT] = { "cwmp", "timeout_ms" },
	[K_PIN] = { "cwmp", "pin_sha256" },
	[K_MAX_IMAGE] = { "cwmp", "max_image_size" },
	[K_DCF_VERSION] = { "device", "dcf_version" },
};

struct ctx {
	struct normal_config *cfg;
	struct normal_config_error *err;
	int seen[K__COUNT];
	int failed;
};

/* Decimal digits only, within [min, max]. */
static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v < min || v > max)
		return 0;
	*out = v;
	return 1;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const char *value_of(struct normal_config *cfg, int k, const char *v)
{
	uint64_t n;
	size_t len;

	switch (k) {
	case K_TIMEOUT:
		if (!parse_u64(v, NORMAL_CWMP_MS_MIN, NORMAL_CWMP_MS_MAX, &n))
			return "not a number in 100..600000";
		cfg->timeout_ms = (uint32_t)n;
		return NULL;
	case K_PIN:
		if (strlen(v) != 2 * MAYDAY_DIGEST_LEN)
			return "not 64 hexadecimal digits";
		for (size_t i = 0; i < MAYDAY_DIGEST_LEN; i++) {
			int hi = hex_digit(v[2 * i]), lo = hex_digit(v[2 * i + 1]);
			if (hi < 0 || lo < 0)
				return "not 64 hexadecimal digits";
			cfg->pin_sha256[i] = (uint8_t)(hi << 4 | lo);
		}
		cfg->pin_set = 1;
		return NULL;
	case K_MAX_IMAGE:
		if (!parse_u64(v, 1, NORMAL_MAX_IMAGE_MAX, &cfg->max_image_size))
			return "not a number in 1..2^40";
		return NULL;
	case K_DCF_VERSION:
	default:
		len = strlen(v);
		if (len == 0 || len > MAYDAY_VERSION_STR_MAX)
			return "empty or too long";
		for (size_t i = 0; i < len; i++)
			if (v[i] <= ' ' || v[i] > '~')
				return "not printable ASCII without spaces";
		memcpy(cfg->dcf_version, v, len + 1);
		return NULL;
	}
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct ctx *c = user;
	const char *why = "unknown section or key";
	int k;

	if (c->failed)
		return 0;
	for (k = 0; k < K__COUNT; k++)
		if (strcmp(section, keys[k].section) == 0 && strcmp(name, keys[k].name) == 0)
			break;
	if (k < K__COUNT)
		why = c->seen[k]++ ? "given twice" : value_of(c->cfg, k, value);
	if (why == NULL)
		return 1;
	c->failed = 1;
	c->err->what = why;
	snprintf(c->err->key, sizeof(c->err->key), "%.24s.%.32s", section, name);
	return 0;
}

enum mayday_err normal_config_parse(const char *text, size_t len, struct normal_config *cfg,
				    struct normal_config_error *err)
{
	struct ctx c = { .cfg = cfg, .err = err };
	char *copy;
	int line;

	memset(cfg, 0, sizeof(*cfg));
	cfg->timeout_ms = DEFAULT_TIMEOUT_MS;
	cfg->max_image_size = DEFAULT_MAX_IMAGE;
	strcpy(cfg->dcf_version, "unknown");
	err->what = NULL;
	err->key[0] = '\0';
	if (len > NORMAL_CONFIG_MAX) {
		err->what = "configuration too large";
		return MAYDAY_E_TOOBIG;
	}
	if (memchr(text, '\0', len) != NULL) {
		err->what = "NUL byte in the configuration";
		return MAYDAY_E_INVALID;
	}
	copy = malloc(len + 1);
	if (copy == NULL) {
		err->what = "out of memory";
		return MAYDAY_E_NOMEM;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	line = ini_parse_string(copy, on_key, &c);
	free(copy);
	if (c.failed)
		return MAYDAY_E_INVALID;
	if (line != 0) {
		err->what = "INI syntax error";
		return MAYDAY_E_INVALID;
	}
	return MAYDAY_OK;
}

enum mayday_err normal_config_load(struct hal_flash *flash, struct normal_config *cfg,
				   struct normal_config_error *err)
{
	char buf[NORMAL_CONFIG_MAX];
	size_t len = 0;
	enum mayday_err rc;

	err->what = NULL;
	err->key[0] = '\0';
	rc = hal_flash_read(flash, HAL_PART_STATE, NORMAL_CONFIG_NAME, (uint8_t *)buf, sizeof(buf),
			    &len);
	if (rc != MAYDAY_OK) {
		err->what = rc == MAYDAY_E_TOOBIG ? "configuration too large"
						  : "configuration unreadable";
		return rc;
	}
	return normal_config_parse(buf, len, cfg, err);
}

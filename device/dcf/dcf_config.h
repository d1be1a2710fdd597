/*
 * The DCF's own configuration: dcf.conf in the DCF partition (INI, signed
 * with the partition by the vendor key, so the TrE has verified it before
 * the DCF starts; it is still parsed as hostile input).
 *
 *   [dcf]   version = 0.1.0 ; product_class = femto-a ; max_image_size = 268435456
 *   [hems]  methods = plain-udp            (ordered, comma-separated, known transports only)
 *           udp = 127.0.0.1:7701           (numeric IPv4, or [IPv6]:port)
 *   [retry] initial_ms = 200 ; max_ms = 5000 ; attempt_timeout_ms = 500 ; deadline_ms = 30000
 *
 * Strict: unknown sections or keys, duplicate keys, missing required keys,
 * values out of their bounds, lines longer than DCF_CONFIG_LINE_MAX and NUL
 * bytes are all rejected. The [retry] keys are optional (defaults above).
 */
#ifndef MAYDAY_DCF_CONFIG_H
#define MAYDAY_DCF_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"
#include "mayday/limits.h"

struct hal_flash;

#define DCF_CONFIG_NAME      "dcf.conf"
#define DCF_CONFIG_MAX       4096  /* bytes of dcf.conf */
#define DCF_CONFIG_LINE_MAX  160   /* characters per line, without the newline */
#define DCF_METHODS_MAX      4
#define DCF_METHOD_NAME_MAX  15
#define DCF_HOST_MAX         45    /* textual IPv6 address */

/* Bounds of the numeric values (inclusive). */
#define DCF_MAX_IMAGE_SIZE_MAX  (UINT64_C(1) << 40)
#define DCF_INITIAL_MS_MIN      1u
#define DCF_INITIAL_MS_MAX      60000u
#define DCF_MAX_MS_MAX          3600000u
#define DCF_ATTEMPT_MS_MIN      10u
#define DCF_ATTEMPT_MS_MAX      60000u
#define DCF_DEADLINE_MS_MIN     10u
#define DCF_DEADLINE_MS_MAX     86400000u  /* one day */

struct dcf_endpoint {
	char host[DCF_HOST_MAX + 1];   /* numeric address, without brackets */
	uint16_t port;
	int set;                       /* 1 when configured */
};

struct dcf_config {
	char version[MAYDAY_VERSION_STR_MAX + 1];
	char product_class[MAYDAY_CLASS_MAX + 1];
	uint64_t max_image_size;
	unsigned n_methods;
	char methods[DCF_METHODS_MAX][DCF_METHOD_NAME_MAX + 1]; /* in the order to try */
	struct dcf_endpoint udp;
	uint32_t initial_ms;
	uint32_t max_ms;
	uint32_t attempt_timeout_ms;
	uint32_t deadline_ms;
};

/* Why a configuration was rejected: `what` is static text, `key` names the
 * offending "section.key" (or is empty). */
struct dcf_config_error {
	const char *what;
	char key[64];
};

/* Parse `len` bytes of INI text into *cfg (filled by value; nothing to free).
 * MAYDAY_E_INVALID (with *err filled) on any rejection, MAYDAY_E_TOOBIG if the
 * text exceeds DCF_CONFIG_MAX. *cfg is unspecified on error. */
MAYDAY_NODISCARD enum mayday_err dcf_config_parse(const char *text, size_t len,
						  struct dcf_config *cfg,
						  struct dcf_config_error *err);

/* Read DCF_CONFIG_NAME from the DCF partition and parse it. */
MAYDAY_NODISCARD enum mayday_err dcf_config_load(struct hal_flash *flash, struct dcf_config *cfg,
						 struct dcf_config_error *err);

#endif

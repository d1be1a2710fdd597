/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attaching to the network, as the normal-code stand-in does it (DESIGN §5;
 * device/boot/README.md, "When normal code cannot attach").
 *
 * Real normal code brings up its IPsec tunnel to the SeGW; the stand-in
 * models that with a small probe per SeGW endpoint: a TCP connection, the
 * line "ATTACH <device-id>\n", and the SeGW's one-line answer, each within
 * the configured time. "OK..." is attached; any other answer, or the
 * connection closed without one, is the SeGW refusing the device's
 * credentials (auth-refused); no connection, or no answer in time, is an
 * unreachable SeGW (segw-unreachable). Endpoints are tried in order within
 * a try; tries are separated by the configured pause.
 *
 * Settings come from the environment, because mayday-boot starts normal
 * code with a fixed command line (mayday-normal(8), ENVIRONMENT):
 *   MAYDAY_SEGW               HOST:PORT[,HOST:PORT...]  up to NORMAL_ATTACH_SEGW_MAX;
 *                             unset or empty: attachment is not checked
 *   MAYDAY_ATTACH_TRIES       1..1000, default 3
 *   MAYDAY_ATTACH_TIMEOUT_S   1..3600, default 10 (connect, and the answer)
 *   MAYDAY_ATTACH_INTERVAL_S  0..3600, default 5 (pause between tries)
 */
#ifndef MAYDAY_NORMAL_ATTACH_H
#define MAYDAY_NORMAL_ATTACH_H

#include <stdbool.h>
#include <stdint.h>

#include "hal/flash.h"
#include "mayday/error.h"
#include "mayday/evidence.h"
#include "mayday/limits.h"

#define NORMAL_ATTACH_SEGW_MAX  4
#define NORMAL_ATTACH_HOST_MAX  253
#define NORMAL_ATTACH_ENV_MAX   1100  /* longest MAYDAY_SEGW value accepted */

struct normal_attach_endpoint {
	char host[NORMAL_ATTACH_HOST_MAX + 1];
	char port[6];
};

struct normal_attach_cfg {
	unsigned n_segw;                       /* 0: attachment not checked */
	struct normal_attach_endpoint segw[NORMAL_ATTACH_SEGW_MAX];
	uint32_t tries;
	uint32_t timeout_s;
	uint32_t interval_s;
};

struct normal_attach_result {
	bool attached;
	uint32_t stage;                        /* enum mayday_attach_stage when not attached */
	uint32_t tries;                        /* tries made */
	char last_error[MAYDAY_ATTACH_ERROR_MAX + 1];
};

/* Defaults, no SeGW. */
void normal_attach_cfg_init(struct normal_attach_cfg *c);

/* Parse the settings above from `getenv`-like lookups (tests pass their
 * own). On error *c is unchanged and `err` (cap bytes) says which setting
 * and why: MAYDAY_E_INVALID. */
MAYDAY_NODISCARD enum mayday_err normal_attach_cfg_parse(struct normal_attach_cfg *c,
							 const char *(*get)(const char *name),
							 char *err, size_t cap);

/* Try to attach, `tries` times (the caller applies the backoff), as
 * `device_id`. Never fails: the outcome is in *res. */
void normal_attach_try(const struct normal_attach_cfg *c, uint32_t tries, const char *device_id,
		       struct normal_attach_result *res);

/* The whole step for mayday-normal: nothing to do without a SeGW (true);
 * else try with the backoff the attach state asks for and record the
 * outcome in it (boot_attach_report_ok/failed). true iff attached (or not
 * checked). A record that cannot be written is logged. */
bool normal_attach_run(struct hal_flash *f, const struct normal_attach_cfg *c,
		       const char *device_id);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixture of the remediation tests (test_dcf_remediate.c,
 * test_normal_report.c): a device (test_dcf_txfx.h) with a client
 * certificate from a test CA in its DCF partition and a dcf.conf whose
 * [cwmp] client uses it; the test ACS (test_cpe_acs.h) answering a script
 * of CWMP envelopes over mutual TLS; a URL where nothing answers; and
 * checks of what the ACS was sent. Every helper asserts.
 */
#ifndef MAYDAY_TEST_REMED_FX_H
#define MAYDAY_TEST_REMED_FX_H

#include <stdint.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "cpe_record.h"
#include "cwmp.h"
#include "test_cpe_acs.h"
#include "test_dcf_txfx.h"

#define RFX_START        1767225600
#define RFX_DOWNLOAD_KEY "rem-9-1"   /* CommandKey of the scripted Download */

struct rfx {
	struct txfx *fx;             /* fx->cfg parsed from the dcf.conf on flash */
	EVP_PKEY *ca_key, *srv_key;
	X509 *ca;
	SSL_CTX *ctx;
	struct acs acs;
	int serving;
	char env[ACS_STEPS_MAX][CWMP_ENVELOPE_MAX]; /* scripted answers */
	char url[128];               /* the test ACS, once rfx_serve ran */
	char dead[128];              /* https:// to a port that refuses connections */
	int dead_fd;
};

/* cmocka setup/teardown: *state becomes a struct rfx (ACS not started). */
int rfx_setup(void **state);
int rfx_teardown(void **state);

/* Script step i: an envelope of `kind` (cwmp:ID `id`; a Download has
 * CommandKey RFX_DOWNLOAD_KEY and the dead URL), or HTTP 204. */
void rfx_step(struct rfx *t, unsigned i, enum cwmp_kind kind, const char *id);
void rfx_step_204(struct rfx *t, unsigned i);
/* Serve the script (sets t->url); stop and keep what was seen. */
void rfx_serve(struct rfx *t);
void rfx_stop(struct rfx *t);

/* Request i was an Inform with exactly events[0..n) ("M Download" with
 * CommandKey `key`). */
void rfx_assert_inform(struct rfx *t, unsigned i, const char *const *events, unsigned n,
		       const char *key);
/* Request i was a TransferComplete for `key`, fault `code`, StartTime
 * RFX_START; its FaultString into string (optional, CWMP_STR256_MAX + 1). */
void rfx_assert_tc(struct rfx *t, unsigned i, const char *key, uint32_t code, char *string);
/* Request i was of `kind`. */
void rfx_assert_kind(struct rfx *t, unsigned i, enum cwmp_kind kind);

/* A record of `phase` for `key` and `url`, StartTime RFX_START: INSTALLED
 * and CONFIRMED for `slot` with `digest` (NULL: 0x42 bytes), FAILED with
 * 9019 "file-auth-failure: signature". */
void rfx_record(struct cpe_record *r, enum cpe_record_phase phase, const char *key,
		const char *url, uint8_t slot, const uint8_t *digest);
void rfx_save(struct rfx *t, const struct cpe_record *r);
/* The record on flash into *r: MAYDAY_OK, or the load's error. */
enum mayday_err rfx_load(struct rfx *t, struct cpe_record *r);

#endif

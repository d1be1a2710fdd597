/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixture of the transport tests (test_dcf_http.c, test_dcf_tls.c): a device
 * in a temporary directory (RoT provisioned with a fresh distress key), the
 * environment a transport opens with, a dcf.conf parsed from text, the test
 * H(e)MS (test_dcf_httpd.h), and signed indications to send.
 */
#ifndef MAYDAY_TEST_DCF_TXFX_H
#define MAYDAY_TEST_DCF_TXFX_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "dcf_config.h"
#include "test_dcf_httpd.h"
#include "tx/dcf_tx.h"

#define TXFX_DEVICE_ID "femto-tx-1"

struct txfx {
	char dir[256];
	EVP_PKEY *device, *vendor, *hems;
	struct hal_flash *flash;
	struct hal_rot *rot;
	struct dcf_config cfg;
	struct dcf_tx_env env;
	struct httpd srv;   /* srv.hems and srv.device_pub are set; not started */
};

struct txfx *txfx_new(void);
void txfx_free(struct txfx *fx);    /* stops nothing: the test stops its server */

/* Parse the dcf.conf text (printf format) into fx->cfg; asserts it is accepted. */
void txfx_config(struct txfx *fx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write a file of the DCF partition. */
void txfx_put(struct txfx *fx, const char *name, const void *data, size_t len);

/* An indication signed by the RoT, claiming `transport`; its length. */
size_t txfx_indication(struct txfx *fx, uint32_t transport, uint64_t counter, uint8_t *out,
		       size_t cap);

/* Through the transport named `method`: open, send an indication (counter
 * 1), receive and classify the answer, close. Returns open's or send's
 * result; *verdict is the answer's DCF_ACK_* (-1 if there was none) and
 * *retry_after the transport's retry-after after the send. */
enum mayday_err txfx_exchange(struct txfx *fx, const char *method, int *verdict,
			      uint32_t *retry_after);

#endif

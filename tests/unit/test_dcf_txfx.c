/* SPDX-License-Identifier: Apache-2.0 */
/* The transport tests' fixture (see test_dcf_txfx.h). */
#include "test_dcf_txfx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcf_ack.h"
#include "hal/flash.h"
#include "hal/rot.h"
#include "mayday/keys.h"

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

struct txfx *txfx_new(void)
{
	struct txfx *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "%s/dcf-tx-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	assert_int_equal(mayday_key_generate(&fx->device), MAYDAY_OK);
	assert_int_equal(mayday_key_generate(&fx->vendor), MAYDAY_OK);
	assert_int_equal(mayday_key_generate(&fx->hems), MAYDAY_OK);
	assert_int_equal(hal_flash_open_provisioning(&fx->flash, fx->dir, "host"), MAYDAY_OK);
	assert_int_equal(hal_rot_file_provision(fx->flash, TXFX_DEVICE_ID, fx->device, fx->vendor,
						fx->hems), MAYDAY_OK);
	assert_int_equal(hal_rot_open(&fx->rot, "file", fx->flash), MAYDAY_OK);
	fx->env = (struct dcf_tx_env){ .cfg = &fx->cfg, .flash = fx->flash, .rot = fx->rot };
	fx->srv.hems = fx->hems;
	fx->srv.device_pub = fx->device;
	return fx;
}

void txfx_free(struct txfx *fx)
{
	hal_rot_close(fx->rot);
	hal_flash_close(fx->flash);
	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	EVP_PKEY_free(fx->device);
	EVP_PKEY_free(fx->vendor);
	EVP_PKEY_free(fx->hems);
	free(fx);
}

void txfx_config(struct txfx *fx, const char *fmt, ...)
{
	char text[DCF_CONFIG_MAX];
	struct dcf_config_error err;
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(text));
	if (dcf_config_parse(text, (size_t)n, &fx->cfg, &err) != MAYDAY_OK)
		fail_msg("dcf.conf rejected: %s at %s\n%s", err.what, err.key, text);
}

void txfx_put(struct txfx *fx, const char *name, const void *data, size_t len)
{
	assert_int_equal(hal_flash_write_atomic(fx->flash, HAL_PART_DCF, name, data, len),
			 MAYDAY_OK);
}

size_t txfx_indication(struct txfx *fx, uint32_t transport, uint64_t counter, uint8_t *out,
		       size_t cap)
{
	struct mayday_indication ind = { .counter = counter, .time = 1767225600,
					 .transport = transport, .max_image_size = 1 };
	struct mayday_signer signer;
	size_t len = 0;

	strcpy(ind.device_id, TXFX_DEVICE_ID);
	strcpy(ind.dcf_version, "0.1.0");
	ind.evidence.reason = MAYDAY_REASON_COMPONENT_MISMATCH;
	assert_int_equal(hal_rot_signer(fx->rot, &signer), MAYDAY_OK);
	assert_int_equal(mayday_indication_sign(&ind, &signer, out, cap, &len), MAYDAY_OK);
	return len;
}

enum mayday_err txfx_exchange(struct txfx *fx, const char *method, int *verdict,
			      uint32_t *retry_after)
{
	const struct dcf_tx_ops *ops = dcf_tx_find(method);
	uint8_t msg[MAYDAY_INDICATION_MAX], ans[MAYDAY_ACK_MAX];
	void *st = NULL;
	size_t len, ans_len = 0;
	enum mayday_err rc;

	assert_non_null(ops);
	*verdict = -1;
	*retry_after = 0;
	len = txfx_indication(fx, ops->transport, 1, msg, sizeof(msg));
	rc = ops->open(&fx->env, &st);
	if (rc != MAYDAY_OK)
		return rc;
	rc = ops->send(st, msg, len);
	if (rc == MAYDAY_OK) {
		*retry_after = ops->retry_after_s(st);
		if (ops->recv(st, ans, sizeof(ans), &ans_len, 50) == MAYDAY_OK) {
			struct mayday_ack ack;
			struct mayday_diag diag;
			enum mayday_err why;
			EVP_PKEY *anchor = NULL;
			assert_int_equal(hal_rot_anchor(fx->rot, HAL_ROT_ANCHOR_HEMS, &anchor),
					 MAYDAY_OK);
			*verdict = (int)dcf_ack_check(ans, ans_len, anchor, TXFX_DEVICE_ID, 1, &ack,
						      &why, &diag);
			EVP_PKEY_free(anchor);
		}
	}
	ops->close(st);
	return rc;
}

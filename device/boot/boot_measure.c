/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Streaming SHA-256 over HAL readers. The digest is fetched once per context
 * (EVP_MD_fetch) rather than per component, and reads go straight into one
 * large buffer, so the cost is the hash itself: as fast as `openssl dgst`.
 */
#include <stdlib.h>
#include <openssl/evp.h>

#include "boot_measure.h"

struct boot_measure {
	EVP_MD *md;
	EVP_MD_CTX *ctx;
	uint8_t *buf;
};

enum mayday_err boot_measure_new(struct boot_measure **out)
{
	struct boot_measure *m = calloc(1, sizeof *m);
	enum mayday_err rc = MAYDAY_E_NOMEM;

	if (!m)
		goto out;
	m->buf = malloc(BOOT_MEASURE_BUF);
	m->ctx = EVP_MD_CTX_new();
	if (!m->buf || !m->ctx)
		goto out;
	m->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!m->md) {
		rc = MAYDAY_E_INTERNAL;
		goto out;
	}
	*out = m;
	m = NULL;
	rc = MAYDAY_OK;
out:
	boot_measure_free(m);
	return rc;
}

void boot_measure_free(struct boot_measure *m)
{
	if (!m)
		return;
	EVP_MD_free(m->md);
	EVP_MD_CTX_free(m->ctx);
	free(m->buf);
	free(m);
}

enum mayday_err boot_measure_file(struct boot_measure *m, struct hal_flash *f, const char *part,
				  const char *name, boot_measure_sink_fn sink, void *sink_ctx,
				  uint64_t *size, uint8_t digest[MAYDAY_DIGEST_LEN])
{
	struct hal_flash_reader *r = NULL;
	uint64_t claimed = 0, total = 0;
	unsigned int dlen = 0;
	enum mayday_err rc;

	rc = hal_flash_reader_open(f, part, name, &r, &claimed);
	if (rc != MAYDAY_OK)
		goto out;
	if (EVP_DigestInit_ex(m->ctx, m->md, NULL) != 1) {
		rc = MAYDAY_E_INTERNAL;
		goto out;
	}
	for (;;) {
		size_t n = 0;

		rc = hal_flash_reader_read(r, m->buf, BOOT_MEASURE_BUF, &n);
		if (rc != MAYDAY_OK)
			goto out;
		if (n == 0)
			break;
		if (EVP_DigestUpdate(m->ctx, m->buf, n) != 1) {
			rc = MAYDAY_E_INTERNAL;
			goto out;
		}
		if (sink) {
			rc = sink(sink_ctx, m->buf, n);
			if (rc != MAYDAY_OK)
				goto out;
		}
		total += n;
	}
	if (EVP_DigestFinal_ex(m->ctx, digest, &dlen) != 1 || dlen != MAYDAY_DIGEST_LEN) {
		rc = MAYDAY_E_INTERNAL;
		goto out;
	}
	*size = total;
out:
	hal_flash_reader_close(r);
	return rc;
}

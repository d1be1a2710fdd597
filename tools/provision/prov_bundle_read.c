/* SPDX-License-Identifier: Apache-2.0 */
/* Sequencing the layers of a bundle file, bounded (prov_bundle_read.h). */
#include "prov_bundle_read.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "mayday/bundle.h"
#include "mayday/cose.h"

#define CHUNK (64 * 1024)

static enum mayday_err reject(struct prov_bundle_check *c, enum mayday_err rc, uint64_t at,
			      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static enum mayday_err reject(struct prov_bundle_check *c, enum mayday_err rc, uint64_t at,
			      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->error, sizeof c->error, fmt, ap);
	va_end(ap);
	c->error_offset = at;
	return rc;
}

/* Exactly `len` bytes, or why not. */
static enum mayday_err read_exact(FILE *in, uint8_t *buf, size_t len, size_t *got)
{
	*got = fread(buf, 1, len, in);
	if (*got == len)
		return MAYDAY_OK;
	return ferror(in) ? MAYDAY_E_IO : MAYDAY_E_MALFORMED;
}

static enum mayday_err check_payload(FILE *in, const struct mayday_trv *t, uint64_t at,
				     uint8_t *buf, struct prov_bundle_check *c)
{
	uint8_t digest[MAYDAY_DIGEST_LEN];
	unsigned int dlen = 0;
	uint64_t left = t->size;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	enum mayday_err rc = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1
				     ? MAYDAY_OK : MAYDAY_E_INTERNAL;
	size_t got = 0;

	while (rc == MAYDAY_OK && left > 0) {
		size_t want = left < CHUNK ? (size_t)left : CHUNK;
		rc = read_exact(in, buf, want, &got);
		if (EVP_DigestUpdate(md, buf, got) != 1)
			rc = MAYDAY_E_INTERNAL;
		left -= got;
	}
	if (rc == MAYDAY_E_IO)
		rc = reject(c, rc, at + t->size - left, "cannot read the bundle");
	else if (rc == MAYDAY_E_MALFORMED)
		rc = reject(c, MAYDAY_E_MISMATCH, at + t->size - left,
			    "%s: truncated, %" PRIu64 " of its %" PRIu64 " bytes present", t->name,
			    t->size - left, t->size);
	else if (rc == MAYDAY_OK && (EVP_DigestFinal_ex(md, digest, &dlen) != 1 ||
				     dlen != sizeof digest))
		rc = MAYDAY_E_INTERNAL;
	else if (rc == MAYDAY_OK && memcmp(digest, t->digest, sizeof digest) != 0)
		rc = reject(c, MAYDAY_E_MISMATCH, at, "%s: its SHA-256 differs from its TRV",
			    t->name);
	EVP_MD_CTX_free(md);
	return rc;
}

enum mayday_err prov_bundle_check(FILE *in, EVP_PKEY *vendor_pub, struct prov_bundle_check *c)
{
	uint8_t hdr[MAYDAY_BUNDLE_HEADER_LEN];
	static uint8_t buf[CHUNK];   /* a tool runs one check at a time */
	uint8_t *signed_m = buf;     /* MAYDAY_MANIFEST_MAX < CHUNK */
	struct mayday_diag diag = { 0 };
	struct mayday_cose_sign1 msg;
	uint64_t at;
	size_t got = 0;
	enum mayday_err rc;

	_Static_assert(MAYDAY_MANIFEST_MAX <= CHUNK, "the manifest is read into the chunk buffer");
	memset(c, 0, sizeof *c);
	rc = read_exact(in, hdr, sizeof hdr, &got);
	if (rc == MAYDAY_E_IO)
		return reject(c, rc, got, "cannot read the bundle");
	if (rc != MAYDAY_OK)
		return reject(c, rc, got, "shorter than the %d-byte header", MAYDAY_BUNDLE_HEADER_LEN);
	rc = mayday_bundle_header_decode(hdr, sizeof hdr, &c->manifest_len, &diag);
	if (rc != MAYDAY_OK)
		return reject(c, rc, diag.offset, "bad header: %s (%s)",
			      diag.what ? diag.what : "malformed", mayday_strerror(rc));
	at = sizeof hdr;
	rc = read_exact(in, signed_m, c->manifest_len, &got);
	if (rc == MAYDAY_E_IO)
		return reject(c, rc, at + got, "cannot read the bundle");
	if (rc != MAYDAY_OK)
		return reject(c, rc, at + got, "truncated manifest: %zu of %" PRIu32 " bytes", got,
			      c->manifest_len);
	if (vendor_pub) {
		rc = mayday_manifest_verify(signed_m, c->manifest_len, vendor_pub, &c->m, &diag);
	} else {
		rc = mayday_cose_sign1_decode(signed_m, c->manifest_len, MAYDAY_MANIFEST_MAX, &msg,
					      &diag);
		if (rc == MAYDAY_OK)
			rc = mayday_manifest_decode_claims(msg.payload, msg.payload_len, &c->m,
							   &diag);
	}
	if (rc == MAYDAY_E_SIGNATURE)
		return reject(c, rc, at, "the manifest's signature does not verify with this "
					 "vendor key");
	if (rc != MAYDAY_OK)
		return reject(c, rc, at + diag.offset, "bad manifest: %s (%s)",
			      diag.what ? diag.what : "malformed", mayday_strerror(rc));
	const char *why = NULL;
	if (mayday_image_manifest_check(&c->m, &why) != MAYDAY_OK)
		return reject(c, MAYDAY_E_INVALID, at, "every device refuses this manifest: %s",
			      why);
	if (mayday_bundle_payload_size(&c->m, &c->payload_bytes) != MAYDAY_OK)
		return reject(c, MAYDAY_E_TOOBIG, at, "the components' sizes overflow");
	c->decoded = true;
	c->signature_ok = vendor_pub != NULL;
	if (!vendor_pub)
		return MAYDAY_OK;
	at += c->manifest_len;
	for (uint32_t i = 0; i < c->m.n_trv; i++) {
		if ((rc = check_payload(in, &c->m.trv[i], at, buf, c)) != MAYDAY_OK)
			return rc;
		at += c->m.trv[i].size;
	}
	if (fread(buf, 1, 1, in) != 0)
		return reject(c, MAYDAY_E_MALFORMED, at, "bytes follow the last component");
	if (ferror(in))
		return reject(c, MAYDAY_E_IO, at, "cannot read the bundle");
	c->payloads_ok = true;
	return MAYDAY_OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The persisted remediation command (see cpe_record.h for the phases and the
 * layout). The record is small and fixed, so it is encoded by hand rather
 * than as CBOR. One table of rules serves both directions: `uses_*` say
 * which optional fields a phase carries, the encoder refuses a record that
 * sets any other, and the decoder checks each field against its bound (and
 * against the phase) before it is used, so a record has exactly one
 * encoding; canonical form (re-encoding gives the same bytes) is checked by
 * the fuzzer.
 */
#include "cpe_record.h"

#include <string.h>

#include "mayday/byteorder.h"

#define MAGIC "MDYR"

/* Field offsets (cpe_record.h). */
enum {
	OFF_VERSION = 4,
	OFF_PHASE = 5,
	OFF_SLOT = 6,
	OFF_KLEN = 7,
	OFF_ULEN = 8,
	OFF_SLEN = 10,
	OFF_CODE = 12,
	OFF_START = 16,
	OFF_DIGEST = 24,
};
_Static_assert(OFF_DIGEST + MAYDAY_DIGEST_LEN == CPE_RECORD_HEADER, "header layout");

static int phase_known(uint32_t phase)
{
	return phase >= CPE_RECORD_DOWNLOADING && phase <= CPE_RECORD_CONFIRMED;
}

/* The installed image's identity: slot and manifest digest. */
static int uses_image(enum cpe_record_phase phase)
{
	return phase == CPE_RECORD_INSTALLED || phase == CPE_RECORD_CONFIRMED;
}

static int uses_fault(enum cpe_record_phase phase)
{
	return phase == CPE_RECORD_FAILED;
}

const char *cpe_record_phase_name(enum cpe_record_phase phase)
{
	switch (phase) {
	case CPE_RECORD_DOWNLOADING: return "downloading";
	case CPE_RECORD_INSTALLED: return "installed";
	case CPE_RECORD_FAILED: return "failed";
	case CPE_RECORD_CONFIRMED: return "confirmed";
	}
	return "unknown";
}

/* Index of the first byte of s[0..n) outside printable ASCII; n if none. */
static size_t unprintable_at(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return i;
	return n;
}

static int all_zero(const uint8_t *p, size_t n, size_t *at)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != 0) {
			*at = i;
			return 0;
		}
	}
	return 1;
}

void cpe_record_set_failed(struct cpe_record *r, uint32_t code, const char *string)
{
	size_t n = strnlen(string, CWMP_STR256_MAX);

	r->phase = CPE_RECORD_FAILED;
	r->slot = CPE_RECORD_SLOT_NONE;
	memset(r->manifest_sha256, 0, sizeof(r->manifest_sha256));
	memset(&r->fault, 0, sizeof(r->fault));
	r->fault.code = code;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)string[i];

		r->fault.string[i] = c < 0x20 || c > 0x7e ? '?' : (char)c;
	}
}

enum mayday_err cpe_record_encode(const struct cpe_record *r, uint8_t out[CPE_RECORD_MAX],
				  size_t *len)
{
	size_t kl = strnlen(r->command_key, sizeof(r->command_key));
	size_t ul = strnlen(r->acs_url, sizeof(r->acs_url));
	size_t sl = strnlen(r->fault.string, sizeof(r->fault.string));
	size_t at = 0;

	if (!phase_known(r->phase) || kl > CWMP_COMMANDKEY_MAX || ul == 0 ||
	    ul > CWMP_STR256_MAX || sl > CWMP_STR256_MAX ||
	    unprintable_at(r->command_key, kl) != kl || unprintable_at(r->acs_url, ul) != ul ||
	    unprintable_at(r->fault.string, sl) != sl)
		return MAYDAY_E_INVALID;
	if (uses_image(r->phase) ? r->slot > 1 : r->slot != CPE_RECORD_SLOT_NONE)
		return MAYDAY_E_INVALID;
	if (!uses_image(r->phase) && !all_zero(r->manifest_sha256, MAYDAY_DIGEST_LEN, &at))
		return MAYDAY_E_INVALID;
	if (uses_fault(r->phase) ? r->fault.code < CPE_RECORD_FAULT_MIN ||
					   r->fault.code > CPE_RECORD_FAULT_MAX
				 : r->fault.code != 0 || sl != 0)
		return MAYDAY_E_INVALID;
	memcpy(out, MAGIC, 4);
	out[OFF_VERSION] = CPE_RECORD_VERSION;
	out[OFF_PHASE] = (uint8_t)r->phase;
	out[OFF_SLOT] = r->slot;
	out[OFF_KLEN] = (uint8_t)kl;
	mayday_put_be(out + OFF_ULEN, ul, 2);
	mayday_put_be(out + OFF_SLEN, sl, 2);
	mayday_put_be(out + OFF_CODE, r->fault.code, 4);
	mayday_put_be(out + OFF_START, (uint64_t)r->start_time, 8);
	memcpy(out + OFF_DIGEST, r->manifest_sha256, MAYDAY_DIGEST_LEN);
	memcpy(out + CPE_RECORD_HEADER, r->command_key, kl);
	memcpy(out + CPE_RECORD_HEADER + kl, r->acs_url, ul);
	memcpy(out + CPE_RECORD_HEADER + kl + ul, r->fault.string, sl);
	*len = CPE_RECORD_HEADER + kl + ul + sl;
	return MAYDAY_OK;
}

static enum mayday_err bad(struct mayday_diag *diag, size_t off, const char *what,
			   enum mayday_err rc)
{
	diag->offset = off;
	diag->what = what;
	return rc;
}

/* Checks the printable string in[off..off+n); its bytes into dst. */
static enum mayday_err text(const uint8_t *in, size_t off, size_t n, char *dst, const char *what,
			    struct mayday_diag *diag)
{
	size_t at = unprintable_at((const char *)in + off, n);

	if (at != n)
		return bad(diag, off + at, what, MAYDAY_E_MALFORMED);
	memcpy(dst, in + off, n);
	return MAYDAY_OK;
}

/* The header after magic and version: every field against its bound and the
 * phase; the lengths into kl, ul, sl. */
static enum mayday_err header(const uint8_t *in, struct cpe_record *r, size_t *kl, size_t *ul,
			      size_t *sl, struct mayday_diag *diag)
{
	size_t at = 0;

	if (!phase_known(in[OFF_PHASE]))
		return bad(diag, OFF_PHASE, "unknown phase", MAYDAY_E_MALFORMED);
	r->phase = (enum cpe_record_phase)in[OFF_PHASE];
	r->slot = in[OFF_SLOT];
	if (uses_image(r->phase) ? r->slot > 1 : r->slot != CPE_RECORD_SLOT_NONE)
		return bad(diag, OFF_SLOT, "slot does not fit the phase", MAYDAY_E_MALFORMED);
	*kl = in[OFF_KLEN];
	if (*kl > CWMP_COMMANDKEY_MAX)
		return bad(diag, OFF_KLEN, "CommandKey too long", MAYDAY_E_MALFORMED);
	*ul = (size_t)mayday_get_be(in + OFF_ULEN, 2);
	if (*ul == 0 || *ul > CWMP_STR256_MAX)
		return bad(diag, OFF_ULEN, "ACS URL length out of range", MAYDAY_E_MALFORMED);
	*sl = (size_t)mayday_get_be(in + OFF_SLEN, 2);
	if (uses_fault(r->phase) ? *sl > CWMP_STR256_MAX : *sl != 0)
		return bad(diag, OFF_SLEN, "FaultString length does not fit the phase",
			   MAYDAY_E_MALFORMED);
	r->fault.code = (uint32_t)mayday_get_be(in + OFF_CODE, 4);
	if (uses_fault(r->phase) ? r->fault.code < CPE_RECORD_FAULT_MIN ||
					   r->fault.code > CPE_RECORD_FAULT_MAX
				 : r->fault.code != 0)
		return bad(diag, OFF_CODE, "fault code does not fit the phase", MAYDAY_E_MALFORMED);
	r->start_time = (int64_t)mayday_get_be(in + OFF_START, 8);
	if (!uses_image(r->phase) && !all_zero(in + OFF_DIGEST, MAYDAY_DIGEST_LEN, &at))
		return bad(diag, OFF_DIGEST + at, "manifest digest in a phase without an image",
			   MAYDAY_E_MALFORMED);
	memcpy(r->manifest_sha256, in + OFF_DIGEST, MAYDAY_DIGEST_LEN);
	return MAYDAY_OK;
}

enum mayday_err cpe_record_decode(const uint8_t *in, size_t len, struct cpe_record *r,
				  struct mayday_diag *diag)
{
	enum mayday_err rc = MAYDAY_OK;
	size_t kl = 0, ul = 0, sl = 0, want;

	memset(r, 0, sizeof(*r));
	diag->offset = 0;
	diag->what = NULL;
	/* Magic and version first, so a record of another version (shorter or
	 * longer) is told apart from a damaged one. */
	for (size_t i = 0; i < 4 && i < len; i++) {
		if (in[i] != (uint8_t)MAGIC[i]) {
			rc = bad(diag, i, "bad magic", MAYDAY_E_MALFORMED);
			goto out;
		}
	}
	if (len <= OFF_VERSION) {
		rc = bad(diag, len, "record shorter than its header", MAYDAY_E_MALFORMED);
		goto out;
	}
	if (in[OFF_VERSION] != CPE_RECORD_VERSION) {
		rc = bad(diag, OFF_VERSION, "unknown record version", MAYDAY_E_UNSUPPORTED);
		goto out;
	}
	if (len < CPE_RECORD_HEADER) {
		rc = bad(diag, len, "record shorter than its header", MAYDAY_E_MALFORMED);
		goto out;
	}
	rc = header(in, r, &kl, &ul, &sl, diag);
	if (rc != MAYDAY_OK)
		goto out;
	want = CPE_RECORD_HEADER + kl + ul + sl;
	if (len != want) {
		rc = bad(diag, len < want ? len : want, "record length does not match its fields",
			 MAYDAY_E_MALFORMED);
		goto out;
	}
	rc = text(in, CPE_RECORD_HEADER, kl, r->command_key, "CommandKey not printable", diag);
	if (rc == MAYDAY_OK)
		rc = text(in, CPE_RECORD_HEADER + kl, ul, r->acs_url, "ACS URL not printable", diag);
	if (rc == MAYDAY_OK)
		rc = text(in, CPE_RECORD_HEADER + kl + ul, sl, r->fault.string,
			  "FaultString not printable", diag);
out:
	if (rc != MAYDAY_OK)
		memset(r, 0, sizeof(*r));
	return rc;
}

enum mayday_err cpe_record_save(struct hal_flash *f, const struct cpe_record *r)
{
	uint8_t buf[CPE_RECORD_MAX];
	size_t len = 0;
	enum mayday_err rc = cpe_record_encode(r, buf, &len);

	if (rc == MAYDAY_OK)
		rc = hal_flash_write_atomic(f, HAL_PART_STATE, CPE_RECORD_NAME, buf, len);
	return rc;
}

enum mayday_err cpe_record_load(struct hal_flash *f, struct cpe_record *r,
				struct mayday_diag *diag)
{
	uint8_t buf[CPE_RECORD_MAX];
	size_t len = 0;
	enum mayday_err rc = hal_flash_read(f, HAL_PART_STATE, CPE_RECORD_NAME, buf, sizeof(buf),
					    &len);

	if (rc == MAYDAY_OK)
		return cpe_record_decode(buf, len, r, diag);
	memset(r, 0, sizeof(*r));
	if (rc == MAYDAY_E_TOOBIG)
		return bad(diag, sizeof(buf), "record larger than any valid one",
			   MAYDAY_E_MALFORMED);
	return bad(diag, 0, rc == MAYDAY_E_NOTFOUND ? "no remediation record"
						    : "the state partition could not be read", rc);
}

enum mayday_err cpe_record_remove(struct hal_flash *f)
{
	enum mayday_err rc = hal_flash_remove(f, HAL_PART_STATE, CPE_RECORD_NAME);

	return rc == MAYDAY_E_NOTFOUND ? MAYDAY_OK : rc;
}

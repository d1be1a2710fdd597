/*
 * The persisted remediation command (see cpe_record.h for the layout). The
 * record is small and fixed, so it is encoded by hand rather than as CBOR:
 * the decoder checks each length against its bound before it is used, and
 * canonical form (re-encoding gives the same bytes) is checked by the fuzzer.
 */
#include "cpe_record.h"

#include <string.h>

#define MAGIC   "MDYR"
#define VERSION 1u

static int printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

enum mayday_err cpe_record_encode(const struct cpe_record *r, uint8_t out[CPE_RECORD_MAX],
				  size_t *len)
{
	size_t kl = strnlen(r->command_key, sizeof(r->command_key));
	size_t ul = strnlen(r->acs_url, sizeof(r->acs_url));
	uint64_t t = (uint64_t)r->start_time;

	if (kl > CWMP_COMMANDKEY_MAX || ul == 0 || ul > CWMP_STR256_MAX ||
	    !printable(r->command_key, kl) || !printable(r->acs_url, ul))
		return MAYDAY_E_INVALID;
	memcpy(out, MAGIC, 4);
	out[4] = VERSION;
	out[5] = (uint8_t)kl;
	out[6] = (uint8_t)(ul >> 8);
	out[7] = (uint8_t)ul;
	for (int i = 0; i < 8; i++)
		out[8 + i] = (uint8_t)(t >> (56 - 8 * i));
	memcpy(out + CPE_RECORD_HEADER, r->command_key, kl);
	memcpy(out + CPE_RECORD_HEADER + kl, r->acs_url, ul);
	*len = CPE_RECORD_HEADER + kl + ul;
	return MAYDAY_OK;
}

static enum mayday_err bad(struct mayday_diag *diag, size_t off, const char *what,
			   enum mayday_err rc)
{
	diag->offset = off;
	diag->what = what;
	return rc;
}

enum mayday_err cpe_record_decode(const uint8_t *in, size_t len, struct cpe_record *r,
				  struct mayday_diag *diag)
{
	enum mayday_err rc = MAYDAY_OK;
	size_t kl, ul;
	uint64_t t = 0;

	memset(r, 0, sizeof(*r));
	if (len < CPE_RECORD_HEADER) {
		rc = bad(diag, len, "record shorter than its header", MAYDAY_E_MALFORMED);
		goto out;
	}
	if (memcmp(in, MAGIC, 4) != 0) {
		rc = bad(diag, 0, "bad magic", MAYDAY_E_MALFORMED);
		goto out;
	}
	if (in[4] != VERSION) {
		rc = bad(diag, 4, "unknown record version", MAYDAY_E_UNSUPPORTED);
		goto out;
	}
	kl = in[5];
	ul = (size_t)in[6] << 8 | in[7];
	if (kl > CWMP_COMMANDKEY_MAX) {
		rc = bad(diag, 5, "CommandKey too long", MAYDAY_E_MALFORMED);
		goto out;
	}
	if (ul == 0 || ul > CWMP_STR256_MAX) {
		rc = bad(diag, 6, "ACS URL length out of range", MAYDAY_E_MALFORMED);
		goto out;
	}
	if (len != CPE_RECORD_HEADER + kl + ul) {
		rc = bad(diag, len < CPE_RECORD_HEADER + kl + ul ? len : CPE_RECORD_HEADER + kl + ul,
			 "record length does not match its fields", MAYDAY_E_MALFORMED);
		goto out;
	}
	if (!printable((const char *)in + CPE_RECORD_HEADER, kl)) {
		rc = bad(diag, CPE_RECORD_HEADER, "CommandKey not printable", MAYDAY_E_MALFORMED);
		goto out;
	}
	if (!printable((const char *)in + CPE_RECORD_HEADER + kl, ul)) {
		rc = bad(diag, CPE_RECORD_HEADER + kl, "ACS URL not printable", MAYDAY_E_MALFORMED);
		goto out;
	}
	for (int i = 0; i < 8; i++)
		t = t << 8 | in[8 + i];
	r->start_time = (int64_t)t;
	memcpy(r->command_key, in + CPE_RECORD_HEADER, kl);
	memcpy(r->acs_url, in + CPE_RECORD_HEADER + kl, ul);
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

	if (rc == MAYDAY_E_TOOBIG)
		return bad(diag, sizeof(buf), "record larger than any valid one",
			   MAYDAY_E_MALFORMED);
	if (rc != MAYDAY_OK)
		return rc;
	return cpe_record_decode(buf, len, r, diag);
}

enum mayday_err cpe_record_remove(struct hal_flash *f)
{
	enum mayday_err rc = hal_flash_remove(f, HAL_PART_STATE, CPE_RECORD_NAME);

	return rc == MAYDAY_E_NOTFOUND ? MAYDAY_OK : rc;
}

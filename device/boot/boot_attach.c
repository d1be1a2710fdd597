/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attach state record (layout and contract in boot_attach.h). Encoded
 * byte by byte like the boot state record; the decoder checks magic,
 * version and check value before it believes any field, then each field.
 */
#include <string.h>

#include "boot_attach.h"
#include "mayday/byteorder.h"
#include "mayday/keys.h"

#define OFF_MAGIC      0
#define OFF_VERSION    4
#define OFF_FLAGS      5
#define OFF_STAGE      6
#define OFF_UNATTACHED 7
#define OFF_EPISODES   8
#define OFF_TRIES      9
#define OFF_ERROR      13
#define OFF_CHECK      (OFF_ERROR + MAYDAY_ATTACH_ERROR_MAX)
#define CHECK_LEN      4
#define FLAGS_KNOWN    (BOOT_ATTACH_WATCH | BOOT_ATTACH_FAILED)

_Static_assert(OFF_CHECK + CHECK_LEN == BOOT_ATTACH_RECORD_LEN, "record layout");

static const uint8_t magic[4] = { 'M', 'D', 'A', 'S' };

static void check_value(const uint8_t *rec, uint8_t out[CHECK_LEN])
{
	uint8_t d[MAYDAY_DIGEST_LEN];

	mayday_sha256(rec, OFF_CHECK, d);
	memcpy(out, d, CHECK_LEN);
}

static bool stage_valid(uint8_t stage)
{
	return stage >= MAYDAY_ATTACH_SEGW_UNREACHABLE && stage <= MAYDAY_ATTACH_CRASH_LOOP;
}

/* Printable ASCII up to the first NUL, zeros after it, and a NUL within the
 * field's storage (the last byte is the terminator). */
static bool error_valid(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n >= cap)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

void boot_attach_init(struct boot_attach *a)
{
	memset(a, 0, sizeof *a);
}

enum mayday_err boot_attach_check(const struct boot_attach *a)
{
	if (a->flags & ~FLAGS_KNOWN)
		return MAYDAY_E_INVALID;
	if (!error_valid(a->last_error, sizeof a->last_error))
		return MAYDAY_E_INVALID;
	if (a->flags & BOOT_ATTACH_FAILED)
		return stage_valid(a->stage) ? MAYDAY_OK : MAYDAY_E_INVALID;
	return a->stage == 0 && a->tries == 0 && a->last_error[0] == '\0' ? MAYDAY_OK
									   : MAYDAY_E_INVALID;
}

enum mayday_err boot_attach_encode(const struct boot_attach *a, uint8_t out[BOOT_ATTACH_RECORD_LEN])
{
	enum mayday_err rc = boot_attach_check(a);

	if (rc != MAYDAY_OK)
		return rc;
	memset(out, 0, BOOT_ATTACH_RECORD_LEN);
	memcpy(out + OFF_MAGIC, magic, sizeof magic);
	out[OFF_VERSION] = BOOT_ATTACH_FORMAT;
	out[OFF_FLAGS] = a->flags;
	out[OFF_STAGE] = a->stage;
	out[OFF_UNATTACHED] = a->unattached;
	out[OFF_EPISODES] = a->episodes;
	mayday_put_be(out + OFF_TRIES, a->tries, 4);
	memcpy(out + OFF_ERROR, a->last_error, strlen(a->last_error));
	check_value(out, out + OFF_CHECK);
	return MAYDAY_OK;
}

static enum mayday_err reject(struct mayday_diag *diag, enum mayday_err rc, size_t offset,
			      const char *what)
{
	if (diag) {
		diag->offset = offset;
		diag->what = what;
	}
	return rc;
}

enum mayday_err boot_attach_decode(const uint8_t *in, size_t len, struct boot_attach *a,
				   struct mayday_diag *diag)
{
	uint8_t check[CHECK_LEN];
	struct boot_attach tmp;
	size_t n;

	if (len < BOOT_ATTACH_RECORD_LEN)
		return reject(diag, MAYDAY_E_MALFORMED, len, "attach state record truncated");
	if (len > BOOT_ATTACH_RECORD_LEN)
		return reject(diag, MAYDAY_E_MALFORMED, BOOT_ATTACH_RECORD_LEN,
			      "trailing bytes after attach state record");
	if (memcmp(in + OFF_MAGIC, magic, sizeof magic) != 0)
		return reject(diag, MAYDAY_E_MALFORMED, OFF_MAGIC, "bad attach state magic");
	if (in[OFF_VERSION] != BOOT_ATTACH_FORMAT)
		return reject(diag, MAYDAY_E_UNSUPPORTED, OFF_VERSION,
			      "unsupported attach state format version");
	check_value(in, check);
	if (memcmp(check, in + OFF_CHECK, CHECK_LEN) != 0)
		return reject(diag, MAYDAY_E_MALFORMED, OFF_CHECK, "attach state check value mismatch");

	memset(&tmp, 0, sizeof tmp);
	tmp.flags = in[OFF_FLAGS];
	tmp.stage = in[OFF_STAGE];
	tmp.unattached = in[OFF_UNATTACHED];
	tmp.episodes = in[OFF_EPISODES];
	tmp.tries = (uint32_t)mayday_get_be(in + OFF_TRIES, 4);
	if (tmp.flags & ~FLAGS_KNOWN)
		return reject(diag, MAYDAY_E_MALFORMED, OFF_FLAGS, "unknown attach state flags");
	if ((tmp.flags & BOOT_ATTACH_FAILED) ? !stage_valid(tmp.stage) : tmp.stage != 0)
		return reject(diag, MAYDAY_E_MALFORMED, OFF_STAGE, "attach stage out of range");
	if (!(tmp.flags & BOOT_ATTACH_FAILED) && tmp.tries != 0)
		return reject(diag, MAYDAY_E_MALFORMED, OFF_TRIES, "attach tries without a failure");
	n = strnlen((const char *)in + OFF_ERROR, MAYDAY_ATTACH_ERROR_MAX);
	for (size_t i = 0; i < MAYDAY_ATTACH_ERROR_MAX; i++) {
		uint8_t c = in[OFF_ERROR + i];

		if (i < n ? (c < 0x20 || c > 0x7e) : c != 0)
			return reject(diag, MAYDAY_E_MALFORMED, OFF_ERROR + i,
				      "attach error not printable ASCII padded with zeros");
	}
	if (n > 0 && !(tmp.flags & BOOT_ATTACH_FAILED))
		return reject(diag, MAYDAY_E_MALFORMED, OFF_ERROR, "attach error without a failure");
	memcpy(tmp.last_error, in + OFF_ERROR, n);
	*a = tmp;
	return MAYDAY_OK;
}

enum mayday_err boot_attach_load(struct hal_flash *f, struct boot_attach *a,
				 struct mayday_diag *diag)
{
	/* One byte more than a record, so an overlong file is seen as such. */
	uint8_t buf[BOOT_ATTACH_RECORD_LEN + 1];
	size_t len = 0;
	enum mayday_err rc;

	boot_attach_init(a);
	rc = hal_flash_read(f, HAL_PART_STATE, BOOT_ATTACH_NAME, buf, sizeof buf, &len);
	if (rc == MAYDAY_E_NOTFOUND)
		return MAYDAY_OK;
	if (rc == MAYDAY_E_TOOBIG)
		rc = reject(diag, MAYDAY_E_MALFORMED, BOOT_ATTACH_RECORD_LEN,
			    "trailing bytes after attach state record");
	else if (rc == MAYDAY_OK)
		rc = boot_attach_decode(buf, len, a, diag);
	if (rc == MAYDAY_E_MALFORMED || rc == MAYDAY_E_UNSUPPORTED)
		a->flags = BOOT_ATTACH_WATCH;
	return rc;
}

enum mayday_err boot_attach_store(struct hal_flash *f, const struct boot_attach *a)
{
	uint8_t rec[BOOT_ATTACH_RECORD_LEN];
	enum mayday_err rc = boot_attach_encode(a, rec);

	if (rc != MAYDAY_OK)
		return rc;
	return hal_flash_write_atomic(f, HAL_PART_STATE, BOOT_ATTACH_NAME, rec, sizeof rec);
}

uint32_t boot_attach_backoff(uint32_t base, uint8_t episodes)
{
	unsigned shift = episodes < BOOT_ATTACH_BACKOFF_MAX ? episodes : BOOT_ATTACH_BACKOFF_MAX;

	if (base > (UINT32_MAX >> shift))
		return UINT32_MAX;
	return base << shift;
}

/* Load for an update by normal code: a damaged record is replaced. */
static enum mayday_err load_for_update(struct hal_flash *f, struct boot_attach *a)
{
	enum mayday_err rc = boot_attach_load(f, a, NULL);

	if (rc == MAYDAY_E_MALFORMED || rc == MAYDAY_E_UNSUPPORTED)
		rc = MAYDAY_OK;
	return rc;
}

enum mayday_err boot_attach_report_ok(struct hal_flash *f)
{
	struct boot_attach a, next;
	enum mayday_err rc = load_for_update(f, &a);

	if (rc != MAYDAY_OK)
		return rc;
	boot_attach_init(&next);
	next.flags = BOOT_ATTACH_WATCH;
	if (a.flags == next.flags && a.unattached == 0 && a.episodes == 0)
		return MAYDAY_OK; /* flags WATCH alone: stage, tries and error are zero */
	return boot_attach_store(f, &next);
}

enum mayday_err boot_attach_report_failed(struct hal_flash *f, uint32_t stage, uint32_t tries,
					  const char *last_error)
{
	struct boot_attach a;
	enum mayday_err rc;
	size_t i;

	if (stage != MAYDAY_ATTACH_SEGW_UNREACHABLE && stage != MAYDAY_ATTACH_AUTH_REFUSED)
		return MAYDAY_E_INVALID;
	rc = load_for_update(f, &a);
	if (rc != MAYDAY_OK)
		return rc;
	a.flags = BOOT_ATTACH_WATCH | BOOT_ATTACH_FAILED;
	a.stage = (uint8_t)stage;
	a.tries = tries;
	memset(a.last_error, 0, sizeof a.last_error);
	for (i = 0; last_error && last_error[i] && i < MAYDAY_ATTACH_ERROR_MAX; i++) {
		char c = last_error[i];

		a.last_error[i] = c >= 0x20 && c <= 0x7e ? c : '?';
	}
	return boot_attach_store(f, &a);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The boot state record (layout in boot_state.h). Encoding is explicit,
 * byte by byte, so the flash format does not depend on struct layout or
 * host byte order. The decoder checks magic, version and check value before
 * it believes any field, then every field's range and the cross-field
 * invariants, and reports the offset of the first offending byte.
 */
#include <string.h>

#include "boot_state.h"
#include "mayday/byteorder.h"
#include "mayday/keys.h"

#define OFF_MAGIC    0
#define OFF_VERSION  4
#define OFF_ACTIVE   5
#define OFF_PENDING  6
#define OFF_TRIES    7
#define OFF_ATTEMPTS 8
#define OFF_CHECK    12
#define CHECK_LEN    4

_Static_assert(OFF_CHECK + CHECK_LEN == BOOT_STATE_RECORD_LEN, "record layout");
_Static_assert(BOOT_STATE_TRIES_MAX <= UINT8_MAX, "tries fit one byte");

static const uint8_t magic[4] = { 'M', 'D', 'B', 'S' };

static bool slot_valid(uint8_t slot)
{
	return slot == BOOT_SLOT_A || slot == BOOT_SLOT_B;
}

static void check_value(const uint8_t *rec, uint8_t out[CHECK_LEN])
{
	uint8_t d[MAYDAY_DIGEST_LEN];

	mayday_sha256(rec, OFF_CHECK, d);
	memcpy(out, d, CHECK_LEN);
}

void boot_state_init(struct boot_state *st)
{
	st->active = BOOT_SLOT_A;
	st->pending = BOOT_SLOT_NONE;
	st->tries_left = 0;
	st->attempts = 0;
}

enum mayday_err boot_state_check(const struct boot_state *st)
{
	if (!slot_valid(st->active))
		return MAYDAY_E_INVALID;
	if (st->pending == BOOT_SLOT_NONE)
		return st->tries_left == 0 ? MAYDAY_OK : MAYDAY_E_INVALID;
	if (!slot_valid(st->pending) || st->pending == st->active)
		return MAYDAY_E_INVALID;
	return st->tries_left <= BOOT_STATE_TRIES_MAX ? MAYDAY_OK : MAYDAY_E_INVALID;
}

enum mayday_err boot_state_encode(const struct boot_state *st, uint8_t out[BOOT_STATE_RECORD_LEN])
{
	enum mayday_err rc = boot_state_check(st);

	if (rc != MAYDAY_OK)
		return rc;
	memcpy(out + OFF_MAGIC, magic, sizeof magic);
	out[OFF_VERSION] = BOOT_STATE_FORMAT;
	out[OFF_ACTIVE] = st->active;
	out[OFF_PENDING] = st->pending;
	out[OFF_TRIES] = st->tries_left;
	mayday_put_be(out + OFF_ATTEMPTS, st->attempts, 4);
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

enum mayday_err boot_state_decode(const uint8_t *in, size_t len, struct boot_state *st,
				  struct mayday_diag *diag)
{
	uint8_t check[CHECK_LEN];
	struct boot_state tmp;

	if (len < BOOT_STATE_RECORD_LEN)
		return reject(diag, MAYDAY_E_MALFORMED, len, "boot state record truncated");
	if (len > BOOT_STATE_RECORD_LEN)
		return reject(diag, MAYDAY_E_MALFORMED, BOOT_STATE_RECORD_LEN,
			      "trailing bytes after boot state record");
	if (memcmp(in + OFF_MAGIC, magic, sizeof magic) != 0)
		return reject(diag, MAYDAY_E_MALFORMED, OFF_MAGIC, "bad boot state magic");
	if (in[OFF_VERSION] != BOOT_STATE_FORMAT)
		return reject(diag, MAYDAY_E_UNSUPPORTED, OFF_VERSION,
			      "unsupported boot state format version");
	check_value(in, check);
	if (memcmp(check, in + OFF_CHECK, CHECK_LEN) != 0)
		return reject(diag, MAYDAY_E_MALFORMED, OFF_CHECK, "boot state check value mismatch");

	tmp.active = in[OFF_ACTIVE];
	tmp.pending = in[OFF_PENDING];
	tmp.tries_left = in[OFF_TRIES];
	tmp.attempts = (uint32_t)mayday_get_be(in + OFF_ATTEMPTS, 4);
	if (!slot_valid(tmp.active))
		return reject(diag, MAYDAY_E_MALFORMED, OFF_ACTIVE, "active slot out of range");
	if (tmp.pending != BOOT_SLOT_NONE && !slot_valid(tmp.pending))
		return reject(diag, MAYDAY_E_MALFORMED, OFF_PENDING, "pending slot out of range");
	if (tmp.pending == tmp.active)
		return reject(diag, MAYDAY_E_MALFORMED, OFF_PENDING, "pending slot is the active slot");
	if (tmp.tries_left > BOOT_STATE_TRIES_MAX)
		return reject(diag, MAYDAY_E_MALFORMED, OFF_TRIES, "tries left out of range");
	if (tmp.pending == BOOT_SLOT_NONE && tmp.tries_left != 0)
		return reject(diag, MAYDAY_E_MALFORMED, OFF_TRIES, "tries left without a pending slot");
	*st = tmp;
	return MAYDAY_OK;
}

enum mayday_err boot_state_load(struct hal_flash *f, struct boot_state *st, bool *found,
				struct mayday_diag *diag)
{
	/* One byte more than a record, so an overlong file is seen as such. */
	uint8_t buf[BOOT_STATE_RECORD_LEN + 1];
	size_t len = 0;
	enum mayday_err rc;

	if (found)
		*found = false;
	rc = hal_flash_read(f, HAL_PART_STATE, BOOT_STATE_NAME, buf, sizeof buf, &len);
	if (rc == MAYDAY_E_NOTFOUND) {
		boot_state_init(st);
		return MAYDAY_OK;
	}
	if (rc == MAYDAY_E_TOOBIG)
		return reject(diag, MAYDAY_E_MALFORMED, BOOT_STATE_RECORD_LEN,
			      "trailing bytes after boot state record");
	if (rc != MAYDAY_OK)
		return rc;
	if (found)
		*found = true;
	return boot_state_decode(buf, len, st, diag);
}

enum mayday_err boot_state_store(struct hal_flash *f, const struct boot_state *st)
{
	uint8_t rec[BOOT_STATE_RECORD_LEN];
	enum mayday_err rc = boot_state_encode(st, rec);

	if (rc != MAYDAY_OK)
		return rc;
	return hal_flash_write_atomic(f, HAL_PART_STATE, BOOT_STATE_NAME, rec, sizeof rec);
}

enum mayday_err boot_state_mark_pending(struct hal_flash *f, uint8_t slot, uint8_t tries)
{
	struct boot_state st;
	enum mayday_err rc;

	if (!slot_valid(slot) || tries == 0 || tries > BOOT_STATE_TRIES_MAX)
		return MAYDAY_E_INVALID;
	rc = boot_state_load(f, &st, NULL, NULL);
	if (rc != MAYDAY_OK)
		return rc;
	if (slot == st.active)
		return MAYDAY_E_INVALID;
	st.pending = slot;
	st.tries_left = tries;
	st.attempts = 0;
	return boot_state_store(f, &st);
}

const char *boot_state_slot_part(uint8_t slot)
{
	switch (slot) {
	case BOOT_SLOT_A:
		return HAL_PART_SLOT_A;
	case BOOT_SLOT_B:
		return HAL_PART_SLOT_B;
	default:
		return NULL;
	}
}

const char *boot_state_slot_name(uint8_t slot)
{
	switch (slot) {
	case BOOT_SLOT_A:
		return "a";
	case BOOT_SLOT_B:
		return "b";
	default:
		return "none";
	}
}

enum mayday_err boot_state_parse_slot(const char *s, uint8_t *slot)
{
	if (strcmp(s, "a") == 0 || strcmp(s, "A") == 0)
		*slot = BOOT_SLOT_A;
	else if (strcmp(s, "b") == 0 || strcmp(s, "B") == 0)
		*slot = BOOT_SLOT_B;
	else
		return MAYDAY_E_INVALID;
	return MAYDAY_OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The incident store: devices, indications, incidents. Backends by name
 * ("sqlite:PATH"; "postgresql://...": docs/postgresql.md). Only the calls other parts need are
 * declared here; the daemon's ingest calls live in store_ingest.h.
 */
#ifndef MAYDAY_STORE_H
#define MAYDAY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"

struct store;

enum store_open_flags {
	/* Create the store, and its schema, when missing; migrate an older
	 * schema. Only maydayd (and the tools that stand in for it in tests)
	 * create: an operator's typo must not become an empty store. */
	STORE_OPEN_CREATE = 1u << 0,
	/* Check the whole file (PRAGMA quick_check) before use and refuse a
	 * damaged one. Costs a read of the file: once, at a daemon's start.
	 * A backend that lacks calls the daemon needs (PostgreSQL, while it is
	 * being written) is refused too, MAYDAY_E_UNSUPPORTED naming them. */
	STORE_OPEN_CHECK = 1u << 1,
};

/* Opens the store named by `spec`: "sqlite:PATH", or a plain PATH (SQLite),
 * or a libpq URI "postgresql://..." (when built with libpq).
 * Without STORE_OPEN_CREATE a missing store, a file with no mayday schema
 * or one with an older schema is refused (MAYDAY_E_NOTFOUND,
 * MAYDAY_E_UNSUPPORTED). A damaged file is MAYDAY_E_MALFORMED. On failure
 * `why` (when not NULL) says in words which store, what is wrong and what
 * to do. Caller owns *out. */
MAYDAY_NODISCARD enum mayday_err store_open_ex(struct store **out, const char *spec,
					       unsigned flags, char *why, size_t why_cap);
/* The SQLite backend creates its files (the database, -wal, -shm) mode 0640
 * whatever the umask, and takes away any wider mode an existing database
 * has. */
/* store_open_ex with STORE_OPEN_CREATE and no explanation. */
MAYDAY_NODISCARD enum mayday_err store_open(struct store **out, const char *spec);
void store_close(struct store *st); /* NULL-safe */

/* Enrol (or re-enrol) a device: its ID, product class and distress public key (PEM).
 * Re-enrolling with another key lifts a revocation (store_api.h); with the
 * same key the device stays revoked. */
MAYDAY_NODISCARD enum mayday_err store_enrol(struct store *st, const char *device_id,
					     const char *product_class, const char *pubkey_pem);

/* Give an enrolled device its pre-shared key for the PSK method
 * (docs/protocol.md §12.1): `kid` 8..16 bytes (MAYDAY_PSK_KID_MIN..MAX),
 * unique within the store; `psk` exactly MAYDAY_PSK_LEN bytes. A device has
 * at most one PSK: a new kid or key replaces the old one and starts a fresh
 * replay window (requests sealed under the old key no longer open anyway);
 * enrolling the same kid and key again changes nothing, so the window it
 * has is kept. The store keeps its own copy of `psk`; the caller wipes
 * theirs. MAYDAY_E_INVALID: bad lengths or device ID, or a batch is open on
 * this handle; MAYDAY_E_NOTFOUND: the device is not enrolled;
 * MAYDAY_E_MISMATCH: the kid already belongs to another device;
 * MAYDAY_E_KEY: the handle has no KEK (store_psk_kek). The PSK is stored
 * sealed under the KEK, never in plaintext. */
MAYDAY_NODISCARD enum mayday_err store_enrol_psk(struct store *st, const char *device_id,
						 const uint8_t *kid, size_t kid_len,
						 const uint8_t *psk, size_t psk_len);

/* Give this handle the key-encryption key that keeps PSKs sealed at rest
 * (mayday/kek.h), read from `kek_path` (errors of mayday_kek_load: a file
 * group or others may read is refused with MAYDAY_E_PERM; MAYDAY_E_KEY if
 * the store's sealed PSKs do not open under it: another KEK). Without it
 * store_enrol_psk and store_psk_get answer MAYDAY_E_KEY. PSK rows still in
 * plaintext (stores made before schema version 5) are sealed here, in one
 * transaction, and the WAL is then truncated so no old copy stays on disk:
 * the first open with the KEK migrates. The handle keeps a copy of the key,
 * wiped by store_close. */
MAYDAY_NODISCARD enum mayday_err store_psk_kek(struct store *st, const char *kek_path);

#endif

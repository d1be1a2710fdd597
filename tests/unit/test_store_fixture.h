/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the server's unit tests: a temporary directory with a fresh
 * SQLite store, device keys, and indications to feed the store or the
 * daemon's pipeline.
 */
#ifndef MAYDAY_TEST_STORE_FIXTURE_H
#define MAYDAY_TEST_STORE_FIXTURE_H

#include <openssl/evp.h>

#include "mayday/indication.h"
#include "store.h"
#include "store_ingest.h"
#include "store_query.h"

struct fx {
	char dir[256];
	char spec[300];      /* "sqlite:<dir>/hems.db" */
	char kek[300];       /* "<dir>/psk.kek", mode 0600 */
	struct store *st;
};

/* mkdtemp under $TMPDIR, a new KEK, store_open and store_psk_kek; asserts
 * on failure. */
void fx_open(struct fx *fx);
/* store_close, then store_open and store_psk_kek again (a restart). */
void fx_reopen(struct fx *fx);
/* store_close and remove the directory. */
void fx_close(struct fx *fx);

/* A new P-256 key and its public PEM. */
EVP_PKEY *fx_key(char *pem, size_t cap);
/* An indication from `id` with `counter` and one failed component. */
void fx_indication(struct mayday_indication *ind, const char *id, uint64_t counter);
/* A store_ingest_rec over `ind` with the given trust; raw = its claims. */
void fx_rec(struct store_ingest_rec *rec, const struct mayday_indication *ind,
	    enum store_trust trust, uint8_t *raw_buf, size_t raw_cap);
/* Puts one record in its own batch and commits. */
enum mayday_err fx_put1(struct store *st, struct store_ingest_rec *rec);

struct sqlite3;
/* The one value `sql` selects on a raw connection; asserts there is one. */
long long fx_scalar(struct sqlite3 *db, const char *sql);

#endif

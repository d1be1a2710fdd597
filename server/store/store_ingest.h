/*
 * The daemon's calls into the incident store: key lookup for verification,
 * and group-committed ingest of indications.
 *
 * A store handle is used by one thread at a time; the daemon opens one per
 * thread (SQLite in WAL mode lets the readers run beside the one writer).
 *
 * Ingest is batched: store_ingest_begin, any number of store_ingest_put,
 * then store_ingest_commit (durable when it returns MAYDAY_OK) or
 * store_ingest_rollback. Outcomes filled in by put are only true once the
 * commit has returned MAYDAY_OK, which is why acknowledgements wait for it.
 *
 * Decisions (also documented in docs/maydayd.conf.example):
 *  - rows are unique per (device_id, counter, trust). An identical
 *    retransmission (same SHA-256 of the claims) is STORE_DUPLICATE: no new
 *    row, the original's incident is returned. A different message for a
 *    stored (device_id, counter, trust) is STORE_CONFLICT: nothing stored.
 *  - only STORE_TRUST_SIGNED rows of an enrolled device open or join an
 *    incident and move the device's state (healthy -> in_distress). An
 *    unverified row never touches devices, incidents or signed rows, so a
 *    forger can neither mark a device nor pre-empt its authentic record.
 */
#ifndef MAYDAY_STORE_INGEST_H
#define MAYDAY_STORE_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "mayday/indication.h"
#include "store.h"

/* Longest public key PEM the store hands out (a P-256 SPKI PEM is 178 bytes). */
#define STORE_PEM_MAX 1024
/* "[IPv6]:port" */
#define STORE_PEER_MAX 64

enum store_trust {
	STORE_TRUST_SIGNED = 1,     /* COSE_Sign1 verified with the device's enrolled key */
	STORE_TRUST_UNVERIFIED = 2  /* unknown device or bad signature: recorded, never trusted */
};

enum store_outcome {
	STORE_NEW = 0,   /* a new row */
	STORE_DUPLICATE, /* identical to a stored row: nothing written */
	STORE_CONFLICT   /* same (device, counter, trust), different claims: nothing written */
};

/* One indication to store. Input fields are borrowed for the put call only. */
struct store_ingest_rec {
	/* in */
	const struct mayday_indication *ind;
	enum store_trust trust;
	uint32_t transport;                  /* how it arrived (enum mayday_transport) */
	int64_t received_at;                 /* seconds since the epoch */
	const char *peer;                    /* source address text, <= STORE_PEER_MAX */
	const uint8_t *raw;                  /* the COSE bytes as received */
	size_t raw_len;
	uint8_t digest[MAYDAY_DIGEST_LEN];   /* SHA-256 of the claims (COSE payload) */
	/* out, valid after a successful commit */
	enum store_outcome outcome;
	int64_t indication_id;               /* the new or the original row; 0 on conflict */
	int64_t incident_id;                 /* 0: none (unverified rows never join incidents) */
};

/* The enrolled public key PEM of a device, NUL-terminated into `pem`.
 * MAYDAY_E_NOTFOUND if the device is not enrolled, MAYDAY_E_TOOBIG if cap
 * is too small. */
MAYDAY_NODISCARD enum mayday_err store_device_key(struct store *st, const char *device_id,
						  char *pem, size_t cap, size_t *len);

MAYDAY_NODISCARD enum mayday_err store_ingest_begin(struct store *st);
/* Decide and write one row inside the open batch; fills the outputs.
 * On any error the batch may hold part of this record: roll it back.
 * MAYDAY_E_INVALID means this record can never be stored (bad field, or
 * signed by a device no longer enrolled): redo the batch without it. */
MAYDAY_NODISCARD enum mayday_err store_ingest_put(struct store *st, struct store_ingest_rec *rec);
MAYDAY_NODISCARD enum mayday_err store_ingest_commit(struct store *st);
void store_ingest_rollback(struct store *st);

/* The backend's description of its last error (static or owned by the
 * handle, valid until the next call); for logs. */
const char *store_errmsg(struct store *st);

#endif

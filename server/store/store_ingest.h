/* SPDX-License-Identifier: Apache-2.0 */
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
 *    incident and move the device's state (healthy -> in_distress). A
 *    signed record of a revoked device (store_device_revoke) is stored as
 *    STORE_TRUST_UNVERIFIED: put rewrites rec->trust, checked in the
 *    transaction, so a key cached before the revocation trusts nothing. An
 *    unverified row never touches devices, incidents or signed rows, so a
 *    forger can neither mark a device nor pre-empt its authentic record.
 *  - `trust` is the message's own authentication (msg_auth: the COSE_Sign1
 *    against the enrolled key). How the channel authenticated the sender
 *    (channel_auth, peer_identity) is recorded beside it as evidence; it
 *    never replaces the signature check. The caller has already rejected a
 *    channel identity that names another device.
 *  - counter rule, every method (docs/protocol.md §6.1): a signed row is
 *    accepted only above the highest counter of the device's signed rows
 *    (its high-water mark, advanced in the same transaction). An identical
 *    retransmission of a stored row is STORE_DUPLICATE as before (rec->high
 *    says whether it is the row at the mark); any other signed record at or
 *    below the mark is STORE_STALE: nothing written, no state moved,
 *    answered `rejected` so the device takes a new counter.
 *    Unverified rows neither obey nor move the mark. Rows of one batch see
 *    the mark their predecessors left, so out-of-order counters in a batch
 *    are refused like those of separate batches.
 *  - PSK method: the device's replay window (docs/protocol.md §12.6) lives
 *    in the store and a new row advances it in the same transaction, so it
 *    survives restarts and a failed commit leaves the counter acceptable.
 *    A PSK record whose counter the window refuses is STORE_DUPLICATE when
 *    it is the identical retransmission of a stored row, else STORE_REPLAY
 *    (nothing written; the caller must not answer). A different message
 *    under a stored PSK counter is also STORE_REPLAY, never a conflict
 *    answer: the protocol says to drop it. The window is per PSK, checked
 *    after the counter rule, which is per device and spans all methods: a
 *    PSK record inside the window but at or below the mark is STORE_STALE
 *    and leaves the window as it was.
 */
#ifndef MAYDAY_STORE_INGEST_H
#define MAYDAY_STORE_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mayday/indication.h"
#include "mayday/psk.h"
#include "mayday/replay.h"
#include "store.h"

/* Longest public key PEM the store hands out (a P-256 SPKI PEM is 178 bytes). */
#define STORE_PEM_MAX 1024
/* "[IPv6]:port" */
#define STORE_PEER_MAX 64
/* Peer identity text: certificate subject, IKE identity, PSK kid in hex. */
#define STORE_IDENTITY_MAX 255

enum store_trust {
	STORE_TRUST_SIGNED = 1,     /* COSE_Sign1 verified with the device's enrolled key */
	STORE_TRUST_UNVERIFIED = 2  /* unknown device or bad signature: recorded, never trusted */
};

/* How the channel the indication came over authenticated its sender. */
enum store_channel_auth {
	STORE_CHANNEL_NONE = 0, /* plain UDP / HTTP: nothing below the message itself */
	STORE_CHANNEL_MTLS,     /* TLS client certificate from the operator CA; identity: its subject */
	STORE_CHANNEL_IKE,      /* an IPsec tunnel of the SeGW; identity: its IKE identity */
	STORE_CHANNEL_PSK       /* sealed with the device's PSK; identity: the psk_kid in hex */
};

enum store_outcome {
	STORE_NEW = 0,   /* a new row */
	STORE_DUPLICATE, /* identical to a stored row: nothing written */
	STORE_CONFLICT,  /* same (device, counter, trust), different claims: nothing written */
	STORE_REPLAY,    /* PSK: refused by the device's replay window, not a retransmission of
			  * a stored row: nothing written, not to be answered */
	STORE_STALE      /* signed, at or below the device's highest accepted counter and not
			  * a retransmission of a stored row: nothing written, REJECTED */
};

/* One indication to store. Input fields are borrowed for the put call only. */
struct store_ingest_rec {
	/* in */
	const struct mayday_indication *ind;
	enum store_trust trust;
	uint32_t transport;                  /* method: how it arrived (enum mayday_transport) */
	enum store_channel_auth channel_auth;
	const char *peer_identity;           /* "" with STORE_CHANNEL_NONE; <= STORE_IDENTITY_MAX */
	const uint8_t *psk_kid;              /* STORE_CHANNEL_PSK: the kid whose replay window */
	size_t psk_kid_len;                  /* the counter must pass and, if new, advances */
	int64_t received_at;                 /* seconds since the epoch */
	const char *peer;                    /* source address text, <= STORE_PEER_MAX */
	const uint8_t *raw;                  /* the COSE bytes as received */
	size_t raw_len;
	uint8_t digest[MAYDAY_DIGEST_LEN];   /* SHA-256 of the claims (COSE payload) */
	/* out, valid after a successful commit */
	enum store_outcome outcome;
	int64_t indication_id;               /* the new or the original row; 0 on conflict/replay */
	int64_t incident_id;                 /* 0: none (unverified rows never join incidents) */
	uint64_t high;                       /* signed, not STORE_NEW: the device's highest
					      * accepted counter before this record */
	bool back_from_silence;              /* a new signed row of an unreachable device */
};

/* The enrolled public key PEM of a device, NUL-terminated into `pem`.
 * MAYDAY_E_NOTFOUND if the device is not enrolled or its key is revoked
 * (store_api.h: nothing verifies against it any more), MAYDAY_E_TOOBIG if
 * cap is too small. */
MAYDAY_NODISCARD enum mayday_err store_device_key(struct store *st, const char *device_id,
						  char *pem, size_t cap, size_t *len);

/* A PSK as the daemon needs it to open a request: the device it was
 * enrolled for, the key, and the replay window as last committed. */
struct store_psk {
	char device_id[MAYDAY_DEVICE_ID_MAX + 1];
	uint8_t psk[MAYDAY_PSK_LEN];
	struct mayday_replay_window window;
};

/* The PSK enrolled under `kid` into *out; MAYDAY_E_NOTFOUND for a kid no
 * device has, MAYDAY_E_INVALID for a kid of the wrong length. *out holds a
 * secret: release it with store_psk_wipe. */
MAYDAY_NODISCARD enum mayday_err store_psk_get(struct store *st, const uint8_t *kid,
					       size_t kid_len, struct store_psk *out);
/* OPENSSL_cleanse the whole struct. */
void store_psk_wipe(struct store_psk *p);

MAYDAY_NODISCARD enum mayday_err store_ingest_begin(struct store *st);
/* Decide and write one row inside the open batch; fills the outputs.
 * On any error the batch may hold part of this record: roll it back.
 * MAYDAY_E_INVALID means this record can never be stored (bad field, or
 * signed by a device no longer enrolled): redo the batch without it.
 * MAYDAY_E_RETRY (put or commit; a server database shared by several
 * nodes) means the batch lost to a concurrent transaction, a deadlock or
 * a serialization failure: nothing of it was kept (after rollback), and
 * the same batch may be redone at once. */
MAYDAY_NODISCARD enum mayday_err store_ingest_put(struct store *st, struct store_ingest_rec *rec);
MAYDAY_NODISCARD enum mayday_err store_ingest_commit(struct store *st);
void store_ingest_rollback(struct store *st);

/* "none" / "mtls" / "ike" / "psk" (as stored); "unknown" out of range. */
const char *store_channel_name(enum store_channel_auth c);

/* The backend's description of its last error (static or owned by the
 * handle, valid until the next call); for logs. */
const char *store_errmsg(struct store *st);

#endif

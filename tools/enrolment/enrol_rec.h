/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The enrolment record (docs/protocol.md §14, docs/schema/enrolment.schema.json):
 * what an H(e)MS needs to know about one device, as one JSON object that
 * `mayday-provision device` writes and `maydayctl enrol --from` /
 * `maydayctl export` read and write.
 *
 *   {"version": 1, "device_id": "...", "product_class": "...",
 *    "distress_key": "<base64 DER SubjectPublicKeyInfo, P-256>",
 *    "psk": {"kid": "<hex>", "sealed": "<base64>"}    (or "key": "<hex>")}
 *
 * The parser is strict: at most ENROL_REC_MAX bytes, one object, every
 * member known (an unknown or misspelt member is refused, never skipped:
 * a record is a security decision), no duplicate, every value of its type
 * and alphabet. It never leaves a partly filled record behind: on error
 * *out is zeroed.
 *
 * The PSK travels sealed unless someone explicitly asked otherwise: sealed
 * is AES-256-GCM under a key-encryption key (mayday/kek.h; the file
 * maydayd's [server] psk_kek names), bound by its associated data to the
 * device ID and the kid (ENROL_REC_PSK_AAD), so a sealed PSK pasted into
 * another device's record does not open. The plain form ("key") exists
 * for moving a device between H(e)MSs that share no KEK.
 */
#ifndef MAYDAY_ENROL_REC_H
#define MAYDAY_ENROL_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "mayday/error.h"
#include "mayday/kek.h"
#include "mayday/limits.h"
#include "mayday/psk.h"

#define ENROL_REC_VERSION  1
#define ENROL_REC_MAX      4096  /* bytes of a record file; a full one is under 500 */
#define ENROL_REC_SPKI_MAX 128   /* a P-256 SubjectPublicKeyInfo is 91 bytes of DER */
/* What the sealed PSK is bound to: this text, a 0 byte, the device ID, a 0
 * byte, the kid. */
#define ENROL_REC_PSK_AAD  "mayday enrolment psk v1"

enum enrol_psk_form {
	ENROL_PSK_NONE = 0,   /* no PSK: the device cannot use the PSK method here */
	ENROL_PSK_SEALED,     /* psk_sealed, under a KEK */
	ENROL_PSK_PLAIN       /* psk in clear: a secret, wipe with enrol_rec_wipe */
};

struct enrol_rec {
	char device_id[MAYDAY_DEVICE_ID_MAX + 1];
	char product_class[MAYDAY_CLASS_MAX + 1];
	uint8_t spki[ENROL_REC_SPKI_MAX];           /* DER, P-256 */
	size_t spki_len;
	enum enrol_psk_form psk_form;
	uint8_t psk_kid[MAYDAY_PSK_KID_MAX];
	size_t psk_kid_len;
	uint8_t psk_sealed[MAYDAY_KEK_SEALED_LEN];  /* ENROL_PSK_SEALED */
	uint8_t psk[MAYDAY_PSK_LEN];                /* ENROL_PSK_PLAIN */
};

/* Parses text[0..len) into *out. MAYDAY_E_TOOBIG over ENROL_REC_MAX;
 * MAYDAY_E_UNSUPPORTED for a version other than 1; MAYDAY_E_KEY for a
 * distress key that is not a P-256 SubjectPublicKeyInfo; MAYDAY_E_MALFORMED
 * for everything else. `why` (when not NULL) says which member and what is
 * wrong. */
MAYDAY_NODISCARD enum mayday_err enrol_rec_parse(const char *text, size_t len,
						 struct enrol_rec *out, char *why, size_t why_cap);

/* The record as JSON text (members in the order above, two-space indent,
 * final newline) into a malloc'ed, NUL-terminated *out of *out_len bytes.
 * Caller frees it (with OPENSSL_clear_free when psk_form is PLAIN).
 * MAYDAY_E_INVALID if a field breaks the rules the parser enforces. */
MAYDAY_NODISCARD enum mayday_err enrol_rec_format(const struct enrol_rec *r, char **out,
						  size_t *out_len);

/* The distress key into the record (MAYDAY_E_KEY unless P-256). */
MAYDAY_NODISCARD enum mayday_err enrol_rec_set_key(struct enrol_rec *r, EVP_PKEY *key);
/* The distress key as PEM ("PUBLIC KEY"), NUL-terminated, what store_enrol takes. */
MAYDAY_NODISCARD enum mayday_err enrol_rec_key_pem(const struct enrol_rec *r, char *pem,
						   size_t cap, size_t *len);

/* Puts kid and psk in the record, sealed under kek (ENROL_PSK_SEALED) or,
 * with kek NULL, in clear (ENROL_PSK_PLAIN). device_id must be set first. */
MAYDAY_NODISCARD enum mayday_err enrol_rec_put_psk(struct enrol_rec *r, const uint8_t *kid,
						   size_t kid_len,
						   const uint8_t psk[MAYDAY_PSK_LEN],
						   const uint8_t *kek);
/* The PSK of the record into psk: opened under kek when sealed
 * (MAYDAY_E_SIGNATURE: another KEK, or the seal was moved or altered;
 * MAYDAY_E_KEY: sealed and kek is NULL), copied when plain;
 * MAYDAY_E_NOTFOUND without one. */
MAYDAY_NODISCARD enum mayday_err enrol_rec_get_psk(const struct enrol_rec *r, const uint8_t *kek,
						   uint8_t psk[MAYDAY_PSK_LEN]);

/* OPENSSL_cleanse of the whole record. */
void enrol_rec_wipe(struct enrol_rec *r);

/* Reads the file at path (at most ENROL_REC_MAX bytes, else MAYDAY_E_TOOBIG)
 * into buf[ENROL_REC_MAX + 1], NUL-terminated; MAYDAY_E_IO if unreadable. */
MAYDAY_NODISCARD enum mayday_err enrol_rec_read_file(const char *path, char *buf,
						     size_t *len);

#endif

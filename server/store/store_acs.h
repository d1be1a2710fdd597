/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the ACS keeps per CPE beyond remediation attempts (issue 12,
 * docs/cwmp.md "Enrolling a third-party CPE"):
 *
 * HTTP credentials of a CPE that authenticates without a client
 * certificate. Stored hashed: HA1 = H(username ":" realm ":" password) in
 * MD5 and SHA-256 (RFC 7616 3.4.2), which is all Digest needs and what
 * Basic over TLS is checked against; the password itself is never stored.
 * The realm is fixed (STORE_ACS_REALM) because HA1 binds it. One set per
 * device; a username names one device.
 *
 * ACS decisions: an append-only list per device (and its open incident
 * when there is one) of what the ACS decided and why -- the data-model root
 * it read, what it asked, a CPE fault and what it did about it -- so an
 * operator sees every step of an attempt (maydayctl show).
 *
 * Connection Requests: the ConnectionRequestURL each CPE last announced,
 * and when the ACS last used it (srv_acs_connreq.h).
 */
#ifndef MAYDAY_STORE_ACS_H
#define MAYDAY_STORE_ACS_H

#include <stdint.h>

#include "mayday/limits.h"
#include "store.h"

#define STORE_ACS_REALM        "mayday-acs"
#define STORE_ACS_USERNAME_MAX 64u
#define STORE_ACS_HA1_MD5_HEX  32u
#define STORE_ACS_HA1_SHA256_HEX 64u
#define STORE_ACS_NOTE_MAX     255u

struct store_acs_cred {
	char device_id[MAYDAY_DEVICE_ID_MAX + 1];
	char username[STORE_ACS_USERNAME_MAX + 1];
	char ha1_md5[STORE_ACS_HA1_MD5_HEX + 1];       /* lowercase hex */
	char ha1_sha256[STORE_ACS_HA1_SHA256_HEX + 1]; /* lowercase hex */
	int64_t set_at;
};

struct store_acs_note {
	int64_t id, incident_id;                       /* incident 0: none open */
	int64_t at;
	char text[STORE_ACS_NOTE_MAX + 1];
};

typedef int (*store_acs_note_cb)(void *ctx, const struct store_acs_note *n);

/* Sets (replaces) the device's credentials. MAYDAY_E_NOTFOUND: not
 * enrolled; MAYDAY_E_MISMATCH: the username is another device's;
 * MAYDAY_E_INVALID: a username that is not 1..64 printable ASCII without
 * ':' or '"', or HA1s that are not lowercase hex of the right length. */
MAYDAY_NODISCARD enum mayday_err store_acs_cred_set(struct store *st,
						    const struct store_acs_cred *c);
/* The credentials of `username`. MAYDAY_E_NOTFOUND: none. */
MAYDAY_NODISCARD enum mayday_err store_acs_cred_get(struct store *st, const char *username,
						    struct store_acs_cred *out);
/* Appends a decision about the device (text cut at STORE_ACS_NOTE_MAX),
 * tied to its open incident if any. MAYDAY_E_NOTFOUND: not enrolled. */
MAYDAY_NODISCARD enum mayday_err store_acs_note(struct store *st, const char *device_id,
						int64_t now, const char *text);
/* The CPE refused the Reboot of its installed attempt `command_key`: the
 * attempt stays "installed" (the image is in place; the CPE reboots when
 * it will, and its "1 BOOT" + TransferComplete recovers it) and keeps the
 * fault code and detail, so the ACS asks no Reboot again.
 * MAYDAY_E_NOTFOUND: no such installed attempt of the device. */
MAYDAY_NODISCARD enum mayday_err store_acs_reboot_refused(struct store *st, const char *device_id,
							  const char *command_key,
							  uint32_t fault_code, const char *detail);
/* The ConnectionRequestURL the device's Inform announced ("" forgets it). */
MAYDAY_NODISCARD enum mayday_err store_acs_connreq_url(struct store *st, const char *device_id,
						       const char *url);
#define STORE_ACS_URL_MAX 256u
typedef int (*store_acs_connreq_cb)(void *ctx, const char *device_id, const char *url);
/* Devices remediation_scheduled with a ConnectionRequestURL not used since
 * `before`, at most `max`, least recently asked first; each is marked asked
 * at `now` before cb sees it (so a failing CPE is retried only after the gap). */
MAYDAY_NODISCARD enum mayday_err store_acs_connreq_due(struct store *st, int64_t before,
						       int64_t now, unsigned max,
						       store_acs_connreq_cb cb, void *ctx);
/* The device's decisions, oldest first. */
MAYDAY_NODISCARD enum mayday_err store_acs_notes(struct store *st, const char *device_id,
						 store_acs_note_cb cb, void *ctx);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP authentication of a CPE at the ACS when it has no client
 * certificate (issue 12, TR-069 3.4.4, docs/cwmp.md "Authentication"):
 * Digest (RFC 7616, qop=auth, MD5 or SHA-256) and Basic (RFC 7617; the
 * ACS listener is TLS-only, so Basic never crosses the wire in clear).
 * Both are checked against the HA1s the store keeps (store_acs.h), never a
 * password.
 *
 * Nonces are stateless: hex(time) "." hex(HMAC-SHA-256(key, time)[0..16)),
 * good for SRV_ACS_NONCE_TTL seconds, so a restart or a full session table
 * costs nothing; an expired but genuine nonce is answered "stale=true". A
 * nonce may be replayed within its lifetime (nc is not tracked): the
 * channel is TLS, so only the CPE and the ACS ever see one.
 *
 * The parser takes hostile input (fuzzed by tests/fuzz/fuzz_acs_auth.c).
 * Pure functions; no I/O, no logging, no global state.
 */
#ifndef MAYDAY_SRV_ACS_AUTH_H
#define MAYDAY_SRV_ACS_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mayday/error.h"

#define SRV_ACS_AUTH_HEADER_MAX 2048u /* longer Authorization headers are refused */
#define SRV_ACS_AUTH_FIELD_MAX  256u
#define SRV_ACS_NONCE_TTL       300   /* seconds */
#define SRV_ACS_NONCE_KEY_LEN   32u
#define SRV_ACS_HEX_MAX         64u   /* a SHA-256 digest in hex */

enum srv_acs_auth_scheme { SRV_ACS_AUTH_BASIC = 1, SRV_ACS_AUTH_DIGEST };
enum srv_acs_digest_alg { SRV_ACS_MD5 = 0, SRV_ACS_SHA256 };

/* A parsed Authorization header; every field NUL-terminated. */
struct srv_acs_authz {
	enum srv_acs_auth_scheme scheme;
	enum srv_acs_digest_alg alg;          /* Digest: "MD5" (or absent), "SHA-256" */
	char username[SRV_ACS_AUTH_FIELD_MAX + 1];
	char password[SRV_ACS_AUTH_FIELD_MAX + 1]; /* Basic only */
	char realm[SRV_ACS_AUTH_FIELD_MAX + 1];
	char nonce[SRV_ACS_AUTH_FIELD_MAX + 1];
	char uri[SRV_ACS_AUTH_FIELD_MAX + 1];
	char response[SRV_ACS_HEX_MAX + 1];
	char cnonce[SRV_ACS_AUTH_FIELD_MAX + 1];
	char nc[9];                             /* 8 hex digits */
	char qop[SRV_ACS_AUTH_FIELD_MAX + 1];
};

/* Parses `header` (the Authorization value) into *out (zeroed first).
 * Digest needs username, realm, nonce, uri, response, and qop=auth with
 * cnonce and nc (RFC 2069 compatibility without qop is refused); userhash
 * and the "-sess" algorithms are refused (MAYDAY_E_UNSUPPORTED), as is any
 * other scheme. MAYDAY_E_MALFORMED: bad syntax, a duplicate or missing
 * parameter; MAYDAY_E_TOOBIG: over SRV_ACS_AUTH_HEADER_MAX or a field over
 * its size. */
MAYDAY_NODISCARD enum mayday_err srv_acs_auth_parse(const char *header,
						    struct srv_acs_authz *out);

/* A Digest challenge (a WWW-Authenticate value) the ACS got as a client,
 * for a Connection Request: realm, nonce and qop ("auth" must be offered)
 * and the algorithm into *out (scheme SRV_ACS_AUTH_DIGEST). Errors as
 * srv_acs_auth_parse. */
MAYDAY_NODISCARD enum mayday_err srv_acs_challenge_parse(const char *header,
							 struct srv_acs_authz *out);

/* HA1 = H(username ":" realm ":" password) as lowercase hex into
 * hex[SRV_ACS_HEX_MAX + 1]. */
MAYDAY_NODISCARD enum mayday_err srv_acs_digest_ha1(enum srv_acs_digest_alg alg,
						    const char *username, const char *realm,
						    const char *password,
						    char hex[SRV_ACS_HEX_MAX + 1]);

/* The response a is expected to carry for `method` given the HA1 (hex) of
 * its algorithm, into hex[SRV_ACS_HEX_MAX + 1]. */
MAYDAY_NODISCARD enum mayday_err srv_acs_digest_response(const struct srv_acs_authz *a,
							 const char *method, const char *ha1_hex,
							 char hex[SRV_ACS_HEX_MAX + 1]);

/* Whether a (Digest) carries the right response for method and HA1; in
 * constant time over the response. */
bool srv_acs_digest_ok(const struct srv_acs_authz *a, const char *method, const char *ha1_hex);

/* Whether a (Basic) carries the password whose SHA-256 HA1 under `realm`
 * is ha1_sha256_hex; constant time over the digest. */
bool srv_acs_basic_ok(const struct srv_acs_authz *a, const char *realm,
		      const char *ha1_sha256_hex);

/* A nonce for `now` into out[cap] (cap >= 64). */
void srv_acs_nonce_make(const uint8_t key[SRV_ACS_NONCE_KEY_LEN], int64_t now, char *out,
			size_t cap);
/* 1: ours and fresh; 0: ours but older than SRV_ACS_NONCE_TTL (stale);
 * -1: not ours (or from the future). */
int srv_acs_nonce_check(const uint8_t key[SRV_ACS_NONCE_KEY_LEN], const char *nonce,
			int64_t now);

/* Connection Requests (srv_acs_connreq.h): the ACS logs in to a CPE as
 * SRV_ACS_CR_USERNAME with a password derived from the KEK and the device
 * ID, so nothing is stored and maydayd and maydayctl agree. */
#define SRV_ACS_CR_USERNAME "mayday-acs"
#define SRV_ACS_CR_KEY_LEN  32u
#define SRV_ACS_CR_PW_LEN   32u   /* hex characters */
/* The Connection Request key of a KEK: HMAC-SHA-256(kek, label). */
void srv_acs_auth_cr_key(const uint8_t *kek, size_t kek_len, uint8_t key[SRV_ACS_CR_KEY_LEN]);
/* The device's password: hex(HMAC-SHA-256(key, device ID)), first
 * SRV_ACS_CR_PW_LEN digits, into pw[SRV_ACS_CR_PW_LEN + 1]. */
void srv_acs_auth_cr_password(const uint8_t key[SRV_ACS_CR_KEY_LEN], const char *device_id,
			      char pw[SRV_ACS_CR_PW_LEN + 1]);

#endif

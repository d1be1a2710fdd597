/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API's bearer tokens (docs/api.md "Authentication"):
 *
 *   mdt_<16 lowercase hex: the id>.<43 base64url characters: the secret>
 *
 * The id names the token in listings and DELETE /v1/tokens/{id}; the
 * secret is 32 bytes from RAND_bytes, base64url without padding, shown once
 * when the token is made. The store keeps SHA-256 of the secret's 43
 * characters only (store_api.h), so a copy of the store lets nobody in.
 */
#ifndef MAYDAY_API_TOKEN_H
#define MAYDAY_API_TOKEN_H

#include "api.h"
#include "store_api.h"

#define API_TOKEN_SECRET_LEN 43   /* base64url of 32 bytes */
#define API_TOKEN_LEN (STORE_TOKEN_ID_LEN + 1 + API_TOKEN_SECRET_LEN)

/* Checks a bearer token (the Authorization value after "Bearer ") against
 * the store: its syntax, that its id exists, its secret's hash (in
 * constant time) and that it is not revoked; then sets out (name
 * "token:<name>", the token's role) and records its use (last_used_at, at
 * most one write per token and second; a failure to record it does not
 * refuse the token). MAYDAY_E_DENIED for a token that is not valid (which
 * of the checks failed is not told: the caller answers 401 alike),
 * MAYDAY_E_MALFORMED for a string that is not a token at all, other errors
 * of the store as it returns them (answer 500/503, not 401). */
MAYDAY_NODISCARD enum mayday_err api_token_verify(struct store *st, const char *bearer,
						  struct api_identity *out);

/* A new token: id into id[STORE_TOKEN_ID_LEN + 1], the whole token text
 * into token[API_TOKEN_LEN + 1], SHA-256 of its secret into sha256. The
 * caller wipes token once shown. MAYDAY_E_INTERNAL if RAND_bytes fails. */
MAYDAY_NODISCARD enum mayday_err api_token_make(char id[STORE_TOKEN_ID_LEN + 1],
						char token[API_TOKEN_LEN + 1],
						uint8_t sha256[32]);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz mayday_cose_sign1_decode/verify. Beyond "no crash": every accepted
 * message points into the input, and re-encoding its parts reproduces the
 * input byte for byte (one accepted encoding per message).
 */
#include <stdlib.h>
#include <string.h>

#include "mayday/cose.h"
#include "test_vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct replay {
	const uint8_t *sig;
};

/* "Signs" by returning the signature the input carried. */
static enum mayday_err replay_sign(void *ctx, const uint8_t *tbs, size_t tbs_len,
				   uint8_t sig[MAYDAY_ES256_SIG_LEN])
{
	const struct replay *r = ctx;

	(void)tbs;
	(void)tbs_len;
	memcpy(sig, r->sig, MAYDAY_ES256_SIG_LEN);
	return MAYDAY_OK;
}

static int inside(const uint8_t *p, size_t n, const uint8_t *data, size_t size)
{
	return p >= data && n <= size && (size_t)(p - data) <= size - n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static EVP_PKEY *pub;
	static uint8_t out[MAYDAY_MANIFEST_MAX + 64];
	struct mayday_cose_sign1 msg;
	struct mayday_diag diag = { 0 };
	struct replay r;
	struct mayday_signer s = { .sign = replay_sign, .ctx = &r };
	size_t len;

	if (!pub)
		pub = tv_pub();
	if (mayday_cose_sign1_decode(data, size, MAYDAY_MANIFEST_MAX, &msg, &diag) != MAYDAY_OK) {
		if (diag.offset > size || !diag.what)
			abort();
		return 0;
	}
	if (!inside(msg.payload, msg.payload_len, data, size) ||
	    !inside(msg.signature, MAYDAY_ES256_SIG_LEN, data, size) ||
	    !inside(msg.protected_hdr, msg.protected_len, data, size) ||
	    msg.kid_len > MAYDAY_KID_MAX)
		abort();
	r.sig = msg.signature;
	memcpy(s.kid, msg.kid, msg.kid_len);
	s.kid_len = msg.kid_len;
	if (mayday_cose_sign1_encode(&s, msg.payload, msg.payload_len, out, sizeof(out), &len) !=
	    MAYDAY_OK || len != size || memcmp(out, data, size) != 0)
		abort();
	(void)mayday_cose_sign1_verify(&msg, pub);
	return 0;
}

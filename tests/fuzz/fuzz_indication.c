/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the indication decoders: the claims alone and a whole signed
 * indication (mayday_indication_open), both message versions (the seeds
 * hold a version 1 and a version 2 map). Accepted claims re-encode to
 * themselves or, with extension keys skipped, to a shorter equivalent, in
 * the version they came in; the same claims in the other version decode to
 * the same values; an opened indication always has kid == device ID.
 */
#include <stdlib.h>
#include <string.h>

#include "mayday/indication.h"
#include "test_vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void claims(const uint8_t *data, size_t size)
{
	static struct mayday_indication ind, again, other;
	static uint8_t out[MAYDAY_INDICATION_MAX];
	struct mayday_diag diag = { 0 };
	size_t len;

	if (mayday_indication_decode_claims(data, size, &ind, &diag) != MAYDAY_OK) {
		if (diag.offset > size || !diag.what)
			abort();
		return;
	}
	if (mayday_indication_encode_claims(&ind, out, sizeof(out), &len) != MAYDAY_OK ||
	    len > size || (len == size && memcmp(out, data, size) != 0))
		abort();
	if (mayday_indication_decode_claims(out, len, &again, &diag) != MAYDAY_OK ||
	    memcmp(&ind, &again, sizeof(ind)) != 0)
		abort();
	if (ind.claims != MAYDAY_CLAIMS_MAYDAY1 && ind.claims != MAYDAY_CLAIMS_EAT)
		abort();
	/* Across versions: what one version carries, the other carries too. */
	other = ind;
	other.claims = ind.claims == MAYDAY_CLAIMS_EAT ? MAYDAY_CLAIMS_MAYDAY1 : MAYDAY_CLAIMS_EAT;
	if (mayday_indication_encode_claims(&other, out, sizeof(out), &len) != MAYDAY_OK ||
	    mayday_indication_decode_claims(out, len, &again, &diag) != MAYDAY_OK ||
	    memcmp(&other, &again, sizeof(other)) != 0)
		abort();
}

static void signed_indication(const uint8_t *data, size_t size)
{
	static EVP_PKEY *pub;
	static struct mayday_indication ind;
	struct mayday_cose_sign1 msg;
	struct mayday_diag diag = { 0 };

	if (!pub)
		pub = tv_pub();
	if (mayday_indication_open(data, size, &msg, &ind, &diag) != MAYDAY_OK) {
		if (diag.offset > size || !diag.what)
			abort();
		return;
	}
	if (msg.kid_len != strlen(ind.device_id) || memcmp(msg.kid, ind.device_id, msg.kid_len))
		abort();
	(void)mayday_cose_sign1_verify(&msg, pub);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	claims(data, size);
	signed_indication(data, size);
	return 0;
}

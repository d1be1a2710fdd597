/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the acknowledgement decoders: claims alone and signed (verified with
 * the protocol.md test key, so the signed seeds reach the claims decoder).
 * Accepted acknowledgements obey the rules a device relies on.
 */
#include <stdlib.h>
#include <string.h>

#include "mayday/indication.h"
#include "test_vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rules(const struct mayday_ack *a)
{
	if (a->status > MAYDAY_ACK_REJECTED || a->action > MAYDAY_ACTION_MAX ||
	    (a->action == MAYDAY_ACTION_WAIT && a->retry_after == 0) ||
	    (a->action == MAYDAY_ACTION_REMEDIATE && a->acs_url[0] == '\0') ||
	    a->device_id[0] == '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static EVP_PKEY *pub;
	static uint8_t out[MAYDAY_ACK_MAX];
	struct mayday_ack ack, again;
	struct mayday_diag diag = { 0 };
	size_t len;

	if (!pub)
		pub = tv_pub();
	if (mayday_ack_decode_claims(data, size, &ack, &diag) == MAYDAY_OK) {
		check_rules(&ack);
		if (mayday_ack_encode_claims(&ack, out, sizeof(out), &len) != MAYDAY_OK ||
		    len > size || (len == size && memcmp(out, data, size) != 0))
			abort();
		if (mayday_ack_decode_claims(out, len, &again, &diag) != MAYDAY_OK ||
		    memcmp(&ack, &again, sizeof(ack)) != 0)
			abort();
	} else if (diag.offset > size || !diag.what) {
		abort();
	}
	diag.what = NULL;
	if (mayday_ack_verify(data, size, pub, &ack, &diag) == MAYDAY_OK)
		check_rules(&ack);
	else if (diag.offset > size || !diag.what)
		abort();
	return 0;
}

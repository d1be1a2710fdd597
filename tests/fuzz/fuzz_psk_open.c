/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the PSK datagram decoders (docs/protocol.md §12) with the §12.8 test
 * keys: mayday_psk_peek_kid, mayday_psk_open_request and
 * mayday_psk_open_response (answering counter 42). The valid seeds decrypt,
 * so the fuzzer starts from the accepting paths. Checked on every input:
 * the structural verdict of peek and open agree; a rejection leaves no
 * plaintext and a diag inside the input; an accepted request re-seals to
 * exactly the input bytes (one accepted encoding, deterministic AEAD).
 */
#include <stdlib.h>
#include <string.h>

#include "mayday/psk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t psk[MAYDAY_PSK_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};
static const uint8_t kid[] = { 0xa0, 0xb1, 0xc2, 0xd3, 0xe4, 0xf5, 0x06, 0x17 };

static void check_diag(const struct mayday_diag *d, size_t size)
{
	if (!d->what || d->offset > size)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mayday_psk_keys keys;
	static uint8_t pt[MAYDAY_INDICATION_MAX], again[MAYDAY_PSK_DATAGRAM_MAX];
	struct mayday_psk_header peeked, opened;
	struct mayday_diag diag = { 0 };
	enum mayday_err peek, open;
	size_t pt_len = 1, len;

	if (keys.kid_len == 0 &&
	    mayday_psk_derive(psk, sizeof(psk), kid, sizeof(kid), &keys) != MAYDAY_OK)
		abort();

	peek = mayday_psk_peek_kid(data, size, &peeked, &diag);
	if (peek != MAYDAY_OK) {
		check_diag(&diag, size);
		if (peeked.kid_len != 0 || peeked.counter != 0)
			abort();
	} else if (peeked.counter == 0 || peeked.kid_len < MAYDAY_PSK_KID_MIN ||
		   peeked.kid_len > MAYDAY_PSK_KID_MAX) {
		abort();
	}

	diag.what = NULL;
	open = mayday_psk_open_request(&keys, data, size, &opened, pt, sizeof(pt), &pt_len, &diag);
	if (peek != MAYDAY_OK ? open != peek
			      : open != MAYDAY_OK && open != MAYDAY_E_SIGNATURE &&
				open != MAYDAY_E_KEY)
		abort();
	if (open == MAYDAY_OK) {
		if (memcmp(&opened, &peeked, sizeof(opened)) != 0)
			abort();
		if (mayday_psk_seal_request(&keys, opened.counter, pt, pt_len, again, sizeof(again),
					    &len) != MAYDAY_OK ||
		    len != size || memcmp(again, data, size) != 0)
			abort();
	} else {
		check_diag(&diag, size);
		if (pt_len != 0)
			abort();
	}

	diag.what = NULL;
	pt_len = 1;
	open = mayday_psk_open_response(&keys, 42, data, size, pt, sizeof(pt), &pt_len, &diag);
	if (open == MAYDAY_OK) {
		if (pt_len > MAYDAY_ACK_MAX)
			abort();
	} else {
		check_diag(&diag, size);
		if (pt_len != 0)
			abort();
	}
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz mayday_evidence_decode. An accepted input re-encodes to itself, or
 * (when it carried skipped extension keys) to something shorter that
 * decodes to the same evidence.
 */
#include <stdlib.h>
#include <string.h>

#include "mayday/evidence.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mayday_evidence ev, again;
	static uint8_t out[MAYDAY_EVIDENCE_MAX];
	struct mayday_diag diag = { 0 };
	size_t len;

	if (mayday_evidence_decode(data, size, &ev, &diag) != MAYDAY_OK) {
		if (diag.offset > size || !diag.what)
			abort();
		return 0;
	}
	if (mayday_evidence_encode(&ev, out, sizeof(out), &len) != MAYDAY_OK || len > size)
		abort();
	if (len == size && memcmp(out, data, size) != 0)
		abort();
	if (mayday_evidence_decode(out, len, &again, &diag) != MAYDAY_OK ||
	    memcmp(&ev, &again, sizeof(ev)) != 0)
		abort();
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Persisted remediation record decoder (v2): never crashes, reports an
 * offset within the input and a reason, keeps nothing of what it refuses,
 * and whatever it accepts re-encodes to the same bytes (one encoding per
 * value, the phase's rules included, since the encoder enforces them). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpe_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct cpe_record zero;
	struct mayday_diag diag = { 0, NULL };
	uint8_t again[CPE_RECORD_MAX];
	size_t len = 0;
	struct cpe_record r;

	if (cpe_record_decode(data, size, &r, &diag) != MAYDAY_OK) {
		if (diag.what == NULL || diag.offset > size || memcmp(&r, &zero, sizeof(r)) != 0)
			abort();
		return 0;
	}
	if (diag.what != NULL || size > CPE_RECORD_MAX)
		abort();
	if (cpe_record_encode(&r, again, &len) != MAYDAY_OK || len != size ||
	    memcmp(again, data, size) != 0)
		abort();
	return 0;
}

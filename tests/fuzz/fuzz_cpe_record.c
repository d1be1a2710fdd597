/* Persisted remediation record decoder: never crashes, reports an offset
 * within the input, and whatever it accepts re-encodes to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpe_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mayday_diag diag = { 0, NULL };
	uint8_t again[CPE_RECORD_MAX];
	size_t len = 0;
	struct cpe_record r;

	if (cpe_record_decode(data, size, &r, &diag) != MAYDAY_OK) {
		if (diag.what == NULL || diag.offset > size || r.acs_url[0] != '\0')
			abort();
		return 0;
	}
	if (cpe_record_encode(&r, again, &len) != MAYDAY_OK || len != size ||
	    memcmp(again, data, size) != 0)
		abort();
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the enrolment record parser (JSON from a file, docs/protocol.md
 * §14). Whatever it accepts must be within its rules and survive a round
 * trip through the writer unchanged. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "enrol_rec.h"
#include "mayday/indication.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct enrol_rec r, back;
	char why[160], *text = NULL;
	size_t len = 0;

	if (enrol_rec_parse((const char *)data, size, &r, why, sizeof(why)) != MAYDAY_OK)
		return 0;
	if (!mayday_device_id_ok(r.device_id, strlen(r.device_id)) || r.spki_len == 0 ||
	    (r.psk_form != ENROL_PSK_NONE && (r.psk_kid_len < MAYDAY_PSK_KID_MIN ||
					      r.psk_kid_len > MAYDAY_PSK_KID_MAX)))
		abort();
	if (enrol_rec_format(&r, &text, &len) != MAYDAY_OK ||
	    enrol_rec_parse(text, len, &back, why, sizeof(why)) != MAYDAY_OK ||
	    memcmp(&r, &back, sizeof(r)) != 0)
		abort();
	free(text);
	return 0;
}

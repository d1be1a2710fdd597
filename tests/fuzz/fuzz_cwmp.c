/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the CWMP parser. An accepted envelope must be internally sane, and
 * if the emitter accepts the decoded message, its envelope must parse back
 * to the same message (the codec round-trips whatever it lets through).
 */
#include <stdlib.h>
#include <string.h>

#include "cwmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cwmp_msg msg, again;
	static char out[CWMP_ENVELOPE_MAX];
	struct mayday_diag diag = { 0 };
	size_t len;

	if (cwmp_parse((const char *)data, size, &msg, &diag) != MAYDAY_OK) {
		if (diag.offset > size || !diag.what)
			abort();
		return 0;
	}
	if ((unsigned)msg.kind >= CWMP_KIND__COUNT || (unsigned)msg.ns >= CWMP_NS__COUNT ||
	    (msg.kind == CWMP_INFORM && (msg.u.inform.n_events > CWMP_EVENTS_MAX ||
	                                 msg.u.inform.n_params > CWMP_PARAMS_MAX)))
		abort();
	if (cwmp_emit(&msg, out, sizeof(out), &len, &diag) != MAYDAY_OK)
		return 0;   /* peers may send what we would never emit */
	if (cwmp_parse(out, len, &again, &diag) != MAYDAY_OK)
		abort();
	/* an empty Body re-emits as the empty POST, which carries no header */
	if (msg.kind != CWMP_EMPTY && memcmp(&msg, &again, sizeof(msg)) != 0)
		abort();
	return 0;
}

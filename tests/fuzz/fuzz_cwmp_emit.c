/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the CWMP emitter and its bounded writer. The input picks a sample
 * message (its kind, namespace and HoldRequests) and replaces its text
 * fields with its own NUL-separated strings (one filling a whole field,
 * without a NUL, tests that refusal too). Whatever the emitter accepts
 * must be well-formed and parse back to exactly the same message: every
 * character escaped right, nothing dropped or added.
 * Input: kind byte, flags byte (ns, bit 7 = HoldRequests), strings.
 */
#include <stdlib.h>
#include <string.h>

#include "cwmp_samples.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SLOTS_MAX 12

struct slots {
	char *at[SLOTS_MAX];
	size_t cap[SLOTS_MAX];
	size_t n;
};

static void slot(struct slots *s, char *at, size_t cap)
{
	s->at[s->n] = at;
	s->cap[s->n++] = cap;
}

#define SLOT(s, field) slot((s), (field), sizeof(field))

/* The text fields of m, header first. */
static void slots_of(struct cwmp_msg *m, struct slots *s)
{
	s->n = 0;
	SLOT(s, m->id);
	switch (m->kind) {
	case CWMP_INFORM:
		SLOT(s, m->u.inform.manufacturer);
		SLOT(s, m->u.inform.product_class);
		SLOT(s, m->u.inform.serial_number);
		SLOT(s, m->u.inform.events[0].code);
		SLOT(s, m->u.inform.events[0].command_key);
		SLOT(s, m->u.inform.params[0].name);
		SLOT(s, m->u.inform.params[0].value);
		break;
	case CWMP_GET_PARAMETER_VALUES:
		SLOT(s, m->u.gpv.names[0]);
		SLOT(s, m->u.gpv.names[1]);
		break;
	case CWMP_GET_PARAMETER_VALUES_RESPONSE:
		SLOT(s, m->u.gpv_response.params[0].name);
		SLOT(s, m->u.gpv_response.params[0].value);
		break;
	case CWMP_DOWNLOAD:
		SLOT(s, m->u.download.command_key);
		SLOT(s, m->u.download.file_type);
		SLOT(s, m->u.download.url);
		SLOT(s, m->u.download.username);
		SLOT(s, m->u.download.password);
		SLOT(s, m->u.download.target_file_name);
		SLOT(s, m->u.download.success_url);
		SLOT(s, m->u.download.failure_url);
		break;
	case CWMP_REBOOT:
		SLOT(s, m->u.reboot_command_key);
		break;
	case CWMP_TRANSFER_COMPLETE:
		SLOT(s, m->u.transfer_complete.command_key);
		SLOT(s, m->u.transfer_complete.fault.string);
		break;
	case CWMP_FAULT:
		SLOT(s, m->u.fault.string);
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cwmp_msg msg, back;
	static char out[CWMP_ENVELOPE_MAX];
	struct mayday_diag diag;
	struct slots s;
	size_t len;

	if (size < 2)
		return 0;
	cwmp_sample(cwmp_sample_kinds[data[0] % cwmp_sample_count], &msg);
	msg.ns = (enum cwmp_ns)((data[1] & 0x7f) % CWMP_NS__COUNT);
	msg.hold_requests = (data[1] & 0x80) != 0;
	data += 2;
	size -= 2;
	slots_of(&msg, &s);
	for (size_t i = 0; i < s.n && size > 0; i++) {
		const uint8_t *nul = memchr(data, '\0', size);
		size_t k = nul ? (size_t)(nul - data) : size;
		memset(s.at[i], 0, s.cap[i]);
		memcpy(s.at[i], data, k < s.cap[i] ? k : s.cap[i]);
		data += nul ? k + 1 : k;
		size -= nul ? k + 1 : k;
	}
	if (cwmp_emit(&msg, out, sizeof(out), &len, &diag) != MAYDAY_OK) {
		if (len != 0 || !diag.what)
			abort();
		return 0;
	}
	if (cwmp_parse(out, len, &back, &diag) != MAYDAY_OK)
		abort();
	memcpy(msg.method, cwmp_kind_name(msg.kind), strlen(cwmp_kind_name(msg.kind)) + 1);
	if (memcmp(&msg, &back, sizeof(msg)) != 0)
		abort();
	return 0;
}

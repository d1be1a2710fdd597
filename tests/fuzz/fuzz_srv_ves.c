/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: an outbox document as a VES fault (srv_ves.c). The documents
 * are the store's own, but the mapping must hold for any bytes: no crash,
 * MAYDAY_E_INVALID or a fault whose JSON is at most SRV_VES_EVENT_MAX bytes,
 * reads back, and carries a severity of the schema's list. The first byte
 * picks the context: none, or one with the longest strings. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "srv_ves.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_event_context ctx = {.has_reason = true, .reason = 1, .opened_at = 1};
	struct srv_ves_subject sub;
	json_t *ev = NULL;
	if (size < 1 || size > STORE_EVENT_JSON_MAX + 1)
		return 0;
	memset(ctx.product_class, 'c', sizeof(ctx.product_class) - 1);
	memset(ctx.component, 0x7f, sizeof(ctx.component) - 1);
	const char *doc = (const char *)data + 1;
	enum mayday_err err = srv_ves_map(doc, size - 1, data[0] & 1 ? &ctx : NULL, "fuzz", &ev);
	if (err != MAYDAY_OK) {
		if (ev != NULL)
			abort();   /* no partial result */
		return 0;
	}
	(void)srv_ves_subject(doc, size - 1, &sub);
	if (ev == NULL)
		return 0;
	char *text = json_dumps(ev, JSON_COMPACT);
	json_t *back = text ? json_loads(text, 0, NULL) : NULL;
	const char *sev = json_string_value(
		json_object_get(json_object_get(ev, "faultFields"), "eventSeverity"));
	if (text == NULL || strlen(text) > SRV_VES_EVENT_MAX || back == NULL || sev == NULL ||
	    (strcmp(sev, "CRITICAL") != 0 && strcmp(sev, "MAJOR") != 0 &&
	     strcmp(sev, "MINOR") != 0 && strcmp(sev, "NORMAL") != 0))
		abort();
	json_decref(back);
	free(text);
	json_decref(ev);
	return 0;
}

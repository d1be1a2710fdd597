/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API's JSON objects (docs/api.md "Resources", docs/openapi.json
 * components/schemas), built from the store's rows. One builder per
 * object, shared by every route that shows it and by maydayctl's --json
 * output, so an object has the same fields wherever it appears. Field names
 * are those maydayctl --json used before the API existed; they never
 * change meaning.
 *
 * Each builder returns a new reference (the caller's), or NULL when out of
 * memory. Strings a device sent are passed through as JSON strings
 * (jansson escapes them); text that is not valid UTF-8 becomes null rather
 * than failing the whole answer.
 */
#ifndef MAYDAY_API_JSON_H
#define MAYDAY_API_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store_acs.h"
#include "store_api_query.h"
#include "store_fleet.h"
#include "store_query.h"
#include "store_remed.h"

/* "2026-12-07T08:00:00Z"; null for 0, and for a time before 1970 or after
 * 9999 (RFC 3339 cannot write it; a device's clock may say anything). */
json_t *api_json_time(int64_t t);
/* The same text into out ("-" for 0), for tables. */
void api_json_time_text(int64_t t, char out[32]);
/* A string, or null when `s` is not valid UTF-8 (device text). */
json_t *api_json_str(const char *s);

/* Device: the listing's row and revocation, image, last failed component. */
json_t *api_json_device(const struct store_api_device *d);
/* Indication (enrolled: whether its device ID names an enrolled device). */
json_t *api_json_indication(const struct store_indication_row *r, bool enrolled);
/* Incident, remediation attempt, history note (an ACS decision). */
json_t *api_json_incident(const struct store_incident_row *r);
json_t *api_json_attempt(const struct store_remed_attempt *a);
json_t *api_json_note(const struct store_acs_note *n);
/* A failed attempt of a paused class (the pause's evidence). */
json_t *api_json_class_failure(const struct store_remed_attempt *a);
/* A product class without its bundle ("bundle" set by the caller). */
json_t *api_json_class(const struct store_remed_class *k);
/* One group of the fleet view. */
json_t *api_json_fleet_group(enum store_fleet_by by, const struct store_fleet_row *r);
/* One recorded fleet anomaly. */
json_t *api_json_anomaly(const struct store_anomaly_row *a);

#endif

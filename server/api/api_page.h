/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to mayday_api: what the handlers share: strict decoding of the
 * query string, paging (limit and the opaque cursor), times, the objects
 * the write routes answer with, and the read handlers the route table
 * names.
 *
 * A cursor is base64url (no padding) of "<kind>:<last key>", kind 'd' a
 * device ID, 'i' an indication id, 'e' an event id. It is opaque to clients
 * and not a secret: decoding checks the alphabet, the kind and the key's
 * syntax, so a cursor that was cut, edited or taken from another listing
 * is a 400, never a silent jump.
 */
#ifndef MAYDAY_API_PAGE_H
#define MAYDAY_API_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "api.h"

#define API_CURSOR_MAX 400   /* base64url characters: a device ID's worth and more */

/* Percent-decodes s[0..n) into out (NUL-terminated); '+' is a space when
 * plus_space (query strings). -1: a bad escape, a NUL, or no room. */
ssize_t api_decode(const char *s, size_t n, bool plus_space, char *out, size_t cap);
/* 1 found (decoded into out), 0 absent, -1 malformed or given twice. */
int api_query_find(const char *query, const char *name, char *out, size_t cap);
/* Refuses (400 into rs, returns false) a query with a name not in the
 * NULL-terminated `allowed`, a malformed pair, or a name given twice. */
bool api_query_check(const char *query, const char *const *allowed, struct api_response *rs,
		     enum mayday_err *err);

/* The "limit" parameter: API_PAGE_DEFAULT when absent, 1..API_PAGE_MAX. */
bool api_query_limit(const char *query, unsigned *limit, struct api_response *rs,
		     enum mayday_err *err);
/* The "cursor" parameter of kind `kind`: key copied to out (cap bytes) or
 * "" when absent. false with a 400 in rs when malformed. */
bool api_query_cursor(const char *query, char kind, char *out, size_t cap,
		      struct api_response *rs, enum mayday_err *err);
/* A cursor for `key`, as a JSON string (NULL on no memory). */
json_t *api_cursor_json(char kind, const char *key);
/* A time: RFC 3339 UTC ("2026-12-07T08:00:00Z", fractions and offsets
 * refused) or seconds since the epoch; false when neither. */
bool api_parse_time(const char *s, int64_t *out);
/* A decimal int64 in 1..INT64_MAX without sign, spaces or leading zeros. */
bool api_parse_id(const char *s, int64_t *out);

/* For the write routes, whose answers are the objects the reads show:
 * the Device object of `device_id`, and the Class object of
 * `product_class` (with its bundle, without pause_failures_detail), new
 * references in *out. MAYDAY_E_NOTFOUND: not enrolled / no enrolled device
 * of that class; store errors. */
MAYDAY_NODISCARD enum mayday_err api_devices_object(struct api_ctx *ctx, const char *device_id,
						    json_t **out);
MAYDAY_NODISCARD enum mayday_err api_classes_object(struct api_ctx *ctx,
						    const char *product_class, json_t **out);

/* The read handlers (api_devices.c, api_indications.c, ...). */
enum mayday_err api_devices_list(struct api_ctx *ctx, const struct api_request *rq,
				 const struct api_params *p, struct api_response *rs);
enum mayday_err api_devices_counts(struct api_ctx *ctx, const struct api_request *rq,
				   const struct api_params *p, struct api_response *rs);
enum mayday_err api_devices_get(struct api_ctx *ctx, const struct api_request *rq,
				const struct api_params *p, struct api_response *rs);
enum mayday_err api_indications_of_device(struct api_ctx *ctx, const struct api_request *rq,
					  const struct api_params *p, struct api_response *rs);
enum mayday_err api_indications_list(struct api_ctx *ctx, const struct api_request *rq,
				     const struct api_params *p, struct api_response *rs);
enum mayday_err api_indications_get(struct api_ctx *ctx, const struct api_request *rq,
				    const struct api_params *p, struct api_response *rs);
enum mayday_err api_classes_list(struct api_ctx *ctx, const struct api_request *rq,
				 const struct api_params *p, struct api_response *rs);
enum mayday_err api_classes_get(struct api_ctx *ctx, const struct api_request *rq,
				const struct api_params *p, struct api_response *rs);
enum mayday_err api_fleet_groups(struct api_ctx *ctx, const struct api_request *rq,
				 const struct api_params *p, struct api_response *rs);
enum mayday_err api_fleet_anomalies(struct api_ctx *ctx, const struct api_request *rq,
				    const struct api_params *p, struct api_response *rs);
enum mayday_err api_events_list(struct api_ctx *ctx, const struct api_request *rq,
				const struct api_params *p, struct api_response *rs);
enum mayday_err api_whoami_get(struct api_ctx *ctx, const struct api_request *rq,
			       const struct api_params *p, struct api_response *rs);

#endif

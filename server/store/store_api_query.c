/* SPDX-License-Identifier: Apache-2.0 */
/* The front end of store_api_query.h: each call dispatches to the backend. */
#include "store_api_query.h"
#include "store_backend.h"

enum mayday_err store_devices_page(struct store *st, const struct store_device_filter *f,
				   store_api_device_cb cb, void *ctx, uint64_t *count)
{
	return STORE_CALL(st, devices_page, f, cb, ctx, count);
}

enum mayday_err store_api_device(struct store *st, const char *device_id,
				 struct store_api_device *out)
{
	return STORE_CALL(st, api_device, device_id, out);
}

enum mayday_err store_device_counts(struct store *st, struct store_device_counts *out,
				    int64_t since, store_count_cb cb, void *ctx)
{
	return STORE_CALL(st, device_counts, out, since, cb, ctx);
}

enum mayday_err store_indications_page(struct store *st, const struct store_indication_filter *f,
				       store_api_indication_cb cb, void *ctx)
{
	return STORE_CALL(st, indications_page, f, cb, ctx);
}

enum mayday_err store_get_indication(struct store *st, int64_t id,
				     struct store_indication_row *out, bool *enrolled)
{
	return STORE_CALL(st, get_indication, id, out, enrolled);
}

enum mayday_err store_anomalies_list(struct store *st, unsigned limit, store_anomaly_cb cb,
				     void *ctx)
{
	return STORE_CALL(st, anomalies_list, limit, cb, ctx);
}

enum mayday_err store_events_page(struct store *st, int64_t after_id, unsigned limit,
				  store_event_doc_cb cb, void *ctx)
{
	return STORE_CALL(st, events_page, after_id, limit, cb, ctx);
}

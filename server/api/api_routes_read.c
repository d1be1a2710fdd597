/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every GET of the API (docs/api.md, docs/openapi.json): the route table
 * the router (api_router.c) reads. A literal segment listed before a
 * parameter in the same place wins ("/v1/devices/counts" before
 * "/v1/devices/{}"). Literals compare before percent-decoding, so a device
 * whose ID is "counts" is still reached, as "/v1/devices/%63ounts"
 * (docs/api.md; test_api_router).
 */
#include <stddef.h>

#include "api.h"
#include "api_page.h"

const struct api_route api_routes_read[] = {
	{"GET", "/v1/devices", API_ROLE_VIEWER, api_devices_list},
	{"GET", "/v1/devices/counts", API_ROLE_VIEWER, api_devices_counts},
	{"GET", "/v1/devices/{}", API_ROLE_VIEWER, api_devices_get},
	{"GET", "/v1/devices/{}/indications", API_ROLE_VIEWER, api_indications_of_device},
	{"GET", "/v1/indications", API_ROLE_VIEWER, api_indications_list},
	{"GET", "/v1/indications/{}", API_ROLE_VIEWER, api_indications_get},
	{"GET", "/v1/classes", API_ROLE_VIEWER, api_classes_list},
	{"GET", "/v1/classes/{}", API_ROLE_VIEWER, api_classes_get},
	{"GET", "/v1/fleet/anomalies", API_ROLE_VIEWER, api_fleet_anomalies},
	{"GET", "/v1/fleet/{}", API_ROLE_VIEWER, api_fleet_groups},
	{"GET", "/v1/events", API_ROLE_VIEWER, api_events_list},
	{"GET", "/v1/whoami", API_ROLE_VIEWER, api_whoami_get},
	{NULL, NULL, API_ROLE_NONE, NULL},
};

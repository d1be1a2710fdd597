/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API's writes (docs/api.md): every POST, PUT and DELETE, and the two
 * reads that hand out what only an admin may see (the enrolment record)
 * or what only an admin manages (tokens). One handler file per resource;
 * what they share is api_write.h.
 */
#include <stddef.h>

#include "api.h"
#include "api_write.h"

const struct api_route api_routes_write[] = {
	{"POST", "/v1/devices", API_ROLE_OPERATOR, api_enrol_post},
	{"POST", "/v1/devices/{}/revoke", API_ROLE_OPERATOR, api_revoke_post},
	{"POST", "/v1/devices/{}/approve", API_ROLE_OPERATOR, api_approve_post},
	{"PUT", "/v1/devices/{}/cwmp-credentials", API_ROLE_OPERATOR, api_cwmp_cred_put},
	{"GET", "/v1/devices/{}/record", API_ROLE_ADMIN, api_record_get},
	{"POST", "/v1/classes/{}/pause", API_ROLE_OPERATOR, api_class_pause_post},
	{"POST", "/v1/classes/{}/resume", API_ROLE_OPERATOR, api_class_resume_post},
	{"PUT", "/v1/classes/{}/bundle", API_ROLE_ADMIN, api_bundle_put},
	{"GET", "/v1/tokens", API_ROLE_ADMIN, api_tokens_list},
	{"POST", "/v1/tokens", API_ROLE_ADMIN, api_tokens_post},
	{"DELETE", "/v1/tokens/{}", API_ROLE_ADMIN, api_tokens_delete},
	{NULL, NULL, API_ROLE_NONE, NULL},
};

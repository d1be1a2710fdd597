/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API's writes (POST, PUT, DELETE of docs/api.md). Empty until the
 * write routes land: the router then answers 405 to a write on a path the
 * read table knows, and 404 otherwise.
 */
#include <stddef.h>

#include "api.h"

const struct api_route api_routes_write[] = {
	{NULL, NULL, API_ROLE_NONE, NULL},
};

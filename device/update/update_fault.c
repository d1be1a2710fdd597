/* SPDX-License-Identifier: Apache-2.0 */
/* Installation outcomes to TR-069 fault codes (table in update_fault.h). */
#include "update_fault.h"

static const struct {
	unsigned code;
	const char *name;
} table[UPDATE_E__COUNT] = {
	[UPDATE_OK] = { 0, "ok" },
	[UPDATE_E_STREAM] = { 9010, "download-failure" },
	[UPDATE_E_CORRUPTED] = { 9018, "file-corrupted" },
	[UPDATE_E_AUTH] = { 9019, "file-authentication-failure" },
	[UPDATE_E_ROLLBACK] = { 9019, "rollback-refused" },
	[UPDATE_E_PRODUCT_CLASS] = { 9018, "wrong-product-class" },
	[UPDATE_E_TOO_BIG] = { 9010, "image-too-big" },
	[UPDATE_E_INTERNAL] = { 9002, "internal-error" },
	[UPDATE_E_POWER] = { 9002, "power-lost" },
	[UPDATE_E_DENIED] = { 9001, "request-denied" },
};

unsigned update_fault_code(enum update_status st)
{
	if ((unsigned)st >= UPDATE_E__COUNT)
		return 9002;
	return table[st].code;
}

const char *update_status_name(enum update_status st)
{
	if ((unsigned)st >= UPDATE_E__COUNT)
		return "internal-error";
	return table[st].name;
}

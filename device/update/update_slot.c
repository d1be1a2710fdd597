/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Emptying a slot. hal_flash_list forbids changing the partition during the
 * listing, so names are collected in batches of a fixed size and removed
 * after each listing, until a listing finds nothing: constant memory
 * whatever the slot holds.
 */
#include <stdio.h>
#include <string.h>

#include "boot_verify.h"
#include "update_slot.h"

#define BATCH 16

struct batch {
	unsigned n;
	char names[BATCH][MAYDAY_NAME_MAX + 1];
};

static enum mayday_err collect(void *ctx, const char *name, uint64_t size)
{
	struct batch *b = ctx;

	(void)size;
	if (b->n == BATCH)
		return MAYDAY_OK;
	snprintf(b->names[b->n++], sizeof b->names[0], "%s", name);
	return MAYDAY_OK;
}

enum mayday_err update_slot_clean(struct hal_flash *f, const char *part)
{
	struct batch b;
	enum mayday_err rc;

	rc = hal_flash_remove(f, part, BOOT_MANIFEST_NAME);
	if (rc == MAYDAY_E_NOTFOUND)
		rc = MAYDAY_OK;
	while (rc == MAYDAY_OK) {
		b.n = 0;
		rc = hal_flash_list(f, part, collect, &b);
		if (rc != MAYDAY_OK || b.n == 0)
			break;
		for (unsigned i = 0; i < b.n && rc == MAYDAY_OK; i++)
			rc = hal_flash_remove(f, part, b.names[i]);
	}
	return rc;
}

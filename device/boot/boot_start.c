/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading a partition's program for execution, and normal code's start up
 * to the exec: load first, measure the outcome second (see boot_start.h).
 */
#include "boot_start.h"

#include <unistd.h>

#include "boot_load.h"
#include "boot_measure.h"
#include "boot_state.h"
#include "exit_codes.h"
#include "log.h"

enum mayday_err boot_start_load(struct hal_flash *f, const char *part,
				const struct mayday_trv *trv, char *path, size_t cap, int *fd,
				struct mayday_component_evidence *ev)
{
	struct boot_measure *m = NULL;
	enum mayday_err rc;

	rc = hal_flash_path(f, part, trv->name, path, cap);
	if (rc == MAYDAY_OK)
		rc = boot_measure_new(&m);
	if (rc == MAYDAY_OK)
		rc = boot_load_component(m, f, part, trv, fd, ev);
	boot_measure_free(m);
	return rc;
}

enum mayday_err boot_start_load_normal(struct hal_flash *f, struct hal_rot **rot,
				       struct boot_decision *d, char *path, size_t cap, int *fd)
{
	const char *part = boot_state_slot_part(d->slot);
	struct mayday_component_evidence ev;
	enum mayday_err rc;

	*fd = -1;
	rc = boot_start_load(f, part, &d->normal_entry, path, cap, fd, &ev);
	if (rc == MAYDAY_E_POWER) {
		d->action = BOOT_HALT;
		d->halt_code = MAYDAY_EXIT_HALT_INTERNAL;
		d->halt_reason = "power-lost";
		log_info("halt: code %d (power-lost): flash unavailable while loading normal code",
			 MAYDAY_EXIT_HALT_INTERNAL);
	} else if (rc == MAYDAY_E_MISMATCH) {
		boot_decide_demote(d, MAYDAY_REASON_COMPONENT_MISMATCH, &ev);
	} else if (rc == MAYDAY_E_NOTFOUND) {
		boot_decide_demote(d, MAYDAY_REASON_COMPONENT_MISSING, &ev);
	} else if (rc != MAYDAY_OK) {
		log_info("%s/%s: cannot be loaded: %s", part, d->normal_entry.name,
			 mayday_strerror(rc));
		boot_decide_demote(d, MAYDAY_REASON_NORMAL_START_FAILED, NULL);
	}
	boot_decide_measure(rot, d);
	if (d->action == BOOT_START_NORMAL)
		return MAYDAY_OK;
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	return rc != MAYDAY_OK ? rc : MAYDAY_E_INTERNAL;
}
